// User-defined bridge networks, as Docker's `docker network create` makes them: each a
// bridge of its own (bl-br-ID) with a private subnet that overlaps no route of the
// host, masquerade out (bl-nat-ID), and kept apart in the ruleset from every other
// lab bridge (bl-iso-ID: bl0 and the other networks), optionally with its containers
// kept apart from each other too (icc=false). Containers on one network reach each
// other, and find each other by name through the embedded resolver (resolver.ts).
//
// A network is defined by `boxlab network create` and stays until `boxlab network rm`;
// what it needs in the kernel is made when its first container joins and taken away
// when the last one leaves (src/ledger/networks.ts, host-net.ts), all under the
// host-wide lock of /run/boxlab/net, where each container holds a reference first.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Core } from '../core/index.ts';
import { blName, type Ledger } from '../ledger/index.ts';
import { BRIDGE, holderAlive, hostNet, leaveHostNet, newHolder, withHostNetLock } from '../ledger/host-net.ts';
import {
  bridgeOf, CONTAINER_NAME, deleteNetwork, NETWORKS_DIR, isolationTableOf, lease, leases, listNetworks, natTableOf, NETWORK_NAME,
  readActive, readNetwork, teardownNetwork, writeActive, writeNetwork, type NetworkActive, type NetworkDef,
} from '../ledger/networks.ts';
import { runtime } from '../text/index.ts';
import {
  bridgeAddress, formatIp, hostAddresses, hostRoutes, ipForward, NET_MODES, NetworkError, overlaps, parseCidr, pickSubnet, plugIn,
  publishPorts, type Attached, type Publish,
} from './network.ts';
import { startResolver, type Resolver } from './resolver.ts';

/** Where a container's DNS questions go, inside it: Docker's address. */
export const EMBEDDED_DNS = '127.0.0.11';

export interface CreateOptions {
  subnet?: string;
  /** --opt KEY=VALUE: icc=false, or Docker's com.docker.network.bridge.enable_icc=false */
  options: Record<string, string>;
}

const ICC_KEYS = ['icc', 'com.docker.network.bridge.enable_icc'];

/** --opt's words: only the keys boxlab knows, with true or false. */
export function parseOptions(opts: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const o of opts) {
    const eq = o.indexOf('=');
    const key = eq > 0 ? o.slice(0, eq) : '';
    const value = o.slice(eq + 1);
    if (!ICC_KEYS.includes(key) || !/^(true|false)$/.test(value)) throw new NetworkError(runtime.networks.badOption(o, ICC_KEYS));
    out[key] = value;
  }
  return out;
}

/** A name a network may have: Docker's rule, and none of the networks every host has. */
export function networkNameError(name: string): string | undefined {
  if ((NET_MODES as readonly string[]).includes(name)) return runtime.networks.reservedName(name);
  if (!NETWORK_NAME.test(name)) return runtime.networks.badName(name);
  return undefined;
}

/** The subnets taken already: the host's routes, bl0's, every other network's. */
async function takenSubnets(): Promise<{ cidr: string; what: string }[]> {
  const bl0 = await bridgeAddress(BRIDGE);
  return [
    ...(await hostRoutes()).map((cidr) => ({ cidr, what: runtime.networks.takenByRoute(cidr) })),
    ...(bl0 ? [{ cidr: bl0, what: runtime.networks.takenByBridge(BRIDGE) }] : []),
    ...listNetworks().map((n) => ({ cidr: n.subnet, what: runtime.networks.takenByNetwork(n.name) })),
  ];
}

/** `boxlab network create`: the definition, under the lock. Nothing is made in the
 *  kernel until a container joins. */
