// What this machine can do for the course, each fact read from the kernel or tried on
// it, never assumed. A feature that can only be known by using it (an overlay mount, a
// veth pair, a NAT rule, overlay inside a user namespace) is tried inside namespaces
// made for the probe with unshare(1): they vanish when the probe exits, so nothing of it
// is ever on the host. Every check says what it found and, where something is missing,
// what a person can do about it. The parsers are pure functions of the text they read,
// tested on recorded copies (test/unit/doctor.test.ts).
import { execFile } from 'node:child_process';
import { closeSync, existsSync, openSync, readdirSync, readFileSync } from 'node:fs';
import { release } from 'node:os';
import { promisify } from 'node:util';
import { boxcorePath } from '../core/binary.ts';
import { kernelAtLeast } from '../kernel/release.ts';
import { which } from '../runtime/programs.ts';
import { doctor as t } from '../text/index.ts';
import type { CgroupReport } from '../runtime/cgroups.ts';
import { configOf, kernelFix } from './kernel.ts';

export type Status = 'ok' | 'warn' | 'missing';

export interface Check {
  id: string;
  title: string;
  status: Status;
  detail: string;
  /** further lines of the finding */
  more?: string[];
  fix?: string;
  /** What the lesson verdicts need to know, beyond the status (overlay: in a user namespace?). */
  facts?: Record<string, boolean>;
}

export type CgroupLayout = 'v1' | 'v2' | 'hybrid' | 'none';

function read(path: string): string {
  try { return readFileSync(path, 'utf8'); } catch { return ''; }
}

// The checks that start programs do it asynchronously: the home screen draws before
// they are done, and the doctor runs them side by side.
const run = promisify(execFile);
// A program or a probe gets this long before it counts as failed. It takes milliseconds
// on a machine, but seconds on a busy one running the checks side by side (the cgroup-v2
// test guest emulates its CPUs), and a slow answer must not read as "not built" or as
// the kernel's refusal; the home screen never waits for it.
const PROBE_TIMEOUT_MS = 20_000;

async function firstLine(cmd: string, args: string[]): Promise<string> {
  try {
    return (await run(cmd, args, { encoding: 'utf8', timeout: PROBE_TIMEOUT_MS })).stdout.split('\n')[0]!.trim();
  } catch {
    return '';
  }
}

const isRoot = () => process.getuid?.() === 0;

// ------------------------------------------------------------------ parsers

interface Mount { point: string; type: string; optional: string[] }

/** mountinfo lines as [mount point, fs type, optional fields (shared:N, master:N)]. */
function parseMountinfo(text: string): Mount[] {
  return text.split('\n').filter(Boolean).map((line) => {
    const f = line.split(' ');
    const sep = f.indexOf('-');
    return { point: f[4]!, type: f[sep + 1]!, optional: f.slice(6, sep) };
  });
}

/** The layout the way runc and crun decide it: what is mounted at /sys/fs/cgroup, and
 *  on a v1 host whether a v2 hierarchy sits beside the controllers (hybrid). */
export function cgroupLayout(mountinfo = read('/proc/self/mountinfo')): CgroupLayout {
  const m = parseMountinfo(mountinfo);
  const at = (p: string) => m.filter((x) => x.point === p).at(-1)?.type;
  const root = at('/sys/fs/cgroup');
  if (root === 'cgroup2') return 'v2';
  if (!root && !m.some((x) => x.type === 'cgroup')) return 'none';
  return at('/sys/fs/cgroup/unified') === 'cgroup2' ? 'hybrid' : 'v1';
}

/** The sysctl that stops an unprivileged user from making a user namespace, if any. */
export function usernsBlocker(sysctls: Record<string, string>): string {
  if (sysctls['user.max_user_namespaces'] === '0') return 'user.max_user_namespaces=0';
  if (sysctls['kernel.unprivileged_userns_clone'] === '0') return 'kernel.unprivileged_userns_clone=0';
  if (sysctls['kernel.apparmor_restrict_unprivileged_userns'] === '1') return 'kernel.apparmor_restrict_unprivileged_userns=1';
  return '';
}

