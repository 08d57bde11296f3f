// The host as the lab may not change it: one before/after fingerprint that every kernel
// test compares, so a test that leaks a mount, a link, a firewall rule, a sysctl, a
// cgroup, a loop device, a ledger entry or a core process fails.
//
// What it holds, each read from the kernel (or the tool that asks it):
//   mounts      /proc/self/mountinfo: point, type, source (ids change; these don't)
//   links, addresses, routes   ip -j (every table, IPv4 and IPv6)
//   netfilter   nft -s list ruleset, iptables-save (without counters and dates)
//   sysctls     the ones the lab may write or a lesson may break (TOUCHABLE_SYSCTLS)
//   netns       /run/netns (null when there is none)
//   cgroups     bl- directories in every mounted hierarchy, at any depth
//   stateDirs, ledgers   bl- entries of boxlab's state roots, and boxcore's OCI
//               containers (its state root, /run/boxcore)
//   processes   boxcore processes (their BOXLAB_OWNER mark says whose), and the
//               supervisors of detached containers (boxlab run -d), whoever's
//   loops       loop devices and their backing files (/sys/block/loop*/loop)
//   apparmor    the AppArmor profiles named bl-... loaded in the kernel (securityfs)
//
// Other engineers' boxlabs may run on the same machine. What carries an owner's pid in
// its name (bl-TAG-PID-N, bl-PID.jsonl, BOXLAB_OWNER=PID) counts only when that owner is
// this process, one of its descendants, or gone (a dead owner's leftovers are a leak);
// what carries no pid (bl-XXXX veths, bl0, rules, ip_forward's saved value) always counts.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ledgerDir, stateRoot } from '../../src/ledger/index.ts';
import { ociRoot } from '../../src/runtime/oci.ts';
import { loadedProfiles } from '../../src/ledger/apparmor.ts';

export interface HostFingerprint {
  mounts: string[];
  links: string[];
  addresses: string[];
  routes: string[];
  netfilter: string[];
  sysctls: Record<string, string>;
  netns: string[] | null;
  cgroups: string[];
  stateDirs: string[];
  ledgers: string[];
  processes: string[];
  loops: string[];
  apparmor: string[];
}

/** Sysctls the lab may write on the host (ip_forward, for `boxlab run --net bridge`),
 *  or that a lesson done wrong would change (the host's names, forwarding). */
export const TOUCHABLE_SYSCTLS = [
  'kernel/hostname',
  'kernel/domainname',
  'net/ipv4/ip_forward',
  'net/ipv4/conf/all/forwarding',
  'net/ipv4/conf/default/forwarding',
  'net/ipv4/conf/all/route_localnet',
  'net/ipv4/conf/default/route_localnet',
  'net/ipv6/conf/all/forwarding',
  'net/bridge/bridge-nf-call-iptables',
];

export const isRoot = process.getuid?.() === 0;

const STATE_ROOT = '/run/boxlab';

function read(path: string): string | undefined {
  try { return readFileSync(path, 'utf8'); } catch { return undefined; }
}

