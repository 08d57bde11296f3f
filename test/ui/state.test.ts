// Where the lab keeps progress and settings: the invoking user's XDG state directory,
// and under sudo that user's home, with every directory made and file written owned by
// them (checked for real as root: chown is the point). And the home screen's summary
// of what this machine can run.
import { chmodSync, chownSync, mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadProgress, progressFile, saveProgress } from '../../src/ui/progress.ts';
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
