// `boxlab run --net none|host|bridge [-p HOSTPORT:CTPORT[/tcp|udp]]`, built from the
// core's network ops the way Docker builds its bridge network:
//
//   none    a new network namespace holding only loopback, brought up
//   host    no network namespace: the container uses the host's links
//   bridge  a new network namespace joined to the bridge bl0 on the host by a veth
//           pair (host end bl-XXXX, container end eth0), an address on bl0's private
//           /24, a default route via bl0, masquerade out, and a DNAT per -p
//
// Everything the bridge network changes on the host is written in the ledger before it
// is made: the veth, the NAT table, and a reference to what every run on the host
// shares - bl0, net.ipv4.ip_forward and the address leases - which has one owner
// however many boxlabs run, with whatever state root (src/ledger/host-net.ts): the
// first run in sets it up, the last one out takes it away.
//
// A published port is reachable from the host's loopback (127.0.0.1:HOSTPORT) the way
// Docker's default does it: a small proxy in this process accepts there and connects
// to the container. The alternative - DNAT in the OUTPUT chain - would need
// route_localnet=1 on bl0, a sysctl that lets 127.0.0.0/8 travel on a real link; the
// proxy leaves the host's settings as they were and dies with the process. DNAT still
// serves the host's other addresses (PREROUTING for traffic from outside, OUTPUT for
// the host's own non-loopback addresses).
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createServer, connect, type Server } from 'node:net';
import { promisify } from 'node:util';
import { randomBytes } from 'node:crypto';
import { type Core } from '../core/index.ts';
import { blName, type Ledger } from '../ledger/index.ts';
import { BRIDGE, IP_FORWARD, hostNet, newHolder, withHostNetLock } from '../ledger/host-net.ts';
import { runtime } from '../text/index.ts';

const run = promisify(execFile);

export const NET_MODES = ['none', 'host', 'bridge'] as const;
export type NetMode = (typeof NET_MODES)[number];

export interface Publish { hostPort: number; ctPort: number; proto: 'tcp' | 'udp' }

export { BRIDGE };

/** A problem with the network a person asked for: a clear sentence, nothing made. */
export class NetworkError extends Error {}

/** "8080:80", "8080:80/tcp", "5353:53/udp". */
export function parsePublish(text: string): Publish {
  const m = /^(\d{1,5}):(\d{1,5})(?:\/(tcp|udp))?$/.exec(text);
  const port = (s: string | undefined) => Number(s);
  if (!m || port(m[1]) < 1 || port(m[1]) > 65535 || port(m[2]) < 1 || port(m[2]) > 65535) throw new NetworkError(runtime.net.badPublish(text));
  return { hostPort: port(m[1]), ctPort: port(m[2]), proto: (m[3] as 'tcp' | 'udp' | undefined) ?? 'tcp' };
}

/** What is wrong with the network part of a run spec, before anything is made. */
export function netErrors(spec: { ns: readonly string[]; net?: NetMode; publish?: Publish[]; rootless?: unknown }): string[] {
  const errors: string[] = [];
  const mode = spec.net ?? 'none';
  const publish = spec.publish ?? [];
  if (mode === 'host' ? spec.ns.includes('net') : !spec.ns.includes('net')) errors.push(runtime.net.netNsConflict(mode));
  if (publish.length && mode !== 'bridge') errors.push(runtime.net.publishNeedsBridge);
  if (mode === 'bridge' && spec.rootless) errors.push(runtime.net.bridgeNeedsRoot);
  const seen = new Set<string>();
  for (const p of publish) {
    const key = `${p.hostPort}/${p.proto}`;
    if (seen.has(key)) errors.push(runtime.net.samePortTwice(p.hostPort));
    seen.add(key);
  }
  return errors;
}

// ---------------------------------------------------------------- subnets

export interface Cidr { addr: number; len: number }

export function parseCidr(text: string): Cidr | undefined {
  const m = /^(\d+)\.(\d+)\.(\d+)\.(\d+)(?:\/(\d+))?$/.exec(text);
  if (!m) return undefined;
  const octets = m.slice(1, 5).map(Number);
  if (octets.some((o) => o > 255)) return undefined;
  const len = m[5] === undefined ? 32 : Number(m[5]);
  if (len > 32) return undefined;
  return { addr: octets.reduce((a, o) => a * 256 + o, 0), len };
}

