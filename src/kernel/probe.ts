// What a probe is given, and the few /proc reads every probe shares.
//
// A probe reads kernel state for one process (the target) and often compares it with
// a reference process standing for "the host" (pid 1 unless told otherwise). Most of it
// is readable straight from /proc/PID/*. Two things are not: the hostname and the
// System V IPC objects of another namespace are only visible from inside it, so a
// probe asks `enter` to read them there (setns, in a helper process).
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile, readlink } from 'node:fs/promises';
import { join } from 'node:path';
import { boxcorePath } from '../core/binary.ts';
import type { NetDump, NetTarget } from '../core/ops.ts';
import { parseStat } from './proc-stat.ts';
import type { View } from './types.ts';
import { kernel as words } from '../text/index.ts';

export type EnterWhat = 'uts' | 'ipc';

/** What `boxcore probe PID uts,ipc` prints (native/PROTOCOL.md). */
export interface EnterResult {
  uts?: { hostname: string; domainname: string };
  /** Raw text of /proc/sysvipc/{msg,sem,shm} as seen inside the target's ipc namespace. */
  ipc?: { msg: string; sem: string; shm: string };
  /** How it was read ("boxcore", "nsenter"), for a note. */
  via?: string;
}

export type EnterFn = (pid: number, what: EnterWhat[]) => Promise<EnterResult>;

/** Reads one network namespace whole over rtnetlink: the core's net_dump op. */
export type NetDumpFn = (where: NetTarget) => Promise<NetDump>;

export interface ProbeTarget {
  /** The process to read, as the host sees it. */
  pid: number;
  /** The reference process to compare with (default 1). */
  hostPid?: number;
  /** Reads what only the inside of a namespace can see (default: defaultEnter). */
  enter?: EnterFn;
  /** Other processes the picture is about (a lesson's other containers, by name): views
   *  that span namespaces (net) show theirs too. */
  neighbours?: { name: string; pid: number }[];
  /** Reads the network namespaces the net view shows (default: a core of the probe's own). */
  netDump?: NetDumpFn;
}

export type Probe = (target: ProbeTarget) => Promise<View>;

// ---------------------------------------------------------------- /proc helpers

const PROC = '/proc';

export function procPath(pid: number | 'self', ...rest: string[]): string {
  return join(PROC, String(pid), ...rest);
}

export function readProc(pid: number | 'self', ...rest: string[]): Promise<string> {
  return readFile(procPath(pid, ...rest), 'utf8');
}

/** "mnt:[4026531832]" -> "4026531832" (the namespace's inode number). */
export function parseNsLink(link: string): string {
  const m = /\[(\d+)\]\s*$/.exec(link);
  if (!m?.[1]) throw new Error(words.badNsLink(link));
  return m[1];
}

export async function nsInode(pid: number | 'self', type: string): Promise<string> {
  return parseNsLink(await readlink(procPath(pid, 'ns', type)));
}

function errnoOf(err: unknown): string | undefined {
  return (err as NodeJS.ErrnoException | undefined)?.code;
}

export function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Permission errors: the reader may not look at that process (ptrace access mode). */
export function isDenied(err: unknown): boolean {
  const code = errnoOf(err);
  return code === 'EACCES' || code === 'EPERM';
}

/** A process that went away while we read it. */
export function isGone(err: unknown): boolean {
  const code = errnoOf(err);
  return code === 'ENOENT' || code === 'ESRCH';
}

/**
 * Read something of the reference ("host") process. When the reference cannot be read
 * (in a sandbox, pid 1 may refuse readlink of its ns links even to root), fall back to
 * this process, which runs on the host. `boxlab doctor` says so, once (its host
 * reference check), rather than every view of every step.
 */
