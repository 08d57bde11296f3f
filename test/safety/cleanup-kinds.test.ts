// `boxlab cleanup` against every kind of resource the ledger knows (src/ledger/
// resources.ts), each made for real by a boxlab that is then SIGKILLed
// (leave-behind.ts): the resource is on the host after the kill, `cleanup --dry-run`
// names it and changes nothing, `cleanup` removes it, and the host fingerprint is what it
// was before. A live boxlab's ledger is never touched.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Core, repoRoot } from '../../src/core/index.ts';
import type { Resource } from '../../src/ledger/index.ts';
import { kernelNatTableExists, removeResource } from '../../src/ledger/resources.ts';
import { fingerprint, isRoot, settledFingerprint, type HostFingerprint } from '../helpers/host.ts';
import { testRootfs } from '../helpers/rootfs.ts';
import { makeBundle } from '../oci/helpers.ts';
import { MAKERS } from './leave-behind.ts';
import { loadedProfiles } from '../../src/ledger/apparmor.ts';
import { macHost } from '../../src/runtime/apparmor.ts';

const cli = join(repoRoot(), 'dist', 'boxlab.mjs');
// Ledgers and bl- dirs in a state root of this file's own (inherited by the children and
// the cleanup runs), so another boxlab on the machine is neither seen nor touched.
const work = mkdtempSync(join(tmpdir(), 'bl-kinds-'));
chmodSync(work, 0o755);
process.env.BOXLAB_STATE_DIR = join(work, 'state');
const script = join(work, 'leave-behind.mjs');
let rootfs: Awaited<ReturnType<typeof testRootfs>> | undefined;
let bundle = '';

const have = (tool: string) => spawnSync('sh', ['-c', `command -v ${tool}`]).status === 0;

beforeAll(async () => {
  if (!isRoot) return;
  await build({
    entryPoints: [join(import.meta.dirname, 'leave-behind.ts')], bundle: true, platform: 'node', format: 'esm',
    target: 'node20', outfile: script, logLevel: 'warning',
    alias: { 'react-devtools-core': join(repoRoot(), 'src/ui/devtools-stub.ts') },
    banner: { js: "import { createRequire as __cr } from 'module'; const require = __cr(import.meta.url);" },
  });
  rootfs = await testRootfs('busybox');
  bundle = makeBundle(join(work, 'bundle'), rootfs.dir, (c) => { c.process.args = ['sleep', '1000']; });
}, 120_000);
afterAll(async () => {
  // A test that failed midway may have left a killed child's resources: the ledgers
  // name them, so cleanup runs before the state root goes.
  if (isRoot) spawnSync('node', [cli, 'cleanup'], { stdio: 'ignore', timeout: 30_000 });
  await rootfs?.remove();
  rmSync(work, { recursive: true, force: true });
});

interface Left { child: ChildProcess; made: Record<string, unknown> & { kind: string } }

