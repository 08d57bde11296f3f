// Finding a program as a shell does: the first executable file of that name in a list
// of directories.
import { accessSync, constants } from 'node:fs';
import { join } from 'node:path';

/** Where a root shell finds programs, even when sudo's PATH leaves them out. */
const SYSTEM_DIRS = ['/usr/sbin', '/sbin', '/usr/bin', '/bin'];

/** The first executable `name` in `dirs`, or undefined. */
export function findProgram(name: string, dirs: readonly string[]): string | undefined {
  for (const dir of dirs) {
    if (!dir) continue;
    const p = join(dir, name);
    try { accessSync(p, constants.X_OK); return p; } catch { /* next */ }
  }
  return undefined;
}

/** A program on this process's PATH, or in the system directories. */
export function which(name: string): string | undefined {
  return findProgram(name, [...(process.env.PATH ?? '').split(':'), ...SYSTEM_DIRS]);
}