export async function readReference<T>(
  target: ProbeTarget,
  read: (pid: number) => Promise<T>,
): Promise<{ value: T; pid: number }> {
  const wanted = target.hostPid ?? 1;
  try {
    return { value: await read(wanted), pid: wanted };
  } catch (err) {
    if (!isDenied(err) || wanted === process.pid) throw err;
    return { value: await read(process.pid), pid: process.pid };
  }
}

/** Throw a plain-words error when the target is gone or a zombie (a zombie keeps its
 *  /proc entry but has dropped its namespaces, so its views would be misleading). */
export async function assertAlive(pid: number): Promise<void> {
  let stat: string;
  try {
    stat = await readProc(pid, 'stat');
  } catch (err) {
    if (isGone(err)) throw new Error(words.targetGone(pid));
    throw err;
  }
  const { state } = parseStat(stat);
  if (state === 'Z' || state === 'X') throw new Error(words.targetZombie(pid));
}

// ---------------------------------------------------------------- enter

function run(file: string, args: string[], timeoutMs = 10_000): Promise<string> {
  return new Promise((resolvePromise, reject) => {
    execFile(file, args, { timeout: timeoutMs, maxBuffer: 8 << 20, encoding: 'utf8' }, (err, stdout, stderr) => {
      if (err) {
        const detail = stderr.trim().split('\n').slice(-1)[0];
        reject(new Error(words.commandFailed(`${file} ${args.join(' ')}`, detail || err.message)));
      } else resolvePromise(stdout);
    });
  });
}

/** Parse and check the JSON that `boxcore probe` prints. */
export function parseEnterOutput(text: string): EnterResult {
  const obj = JSON.parse(text) as Record<string, unknown>;
  const error = obj.error as { message?: unknown } | string | undefined;
  if (error !== undefined) throw new Error(typeof error === 'string' ? error : String(error.message ?? JSON.stringify(error)));
  const out: EnterResult = {};
  const uts = obj.uts as Record<string, unknown> | undefined;
  if (uts) {
    out.uts = { hostname: String(uts.hostname ?? ''), domainname: String(uts.domainname ?? '') };
  }
  const ipc = obj.ipc as Record<string, unknown> | undefined;
  if (ipc) out.ipc = { msg: String(ipc.msg ?? ''), sem: String(ipc.sem ?? ''), shm: String(ipc.shm ?? '') };
  return out;
}

/** `boxcore probe PID uts,ipc`: the core joins PID's namespaces and reads them. */
export async function boxcoreEnter(pid: number, what: EnterWhat[]): Promise<EnterResult> {
  const stdout = await run(boxcorePath(), ['probe', String(pid), what.join(',')]);
  return { ...parseEnterOutput(stdout), via: 'boxcore' };
}

/** The same read with util-linux nsenter, for when boxcore is not built. */
export async function nsenterEnter(pid: number, what: EnterWhat[]): Promise<EnterResult> {
  const out: EnterResult = { via: 'nsenter' };
  const jobs: Promise<void>[] = [];
  if (what.includes('uts')) {
    jobs.push(
      run('nsenter', ['-t', String(pid), '--uts', 'cat', '/proc/sys/kernel/hostname', '/proc/sys/kernel/domainname']).then((text) => {
        const [hostname = '', domainname = ''] = text.split('\n');
        out.uts = { hostname, domainname };
      }),
    );
  }
  if (what.includes('ipc')) {
    // /proc/sysvipc/* shows the ipc namespace of the process reading it.
    const read = (f: string) => run('nsenter', ['-t', String(pid), '--ipc', 'cat', `/proc/sysvipc/${f}`]);
    jobs.push(
      Promise.all([read('msg'), read('sem'), read('shm')]).then(([msg, sem, shm]) => {
        out.ipc = { msg, sem, shm };
      }),
    );
  }
  await Promise.all(jobs);
  return out;
}

/** boxcore when it is built, else nsenter. */
export const defaultEnter: EnterFn = (pid, what) =>
  existsSync(boxcorePath()) ? boxcoreEnter(pid, what) : nsenterEnter(pid, what);
