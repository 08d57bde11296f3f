// `boxlab run` end to end: the bundled CLI as a person runs it, against the real kernel.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { rootlessIds } from '../../src/runtime/rootless.ts';
import { repoRoot } from '../../src/core/index.ts';
import { CAPABILITIES, capBits } from '../../src/kernel/views/ids.ts';
import { parseStatus } from '../../src/kernel/views/proc.ts';
import { DOCKER_CAPS, DOCKER_MASKED_PATHS, DOCKER_READONLY_PATHS } from '../../src/runtime/security.ts';
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

  it('stops on SIGINT without hanging, leaving nothing behind', async () => {
    const child = spawn('node', [cli, 'run', '--rootfs', rootfs.dir, '--', 'sleep', '60'], { stdio: 'ignore' });
    await new Promise((r) => setTimeout(r, 800));
    const t0 = Date.now();
    child.kill('SIGINT');
    const code = await new Promise<number | null>((r) => child.once('exit', (c) => r(c)));
    // Catches a hang; how fast it stops is not a test's business on a noisy machine.
    expect(Date.now() - t0).toBeLessThan(10_000);
    expect([130, 137]).toContain(code);
  });

  it('refuses bad input with a clear error, making nothing', () => {
    expect(run(['--rootfs', '/no/such/dir', '--', 'true'])).toMatchObject({ code: 2, stderr: expect.stringContaining('/no/such/dir is not a directory') });
    expect(run(['--ns', 'pid,bogus', '--', 'true'])).toMatchObject({ code: 2, stderr: expect.stringContaining("unknown namespace 'bogus'") });
    expect(run(['--ns', 'pid', '--', 'true'])).toMatchObject({ code: 2, stderr: expect.stringContaining('mount namespace') });
    expect(run([])).toMatchObject({ code: 2, stderr: expect.stringContaining('no command given') });
    expect(run(['--', '/no/such/program'])).toMatchObject({ code: 127, stderr: expect.stringContaining('ENOENT') });
  });
});

/** The capability names of a /proc/PID/status mask, in bit order. */
const names = (hex: string | undefined) => capBits(hex ?? '0').map((b) => CAPABILITIES[b] ?? `bit ${b}`);

/** What the container says about itself: its /proc/self/status fields, then whatever
 *  the script prints after a line "--". */
function inside(args: string[], script = 'true') {
  const r = run([...args, '--', 'sh', '-c', `cat /proc/self/status; echo --; ${script}`]);
  const [status = '', rest = ''] = r.stdout.split('\n--\n');
  return { ...r, status: parseStatus(status), out: rest };
}

/** The lab's own bounding set: the most a container of root can keep. */
const ownStatus = () => parseStatus(readFileSync('/proc/self/status', 'utf8'));

// Masked files read as nothing (/dev/null), masked directories list nothing (an empty
// tmpfs): print each present path with what reading it gives, as a byte count.
const READ_MASKED = `for p in ${DOCKER_MASKED_PATHS.join(' ')}; do
  if [ -d $p ]; then echo "$p $(ls -A $p | wc -l)"; elif [ -e $p ]; then echo "$p $(wc -c < $p)"; fi
done`;

