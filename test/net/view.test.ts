// The net view: read from the kernel (nsenter + ip -j + nft), per network namespace,
// and its diff when a veth end moves into a container. Plus the pure parts on
// recorded text, and the subnet and -p parsers.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Core } from '../../src/core/index.ts';
import { diffView, natRules, netRows, renderViewDiff, snapshot, type NetNamespace, type View } from '../../src/kernel/index.ts';
import { Ledger } from '../../src/ledger/index.ts';
import { candidateSubnets, NetworkError, overlaps, parseCidr, parsePublish, pickSubnet } from '../../src/runtime/network.ts';
import { SandboxHost, twoHostLab } from '../../src/runtime/sandbox-host.ts';
import { fingerprint, isRoot, type HostFingerprint } from '../helpers/host.ts';
import { oracleNetProbe } from './ip-oracle.ts';

describe('subnets and -p', () => {
  it('finds the first private /24 that no route of the host overlaps', () => {
    expect(pickSubnet(['192.0.2.0/24', '127.0.0.0/8', '127.0.0.1'])).toBe('10.88.0.0/24');
    expect(pickSubnet(['10.88.0.0/23', '10.88.2.7'])).toBe('10.88.3.0/24');
    expect(pickSubnet(['10.0.0.0/8', '172.16.0.0/12'])).toBe('192.168.0.0/24');
    expect(pickSubnet(['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16'])).toBeUndefined();
    expect([...candidateSubnets()]).toHaveLength(256 + 14 * 256 + 256);
    expect(overlaps(parseCidr('10.88.0.0/24')!, parseCidr('10.0.0.0/8')!)).toBe(true);
    expect(overlaps(parseCidr('10.88.0.0/24')!, parseCidr('10.88.1.0/24')!)).toBe(false);
  });

  it('parses -p, and says what it expects when it cannot', () => {
    expect(parsePublish('8080:80')).toEqual({ hostPort: 8080, ctPort: 80, proto: 'tcp' });
    expect(parsePublish('5353:53/udp')).toEqual({ hostPort: 5353, ctPort: 53, proto: 'udp' });
    for (const bad of ['8080', '0:80', '8080:70000', '8080:80/sctp', 'a:b']) expect(() => parsePublish(bad)).toThrow(NetworkError);
  });
});

// Recorded from net_dump in a container and its sandbox host (and `nft list ruleset`).
const NAT = `table ip bl-nat {
	chain prerouting {
		type nat hook prerouting priority dstnat; policy accept;
		fib daddr type local tcp dport 8080 dnat to 172.17.0.2:80
	}

	chain postrouting {
		type nat hook postrouting priority srcnat; policy accept;
		ip saddr 172.17.0.0/24 oifname != "docker0" masquerade
	}
}
table inet filter {
	chain input {
		type filter hook input priority filter; policy accept;
		tcp dport 22 accept
	}
}
`;
const HOST: NetNamespace = {
  label: 'bl-host-a',
  inode: '1',
  nat: NAT,
  dump: {
    links: [
      { ifindex: 1, name: 'lo', type: 'loopback', up: true, running: true, operstate: 'UNKNOWN', mac: '00:00:00:00:00:00' },
      { ifindex: 4, name: 'docker0', kind: 'bridge', type: 'ether', up: true, running: false, operstate: 'DOWN', mac: 'aa:bb:cc:00:00:01' },
      { ifindex: 5, name: 'veth0', kind: 'veth', type: 'ether', up: true, running: true, operstate: 'UP', mac: 'aa:bb:cc:00:00:02', master: 'docker0', port_state: 'forwarding', peer_ifindex: 2, peer_netnsid: 0 },
      { ifindex: 6, name: 'vx0', kind: 'vxlan', type: 'ether', up: false, running: false, operstate: 'DOWN', vxlan: { id: 42, remote: '10.250.0.2', local: '10.250.0.1', dev: 'eth0', port: 4789 } },
    ],
    addrs: [
      { ifindex: 1, dev: 'lo', family: 'inet', local: '127.0.0.1', prefixlen: 8, scope: 'host' },
      { ifindex: 4, dev: 'docker0', family: 'inet', local: '172.17.0.1', prefixlen: 24, scope: 'global' },
      { ifindex: 4, dev: 'docker0', family: 'inet6', local: 'fe80::1', prefixlen: 64, scope: 'link' },
    ],
    routes: [
      { family: 'inet', type: 'unicast', dst: '172.17.0.0/24', dst_len: 24, dev: 'docker0', protocol: 'kernel', scope: 'link', prefsrc: '172.17.0.1' },
      { family: 'inet6', type: 'unicast', dst: 'fe80::/64', dst_len: 64, dev: 'docker0', protocol: 'kernel', scope: 'global' },
    ],
    neighbours: [],
  },
};
const CT: NetNamespace = {
  label: 'container',
  inode: '2',
  nat: '',
  dump: {
    links: [{ ifindex: 2, name: 'eth0', kind: 'veth', type: 'ether', up: true, running: true, operstate: 'UP', mac: 'aa:bb:cc:00:00:03', peer_ifindex: 5, peer_netnsid: 0 }],
    addrs: [{ ifindex: 2, dev: 'eth0', family: 'inet', local: '172.17.0.2', prefixlen: 24, scope: 'global' }],
    routes: [{ family: 'inet', type: 'unicast', dst: 'default', dst_len: 0, gateway: '172.17.0.1', dev: 'eth0', protocol: 'boot', scope: 'global' }],
    neighbours: [],
  },
};

