// The kinds of host resource the lab can make, and how each is taken away again.
// Removal is idempotent: a resource that is already gone counts as removed.
import { execFile } from 'node:child_process';
import { existsSync, readdirSync, writeFileSync, rmdirSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { boxcorePath } from '../core/binary.ts';
import { removeTree } from '../core/hostfs.ts';
import { stateRoot } from './paths.ts';
import { isSameProcessAlive, processStartTime, startedSince } from './proc.ts';
import { distrust, isPlainPath } from './trust.ts';
import { emptyCgroup } from './cgroups.ts';
import { detachLoops } from './loop.ts';
import { leaveHostNet } from './host-net.ts';
import { unloadProfile } from './apparmor.ts';
import { removeNat } from './netfilter.ts';
import { ledger as t } from '../text/index.ts';

export { kernelNatTableExists } from './netfilter.ts';

const run = promisify(execFile);

export type Resource =
  // user: the uid the directory was handed to (a rootless run's, a rootless lesson's):
  // its directories of that uid are emptied as that uid (boxcore rmtree --owner).
  | { kind: 'dir'; path: string; user?: number }
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
  // A reference to the host's shared bridge network (bl0, ip_forward, leases: see
  // host-net.ts): the last holder out takes them away.
  | { kind: 'net-share'; holder: string }
  // A NAT table of the lab (nft), or its three chains (iptables: NAME-PRE, -OUT, -POST).
  // tool: the one that made it; when not known, each one installed is asked.
  // madeKernelNatTable: iptables on nf_tables makes the kernel's `ip nat` table (and its
  // base chains) when there was none; then that table goes too once it is empty again.
  | { kind: 'nat'; table: string; tool?: 'nft' | 'iptables'; netns?: string; madeKernelNatTable?: boolean }
  // A container of boxcore's OCI runtime: `boxcore --root ROOT delete --force NAME` takes
  // it away (its processes, its cgroup, its state directory ROOT/NAME).
  | { kind: 'oci'; root: string; name: string }
  // A state root of the lab's for OCI runtimes (a lesson's ${oci}): PATH/RUNTIME/ID for
  // each container, RUNTIME one of OCI_RUNTIMES. Every container found there is deleted
  // (`RUNTIME --root PATH/RUNTIME delete --force ID`), then the directory goes.
  | { kind: 'oci-root'; path: string }
  // An AppArmor profile the lab loaded (apparmor_parser): removed with apparmor_parser -R.
  | { kind: 'apparmor'; name: string };

/** The runtimes an oci-root may hold containers of: boxcore, and runc and crun, which
 *  share its command line. Nothing else is ever run from a ledger. */
const OCI_RUNTIMES = ['boxcore', 'runc', 'crun'] as const;
export type OciRuntime = (typeof OCI_RUNTIMES)[number];

/** Where a ledger's entries may point, and whose they are: its state root (the
 *  directory above the ledger directory) and its owner's start time. */
export interface Place { root: string; ownerStart: string }

/** A name the lab gives: bl- and then letters, digits, `_`, `.` or `-` (never a `/`). */
const BL_NAME = /^bl-[\w.-]+$/;
export const isBlName = (name: string): boolean => BL_NAME.test(name);
/** A link: the shared bridge bl0, or bl-XXXX (IFNAMSIZ: 15 characters at most). */
const BL_LINK = /^bl(0|-[\w.-]{1,12})$/;

function refuse(what: string, why: string): never {
  throw new Error(t.refuseRemove(what, why));
}

/** Only paths the lab named, in the places it makes them: a ledger that was tampered
 *  with, or a bug, must never turn into `rm -rf` of something the person owns. A path
 *  must be plain (absolute, no `.`, `..` or `//`), and a component beneath BASE must
 *  carry the lab's bl- prefix. */
function assertOurs(path: string, base: string): void {
  if (typeof path !== 'string' || !isPlainPath(path)) refuse(String(path), t.notPlainPath);
  if (!path.startsWith(base + '/')) refuse(path, t.outsideBase(base));
  if (!path.slice(base.length).split('/').some((c) => c.startsWith('bl-'))) refuse(path, t.notBlPath);
}

/** A directory: in the state root; or a rootfs being built (bl-build-PID, beside the
 *  rootfs), the one thing the lab makes elsewhere, and only where no one but root or
 *  the caller can write (see buildRootfs). */
function assertOurDir(path: string, root: string): void {
  const build = typeof path === 'string' && isPlainPath(path) && /^bl-build-\d+$/.test(basename(path)) && !path.startsWith(root + '/');
  if (!build) return assertOurs(path, root);
  const problem = distrust(dirname(path));
  if (problem) refuse(path, t.rootfsOutside(problem.path));
}

/** The same for names: links (bl0, bl-XXXX), namespaces, NAT tables and containers the
 *  lab made all carry its prefix, and none holds a `/`. */
function assertOurName(what: string, name: string, pattern = BL_NAME): void {
  if (typeof name !== 'string' || !pattern.test(name)) throw new Error(t.notBlName(what, String(name)));
}

/** The lab writes only network sysctls (ip_forward), and restores a plain value. */
function assertOurSysctl(path: string, value: string): void {
  if (!/^\/proc\/sys\/net\/[\w./-]+$/.test(path) || path.includes('..') || !/^[\w .:-]*\n?$/.test(value)) {
    throw new Error(t.notNetSysctl(JSON.stringify(value), path));
  }
}

/** A process the ledger's owner started: a real pid, and a start time no earlier than
 *  the owner's own (a forged entry cannot name a process that was running before). */
function assertOurProcess(pid: number, start: string, ownerStart: string): void {
  if (!Number.isInteger(pid) || pid <= 1) throw new Error(t.notKillable(pid));
  if (start === '') return; // it had exited before it was written down: nothing to kill
  if (!startedSince(start, ownerStart)) {
    throw new Error(t.startedBefore(pid));
  }
}

/** Check that an entry names something the lab makes, where it makes it, before
 *  anything is done with it. Throws saying why not. */
export function assertRemovable(r: Resource, place: Place): void {
  switch (r.kind) {
    case 'dir':
      if (r.user !== undefined && !(Number.isInteger(r.user) && r.user > 0)) refuse(r.path, t.notUid(JSON.stringify(r.user)));
      return assertOurDir(r.path, place.root);
    case 'mount': case 'oci-root': return assertOurs(r.path, place.root);
    case 'loop': return assertOurs(r.file, place.root);
    case 'cgroup': return assertOurs(r.path, '/sys/fs/cgroup');
    case 'process': return assertOurProcess(r.pid, r.start, place.ownerStart);
    case 'link': assertOurName(t.names.link, r.name, BL_LINK); if (r.netns) assertOurName(t.names.netns, r.netns); return;
    case 'netns': return assertOurName(t.names.netns, r.name);
    case 'apparmor': return assertOurName(t.names.apparmor, r.name);
    case 'nat': assertOurName(t.names.nat, r.table); if (r.netns) assertOurName(t.names.netns, r.netns); return;
    case 'sysctl': return assertOurSysctl(r.path, r.restore);
    case 'net-share': if (!/^\d+-\d+-\d+$/.test(r.holder)) throw new Error(t.badHolder(JSON.stringify(r.holder))); return;
    case 'oci': {
      assertOurName(t.names.container, r.name);
      // boxcore's own state root (/run/boxcore), or one in the lab's state root: a
      // plain path to a directory that only root or the caller can write.
      if (typeof r.root !== 'string' || !isPlainPath(r.root)) refuse(String(r.root), t.notPlainPathShort);
      const problem = r.root.startsWith(place.root + '/') ? undefined : distrust(r.root);
      if (problem && problem.why !== 'missing') refuse(join(r.root, r.name), t.ociRootNotOurs(problem.path));
      return;
    }
    default: throw new Error(t.unknownKind(JSON.stringify((r as { kind?: unknown }).kind)));
  }
}

/** Remove what an entry names; the place defaults to this process's own ledger's. */
export async function removeResource(r: Resource, place: Place = { root: stateRoot(), ownerStart: processStartTime(process.pid) }): Promise<void> {
  assertRemovable(r, place);
  switch (r.kind) {
    case 'dir':
      // By directory fds, never following a link; the user's directories as that user.
      await removeTree(r.path, r.user);
      return;
    case 'process':
      if (isSameProcessAlive(r.pid, r.start)) {
        try { process.kill(r.pid, 'SIGKILL'); } catch { /* exited meanwhile */ }
      }
      return;
    case 'mount':
      // umount -l: detach now even if busy; the kernel frees it when the last user leaves.
      await run('umount', ['-l', r.path]).catch(() => undefined);
      return;
    case 'cgroup':
      await removeCgroup(r.path);
      return;
    case 'loop':
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
    case 'net-share':
      await leaveHostNet(r.holder);
      return;
    case 'oci':
      await removeOciContainer(r.root, r.name);
      return;
    case 'oci-root':
      await removeOciRoot(r.path);
      return;
    case 'apparmor':
      await unloadProfile(r.name);
      return;
  }
}

/** delete --force, which says "does not exist" when it is gone already: that counts as
 *  removed. Whatever the answer, the state directory must be gone afterwards. */
async function removeOciContainer(root: string, id: string, runtime: OciRuntime = 'boxcore'): Promise<void> {
  const dir = join(root, id);
  const bin = runtime === 'boxcore' ? boxcorePath() : runtime;
  await run(bin, ['--root', root, 'delete', '--force', id]).catch(() => undefined);
  if (existsSync(dir)) throw new Error(`${runtime} delete --force ${id} left ${dir} behind`);
}

/** Every container of every runtime under the root, then the root. A runtime's
 *  directory holds one directory per container, named by its id. */
async function removeOciRoot(path: string): Promise<void> {
  const errors: string[] = [];
  for (const runtime of OCI_RUNTIMES) {
    const root = join(path, runtime);
    // Names that are plain words only: each becomes an argument of the runtime.
    const ids = existsSync(root) ? readdirSync(root, { withFileTypes: true }).filter((d) => d.isDirectory() && /^[\w][\w.-]*$/.test(d.name)).map((d) => d.name) : [];
    for (const id of ids) await removeOciContainer(root, id, runtime).catch((err: Error) => errors.push(err.message));
  }
  // A container left (its runtime failed) keeps the root, so cleanup can try again.
  if (errors.length) throw new Error(errors.join('; '));
  await removeTree(path);
}

/** How many ports a bridge on the host has (0 when it is gone). */
function bridgePorts(name: string): number {
  try {
    return readdirSync(`/sys/class/net/${name}/brif`).length;
  } catch {
    return 0;
  }
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
