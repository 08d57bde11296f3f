// The special files of a layer that Node has no call for: device nodes (a whiteout is
// the character device 0/0), FIFOs, and overlayfs's extended attributes. boxcore makes
// the system calls (native/layerfs.c: mknod, lsetxattr, lgetxattr); here they are
// functions.
import { spawnSync } from 'node:child_process';
import { boxcorePath } from '../core/binary.ts';
import { images as text } from '../text/index.ts';

/** The xattr overlayfs reads on a directory of a layer: "y" = nothing below shows through. */
export const OPAQUE_XATTR = 'trusted.overlay.opaque';

function boxcore(args: string[]): { code: number; stdout: string } {
  const r = spawnSync(boxcorePath(), args, { encoding: 'utf8' });
  if (r.error) throw new Error(text.cannotRunCore(boxcorePath(), r.error.message));
  if (r.status === 2) throw new Error((r.stderr || `boxcore ${args.join(' ')} failed`).trim());
  return { code: r.status ?? 2, stdout: r.stdout };
}

/** mknod(2): a character (c) or block (b) device, or a FIFO (p). */
export function makeNode(path: string, type: 'c' | 'b' | 'p', major: number, minor: number, mode: number): void {
  boxcore(['mknod', path, type, String(major), String(minor), (mode & 0o7777).toString(8)]);
}

/** A whiteout: to overlayfs, "this name is deleted from the layers below". */
export function makeWhiteout(path: string): void {
  makeNode(path, 'c', 0, 0, 0);
}

function setXattr(path: string, name: string, value: string): void {
  boxcore(['xattr', 'set', path, name, value]);
}

/** The attribute's value, or undefined when the file has none. */
export function getXattr(path: string, name: string): string | undefined {
  const r = boxcore(['xattr', 'get', path, name]);
  return r.code === 0 ? r.stdout : undefined;
}

export function markOpaque(dir: string): void {
  setXattr(dir, OPAQUE_XATTR, 'y');
}

export function isOpaqueDir(dir: string): boolean {
  return getXattr(dir, OPAQUE_XATTR) === 'y';
}

/** Major and minor of a device number as Linux packs it (new_encode_dev). */
export function splitDev(rdev: number): { major: number; minor: number } {
  const major = Number((BigInt(rdev) >> 8n) & 0xfffn) | Number((BigInt(rdev) >> 32n) & ~0xfffn);
  const minor = Number(BigInt(rdev) & 0xffn) | Number((BigInt(rdev) >> 12n) & ~0xffn);
  return { major, minor };
}
