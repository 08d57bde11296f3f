// A detached container's output in its json-file log, and boxlab logs reading it back:
// the format on disk, rotation by size and count with Docker's file names, --tail,
// --since, -t, and -f following as the container writes, until it stops.
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { stateRoot } from '../../src/ledger/index.ts';
import { isRoot } from '../helpers/host.ts';
import { boxlab, cli, detached, prefix, until, detachedRig } from '../helpers/detached.ts';

const rig = detachedRig();

interface Record { log: string; stream: string; time: string }
const dirOf = (id: string) => join(stateRoot(), `bl-ct-${id.slice(0, 12)}`);
const records = (file: string) => readFileSync(file, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record);
const logFiles = (id: string) => readdirSync(dirOf(id)).filter((n) => n.startsWith(`${id}-json.log`)).sort();

describe.runIf(isRoot)('the json-file log and boxlab logs', { timeout: 120_000 }, () => {
  it('writes each line of stdout and stderr as {log, stream, time}; logs gives each back on its own stream', async () => {
    const id = await detached(rig.rootfs, ['--name', `${prefix}io`, '--', 'sh', '-c', 'echo one; echo two >&2; printf "no newline"']);
    await until(`${prefix}io`, (c) => c.state === 'exited');
    expect(logFiles(id)).toEqual([`${id}-json.log`]);
    const lines = records(join(dirOf(id), `${id}-json.log`));
    expect(lines.map(({ log, stream }) => ({ log, stream }))).toEqual(expect.arrayContaining([
      { log: 'one\n', stream: 'stdout' }, { log: 'two\n', stream: 'stderr' }, { log: 'no newline\n', stream: 'stdout' },
    ]));
    for (const l of lines) {
      expect(Object.keys(l)).toEqual(['log', 'stream', 'time']);
      expect(l.time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,9})?Z$/);
      expect(l.time).not.toMatch(/\.\d*0Z$/); // RFC3339Nano drops trailing zeros
    }
    const r = await boxlab(['logs', `${prefix}io`]);
    expect(r.stdout).toBe('one\nno newline\n');
    expect(r.stderr).toBe('two\n');
  });

  it('rotates at max-size into ID-json.log.1 and .2, keeping max-file files; logs reads them in order', async () => {
    const id = await detached(rig.rootfs, ['--name', `${prefix}rot`, '--log-opt', 'max-size=1k', '--log-opt', 'max-file=3', '--',
      'sh', '-c', 'i=0; while [ $i -lt 200 ]; do echo "line $i"; i=$((i+1)); done']);
    await until(`${prefix}rot`, (c) => c.state === 'exited');
    expect(logFiles(id)).toEqual([`${id}-json.log`, `${id}-json.log.1`, `${id}-json.log.2`]);
    const dir = dirOf(id);
    // A file is rotated once it has reached 1000 bytes (1k is decimal): by at most one record more.
    for (const f of [`${id}-json.log.1`, `${id}-json.log.2`]) {
      const size = statSync(join(dir, f)).size;
      const last = readFileSync(join(dir, f), 'utf8').trim().split('\n').at(-1)!;
      expect(size).toBeGreaterThanOrEqual(1000);
      expect(size - Buffer.byteLength(last) - 1).toBeLessThan(1000);
    }
    const kept = [`${id}-json.log.2`, `${id}-json.log.1`, `${id}-json.log`].flatMap((f) => records(join(dir, f)).map((l) => l.log));
    expect(kept.at(-1)).toBe('line 199\n');
    const first = Number(/line (\d+)/.exec(kept[0]!)![1]);
    expect(first).toBeGreaterThan(0); // the oldest lines were rotated away
    expect(kept).toEqual(Array.from({ length: 200 - first }, (_, i) => `line ${first + i}\n`));
    expect((await boxlab(['logs', `${prefix}rot`])).stdout).toBe(kept.join(''));
  });

  it('with max-file=1 the one file starts again', async () => {
    const id = await detached(rig.rootfs, ['--name', `${prefix}one`, '--log-opt', 'max-size=500', '--',
      'sh', '-c', 'i=0; while [ $i -lt 100 ]; do echo "line $i"; i=$((i+1)); done']);
    await until(`${prefix}one`, (c) => c.state === 'exited');
    expect(logFiles(id)).toEqual([`${id}-json.log`]);
    const lines = records(join(dirOf(id), `${id}-json.log`));
    expect(lines.at(-1)!.log).toBe('line 99\n');
    expect(lines.length).toBeLessThan(20);
  });

  it('--tail N, --since TIME, -t with nine digits', async () => {
    const id = await detached(rig.rootfs, ['--name', `${prefix}t`, '--', 'sh', '-c', 'for i in 1 2 3 4 5 6; do echo "m$i"; sleep 0.2; done']);
    await until(`${prefix}t`, (c) => c.state === 'exited');
    const lines = records(join(dirOf(id), `${id}-json.log`));
    expect(lines.map((l) => l.log)).toEqual(['m1\n', 'm2\n', 'm3\n', 'm4\n', 'm5\n', 'm6\n']);
    expect((await boxlab(['logs', '--tail', '2', `${prefix}t`])).stdout).toBe('m5\nm6\n');
    expect((await boxlab(['logs', '-n', '0', `${prefix}t`])).stdout).toBe('');
    expect((await boxlab(['logs', '--tail', 'all', `${prefix}t`])).stdout).toBe('m1\nm2\nm3\nm4\nm5\nm6\n');
    expect((await boxlab(['logs', '--since', lines[3]!.time, `${prefix}t`])).stdout).toBe('m4\nm5\nm6\n');
    expect((await boxlab(['logs', '--until', lines[1]!.time, `${prefix}t`])).stdout).toBe('m1\nm2\n');
    expect((await boxlab(['logs', '--since', '1h', `${prefix}t`])).stdout).toBe('m1\nm2\nm3\nm4\nm5\nm6\n');
    const stamped = (await boxlab(['logs', '-t', '--tail', '1', `${prefix}t`])).stdout;
    const [stamp, text] = stamped.split(' ');
    expect(text).toBe('m6\n');
    expect(stamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z$/);
    expect(stamp!.replace(/\.?0+Z$/, 'Z')).toBe(lines[5]!.time.replace(/\.?0+Z$/, 'Z'));
    const bad = await boxlab(['logs', '--since', 'yesterday', `${prefix}t`]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--since yesterday: expected a time/);
  });

  it('-f prints lines as they are written, across a rotation, and ends when the container stops', async () => {
    await detached(rig.rootfs, ['--name', `${prefix}f`, '--log-opt', 'max-size=300', '--log-opt', 'max-file=2', '--',
      'sh', '-c', 'trap "exit 0" TERM; i=0; while :; do echo "tick $i"; i=$((i+1)); sleep 0.05; done']);
    const follow = spawn('node', [cli, 'logs', '-f', `${prefix}f`], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    follow.stdout!.on('data', (d: Buffer) => { out += d.toString(); });
    const ended = new Promise<number | null>((r) => follow.once('close', (c) => r(c)));
    // Long enough for several rotations of a 300-byte file.
    for (let i = 0; i < 100 && (out.match(/\n/g) ?? []).length < 40; i++) await new Promise((r) => setTimeout(r, 100));
    expect((await boxlab(['stop', `${prefix}f`])).code).toBe(0);
    expect(await ended).toBe(0);
    const ticks = out.trim().split('\n').map((l) => Number(/^tick (\d+)$/.exec(l)![1]));
    expect(ticks.length).toBeGreaterThanOrEqual(40);
    // In order, none twice, none missing after the first (rotation loses nothing).
    expect(ticks).toEqual(Array.from({ length: ticks.length }, (_, i) => ticks[0]! + i));
  });
});
