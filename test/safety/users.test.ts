// Local users against root's boxlab (issue 21, items 1-3 and 6): a person who shares the
// machine must not be able to turn root's boxlab against files that are not theirs.
// Each attack is made for real by a process of that user (USER, a uid made up for the
// test, with no account): path swaps raced under inotify by swapper.c, round after
// round (at a real-time priority on boxlab's CPU, so that a race by path is one root
// loses: the old code lost its first round); links planted in the user's own state
// directory; lessons from a directory
// the user can write. Every victim file must stay as it was, and the host too.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import {
  chmodSync, chownSync, existsSync, lchownSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync,
  statSync, symlinkSync, writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { repoRoot } from '../../src/core/index.ts';
import { loadSettings, saveSettings, settingsFile } from '../../src/ui/settings.ts';
import { stateDir } from '../../src/ui/state-dir.ts';
import { findStaticBusybox } from '../../src/runtime/rootfs.ts';
import { fingerprint, isRoot, settledFingerprint } from '../helpers/host.ts';
import { testRootfs } from '../helpers/rootfs.ts';

const cli = join(repoRoot(), 'dist', 'boxlab.mjs');
/** The other user: a uid no account has (so nothing of theirs is on the machine). */
const USER = 47001;
const ROUNDS = 20;

const work = mkdtempSync(join(tmpdir(), 'bl-users-'));
chmodSync(work, 0o755); // the user must reach the state root and the swapper
// Root's state root for the runs: searchable by all, as /run/boxlab is.
const state = join(work, 'state');
mkdirSync(state, { mode: 0o755 });
process.env.BOXLAB_STATE_DIR = state;
const swapper = join(work, 'swapper');
let rootfs: Awaited<ReturnType<typeof testRootfs>> | undefined;

beforeAll(async () => {
  if (!isRoot) return;
  const cc = spawnSync('cc', ['-O2', '-Wall', '-Wno-format-truncation', '-o', swapper, join(import.meta.dirname, 'swapper.c')], { encoding: 'utf8' });
  expect(cc.status, cc.stderr).toBe(0);
  rootfs = await testRootfs(findStaticBusybox() ? 'busybox' : 'host');
}, 120_000);
/** The attackers still running: a test that failed midway must not leave one. */
const attackers = new Set<ChildProcess>();
afterEach(() => { for (const a of attackers) a.kill('SIGKILL'); });
afterAll(async () => {
  if (isRoot) spawnSync('node', [cli, 'cleanup'], { stdio: 'ignore', timeout: 30_000 });
  await rootfs?.remove();
  rmSync(work, { recursive: true, force: true });
});

/** Pinned to one CPU, with `boxlab run` (see the chown race). */
const ONE_CPU = ['taskset', '--cpu-list', '0'];
/** Whether this machine lets root use a real-time priority (a container may not): if
 *  not, the attacker races at a normal one, and wins less often against old code. */
const REALTIME = isRoot && spawnSync('chrt', ['--fifo', '10', 'true']).status === 0;

/** A program run as USER (no supplementary groups), its stdout collected; `realtime`:
 *  at a real-time priority on ONE_CPU, so that it runs the moment it is woken. */
function asUser(argv: string[], realtime = false): { child: ChildProcess; out: () => string; said: (word: string) => Promise<void>; done: Promise<number> } {
  const priority = realtime ? [...ONE_CPU, ...(REALTIME ? ['chrt', '--fifo', '10'] : [])] : [];
  const command = [...priority, 'setpriv', `--reuid=${USER}`, `--regid=${USER}`, '--clear-groups', ...argv];
  const child = spawn(command[0]!, command.slice(1), { stdio: ['ignore', 'pipe', 'inherit'] });
  attackers.add(child);
  child.once('exit', () => attackers.delete(child));
  let out = '';
  const waiters: (() => void)[] = [];
  child.stdout!.on('data', (d) => { out += d; waiters.splice(0).forEach((w) => w()); });
  child.once('exit', () => waiters.splice(0).forEach((w) => w()));
  const done = new Promise<number>((r) => child.once('exit', (code) => r(code ?? -1)));
  const said = (word: string) => new Promise<void>((resolve, reject) => {
    const check = () => (out.includes(word) ? resolve() : child.exitCode !== null ? reject(new Error(`swapper ended: ${out}`)) : waiters.push(check));
    check();
  });
  return { child, out: () => out, said, done };
}

