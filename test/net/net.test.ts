// The core's network ops on the real kernel, composed as `boxlab run --net bridge` and
// the lessons' sandbox hosts compose them. Traffic goes only to addresses inside
// namespaces the tests made. The host's links, addresses, routes, netfilter rules and
// the sysctls the lab may touch must be the same after the whole file as before it.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Core } from '../../src/core/index.ts';
import { Ledger } from '../../src/ledger/index.ts';
import { attachBridge, BRIDGE } from '../../src/runtime/network.ts';
import { twoHostLab, type TwoHostLab } from '../../src/runtime/sandbox-host.ts';
import { fingerprint, isRoot, type HostFingerprint } from '../helpers/host.ts';
import { failure } from '../helpers/core.ts';
import { removeIsolation } from '../../src/ledger/netfilter.ts';

let core: Core;
let ledger: Ledger;
let work: string;
let before: HostFingerprint;

beforeEach(async () => {
  if (!isRoot) return;
  before = fingerprint();
  work = mkdtempSync(join(tmpdir(), 'bl-net-'));
  ledger = Ledger.open(join(work, 'ledger'));
  core = await Core.start();
});

afterEach(async () => {
  if (!isRoot) return;
  await core.close();
  expect(await ledger.close()).toEqual([]);
  rmSync(work, { recursive: true, force: true });
  expect(fingerprint()).toEqual(before);
});


/** A JSON listing by `ip` inside a named namespace (or the host's). */
function ipJson<T = Record<string, unknown>>(netns: string | undefined, ...args: string[]): T[] {
  return JSON.parse(execFileSync('ip', [...(netns ? ['-n', netns] : []), '-j', ...args], { encoding: 'utf8' }) || '[]') as T[];
}

/** Run argv in a container until it succeeds (a server may not listen yet), up to ~5 s. */
async function untilOk(ct: string, argv: string[]) {
  let last;
  for (let i = 0; i < 25; i++) {
    last = await core.spawnInside(ct, argv, { timeout_ms: 5000 });
    if (last.code === 0 && last.stdout) return last;
    await new Promise((r) => setTimeout(r, 200));
  }
  return last!;
}

/** The same, from a process in a named namespace (a sandbox host itself). */
async function fromHost(netns: string, argv: string[]): Promise<string> {
  for (let i = 0; i < 25; i++) {
    try {
      const out = execFileSync('nsenter', [`--net=/run/netns/${netns}`, ...argv], { encoding: 'utf8', timeout: 5000 });
      if (out) return out;
    } catch { /* not listening yet */ }
    await new Promise((r) => setTimeout(r, 200));
  }
  return '';
}

const hasIptables = ['/usr/sbin/iptables', '/sbin/iptables'].some((p) => existsSync(p));
const ping = (ip: string) => ['busybox', 'ping', '-c', '1', '-W', '2', ip];
const nc = (ip: string, port: number) => ['busybox', 'nc', '-w', '2', ip, String(port)];
/** A TCP server that answers every connection with `word`. */
const server = (word: string, port: number) => ['/bin/sh', '-c', `while true; do echo ${word} | busybox nc -l -p ${port}; done`];

