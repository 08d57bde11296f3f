// The pure parts of detached containers: Go durations and RFC 3339 times, Docker's
// restart back-off, the health state machine, the flags, the json-file log written and
// read back (in a temporary directory: files only, no kernel state), the record check.
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync, mkdirSync, chmodSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { afterResult, HEALTH_DEFAULTS, initialHealth, keepOutput, nextCheckIn, parseHealth, type HealthConfig, type HealthState } from '../../src/runtime/detached/health.ts';
import { parseDetach } from '../../src/runtime/detached/options.ts';
import { BACKOFF, parseRestart, RestartManager } from '../../src/runtime/detached/restart.ts';
import { containerDir, findContainer, readRecord, type ContainerRecord, type Listed } from '../../src/runtime/detached/store.ts';
import { formatDuration, formatTime, parseDuration, parseTime } from '../../src/runtime/detached/time.ts';
import { JsonFileWriter, LineSplitter, MAX_LINE, parseLogOptions } from '../../src/runtime/logs/jsonfile.ts';
import { followLog, parseRecord, readLog, type LogEntry } from '../../src/runtime/logs/reader.ts';
import { containers } from '../../src/text/index.ts';

describe('Go durations and RFC 3339 times', () => {
  it('reads durations as time.ParseDuration does', () => {
    expect(parseDuration('30s')).toBe(30_000);
    expect(parseDuration('1m30s')).toBe(90_000);
    expect(parseDuration('1.5h')).toBe(5_400_000);
    expect(parseDuration('500ms')).toBe(500);
    expect(parseDuration('250us')).toBe(0.25);
    expect(parseDuration('.5s')).toBe(500);
    expect(parseDuration('0')).toBe(0);
    for (const bad of ['', '5', '5x', 's', '1m30', '1 m', 'ms5']) expect(parseDuration(bad), bad).toBeUndefined();
  });

  it('writes them as Duration.String() does', () => {
    expect(formatDuration(30_000)).toBe('30s');
    expect(formatDuration(90_000)).toBe('1m30s');
    expect(formatDuration(3_600_000)).toBe('1h0m0s');
    expect(formatDuration(500)).toBe('500ms');
    expect(formatDuration(1500)).toBe('1.5s');
    expect(formatDuration(0)).toBe('0s');
  });

  it('formats RFC3339Nano (trailing zeros dropped) and the fixed nine digits of docker logs -t', () => {
    const ns = 1_767_366_245_120_000_000n; // 2026-01-02T15:04:05.12Z
    expect(formatTime(ns)).toBe('2026-01-02T15:04:05.12Z');
    expect(formatTime(ns, true)).toBe('2026-01-02T15:04:05.120000000Z');
    expect(formatTime(1_767_366_245_000_000_000n)).toBe('2026-01-02T15:04:05Z');
    expect(formatTime(1_767_366_245_000_000_001n)).toBe('2026-01-02T15:04:05.000000001Z');
  });

  it('reads --since as Docker does: a duration back, a Unix time, an RFC 3339 time', () => {
    const now = 1_767_366_245_000_000_000n;
    expect(parseTime('10m', now)).toBe(now - 600_000_000_000n);
    expect(parseTime('1767366245', now)).toBe(now);
    expect(parseTime('1767366245.5', now)).toBe(now + 500_000_000n);
    expect(parseTime('2026-01-02T15:04:05Z', now)).toBe(now);
    expect(parseTime('2026-01-02T15:04:05.000000007Z', now)).toBe(now + 7n);
    expect(parseTime('2026-01-02T16:04:05+01:00', now)).toBe(now);
    expect(parseTime('2026-01-02', now)).toBe(BigInt(new Date(2026, 0, 2).getTime()) * 1_000_000n); // local midnight
    for (const bad of ['yesterday', '2026-13-45', '10 minutes', '']) expect(parseTime(bad, now), bad).toBeUndefined();
  });

  it('words a time gone by as Docker\'s HumanDuration', () => {
    expect(containers.humanDuration(400)).toBe('Less than a second');
    expect(containers.humanDuration(1000)).toBe('1 second');
    expect(containers.humanDuration(59_000)).toBe('59 seconds');
    expect(containers.humanDuration(90_000)).toBe('About a minute');
    expect(containers.humanDuration(5 * 60_000)).toBe('5 minutes');
    expect(containers.humanDuration(3_600_000)).toBe('About an hour');
    expect(containers.humanDuration(5 * 3_600_000)).toBe('5 hours');
    expect(containers.humanDuration(3 * 86_400_000)).toBe('3 days');
  });
});