export async function createNetwork(name: string, opts: CreateOptions): Promise<NetworkDef> {
  const bad = networkNameError(name);
  if (bad) throw new NetworkError(bad);
  let asked: ReturnType<typeof parseCidr>;
  if (opts.subnet !== undefined) {
    asked = parseCidr(opts.subnet);
    if (!asked || !opts.subnet.includes('/') || asked.len < 8 || asked.len > 29) throw new NetworkError(runtime.networks.badSubnet(opts.subnet));
    const size = 2 ** (32 - asked.len);
    if (asked.addr % size !== 0) throw new NetworkError(runtime.networks.notNetworkAddress(opts.subnet, `${formatIp(asked.addr - (asked.addr % size))}/${asked.len}`));
  }
  const icc = !ICC_KEYS.some((k) => opts.options[k] === 'false');
  // Refused, it leaves nothing: not even the shared directory its lock made.
  return withHostNetLock(async () => {
    if (readNetwork(name)) throw new NetworkError(runtime.networks.exists(name));
    const taken = await takenSubnets();
    let subnet = opts.subnet;
    if (subnet) {
      const clash = taken.find((t) => { const c = parseCidr(t.cidr); return c && c.len > 0 && overlaps(c, asked!); });
      if (clash) throw new NetworkError(runtime.networks.overlap(subnet, clash.what));
    } else {
      subnet = pickSubnet(taken.map((t) => t.cidr));
      if (!subnet) throw new NetworkError(runtime.net.noFreeSubnet);
    }
    const def: NetworkDef = {
      name, id: randomBytes(6).toString('hex'), subnet, gateway: formatIp(parseCidr(subnet)!.addr + 1), icc, created: new Date().toISOString(),
    };
    writeNetwork(def);
    return def;
  }).catch(async (err: unknown) => {
    await leaveHostNet();
    throw err;
  });
}

/** `boxlab network rm`: refused while a running container is on it. */
export async function removeNetwork(name: string): Promise<void> {
  await withHostNetLock(async () => {
    if (!readNetwork(name)) throw new NetworkError(runtime.networks.noNetwork(name));
    hostNet.liveHolders();
    const on = leases(name);
    if (on.length) throw new NetworkError(runtime.networks.inUse(name, on.map((l) => l.name ?? l.ip)));
    await teardownNetwork(name);
    deleteNetwork(name);
  });
  // With the last network gone and no run left, nothing is left to share: the sweep
  // takes the shared directory away (and anything a killed run left in it).
  await leaveHostNet();
}

export interface NetworkReport extends NetworkDef {
  /** the bridge, when containers use the network (else it is not in the kernel) */
  bridge?: string;
  containers: { name?: string; ip: string }[];
}

/** `boxlab network ls` and `inspect`: what is defined, and who is on it now. */
export async function networkReports(): Promise<NetworkReport[]> {
  // None defined: nothing to lock, and no shared directory made just to look.
  if (!existsSync(NETWORKS_DIR)) return [];
  return withHostNetLock(async () => {
    hostNet.liveHolders();
    return listNetworks().map((n) => ({
      ...n, ...(readActive(n.name) ? { bridge: readActive(n.name)!.bridge } : {}),
      containers: leases(n.name).map((l) => ({ ...(l.name ? { name: l.name } : {}), ip: l.ip })),
    }));
  });
}

/** The network's bridge and rules, made now if no container has made them: its state
 *  says what will be made before any of it is. Called under the lock. */
async function activate(core: Core, def: NetworkDef): Promise<NetworkActive> {
  const now = readActive(def.name);
  if (now && existsSync(`/sys/class/net/${now.bridge}`)) return now;
  await teardownNetwork(def.name); // what a teardown cut short left
  const active: NetworkActive = { bridge: bridgeOf(def.id), nat: { table: natTableOf(def.id) }, isolation: { table: isolationTableOf(def.id) } };
  writeActive(def.name, active);
  try {
    await core.bridgeAdd({}, active.bridge);
    await core.addrAdd({}, active.bridge, `${def.gateway}/${def.subnet.split('/')[1]}`);
    await core.linkUp({}, active.bridge);
    active.nat.tool = (await core.natMasquerade({}, active.nat.table, def.subnet, active.bridge)).tool;
    writeActive(def.name, active);
    active.isolation.tool = (await core.netIsolate({}, active.isolation.table,
      { bridge: active.bridge, isolate: [BRIDGE, 'bl-br-*'], subnet: def.subnet, icc: def.icc })).tool;
    writeActive(def.name, active);
    return active;
  } catch (err) {
    await teardownNetwork(def.name);
    throw err;
  }
}

