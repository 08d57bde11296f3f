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
  rmSync, symlinkSync, utimesSync, writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { OPAQUE_MARKER, WHITEOUT_PREFIX, readLayer } from './layer.ts';
import { type Image, type Layout } from './layout.ts';
import { makeNode, makeWhiteout, markOpaque } from './special.ts';
import type { TarEntry } from './tar.ts';

export type UnpackMode = 'overlay' | 'flat';

export interface ApplyReport {
  /** Members written (files, directories, links, nodes). */
  written: number;
  /** Paths deleted (flat) or marked with a whiteout (overlay). */
  whiteouts: string[];
  /** Directories emptied (flat) or marked opaque (overlay). */
  opaque: string[];
}

export class UnpackError extends Error {
  constructor(readonly member: string, message: string) {
    super(`layer member ${member}: ${message}`);
    this.name = 'UnpackError';
  }
}

const asRoot = () => process.getuid?.() === 0;

/** DEST/REL, refusing any path that would leave DEST; parent directories that are
 *  missing are made. Throws on "..", or on a parent that is not a real directory. */
function inside(dest: string, rel: string, member: string): string {
  const parts = rel.split('/');
  if (rel === '' || parts.some((p) => p === '' || p === '.' || p === '..')) throw new UnpackError(member, 'the path must stay inside the layer (no "..", no absolute path)');
  let at = dest;
  for (const part of parts.slice(0, -1)) {
    at = join(at, part);
    let st;
    try {
      st = lstatSync(at);
    } catch {
      mkdirSync(at, { mode: 0o755 });
      continue;
    }
    if (st.isSymbolicLink()) throw new UnpackError(member, `its parent ${at} is a symbolic link: following it could write outside ${dest}`);
    if (!st.isDirectory()) throw new UnpackError(member, `its parent ${at} is not a directory`);
  }
  return join(at, parts[parts.length - 1]!);
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

function writeMember(e: TarEntry, dest: string, dirTimes: [string, number][]): void {
  const path = inside(dest, e.path, e.path);
  const st = exists(path) ? lstatSync(path) : undefined;
  // Both directories: keep it, take the member's attributes. Anything else is replaced.
  if (st && !(st.isDirectory() && e.type === 'dir')) rmSync(path, { recursive: true, force: true });
  switch (e.type) {
    case 'dir':
      if (!st?.isDirectory()) mkdirSync(path, { mode: 0o700 });
      break;
    case 'file':
      writeFileSync(path, e.data ?? Buffer.alloc(0), { mode: 0o600 });
      break;
    case 'symlink':
      symlinkSync(e.linkname ?? '', path);
      break;
    case 'hardlink': {
      const target = inside(dest, e.linkname ?? '', e.path);
      if (!exists(target)) throw new UnpackError(e.path, `it is a hard link to ${e.linkname}, which is not in this layer`);
      linkSync(target, path);
      return; // the inode's owner and mode are the target's
    }
    case 'char':
    case 'block':
    case 'fifo':
      makeNode(path, e.type === 'char' ? 'c' : e.type === 'block' ? 'b' : 'p', e.devmajor ?? 0, e.devminor ?? 0, e.mode);
      break;
  }
  if (e.type === 'symlink') {
    if (asRoot()) lchownSync(path, e.uid, e.gid);
    lutimesSync(path, e.mtime, e.mtime);
    return;
  }
  // chown first: it clears setuid and setgid, which chmod then sets.
  if (asRoot()) chownSync(path, e.uid, e.gid);
  chmodSync(path, e.mode);
  // A directory's time changes with every member written into it: set it at the end.
  if (e.type === 'dir') dirTimes.push([path, e.mtime]);
  else utimesSync(path, e.mtime, e.mtime);
}

/** Apply one layer's members to DEST. */
export function applyLayer(entries: TarEntry[], dest: string, mode: UnpackMode): ApplyReport {
  const report: ApplyReport = { written: 0, whiteouts: [], opaque: [] };
  const marks = entries.filter((e) => whiteoutOf(e.path));
  const members = entries.filter((e) => e.path !== '' && !whiteoutOf(e.path));
  const dirTimes: [string, number][] = [];
  const target = (dir: string, name: string | undefined, member: string) => (dir || name ? inside(dest, name === undefined ? dir : dir ? `${dir}/${name}` : name, member) : dest);

  // flat: a layer's deletions apply to the layers below it, so they go first, whatever
  // their place in the tar; then its members.
  if (mode === 'flat') {
    for (const m of marks) {
      const { dir, name } = whiteoutOf(m.path)!;
      const path = target(dir, name, m.path);
      if (name !== undefined) {
        rmSync(path, { recursive: true, force: true });
        report.whiteouts.push(`/${dir ? `${dir}/` : ''}${name}`);
      } else if (existsSync(path)) {
        for (const child of readdirSync(path)) rmSync(join(path, child), { recursive: true, force: true });
        report.opaque.push(`/${dir}`);
      }
    }
  }
  for (const e of members) {
    writeMember(e, dest, dirTimes);
    report.written += 1;
  }
  // overlay: the marks go in after the members, so a member of this same layer wins over
  // a whiteout of its name (a whiteout hides only what is below it).
  if (mode === 'overlay') {
    for (const m of marks) {
      const { dir, name } = whiteoutOf(m.path)!;
      const path = target(dir, name, m.path);
      if (name !== undefined) {
        if (exists(path)) continue;
        makeWhiteout(path);
        if (asRoot()) chownSync(path, m.uid, m.gid);
        report.whiteouts.push(`/${dir ? `${dir}/` : ''}${name}`);
      } else {
        if (!exists(path)) mkdirSync(path, { mode: 0o755 });
        markOpaque(path);
        report.opaque.push(`/${dir}`);
      }
    }
  }
  // Deepest first, so setting a child's time does not change its parent's again.
  for (const [path, mtime] of dirTimes.reverse()) utimesSync(path, mtime, mtime);
  return report;
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
  image.manifest.layers.forEach((desc, i) => {
    const { entries, diffId } = readLayer(layout.readBlob(desc.digest, desc.size));
    const expected = image.config.rootfs.diff_ids[i];
    if (diffId !== expected) throw new UnpackError(desc.digest, `its tar hashes to ${diffId}, but the config's diff_id ${i + 1} is ${expected}`);
    const dir = mode === 'overlay' ? join(dest, String(i + 1)) : dest;
    if (mode === 'overlay') {
      if (existsSync(dir) && readdirSync(dir).length) throw new UnpackError(desc.digest, `${dir} is not empty: unpack into a new directory`);
      mkdirSync(dir, { recursive: true, mode: 0o755 });
    }
    out.push({ dir, digest: desc.digest, ...applyLayer(entries, dir, mode) });
  });
  return out;
}

/** overlay's lowerdir= for layers unpacked into DEST/1..N: the top layer first. */
export function lowerdirOf(layers: UnpackedLayer[]): string[] {
  return layers.map((l) => l.dir).reverse();
}
