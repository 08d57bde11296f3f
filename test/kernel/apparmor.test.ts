// Mandatory access control in `boxlab run`, against the real kernel. Where the kernel
// runs AppArmor (the cgroup-v2 guest does: test/vm/v2.sh runs this file there), every
// container gets the lab's default profile, a denial is seen from inside (EACCES) and
// in the kernel's log (the audit line), a profile of one's own is loaded for the run
// and removed after it, and `boxlab cleanup` removes the profile of a run killed with
// SIGKILL. Where it does not (this machine, perhaps), a profile asked for is refused by
// name. Either way the host is left as it was, loaded profiles included.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { repoRoot } from '../../src/core/index.ts';
import { loadedProfiles } from '../../src/ledger/apparmor.ts';
import { macHost } from '../../src/runtime/apparmor.ts';
import { fingerprint, isRoot, settledFingerprint, type HostFingerprint } from '../helpers/host.ts';
import { testRootfs } from '../helpers/rootfs.ts';
import { runBoxlab, type Ran } from '../helpers/cli.ts';

const cli = join(repoRoot(), 'dist', 'boxlab.mjs');
let rootfs: Awaited<ReturnType<typeof testRootfs>>;
let before: HostFingerprint;
let work: string;

// The guest of test/vm mounts no securityfs of its own (a throwaway machine: this file
// may), so AppArmor there is on but not yet reachable.
if (isRoot && process.env.BOXLAB_VM === '1' && macHost().apparmor && !macHost().securityfs) {
  spawnSync('mount', ['-t', 'securityfs', 'securityfs', '/sys/kernel/security']);
}
const host = macHost();
const canLoad = isRoot && host.apparmor && host.securityfs && host.parser !== undefined;
if (isRoot && !canLoad) console.log(`apparmor.test.ts: AppArmor is ${host.apparmor ? 'on' : 'off'} here (${host.lsms?.join(',') ?? 'no securityfs'}); the profile tests run in test/vm's guest`);

beforeAll(async () => {
  if (!isRoot) return;
  rootfs = await testRootfs('busybox');
  work = mkdtempSync(join(tmpdir(), 'bl-apparmor-'));
}, 60_000);
afterAll(async () => {
  await rootfs?.remove();
  if (work) rmSync(work, { recursive: true, force: true });
});
beforeEach(() => { before = fingerprint(); });
afterEach(async () => { expect(await settledFingerprint(before)).toEqual(before); });

const run = (args: string[], script: string): Promise<Ran> => runBoxlab(rootfs.dir, [...args, '--', 'sh', '-c', script]);

/** The kernel's log, line by line (audit lines land there when no auditd takes them). */
const kernelLog = () => execFileSync('dmesg', { encoding: 'utf8' }).split('\n');

describe.runIf(isRoot && !host.apparmor)('boxlab run on a kernel without AppArmor', { timeout: 60_000 }, () => {
  it('refuses a profile by name, saying why, and runs unconfined when asked', async () => {
    const r = await run(['--security-opt', 'apparmor=bl-anything'], 'true');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--security-opt apparmor=bl-anything: this kernel does not run AppArmor');
    const file = await run(['--security-opt', 'apparmor=./bl-profile'], 'true');
    expect(file.code).toBe(2);
    const unconfined = await run(['--security-opt', 'apparmor=unconfined'], 'cat /proc/self/attr/current 2>/dev/null; echo ran');
    expect(unconfined.code).toBe(0);
    expect(unconfined.stdout).toContain('ran');
  });
});

describe.runIf(isRoot)('SELinux labels', () => {
  it('are explained and refused: boxlab sets none', async () => {
    const r = await run(['--security-opt', 'label=type:container_t'], 'true');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(host.selinux ? /this host runs SELinux/ : /this host does not run SELinux/);
  });
});

describe.runIf(canLoad)('boxlab run under AppArmor', { timeout: 180_000 }, () => {
  it("puts the container under the lab's default profile, which denies mount even with CAP_SYS_ADMIN", async () => {
    const r = await run(['--cap-add', 'SYS_ADMIN'], 'cat /proc/self/attr/current; mkdir -p /mnt/x; mount -t tmpfs none /mnt/x && echo mounted; true');
    const profile = /^(bl-default-\d+-\d+) \(enforce\)$/m.exec(r.stdout)?.[1];
    expect(profile, r.stdout + r.stderr).toBeDefined();
    expect(r.stdout).not.toContain('mounted');
    expect(r.stderr).toMatch(/Permission denied/);
    // The profile went with the run; without one, the same mount works.
    expect(loadedProfiles()).not.toContain(profile);
    const free = await run(['--cap-add', 'SYS_ADMIN', '--security-opt', 'apparmor=unconfined'], 'cat /proc/self/attr/current; mkdir -p /mnt/x; mount -t tmpfs none /mnt/x && echo mounted');
    expect(free.stdout).toMatch(/^unconfined$/m);
    expect(free.stdout).toContain('mounted');
  });

  it('loads a profile from a file for the run, and removes it after; its denial is in the kernel log', async () => {
    const name = `bl-test-${process.pid}`;
    const file = join(work, 'profile');
    // `deny` alone is not logged (Docker's profile denies so, quietly); `audit deny` is.
    writeFileSync(file, `#include <tunables/global>
profile ${name} flags=(attach_disconnected,mediate_deleted) {
  #include <abstractions/base>
  file,
  capability,
  audit deny /bl-secret r,
}
`);
    const mark = kernelLog().length;
    const r = await run(['--security-opt', `apparmor=${file}`], 'echo hidden > /bl-secret; cat /proc/self/attr/current; cat /bl-secret || echo refused');
    expect(r.stdout).toContain(`${name} (enforce)`);
    expect(r.stdout).not.toContain('hidden');
    expect(r.stdout).toContain('refused');
    expect(r.stderr).toMatch(/Permission denied/);
    expect(loadedProfiles()).not.toContain(name);
    // The audit line: apparmor="DENIED" operation="open" profile="bl-test-..." name="/bl-secret"
    let line: string | undefined;
    for (let i = 0; i < 40 && !line; i++) {
      line = kernelLog().slice(mark).find((l) => l.includes('apparmor="DENIED"') && l.includes(`profile="${name}"`) && l.includes('name="/bl-secret"'));
      if (!line) await new Promise((res) => setTimeout(res, 100));
    }
    expect(line, 'the kernel logged the denial').toBeDefined();
    expect(line).toContain('operation="open"');
    // A profile named otherwise is refused before anything is loaded.
    writeFileSync(file, 'profile host-profile { file, }\n');
    const bad = await run(['--security-opt', `apparmor=${file}`], 'true');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('the lab loads only profiles named bl-');
    expect(loadedProfiles()).not.toContain('host-profile');
  });

  it('leaves a profile to boxlab cleanup when the run is killed with SIGKILL', async () => {
    const child = spawn('node', [cli, 'run', '--rootfs', rootfs.dir, '--', 'sleep', '60'], { stdio: 'ignore' });
    const mine = () => loadedProfiles().filter((n) => n.startsWith(`bl-default-${child.pid}-`));
    for (let i = 0; i < 200 && !mine().length; i++) await new Promise((res) => setTimeout(res, 50));
    expect(mine()).toHaveLength(1);
    child.kill('SIGKILL');
    await new Promise((res) => child.once('exit', res));
    expect(mine()).toHaveLength(1);
    const cleanup = spawnSync('node', [cli, 'cleanup'], { encoding: 'utf8', timeout: 30_000 });
    expect(cleanup.status, cleanup.stdout + cleanup.stderr).toBe(0);
    expect(mine()).toEqual([]);
  });
});
