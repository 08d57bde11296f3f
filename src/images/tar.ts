// A layer is a tar archive: this writes and reads one.
//
// A tar file is a row of 512-byte blocks. Each member starts with a header block (the
// POSIX ustar layout below), followed by its data padded to a whole block; two blocks
// of zeros end the archive. Numbers in the header are octal text. The header holds a
// name of at most 100 bytes (plus a 155-byte prefix that may take the part before a
// '/'), a link name of at most 100 bytes, sizes below 8 GiB and ids below 2^21; when a
// member needs more, a pax extended header (typeflag 'x') goes before it, whose data
// are records "LEN key=value\n" that override the fields of the next header.
//
//   offset size field        offset size field
//        0  100 name              257    6 magic "ustar\0"
//      100    8 mode              263    2 version "00"
//      108    8 uid               265   32 uname
//      116    8 gid               297   32 gname
//      124   12 size              329    8 devmajor
//      136   12 mtime             337    8 devminor
//      148    8 chksum            345  155 prefix
//      156    1 typeflag          (to 512: zeros)
//      157  100 linkname
//
// chksum is the sum of the header's bytes with the chksum field itself read as eight
// spaces. The reader also takes what other writers produce: GNU long names ('L', 'K'),
// pax global headers ('g'), base-256 numbers, old-style names without a magic.
import { images as words } from '../text/index.ts';

export type EntryType = 'file' | 'hardlink' | 'symlink' | 'char' | 'block' | 'dir' | 'fifo';

export interface TarEntry {
  /** Relative path, '/'-separated, no leading "./" or "/", no trailing "/". */
  path: string;
  type: EntryType;
  /** Permission bits, setuid/setgid/sticky included (07777). */
  mode: number;
  uid: number;
  gid: number;
  /** Seconds since the epoch. */
  mtime: number;
  /** A file's bytes. */
  data?: Buffer;
  /** A symlink's target, or the path of the member a hard link shares its inode with. */
  linkname?: string;
  devmajor?: number;
  devminor?: number;
}

const BLOCK = 512;

const TYPEFLAG: Record<EntryType, string> = { file: '0', hardlink: '1', symlink: '2', char: '3', block: '4', dir: '5', fifo: '6' };
const TYPE_OF_FLAG: Record<string, EntryType> = { '0': 'file', '\0': 'file', '7': 'file', '1': 'hardlink', '2': 'symlink', '3': 'char', '4': 'block', '5': 'dir', '6': 'fifo' };

export class TarError extends Error {
  constructor(message: string, readonly offset: number, archive?: string) {
    super(words.tarAt(archive, offset, message));
    this.name = 'TarError';
  }
}

// ------------------------------------------------------------------ writing

/** An octal field of `width` bytes: width-1 digits and a NUL. Undefined if it does not fit. */
function octal(value: number, width: number): string | undefined {
  const digits = Math.max(0, Math.floor(value)).toString(8);
  return digits.length > width - 1 ? undefined : digits.padStart(width - 1, '0') + '\0';
}

/** One pax record: "LEN key=value\n", where LEN counts the whole record, itself included. */
export function paxRecord(key: string, value: string): string {
  const rest = ` ${key}=${value}\n`;
  const restBytes = Buffer.byteLength(rest);
  let len = restBytes + 1;
  while (String(len).length + restBytes !== len) len = String(len).length + restBytes;
  return `${len}${rest}`;
}

/** ustar's name + prefix for a path, or undefined when it fits neither way. */
function splitName(name: string): { name: string; prefix: string } | undefined {
  if (Buffer.byteLength(name) <= 100) return { name, prefix: '' };
  // Split at a '/' so that the prefix takes at most 155 bytes and the name at most 100.
  for (let i = name.indexOf('/'); i > 0; i = name.indexOf('/', i + 1)) {
    const prefix = name.slice(0, i);
    const rest = name.slice(i + 1);
    if (Buffer.byteLength(prefix) <= 155 && Buffer.byteLength(rest) <= 100 && rest !== '') return { name: rest, prefix };
    if (Buffer.byteLength(prefix) > 155) break;
  }
  return undefined;
}

