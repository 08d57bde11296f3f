// A Docker engine of the lab's own: Debian's dockerd (with the containerd it starts,
// the shims and runc beneath it) run so that it changes nothing on the host.
//
// It is started as a container of the core, composed of the same ops as any other:
//   clone mnt,net into a bl- cgroup   its own network namespace (docker0, the veths
//                                     and the DOCKER iptables chains land there) and
//                                     mount namespace; born in the lab's group G
//   propagation private               its mounts (overlay2's, the containers') stay in it
//   --cgroup-parent=docker            relative: runc makes a container's group beneath
//                                     its own (the shim's, dockerd's: G/daemon), so
//                                     Docker's groups are beneath G in every hierarchy
//   a hybrid's unified tree: G bound  runc (1.1) puts the unified part of a container's
//     over its mount point            group at the tree's top whatever the parent says:
//                                     seen from dockerd, G is that top
//   tmpfs on /run (the sandbox dir    containerd's shim sockets (/run/containerd/s) and
//     bound back in), and on /opt     its plugin directory (/opt/containerd) stay in it
//   /proc/sys/kernel/keys/root_maxkeys  dockerd raises that host-wide limit at start
//     covered with "1000000"          when it is lower; here it reads it high enough
//   exec dockerd                      --data-root, --exec-root, -H unix://..., --pidfile
//                                     and its config in the sandbox directory
// The directory, the core, the cgroups and dockerd are in the ledger before they
// exist: stop() (every way out of boxlab runs it), or `boxlab cleanup` after a SIGKILL,
// kills what is left in the cgroups and removes it all. Images come from boxlab (a
// docker-archive, `docker load`): nothing is pulled.
import { execFile } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, readFileSync, writeFileSync, type WriteStream } from 'node:fs';
import { request } from 'node:http';
import { basename, join } from 'node:path';
import { Core, type CgroupRef } from '../core/index.ts';
import { blName, processStartTime, type Ledger } from '../ledger/index.ts';
import { which } from '../runtime/programs.ts';
import { engine as t } from '../text/index.ts';

export class EngineError extends Error {}

export interface EnginePrograms {
  dockerd: string;
  /** The client of the same package (/usr/bin/docker), or the first docker on PATH. */
  docker: string;
  containerd: string;
  runc: string;
}

/** The programs the engine needs, or which package brings the first one missing. */
export function enginePrograms(): EnginePrograms | { missing: string; pkg: string } {
  const dockerd = which('dockerd');
  if (!dockerd) return { missing: 'dockerd', pkg: 'docker.io' };
  const containerd = which('containerd');
  if (!containerd) return { missing: 'containerd', pkg: 'containerd' };
  const runc = which('runc');
  if (!runc) return { missing: 'runc', pkg: 'runc' };
  const sibling = join(dockerd.replace(/\/s?bin\/dockerd$/, ''), 'bin', 'docker');
  const docker = existsSync(sibling) ? sibling : which('docker');
  if (!docker) return { missing: 'docker', pkg: 'docker.io' };
  return { dockerd, docker, containerd, runc };
}

/** Where dockerd's group goes: the sandbox's bl- group, and its leaf `daemon`
 *  (cgroup v2 lets only leaves hold processes once controllers are handed down). */
const DAEMON = 'daemon';
/** Docker's containers: beneath the daemon's group, as docker/<id>. */
const CGROUP_PARENT = 'docker';
/** dockerd raises /proc/sys/kernel/keys/root_maxkeys to this when lower. */
const ROOT_MAXKEYS = 1_000_000;
/** A bound on a hang, not a speed: dockerd answers within seconds here, but took over
 *  30 s in the cgroup-v2 guest, whose CPUs are emulated, on a busy machine. */
const START_TIMEOUT_MS = 90_000;
const STOP_TIMEOUT_MS = 20_000;

export interface DockerResult { code: number; stdout: string; stderr: string }

