// The net view as it was read before the core's net_dump: `ip -j` (three times) and
// `nft list ruleset` in a shell in each namespace, under nsenter. Kept as the oracle the
// new reader is compared with on real namespaces (test/net/view.test.ts): the rows
// (and so the diffs and pictures) must be the same. Copied from src/kernel/views/net.ts
// as it stood before issue 18; not used by the lab.
import { execFile } from 'node:child_process';
import { assertAlive, nsInode, type ProbeTarget } from '../../src/kernel/probe.ts';
import type { Row, View } from '../../src/kernel/types.ts';
import { namedNamespaces, natRules } from '../../src/kernel/views/net.ts';
import { kernel as words } from '../../src/text/index.ts';

/** What `ip -j -d addr show` says of one link (the fields this view uses). */
export interface IpLink {
  ifindex: number;
  ifname: string;
  flags?: string[];
  operstate?: string;
  link_type?: string;
  address?: string;
  master?: string;
  /** veth: the peer's name when it is in the same namespace... */
  link?: string;
  /** ...or its index, and link_netnsid, when it is in another. */
  link_index?: number;
  link_netnsid?: number;
  linkinfo?: { info_kind?: string; info_data?: Record<string, unknown> };
  addr_info?: { family: string; local: string; prefixlen: number; scope?: string }[];
}

export interface IpRoute {
  dst: string;
  gateway?: string;
  dev?: string;
  protocol?: string;
  scope?: string;
  prefsrc?: string;
}

/** One network namespace as read. */
export interface NetNamespace {
  label: string;
  inode: string;
  links: IpLink[];
  routes: IpRoute[];
  /** `nft list ruleset` (or `iptables-save -t nat`) as printed there. */
  nat: string;
}

// ---------------------------------------------------------------- reading

/** The commands, in one shell, their outputs split by marker lines. */
const SCRIPT = [
  'ip -j -d addr show',
  'echo ::route',
  'ip -j route show table main',
  'ip -j -6 route show table main',
  'echo ::nat',
  'if command -v nft >/dev/null; then nft list ruleset 2>/dev/null; else iptables-save -t nat 2>/dev/null; fi',
].join('; ');

function sh(file: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(file, args, { timeout: 10_000, maxBuffer: 16 << 20, encoding: 'utf8' }, (err, stdout, stderr) => {
      if (err) reject(new Error(words.commandFailed(`${file} ${args.slice(0, 2).join(' ')}`, stderr.trim().split('\n').pop() || err.message)));
      else resolve(stdout);
    });
  });
}

/** Split the script's output into its parts (pure, for tests on recorded text). */
export function parseNetOutput(label: string, inode: string, text: string): NetNamespace {
  const [addr = '[]', rest = ''] = text.split('\n::route\n');
  const [routeText = '', nat = ''] = rest.split('::nat\n');
  const routes = routeText.split('\n').filter((l) => l.startsWith('[')).flatMap((l) => JSON.parse(l) as IpRoute[]);
  return { label, inode, links: JSON.parse(addr.trim() || '[]') as IpLink[], routes, nat };
}

/** Read a namespace: our own directly, another through its namespace file. */
async function readNetNamespace(label: string, inode: string, nsFile?: string): Promise<NetNamespace> {
  const out = nsFile ? await sh('nsenter', [`--net=${nsFile}`, 'sh', '-c', SCRIPT]) : await sh('sh', ['-c', SCRIPT]);
  return parseNetOutput(label, inode, out);
}

// ---------------------------------------------------------------- rows

/** Link-local IPv6 and multicast routes come with every link that is up: not shown. */
function hidden(dst: string): boolean {
  return dst.startsWith('fe80:') || dst.startsWith('ff00:') || dst.startsWith('multicast');
}

function linkState(l: IpLink): string {
  if (!l.flags?.includes('UP')) return words.netDown;
  if (l.flags.includes('NO-CARRIER') || l.operstate === 'DOWN' || l.operstate === 'LOWERLAYERDOWN') return words.netNoCarrier;
  return words.netUp;
}

/** The peer of a veth: in the same namespace by name; in another by the pair of
 *  indexes (my link_index is its ifindex, and its link_index is mine). */
function vethPeer(l: IpLink, ns: NetNamespace, all: NetNamespace[]): string {
  if (l.linkinfo?.info_kind !== 'veth') return '';
  if (l.link) return words.netPeer(l.link, ns.label);
  if (l.link_index === undefined) return '';
  for (const other of all) {
    if (other === ns) continue;
    const p = other.links.find((m) => m.ifindex === l.link_index && m.link_index === l.ifindex && m.linkinfo?.info_kind === 'veth');
    if (p) return words.netPeer(p.ifname, other.label);
  }
  return words.netPeerElsewhere(l.link_index);
}

