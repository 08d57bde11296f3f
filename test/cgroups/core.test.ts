// Cgroups on the real kernel, through the core: each controller the course teaches,
// made the way `boxlab run` makes it (plan -> ledger -> create -> limits -> clone into
// the group), and then seen working: forks refused, an OOM kill, CPU time held to a
// quota, the CPUs a process may use, a block device's write rate, a frozen loop.
// Programs run from the host's own files (no pivot_root): busybox, dd, sh.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Core, type CgroupRef } from '../../src/core/index.ts';
import { snapshot } from '../../src/kernel/index.ts';
import { blName, Ledger } from '../../src/ledger/index.ts';
import type { Limits } from '../../src/runtime/cgroup-flags.ts';
import { makeGroup, type Group } from '../../src/runtime/cgroups.ts';
import { cgroups, fingerprint, isRoot, type HostFingerprint } from '../helpers/host.ts';
import { failure } from '../helpers/core.ts';

let core: Core;
let ledger: Ledger;
let before: HostFingerprint;
let work: string;
let v2 = false;
/** The host is pure cgroup v2 (as in test/vm/run.sh's guest). */
const hostV2 = execFileSync('stat', ['-f', '-c', '%T', '/sys/fs/cgroup'], { encoding: 'utf8' }).trim() === 'cgroup2fs';

beforeEach(async () => {
  before = fingerprint();
  work = mkdtempSync(join(tmpdir(), 'bl-cgtest-'));
  ledger = Ledger.open(join(work, 'ledger'));
  core = await Core.start();
  v2 = (await core.cgroupLayout()).layout === 'v2';
}, 30_000);

afterEach(async () => {
  await core.close();
  expect(await ledger.close()).toEqual([]);
  rmSync(work, { recursive: true, force: true });
  expect(fingerprint()).toEqual(before);
}, 30_000);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Whether what measure() reads gets past from within 10 s (looked at every 50 ms). */
async function grows(measure: () => number, from: number): Promise<boolean> {
  for (let i = 0; i < 200; i++, await sleep(50)) if (measure() > from) return true;
  return false;
}

/** A group with these limits and a container whose init was born in it. */
async function boxIn(lim: Limits): Promise<{ group: Group; ref: CgroupRef; ct: string; pid: number }> {
  const group = await makeGroup(core, ledger, blName('cg'), lim);
  const { ct, pid } = await core.clone(['pid', 'mnt'], group.ref);
  return { group, ref: group.ref, ct, pid };
}

/** The cgroup view's rows for pid, by key. */
async function cgroupView(pid: number): Promise<Map<string, string>> {
  const view = (await snapshot(pid, ['cgroup'])).views.cgroup!;
  return new Map(view.rows.map((r) => [r.key, r.cells.value!]));
}


