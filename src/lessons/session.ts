// One lesson, running: its own core, its own ledger scope, its variables (${ct}, ${pid})
// and what each stop did. Running a step = snapshot the views it names, send its ops,
// snapshot again, diff. Checks read the kernel; tasks are re-checked until they pass,
// with hints chosen by what the check found. Everything that happens is emitted as an
// event, which the terminal UI and the plain/JSON output both listen to.
import { readlinkSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { $ } from 'zx';
import { Core, CoreError, repoRoot, type CgroupLayout, type CoreReply } from '../core/index.ts';
import { blName, Ledger, processStartTime } from '../ledger/index.ts';
import { LessonNamespaces } from './netns.ts';
import { commandEnv, envList, missingPrograms } from './programs.ts';
import type { Snapshot, SnapshotDiff, ViewName } from '../kernel/types.ts';
import { text } from '../ui/text.ts';
import { CgroupGuard } from './cgroup-guard.ts';
import { kernel } from './kernel.ts';
import { CGROUP_VARS, cgroupVars, forMachine, needsLayout } from './layout.ts';
import { OP_VIEWS, OPS, parseOpLine, shownResult } from './ops.ts';
import { lessonUser, prepareWorkspace } from './workspace.ts';
import type { Action, CheckSpec, Expectation, Hint, HintWhen, Lesson, Stop, TaskStop } from './schema.ts';

export type LogSource = 'lesson' | 'repl' | 'solution' | 'check';

/** One line of the syscall log: an op (or command) and what it did. */
export interface LogEntry {
  source: LogSource;
  op: string;
  ok: boolean;
  syscalls: string[];
  shell: string;
  error?: string;
  at: number;
}

export interface Failure { message: string; explain?: string; hint?: string; errno?: string }

export interface StepResult {
  ok: boolean;
  before?: Snapshot;
  after?: Snapshot;
  diff?: SnapshotDiff;
  error?: Failure;
  /** What a command printed (shell:/inside:). */
  output?: string;
  log: LogEntry[];
}

export interface CheckResult {
  pass: boolean;
  /** What the check read (trimmed), undefined when it could not read anything. */
  found?: string;
  code?: number;
  /** The expectation in words, for display. */
  expected: string;
  /** A measured quantity (at_least / at_most): what was found is worth showing on a pass too. */
  measured?: boolean;
  error?: string;
}

export type StopStatus = 'pending' | 'running' | 'done' | 'failed' | 'waiting' | 'passed' | 'skipped';

export interface StopState {
  status: StopStatus;
  step?: StepResult;
  check?: CheckResult;
  solved?: boolean;
  hintsShown: number;
  /** What the check found when the last hint was given. */
  hintState?: string;
  /** status 'skipped': the programs of `requires:` this machine lacks. */
  missing?: string[];
}

export type LessonEvent =
  | { type: 'ready' }
  | { type: 'stop'; index: number }
  | { type: 'log'; entry: LogEntry }
  | { type: 'step'; index: number; result: StepResult }
  | { type: 'check'; index: number; result: CheckResult }
  | { type: 'hint'; index: number; text: string }
  | { type: 'skipped'; index: number; missing: string[] }
  | { type: 'solved'; index: number; result: StepResult }
  | { type: 'repl'; line: string; result: StepResult }
  | { type: 'reset' }
  | { type: 'closed' };

export interface SessionOptions {
  /** The process's ledger (one per process); opened on first use when not given. */
  ledger?: Ledger;
  binary?: string;
}

/** The ledger of this process (Ledger.open() hands every caller the same one). */
export function processLedger(): Ledger {
  return Ledger.open();
}

/** At exit: unwind what is left and delete this process's ledger file when it is empty. */
export async function closeProcessLedger(): Promise<Error[]> {
  return Ledger.open().close();
}

let scopes = 0;

export class LessonSession {
  core?: Core;
  /** The lesson as it runs on this machine: blocks whose `when:` does not fit the
   *  machine's cgroup layout are left out (layout.ts). */
  lesson: Lesson;
  readonly ledger: Ledger;
  scope = '';
  vars: Record<string, string> = {};
  state: StopState[] = [];
  /** Index of the stop the learner is at (-1: before the first). */
  current = -1;
  log: LogEntry[] = [];
  /** Views of the last step: what the REPL's diff shows. */
  lastViews: ViewName[] = ['uts', 'ns', 'proc'];
  private queue: Promise<unknown> = Promise.resolve();
  /** Host PIDs of the containers this session cloned, by name (c1, c2, ...). */
  private containers = new Map<string, number>();
  /** The named network namespaces this lesson made (netns_add). */
  private namespaces: LessonNamespaces;
  private closed = false;
  /** The machine's cgroup layout, asked of the core once, when first needed. */
  private layout?: Promise<CgroupLayout>;
  private cgroups: CgroupGuard;

  private constructor(readonly source: Lesson, private options: SessionOptions) {
    this.lesson = source;
    this.ledger = options.ledger ?? processLedger();
    this.namespaces = new LessonNamespaces(this.ledger, () => this.scope);
    this.cgroups = new CgroupGuard(this.ledger, () => this.scope, () => this.cgroupLayout(), (t) => this.subst(t, true));
  }

  /** Start the lesson's core and return the session. Throws CoreError when it cannot start. */
  static async open(lesson: Lesson, options: SessionOptions = {}): Promise<LessonSession> {
    const s = new LessonSession(lesson, options);
    try {
      await s.start();
    } catch (err) {
      await s.teardown();
      throw err;
    }
    return s;
  }

  get stops(): Stop[] { return this.lesson.stops; }

  private listeners = new Set<(e: LessonEvent) => void>();
  /** Listen to everything the session does; returns the function that stops listening. */
  onEvent(fn: (e: LessonEvent) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }
  private send(e: LessonEvent): void {
    for (const fn of this.listeners) fn(e);
  }

  private async start(): Promise<void> {
    const lesson = this.source;
    this.scope = `lesson:${lesson.meta.id}:${++scopes}`;
    const user = lessonUser(lesson);
    this.vars = {
      ct: '', pid: '', hostname: hostname(), lesson: lesson.meta.id, uid: String(user.uid), gid: String(user.gid),
      rootfs: '', dir: '', registry: '', registry_auth: '', registry_netrc: '', oci: '', loop: '', loop_dev: '',
      ...Object.fromEntries(CGROUP_VARS.map((v) => [v, ''])),
      // Unique to this run of the lesson, for names the kernel keeps machine-wide (a
      // named network namespace, an OCI container's cgroup): bl-host-${run}.
      run: `${process.pid}-${scopes}`,
      // A fresh name for the lesson's group: two labs running the same lesson never meet.
      cgroup: blName(`lesson-${lesson.meta.id}`),
    };
    this.current = -1;
    this.log = [];
    this.containers.clear();
    this.namespaces.clear();
    this.closed = false;
    Object.assign(this.vars, await prepareWorkspace(lesson, user, this.ledger, this.scope));
    const core = await Core.start({ stdio: 'pipe', binary: this.options.binary, ...(user.drop ? { uid: user.uid, gid: user.gid } : {}) });
    // What containers print goes to the core's fds 1 and 2: read it so a pipe never fills.
    core.stdout?.resume();
    core.stderr?.resume();
    this.ledger.record({ kind: 'process', pid: core.pid, start: processStartTime(core.pid) }, this.scope);
    this.core = core;
    this.lesson = lesson;
    if (needsLayout(lesson)) {
      const layout = await this.cgroupLayout().catch((err: unknown) => {
        throw new CoreError('cgroup_layout', { kind: 'state', message: text.cgroupNoLayout(failure(err).message) });
      });
      Object.assign(this.vars, cgroupVars(layout, this.vars.cgroup!));
      if (lesson.uses.some((v) => CGROUP_VARS.includes(v) && v !== 'cgroup_layout')) await this.cgroups.reserve(this.vars.cgroup!);
      this.lesson = forMachine(lesson, layout);
    }
    // The lesson's own constants may use the session's (a path under ${dir}).
    for (const [k, v] of Object.entries(lesson.meta.vars)) this.vars[k] = this.subst(v);
    this.state = this.stops.map(() => ({ status: 'pending', hintsShown: 0 }));
    this.send({ type: 'ready' });
  }

  /** The machine's cgroup layout, from the core (asked once: it does not change). */
  private cgroupLayout(): Promise<CgroupLayout> {
    if (!this.layout) {
      const asked = this.requireCore().cgroupLayout();
      this.layout = asked;
      asked.catch(() => { if (this.layout === asked) this.layout = undefined; }); // ask again next time
    }
    return this.layout;
  }

  /** Run one thing at a time against the core: keys, timers and the REPL may overlap. */
  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.queue.then(fn, fn);
    this.queue = next.catch(() => undefined);
    return next;
  }

  // ------------------------------------------------------------ substitution

  /** Fill in `${name}`. `keepUnset`: leave a variable that has no value yet as it is
   *  (prose read before the step that sets it). */
  subst(s: string, keepUnset = false): string {
    return s.replace(/\$\{(\w+)\}/g, (m, k: string) => this.vars[k] || (keepUnset ? m : ''));
  }

  private substArgs(op: string, args: Record<string, unknown>): Record<string, unknown> {
    const spec = OPS[op];
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(args)) {
      let val: unknown = typeof v === 'string' ? this.subst(v) : Array.isArray(v) ? v.map((x) => (typeof x === 'string' ? this.subst(x) : x)) : v;
      if (spec?.args[k] === 'int' && typeof val === 'string' && /^-?\d+$/.test(val)) val = Number(val);
      out[k] = val;
    }
    if (spec?.ct && out.ct === undefined && out.pid === undefined && out.netns === undefined) {
      if (!this.vars.ct) throw new CoreError(op, { kind: 'state', message: text.noContainer });
      out.ct = this.vars.ct;
    }
    if (op === 'probe' && out.pid === undefined && this.vars.pid) out.pid = Number(this.vars.pid);
    return out;
  }

  /** The process views are read for: the container, or the lab itself before there is one. */
  get viewPid(): number {
    const pid = Number(this.vars.pid);
    return pid > 0 ? pid : process.pid;
  }

  /** The session's other containers: views spanning namespaces (net) show them too. */
  get neighbours(): { name: string; pid: number }[] {
    return [...this.containers].filter(([, pid]) => pid !== this.viewPid).map(([name, pid]) => ({ name, pid }));
  }

  // ------------------------------------------------------------ actions

  private record(source: LogSource, reply: Pick<CoreReply, 'op' | 'ok' | 'syscalls' | 'shell'> & { error?: { message: string } }, log: LogEntry[]): void {
    const entry: LogEntry = { source, op: reply.op, ok: reply.ok, syscalls: reply.syscalls ?? [], shell: reply.shell ?? '', error: reply.error?.message, at: Date.now() };
    log.push(entry);
    if (source !== 'check') {
      this.log.push(entry);
      if (this.log.length > 500) this.log.splice(0, this.log.length - 500);
      this.send({ type: 'log', entry });
    }
  }

  private async callOp(source: LogSource, op: string, rawArgs: Record<string, unknown>, log: LogEntry[]): Promise<CoreReply> {
    const core = this.requireCore();
    const args = this.substArgs(op, rawArgs);
    if (OPS[op]?.net) {
      this.assertLabNetwork(op, args);
      this.namespaces.assertOwn(op, args);
    }
    // A named namespace is in the ledger before the core makes it.
    const entry = op === 'netns_add' ? this.namespaces.record(op, args.name) : undefined;
    // Cgroups: only the lesson's own, recorded in the ledger before they are made.
    const recorded = await this.cgroups.before(core, op, args);
    const reply = await core.send(op, args, op === 'join' || op === 'spawn' || op === 'wait' ? 30_000 : undefined);
    if (entry !== undefined) this.namespaces.settle(String(args.name), entry, reply.ok);
    if (op === 'netns_del' && reply.ok) this.namespaces.deleted(String(args.netns));
    this.record(source, reply, log);
    if (!reply.ok) {
      await this.cgroups.failed(recorded);
      throw new CoreError(op, reply.error ?? { kind: 'protocol', message: 'failed' }, reply.syscalls, reply.shell);
    }
    if (op === 'clone') {
      const r = reply.result as { ct: string; pid: number };
      this.vars.ct = r.ct;
      this.vars.pid = String(r.pid);
      this.containers.set(r.ct, r.pid);
      // The core made it (and kills it when it closes); the ledger still lists it, so a
      // crash of both leaves `boxlab cleanup` something to find.
      this.ledger.record({ kind: 'process', pid: r.pid, start: processStartTime(r.pid) }, this.scope);
    }
    return reply;
  }

  /** Host safety: a network op may act in a container's (or a lab-made) network
   *  namespace, never in the host's, which a container without `net` shares. */
  private assertLabNetwork(op: string, args: Record<string, unknown>): void {
    const own = nsLink(process.pid);
    for (const prefix of ['', 'peer_', 'to_']) {
      const ct = args[`${prefix}ct`];
      const pid = typeof ct === 'string' ? this.containers.get(ct) : args[`${prefix}pid`];
      if (typeof pid !== 'number' || nsLink(pid) !== own) continue;
      throw new CoreError(op, { kind: 'state', message: text.hostNetwork(op, typeof ct === 'string' ? ct : `pid ${pid}`), hint: text.hostNetworkHint });
    }
  }

  private requireCore(): Core {
    if (!this.core || !this.core.alive) throw new CoreError('session', { kind: 'exit', message: 'the core is not running' });
    return this.core;
  }

  private async runCommand(source: LogSource, where: 'shell' | 'inside' | 'spawn', command: string, log: LogEntry[]): Promise<{ code: number; stdout: string; stderr: string }> {
    const cmd = this.subst(command);
    if (where === 'inside' || where === 'spawn') {
      // inside: a new process entering the namespaces; spawn: a child of the init.
      const reply = where === 'inside'
        ? await this.callOp(source, 'join', { argv: ['/bin/sh', '-c', cmd], capture: true }, log)
        : await this.callOp(source, 'spawn', { argv: ['/bin/sh', '-c', cmd] }, log);
      const r = reply.result as { code: number; stdout?: string; stderr?: string };
      return { code: r.code, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
    }
    const env = commandEnv({ BOXLAB_CT: this.vars.ct ?? '', BOXLAB_PID: this.vars.pid ?? '', ...boxlabItself() });
    const script = SHELL_PRELUDE + cmd;
    const r = this.vars.oci ? await this.runUnderCore(script, env) : await runHere(script, env);
    this.record(source, { op: 'shell', ok: r.code === 0, syscalls: [], shell: cmd, error: r.code === 0 ? undefined : { message: `exit status ${r.code}` } }, log);
    return r;
  }

  /** A lesson that drives OCI runtimes (it uses ${oci}) runs its host commands as
   *  children of its core, a child subreaper: when `create` returns, the container's
   *  init is adopted by the core, which reaps it when it ends and kills it when the
   *  lesson does - the job containerd-shim does for runc. Run by a shell of the lab
   *  instead, the init would go to the host's init, which may never reap it. */
  private async runUnderCore(cmd: string, env: NodeJS.ProcessEnv): Promise<{ code: number; stdout: string; stderr: string }> {
    const core = this.requireCore();
    const args = { pid: core.pid, ns: [], argv: ['/bin/sh', '-c', cmd], env: envList(env), cwd: process.cwd(), capture: true, timeout_ms: 30_000 };
    const reply = await core.send('join', args, 35_000);
    if (!reply.ok) throw new CoreError('shell', reply.error ?? { kind: 'protocol', message: 'failed' }, reply.syscalls, cmd);
    const r = reply.result as { code: number; stdout?: string; stderr?: string };
    return { code: r.code, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
  }

  /** `pid:` of a step: a process id, or a file holding one; views and ${pid} follow it. */
  private async follow(what: string): Promise<void> {
    const value = this.subst(what).trim();
    const found = /^\d+$/.test(value) ? value : (await readFile(value, 'utf8').catch(() => '')).trim();
    if (!/^\d+$/.test(found) || Number(found) <= 0) throw new Error(text.pidFileEmpty(value));
    this.vars.pid = found;
  }

  /** Run an action with before/after snapshots of `views`. Never throws: failures are in the result. */
  async runAction(action: Action, views: ViewName[], source: LogSource, pid?: string): Promise<StepResult> {
    const log: LogEntry[] = [];
    const k = await kernel();
    let before: Snapshot | undefined;
    const snap = async () => (views.length ? k.snapshot(this.viewPid, views, this.neighbours).catch(() => undefined) : undefined);
    try {
      before = await snap();
      let output: string | undefined;
      if (action.kind === 'ops') {
        // What a command run by an op (spawn, join) printed is shown like a shell step's,
        // and so is what other ops' results are worth seeing (a seccomp program).
        const printed: string[] = [];
        for (const call of action.ops) {
          const shown = shownResult(call.op, (await this.callOp(source, call.op, call.args, log)).result);
          if (shown) printed.push(shown);
        }
        if (printed.length) output = printed.join('\n');
      } else {
        const r = await this.runCommand(source, action.kind, action.command, log);
        output = (r.stdout + r.stderr).trimEnd();
        if (r.code !== 0) return { ok: false, before, output, log, error: { message: `${this.subst(action.command)}: exit status ${r.code}` } };
      }
      if (pid !== undefined) await this.follow(pid);
      const after = await snap();
      const diff = before && after ? k.diff(before, after) : undefined;
      return { ok: true, before, after, diff, output, log };
    } catch (err) {
      const after = await snap();
      return { ok: false, before, after, log, error: failure(err) };
    }
  }

  // ------------------------------------------------------------ checks

  async evaluate(check: CheckSpec): Promise<CheckResult> {
    const expected = describeExpect(check.expect, this);
    const measured = check.expect.at_least !== undefined || check.expect.at_most !== undefined ? true : undefined;
    let found: string | undefined;
    let code: number | undefined;
    try {
      const src = check.source;
      const log: LogEntry[] = [];
      switch (src.kind) {
        case 'probe': {
          if (!this.vars.pid) throw new Error(text.noContainer);
          const reply = await this.callOp('check', 'probe', { pid: Number(this.vars.pid), what: [src.what] }, log);
          const r = (reply.result ?? {}) as Record<string, Record<string, string> | undefined>;
          found = r[src.what]?.[src.field]?.trim();
          break;
        }
        case 'view': {
          const k = await kernel();
          const snap = await k.snapshot(this.viewPid, [src.view], this.neighbours);
          const view = snap.views[src.view];
          const row = view?.rows.find((r) => src.row !== undefined ? r.key === this.subst(src.row) : Object.entries(src.where ?? {}).every(([c, v]) => r.cells[c] === this.subst(v)));
          found = row?.cells[src.cell];
          break;
        }
        case 'file': {
          const body = await readFile(this.subst(src.path), 'utf8');
          if (src.field) {
            const line = body.split('\n').find((l) => l.startsWith(src.field + ':'));
            found = line?.slice(src.field.length + 1).trim().replace(/\s+/g, ' ');
          } else found = body.trim();
          break;
        }
        case 'inside':
        case 'spawn':
        case 'shell': {
          if (src.kind !== 'shell' && !this.vars.ct) throw new Error(text.noContainer);
          const r = await this.runCommand('check', src.kind, src.command, log);
          found = r.stdout.trim();
          code = r.code;
          break;
        }
      }
      return { pass: holds(check.expect, found, code, this), found, code, expected, measured };
    } catch (err) {
      return { pass: false, found, code, expected, measured, error: failure(err).message };
    }
  }

  /** Hints whose `when` holds for what the task's check found, in file order. */
  hintsFor(task: TaskStop, result: CheckResult | undefined): Hint[] {
    return task.hints.filter((h) => whenHolds(h.when, result, this));
  }

  // ------------------------------------------------------------ the learner's moves

  /** Run stop i (a step runs its ops, a check evaluates, a task checks once). */
  runStop(i: number): Promise<StopState> {
    return this.serial(async () => {
      const stop = this.stops[i];
      if (!stop) throw new Error(`no stop ${i}`);
      this.current = i;
      this.send({ type: 'stop', index: i });
      const st = this.state[i]!;
      const missing = missingPrograms(stop.requires);
      if (missing.length) {
        st.status = 'skipped';
        st.missing = missing;
        this.send({ type: 'skipped', index: i, missing });
        return st;
      }
      st.status = 'running';
      if (stop.kind === 'step') {
        if (stop.views.length) this.lastViews = stop.views;
        st.step = await this.runAction(stop.action, stop.views, 'lesson', stop.pid);
        if (stop.fails) st.step = expectRefusal(st.step, stop.fails);
        st.status = st.step.ok ? 'done' : 'failed';
        this.send({ type: 'step', index: i, result: st.step });
      } else {
        if (stop.kind === 'task' && stop.views.length) this.lastViews = stop.views;
        st.check = await this.evaluate(stop.check);
        st.status = st.check.pass ? 'passed' : stop.kind === 'task' ? 'waiting' : 'failed';
        this.send({ type: 'check', index: i, result: st.check });
      }
      return st;
    });
  }

  /** Check stop i again (a task after the learner acted). */
  recheck(i: number): Promise<CheckResult | undefined> {
    return this.serial(async () => {
      const stop = this.stops[i];
      if (!stop || stop.kind === 'step') return undefined;
      const st = this.state[i]!;
      if (st.status === 'skipped') return undefined;
      st.check = await this.evaluate(stop.check);
      st.status = st.check.pass ? 'passed' : stop.kind === 'task' ? 'waiting' : 'failed';
      this.send({ type: 'check', index: i, result: st.check });
      return st.check;
    });
  }

  /** The next hint for what the check found last (cycles through the ones that apply). */
  hint(i: number): string {
    const stop = this.stops[i];
    if (!stop || stop.kind !== 'task') return text.noHint;
    const st = this.state[i]!;
    const hints = this.hintsFor(stop, st.check);
    if (!hints.length) return text.noHint;
    // A new state starts again at its most specific hint; the same state cycles on.
    const seen = `${st.check?.found ?? ''}\0${st.check?.code ?? ''}`;
    if (st.hintState !== seen) { st.hintState = seen; st.hintsShown = 0; }
    const h = hints[st.hintsShown % hints.length]!;
    st.hintsShown += 1;
    const t = this.subst(h.text);
    this.send({ type: 'hint', index: i, text: t });
    return t;
  }

  /** Apply task i's solution, then check it. */
  async solve(i: number): Promise<StepResult | undefined> {
    const stop = this.stops[i];
    if (!stop || stop.kind !== 'task' || !stop.solution || this.state[i]!.status === 'skipped') return undefined;
    const action = stop.solution;
    const result = await this.serial(() => this.runAction(action, stop.views.length ? stop.views : this.lastViews, 'solution'));
    this.state[i]!.solved = true;
    this.state[i]!.step = result;
    this.send({ type: 'solved', index: i, result });
    await this.recheck(i);
    return result;
  }

  /** A REPL line: one core op, with a before/after diff of the last step's views and
   *  of the views the op changes. */
  async repl(line: string): Promise<StepResult> {
    let action: Action;
    let views: ViewName[];
    try {
      const { op, args } = parseOpLine(line);
      action = { kind: 'ops', ops: [{ op, args, line: 0 }] };
      views = [...new Set([...this.lastViews, ...(OP_VIEWS[op] ?? [])])];
    } catch (err) {
      const result: StepResult = { ok: false, log: [], error: { message: (err as Error).message } };
      this.send({ type: 'repl', line, result });
      return result;
    }
    const result = await this.serial(() => this.runAction(action, views, 'repl'));
    this.send({ type: 'repl', line, result });
    return result;
  }

  /** Remove everything the lesson made and start it again with a fresh core. */
  async reset(): Promise<void> {
    await this.serial(async () => {
      await this.teardown();
      await this.start();
    });
    this.send({ type: 'reset' });
  }

  /** End the lesson: the core kills its containers; the ledger scope is unwound. */
  async close(): Promise<Error[]> {
    if (this.closed) return [];
    const errors = await this.serial(() => this.teardown());
    this.send({ type: 'closed' });
    return errors;
  }

  private async teardown(): Promise<Error[]> {
    this.closed = true;
    const core = this.core;
    this.core = undefined;
    await core?.close().catch(() => undefined);
    return this.ledger.unwind(this.scope);
  }

  get isClosed(): boolean { return this.closed; }

  /** The containers this session cloned (c1, c2, ...): what the REPL completes `ct=` with. */
  get containerNames(): string[] { return [...this.containers.keys()]; }

  /** Every check and task has passed, and no step failed (a skipped block counts as done). */
  get passed(): boolean {
    return this.stops.every((s, i) => {
      const st = this.state[i]!;
      return st.status === 'skipped' || (s.kind === 'step' ? st.status === 'done' : st.status === 'passed');
    });
  }
}

// ------------------------------------------------------------------ helpers

/** Host commands may call the lab itself (`boxlab image ls ${dir}/oci`): `boxlab` is a
 *  shell function running this very CLI with this very node, whatever PATH holds. */
const SHELL_PRELUDE = 'boxlab() { "$BOXLAB_NODE" "$BOXLAB_CLI" "$@"; }\n';

function boxlabItself(): { BOXLAB_NODE: string; BOXLAB_CLI: string } {
  const running = process.argv[1] ?? '';
  const cli = /boxlab\.mjs$/.test(running) ? running : join(repoRoot(), 'dist', 'boxlab.mjs');
  return { BOXLAB_NODE: process.execPath, BOXLAB_CLI: cli };
}

/** A host command run by the lab itself (with zx, `sh -c`). stdin is /dev/null: a
 *  lesson's command reads no input, must not take the learner's keys from the terminal,
 *  and must not look like a remote shell (zx runs bash, and bash with a socket on stdin,
 *  as node's pipes are, sources ~/.bashrc, whose output or PATH would then leak into
 *  the lesson). */
async function runHere(cmd: string, env: NodeJS.ProcessEnv): Promise<{ code: number; stdout: string; stderr: string }> {
  const out = await $({ quiet: true, nothrow: true, verbose: false, stdio: ['ignore', 'pipe', 'pipe'], env })`sh -c ${cmd}`;
  return { code: out.exitCode ?? 1, stdout: out.stdout, stderr: out.stderr };
}

/** The network namespace link of a process, or '' when it cannot be read. */
function nsLink(pid: number): string {
  try { return readlinkSync(`/proc/${pid}/ns/net`); } catch { return ''; }
}

/** A step that shows the kernel saying no passes when it says exactly that errno. */
function expectRefusal(r: StepResult, errno: string): StepResult {
  if (r.ok) return { ...r, ok: false, error: { message: text.notRefused(errno) } };
  if (r.error?.errno !== errno) return { ...r, error: { ...r.error!, message: `${text.refusedOther(errno, r.error?.errno ?? r.error?.message ?? '?')}: ${r.error?.message ?? ''}` } };
  const said = [text.refused(errno, r.error.message), r.error.explain].filter(Boolean).join('\n');
  return { ...r, ok: true, error: undefined, output: [r.output, said].filter(Boolean).join('\n') };
}

export function failure(err: unknown): Failure {
  if (err instanceof CoreError) return { message: `${err.op}: ${err.message}`, explain: err.explain, hint: err.hint, errno: err.errno };
  return { message: err instanceof Error ? err.message : String(err) };
}

type Vars = { subst(s: string): string };

function holds(e: Expectation, found: string | undefined, code: number | undefined, v: Vars): boolean {
  if (e.exit !== undefined && code !== e.exit) return false;
  const valueChecks = e.equals !== undefined || e.not_equals !== undefined || e.matches !== undefined || e.contains !== undefined
    || e.at_least !== undefined || e.at_most !== undefined;
  if (!valueChecks) return true;
  if (found === undefined) return false;
  const n = found.trim() === '' ? NaN : Number(found);
  if (e.at_least !== undefined && !(n >= e.at_least)) return false;
  if (e.at_most !== undefined && !(n <= e.at_most)) return false;
  if (e.equals !== undefined && found !== v.subst(e.equals)) return false;
  if (e.not_equals !== undefined && found === v.subst(e.not_equals)) return false;
  if (e.matches !== undefined && !new RegExp(v.subst(e.matches)).test(found)) return false;
  if (e.contains !== undefined && !found.includes(v.subst(e.contains))) return false;
  return true;
}

function whenHolds(w: HintWhen, r: CheckResult | undefined, v: Vars): boolean {
  if (w.always) return true;
  if (w.missing !== undefined) return (r?.found === undefined) === w.missing;
  if (!r) return false;
  return holds(w, r.found, r.code, v);
}

export function describeExpect(e: Expectation, v: Vars): string {
  const parts: string[] = [];
  if (e.equals !== undefined) parts.push(`= ${JSON.stringify(v.subst(e.equals))}`);
  if (e.not_equals !== undefined) parts.push(`≠ ${JSON.stringify(v.subst(e.not_equals))}`);
  if (e.matches !== undefined) parts.push(`~ /${v.subst(e.matches)}/`);
  if (e.contains !== undefined) parts.push(`∋ ${JSON.stringify(v.subst(e.contains))}`);
  if (e.exit !== undefined) parts.push(`exit ${e.exit}`);
  if (e.at_least !== undefined) parts.push(`≥ ${e.at_least}`);
  if (e.at_most !== undefined) parts.push(`≤ ${e.at_most}`);
  return parts.join(', ');
}
