// Every op a lesson (or the learner at the REPL) sends goes through here: its
// ${variables} filled in and `ct` defaulted to the lesson's container, then the guards
// (host safety: the host's network, the lesson's own network namespaces, its own cgroups;
// each may refuse the op, or write what it will make into the ledger first), then the
// core, then the syscall log. A clone's container is recorded in the ledger too: the
// core kills it when it closes, and `boxlab cleanup` finds it if both crash.
import { CoreError, type Captured, type Cloned, type Core, type CgroupLayout, type CoreReply, type Probed } from '../core/index.ts';
import { processStartTime, type Ledger } from '../ledger/index.ts';
import { core as coreText, lessons as text } from '../text/index.ts';
import type { SyscallLog } from './log.ts';
import { OPS } from './ops.ts';
import type { LogEntry, LogSource } from './port.ts';
import type { VariableScope } from './scope.ts';

export type OpArgs = Record<string, unknown>;

/** What a guard wants done once the core has answered (ok or not). */
export type After = (reply: CoreReply) => unknown;

/** Host safety for ops: throw a CoreError to refuse one before the core sees it. */
export interface Guard {
  before(op: string, args: OpArgs, core: Core): After | undefined | Promise<After | undefined>;
}

/** The containers a lesson cloned, by name (c1, c2, ...), with their host pids. */
export class Containers {
  private byName = new Map<string, number>();

  pidOf(name: string): number | undefined { return this.byName.get(name); }
  get names(): string[] { return [...this.byName.keys()]; }
  add(c: Cloned): void { this.byName.set(c.ct, c.pid); }
  clear(): void { this.byName.clear(); }

  /** The others than `pid`: views spanning namespaces (net) show them too. */
  besides(pid: number): { name: string; pid: number }[] {
    return [...this.byName].filter(([, p]) => p !== pid).map(([name, p]) => ({ name, pid: p }));
  }
}

/** A reply whose result has the shape native/PROTOCOL.md gives the op's (as the
 *  client's typed calls read theirs). */
const typed = <R>(reply: CoreReply): CoreReply<R> => reply as CoreReply<R>;

/** Ops that may wait for a program inside: a longer wait for their reply. */
const SLOW_OPS = new Set(['join', 'spawn', 'wait']);

export class OpGateway {
  /** The machine's cgroup layout, asked of the core once, when first needed. */
  private layout?: Promise<CgroupLayout>;

  constructor(
    private lab: {
      core: () => Core | undefined;
      vars: VariableScope;
      log: SyscallLog;
      containers: Containers;
      ledger: Ledger;
      scope: () => string;
    },
    private guards: Guard[],
  ) {}

  /** The running core; a CoreError when it is gone. */
  core(): Core {
    const core = this.lab.core();
    if (!core || !core.alive) throw new CoreError('session', { kind: 'exit', message: text.coreNotRunning });
    return core;
  }

  /** A lesson's op, by name, with its arguments as the lesson (or REPL line) gives them.
   *  Throws CoreError when a guard or the core refuses it. */
  op(source: LogSource, op: string, args: OpArgs, log: LogEntry[]): Promise<CoreReply> {
    return this.send(source, op, args, log);
  }

  /** `inside:` a new process entering the container's namespaces (the core's `join`). */
  async join(source: LogSource, command: string, log: LogEntry[]): Promise<Captured> {
    return (await this.send<Captured>(source, 'join', { argv: ['/bin/sh', '-c', command], capture: true }, log)).result!;
  }

  /** `spawn:` a child of the container's init. */
  async spawn(source: LogSource, command: string, log: LogEntry[]): Promise<Captured> {
    return (await this.send<Captured>(source, 'spawn', { argv: ['/bin/sh', '-c', command] }, log)).result!;
  }

  /** The core's probe of a process (hostname, System V IPC), read from inside. */
  async probe(source: LogSource, pid: number, what: 'uts' | 'ipc', log: LogEntry[]): Promise<Probed> {
    return (await this.send<Probed>(source, 'probe', { pid, what: [what] }, log)).result ?? {};
  }

  /** A host command as a child of the core, a child subreaper (see CommandRunner). */
  async childOfCore(argv: string[], env: string[], shell: string): Promise<Captured> {
    const core = this.core();
    const args = { pid: core.pid, ns: [], argv, env, cwd: process.cwd(), capture: true, timeout_ms: 30_000 };
    const reply = await core.send('join', args, 35_000);
    if (!reply.ok) throw new CoreError('shell', reply.error ?? { kind: 'protocol', message: coreText.failed }, reply.syscalls, shell);
    return typed<Captured>(reply).result!;
  }

  /** The machine's cgroup layout, from the core (asked once: it does not change). */
  cgroupLayout(): Promise<CgroupLayout> {
    if (!this.layout) {
      const asked = this.core().cgroupLayout();
      this.layout = asked;
      asked.catch(() => { if (this.layout === asked) this.layout = undefined; }); // ask again next time
    }
    return this.layout;
  }

  private async send<R = Record<string, unknown>>(source: LogSource, op: string, rawArgs: OpArgs, log: LogEntry[]): Promise<CoreReply<R>> {
    const core = this.core();
    const args = this.argsFor(op, rawArgs);
    const after: After[] = [];
    for (const guard of this.guards) {
      const then = await guard.before(op, args, core);
      if (then) after.push(then);
    }
    const reply = await core.send(op, args, SLOW_OPS.has(op) ? 30_000 : undefined);
    this.lab.log.add(source, reply, log);
    for (const then of after) await then(reply);
    if (!reply.ok) throw new CoreError(op, reply.error ?? { kind: 'protocol', message: coreText.failed }, reply.syscalls, reply.shell);
    if (op === 'clone') this.adopt(typed<Cloned>(reply).result!);
    return typed<R>(reply);
  }

  /** The op's arguments with ${variables} filled in, numbers made numbers, and the
   *  lesson's container where the op needs one and none is named. */
  private argsFor(op: string, args: OpArgs): OpArgs {
    const spec = OPS[op];
    const vars = this.lab.vars;
    const out: OpArgs = {};
    for (const [k, v] of Object.entries(args)) {
      let val: unknown = typeof v === 'string' ? vars.subst(v) : Array.isArray(v) ? v.map((x) => (typeof x === 'string' ? vars.subst(x) : x)) : v;
      if (spec?.args[k] === 'int' && typeof val === 'string' && /^-?\d+$/.test(val)) val = Number(val);
      out[k] = val;
    }
    if (spec?.ct && out.ct === undefined && out.pid === undefined && out.netns === undefined) {
      if (!vars.get('ct')) throw new CoreError(op, { kind: 'state', message: text.noContainer });
      out.ct = vars.get('ct');
    }
    if (op === 'probe' && out.pid === undefined && vars.get('pid')) out.pid = Number(vars.get('pid'));
    return out;
  }

  /** A cloned container becomes the lesson's current one (${ct}, ${pid}). The core made
   *  it (and kills it when it closes); the ledger still lists it, so a crash of both
   *  leaves `boxlab cleanup` something to find. */
  private adopt(c: Cloned): void {
    this.lab.vars.set({ ct: c.ct, pid: String(c.pid) });
    this.lab.containers.add(c);
    this.lab.ledger.record({ kind: 'process', pid: c.pid, start: processStartTime(c.pid) }, this.lab.scope());
  }
}
