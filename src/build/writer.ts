// Writing what COPY and ADD put in an image: tar entries into the image's root
// filesystem (the merged directory of an overlay whose upper directory becomes the
// layer), at a destination path inside it.
//
// The image's own symlinks are resolved inside its root (fsroot.ts): `COPY x /bin/`
// where /bin -> usr/bin writes usr/bin/x, and a link to /etc in some layer can only
// lead to the image's /etc. Files are made with O_EXCL|O_NOFOLLOW in a directory held
// open, then given their owner, mode and time through their own file descriptor.
import { closeSync, constants, fchmodSync, fchownSync, futimesSync, lchownSync, linkSync, lutimesSync, mkdirSync, openSync, rmSync, symlinkSync, writeSync } from 'node:fs';
import { posix } from 'node:path';
import { makeNode } from '../images/special.ts';
import type { TarEntry } from '../images/tar.ts';
import { build as t } from '../text/index.ts';
import { Dir, openFound, release, resolveIn } from './fsroot.ts';

const { O_WRONLY, O_CREAT, O_EXCL, O_NOFOLLOW, O_RDONLY, O_DIRECTORY } = constants;

export class WriteError extends Error {}

export interface Owner { uid: number; gid: number }

export interface WriteOptions {
  /** --chown: every entry gets this owner (else each keeps its own). */
  chown?: Owner;
  /** The owner of the directories made on the way (0755): --chown's, else root. */
  made?: Owner;
  /** Hard link targets: relative to the destination (an archive's own paths). */
  linksWithin?: boolean;
}

const ROOT: Owner = { uid: 0, gid: 0 };

/** Hand a path to boxcore (another process): /proc/self would be its own fds. */
const forCore = (p: string) => p.replace('/proc/self/', `/proc/${process.pid}/`);

/** A directory just made: 0755 whatever the umask, and OWNER's, as Docker makes them. */
const madeDir = (owner: Owner) => (parent: Dir, name: string): void => {
  const fd = openSync(parent.at(name), O_RDONLY | O_DIRECTORY | O_NOFOLLOW);
  try {
    fchownSync(fd, owner.uid, owner.gid);
    fchmodSync(fd, 0o755);
  } finally {
    closeSync(fd);
  }
};

/** The open parent directory of FULL inside ROOT, missing directories made. */
function parentOf(root: Dir, full: string, made: Owner = ROOT): { dir: Dir; done: () => void } {
  const parentPath = posix.dirname(full);
  const found = resolveIn(root, parentPath, { followLast: true, mkdir: madeDir(made) });
  if (!found) {
    // resolveIn makes the missing directories on the way, not the last one: here.
    const grand = parentOf(root, parentPath, made);
    try {
      mkdirSync(grand.dir.at(posix.basename(parentPath)), { mode: 0o700 });
      madeDir(made)(grand.dir, posix.basename(parentPath));
    } finally {
      grand.done();
    }
    return parentOf(root, full, made);
  }
  if (!found.st.isDirectory()) {
    release(found, root);
    throw new WriteError(t.notADirectory(`/${found.rel}`));
  }
  const dir = openFound(found);
  return { dir, done: () => { if (dir !== root) dir.close(); release(found, root); } };
}

function writeFile(parent: Dir, name: string, data: Buffer): number {
  const fd = openSync(parent.at(name), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, 0o600);
  for (let at = 0; at < data.length; ) at += writeSync(fd, data, at, data.length - at);
  return fd;
}

/** Owner, then mode (chown clears setuid bits), then time, all through the fd. */
function finish(fd: number, e: TarEntry, owner: Owner): void {
  try {
    fchownSync(fd, owner.uid, owner.gid);
    fchmodSync(fd, e.mode & 0o7777);
    futimesSync(fd, e.mtime, e.mtime);
  } finally {
    closeSync(fd);
  }
}

/** Write ENTRIES at DEST (an absolute path in the image; entry '' is DEST itself). */
export function writeEntries(root: Dir, dest: string, entries: TarEntry[], opts: WriteOptions = {}): number {
  const dirTimes: { path: string; mtime: number }[] = [];
  let written = 0;
  for (const e of entries) {
    const full = posix.join('/', dest, e.path);
    if (full === '/') continue; // the root directory itself keeps what it is
    const owner = opts.chown ?? { uid: e.uid, gid: e.gid };
    const name = posix.basename(full);
    const { dir: parent, done } = parentOf(root, full, opts.made ?? opts.chown);
    try {
      const existing = parent.lstat(name);
      // Two directories merge; anything else is replaced.
      if (existing && !(existing.isDirectory() && e.type === 'dir')) rmSync(parent.at(name), { recursive: true, force: true });
      switch (e.type) {
        case 'dir': {
          if (!existing?.isDirectory()) mkdirSync(parent.at(name), { mode: 0o700 });
          const fd = openSync(parent.at(name), O_RDONLY | O_DIRECTORY | O_NOFOLLOW);
          try {
            fchownSync(fd, owner.uid, owner.gid);
            fchmodSync(fd, e.mode & 0o7777);
          } finally {
            closeSync(fd);
          }
          dirTimes.push({ path: full, mtime: e.mtime });
          break;
        }
        case 'file':
          finish(writeFile(parent, name, e.data ?? Buffer.alloc(0)), e, owner);
          break;
        case 'symlink':
          symlinkSync(e.linkname ?? '', parent.at(name));
          lchownSync(parent.at(name), owner.uid, owner.gid);
          lutimesSync(parent.at(name), e.mtime, e.mtime);
          break;
        case 'hardlink': {
          const target = resolveIn(root, posix.join('/', opts.linksWithin ? dest : '', e.linkname ?? ''), { followLast: false });
          if (!target || target.name === undefined || !target.st.isFile()) throw new WriteError(t.badHardlink(e.path, e.linkname ?? ''));
          try {
            linkSync(target.parent.at(target.name), parent.at(name));
          } finally {
            release(target, root);
          }
          break;
        }
        case 'char':
        case 'block':
        case 'fifo':
          makeNode(forCore(parent.at(name)), e.type === 'char' ? 'c' : e.type === 'block' ? 'b' : 'p', e.devmajor ?? 0, e.devminor ?? 0, e.mode);
          lchownSync(parent.at(name), owner.uid, owner.gid);
          lutimesSync(parent.at(name), e.mtime, e.mtime);
          break;
      }
      written += 1;
    } finally {
      done();
    }
  }
  // A directory's time changes with each entry written into it: set them last, deepest first.
  for (const d of dirTimes.reverse()) {
    const { dir: parent, done } = parentOf(root, d.path);
    try {
      lutimesSync(parent.at(posix.basename(d.path)), d.mtime, d.mtime);
    } finally {
      done();
    }
  }
  return written;
}

/** Make the directory PATH (and its parents) in the image, if missing, 0755 and
 *  OWNER's (WORKDIR: the USER's; COPY: --chown's); one that exists is left as it is. */
export function ensureDir(root: Dir, path: string, owner: Owner = ROOT): boolean {
  const found = resolveIn(root, path, { followLast: true });
  if (found) {
    release(found, root);
    if (!found.st.isDirectory()) throw new WriteError(t.notADirectory(path));
    return false;
  }
  const { dir: parent, done } = parentOf(root, posix.join('/', path), owner);
  try {
    mkdirSync(parent.at(posix.basename(path)), { mode: 0o700 });
    madeDir(owner)(parent, posix.basename(path));
  } finally {
    done();
  }
  return true;
}
