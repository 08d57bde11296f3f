// A whole container, composed from the same core ops the lessons take one at a time:
// clone -> uid/gid maps -> private mounts -> overlay root -> /proc, /sys, /dev, volumes
// -> pivot_root -> read-only root -> hostname -> read-only and masked paths ->
// no_new_privs -> capabilities -> exec -> wait (runc's order; security.ts).
import { chmodSync, existsSync, lchownSync, mkdirSync, statSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { Core, type CoreOptions, type Finished, type NamespaceName } from '../core/index.ts';
import { blName, processStartTime, type Ledger } from '../ledger/index.ts';
import { attachBridge, loopbackUp, netErrors, type Attached, type NetMode, type Publish } from './network.ts';
import { attachNetwork, writeResolvConf } from './networks.ts';
import { runtime } from '../text/index.ts';
import { needsGroup, type Limits } from './cgroup-flags.ts';
import { applyOomScore, makeGroup, removeGroup, type Group } from './cgroups.ts';
import { confine, securityErrors, type Security } from './security.ts';
import { confineDevices, deviceCgroupHere, deviceErrors, makeDeviceNodes, type Devices } from './devices.ts';
import { appArmorErrors, applyAppArmor, macHost, profileFor } from './apparmor.ts';

export interface Volume { source: string; target: string; readonly: boolean }

export interface RunSpec {
  rootfs: string;
  /** Overlay lower directories, top first, instead of [rootfs]: an image's layers
   *  (boxlab build runs each RUN over the layers made so far). */
  lowers?: string[];
  /** The overlay's upper directory, when the caller keeps it afterwards (a build's
   *  new layer); by default it is the container's own, removed with it. */
  upper?: string;
  argv: string[];
  /** The working directory of argv (default /). */
  cwd?: string;
  ns: NamespaceName[];
  hostname?: string;
  volumes: Volume[];
  tmpfs: string[];
  readOnly: boolean;
  env: string[];
  /** Rootless: the core runs as this uid/gid and maps root inside to it. */
  rootless?: { uid: number; gid: number };
  /** The network (see network.ts): none (the default), host, bridge, or a user-defined
   *  network (net 'network', named by `network`: networks.ts); -p for the last two. */
  net?: NetMode;
  network?: string;
  /** The container's name: on a user-defined network, what the others look it up by. */
  name?: string;
  publish?: Publish[];
  /** Resource limits: Docker's flags, parsed (cgroup-flags.ts). */
  limits?: Limits;
  /** Capabilities, masked paths, no_new_privs: Docker's defaults and flags (security.ts). */
  security: Security;
  /** The device cgroup (Docker's rules, --device, --device-cgroup-rule: devices.ts);
   *  absent, the container gets none (a build's RUN). Rootless containers get none. */
  devices?: Devices;
  /** A cgroup of its own even without limits: a detached container's, which boxlab
   *  stats reads. */
  ownGroup?: boolean;
}

export const DEFAULT_ENV = [
  'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
  'HOME=/root',
  `TERM=${process.env.TERM ?? 'xterm'}`,
];

/** A container being made or running; `stop` is safe to call at any point. */
export class Container {
  ct?: string;
  pid?: number;
  network?: Attached;
  /** The container's own cgroup (named like its directory), when the flags want one. */
  group?: Group;
  /** The AppArmor profile its program runs under, if any. */
  apparmor?: string;

  /** Its ledger entries carry this scope, so stop() unwinds what it made and nothing
   *  else (a build makes many containers under one ledger). */
  private constructor(readonly core: Core, readonly dir: string, private coreEntry: number, private scope: string) {}

  get upper(): string { return join(this.dir, 'upper'); }

  /** The container's working directory on the host: upper, work and merged for overlay. */
  static async create(spec: RunSpec, ledger: Ledger, coreOptions: CoreOptions = {}): Promise<Container> {
    // In the ledger's state root, the one place its entries may point.
    const dir = join(ledger.root, blName('run'));
    const scope = basename(dir);
    // A rootless core must reach its overlay dirs through the state root.
    if (spec.rootless) chmodSync(ledger.root, 0o755);
    // Handed to the rootless user: their directories in it are removed as them.
    await ledger.track({ kind: 'dir', path: dir, ...(spec.rootless ? { user: spec.rootless.uid } : {}) }, () => {
      for (const d of ['', 'upper', 'work', 'merged']) mkdirSync(join(dir, d), { mode: 0o755 });
      if (!spec.rootless) return;
      // The run directory stays root's, so no one else can rename or replace a name in
      // it; searchable (whatever the umask), since the core that mounts is the user's.
      for (const d of ['', 'merged']) chmodSync(join(dir, d), 0o755);
      // The overlay's upper and work dirs must belong to whoever mounts it: root inside
      // a user namespace is an unprivileged uid out here. Only they are handed over.
      for (const d of ['upper', 'work']) lchownSync(join(dir, d), spec.rootless.uid, spec.rootless.gid);
    }, scope);
    const core = await Core.start({ ...coreOptions, uid: spec.rootless?.uid, gid: spec.rootless?.gid });
    // The core's containers die with it (PR_SET_PDEATHSIG); the ledger names it for
    // `boxlab cleanup` in case this process is killed before it can say goodbye.
    const entry = ledger.record({ kind: 'process', pid: core.pid, start: processStartTime(core.pid) }, scope);
    return new Container(core, dir, entry.id, scope);
  }

  /** Build the container up to the point of exec. */
  async prepare(spec: RunSpec, ledger?: Ledger): Promise<void> {
    const { core } = this;
    const merged = join(this.dir, 'merged');
    const ns = spec.ns;
    // The cgroup comes first: the init is born in it, so nothing it forks escapes,
    // with its device rules in place before it can open anything. A detached container
    // gets one even without limits (ownGroup): boxlab stats reads it.
    const devices = spec.devices && !spec.rootless && deviceCgroupHere() ? spec.devices : undefined;
    const wantsGroup = spec.ownGroup || (spec.limits !== undefined && needsGroup(spec.limits)) || devices !== undefined;
    if (wantsGroup && ledger) {
      this.group = await makeGroup(core, ledger, basename(this.dir), spec.limits ?? {}, this.scope, devices ? ['devices'] : []);
      if (devices) await confineDevices(core, this.group.ref, devices, spec.security.privileged);
    }
    const { ct, pid } = await core.clone(ns, this.group?.ref);
    this.ct = ct;
    this.pid = pid;
    if (spec.limits) applyOomScore(spec.limits, pid);
    if (ns.includes('user')) {
      const uid = spec.rootless?.uid ?? 0;
      const gid = spec.rootless?.gid ?? 0;
      await core.idmap(ct, { uid: `0 ${uid} 1`, gid: `0 ${gid} 1` });
    }
    // A new network namespace holds only loopback, and it starts down.
    if (ns.includes('net')) await loopbackUp(core, ct);
    if (spec.net === 'bridge' && ledger) this.network = await attachBridge(core, ledger, ct, spec.publish ?? [], this.scope);
    if (spec.net === 'network' && spec.network && ledger) {
      this.network = await attachNetwork(core, ledger, ct, spec.network, spec.name, spec.publish ?? [], this.scope);
      writeResolvConf(spec.upper ?? this.upper, this.network.nameserver!);
    }
    // Mount events must not leak back to the host, nor the host's into the container.
    await core.propagation(ct, 'private', '/', true);
    await core.mount(ct, { type: 'overlay', target: merged, lower: spec.lowers ?? [spec.rootfs], upper: spec.upper ?? this.upper, work: join(this.dir, 'work') });
    await core.mount(ct, { type: 'proc', target: join(merged, 'proc') });
    // sysfs shows the network devices of the mounter's netns; the kernel only lets a
    // process mount it when it owns that netns, and showing the host's would mislead.
    if (ns.includes('net')) await core.mount(ct, { type: 'sysfs', target: join(merged, 'sys'), readonly: true });
    await core.devices(ct, merged);
    if (spec.devices?.mappings.length) await makeDeviceNodes(core, ct, merged, spec.devices, ns.includes('user'));
    for (const t of spec.tmpfs) await core.mount(ct, { type: 'tmpfs', target: join(merged, t), options: 'mode=1777' });
    for (const v of spec.volumes) {
      await core.mount(ct, { type: 'bind', source: v.source, target: join(merged, v.target), readonly: v.readonly, recursive: true });
    }
    await core.pivotRoot(ct, merged);
    if (spec.readOnly) await core.readonly(ct, '/');
    if (spec.hostname) await core.sethostname(ct, spec.hostname);
    // Last, as they take away what the steps above need (CAP_SYS_ADMIN for mounts).
    await confine(core, ct, spec.security, ns.includes('user'));
    // The AppArmor profile its program gets at exec, where the host has AppArmor.
    const profile = profileFor(spec.security.apparmor, spec.security.privileged, spec.rootless !== undefined, macHost());
    if (ledger) this.apparmor = await applyAppArmor(core, ct, ledger, profile, this.scope);
  }

  async exec(spec: RunSpec): Promise<void> {
    await this.core.exec(this.ct!, spec.argv, { env: spec.env, cwd: spec.cwd ?? '/', stdio: 'inherit' });
  }

  /** Wait for the container's init to end; the core is asked in short slices so a
   *  signal forwarded meanwhile is not stuck behind a long wait. */
  async wait(): Promise<Finished> {
    for (;;) {
      try {
        return await this.core.wait({ ct: this.ct! }, 250);
      } catch (err) {
        if ((err as { kind?: string }).kind !== 'timeout') throw err;
      }
    }
  }

  async signal(sig: string): Promise<void> {
    if (this.ct) await this.core.signal({ ct: this.ct }, sig).catch(() => undefined);
  }

  /** Kill what runs, close the core (it reaps), remove the working directory. Throws
   *  LeftBehindError naming what could not be removed (it stays in the ledger). */
  async stop(ledger: Ledger): Promise<void> {
    if (this.group) await removeGroup(this.core, ledger, this.group);
    await this.network?.close();
    await this.core.close();
    ledger.forget(this.coreEntry);
    await ledger.unwindOrThrow(this.scope);
  }
}

/** Check what a person asked for before anything is made: errors name the flag and the fix. */
export function validateSpec(spec: RunSpec): string[] {
  const errors: string[] = [];
  if (!existsSync(spec.rootfs) || !statSync(spec.rootfs).isDirectory()) {
    errors.push(runtime.noRootfs(spec.rootfs));
  }
  return [...errors, ...optionErrors(spec)];
}

/** What is wrong with the options, whatever the rootfs: checked before a rootfs is
 *  built, so a wrong flag is named without waiting for (or failing at) the build. */
export function optionErrors(spec: RunSpec): string[] {
  const errors: string[] = [];
  if (spec.argv.length === 0) errors.push(runtime.noCommand);
  if (spec.hostname && !spec.ns.includes('uts')) errors.push(runtime.hostnameNeedsUts);
  if (!spec.ns.includes('mnt')) errors.push(runtime.needsMnt);
  for (const v of spec.volumes) {
    if (!existsSync(v.source)) errors.push(runtime.noVolumeSource(v.source));
    if (!v.target.startsWith('/')) errors.push(runtime.volumeNotAbsolute(v.target));
  }
  for (const t of spec.tmpfs) if (!t.startsWith('/')) errors.push(runtime.tmpfsNotAbsolute(t));
  errors.push(...netErrors(spec));
  if (spec.rootless && spec.limits && needsGroup(spec.limits)) errors.push(runtime.cgroup.rootless);
  errors.push(...securityErrors(spec.security, spec.ns.includes('user')));
  errors.push(...deviceErrors(spec.devices, spec.rootless !== undefined));
  errors.push(...appArmorErrors(spec.security.apparmor, spec.rootless !== undefined));
  return errors;
}

export function parseVolume(text: string): Volume {
  const parts = text.split(':');
  if (parts.length < 2 || parts.length > 3 || !parts[0] || !parts[1] || (parts[2] && parts[2] !== 'ro' && parts[2] !== 'rw')) {
    throw new Error(runtime.badVolume(text));
  }
  return { source: resolve(parts[0]), target: parts[1], readonly: parts[2] === 'ro' };
}
