// The lab end to end, in a real terminal: `node dist/boxlab.mjs` as root in a tmux pane
// of a fixed size (tmux makes the pty, so this runs in CI with no terminal and CI=true).
// Keys go in with send-keys, the screen comes out with capture-pane. The uts lesson is
// opened from the home screen, run step by step, the container shell is opened with s,
// used and left, the REPL runs an op, the window is resized, and q leaves; then the
// host is as it was (mounts, processes, ledgers, cgroups), no boxcore is left and the
// tmux server is gone. Also: Ctrl-C in a lesson, presenter mode, and no colour.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { repoRoot } from '../../src/core/index.ts';
import { ui as text } from '../../src/text/index.ts';
import { fingerprint, isRoot, type HostFingerprint } from '../helpers/host.ts';
import { TMUX, Tmux } from './tmux.ts';
import { cgroupLayout } from '../../src/doctor/checks.ts';
import { keyBarLines } from '../../src/ui/lesson.tsx';

const cli = join(repoRoot(), 'dist', 'boxlab.mjs');
const canRun = isRoot && TMUX !== undefined && existsSync(cli);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let tmux: Tmux;
let dir: string;
let before: HostFingerprint;
let hostName: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'bl-e2e-'));
  tmux = new Tmux(join(dir, 'tmux.sock'));
  before = fingerprint();
  hostName = hostname();
});

afterEach(async () => {
  // After a failure the lab may still run: take tmux down (SIGHUP: the lab unwinds) and
  // give the lab its moment to finish before the host is compared.
  if (tmux.alive()) {
    tmux.kill();
    for (let i = 0; i < 100 && !existsSync(join(dir, 'exit')) && pgrepLab(); i++) await sleep(100);
  }
  rmSync(dir, { recursive: true, force: true });
  expect(hostname()).toBe(hostName);
  expect(fingerprint()).toEqual(before);
});

/** Is a lab this test started still running? (It runs with XDG_STATE_HOME=dir.) */
function pgrepLab(): boolean {
  for (const p of readdirSync('/proc').filter((n) => /^\d+$/.test(n))) {
    try { if (readFileSync(`/proc/${p}/environ`, 'latin1').includes(`XDG_STATE_HOME=${dir}\0`)) return true; } catch { /* gone */ }
  }
  return false;
}

/** Start the lab in the pane; what it exits with is written to DIR/exit. */
function startLab(args: string, env = '', cols = 120, rows = 36): void {
  const exitFile = join(dir, 'exit');
  tmux.start(`cd ${repoRoot()} && env CI=true XDG_STATE_HOME=${dir} ${env} node ${cli} ${args}; echo $? > ${exitFile}`, cols, rows);
}

/** After q or Ctrl-C: the lab's exit status, once its pane (and so the server) is gone. */
async function labExit(): Promise<number> {
  const file = join(dir, 'exit');
  for (let i = 0; i < 200 && !existsSync(file); i++) await sleep(100);
  for (let i = 0; i < 100 && (tmux.alive() || existsSync(`/proc/${tmux.server}`)); i++) await sleep(100);
  expect(tmux.alive(), 'the tmux server is gone').toBe(false);
  expect(existsSync(`/proc/${tmux.server}`), 'no tmux server process is left').toBe(false);
  return Number(readFileSync(file, 'utf8').trim());
}

/** The line the home screen has selected (▸). */
const selected = (screen: string) => screen.split('\n').find((l) => l.startsWith(text.selected)) ?? '';

async function openFromHome(title: string): Promise<void> {
  await tmux.waitFor((s) => s.includes(text.homeKeys), 'the home screen');
  // One key at a time, each waited for: the selection moves one line per j.
  for (let i = 0; i < 40 && !selected(tmux.screen()).includes(title); i++) {
    const was = selected(tmux.screen());
    tmux.keys('j');
    await tmux.waitFor((x) => selected(x) !== was, 'the selection to move');
  }
  expect(selected(tmux.screen())).toContain(title);
  tmux.keys('Enter');
  await tmux.waitFor((s) => s.includes(text.notStarted), 'the lesson, ready');
}