describe('restart policies and Docker\'s back-off', () => {
  it('parses the four policies and refuses the rest, saying what is wrong', () => {
    expect(parseRestart('no')).toEqual({ name: 'no', maxRetries: 0 });
    expect(parseRestart('on-failure')).toEqual({ name: 'on-failure', maxRetries: 0 });
    expect(parseRestart('on-failure:3')).toEqual({ name: 'on-failure', maxRetries: 3 });
    expect(parseRestart('always')).toEqual({ name: 'always', maxRetries: 0 });
    expect(parseRestart('unless-stopped')).toEqual({ name: 'unless-stopped', maxRetries: 0 });
    expect(() => parseRestart('sometimes')).toThrow(/--restart sometimes: choose no, on-failure/);
    expect(() => parseRestart('always:3')).toThrow(/only on-failure takes a count/);
    expect(() => parseRestart('on-failure:x')).toThrow(/whole number/);
  });

  it('waits 100 ms, then twice as long each time, at most a minute', () => {
    const rm = new RestartManager(parseRestart('always'));
    const delays = Array.from({ length: 13 }, () => rm.next(1, false, 50));
    expect(delays).toEqual([100, 200, 400, 800, 1600, 3200, 6400, 12800, 25600, 51200, 60000, 60000, 60000]);
    expect(rm.count).toBe(13);
  });

  it('starts over from 100 ms after a run of 10 s or more', () => {
    const rm = new RestartManager(parseRestart('always'));
    expect([rm.next(1, false, 10), rm.next(1, false, 10), rm.next(1, false, 10)]).toEqual([100, 200, 400]);
    expect(rm.next(1, false, BACKOFF.resetAfterMs)).toBe(100);
    expect(rm.next(1, false, 10)).toBe(200);
  });

  it('on-failure restarts only after a failure, at most N times; no never; a stop by hand never', () => {
    const onFailure = new RestartManager(parseRestart('on-failure:2'));
    expect(onFailure.next(0, false, 10)).toBeUndefined();
    expect(onFailure.next(1, false, 10)).toBe(200); // the delay grows even when no restart followed
    expect(onFailure.next(137, false, 10)).toBe(400);
    expect(onFailure.next(1, false, 10)).toBeUndefined();
    expect(onFailure.count).toBe(2);
    expect(new RestartManager(parseRestart('no')).next(1, false, 10)).toBeUndefined();
    for (const p of ['always', 'unless-stopped', 'on-failure']) expect(new RestartManager(parseRestart(p)).next(1, true, 10), p).toBeUndefined();
  });
});

