// What the OCI tests share: bundles over a busybox rootfs, boxcore and runc run as a
// person would run them.
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, rmdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, expect } from 'vitest';
import { boxcorePath } from '../../src/core/binary.ts';
import { fingerprint, isRoot, type HostFingerprint } from '../helpers/host.ts';
import { testRootfs } from '../helpers/rootfs.ts';

export const BOXCORE = boxcorePath();

export function hasRunc(): boolean {
  return spawnSync('runc', ['--version']).status === 0;
}

/** A scratch directory named bl-*, removed by the caller. */
export function scratch(tag: string): string {
  return mkdtempSync(join(tmpdir(), `bl-${tag}-`));
}

export type Config = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** boxcore spec's config.json, for rootfs, then changed by edit. */
export function makeBundle(dir: string, rootfs: string, edit: (c: Config) => void = () => {}): string {
  mkdirSync(dir, { recursive: true });
  const r = spawnSync(BOXCORE, ['spec', '--bundle', dir], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`boxcore spec: ${r.stderr}`);
  const c = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')) as Config;
  c.root.path = rootfs;
  c.process.terminal = false;
  edit(c);
  writeFileSync(join(dir, 'config.json'), JSON.stringify(c, null, 1));
  return dir;
}

export interface Ran { status: number | null; stdout: string; stderr: string }

function ran(r: SpawnSyncReturns<string>): Ran {
  if (r.error) throw r.error;
  return { status: r.status, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
}

/** A runtime's command line with its state under root; output captured. */
export function runtime(bin: string, root: string, args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Ran {
  return ran(spawnSync(bin, ['--root', root, ...args], { encoding: 'utf8', timeout: 60_000, cwd: opts.cwd, env: opts.env }));
}

/** create, with the container's stdio on a file: create returns while the init (which
 *  inherits create's stdio) lives on, so a pipe would stay open until the container ends. */
export function createWithLog(bin: string, root: string, args: string[], log: string): Ran {
  const fd = openSync(log, 'a');
  try {
    return ran(spawnSync(bin, ['--root', root, ...args], { stdio: ['ignore', fd, fd], encoding: 'utf8', timeout: 60_000 }));
  } finally {
    closeSync(fd);
  }
}

export interface State { ociVersion: string; id: string; status: string; pid: number; bundle: string; annotations?: Record<string, string> }

export function state(root: string, id: string): State {
  const r = runtime(BOXCORE, root, ['state', id]);
  if (r.status !== 0) throw new Error(`boxcore state ${id}: ${r.stderr}`);
  return JSON.parse(r.stdout) as State;
}

/** Poll until check holds (a process ending is asynchronous). */
export async function until(check: () => boolean, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 25));
  }
}

export function pidAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !/^\d+ \(.*\) [ZX]/.test(stat);
  } catch {
    return false;
  }
}

/** A loop device of this machine (block, major 7), for device cgroup tests: opening
 *  it, or reading a byte of it, changes nothing. */
export function loopDevice(): { major: number; minor: number } | undefined {
  const loops = existsSync('/sys/block') ? readdirSync('/sys/block').filter((n) => /^loop\d+$/.test(n)).sort() : [];
  if (!loops.length) return undefined;
  const [major, minor] = readFileSync(`/sys/block/${loops[0]}/dev`, 'utf8').trim().split(':').map(Number);
  return { major: major!, minor: minor! };
}

export function removeDir(dir: string): void {
  if (existsSync(dir)) rmSync(dir, { recursive: true, force: true });
}

/** The end of a file that ran bundles under boxcore and runc, each with its state root
 *  in work: no container left by either, work and the rootfs removed, the cgroups runc
 *  1.1 leaves (the parents of a cgroupsPath it made, named runcParent: the file's own
 *  prefix) removed, and the host as it was before. */
export async function endSideBySide(work: string, rootfs: { remove: () => Promise<void> }, before: HostFingerprint,
  runcParent?: string): Promise<void> {
  for (const rt of ['boxcore', 'runc']) {
    const root = join(work, rt);
    expect(existsSync(root) ? readdirSync(root) : [], `${rt} left containers`).toEqual([]);
  }
  removeDir(work);
  await rootfs.remove();
  for (const tree of runcParent ? readdirSync('/sys/fs/cgroup') : []) {
    const found = spawnSync('find', [join('/sys/fs/cgroup', tree), '-maxdepth', '4', '-type', 'd', '-name', runcParent!], { encoding: 'utf8' });
    for (const dir of found.stdout.split('\n').filter(Boolean)) rmdirSync(dir);
  }
  expect(fingerprint()).toEqual(before);
}

// ------------------------------------------------------------------ the test bed

// What a lifecycle test file works in, set by useOciBed's hooks. Live bindings: a test
// file that imports them sees each test's own (vitest gives every file its own copy of
// this module).
export let rootfs: Awaited<ReturnType<typeof testRootfs>>;
export let work: string;
/** The runtime's state root (--root), under work. */
export let root: string;
let before: HostFingerprint;
let prefix = '';
let n = 0;
/** A container id of this file's own: bl-TAG-PID-N. */
export const newId = () => `${prefix}${++n}`;
/** boxcore with this test's --root. */
export const bc = (...args: string[]) => runtime(BOXCORE, root, args);

/** The hooks of a test file that runs containers: a busybox rootfs for the file; for
 *  each test a scratch directory with the state root in it, and afterwards every
 *  container under that root deleted (whatever a failed test left), the directory
 *  removed, and the host as it was before the test. */
export function useOciBed(tag: string): void {
  prefix = `bl-${tag}-${process.pid}-`;
  beforeAll(async () => { if (isRoot) rootfs = await testRootfs('busybox'); });
  afterAll(async () => { await rootfs?.remove(); });
  beforeEach(() => {
    before = fingerprint();
    work = scratch(tag);
    root = join(work, 'state');
  });
  afterEach(() => {
    for (const id of existsSync(root) ? readdirSync(root) : []) bc('delete', '--force', id);
    expect(existsSync(root) ? readdirSync(root) : []).toEqual([]);
    removeDir(work);
    expect(fingerprint()).toEqual(before);
  });
}