/** The host side of --net NETWORK: a reference in the ledger first, then under the lock
 *  the network's bridge (made if this is its first container), ip_forward, and an
 *  address leased to this container under its name. */
export async function joinNetwork(core: Core, ledger: Ledger, network: string, name: string | undefined, scope?: string) {
  const holder = newHolder();
  ledger.record({ kind: 'net-share', holder }, scope);
  return withHostNetLock(async () => {
    hostNet.liveHolders(); // a SIGKILLed run's leases and names are free again
    const def = readNetwork(network);
    if (!def) throw new NetworkError(runtime.networks.noNetwork(network));
    if (name && leases(network).some((l) => l.name === name)) throw new NetworkError(runtime.networks.nameTaken(name, network));
    hostNet.addHolder(holder, network);
    const active = await activate(core, def);
    await ipForward(core);
    const ip = lease(network, hostAddresses(def.subnet, def.gateway), holder, name);
    if (!ip) throw new NetworkError(runtime.net.subnetFull(def.subnet));
    return { def, bridge: active.bridge, ip };
  });
}

/** What NAME is on NETWORK now: the address of a running container of that name
 *  (NAME or NAME.NETWORK, in any case). */
export function lookupOn(network: string): (name: string) => string | undefined {
  const suffix = `.${network.toLowerCase()}`;
  return (asked) => {
    const name = asked.endsWith(suffix) ? asked.slice(0, -suffix.length) : asked;
    return leases(network).find((l) => l.name?.toLowerCase() === name && holderAlive(l.holder))?.ip;
  };
}

/** --net NETWORK: the container (cloned with a network namespace) on the network's
 *  bridge, its names answered by a resolver of this process, reached from inside at
 *  127.0.0.11:53 through a DNAT in the container's own namespace. The container's
 *  /etc/resolv.conf must then say so (writeResolvConf). */
export async function attachNetwork(core: Core, ledger: Ledger, ct: string, network: string, name: string | undefined, publish: Publish[], scope?: string): Promise<Attached> {
  const { def, bridge, ip } = await joinNetwork(core, ledger, network, name, scope);
  const hostEnd = await plugIn(core, ledger, ct, bridge, { ip, subnet: def.subnet, gateway: def.gateway }, scope);
  let resolver: Resolver | undefined;
  let stopProxies = async () => undefined as void;
  const close = async () => { await stopProxies(); await resolver?.close(); };
  try {
    resolver = await startResolver(def.gateway, ip, lookupOn(network));
    // Inside: what is sent to 127.0.0.11:53 goes to GATEWAY:PORT, from eth0's address
    // (a packet from 127.0.0.1 may leave by eth0 only with route_localnet there). The
    // table lives and dies with the container's network namespace.
    await core.natDnat({ ct }, blName('dns'), { port: 53, to: `${def.gateway}:${resolver.port}`, proto: 'udp', daddr: EMBEDDED_DNS });
    await core.sysctl({ ct }, 'net.ipv4.conf.eth0.route_localnet', '1');
    let table: string | undefined;
    if (publish.length) {
      table = blName('nat');
      ledger.record({ kind: 'nat', table }, scope);
      stopProxies = await publishPorts(core, table, ip, publish);
    }
    return { ip, gateway: def.gateway, subnet: def.subnet, hostEnd, ...(table ? { table } : {}), nameserver: EMBEDDED_DNS, close };
  } catch (err) {
    await close();
    throw err;
  }
}

/** The container's /etc/resolv.conf, written into its overlay's upper directory before
 *  the overlay is mounted (so it shadows the image's), as Docker writes one for a
 *  container on a user-defined network. */
export function writeResolvConf(upper: string, nameserver: string): void {
  mkdirSync(join(upper, 'etc'), { recursive: true, mode: 0o755 });
  writeFileSync(join(upper, 'etc', 'resolv.conf'), `nameserver ${nameserver}\noptions ndots:0\n`, { mode: 0o644, flag: 'wx' });
}

/** A container name, as Docker takes one. */
export function containerNameError(name: string): string | undefined {
  return CONTAINER_NAME.test(name) ? undefined : runtime.networks.badContainerName(name);
}
