// Which devices a `boxlab run` container may open and make, decided as Docker decides
// it. A device node is only a name for a driver: whoever opens /dev/loop0 reads the
// whole disk image behind it, whatever uid they have. So besides the minimal /dev the
// core makes (null zero full random urandom tty, ptmx and pts), the container gets a
// device cgroup: the kernel checks every open(2) and mknod(2) of a device node against
// its rules (v1: devices.allow and devices.deny; v2: a BPF program on the group). The
// rules are Docker's defaults (moby's default spec, with runc's allowed devices):
// mknod of any device (so a node of an image can be made), and open of the nodes a
// container is given. `--device HOST[:CONTAINER][:rwm]` adds a node and a rule for it,
// `--device-cgroup-rule` a rule alone, `--privileged` allows every device.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { posix } from 'node:path';
import type { Core, CgroupRef, DeviceNodeSpec } from '../core/index.ts';
import { runtime } from '../text/index.ts';
import { FlagError, splitDev } from './cgroup-flags.ts';

/** A node of the host given to the container: --device HOST[:CONTAINER][:PERMS]. */
export interface DeviceMapping {
  host: string;
  container: string;
  /** some of r (read), w (write), m (mknod) */
  perms: string;
}

export interface Devices {
  mappings: DeviceMapping[];
  /** --device-cgroup-rule, as the core takes them: "allow c 7:* rwm" */
  rules: string[];
}

/** Docker's device rules for every container that is not --privileged, after "every
 *  device denied" (moby daemon/pkg/oci/defaults.go, and what runc's specconv adds). */
export const DOCKER_DEVICE_RULES = [
  'allow c *:* m', // mknod of any character device,
  'allow b *:* m', // and of any block device: making a node opens nothing
  'allow c 1:3 rwm', // /dev/null
  'allow c 1:5 rwm', // /dev/zero
  'allow c 1:7 rwm', // /dev/full
  'allow c 1:8 rwm', // /dev/random
  'allow c 1:9 rwm', // /dev/urandom
  'allow c 5:0 rwm', // /dev/tty
  'allow c 5:1 rwm', // /dev/console
  'allow c 5:2 rwm', // /dev/ptmx
  'allow c 136:* rwm', // /dev/pts/*: the terminals of the container's devpts
  'allow c 10:200 rwm', // /dev/net/tun
] as const;

export function deviceOptionSpecs() {
  return {
    device: { value: true, repeat: true },
    'device-cgroup-rule': { value: true, repeat: true },
  } as const;
}

const PERMS = /^[rwm]{1,3}$/;
const validPerms = (p: string) => PERMS.test(p) && new Set(p).size === p.length;

/** Docker's parse: HOST, HOST:CONTAINER, HOST:PERMS, HOST:CONTAINER:PERMS. */
export function parseDevice(text: string): DeviceMapping {
  const parts = text.split(':');
  if (parts.length > 3 || !parts[0]) throw new FlagError(runtime.devices.badDevice(text));
  const host = parts[0];
  let container = host;
  let perms = 'rwm';
  if (parts.length === 3) {
    container = parts[1]!;
    perms = parts[2]!;
  } else if (parts.length === 2) {
    if (validPerms(parts[1]!)) perms = parts[1]!;
    else container = parts[1]!;
  }
  if (!validPerms(perms)) throw new FlagError(runtime.devices.badPerms(text, perms));
  if (!host.startsWith('/')) throw new FlagError(runtime.devices.notAbsolute(text, host));
  // The node is made in the container's own /dev, a tmpfs the core just made: beneath
  // it no name of the image can lead the core's mknod elsewhere.
  const normal = posix.normalize(container);
  if (!normal.startsWith('/dev/') || normal !== container || container.split('/').includes('..')) {
    throw new FlagError(runtime.devices.notUnderDev(text, container));
  }
  return { host, container, perms };
}

/** --device-cgroup-rule 'c 7:* rmw' (Docker's words: TYPE MAJOR:MINOR PERMS, or a). */
export function parseCgroupRule(text: string): string {
  const m = /^(?:(a)|([cb]) (\d+|\*):(\d+|\*) ([rwm]{1,3}))$/.exec(text.trim());
  if (!m || (m[5] !== undefined && !validPerms(m[5]))) throw new FlagError(runtime.devices.badRule(text));
  return m[1] ? 'allow a' : `allow ${m[2]} ${m[3]}:${m[4]} ${m[5]}`;
}

