// The terminal UI with ink-testing-library, on a fixed 120x30 (or smaller) terminal:
// home, a lesson's steps and diff, p re-reading, the REPL with completion and history,
// reset asking first, help over a live lesson, pictures, presenter mode, resizes.
// A fake session stands in for the core so these run anywhere; the engine tests and
// the e2e test (test/e2e) drive the real one.
import { describe, expect, it, vi } from 'vitest';
import { render } from 'ink-testing-library';
import { App, type AppProps } from '../../src/ui/app.tsx';
import { ui as text } from '../../src/text/index.ts';
import { loadAll, summarize } from '../../src/lessons/loader.ts';
import { LessonError, type Lesson } from '../../src/lessons/schema.ts';
import type { Happening, LessonEvent, LessonPort, LessonState, StepResult, StopState } from '../../src/lessons/port.ts';
import { diff, renderDiff, renderSnapshot } from '../../src/kernel/index.ts';
import type { KernelApi } from '../../src/lessons/kernel.ts';
import type { Snapshot } from '../../src/kernel/types.ts';
import { DEFAULT_SETTINGS, type Settings } from '../../src/ui/settings.ts';
import { stripAnsi } from '../../src/ui/draw.ts';
import { machineSummary, summaryLines } from '../../src/ui/summary.ts';

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

let readings = 0;
const fakeKernel: KernelApi = {
  snapshot: async () => utsSnap(`reading-${++readings}`),
  diff,
  renderSnapshot: (s, o) => renderSnapshot(s, o),
  renderDiff: (d, o) => renderDiff(d, o),
  labNetns: () => ['bl-hostA'],
};

/** A lesson port with no core behind it: each step "renames the host", the REPL starts
 *  a process; what it did is published as the real session publishes it. */
function fakeSession(lesson: Lesson) {
  const listeners = new Set<(e: LessonEvent) => void>();
  let state: LessonState = {
    lesson, stops: lesson.stops.map((): StopState => ({ status: 'pending', hintsShown: 0 })), current: -1, log: [],
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
      const before = utsSnap('labhost');
      const after = utsSnap(`box-from-step-${i + 1}`);
      const result: StepResult = { ok: true, before, after, diff: diff(before, after), log: [] };
      const st: StopState = { status: lesson.stops[i]!.kind === 'step' ? 'done' : 'passed', step: result, hintsShown: 0, check: { pass: true, expected: '' } };
      publish({
        current: i,
        stops: state.stops.map((old, j) => (j === i ? st : old)),
        log: [...state.log, { source: 'lesson', op: 'clone', ok: true, syscalls: ['clone3({flags=CLONE_NEWUTS}) = 4242'], shell: 'unshare --uts', at: 0 }],
        vars: { ...state.vars, ct: 'c1', pid: '4242' },
      }, { type: 'step', index: i, result });
      return st;
    }),
    recheck: vi.fn(async () => undefined),
    hint: () => 'a hint',
    solve: vi.fn(async () => undefined),
    repl: vi.fn(async (line: string): Promise<StepResult> => {
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

interface Setup { present?: boolean; cols?: number; rows?: number; settings?: Partial<Settings>; only?: string; initial?: string; shell?: (pid: number) => void; loadLesson?: (id: string) => Promise<Lesson> }

const SUMMARY: [string, string] = ['kernel 6.x · cgroup v2 · root · core built', text.notHere([text.notHereBecause('needs unprivileged user namespaces', ['user'])])];
const BLOCKED = new Map([['user', ['needs unprivileged user namespaces']]]);

async function setup(o: Setup = {}) {
  const all = await loadAll();
  const lessons = o.only ? all.lessons.filter((l) => l.meta.id === o.only) : all.lessons;
  const sessions: ReturnType<typeof fakeSession>[] = [];
  const openSession = async (l: Lesson) => {
    const s = fakeSession(l);
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
      present={o.present} initialLesson={lessons.find((l) => l.meta.id === o.initial)} loadLesson={loadLesson}
      openSession={openSession} onExit={exited} kernel={fakeKernel} shell={o.shell}
      progress={{ load: () => ({}), save: (...a: unknown[]) => { saved.push(a); } }}
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
    await t.press('n');
    await t.until((f) => f.includes('box-from-step-2'));
    await t.press('p');
    let f = await t.until((x) => x.includes('box-from-step-1'));
    expect(f).toContain(text.viewingPast(1, 2));
    expect(t.sessions[0]!.reset).not.toHaveBeenCalled();
    await t.press('n');
    f = await t.until((x) => x.includes('box-from-step-2'));
    expect(t.sessions[0]!.runStop).toHaveBeenCalledTimes(2);
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
    await t.until((x) => x.includes(text.lessonKeys.slice(0, 20)));
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
    expect(shell).toHaveBeenCalledWith(4242);
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
