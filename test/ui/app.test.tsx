// The terminal UI with ink-testing-library, on a fixed 120x30 (or smaller) terminal:
// home, a lesson's steps and diff, p re-reading, the REPL with completion and history,
// reset asking first, help over a live lesson, pictures, presenter mode, resizes.
// A fake session stands in for the core so these run anywhere; the engine tests and
// the e2e test (test/e2e) drive the real one.
import { describe, expect, it, vi } from 'vitest';
import { render } from 'ink-testing-library';
import { App, type AppProps } from '../../src/ui/app.tsx';
import { keyBarLines } from '../../src/ui/lesson.tsx';
import { KEY_LABELS } from '../../src/ui/keys.ts';
import { LANGUAGES, lessons as engineText, ui as text, useLanguage } from '../../src/text/index.ts';
import { loadAll, summarize } from '../../src/lessons/loader.ts';
import { LessonError, type Lesson } from '../../src/lessons/schema.ts';
import type { Happening, LessonEvent, LessonPort, LessonState, StepResult, StopState } from '../../src/lessons/port.ts';
import { diff, renderDiff, renderSnapshot } from '../../src/kernel/index.ts';
import type { KernelApi } from '../../src/lessons/kernel.ts';
import type { Snapshot } from '../../src/kernel/types.ts';
import { DEFAULT_SETTINGS, type Settings } from '../../src/ui/settings.ts';
import type { Progress } from '../../src/ui/progress.ts';
import { helpLines } from '../../src/ui/help.tsx';
import { stripAnsi } from '../../src/ui/draw.ts';
import { machineSummary, summaryLines } from '../../src/ui/summary.ts';
import { isRight, readGuess } from '../../src/lessons/predict.ts';

const tick = (ms = 30) => new Promise((r) => setTimeout(r, ms));

/** Poll until the frame satisfies `ok` (renders are asynchronous), or fail with the frame. */
async function waitFor(frame: () => string | undefined, ok: (f: string) => boolean, ms = 3000): Promise<string> {
  const end = Date.now() + ms;
  for (;;) {
    const f = stripAnsi(frame() ?? '');
    if (ok(f)) { await tick(); return f; } // and let ink's input effects catch up
    if (Date.now() > end) throw new Error(`timed out; last frame:\n${f}`);
    await tick(20);
  }
}

function utsSnap(inside: string): Snapshot {
  return {
    pid: 4242, takenAt: 0,
    views: { uts: { name: 'uts', title: 'Hostname (uts namespace)', columns: ['field', 'inside', 'host', 'state'], rows: [
      { key: 'hostname', cells: { field: 'hostname', inside, host: 'labhost', state: inside === 'labhost' ? 'same' : 'differs' } },
    ] } },
  };
}

function procSnap(procs: [string, string, string, string][]): Snapshot {
  return {
    pid: 4242, takenAt: 0,
    views: { proc: { name: 'proc', title: 'Processes', columns: ['pid', 'hostPid', 'ppid', 'command', 'state'], rows: procs.map(([pid, hostPid, ppid, command]) => (
      { key: `${pid}@1`, cells: { pid, hostPid, ppid, command, state: 'S (sleeping)' } })) } },
  };
}

/** A hint longer than any line, ending with what the learner needs most: the command. */
const HINT = 'Read the cpu controller\'s files of the job\'s group, then look at what the kernel counts each time it holds the group back; at last: cgroup_set GROUP cpu.max "max 100000"';

let readings = 0;
const fakeKernel: KernelApi = {
  snapshot: async () => utsSnap(`reading-${++readings}`),
  diff,
  renderSnapshot: (s, o) => renderSnapshot(s, o),
  renderDiff: (d, o) => renderDiff(d, o),
  labNetns: () => ['bl-hostA'],
};

/** How the fake session behaves where a test needs more than "every stop passes". */
interface FakeOptions {
  /** tasks wait for the learner: what their check found */
  waiting?: string;
  /** what a step prints, by stop number (1-based) */
  output?: Record<number, string>;
  /** steps that read no views (1-based) */
  noViews?: number[];
  /** the REPL op fails, with this message */
  replFails?: string;
}

const LONG_HINT = 'The container is still called "box", from the step before, and the task asks for another name: press : and type: sethostname lab-box';

/** A lesson port with no core behind it: each step "renames the host", the REPL starts
 *  a process; what it did is published as the real session publishes it. */
