// Detached containers driven as a person drives them: the bundled CLI, awaited (a
// test that ran several synchronously would keep vitest's worker from answering its
// runner under emulation), and a sweep that removes whatever a failed test left.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, expect } from 'vitest';
import { repoRoot } from '../../src/core/index.ts';
import { fingerprint, isRoot, settledFingerprint, type HostFingerprint } from './host.ts';
import { testRootfs } from './rootfs.ts';

export const cli = join(repoRoot(), 'dist', 'boxlab.mjs');

export interface Ran { code: number | null; stdout: string; stderr: string }

export async function boxlab(args: string[], timeoutMs = 60_000): Promise<Ran> {
  const child = spawn('node', [cli, ...args], { stdio: ['ignore', 'pipe', 'pipe'], timeout: timeoutMs });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d: Buffer) => { stdout += d.toString(); });
  child.stderr!.on('data', (d: Buffer) => { stderr += d.toString(); });
  const code = await new Promise<number | null>((r) => child.once('close', (c) => r(c)));
  return { code, stdout, stderr };
}

/** `boxlab run -d ...`: the container's ID (the test fails with boxlab's words if not). */
export async function detached(rootfs: string, args: string[]): Promise<string> {
  const r = await boxlab(['run', '-d', '--rootfs', rootfs, ...args]);
  if (r.code !== 0 || !/^[0-9a-f]{64}\n$/.test(r.stdout)) throw new Error(`boxlab run -d failed (${r.code}): ${r.stderr}${r.stdout}`);
  return r.stdout.trim();
}

export interface PsEntry {
  id: string; name: string; state: string; status: string; exitCode: number; restartCount: number; pid: number; supervisor: number;
  health: { status: string; failingStreak: number; log: { start: number; end: number; exitCode: number; output: string }[] } | null;
  error: string;
  startedAt: string;
  finishedAt: string;
}

export async function ps(): Promise<PsEntry[]> {
  const r = await boxlab(['ps', '-a', '--json']);
  if (r.code !== 0) throw new Error(`boxlab ps failed: ${r.stderr}`);
  return JSON.parse(r.stdout) as PsEntry[];
}

export async function one(ref: string): Promise<PsEntry> {
  const found = (await ps()).find((c) => c.name === ref || c.id.startsWith(ref));
  if (!found) throw new Error(`no container ${ref} in boxlab ps -a`);
  return found;
}

/** Poll until PRED holds for the container (or fail after MS, showing the last seen). */
export async function until(ref: string, pred: (c: PsEntry) => boolean, ms = 30_000): Promise<PsEntry> {
  let last: PsEntry | undefined;
  for (const end = Date.now() + ms; Date.now() < end; await new Promise((r) => setTimeout(r, 100))) {
    last = await one(ref).catch(() => undefined);
    if (last && pred(last)) return last;
  }
  throw new Error(`container ${ref} never got there: ${JSON.stringify(last)}`);
}

/** Names for this test process's containers: removeAll takes only these. */
export const prefix = `bt-${process.pid}-`;

/** Remove this test process's containers (a test that failed midway leaves its own). */
export async function removeAll(): Promise<void> {
  for (const c of await ps().catch(() => [])) if (c.name.startsWith(prefix)) await boxlab(['rm', '-f', c.id]);
}

/** What a test file of detached containers sets up: a busybox rootfs for the file and,
 *  around each test, the host's fingerprint, its containers removed after it, and the
 *  host as it was. Call at the top of the file; read rig.rootfs inside the tests. */
export function detachedRig(): { readonly rootfs: string; readonly before: HostFingerprint } {
  let rootfs: Awaited<ReturnType<typeof testRootfs>> | undefined;
  let before: HostFingerprint;
  beforeAll(async () => { if (isRoot) rootfs = await testRootfs('busybox'); }, 60_000);
  afterAll(async () => { await rootfs?.remove(); });
  beforeEach(() => { before = fingerprint(); });
  afterEach(async () => {
    await removeAll();
    expect(await settledFingerprint(before)).toEqual(before);
  });
  return {
    get rootfs() { return rootfs!.dir; },
    get before() { return before; },
  };
}
