// The kinds of host resource the lab can make, and how each is taken away again.
// Removal is idempotent: a resource that is already gone counts as removed.
import { execFile } from 'node:child_process';
import { existsSync, readdirSync, rmSync, writeFileSync, rmdirSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { boxcorePath } from '../core/binary.ts';
import { isSameProcessAlive } from './proc.ts';
import { emptyCgroup } from './cgroups.ts';
import { detachLoops } from './loop.ts';

const run = promisify(execFile);

export type Resource =
  | { kind: 'dir'; path: string }
  | { kind: 'process'; pid: number; start: string }
  | { kind: 'mount'; path: string }
  | { kind: 'cgroup'; path: string }
  // A loop device attached to a bl- file: losetup -d each device that file backs.
  | { kind: 'loop'; file: string }
  // ifUnused: a bridge several boxlabs share (bl0): the last one out removes it.
  | { kind: 'link'; name: string; netns?: string; ifUnused?: boolean }
  // rmdir: the lab made /run/netns too, and takes it away when it is empty again.
  | { kind: 'netns'; name: string; rmdir?: boolean }
  | { kind: 'sysctl'; path: string; restore: string }
  // A NAT table of the lab (nft), or its three chains (iptables: NAME-PRE, -OUT, -POST).
  // tool: the one that made it; when not known, each one installed is asked.
  | { kind: 'nat'; table: string; tool?: 'nft' | 'iptables'; netns?: string }
  // A container of boxcore's OCI runtime: `boxcore --root ROOT delete --force NAME` takes
  // it away (its processes, its cgroup, its state directory ROOT/NAME).
  | { kind: 'oci'; root: string; name: string };

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
    case 'loop':
      assertOurs(r.file);
      await detachLoops(r.file);
      return;
    case 'link':
      if (r.ifUnused && !r.netns && bridgePorts(r.name) > 0) return;
      await run('ip', [...(r.netns ? ['-n', r.netns] : []), 'link', 'del', r.name]).catch(() => undefined);
      return;
    case 'netns':
      await run('ip', ['netns', 'del', r.name]).catch(() => undefined);
      if (r.rmdir) try { rmdirSync('/run/netns'); } catch { /* not empty, or gone */ }
      return;
    case 'nat':
      await removeNat(r);
      return;
    case 'sysctl':
      writeFileSync(r.path, r.restore);
      return;
    case 'oci':
      await removeOciContainer(r.root, r.name);
      return;
  }
}

/** delete --force, which says "does not exist" when it is gone already: that counts as
 *  removed. Whatever the answer, the state directory must be gone afterwards. */
async function removeOciContainer(root: string, id: string): Promise<void> {
  const dir = join(root, id);
  assertOurs(dir);
  await run(boxcorePath(), ['--root', root, 'delete', '--force', id]).catch(() => undefined);
  if (existsSync(dir)) throw new Error(`boxcore delete --force ${id} left ${dir} behind`);
}

/** How many ports a bridge on the host has (0 when it is gone). */
function bridgePorts(name: string): number {
  try {
    return readdirSync(`/sys/class/net/${name}/brif`).length;
  } catch {
    return 0;
  }
}

/** Take a NAT table away with the tool that made it; one already gone is fine. */
async function removeNat(r: Extract<Resource, { kind: 'nat' }>): Promise<void> {
  const inNs = (argv: string[]) => (r.netns ? ['ip', ['netns', 'exec', r.netns, ...argv]] : [argv[0]!, argv.slice(1)]) as [string, string[]];
  const commands: string[][] = [];
  if (r.tool !== 'iptables') commands.push(['nft', 'delete', 'table', 'ip', r.table]);
  if (r.tool !== 'nft') {
    const chain = (s: string) => `${r.table}-${s}`;
    commands.push(
      ['iptables', '-t', 'nat', '-D', 'PREROUTING', '-m', 'addrtype', '--dst-type', 'LOCAL', '-j', chain('PRE')],
      ['iptables', '-t', 'nat', '-D', 'OUTPUT', '-m', 'addrtype', '--dst-type', 'LOCAL', '-j', chain('OUT')],
      ['iptables', '-t', 'nat', '-D', 'POSTROUTING', '-j', chain('POST')],
      ...['PRE', 'OUT', 'POST'].flatMap((s) => [['iptables', '-t', 'nat', '-F', chain(s)], ['iptables', '-t', 'nat', '-X', chain(s)]]),
    );
  }
  for (const argv of commands) await run(...inNs(argv)).catch(() => undefined);
}

/** rmdir fails with EBUSY while exiting processes still hold the group: retry, bounded.
 *  Groups made inside a lab group (by a lesson, or by hand beneath it) are the lab's
 *  too, and would keep it from going: they go first, deepest first. */
async function removeCgroup(path: string): Promise<void> {
  for (const child of subgroups(path)) await removeCgroup(child);
  emptyCgroup(path);
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

/** The child groups of a cgroup directory (its only subdirectories). */
function subgroups(path: string): string[] {
  try {
    return readdirSync(path, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => join(path, d.name));
  } catch {
    return [];
  }
}
