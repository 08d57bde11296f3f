// --health-cmd and its timing flags: the check runs inside the container (setns into
// its namespaces, as exec does), and the state goes starting -> healthy -> unhealthy as
// Docker's does; a check past its timeout fails; failures in the start period do not
// count. States are polled, so the assertions are about order, not speed.
import { readlinkSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { isRoot } from '../helpers/host.ts';
import { boxlab, detached, one, prefix, until, detachedRig, type PsEntry } from '../helpers/detached.ts';

const rig = detachedRig();

/** The health states a container goes through, each once, in order, until DONE. */
async function healthStates(ref: string, done: (c: PsEntry) => boolean, ms = 60_000): Promise<{ states: string[]; statuses: string[]; last: PsEntry }> {
  const states: string[] = [];
  const statuses: string[] = [];
  const last = await until(ref, (c) => {
    const h = c.health?.status;
    if (h && states.at(-1) !== h) {
      states.push(h);
      statuses.push(c.status);
    }
    return done(c);
  }, ms);
  return { states, statuses, last };
}

describe.runIf(isRoot)('health checks', { timeout: 120_000 }, () => {
  it('starting, then healthy at the first success, then unhealthy after --health-retries failures in a row', async () => {
    // Healthy while /tmp/ok exists: the container removes it after 4 s.
    await detached(rig.rootfs, ['--name', `${prefix}h`, '--health-cmd', 'test -e /tmp/ok', '--health-interval', '1s', '--health-retries', '2', '--',
      'sh', '-c', 'touch /tmp/ok; sleep 4; rm /tmp/ok; sleep 60']);
    const { states, statuses, last } = await healthStates(`${prefix}h`, (c) => c.health?.status === 'unhealthy');
    expect(states).toEqual(['starting', 'healthy', 'unhealthy']);
    expect(statuses[0]).toMatch(/^Up .* \(health: starting\)$/);
    expect(statuses[1]).toMatch(/^Up .* \(healthy\)$/);
    expect(statuses[2]).toMatch(/^Up .* \(unhealthy\)$/);
    const log = last.health!.log;
    expect(last.health!.failingStreak).toBe(2);
    expect(log.slice(-2).map((r) => r.exitCode)).toEqual([1, 1]);
    expect(log.some((r) => r.exitCode === 0)).toBe(true);
    expect(log.length).toBeLessThanOrEqual(5);
    // Each check started an interval or more after the one before it ended.
    for (let i = 1; i < log.length; i++) expect(log[i]!.start - log[i - 1]!.end).toBeGreaterThanOrEqual(990);
    expect((await boxlab(['ps'])).stdout).toMatch(/Up .* \(unhealthy\)/);
  });

  it('runs the check in the container\'s namespaces: its PID and mount namespaces, its hostname, its files', async () => {
    await detached(rig.rootfs, ['--name', `${prefix}ns`, '--hostname', 'checked', '--health-cmd',
      'hostname; readlink /proc/self/ns/pid; readlink /proc/self/ns/mnt; cat /marker', '--health-interval', '300ms', '--',
      'sh', '-c', 'echo inside > /marker; sleep 60']);
    const c = await until(`${prefix}ns`, (x) => x.health?.status === 'healthy');
    const [hostname, pidNs, mntNs, marker] = c.health!.log.at(-1)!.output.trim().split('\n');
    expect(hostname).toBe('checked');
    expect(pidNs).toBe(readlinkSync(`/proc/${c.pid}/ns/pid`));
    expect(mntNs).toBe(readlinkSync(`/proc/${c.pid}/ns/mnt`));
    expect(marker).toBe('inside');
  });

  it('a check that outlives --health-timeout is a failure (exit -1), said in its output', async () => {
    await detached(rig.rootfs, ['--name', `${prefix}slow`, '--health-cmd', 'sleep 5', '--health-timeout', '300ms', '--health-interval', '200ms',
      '--health-retries', '1', '--', 'sleep', '60']);
    const c = await until(`${prefix}slow`, (x) => x.health?.status === 'unhealthy');
    const r = c.health!.log.at(-1)!;
    expect(r.exitCode).toBe(-1);
    expect(r.output).toBe('Health check exceeded timeout (300ms)');
    expect(r.end - r.start).toBeLessThan(5000); // killed, not waited for
  });

  it('failures within --health-start-period do not count while starting', async () => {
    await detached(rig.rootfs, ['--name', `${prefix}sp`, '--health-cmd', 'false', '--health-interval', '200ms', '--health-start-interval', '200ms',
      '--health-start-period', '3s', '--health-retries', '1', '--', 'sleep', '60']);
    const early = await until(`${prefix}sp`, (x) => (x.health?.log.length ?? 0) >= 2);
    // Checked and failed, yet starting, with no failure counted (if the checks seen so
    // far were all within the start period: a slow machine may be past it already).
    const started = Date.parse(early.startedAt);
    if (early.health!.log.every((r) => r.start - started < 3000)) {
      expect(early.health).toMatchObject({ status: 'starting', failingStreak: 0 });
      expect(early.health!.log.every((r) => r.exitCode === 1)).toBe(true);
    }
    const late = await until(`${prefix}sp`, (x) => x.health?.status === 'unhealthy');
    expect(late.health!.failingStreak).toBeGreaterThanOrEqual(1);
    expect((await one(`${prefix}sp`)).state).toBe('running'); // unhealthy is a state, not a stop
  });
});
