// Where the lab keeps progress and settings: the invoking user's XDG state directory,
// and under sudo that user's home, with every directory made and file written owned by
// them (checked for real as root: chown is the point). And the home screen's summary
// of what this machine can run.
import { chmodSync, chownSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { chapterRecords, lessonRecord, loadProgress, progressFile, saveProgress } from '../../src/ui/progress.ts';
import { homeOrder } from '../../src/ui/home.tsx';
import type { LessonState, StopState } from '../../src/lessons/port.ts';
import type { LessonSummary } from '../../src/lessons/schema.ts';
import { loadSettings, saveSettings, settingsFile } from '../../src/ui/settings.ts';
import { stateDir } from '../../src/ui/state-dir.ts';
import { machineChecks, machineSummary, summaryLines } from '../../src/ui/summary.ts';
import { loadAll, summarize } from '../../src/lessons/loader.ts';
import { ui as text } from '../../src/text/index.ts';

const isRoot = process.getuid?.() === 0;
const KEYS = ['XDG_STATE_HOME', 'SUDO_USER', 'SUDO_UID', 'SUDO_GID', 'BOXLAB_STATE_DIR', 'BOXLAB_PROGRESS', 'HOME'] as const;
let saved: Record<string, string | undefined> = {};
let tmp = '';

beforeEach(() => {
  saved = Object.fromEntries(KEYS.map((k) => [k, process.env[k]]));
  for (const k of KEYS) delete process.env[k];
  tmp = mkdtempSync(join(tmpdir(), 'bl-ui-state-'));
});
afterEach(() => {
  for (const k of KEYS) if (saved[k] === undefined) delete process.env[k]; else process.env[k] = saved[k];
  rmSync(tmp, { recursive: true, force: true });
});

describe('state directory', () => {
  it('is $XDG_STATE_HOME/boxlab, else ~/.local/state/boxlab', () => {
    process.env.HOME = join(tmp, 'home');
    expect(stateDir()).toBe(join(tmp, 'home', '.local', 'state', 'boxlab'));
    process.env.XDG_STATE_HOME = join(tmp, 'xdg');
    expect(stateDir()).toBe(join(tmp, 'xdg', 'boxlab'));
    expect(progressFile()).toBe(join(tmp, 'xdg', 'boxlab', 'progress.json'));
    expect(settingsFile()).toBe(join(tmp, 'xdg', 'boxlab', 'settings.json'));
  });

  it('keeps progress (furthest stop, done stays done) and settings between runs', () => {
    process.env.XDG_STATE_HOME = join(tmp, 'xdg');
    saveProgress('uts', { stop: 3, total: 7, done: false });
    saveProgress('uts', { stop: 2, total: 7, done: false });
    expect(loadProgress().uts).toMatchObject({ stop: 3, total: 7, done: false });
    saveProgress('uts', { stop: 7, total: 7, done: true });
    saveProgress('uts', { stop: 1, total: 7, done: false });
    expect(loadProgress().uts).toMatchObject({ stop: 7, done: true });
    expect(loadSettings()).toEqual({ panel: 'diff', pictures: false, history: [] });
    saveSettings({ panel: 'side', history: ['clone uts'] });
    saveSettings({ pictures: true });
    expect(loadSettings()).toEqual({ panel: 'side', pictures: true, history: ['clone uts'] });
    expect(statSync(settingsFile()).mode & 0o777).toBe(0o600);
  });

  it('counts per chapter: lessons and challenges done, tasks without hints, predictions right; first records stay', async () => {
    process.env.XDG_STATE_HOME = join(tmp, 'xdg');
    const { lessons } = await loadAll();
    const pid = lessons.find((l) => l.meta.id === 'pid')!;
    const st = (over: Partial<StopState>): StopState => ({ status: 'done', hints: [], ...over });
    // pid run through: its first prediction right, the second wrong, the task passed after a hint
    const stops = pid.stops.map((s): StopState => {
      if (s.kind === 'task') return st({ status: 'passed', hints: ['h'], hinted: true });
      if (s.kind === 'step' && s.predict) return st({ prediction: { guess: 'x', right: s.index < 2 } });
      return st({});
    });
    const state = { lesson: pid, stops, current: stops.length - 1, passed: true } as unknown as LessonState;
    const [first, second] = pid.stops.flatMap((s) => (s.kind === 'step' && s.predict ? [s.predict.line] : []));
    const task = pid.stops.find((s) => s.kind === 'task')!.line;
    expect(lessonRecord(state)).toEqual({ predictions: { [first!]: true, [second!]: false }, tasks: { [task]: 'hinted' } });
    saveProgress('pid', { stop: 9, total: 9, done: true, ...lessonRecord(state) });
    // a second try after a reset, all right and no hints: the first guesses and the first pass stay
    saveProgress('pid', { stop: 9, total: 9, done: true, predictions: { [first!]: true, [second!]: true }, tasks: { [task]: 'clean' } });
    expect(loadProgress().pid).toMatchObject({ predictions: { [first!]: true, [second!]: false }, tasks: { [task]: 'hinted' } });
    saveProgress('slow-job', { stop: 5, total: 5, done: true, tasks: { 80: 'solved' } });
    saveProgress('cpu', { stop: 2, total: 9, done: false, tasks: { 90: 'clean' }, predictions: { 130: true } });
    const records = chapterRecords(lessons.map(summarize), loadProgress());
    expect(records.map((r) => r.number)).toEqual([...new Set(lessons.map((l) => l.chapterNumber))].sort((a, b) => a - b));
    const ch1 = records.find((r) => r.number === 1)!;
    expect(ch1).toMatchObject({ name: 'Namespaces', lessons: { done: 1 }, challenges: { done: 0, total: 1 }, tasks: { solved: 1, clean: 0 }, predictions: { answered: 2, right: 1 } });
    const ch2 = records.find((r) => r.number === 2)!;
    expect(ch2).toMatchObject({ name: 'Cgroups', lessons: { done: 0, total: 8 }, challenges: { done: 1, total: 1 }, tasks: { solved: 2, clean: 1 }, predictions: { answered: 1, right: 1 } });
    // what else the file holds is left out, never trusted
    writeFileSync(progressFile(), JSON.stringify({ lessons: { pid: { stop: 'x' }, uts: { stop: 1, total: 7, done: 'yes', tasks: { 3: 'cheated', 4: 'clean' }, predictions: { 5: 'right' } } } }));
    expect(loadProgress()).toEqual({ uts: { stop: 1, total: 7, done: false, at: '', tasks: { 4: 'clean' }, predictions: {} } });
  });

  it('the home screen lists each chapter\'s lessons before its challenges', () => {
    const l = (id: string, chapterNumber: number, number: number, kind: 'lesson' | 'challenge' = 'lesson') => ({ id, chapterNumber, number, kind }) as LessonSummary;
    expect(homeOrder([l('c1', 1, 1, 'challenge'), l('b', 2, 1), l('a2', 1, 3), l('a1', 1, 2)]).map((x) => x.id)).toEqual(['a1', 'a2', 'c1', 'b']);
  });

  it.runIf(isRoot)('under sudo: in the invoking user\'s home, and owned by that user', () => {
    // As sudo leaves it: root, SUDO_* naming the person, XDG_STATE_HOME (if any) root's.
    process.env.SUDO_USER = 'nobody';
    process.env.SUDO_UID = '65534';
    process.env.SUDO_GID = '65534';
    process.env.XDG_STATE_HOME = join(tmp, 'roots-xdg');
    expect(stateDir()).not.toContain('roots-xdg');
    process.env.BOXLAB_STATE_DIR = join(tmp, 'nobody-home', '.local', 'state', 'boxlab');
    // The person's home is theirs already; what boxlab makes in it is written as them.
    chmodSync(tmp, 0o755);
    mkdirSync(join(tmp, 'nobody-home'));
    chownSync(join(tmp, 'nobody-home'), 65534, 65534);
    saveProgress('uts', { stop: 1, total: 7, done: false });
    saveSettings({ pictures: true });
    for (const p of [progressFile(), settingsFile(), join(tmp, 'nobody-home', '.local', 'state', 'boxlab'), join(tmp, 'nobody-home', '.local'), join(tmp, 'nobody-home')]) {
      const st = statSync(p);
      expect([p, st.uid, st.gid]).toEqual([p, 65534, 65534]);
    }
    // what existed before (the temporary directory itself) is left as it was
    expect(statSync(tmp).uid).toBe(0);
  });
});

describe('machine summary', () => {
  it('names the kernel, the cgroup layout, who runs it, and what will not run here and why', async () => {
    const lessons = (await loadAll()).lessons.map(summarize);
    // At once, before anything is tried: the kernel, the layout, who runs it.
    const quick = machineSummary(lessons);
    const [quickFacts, quickNotHere] = summaryLines(quick);
    expect(quickFacts).toContain(quick.kernel);
    expect(quickFacts).toContain(`core ${text.checking}`);
    expect(quickNotHere).toBe(text.checkingMachine);
    const s = machineSummary(lessons, await machineChecks());
    const [facts, notHere] = summaryLines(s);
    expect(facts).toContain(s.kernel);
    expect(facts).toContain(s.root ? text.asRoot : text.asUser(s.user));
    if (!s.blocked.length) expect(notHere).toBe(text.allRunHere);
    for (const v of s.blocked) {
      expect(notHere).toContain(v.id);
      for (const why of v.why) expect(notHere).toContain(why);
    }
    // fixed verdicts read as the home screen shows them
    const lines = summaryLines({ ...s, blocked: [
      { id: 'uts', title: '', ok: false, why: ['needs root'], fix: [] },
      { id: 'pid', title: '', ok: false, why: ['needs root'], fix: [] },
      { id: 'io', title: '', ok: false, why: ['no /dev/loop-control'], fix: [] },
    ] });
    expect(lines[1]).toBe(text.notHere([text.notHereBecause('needs root', ['uts', 'pid']), text.notHereBecause('no /dev/loop-control', ['io'])]));
  });
});
