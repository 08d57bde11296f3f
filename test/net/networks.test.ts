// User-defined networks end to end, with the bundled CLI as a person runs it:
// `boxlab network create|ls|inspect|rm`, containers on a network finding each other by
// name through the embedded resolver (127.0.0.11 inside) and reaching each other, no
// answer and no route across networks (the isolation rules in the ruleset), icc=false
// keeping a network's containers apart, a network's bridge made by its first container
// and removed by its last (or by `boxlab cleanup` after a SIGKILL), and rm refused
// while a container runs on it. Each container prints what it saw and waits for a line
// on its stdin, so the test decides who ends when; networks made and containers started
// at once (with different state roots) share the host-wide state safely. No traffic
// leaves the lab's bridges.
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { repoRoot } from '../../src/core/index.ts';
import { fingerprint, isRoot, settledFingerprint, type HostFingerprint } from '../helpers/host.ts';
import { testRootfs } from '../helpers/rootfs.ts';
import { stopAll, watch } from '../helpers/cli.ts';

const cli = join(repoRoot(), 'dist', 'boxlab.mjs');
let rootfs: Awaited<ReturnType<typeof testRootfs>>;
let before: HostFingerprint;
const running: ChildProcess[] = [];
const made = new Set<string>();

beforeAll(async () => { if (isRoot) rootfs = await testRootfs('busybox'); }, 60_000);
afterAll(async () => { await rootfs?.remove(); });
beforeEach(() => { before = fingerprint(); });
afterEach(async () => {
  await stopAll(running);
  for (const n of made) boxlab(['network', 'rm', n]);
  made.clear();
  spawnSync('node', [cli, 'cleanup'], { timeout: 30_000 });
  expect(await settledFingerprint(before)).toEqual(before);
});

