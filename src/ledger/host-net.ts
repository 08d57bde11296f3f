// The host's network state that every `boxlab run --net bridge` shares: the bridge bl0,
// net.ipv4.ip_forward and the addresses leased on bl0's subnet. It has one owner on the
// host, whatever state root a boxlab uses (BOXLAB_STATE_DIR or not): the directory
// /run/boxlab/net, changed only under an flock(2) on its lock file.
//
//   /run/boxlab/net/lock            flock'ed while a boxlab reads or changes the rest
//   /run/boxlab/net/holders/NAME    one file per bridge user: PID-START-N (a reference)
//   /run/boxlab/net/leases/IP       an address on bl0's subnet; holds its holder's NAME
//   /run/boxlab/net/forward         ip_forward's value before a boxlab set it to 1
//
// A holder is counted while its process runs (its pid and start time, as the ledger
// checks owners), so a boxlab killed with SIGKILL stops counting at once: its leases
// are free for the next run, and whoever finds no live holder left (the last run out,
// or `boxlab cleanup`) removes bl0 and restores ip_forward. The lock is released by the
// kernel when its holder dies, so a killed boxlab never leaves it held.
import { spawn } from 'node:child_process';
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, rmdirSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { isSameProcessAlive, processStartTime } from './proc.ts';
import { ledger as ledgerText } from '../text/index.ts';

const run = promisify(execFile);

export const HOST_NET_DIR = '/run/boxlab/net';
const LOCK = join(HOST_NET_DIR, 'lock');
const HOLDERS = join(HOST_NET_DIR, 'holders');
const LEASES = join(HOST_NET_DIR, 'leases');
const FORWARD = join(HOST_NET_DIR, 'forward');
export const IP_FORWARD = '/proc/sys/net/ipv4/ip_forward';
/** The bridge every `--net bridge` container joins. */
export const BRIDGE = 'bl0';

/** How long to wait for another boxlab's turn: each holds the lock for a few core ops. */
const LOCK_WAIT_S = 60;

export class HostNetError extends Error {}

let holders = 0;

/** A fresh holder name for this process: PID-START-N. */
export function newHolder(): string {
  return `${process.pid}-${processStartTime(process.pid)}-${++holders}`;
}

function holderAlive(name: string): boolean {
  const m = /^(\d+)-(\d+)-\d+$/.exec(name);
  return m !== null && isSameProcessAlive(Number(m[1]), m[2]!);
}

/** Hold the host-wide lock while `fn` runs. flock(1) takes it in a child that keeps the
 *  file open until its stdin closes (when this is done, or this process dies). The lock
 *  file, and its directory, may be removed by the last boxlab out while another waits
 *  for it or is about to open it: a waiter that wins the lock on a removed file sees
 *  another inode at the path, and one that finds no directory to open it in, each tries
 *  again. */
export async function withHostNetLock<T>(fn: () => Promise<T>): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    mkdirSync(HOST_NET_DIR, { recursive: true, mode: 0o700 });
    const child = spawn('sh', ['-c', `exec 9>>"$1" && flock -w ${LOCK_WAIT_S} 9 && stat -L -c %d:%i /dev/fd/9 && exec cat >/dev/null`, 'sh', LOCK],
      { stdio: ['pipe', 'pipe', 'ignore'] });
    const release = () => new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      child.once('exit', () => resolve());
      child.stdin!.end();
    });
    child.stdin!.on('error', () => undefined); // it exited first: nothing to tell it
    const locked = await new Promise<string | undefined>((resolve) => {
      let out = '';
      child.stdout!.on('data', (d: Buffer) => {
        out += d;
        if (out.includes('\n')) resolve(out.trim());
      });
      child.once('exit', () => resolve(undefined));
      child.once('error', () => resolve(undefined));
    });
    if (locked === undefined) {
      await release();
      // sh exits 2 when it cannot open the lock file: the last boxlab out removed the
      // directory between our mkdir and that open. Then make it again (flock's own
      // timeout is status 1).
      if (child.exitCode === 2 && attempt < 20) continue;
      throw new HostNetError(ledgerText.lockTimeout(LOCK, LOCK_WAIT_S));
    }
    const st = (() => { try { return statSync(LOCK); } catch { return undefined; } })();
    if (!st || `${st.dev}:${st.ino}` !== locked) {
      await release();
      if (attempt < 20) continue;
      throw new HostNetError(ledgerText.lockReplaced(LOCK));
    }
    try {
      return await fn();
    } finally {
      await release();
    }
  }
}

/** The shared state, read and changed only by code holding the lock. */
export const hostNet = {
  /** Drop the holders whose process is gone, with their leases; the live ones. */
  liveHolders(): string[] {
    const all = list(HOLDERS);
    const dead = new Set(all.filter((h) => !holderAlive(h)));
    for (const h of dead) rmSync(join(HOLDERS, h), { force: true });
    for (const ip of list(LEASES)) {
      const owner = read(join(LEASES, ip));
      if (owner === undefined || dead.has(owner) || !holderAlive(owner)) rmSync(join(LEASES, ip), { force: true });
    }
    return all.filter((h) => !dead.has(h));
  },

  addHolder(name: string): void {
    mkdirSync(HOLDERS, { recursive: true, mode: 0o700 });
    writeFileSync(join(HOLDERS, name), '');
  },

  /** The first address of `candidates` nobody leases, now leased to `holder`. */
  lease(candidates: string[], holder: string): string | undefined {
    mkdirSync(LEASES, { recursive: true, mode: 0o700 });
    const taken = new Set(list(LEASES));
    const ip = candidates.find((c) => !taken.has(c));
    if (ip) writeFileSync(join(LEASES, ip), holder);
    return ip;
  },

  /** ip_forward's value before the first boxlab set it (kept until the last is out). */
  rememberForward(old: string): void {
    if (!existsSync(FORWARD)) writeFileSync(FORWARD, old.endsWith('\n') ? old : `${old}\n`);
  },
};

/** `holder` is done with the bridge: its holder file and leases go; when no live holder
 *  is left, bl0 goes and ip_forward gets its old value back. Without a holder (boxlab
 *  cleanup), only what dead holders left is swept. Safe to call again. */
export async function leaveHostNet(holder?: string): Promise<void> {
  if (!existsSync(HOST_NET_DIR)) return;
  await withHostNetLock(async () => {
    if (holder) {
      rmSync(join(HOLDERS, holder), { force: true });
      for (const ip of list(LEASES)) if (read(join(LEASES, ip)) === holder) rmSync(join(LEASES, ip), { force: true });
    }
    if (hostNet.liveHolders().length) return;
    await run('ip', ['link', 'del', BRIDGE]).catch(() => undefined); // gone already: fine
    const old = read(FORWARD);
    if (old !== undefined && /^[01]\n?$/.test(old)) writeFileSync(IP_FORWARD, old);
    // Nothing is left to share: the directory goes (the lock file last, still held, so
    // a waiter finds it replaced and starts over), and /run/boxlab if it is empty now.
    for (const p of [HOLDERS, LEASES, FORWARD]) rmSync(p, { recursive: true, force: true });
    unlinkSync(LOCK);
    for (const d of [HOST_NET_DIR, dirname(HOST_NET_DIR)]) {
      try { rmdirSync(d); } catch { break; }
    }
  });
}

function list(dir: string): string[] {
  try { return readdirSync(dir); } catch { return []; }
}

function read(path: string): string | undefined {
  try { return readFileSync(path, 'utf8'); } catch { return undefined; }
}