/** `iptables -V`: "iptables v1.8.9 (nf_tables)" -> nf_tables; "(legacy)" -> legacy. */
export function iptablesBackend(version: string): 'nf_tables' | 'legacy' | undefined {
  const m = /\((nf_tables|legacy)\)/.exec(version);
  return m ? (m[1] as 'nf_tables' | 'legacy') : undefined;
}

/** Propagation of / from mountinfo's optional fields: shared, slave (master:N) or private. */
export function rootPropagation(mountinfo: string): 'shared' | 'slave' | 'private' {
  const root = parseMountinfo(mountinfo).filter((m) => m.point === '/').at(-1);
  if (root?.optional.some((o) => o.startsWith('shared:'))) return 'shared';
  if (root?.optional.some((o) => o.startsWith('master:'))) return 'slave';
  return 'private';
}

/** WSL (from /proc/version), a container (the markers runtimes leave), or a host. */
export function hostKind(procVersion: string, markers: { files: string[]; env?: string; pid1Cgroup?: string; pid1Environ?: string }): 'wsl' | 'container' | 'host' {
  if (/microsoft|WSL/i.test(procVersion)) return 'wsl';
  if (markers.files.length || markers.env) return 'container';
  if (/(^|\0)container=/.test(markers.pid1Environ ?? '')) return 'container';
  if (/\/(docker|lxc|kubepods|libpod|containerd)[/-]/.test(markers.pid1Cgroup ?? '')) return 'container';
  return 'host';
}

// ------------------------------------------------------------------ trying things

/** Run a shell script in namespaces of its own (unshare(1)), which vanish with it.
 *  Unprivileged: as nobody when we are root (as the rootless lessons run), inside a
 *  user namespace that maps it to root. */
async function throwaway(ns: ('mount' | 'net')[], script: string, unprivileged: boolean): Promise<{ tried: boolean; ok: boolean; out: string }> {
  if (!which('unshare') || (unprivileged && isRoot() && !which('setpriv'))) return { tried: false, ok: false, out: '' };
  const flags = ns.map((n) => `--${n}`).concat(ns.includes('mount') ? ['--propagation', 'private'] : []);
  const asUser = unprivileged || !isRoot();
  const unshare = ['unshare', ...(asUser ? ['--user', '--map-root-user'] : []), ...flags, 'sh', '-c', script];
  const argv = unprivileged && isRoot() ? ['setpriv', '--reuid', '65534', '--regid', '65534', '--clear-groups', ...unshare] : unshare;
  try {
    const r = await run(argv[0]!, argv.slice(1), { encoding: 'utf8', timeout: PROBE_TIMEOUT_MS, cwd: '/' });
    return { tried: true, ok: true, out: `${r.stdout}${r.stderr}`.trim() };
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string };
    return { tried: true, ok: false, out: `${e.stdout ?? ''}${e.stderr ?? ''}`.trim() };
  }
}

// A tmpfs over /tmp (in the probe's own mount namespace) holds the overlay's layers.
const OVERLAY_SCRIPT = 'mount -t tmpfs bl-probe /tmp && mkdir /tmp/l /tmp/u /tmp/w /tmp/m && '
  + 'mount -t overlay overlay -o lowerdir=/tmp/l,upperdir=/tmp/u,workdir=/tmp/w /tmp/m';

// ------------------------------------------------------------------ the checks

function checkKernel(): Check {
  const rel = release();
  return kernelAtLeast(5, 10, rel)
    ? { id: 'kernel', title: t.kernel, status: 'ok', detail: rel }
    : { id: 'kernel', title: t.kernel, status: 'warn', detail: rel, fix: t.kernelOld };
}

function checkRoot(): Check {
  return isRoot()
    ? { id: 'root', title: t.root, status: 'ok', detail: t.isRoot }
    : { id: 'root', title: t.root, status: 'warn', detail: t.notRoot, fix: t.rootFix };
}

/** Which hierarchies a layout mounts: what a lesson's cgroup-v1/cgroup-v2 is judged by. */
const layoutFacts = (layout: CgroupLayout) => ({ v1: layout === 'v1' || layout === 'hybrid', v2: layout === 'v2' || layout === 'hybrid' });