describe('health checks', () => {
  const cfg = (o: Partial<HealthConfig> = {}): HealthConfig => ({ cmd: 'true', ...HEALTH_DEFAULTS, ...o });
  const result = (start: number, exitCode: number) => ({ start, end: start + 5, exitCode, output: '' });

  it('takes Docker\'s flags and defaults, and says what is wrong', () => {
    expect(parseHealth({})).toBeUndefined();
    expect(parseHealth({ 'health-cmd': 'true' })).toEqual(cfg());
    expect(parseHealth({ 'health-cmd': 'x', 'health-interval': '2s', 'health-timeout': '500ms', 'health-retries': '5', 'health-start-period': '1m' }))
      .toEqual(cfg({ cmd: 'x', intervalMs: 2000, timeoutMs: 500, retries: 5, startPeriodMs: 60_000 }));
    expect(parseHealth({ 'health-cmd': 'x', 'health-interval': '0s', 'health-retries': '0' })).toEqual(cfg({ cmd: 'x' }));
    expect(() => parseHealth({ 'health-interval': '5s' })).toThrow(/--health-interval needs --health-cmd/);
    expect(() => parseHealth({ 'health-cmd': 'x', 'health-interval': 'soon' })).toThrow(/--health-interval soon: expected a duration/);
    expect(() => parseHealth({ 'health-cmd': 'x', 'health-timeout': '-1s' })).toThrow(/--health-timeout -1s/);
    expect(() => parseHealth({ 'health-cmd': 'x', 'health-retries': 'two' })).toThrow(/--health-retries two/);
  });

  it('goes starting -> healthy at the first success, -> unhealthy after RETRIES failures in a row', () => {
    const c = cfg({ retries: 3 });
    let s: HealthState = initialHealth();
    expect(s.status).toBe('starting');
    s = afterResult(s, result(100, 1), c, 0);
    expect([s.status, s.failingStreak]).toEqual(['starting', 1]);
    s = afterResult(s, result(200, 0), c, 0);
    expect([s.status, s.failingStreak]).toEqual(['healthy', 0]);
    s = afterResult(s, result(300, 1), c, 0);
    s = afterResult(s, result(400, -1), c, 0);
    expect([s.status, s.failingStreak]).toEqual(['healthy', 2]);
    s = afterResult(s, result(500, 2), c, 0);
    expect([s.status, s.failingStreak]).toEqual(['unhealthy', 3]);
    s = afterResult(s, result(600, 0), c, 0);
    expect(s.status).toBe('healthy');
    expect(s.log.map((r) => r.start)).toEqual([200, 300, 400, 500, 600]); // the last five
  });

  it('does not count failures within the start period while starting', () => {
    const c = cfg({ retries: 1, startPeriodMs: 1000 });
    let s = afterResult(initialHealth(), result(500, 1), c, 0);
    expect([s.status, s.failingStreak]).toEqual(['starting', 0]);
    s = afterResult(s, result(1500, 1), c, 0);
    expect(s.status).toBe('unhealthy');
  });

  it('checks every interval, every start interval while starting in the start period, and at its end', () => {
    const c = cfg({ intervalMs: 30_000, startPeriodMs: 60_000, startIntervalMs: 5000 });
    expect(nextCheckIn(c, 0, 'starting')).toBe(5000);
    expect(nextCheckIn(c, 0, 'healthy')).toBe(30_000);
    expect(nextCheckIn(c, 50_000, 'starting')).toBe(10_000);
    expect(nextCheckIn(c, 70_000, 'starting')).toBe(30_000);
    expect(nextCheckIn(cfg({ intervalMs: 300 }), 0, 'starting')).toBe(300);
  });

  it('keeps 4096 bytes of output, then "..."', () => {
    expect(keepOutput('ok\n')).toBe('ok\n');
    expect(keepOutput('x'.repeat(5000))).toBe(`${'x'.repeat(4096)}...`);
  });
});

describe('the flags of a detached run', () => {
  it('needs -d for what only a detached container has, and refuses contradictions', () => {
    expect(parseDetach({}, false)).toEqual({ detach: false, restart: { name: 'no', maxRetries: 0 }, log: { maxSize: -1, maxFiles: 1 }, autoRemove: false });
    expect(() => parseDetach({ restart: 'always' }, false)).toThrow(/--restart is for a container that outlives the command: add -d/);
    expect(() => parseDetach({ 'log-opt': ['max-size=1k'] }, false)).toThrow(/--log-opt is for a container/);
    expect(() => parseDetach({ detach: true, rm: true, restart: 'always' }, false)).toThrow(/--rm and --restart/);
    expect(() => parseDetach({ detach: true }, true)).toThrow(/-d with --user/);
    expect(() => parseDetach({ name: '-x' }, false)).toThrow(/--name -x/);
    expect(() => parseDetach({ name: 'a/b' }, false)).toThrow(/--name a\/b/);
    expect(parseDetach({ name: 'web.1', rm: true }, false).name).toBe('web.1'); // --rm alone: what run does anyway
  });

  it('reads --log-opt as Docker\'s json-file driver does (decimal sizes)', () => {
    expect(parseLogOptions(['max-size=10k', 'max-file=3'])).toEqual({ maxSize: 10_000, maxFiles: 3 });
    expect(parseLogOptions(['max-size=1.5m'])).toEqual({ maxSize: 1_500_000, maxFiles: 1 });
    expect(parseLogOptions(['max-size=20MB', 'compress=false'])).toEqual({ maxSize: 20_000_000, maxFiles: 1 });
    expect(() => parseLogOptions(['max-size=big'])).toThrow(/max-size=big: expected a size/);
    expect(() => parseLogOptions(['max-size=0'])).toThrow(/max-size=0/);
    expect(() => parseLogOptions(['max-file=0'])).toThrow(/max-file=0/);
    expect(() => parseLogOptions(['max-file=3'])).toThrow(/max-file needs max-size/);
    expect(() => parseLogOptions(['compress=true', 'max-size=1k', 'max-file=2'])).toThrow(/compress=true/);
    expect(() => parseLogOptions(['labels=a'])).toThrow(/--log-opt labels: unknown option/);
  });
});

