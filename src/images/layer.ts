// A directory becomes a layer: a tar of its tree, gzipped, named by digests.
//
// The directory is read as overlayfs keeps a layer, so an overlay upper directory
// (what a container changed) becomes the layer of those changes, which is `docker
// commit`. Overlayfs and the OCI tar format say "deleted" differently:
//
//   on disk, in an overlay layer                 in the layer's tar
//   NAME: character device 0/0 (a whiteout)      DIR/.wh.NAME, an empty file
//   DIR with xattr trusted.overlay.opaque=y      DIR/ and DIR/.wh..wh..opq
//
// Two digests come out: the diff_id, sha256 of the tar itself (it names the change
// set, and goes in the image config), and the digest of the gzipped blob (it names
// the bytes stored and sent, and goes in the manifest).
import { lstatSync, readFileSync, readdirSync, readlinkSync, type Stats } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { sha256, type Digest } from './digest.ts';
import { MEDIA, type Descriptor } from './oci.ts';
import { isOpaqueDir, splitDev } from './special.ts';
import { TarError, readTar, writeTar, type TarEntry } from './tar.ts';
import { images as text } from '../text/index.ts';

export const WHITEOUT_PREFIX = '.wh.';
export const OPAQUE_MARKER = '.wh..wh..opq';

export interface LayerBlob {
  /** The gzipped tar: what the blob holds. */
  gzip: Buffer;
  /** sha256 of the uncompressed tar. */
  diffId: Digest;
  descriptor: Descriptor;
}

export interface DirEntries {
  entries: TarEntry[];
  /** Paths tar cannot hold (sockets), left out. */
  skipped: string[];
}

function isWhiteout(st: Stats): boolean {
  return st.isCharacterDevice() && st.rdev === 0;
}

/** The tar entries of everything under `dir` (not `dir` itself), sorted, whiteouts of a
 *  directory before its other entries (as the spec asks), hard links kept as links. */
export function entriesFromDir(dir: string): DirEntries {
  const entries: TarEntry[] = [];
  const skipped: string[] = [];
  const firstPathOfInode = new Map<string, string>();
  const base = (st: Stats, path: string): Omit<TarEntry, 'type'> => ({ path, mode: st.mode & 0o7777, uid: st.uid, gid: st.gid, mtime: Math.floor(st.mtimeMs / 1000) });

  const walk = (rel: string) => {
    const names = readdirSync(join(dir, rel)).sort();
    const stats = names.map((n) => [n, lstatSync(join(dir, rel, n))] as const);
    // Whiteouts first: a reader applying the layer must delete before it adds.
    const ordered = [...stats.filter(([, st]) => isWhiteout(st)), ...stats.filter(([, st]) => !isWhiteout(st))];
    for (const [name, st] of ordered) {
      const path = rel ? `${rel}/${name}` : name;
      const full = join(dir, path);
      if (isWhiteout(st)) {
        entries.push({ ...base(st, rel ? `${rel}/${WHITEOUT_PREFIX}${name}` : `${WHITEOUT_PREFIX}${name}`), mode: 0, type: 'file', data: Buffer.alloc(0) });
      } else if (st.isDirectory()) {
        entries.push({ ...base(st, path), type: 'dir' });
        if (isOpaqueDir(full)) entries.push({ ...base(st, `${path}/${OPAQUE_MARKER}`), mode: 0, type: 'file', data: Buffer.alloc(0) });
        walk(path);
      } else if (st.nlink > 1 && firstPathOfInode.has(`${st.dev}:${st.ino}`)) {
        entries.push({ ...base(st, path), type: 'hardlink', linkname: firstPathOfInode.get(`${st.dev}:${st.ino}`)! });
      } else if (st.isFile()) {
        if (st.nlink > 1) firstPathOfInode.set(`${st.dev}:${st.ino}`, path);
        entries.push({ ...base(st, path), type: 'file', data: readFileSync(full) });
      } else if (st.isSymbolicLink()) {
        entries.push({ ...base(st, path), type: 'symlink', linkname: readlinkSync(full) });
      } else if (st.isCharacterDevice() || st.isBlockDevice()) {
        const { major, minor } = splitDev(st.rdev);
        entries.push({ ...base(st, path), type: st.isCharacterDevice() ? 'char' : 'block', devmajor: major, devminor: minor });
      } else if (st.isFIFO()) {
        entries.push({ ...base(st, path), type: 'fifo' });
      } else {
        skipped.push(path);
      }
    }
  };
  walk('');
  return { entries, skipped };
}

/** Tar, digest, gzip, digest. gzip's header carries no time or name here (Node writes
 *  MTIME 0), so the same tar always gives the same blob. */
export function layerBlob(entries: TarEntry[]): LayerBlob {
  const tar = writeTar(entries);
  const gzip = gzipSync(tar);
  return {
    gzip,
    diffId: sha256(tar),
    descriptor: { mediaType: MEDIA.layerGzip, digest: sha256(gzip), size: gzip.length },
  };
}

export const GZIP_MAGIC = Buffer.from([0x1f, 0x8b]);

/** The most a layer's tar may hold, unpacked: a gzip "bomb" of a few kilobytes would
 *  otherwise grow in memory until node dies. */
export const MAX_LAYER_BYTES = 2 ** 30;

/** The entries of a layer blob, gzipped or not (by its bytes, whatever the media type
 *  says). `source` names it in errors ("layer sha256:…"). */
export function readLayer(blob: Buffer, source = 'layer'): { entries: TarEntry[]; diffId: Digest } {
  const tar = blob.subarray(0, 2).equals(GZIP_MAGIC) ? gunzipBounded(blob, source) : blob;
  if (tar.length > MAX_LAYER_BYTES) throw new TarError(text.layerTooBig(source, tar.length, MAX_LAYER_BYTES), 0);
  return { entries: readTar(tar, source), diffId: sha256(tar) };
}

function gunzipBounded(blob: Buffer, source: string): Buffer {
  try {
    return gunzipSync(blob, { maxOutputLength: MAX_LAYER_BYTES });
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    if (e.code === 'ERR_BUFFER_TOO_LARGE' || e instanceof RangeError) throw new TarError(text.layerUnpacksTooBig(source, MAX_LAYER_BYTES), 0);
    throw new TarError(text.notGzip(source, e.message), 0);
  }
}
