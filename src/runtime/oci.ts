// boxcore as an OCI runtime (native/PROTOCOL.md, "OCI runtime"), from TypeScript:
// `boxlab run --bundle DIR` runs a bundle through `boxcore run`, and configFromRunSpec
// writes the config.json that makes the same container a `boxlab run` invocation makes.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { boxcorePath } from '../core/binary.ts';
import { blName, type Ledger } from '../ledger/index.ts';
import type { NamespaceName } from '../core/index.ts';
import type { RunSpec } from './container.ts';
import { grantableCaps, keptCaps, maskedPaths, readonlyPaths } from './security.ts';
import { runtime } from '../text/index.ts';

/** Where boxcore keeps its containers by default: /run/boxcore as root. */
export function ociRoot(): string {
  if (process.getuid?.() === 0) return '/run/boxcore';
  return `${process.env.XDG_RUNTIME_DIR ?? `/tmp/boxcore-${process.getuid?.()}`}/boxcore`;
}

/** The runtime spec's names for the namespaces. */
const OCI_NS: Record<NamespaceName, string> = {
  pid: 'pid', uts: 'uts', mnt: 'mount', ipc: 'ipc', net: 'network', user: 'user', cgroup: 'cgroup',
};

/** The overlay `boxlab run` puts over the rootfs: upper and work take the writes,
 *  merged is where it is mounted (an empty directory, the bundle's root.path). */
export interface OverlayDirs { upper: string; work: string; merged: string }

/** The config.json of the container `boxlab run` makes from spec: the same namespaces,
 *  mounts (with the same flags as the core's mount and devices ops), hostname, maps,
 *  environment and command, capabilities, masked and read-only paths and no_new_privs
 *  (security.ts, resolved against this machine as boxlab run resolves them). With
 *  overlay, the rootfs is the lower layer of an overlay mounted on "/" (so it is never
 *  written); without, root.path is the rootfs itself. --net bridge has no equivalent
 *  in config.json (it needs the host side made first). */
export function configFromRunSpec(spec: RunSpec, overlay?: OverlayDirs): Record<string, unknown> {
  if (spec.net === 'bridge') throw new Error(runtime.oci.bridgeHasNoConfig);
  const ns = spec.ns;
  const mounts: Record<string, unknown>[] = [];
  if (overlay) {
    mounts.push({ destination: '/', type: 'overlay', source: 'overlay', options: [`lowerdir=${spec.rootfs}`, `upperdir=${overlay.upper}`, `workdir=${overlay.work}`] });
  }
  mounts.push({ destination: '/proc', type: 'proc', source: 'proc', options: ['nosuid', 'nodev', 'noexec'] });
  if (ns.includes('net')) mounts.push({ destination: '/sys', type: 'sysfs', source: 'sysfs', options: ['nosuid', 'nodev', 'noexec', 'ro'] });
  mounts.push(
    { destination: '/dev', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'strictatime', 'mode=755', 'size=65536k'] },
    { destination: '/dev/pts', type: 'devpts', source: 'devpts', options: ['nosuid', 'noexec', 'newinstance', 'ptmxmode=0666', 'mode=0620'] },
    { destination: '/dev/shm', type: 'tmpfs', source: 'shm', options: ['nosuid', 'nodev', 'mode=1777', 'size=65536k'] },
  );
  for (const t of spec.tmpfs) mounts.push({ destination: t, type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'nodev', 'mode=1777'] });
  for (const v of spec.volumes) mounts.push({ destination: v.target, type: 'bind', source: v.source, options: ['rbind', ...(v.readonly ? ['ro'] : [])] });

  const linux: Record<string, unknown> = {
    namespaces: ns.map((n) => ({ type: OCI_NS[n] })),
    // boxlab run makes every mount private, so none of them travels either way.
    rootfsPropagation: 'rprivate',
  };
  // boxlab run makes no device cgroup, so every device the container can name it may
  // open; boxcore gives a config's container one by default, as runc does. Said as the
  // one rule that allows everything (root's only: a rootless boxcore makes none).
  if (!spec.rootless) linux.resources = { devices: [{ allow: true, access: 'rwm' }] };
  const masked = maskedPaths(spec.security);
  if (masked.length) linux.maskedPaths = masked;
  const readonly = readonlyPaths(spec.security);
  if (readonly.length) linux.readonlyPaths = readonly;
  if (ns.includes('user')) {
    const ids = spec.rootless ?? { uid: 0, gid: 0 };
    linux.uidMappings = [{ containerID: 0, hostID: ids.uid, size: 1 }];
    linux.gidMappings = [{ containerID: 0, hostID: ids.gid, size: 1 }];
  }
  // As Docker writes them: no inheritable set (CVE-2022-24769), so no ambient either.
  const caps = keptCaps(spec.security, grantableCaps(ns.includes('user')));
  const capabilities = { bounding: caps, effective: caps, permitted: caps };
  return {
    ociVersion: '1.0.2',
    process: {
      terminal: false, user: { uid: 0, gid: 0 }, args: spec.argv, env: spec.env, cwd: '/',
      capabilities, noNewPrivileges: spec.security.noNewPrivileges,
    },
    root: { path: overlay ? overlay.merged : spec.rootfs, readonly: spec.readOnly },
    ...(spec.hostname ? { hostname: spec.hostname } : {}),
    mounts,
    linux,
  };
}

/** `boxlab run --bundle DIR`: `boxcore run` with a fresh bl- id. The container is in the
 *  ledger before it is made, and deleted on every way out (normal, error, signals here;
 *  `boxlab cleanup` after a SIGKILL). Signals go on to boxcore, which passes them to the
 *  container; a second one, or a container that ignores the first for a second, ends
 *  it with delete --force. Returns boxcore run's status: the program's, or 125. */
export async function runBundle(bundle: string, ledger: Ledger): Promise<number> {
  const root = ociRoot();
  const name = blName('oci');
  const entry = ledger.record({ kind: 'oci', root, name });
  const boxcore = boxcorePath();
  const child = spawn(boxcore, ['--root', root, 'run', '--bundle', bundle, name], {
    stdio: 'inherit',
    env: { ...process.env, BOXLAB_OWNER: String(process.pid) },
  });
  let forced = false;
  const force = () => {
    if (forced) return;
    forced = true;
    spawn(boxcore, ['--root', root, 'delete', '--force', name], { stdio: 'ignore' });
  };
  const onSignal = (sig: NodeJS.Signals) => {
    // Ctrl-C reaches boxcore (our process group) by itself; other signals are passed on.
    if (sig !== 'SIGINT') child.kill(sig);
    setTimeout(force, 1000).unref();
  };
  const signals: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
  for (const s of signals) process.on(s, onSignal);
  try {
    return await new Promise<number>((resolve, reject) => {
      child.once('error', reject);
      child.once('exit', (code, signal) => resolve(code ?? 128 + (signal ? signalNumber(signal) : 0)));
    });
  } finally {
    for (const s of signals) process.off(s, onSignal);
    await ledger.release(entry.id);
  }
}

function signalNumber(sig: NodeJS.Signals): number {
  return ({ SIGHUP: 1, SIGINT: 2, SIGQUIT: 3, SIGKILL: 9, SIGTERM: 15 } as Record<string, number>)[sig] ?? 0;
}

/** What is wrong with a bundle directory before boxcore is asked (boxcore checks the
 *  rest, and names the field). */
export function bundleErrors(bundle: string): string[] {
  if (!existsSync(bundle)) return [runtime.oci.noBundle(bundle)];
  if (!existsSync(join(bundle, 'config.json'))) return [runtime.oci.noConfig(bundle)];
  return [];
}