export function formatIp(addr: number): string {
  return [24, 16, 8, 0].map((s) => Math.floor(addr / 2 ** s) % 256).join('.');
}

/** Do two prefixes share any address? One then contains the other. */
export function overlaps(a: Cidr, b: Cidr): boolean {
  const len = Math.min(a.len, b.len);
  const size = 2 ** (32 - len);
  return Math.floor(a.addr / size) === Math.floor(b.addr / size);
}

/** The private /24s to try, in order: 10.88.x, then 172.18-31.x, then 192.168.x. */
export function* candidateSubnets(): Generator<string> {
  for (let b = 0; b < 256; b++) yield `10.88.${b}.0/24`;
  for (let a = 18; a < 32; a++) for (let b = 0; b < 256; b++) yield `172.${a}.${b}.0/24`;
  for (let b = 0; b < 256; b++) yield `192.168.${b}.0/24`;
}

/** The first candidate that collides with no route the host has (default aside). */
export function pickSubnet(routes: string[]): string | undefined {
  const taken = routes.map(parseCidr).filter((c): c is Cidr => c !== undefined && c.len > 0);
  for (const cand of candidateSubnets()) {
    const c = parseCidr(cand)!;
    if (!taken.some((r) => overlaps(r, c))) return cand;
  }
  return undefined;
}

/** Every IPv4 destination in every routing table of the host (main, local, others). */
async function hostRoutes(): Promise<string[]> {
  const { stdout } = await run('ip', ['-j', '-4', 'route', 'show', 'table', 'all']);
  return (JSON.parse(stdout) as { dst: string }[]).map((r) => r.dst).filter((d) => d && d !== 'default');
}

/** bl0's subnet and address, once it has one ("10.88.0.1/24"). */
async function bridgeAddress(): Promise<string | undefined> {
  const { stdout } = await run('ip', ['-j', '-4', 'addr', 'show', 'dev', BRIDGE]).catch(() => ({ stdout: '[]' }));
  const info = (JSON.parse(stdout) as { addr_info?: { local: string; prefixlen: number }[] }[])[0]?.addr_info?.[0];
  return info ? `${info.local}/${info.prefixlen}` : undefined;
}

// ---------------------------------------------------------------- modes

/** Loopback in the container's own network namespace: down until someone brings it up. */
export async function loopbackUp(core: Core, ct: string): Promise<void> {
  await core.linkUp({ ct }, 'lo');
}

export interface Attached {
  ip: string;
  gateway: string;
  subnet: string;
  hostEnd: string;
  table: string;
  /** Stop the loopback proxies (the ledger removes the rest). */
  close: () => Promise<void>;
}

/** bl0 as it is, or made now (with a free /24) when missing. Called under the host-wide
 *  lock, so no other boxlab makes or removes it meanwhile. */
async function ensureBridge(core: Core): Promise<{ gateway: string; subnet: string }> {
  if (!existsSync(`/sys/class/net/${BRIDGE}`)) {
    const subnet = pickSubnet(await hostRoutes());
    if (!subnet) throw new NetworkError(runtime.net.noFreeSubnet);
    const gateway = `${formatIp(parseCidr(subnet)!.addr + 1)}/24`;
    await core.bridgeAdd({}, BRIDGE);
    await core.addrAdd({}, BRIDGE, gateway);
    await core.linkUp({}, BRIDGE);
    return { gateway: gateway.split('/')[0]!, subnet };
  }
  const addr = await bridgeAddress();
  if (!addr) throw new NetworkError(runtime.net.bridgeWithoutAddress(BRIDGE));
  const c = parseCidr(addr)!;
  const size = 2 ** (32 - c.len);
  return { gateway: formatIp(c.addr), subnet: `${formatIp(Math.floor(c.addr / size) * size)}/${c.len}` };
}

/** Containers need the host to forward between bl0 and its other links. The value before
 *  is kept with the shared state, so the last run out restores it, not the first. */
async function ipForward(core: Core): Promise<void> {
  const old = readFileSync(IP_FORWARD, 'utf8').trim();
  if (old === '1') return;
  hostNet.rememberForward(old);
  await core.sysctl({}, 'net.ipv4.ip_forward', '1');
}

