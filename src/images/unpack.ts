// A layer's tar becomes files again, in one of two ways.
//
// overlay: each layer into a directory of its own, to be an overlay lower directory.
//   Nothing is deleted here, since the names a layer deletes live in the layers below,
//   other directories. A deletion becomes overlayfs's own mark instead: `.wh.NAME` a
//   whiteout (character device 0/0) at NAME, `.wh..wh..opq` the xattr
//   trusted.overlay.opaque=y on its directory. The kernel then hides, at mount time,
//   what the marks name. This is how containerd's overlay snapshotter unpacks.
// flat: every layer applied on one directory, base first, deleting what a layer
//   deletes (as the image spec's "applying changesets" says; Docker's vfs driver).
//
// A layer comes from elsewhere and may be hostile: a member named "../x" or one that
// goes through a symlink the layer made ("etc -> /etc", then "etc/passwd") would write
// outside the destination. Every path is checked one component at a time.
import {
  chmodSync, chownSync, existsSync, lchownSync, linkSync, lstatSync, lutimesSync, mkdirSync, readdirSync,
  rmSync, statSync, symlinkSync, utimesSync, writeFileSync,
} from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { OPAQUE_MARKER, WHITEOUT_PREFIX, readLayer } from './layer.ts';
import { type Image, type Layout } from './layout.ts';
import { makeNode, makeWhiteout, markOpaque } from './special.ts';
import type { TarEntry } from './tar.ts';
import { images as text } from '../text/index.ts';

export type UnpackMode = 'overlay' | 'flat';

export interface ApplyReport {
  /** Members written (files, directories, links, nodes). */
  written: number;
  /** Paths deleted (flat) or marked with a whiteout (overlay). */
  whiteouts: string[];
  /** Directories emptied (flat) or marked opaque (overlay). */
  opaque: string[];
  /** Setuid/setgid bits cleared and device nodes left out (DEST is open to others). */
  withheld: Withheld[];
}

export class UnpackError extends Error {
  constructor(readonly member: string, message: string) {
    super(text.layerMember(member, message));
    this.name = 'UnpackError';
  }
}

const asRoot = () => process.getuid?.() === 0;

/** DEST/REL, refusing any path that would leave DEST; parent directories that are
 *  missing are made. Throws on "..", or on a parent that is not a real directory. */
function inside(dest: string, rel: string, member: string): string {
  const parts = parts_(rel, member);
  const parent = beneath(dest, parts.slice(0, -1), member, true)!;
  return join(parent, parts[parts.length - 1]!);
}

/** DEST/REL as a directory every component of which, the last included, is a real
 *  directory beneath DEST (never a symbolic link, which could lead anywhere); undefined
 *  when some component is missing. What a whiteout marker names is found this way. */
function insideDir(dest: string, rel: string, member: string): string | undefined {
  return rel === '' ? dest : beneath(dest, parts_(rel, member), member, false);
}

function parts_(rel: string, member: string): string[] {
  const parts = rel.split('/');
  if (rel === '' || parts.some((p) => p === '' || p === '.' || p === '..')) throw new UnpackError(member, text.pathLeaves);
  return parts;
}

/** Walk PARTS down from DEST one component at a time, each a real directory (made when
 *  missing and `create`, else undefined). */
function beneath(dest: string, parts: string[], member: string, create: boolean): string | undefined {
  let at = dest;
  for (const part of parts) {
    at = join(at, part);
    let st;
    try {
      st = lstatSync(at);
    } catch {
      if (!create) return undefined;
      mkdirSync(at, { mode: 0o755 });
      continue;
    }
    if (st.isSymbolicLink()) throw new UnpackError(member, text.throughSymlink(at, dest));
    if (!st.isDirectory()) throw new UnpackError(member, `${at} is not a directory`);
  }
  return at;
}

function exists(path: string): boolean {
  try {
    lstatSync(path);
    return true;
  } catch {
    return false;
  }
}

/** Is this member a whiteout? Returns what it deletes: a name, or the whole directory. */
function whiteoutOf(path: string): { dir: string; name?: string } | undefined {
  const slash = path.lastIndexOf('/');
  const dir = slash < 0 ? '' : path.slice(0, slash);
  const base = path.slice(slash + 1);
  if (base === OPAQUE_MARKER) return { dir };
  if (base.startsWith(WHITEOUT_PREFIX)) return { dir, name: base.slice(WHITEOUT_PREFIX.length) };
  return undefined;
}

