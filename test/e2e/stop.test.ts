// The lab stopped while a lesson step is still running: its terminal closed (SIGHUP),
// then a SIGTERM, as a session manager sends them. The session would close only after
// its step, so the lab must not wait for it: it ends within moments of the SIGTERM
// (and by itself within seconds without one), killing what the step runs and every
// container, with nothing left on the host.
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { repoRoot } from '../../src/core/index.ts';
import { ui as text } from '../../src/text/index.ts';
import { fingerprint, isRoot, settledFingerprint, type HostFingerprint } from '../helpers/host.ts';
import { TMUX, Tmux } from './tmux.ts';

const cli = join(repoRoot(), 'dist', 'boxlab.mjs');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** The hung step's sleep, a number nothing else on the machine sleeps for. */
const HANG = '47';

let dir: string;
let tmux: Tmux;
let before: HostFingerprint;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'bl-stop-'));
  tmux = new Tmux(join(dir, 'tmux.sock'));
  before = fingerprint();
  // A course of one lesson: a container, then a step that does not end by itself.
  mkdirSync(join(dir, 'lessons', '01-tests'), { recursive: true });
  writeFileSync(join(dir, 'lessons', '01-tests', '01-hang.md'), [
    '---', 'id: hang', 'title: A step that hangs', 'chapter: Tests', 'summary: For the stop test.', 'needs: root', '---',
    '```step', 'title: a container', 'op: clone', 'args: {ns: [pid, uts, mnt]}', '```',
    '```step', 'title: a command that does not end', `shell: sleep ${HANG}`, '```', '',
  ].join('\n'));
});
afterEach(async () => {
  if (tmux.alive()) tmux.kill();
  for (let i = 0; i < 100 && (lab() || sleeping().length); i++) await sleep(100);
  rmSync(dir, { recursive: true, force: true });
  expect(await settledFingerprint(before)).toEqual(before);
});

function environ(pid: string): string {
  try { return readFileSync(`/proc/${pid}/environ`, 'latin1'); } catch { return ''; }
}

/** The lab this test started (it runs with XDG_STATE_HOME=dir). */
function lab(): number | undefined {
  const pid = readdirSync('/proc').find((p) => /^\d+$/.test(p) && environ(p).includes(`XDG_STATE_HOME=${dir}\0`) && readFileSync(`/proc/${p}/cmdline`, 'latin1').includes(cli));
  return pid === undefined ? undefined : Number(pid);
}

function sleeping(): string[] {
  return readdirSync('/proc').filter((p) => {
    try { return /^\d+$/.test(p) && readFileSync(`/proc/${p}/cmdline`, 'latin1') === `sleep\0${HANG}\0`; } catch { return false; }
  });
}

describe.runIf(isRoot && TMUX !== undefined)('the lab stopped in the middle of a step', () => {
  it('terminal gone, then SIGTERM: it ends at once, and takes the step and the container with it', async () => {
    tmux.start(`cd ${repoRoot()} && env CI=true XDG_STATE_HOME=${dir} BOXLAB_LESSONS=${join(dir, 'lessons')} node ${cli} --present hang --trust ${join(dir, 'lessons')}`, 100, 30);
    await tmux.waitFor((x) => x.includes(text.notStarted), 'the lesson');
    tmux.keys('n');
    const s = await tmux.waitFor((x) => /clone3\(.*\) = \d+/.test(x) && x.includes(text.stepDone), 'the container');
    const container = Number(/clone3\(.*\) = (\d+)/.exec(s)![1]);
    tmux.keys('n');
    for (let i = 0; i < 100 && !sleeping().length; i++) await sleep(50);
    expect(sleeping(), 'the step runs').toHaveLength(1);
    const pid = lab()!;
    tmux.kill(); // the terminal is gone: SIGHUP
    await sleep(300);
    expect(existsSync(`/proc/${pid}`), 'the lab waits for its step after the hangup').toBe(true);
    process.kill(pid, 'SIGTERM');
    const start = Date.now();
    for (let i = 0; i < 60 && existsSync(`/proc/${pid}`) && !/\) [ZX] /.test(readFileSync(`/proc/${pid}/stat`, 'utf8')); i++) await sleep(50);
    expect(Date.now() - start, 'the lab ended within 3 s of the SIGTERM').toBeLessThan(3000);
    for (let i = 0; i < 50 && (existsSync(`/proc/${container}`) || sleeping().length); i++) await sleep(100);
    expect(existsSync(`/proc/${container}`), 'the container is gone').toBe(false);
    expect(sleeping(), "the step's command is gone").toEqual([]);
    expect(existsSync('/run/boxlab') ? readdirSync('/run/boxlab').filter((n) => n.includes(`-${pid}-`)) : [], "the lab's state").toEqual([]);
  }, 60_000);
});