describe.runIf(canRun)('the lab in a real terminal (tmux)', () => {
  it('uts with keys: steps and their diff, the container shell, the REPL, a resize, q', async () => {
    startLab('');
    await openFromHome('The UTS namespace');

    tmux.keys('n');
    let s = await tmux.waitFor((x) => x.includes('✓ step: Make a process in a new UTS namespace') && /clone3\(.*\) = \d+/.test(x), 'the clone step');
    expect(s).toContain(text.shellLine('unshare --uts --fork'));
    const pid = Number(/clone3\(.*\) = (\d+)/.exec(s)![1]);
    expect(readFileSync(`/proc/${pid}/status`, 'utf8')).toMatch(/^NSpid:\t\d+$/m); // a real process, on the host

    tmux.keys('n');
    await tmux.waitFor((x) => x.includes('✓ The new namespace starts with the host'), 'the check');
    tmux.keys('n');
    s = await tmux.waitFor((x) => /~ hostname +\S+ -> box /.test(x), 'the diff of sethostname');
    expect(s).toContain('sethostname("box", 3) = 0');
    expect(s).toContain(text.shellLine('hostname box'));

    // s: a shell in the container; what it changes shows when the lab comes back
    // (its prompt is the container's hostname, as `hostname` says it there)
    tmux.keys('s');
    await tmux.waitFor((x) => x.split('\n').some((l) => l.startsWith('box#')), 'the container shell');
    tmux.type('hostname e2e-shell; echo in-container-$((6*7))');
    tmux.keys('Enter');
    await tmux.waitFor((x) => x.includes('\nin-container-42') && x.split('\n').some((l) => l.startsWith('e2e-shell#')), 'the command in the shell');
    tmux.keys('C-c'); // meant for the shell: the lab stays
    await sleep(300);
    tmux.type('exit');
    tmux.keys('Enter');
    s = await tmux.waitFor((x) => x.includes(text.shellBack.slice(0, 40)), 'the lab, back from the shell');
    expect(s).toMatch(/~ hostname +box -> e2e-shell /);

    // : the REPL, with completion; the op's diff
    tmux.keys(':');
    await tmux.waitFor((x) => x.includes(text.replHelp.slice(0, 30)), 'the REPL');
    tmux.type('seth');
    tmux.keys('Tab');
    await tmux.waitFor((x) => x.split('\n').some((l) => l.trimEnd() === `${text.replPrompt}sethostname`), 'the completed op');
    tmux.type('e2e-repl');
    tmux.keys('Enter');
    // The diff and the REPL's answer may land in two frames: wait for both.
    const ok = text.replOk('sethostname').slice(0, 30);
    s = await tmux.waitFor((x) => /~ hostname +e2e-shell -> e2e-repl /.test(x) && x.includes(ok), 'the diff of the REPL op and its answer');
    // the kernel agrees: the container's hostname, read from inside its uts namespace
    expect(execFileSync('nsenter', ['--target', String(pid), '--uts', 'hostname'], { encoding: 'utf8' }).trim()).toBe('e2e-repl');
    tmux.keys('Escape');
    await tmux.waitFor((x) => x.includes(keyBarLines(120, { resume: false, notes: true })[0]!.slice(0, 30)), 'the key bar again');

    // a smaller window: the lab redraws within it
    tmux.resize(72, 20);
    s = await tmux.waitFor((x) => x.split('\n')[0]!.startsWith('The UTS namespace') && x.includes('│') === false, 'the narrow layout');
    const lines = s.replace(/\n$/, '').split('\n');
    expect(lines.length).toBeLessThanOrEqual(20);
    for (const l of lines) expect([...l].length).toBeLessThanOrEqual(72);
    tmux.resize(120, 36);
    await tmux.waitFor((x) => x.includes('│'), 'the wide layout again');

    tmux.keys('q');
    await tmux.waitFor((x) => x.includes(text.homeKeys), 'home, after the lesson was closed');
    tmux.keys('q');
    expect(await labExit()).toBe(0);
    expect(existsSync(`/proc/${pid}`), 'the container is gone').toBe(false);

    // progress and settings, in the (given) XDG state directory
    const progress = JSON.parse(readFileSync(join(dir, 'boxlab', 'progress.json'), 'utf8'));
    expect(progress.lessons.uts).toMatchObject({ stop: 3, total: 7, done: false });
    const settings = JSON.parse(readFileSync(join(dir, 'boxlab', 'settings.json'), 'utf8'));
    expect(settings).toMatchObject({ lastLesson: 'uts', history: ['sethostname e2e-repl'] });
  }, 120_000);

  it('a prediction answered by keys (pid), and a challenge solved by keys (slow-job): hint, REPL, unfolded', async () => {
    startLab('', '', 120, 40);
    await openFromHome('The PID namespace');
    tmux.keys('n');
    let s = await tmux.waitFor((x) => x.includes(text.predictChoose(3)), 'the prediction, asked before the clone');
    expect(s).not.toMatch(/clone3\(/); // nothing ran yet
    tmux.keys('2');
    s = await tmux.waitFor((x) => x.includes(text.predictRight('1', '').slice(0, 10)), 'the clone, and the answer');
    expect(s).toContain(text.predictYouSaid('1', true));
    expect(s).toContain('clone3({flags=CLONE_NEWPID');
    tmux.keys('q');

    // The challenge: its scene set as it opens, the fault folded away
    await tmux.waitFor((x) => x.includes(text.homeKeys), 'home');
    for (let i = 0; i < 60 && !selected(tmux.screen()).includes('Challenge: the slow job'); i++) {
      const was = selected(tmux.screen());
      tmux.keys('j');
      await tmux.waitFor((x) => selected(x) !== was, 'the selection to move');
    }
    expect(tmux.screen()).toContain(text.challengesHeading);
    tmux.keys('Enter');
    s = await tmux.waitFor((x) => x.includes(text.sceneSet.slice(0, 40)), 'the scene, set');
    expect(s).toContain(text.setupFolded.slice(0, 30));
    expect(s).not.toContain('The fault');
    tmux.keys('n');
    s = await tmux.waitFor((x) => /the job got \d+% of one CPU/.test(x), 'the symptom, measured');
    const share = Number(/the job got (\d+)%/.exec(s)![1]);
    expect(share).toBeLessThan(30); // a tenth of a CPU, give or take a busy machine
    tmux.keys('n');
    await tmux.waitFor((x) => x.includes(text.taskWaiting.slice(0, 30)), 'the task, waiting');
    tmux.keys('h');
    await tmux.waitFor((x) => x.includes(text.hintsTitle), 'the first hint, in the prose');
    // the fix, as a learner types it at the REPL: the quota lifted in whatever tree holds cpu
    tmux.keys(':');
    await tmux.waitFor((x) => x.includes(text.replHelp.slice(0, 30)), 'the REPL');
    tmux.type(cgroupLayout() === 'v2' ? 'cgroup_set ${cgroup} cpu.max "max 100000"' : 'cgroup_set ${cgroup} cpu.cfs_quota_us -1');
    tmux.keys('Enter');
    s = await tmux.waitFor((x) => x.includes(text.challengeSolved.slice(0, 30)), 'the challenge, solved');
    tmux.keys('Escape');
    await tmux.waitFor((x) => x.includes('The fault'), 'the setup, unfolded');
    // the kernel agrees: the job's group has no quota now
    const v2 = cgroupLayout() === 'v2';
    const groups = execFileSync('find', ['/sys/fs/cgroup', '-maxdepth', '8', '-type', 'd', '-name', `bl-lesson-slow-job-*`, '-path', v2 ? '*' : '*/cpu*/*'], { encoding: 'utf8' })
      .split('\n').filter((d) => existsSync(join(d, v2 ? 'cpu.max' : 'cpu.cfs_quota_us')));
    expect(groups).toHaveLength(1);
    expect(readFileSync(join(groups[0]!, v2 ? 'cpu.max' : 'cpu.cfs_quota_us'), 'utf8').trim()).toBe(v2 ? 'max 100000' : '-1');
    tmux.keys('q');
    await tmux.waitFor((x) => x.includes(text.homeKeys), 'home');
    tmux.keys('q');
    expect(await labExit()).toBe(0);
    const progress = JSON.parse(readFileSync(join(dir, 'boxlab', 'progress.json'), 'utf8'));
    expect(Object.values(progress.lessons.pid.predictions)).toEqual([true]);
    expect(Object.values(progress.lessons['slow-job'].tasks)).toEqual(['hinted']);
  }, 120_000);
  // Issue 22: a shell in a container with a PID namespace could not give the terminal
  // back when it exited (its own group cannot see the lab's): the lab was left stopped,
  // behind a dead foreground group, and answered no key. The learner's path, twice.
  for (const [title, task, stops, cols, rows] of [
    ['The PID namespace', 6, 9, 80, 24],
    ['A container is a process', 8, 9, 60, 20],
  ] as const) {
    it(`${title}: s at the task, exit, and the lab answers keys again (${cols}x${rows})`, async () => {
      startLab('', '', cols, rows);
      await openFromHome(title);
      for (let i = 1; i <= task; i++) {
        tmux.keys('n');
        // A step with a prediction asks it first: any answer lets the step run.
        const asking = (x: string) => x.includes(text.predictKeys(9).slice(4));
        const done = (x: string) => x.includes(text.stepOf(i, stops)) && !x.includes(text.running('').trim()) && !asking(x);
        const asked = await tmux.waitFor((x) => done(x) || asking(x), `stop ${i}`);
        if (!done(asked)) {
          tmux.keys('1');
          await tmux.waitFor(done, `stop ${i}, its prediction answered`);
        }
      }
      await tmux.waitFor((x) => x.includes(text.taskWaiting.slice(0, 20)), 'the task');
      tmux.keys('s');
      const shell = await tmux.waitFor((x) => x.split('\n').some((l) => /^\S+# ?$/.test(l.trimEnd())), 'the container shell');
      const pid = Number(/\(pid (\d+) on the host\)/.exec(shell.replace(/\n/g, ' '))![1]);
      // in a PID namespace of its own: the shell has two PIDs, the host's and the container's
      tmux.type('grep NSpid /proc/self/status');
      tmux.keys('Enter');
      await tmux.waitFor((x) => /^NSpid:\s+\d+\s+\d+/m.test(x), 'the shell, in the container\'s PID namespace');
      tmux.type('exit');
      tmux.keys('Enter');
      await tmux.waitFor((x) => x.includes(text.stepOf(task, stops)), 'the lab, back from the shell');
      // it answers: c checks the task and says not yet, q goes home, q leaves
      tmux.keys('c');
      await tmux.waitFor((x) => x.includes(text.taskNotYet), 'the answer to c');
      tmux.keys('q');
      await tmux.waitFor((x) => x.includes(text.homeKeys), 'home');
      tmux.keys('q');
      expect(await labExit()).toBe(0);
      expect(existsSync(`/proc/${pid}`), 'the container is gone').toBe(false);
    }, 90_000);
  }

  it('Ctrl-C in a lesson with a container leaves cleanly; presenter mode opens the lesson named', async () => {
    startLab('--present uts');
    await tmux.waitFor((x) => x.includes(text.notStarted), 'the lesson');
    tmux.keys('n');
    const s = await tmux.waitFor((x) => x.includes(text.presentCounter(1, 7)) && x.includes(text.stepDone), 'the first step');
    expect(s).not.toContain(text.notesTitle);
    tmux.keys('n');
    await tmux.waitFor((x) => x.includes(text.presentCounter(2, 7)), 'the second step');
    tmux.keys('n');
    const third = await tmux.waitFor((x) => x.includes(text.presentCounter(3, 7)), 'the step with speaker notes');
    expect(third).not.toContain(text.notesTitle);
    expect(third).not.toContain('Ask the room');
    tmux.keys('C-c');
    expect(await labExit(), "Ctrl-C leaves the lab as SIGINT ends a command").toBe(130);
  }, 60_000);

  // A closed terminal (the tmux server killed: SIGHUP) unwinds everything: at a step, and
  // in the container shell, where the hangup goes to the shell's group (the foreground)
  // and boxcore enter passes it on.
  for (const inShell of [false, true]) {
    it(`a closed terminal still unwinds everything${inShell ? ', the container shell open' : ''}`, async () => {
      startLab('--present uts');
      await tmux.waitFor((x) => x.includes(text.notStarted), 'the lesson');
      tmux.keys('n');
      const s = await tmux.waitFor((x) => /clone3\(.*\) = \d+/.test(x) && x.includes(text.stepDone), 'the clone step');
      const pid = Number(/clone3\(.*\) = (\d+)/.exec(s)![1]);
      expect(existsSync(`/proc/${pid}`)).toBe(true);
      if (inShell) {
        tmux.keys('s');
        await tmux.waitFor((x) => x.split('\n').some((l) => /^\S+# ?$/.test(l.trimEnd())), 'the container shell');
      }
      tmux.kill();
      for (let i = 0; i < 100 && pgrepLab(); i++) await sleep(100);
      expect(pgrepLab(), 'the lab has ended').toBe(false);
      // the container dies with its core (PR_SET_PDEATHSIG) and is reaped a moment later
      for (let i = 0; i < 50 && existsSync(`/proc/${pid}`); i++) await sleep(100);
      expect(existsSync(`/proc/${pid}`), 'the container is gone').toBe(false);
      // afterEach: no ledger, no boxcore, no mount left
    }, 60_000);
  }

  it('NO_COLOR, --no-color and TERM=dumb: not one colour or style sequence on the screen', async () => {
    for (const [args, env] of [['', 'NO_COLOR=1'], ['--no-color', ''], ['', 'TERM=dumb'], ['', '']]) {
      tmux = new Tmux(join(dir, `tmux-${env || args || 'colour'}.sock`));
      rmSync(join(dir, 'exit'), { force: true });
      startLab(args!, env);
      const how = `${args}${env}` || 'with colour';
      await tmux.waitFor((x) => x.includes(text.homeKeys), `the home screen (${how})`);
      const styled = /\x1b\[[0-9;]*m/.test(tmux.screen(true)); // eslint-disable-line no-control-regex
      expect(styled, how).toBe(how === 'with colour');
      tmux.keys('q');
      expect(await labExit()).toBe(0);
    }
  }, 90_000);
});

describe('the lab without a terminal', () => {
  it('says it needs one, and points to the plain way; nothing starts', () => {
    const r = spawnSync('node', [cli], { input: '', encoding: 'utf8', env: { ...process.env, CI: 'true' } });
    expect(r.status).toBe(2);
    expect(r.stderr.trim()).toBe(text.needsTerminal);
    expect(r.stdout).toBe('');
  });
});