function header(fields: { name: string; prefix: string; mode: number; uid: number; gid: number; size: number; mtime: number; typeflag: string; linkname: string; devmajor: number; devminor: number }): Buffer {
  const h = Buffer.alloc(BLOCK);
  const put = (offset: number, width: number, text: string) => {
    h.write(text, offset, width, 'utf8');
  };
  put(0, 100, fields.name);
  put(100, 8, octal(fields.mode & 0o7777, 8)!);
  put(108, 8, octal(fields.uid, 8) ?? octal(0, 8)!);
  put(116, 8, octal(fields.gid, 8) ?? octal(0, 8)!);
  put(124, 12, octal(fields.size, 12) ?? octal(0, 12)!);
  put(136, 12, octal(fields.mtime, 12) ?? octal(0, 12)!);
  put(156, 1, fields.typeflag);
  put(157, 100, fields.linkname);
  put(257, 6, 'ustar\0');
  put(263, 2, '00');
  put(329, 8, octal(fields.devmajor, 8) ?? octal(0, 8)!);
  put(337, 8, octal(fields.devminor, 8) ?? octal(0, 8)!);
  put(345, 155, fields.prefix);
  h.fill(0x20, 148, 156); // chksum counts as spaces while it is summed
  let sum = 0;
  for (const b of h) sum += b;
  put(148, 8, sum.toString(8).padStart(6, '0') + '\0 ');
  return h;
}

const padding = (size: number) => Buffer.alloc((BLOCK - (size % BLOCK)) % BLOCK);

/** The blocks of one member: a pax header first when the ustar fields cannot hold it. */
function member(e: TarEntry): Buffer[] {
  const data = e.type === 'file' ? (e.data ?? Buffer.alloc(0)) : Buffer.alloc(0);
  const name = e.type === 'dir' ? `${e.path}/` : e.path;
  const linkname = e.linkname ?? '';
  const pax: string[] = [];
  const split = splitName(name);
  if (!split) pax.push(paxRecord('path', name));
  if (Buffer.byteLength(linkname) > 100) pax.push(paxRecord('linkpath', linkname));
  if (octal(data.length, 12) === undefined) pax.push(paxRecord('size', String(data.length)));
  if (octal(e.uid, 8) === undefined) pax.push(paxRecord('uid', String(e.uid)));
  if (octal(e.gid, 8) === undefined) pax.push(paxRecord('gid', String(e.gid)));
  const blocks: Buffer[] = [];
  const common = { mode: e.mode, uid: e.uid, gid: e.gid, mtime: e.mtime, devmajor: e.devmajor ?? 0, devminor: e.devminor ?? 0 };
  if (pax.length) {
    const body = Buffer.from(pax.join(''));
    const base = name.replace(/\/$/, '').split('/').pop()!.slice(0, 80);
    blocks.push(header({ ...common, name: `PaxHeaders/${base}`, prefix: '', mode: 0o644, size: body.length, typeflag: 'x', linkname: '', devmajor: 0, devminor: 0 }), body, padding(body.length));
  }
  const fit = split ?? { name: name.slice(0, 100), prefix: '' };
  blocks.push(header({ ...common, ...fit, size: data.length, typeflag: TYPEFLAG[e.type], linkname: linkname.slice(0, 100) }));
  if (data.length) blocks.push(data, padding(data.length));
  return blocks;
}

/** A whole tar archive of `entries`, in the order given. */
export function writeTar(entries: Iterable<TarEntry>): Buffer {
  const blocks: Buffer[] = [];
  for (const e of entries) blocks.push(...member(e));
  blocks.push(Buffer.alloc(2 * BLOCK));
  return Buffer.concat(blocks);
}

// ------------------------------------------------------------------ reading
//
// An archive comes from elsewhere (a layer of someone's image) and may be hostile:
// every number is checked to be a whole, non-negative size that fits what is left, and
// every length the reader keeps (names, pax headers, entries) is bounded, so a damaged
// or crafted archive is refused with its member's name, never looped over or let grow
// until node runs out of memory.

/** What the reader accepts: generous for any real image, small enough to keep in memory. */
const TAR_LIMITS = {
  /** A path or link target (Linux's PATH_MAX). */
  pathBytes: 4096,
  /** One pax header's data, and all of the global ones together. */
  paxBytes: 64 * 1024,
  /** Records in one pax header. */
  paxRecords: 256,
  /** Members in one archive. */
  entries: 1_000_000,
  /** A uid or gid (2^32 - 2: -1 means "no change" to chown). */
  id: 0xfffffffe,
  /** A device major or minor number. */
  devNumber: 0xffffffff,
} as const;

/** Where in which archive: "layer sha256:ab…, member etc/passwd (at byte 1536)". */
interface Place { archive?: string; member?: string; at: number }

function placed(p: Place, message: string): TarError {
  return new TarError(words.tarMember(p.member === undefined ? undefined : JSON.stringify(p.member.slice(0, 200)), message), p.at, p.archive);
}