/** The layout alone, from mountinfo: all the lesson verdicts need, without starting the
 *  core (the home screen asks, and must appear at once). */
export function checkCgroupLayout(): Check {
  const layout = cgroupLayout();
  return { id: 'cgroup', title: t.cgroup, status: layout === 'none' ? 'missing' : 'ok', detail: t.layouts[layout], facts: layoutFacts(layout) };
}

/** The cgroup layout as the core sees it (cgroupReport: statfs of /sys/fs/cgroup and
 *  the trees of /proc/self/cgroup, the look `boxlab run` takes), the controllers boxlab
 *  can use there, where its groups go; a warning when something stands in the way. */
export function checkCgroups(report: CgroupReport): Check {
  const { layout } = report;
  const facts = layoutFacts(layout);
  const detail = `${t.layouts[layout]}; ${t.controllers}: ${report.controllers.join(' ') || t.none}`;
  const more = [...(report.parent ? [t.groupsGo(report.parent)] : []), ...report.notes];
  const check: Check = { id: 'cgroup', title: t.cgroup, status: 'ok', detail, ...(more.length ? { more } : {}), facts };
  if (layout === 'none') return { ...check, status: 'missing', fix: [t.cgroupFix, ...report.problems].join('; ') };
  if (report.problems.length) return { ...check, status: 'warn', fix: report.problems.join('; ') };
  return check;
}

const USERNS_SYSCTLS = ['user.max_user_namespaces', 'kernel.unprivileged_userns_clone', 'kernel.apparmor_restrict_unprivileged_userns'];

/** Tried for real: can an unprivileged user make a user namespace here? */
export async function checkUserns(): Promise<Check> {
  const sysctls: Record<string, string> = {};
  for (const s of USERNS_SYSCTLS) {
    const v = read(`/proc/sys/${s.replace(/\./g, '/')}`).trim();
    if (v) sysctls[s] = v;
  }
  const shown = Object.entries(sysctls).map(([k, v]) => `${k}=${v}`).join(', ');
  const blocked = usernsBlocker(sysctls);
  const tried = await throwaway([], 'true', true);
  const works = tried.tried ? tried.ok : !blocked && existsSync('/proc/self/ns/user');
  return works
    ? { id: 'userns', title: t.userns, status: 'ok', detail: t.usernsOk(shown), facts: { unprivileged: true } }
    : { id: 'userns', title: t.userns, status: 'warn', detail: t.usernsBlocked(shown, tried.out), fix: t.usernsFix(blocked), facts: { unprivileged: false } };
}

/** An overlay mounted for real, as root and (the rootless lessons' case) in a user namespace. */
export async function checkOverlay(): Promise<Check> {
  const known = /\boverlay\n/.test(read('/proc/filesystems')) || existsSync(`/lib/modules/${release()}/kernel/fs/overlayfs`);
  const [asRoot, inUserns] = await Promise.all([
    isRoot() ? throwaway(['mount'], OVERLAY_SCRIPT, false) : { tried: false, ok: false, out: '' },
    throwaway(['mount'], OVERLAY_SCRIPT, true),
  ]);
  const mounts = asRoot.tried ? asRoot.ok : known;
  const facts = { mount: mounts, userns: inUserns.ok };
  if (!mounts) return { id: 'overlay', title: t.overlay, status: 'missing', detail: t.overlayMissing(asRoot.out), fix: kernelFix('overlay'), facts };
  return { id: 'overlay', title: t.overlay, status: 'ok', detail: t.overlayOk(asRoot.tried, inUserns.tried, inUserns.ok), facts };
}

export function checkLoop(): Check {
  const devices = (() => { try { return readdirSync('/dev').filter((n) => /^loop\d+$/.test(n)).length; } catch { return 0; } })();
  let usable = existsSync('/dev/loop-control');
  if (usable && isRoot()) {
    // Opened, not used: LOOP_CTL_GET_FREE would make a device on the host.
    try { closeSync(openSync('/dev/loop-control', 'r+')); } catch { usable = false; }
  }
  const losetup = !!which('losetup');
  if (!usable) return { id: 'loop', title: t.loop, status: 'warn', detail: t.loopMissing, fix: `${kernelFix('loop')}; ${t.loopInContainer}`, facts: { usable: false } };
  if (!losetup) return { id: 'loop', title: t.loop, status: 'warn', detail: t.loopNoLosetup, fix: t.loopLosetupFix, facts: { usable: false } };
  return { id: 'loop', title: t.loop, status: 'ok', detail: t.loopOk(devices), facts: { usable: true } };
}

