// net: per network namespace, its links (type, up or down, bridge master, veth peer),
// addresses, routes (main table) and NAT rules, as the kernel holds them.
//
// The namespaces shown: the host's (the one boxlab runs in), the target's when it has
// its own, those of the target's neighbours (a lesson's other containers, by name), and
// every lab-made named namespace (/run/netns/bl-*: the sandbox hosts of the networking
// lessons). A namespace other than our own can only be read from inside: the core's
// net_dump op reads it over rtnetlink from a helper that setns()es there (what `ip -d
// link`, `ip addr`, `ip route` and `ip neigh` would print), and `nft list ruleset` runs
// there under `nsenter --net=FILE` - only when the ruleset changed since it last ran
// (nf_tables counts its changes: net_dump says which generation the rules are at).
//
// Rows are keyed by namespace and name, so moving a veth end into a container reads as
// "- host link X" and "+ container link X", and its peer's row as changed.
import { execFile } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { Core } from '../../core/client.ts';
import type { NetDump, NetTarget } from '../../core/ops.ts';
import { assertAlive, nsInode, type NetDumpFn, type ProbeTarget } from '../probe.ts';
import type { Row, View } from '../types.ts';
import { kernel as words } from '../../text/index.ts';

export const NETNS_DIR = '/run/netns';

/** One network namespace as read. */
export interface NetNamespace {
  label: string;
  inode: string;
  dump: NetDump;
  /** `nft list ruleset` (or `iptables-save -t nat`) as printed there. */
  nat: string;
}

// ---------------------------------------------------------------- reading

function run(file: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(file, args, { timeout: 10_000, maxBuffer: 16 << 20, encoding: 'utf8' }, (err, stdout, stderr) => {
      if (err) reject(new Error(words.commandFailed(`${file} ${args.slice(0, 2).join(' ')}`, stderr.trim().split('\n').pop() || err.message)));
      else resolve(stdout);
    });
  });
}