export function parseDevices(o: Record<string, string | string[] | boolean | undefined>): Devices {
  const list = (key: string) => (o[key] as string[] | undefined) ?? [];
  return { mappings: list('device').map(parseDevice), rules: list('device-cgroup-rule').map(parseCgroupRule) };
}

/** The host's node as the container gets it: type, numbers, mode and owner. */
export function hostNode(m: DeviceMapping): Omit<DeviceNodeSpec, 'path'> {
  const st = statSync(m.host, { bigint: true });
  const { major, minor } = splitDev(st.rdev);
  return {
    type: st.isBlockDevice() ? 'b' : 'c', major, minor,
    mode: (Number(st.mode) & 0o7777).toString(8).padStart(4, '0'), uid: Number(st.uid), gid: Number(st.gid),
  };
}

/** What is wrong with the device flags here, before anything is made. */
export function deviceErrors(devices: Devices | undefined, rootless: boolean): string[] {
  if (!devices) return [];
  const errors: string[] = [];
  if (rootless && (devices.mappings.length || devices.rules.length)) errors.push(runtime.devices.needsRoot);
  const targets = new Set<string>();
  for (const m of devices.mappings) {
    let st;
    try {
      st = statSync(m.host);
    } catch {
      errors.push(runtime.devices.noSuchDevice(m.host));
      continue;
    }
    if (!st.isCharacterDevice() && !st.isBlockDevice()) errors.push(runtime.devices.notADevice(m.host));
    if (targets.has(m.container)) errors.push(runtime.devices.sameTargetTwice(m.container));
    targets.add(m.container);
  }
  return errors;
}

/** The device cgroup's rules, in order: everything denied first (the core's default),
 *  Docker's list, a rule per --device, then --device-cgroup-rule. --privileged: all. */
export function deviceRules(devices: Devices, privileged: boolean): string[] {
  if (privileged) return ['allow a'];
  const given = devices.mappings.map((m) => {
    const { type, major, minor } = hostNode(m);
    return `allow ${type} ${major}:${minor} ${m.perms}`;
  });
  return [...DOCKER_DEVICE_RULES, ...given, ...devices.rules];
}

/** Can this machine confine devices? v2 always can (a BPF program on the group); v1
 *  and hybrid machines need the devices controller mounted (/proc/cgroups: its
 *  hierarchy is not 0, and it is enabled). */
export function deviceCgroupHere(): boolean {
  if (existsSync('/sys/fs/cgroup/cgroup.controllers')) return true;
  let text = '';
  try { text = readFileSync('/proc/cgroups', 'utf8'); } catch { return false; }
  const row = text.split('\n').map((l) => l.split(/\s+/)).find((f) => f[0] === 'devices');
  return row !== undefined && row[1] !== '0' && row[3] === '1';
}

/** Confine the group the container's init will be born in. */
export async function confineDevices(core: Core, ref: CgroupRef, devices: Devices, privileged: boolean): Promise<void> {
  await core.cgroupDevices(ref, deviceRules(devices, privileged));
}

/** The --device nodes, in the container's /dev (ROOT/dev, before pivot_root). */
export async function makeDeviceNodes(core: Core, ct: string, root: string, devices: Devices, userns: boolean): Promise<void> {
  for (const m of devices.mappings) {
    await core.deviceNode(ct, { path: posix.join(root, m.container), ...hostNode(m), ...(userns ? { source: m.host } : {}) });
  }
}

/** For --explain: the rules and nodes this run would get. */
export function explainDevices(devices: Devices | undefined, privileged: boolean, rootless: boolean): string[] {
  const t = runtime.devices;
  if (!devices || rootless) return [t.explainTitle, t.explainRootless];
  let rules: string[];
  try {
    rules = deviceRules(devices, privileged);
  } catch {
    rules = [t.explainUnreadable];
  }
  return [t.explainTitle, ...rules.map((r) => t.explainRule(r)), ...devices.mappings.map((m) => t.explainNode(m.host, m.container, m.perms))];
}