function linkDetail(l: IpLink): string {
  const d = l.linkinfo?.info_data ?? {};
  if (l.linkinfo?.info_kind === 'vxlan') {
    return words.netVxlan(String(d.id ?? '?'), String(d.local ?? ''), String(d.remote ?? d.group ?? ''), String(d.port ?? ''), String(d.link ?? ''));
  }
  return l.link_type === 'ether' && l.address ? l.address : '';
}

/** Pure: the rows of every namespace read. */
export function oracleNetRows(namespaces: NetNamespace[]): Row[] {
  const rows: Row[] = [];
  const row = (ns: NetNamespace, kind: string, key: string, cells: Record<string, string>) =>
    rows.push({
      key: `${ns.label} ${kind} ${key}`,
      cells: { netns: ns.label, kind: words.netKinds[kind] ?? kind, name: '', type: '', state: '', master: '', peer: '', detail: '', ...cells },
    });
  for (const ns of namespaces) {
    for (const l of ns.links) {
      row(ns, 'link', l.ifname, {
        name: l.ifname,
        type: l.linkinfo?.info_kind ?? l.link_type ?? '',
        state: linkState(l),
        master: l.master ?? '',
        peer: vethPeer(l, ns, namespaces),
        detail: linkDetail(l),
      });
    }
    for (const l of ns.links) {
      for (const a of l.addr_info ?? []) {
        if (a.scope === 'link' && a.family === 'inet6') continue;
        const addr = `${a.local}/${a.prefixlen}`;
        row(ns, 'addr', `${l.ifname} ${addr}`, { name: l.ifname, type: a.family, detail: addr });
      }
    }
    for (const r of ns.routes) {
      if (hidden(r.dst)) continue;
      // As `ip route` prints it: via, dev, proto (who added it), src.
      const detail = [r.gateway && `via ${r.gateway}`, r.dev && `dev ${r.dev}`, r.protocol && `proto ${r.protocol}`, r.prefsrc && `src ${r.prefsrc}`]
        .filter(Boolean)
        .join(' ');
      const family = (r.gateway ?? r.dst).includes(':') ? 'inet6' : 'inet';
      row(ns, 'route', `${r.dst} ${r.dev ?? ''}`, { name: r.dst, type: family, detail });
    }
    for (const n of natRules(ns.nat)) row(ns, 'nat', `${n.chain} ${n.rule}`, { name: n.chain, detail: n.rule });
  }
  return rows;
}

// ---------------------------------------------------------------- probe

export async function oracleNetProbe(target: ProbeTarget): Promise<View> {
  await assertAlive(target.pid);
  const [theirs, ours] = await Promise.all([nsInode(target.pid, 'net'), nsInode('self', 'net')]);
  const named = namedNamespaces();
  const notes: string[] = [];
  const reads: Promise<NetNamespace>[] = [readNetNamespace(words.netHost, ours)];
  if (theirs === ours) notes.push(words.netShared);
  else {
    const name = named.find((n) => n.inode === theirs)?.name;
    reads.push(readNetNamespace(name ?? words.netTarget, theirs, `/proc/${target.pid}/ns/net`));
  }
  // A neighbour may exit, and a named namespace be deleted, while we read: then it is
  // simply not shown. Each namespace is shown once, under the first name found for it.
  const seen = new Set([ours, theirs]);
  for (const n of target.neighbours ?? []) {
    const inode = await nsInode(n.pid, 'net').catch(() => undefined);
    if (inode === undefined || seen.has(inode)) continue;
    seen.add(inode);
    const name = named.find((x) => x.inode === inode)?.name ?? n.name;
    reads.push(readNetNamespace(name, inode, `/proc/${n.pid}/ns/net`).catch(() => undefined as never));
  }
  for (const n of named) {
    if (!seen.has(n.inode)) reads.push(readNetNamespace(n.name, n.inode, n.path).catch(() => undefined as never));
  }
  const namespaces = (await Promise.all(reads)).filter((ns): ns is NetNamespace => ns !== undefined);
  notes.push(words.netHidden);
  return {
    name: 'net',
    title: words.titles.net,
    columns: ['netns', 'kind', 'name', 'type', 'state', 'master', 'peer', 'detail'],
    rows: oracleNetRows(namespaces),
    notes,
  };
}