describe('the json-file log', () => {
  let dir: string;
  beforeEach(() => { dir = mkdtempSync(join(tmpdir(), 'bl-logs-')); });
  afterEach(() => { rmSync(dir, { recursive: true, force: true }); });
  const lines = (path: string) => readFileSync(path, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { log: string; stream: string; time: string });

  it('writes one JSON object per line: log, stream, time', () => {
    const w = new JsonFileWriter(join(dir, 'x-json.log'), { maxSize: -1, maxFiles: 1 });
    w.write('stdout', 'hello\n', 1_767_366_245_120_000_000n);
    w.write('stderr', 'oops "quoted" \u00e9\n');
    w.close();
    const text = readFileSync(join(dir, 'x-json.log'), 'utf8');
    expect(text.split('\n')[0]).toBe('{"log":"hello\\n","stream":"stdout","time":"2026-01-02T15:04:05.12Z"}');
    expect(lines(join(dir, 'x-json.log'))[1]).toMatchObject({ log: 'oops "quoted" \u00e9\n', stream: 'stderr' });
    expect(statSync(join(dir, 'x-json.log')).mode & 0o777).toBe(0o600);
  });

  it('rotates by size into ID-json.log.1, .2 and keeps max-file files, as Docker does', () => {
    const path = join(dir, 'x-json.log');
    const w = new JsonFileWriter(path, { maxSize: 200, maxFiles: 3 });
    for (let i = 0; i < 40; i++) w.write('stdout', `line ${String(i).padStart(2, '0')}\n`);
    w.close();
    expect(readdirSync(dir).sort()).toEqual(['x-json.log', 'x-json.log.1', 'x-json.log.2']);
    // Each file is rotated once it has reached max-size: it may pass it by one line.
    const one = Buffer.byteLength(readFileSync(path, 'utf8').split('\n')[0]!) + 1;
    for (const f of ['x-json.log.1', 'x-json.log.2']) {
      const size = statSync(join(dir, f)).size;
      expect(size).toBeGreaterThanOrEqual(200);
      expect(size).toBeLessThan(200 + one);
    }
    // Oldest first: .2, .1, then the current file, and the newest line last.
    const all = ['x-json.log.2', 'x-json.log.1', 'x-json.log'].flatMap((f) => lines(join(dir, f)).map((l) => l.log));
    expect(all.at(-1)).toBe('line 39\n');
    expect(all).toEqual(Array.from({ length: all.length }, (_, i) => `line ${String(40 - all.length + i).padStart(2, '0')}\n`));
  });

  it('with max-file=1 starts the one file again', () => {
    const path = join(dir, 'x-json.log');
    const w = new JsonFileWriter(path, { maxSize: 100, maxFiles: 1 });
    for (let i = 0; i < 10; i++) w.write('stdout', `line ${i}\n`);
    w.close();
    expect(readdirSync(dir)).toEqual(['x-json.log']);
    expect(statSync(path).size).toBeLessThan(200);
    expect(lines(path).at(-1)!.log).toBe('line 9\n');
  });

  it('cuts a stream into lines, a line longer than 16 KiB into pieces, and ends the last with a newline', () => {
    const out: string[] = [];
    const s = new LineSplitter((l) => out.push(l));
    s.push(Buffer.from('a\nb'));
    s.push(Buffer.from('c\n\nd'));
    s.push(Buffer.from('x'.repeat(MAX_LINE + 10)));
    s.end();
    expect(out.slice(0, 3)).toEqual(['a\n', 'bc\n', '\n']);
    expect(out[3]).toBe(`d${'x'.repeat(MAX_LINE - 1)}`);
    expect(out[4]).toBe(`${'x'.repeat(11)}\n`);
  });

  it('reads back across rotated files: --tail, --since, --until; skips what is not a record', () => {
    const path = join(dir, 'x-json.log');
    const w = new JsonFileWriter(path, { maxSize: 300, maxFiles: 5 });
    const t0 = 1_767_366_245_000_000_000n;
    for (let i = 0; i < 30; i++) w.write(i % 2 ? 'stderr' : 'stdout', `m${i}\n`, t0 + BigInt(i) * 1_000_000_000n);
    w.close();
    writeFileSync(join(dir, 'x-json.log.4'), '{"log":1}\nnot json\n{"log":"x","stream":"stdin","time":"2026-01-01T00:00:00Z"}\n');
    const { entries: all, current } = readLog(path, 5);
    current?.close();
    expect(all.map((e) => e.log)).toEqual(Array.from({ length: all.length }, (_, i) => `m${30 - all.length + i}\n`));
    expect(all.length).toBeGreaterThan(10);
    const tail = readLog(path, 5, { tail: 3 });
    tail.current?.close();
    expect(tail.entries.map((e) => [e.stream, e.log])).toEqual([['stderr', 'm27\n'], ['stdout', 'm28\n'], ['stderr', 'm29\n']]);
    const since = readLog(path, 5, { since: t0 + 25_000_000_000n, until: t0 + 27_000_000_000n });
    since.current?.close();
    expect(since.entries.map((e) => e.log)).toEqual(['m25\n', 'm26\n', 'm27\n']);
    expect(parseRecord('{"log":"a\\n","stream":"stdout","time":"2026-01-02T15:04:05.5Z"}')?.time).toBe(t0 + 500_000_000n);
    expect(parseRecord('{"log":"a","stream":"stdout","time":"yesterday"}')).toBeUndefined();
  });

  it('-f follows the file as it grows and across a rotation, then stops when told', async () => {
    const path = join(dir, 'x-json.log');
    const w = new JsonFileWriter(path, { maxSize: 200, maxFiles: 2 });
    w.write('stdout', 'before\n');
    const { entries, current } = readLog(path, 2);
    expect(entries.map((e) => e.log)).toEqual(['before\n']);
    const got: LogEntry[] = [];
    let writing = true;
    const following = followLog(path, current, {}, (e) => got.push(e), () => writing, 10);
    for (let i = 0; i < 20; i++) {
      w.write('stdout', `after ${i}\n`);
      await new Promise((r) => setTimeout(r, 5));
    }
    writing = false;
    await following;
    w.close();
    expect(got.map((e) => e.log)).toEqual(Array.from({ length: 20 }, (_, i) => `after ${i}\n`));
  });
});