function fakeSession(lesson: Lesson, o: FakeOptions = {}) {
  const listeners = new Set<(e: LessonEvent) => void>();
  let state: LessonState = {
    lesson, stops: lesson.stops.map((): StopState => ({ status: 'pending', hints: [] })), current: -1, log: [],
    vars: { ct: '', pid: '', hostname: 'labhost', target: 'lab-box' }, lastViews: ['uts'], containers: ['c1', 'c2'], passed: false, closed: false,
  };
  const publish = (change: Partial<LessonState>, happened: Happening) => {
    state = { ...state, ...change };
    for (const fn of listeners) fn({ ...happened, state });
  };
  const s = {
    get state() { return state; },
    onEvent(fn: (e: LessonEvent) => void) { listeners.add(fn); return () => { listeners.delete(fn); }; },
    runStop: vi.fn(async (i: number) => {
      const stop = lesson.stops[i]!;
      const before = utsSnap('labhost');
      const after = utsSnap(`box-from-step-${i + 1}`);
      const kind = stop.kind;
      const views = !o.noViews?.includes(i + 1);
      const result: StepResult = { ok: true, ...(views ? { before, after, diff: diff(before, after) } : {}), output: o.output?.[i + 1], log: [] };
      const waits = kind === 'task' && o.waiting !== undefined;
      const check = waits ? { pass: false, found: o.waiting, expected: '= "lab-box"' } : { pass: true, expected: '' };
      const st: StopState = { status: kind === 'step' ? 'done' : waits ? 'waiting' : 'passed', ...(kind === 'step' ? { step: result } : {}), hints: [], check, vars: { ...state.vars, ct: 'c1', pid: String(4242 + i) } };
      publish({
        current: i,
        stops: state.stops.map((old, j) => (j === i ? { ...old, ...st } : old)),
        log: [...state.log, { source: stop.kind === 'step' && stop.setup ? 'setup' : 'lesson', op: 'clone', ok: true, syscalls: ['clone3({flags=CLONE_NEWUTS}) = 4242'], shell: 'unshare --uts', at: 0 }],
        vars: { ...state.vars, ct: 'c1', pid: String(4242 + i) },
        passed: !waits && i === lesson.stops.length - 1,
      }, { type: 'step', index: i, result });
      return st;
    }),
    recheck: vi.fn(async (i: number) => state.stops[i]?.check),
    hint: (i: number) => {
      const words = o.waiting !== undefined ? LONG_HINT : HINT;
      const hint = { text: words, level: 1, of: 1 };
      publish({ stops: state.stops.map((old, j) => (j === i ? { ...old, hints: [...old.hints, words], hinted: true } : old)) }, { type: 'hint', index: i, hint });
      return hint;
    },
    predict: (i: number, guess: string) => {
      const stop = lesson.stops[i];
      const read = stop?.kind === 'step' && stop.predict ? readGuess(stop.predict, guess) : undefined;
      if (stop?.kind !== 'step' || !stop.predict || read === undefined) return undefined;
      const prediction = { guess: read, right: isRight(stop.predict, read) };
      publish({ stops: state.stops.map((old, j) => (j === i ? { ...old, prediction } : old)) }, { type: 'predicted', index: i, prediction });
      return prediction;
    },
    solve: vi.fn(async (i: number) => {
      const stops = state.stops.map((old, j) => (j === i ? { ...old, status: 'passed' as const, check: { pass: true, expected: '' } } : old));
      publish({ stops }, { type: 'solved', index: i, result: { ok: true, log: [] } });
      return { ok: true, log: [] };
    }),
    repl: vi.fn(async (line: string): Promise<StepResult> => {
      if (o.replFails) return { ok: false, log: [], error: { message: o.replFails } };
      const before = procSnap([['1', '4242', '0', 'sh']]);
      const after = procSnap([['1', '4242', '0', 'sh'], ['2', '4250', '1', `  ${line}`]]);
      return { ok: true, before, after, diff: diff(before, after), log: [] };
    }),
    reset: vi.fn(async () => { publish({ current: -1 }, { type: 'reset' }); }),
    close: vi.fn(async () => { publish({ closed: true }, { type: 'closed' }); return []; }),
    observe: async () => fakeKernel.snapshot(4242, ['uts']),
  } satisfies LessonPort;
  return s;
}

interface Setup {
  present?: boolean; notes?: boolean; root?: boolean; cols?: number; rows?: number; settings?: Partial<Settings>; only?: string; initial?: string;
  shell?: (pid: number, env: Record<string, string>) => void; loadLesson?: (id: string) => Promise<Lesson>; fake?: FakeOptions; progress?: Progress;
}

const SUMMARY: [string, string] = ['kernel 6.x · cgroup v2 · root · core built', text.notHere([text.notHereBecause('needs unprivileged user namespaces', ['user'])])];
const BLOCKED = new Map([['user', ['needs unprivileged user namespaces']]]);

