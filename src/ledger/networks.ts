// The state of the user-defined networks (`boxlab network create NAME`), kept with the
// rest of the host's shared network state under /run/boxlab/net and changed only under
// its lock (host-net.ts), whatever state root a boxlab uses:
//
//   networks/NAME/network.json   what the network is: id, subnet, gateway, icc
//   networks/NAME/active.json    what is made in the kernel for it while containers use
//                                it (its bridge bl-br-ID, its NAT and isolation tables),
//                                written before any of it is made
//   networks/NAME/leases/IP      an address leased to a container: its holder (a
//                                reference of host-net.ts: PID-START-N) and its name
//
// A network is defined until `boxlab network rm`, as a Docker network is; but nothing
// of it is in the kernel unless a running container uses it: the first container in
// makes its bridge and tables, and the last one out (or `boxlab cleanup`, once no live
// holder is left) takes them away (teardownNetwork). The files are read back as
// hostile: bounded, and every field checked, before anything is done with them.
import { closeSync, constants, fstatSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { removeIsolation, removeNat } from './netfilter.ts';

const run = promisify(execFile);

export const NETWORKS_DIR = '/run/boxlab/net/networks';

/** A network's name, as Docker takes one (and short enough to read in a table). */
export const NETWORK_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,63}$/;
/** A container's name on a network, as Docker takes one: also what DNS answers for. */
export const CONTAINER_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,62}$/;

export interface NetworkDef {
  name: string;
  /** 12 hex digits; the bridge and tables are named after its first 8 */
  id: string;
  subnet: string;
  gateway: string;
  /** containers of the network may talk to each other (Docker's enable_icc) */
  icc: boolean;
  /** ISO time */
  created: string;
}

export type Tool = 'nft' | 'iptables';

/** What the kernel holds for a network while containers use it. */
export interface NetworkActive {
  bridge: string;
  nat: { table: string; tool?: Tool };
  isolation: { table: string; tool?: Tool };
}

export interface NetworkLease { ip: string; holder: string; name?: string }

/** The names the network's kernel objects get: bl-br-ID8, bl-nat-ID8, bl-iso-ID8. */
export const bridgeOf = (id: string) => `bl-br-${id.slice(0, 8)}`;
export const natTableOf = (id: string) => `bl-nat-${id.slice(0, 8)}`;
export const isolationTableOf = (id: string) => `bl-iso-${id.slice(0, 8)}`;

/** What any file here may hold at most: a line of JSON. */
const FILE_MAX = 64 << 10;

const dirOf = (name: string) => join(NETWORKS_DIR, name);

/** A file of ours: regular, not a link, not too large; undefined when absent or not so. */
function readOwn(path: string): string | undefined {
  let fd: number;
  try { fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK); } catch { return undefined; }
  try {
    const st = fstatSync(fd);
    if (!st.isFile() || st.size > FILE_MAX || st.uid !== (process.geteuid?.() ?? 0)) return undefined;
    return readFileSync(fd, 'utf8');
  } finally {
    closeSync(fd);
  }
}

