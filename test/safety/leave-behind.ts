// A boxlab that dies without cleaning up: it makes one real resource of the kind named
// on its command line, the way the lab makes it (written in the ledger first, then made,
// through the core where the lab uses the core), prints one JSON line saying what it
// made, and waits to be killed. test/safety/cleanup-kinds.test.ts bundles it, SIGKILLs
// it, and checks that `boxlab cleanup` takes the resource away.
//
//   node leave-behind.mjs KIND [BUNDLE]
import { execFile, spawn, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { Core, boxcorePath } from '../../src/core/index.ts';
import { blName, Ledger, processStartTime, stateRoot, type Resource } from '../../src/ledger/index.ts';
import { kernelNatTableExists } from '../../src/ledger/resources.ts';
import { makeGroup } from '../../src/runtime/cgroups.ts';
import { ociRoot, runBundle } from '../../src/runtime/oci.ts';
import { SandboxHost } from '../../src/runtime/sandbox-host.ts';
import { joinBridge } from '../../src/runtime/network.ts';
import { HOST_NET_DIR } from '../../src/ledger/host-net.ts';
import { loadProfile } from '../../src/runtime/apparmor.ts';

const run = promisify(execFile);

type Made = Record<string, unknown>;
type Maker = (ledger: Ledger, arg?: string) => Promise<Made>;

/** The lab's core, in the ledger as every session records it. */
async function core(ledger: Ledger): Promise<Core> {
  const c = await Core.start();
  ledger.record({ kind: 'process', pid: c.pid, start: processStartTime(c.pid) });
  return c;
}

async function dir(ledger: Ledger): Promise<string> {
  const path = join(stateRoot(), blName('kill'));
  await ledger.track({ kind: 'dir', path }, () => mkdirSync(path, { recursive: true }));
  return path;
}

/** A process that outlives its owner (detached, as a container's init is not). */
function sleeper(): number {
  const child = spawn('sleep', ['1000'], { detached: true, stdio: 'ignore' });
  child.unref();
  return child.pid!;
}

/** One maker for every kind of resource the ledger knows: a new kind does not compile
 *  until it has one here, and so a test. */
export const MAKERS: Record<Resource['kind'], Maker> = {
  dir: async (ledger) => ({ path: await dir(ledger) }),

  process: async (ledger) => {
    const pid = sleeper();
    ledger.record({ kind: 'process', pid, start: processStartTime(pid) });
    return { pid };
  },

  mount: async (ledger) => {
    const path = await dir(ledger);
    await ledger.track({ kind: 'mount', path }, () => run('mount', ['-t', 'tmpfs', 'bl-kill', path]));
    return { path };
  },

  // A group of the lab's with a process in it: cleanup has to empty it first.
  cgroup: async (ledger) => {
    const c = await core(ledger);
    const group = await makeGroup(c, ledger, blName('kill'), { pidsLimit: 16 });
    const pid = sleeper();
    for (const g of group.plan.groups) writeFileSync(join(g.path, 'cgroup.procs'), String(pid));
    return { paths: group.plan.groups.map((g) => g.path), pid };
  },

  loop: async (ledger) => {
    const file = join(await dir(ledger), 'disk.img');
    writeFileSync(file, Buffer.alloc(1 << 20));
    await ledger.track({ kind: 'loop', file }, () => run('losetup', ['-f', file]));
    return { file };
  },

  // A veth pair on the host, as `boxlab run --net bridge` makes one per container, and a
  // bridge the last boxlab out takes away (bl0's ifUnused).
  link: async (ledger) => {
    const c = await core(ledger);
    const veth = blName('k').slice(0, 15);
    ledger.record({ kind: 'link', name: veth });
    await c.vethAdd({}, veth, `${veth.slice(0, 14)}c`);
    const bridge = `bl-kbr${process.pid % 100000}`;
    ledger.record({ kind: 'link', name: bridge, ifUnused: true });
    await c.bridgeAdd({}, bridge);
    return { links: [veth, bridge] };
  },

  netns: async (ledger) => {
    const c = await core(ledger);
    const host = await SandboxHost.create(c, ledger, 'kill');
    return { netns: host.netns };
  },

  // The one host sysctl the lab may write (as --net bridge does): flipped, old value kept.
  sysctl: async (ledger) => {
    const c = await core(ledger);
    const path = '/proc/sys/net/ipv4/ip_forward';
    const old = readFileSync(path, 'utf8').trim();
    ledger.record({ kind: 'sysctl', path, restore: `${old}\n` });
    await c.sysctl({}, 'net.ipv4.ip_forward', old === '1' ? '0' : '1');
    return { path, old };
  },

  // A share of the host's bridge network, as `boxlab run --net bridge` takes one: bl0,
  // ip_forward and an address leased under /run/boxlab/net.
  'net-share': async (ledger) => {
    const c = await core(ledger);
    const { ip } = await joinBridge(c, ledger);
    return { lease: join(HOST_NET_DIR, 'leases', ip) };
  },

  // Masquerade on the host, with each netfilter tool installed (arg: nft or iptables).
  nat: async (ledger, arg) => {
    const c = await core(ledger);
    const table = blName('nat');
    const tool = arg === 'nft' || arg === 'iptables' ? arg : undefined;
    const madeKernelNatTable = tool === 'iptables' && !(await kernelNatTableExists());
    ledger.record({ kind: 'nat', table, ...(tool ? { tool } : {}), ...(madeKernelNatTable ? { madeKernelNatTable } : {}) });
    await c.natMasquerade({}, table, '198.51.100.0/24', 'bl-none', tool);
    return { table };
  },

  // A container of boxcore's OCI runtime, as `boxlab run --bundle` runs one.
  oci: async (ledger, bundle) => {
    void runBundle(bundle!, ledger);
    const { name } = ledger.entries().find((e) => e.kind === 'oci') as Extract<Resource, { kind: 'oci' }>;
    // boxcore writes state.json (with the init's pid) once the container exists.
    const statePath = join(ociRoot(), name, 'state.json');
    for (let i = 0; i < 400; i++) {
      try {
        const { pid } = JSON.parse(readFileSync(statePath, 'utf8')) as { pid: number };
        if (pid > 0) return { name, pid };
      } catch { /* not yet */ }
      await new Promise((r) => setTimeout(r, 25));
    }
    throw new Error(`the container was never made (${statePath})`);
  },

  // A lesson's state root for OCI runtimes (${oci}), with a detached container of
  // boxcore's in it: cleanup deletes the container by its runtime, then the directory.
  'oci-root': async (ledger, bundle) => {
    const root = join(stateRoot(), blName('oci-kill'));
    await ledger.track({ kind: 'oci-root', path: root }, () => mkdirSync(root, { mode: 0o711 }));
    const id = blName('box');
    const pidFile = join(root, `${id}.pid`);
    // The detached container keeps the stdio it was given: none, so nothing waits on it.
    const r = spawnSync(boxcorePath(), ['--root', join(root, 'boxcore'), 'run', '--detach', '--bundle', bundle!, '--pid-file', pidFile, id], { stdio: 'ignore' });
    if (r.status !== 0) throw new Error(`boxcore run --detach failed (${r.status})`);
    return { root, pid: Number(readFileSync(pidFile, 'utf8')) };
  },

  // The lab's default AppArmor profile, loaded as `boxlab run` loads it (where the
  // kernel runs AppArmor: the test leaves this kind out elsewhere).
  apparmor: async (ledger) => ({ name: await loadProfile(ledger, { kind: 'default' }) }),
};

// Run as a program (bundled), not when the test imports MAKERS for its list of kinds.
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const kind = process.argv[2] as Resource['kind'];
  const made = await MAKERS[kind](Ledger.open(), process.argv[3]);
  console.log(JSON.stringify({ kind, ...made }));
  setInterval(() => {}, 1 << 30); // until SIGKILL
}
