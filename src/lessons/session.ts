// One lesson, running: its own core, its own ledger scope, and what each stop did.
// Running a step = read the views it names, send its ops (op gateway) or run its command
// (command runner), read the views again, diff. Checks read the kernel (checks.ts);
// tasks are re-checked until they pass, with hints chosen by what the check found
// (expect.ts); where each stop stands is stops.ts's to settle. After every change the
// session publishes a new immutable LessonState with an event saying what happened: the
// terminal UI and `boxlab lesson` listen, and read nothing else of it.
import { readFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { Core, CoreError } from '../core/index.ts';
import { blName, Ledger, processStartTime } from '../ledger/index.ts';
import type { Snapshot, ViewName } from '../kernel/types.ts';
import { lessons as text } from '../text/index.ts';
import { CgroupGuard } from './cgroup-guard.ts';
import { evaluate } from './checks.ts';
import { CommandRunner } from './commands.ts';
import { expectRefusal, hintsFor } from './expect.ts';
import { Containers, OpGateway } from './gateway.ts';
import { kernel } from './kernel.ts';
import { CGROUP_VARS, cgroupVars, forMachine, needsLayout } from './layout.ts';
import { SyscallLog } from './log.ts';
import { HostNetworkGuard, LessonNamespaces } from './netns.ts';
import { OP_VIEWS, parseOpLine, shownResult } from './ops.ts';
import { failure, type CheckResult, type Happening, type LessonEvent, type LessonPort, type LessonState, type LogEntry, type LogSource, type StepResult, type StopState } from './port.ts';
import { missingPrograms } from './programs.ts';
import { VariableScope } from './scope.ts';
import type { Action, CheckSpec, Lesson } from './schema.ts';
import { StopStates } from './stops.ts';
import { lessonUser, prepareWorkspace, type Workspace } from './workspace.ts';

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

export class LessonSession implements LessonPort {
  /** The lesson's core, while it runs. */
  core?: Core;
  readonly ledger: Ledger;
  /** The lesson's ledger scope: everything it made, unwound when it ends. */
  scope = '';
  private lesson: Lesson;
  private vars = new VariableScope();
  private log: SyscallLog;
  private containers = new Containers();
  private namespaces: LessonNamespaces;
  private cgroups: CgroupGuard;
  private gateway: OpGateway;
  private commands: CommandRunner;
  private states: StopStates;
  private current = -1;
  private lastViews: readonly ViewName[] = ['uts', 'ns', 'proc'];
  private closed = false;
  /** What the lab prepared for the lesson (a rootfs, ${dir}, an engine, ...). */
  private workspace?: Workspace;
  private published: LessonState;
  private listeners = new Set<(e: LessonEvent) => void>();
  private queue: Promise<unknown> = Promise.resolve();

  private constructor(private readonly source: Lesson, private options: SessionOptions) {
    this.lesson = source;
    this.ledger = options.ledger ?? processLedger();
    this.log = new SyscallLog((entry) => this.emit({ type: 'log', entry }));
    const scope = () => this.scope;
    this.namespaces = new LessonNamespaces(this.ledger, scope);
    this.cgroups = new CgroupGuard(this.ledger, scope, () => this.gateway.cgroupLayout(), (t) => this.vars.subst(t, true));
    this.gateway = new OpGateway(
      { core: () => this.core, vars: this.vars, log: this.log, containers: this.containers, ledger: this.ledger, scope },
      [new HostNetworkGuard(this.containers), this.namespaces, this.cgroups],
    );
    this.commands = new CommandRunner(this.gateway, this.vars, this.log, () => this.workspace?.env ?? {});
    this.states = new StopStates(source.stops);
    this.published = this.snapshot();
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

  get state(): LessonState { return this.published; }

  onEvent(fn: (e: LessonEvent) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  /** Publish the state as it is now, with what happened. */
  private emit(happened: Happening): void {
    this.published = this.snapshot();
    const e: LessonEvent = { ...happened, state: this.published };
    for (const fn of this.listeners) fn(e);
  }

  private snapshot(): LessonState {
    return Object.freeze({
      lesson: this.lesson,
      stops: this.states.all,
      current: this.current,
      vars: this.vars.all,
      log: this.log.entries,
      lastViews: this.lastViews,
      containers: Object.freeze(this.containers.names),
      passed: this.states.passed,
      closed: this.closed,
    });
  }

  private async start(): Promise<void> {
    const lesson = this.source;
    this.scope = `lesson:${lesson.meta.id}:${++scopes}`;
    const user = lessonUser(lesson);
    this.vars.reset({
      ct: '', pid: '', hostname: hostname(), lesson: lesson.meta.id, uid: String(user.uid), gid: String(user.gid),
      rootfs: '', dir: '', registry: '', registry_auth: '', registry_netrc: '', oci: '', loop: '', loop_dev: '', docker: '',
      ...Object.fromEntries(CGROUP_VARS.map((v) => [v, ''])),
      // Unique to this run of the lesson, for names the kernel keeps machine-wide (a
      // named network namespace, an OCI container's cgroup): bl-host-${run}.
      run: `${process.pid}-${scopes}`,
      // A fresh name for the lesson's group: two labs running the same lesson never meet.
      cgroup: blName(`lesson-${lesson.meta.id}`),
    });
    this.current = -1;
    this.log.clear();
    this.containers.clear();
    this.namespaces.clear();
    this.closed = false;
    this.workspace = await prepareWorkspace(lesson, user, this.ledger, this.scope);
    this.vars.set(this.workspace.vars);
    const core = await Core.start({ stdio: 'pipe', binary: this.options.binary, ...(user.drop ? { uid: user.uid, gid: user.gid } : {}) });
    // What containers print goes to the core's fds 1 and 2: read it so a pipe never fills.
    core.stdout?.resume();
    core.stderr?.resume();
    this.ledger.record({ kind: 'process', pid: core.pid, start: processStartTime(core.pid) }, this.scope);
    this.core = core;
    this.lesson = lesson;
    if (needsLayout(lesson)) {
      const layout = await this.gateway.cgroupLayout().catch((err: unknown) => {
        throw new CoreError('cgroup_layout', { kind: 'state', message: text.cgroupNoLayout(failure(err).message) });
      });
      this.vars.set(cgroupVars(layout, this.vars.get('cgroup')));
      if (lesson.uses.some((v) => CGROUP_VARS.includes(v) && v !== 'cgroup_layout')) await this.cgroups.reserve(this.vars.get('cgroup'));
      this.lesson = forMachine(lesson, layout);
    }
    // The lesson's own constants may use the session's (a path under ${dir}).
    for (const [k, v] of Object.entries(lesson.meta.vars)) this.vars.set({ [k]: this.vars.subst(v) });
    this.states = new StopStates(this.lesson.stops);
    this.emit({ type: 'ready' });
  }

  /** Run one thing at a time against the core: keys, timers and the REPL may overlap. */
  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.queue.then(fn, fn);
    this.queue = next.catch(() => undefined);
    return next;
  }

  // ------------------------------------------------------------ reading the kernel

  /** The views, for the lesson's container (or the lab before there is one) and its
   *  other containers, which views spanning namespaces (net) show too. */
  private async read(views: readonly ViewName[]): Promise<Snapshot> {
    const pid = this.vars.viewPid;
    return (await kernel()).snapshot(pid, [...views], this.containers.besides(pid));
  }

  observe(views: readonly ViewName[]): Promise<Snapshot | undefined> {
    return this.read(views).catch(() => undefined);
  }

  private evaluate(check: CheckSpec): Promise<CheckResult> {
    return evaluate(check, { vars: this.vars, gateway: this.gateway, commands: this.commands, observe: (views) => this.read(views) });
  }

  // ------------------------------------------------------------ actions

  /** `pid:` of a step: a process id, or a file holding one; views and ${pid} follow it. */
  private async follow(what: string): Promise<void> {
    const value = this.vars.subst(what).trim();
    const found = /^\d+$/.test(value) ? value : (await readFile(value, 'utf8').catch(() => '')).trim();
    if (!/^\d+$/.test(found) || Number(found) <= 0) throw new Error(text.pidFileEmpty(value));
    this.vars.set({ pid: found });
  }

  /** Run an action with before/after snapshots of `views`. Never throws: failures are in the result. */
  private async runAction(action: Action, views: readonly ViewName[], source: LogSource, pid?: string): Promise<StepResult> {
    const log: LogEntry[] = [];
    const k = await kernel();
    let before: Snapshot | undefined;
    const snap = async () => (views.length ? this.read(views).catch(() => undefined) : undefined);
    try {
      before = await snap();
      let output: string | undefined;
      if (action.kind === 'ops') {
        // What a command run by an op (spawn, join) printed is shown like a shell step's,
        // and so is what other ops' results are worth seeing (a seccomp program).
        const printed: string[] = [];
        for (const call of action.ops) {
          const shown = shownResult(call.op, (await this.gateway.op(source, call.op, call.args, log)).result);
          if (shown) printed.push(shown);
        }
        if (printed.length) output = printed.join('\n');
      } else {
        const r = await this.commands.run(source, action.kind, action.command, log);
        output = (r.stdout + r.stderr).trimEnd();
        if (r.code !== 0) return { ok: false, before, output, log, error: { message: text.exitStatus(this.vars.subst(action.command), r.code) } };
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

  // ------------------------------------------------------------ the learner's moves

  runStop(i: number): Promise<StopState> {
    return this.serial(async () => {
      const stop = this.lesson.stops[i];
      if (!stop) throw new Error(text.noStop(i));
      this.current = i;
      this.emit({ type: 'stop', index: i });
      const missing = missingPrograms(stop.requires);
      if (missing.length) {
        const st = this.states.skipped(i, missing);
        this.emit({ type: 'skipped', index: i, missing });
        return st;
      }
      this.states.running(i);
      if (stop.kind === 'step') {
        if (stop.views.length) this.lastViews = stop.views;
        const ran = await this.runAction(stop.action, stop.views, 'lesson', stop.pid);
        const result = stop.fails ? expectRefusal(ran, stop.fails) : ran;
        const st = this.states.stepped(i, result);
        this.emit({ type: 'step', index: i, result });
        return st;
      }
      if (stop.kind === 'task' && stop.views.length) this.lastViews = stop.views;
      const result = await this.evaluate(stop.check);
      const st = this.states.checked(i, result);
      this.emit({ type: 'check', index: i, result });
      return st;
    });
  }

  recheck(i: number): Promise<CheckResult | undefined> {
    return this.serial(async () => {
      const stop = this.lesson.stops[i];
      if (!stop || stop.kind === 'step' || this.states.at(i).status === 'skipped') return undefined;
      const result = await this.evaluate(stop.check);
      this.states.checked(i, result);
      this.emit({ type: 'check', index: i, result });
      return result;
    });
  }

  hint(i: number): string {
    const stop = this.lesson.stops[i];
    if (!stop || stop.kind !== 'task') return text.noHint;
    const st = this.states.at(i);
    const hints = hintsFor(stop, st.check, (s) => this.vars.subst(s));
    if (!hints.length) return text.noHint;
    // A new state starts again at its most specific hint; the same state cycles on.
    const seen = `${st.check?.found ?? ''}\0${st.check?.code ?? ''}`;
    const shown = st.hintState === seen ? st.hintsShown : 0;
    this.states.hinted(i, seen, shown + 1);
    const t = this.vars.subst(hints[shown % hints.length]!.text);
    this.emit({ type: 'hint', index: i, text: t });
    return t;
  }

  async solve(i: number): Promise<StepResult | undefined> {
    const stop = this.lesson.stops[i];
    if (!stop || stop.kind !== 'task' || !stop.solution || this.states.at(i).status === 'skipped') return undefined;
    const action = stop.solution;
    const result = await this.serial(() => this.runAction(action, stop.views.length ? stop.views : this.lastViews, 'solution'));
    this.states.solved(i, result);
    this.emit({ type: 'solved', index: i, result });
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
      this.emit({ type: 'repl', line, result });
      return result;
    }
    const result = await this.serial(() => this.runAction(action, views, 'repl'));
    this.emit({ type: 'repl', line, result });
    return result;
  }

  async reset(): Promise<void> {
    await this.serial(async () => {
      await this.teardown();
      await this.start();
    });
    this.emit({ type: 'reset' });
  }

  async close(): Promise<Error[]> {
    if (this.closed) return [];
    const errors = await this.serial(() => this.teardown());
    this.emit({ type: 'closed' });
    return errors;
  }

  /** The core kills its containers; what must be stopped first is (the engine); the
   *  ledger scope is unwound. */
  private async teardown(): Promise<Error[]> {
    this.closed = true;
    const core = this.core;
    this.core = undefined;
    await core?.close().catch(() => undefined);
    const workspace = this.workspace;
    this.workspace = undefined;
    await workspace?.close().catch(() => undefined);
    return this.ledger.unwind(this.scope);
  }
}