describe.runIf(isRoot)('boxlab run confinement (Docker\'s defaults)', () => {
  const docker = () => DOCKER_CAPS.filter((c) => names(ownStatus().CapBnd).includes(c));

  it("keeps only Docker's default capabilities, in every set, and the kernel enforces it", () => {
    expect(docker()).toHaveLength(14); // this machine gives boxlab all of Docker's set
    const r = inside([], 'hostname bl-not-allowed 2>/dev/null; echo "sethostname: $?"; hostname');
    expect(r.code, r.stderr).toBe(0);
    for (const set of ['CapEff', 'CapPrm', 'CapBnd'] as const) expect(names(r.status[set]).sort(), set).toEqual([...docker()].sort());
    expect(r.status.CapEff).toBe('00000000a80425fb');
    expect(names(r.status.CapInh)).toEqual([]);
    expect(names(r.status.CapAmb)).toEqual([]);
    expect(r.status.NoNewPrivs).toBe('0');
    // sethostname needs CAP_SYS_ADMIN, which is not in Docker's set: refused, name unchanged.
    expect(r.out).toMatch(/^sethostname: [1-9]\d*$/m);
    expect(r.out).not.toContain('bl-not-allowed');
  });

  it('--cap-drop ALL leaves no capability; --cap-add SYS_ADMIN adds one', () => {
    const none = inside(['--cap-drop', 'ALL'], 'touch /tmp/f; chown 1 /tmp/f 2>&1; echo "chown: $?"');
    for (const set of ['CapEff', 'CapPrm', 'CapBnd', 'CapInh', 'CapAmb'] as const) expect(none.status[set], set).toBe('0000000000000000');
    expect(none.out).toMatch(/Operation not permitted\nchown: 1/);

    const added = inside(['--cap-add', 'SYS_ADMIN', '--cap-drop', 'chown'], 'hostname bl-allowed && hostname');
    expect(names(added.status.CapEff).sort()).toEqual([...docker().filter((c) => c !== 'CAP_CHOWN'), 'CAP_SYS_ADMIN'].sort());
    expect(added.out).toBe('bl-allowed\n');
  });

  it('--privileged keeps the whole bounding set boxlab holds and masks nothing', () => {
    const r = inside(['--privileged'], `${READ_MASKED}; grep -c " /proc/sys " /proc/self/mountinfo`);
    expect(r.status.CapBnd).toBe(ownStatus().CapBnd);
    expect(r.status.CapEff).toBe(ownStatus().CapBnd);
    // Unmasked, what the host has there reads as the kernel's own text again.
    if (existsSync('/proc/timer_list')) expect(r.out).toMatch(/^\/proc\/timer_list [1-9]\d*$/m);
    expect(r.out.trim().split('\n').at(-1)).toBe('0'); // /proc/sys is no mount of its own
  });

  it("masks Docker's masked paths and makes its read-only paths read-only (skipping what this kernel lacks)", () => {
    const r = inside([], `${READ_MASKED}; echo 1 > /proc/sys/net/ipv4/ip_forward 2>&1; echo "write: $?"; grep -E " /(proc|sys)/" /proc/self/mountinfo`);
    expect(r.code, r.stderr).toBe(0);
    const present = DOCKER_MASKED_PATHS.filter((p) => existsSync(p));
    expect(present.length).toBeGreaterThan(0);
    const read = Object.fromEntries(r.out.split('\n').filter((l) => /^\/\S+ \d+$/.test(l)).map((l) => l.split(' ')));
    // Every masked path the host has reads empty inside; /proc/kcore among them where it exists.
    expect(read).toEqual(Object.fromEntries(present.map((p) => [p, '0'])));
    if (existsSync('/proc/kcore')) expect(read['/proc/kcore']).toBe('0');
    expect(r.stderr).toMatch(/Read-only file system|Permission denied/);
    expect(r.out).toMatch(/^write: [1-9]\d*$/m); // the shell could not open the file
    for (const p of DOCKER_READONLY_PATHS.filter((q) => existsSync(q))) {
      expect(r.out, p).toMatch(new RegExp(`^\\S+ \\S+ \\S+ \\S+ ${p} ro,`, 'm'));
    }
  });

  it('--security-opt no-new-privileges sets NoNewPrivs', () => {
    expect(inside(['--security-opt', 'no-new-privileges']).status.NoNewPrivs).toBe('1');
  });

  it('confines a rootless container the same way', () => {
    const r = inside(['--user'], `${READ_MASKED}; echo 1 > /proc/sys/net/ipv4/ip_forward 2>&1; echo "write: $?"`);
    expect(r.code, r.stderr).toBe(0);
    expect(r.status.CapEff).toBe('00000000a80425fb');
    if (existsSync('/proc/timer_list')) expect(r.out).toMatch(/^\/proc\/timer_list 0$/m);
    expect(r.out).toMatch(/^write: [1-9]\d*$/m); // the shell could not open the file
  });

  it('refuses unknown or unavailable capabilities by name, making nothing', () => {
    expect(run(['--cap-add', 'SYS_ADMN', '--', 'true'])).toMatchObject({ code: 2, stderr: expect.stringContaining('--cap-add SYS_ADMN: unknown capability (did you mean "SYS_ADMIN"?)') });
    expect(run(['--cap-drop', 'nope', '--', 'true'])).toMatchObject({ code: 2, stderr: expect.stringContaining('--cap-drop nope: unknown capability') });
    expect(run(['--security-opt', 'bogus=1', '--', 'true'])).toMatchObject({ code: 2, stderr: expect.stringContaining('knows no-new-privileges') });
    // A capability this machine keeps from boxlab itself cannot be given (here, if any).
    const held = names(ownStatus().CapBnd);
    const missing = CAPABILITIES.slice(0, Number(readFileSync('/proc/sys/kernel/cap_last_cap', 'utf8')) + 1).find((c) => !held.includes(c));
    if (missing) {
      expect(run(['--cap-add', missing, '--', 'true'])).toMatchObject({ code: 2, stderr: expect.stringContaining(`boxlab itself does not hold ${missing}`) });
    }
  });
});