async function setup(o: Setup = {}) {
  const all = await loadAll();
  const lessons = o.only ? all.lessons.filter((l) => l.meta.id === o.only) : all.lessons;
  const sessions: ReturnType<typeof fakeSession>[] = [];
  const openSession = async (l: Lesson) => {
    const s = fakeSession(l, o.fake);
    sessions.push(s);
    return s;
  };
  const saved: unknown[] = [];
  let settings: Settings = { ...DEFAULT_SETTINGS, ...o.settings };
  const savedSettings: Partial<Settings>[] = [];
  const exited = vi.fn();
  const loadLesson = o.loadLesson ?? (async (id: string) => lessons.find((l) => l.meta.id === id)!);
  const app = (p: Partial<AppProps> = {}) => (
    <App lessons={lessons.map(summarize)} errors={all.errors} summary={SUMMARY} blocked={BLOCKED}
      root={o.root ?? true} present={o.present} notes={o.notes} initialLesson={lessons.find((l) => l.meta.id === o.initial)} loadLesson={loadLesson}
      openSession={openSession} onExit={exited} kernel={fakeKernel} shell={o.shell}
      progress={{ load: () => o.progress ?? {}, save: (...a: unknown[]) => { saved.push(a); } }}
      settings={{ load: () => settings, save: (c) => { savedSettings.push(c); settings = { ...settings, ...c }; return settings; } }} {...p} />
  );
  const r = render(app());
  Object.defineProperty(r.stdout, 'columns', { value: o.cols ?? 120, configurable: true });
  Object.defineProperty(r.stdout, 'rows', { value: o.rows ?? 30, configurable: true });
  r.stdout.emit('resize');
  await waitFor(r.lastFrame, (f) => f.includes(text.homeKeys) || f.includes(text.notStarted) || f.includes(text.starting));
  const frame = () => stripAnsi(r.lastFrame() ?? '');
  const until = (ok: (f: string) => boolean) => waitFor(r.lastFrame, ok);
  const press = async (...keys: string[]) => { for (const k of keys) { r.stdin.write(k); await tick(); } };
  /** Draw the app again with some props changed, as the lab does when what it was
   *  still finding out arrives. */
  const update = (p: Partial<AppProps>) => r.rerender(app(p));
  return { ...r, frame, until, press, update, lessons, sessions, saved, savedSettings, exited };
}

const height = (f: string) => f.split('\n').length;

async function openUts(t: Awaited<ReturnType<typeof setup>>) {
  // uts is the second lesson: down once, enter
  await t.press('j', '\r');
  return t.until((f) => f.includes(text.notStarted));
}

/** uts opened and its first step run (the fake session names the host box-from-step-1). */
async function atFirstStep(t: Awaited<ReturnType<typeof setup>>) {
  await openUts(t);
  await t.press('n');
  return t.until((f) => f.includes('box-from-step-1'));
}

describe('home', () => {
  it('lists chapters and lessons with progress, and says what will not run here and why', async () => {
    const t = await setup();
    const f = t.frame();
    expect(f).toContain(text.chapter(1, 'Namespaces'));
    expect(f).toContain('The UTS namespace');
    expect(f).toContain(text.chapterProgress(0, t.lessons.filter((l) => l.chapterNumber === 1).length));
    expect(f).toContain('cgroup v2');
    expect(f).toContain('Will not run here: user (needs unprivileged user namespaces)');
    expect(f).toMatch(/✗\d\d The user namespace .* will not run here: needs unprivileged user namespaces/);
    expect(height(f)).toBeLessThan(30);
    t.unmount();
  });

  it('fills in what it learns later: the machine\'s checks, and a lesson that does not load', async () => {
    const t = await setup({ loadLesson: async (id) => { throw new LessonError(`lessons/${id}.md`, 12, 'unknown op "clown"', 'use one of: clone'); } });
    const waiting = machineSummary(t.lessons.map(summarize));
    t.update({ summary: summaryLines(waiting), blocked: new Map() });
    let f = await t.until((x) => x.includes(text.checkingMachine));
    expect(f).toContain(`kernel ${waiting.kernel}`);
    expect(f).not.toMatch(/✗\d\d/); // no verdicts yet
    t.update({ summary: SUMMARY, blocked: BLOCKED });
    f = await t.until((x) => x.includes('Will not run here: user'));
    expect(f).toMatch(/✗\d\d The user namespace/);
    // a lesson listed from its front matter whose blocks do not load: said, not opened
    await t.press('\r');
    f = await t.until((x) => x.includes(text.lessonBroken('').trim()));
    expect(f).toContain('unknown op "clown"');
    expect(f).toContain(text.homeKeys);
    expect(t.sessions).toHaveLength(0);
    t.unmount();
  });

  it('opens the lesson it was started at, and remembers the lesson last opened', async () => {
    const t = await setup({ initial: 'pid' });
    await t.until((f) => f.includes('The PID namespace') && f.includes(text.notStarted));
    t.unmount();
    const u = await setup({ settings: { lastLesson: 'ipc' } });
    expect(u.frame()).toMatch(/▸ ?\d\d The IPC namespace/);
    await u.press('\r');
    await u.until((f) => f.includes(text.notStarted));
    expect(u.savedSettings).toContainEqual({ lastLesson: 'ipc' });
    u.unmount();
  });
});

