// A typed client of `boxcore serve` (native/PROTOCOL.md): spawn the core, send one JSON
// request per line, match each reply to its request by id. One method per op.
import { spawn, type ChildProcess, type StdioOptions } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import { boxcorePath } from './binary.ts';
import { CoreError, type CoreErrorInfo } from './errors.ts';
import { core as text } from '../text/index.ts';
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
   *  (boxlab run), 'pipe' lets the caller read container output (lessons, tests); or
   *  one for each (a detached container: no input, its output to the log writer). */
  stdio?: StdioMode | [StdioMode, StdioMode, StdioMode];
  binary?: string;
  /** Called with every reply, ok or not: the lab's syscall log listens here. */
  onReply?: (reply: CoreReply) => void;
  /** Run the core as this user (rootless: the core then makes a user namespace). */
  uid?: number;
  gid?: number;
  timeoutMs?: number;
}

type StdioMode = 'inherit' | 'pipe' | 'ignore';

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
    // A core that dies (killed, crashed) breaks its pipes: the next request written
    // fails with EPIPE, a read with ECONNRESET, each an 'error' event that would crash
    // node if nobody listened. Both say what the exit says: the core is gone. Every
    // request waiting fails then, and the caller unwinds its ledger as after any error.
    const broken = (err: NodeJS.ErrnoException) => this.gone(text.pipeBroke(err.code ?? err.message));
    requests.on('error', broken);
    replies.on('error', broken);
    child.on('error', broken);
    this.exited = new Promise((resolve) => child.once('exit', (code, signal) => {
      this.gone(signal ? text.killed(signal) : text.exited(code), true);
      resolve(code);
    }));
  }

  /** The core is gone (or its pipes are): fail what waits, refuse what comes. The exit's
   *  own words win over a broken pipe's, which usually come a moment before. */
  private gone(why: string, exited = false): void {
    if (!this.dead || exited) this.dead = why;
    this.failAll();
  }

  /** Start `boxcore serve --fds 3,4` and check it answers. */
  static async start(options: CoreOptions = {}): Promise<Core> {
    const io = options.stdio ?? 'pipe';
    const stdio: StdioOptions = [...(Array.isArray(io) ? io : [io, io, io]), 'pipe', 'pipe'];
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
          message: text.cannotStart(binary, err.message),
          hint: err.code === 'ENOENT' ? text.buildIt : undefined,
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
  /** The containers' fd 0 (stdio 'pipe'): end it to give them end-of-file, as a build's RUN has. */
  get stdin(): Writable | null { return this.child.stdin; }
  get stderr(): Readable | null { return this.child.stderr; }

  /** Send one request; resolve with the reply, or throw CoreError when it failed. */
  async call<R = Record<string, unknown>>(op: string, args: object = {}, timeoutMs?: number): Promise<CoreReply<R>> {
    const reply = await this.send(op, args, timeoutMs);
    if (!reply.ok) throw new CoreError(op, reply.error ?? { kind: 'protocol', message: text.failed }, reply.syscalls, reply.shell);
    return reply as CoreReply<R>;
  }

  /** Send one request and return the reply as it is, failed or not. */
  send(op: string, args: object = {}, timeoutMs = this.options.timeoutMs ?? DEFAULT_TIMEOUT_MS): Promise<CoreReply> {
    if (this.dead) return Promise.reject(new CoreError(op, { kind: 'exit', message: this.dead }));
    // Closing (the request pipe ended, the core not gone yet): a write now would throw.
    if (this.requests.writableEnded) return Promise.reject(new CoreError(op, { kind: 'exit', message: text.closing }));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new CoreError(op, { kind: 'timeout', message: text.noReply(timeoutMs) }));
      }, timeoutMs);
      this.pending.set(id, { op, resolve, reject, timer });
      // A failed write shows as the 'error' event above, which fails this request too.
      this.requests.write(JSON.stringify({ ...args, id, op }) + '\n', () => undefined);
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
      p.reject(new CoreError(p.op, { kind: 'exit', message: this.dead ?? text.gone }));
      this.pending.delete(id);
    }
  }

  /** End the session: the core kills every container it made, then exits. */
  async close(): Promise<void> {
    if (this.dead) {
      // Broken pipes, but the process may linger a moment: make sure it is gone.
      if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
      await this.exited;
      return;
    }
    this.requests.end();
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 3000);
    await this.exited;
    clearTimeout(timer);
  }

  get alive(): boolean { return !this.dead; }

  // ---- one method per op (native/PROTOCOL.md) ----

  async hello() { return (await this.call<Op.Hello>('hello')).result!; }

  /** With `into`, the init starts in that (existing) cgroup, before it can fork. */
  async clone(ns: Op.NamespaceName[], into?: Op.CgroupRef) {
    const cg = into ? { cgroup: into.cgroup, ...(into.parent !== undefined ? { cgroup_parent: into.parent } : {}) } : {};
    return (await this.call<Op.Cloned>('clone', { ns, ...cg })).result!;
  }

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

  /** The OCI runtime's linux.maskedPaths: hide each path (paths this kernel lacks are skipped). */
  async maskedPaths(ct: string, paths: string[]) { return (await this.call<Op.PathsProtected>('masked_paths', { ct, paths })).result!; }

  /** linux.readonlyPaths: make each path a read-only mount of its own (absent ones skipped). */
  async readonlyPaths(ct: string, paths: string[]) { return (await this.call<Op.PathsProtected>('readonly_paths', { ct, paths })).result!; }

  async devices(ct: string, root: string) { return (await this.call<{ created: string[] }>('devices', { ct, root })).result!; }

  /** One device node (--device): mknod, or a bind of `source` where mknod is not allowed. */
  async deviceNode(ct: string, spec: Op.DeviceNodeSpec) { return (await this.call<{ path: string }>('device_node', { ct, ...spec })).result!; }

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

  // ---- security, inside the container (native/PROTOCOL.md, "Security") ----

  /** Shrink the capability sets: keep only these, or drop these; ambient ones survive exec as non-root. */
  async caps(ct: string, change: Op.CapsChange) { return (await this.call<Op.CapsResult>('caps', { ct, ...change })).result!; }

  async noNewPrivs(ct: string) { await this.call('no_new_privs', { ct }); }

  /** The AppArmor profile the container's program gets at exec. */
  async apparmorExec(ct: string, profile: string) { return (await this.call<{ file: string }>('apparmor_exec', { ct, profile })).result!; }

  /** A seccomp filter: rules "NAME" (EPERM) or "NAME:ACTION"; default action `allow` unless given. */
  async seccomp(ct: string, rules: string[], defaultAction?: string) {
    return (await this.call<Op.SeccompResult>('seccomp', { ct, rules, ...(defaultAction ? { default: defaultAction } : {}) })).result!;
  }

  /** Become UID:GID with supplementary GROUPS (setgroups, setresgid, setresuid): USER. */
  async user(ct: string, ids: { uid: number; gid: number; groups?: number[] }) {
    await this.call('user', { ct, uid: ids.uid, gid: ids.gid, groups: (ids.groups ?? []).map(String) });
  }

  // ---- networking: `where` names the network namespace (see Op.NetTarget) ----

  async netnsAdd(name: string) { return (await this.call<Op.NetnsAdded>('netns_add', { name })).result!; }

  async netnsDel(netns: string) { await this.call('netns_del', { netns }); }

  /** A veth pair: NAME in `where`, PEER in `peerWhere` (default: the same namespace). */
  async vethAdd(where: Op.NetTarget, name: string, peer: string, peerWhere: Op.NetTarget = {}) {
    await this.call('veth_add', { ...where, ...prefixed('peer_', peerWhere), name, peer });
  }

  async bridgeAdd(where: Op.NetTarget, name: string) { await this.call('bridge_add', { ...where, name }); }

  async vxlanAdd(where: Op.NetTarget, spec: Op.VxlanSpec) { await this.call('vxlan_add', { ...where, ...spec }); }

  async linkUp(where: Op.NetTarget, dev: string) { await this.call('link_up', { ...where, dev }); }

  async linkDown(where: Op.NetTarget, dev: string) { await this.call('link_down', { ...where, dev }); }

  /** Move a link into another network namespace, renaming it on the way when `name` is given. */
  async linkMove(where: Op.NetTarget, dev: string, to: Op.NetTarget, name?: string) {
    await this.call('link_move', { ...where, ...prefixed('to_', to), dev, ...(name ? { name } : {}) });
  }

  async linkRename(where: Op.NetTarget, dev: string, name: string) { await this.call('link_rename', { ...where, dev, name }); }

  /** Make dev a port of bridge `master`; null takes it off its bridge. */
  async linkMaster(where: Op.NetTarget, dev: string, master: string | null) {
    await this.call('link_master', { ...where, dev, master: master ?? '' });
  }

  async linkDel(where: Op.NetTarget, dev: string) { await this.call('link_del', { ...where, dev }); }

  async addrAdd(where: Op.NetTarget, dev: string, addr: string) { await this.call('addr_add', { ...where, dev, addr }); }

  async routeAdd(where: Op.NetTarget, route: Op.RouteSpec) { await this.call('route_add', { ...where, ...route }); }

  async sysctl(where: Op.NetTarget, key: string, value: string) {
    return (await this.call<Op.SysctlSet>('sysctl', { ...where, key, value })).result!;
  }

  /** Everything in one network namespace: links, addresses, routes, neighbours (rtnetlink). */
  async netDump(where: Op.NetTarget) { return (await this.call<Op.NetDump>('net_dump', { ...where })).result!; }

  async natMasquerade(where: Op.NetTarget, table: string, source: string, excludeDev?: string, tool?: Op.NatTool) {
    return (await this.call<Op.NatDone>('nat_masquerade', { ...where, table, source, ...(excludeDev ? { exclude_dev: excludeDev } : {}), ...(tool ? { tool } : {}) })).result!;
  }

  async natDnat(where: Op.NetTarget, table: string, spec: Op.DnatSpec, tool?: Op.NatTool) {
    return (await this.call<Op.NatDone>('nat_dnat', { ...where, table, ...spec, ...(tool ? { tool } : {}) })).result!;
  }

  async natDel(where: Op.NetTarget, table: string, tool?: Op.NatTool) {
    await this.call('nat_del', { ...where, table, ...(tool ? { tool } : {}) });
  }
  /** Keep a bridge's containers apart from other bridges (and, icc false, from each other). */
  async netIsolate(where: Op.NetTarget, table: string, spec: Op.IsolateSpec, tool?: Op.NatTool) {
    return (await this.call<Op.NatDone>('net_isolate', { ...where, table, ...spec, ...(tool ? { tool } : {}) })).result!;
  }


  // ---- cgroups (native/PROTOCOL.md, "Cgroups"): a group is named by Op.CgroupRef ----

  async cgroupLayout() { return (await this.call<Op.CgroupLayout>('cgroup_layout')).result!; }

  /** What cgroupCreate would make, without making anything (the ledger records it first). */
  async cgroupPlan(ref: Op.CgroupRef, controllers?: string[]) {
    return (await this.call<Op.CgroupPlan>('cgroup_plan', { ...ref, ...(controllers ? { controllers } : {}) })).result!;
  }

  async cgroupCreate(ref: Op.CgroupRef, controllers?: string[]) {
    return (await this.call<Op.CgroupPlan>('cgroup_create', { ...ref, ...(controllers ? { controllers } : {}) })).result!;
  }

  /** Write one file; on v1, files every tree has (cgroup.procs) need `controller`. */
  async cgroupSet(ref: Op.CgroupRef, file: string, value: string, controller?: string) {
    return (await this.call<{ path: string }>('cgroup_set', { ...ref, file, value, ...(controller ? { controller } : {}) })).result!;
  }

  async cgroupGet(ref: Op.CgroupRef, file: string, controller?: string) {
    return (await this.call<{ path: string; value: string }>('cgroup_get', { ...ref, file, ...(controller ? { controller } : {}) })).result!;
  }

  async cgroupFreeze(ref: Op.CgroupRef) { await this.call('cgroup_freeze', { ...ref }); }

  async cgroupThaw(ref: Op.CgroupRef) { await this.call('cgroup_thaw', { ...ref }); }

  /** SIGKILL every process in the group and wait until it is empty. */
  async cgroupKill(ref: Op.CgroupRef) { return (await this.call<{ killed: number }>('cgroup_kill', { ...ref })).result!; }

  /** rmdir the group in every tree, retrying while exiting processes still hold it. */
  async cgroupRemove(ref: Op.CgroupRef, timeoutMs = 2000) {
    return (await this.call<{ removed: string[] }>('cgroup_remove', { ...ref, timeout_ms: timeoutMs }, timeoutMs + 5_000)).result!;
  }

  /** The device controller: rules in order ("allow c 1:3 rwm", "deny a"), every device denied before the first. */
  async cgroupDevices(ref: Op.CgroupRef, rules: string[]) {
    return (await this.call<Op.CgroupDevices>('cgroup_devices', { ...ref, rules })).result!;
  }
}

/** {ct: 'c1'} -> {peer_ct: 'c1'}: how an op names a second namespace. */
function prefixed(prefix: string, target: Op.NetTarget): Record<string, unknown> {
  return Object.fromEntries(Object.entries(target).map(([k, v]) => [prefix + k, v]));
}