/** A numeric field: octal text, or (GNU) base-256 when the first byte's high bit is set. */
function number(h: Buffer, offset: number, width: number, field: string, p: Place): number {
  const bytes = h.subarray(offset, offset + width);
  if (bytes[0]! & 0x80) {
    // base-256: the high bit marks it; 0xff first means a negative number, which no
    // field of a member may hold.
    if (bytes[0] === 0xff) throw placed(p, words.negativeField(field));
    let v = bytes[0]! & 0x7f;
    for (let i = 1; i < width; i++) v = v * 256 + bytes[i]!;
    if (!Number.isSafeInteger(v)) throw placed(p, words.hugeField(field, width));
    return v;
  }
  const text = bytes.toString('latin1').replace(/\0.*$/s, '').trim();
  if (text === '') return 0;
  if (!/^[0-7]+$/.test(text)) throw placed(p, words.notOctal(field, JSON.stringify(text)));
  return parseInt(text, 8);
}

function str(h: Buffer, offset: number, width: number): string {
  const field = h.subarray(offset, offset + width);
  const nul = field.indexOf(0);
  return field.subarray(0, nul < 0 ? width : nul).toString('utf8');
}

function checksumOk(h: Buffer, p: Place): boolean {
  const stored = number(h, 148, 8, 'checksum', p);
  let unsigned = 0;
  let signed = 0;
  for (let i = 0; i < BLOCK; i++) {
    const b = i >= 148 && i < 156 ? 0x20 : h[i]!;
    unsigned += b;
    signed += b > 127 ? b - 256 : b;
  }
  return stored === unsigned || stored === signed;
}

/** The records of a pax header: "LEN key=value\n", LEN counting the whole record. */
function parsePax(body: Buffer, at: number, where: Omit<Place, 'at'> = {}): Record<string, string> {
  const p = { ...where, at };
  if (body.length > TAR_LIMITS.paxBytes) throw placed(p, words.paxTooBig(body.length, TAR_LIMITS.paxBytes));
  const out: Record<string, string> = {};
  let i = 0;
  let records = 0;
  while (i < body.length) {
    if (body[i] === 0) break;
    if (++records > TAR_LIMITS.paxRecords) throw placed(p, words.paxTooMany(TAR_LIMITS.paxRecords));
    const space = body.indexOf(0x20, i);
    const digits = space < 0 ? '' : body.subarray(i, space).toString('latin1');
    const len = /^[1-9]\d{0,7}$/.test(digits) ? Number(digits) : NaN;
    if (!(len > digits.length + 1) || i + len > body.length || body[i + len - 1] !== 0x0a) throw placed(p, words.paxMalformed);
    const record = body.subarray(space + 1, i + len - 1).toString('utf8');
    const eq = record.indexOf('=');
    if (eq <= 0) throw placed(p, words.paxNoKey(JSON.stringify(record.slice(0, 60))));
    out[record.slice(0, eq)] = record.slice(eq + 1);
    i += len;
  }
  return out;
}

/** A pax number: digits only (a size, a uid), within max. */
function paxInteger(pax: Record<string, string>, key: string, max: number, p: Place): number | undefined {
  const text = pax[key];
  if (text === undefined) return undefined;
  if (!/^\d{1,16}$/.test(text) || Number(text) > max) throw placed(p, words.paxNumber(key, JSON.stringify(text.slice(0, 40)), max));
  return Number(text);
}

/** pax mtime: seconds, maybe negative, maybe with a fraction ("1700000000.25"). */
function paxTime(pax: Record<string, string>, p: Place): number | undefined {
  const text = pax.mtime;
  if (text === undefined) return undefined;
  if (!/^-?\d{1,12}(\.\d{1,9})?$/.test(text)) throw placed(p, words.paxMtime(JSON.stringify(text.slice(0, 40))));
  return Math.floor(Number(text));
}

function paxPath(pax: Record<string, string>, key: string, p: Place): string | undefined {
  const text = pax[key];
  if (text !== undefined && Buffer.byteLength(text) > TAR_LIMITS.pathBytes) throw placed(p, words.paxTooLong(key, TAR_LIMITS.pathBytes));
  return text;
}

/** "./a/b/" -> "a/b"; "./" -> "" (the archive's root). */
export function normalizePath(p: string): string {
  return p.replace(/^(\.\/|\/)+/, '').replace(/\/+$/, '').replace(/\/+/g, '/').replace(/^\.$/, '');
}

/** Every member of a tar archive, in order. Throws TarError, naming the archive (when
 *  given) and the member, on a damaged or hostile archive. */
