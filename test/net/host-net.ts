// The host's network as the network tests may not change it: links, addresses, routes
// (every table, IPv4 and IPv6), netfilter rules (nft and iptables), the sysctls the lab
// may touch, and /run/netns. Each network test file takes it before its first test and
// compares after its last.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { fingerprint, type HostFingerprint } from '../helpers/host.ts';

export interface NetFingerprint {
  links: string[];
  addresses: string[];
  routes: string[];
  netfilter: string;
  sysctls: Record<string, string>;
  netns: string[] | null;
}

export const TOUCHABLE_SYSCTLS = [
  'net/ipv4/ip_forward',
  'net/ipv4/conf/all/forwarding',
  'net/ipv4/conf/all/route_localnet',
  'net/ipv4/conf/default/route_localnet',
  'net/ipv6/conf/all/forwarding',
];

function tool(file: string, args: string[]): string | undefined {
  try {
    return execFileSync(file, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  } catch {
    return undefined;
  }
}

function json<T>(args: string[]): T[] {
  return JSON.parse(tool('ip', ['-j', ...args]) ?? '[]') as T[];
}

export function netFingerprint(): NetFingerprint {
  const links = json<{ ifname: string; flags: string[]; master?: string; link_type: string; address?: string }>(['link', 'show'])
    .map((l) => `${l.ifname} ${l.link_type} ${l.address ?? ''} ${l.flags.join(',')} ${l.master ?? ''}`)
    .sort();
  const addresses = json<{ ifname: string; addr_info: { local: string; prefixlen: number }[] }>(['addr', 'show'])
    .flatMap((l) => l.addr_info.map((a) => `${l.ifname} ${a.local}/${a.prefixlen}`))
    .sort();
  const routes = [...json<object>(['-4', 'route', 'show', 'table', 'all']), ...json<object>(['-6', 'route', 'show', 'table', 'all'])]
    .map((r) => JSON.stringify({ ...r, expires: undefined }))
    .sort();
  // iptables-save prints a date and packet counters: neither is state we make.
  const ipt = (tool('iptables-save', []) ?? '').split('\n').filter((l) => !l.startsWith('#')).map((l) => l.replace(/\[\d+:\d+\]/g, '')).join('\n');
  const netfilter = `${tool('nft', ['list', 'ruleset']) ?? ''}\n${ipt}`;
  const sysctls: Record<string, string> = {};
  for (const s of TOUCHABLE_SYSCTLS) sysctls[s] = existsSync(`/proc/sys/${s}`) ? readFileSync(`/proc/sys/${s}`, 'utf8').trim() : '';
  const netns = existsSync('/run/netns') ? readdirSync('/run/netns').sort() : null;
  return { links, addresses, routes, netfilter, sysctls, netns };
}

/** Pids of boxlab processes these tests started (a SIGKILLed one's core must still go). */
export const startedHere = new Set<number>();

/** The lab's fingerprint (test/helpers/host.ts), counting only what this test process
 *  and the boxlabs it started own: other boxlabs running on the machine at the same
 *  time make and remove their own ledgers, state dirs and cores, which says nothing
 *  about what these tests left. bl-ip-* address leases carry no pid and always count. */
export function ownFingerprint(): HostFingerprint {
  const f = fingerprint();
  const owned = (pid: number) => pid === process.pid || startedHere.has(pid) || parentOf(pid) === process.pid;
  const ours = (path: string) => {
    const pid = /\/bl-(\d+)\.jsonl$/.exec(path)?.[1] ?? /\/bl-[^/]*?-(\d+)-\d+$/.exec(path)?.[1];
    return pid === undefined || owned(Number(pid));
  };
  const ourCore = (entry: string) => {
    try {
      const owner = /(?:^|\0)BOXLAB_OWNER=(\d+)/.exec(readFileSync(`/proc/${entry.split(' ')[0]}/environ`, 'latin1'))?.[1];
      return owner !== undefined && owned(Number(owner));
    } catch {
      return false; // gone
    }
  };
  return { ...f, ledgers: f.ledgers.filter(ours), stateDirs: f.stateDirs.filter(ours), processes: f.processes.filter(ourCore) };
}

function parentOf(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  } catch {
    return undefined;
  }
}