/** Start a boxlab that makes KIND and waits; resolve with what it says it made. */
async function leave(kind: Resource['kind'], arg = ''): Promise<Left> {
  const child = spawn('node', [script, kind, ...(arg ? [arg] : [])], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stderr!.on('data', (d) => { err += d; });
  const made = await new Promise<Left['made']>((resolve, reject) => {
    child.stdout!.on('data', (d) => {
      out += d;
      const line = out.split('\n').find((l) => l.startsWith('{"kind"'));
      if (line) resolve(JSON.parse(line));
    });
    child.once('exit', (code) => reject(new Error(`leave-behind ${kind} exited ${code}: ${out}${err}`)));
  });
  return { child, made };
}

async function kill(child: ChildProcess): Promise<void> {
  if (child.exitCode === null && child.signalCode === null) {
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
  }
}

function cleanup(...args: string[]): { status: number | null; report: { items: { owner: number; removed: boolean; error?: string; entry: { kind: string } }[]; liveOwners: number[] } } {
  const r = spawnSync('node', [cli, 'cleanup', '--json', ...args], { encoding: 'utf8', timeout: 30_000 });
  try {
    return { status: r.status, report: JSON.parse(r.stdout) };
  } catch {
    throw new Error(`boxlab cleanup ${args.join(' ')}: ${r.stdout}${r.stderr}`);
  }
}

const alive = (pid: number) => {
  try { return !/^\d+ \(.*\) [ZX]/.test(readFileSync(`/proc/${pid}/stat`, 'utf8')); } catch { return false; }
};

/** What the kernel shows of each kind, from what the maker said it made. */
const present: Record<Resource['kind'], (m: Record<string, unknown>) => boolean> = {
  dir: (m) => existsSync(m.path as string),
  process: (m) => alive(m.pid as number),
  mount: (m) => readFileSync('/proc/self/mountinfo', 'utf8').includes(` ${m.path as string} `),
  cgroup: (m) => (m.paths as string[]).every((p) => existsSync(p)) && alive(m.pid as number),
  loop: (m) => spawnSync('losetup', ['-j', m.file as string], { encoding: 'utf8' }).stdout.includes('/dev/loop'),
  link: (m) => (m.links as string[]).every((l) => existsSync(`/sys/class/net/${l}`)),
  netns: (m) => existsSync(`/run/netns/${m.netns as string}`),
  sysctl: (m) => readFileSync(m.path as string, 'utf8').trim() !== m.old,
  'net-share': (m) => existsSync(m.lease as string),
  nat: (m) => fingerprint().netfilter.join('\n').includes(m.table as string),
  oci: (m) => alive(m.pid as number),
  'oci-root': (m) => existsSync(m.root as string) && alive(m.pid as number),
  apparmor: (m) => loadedProfiles().includes(m.name as string),
};

// Every kind the ledger knows, and for NAT each tool the machine has; AppArmor profiles
// where the kernel runs AppArmor (test/vm's guest does: test/kernel/apparmor.test.ts).
const apparmor = macHost();
const canLoadProfiles = apparmor.apparmor && apparmor.securityfs && apparmor.parser !== undefined;
const CASES: [Resource['kind'], string][] = (Object.keys(MAKERS) as Resource['kind'][]).flatMap((k) =>
  k === 'nat' ? (['nft', 'iptables'] as const).filter(have).map((t): [Resource['kind'], string] => [k, t])
    : k === 'apparmor' && !canLoadProfiles ? [] : [[k, '']]);

describe.runIf(isRoot)('boxlab cleanup after a SIGKILL, kind by kind', () => {
  it.each(CASES)('%s %s: made, left by the kill, named by --dry-run, removed by cleanup', async (kind, arg) => {
    const before: HostFingerprint = fingerprint();
    const { child, made } = await leave(kind, kind === 'oci' || kind === 'oci-root' ? bundle : arg);
    await kill(child);
    // The core, if any, ends by itself when its owner's pipe closes; what the ledger
    // lists stays.
    await new Promise((r) => setTimeout(r, 100));
    expect(present[kind](made), `${kind} is on the host after the kill`).toBe(true);
    const left = fingerprint();
    if (kind !== 'process') expect(left, 'the fingerprint sees it').not.toEqual(before);

    const dry = cleanup('--dry-run');
    const mine = (r: typeof dry.report) => r.items.filter((i) => i.owner === child.pid);
    expect(mine(dry.report).map((i) => i.entry.kind)).toContain(kind);
    expect(mine(dry.report).every((i) => !i.removed)).toBe(true);
    expect(present[kind](made), '--dry-run removed nothing').toBe(true);

    const done = cleanup();
    expect(mine(done.report).filter((i) => i.error)).toEqual([]);
    expect(mine(done.report).map((i) => i.entry.kind)).toContain(kind);
    expect(done.status).toBe(0);
    expect(present[kind](made), `${kind} is gone after cleanup`).toBe(false);
    expect(await settledFingerprint(before)).toEqual(before);
  }, 60_000);

  it.runIf(have('nft') && have('iptables'))("iptables' NAT chains go, and the kernel's nat table with them when iptables made it", async () => {
    const before = fingerprint();
    const core = await Core.start();
    const netns = `bl-natt-${process.pid}-1`;
    const inNs = (...argv: string[]) => spawnSync('ip', ['netns', 'exec', netns, ...argv], { encoding: 'utf8' }).stdout;
    try {
      await core.netnsAdd(netns);
      expect(await kernelNatTableExists(netns)).toBe(false);
      await core.natMasquerade({ netns }, 'bl-natt', '198.51.100.0/24', 'bl-none', 'iptables');
      expect(inNs('nft', 'list', 'ruleset')).toMatch(/table ip nat/);
      await removeResource({ kind: 'nat', table: 'bl-natt', tool: 'iptables', netns, madeKernelNatTable: true });
      expect(inNs('nft', 'list', 'ruleset').trim()).toBe('');
      // One that was there before (another program's) stays, emptied of ours only.
      inNs('nft', 'add table ip nat; add chain ip nat keep');
      await core.natMasquerade({ netns }, 'bl-natt', '198.51.100.0/24', 'bl-none', 'iptables');
      await removeResource({ kind: 'nat', table: 'bl-natt', tool: 'iptables', netns });
      expect(inNs('nft', 'list', 'ruleset')).toMatch(/chain keep/);
    } finally {
      await core.netnsDel(netns).catch(() => undefined);
      await core.close();
    }
    expect(await settledFingerprint(before)).toEqual(before);
  });

  it("leaves a live boxlab's resources and ledger alone, and removes them once it is dead", async () => {
    const before = fingerprint();
    const live = await leave('netns');
    const dead = await leave('link');
    await kill(dead.child);
    const ledger = join(process.env.BOXLAB_STATE_DIR!, 'ledger', `bl-${live.child.pid}.jsonl`);
    const text = readFileSync(ledger, 'utf8');

    const r = cleanup();
    expect(r.status).toBe(0);
    expect(r.report.liveOwners).toContain(live.child.pid);
    expect(r.report.items.some((i) => i.owner === live.child.pid)).toBe(false);
    expect(present.link(dead.made)).toBe(false);
    expect(present.netns(live.made)).toBe(true);
    expect(readFileSync(ledger, 'utf8')).toBe(text);

    await kill(live.child);
    expect(cleanup().status).toBe(0);
    expect(present.netns(live.made)).toBe(false);
    expect(await settledFingerprint(before)).toEqual(before);
  }, 60_000);
});