describe('net view rows (recorded text)', () => {
  const host = HOST;
  const rows = netRows([HOST, CT]);
  const cells = (key: string) => rows.find((r) => r.key === key)?.cells;

  it('shows links with type, state, master and the veth peer across namespaces', () => {
    expect(cells('bl-host-a link veth0')).toMatchObject({ type: 'veth', state: 'up', master: 'docker0', peer: 'eth0 (container)' });
    expect(cells('container link eth0')).toMatchObject({ type: 'veth', peer: 'veth0 (bl-host-a)' });
    expect(cells('bl-host-a link docker0')).toMatchObject({ type: 'bridge', state: 'up, no carrier' });
    expect(cells('bl-host-a link vx0')).toMatchObject({ type: 'vxlan', state: 'down', detail: 'vni 42 local 10.250.0.1 remote 10.250.0.2 port 4789 dev eth0' });
  });

  it('shows addresses and routes, leaving out IPv6 link-local ones', () => {
    expect(cells('bl-host-a addr docker0 172.17.0.1/24')).toMatchObject({ name: 'docker0', type: 'inet' });
    expect(rows.some((r) => r.key.includes('fe80'))).toBe(false);
    expect(cells('container route default eth0')).toMatchObject({ detail: 'via 172.17.0.1 dev eth0' });
    expect(cells('bl-host-a route 172.17.0.0/24 docker0')).toMatchObject({ detail: 'dev docker0 proto kernel src 172.17.0.1' });
  });

  it('shows the rules of nat chains only, from nft or iptables-save', () => {
    expect(natRules(host.nat)).toEqual([
      { chain: 'ip bl-nat prerouting', rule: 'fib daddr type local tcp dport 8080 dnat to 172.17.0.2:80' },
      { chain: 'ip bl-nat postrouting', rule: 'ip saddr 172.17.0.0/24 oifname != "docker0" masquerade' },
    ]);
    const saved = '*nat\n:PREROUTING ACCEPT [0:0]\n-A PREROUTING -m addrtype --dst-type LOCAL -j DOCKER\n-A DOCKER -p tcp --dport 8080 -j DNAT --to-destination 172.17.0.2:80\nCOMMIT\n';
    expect(natRules(saved)).toEqual([
      { chain: 'nat PREROUTING', rule: '-m addrtype --dst-type LOCAL -j DOCKER' },
      { chain: 'nat DOCKER', rule: '-p tcp --dport 8080 -j DNAT --to-destination 172.17.0.2:80' },
    ]);
  });
});

