// `boxlab run` with Docker's resource flags, end to end: the bundled CLI as a person
// runs it, on a busybox rootfs, against the real kernel. Each flag is seen working from
// inside the container (or in its exit status), and nothing is left behind.
import { spawn, spawnSync } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { repoRoot } from '../../src/core/index.ts';
import { cgroupReport } from '../../src/runtime/cgroups.ts';
import { cgroups, fingerprint, isRoot, type HostFingerprint } from '../helpers/host.ts';
import { testRootfs } from '../helpers/rootfs.ts';
import { boxlab, type Ran } from '../helpers/detached.ts';

const cli = join(repoRoot(), 'dist', 'boxlab.mjs');
let rootfs: Awaited<ReturnType<typeof testRootfs>>;
let before: HostFingerprint;

beforeAll(async () => { if (isRoot) rootfs = await testRootfs('busybox'); }, 60_000);
afterAll(async () => { await rootfs?.remove(); });
beforeEach(() => { before = fingerprint(); });
afterEach(() => { expect(fingerprint()).toEqual(before); });

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The groups of the `boxlab run` with this pid (bl-run-PID-N), in every tree. */
const groupsOf = (pid: number) => cgroups().filter((p) => p.includes(`/bl-run-${pid}-`));

/** Start `boxlab run` in the background; resolves once its container's group holds a process. */
async function started(args: string[]) {
  const child = spawn('node', [cli, 'run', '--rootfs', rootfs.dir, ...args], { stdio: 'ignore' });
  for (let i = 0; i < 400; i++) {
    const dirs = groupsOf(child.pid!);
    if (dirs.some((d) => spawnSync('cat', [`${d}/cgroup.procs`], { encoding: 'utf8' }).stdout.trim())) break;
    await sleep(50);
  }
  expect(groupsOf(child.pid!)).not.toEqual([]);
  return { child, exited: new Promise<number | null>((r) => child.once('exit', (code) => r(code))) };
}

/** `boxlab run`, awaited: a test that ran several of them synchronously would keep
 *  vitest's worker from answering its runner for longer than its 60 s RPC timeout under
 *  emulation (test/vm), though every test passed. */
function run(args: string[]): Promise<Ran> {
  return boxlab(['run', '--rootfs', rootfs.dir, ...args]);
}

