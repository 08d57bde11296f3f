// COPY and ADD: where the sources go, and ADD's archives.
//
//   COPY a.txt /app/        -> /app/a.txt         (a destination ending in / is a directory)
//   COPY a.txt /app/b.txt   -> /app/b.txt         (unless /app/b.txt is a directory already)
//   COPY dir /app           -> /app/<dir's contents>  (a directory's contents, not itself)
//   COPY a b /app/          several sources: the destination must end with /
//   ADD app.tar.gz /opt/    a local tar archive (plain, gzip, bzip2 or xz) is unpacked
//                           into the destination; anything else is copied as COPY does
// A relative destination is relative to WORKDIR. Sources from a URL are refused:
// boxlab builds offline.
import { spawnSync } from 'node:child_process';
import { posix } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { GZIP_MAGIC } from '../images/layer.ts';
import { readTar, TarError, type TarEntry } from '../images/tar.ts';
import { build as t } from '../text/index.ts';
import { type Dir, release, resolveIn } from './fsroot.ts';
import { SOURCE_LIMITS, type Source } from './sources.ts';
import { ensureDir, writeEntries, type Owner } from './writer.ts';

export class CopyError extends Error {}

/** An archive's member count, at most (its bytes count against SOURCE_LIMITS). */
const MAX_MEMBERS = SOURCE_LIMITS.entries;

type Compression = 'none' | 'gzip' | 'bzip2' | 'xz';

/** Is this file a tar archive ADD unpacks, and how is it compressed? By its bytes, as
 *  Docker decides (the name does not count). */
function archiveKind(data: Buffer): Compression | undefined {
  if (data.subarray(0, 2).equals(GZIP_MAGIC)) return 'gzip';
  if (data.subarray(0, 3).toString('latin1') === 'BZh') return 'bzip2';
  if (data.subarray(0, 6).equals(Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]))) return 'xz';
  if (data.length >= 512 && data.subarray(257, 262).toString('latin1') === 'ustar') return 'none';
  return undefined;
}

function decompress(data: Buffer, kind: Compression, name: string): Buffer {
  if (kind === 'none') return data;
  if (kind === 'gzip') {
    try {
      return gunzipSync(data, { maxOutputLength: SOURCE_LIMITS.bytes });
    } catch (err) {
      throw new CopyError(t.badArchive(name, (err as Error).message));
    }
  }
  // bzip2 and xz: Node has no decoder; the programs that have one do it.
  const program = kind === 'xz' ? 'xz' : 'bzip2';
  const r = spawnSync(program, ['-dc'], { input: data, maxBuffer: SOURCE_LIMITS.bytes });
  if (r.error) throw new CopyError(t.needsProgram(name, program, kind === 'xz' ? 'xz-utils' : 'bzip2'));
  if (r.status !== 0) throw new CopyError(t.badArchive(name, r.stderr.toString().trim()));
  return r.stdout;
}

/** The members of an archive ADD unpacks, their paths kept inside the destination. */
function archiveEntries(data: Buffer, kind: Compression, name: string): TarEntry[] {
  let entries: TarEntry[];
  try {
    entries = readTar(decompress(data, kind, name));
  } catch (err) {
    if (err instanceof TarError) throw new CopyError(t.badArchive(name, err.message));
    throw err;
  }
  if (entries.length > MAX_MEMBERS) throw new CopyError(t.sourceTooMany(name, MAX_MEMBERS));
  for (const e of entries) {
    if (e.path.split('/').includes('..')) throw new CopyError(t.memberLeaves(name, e.path));
    if (e.type === 'hardlink' && (e.linkname ?? '').split('/').includes('..')) throw new CopyError(t.memberLeaves(name, e.linkname ?? ''));
  }
  // A member "./" is the destination itself: its owner and mode go there.
  return entries;
}

/** A source that names a URL (ADD https://...): refused, nothing is downloaded. */
export function isUrl(src: string): boolean {
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(src) || /^git@/.test(src);
}

export interface Placement {
  /** Absolute destination in the image, as given (a trailing / kept). */
  dest: string;
  chown?: Owner;
  /** ADD: unpack local archives. */
  unpack: boolean;
}

/** Is DEST an existing directory in the image? */
function isDirIn(root: Dir, dest: string): boolean {
  const found = resolveIn(root, dest, { followLast: true });
  if (!found) return false;
  release(found, root);
  return found.st.isDirectory();
}

/** Write the sources at their destination in the image rooted at ROOT; returns the
 *  number of entries written. Directories made on the way are 0755 and --chown's (else
 *  root's); a destination directory that exists keeps its owner and mode. An archive's
 *  members keep their own owners (--chown goes to the directories made for them), as
 *  buildah has it. */
export function place(root: Dir, sources: Source[], p: Placement): number {
  const intoDir = p.dest.endsWith('/') || isDirIn(root, p.dest);
  const single = sources.length === 1;
  if (!single && !p.dest.endsWith('/')) throw new CopyError(t.manyNeedDir(p.dest));
  let written = 0;
  for (const s of sources) {
    const file = s.entries[0];
    const kind = p.unpack && !s.isDir && file?.type === 'file' ? archiveKind(file.data ?? Buffer.alloc(0)) : undefined;
    if (kind) {
      ensureDir(root, p.dest, p.chown);
      written += writeEntries(root, p.dest, archiveEntries(file!.data!, kind, s.rel), { made: p.chown, linksWithin: true });
    } else if (s.isDir) {
      ensureDir(root, p.dest, p.chown);
      written += writeEntries(root, p.dest, s.entries, { chown: p.chown });
    } else {
      const target = intoDir ? posix.join(p.dest, s.name) : p.dest;
      written += writeEntries(root, target, s.entries, { chown: p.chown });
    }
  }
  return written;
}