/** The mounted cgroup hierarchies the core does not manage (v1 trees of other
 *  controllers, named ones such as name=systemd, hybrid's unified tree), with this
 *  process's group in each: runc makes a container's group in every hierarchy, so
 *  dockerd must be in a lab group in each of them too. */
function otherHierarchies(managed: string[]): { mount: string; own: string; v2: boolean }[] {
  const mine = new Map<string, string>();
  for (const line of readFileSync('/proc/self/cgroup', 'utf8').split('\n').filter(Boolean)) {
    const [, ctrls = '', path = '/'] = line.split(':');
    mine.set(ctrls, path);
  }
  return cgroupMounts().flatMap(({ mount, type, opts }) => {
    if (managed.includes(mount)) return [];
    const key = type === 'cgroup2' ? '' : [...mine.keys()].find((k) => k !== '' && k.split(',').every((c) => opts.includes(c)));
    const own = key === undefined ? undefined : mine.get(key);
    return own === undefined ? [] : [{ mount, own, v2: type === 'cgroup2' }];
  });
}

export class DockerEngine {

  private constructor(
    readonly dir: string,
    readonly programs: EnginePrograms,
    private core: Core,
    private ledger: Ledger,
    private scope: string,
    private ct: string,
    /** dockerd's pid, as the host sees it. */
    readonly pid: number,
    /** The lab's group: Docker's containers are beneath it. */
    readonly group: CgroupRef,
    private log: WriteStream,
  ) {}

  get socket(): string { return join(this.dir, 'docker.sock'); }
  /** dockerd's network namespace, for nsenter --net and the lab's views. */
  get netns(): string { return `/proc/${this.pid}/ns/net`; }
  get logFile(): string { return join(this.dir, 'dockerd.log'); }

  static async start(ledger: Ledger): Promise<DockerEngine> {
    const programs = enginePrograms();
    if ('missing' in programs) throw new EngineError(t.missing(programs.missing, programs.pkg));
    const dir = join(ledger.root, blName('docker'));
    const scope = basename(dir);
    await ledger.track({ kind: 'dir', path: dir }, () => {
      for (const d of ['data', 'exec', 'client']) mkdirSync(join(dir, d), { recursive: true, mode: 0o700 });
      // A config of its own: the host's /etc/docker/daemon.json (if any) is not read,
      // and the key dockerd 20.10 makes at start goes here, not to /etc/docker/key.json.
      writeFileSync(join(dir, 'daemon.json'), `${JSON.stringify({ 'deprecated-key-path': join(dir, 'key.json') })}\n`);
      writeFileSync(join(dir, 'root_maxkeys'), `${ROOT_MAXKEYS}\n`);
    }, scope);
    const core = await Core.start({ stdio: 'pipe' });
    ledger.record({ kind: 'process', pid: core.pid, start: processStartTime(core.pid) }, scope);
    const log = createWriteStream(join(dir, 'dockerd.log'), { mode: 0o600 });
    log.on('error', () => undefined); // the log is a convenience: losing it must not stop anything
    let tail = '';
    for (const s of [core.stdout, core.stderr]) {
      s?.on('data', (b: Buffer) => {
        if (!log.writableEnded) log.write(b);
        tail = (tail + b.toString()).slice(-4000);
      });
    }
    core.stdin?.end();
    try {
      const group = await DockerEngine.makeGroups(core, ledger, scope);
      const { ct, pid } = await core.clone(['mnt', 'net'], { cgroup: DAEMON, parent: group.cgroup });
      const unified: { mount: string; dir: string }[] = [];
      for (const h of otherHierarchies(group.managed)) {
        const top = join(h.mount, h.own, group.cgroup);
        ledger.record({ kind: 'cgroup', path: top }, scope);
        mkdirSync(join(top, DAEMON), { recursive: true });
        writeFileSync(join(top, DAEMON, 'cgroup.procs'), String(pid));
        if (h.v2 && group.layout === 'hybrid') unified.push({ mount: h.mount, dir: top });
      }
      await core.linkUp({ ct }, 'lo');
      await core.propagation(ct, 'private', '/', true);
      for (const u of unified) await core.mount(ct, { type: 'bind', source: u.dir, target: u.mount, mkdir: false });
      // The sandbox dir may itself be under /run: held as the puppet's working
      // directory, it is bound back in over the new tmpfs.
      await core.chdir(ct, dir);
      await core.mount(ct, { type: 'tmpfs', target: '/run', options: 'mode=755' });
      if (dir.startsWith('/run/')) await core.mount(ct, { type: 'bind', source: '/proc/self/cwd', target: dir });
      await core.chdir(ct, '/');
      if (existsSync('/opt')) await core.mount(ct, { type: 'tmpfs', target: '/opt', options: 'mode=755', mkdir: false });
      await core.mount(ct, { type: 'bind', source: join(dir, 'root_maxkeys'), target: '/proc/sys/kernel/keys/root_maxkeys', mkdir: false });
      ledger.record({ kind: 'process', pid, start: processStartTime(pid) }, scope);
      const engine = new DockerEngine(dir, programs, core, ledger, scope, ct, pid, { cgroup: DAEMON, parent: group.cgroup }, log);
      await core.exec(ct, [programs.dockerd, ...engine.daemonArgs()], { env: engine.daemonEnv(), cwd: '/', stdio: 'inherit' });
      await engine.waitReady(() => tail);
      return engine;
    } catch (err) {
      await core.close();
      log.end();
      await ledger.unwind(scope);
      throw err;
    }
  }