function tool(file: string, args: string[]): string | undefined {
  try {
    return execFileSync(file, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  } catch {
    return undefined;
  }
}

function list(dir: string, filter: (n: string) => boolean = () => true): string[] {
  try { return readdirSync(dir).filter(filter).map((n) => join(dir, n)).sort(); } catch { return []; }
}

// ------------------------------------------------------------------ ownership

function parentOf(pid: number): number | undefined {
  const stat = read(`/proc/${pid}/stat`);
  if (!stat) return undefined;
  const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // A zombie holds nothing but its pid (and where PID 1 does not reap, as in some
  // containers, an exited orphan stays one): it counts as gone.
  return rest[0] === 'Z' || rest[0] === 'X' ? undefined : Number(rest[1]);
}

/** This process, a descendant of it, or gone: what such an owner made is ours to answer for. */
export function ownedHere(pid: number): boolean {
  for (let p: number | undefined = pid, hops = 0; hops < 64; hops++) {
    if (p === process.pid) return true;
    const parent: number | undefined = parentOf(p);
    if (parent === undefined) return hops === 0; // the owner itself is gone
    if (parent <= 1) return false;
    p = parent;
  }
  return false;
}

/** The pid a lab name carries: bl-PID.jsonl, or bl-TAG-PID-N (blName) in any component. */
export function ownerOf(path: string): number | undefined {
  for (const part of path.split('/').reverse()) {
    const m = /^bl-(\d+)\.jsonl$/.exec(part) ?? /^bl-.*?-(\d+)-\d+$/.exec(part);
    if (m) return Number(m[1]);
  }
  return undefined;
}

const counts = (path: string) => {
  const pid = ownerOf(path);
  return pid === undefined || ownedHere(pid);
};

// ------------------------------------------------------------------ the parts

function mounts(): string[] {
  return (read('/proc/self/mountinfo') ?? '').trim().split('\n').map((line) => {
    const f = line.split(' ');
    const sep = f.indexOf('-');
    return `${f[4]} ${f[sep + 1]} ${f[sep + 2]}`;
  }).filter((m) => counts(m.split(' ')[0]!)).sort();
}

function ipJson<T>(args: string[]): T[] {
  return JSON.parse(tool('ip', ['-j', ...args]) || '[]') as T[];
}

function links(): string[] {
  return ipJson<{ ifname: string; flags: string[]; master?: string; link_type: string; address?: string }>(['link', 'show'])
    .map((l) => `${l.ifname} ${l.link_type} ${l.address ?? ''} ${l.flags.join(',')} ${l.master ?? ''}`.trim())
    .sort();
}

// IPv6 link-local addresses (fe80::/10) and the kernel's routes for them and for
// multicast (ff00::/8) are made by the kernel for each link, a moment after it comes up:
// they follow from `links` and would only make a comparison race the kernel's timer.
const linkLocal = (addr: string) => /^fe80:/i.test(addr);

function addresses(): string[] {
  return ipJson<{ ifname: string; addr_info: { local: string; prefixlen: number }[] }>(['addr', 'show'])
    .flatMap((l) => l.addr_info.filter((a) => !linkLocal(a.local)).map((a) => `${l.ifname} ${a.local}/${a.prefixlen}`))
    .sort();
}

function routes(): string[] {
  const v6 = ipJson<{ dst: string; protocol?: string }>(['-6', 'route', 'show', 'table', 'all'])
    .filter((r) => !(r.protocol === 'kernel' && (linkLocal(r.dst) || r.dst === 'ff00::/8')));
  return [...ipJson<object>(['-4', 'route', 'show', 'table', 'all']), ...v6]
    .map((r) => JSON.stringify({ ...r, expires: undefined }))
    .sort();
}

/** nft -s: without counters; iptables-save: without its date comments and [packets:bytes]. */
function netfilter(): string[] {
  const nft = (tool('nft', ['-s', 'list', 'ruleset']) ?? '').split('\n');
  const ipt = (tool('iptables-save', []) ?? '').split('\n').filter((l) => !l.startsWith('#')).map((l) => l.replace(/\[\d+:\d+\]/g, ''));
  return [...nft, ...ipt].map((l) => l.trimEnd()).filter(Boolean);
}

function sysctls(): Record<string, string> {
  const out: Record<string, string> = {};
  for (const s of TOUCHABLE_SYSCTLS) out[s] = read(`/proc/sys/${s}`)?.trim() ?? '';
  return out;
}

/** The lab's cgroups in every hierarchy mounted under /sys/fs/cgroup, at any depth. */
export function cgroups(): string[] {
  const found: string[] = [];
  const walk = (dir: string, depth: number) => {
    let subdirs: string[];
    try { subdirs = readdirSync(dir, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name); } catch { return; }
    for (const name of subdirs) {
      const path = join(dir, name);
      if (name.startsWith('bl-') && counts(path)) found.push(path);
      if (depth < 12) walk(path, depth + 1);
    }
  };
  for (const line of (read('/proc/self/mountinfo') ?? '').split('\n').filter(Boolean)) {
    const f = line.split(' ');
    const type = f[f.indexOf('-') + 1];
    if ((type === 'cgroup' || type === 'cgroup2') && f[4]!.startsWith('/sys/fs/cgroup')) walk(f[4]!, 0);
  }
  return [...new Set(found)].sort();
}

function stateRoots(): string[] {
  return [...new Set([stateRoot(), STATE_ROOT, ociRoot()])];
}

function stateDirs(): string[] {
  return [...stateRoots().flatMap((r) => list(r, (n) => n.startsWith('bl-'))).filter(counts), ...sharedNet()];
}

/** The host's shared bridge state (src/ledger/host-net.ts): a holder (PID-START-N) or a
 *  lease (naming its holder) of ours or of a dead run, and ip_forward's saved value; the
 *  user-defined networks (src/ledger/networks.ts), what the kernel holds for each, and
 *  their leases of ours or of a dead run. */
function sharedNet(): string[] {
  const dir = join(STATE_ROOT, 'net');
  const ours = (holder: string) => ownedHere(Number(holder.split('-')[0]));
  const leaseHolder = (p: string) => { try { return (JSON.parse(read(p) ?? '{}') as { holder?: string }).holder ?? '0'; } catch { return '0'; } };
  const networks = list(join(dir, 'networks'));
  return [
    ...list(join(dir, 'holders')).filter((p) => ours(p.slice(p.lastIndexOf('/') + 1))),
    ...list(join(dir, 'leases')).filter((p) => ours(read(p) ?? '0')),
    ...list(dir, (n) => n === 'forward'),
    ...networks,
    ...networks.flatMap((n) => list(n, (f) => f === 'active.json')),
    ...networks.flatMap((n) => list(join(n, 'leases')).filter((p) => ours(leaseHolder(p)))),
  ];
}

function ledgers(): string[] {
  return [...new Set([ledgerDir(), join(STATE_ROOT, 'ledger')])].flatMap((d) => list(d, (n) => n.startsWith('bl-'))).filter(counts);
}

/** boxcore processes whose owner (BOXLAB_OWNER, set by Core.start) is ours or gone. */
function processes(): string[] {
  const out: string[] = [];
  for (const pid of readdirSync('/proc').filter((n) => /^\d+$/.test(n))) {
    const comm = read(`/proc/${pid}/comm`)?.trim();
    // A supervisor outlives the command that started it (its parent is init then): it
    // counts whoever started it, as the container it keeps does (bl-ct-... carries no pid).
    if (comm === 'boxlab-supervis' && parentOf(Number(pid)) !== undefined) {
      out.push(`${pid} ${comm}`);
      continue;
    }
    if (!comm?.startsWith('boxcore') || parentOf(Number(pid)) === undefined) continue;
    let owner: string | undefined;
    try { owner = /(?:^|\0)BOXLAB_OWNER=(\d+)/.exec(readFileSync(`/proc/${pid}/environ`, 'latin1'))?.[1]; } catch { continue; }
    if (owner === undefined || ownedHere(Number(owner))) out.push(`${pid} ${comm}`);
  }
  return out.sort();
}

/** Attached loop devices: "loopN FILE" (a detached device has no loop/backing_file). */
function loops(): string[] {
  return list('/sys/block', (n) => n.startsWith('loop')).flatMap((dev) => {
    const file = read(join(dev, 'loop', 'backing_file'))?.trim();
    return file !== undefined && counts(file) ? [`${dev.slice('/sys/block/'.length)} ${file}`] : [];
  });
}

/** The lab's AppArmor profiles loaded in the kernel ([] without AppArmor). */
function apparmor(): string[] {
  return loadedProfiles().filter((n) => n.startsWith('bl-') && counts(n)).sort();
}

export function fingerprint(): HostFingerprint {
  return {
    mounts: mounts(),
    links: links(),
    addresses: addresses(),
    routes: routes(),
    netfilter: netfilter(),
    sysctls: sysctls(),
    netns: existsSync('/run/netns') ? readdirSync('/run/netns').filter((n) => counts(n)).sort() : null,
    cgroups: cgroups(),
    stateDirs: stateDirs(),
    ledgers: ledgers(),
    processes: processes(),
    loops: loops(),
    apparmor: apparmor(),
  };
}

/** Poll until the host matches `before` (a killed process's core and containers end a
 *  moment after it), then return the fingerprint to compare. */
export async function settledFingerprint(before: HostFingerprint, ms = 3000): Promise<HostFingerprint> {
  const want = JSON.stringify(before);
  let now = fingerprint();
  for (const end = Date.now() + ms; JSON.stringify(now) !== want && Date.now() < end; now = fingerprint()) {
    await new Promise((r) => setTimeout(r, 50));
  }
  return now;
}
