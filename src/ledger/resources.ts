// The kinds of host resource the lab can make, and how each is taken away again.
// Removal is idempotent: a resource that is already gone counts as removed.
import { execFile } from 'node:child_process';
import { existsSync, rmSync, writeFileSync, rmdirSync } from 'node:fs';
import { promisify } from 'node:util';
import { isSameProcessAlive } from './proc.ts';

const run = promisify(execFile);

export type Resource =
  | { kind: 'dir'; path: string }
  | { kind: 'process'; pid: number; start: string }
  | { kind: 'mount'; path: string }
  | { kind: 'cgroup'; path: string }
  | { kind: 'link'; name: string; netns?: string }
  | { kind: 'netns'; name: string }
  | { kind: 'sysctl'; path: string; restore: string };

/** Only paths the lab named can be removed: a ledger that was tampered with, or a bug,
 *  must never turn into `rm -rf` of something the person owns. */
function assertOurs(path: string): void {
  if (!/\/bl-[^/]*/.test(path)) throw new Error(`refusing to remove ${path}: not a bl- path the lab made`);
}

export async function removeResource(r: Resource): Promise<void> {
  switch (r.kind) {
    case 'dir':
      assertOurs(r.path);
      rmSync(r.path, { recursive: true, force: true });
      return;
    case 'process':
      if (isSameProcessAlive(r.pid, r.start)) {
        try { process.kill(r.pid, 'SIGKILL'); } catch { /* exited meanwhile */ }
      }
      return;
    case 'mount':
      assertOurs(r.path);
      // umount -l: detach now even if busy; the kernel frees it when the last user leaves.
      await run('umount', ['-l', r.path]).catch(() => undefined);
      return;
    case 'cgroup':
      assertOurs(r.path);
      await removeCgroup(r.path);
      return;
    case 'link':
      await run('ip', [...(r.netns ? ['-n', r.netns] : []), 'link', 'del', r.name]).catch(() => undefined);
      return;
    case 'netns':
      await run('ip', ['netns', 'del', r.name]).catch(() => undefined);
      return;
    case 'sysctl':
      writeFileSync(r.path, r.restore);
      return;
  }
}

/** rmdir fails with EBUSY while exiting processes still hold the group: retry, bounded. */
async function removeCgroup(path: string): Promise<void> {
  for (let i = 0; i < 50 && existsSync(path); i++) {
    try {
      rmdirSync(path);
      return;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
      await new Promise((r) => setTimeout(r, 20));
    }
  }
  if (existsSync(path)) rmdirSync(path);
}
