// The supervisor of a detached container: what containerd's shim is to a Docker
// container. `boxlab run -d` starts it in a session of its own and hands it the run's
// spec; from then on it is the container's keeper, alone:
//
//   - it holds the core, so it is the container's parent: it reaps the init and keeps
//     the exit status (the container stays "exited", its logs readable, until rm);
//   - it holds the pipes of the container's stdout and stderr and writes them to the
//     json-file log (src/runtime/logs);
//   - it runs the health check (by setns into the container, as `join` does, from a
//     second core so a slow check never holds up a stop);
//   - it restarts the container as --restart says, with Docker's back-off;
//   - it answers `boxlab stop` and `boxlab rm` on its control socket, and writes how
//     things stand to container.json for ps, logs and stats to read.
//
// Everything it makes is in its own ledger (it is a boxlab process like any other): the
// container's directory and name, each incarnation's run directory, core, cgroup and
// network, its second core. rm, --rm or SIGTERM unwind it all; after a SIGKILL its
// core ends with it (the request pipe closes), the container dies with the core, and
// `boxlab cleanup` takes the rest away.
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Readable, Writable } from 'node:stream';
import type { Server } from 'node:net';
import { Core, CoreError } from '../../core/index.ts';
import { Ledger, processStartTime } from '../../ledger/index.ts';
import { containers as t } from '../../text/index.ts';
import { Container, type RunSpec } from '../container.ts';
import { NetworkError } from '../network.ts';
import { HostNetError } from '../../ledger/host-net.ts';
import { JsonFileWriter, LineSplitter, type Stream } from '../logs/jsonfile.ts';
import { serveControl, type Reply, type Request } from './control.ts';
import { afterResult, initialHealth, keepOutput, nextCheckIn, timeoutOutput, type HealthResult } from './health.ts';
import type { DetachOptions } from './options.ts';
import { RestartManager } from './restart.ts';
import { containerDir, controlSocket, logPath, newId, recordFile, reserveName, type ContainerRecord } from './store.ts';

/** What `boxlab run -d` sends the supervisor on its stdin: one line of JSON. */
export interface Handoff { spec: RunSpec; detach: DetachOptions }
/** What the supervisor answers on its stdout, once the container runs (or cannot). */
export type HandoffReply = { ok: true; id: string; name: string } | { ok: false; message: string; status: number };

/** The most a handoff may hold: a spec is a few kilobytes. */
const MAX_HANDOFF = 1 << 20;

/** Docker's exit statuses for a container that could not start. */
const EXIT_NO_START = 125;

/** Why a start failed, and the status Docker would give it (127: no such program). */
function startFailure(err: unknown): { message: string; status: number } | undefined {
  if (err instanceof NetworkError || err instanceof HostNetError) return { message: err.message, status: EXIT_NO_START };
  if (err instanceof CoreError) {
    const status = err.op === 'exec' && err.errno === 'ENOENT' ? 127 : err.op === 'exec' && err.errno === 'EACCES' ? 126 : EXIT_NO_START;
    return { message: err.describe(), status };
  }
  return undefined;
}

class Supervisor {
  readonly id = newId();
  readonly dir = containerDir(this.id);
  readonly rec: ContainerRecord;
  private box?: Container;
  private probeCore?: Core;
  private writer?: JsonFileWriter;
  private server?: Server;
  private restart: RestartManager;
  private manuallyStopped = false;
  private removing = false;
  /** Bumped at every start and stop: a health check of an earlier run is ignored. */
  private generation = 0;
  private healthTimer?: NodeJS.Timeout;
  private killTimer?: NodeJS.Timeout;
  /** Wakes the main loop: a restart delay cut short, a removal asked for. */
  private wake?: () => void;
  /** Waiters for the next exit (stop waits for the container to be down). */
  private downWaiters: (() => void)[] = [];
  /** Output of the current run still to be written (both pipes at their end). */
  private drained: Promise<void> = Promise.resolve();

  constructor(readonly spec: RunSpec, readonly detach: DetachOptions, readonly ledger: Ledger) {
    this.restart = new RestartManager(detach.restart);
    this.rec = {
      id: this.id,
      name: detach.name ?? `box-${this.id.slice(0, 6)}`,
      created: Date.now(),
      image: spec.rootfs,
      argv: spec.argv,
      restart: detach.restart,
      ...(detach.health ? { health: detach.health } : {}),
      log: detach.log,
      autoRemove: detach.autoRemove,
      ports: (spec.publish ?? []).map((p) => `0.0.0.0:${p.hostPort}->${p.ctPort}/${p.proto}`),
      supervisor: { pid: process.pid, start: processStartTime(process.pid) },
      state: { status: 'created', pid: 0, pidStart: '', startedAt: 0, finishedAt: 0, exitCode: 0, restartCount: 0, error: '' },
    };
  }

  /** container.json, replaced whole: a reader never sees half of it. */
  private save(): void {
    const file = recordFile(this.dir);
    writeFileSync(`${file}.new`, JSON.stringify(this.rec), { mode: 0o600 });
    renameSync(`${file}.new`, file);
  }