describe.runIf(isRoot)('the net view on the real kernel', () => {
  let core: Core;
  let ledger: Ledger;
  let work: string;
  let before: HostFingerprint;

  beforeEach(async () => {
    before = fingerprint();
    work = mkdtempSync(join(tmpdir(), 'bl-netview-'));
    ledger = Ledger.open(join(work, 'ledger'));
    core = await Core.start();
  });
  afterEach(async () => {
    await core.close();
    expect(await ledger.close()).toEqual([]);
    rmSync(work, { recursive: true, force: true });
    expect(fingerprint()).toEqual(before);
  });

  it('reads a clear diff when a veth end moves into a container', async () => {
    const host = await SandboxHost.create(core, ledger, 'view');
    const { ct, pid } = await core.clone(['net']);
    await core.vethAdd(host.where, 'vh', 'vc');
    const net = async () => (await snapshot(pid, ['net'])).views.net as View;
    const made = await net();
    expect(made.rows.find((r) => r.key === `${host.netns} link vc`)?.cells).toMatchObject({ type: 'veth', state: 'down', peer: `vh (${host.netns})` });
    expect(made.rows.find((r) => r.key === 'container link lo')?.cells.state).toBe('down');

    await core.linkMove(host.where, 'vc', { ct });
    const moved = await net();
    const d = diffView(made, moved);
    const change = (key: string) => d.rows.find((r) => r.key === key);
    expect(change(`${host.netns} link vc`)?.change).toBe('removed');
    expect(change('container link vc')).toMatchObject({ change: 'added', after: { cells: { peer: `vh (${host.netns})` } } });
    expect(change(`${host.netns} link vh`)).toMatchObject({ change: 'changed', cells: ['peer'] });
    expect(d.rows.filter((r) => r.change !== 'same')).toHaveLength(3);

    const text = renderViewDiff(d, { onlyChanges: true, width: 160 });
    expect(text).toMatch(/1 added, 1 removed, 1 changed/);
    expect(text).toMatch(new RegExp(`^- ${host.netns} +link +vc +veth +down +vh \\(${host.netns}\\)`, 'm'));
    expect(text).toMatch(/^\+ container +link +vc +veth +down +vh \(bl-host-view/m);
    expect(text).toMatch(new RegExp(`^~ ${host.netns} +link +vh +veth +down +vc \\(${host.netns}\\) -> vc \\(container\\)`, 'm'));
    await host.destroy();
  });

  it('reads the rows ip and nft read before net_dump, on real namespaces, before and after changes', async () => {
    const lab = await twoHostLab(core, ledger);
    try {
      // c1 on host a's docker0 (a veth across namespaces, a route via the bridge); c2
      // with a veth pair of its own (both ends in one namespace) and an IPv6 address.
      const c1 = await core.clone(['net']);
      const c2 = await core.clone(['net']);
      await lab.a.attach(c1.ct, 'docker0', '172.17.0.2/24', '172.17.0.1');
      await core.vethAdd({ ct: c2.ct }, 'x0', 'x1');
      await core.addrAdd({ ct: c2.ct }, 'x0', 'fd00:1::2/64');
      await core.linkUp({ ct: c2.ct }, 'x0');
      const neighbours = [{ name: 'c2', pid: c2.pid }];
      // The kernel settles a link's carrier a moment after it comes up (linkwatch): the
      // oracle reads before and after the new reader, and a round counts when it saw
      // nothing move.
      const same = async () => {
        for (let round = 0; ; round++) {
          const old = await oracleNetProbe({ pid: c1.pid, neighbours });
          const own = (await snapshot(c1.pid, ['net'], { neighbours })).views.net as View;
          const lessons = (await snapshot(c1.pid, ['net'], { neighbours, netDump: (w) => core.netDump(w) })).views.net as View;
          const again = await oracleNetProbe({ pid: c1.pid, neighbours });
          if (JSON.stringify(again) !== JSON.stringify(old) && round < 10) continue;
          expect(old.rows.length).toBeGreaterThan(20);
          expect(own).toEqual(old);
          expect(lessons).toEqual(old);
          return own;
        }
      };
      const first = await same();
      expect(first.rows.find((r) => r.key === `${lab.a.netns} link vx0`)?.cells.detail).toMatch(/^vni 42 /);
      // A new ruleset generation: the nat rows follow (the ruleset read last time is not kept).
      await lab.a.publish(8080, '172.17.0.2:80', 'docker0');
      const published = await same();
      expect(published.rows.filter((r) => r.cells.kind === 'nat').length).toBeGreaterThan(first.rows.filter((r) => r.cells.kind === 'nat').length);
      await core.linkDown(lab.b.where, 'vx0');
      await core.linkMaster(lab.a.where, 'veth0', null);
      await core.natDel(lab.b.where, lab.b.natTable);
      await same();
    } finally {
      await lab.destroy();
    }
  });
});
