// A typed client of `boxcore serve` (native/PROTOCOL.md): spawn the core, send one JSON
// request per line, match each reply to its request by id. One method per op.
import { spawn, type ChildProcess, type StdioOptions } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import { boxcorePath } from './binary.ts';
import { CoreError, type CoreErrorInfo } from './errors.ts';
import type * as Op from './ops.ts';

export interface CoreReply<R = Record<string, unknown>> {
  id?: number;
  op: string;
  ok: boolean;
  result?: R;
  error?: CoreErrorInfo;
  syscalls: string[];
  shell: string;
}

export interface CoreOptions {
  /** fds 0-2 of the core, which containers inherit: 'inherit' hands them this terminal
   *  (boxlab run), 'pipe' lets the caller read container output (lessons, tests). */
  stdio?: 'inherit' | 'pipe' | 'ignore';
  binary?: string;
  /** Called with every reply, ok or not: the lab's syscall log listens here. */
  onReply?: (reply: CoreReply) => void;
  /** Run the core as this user (rootless: the core then makes a user namespace). */
  uid?: number;
  gid?: number;
  timeoutMs?: number;
}

interface Pending {
  op: string;
  resolve: (reply: CoreReply) => void;
  reject: (err: Error) => void;
  timer: NodeJS.Timeout;
}

const DEFAULT_TIMEOUT_MS = 15_000;

export class Core {
  readonly pid: number;
  private nextId = 1;
  private pending = new Map<number, Pending>();
  private exited: Promise<number | null>;
  private dead?: string;

  private constructor(
    private child: ChildProcess,
    private requests: Writable,
    replies: Readable,
    private options: CoreOptions,
  ) {
    this.pid = child.pid!;
    createInterface({ input: replies }).on('line', (line) => this.onLine(line));
    this.exited = new Promise((resolve) => child.once('exit', (code, signal) => {
      this.dead = signal ? `the core was killed by ${signal}` : `the core exited with status ${code}`;
      this.failAll();
      resolve(code);
    }));
  }

  /** Start `boxcore serve --fds 3,4` and check it answers. */
  static async start(options: CoreOptions = {}): Promise<Core> {
    const io = options.stdio ?? 'pipe';
    const stdio: StdioOptions = [io, io, io, 'pipe', 'pipe'];
    const binary = options.binary ?? boxcorePath();
    // BOXLAB_OWNER marks the core and its puppets as this process's, so a check for
    // leftovers can tell them from another boxlab's running beside it.
    const env = { ...process.env, BOXLAB_OWNER: String(process.pid) };
    const child = spawn(binary, ['serve', '--fds', '3,4'], { stdio, env, uid: options.uid, gid: options.gid });
    await new Promise<void>((resolve, reject) => {
      child.once('spawn', resolve);
      child.once('error', (err: NodeJS.ErrnoException) =>
        reject(new CoreError('start', {
          kind: 'exit',
          message: `cannot start the core (${binary}): ${err.message}`,
          hint: err.code === 'ENOENT' ? 'build it with: npm run build (or make -C native)' : undefined,
        })));
    });
    const core = new Core(child, child.stdio[3] as Writable, child.stdio[4] as Readable, options);
    Core.running.add(core);
    void core.exited.then(() => Core.running.delete(core));
    await core.hello();
    return core;
  }

  /** Every core this process started that still runs. */
  private static running = new Set<Core>();

  /** Close every core (each kills its containers): the last thing a process does. */
  static async closeAll(): Promise<void> {
    await Promise.all([...Core.running].map((c) => c.close()));
  }

  /** The core's fds 1 and 2 when started with stdio 'pipe': what containers printed. */
  get stdout(): Readable | null { return this.child.stdout; }
  get stderr(): Readable | null { return this.child.stderr; }

  /** Send one request; resolve with the reply, or throw CoreError when it failed. */
  async call<R = Record<string, unknown>>(op: string, args: object = {}, timeoutMs?: number): Promise<CoreReply<R>> {
    const reply = await this.send(op, args, timeoutMs);
    if (!reply.ok) throw new CoreError(op, reply.error ?? { kind: 'protocol', message: 'failed' }, reply.syscalls, reply.shell);
    return reply as CoreReply<R>;
  }

