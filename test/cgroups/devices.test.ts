// The device cgroup of `boxlab run`, end to end, against the real kernel: Docker's
// default rules keep a container from opening a device it was not given - here the
// lab's own loop device, holding a file of ours - even when it makes the node itself
// (Docker allows mknod of any device: a node alone opens nothing). --device gives it
// one, with the permissions asked for; --device-cgroup-rule a rule alone;
// --privileged every device. On v1 and hybrid machines the rules are devices.allow
// lines (read back from devices.list); on v2 a BPF program (test/vm runs this file
// there). Nothing is left behind.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { repoRoot } from '../../src/core/index.ts';
import { Ledger } from '../../src/ledger/index.ts';
import { DOCKER_DEVICE_RULES } from '../../src/runtime/devices.ts';
import { cgroups, fingerprint, isRoot, settledFingerprint, type HostFingerprint } from '../helpers/host.ts';
import { testRootfs } from '../helpers/rootfs.ts';
import { runBoxlab, type Ran } from '../helpers/cli.ts';

const cli = join(repoRoot(), 'dist', 'boxlab.mjs');
const SECRET = 'bl-secret-of-the-disk';
let rootfs: Awaited<ReturnType<typeof testRootfs>>;
let before: HostFingerprint;
let work: string;
let ledger: Ledger;
/** The lab's loop device, over a file that starts with SECRET. */
let loop: { device: string; major: number; minor: number };

const hasLoop = existsSync('/dev/loop-control');

beforeAll(async () => {
  if (!isRoot || !hasLoop) return;
  rootfs = await testRootfs('busybox');
  work = mkdtempSync(join(tmpdir(), 'bl-devices-'));
  ledger = Ledger.open(join(work, 'ledger'));
  const file = join(work, 'bl-disk.img');
  writeFileSync(file, SECRET.padEnd(4096, '\n'));
  const device = await ledger.track({ kind: 'loop', file }, () =>
    execFileSync('losetup', ['--find', '--show', file], { encoding: 'utf8' }).trim());
  const [major, minor] = execFileSync('stat', ['-c', '%t %T', device], { encoding: 'utf8' }).trim().split(' ').map((h) => parseInt(h, 16));
  loop = { device, major: major!, minor: minor! };
}, 60_000);

afterAll(async () => {
  await ledger?.close();
  if (work) rmSync(work, { recursive: true, force: true });
  await rootfs?.remove();
});

beforeEach(() => { before = fingerprint(); });
afterEach(async () => { expect(await settledFingerprint(before)).toEqual(before); });

const run = (args: string[], script: string): Promise<Ran> => runBoxlab(rootfs.dir, [...args, '--', 'sh', '-c', script]);

/** Make a node of the loop device inside and read from it: what each step said. */
const mknodAndRead = () =>
  `mknod /tmp/disk b ${loop.major} ${loop.minor} && echo made; head -c ${SECRET.length} /tmp/disk; echo; echo read=$?`;

describe.runIf(isRoot && hasLoop)('boxlab run and the device cgroup', { timeout: 120_000 }, () => {
  it("keeps the container from opening the lab's loop device: mknod is allowed, as Docker allows it, open is not", async () => {
    const r = await run([], `ls /dev; ${mknodAndRead()}`);
    expect(r.stdout).not.toMatch(/\bloop\d/); // no node in its /dev
    expect(r.stdout).toContain('made');
    expect(r.stdout).not.toContain(SECRET);
    expect(r.stderr).toMatch(/Operation not permitted/);
    // What the container has stays usable.
    const ok = await run([], 'echo hi > /dev/null && head -c 3 /dev/zero | wc -c && head -c 1 /dev/urandom | wc -c');
    expect(ok.stdout.split(/\s+/).filter(Boolean)).toEqual(['3', '1']);
    expect(ok.code).toBe(0);
  });

  it('--device gives it the node and the rule: read with r, and nothing more', async () => {
    const r = await run(['--device', `${loop.device}:/dev/xvda:r`],
      `ls -l /dev/xvda; head -c ${SECRET.length} /dev/xvda; echo; echo x > /dev/xvda && echo wrote; true`);
    expect(r.stdout).toMatch(new RegExp(`^b.* ${loop.major}, +${loop.minor} .*/dev/xvda$`, 'm'));
    expect(r.stdout).toContain(SECRET);
    expect(r.stdout).not.toContain('wrote');
    expect(r.stderr).toMatch(/Operation not permitted/);
    const rw = await run(['--device', loop.device], `head -c ${SECRET.length} ${loop.device}`);
    expect(rw.stdout).toBe(SECRET);
    expect(rw.code).toBe(0);
  });

  it('--device-cgroup-rule allows a node the container makes itself; --privileged allows every device', async () => {
    const rule = await run(['--device-cgroup-rule', `b ${loop.major}:* r`], mknodAndRead());
    expect(rule.stdout).toContain(SECRET);
    const privileged = await run(['--privileged'], mknodAndRead());
    expect(privileged.stdout).toContain(SECRET);
  });

  it("on cgroup v1 the group's devices.list is Docker's list and the rule for --device", async () => {
    const v1 = !existsSync('/sys/fs/cgroup/cgroup.controllers');
    if (!v1) return; // v2: the rules are a BPF program; the runs above saw it work
    const child = spawn('node', [cli, 'run', '--rootfs', rootfs.dir, '--device', `${loop.device}:/dev/xvda:rw`, '--', 'sleep', '30'], { stdio: 'ignore' });
    try {
      let list = '';
      for (let i = 0; i < 200 && !list; i++) {
        const dir = cgroups().find((p) => p.startsWith('/sys/fs/cgroup/devices/') && p.includes(`/bl-run-${child.pid}-`));
        if (dir && readFileSync(join(dir, 'cgroup.procs'), 'utf8').trim()) list = readFileSync(join(dir, 'devices.list'), 'utf8');
        else await new Promise((r) => setTimeout(r, 50));
      }
      const lines = list.trim().split('\n').sort();
      const want = [...DOCKER_DEVICE_RULES, `allow b ${loop.major}:${loop.minor} rw`].map((r) => r.replace(/^allow /, '')).sort();
      expect(lines).toEqual(want);
    } finally {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
    }
  });

  it('refuses a --device it cannot give, before anything is made', async () => {
    const missing = await run(['--device', '/dev/bl-no-such-device'], 'true');
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('/dev/bl-no-such-device: there is no such file');
    const outside = await run(['--device', `${loop.device}:/etc/disk`], 'true');
    expect(outside.code).toBe(2);
    expect(outside.stderr).toContain('must be a plain path under /dev');
    const notDevice = await run(['--device', '/etc/hostname:/dev/x'], 'true');
    expect(notDevice.code).toBe(2);
    expect(notDevice.stderr).toContain('not a character or block device');
  });
});