export function readTar(buf: Buffer, archive?: string): TarEntry[] {
  const entries: TarEntry[] = [];
  let globals: Record<string, string> = {};
  let globalBytes = 0;
  let local: Record<string, string> = {};
  let longName: string | undefined;
  let longLink: string | undefined;
  let at = 0;
  while (at + BLOCK <= buf.length) {
    const h = buf.subarray(at, at + BLOCK);
    if (h.every((b) => b === 0)) break; // the end-of-archive blocks
    // The name as the header has it (pax or GNU may replace it below): enough to say
    // which member a problem is in.
    const p: Place = { archive, member: longName ?? local.path ?? str(h, 0, 100), at };
    if (!checksumOk(h, p)) throw placed({ archive, at }, words.badChecksum);
    const flag = String.fromCharCode(h[156]!);
    const pax = { ...globals, ...local };
    // pax records describe the next member, never another pax or GNU header: those
    // take their size from their own header.
    const meta = flag === 'x' || flag === 'g' || flag === 'L' || flag === 'K';
    const size = (meta ? undefined : paxInteger(pax, 'size', Number.MAX_SAFE_INTEGER, p)) ?? number(h, 124, 12, 'size', p);
    const dataAt = at + BLOCK;
    if (size > buf.length - dataAt) throw placed(p, words.truncated(size));
    const data = buf.subarray(dataAt, dataAt + size);
    const next = dataAt + size + ((BLOCK - (size % BLOCK)) % BLOCK);
    if (meta) {
      if (flag === 'x') local = { ...local, ...parsePax(data, at, p) };
      else if (flag === 'g') {
        globalBytes += data.length;
        if (globalBytes > TAR_LIMITS.paxBytes) throw placed(p, words.paxGlobalTooBig(TAR_LIMITS.paxBytes));
        globals = { ...globals, ...parsePax(data, at, p) };
      } else {
        if (data.length > TAR_LIMITS.pathBytes) throw placed(p, `has a GNU long ${flag === 'L' ? 'name' : 'link'} of ${data.length} bytes; at most ${TAR_LIMITS.pathBytes}`);
        const text = data.toString('utf8').replace(/\0+$/, '');
        if (flag === 'L') longName = text;
        else longLink = text;
      }
      at = next;
      continue;
    }
    const type = TYPE_OF_FLAG[flag];
    if (!type) throw placed(p, words.badType(flag));
    if (entries.length >= TAR_LIMITS.entries) throw placed(p, words.tooManyMembers(TAR_LIMITS.entries));
    const ustar = h.subarray(257, 262).toString('latin1') === 'ustar';
    const prefix = ustar ? str(h, 345, 155) : '';
    const rawName = paxPath(pax, 'path', p) ?? longName ?? (prefix ? `${prefix}/${str(h, 0, 100)}` : str(h, 0, 100));
    p.member = rawName;
    const isDir = type === 'dir' || (type === 'file' && rawName.endsWith('/'));
    const entry: TarEntry = {
      path: normalizePath(rawName),
      type: isDir ? 'dir' : type,
      mode: number(h, 100, 8, 'mode', p) & 0o7777,
      uid: paxInteger(pax, 'uid', TAR_LIMITS.id, p) ?? bounded(number(h, 108, 8, 'uid', p), TAR_LIMITS.id, 'uid', p),
      gid: paxInteger(pax, 'gid', TAR_LIMITS.id, p) ?? bounded(number(h, 116, 8, 'gid', p), TAR_LIMITS.id, 'gid', p),
      mtime: paxTime(pax, p) ?? number(h, 136, 12, 'mtime', p),
    };
    if (entry.type === 'file') entry.data = Buffer.from(data);
    if (type === 'symlink' || type === 'hardlink') {
      const link = paxPath(pax, 'linkpath', p) ?? longLink ?? str(h, 157, 100);
      // A hard link names another member, so it is a path of the archive like any other.
      entry.linkname = type === 'hardlink' ? normalizePath(link) : link;
    }
    if (type === 'char' || type === 'block') {
      entry.devmajor = bounded(number(h, 329, 8, 'device major', p), TAR_LIMITS.devNumber, 'device major', p);
      entry.devminor = bounded(number(h, 337, 8, 'device minor', p), TAR_LIMITS.devNumber, 'device minor', p);
    }
    entries.push(entry);
    local = {};
    longName = longLink = undefined;
    at = next;
  }
  return entries;
}

function bounded(value: number, max: number, field: string, p: Place): number {
  if (value > max) throw placed(p, words.fieldTooBig(field, value, max));
  return value;
}
