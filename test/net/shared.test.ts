// Overlapping `boxlab run --net bridge` runs share bl0, ip_forward and the address
// leases, which have one owner on the host whatever state root a run uses: forwarding
// and bl0 stay until the last run out, two runs never get one address, a run with
// BOXLAB_STATE_DIR and one without count alike, and a SIGKILLed run stops counting.
// Each container prints its address and then waits for a line on its stdin, so the
// test decides who ends first. No traffic leaves the containers.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { repoRoot } from '../../src/core/index.ts';
import { fingerprint, isRoot, settledFingerprint, type HostFingerprint } from '../helpers/host.ts';
import { testRootfs } from '../helpers/rootfs.ts';
import { stopAll, watch } from '../helpers/cli.ts';

const cli = join(repoRoot(), 'dist', 'boxlab.mjs');
const FORWARD = '/proc/sys/net/ipv4/ip_forward';
let rootfs: Awaited<ReturnType<typeof testRootfs>>;
let before: HostFingerprint;
let stateDir: string;
const running: ChildProcess[] = [];

beforeAll(async () => {
  if (!isRoot) return;
  rootfs = await testRootfs('busybox');
});
afterAll(async () => { await rootfs?.remove(); });
beforeEach(() => {
  before = fingerprint();
  stateDir = mkdtempSync(join(tmpdir(), 'bl-state-'));
});
afterEach(async () => {
  await stopAll(running);
  spawnSync('node', [cli, 'cleanup'], { env: { ...process.env, BOXLAB_STATE_DIR: stateDir }, timeout: 20_000 });
  rmSync(stateDir, { recursive: true, force: true });
  expect(await settledFingerprint(before)).toEqual(before);
});

const forwarding = () => readFileSync(FORWARD, 'utf8').trim();
const bridgeUp = () => existsSync('/sys/class/net/bl0');

/** A bridge container that reports its address and waits until `end()`. */
function box(env: Record<string, string> = {}) {
  const child = spawn('node', [cli, 'run', '--rootfs', rootfs.dir, '--net', 'bridge', '--', 'sh', '-c',
    'ip -4 -o addr show eth0 | awk \'{print $4}\'; read line; echo bye'],
  { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, ...env } });
  running.push(child);
  const { out, err, done } = watch(child);
  const ready = (async () => {
    for (let i = 0; i < 200 && !out().includes('\n'); i++) {
      if (child.exitCode !== null) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    const addr = out().split('\n')[0]!.trim();
    if (!addr) throw new Error(`the container did not start: ${err()}${out()}`);
    // The host's forwarding while the run is up (the container's own netns has its own).
    return { addr, forward: forwarding() };
  })();
  const end = async () => { child.stdin!.end('\n'); return done; };
  return { child, ready, end, done };
}

describe.runIf(isRoot)('bridge runs sharing the host', () => {
  it('keep forwarding and bl0 until the last run out, with distinct addresses, one with BOXLAB_STATE_DIR and one without', async () => {
    const forwardBefore = forwarding();
    const a = box();
    const first = await a.ready;
    const b = box({ BOXLAB_STATE_DIR: stateDir });
    const second = await b.ready;
    expect(first.forward).toBe('1');
    expect(second.forward).toBe('1');
    expect(second.addr).not.toBe(first.addr);
    expect(second.addr.split('.').slice(0, 3)).toEqual(first.addr.split('.').slice(0, 3)); // one subnet: one bl0

    // The first one in leaves first: the second still needs forwarding and the bridge.
    expect((await a.end()).code).toBe(0);
    expect(forwarding(), 'forwarding stays on while a run needs it').toBe('1');
    expect(bridgeUp(), 'bl0 stays while a run is on it').toBe(true);
    const c = box(); // and a third joining now gets an address of its own
    const third = await c.ready;
    expect(third.addr).not.toBe(second.addr);
    expect((await b.end()).code).toBe(0);
    expect(forwarding()).toBe('1');
    expect((await c.end()).code).toBe(0);
    expect(forwarding(), 'the last one out restores forwarding').toBe(forwardBefore);
    expect(bridgeUp(), 'the last one out removes bl0').toBe(false);
  }, 60_000);

  it('one run ending while another starts never loses bl0 under the newcomer (12 rounds)', async () => {
    for (let round = 0; round < 12; round++) {
      const a = box(round % 2 ? { BOXLAB_STATE_DIR: stateDir } : {});
      await a.ready;
      const b = box(round % 2 ? {} : { BOXLAB_STATE_DIR: stateDir });
      const ending = a.end();
      const [ended, started] = await Promise.all([ending, b.ready.then(() => 'ready', (e: Error) => e.message)]);
      expect(ended.code, ended.err).toBe(0);
      expect(started, `round ${round}`).toBe('ready');
      const last = await b.end();
      expect(last.code, last.err).toBe(0);
      expect(bridgeUp()).toBe(false);
    }
  }, 120_000);

  it('a SIGKILLed run stops counting: its address is free again, the last live run out restores, cleanup takes the rest', async () => {
    const forwardBefore = forwarding();
    const killed = box();
    const gone = await killed.ready;
    killed.child.kill('SIGKILL');
    await killed.done;
    const next = box({ BOXLAB_STATE_DIR: stateDir });
    const after = await next.ready;
    expect(after.addr, 'the dead run\'s lease is free again').toBe(gone.addr);
    expect((await next.end()).code).toBe(0);
    expect(forwarding(), 'no live run is left: forwarding restored').toBe(forwardBefore);
    expect(bridgeUp()).toBe(false);
    // The killed run's own veth and NAT table wait for cleanup (its ledger lists them).
    const clean = spawnSync('node', [cli, 'cleanup'], { encoding: 'utf8', timeout: 20_000 });
    expect(clean.status, clean.stderr).toBe(0);
  }, 60_000);
});