describe('lesson screen', () => {
  it('runs a step with n: the diff, the syscalls and the shell command of the op', async () => {
    const t = await setup();
    const f = await atFirstStep(t);
    expect(t.sessions).toHaveLength(1);
    expect(f).toContain('clone3({flags=CLONE_NEWUTS}) = 4242');
    expect(f).toContain('$ unshare --uts');
    expect(f).toContain(text.stepOf(1, t.sessions[0]!.state.lesson.stops.length));
    expect(t.saved.length).toBeGreaterThan(0);
    expect(height(f)).toBeLessThan(30);
    t.unmount();
  });

  it('keys typed together in one chunk each do their part (tmux, fast typists)', async () => {
    const t = await setup();
    await t.press('j\r');
    await t.until((f) => f.includes(text.notStarted));
    t.unmount();
  });

  it('p re-reads the step before without undoing it; n comes back without running again', async () => {
    const t = await setup();
    await atFirstStep(t);
    await t.press('n', 'n'); // a check, then a step
    await t.until((f) => f.includes('box-from-step-3'));
    await t.press('p');
    let f = await t.until((x) => x.includes('box-from-step-1')); // the check shows the state step 1 left
    expect(f).toContain(text.viewingPast(2, 3));
    expect(f).toContain(text.stateLeftBy(1));
    expect(t.sessions[0]!.reset).not.toHaveBeenCalled();
    await t.press('n');
    f = await t.until((x) => x.includes('box-from-step-3'));
    expect(t.sessions[0]!.runStop).toHaveBeenCalledTimes(3);
    t.unmount();
  });

  it('x asks before it resets; another key keeps the lesson as it is', async () => {
    const t = await setup();
    await atFirstStep(t);
    await t.press('x');
    await t.until((f) => f.includes(text.resetConfirm.slice(0, 40)));
    await t.press('c');
    await t.until((f) => f.includes(text.resetKept));
    expect(t.sessions[0]!.reset).not.toHaveBeenCalled();
    await t.press('x', 'x');
    await t.until((f) => f.includes(text.resetDone));
    expect(t.sessions[0]!.reset).toHaveBeenCalledOnce();
    t.unmount();
  });

  it('the REPL completes ops and their arguments, runs a line, shows its diff, and keeps history', async () => {
    const t = await setup();
    await atFirstStep(t);
    await t.press(':');
    await t.until((f) => f.includes(text.replHelp.slice(0, 30)));
    await t.press('mou', '\t');
    await t.until((f) => f.includes(': mount '));
    await t.press('ov', '\t');
    await t.until((f) => f.includes(': mount overlay '));
    await t.press('\x15', 'sethostname c', '\t'); // Ctrl-U, then a prefix naming an argument
    await t.until((f) => f.includes(': sethostname ct='));
    await t.press('\t');
    await t.until((f) => f.includes('c1  c2'));
    await t.press('\x15', 'clone pid,u', '\t');
    await t.until((f) => f.includes(': clone pid,u')); // uts and user: both start with u
    await t.press('t', '\t', '\r');
    const f = await t.until((x) => x.includes(text.replOk('clone').slice(0, 20)));
    expect(t.sessions[0]!.repl).toHaveBeenCalledWith('clone pid,uts');
    expect(f).toContain('clone pid,uts'); // the new process's row in the diff
    await t.press('\x1b[A');
    await t.until((x) => x.includes(': clone pid,uts'));
    expect(t.savedSettings.some((s) => s.history?.includes('clone pid,uts'))).toBe(true);
    await t.press('\x1b');
    await t.until((x) => x.includes(keyBarLines(200, { resume: false, notes: false })[0]!.slice(0, 20)));
    t.unmount();
  });

  it('v draws the views that have a picture (here the processes, inside and outside PIDs)', async () => {
    const t = await setup();
    await openUts(t);
    await t.press(':', 'sleep 100', '\r');
    await t.until((f) => f.includes(text.replOk('sleep').slice(0, 20)));
    await t.press('\x1b', 'v');
    const f = await t.until((x) => x.includes(text.picture.title('Processes')));
    expect(f).toMatch(/\+ +4250 ━━▶ 2 +└─ sleep 100/);
    expect(t.savedSettings).toContainEqual({ pictures: true });
    await t.press('d');
    await t.until((x) => x.includes(`${text.stateTitle} — ${text.stateDiff}`));
    await t.press('d');
    await t.until((x) => x.includes(`${text.stateTitle} — ${text.stateSideBySide}`));
    t.unmount();
  });

  it('s gives the terminal to the shell and shows what changed meanwhile', async () => {
    const shell = vi.fn();
    const t = await setup({ shell });
    await openUts(t);
    await t.press('s');
    await t.until((f) => f.includes(text.shellNoContainer));
    await t.press('n');
    await t.until((f) => f.includes('box-from-step-1'));
    await t.press('s');
    const f = await t.until((x) => x.includes(text.shellBack.slice(0, 30)));
    expect(shell).toHaveBeenCalledWith(4242, {});
    expect(f).toMatch(/reading-\d+ -> reading-\d+/); // the readings before and after the shell
    t.unmount();
  });

  it('? shows the help over a lesson; the lesson (and its session) survive it', async () => {
    const t = await setup();
    await atFirstStep(t);
    await t.press('?');
    const f = await t.until((x) => x.includes(text.helpTitle) && x.includes(text.help.picture!));
    expect(f).toContain(text.help.reset);
    expect(t.sessions[0]!.close).not.toHaveBeenCalled();
    await t.press(' ');
    await t.until((x) => x.includes('box-from-step-1'));
    t.unmount();
  });

  it('q in a lesson closes its session and goes home; q at home exits', async () => {
    const t = await setup();
    await openUts(t);
    await t.press('q');
    await t.until((f) => f.includes(text.homeKeys));
    expect(t.sessions[0]!.close).toHaveBeenCalled();
    expect(t.exited).not.toHaveBeenCalled();
    await t.press('q');
    expect(t.exited).toHaveBeenCalledExactlyOnceWith(0);
    t.unmount();
  });

  it('Ctrl-C at home leaves the lab with 130, as SIGINT ends a command', async () => {
    const t = await setup();
    await t.press('\x03');
    expect(t.exited).toHaveBeenCalledExactlyOnceWith(130);
    t.unmount();
  });

  it('Ctrl-C in a lesson closes the session and leaves the lab', async () => {
    const t = await setup();
    await openUts(t);
    await t.press('\x03');
    await tick(60);
    expect(t.sessions[0]!.close).toHaveBeenCalled();
    expect(t.exited).toHaveBeenCalledExactlyOnceWith(130);
    t.unmount();
  });

  it('never draws more lines than the terminal has, through resizes', async () => {
    const t = await setup();
    await atFirstStep(t);
    for (const [cols, rows] of [[70, 16], [40, 10], [200, 60], [100, 20]] as const) {
      Object.defineProperty(t.stdout, 'columns', { value: cols, configurable: true });
      Object.defineProperty(t.stdout, 'rows', { value: rows, configurable: true });
      t.stdout.emit('resize');
      await tick(60);
      const f = t.frame();
      expect(height(f), `${cols}x${rows}`).toBeLessThan(rows);
      expect(Math.max(...f.split('\n').map((l) => [...l].length)), `${cols}x${rows}`).toBeLessThanOrEqual(cols);
    }
    t.unmount();
  });

  it('scrolls prose that does not fit (↓), marking what is cut', async () => {
    const t = await setup({ rows: 14, cols: 80 });
    await openUts(t);
    expect(t.frame()).toMatch(/↓ \d+ more lines?/);
    await t.press('j', 'j');
    await t.until((f) => /↑ \d+ more lines?/.test(f));
    t.unmount();
  });
});