/** nft where it is installed (looked for once), else iptables-save. */
let nftPath: string | null | undefined;
function findNft(): string | null {
  nftPath ??= (process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin').split(':').map((d) => `${d}/nft`).find((f) => existsSync(f)) ?? null;
  return nftPath;
}

/** Rules whose listing changes without a new generation: counters, quotas, set
 *  elements added or timing out as packets pass. Such a ruleset is read every time. */
const STATEFUL = /\b(counter|quota|expires|last used|dynamic|meter|ct count)\b/;

/** The last ruleset text read per namespace (by its cookie), with its generation. */
const rulesetCache = new Map<string, { generation: number; text: string }>();
const RULESET_CACHE_MAX = 64;

/** The netfilter rules of a namespace as `nft list ruleset` prints them there; the
 *  text read last time when nf_tables says nothing changed since. Without nft, what
 *  `iptables-save -t nat` prints (read every time: iptables-legacy is not nf_tables). */
async function readRuleset(dump: NetDump, nsFile?: string): Promise<string> {
  const nft = findNft();
  const inNs = (argv: string[]) => (nsFile ? run('nsenter', [`--net=${nsFile}`, ...argv]) : run(argv[0]!, argv.slice(1)));
  if (!nft) return inNs(['iptables-save', '-t', 'nat']).catch(() => '');
  const cookie = dump.netns_cookie;
  const generation = dump.nft_generation;
  const known = cookie !== undefined ? rulesetCache.get(cookie) : undefined;
  if (known && known.generation === generation) return known.text;
  const text = await inNs([nft, 'list', 'ruleset']).catch(() => '');
  if (cookie !== undefined && generation !== undefined && !STATEFUL.test(text)) {
    rulesetCache.delete(cookie);
    rulesetCache.set(cookie, { generation, text });
    if (rulesetCache.size > RULESET_CACHE_MAX) rulesetCache.delete(rulesetCache.keys().next().value!);
  }
  return text;
}

/** Read a namespace: over rtnetlink (dump), then its ruleset. `nsFile` names it for
 *  nsenter (none: our own). */
async function readNetNamespace(dump: NetDumpFn, label: string, inode: string, where: NetTarget, nsFile?: string): Promise<NetNamespace> {
  const d = await dump(where);
  return { label, inode, dump: d, nat: await readRuleset(d, nsFile) };
}

/** The lab-made named namespaces: /run/netns/bl-*, with their inodes. */
export function namedNamespaces(): { name: string; path: string; inode: string }[] {
  let names: string[];
  try {
    names = readdirSync(NETNS_DIR).filter((n) => n.startsWith('bl-')).sort();
  } catch {
    return [];
  }
  return names.flatMap((name) => {
    const path = `${NETNS_DIR}/${name}`;
    try {
      return [{ name, path, inode: String(statSync(path).ino) }];
    } catch {
      return []; // deleted while we looked
    }
  });
}

// ---------------------------------------------------------------- rows

/** Link-local IPv6 and multicast routes come with every link that is up: not shown. */
function hidden(dst: string): boolean {
  return dst.startsWith('fe80:') || dst.startsWith('ff00:') || dst.startsWith('multicast');
}

type Link = NetDump['links'][number];

function linkState(l: Link): string {
  if (!l.up) return words.netDown;
  if (!l.running || l.operstate === 'DOWN' || l.operstate === 'LOWERLAYERDOWN') return words.netNoCarrier;
  return words.netUp;
}

/** The peer of a veth: in the same namespace by name; in another by the pair of
 *  indexes (my peer_ifindex is its ifindex, and its peer_ifindex is mine). */
function vethPeer(l: Link, ns: NetNamespace, all: NetNamespace[]): string {
  if (l.kind !== 'veth') return '';
  if (l.peer !== undefined) return words.netPeer(String(l.peer), ns.label);
  if (l.peer_ifindex === undefined) return '';
  for (const other of all) {
    if (other === ns) continue;
    const p = other.dump.links.find((m) => m.ifindex === l.peer_ifindex && m.peer_netnsid !== undefined && m.peer_ifindex === l.ifindex && m.kind === 'veth');
    if (p) return words.netPeer(p.name, other.label);
  }
  return words.netPeerElsewhere(l.peer_ifindex);
}

function linkDetail(l: Link): string {
  if (l.kind === 'vxlan') {
    const d = l.vxlan ?? {};
    return words.netVxlan(String(d.id ?? '?'), d.local ?? '', d.remote ?? d.group ?? '', String(d.port ?? ''), d.dev ?? '');
  }
  return l.type === 'ether' && l.mac ? l.mac : '';
}

/** The nat chains of an `nft list ruleset` (or `iptables-save -t nat`) text, rule by rule. */
export function natRules(text: string): { chain: string; rule: string }[] {
  const out: { chain: string; rule: string }[] = [];
  if (/^\*nat/m.test(text)) {
    // iptables-save: "-A CHAIN rule..."
    for (const line of text.split('\n')) {
      const m = /^-A (\S+) (.*)$/.exec(line);
      if (m) out.push({ chain: `nat ${m[1]}`, rule: m[2]! });
    }
    return out;
  }
  let table = '';
  let chain = '';
  let isNat = false;
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    let m: RegExpExecArray | null;
    if ((m = /^table (\S+ \S+) \{/.exec(line))) table = m[1]!;
    else if ((m = /^chain (\S+) \{/.exec(line))) {
      chain = m[1]!;
      isNat = false;
    } else if (line.startsWith('type nat hook')) isNat = true;
    else if (line === '}' ) isNat = false;
    else if (isNat && line && !line.startsWith('policy')) out.push({ chain: `${table} ${chain}`, rule: line });
  }
  return out;
}

/** Pure: the rows of every namespace read. */
export function netRows(namespaces: NetNamespace[]): Row[] {
  const rows: Row[] = [];
  const row = (ns: NetNamespace, kind: string, key: string, cells: Record<string, string>) =>
    rows.push({
      key: `${ns.label} ${kind} ${key}`,
      cells: { netns: ns.label, kind: words.netKinds[kind] ?? kind, name: '', type: '', state: '', master: '', peer: '', detail: '', ...cells },
    });
  for (const ns of namespaces) {
    const { links, addrs, routes } = ns.dump;
    for (const l of links) {
      row(ns, 'link', l.name, {
        name: l.name,
        type: l.kind ?? l.type,
        state: linkState(l),
        master: l.master === undefined ? '' : String(l.master),
        peer: vethPeer(l, ns, namespaces),
        detail: linkDetail(l),
      });
    }
    for (const l of links) {
      for (const a of addrs) {
        if (a.ifindex !== l.ifindex || (a.scope === 'link' && a.family === 'inet6')) continue;
        const addr = `${a.local}/${a.prefixlen}`;
        row(ns, 'addr', `${l.name} ${addr}`, { name: l.name, type: a.family, detail: addr });
      }
    }
    for (const r of routes) {
      if (hidden(r.dst)) continue;
      // As `ip route` prints it: via, dev, proto (who added it; not shown for "boot",
      // the default of a route added by hand), src.
      const dev = r.dev === undefined ? undefined : String(r.dev);
      const protocol = r.protocol === 'boot' ? undefined : String(r.protocol);
      const detail = [r.gateway && `via ${r.gateway}`, dev && `dev ${dev}`, protocol && `proto ${protocol}`, r.prefsrc && `src ${r.prefsrc}`]
        .filter(Boolean)
        .join(' ');
      const family = (r.gateway ?? r.dst).includes(':') ? 'inet6' : 'inet';
      row(ns, 'route', `${r.dst} ${dev ?? ''}`, { name: r.dst, type: family, detail });
    }
    for (const n of natRules(ns.nat)) row(ns, 'nat', `${n.chain} ${n.rule}`, { name: n.chain, detail: n.rule });
  }
  return rows;
}

// ---------------------------------------------------------------- probe

/** The default reader: a core of our own for this one probe (a lesson passes its own). */
async function withOwnCore<T>(fn: (dump: NetDumpFn) => Promise<T>): Promise<T> {
  const core = await Core.start({ stdio: 'ignore' });
  try {
    return await fn((where) => core.netDump(where));
  } finally {
    await core.close();
  }
}

export async function netProbe(target: ProbeTarget): Promise<View> {
  await assertAlive(target.pid);
  const [theirs, ours] = await Promise.all([nsInode(target.pid, 'net'), nsInode('self', 'net')]);
  const named = namedNamespaces();
  const notes: string[] = [];
  const read = async (dump: NetDumpFn) => {
    const reads: Promise<NetNamespace | undefined>[] = [readNetNamespace(dump, words.netHost, ours, {})];
    if (theirs === ours) notes.push(words.netShared);
    else {
      const name = named.find((n) => n.inode === theirs)?.name;
      reads.push(readNetNamespace(dump, name ?? words.netTarget, theirs, { pid: target.pid }, `/proc/${target.pid}/ns/net`));
    }
    // A neighbour may exit, and a named namespace be deleted, while we read: then it is
    // simply not shown. Each namespace is shown once, under the first name found for it.
    const seen = new Set([ours, theirs]);
    for (const n of target.neighbours ?? []) {
      const inode = await nsInode(n.pid, 'net').catch(() => undefined);
      if (inode === undefined || seen.has(inode)) continue;
      seen.add(inode);
      const name = named.find((x) => x.inode === inode)?.name ?? n.name;
      reads.push(readNetNamespace(dump, name, inode, { pid: n.pid }, `/proc/${n.pid}/ns/net`).catch(() => undefined));
    }
    for (const n of named) {
      if (!seen.has(n.inode)) reads.push(readNetNamespace(dump, n.name, n.inode, { netns: n.name }, n.path).catch(() => undefined));
    }
    return (await Promise.all(reads)).filter((ns): ns is NetNamespace => ns !== undefined);
  };
  const namespaces = target.netDump ? await read(target.netDump) : await withOwnCore(read);
  notes.push(words.netHidden);
  return {
    name: 'net',
    title: words.titles.net,
    columns: ['netns', 'kind', 'name', 'type', 'state', 'master', 'peer', 'detail'],
    rows: netRows(namespaces),
    notes,
  };
}