// The rules native/nat.c makes, for each tool: the tables, chains, matches and targets
// the NAT lessons use (masquerade out, DNAT in through a fib or addrtype match), so that
// every kernel module they load is tried.
const NAT_PROBE = {
  nft: "nft 'add table ip bl-probe; add chain ip bl-probe pre { type nat hook prerouting priority dstnat; }; "
    + 'add chain ip bl-probe post { type nat hook postrouting priority srcnat; }; add rule ip bl-probe post ip saddr 10.0.0.0/8 masquerade; '
    + "add rule ip bl-probe pre fib daddr type local tcp dport 8080 dnat to 10.0.0.2:80'",
  iptables: 'iptables -t nat -N BL-PROBE && iptables -t nat -A PREROUTING -m addrtype --dst-type LOCAL -j BL-PROBE && '
    + 'iptables -t nat -A BL-PROBE -p tcp --dport 8080 -j DNAT --to-destination 10.0.0.2:80 && '
    + 'iptables -t nat -A POSTROUTING -s 10.0.0.0/8 -j MASQUERADE',
};

/** The tool the lab uses (nft where installed, else iptables: as native/nat.c picks it),
 *  and the lab's masquerade and DNAT rules made with it in a throwaway network namespace. */
export async function checkNetfilter(): Promise<Check> {
  const nft = which('nft');
  const ipt = which('iptables');
  if (!nft && !ipt) return { id: 'netfilter', title: t.netfilter, status: 'warn', detail: t.netfilterMissing, fix: t.netfilterFix, facts: { nat: false } };
  const tool = nft ? 'nft' : 'iptables';
  const version = nft ? await firstLine(nft, ['--version']) : await firstLine(ipt!, ['-V']);
  const backend = nft ? 'nf_tables' : iptablesBackend(version) ?? '?';
  const tried = await throwaway(['net'], NAT_PROBE[tool], false);
  const detail = t.netfilterIs(tool, version, backend, tried.tried, tried.ok);
  if (tried.tried && !tried.ok) {
    return { id: 'netfilter', title: t.netfilter, status: 'warn', detail: t.netfilterRefused(detail, configOf('netfilter'), firstOf(tried.out)), fix: kernelFix('netfilter', tool), facts: { nat: false } };
  }
  return { id: 'netfilter', title: t.netfilter, status: 'ok', detail, facts: { nat: true } };
}

/** The first line of what a tried command said (the kernel's refusal, as the tool words it). */
const firstOf = (said: string) => said.split('\n')[0]!.trim();

/** The link kinds of the course, each as `ip` makes it. */
export const LINK_KINDS = {
  veth: 'ip link add bl-p0 type veth peer name bl-p1',
  bridge: 'ip link add bl-pb type bridge',
  vxlan: 'ip link add bl-px type vxlan id 42 dstport 4789',
} as const;
export type LinkKind = keyof typeof LINK_KINDS;

/** veth, bridge and vxlan links made in a throwaway network namespace. */
export async function checkLinks(): Promise<Check> {
  const kinds = Object.keys(LINK_KINDS) as LinkKind[];
  if (!which('ip')) return { id: 'links', title: t.links, status: 'warn', detail: t.noIp, fix: t.noIpFix, facts: { tried: false } };
  const facts: Record<string, boolean> = {};
  const said: string[] = [];
  let tried = true;
  for (const kind of kinds) {
    const r = await throwaway(['net'], LINK_KINDS[kind], false);
    tried &&= r.tried;
    facts[kind] = r.ok;
    if (r.tried && !r.ok) said.push(t.linkRefused(kind, configOf(kind), firstOf(r.out)));
  }
  facts.tried = tried;
  const missing = kinds.filter((k) => !facts[k]);
  if (!tried) return { id: 'links', title: t.links, status: 'warn', detail: t.linksNotTried, fix: t.rootFix, facts };
  if (missing.length) {
    return { id: 'links', title: t.links, status: 'warn', detail: t.linksMissing(missing), more: said, fix: missing.map((k) => kernelFix(k)).join('; '), facts };
  }
  return { id: 'links', title: t.links, status: 'ok', detail: t.linksOk(kinds), facts };
}