/** The stops of a lesson up to and including the first task (1-based number). */
const firstTask = (l: Lesson) => l.stops.findIndex((s) => s.kind === 'task') + 1;
/** The frame as one line per screen line, trailing spaces gone. */
const rows = (f: string) => f.split('\n').map((l) => l.trimEnd());
/** Text wrapped over lines reads whole again when the lines are joined. */
const joined = (f: string) => rows(f).map((l) => l.trim()).join(' ');

describe('the learner\'s first hour (issue 22)', () => {
  it('a hint and a "not yet" answer are shown whole at 80x24, the command to type included', async () => {
    const t = await setup({ cols: 80, rows: 24, initial: 'uts', fake: { waiting: 'box' } });
    const uts = t.lessons.find((l) => l.meta.id === 'uts')!;
    await t.until((f) => f.includes(text.notStarted));
    for (let i = 0; i < firstTask(uts); i++) await t.press('n');
    await t.until((f) => f.includes(text.taskWaiting.slice(0, 20)));
    await t.press('c');
    let f = await t.until((x) => x.includes(text.taskNotYet));
    expect(joined(f)).toContain(`${text.taskNotYet} ${text.found('box')}; ${text.expected('= "lab-box"')}`);
    await t.press('h');
    f = await t.until((x) => x.includes('hint:'));
    expect(joined(f)).toContain(text.hint(LONG_HINT));
    for (const l of rows(f)) expect([...l].length).toBeLessThanOrEqual(80);
    expect(rows(f).length).toBeLessThan(24);
    t.unmount();
  });

  it('tabs in what a command printed keep their columns', async () => {
    const t = await setup({ cols: 100, rows: 30, initial: 'uts', fake: { output: { 1: 'NSpid:\t4242\t1' } } });
    await t.until((f) => f.includes(text.notStarted));
    await t.press('n');
    const f = await t.until((x) => x.includes('NSpid:'));
    expect(f).toContain('NSpid:  4242    1');
    t.unmount();
  });

  it('a stop that reads no views shows what it printed, then the state as the step before left it', async () => {
    const t = await setup({ initial: 'uts', fake: { noViews: [3], output: { 3: 'printed by step 3' } } });
    await t.until((f) => f.includes(text.notStarted));
    await t.press('n', 'n', 'n'); // a step, a check, then the step that reads no views
    const f = await t.until((x) => x.includes('printed by step 3'));
    expect(f).toContain(text.stateLeftBy(1));
    expect(f).toContain('box-from-step-1');
    expect(f).not.toContain(text.noState);
    expect(f.indexOf('printed by step 3')).toBeLessThan(f.indexOf(text.stateLeftBy(1)));
    t.unmount();
  });

  it("a stop's title keeps the variables it ran with: a later container does not change it", async () => {
    const { lessons } = await loadAll();
    const welcome = lessons.find((l) => l.meta.id === 'welcome')!;
    const at = welcome.stops.findIndex((s) => s.title.includes('${pid}'));
    const t = await setup({ cols: 120, rows: 40, initial: 'welcome' });
    await t.until((f) => f.includes(text.notStarted));
    for (let i = 0; i <= at + 1; i++) await t.press('n');
    await t.until((f) => f.includes(text.stepOf(at + 2, welcome.stops.length)));
    const title = welcome.stops[at]!.title.replace('${pid}', String(4242 + at));
    expect(t.frame()).toContain(`${at + 1}. check: ${title.slice(0, 20)}`); // in the step list, with the pid it ran with
    expect(t.sessions[0]!.state.vars.pid).toBe(String(4242 + at + 1));
    t.unmount();
  });

  it("the REPL's error stays said when the task passes", async () => {
    const t = await setup({ initial: 'uts', fake: { replFails: 'sethostname: EPERM' } });
    const uts = t.lessons.find((l) => l.meta.id === 'uts')!;
    await t.until((f) => f.includes(text.notStarted));
    for (let i = 0; i < firstTask(uts); i++) await t.press('n');
    await t.press(':', 'sethostname x', '\r');
    const f = await t.until((x) => x.includes('sethostname: EPERM'));
    expect(f).toContain(text.stepFailed);
    t.unmount();
  });

  it('resumes at the step reached: r runs the steps before it again and shows it', async () => {
    const t = await setup({ initial: 'uts', progress: { uts: { stop: 3, total: 7, done: false, at: '' } } });
    let f = await t.until((x) => x.includes(text.resumeOffer(3, 7).slice(0, 30)));
    expect(joined(f)).toContain(text.resumeOffer(3, 7));
    expect(f).toContain(`${KEY_LABELS.resume} ${text.keyBar.resume}`);
    await t.press('r');
    f = await t.until((x) => x.includes(text.resumed(3)));
    expect(t.sessions[0]!.runStop.mock.calls.map((c) => c[0])).toEqual([0, 1, 2]);
    expect(f).toContain(text.stepOf(3, 7));
    expect(f).not.toContain(`${KEY_LABELS.resume} ${text.keyBar.resume}`); // offered no more
    t.unmount();
    // done, or nothing reached: nothing to resume
    const u = await setup({ initial: 'uts', progress: { uts: { stop: 7, total: 7, done: true, at: '' } } });
    await u.until((x) => x.includes(text.notStarted));
    u.unmount();
  });

  it('speaker notes show only to a presenter who asks (--notes, or N): never to a learner alone', async () => {
    const { lessons } = await loadAll();
    const withNotes = lessons.find((l) => l.stops.some((s) => s.notes.length))!;
    const idx = withNotes.stops.findIndex((s) => s.notes.length);
    const note = stripAnsi(withNotes.stops[idx]!.notes[0]!).split('\n')[0]!.slice(0, 20);
    for (const notes of [false, true]) {
      const t = await setup({ notes, only: withNotes.meta.id, initial: withNotes.meta.id, rows: 40 });
      await t.until((f) => f.includes(text.notStarted));
      for (let i = 0; i <= idx; i++) await t.press('n');
      await t.until((f) => f.includes(text.stepOf(idx + 1, withNotes.stops.length)));
      expect(t.frame().includes(text.notesTitle), `--notes ${notes}`).toBe(notes);
      await t.press('N');
      await t.until((f) => f.includes(notes ? text.notesHidden : text.notesShown));
      expect(t.frame().includes(note), `after N, --notes ${notes}`).toBe(!notes);
      t.unmount();
    }
  });

  it('a lesson that needs root is refused up front for a user, with the whole reason', async () => {
    const t = await setup({ root: false, cols: 80 });
    await t.press('j', '\r'); // uts needs root
    const f = await t.until((x) => x.includes('needs root:'));
    expect(joined(f)).toContain(text.lessonNeedsRoot('The UTS namespace'));
    expect(t.sessions).toHaveLength(0);
    t.unmount();
  });

  it('the help is whole at 80x24, every line within 80 columns', async () => {
    const lines = helpLines(80).map(stripAnsi);
    expect(lines.length).toBeLessThanOrEqual(23);
    for (const l of lines) expect([...l].length, l).toBeLessThanOrEqual(80);
    const t = await setup({ cols: 80, rows: 24, initial: 'uts' });
    await t.until((f) => f.includes(text.notStarted));
    await t.press('?');
    const f = await t.until((x) => x.includes(text.helpTitle));
    expect(f).toContain(stripAnsi(lines.at(-1)!).trim());
    t.unmount();
  });
});