  /** The lab's bl- group and its `daemon` leaf, in each hierarchy the core manages
   *  (the devices tree too: runc sets a container's device rules there). */
  private static async makeGroups(core: Core, ledger: Ledger, scope: string): Promise<{ cgroup: string; layout: string; managed: string[] }> {
    const cgroup = blName('docker');
    const layout = await core.cgroupLayout();
    const ref: CgroupRef = { cgroup: DAEMON, parent: cgroup };
    const controllers = layout.layout === 'v2' ? undefined : ['devices'];
    const plan = await core.cgroupPlan(ref, controllers);
    for (const path of plan.create) ledger.record({ kind: 'cgroup', path }, scope);
    await core.cgroupCreate(ref, controllers);
    const mounts = cgroupMounts();
    return { cgroup, layout: layout.layout, managed: plan.groups.map((g) => mountOf(g.path, mounts)) };
  }

  private daemonArgs(): string[] {
    const d = this.dir;
    return [
      `--config-file=${join(d, 'daemon.json')}`,
      `--data-root=${join(d, 'data')}`,
      `--exec-root=${join(d, 'exec')}`,
      `--pidfile=${join(d, 'dockerd.pid')}`,
      `--host=unix://${this.socket}`,
      '--exec-opt=native.cgroupdriver=cgroupfs',
      `--cgroup-parent=${CGROUP_PARENT}`,
      '--containerd-namespace=moby',
      '--log-level=warn',
      // On stop, containers get 2 s after SIGTERM (Docker's default is 10).
      '--shutdown-timeout=2',
    ];
  }

  private daemonEnv(): string[] {
    return [
      'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
      'HOME=/root',
      // Marks dockerd (and what it starts) as this boxlab's, as the core is.
      `BOXLAB_OWNER=${process.pid}`,
    ];
  }

  /** Has dockerd ended? Asked of the core in a short slice: a long wait would hold
   *  the core, and a signal sent meanwhile would wait behind it. */
  private async ended(ms = 0): Promise<boolean> {
    if (!this.core.alive) return true;
    try {
      await this.core.wait({ ct: this.ct }, ms);
      return true;
    } catch (err) {
      if ((err as { kind?: string }).kind === 'timeout') return false;
      return true;
    }
  }