  /** The directory, the name, the record, the log and the control socket. */
  async create(): Promise<void> {
    await this.ledger.track({ kind: 'dir', path: this.dir }, () => {
      mkdirSync(this.dir, { mode: 0o700 });
      mkdirSync(join(this.dir, 'upper'), { mode: 0o755 });
    });
    await reserveName(this.ledger, this.rec.name);
    this.save();
    this.writer = new JsonFileWriter(logPath(this.dir, this.id), this.detach.log);
    this.server = await serveControl(controlSocket(this.dir), (r) => this.control(r));
    if (this.detach.health) {
      this.probeCore = await Core.start({ stdio: 'ignore' });
      this.ledger.record({ kind: 'process', pid: this.probeCore.pid, start: processStartTime(this.probeCore.pid) });
    }
  }

  /** One run of the container: made anew each time, over the same upper directory, so
   *  what it wrote is still there after a restart (as Docker keeps it). */
  async start(): Promise<void> {
    const spec: RunSpec = { ...this.spec, upper: join(this.dir, 'upper'), ownGroup: true };
    const box = await Container.create(spec, this.ledger, { stdio: ['ignore', 'pipe', 'pipe'] });
    this.box = box;
    this.drained = Promise.all([this.pipe(box.core.stdout!, 'stdout'), this.pipe(box.core.stderr!, 'stderr')]).then(() => undefined);
    await box.prepare(spec, this.ledger);
    await box.exec(spec);
    this.generation += 1;
    const s = this.rec.state;
    Object.assign(s, { status: 'running', pid: box.pid!, pidStart: processStartTime(box.pid!), startedAt: Date.now(), error: '' });
    if (this.detach.health) {
      s.health = initialHealth();
      this.scheduleHealth(this.generation);
    }
    this.save();
  }

  /** One of the container's output pipes into the log, line by line. */
  private pipe(stream: Readable, name: Stream): Promise<void> {
    const lines = new LineSplitter((line) => this.writer?.write(name, line));
    return new Promise((resolve) => {
      stream.on('data', (d: Buffer) => lines.push(d));
      stream.once('end', () => { lines.end(); resolve(); });
      stream.once('error', () => resolve());
    });
  }

  /** The run is over: its parts go (the upper directory stays), its output is written. */
  private async takeDown(): Promise<void> {
    this.generation += 1;
    clearTimeout(this.healthTimer);
    clearTimeout(this.killTimer);
    const box = this.box;
    this.box = undefined;
    if (box) await box.stop(this.ledger);
    await this.drained;
  }

  /** Run, and restart as the policy says, until the container is to be removed. */
  async supervise(): Promise<void> {
    for (;;) {
      const startedAt = this.rec.state.startedAt;
      // A start that failed is an exit like any other for the policy.
      const code = this.box ? (await this.box.wait().catch(() => ({ code: 137 }))).code : EXIT_NO_START;
      await this.takeDown();
      const s = this.rec.state;
      Object.assign(s, { status: 'exited', pid: 0, pidStart: '', exitCode: code, finishedAt: Date.now() });
      if (this.removing) return this.settle();
      const delay = this.restart.next(code, this.manuallyStopped, Date.now() - startedAt);
      if (delay === undefined) return this.stayDown();
      Object.assign(s, { status: 'restarting', restartCount: this.restart.count });
      this.save();
      let timer: NodeJS.Timeout | undefined;
      await new Promise<void>((r) => {
        this.wake = r;
        timer = setTimeout(r, delay);
      });
      clearTimeout(timer);
      this.wake = undefined;
      if (this.removing) return this.settle();
      if (this.manuallyStopped) {
        s.status = 'exited';
        return this.stayDown();
      }
      try {
        await this.start();
      } catch (err) {
        const why = startFailure(err);
        if (!why) throw err;
        s.error = why.message;
        await this.takeDown();
      }
    }
  }

  /** Down for good: say so, and wait for the removal (--rm: at once). */
  private async stayDown(): Promise<void> {
    this.save();
    this.settle();
    if (this.detach.autoRemove || this.removing) return;
    await new Promise<void>((r) => { this.wake = r; });
  }

  /** Those waiting for the container to be down may go on. */
  private settle(): void {
    for (const w of this.downWaiters.splice(0)) w();
  }

  // ---------------------------------------------------------------- health

  private scheduleHealth(gen: number): void {
    const cfg = this.detach.health!;
    const s = this.rec.state;
    const wait = nextCheckIn(cfg, Date.now() - s.startedAt, s.health!.status);
    this.healthTimer = setTimeout(() => void this.check(gen), wait);
  }