function readJson(path: string): Record<string, unknown> | undefined {
  const text = readOwn(path);
  if (text === undefined) return undefined;
  try {
    const v = JSON.parse(text) as unknown;
    return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** Written whole or not at all: a reader (the resolver, without the lock) never sees
 *  half a file. */
function writeJson(path: string, value: object): void {
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, JSON.stringify(value) + '\n', { mode: 0o600 });
  renameSync(tmp, path);
}

const IPV4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;
const isIp = (s: unknown): s is string => typeof s === 'string' && IPV4.test(s) && s.split('.').every((o) => Number(o) < 256);
const isSubnet = (s: unknown): s is string => typeof s === 'string' && /^[\d.]+\/\d{1,2}$/.test(s) && isIp(s.split('/')[0]) && Number(s.split('/')[1]) <= 32;
const isHolder = (s: unknown): s is string => typeof s === 'string' && /^\d+-\d+-\d+$/.test(s);
const isTable = (t: unknown): t is { table: string; tool?: Tool } => {
  const v = t as { table?: unknown; tool?: unknown } | null;
  return v !== null && typeof v === 'object' && typeof v.table === 'string' && /^bl-[\w-]{1,20}$/.test(v.table) &&
    (v.tool === undefined || v.tool === 'nft' || v.tool === 'iptables');
};

export function readNetwork(name: string): NetworkDef | undefined {
  if (!NETWORK_NAME.test(name)) return undefined;
  const v = readJson(join(dirOf(name), 'network.json'));
  if (!v || v.name !== name || typeof v.id !== 'string' || !/^[0-9a-f]{12}$/.test(v.id) || !isSubnet(v.subnet) ||
      !isIp(v.gateway) || typeof v.icc !== 'boolean' || typeof v.created !== 'string') return undefined;
  return { name, id: v.id, subnet: v.subnet, gateway: v.gateway, icc: v.icc, created: v.created };
}

/** The names of the networks defined (directories whose network.json reads back). */
export function networkNames(): string[] {
  let names: string[];
  try { names = readdirSync(NETWORKS_DIR); } catch { return []; }
  return names.filter((n) => readNetwork(n) !== undefined).sort();
}

export function listNetworks(): NetworkDef[] {
  return networkNames().map((n) => readNetwork(n)!);
}

export function writeNetwork(def: NetworkDef): void {
  mkdirSync(join(dirOf(def.name), 'leases'), { recursive: true, mode: 0o700 });
  writeJson(join(dirOf(def.name), 'network.json'), def);
}

/** The network's files go (its kernel objects must be gone first: teardownNetwork). */
export function deleteNetwork(name: string): void {
  if (NETWORK_NAME.test(name)) rmSync(dirOf(name), { recursive: true, force: true });
}

export function readActive(name: string): NetworkActive | undefined {
  const v = readJson(join(dirOf(name), 'active.json'));
  if (!v || typeof v.bridge !== 'string' || !/^bl-br-[0-9a-f]{8}$/.test(v.bridge) || !isTable(v.nat) || !isTable(v.isolation)) return undefined;
  return { bridge: v.bridge, nat: v.nat, isolation: v.isolation };
}

export function writeActive(name: string, active: NetworkActive): void {
  writeJson(join(dirOf(name), 'active.json'), active);
}

/** Everything the kernel holds for the network goes: its bridge (and with it the ports
 *  of containers still on it), its NAT table, its isolation tables. Each step is safe
 *  to repeat, so a teardown cut short is finished by the next. */
export async function teardownNetwork(name: string): Promise<void> {
  const active = readActive(name);
  if (!active) return rmSync(join(dirOf(name), 'active.json'), { force: true });
  await run('ip', ['link', 'del', active.bridge]).catch(() => undefined); // gone already: fine
  await removeNat(active.nat);
  await removeIsolation(active.isolation.table, active.isolation.tool);
  rmSync(join(dirOf(name), 'active.json'), { force: true });
}

export function leases(name: string): NetworkLease[] {
  let ips: string[];
  try { ips = readdirSync(join(dirOf(name), 'leases')); } catch { return []; }
  return ips.filter(isIp).flatMap((ip) => {
    const v = readJson(join(dirOf(name), 'leases', ip));
    if (!v || !isHolder(v.holder) || (v.name !== undefined && (typeof v.name !== 'string' || !CONTAINER_NAME.test(v.name)))) return [];
    return [{ ip, holder: v.holder, ...(v.name !== undefined ? { name: v.name } : {}) }];
  });
}

/** The first of `candidates` nobody leases, now leased to `holder` (named `name`). */
export function lease(network: string, candidates: string[], holder: string, name?: string): string | undefined {
  let taken: Set<string>;
  try { taken = new Set(readdirSync(join(dirOf(network), 'leases'))); } catch { taken = new Set(); }
  const ip = candidates.find((c) => !taken.has(c));
  if (ip) writeJson(join(dirOf(network), 'leases', ip), { holder, ...(name ? { name } : {}) });
  return ip;
}

/** Drop the leases of every network whose holder `gone` says is gone. */
export function dropLeases(gone: (holder: string) => boolean): void {
  for (const network of networkNames()) {
    let ips: string[];
    try { ips = readdirSync(join(dirOf(network), 'leases')); } catch { continue; }
    for (const ip of ips) {
      const v = readJson(join(dirOf(network), 'leases', ip));
      if (!v || !isHolder(v.holder) || gone(v.holder)) rmSync(join(dirOf(network), 'leases', ip), { force: true });
    }
  }
}