  /** Send one request and return the reply as it is, failed or not. */
  send(op: string, args: object = {}, timeoutMs = this.options.timeoutMs ?? DEFAULT_TIMEOUT_MS): Promise<CoreReply> {
    if (this.dead) return Promise.reject(new CoreError(op, { kind: 'exit', message: this.dead }));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new CoreError(op, { kind: 'timeout', message: `no reply within ${timeoutMs} ms` }));
      }, timeoutMs);
      this.pending.set(id, { op, resolve, reject, timer });
      this.requests.write(JSON.stringify({ ...args, id, op }) + '\n');
    });
  }

  /** Write a raw line (tests of the protocol's error handling use this). */
  sendRaw(line: string): void {
    this.requests.write(line.endsWith('\n') ? line : line + '\n');
  }

  private onLine(line: string): void {
    let reply: CoreReply;
    try {
      reply = JSON.parse(line) as CoreReply;
    } catch {
      return; // not ours to interpret; the core never prints anything but replies here
    }
    reply.syscalls ??= [];
    reply.shell ??= '';
    this.options.onReply?.(reply);
    const waiting = reply.id === undefined ? undefined : this.pending.get(reply.id);
    if (!waiting) return;
    this.pending.delete(reply.id!);
    clearTimeout(waiting.timer);
    waiting.resolve(reply);
  }

  private failAll(): void {
    for (const [id, p] of this.pending) {
      clearTimeout(p.timer);
      p.reject(new CoreError(p.op, { kind: 'exit', message: this.dead ?? 'the core is gone' }));
      this.pending.delete(id);
    }
  }

  /** End the session: the core kills every container it made, then exits. */
  async close(): Promise<void> {
    if (this.dead) return;
    this.requests.end();
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 3000);
    await this.exited;
    clearTimeout(timer);
  }

  get alive(): boolean { return !this.dead; }

  // ---- one method per op (native/PROTOCOL.md) ----

  async hello() { return (await this.call<Op.Hello>('hello')).result!; }

  async clone(ns: Op.NamespaceName[]) { return (await this.call<Op.Cloned>('clone', { ns })).result!; }

  async idmap(ct: string, maps: { uid?: string; gid?: string; setgroups?: 'deny' | 'allow' }) {
    await this.call('idmap', { ct, ...maps });
  }

  async sethostname(ct: string, name: string) { await this.call('sethostname', { ct, name }); }

  async setdomainname(ct: string, name: string) { await this.call('setdomainname', { ct, name }); }

  async propagation(ct: string, mode: Op.Propagation, path = '/', recursive = true) {
    await this.call('propagation', { ct, mode, path, recursive });
  }

  async mount(ct: string, spec: Op.MountSpec) { await this.call('mount', { ct, ...spec }); }

  async umount(ct: string, target: string, detach = false) { await this.call('umount', { ct, target, detach }); }

  async readonly(ct: string, target: string) { await this.call('readonly', { ct, target }); }

  async devices(ct: string, root: string) { return (await this.call<{ created: string[] }>('devices', { ct, root })).result!; }

  async pivotRoot(ct: string, root: string) { await this.call('pivot_root', { ct, root }); }

  async chroot(ct: string, root: string) { await this.call('chroot', { ct, root }); }

  async chdir(ct: string, path: string) { await this.call('chdir', { ct, path }); }

  async spawnInside(ct: string, argv: string[], opts: Op.SpawnOptions = {}) {
    const timeout = (opts.timeout_ms ?? 10_000) + 5_000;
    return (await this.call<Op.Captured>('spawn', { ct, argv, ...opts }, timeout)).result!;
  }

  async exec(ct: string, argv: string[], opts: Op.ExecOptions = {}) {
    return (await this.call<{ pid: number }>('exec', { ct, argv, ...opts })).result!;
  }

  async signal(target: Op.Target, sig: string | number) { await this.call('signal', { ...target, sig }); }

  async wait(target: Op.Target, timeoutMs = 10_000) {
    return (await this.call<Op.Finished>('wait', { ...target, timeout_ms: timeoutMs }, timeoutMs + 5_000)).result!;
  }

  async join(target: Op.Target, argv: string[], opts: Op.JoinOptions = {}) {
    const timeout = (opts.timeout_ms ?? 10_000) + 5_000;
    return (await this.call<Op.Captured>('join', { ...target, argv, ...opts }, timeout)).result!;
  }

  async probe(pid: number, what: ('uts' | 'ipc')[]) {
    return (await this.call<Op.Probed>('probe', { pid, what })).result!;
  }

  async destroy(ct: string) { await this.call('destroy', { ct }); }

  async list() { return (await this.call<{ containers: Op.Listed[] }>('list')).result!.containers; }
}