export function checkSeccomp(): Check {
  const mode = /^Seccomp:\s*(\d)/m.exec(read('/proc/self/status'))?.[1];
  const actions = read('/proc/sys/kernel/seccomp/actions_avail').trim();
  if (mode === undefined) return { id: 'seccomp', title: t.seccomp, status: 'warn', detail: t.noSeccomp, fix: t.seccompFix, facts: { filter: false } };
  return { id: 'seccomp', title: t.seccomp, status: 'ok', detail: t.seccompOk(actions), facts: { filter: true } };
}

function checkKvm(): Check {
  return existsSync('/dev/kvm')
    ? { id: 'kvm', title: 'KVM', status: 'ok', detail: t.kvmOk }
    : { id: 'kvm', title: 'KVM', status: 'warn', detail: t.kvmMissing };
}

async function checkPeers(): Promise<Check> {
  const found = ['runc', 'crun'].map((r) => [r, which(r)] as const).filter(([, p]) => p);
  if (!found.length) return { id: 'peers', title: t.peers, status: 'warn', detail: t.none, fix: t.peersFix };
  const versions = await Promise.all(found.map(async ([r, p]) => (await firstLine(p!, ['--version'])) || r));
  return { id: 'peers', title: t.peers, status: 'ok', detail: versions.join('; ') };
}

/** The Docker engine the engine lessons start (src/engine/docker.ts): its programs,
 *  and the package that brings the first one missing. */
export async function checkEngine(): Promise<Check> {
  const { enginePrograms } = await import('../engine/docker.ts');
  const found = enginePrograms();
  if ('missing' in found) return { id: 'engine', title: t.engine, status: 'warn', detail: t.noProgram(found.missing, found.pkg), fix: `apt-get install ${found.pkg}` };
  const version = await firstLine(found.dockerd, ['--version']);
  return { id: 'engine', title: t.engine, status: 'ok', detail: t.engineOk(version || found.dockerd) };
}

function checkPropagation(): Check {
  return { id: 'propagation', title: t.propagation, status: 'ok', detail: t.propagationIs(rootPropagation(read('/proc/self/mountinfo'))) };
}

/** WSL or a container as the host: both change what the kernel lets us do. */
function checkHost(): Check {
  const kind = hostKind(read('/proc/version'), {
    files: ['/.dockerenv', '/run/.containerenv'].filter((f) => existsSync(f)),
    env: process.env.container,
    pid1Cgroup: read('/proc/1/cgroup'),
    pid1Environ: read('/proc/1/environ'),
  });
  if (kind === 'wsl') return { id: 'host', title: t.host, status: 'warn', detail: t.wsl, fix: t.wslFix };
  if (kind === 'container') return { id: 'host', title: t.host, status: 'warn', detail: t.inContainer, fix: t.inContainerFix };
  return { id: 'host', title: t.host, status: 'ok', detail: t.bareHost };
}

export async function checkCore(): Promise<Check> {
  const path = boxcorePath();
  const version = existsSync(path) ? await firstLine(path, ['--version']) : '';
  return version
    ? { id: 'core', title: t.core, status: 'ok', detail: `${version} (${path})` }
    : { id: 'core', title: t.core, status: 'missing', detail: t.coreMissing(path), fix: t.coreFix };
}

export async function allChecks(): Promise<Check[]> {
  const { cgroupReport } = await import('../runtime/cgroups.ts');
  // Each probe has namespaces of its own, so they can run side by side.
  return Promise.all([checkKernel(), checkRoot(), checkCore(), cgroupReport().then(checkCgroups), checkUserns(), checkOverlay(), checkLoop(),
    checkNetfilter(), checkLinks(), checkSeccomp(), checkKvm(), checkPeers(), checkEngine(), checkPropagation(), checkHost()]);
}
