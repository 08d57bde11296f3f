// `boxlab run -- sleep` in a real terminal (a tmux pane: a pseudo-terminal, as a person
// has), stopped as a person stops it: Ctrl-C, which the terminal sends to the whole
// foreground process group (boxlab, its core and the container), and SIGTERM to boxlab
// alone. The exit status must be 128+N (130, 143), as the README promises, and nothing
// may be left: no container process, no bl-run directory, no core, no ledger. As root
// and as an unprivileged user (nobody, with --user: the run a user may make).
import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { repoRoot } from '../../src/core/index.ts';
import { fingerprint, isRoot, settledFingerprint, type HostFingerprint } from '../helpers/host.ts';
import { testRootfs } from '../helpers/rootfs.ts';
import { TMUX, Tmux } from '../e2e/tmux.ts';

const cli = join(repoRoot(), 'dist', 'boxlab.mjs');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** A sleep no other program on the machine runs: how the container's process is found. */
const SLEEP = '29';

let rootfs: Awaited<ReturnType<typeof testRootfs>>;
let dir: string;
let tmux: Tmux;
let before: HostFingerprint;

beforeAll(async () => {
  if (!isRoot || !TMUX) return;
  rootfs = await testRootfs('busybox');
});
afterAll(async () => { await rootfs?.remove(); });
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'bl-signals-'));
  chmodSync(dir, 0o777); // nobody writes its exit status here
  tmux = new Tmux(join(dir, 'tmux.sock'));
  before = fingerprint();
});
afterEach(async () => {
  if (tmux.alive()) tmux.kill();
  for (let i = 0; i < 100 && containers().length; i++) await sleep(100);
  expect(containers(), 'no container process is left').toEqual([]);
  expect(await settledFingerprint(before)).toEqual(before);
  expect(runDirs(), 'no bl-run directory is left').toEqual([]);
  rmSync(dir, { recursive: true, force: true });
});

function cmdline(pid: string): string {
  try { return readFileSync(`/proc/${pid}/cmdline`, 'latin1'); } catch { return ''; }
}

/** The containers' `sleep SLEEP` processes. */
function containers(): string[] {
  return readdirSync('/proc').filter((p) => /^\d+$/.test(p) && cmdline(p) === `sleep\0${SLEEP}\0`);
}

/** bl-run directories in root's state root and in nobody's. */
function runDirs(): string[] {
  return ['/run/boxlab', join(tmpdir(), 'boxlab-65534'), '/run/user/65534/boxlab-65534'].flatMap((d) => {
    try { return readdirSync(d).filter((n) => n.startsWith('bl-run-')).map((n) => join(d, n)); } catch { return []; }
  });
}

/** `boxlab run ... -- sleep SLEEP` in the pane, as root or as nobody; resolves once the
 *  container's process runs. Its exit status is written to DIR/exit. */
async function startRun(asNobody: boolean): Promise<void> {
  const exitFile = join(dir, 'exit');
  const run = `node ${cli} run --rootfs ${rootfs.dir}${asNobody ? ' --user' : ''} -- sleep ${SLEEP}; echo $? > ${exitFile}`;
  // setpriv execs as nobody in this very process group (su would add a parent of its
  // own that catches Ctrl-C itself); bash, like an interactive shell, goes on to the
  // next command when the one it waited for handled Ctrl-C and exited (dash does not).
  const command = asNobody ? `cd / && setpriv --reuid=65534 --regid=65534 --clear-groups env -u XDG_RUNTIME_DIR HOME=/ bash -c '${run}'` : `cd / && ${run}`;
  tmux.start(command, 100, 30);
  for (let i = 0; i < 150 && !containers().length; i++) await sleep(100);
  expect(containers(), `the container runs; the screen:\n${tmux.screen()}`).toHaveLength(1);
}

async function exitStatus(): Promise<number> {
  const file = join(dir, 'exit');
  for (let i = 0; i < 100 && !existsSync(file); i++) await sleep(100);
  expect(existsSync(file), `boxlab run ended within 10 s; the screen:\n${tmux.alive() ? tmux.screen() : '(gone)'}`).toBe(true);
  return Number(readFileSync(file, 'utf8').trim());
}

/** boxlab's own process (node ... run), found by its command line. */
function boxlabPid(): number {
  const pid = readdirSync('/proc').find((p) => /^\d+$/.test(p) && cmdline(p).startsWith('node\0') && cmdline(p).includes(`${cli}\0run\0`));
  expect(pid, 'boxlab run is running').toBeDefined();
  return Number(pid);
}

describe.runIf(isRoot && TMUX !== undefined)('boxlab run in a terminal, stopped by a signal', () => {
  it.each([['as root', false], ['as nobody, rootless', true]])('%s: Ctrl-C exits 130 and leaves nothing', async (_who, asNobody) => {
    await startRun(asNobody);
    tmux.keys('C-c');
    expect(await exitStatus()).toBe(130);
  }, 60_000);

  it.each([['as root', false], ['as nobody, rootless', true]])('%s: SIGTERM exits 143 and leaves nothing', async (_who, asNobody) => {
    await startRun(asNobody);
    process.kill(boxlabPid(), 'SIGTERM');
    expect(await exitStatus()).toBe(143);
  }, 60_000);
});