  /** Ask GET /_ping on the socket until it answers OK, dockerd exits, or time runs out. */
  private async waitReady(tail: () => string): Promise<void> {
    const end = Date.now() + START_TIMEOUT_MS;
    let exited = false;
    while (Date.now() < end && !(exited = await this.ended())) {
      if (await this.ping()) return;
      await new Promise((r) => setTimeout(r, 100));
    }
    const last = tail().trim().split('\n').slice(-3).join(' | ');
    throw new EngineError(exited ? t.exitedAtStart(this.logFile, last) : t.noAnswer(START_TIMEOUT_MS / 1000, this.logFile, last));
  }

  private ping(): Promise<boolean> {
    return new Promise((resolve) => {
      const req = request({ socketPath: this.socket, path: '/_ping', timeout: 1000 }, (res) => {
        res.resume();
        resolve(res.statusCode === 200);
      });
      req.on('error', () => resolve(false));
      req.on('timeout', () => { req.destroy(); resolve(false); });
      req.end();
    });
  }

  /** What points docker and ctr at this engine: its socket, containerd's, and a client
   *  config dir of its own (never ~/.docker). */
  get clientEnv(): Record<string, string> {
    return {
      DOCKER_HOST: `unix://${this.socket}`,
      DOCKER_CONFIG: join(this.dir, 'client'),
      // dockerd's managed containerd listens in its exec-root.
      CONTAINERD_ADDRESS: join(this.dir, 'exec', 'containerd', 'containerd.sock'),
    };
  }

  /** The docker client against this engine. */
  docker(args: string[], opts: { timeoutMs?: number } = {}): Promise<DockerResult> {
    return new Promise((resolve) => {
      execFile(this.programs.docker, args, {
        env: { ...process.env, ...this.clientEnv },
        timeout: opts.timeoutMs ?? 60_000,
        maxBuffer: 16 << 20,
        encoding: 'utf8',
      }, (err, stdout, stderr) => {
        const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : 1) : 0;
        resolve({ code, stdout, stderr });
      });
    });
  }

  /** SIGTERM (dockerd stops its containers and containerd), then whatever is left in
   *  the lab's groups is killed, and every resource removed. `graceful: false` skips
   *  the SIGTERM: for an engine whose containers and data go with it anyway (a
   *  lesson's), where waiting for dockerd to stop each container only costs time. */
  async stop({ graceful = true }: { graceful?: boolean } = {}): Promise<void> {
    if (!graceful) await this.core.signal({ ct: this.ct }, 'KILL').catch(() => undefined);
    if (!(await this.ended())) {
      await this.core.signal({ ct: this.ct }, 'TERM').catch(() => undefined);
      const end = Date.now() + STOP_TIMEOUT_MS;
      while (Date.now() < end && !(await this.ended(250)));
      if (!(await this.ended())) await this.core.signal({ ct: this.ct }, 'KILL').catch(() => undefined);
    }
    await this.core.close();
    this.log.end();
    await this.ledger.unwindOrThrow(this.scope);
  }
}

function cgroupMounts(): { mount: string; type: string; opts: string[] }[] {
  return readFileSync('/proc/self/mountinfo', 'utf8').split('\n').filter(Boolean).flatMap((line) => {
    const f = line.split(' ');
    const sep = f.indexOf('-');
    const type = f[sep + 1]!;
    return type === 'cgroup' || type === 'cgroup2' ? [{ mount: f[4]!, type, opts: (f[sep + 3] ?? '').split(',') }] : [];
  });
}

/** The hierarchy a cgroup directory is in: the longest cgroup mount above it. */
function mountOf(path: string, mounts: { mount: string }[]): string {
  return mounts.map((m) => m.mount).filter((m) => path.startsWith(`${m}/`)).sort((a, b) => b.length - a.length)[0] ?? path;
}
