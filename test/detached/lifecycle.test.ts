// boxlab run -d, ps, stop and rm, end to end with the bundled CLI on a busybox rootfs:
// the container outlives the command, kept by its supervisor; stop and rm do what
// Docker's do; a killed supervisor leaves a dead container that cleanup (or rm) takes
// away; an interrupted start leaves nothing. The host is as it was after each test.
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { stateRoot } from '../../src/ledger/index.ts';
import { fingerprint, isRoot } from '../helpers/host.ts';
import { boxlab, cli, detached, one, prefix, ps, until, detachedRig } from '../helpers/detached.ts';

const rig = detachedRig();

const alive = (pid: number) => existsSync(`/proc/${pid}`) && !/^\S+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
const containerDirs = () => (existsSync(stateRoot()) ? readdirSync(stateRoot()).filter((n) => /^bl-(ct|name)-/.test(n)) : []);

describe.runIf(isRoot)('boxlab run -d, ps, stop, rm', { timeout: 120_000 }, () => {
  it('run -d prints the ID and returns; the container runs on, in a group of its own, listed by ps', async () => {
    const id = await detached(rig.rootfs, ['--name', `${prefix}a`, '--', 'sleep', '60']);
    const c = await one(id.slice(0, 12));
    expect(c).toMatchObject({ id, name: `${prefix}a`, state: 'running', restartCount: 0 });
    expect(c.status).toMatch(/^Up (Less than a second|\d+ seconds?)$/);
    expect(alive(c.pid)).toBe(true);
    // PID 1 inside, in a bl- group of its own in every tree (what boxlab stats reads).
    expect(readFileSync(`/proc/${c.pid}/status`, 'utf8')).toMatch(/^NSpid:\s+\d+\s+1$/m);
    // (v2: its one line; v1 and hybrid: the trees stats reads.)
    const lines = readFileSync(`/proc/${c.pid}/cgroup`, 'utf8').trim().split('\n');
    const counted = lines.length === 1 ? lines : lines.filter((l) => /^\d+:[^:]*\b(memory|pids|cpuacct|blkio)\b[^:]*:/.test(l));
    expect(counted.length).toBeGreaterThan(0);
    for (const line of counted) expect(line).toMatch(/\/bl-run-\d+-\d+$/);
    const table = await boxlab(['ps']);
    expect(table.stdout.split('\n')[0]).toMatch(/^CONTAINER ID +IMAGE +COMMAND +CREATED +STATUS +RESTARTS +PORTS +NAMES$/);
    expect(table.stdout).toMatch(new RegExp(`^${id.slice(0, 12)} .*"sleep 60" .* Up .* 0 .*${prefix}a$`, 'm'));
    expect((await boxlab(['ps', '-q'])).stdout).toContain(id.slice(0, 12));
  });

  it('stop: SIGTERM first (a trap answers it), SIGKILL after -t (an init without one); then Exited (N)', async () => {
    await detached(rig.rootfs, ['--name', `${prefix}trap`, '--', 'sh', '-c', 'trap "exit 7" TERM; while :; do sleep 0.1; done']);
    await detached(rig.rootfs, ['--name', `${prefix}deaf`, '--', 'sleep', '60']);
    const stopped = await boxlab(['stop', '-t', '1', `${prefix}trap`, `${prefix}deaf`]);
    expect(stopped).toMatchObject({ code: 0, stdout: `${prefix}trap\n${prefix}deaf\n` });
    expect(await one(`${prefix}trap`)).toMatchObject({ state: 'exited', exitCode: 7, pid: 0 });
    expect((await one(`${prefix}trap`)).status).toMatch(/^Exited \(7\) /);
    expect(await one(`${prefix}deaf`)).toMatchObject({ state: 'exited', exitCode: 137 });
    // Not running any more: ps alone does not list them; ps -a does.
    expect((await boxlab(['ps'])).stdout).not.toContain(`${prefix}trap`);
    expect((await boxlab(['stop', `${prefix}trap`])).code).toBe(0); // stopping a stopped one is fine
  });

  it('rm refuses a running container without -f, removes a stopped one and, with -f, a running one', async () => {
    const id = await detached(rig.rootfs, ['--name', `${prefix}r`, '--', 'sleep', '60']);
    const refused = await boxlab(['rm', `${prefix}r`]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/cannot remove container .*r: it is running\. Stop it first \(boxlab stop .*\), or force it \(boxlab rm -f/);
    expect((await one(`${prefix}r`)).state).toBe('running');
    const { supervisor, pid } = await one(`${prefix}r`);
    expect(await boxlab(['rm', '-f', id.slice(0, 8)])).toMatchObject({ code: 0, stdout: `${id.slice(0, 8)}\n` });
    expect(alive(supervisor) || alive(pid)).toBe(false);
    expect((await ps()).map((c) => c.name)).not.toContain(`${prefix}r`);
    expect(containerDirs()).toEqual([]);

    await detached(rig.rootfs, ['--name', `${prefix}s`, '--', 'true']);
    await until(`${prefix}s`, (c) => c.state === 'exited');
    expect((await boxlab(['rm', `${prefix}s`])).code).toBe(0);
    expect(containerDirs()).toEqual([]);
    expect((await boxlab(['rm', `${prefix}s`])).stderr).toMatch(/no such container/);
  });

  it('a name is held once: a second container with it is refused (125), and nothing is made for it', async () => {
    const id = await detached(rig.rootfs, ['--name', `${prefix}n`, '--', 'sleep', '60']);
    const dirs = containerDirs();
    const r = await boxlab(['run', '-d', '--rootfs', rig.rootfs, '--name', `${prefix}n`, '--', 'sleep', '60']);
    expect(r.code).toBe(125);
    expect(r.stderr).toContain(`the name "${prefix}n" is in use by container ${id.slice(0, 12)}`);
    expect(containerDirs()).toEqual(dirs);
    expect((await boxlab(['run', '--rootfs', rig.rootfs, '--name', `${prefix}n`, '--', 'true'])).code).toBe(125); // a foreground run too
    const bad = await boxlab(['run', '-d', '--rootfs', rig.rootfs, '--name', 'no/slash', '--', 'true']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--name no\/slash: a name is/);
  });

  it('a program that is not there: run -d says so, exits 127 and leaves nothing', async () => {
    const r = await boxlab(['run', '-d', '--rootfs', rig.rootfs, '--name', `${prefix}x`, '--', '/no/such/program']);
    expect(r.code).toBe(127);
    expect(r.stderr).toMatch(/boxlab run: .*\/no\/such\/program/);
    expect(containerDirs()).toEqual([]);
  });

  it('--rm: the container and everything of it goes when it exits', async () => {
    const id = await detached(rig.rootfs, ['--rm', '--name', `${prefix}gone`, '--', 'sh', '-c', 'sleep 0.5']);
    // (Under emulation it may be gone before ps has read it.)
    const supervisor = (await one(id).catch(() => undefined))?.supervisor;
    for (let i = 0; i < 300 && (supervisor ? alive(supervisor) : containerDirs().length); i++) await new Promise((r) => setTimeout(r, 100));
    if (supervisor) expect(alive(supervisor)).toBe(false);
    expect((await ps()).map((c) => c.id)).not.toContain(id);
    expect(containerDirs()).toEqual([]);
  });

  it('a SIGKILLed supervisor takes its container along; ps says Dead; boxlab cleanup leaves nothing', async () => {
    await detached(rig.rootfs, ['--name', `${prefix}k`, '--memory', '64m', '--net', 'bridge', '--', 'sleep', '60']);
    const { supervisor, pid } = await one(`${prefix}k`);
    process.kill(supervisor, 'SIGKILL');
    for (let i = 0; i < 50 && alive(pid); i++) await new Promise((r) => setTimeout(r, 100));
    expect(alive(pid)).toBe(false); // the core saw its request pipe close, and killed it
    expect(await one(`${prefix}k`)).toMatchObject({ state: 'dead', status: 'Dead' });
    expect((await boxlab(['stop', `${prefix}k`])).stderr).toMatch(/is dead: its supervisor was killed/);
    const done = await boxlab(['cleanup', '--json']);
    const items = (JSON.parse(done.stdout) as { items: { owner: number; removed: boolean; entry: { kind: string } }[] }).items.filter((i) => i.owner === supervisor);
    expect(items.map((i) => i.entry.kind)).toEqual(expect.arrayContaining(['dir', 'cgroup', 'process', 'nat', 'net-share']));
    expect(items.every((i) => i.removed)).toBe(true);
    expect(await ps()).toEqual([]);
  });

  it('SIGTERM to a supervisor stops its container as boxlab stop would, then removes it all', async () => {
    await detached(rig.rootfs, ['--name', `${prefix}t`, '--net', 'bridge', '--', 'sh', '-c', 'trap "exit 0" TERM; while :; do sleep 0.1; done']);
    const { supervisor, pid } = await one(`${prefix}t`);
    process.kill(supervisor, 'SIGTERM');
    for (let i = 0; i < 150 && (alive(supervisor) || containerDirs().length); i++) await new Promise((r) => setTimeout(r, 100));
    expect(alive(supervisor) || alive(pid)).toBe(false);
    expect(containerDirs()).toEqual([]);
    // (afterEach: its cgroup, veth, NAT table, lease and ledger are gone too.)
  });

  it('a supervisor left running is in the host fingerprint (a test that leaks one fails); boxlab cleanup leaves it, and names it', async () => {
    await detached(rig.rootfs, ['--name', `${prefix}fp`, '--', 'sleep', '60']);
    const { supervisor } = await one(`${prefix}fp`);
    expect(fingerprint().processes).toContain(`${supervisor} boxlab-supervis`);
    expect(fingerprint().processes).not.toEqual(rig.before.processes);
    // boxlab cleanup leaves a live supervisor's ledger alone, and names its container.
    const kept = await boxlab(['cleanup']);
    expect(kept.stdout).toMatch(new RegExp(`left alone: detached containers whose supervisors run \\(.*${prefix}fp.*\\); boxlab rm -f NAME`));
    expect(alive(supervisor)).toBe(true);
    expect((await one(`${prefix}fp`)).state).toBe('running');
  });

  it('rm of a dead container removes what its supervisor left', async () => {
    await detached(rig.rootfs, ['--name', `${prefix}d`, '--', 'sleep', '60']);
    process.kill((await one(`${prefix}d`)).supervisor, 'SIGKILL');
    await until(`${prefix}d`, (c) => c.state === 'dead');
    expect(await boxlab(['rm', `${prefix}d`])).toMatchObject({ code: 0, stdout: `${prefix}d\n` });
    expect(containerDirs()).toEqual([]);
  });

  it('run -d killed before the container runs: its supervisor undoes the start, nothing is left', async () => {
    const child = spawn('node', [cli, 'run', '-d', '--rootfs', rig.rootfs, '--name', `${prefix}i`, '--net', 'bridge', '--', 'sleep', '60'], { stdio: 'ignore' });
    // Wait for its supervisor (a child of the run) to be there, then kill the run.
    const childOf = (pid: number) => readdirSync('/proc').filter((p) => /^\d+$/.test(p)).some((p) => {
      try {
        const stat = readFileSync(`/proc/${p}/stat`, 'utf8');
        return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === pid && readFileSync(`/proc/${p}/comm`, 'utf8').startsWith('boxlab-supervis');
      } catch { return false; }
    });
    for (let i = 0; i < 400 && !childOf(child.pid!); i++) await new Promise((r) => setTimeout(r, 10));
    expect(childOf(child.pid!)).toBe(true);
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    // The supervisor saw its stdin close before it answered, and undid everything.
    for (let i = 0; i < 100 && containerDirs().length; i++) await new Promise((r) => setTimeout(r, 100));
    expect(containerDirs()).toEqual([]);
    // What the killed run's own ledger lists is its supervisor, gone already.
    const done = JSON.parse((await boxlab(['cleanup', '--json'])).stdout) as { items: { owner: number; entry: { kind: string } }[] };
    expect(done.items.filter((i) => i.owner === child.pid).map((i) => i.entry.kind)).toEqual(['process']);
  });
});