/** What a layer asked for that could hand another user of this machine root: a setuid
 *  or setgid file anyone can run, a device node anyone can open. Kept only where no
 *  other user can reach (see reachableByOthers); elsewhere left out, and said so. */
export interface Withheld {
  member: string;
  /** setid: the setuid/setgid bits were cleared; device: the node was not made. */
  what: 'setid' | 'device';
  detail: string;
}

export interface ApplyOptions {
  /** Keep setuid/setgid bits and device nodes (DEST is closed to other users). */
  privileged?: boolean;
}

const SETID = 0o6000;

function writeMember(e: TarEntry, dest: string, dirTimes: [string, number][], opts: ApplyOptions, withheld: Withheld[]): boolean {
  const device = e.type === 'char' || e.type === 'block';
  if (device && !opts.privileged) {
    withheld.push({ member: e.path, what: 'device', detail: `${e.type} ${e.devmajor ?? 0}:${e.devminor ?? 0}` });
    return false;
  }
  let mode = e.mode;
  if (mode & SETID && !opts.privileged && e.type !== 'symlink' && e.type !== 'hardlink') {
    mode &= ~SETID;
    withheld.push({ member: e.path, what: 'setid', detail: `${e.mode.toString(8).padStart(4, '0')} -> ${mode.toString(8).padStart(4, '0')}` });
  }
  const path = inside(dest, e.path, e.path);
  const st = exists(path) ? lstatSync(path) : undefined;
  // Both directories: keep it, take the member's attributes. Anything else is replaced.
  if (st && !(st.isDirectory() && e.type === 'dir')) rmSync(path, { recursive: true, force: true });
  switch (e.type) {
    case 'dir':
      if (!st?.isDirectory()) mkdirSync(path, { mode: 0o700 });
      break;
    case 'file':
      writeFileSync(path, e.data ?? Buffer.alloc(0), { mode: 0o600, flag: 'wx' });
      break;
    case 'symlink':
      symlinkSync(e.linkname ?? '', path);
      break;
    case 'hardlink': {
      const target = inside(dest, e.linkname ?? '', e.path);
      if (!exists(target)) throw new UnpackError(e.path, text.hardlinkOutside(e.linkname ?? ''));
      linkSync(target, path);
      return true; // the inode's owner and mode are the target's
    }
    case 'char':
    case 'block':
    case 'fifo':
      makeNode(path, e.type === 'char' ? 'c' : e.type === 'block' ? 'b' : 'p', e.devmajor ?? 0, e.devminor ?? 0, mode & ~SETID);
      break;
  }
  if (e.type === 'symlink') {
    if (asRoot()) lchownSync(path, e.uid, e.gid);
    lutimesSync(path, e.mtime, e.mtime);
    return true;
  }
  // chown first: it clears setuid and setgid, which chmod then sets.
  if (asRoot()) chownSync(path, e.uid, e.gid);
  chmodSync(path, mode);
  // A directory's time changes with every member written into it: set it at the end.
  if (e.type === 'dir') dirTimes.push([path, e.mtime]);
  else utimesSync(path, e.mtime, e.mtime);
  return true;
}