function boxlab(args: string[]) {
  const r = spawnSync('node', [cli, ...args], { encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** A network of this test, removed after it. */
function network(suffix: string, ...opts: string[]): { name: string; id: string } {
  const name = `t${process.pid}${suffix}`;
  const r = boxlab(['network', 'create', ...opts, name]);
  expect(r.code, r.stderr).toBe(0);
  made.add(name);
  return { name, id: r.stdout.trim() };
}

const OWN_ADDRESS = 'ip -4 -o addr show eth0 | awk \'{print $4}\' | cut -d/ -f1';

/** A container on NETWORK named NAME: runs SCRIPT, prints ---, and waits for end(). */
function box(net: string, name: string, script = OWN_ADDRESS, { env = {} }: { env?: Record<string, string> } = {}) {
  const child = spawn('node', [cli, 'run', '--rootfs', rootfs.dir, '--net', net, '--name', name, '--', 'sh', '-c', `${script}; echo ---; read line`],
    { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, ...env } });
  running.push(child);
  const { out, err, done } = watch(child);
  const ready = (async () => {
    for (let i = 0; i < 600 && !out().includes('---\n'); i++) {
      if (child.exitCode !== null) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    if (!out().includes('---\n')) throw new Error(`the container ${name} did not get through its script: ${err()}${out()}`);
    return out().slice(0, out().indexOf('---\n'));
  })();
  ready.catch(() => undefined); // a container refused on purpose is awaited by its done
  const end = async () => { child.stdin!.end('\n'); return done; };
  return { child, ready, end, done };
}

/** The host-wide network state's directory (src/ledger/host-net.ts). */
const SHARED = '/run/boxlab/net';
/** The UDP sockets bound to ADDRESS on the host: the resolvers of a network's runs. */
const resolverSockets = (address: string) =>
  execFileSync('ss', ['-H', '-u', '-a', '-n', 'src', address], { encoding: 'utf8' }).split('\n').filter(Boolean);
const linkExists = (name: string) => existsSync(`/sys/class/net/${name}`);
const ruleset = () => execFileSync('nft', ['list', 'ruleset'], { encoding: 'utf8' });
const bridgeOf = (id: string) => `bl-br-${id.slice(0, 8)}`;
/** busybox nslookup: the address it found for NAME, or what it said instead. */
const resolved = (out: string, name: string) => new RegExp(`Name:\\s*${name.replace(/\./g, '\\.')}\\s*\\nAddress:\\s*([\\d.]+)`).exec(out)?.[1];

describe.runIf(isRoot)('boxlab network', { timeout: 120_000 }, () => {
  it('creates, lists, inspects and removes a network; nothing of it is in the kernel until a container joins', () => {
    const sharedBefore = existsSync(SHARED);
    const { name, id } = network('a');
    expect(id).toMatch(/^[0-9a-f]{12}$/);
    const ls = boxlab(['network', 'ls']);
    expect(ls.stdout).toMatch(new RegExp(`^${id}\\s+${name}\\s+bridge\\s+\\S+/24\\s+on\\s+\\(none: no container\\)\\s+0$`, 'm'));
    const [info] = JSON.parse(boxlab(['network', 'inspect', name]).stdout) as { Id: string; IPAM: { Config: { Subnet: string; Gateway: string }[] } }[];
    expect(info!.Id).toBe(id);
    expect(linkExists(bridgeOf(id))).toBe(false);
    expect(ruleset()).not.toContain(bridgeOf(id));

    // What cannot be made is refused and changes nothing.
    expect(boxlab(['network', 'create', name]).stderr).toContain(`a network named ${name} exists already`);
    expect(boxlab(['network', 'create', 'bridge']).stderr).toContain('one of the networks every host has');
    expect(boxlab(['network', 'create', '-o', 'mtu=9000', `${name}x`])).toMatchObject({ code: 2, stderr: expect.stringContaining('--opt mtu=9000') });
    expect(boxlab(['network', 'create', '--subnet', info!.IPAM.Config[0]!.Subnet, `${name}x`]).stderr).toContain(`overlaps the network ${name}`);
    const route = (JSON.parse(execFileSync('ip', ['-j', '-4', 'route'], { encoding: 'utf8' })) as { dst: string }[]).find((r) => r.dst !== 'default' && r.dst.includes('/'));
    if (route) expect(boxlab(['network', 'create', '--subnet', route.dst, `${name}x`]).stderr).toContain(`overlaps the host's route to ${route.dst}`);
    expect(boxlab(['network', 'create', '--subnet', '10.99.0.1/24', `${name}x`]).stderr).toContain('did you mean 10.99.0.0/24?');
    expect(boxlab(['network', 'ls', '-q']).stdout.trim().split('\n')).toEqual([id]);

    expect(boxlab(['network', 'rm', name])).toMatchObject({ code: 0, stdout: `${name}\n` });
    made.delete(name);
    expect(boxlab(['network', 'inspect', name])).toMatchObject({ code: 1, stderr: expect.stringContaining(`there is no network ${name}`) });
    expect(boxlab(['run', '--rootfs', rootfs.dir, '--net', name, '--', 'true'])).toMatchObject({ code: 2, stderr: expect.stringContaining(`there is no network ${name}`) });

    // With no network left, looking and a create refused leave no shared directory behind.
    if (!sharedBefore) {
      expect(existsSync(SHARED)).toBe(false);
      expect(boxlab(['network', 'ls', '-q'])).toMatchObject({ code: 0, stdout: '' });
      if (route) expect(boxlab(['network', 'create', '--subnet', route.dst, `${name}x`]).code).toBe(1);
      expect(existsSync(SHARED)).toBe(false);
    }
  });

  it('lets containers on one network find each other by name and reach each other, and answers nothing across networks', async () => {
    const a = network('a');
    const b = network('b');
    const web = box(a.name, 'web', "ip -4 -o addr show eth0 | awk '{print $4}' | cut -d/ -f1; cat /etc/resolv.conf");
    const far = box(b.name, 'far');
    const webSaw = await web.ready;
    const webIp = webSaw.split('\n')[0]!;
    const farIp = (await far.ready).trim();
    expect(webSaw).toContain('nameserver 127.0.0.11');
    const client = box(a.name, 'client',
      `nslookup web; nslookup WEB.${a.name}; nslookup far; ping -c 1 -W 2 ${webIp} >/dev/null && echo reached-web; ping -c 1 -W 2 ${farIp} >/dev/null && echo reached-far; true`);
    const saw = await client.ready;
    expect(resolved(saw, 'web')).toBe(webIp);
    expect(resolved(saw, `WEB.${a.name}`)).toBe(webIp);
    expect(saw).toMatch(/can't find far: NXDOMAIN/);
    expect(saw).toContain('reached-web');
    expect(saw).not.toContain('reached-far');
    // The rules that keep the networks apart, in the host's ruleset.
    const rules = ruleset();
    for (const id of [a.id, b.id]) {
      expect(rules).toContain(`table ip bl-iso-${id.slice(0, 8)}`);
      expect(rules).toContain(`iifname "${bridgeOf(id)}" oifname "bl-br-*" oifname != "${bridgeOf(id)}" drop`);
    }
    expect(rules).toContain(`table ip bl-nat-${a.id.slice(0, 8)}`);
    for (const c of [web, far, client]) expect((await c.end()).code).toBe(0);
  });

  it('keeps the containers of an icc=false network apart, but not from their gateway', async () => {
    const net = network('c', '--opt', 'com.docker.network.bridge.enable_icc=false');
    const [info] = JSON.parse(boxlab(['network', 'inspect', net.name]).stdout) as { IPAM: { Config: { Gateway: string }[] }; Options: Record<string, string> }[];
    expect(info!.Options['com.docker.network.bridge.enable_icc']).toBe('false');
    const one = box(net.name, 'one');
    const ip = (await one.ready).trim();
    const gw = info!.IPAM.Config[0]!.Gateway;
    const two = box(net.name, 'two', `nslookup one; ping -c 1 -W 2 ${ip} >/dev/null && echo reached-one; ping -c 1 -W 2 ${gw} >/dev/null && echo reached-gateway; true`);
    const saw = await two.ready;
    expect(resolved(saw, 'one')).toBe(ip); // names still resolve: the resolver is the gateway's
    expect(saw).not.toContain('reached-one');
    expect(saw).toContain('reached-gateway');
    const subnet = boxlab(['network', 'ls', '--json']);
    const s = (JSON.parse(subnet.stdout) as { Name: string; IPAM: { Config: { Subnet: string }[] } }[]).find((n) => n.Name === net.name)!.IPAM.Config[0]!.Subnet;
    expect(ruleset()).toContain(`table bridge bl-iso-${net.id.slice(0, 8)}`);
    expect(ruleset()).toContain(`ip saddr ${s} ip daddr ${s} drop`);
    for (const c of [one, two]) await c.end();
  });

  it('shares the host-wide state safely: networks made at once get their own subnets, containers started at once (whatever their state root) their own addresses, and each finds the others; bl0 is kept apart', async () => {
    const stateDir = mkdtempSync(join(tmpdir(), 'bl-state-'));
    try {
      const create = (name: string) => new Promise<{ code: number | null; out: string }>((resolve) => {
        const c = spawn('node', [cli, 'network', 'create', name], { stdio: ['ignore', 'pipe', 'inherit'] });
        let out = '';
        c.stdout!.on('data', (d) => { out += d; });
        c.once('exit', (code) => resolve({ code, out }));
      });
      const names = ['e', 'f', 'g'].map((x) => `t${process.pid}${x}`);
      names.forEach((n) => made.add(n));
      const created = await Promise.all(names.map(create));
      expect(created.map((c) => c.code)).toEqual([0, 0, 0]);
      const listed = JSON.parse(boxlab(['network', 'ls', '--json']).stdout) as { Name: string; IPAM: { Config: { Subnet: string }[] } }[];
      const subnets = names.map((n) => listed.find((l) => l.Name === n)!.IPAM.Config[0]!.Subnet);
      expect(new Set(subnets).size).toBe(3);

      // Three containers on one network at once, one with a state root of its own: each
      // gets an address of its own, and once all are up (it waits for them) each
      // resolves the others.
      const net = names[0]!;
      const all = 'nslookup c1 && nslookup c2 && nslookup c3';
      const lookups = `${OWN_ADDRESS}; i=0; until ${all} >/dev/null 2>&1 || [ $i -ge 100 ]; do i=$((i+1)); sleep 0.1; done; ${all}`;
      const cs = ['c1', 'c2', 'c3'].map((n, i) => box(net, n, lookups, i === 1 ? { env: { BOXLAB_STATE_DIR: stateDir } } : {}));
      const saw = await Promise.all(cs.map((c) => c.ready));
      const ips = saw.map((o) => o.split('\n')[0]!.trim());
      expect(new Set(ips).size).toBe(3);
      for (const out of saw) ['c1', 'c2', 'c3'].forEach((n, i) => expect(resolved(out, n), out).toBe(ips[i]));
      // A container on bl0 reaches none of them: the network's rules keep bl0 apart.
      const outsider = box('bridge', 'outsider', `ping -c 1 -W 2 ${ips[0]} >/dev/null && echo reached-c1; true`);
      expect(await outsider.ready).not.toContain('reached-c1');
      for (const e of await Promise.all(cs.map((c) => c.end()))) expect(e.code).toBe(0);
      await outsider.end();
    } finally {
      spawnSync('node', [cli, 'cleanup'], { env: { ...process.env, BOXLAB_STATE_DIR: stateDir }, timeout: 30_000 });
      rmSync(stateDir, { recursive: true, force: true });
    }
  });

  it("makes a network's bridge with its first container and removes it with its last, refuses rm meanwhile, ends a run's resolver with it (SIGTERM or SIGKILL), and leaves a killed run's bridge to cleanup", async () => {
    const net = network('d');
    const bridge = bridgeOf(net.id);
    const one = box(net.name, 'one');
    const two = box(net.name, 'two');
    await one.ready;
    await two.ready;
    expect(linkExists(bridge)).toBe(true);
    const taken = box(net.name, 'one');
    const refused = await taken.done;
    expect(refused.code).toBe(125);
    // A container's name is the host's, not the network's (as Docker's): the run that
    // holds it refuses the second one before it joins any network.
    expect(refused.err).toContain('the name "one" is in use by a boxlab run that is running');
    const rm = boxlab(['network', 'rm', net.name]);
    expect(rm.code).toBe(1);
    expect(rm.stderr).toMatch(/has 2 running containers on it \((one, two|two, one)\)/);
    await one.end();
    expect(linkExists(bridge)).toBe(true); // two holds it
    expect(boxlab(['network', 'ls']).stdout).toMatch(new RegExp(`${net.name}\\s+bridge\\s+\\S+\\s+on\\s+${bridge}\\s+1$`, 'm'));
    await two.end();
    expect(linkExists(bridge)).toBe(false);
    expect(ruleset()).not.toContain(`bl-nat-${net.id.slice(0, 8)}`);
    expect(ruleset()).not.toContain(`bl-iso-${net.id.slice(0, 8)}`);

    // The resolver is a socket of the run, on the gateway's address: a run stopped with
    // SIGTERM takes it, and everything else of the network, away.
    const gateway = (JSON.parse(boxlab(['network', 'inspect', net.name]).stdout) as { IPAM: { Config: { Gateway: string }[] } }[])[0]!.IPAM.Config[0]!.Gateway;
    const four = box(net.name, 'four');
    await four.ready;
    expect(resolverSockets(gateway)).toHaveLength(1);
    four.child.kill('SIGTERM');
    expect((await four.done).code).toBe(143);
    expect(resolverSockets(gateway)).toEqual([]);
    expect(linkExists(bridge)).toBe(false);

    // A run killed with SIGKILL stops counting at once, its resolver with it, but its
    // bridge stays until someone sweeps: boxlab cleanup.
    const three = box(net.name, 'three');
    await three.ready;
    expect(resolverSockets(gateway)).toHaveLength(1);
    three.child.kill('SIGKILL');
    await three.done;
    expect(resolverSockets(gateway)).toEqual([]);
    expect(linkExists(bridge)).toBe(true);
    expect(boxlab(['network', 'ls']).stdout).toMatch(new RegExp(`${net.name}\\s.*\\s0$`, 'm'));
    const clean = spawnSync('node', [cli, 'cleanup'], { encoding: 'utf8', timeout: 30_000 });
    expect(clean.status, clean.stderr).toBe(0);
    expect(clean.stdout).toMatch(new RegExp(`^kept: the networks .*${net.name}.*, defined until boxlab network rm`, 'm'));
    expect(linkExists(bridge)).toBe(false);
    expect(boxlab(['network', 'rm', net.name]).code).toBe(0);
    made.delete(net.name);
  });
});
