// What COPY and ADD read: the sources they name, from the build context (minus what
// .dockerignore excludes) or from another stage's root filesystem, as tar entries.
//
// A source is a path in its tree, or a pattern with * ? [..] in it (matched one name at
// a time, as Go's filepath.Match does). A directory's contents are copied, not the
// directory itself; a symlink named as a source is followed, one met inside a
// directory is copied as a link. No path leaves its tree (fsroot.ts): "../x" is
// refused, and a symlink pointing out of it resolves inside it, as Docker has it.
//
// Everything read is counted against LIMITS, and digested: the digests of what a COPY
// read are part of its cache key, so changing a file's content (or mode) changes the
// key, while touching it does not (its time is not part of it, as in Docker).
import { closeSync, readSync } from 'node:fs';
import { posix } from 'node:path';
import { createHash } from 'node:crypto';
import { sha256, type Digest } from '../images/digest.ts';
import type { TarEntry } from '../images/tar.ts';
import { build as t } from '../text/index.ts';
import { GlobError, globRegex, hasMagic } from './glob.ts';
import { Dir, OutsideError, components, openFound, release, resolveIn } from './fsroot.ts';

/** What one COPY or ADD may read, at most. */
export const SOURCE_LIMITS = { bytes: 1 << 30, entries: 200_000 };

export class SourceError extends Error {}

/** A tree COPY reads from: the context (owners become root, .dockerignore applies), or
 *  a stage's root filesystem (owners kept, nothing hidden). */
export interface SourceTree {
  root: Dir;
  /** How messages name it: "the build context", "stage build". */
  shown: string;
  hidden?: (rel: string) => boolean;
  /** .dockerignore has ! patterns: an excluded directory may hold what one brings back. */
  lookInsideHidden?: boolean;
  keepOwners: boolean;
}

/** One source, read: a file (one entry, path '') or a directory (the entries of its
 *  contents, relative to it: the directory itself is not copied, only what is in it). */
export interface Source {
  /** The path as matched in its tree, and the name it gets in a destination directory. */
  rel: string;
  name: string;
  isDir: boolean;
  entries: TarEntry[];
}

interface Budget { bytes: number; entries: number }

function matchName(pattern: string, name: string): boolean {
  try {
    return globRegex(pattern).test(name);
  } catch (err) {
    if (err instanceof GlobError) throw new SourceError(t.badPattern(pattern));
    throw err;
  }
}

/** The paths a source pattern matches in the tree ("a/*.txt" -> ["a/x.txt", ...]). */
function expand(tree: SourceTree, pattern: string): string[] {
  const parts = components(pattern);
  if (parts.includes('..')) throw new SourceError(t.leavesContext(pattern, tree.shown));
  if (!parts.some((p) => hasMagic(p))) return [parts.join('/')];
  let paths = [''];
  for (const part of parts) {
    const next: string[] = [];
    for (const base of paths) {
      if (!hasMagic(part)) {
        next.push(base ? `${base}/${part}` : part);
        continue;
      }
      const found = resolveIn(tree.root, base, { followLast: true, hidden: tree.hidden });
      if (!found || !found.st.isDirectory()) continue;
      const dir = openFound(found);
      try {
        for (const name of dir.names()) {
          const rel = base ? `${base}/${name}` : name;
          if (matchName(part, name) && !tree.hidden?.(rel)) next.push(rel);
        }
      } finally {
        if (dir !== tree.root) dir.close();
        release(found, tree.root);
      }
    }
    paths = next;
  }
  return paths.sort();
}

function readAll(fd: number, size: number, shown: string): Buffer {
  const data = Buffer.alloc(size);
  let at = 0;
  while (at < size) {
    const n = readSync(fd, data, at, size - at, at);
    if (n === 0) break;
    at += n;
  }
  // A file that changed size while being read is refused rather than half taken.
  if (at !== size || readSync(fd, Buffer.alloc(1), 0, 1, size) !== 0) throw new SourceError(t.changedWhileRead(shown));
  return data;
}

function spend(budget: Budget, bytes: number, shown: string): void {
  budget.bytes -= bytes;
  budget.entries -= 1;
  if (budget.bytes < 0) throw new SourceError(t.sourceTooBig(shown, SOURCE_LIMITS.bytes));
  if (budget.entries < 0) throw new SourceError(t.sourceTooMany(shown, SOURCE_LIMITS.entries));
}