describe('presenter mode', () => {
  it('one step per screen with a step counter; speaker notes hidden', async () => {
    const { lessons } = await loadAll();
    const withNotes = lessons.find((l) => l.stops.some((s) => s.notes.length))!;
    const idx = withNotes.stops.findIndex((s) => s.notes.length);
    const t = await setup({ present: true, only: withNotes.meta.id, initial: withNotes.meta.id, rows: 40 });
    await t.until((f) => f.includes(text.notStarted));
    for (let i = 0; i <= idx; i++) {
      await t.press('n');
      await t.until((f) => f.includes(text.presentCounter(i + 1, withNotes.stops.length)));
    }
    expect(t.frame()).not.toContain(text.notesTitle);
    expect(t.frame()).not.toContain(stripAnsi(withNotes.stops[idx]!.notes[0]!).split('\n')[0]!.slice(0, 20));
    t.unmount();
  });
});

describe('a lesson shown in English though another language was asked for', () => {
  it('says so once, in the message line, when the lesson opens', async () => {
    const { lessons: all } = await loadAll();
    const english = (id: string): Lesson => ({ ...all.find((l) => l.meta.id === id)!, translation: { lang: 'zh-CN', status: 'stale', problems: ['x'] } });
    const t = await setup({ loadLesson: async (id) => english(id) });
    const notice = engineText.translation.notice('stale', engineText.translation.languageName('zh-CN'));
    await t.press('j', '\r');
    await t.until((f) => f.includes(notice.slice(0, 40)));
    expect(t.frame()).not.toContain(text.notStarted);
    await t.press('n');
    await t.until((f) => !f.includes(notice.slice(0, 40))); // once: the next thing said replaces it
    t.unmount();
  });
});

