// Sandbox "hosts" for the networking lessons: a network namespace of the lab's own
// stands in for a machine, so a learner can build a docker0-like bridge, NAT, published
// ports, and two machines joined by an underlay and a VXLAN overlay - while the real
// host's links, routes, firewall and sysctls never change.
//
// Everything here is a core op (the same ones `boxlab run --net bridge` uses on the
// real host), so each step can be shown with its syscalls and `ip` command. Only the
// namespace itself goes in the ledger: links, addresses, rules and sysctls live inside
// it and vanish with it.
import { existsSync } from 'node:fs';
import type { Core, NetTarget } from '../core/index.ts';
import { blName, type Ledger } from '../ledger/index.ts';
import { runtime } from '../text/index.ts';
import { formatIp, parseCidr } from './network.ts';

/** "10.0.0.0/24", 5 -> "10.0.0.5/24" */
function hostAddress(subnet: string, n: number): string {
  const c = parseCidr(subnet);
  if (!c) throw new Error(runtime.notSubnet(subnet));
  return `${formatIp(c.addr + n)}/${c.len}`;
}

const ip = (cidr: string) => cidr.split('/')[0]!;

export class SandboxHost {
  /** The NAT table of this host (a table of its own inside its namespace). */
  readonly natTable = 'bl-nat';
  private veths = 0;

  private constructor(readonly core: Core, readonly netns: string, private ledger: Ledger, private entry: number) {}

  get where(): NetTarget { return { netns: this.netns }; }

  /** A new machine: a named network namespace with its loopback up. */
  static async create(core: Core, ledger: Ledger, tag: string): Promise<SandboxHost> {
    const name = blName(`host-${tag}`);
    const entry = ledger.record({ kind: 'netns', name, rmdir: !existsSync('/run/netns') });
    try {
      await core.netnsAdd(name);
    } catch (err) {
      ledger.forget(entry.id);
      throw err;
    }
    const host = new SandboxHost(core, name, ledger, entry.id);
    await core.linkUp(host.where, 'lo');
    return host;
  }

  /** A bridge with the host's address on it (GW/LEN), up: docker0 on a Docker host. */
  async bridge(name: string, address?: string): Promise<void> {
    await this.core.bridgeAdd(this.where, name);
    if (address) await this.core.addrAdd(this.where, name, address);
    await this.core.linkUp(this.where, name);
  }

  /** Join a container to one of this host's bridges with a veth pair: the host end
   *  (veth0, veth1...) is a port of the bridge, the other end is the container's eth0
   *  with `address`, and its default route goes via `gateway` when given. */
  async attach(ct: string, bridge: string, address: string, gateway?: string): Promise<string> {
    const hostEnd = `veth${this.veths++}`;
    await this.core.vethAdd(this.where, hostEnd, 'eth0', { ct });
    await this.core.linkMaster(this.where, hostEnd, bridge);
    await this.core.linkUp(this.where, hostEnd);
    await this.core.linkUp({ ct }, 'lo');
    await this.core.addrAdd({ ct }, 'eth0', address);
    await this.core.linkUp({ ct }, 'eth0');
    if (gateway) await this.core.routeAdd({ ct }, { dst: 'default', via: gateway });
    return hostEnd;
  }

  /** Forwarding on, and masquerade for `subnet` leaving by any link but `bridge`. */
  async nat(subnet: string, bridge: string): Promise<void> {
    await this.core.sysctl(this.where, 'net.ipv4.ip_forward', '1');
    await this.core.natMasquerade(this.where, this.natTable, subnet, bridge);
  }

  /** Publish PORT of this host to `to` (IP:PORT), also on its own 127.0.0.1: that needs
   *  route_localnet on the bridge, a sysctl that is harmless in a sandbox. */
  async publish(port: number, to: string, bridge: string): Promise<void> {
    await this.core.sysctl(this.where, `net.ipv4.conf.${bridge}.route_localnet`, '1');
    await this.core.natDnat(this.where, this.natTable, { port, to, localhost: true });
  }

  /** The machine goes, and everything in it. */
  async destroy(): Promise<void> {
    await this.core.netnsDel(this.netns);
    this.ledger.forget(this.entry);
  }
}

/** The underlay: a veth "cable" between two hosts, eth0 in each, on `subnet`
 *  (.1 for a, .2 for b). Returns their addresses. */
async function cable(core: Core, a: SandboxHost, b: SandboxHost, subnet: string): Promise<[string, string]> {
  await core.vethAdd(a.where, 'eth0', 'eth0', b.where);
  const addrs: [string, string] = [hostAddress(subnet, 1), hostAddress(subnet, 2)];
  for (const [host, addr] of [[a, addrs[0]], [b, addrs[1]]] as const) {
    await core.addrAdd(host.where, 'eth0', addr);
    await core.linkUp(host.where, 'eth0');
  }
  return [ip(addrs[0]), ip(addrs[1])];
}

/** The overlay: in each host a VXLAN link (VNI `id`, UDP 4789 over the underlay)
 *  enslaved to a bridge `bridge`, so containers attached to that bridge on either host
 *  share one Ethernet segment - what Docker's overlay network driver builds. */
async function overlay(core: Core, hosts: [SandboxHost, string][], id: number, bridge = 'ov0'): Promise<void> {
  for (const [host, local] of hosts) {
    const remote = hosts.find(([h]) => h !== host)![1];
    await host.bridge(bridge);
    await core.vxlanAdd(host.where, { name: 'vx0', vni: id, local, remote, dstport: 4789, dev: 'eth0' });
    await core.linkMaster(host.where, 'vx0', bridge);
    await core.linkUp(host.where, 'vx0');
  }
}

export interface TwoHostLab {
  a: SandboxHost;
  b: SandboxHost;
  underlay: [string, string];
  destroy: () => Promise<void>;
}

/** The lessons' two-machine lab: hosts a and b joined by a cable on 10.250.0.0/24,
 *  each with a docker0 bridge on 172.17.0.0/24 and NAT, and an overlay ov0 (VNI 42). */
export async function twoHostLab(core: Core, ledger: Ledger): Promise<TwoHostLab> {
  const made: SandboxHost[] = [];
  const destroy = async () => { for (const h of [...made].reverse()) await h.destroy().catch(() => undefined); };
  try {
    const a = await SandboxHost.create(core, ledger, 'a');
    made.push(a);
    const b = await SandboxHost.create(core, ledger, 'b');
    made.push(b);
    const underlay = await cable(core, a, b, '10.250.0.0/24');
    for (const h of [a, b]) {
      await h.bridge('docker0', '172.17.0.1/24');
      await h.nat('172.17.0.0/24', 'docker0');
    }
    await overlay(core, [[a, underlay[0]], [b, underlay[1]]], 42);
    return { a, b, underlay, destroy };
  } catch (err) {
    await destroy();
    throw err;
  }
}