// Generous timeouts: under test/vm/run.sh (software emulation) each run takes a second or two.
describe.runIf(isRoot)('boxlab run with resource flags', { timeout: 120_000 }, () => {
  it('--explain prints the table and this machine\'s files and values, and makes nothing', async () => {
    const r = await run(['--explain', '--memory', '64m', '--cpus', '0.5', '--pids-limit', '20', '--', 'true']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/--memory-swap\s+SIZE, or -1\s+memory\.memsw\.limit_in_bytes\s+memory\.swap\.max/);
    const v2 = /This machine: v2/.test(r.stdout);
    expect(r.stdout).toMatch(/This machine: (v1|v2|hybrid)/);
    if (v2) {
      expect(r.stdout).toMatch(/--memory +echo 67108864 > \/sys\/fs\/cgroup\/\S*bl-run-\d+-\d+\/memory\.max/);
      expect(r.stdout).toMatch(/--cpus +echo '50000 100000' > \S+\/cpu\.max/);
    } else {
      expect(r.stdout).toMatch(/--memory +echo 67108864 > \/sys\/fs\/cgroup\/memory\/\S*bl-run-\d+-\d+\/memory\.limit_in_bytes/);
      expect(r.stdout).toMatch(/--cpus +echo 50000 > \S+\/cpu\.cfs_quota_us/);
    }
    expect(r.stdout).toMatch(/--pids-limit +echo 20 > \S+\/pids\.max/);
    expect(r.stdout).toContain('Nothing was made or changed.');
  });

  it('refuses bad values with the flag, what is wrong and what to give, and runs nothing', async () => {
    const cases: [string[], RegExp][] = [
      [['--memory', '12x'], /--memory 12x: expected a size such as 512m/],
      [['--memory', '1m'], /smallest memory limit is 6m/],
      [['--memory-swap', '64m'], /--memory-swap needs --memory/],
      [['--memory', '64m', '--memory-swap', '32m'], /at least --memory/],
      [['--cpus', '0'], /--cpus 0: expected a number of CPUs from 0\.01/],
      [['--cpuset-cpus', 'one'], /--cpuset-cpus one: expected CPU numbers/],
      [['--pids-limit', 'many'], /--pids-limit many: expected a whole number/],
      [['--device-write-bps', '/dev/null:1mb'], /\/dev\/null is not a block device/],
      [['--device-read-iops', 'sda'], /expected DEVICE:RATE/],
      [['--oom-score-adj', '2000'], /from -1000 to 1000/],
      [['--cgroup-parent', '../up'], /--cgroup-parent \.\.\/up: expected a cgroup path/],
    ];
    for (const [flags, message] of cases) {
      const r = await run([...flags, '--', 'true']);
      expect(r.code, flags.join(' ')).toBe(2);
      expect(r.stderr, flags.join(' ')).toMatch(message);
    }
  });

  it('--memory: a process allocating past the limit is OOM-killed, exit status 137', async () => {
    const r = await run(['--memory', '32m', '--', 'dd', 'if=/dev/zero', 'of=/dev/null', 'bs=64M', 'count=1']);
    expect(r.code).toBe(137);
    expect((await run(['--memory', '32m', '--', 'dd', 'if=/dev/zero', 'of=/dev/null', 'bs=8M', 'count=1'])).code).toBe(0);
  });

  it('--pids-limit: a fork loop stops with EAGAIN at the limit', async () => {
    const loop = 'i=0; while [ $i -lt 30 ]; do sleep 5 >/dev/null 2>&1 & i=$((i+1)); done; echo all forked';
    const r = await run(['--pids-limit', '6', '--', 'sh', '-c', loop]);
    expect(r.stdout).not.toContain('all forked');
    expect(r.stderr).toMatch(/can't fork: Resource temporarily unavailable/);
  });

  it('--cpuset-cpus: the affinity read back inside equals the set', async () => {
    const cpu = String(availableParallelism() - 1);
    const r = await run(['--cpuset-cpus', cpu, '--', 'grep', 'Cpus_allowed_list', '/proc/self/status']);
    expect(r.stdout.trim().split(/\s+/)).toEqual(['Cpus_allowed_list:', cpu]);
  });

  it('--oom-score-adj sets the init\'s, and its children inherit it', async () => {
    expect((await run(['--oom-score-adj', '500', '--', 'sh', '-c', 'cat /proc/self/oom_score_adj'])).stdout).toBe('500\n');
  });

  it('the container sees its own group as the root of its cgroup namespace', async () => {
    const r = await run(['--pids-limit', '50', '--', 'cat', '/proc/self/cgroup']);
    expect(r.code).toBe(0);
    for (const line of r.stdout.trim().split('\n')) expect(line).toMatch(/:\/$/);
  });

  it('on SIGINT the container stops and its group goes', async () => {
    const { child, exited } = await started(['--pids-limit', '10', '--', 'sleep', '60']);
    child.kill('SIGINT');
    expect(await exited).not.toBe(0);
    expect(groupsOf(child.pid!)).toEqual([]);
  });

  it('after a SIGKILL, boxlab cleanup empties and removes the groups it left', async () => {
    const { child, exited } = await started(['--pids-limit', '10', '--', 'sleep', '60']);
    child.kill('SIGKILL');
    await exited;
    expect(groupsOf(child.pid!)).not.toEqual([]);
    const done = spawnSync('node', [cli, 'cleanup', '--json'], { encoding: 'utf8' });
    const items = JSON.parse(done.stdout).items.filter((i: { owner: number }) => i.owner === child.pid);
    expect(items.filter((i: { entry: { kind: string } }) => i.entry.kind === 'cgroup').length).toBeGreaterThan(0);
    expect(items.every((i: { removed: boolean }) => i.removed)).toBe(true);
    expect(groupsOf(child.pid!)).toEqual([]);
  });

  it('reports the layout, controllers and place of the groups for boxlab doctor', async () => {
    const report = await cgroupReport();
    expect(report.layout).toMatch(/^(v1|v2|hybrid)$/);
    expect(report.controllers).toEqual(expect.arrayContaining(['memory', 'pids']));
    expect(report.parent).toMatch(/^\/sys\/fs\/cgroup/);
    if (report.layout === 'hybrid') expect(report.notes.join('\n')).toMatch(/hybrid/);
  });

  it('boxlab doctor names the layout statfs shows, the controllers and where the groups go', () => {
    const r = spawnSync('node', [cli, 'doctor', '--json'], { encoding: 'utf8', timeout: 60_000 });
    const check = JSON.parse(r.stdout).checks.find((c: { id: string }) => c.id === 'cgroup');
    const root = spawnSync('stat', ['-f', '-c', '%T', '/sys/fs/cgroup'], { encoding: 'utf8' }).stdout.trim();
    const unified = spawnSync('stat', ['-f', '-c', '%T', '/sys/fs/cgroup/unified'], { encoding: 'utf8' }).stdout.trim();
    const layout = root === 'cgroup2fs' ? 'cgroup v2' : unified === 'cgroup2fs' ? 'hybrid' : 'cgroup v1';
    expect(check.detail).toMatch(new RegExp(`^${layout} .*; controllers: .*\\bmemory\\b`));
    expect(check.detail).toMatch(/\bpids\b/);
    expect(check.more[0]).toMatch(/^groups go beneath \/sys\/fs\/cgroup/);
    if (root === 'cgroup2fs') expect(check.detail).toMatch(/\bio\b/); // v2's name for blkio
    // A v2 host whose boxlab group holds processes (a systemd session) gets a warning and the way out.
    if (check.status !== 'ok') expect(check.fix).toMatch(/--cgroup-parent|not available here/);
  });

  it('--cgroup-parent: a bl- parent is made for the run and removed with it', async () => {
    const parent = `bl-lab-${process.pid}-1`;
    const explain = await run(['--explain', '--cgroup-parent', parent, '--pids-limit', '10', '--', 'true']);
    expect(explain.stdout).toMatch(new RegExp(`mkdir \\S+/${parent}[;\\n]`));
    expect((await run(['--cgroup-parent', parent, '--pids-limit', '10', '--', 'true'])).code).toBe(0);
  });
});
