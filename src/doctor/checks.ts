// What this machine can do for the course, each fact read from the kernel or the
// filesystem, never assumed. Every check says what it found and, where something is
// missing, what a person can do about it.
import { execFileSync, spawnSync } from 'node:child_process';
import { accessSync, constants, existsSync, readFileSync } from 'node:fs';
import { release } from 'node:os';
import { boxcorePath } from '../core/index.ts';
import { doctorText as t } from '../cli/text.ts';
import type { CgroupReport } from '../runtime/cgroups.ts';

export type Status = 'ok' | 'warn' | 'missing';

export interface Check {
  id: string;
  title: string;
  status: Status;
  detail: string;
  /** further lines of the finding */
  more?: string[];
  fix?: string;
}

export type CgroupLayout = 'v1' | 'v2' | 'hybrid' | 'none';

function read(path: string): string {
  try { return readFileSync(path, 'utf8'); } catch { return ''; }
}

function which(cmd: string): string | undefined {
  for (const dir of (process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin').split(':').concat(['/usr/sbin', '/sbin'])) {
    const p = `${dir}/${cmd}`;
    try { accessSync(p, constants.X_OK); return p; } catch { /* next */ }
  }
  return undefined;
}

function firstLine(cmd: string, args: string[]): string {
  try {
    return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 3000 }).split('\n')[0]!.trim();
  } catch {
    return '';
  }
}

/** mountinfo lines of this process as [mount point, fs type, optional fields]. */
function mounts(text = read('/proc/self/mountinfo')): { point: string; type: string; optional: string[] }[] {
  return text.split('\n').filter(Boolean).map((line) => {
    const f = line.split(' ');
    const sep = f.indexOf('-');
    return { point: f[4]!, type: f[sep + 1]!, optional: f.slice(6, sep) };
  });
}

/** The layout the way runc and crun decide it: what is mounted at /sys/fs/cgroup, and
 *  on a v1 host whether a v2 hierarchy sits beside the controllers (hybrid). */
export function cgroupLayout(mountinfo?: string): CgroupLayout {
  const m = mounts(mountinfo);
  const at = (p: string) => m.filter((x) => x.point === p).at(-1)?.type;
  const root = at('/sys/fs/cgroup');
  if (root === 'cgroup2') return 'v2';
  if (!root && !m.some((x) => x.type === 'cgroup')) return 'none';
  return at('/sys/fs/cgroup/unified') === 'cgroup2' ? 'hybrid' : 'v1';
}

export function kernelAtLeast(major: number, minor: number, rel = release()): boolean {
  const [a = 0, b = 0] = rel.split(/[.-]/).map(Number);
  return a > major || (a === major && b >= minor);
}

export function checkKernel(): Check {
  const rel = release();
  return kernelAtLeast(5, 10, rel)
    ? { id: 'kernel', title: t.kernel, status: 'ok', detail: rel }
    : { id: 'kernel', title: t.kernel, status: 'warn', detail: rel, fix: t.kernelOld };
}

export function checkRoot(): Check {
  const root = process.getuid?.() === 0;
  return root
    ? { id: 'root', title: t.root, status: 'ok', detail: t.isRoot }
    : { id: 'root', title: t.root, status: 'warn', detail: t.notRoot, fix: t.rootFix };
}

/** The cgroup layout as the core sees it (cgroupReport: statfs of /sys/fs/cgroup and
 *  the trees of /proc/self/cgroup, the look `boxlab run` takes), the controllers boxlab
 *  can use there, where its groups go; a warning when something stands in the way. */
export function checkCgroups(report: CgroupReport): Check {
  const detail = `${t.layouts[report.layout]}; ${t.controllers}: ${report.controllers.join(' ') || t.none}`;
  const more = [...(report.parent ? [t.groupsGo(report.parent)] : []), ...report.notes];
  const check: Check = { id: 'cgroup', title: t.cgroup, status: 'ok', detail, ...(more.length ? { more } : {}) };
  if (report.layout === 'none') return { ...check, status: 'missing', fix: [t.cgroupFix, ...report.problems].join('; ') };
  if (report.problems.length) return { ...check, status: 'warn', fix: report.problems.join('; ') };
  return check;
}