describe('the language', () => {
  it('switches with L on the home screen: every word at once, saved with the settings, the lessons listed again', async () => {
    const onLanguage = vi.fn();
    const t = await setup();
    t.update({ onLanguage });
    try {
      await t.press('L');
      const zh = LANGUAGES['zh-CN'].ui;
      await t.until((f) => f.includes(zh.homeKeys));
      expect(t.savedSettings).toContainEqual({ lang: 'zh-CN' });
      expect(onLanguage).toHaveBeenCalledWith('zh-CN');
      expect(process.env.BOXLAB_LANG).toBe('zh-CN');
      await t.press('L');
      await t.until((f) => f.includes(LANGUAGES.en.ui.homeKeys));
      expect(t.savedSettings.at(-1)).toEqual({ lang: 'en' });
    } finally {
      useLanguage('en');
      delete process.env.BOXLAB_LANG;
      t.unmount();
    }
  });
});

describe('learning by doing', () => {
  /** Press n until the lab asks a prediction (or `limit` steps ran). */
  async function nUntilAsked(t: Awaited<ReturnType<typeof setup>>, limit = 20) {
    for (let i = 0; i < limit; i++) {
      await t.press('n');
      const f = await t.until((x) => x.includes(text.predictKeys(3).slice(0, 10)) || x.includes(text.predictPrompt) || !x.includes(text.running('').trim()));
      if (f.includes(text.predictPrompt) || f.includes(text.predictKeys(3).slice(0, 10))) return f;
    }
    throw new Error(`no prediction asked:\n${t.frame()}`);
  }

  it('asks a prediction before its step runs: a choice\'s key answers, the step runs, right or wrong with why; counted', async () => {
    const t = await setup({ initial: 'pid', cols: 200, rows: 40 });
    await t.until((f) => f.includes(text.notStarted));
    const pid = t.sessions[0]!.state.lesson;
    const [first, second] = pid.stops.flatMap((s) => (s.kind === 'step' && s.predict ? [s.predict] : []));
    await t.press('n');
    let f = await t.until((x) => x.includes(text.predictChoose(3)));
    expect(f).toContain(first!.question.replace(/`/g, '').slice(0, 40));
    expect(f).toContain(text.choice(2, '1'));
    expect(f).toContain(text.predictKeys(3));
    expect(t.sessions[0]!.runStop).not.toHaveBeenCalled(); // nothing runs before the guess
    await t.press('7');
    await t.until((x) => x.includes(text.predictNotAnswer(3)));
    expect(t.sessions[0]!.runStop).not.toHaveBeenCalled();
    await t.press('2');
    f = await t.until((x) => x.includes(stripAnsi(text.predictRight('1', first!.why)).slice(0, 60)));
    expect(t.sessions[0]!.runStop).toHaveBeenCalledWith(0);
    expect(f).toContain(text.predictYouSaid('1', true));
    expect(f).toContain(text.predictAnswer('1', first!.why).slice(0, 60));
    // the second prediction, answered wrong
    f = await nUntilAsked(t);
    expect(f).toContain(second!.question.slice(0, 40));
    await t.press('1');
    f = await t.until((x) => x.includes(text.predictWrong(second!.choices![0]!, second!.answer, second!.why).slice(0, 50)));
    expect(f).toContain(text.predictYouSaid(second!.choices![0]!, false));
    const last = t.saved.at(-1) as [string, { predictions: Record<string, boolean> }];
    expect(last[0]).toBe('pid');
    expect(last[1].predictions).toEqual({ [first!.line]: true, [second!.line]: false });
    t.unmount();
  });

  it('a number prediction: typed, edited, entered; esc leaves the step unrun until n asks again', async () => {
    const t = await setup({ initial: 'cpu', cols: 200, rows: 40 });
    await t.until((f) => f.includes(text.notStarted));
    const lesson = t.sessions[0]!.state.lesson;
    const at = lesson.stops.findIndex((s) => s.kind === 'step' && s.predict);
    const p = lesson.stops.flatMap((s) => (s.kind === 'step' && s.predict ? [s.predict] : []))[0]!;
    await nUntilAsked(t);
    await t.until((x) => x.includes(text.predictType));
    await t.press('\x1b');
    await t.until((x) => x.includes(text.predictLater));
    expect(t.sessions[0]!.runStop).not.toHaveBeenCalledWith(at);
    await t.press('n');
    await t.until((x) => x.includes(text.predictType));
    await t.press('1', '9', '9', '\x7f', '\x7f', '8');
    await t.until((x) => x.includes(`${text.predictPrompt}18`));
    await t.press('\r');
    const f = await t.until((x) => x.includes(text.predictRight(p.answer, p.why).slice(0, 40)));
    expect(f).toContain(text.predictYouSaid('18', true)); // within the tolerance
    expect(t.sessions[0]!.runStop).toHaveBeenCalledWith(at);
    t.unmount();
  });

  it('a challenge: listed apart; its setup runs as it opens, folded until solved; a hint is shown whole', async () => {
    const t = await setup({ cols: 120, rows: 50 });
    let f = t.frame();
    expect(f).toContain(`${text.challengeMark} ${text.challengesHeading}`);
    expect(f).toMatch(new RegExp(`${text.challengeMark} +Challenge: the slow job`));
    t.unmount();

    const u = await setup({ initial: 'slow-job', cols: 120, rows: 50 });
    f = await u.until((x) => x.includes(text.sceneSet.slice(0, 30)));
    const lesson = u.sessions[0]!.state.lesson;
    const setups = lesson.stops.filter((s) => s.kind === 'step' && s.setup).map((s) => s.index);
    expect(u.sessions[0]!.runStop.mock.calls.map(([i]) => i)).toEqual(setups); // run as it opened
    expect(f).toContain(text.setupFolded.slice(0, 30));
    expect(f).not.toContain('The fault');
    expect(f).toContain(text.logEmpty); // the setup's syscalls are folded too
    expect(f).toContain('A batch job runs in a container'); // the statement
    // on to the task; a hint, whole
    while (!u.sessions[0]!.state.stops.some((s, i) => lesson.stops[i]!.kind === 'task' && s.status !== 'pending')) {
      await u.press('n');
      await tick(40);
    }
    await u.press('h');
    f = await u.until((x) => x.includes(text.hintsTitle));
    const prose = f.split('\n').map((l) => l.split('│')[0]!).join(' ').replace(/\s+/g, ' ');
    expect(prose).toContain(HINT); // wrapped in the prose, not cut
    expect(f).toContain(text.setupFolded.slice(0, 30)); // one task passed, one to go
    // the fake passes every task: once the last has, the challenge is solved and the setup unfolds
    while (u.sessions[0]!.state.current < lesson.stops.length - 1) {
      await u.press('n');
      await tick(40);
    }
    f = await u.until((x) => x.includes('The fault'));
    expect(f).not.toContain(text.setupFolded.slice(0, 30));
    u.unmount();
  });

  it('the chapter\'s last lesson done, n shows the chapter\'s end: its record, what was learned, what to try next', async () => {
    const t = await setup({ initial: 'slow-job', cols: 120, rows: 50, progress: { cpu: { stop: 9, total: 9, done: true, at: '', tasks: { 10: 'clean', 20: 'hinted' }, predictions: { 30: true } } } });
    await t.until((x) => x.includes(text.sceneSet.slice(0, 30)));
    const lesson = t.sessions[0]!.state.lesson;
    while (t.sessions[0]!.state.current < lesson.stops.length - 1) {
      await t.press('n');
      await tick(40);
    }
    expect(t.sessions[0]!.close).not.toHaveBeenCalled();
    await t.press('n');
    const f = await t.until((x) => x.includes(text.chapterDone(2, 'Cgroups')));
    expect(t.sessions[0]!.close).toHaveBeenCalled();
    const end = lesson.meta.chapterEnd!;
    expect(f).toContain(text.learnedTitle);
    expect(f).toContain(text.nextTitle);
    expect(f).toContain(end.learned[0]!.slice(0, 40));
    expect(f).toContain(text.chapterRecord(2, 1, 1, 1));
    await t.press(' ');
    await t.until((x) => x.includes(text.homeKeys));
    t.unmount();
  });
});