/** The host side of --net bridge, shared by every run on the host: bl0, ip_forward and
 *  an address of bl0's subnet leased to this run. The ledger holds a reference first;
 *  releasing it (at the end, or `boxlab cleanup` after a SIGKILL) frees the address, and
 *  the last reference out removes bl0 and restores ip_forward (src/ledger/host-net.ts). */
export async function joinBridge(core: Core, ledger: Ledger, scope?: string): Promise<{ gateway: string; subnet: string; ip: string }> {
  const holder = newHolder();
  ledger.record({ kind: 'net-share', holder }, scope);
  return withHostNetLock(async () => {
    hostNet.liveHolders(); // a SIGKILLed run's leases are free again
    hostNet.addHolder(holder);
    const { gateway, subnet } = await ensureBridge(core);
    await ipForward(core);
    const base = parseCidr(subnet)!.addr;
    const candidates = Array.from({ length: 253 }, (_, i) => formatIp(base + 2 + i)).filter((ip) => ip !== gateway);
    const ip = hostNet.lease(candidates, holder);
    if (!ip) throw new NetworkError(runtime.net.subnetFull(subnet));
    return { gateway, subnet, ip };
  });
}

/** 127.0.0.1:HOSTPORT -> IP:CTPORT, one connection at a time, as docker-proxy does. */
function loopbackProxy(p: Publish, ip: string): Promise<Server> {
  const server = createServer((client) => {
    const upstream = connect(p.ctPort, ip);
    client.pipe(upstream).pipe(client);
    const end = () => { client.destroy(); upstream.destroy(); };
    client.on('error', end);
    upstream.on('error', end);
    client.on('close', end);
    upstream.on('close', end);
  });
  return new Promise((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) =>
      reject(new NetworkError(err.code === 'EADDRINUSE' ? runtime.net.portInUse(p.hostPort) : err.message)));
    server.listen(p.hostPort, '127.0.0.1', () => resolve(server));
  });
}

/** --net bridge: join the container (already cloned with a network namespace) to bl0.
 *  Its ledger entries carry SCOPE, so a container restarted by its supervisor gives
 *  back its address, link and NAT table each time (Container.stop unwinds the scope). */
export async function attachBridge(core: Core, ledger: Ledger, ct: string, publish: Publish[], scope?: string): Promise<Attached> {
  const { gateway, subnet, ip } = await joinBridge(core, ledger, scope);
  const len = subnet.split('/')[1];

  // The veth pair, made on the host, its inner end moved into the container and
  // renamed eth0 on the way: the steps of `ip link add ... type veth peer ...` and
  // `ip link set ... netns PID name eth0`.
  let hostEnd = '';
  do hostEnd = `bl-${randomBytes(2).toString('hex')}`;
  while (existsSync(`/sys/class/net/${hostEnd}`));
  ledger.record({ kind: 'link', name: hostEnd }, scope);
  await core.vethAdd({}, hostEnd, `${hostEnd}c`);
  await core.linkMove({}, `${hostEnd}c`, { ct }, 'eth0');
  await core.linkMaster({}, hostEnd, BRIDGE);
  await core.linkUp({}, hostEnd);
  await core.addrAdd({ ct }, 'eth0', `${ip}/${len}`);
  await core.linkUp({ ct }, 'eth0');
  await core.routeAdd({ ct }, { dst: 'default', via: gateway });

  // NAT: out with the host's address; in through each published port.
  const table = blName('nat');
  ledger.record({ kind: 'nat', table }, scope);
  await core.natMasquerade({}, table, subnet, BRIDGE);
  const proxies: Server[] = [];
  const close = async () => {
    await Promise.all(proxies.map((s) => new Promise((r) => s.close(r))));
  };
  try {
    for (const p of publish) {
      await core.natDnat({}, table, { port: p.hostPort, to: `${ip}:${p.ctPort}`, proto: p.proto });
      if (p.proto === 'tcp') proxies.push(await loopbackProxy(p, ip));
    }
  } catch (err) {
    await close();
    throw err;
  }
  return { ip, gateway, subnet, hostEnd, table, close };
}
