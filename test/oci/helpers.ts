// What the OCI tests share: bundles over a busybox rootfs, boxcore and runc run as a
// person would run them, and what a test must find unchanged on the host afterwards.
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { boxcorePath } from '../../src/core/binary.ts';
import { fingerprint, type HostFingerprint } from '../helpers/host.ts';

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

/** Every cgroup directory of the host whose name starts with prefix (the ids of one
 *  test file): none may be left behind. */
export function cgroupDirs(prefix: string): string[] {
  const out: string[] = [];
  const walk = (dir: string, depth: number) => {
    let names: string[];
    try {
      names = readdirSync(dir, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name);
    } catch {
      return;
    }
    for (const n of names) {
      if (n.startsWith(prefix)) out.push(join(dir, n));
      if (depth < 4) walk(join(dir, n), depth + 1);
    }
  };
  walk('/sys/fs/cgroup', 0);
  return out.sort();
}

function zombie(pid: number): boolean {
  try {
    return /^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return true; /* gone */
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

export function removeDir(dir: string): void {
  if (existsSync(dir)) rmSync(dir, { recursive: true, force: true });
}

/** The host fingerprint, without what other boxlab processes make and remove on a
 *  shared machine meanwhile: mounts, ledgers and state directories named for a pid
 *  count only when the pid is this process's or one in ours (children it started). */
export function hostState(ours: number[] = []): HostFingerprint {
  const fp = fingerprint();
  const mine = new Set([process.pid, ...ours]);
  const counts = (path: string) => {
    const pid = Number(/\/bl-(?:[a-z]+-)*(\d+)[^/]*$/.exec(path)?.[1]);
    return !(pid > 0) || mine.has(pid);
  };
  return {
    ...fp,
    // A zombie holds nothing but its pid; where PID 1 does not reap (some containers
    // and sandboxes), an orphaned boxcore that has exited stays one.
    processes: fp.processes.filter((p) => !zombie(Number(p.split(' ')[0]))),
    mounts: fp.mounts.filter((m) => counts(m.split(' ')[0]!)),
    ledgers: fp.ledgers.filter(counts),
    stateDirs: fp.stateDirs.filter(counts),
  };
}