/** Tried for real: can an unprivileged user make a user namespace here? */
export function checkUserns(): Check {
  const max = read('/proc/sys/user/max_user_namespaces').trim();
  const debian = read('/proc/sys/kernel/unprivileged_userns_clone').trim();
  const apparmor = read('/proc/sys/kernel/apparmor_restrict_unprivileged_userns').trim();
  const blocked = max === '0' ? 'user.max_user_namespaces=0'
    : debian === '0' ? 'kernel.unprivileged_userns_clone=0'
      : apparmor === '1' ? 'kernel.apparmor_restrict_unprivileged_userns=1' : '';
  let works = !blocked;
  if (works && process.getuid?.() === 0 && which('setpriv') && which('unshare')) {
    const r = spawnSync('setpriv', ['--reuid', '65534', '--regid', '65534', '--clear-groups', 'unshare', '--user', 'true'], { stdio: 'ignore', timeout: 3000 });
    works = r.status === 0;
  }
  return works
    ? { id: 'userns', title: t.userns, status: 'ok', detail: t.usernsOk(max) }
    : { id: 'userns', title: t.userns, status: 'warn', detail: t.usernsBlocked(blocked), fix: t.usernsFix(blocked) };
}

export function checkOverlay(): Check {
  const loaded = /\boverlay\n/.test(read('/proc/filesystems'));
  const module = existsSync(`/lib/modules/${release()}/kernel/fs/overlayfs`);
  const inUserns = kernelAtLeast(5, 11);
  if (!loaded && !module) return { id: 'overlay', title: t.overlay, status: 'missing', detail: t.overlayMissing, fix: t.overlayFix };
  return { id: 'overlay', title: t.overlay, status: 'ok', detail: t.overlayOk(loaded, inUserns) };
}

export function checkLoop(): Check {
  return existsSync('/dev/loop-control')
    ? { id: 'loop', title: t.loop, status: 'ok', detail: '/dev/loop-control' }
    : { id: 'loop', title: t.loop, status: 'warn', detail: t.loopMissing, fix: t.loopFix };
}

export function checkNetfilter(): Check {
  const nft = which('nft');
  const ipt = which('iptables');
  if (nft) return { id: 'netfilter', title: t.netfilter, status: 'ok', detail: `nftables (${nft})` };
  if (ipt) return { id: 'netfilter', title: t.netfilter, status: 'ok', detail: `iptables (${firstLine(ipt, ['--version']) || ipt})` };
  return { id: 'netfilter', title: t.netfilter, status: 'warn', detail: t.netfilterMissing, fix: t.netfilterFix };
}

export function checkKvm(): Check {
  return existsSync('/dev/kvm')
    ? { id: 'kvm', title: 'KVM', status: 'ok', detail: t.kvmOk }
    : { id: 'kvm', title: 'KVM', status: 'warn', detail: t.kvmMissing };
}

export function checkPeers(): Check {
  const found = ['runc', 'crun'].map((r) => [r, which(r)] as const).filter(([, p]) => p);
  if (!found.length) return { id: 'peers', title: t.peers, status: 'warn', detail: t.none, fix: t.peersFix };
  return { id: 'peers', title: t.peers, status: 'ok', detail: found.map(([r, p]) => firstLine(p!, ['--version']) || r).join('; ') };
}

export function checkPropagation(): Check {
  const root = mounts().find((m) => m.point === '/');
  const prop = root?.optional.find((o) => /^(shared|master):/.test(o));
  const mode = prop ? prop.replace(/:\d+$/, '') : 'private';
  return { id: 'propagation', title: t.propagation, status: 'ok', detail: t.propagationIs(mode) };
}

/** WSL or a container as the host: both change what the kernel lets us do. */
export function checkHost(): Check {
  const version = read('/proc/version');
  if (/microsoft|WSL/i.test(version)) return { id: 'host', title: t.host, status: 'warn', detail: t.wsl, fix: t.wslFix };
  const inContainer = existsSync('/.dockerenv') || existsSync('/run/.containerenv') || !!process.env.container;
  if (inContainer) return { id: 'host', title: t.host, status: 'warn', detail: t.inContainer, fix: t.inContainerFix };
  return { id: 'host', title: t.host, status: 'ok', detail: t.bareHost };
}

export function checkCore(): Check {
  const path = boxcorePath();
  const version = existsSync(path) ? firstLine(path, ['--version']) : '';
  return version
    ? { id: 'core', title: t.core, status: 'ok', detail: `${version} (${path})` }
    : { id: 'core', title: t.core, status: 'missing', detail: t.coreMissing(path), fix: t.coreFix };
}

export async function allChecks(): Promise<Check[]> {
  const { cgroupReport } = await import('../runtime/cgroups.ts');
  return [checkKernel(), checkRoot(), checkCore(), checkCgroups(await cgroupReport()), checkUserns(), checkOverlay(),
    checkLoop(), checkNetfilter(), checkKvm(), checkPeers(), checkPropagation(), checkHost()];
}
