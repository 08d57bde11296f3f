// Taking the lab's netfilter rules away again: a NAT table (nat_masquerade, nat_dnat)
// and a bridge's isolation rules (net_isolate), with the tool that made them - nft, or
// iptables' chains and their jumps. Each is idempotent: a table already gone is fine.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Run ARGV in the named network namespace (ip netns exec), or here. */
const inNetns = (netns: string | undefined) => (argv: string[]) =>
  (netns ? ['ip', ['netns', 'exec', netns, ...argv]] : [argv[0]!, argv.slice(1)]) as [string, string[]];

/** A NAT table as the ledger names it (Resource's kind nat). */
export interface NatTable { table: string; tool?: 'nft' | 'iptables'; netns?: string; madeKernelNatTable?: boolean }

/** Take a NAT table away with the tool that made it; one already gone is fine. */
export async function removeNat(r: NatTable): Promise<void> {
  const inNs = inNetns(r.netns);
  const commands: string[][] = [];
  if (r.tool !== 'iptables') commands.push(['nft', 'delete', 'table', 'ip', r.table]);
  if (r.tool !== 'nft') {
    const chain = (s: string) => `${r.table}-${s}`;
    commands.push(
      ['iptables', '-t', 'nat', '-D', 'PREROUTING', '-m', 'addrtype', '--dst-type', 'LOCAL', '-j', chain('PRE')],
      ['iptables', '-t', 'nat', '-D', 'OUTPUT', '-m', 'addrtype', '--dst-type', 'LOCAL', '-j', chain('OUT')],
      ['iptables', '-t', 'nat', '-D', 'POSTROUTING', '-j', chain('POST')],
      ...['PRE', 'OUT', 'POST'].flatMap((s) => [['iptables', '-t', 'nat', '-F', chain(s)], ['iptables', '-t', 'nat', '-X', chain(s)]]),
    );
  }
  for (const argv of commands) await run(...inNs(argv)).catch(() => undefined);
  if (r.madeKernelNatTable && (await natTableIsEmpty(inNs))) await run(...inNs(['nft', 'delete', 'table', 'ip', 'nat'])).catch(() => undefined);
}

/** Is there an `ip nat` table in nf_tables (nft installed)? What a recorder asks before
 *  iptables makes chains, to fill in madeKernelNatTable. */
export async function kernelNatTableExists(netns?: string): Promise<boolean> {
  return run(...inNetns(netns)(['nft', 'list', 'table', 'ip', 'nat'])).then(() => true, () => false);
}

/** The `ip nat` table holds no rule and no chain but the base ones iptables made. */
async function natTableIsEmpty(inNs: (argv: string[]) => [string, string[]]): Promise<boolean> {
  const out = await run(...inNs(['nft', '-j', 'list', 'table', 'ip', 'nat'])).then((x) => x.stdout, () => '');
  if (!out) return false;
  const items = (JSON.parse(out) as { nftables: Record<string, { hook?: string; policy?: string }>[] }).nftables;
  const chains = items.flatMap((i) => (i.chain ? [i.chain] : []));
  return !items.some((i) => i.rule || i.set || i.map) && chains.every((c) => c.hook && c.policy === 'accept');
}

/** Take a bridge's isolation rules away (net_isolate): nft's `ip` and `bridge` tables of
 *  that name, or iptables' NAME-FWD chain and ebtables' NAME-ICC chain with their jumps. */
export async function removeIsolation(table: string, tool?: 'nft' | 'iptables', netns?: string): Promise<void> {
  const commands: string[][] = [];
  if (tool !== 'iptables') commands.push(['nft', 'delete', 'table', 'ip', table], ['nft', 'delete', 'table', 'bridge', table]);
  if (tool !== 'nft') {
    const fwd = `${table}-FWD`;
    const icc = `${table}-ICC`;
    commands.push(
      ['iptables', '-t', 'filter', '-D', 'FORWARD', '-j', fwd], ['iptables', '-t', 'filter', '-F', fwd], ['iptables', '-t', 'filter', '-X', fwd],
      ['ebtables', '-t', 'filter', '-D', 'FORWARD', '-j', icc], ['ebtables', '-t', 'filter', '-F', icc], ['ebtables', '-t', 'filter', '-X', icc],
    );
  }
  // Each command on its own: a missing table or chain makes one fail, not the rest.
  for (const argv of commands) await run(...inNetns(netns)(argv)).catch(() => undefined);
}