/** One entry of the tree: PARENT/NAME, whose lstat is ST, as a tar entry at PATH. */
function entryOf(tree: SourceTree, parent: Dir, name: string, st: ReturnType<Dir['lstat']> & object, path: string, budget: Budget, shown: string): TarEntry | undefined {
  const owner = tree.keepOwners ? { uid: st.uid, gid: st.gid } : { uid: 0, gid: 0 };
  const base = { path, mode: st.mode & 0o7777, ...owner, mtime: Math.floor(st.mtimeMs / 1000) };
  if (st.isDirectory()) {
    spend(budget, 0, shown);
    return { ...base, type: 'dir' };
  }
  if (st.isSymbolicLink()) {
    spend(budget, 0, shown);
    return { ...base, type: 'symlink', linkname: parent.readlink(name) };
  }
  if (st.isFile()) {
    spend(budget, st.size, shown);
    const fd = parent.openFile(name);
    try {
      return { ...base, type: 'file', data: readAll(fd, st.size, shown) };
    } finally {
      closeSync(fd);
    }
  }
  return undefined; // sockets, FIFOs and devices are not copied (Docker skips them too)
}

/** Every entry beneath DIR, paths prefixed with PREFIX, parents before children. */
function walk(tree: SourceTree, dir: Dir, rel: string, prefix: string, out: TarEntry[], budget: Budget): void {
  for (const name of dir.names()) {
    const childRel = rel ? `${rel}/${name}` : name;
    const path = prefix ? `${prefix}/${name}` : name;
    const st = dir.lstat(name);
    if (!st) continue; // gone meanwhile
    const hidden = tree.hidden?.(childRel) ?? false;
    // An excluded directory is still looked into when a ! pattern may bring back
    // something beneath it; it is then written as the parent of what comes back.
    if (hidden && !(st.isDirectory() && tree.lookInsideHidden)) continue;
    const entry = entryOf(tree, dir, name, st, path, budget, `${tree.shown}: ${childRel}`);
    if (!entry) continue;
    const at = out.length;
    if (!hidden) out.push(entry);
    if (entry.type === 'dir') {
      const child = dir.openDir(name);
      try {
        walk(tree, child, childRel, path, out, budget);
      } finally {
        child.close();
      }
      // An excluded directory with something brought back beneath it: kept as its parent.
      if (hidden && out.length > at) out.splice(at, 0, entry);
    }
  }
}

/** Read the sources a COPY or ADD names. Each pattern must match something. */
export function readSources(tree: SourceTree, patterns: string[]): Source[] {
  const budget: Budget = { bytes: SOURCE_LIMITS.bytes, entries: SOURCE_LIMITS.entries };
  const sources: Source[] = [];
  for (const pattern of patterns) {
    let paths: string[];
    try {
      paths = expand(tree, pattern);
    } catch (err) {
      if (err instanceof OutsideError) throw new SourceError(`${pattern}: ${err.message}`);
      throw err;
    }
    if (!paths.length) throw new SourceError(t.noMatch(pattern, tree.shown));
    for (const rel of paths) {
      const found = resolveIn(tree.root, rel, { followLast: true, hidden: tree.hidden });
      if (!found) throw new SourceError(t.noSource(pattern, tree.shown));
      try {
        const name = posix.basename(found.rel || rel);
        const entries: TarEntry[] = [];
        if (found.st.isDirectory()) {
          const dir = openFound(found);
          try {
            walk(tree, dir, found.rel, '', entries, budget);
          } finally {
            if (dir !== tree.root) dir.close();
          }
          sources.push({ rel: found.rel, name, isDir: true, entries });
        } else {
          const entry = entryOf(tree, found.parent, found.name!, found.st, '', budget, `${tree.shown}: ${found.rel}`);
          if (!entry) throw new SourceError(t.notCopyable(pattern, tree.shown));
          sources.push({ rel: found.rel, name, isDir: false, entries: [entry] });
        }
      } finally {
        release(found, tree.root);
      }
    }
  }
  return sources;
}

/** The digest of what was read: names, types, modes, owners, link targets and
 *  contents - not times. Part of the cache key of the step that read it. */
export function digestSources(sources: Source[]): Digest {
  const h = createHash('sha256');
  for (const s of sources) {
    h.update(`source ${s.rel} ${s.isDir ? 'dir' : 'file'}\n`);
    for (const e of s.entries) {
      h.update(`${e.path}\0${e.type}\0${e.mode.toString(8)}\0${e.uid}:${e.gid}\0${e.linkname ?? ''}\0${e.data ? sha256(e.data) : ''}\n`);
    }
  }
  return `sha256:${h.digest('hex')}`;
}