/** `boxlab run --user` by root under sudo for USER, as a person would type it. */
function runAsSudoUser(argv: string[], pinned = false): Promise<{ code: number; err: string }> {
  const env = { ...process.env, NO_COLOR: '1', SUDO_USER: 'bl-test', SUDO_UID: String(USER), SUDO_GID: String(USER) };
  const command = [...(pinned ? ONE_CPU : []), 'node', cli, 'run', '--user', '--rootfs', rootfs!.dir, '--', ...argv];
  const child = spawn(command[0]!, command.slice(1), { env, stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  child.stderr!.on('data', (d) => { err += d; });
  return new Promise((r) => child.once('exit', (code) => r({ code: code ?? -1, err })));
}

const runDirs = () => readdirSync(state).filter((n) => n.startsWith('bl-run-'));

describe.runIf(isRoot)('boxlab run --user against its own user', () => {
  it('swapping the run directory\'s merged for a link never makes root chown what it leads to', async () => {
    const before = fingerprint();
    const target = join(work, 'root-only');
    writeFileSync(target, 'root\'s\n', { mode: 0o600 });
    const seen: string[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      // The attacker at a real-time priority on boxlab's CPU: woken by root's first
      // chown of the run directory, it swaps before root takes its next step.
      const attacker = asUser([swapper, 'chown', state, target], true);
      await attacker.said('watching');
      await runAsSudoUser(['true'], true);
      await attacker.done;
      expect(statSync(target).uid, `round ${round}`).toBe(0);
      seen.push(attacker.out());
    }
    // The attacker could not even rename: the run directory stays root's.
    for (const out of seen) expect(out).toMatch(/^watching\nrefused/);
    expect(runDirs()).toEqual([]);
    expect(await settledFingerprint(before)).toEqual(before);
  }, 120_000);

  it('swapping a directory in upper for a link while root removes it never makes root remove what it leads to', async () => {
    const before = fingerprint();
    const victim = join(work, 'victim');
    const FILES = 1000;
    mkdirSync(victim, { mode: 0o755 });
    for (let i = 0; i < FILES; i++) writeFileSync(join(victim, `f${i}`), 'root\'s\n');
    // Three rounds in which the swap is made, in the middle of the removal. On a busy
    // machine the attacker may be too slow: the run is over before its files are made,
    // or it wakes after its directory is gone (either finds nothing there). Such a
    // round proves nothing, and is played again, ten rounds at most.
    let swaps = 0;
    for (let round = 0; swaps < 3; round++) {
      expect(round, `the attacker made ${swaps} swaps in 10 rounds`).toBeLessThan(10);
      const attacker = asUser([swapper, 'rm', state, victim, String(FILES)]);
      await attacker.said('watching');
      const run = runAsSudoUser(['sleep', '1']);
      await attacker.said('ready').catch(() => undefined); // judged by what it says below
      const { code, err } = await run;
      await attacker.done;
      // The victim lost nothing, and the run went as usual, its directory gone.
      expect(readdirSync(victim).length, `round ${round}`).toBe(FILES);
      expect([code, err]).toEqual([0, '']);
      expect(runDirs()).toEqual([]);
      if (/(create|swap) failed No such file or directory/.test(attacker.out())) continue;
      expect(attacker.out(), `round ${round}`).toContain('swapped');
      swaps++;
    }
    expect(await settledFingerprint(before)).toEqual(before);
  }, 120_000);
});

describe.runIf(isRoot)("the sudo user's state directory", () => {
  const KEYS = ['SUDO_USER', 'SUDO_UID', 'SUDO_GID', 'BOXLAB_STATE_DIR'] as const;
  let saved: Record<string, string | undefined> = {};
  let home = '';
  beforeEach(() => {
    saved = Object.fromEntries(KEYS.map((k) => [k, process.env[k]]));
    home = mkdtempSync(join(work, 'home-'));
    chownSync(home, USER, USER);
    Object.assign(process.env, { SUDO_USER: 'bl-test', SUDO_UID: String(USER), SUDO_GID: String(USER), BOXLAB_STATE_DIR: join(home, '.local', 'state', 'boxlab') });
  });
  afterEach(() => {
    for (const k of KEYS) if (saved[k] === undefined) delete process.env[k]; else process.env[k] = saved[k];
    rmSync(home, { recursive: true, force: true });
  });

  /** What the user does in their own home: make a directory, plant a link. */
  const userMkdir = (dir: string) => { mkdirSync(dir, { recursive: true }); for (let d = dir; d !== home; d = join(d, '..')) chownSync(d, USER, USER); };
  const userLink = (target: string, path: string) => { symlinkSync(target, path); lchownSync(path, USER, USER); };

  it('a link at the name of the temporary file: nothing is written through it', () => {
    const victim = join(work, 'victim.conf');
    writeFileSync(victim, 'root\'s\n', { mode: 0o600 });
    userMkdir(stateDir());
    userLink(victim, `${settingsFile()}.tmp-${process.pid}`);
    saveSettings({ pictures: true });
    expect(readFileSync(victim, 'utf8')).toBe('root\'s\n');
    expect(statSync(victim).uid).toBe(0);
    // and the settings were saved all the same, as the user's
    expect(statSync(settingsFile()).uid).toBe(USER);
    expect(loadSettings().pictures).toBe(true);
  });

  it('the state directory swapped for a link to root\'s: nothing is written there', () => {
    const roots = mkdtempSync(join(work, 'roots-'));
    chmodSync(roots, 0o755);
    userMkdir(join(stateDir(), '..'));
    userLink(roots, stateDir());
    saveSettings({ pictures: true });
    expect(readdirSync(roots)).toEqual([]);
  });

  it('a state file linked to a root-only file: root does not read it', () => {
    const secret = join(work, 'secret.json');
    writeFileSync(secret, JSON.stringify({ history: ['root\'s secret'] }), { mode: 0o600 });
    userMkdir(stateDir());
    userLink(secret, settingsFile());
    expect(loadSettings().history).toEqual([]);
    saveSettings({ panel: 'side' });
    expect(readFileSync(settingsFile(), 'utf8')).not.toContain('secret');
    expect(readFileSync(secret, 'utf8')).toContain('root\'s secret');
  });

  it('the directories made and the files written are the user\'s, mode 0700 and 0600', () => {
    saveSettings({ pictures: true });
    for (const d of [join(home, '.local'), join(home, '.local', 'state'), stateDir()]) expect([d, statSync(d).uid, statSync(d).mode & 0o777]).toEqual([d, USER, 0o700]);
    expect([statSync(settingsFile()).uid, statSync(settingsFile()).mode & 0o777]).toEqual([USER, 0o600]);
  });
});

describe.runIf(isRoot)('lessons from outside the course', () => {
  it('run only with --trust, and never from a directory another user can write', () => {
    const lessons = mkdtempSync(join(work, 'lessons-'));
    chmodSync(lessons, 0o755);
    const marker = join(work, 'lesson-ran');
    mkdirSync(join(lessons, '01-c'));
    writeFileSync(join(lessons, '01-c', '01-mark.md'), ['---', 'id: mark', 'title: T', 'chapter: C', 'summary: S', 'needs: root', '---',
      '```step', 'title: mark', `shell: touch ${marker}`, '```'].join('\n'));
    const lesson = (...args: string[]) => spawnSync('node', [cli, 'lesson', 'mark', '--yes', ...args], { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1', BOXLAB_LESSONS: lessons }, timeout: 30_000 });

    const untrusted = lesson();
    expect(untrusted.status).toBe(2);
    expect(untrusted.stdout + untrusted.stderr).toContain(`--trust ${lessons}`);
    expect(existsSync(marker)).toBe(false);

    // The user owns the chapter directory: they could put any lesson there.
    chownSync(join(lessons, '01-c'), USER, USER);
    const theirs = lesson('--trust', lessons);
    expect(theirs.status).toBe(2);
    expect(theirs.stdout + theirs.stderr).toContain(`${join(lessons, '01-c')} belongs to uid ${USER}`);
    expect(existsSync(marker)).toBe(false);

    chownSync(join(lessons, '01-c'), 0, 0);
    chmodSync(join(lessons, '01-c', '01-mark.md'), 0o666);
    const writable = lesson('--trust', lessons);
    expect(writable.status).toBe(2);
    expect(writable.stdout + writable.stderr).toContain(`chmod go-w ${join(lessons, '01-c', '01-mark.md')}`);
    expect(existsSync(marker)).toBe(false);

    chmodSync(join(lessons, '01-c', '01-mark.md'), 0o644);
    const trusted = lesson('--trust', lessons);
    expect(trusted.status, trusted.stderr).toBe(0);
    expect(existsSync(marker)).toBe(true);
  });
});