// Generous timeouts: under test/vm/run.sh (software emulation) everything is slower.
describe.runIf(isRoot)('cgroups through the core', { timeout: 60_000 }, () => {
  it('reports the layout the way runc and crun tell it, from statfs', async () => {
    const reply = await core.call<{ layout: string; hierarchies: { mount: string }[] }>('cgroup_layout');
    const fsType = execFileSync('stat', ['-f', '-c', '%T', '/sys/fs/cgroup'], { encoding: 'utf8' }).trim();
    expect(reply.result!.layout).toEqual(fsType === 'cgroup2fs' ? 'v2' : expect.stringMatching(/^(v1|hybrid)$/));
    expect(reply.syscalls[0]).toMatch(/^statfs\("\/sys\/fs\/cgroup", \{f_type=(CGROUP2_SUPER_MAGIC|TMPFS_MAGIC)/);
    for (const h of reply.result!.hierarchies) expect(statSync(h.mount).isDirectory()).toBe(true);
  });

  it('puts the init in its group before it can fork, and gives it a cgroup namespace rooted there', async () => {
    const group = await makeGroup(core, ledger, blName('cg'), { pidsLimit: 50 });
    const reply = await core.call<{ ct: string; pid: number }>('clone', { ns: ['pid', 'mnt', 'cgroup'], cgroup: group.ref.cgroup });
    const { ct, pid } = reply.result!;
    // v2: clone3 with CLONE_INTO_CGROUP; v1: the pid is written to cgroup.procs at once.
    if (v2) expect(reply.syscalls.some((s) => s.includes('CLONE_INTO_CGROUP') && !s.includes('= -1'))).toBe(true);
    else expect(reply.syscalls.filter((s) => /cgroup\.procs", O_WRONLY/.test(s))).toHaveLength(group.plan.groups.length);
    for (const g of group.plan.groups) {
      expect(execFileSync('cat', [join(g.path, 'cgroup.procs')], { encoding: 'utf8' }).split('\n')).toContain(String(pid));
    }
    const inside = await core.spawnInside(ct, ['/bin/cat', '/proc/self/cgroup']);
    for (const line of inside.stdout.trim().split('\n')) expect(line).toMatch(/:\/$/);
  });

  it('pids: a bounded fork loop stops with EAGAIN at the limit, and pids.events max moves', async () => {
    const { ct, pid } = await boxIn({ pidsLimit: 8 });
    expect((await cgroupView(pid)).get('pids.events:max')).toBe('0');
    const loop = 'i=0; while [ $i -lt 30 ]; do sleep 5 >/dev/null 2>&1 & i=$((i+1)); done; echo all forked';
    const r = await core.spawnInside(ct, ['/bin/busybox', 'sh', '-c', loop], { timeout_ms: 15_000 });
    expect(r.stdout).not.toContain('all forked');
    expect(r.stderr).toMatch(/can't fork: Resource temporarily unavailable/); // strerror(EAGAIN)
    const view = await cgroupView(pid);
    expect(Number(view.get('pids.events:max'))).toBeGreaterThan(0);
    expect(view.get('pids.max')).toBe('8');
    expect(Number(view.get('pids.current'))).toBeLessThanOrEqual(8);
  });

  it('memory: a process allocating past the limit is OOM-killed (137), and the events show it', async () => {
    const { ct, pid } = await boxIn({ memory: 32 * 2 ** 20 });
    const key = v2 ? 'memory.events:oom_kill' : 'memory.oom_control:oom_kill';
    expect((await cgroupView(pid)).get(key)).toBe('0');
    const r = await core.spawnInside(ct, ['/bin/busybox', 'dd', 'if=/dev/zero', 'of=/dev/null', 'bs=64M', 'count=1'], { timeout_ms: 20_000 });
    expect(r).toMatchObject({ code: 137, signaled: true, name: 'SIGKILL' });
    const view = await cgroupView(pid);
    expect(Number(view.get(key))).toBeGreaterThanOrEqual(1);
    expect(view.get(v2 ? 'memory.max' : 'memory.limit_in_bytes')).toBe(String(32 * 2 ** 20));
  });

  it('cpu: a busy loop under --cpus 0.5 gets 40-60% of a CPU over two seconds, against an unlimited one here', async () => {
    // Two busy loops, each in a group of its own, taking turns (the other one frozen):
    // one with no CPU limit shows what a loop can get on this machine right now, the
    // other runs under --cpus 0.5. The bounds differ in kind, and why:
    // - at most 60% of the wall time, in every round: the kernel enforces cpu.max on the
    //   CPU time it accounts itself, so the cap holds on an emulated machine as anywhere;
    // - at least 40%, and throttled, only in a round where the unlimited loop got 0.6 of
    //   a CPU or more: under software emulation (test/vm/run.sh) or while other work
    //   keeps the CPUs busy a loop gets less than a whole CPU, and where it gets under
    //   half of one the quota does not bind, so that round shows nothing. Such rounds
    //   are measured again, up to 5 in all; one must show the quota at work.
    const free = await boxIn({ pidsLimit: 10 });
    const held = await boxIn({ cpus: 0.5 });
    for (const b of [free, held]) await core.exec(b.ct, ['/bin/sh', '-c', 'while :; do :; done'], { stdio: 'null' });
    // CPU time as the kernel counts it for the group: cpu.stat usage_usec (v2) or
    // cpuacct.usage in nanoseconds (v1); cpu.stat's nr_throttled counts the periods in
    // which the quota ran out.
    const used = async (ref: CgroupRef) => v2
      ? Number(/usage_usec (\d+)/.exec((await core.cgroupGet(ref, 'cpu.stat')).value)![1]) * 1000
      : Number((await core.cgroupGet(ref, 'cpuacct.usage')).value);
    const throttled = async () => Number(/nr_throttled (\d+)/.exec((await core.cgroupGet(held.ref, 'cpu.stat')).value)![1]);
    /** The share of the wall time run's loop got over two seconds, stop's frozen. */
    const share = async (run: CgroupRef, stop: CgroupRef) => {
      await core.cgroupFreeze(stop);
      await core.cgroupThaw(run);
      await sleep(300);
      const [u0, t0] = [await used(run), process.hrtime.bigint()];
      await sleep(2000);
      return (await used(run) - u0) / Number(process.hrtime.bigint() - t0);
    };
    await core.cgroupFreeze(held.ref);
    const rounds: string[] = [];
    let shown = false;
    for (let round = 0; round < 5 && !shown; round++) {
      const unlimited = await share(free.ref, held.ref);
      const n0 = await throttled();
      const limited = await share(held.ref, free.ref);
      const n1 = await throttled();
      rounds.push(`unlimited ${unlimited.toFixed(2)}, limited ${limited.toFixed(2)}, throttled +${n1 - n0}`);
      expect(limited, rounds.join('; ')).toBeLessThanOrEqual(0.6); // every round holds the cap
      if (unlimited < 0.6) continue;
      expect(n1, rounds.join('; ')).toBeGreaterThan(n0);
      shown = limited >= 0.4;
    }
    expect(shown, `the quota was never seen giving a loop 40-60% of a CPU: ${rounds.join('; ')}`).toBe(true);
  });

  it('cpuset: the affinity read back inside equals the set', async () => {
    const cpu = String(availableParallelism() - 1);
    const { ct, ref } = await boxIn({ cpusetCpus: cpu });
    const r = await core.spawnInside(ct, ['/bin/grep', 'Cpus_allowed_list', '/proc/self/status']);
    expect(r.stdout.trim().split(/\s+/)[1]).toBe(cpu);
    expect((await core.cgroupGet(ref, 'cpuset.cpus')).value.trim()).toBe(cpu);
  });

  it.runIf(existsSync('/dev/loop-control'))('io: direct writes to a loop device under a write-bps limit stay near the limit', async () => {
    const file = join(work, 'bl-disk.img');
    writeFileSync(file, '');
    execFileSync('truncate', ['-s', '64M', file]);
    const device = await ledger.track({ kind: 'loop', file }, () =>
      execFileSync('losetup', ['--find', '--show', file], { encoding: 'utf8' }).trim());
    const rate = 2 ** 20; // 1 MiB/s
    const [major, minor] = execFileSync('stat', ['-c', '%t %T', device], { encoding: 'utf8' }).trim().split(' ').map((h) => parseInt(h, 16));
    const { ct } = await boxIn({ deviceWriteBps: [{ device, major: major!, minor: minor!, rate }] });
    // 2 MiB in 64 KiB direct writes: about two seconds at the limit.
    const r = await core.spawnInside(ct, ['/bin/dd', 'if=/dev/zero', `of=${device}`, 'bs=64k', 'count=32', 'oflag=direct'], { timeout_ms: 30_000 });
    expect(r.code).toBe(0);
    // GNU dd: "2097152 bytes (2.1 MB, 2.0 MiB) copied, 2.0012 s, 1.0 MB/s"
    const m = /^(\d+) bytes .* copied, ([\d.]+) s/m.exec(r.stderr)!;
    const measured = Number(m[1]) / Number(m[2]);
    expect(measured).toBeLessThanOrEqual(rate * 1.3);
    expect(measured).toBeGreaterThanOrEqual(rate * 0.5);
  });

  it('freezer: a frozen counter loop does not advance; thawed, it does; kill empties the group', async () => {
    const { ct, pid, ref, group } = await boxIn({ pidsLimit: 100 });
    const out = join(work, 'counter');
    writeFileSync(out, '');
    await core.exec(ct, ['/bin/sh', '-c', `i=0; while :; do i=$((i+1)); echo $i >> ${out}; sleep 0.01; done`], { stdio: 'null' });
    const size = () => statSync(out).size;
    // Running: it counts (a shell takes a while to start under software emulation).
    expect(await grows(size, 0)).toBe(true);
    await core.cgroupFreeze(ref);
    const frozen = await cgroupView(pid);
    expect(v2 ? frozen.get('cgroup.events:frozen') : frozen.get('freezer.state')).toBe(v2 ? '1' : 'FROZEN');
    const atFreeze = size();
    await sleep(500);
    expect(size()).toBe(atFreeze);
    await core.cgroupThaw(ref);
    expect(await grows(size, atFreeze)).toBe(true);

    const { killed } = await core.cgroupKill(ref);
    expect(killed).toBeGreaterThanOrEqual(1);
    expect(await core.wait({ ct })).toMatchObject({ signaled: true, name: 'SIGKILL' });
    const { removed } = await core.cgroupRemove(ref);
    expect(removed.sort()).toEqual(group.plan.groups.map((g) => g.path).sort());
    for (const g of group.plan.groups) expect(() => statSync(g.path)).toThrow();
  });

  it('destroy thaws a frozen container first (a frozen v1 task cannot die), and the group empties', async () => {
    const { ct, ref } = await boxIn({ pidsLimit: 20 });
    await core.exec(ct, ['/bin/sleep', '60'], { stdio: 'null' });
    await core.cgroupFreeze(ref);
    await core.destroy(ct); // reaps the init: would wait forever if it stayed frozen
    expect((await core.cgroupGet(ref, 'cgroup.procs', 'pids')).value).toBe('');
    expect((await core.cgroupRemove(ref)).removed.length).toBeGreaterThan(0);
  });

  it('refuses bad input with a clear error and changes nothing', async () => {
    const name = blName('cg');
    const bad = await failure(core.cgroupCreate({ cgroup: '../escape' }));
    expect(bad.kind).toBe('usage');
    const parent = await failure(core.cgroupPlan({ cgroup: name, parent: 'not-ours/deeper' }));
    expect(parent).toMatchObject({ kind: 'state' });
    expect(parent.hint).toMatch(/bl-/);
    const missing = await failure(core.cgroupSet({ cgroup: name }, 'pids.max', '5'));
    expect(missing.kind).toBe('state');
    const group = await makeGroup(core, ledger, name, { pidsLimit: 5 });
    const value = await failure(core.cgroupSet(group.ref, 'pids.max', 'lots'));
    expect(value).toMatchObject({ kind: 'syscall', errno: 'EINVAL' });
    expect(value.explain).toMatch(/pids\.max/);
    expect((await core.cgroupGet(group.ref, 'pids.max')).value.trim()).toBe('5');
    const twice = await failure(core.cgroupCreate(group.ref));
    expect(twice.message).toMatch(/already exists/);
  });

  it('devices: rules folded into a default and exceptions the kernel holds; a rule needing a hole is refused', async () => {
    const ref = { cgroup: blName('cg') };
    const controllers = v2 ? undefined : ['devices']; // v1: the devices tree is joined only when asked for
    const plan = await core.cgroupPlan(ref, controllers);
    const entries = plan.create.map((path) => ledger.record({ kind: 'cgroup', path }).id);
    try {
      await core.cgroupCreate(ref, controllers);
      const rules = ['deny a', 'allow c 1:* r', 'allow c *:5 w', 'allow c 1:3 rwm', 'deny c 1:3 w'];
      const { result } = await core.call<{ default: string; exceptions: string[]; attached?: number[] }>('cgroup_devices', { ...ref, rules });
      // 1:3 lost w to the last rule; 1:5 gets r and w in one exception, as open(O_RDWR) asks both at once.
      const exceptions = ['c *:5 w', 'c 1:* r', 'c 1:3 rm', 'c 1:5 rw'];
      expect(result).toMatchObject({ default: 'deny', exceptions: exceptions.map((e) => `allow ${e}`) });
      if (v2) {
        expect(result!.attached).toHaveLength(1); // the kernel's BPF_PROG_QUERY: one program on the group
      } else {
        const dir = plan.groups.find((g) => g.controllers === 'devices')!.path;
        expect(readFileSync(join(dir, 'devices.list'), 'utf8').trim().split('\n')).toEqual(exceptions);
      }
      const hole = await failure(core.call('cgroup_devices', { ...ref, rules: ['deny a', 'allow c 1:* rwm', 'deny c 1:3 w'] }));
      expect(hole.kind).toBe('usage');
      expect(hole.message).toMatch(/rules\[2\] \(deny c 1:3 w\) would cut a hole in an allow of more devices.*: c 1:\* rwm/);
      const bad = await failure(core.call('cgroup_devices', { ...ref, rules: ['allow c 1:3'] }));
      expect(bad.message).toMatch(/rules\[0\]: "allow c 1:3" is not a device rule/);
    } finally {
      await core.cgroupRemove(ref);
      for (const id of entries.reverse()) ledger.forget(id);
    }
  });

  it.runIf(hostV2)('v2: explains the no-internal-process rule instead of a bare EBUSY', async () => {
    const outer = await boxIn({ pidsLimit: 50 });
    const err = await failure(core.cgroupPlan({ cgroup: blName('cg'), parent: `${outer.ref.cgroup}` }, ['pids']));
    expect(err.kind).toBe('state');
    expect(err.message).toMatch(/holds processes/);
    expect(err.hint).toMatch(/--cgroup-parent/);
  });

  it('leaves no group of this process in any tree', () => {
    expect(cgroups().filter((p) => p.includes(`-${process.pid}-`))).toEqual([]);
  });
});