describe.runIf(isRoot)('network ops on the real kernel', () => {
  let lab: TwoHostLab | undefined;
  afterEach(async () => { await lab?.destroy(); lab = undefined; });

  it('answers each op with its syscalls and the ip command, and the kernel agrees', async () => {
    lab = await twoHostLab(core, ledger);
    const ns = lab.a.netns;
    const reply = await core.call('veth_add', { netns: ns, name: 'v0', peer: 'v1' });
    expect(reply.shell).toBe(`ip -n ${ns} link add v0 type veth peer name v1`);
    expect(reply.syscalls).toContainEqual(expect.stringMatching(/^setns\(\d+, CLONE_NEWNET\) = 0$/));
    expect(reply.syscalls).toContainEqual(expect.stringMatching(/^sendto\(\d+, \[\{nlmsg_type=RTM_NEWLINK, nlmsg_flags=NLM_F_REQUEST\|NLM_F_ACK\|NLM_F_EXCL\|NLM_F_CREATE\}.*IFLA_INFO_KIND="veth"/));
    expect(reply.syscalls).toContainEqual(expect.stringMatching(/^recvfrom\(\d+, \[\{nlmsg_type=NLMSG_ERROR\}, \{error=0\}\]/));
    const links = ipJson<{ ifname: string; link?: string }>(ns, 'link', 'show');
    expect(links.find((l) => l.ifname === 'v0')?.link).toBe('v1');

    const route = await core.call('route_add', { netns: ns, dst: '10.77.0.0/24', via: '10.250.0.2' });
    expect(route.shell).toBe(`ip -n ${ns} route add 10.77.0.0/24 via 10.250.0.2`);
    expect(ipJson<{ dst: string; gateway?: string }>(ns, 'route', 'show')).toContainEqual(expect.objectContaining({ dst: '10.77.0.0/24', gateway: '10.250.0.2' }));

    const v6 = await core.call('addr_add', { netns: ns, dev: 'v0', addr: 'fd00:b1::1/64' });
    expect(v6.shell).toBe(`ip -n ${ns} addr add fd00:b1::1/64 dev v0`);
    const addrs = ipJson<{ ifname: string; addr_info: { local: string }[] }>(ns, 'addr', 'show', 'dev', 'v0');
    expect(addrs[0]!.addr_info.map((a) => a.local)).toContain('fd00:b1::1');

    const sysctl = await core.sysctl({ netns: ns }, 'net.ipv4.conf.v0.route_localnet', '1');
    expect(sysctl).toEqual({ key: 'net.ipv4.conf.v0.route_localnet', old: '0', value: '1' });
    expect(execFileSync('nsenter', [`--net=/run/netns/${ns}`, 'cat', '/proc/sys/net/ipv4/conf/v0/route_localnet'], { encoding: 'utf8' })).toBe('1\n');
  });

  it('moves a link into a container and renames it on the way', async () => {
    lab = await twoHostLab(core, ledger);
    const { ct, pid } = await core.clone(['net']);
    await core.vethAdd(lab.a.where, 'vh', 'vc');
    const moved = await core.call('link_move', { netns: lab.a.netns, dev: 'vc', to_ct: ct, name: 'eth0' });
    expect(moved.shell).toBe(`ip -n ${lab.a.netns} link set vc netns ${pid} name eth0`);
    expect(ipJson<{ ifname: string }>(lab.a.netns, 'link', 'show').map((l) => l.ifname)).not.toContain('vc');
    const inside = await core.spawnInside(ct, ['ip', '-o', 'link', 'show']);
    expect(inside.stdout).toMatch(/\beth0@/);
  });

  it('lets two containers on one bridge reach each other (ICMP and TCP)', async () => {
    const c1 = await core.clone(['net']);
    const c2 = await core.clone(['net']);
    const a1 = await attachBridge(core, ledger, c1.ct, []);
    const a2 = await attachBridge(core, ledger, c2.ct, []);
    expect(a2.subnet).toBe(a1.subnet);
    expect(a2.ip).not.toBe(a1.ip);
    expect(readdirSync(`/sys/class/net/${BRIDGE}/brif`)).toEqual(expect.arrayContaining([a1.hostEnd, a2.hostEnd]));
    expect(execFileSync('cat', ['/proc/sys/net/ipv4/ip_forward'], { encoding: 'utf8' })).toBe('1\n');

    expect(await untilOk(c1.ct, ping(a2.ip))).toMatchObject({ code: 0, stdout: expect.stringContaining('1 packets received') });
    await core.exec(c2.ct, server('pong', 7000), { stdio: 'null' });
    expect((await untilOk(c1.ct, nc(a2.ip, 7000))).stdout).toBe('pong\n');
    await a1.close();
    await a2.close();
  });

  it('lets containers in two sandbox hosts reach each other over VXLAN', async () => {
    lab = await twoHostLab(core, ledger);
    const vx = ipJson<{ linkinfo: { info_kind: string; info_data: Record<string, unknown> }; master?: string }>(lab.a.netns, '-d', 'link', 'show', 'vx0')[0]!;
    expect(vx.linkinfo.info_kind).toBe('vxlan');
    expect(vx.linkinfo.info_data).toMatchObject({ id: 42, local: '10.250.0.1', remote: '10.250.0.2', port: 4789 });
    expect(vx.master).toBe('ov0');

    const ca = await core.clone(['net']);
    const cb = await core.clone(['net']);
    await lab.a.attach(ca.ct, 'ov0', '10.0.9.2/24');
    await lab.b.attach(cb.ct, 'ov0', '10.0.9.3/24');
    expect(await untilOk(ca.ct, ping('10.0.9.3'))).toMatchObject({ code: 0 });
    await core.exec(cb.ct, server('over-vxlan', 7001), { stdio: 'null' });
    expect((await untilOk(ca.ct, nc('10.0.9.3', 7001))).stdout).toBe('over-vxlan\n');
  });

  it('gives a sandbox host a docker0 bridge, NAT out and a published port', async () => {
    lab = await twoHostLab(core, ledger);
    const web = await core.clone(['net']);
    await lab.a.attach(web.ct, 'docker0', '172.17.0.2/24', '172.17.0.1');
    await lab.a.publish(8080, '172.17.0.2:80', 'docker0');
    await core.exec(web.ct, server('web', 80), { stdio: 'null' });
    // From the other host, over the underlay, to host a's address: DNAT in prerouting.
    expect(await fromHost(lab.b.netns, nc(lab.underlay[0], 8080))).toBe('web\n');
    // From host a's own loopback: DNAT in output, route_localnet, masquerade.
    expect(await fromHost(lab.a.netns, nc('127.0.0.1', 8080))).toBe('web\n');
    // Out: the container reaches host b, which answers host a's address (masquerade).
    const out = await core.clone(['net']);
    await lab.a.attach(out.ct, 'docker0', '172.17.0.3/24', '172.17.0.1');
    expect(await untilOk(out.ct, ping(lab.underlay[1]))).toMatchObject({ code: 0 });
  });

  it.runIf(hasIptables)('programs the same NAT with iptables when asked, and takes it away again', async () => {
    lab = await twoHostLab(core, ledger);
    const web = await core.clone(['net']);
    await lab.a.attach(web.ct, 'docker0', '172.17.0.2/24', '172.17.0.1');
    const saved = () => execFileSync('nsenter', [`--net=/run/netns/${lab!.a.netns}`, 'iptables-save', '-t', 'nat'], { encoding: 'utf8' });
    const done = await core.natDnat(lab.a.where, 'bl-ipt', { port: 9090, to: '172.17.0.2:80' }, 'iptables');
    expect(done).toEqual({ tool: 'iptables', table: 'bl-ipt' });
    expect(saved()).toMatch(/^-A bl-ipt-PRE -p tcp -m tcp --dport 9090 -j DNAT --to-destination 172\.17\.0\.2:80$/m);
    await core.exec(web.ct, server('via-iptables', 80), { stdio: 'null' });
    expect(await fromHost(lab.b.netns, nc(lab.underlay[0], 9090))).toBe('via-iptables\n');
    await core.natDel(lab.a.where, 'bl-ipt', 'iptables');
    expect(saved()).not.toContain('bl-ipt');
  });

  const tools = (['nft', 'iptables'] as const).filter((t) => t === 'nft' || hasIptables);
  it.each(tools)("keeps a bridge's containers apart with icc false (%s), the gateway still theirs, and the rules go again", async (tool) => {
    lab = await twoHostLab(core, ledger);
    const one = await core.clone(['net']);
    await lab.a.attach(one.ct, 'docker0', '172.17.0.2/24', '172.17.0.1');
    const two = await core.clone(['net']);
    await lab.a.attach(two.ct, 'docker0', '172.17.0.3/24', '172.17.0.1');
    expect(await untilOk(two.ct, ping('172.17.0.2'))).toMatchObject({ code: 0 });
    const spec = { bridge: 'docker0', isolate: ['bl0', 'bl-br-*'], subnet: '172.17.0.0/24', icc: false };
    expect(await core.netIsolate(lab.a.where, 'bl-iso-t', spec, tool)).toEqual({ tool, table: 'bl-iso-t' });
    expect((await core.spawnInside(two.ct, ping('172.17.0.2'), { timeout_ms: 5000 })).code).not.toBe(0);
    expect(await untilOk(two.ct, ping('172.17.0.1'))).toMatchObject({ code: 0 });
    const rules = () => execFileSync('nsenter', [`--net=/run/netns/${lab!.a.netns}`, 'sh', '-c', tool === 'nft' ? 'nft list ruleset' : 'iptables-save -t filter; ebtables -t filter -L'], { encoding: 'utf8' });
    expect(rules()).toMatch(tool === 'nft' ? /ip saddr 172\.17\.0\.0\/24 ip daddr 172\.17\.0\.0\/24 drop/ : /-A bl-iso-t-FWD -i docker0 -o bl-br-\+ -j DROP/);
    expect(await failure(core.netIsolate(lab.a.where, 'bl-iso-t', spec, tool))).toMatchObject({ kind: 'state' });
    await removeIsolation('bl-iso-t', tool, lab.a.netns);
    expect(rules()).not.toContain('bl-iso-t');
    expect(await untilOk(two.ct, ping('172.17.0.2'))).toMatchObject({ code: 0 });
  });
});

describe.runIf(isRoot)('bad input to network ops: a clear error, nothing left behind', () => {
  let lab: TwoHostLab;
  beforeEach(async () => { lab = await twoHostLab(core, ledger); });
  afterEach(async () => { await lab.destroy(); });

  it('refuses an address that a link of the namespace already has', async () => {
    const addrs = () => ipJson<{ ifname: string; addr_info: { local: string; prefixlen: number }[] }>(lab.a.netns, 'addr', 'show')
      .flatMap((l) => l.addr_info.map((a) => `${l.ifname} ${a.local}/${a.prefixlen}`));
    const was = addrs();
    const err = await failure(core.addrAdd(lab.a.where, 'docker0', '10.250.0.1/24'));
    expect(err.kind).toBe('state');
    expect(err.message).toBe(`address 10.250.0.1/24 is already on link eth0 in netns ${lab.a.netns}`);
    expect(err.hint).toMatch(/another address/);
    expect(addrs()).toEqual(was);
  });

  it('names a namespace that does not exist', async () => {
    const host = fingerprint();
    const err = await failure(core.vethAdd({}, 'bl-x1', 'bl-x2', { netns: 'bl-no-such-ns' }));
    expect(err.kind).toBe('state');
    expect(err.message).toMatch(/no network namespace named "bl-no-such-ns"/);
    expect(err.hint).toMatch(/netns_add/);
    const gone = await failure(core.linkUp({ pid: 4194303 }, 'lo'));
    expect(gone.message).toMatch(/process 4194303 is gone/);
    const notOurs = await failure(core.linkUp({ netns: 'default' }, 'lo'));
    expect(notOurs.kind).toBe('usage');
    expect(fingerprint()).toEqual(host);
  });

  it('refuses a link name longer than IFNAMSIZ allows', async () => {
    const host = fingerprint();
    const err = await failure(core.vethAdd(lab.a.where, 'bl-0123456789abc', 'x'));
    expect(err.kind).toBe('usage');
    expect(err.message).toMatch(/16 bytes long; a link name is at most 15 \(IFNAMSIZ is 16/);
    const peer = await failure(core.bridgeAdd({}, 'a-name-that-is-too-long'));
    expect(peer.kind).toBe('usage');
    expect(ipJson<{ ifname: string }>(lab.a.netns, 'link', 'show').map((l) => l.ifname)).not.toContain('x');
    expect(fingerprint()).toEqual(host);
  });

  it('refuses a port that is already published', async () => {
    await lab.a.publish(8080, '172.17.0.2:80', 'docker0');
    const rules = () => execFileSync('nsenter', [`--net=/run/netns/${lab.a.netns}`, 'nft', 'list', 'ruleset'], { encoding: 'utf8' });
    const was = rules();
    const err = await failure(core.natDnat(lab.a.where, 'bl-other', { port: 8080, to: '172.17.0.9:80' }));
    expect(err.kind).toBe('state');
    expect(err.message).toMatch(/port 8080\/tcp is already published in netns .*dnat to 172\.17\.0\.2:80 \(table ip bl-nat\)/);
    expect(rules()).toBe(was);
  });

  it('says what the kernel said when it refuses', async () => {
    const err = await failure(core.routeAdd(lab.a.where, { dst: 'default', via: '10.99.0.1' }));
    expect(err).toMatchObject({ kind: 'syscall', errno: 'ENETUNREACH' });
    expect(err.explain).toMatch(/gateway 10\.99\.0\.1 is on no subnet/);
    const dup = await failure(core.bridgeAdd(lab.a.where, 'docker0'));
    expect(dup).toMatchObject({ kind: 'syscall', errno: 'EEXIST' });
    expect(dup.hint).toMatch(/ip link del docker0/);
    const host = await failure(core.sysctl({}, 'net.ipv4.conf.all.forwarding', '1'));
    expect(host.kind).toBe('state');
    const global = await failure(core.sysctl(lab.a.where, 'kernel.hostname', 'x'));
    expect(global.kind).toBe('usage');
    // On the host the core touches only the lab's own links (lo up would be harmless).
    const hostLink = await failure(core.linkUp({}, 'lo'));
    expect(hostLink).toMatchObject({ kind: 'state', message: expect.stringMatching(/changes only the lab's links there \(bl0, bl-\.\.\.\), not lo$/) });
  });
});