  /** One check: /bin/sh -c CMD in the container's namespaces (the core's join: setns,
   *  then a fork into its PID namespace), its output captured, killed at the timeout. */
  private async check(gen: number): Promise<void> {
    const cfg = this.detach.health!;
    const pid = this.rec.state.pid;
    const start = Date.now();
    let result: HealthResult;
    try {
      const r = await this.probeCore!.join({ pid }, ['/bin/sh', '-c', cfg.cmd], {
        env: this.spec.env, cwd: this.spec.cwd ?? '/', capture: true, timeout_ms: Math.ceil(cfg.timeoutMs),
      });
      result = { start, end: Date.now(), exitCode: Math.max(-1, Math.min(255, r.code)), output: keepOutput(r.stdout + r.stderr) };
    } catch (err) {
      const timedOut = err instanceof CoreError && err.kind === 'timeout';
      const output = timedOut ? timeoutOutput(cfg.timeoutMs, '') : (err as Error).message;
      result = { start, end: Date.now(), exitCode: -1, output: keepOutput(output) };
    }
    if (gen !== this.generation) return; // the run it checked is over
    const s = this.rec.state;
    s.health = afterResult(s.health!, result, cfg, s.startedAt);
    this.save();
    this.scheduleHealth(gen);
  }

  // ---------------------------------------------------------------- control

  /** Until the container is down (exited, and not to be restarted). */
  private down(): Promise<void> {
    return this.rec.state.status === 'exited' ? Promise.resolve() : new Promise((r) => this.downWaiters.push(r));
  }

  private async control(r: Request): Promise<Reply> {
    const s = this.rec.state;
    if (r.op === 'stop') {
      this.manuallyStopped = true;
      if (s.status === 'restarting') this.wake?.();
      if (this.box) {
        const box = this.box;
        void box.signal('TERM');
        clearTimeout(this.killTimer);
        this.killTimer = setTimeout(() => void box.signal('KILL'), r.timeoutS * 1000);
      }
      await this.down();
      return { ok: true };
    }
    const up = s.status === 'running' || s.status === 'restarting' || s.status === 'created';
    if (up && !r.force) return { ok: false, error: t.control.stillRunning(this.rec.name) };
    this.removing = true;
    this.manuallyStopped = true;
    void this.box?.signal('KILL');
    // After this reply is on its way: the main loop ends, and everything goes.
    setImmediate(() => this.wake?.());
    return { ok: true };
  }

  /** SIGTERM (the machine shutting down, or a person): stop the container as `boxlab
   *  stop` would, then go, taking everything along. */
  async terminate(): Promise<void> {
    if (this.removing) return;
    await this.control({ op: 'stop', timeoutS: 10 });
    this.removing = true;
    this.wake?.();
  }

  /** Everything goes: the run, the second core, the socket, the log, the directory. */
  async shutdown(): Promise<Error[]> {
    this.removing = true;
    await this.takeDown().catch(() => undefined);
    await this.probeCore?.close();
    await new Promise((r) => (this.server ? this.server.close(r) : r(undefined)));
    this.writer?.close();
    return this.ledger.close();
  }
}

/** Read the handoff line from the command that started us. */
function readHandoff(input: Readable): Promise<Handoff> {
  return new Promise((resolve, reject) => {
    let buf = '';
    const onData = (d: Buffer) => {
      buf += d.toString();
      const nl = buf.indexOf('\n');
      if (nl >= 0) {
        input.off('data', onData);
        try { resolve(JSON.parse(buf.slice(0, nl)) as Handoff); } catch (err) { reject(err); }
      } else if (buf.length > MAX_HANDOFF) {
        reject(new Error(t.supervisor.badHandoff));
      }
    };
    input.on('data', onData);
    input.once('end', () => reject(new Error(t.supervisor.badHandoff)));
  });
}

/** The supervisor's life: read the handoff, start the container, answer, then keep it
 *  until it is removed. INPUT and OUTPUT are the pipes to `boxlab run -d`; if that ends
 *  before the answer (Ctrl-C, SIGKILL), the start is undone and nothing is left. */
export async function runSupervisor(input: Readable, output: Writable): Promise<number> {
  process.title = 'boxlab-supervisor';
  // No terminal (a session of its own): these would come only from a person, on purpose.
  for (const s of ['SIGINT', 'SIGHUP'] as const) process.on(s, () => undefined);
  const handoff = await readHandoff(input);
  let caller = true;
  input.once('close', () => { caller = false; });
  input.once('end', () => { caller = false; });
  const sup = new Supervisor(handoff.spec, handoff.detach, Ledger.open());
  process.once('SIGTERM', () => void sup.terminate());
  const answer = (r: HandoffReply) => new Promise<void>((resolve) => output.write(JSON.stringify(r) + '\n', () => resolve()));
  try {
    await sup.create();
    await sup.start();
  } catch (err) {
    const why = startFailure(err) ?? { message: (err as Error).message, status: EXIT_NO_START };
    await sup.shutdown();
    if (caller) await answer({ ok: false, ...why });
    return why.status;
  }
  if (!caller) {
    await sup.shutdown();
    return 1;
  }
  await answer({ ok: true, id: sup.id, name: sup.rec.name });
  input.destroy();
  output.destroy();
  try {
    await sup.supervise();
  } finally {
    await sup.shutdown();
  }
  return 0;
}