/** Apply one layer's members to DEST. */
export function applyLayer(entries: TarEntry[], dest: string, mode: UnpackMode, opts: ApplyOptions = {}): ApplyReport {
  const report: ApplyReport = { written: 0, whiteouts: [], opaque: [], withheld: [] };
  const marks = entries.filter((e) => whiteoutOf(e.path));
  const members = entries.filter((e) => e.path !== '' && !whiteoutOf(e.path));
  const dirTimes: [string, number][] = [];
  const shown = (dir: string, name?: string) => `/${dir ? `${dir}/` : ''}${name ?? ''}`.replace(/(.)\/$/, '$1');

  // flat: a layer's deletions apply to the layers below it, so they go first, whatever
  // their place in the tar; then its members. Every marker's whole path is walked
  // beneath DEST: "lnk/.wh..wh..opq" after a layer made lnk -> /outside must not
  // empty /outside.
  if (mode === 'flat') {
    for (const m of marks) {
      const { dir, name } = whiteoutOf(m.path)!;
      if (name !== undefined) parts_(name, m.path); // ".wh..." would name the parent
      const parent = insideDir(dest, dir, m.path);
      if (parent === undefined) continue; // nothing there to delete
      if (name !== undefined) {
        rmSync(join(parent, name), { recursive: true, force: true }); // rm never follows a symlink: it goes itself
        report.whiteouts.push(shown(dir, name));
      } else {
        for (const child of readdirSync(parent)) rmSync(join(parent, child), { recursive: true, force: true });
        report.opaque.push(shown(dir));
      }
    }
  }
  for (const e of members) {
    if (writeMember(e, dest, dirTimes, opts, report.withheld)) report.written += 1;
  }
  // overlay: the marks go in after the members, so a member of this same layer wins over
  // a whiteout of its name (a whiteout hides only what is below it).
  if (mode === 'overlay') {
    for (const m of marks) {
      const { dir, name } = whiteoutOf(m.path)!;
      if (name !== undefined) {
        const path = inside(dest, dir ? `${dir}/${name}` : name, m.path);
        if (exists(path)) continue;
        makeWhiteout(path);
        if (asRoot()) lchownSync(path, m.uid, m.gid);
        report.whiteouts.push(shown(dir, name));
      } else {
        const path = dir === '' ? dest : inside(dest, dir, m.path);
        if (!exists(path)) mkdirSync(path, { mode: 0o755 });
        const real = insideDir(dest, dir, m.path)!; // a real directory, not a link to one
        markOpaque(real);
        report.opaque.push(shown(dir));
      }
    }
  }
  // Deepest first, so setting a child's time does not change its parent's again.
  for (const [path, mtime] of dirTimes.reverse()) utimesSync(path, mtime, mtime);
  return report;
}

/** Can a user other than this one reach files under DEST? Not when DEST, or a directory
 *  above it, is this user's own and closed to group and others (0700): only there may a
 *  layer's setuid files and device nodes be kept (a container's rootfs, say). */
export function reachableByOthers(dest: string): boolean {
  const me = process.geteuid?.() ?? 0;
  for (let dir = resolve(dest); ; dir = dirname(dir)) {
    let st;
    try {
      st = statSync(dir);
    } catch {
      if (dir === '/') return true;
      continue; // not made yet: its parent decides
    }
    if (st.uid === me && (st.mode & 0o077) === 0) return false;
    if (dir === '/') return true;
  }
}

export interface UnpackedLayer extends ApplyReport {
  /** Where it went: DEST/N for overlay (N = 1 for the base layer), DEST for flat. */
  dir: string;
  digest: string;
}

/** Unpack every layer of an image. overlay: layer N into DEST/N; flat: all into DEST.
 *  Each layer's diff_id is checked against the config. */
export function unpackImage(layout: Layout, image: Image, dest: string, mode: UnpackMode): UnpackedLayer[] {
  const out: UnpackedLayer[] = [];
  mkdirSync(dest, { recursive: true, mode: 0o755 });
  const opts = { privileged: !reachableByOthers(dest) };
  image.manifest.layers.forEach((desc, i) => {
    const { entries, diffId } = readLayer(layout.readBlob(desc.digest, desc.size), text.layerLabel(i + 1, desc.digest));
    const expected = image.config.rootfs.diff_ids[i];
    if (diffId !== expected) throw new UnpackError(desc.digest, text.diffIdMismatch(diffId, i + 1, String(expected)));
    const dir = mode === 'overlay' ? join(dest, String(i + 1)) : dest;
    if (mode === 'overlay') {
      if (existsSync(dir) && readdirSync(dir).length) throw new UnpackError(desc.digest, text.notEmpty(dir));
      mkdirSync(dir, { recursive: true, mode: 0o755 });
    }
    out.push({ dir, digest: desc.digest, ...applyLayer(entries, dir, mode, opts) });
  });
  return out;
}

/** overlay's lowerdir= for layers unpacked into DEST/1..N: the top layer first. */
export function lowerdirOf(layers: UnpackedLayer[]): string[] {
  return layers.map((l) => l.dir).reverse();
}