describe('container records are checked before they are believed', () => {
  let root: string;
  beforeEach(() => { root = mkdtempSync(join(tmpdir(), 'bl-store-')); });
  afterEach(() => { rmSync(root, { recursive: true, force: true }); });
  const id = 'a'.repeat(64);
  const rec = (): ContainerRecord => ({
    id, name: 'web', created: 1, image: '/r', argv: ['sh'], restart: { name: 'no', maxRetries: 0 }, log: { maxSize: -1, maxFiles: 1 },
    autoRemove: false, ports: [], supervisor: { pid: 123, start: '456' },
    state: { status: 'running', pid: 7, pidStart: '8', startedAt: 2, finishedAt: 0, exitCode: 0, restartCount: 0, error: '' },
  });
  const put = (v: unknown, mode = 0o700) => {
    const dir = containerDir(id, root);
    mkdirSync(dir, { recursive: true });
    chmodSync(dir, mode);
    writeFileSync(join(dir, 'container.json'), JSON.stringify(v), { mode: 0o600 });
    return dir;
  };

  it('reads a record as written', () => {
    expect(readRecord(put(rec()))).toEqual(rec());
  });

  it('refuses a directory others may enter, a wrong type, a record for another directory', () => {
    expect(() => readRecord(put(rec(), 0o755))).toThrow(/mode 0755/);
    expect(() => readRecord(put({ ...rec(), argv: 'sh' }))).toThrow(/not a container record/);
    expect(() => readRecord(put({ ...rec(), state: { ...rec().state, status: 'happy' } }))).toThrow(/not a container record/);
    expect(() => readRecord(put({ ...rec(), supervisor: { pid: 1, start: '0' } }))).toThrow(/not a container record/);
    expect(() => readRecord(put({ ...rec(), id: 'b'.repeat(64) }))).toThrow(/not a container record/);
  });

  it('finds a container by name, ID or unique prefix, and says when a prefix is ambiguous', () => {
    const a = { ...rec(), status: 'running', dir: '' } as Listed;
    const b = { ...rec(), id: `ab${'c'.repeat(62)}`, name: 'db', status: 'exited', dir: '' } as Listed;
    expect(findContainer([a, b], 'db')).toBe(b);
    expect(findContainer([a, b], 'aaa')).toBe(a);
    expect(() => findContainer([a, b], 'a')).toThrow(/start of the IDs of 2 containers/);
    expect(() => findContainer([a, b], 'zz')).toThrow(/no such container: zz/);
  });
});
