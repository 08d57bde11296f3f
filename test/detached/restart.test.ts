// --restart, carried by the supervisor with Docker's back-off: the count of restarts,
// the waits between them (100 ms doubled each time, back to 100 ms after a run of 10 s
// or more) seen in the times of the container's own log lines, the restarting state,
// and a stop by hand that ends it. Timing is asserted by order and growth with
// generous bounds, never by speed.
import { describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { isRoot } from '../helpers/host.ts';
import { boxlab, detached, one, prefix, until, detachedRig } from '../helpers/detached.ts';

const rig = detachedRig();

/** The log's lines with their times: [text, ms since the epoch]. */
async function timedLines(ref: string): Promise<[string, number][]> {
  const out = (await boxlab(['logs', '-t', ref])).stdout;
  return out.trim().split('\n').map((l) => {
    const [stamp, ...text] = l.split(' ');
    return [text.join(' '), Date.parse(stamp!)];
  });
}

describe.runIf(isRoot)('restart policies', { timeout: 180_000 }, () => {
  it('on-failure:8 restarts 8 times, waiting 100 ms doubled each time, and from 100 ms again after a run of 10 s', async () => {
    // Each run counts itself in a file of its own root (kept across restarts: the same
    // upper directory), says when it starts and ends, and the 7th runs for 10.5 s.
    const script = 'n=$(cat /runs 2>/dev/null || echo 0); n=$((n+1)); echo $n > /runs; echo "start $n"; '
      + 'if [ $n -eq 7 ]; then sleep 10.5; fi; echo "end $n"; exit 1';
    await detached(rig.rootfs, ['--name', `${prefix}of`, '--restart', 'on-failure:8', '--', 'sh', '-c', script]);
    const seen = new Set<string>();
    const c = await until(`${prefix}of`, (x) => { seen.add(x.state); return x.state === 'exited'; }, 150_000);
    expect(c).toMatchObject({ restartCount: 8, exitCode: 1 });
    expect(c.status).toMatch(/^Exited \(1\) /);
    expect(seen).toContain('restarting');

    const lines = await timedLines(`${prefix}of`);
    expect(lines.map(([t]) => t)).toEqual(Array.from({ length: 9 }, (_, i) => [`start ${i + 1}`, `end ${i + 1}`]).flat());
    // The wait after run k: from its last line to the first line of run k+1 (which also
    // holds the time to make the container again, so it is at least the delay).
    const waits = Array.from({ length: 8 }, (_, k) => lines[2 * k + 2]![1] - lines[2 * k + 1]![1]);
    const docker = [100, 200, 400, 800, 1600, 3200, 100, 200];
    waits.forEach((w, k) => {
      expect(w, `wait ${k + 1}: ${waits.join(', ')}`).toBeGreaterThanOrEqual(docker[k]! - 5);
      expect(w, `wait ${k + 1}: ${waits.join(', ')}`).toBeLessThan(docker[k]! + 15_000);
    });
    // Growing from 400 ms on, where the doubling outweighs the time a start takes...
    for (const k of [3, 4, 5]) expect(waits[k], `waits ${waits.join(', ')}`).toBeGreaterThan(waits[k - 1]!);
    // ...and back to short after the long run.
    expect(waits[6], `waits ${waits.join(', ')}`).toBeLessThan(waits[5]!);
  });

  it('on-failure does not restart after exit 0; always does, until a stop by hand', async () => {
    await detached(rig.rootfs, ['--name', `${prefix}ok`, '--restart', 'on-failure', '--', 'true']);
    expect(await until(`${prefix}ok`, (x) => x.state === 'exited')).toMatchObject({ restartCount: 0, exitCode: 0 });

    await detached(rig.rootfs, ['--name', `${prefix}al`, '--restart', 'always', '--', 'sh', '-c', 'sleep 0.3']);
    await until(`${prefix}al`, (x) => x.restartCount >= 2);
    expect((await boxlab(['stop', '-t', '1', `${prefix}al`])).code).toBe(0);
    const stopped = await one(`${prefix}al`);
    expect(stopped.state).toBe('exited');
    await new Promise((r) => setTimeout(r, 1500)); // longer than any delay so far
    expect(await one(`${prefix}al`)).toMatchObject({ state: 'exited', restartCount: stopped.restartCount });
  });

  it.runIf(existsSync('/sys/module/bridge') || existsSync('/proc/sys/net/bridge'))(
    'a restarted container gets its network again: bridge, address, published port', async () => {
      await detached(rig.rootfs, ['--name', `${prefix}net`, '--restart', 'on-failure:2', '--net', 'bridge', '-p', '18457:80', '--',
        'sh', '-c', 'ip -4 -o addr show eth0; sleep 0.3; exit 3']);
      const c = await until(`${prefix}net`, (x) => x.state === 'exited', 60_000);
      expect(c).toMatchObject({ restartCount: 2, exitCode: 3, error: '' });
      const runs = (await boxlab(['logs', `${prefix}net`])).stdout.trim().split('\n');
      expect(runs).toHaveLength(3);
      for (const r of runs) expect(r).toMatch(/eth0\s+inet \d+\.\d+\.\d+\.\d+\/24/);
    });
});
