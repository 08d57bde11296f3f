// A directory tree reached only through file descriptors, never leaving its root.
//
// The build runs as root over trees someone else may write: the build context (a
// person's own directory), and an image's root filesystem (whatever the image's
// layers hold, symlinks to /etc included). Looking a path up by its name would follow
// a symlink out of the tree, and a directory swapped for a symlink between a check and
// a use would be followed too. So every lookup here is one component at a time, from
// an open directory, with O_NOFOLLOW; the kernel is handed "/proc/self/fd/N/NAME",
// which resolves NAME inside the directory that fd N holds open (the *at() system
// calls, which Node does not offer).
//
// A symlink met on the way is resolved as if the tree were the whole filesystem,
// which is what Docker does (openat2's RESOLVE_IN_ROOT): an absolute target starts
// again at the tree's root, and ".." stops there. So `ln -s /etc/passwd x` in a
// build context makes `COPY x` read the context's own etc/passwd, never the host's.
import { build as t } from '../text/index.ts';
import { closeSync, constants, fstatSync, lstatSync, mkdirSync, openSync, readdirSync, readlinkSync, type Stats } from 'node:fs';

// (libuv opens every file with O_CLOEXEC already.)
const { O_RDONLY, O_DIRECTORY, O_NOFOLLOW, O_NONBLOCK } = constants;

/** Symlinks followed in one lookup, at most (the kernel's own limit is 40). */
const MAX_HOPS = 40;
/** Components in one path, at most. */
const MAX_DEPTH = 256;

export class OutsideError extends Error {}

/** An open directory; names are looked up in it, never through a symlink. */
export class Dir {
  private constructor(readonly fd: number) {}

  /** Open the tree's root itself (a path the caller chose and trusts). */
  static open(path: string): Dir {
    return new Dir(openSync(path, O_RDONLY | O_DIRECTORY));
  }

  /** "/proc/self/fd/N/NAME": NAME looked up in this directory. */
  at(name: string): string {
    if (name.includes('/') || name === '..' || name === '.' || name === '') throw new OutsideError(t.notSingleName(name));
    return `/proc/self/fd/${this.fd}/${name}`;
  }

  get self(): string {
    return `/proc/self/fd/${this.fd}`;
  }

  lstat(name: string): Stats | undefined {
    try {
      return lstatSync(this.at(name));
    } catch (err) {
      if (['ENOENT', 'ENOTDIR'].includes((err as NodeJS.ErrnoException).code ?? '')) return undefined;
      throw err;
    }
  }

  stat(): Stats {
    return fstatSync(this.fd);
  }

  names(): string[] {
    return readdirSync(this.self).sort();
  }

  /** A subdirectory; refuses a symlink (ELOOP) or anything that is not a directory. */
  openDir(name: string): Dir {
    return new Dir(openSync(this.at(name), O_RDONLY | O_DIRECTORY | O_NOFOLLOW));
  }

  /** A regular file for reading: not a symlink, not a FIFO that would block the open. */
  openFile(name: string): number {
    const fd = openSync(this.at(name), O_RDONLY | O_NOFOLLOW | O_NONBLOCK);
    if (!fstatSync(fd).isFile()) {
      closeSync(fd);
      throw new OutsideError(t.notRegular(name));
    }
    return fd;
  }

  readlink(name: string): string {
    return readlinkSync(this.at(name));
  }

  close(): void {
    closeSync(this.fd);
  }
}

/** Where a path led: its parent directory (open: close it when done unless it is the
 *  root) and its name there; `name` undefined means the root itself. `rel` is the
 *  path with every symlink resolved, from the root ('' for the root). */
export interface Found {
  parent: Dir;
  name?: string;
  rel: string;
  st: Stats;
}

export interface ResolveOptions {
  /** Follow a symlink in the last component too (COPY's source), or not (lstat). */
  followLast: boolean;
  /** Paths (resolved, relative to the root) to treat as absent: .dockerignore. */
  hidden?: (rel: string) => boolean;
  /** Make missing directories on the way (COPY's destination): called for each one
   *  made, with the open parent and the name, to set its owner. */
  mkdir?: (parent: Dir, name: string) => void;
}

/** Split a path into its names; "." and empty ones dropped, ".." kept. */
export function components(path: string): string[] {
  const parts = path.split('/').filter((p) => p !== '' && p !== '.');
  if (parts.length > MAX_DEPTH) throw new OutsideError(t.tooDeep(path, MAX_DEPTH));
  return parts;
}

/** Look PATH up under ROOT as if ROOT were "/", following symlinks inside it only.
 *  Undefined when it does not exist (or is hidden). */
export function resolveIn(root: Dir, path: string, opts: ResolveOptions): Found | undefined {
  const stack: { dir: Dir; name: string }[] = []; // the directories entered below root
  const top = () => stack.at(-1)?.dir ?? root;
  const relOf = (name?: string) => [...stack.map((s) => s.name), ...(name === undefined ? [] : [name])].join('/');
  const closeAll = (keep?: Dir) => { for (const s of stack) if (s.dir !== keep) s.dir.close(); };
  let todo = components(path);
  let hops = 0;
  try {
    while (todo.length) {
      const name = todo.shift()!;
      if (name === '..') {
        stack.pop()?.dir.close();
        continue;
      }
      const last = todo.length === 0;
      if (opts.hidden?.(relOf(name))) return undefined;
      let st = top().lstat(name);
      if (!st && opts.mkdir && !last) {
        mkdirSync(top().at(name), { mode: 0o755 });
        opts.mkdir(top(), name);
        st = top().lstat(name);
      }
      if (!st) return undefined;
      if (st.isSymbolicLink() && (!last || opts.followLast)) {
        if (++hops > MAX_HOPS) throw new OutsideError(t.tooManyLinks(path, MAX_HOPS));
        const target = top().readlink(name);
        if (target.startsWith('/')) {
          closeAll();
          stack.length = 0;
        }
        todo = [...components(target), ...todo];
        continue;
      }
      if (last) {
        const parent = top();
        closeAll(parent);
        return { parent, name, rel: relOf(name), st };
      }
      if (!st.isDirectory()) return undefined; // a file in the middle of the path: ENOTDIR
      stack.push({ dir: top().openDir(name), name });
    }
    // The path was the root (".", "/", "a/.."), or led back to a directory: itself.
    if (!stack.length) return { parent: root, rel: '', st: root.stat() };
    const { dir, name } = stack.pop()!;
    const parent = top();
    dir.close();
    closeAll(parent);
    return { parent, name, rel: relOf(name), st: parent.lstat(name)! };
  } catch (err) {
    closeAll();
    throw err;
  }
}

/** Open what a Found names as a directory (the root itself when name is undefined). */
export function openFound(f: Found): Dir {
  return f.name === undefined ? f.parent : f.parent.openDir(f.name);
}

/** Close a Found's parent unless it is the root. */
export function release(f: Found, root: Dir): void {
  if (f.parent !== root) f.parent.close();
}
