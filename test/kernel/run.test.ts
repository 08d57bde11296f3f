// `boxlab run` end to end: the bundled CLI as a person runs it, against the real kernel.
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { rootlessIds } from '../../src/cli/run.ts';
import { repoRoot } from '../../src/core/index.ts';
import { fingerprint, isRoot, type HostFingerprint } from '../helpers/host.ts';
import { testRootfs } from '../helpers/rootfs.ts';

const cli = join(repoRoot(), 'dist', 'boxlab.mjs');
let rootfs: Awaited<ReturnType<typeof testRootfs>>;
let before: HostFingerprint;

beforeAll(async () => { if (isRoot) rootfs = await testRootfs(); });
afterAll(async () => { await rootfs?.remove(); });
beforeEach(() => { before = fingerprint(); });
afterEach(() => { expect(fingerprint()).toEqual(before); });

function run(args: string[], input?: string) {
  const r = spawnSync('node', [cli, 'run', '--rootfs', rootfs.dir, ...args], { input, encoding: 'utf8', timeout: 20_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe.runIf(isRoot)('boxlab run', () => {
  it('runs a command as PID 1 with its own hostname', () => {
    expect(run(['--hostname', 'bl-box', '--', 'sh', '-c', 'echo $$; hostname'])).toMatchObject({ code: 0, stdout: '1\nbl-box\n' });
  });

  it('passes the exit status through, and 128+N for a signal', () => {
    expect(run(['--', 'sh', '-c', 'exit 3']).code).toBe(3);
    // Without a pid namespace sh is an ordinary process and SIGKILL ends it...
    expect(run(['--ns', 'mnt,uts', '--', 'sh', '-c', 'kill -9 $$']).code).toBe(137);
    // ...but as PID 1 the kernel drops signals it has no handler for, even SIGKILL from inside.
    expect(run(['--', 'sh', '-c', 'kill -9 $$; echo survived']).stdout).toBe('survived\n');
  });

  it('passes stdio through', () => {
    expect(run(['--', 'cat'], 'hello through the container\n')).toMatchObject({ code: 0, stdout: 'hello through the container\n' });
    expect(run(['--', 'sh', '-c', 'echo oops >&2']).stderr).toBe('oops\n');
  });

  it('sees only its own processes and mounts', () => {
    const ps = run(['--', 'ps', '-e', '-o', 'pid=,comm=']);
    expect(ps.stdout.trim().split('\n').map((l) => l.trim())).toEqual(['1 ps']);
    const mounts = run(['--', 'cat', '/proc/self/mountinfo']).stdout.trim().split('\n').map((l) => l.split(' '));
    expect(mounts.map((f) => f[4]).filter((p) => p!.startsWith('/tmp'))).toEqual([]);
    expect(mounts.find((f) => f[4] === '/')!.join(' ')).toMatch(/ - overlay /);
  });

  it('never writes to the rootfs', () => {
    expect(run(['--', 'sh', '-c', 'echo changed > /etc/hostname && cat /etc/hostname']).stdout).toBe('changed\n');
    expect(readFileSync(join(rootfs.dir, 'etc', 'hostname'), 'utf8')).toBe('boxlab\n');
  });

  it('mounts volumes, tmpfs and a read-only root', () => {
    const vol = join(rootfs.dir, '..');
    expect(run(['-v', `${vol}:/data:ro`, '--', 'sh', '-c', 'ls /data; touch /data/x'])).toMatchObject({ code: 1 });
    expect(run(['-v', `${vol}:/data:ro`, '--', 'ls', '/data']).stdout).toContain('rootfs');
    expect(run(['--tmpfs', '/scratch', '--', 'sh', '-c', 'grep " /scratch " /proc/self/mountinfo']).stdout).toContain('tmpfs');
    const ro = run(['--read-only', '--', 'sh', '-c', 'touch /x']);
    expect(ro.code).not.toBe(0);
    expect(ro.stderr).toMatch(/Read-only file system/);
  });

  it('runs rootless: root inside is an unprivileged uid outside', () => {
    const r = run(['--user', '--', 'sh', '-c', 'id -u; cat /proc/self/uid_map']);
    expect(r.code).toBe(0);
    const [uid, map] = r.stdout.split('\n');
    expect(uid).toBe('0');
    expect(map!.trim().split(/\s+/)).toEqual(['0', String(rootlessIds().uid), '1']);
    expect(rootlessIds().uid).not.toBe(0);
  });

  it('stops on SIGINT within a second and a half, leaving nothing behind', async () => {
    const child = spawn('node', [cli, 'run', '--rootfs', rootfs.dir, '--', 'sleep', '60'], { stdio: 'ignore' });
    await new Promise((r) => setTimeout(r, 800));
    const t0 = Date.now();
    child.kill('SIGINT');
    const code = await new Promise<number | null>((r) => child.once('exit', (c) => r(c)));
    expect(Date.now() - t0).toBeLessThan(1500);
    expect([130, 137]).toContain(code);
  });

  it('refuses bad input with a clear error, making nothing', () => {
    expect(run(['--rootfs', '/no/such/dir', '--', 'true'])).toMatchObject({ code: 125, stderr: expect.stringContaining('/no/such/dir is not a directory') });
    expect(run(['--ns', 'pid,bogus', '--', 'true'])).toMatchObject({ code: 2, stderr: expect.stringContaining("unknown namespace 'bogus'") });
    expect(run(['--ns', 'pid', '--', 'true'])).toMatchObject({ code: 125, stderr: expect.stringContaining('mount namespace') });
    expect(run([])).toMatchObject({ code: 125, stderr: expect.stringContaining('no command given') });
    expect(run(['--', '/no/such/program'])).toMatchObject({ code: 127, stderr: expect.stringContaining('ENOENT') });
  });
});
