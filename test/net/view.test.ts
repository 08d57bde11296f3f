// The net view: read from the kernel (nsenter + ip -j + nft), per network namespace,
// and its diff when a veth end moves into a container. Plus the pure parts on
// recorded text, and the subnet and -p parsers.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Core } from '../../src/core/index.ts';
import { diffView, natRules, netRows, parseNetOutput, renderViewDiff, snapshot, type View } from '../../src/kernel/index.ts';
import { Ledger } from '../../src/ledger/index.ts';
import { candidateSubnets, NetworkError, overlaps, parseCidr, parsePublish, pickSubnet } from '../../src/runtime/network.ts';
import { SandboxHost } from '../../src/runtime/sandbox-host.ts';
import { fingerprint, isRoot, type HostFingerprint } from '../helpers/host.ts';

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

// Recorded from `ip -j -d addr show` etc. in a container and its sandbox host.
const HOST = `[{"ifindex":1,"ifname":"lo","flags":["LOOPBACK","UP","LOWER_UP"],"operstate":"UNKNOWN","link_type":"loopback","addr_info":[{"family":"inet","local":"127.0.0.1","prefixlen":8,"scope":"host"}]},{"ifindex":4,"ifname":"docker0","flags":["NO-CARRIER","BROADCAST","MULTICAST","UP"],"operstate":"DOWN","link_type":"ether","address":"aa:bb:cc:00:00:01","linkinfo":{"info_kind":"bridge"},"addr_info":[{"family":"inet","local":"172.17.0.1","prefixlen":24,"scope":"global"},{"family":"inet6","local":"fe80::1","prefixlen":64,"scope":"link"}]},{"ifindex":5,"ifname":"veth0","flags":["BROADCAST","MULTICAST","UP","LOWER_UP"],"operstate":"UP","link_type":"ether","address":"aa:bb:cc:00:00:02","master":"docker0","link_index":2,"link_netnsid":0,"linkinfo":{"info_kind":"veth"},"addr_info":[]},{"ifindex":6,"ifname":"vx0","flags":["BROADCAST","MULTICAST"],"operstate":"DOWN","link_type":"ether","linkinfo":{"info_kind":"vxlan","info_data":{"id":42,"remote":"10.250.0.2","local":"10.250.0.1","link":"eth0","port":4789}},"addr_info":[]}]
::route
[{"dst":"172.17.0.0/24","dev":"docker0","protocol":"kernel","scope":"link","prefsrc":"172.17.0.1"},{"dst":"fe80::/64","dev":"docker0"}]
::nat
table ip bl-nat {
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
const CT = `[{"ifindex":2,"ifname":"eth0","flags":["BROADCAST","MULTICAST","UP","LOWER_UP"],"operstate":"UP","link_type":"ether","address":"aa:bb:cc:00:00:03","link_index":5,"link_netnsid":0,"linkinfo":{"info_kind":"veth"},"addr_info":[{"family":"inet","local":"172.17.0.2","prefixlen":24}]}]
::route
[{"dst":"default","gateway":"172.17.0.1","dev":"eth0"}]
::nat
`;

describe('net view rows (recorded text)', () => {
  const host = parseNetOutput('bl-host-a', '1', HOST);
  const ct = parseNetOutput('container', '2', CT);
  const rows = netRows([host, ct]);
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
});
