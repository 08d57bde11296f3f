// The terminal UI with ink-testing-library: home, a lesson step's diff after n, help, q.
// A fake session stands in for the core so these run anywhere; the engine tests drive the
// real one.
import React from 'react';
import { describe, expect, it, vi } from 'vitest';
import { render } from 'ink-testing-library';
import { App } from '../../src/ui/app.tsx';
import { text } from '../../src/ui/text.ts';
import { loadAll } from '../../src/lessons/loader.ts';
import type { Lesson } from '../../src/lessons/schema.ts';
import type { LessonEvent, LessonSession, StepResult, StopState } from '../../src/lessons/session.ts';
import { diff } from '../../src/kernel/index.ts';
import type { Snapshot } from '../../src/kernel/types.ts';

const tick = (ms = 30) => new Promise((r) => setTimeout(r, ms));

/** Poll until the frame satisfies `ok` (renders are asynchronous), or fail with the frame. */
async function waitFor(frame: () => string | undefined, ok: (f: string) => boolean, ms = 3000): Promise<string> {
  const end = Date.now() + ms;
  for (;;) {
    const f = frame() ?? '';
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

/** Just enough of LessonSession for the UI. */
function fakeSession(lesson: Lesson) {
  const listeners = new Set<(e: LessonEvent) => void>();
  const state: StopState[] = lesson.stops.map(() => ({ status: 'pending', hintsShown: 0 }));
  const s = {
    lesson, stops: lesson.stops, state, current: -1, log: [] as unknown[], vars: { ct: '', pid: '', hostname: 'labhost', target: 'lab-box' } as Record<string, string>,
    passed: false,
    onEvent(fn: (e: LessonEvent) => void) { listeners.add(fn); return () => listeners.delete(fn); },
    subst: (x: string) => x.replace(/\$\{(\w+)\}/g, (_: string, k: string) => s.vars[k] ?? ''),
    async runStop(i: number) {
      s.current = i;
      const before = utsSnap('labhost');
      const after = utsSnap('box-from-step');
      const result: StepResult = { ok: true, before, after, diff: diff(before, after), log: [] };
      s.log.push({ source: 'lesson', op: 'clone', ok: true, syscalls: ['clone3({flags=CLONE_NEWUTS}) = 4242'], shell: 'unshare --uts', at: 0 });
      s.vars.ct = 'c1';
      s.vars.pid = '4242';
      state[i] = { status: lesson.stops[i]!.kind === 'step' ? 'done' : 'passed', step: result, hintsShown: 0, check: { pass: true, expected: '' } };
      for (const fn of listeners) fn({ type: 'step', index: i, result });
      return state[i]!;
    },
    recheck: vi.fn(async () => undefined),
    hint: () => 'a hint',
    solve: vi.fn(async () => undefined),
    repl: vi.fn(async () => ({ ok: true, log: [] })),
    reset: vi.fn(async () => undefined),
    close: vi.fn(async () => []),
  };
  return s;
}

async function setup(present = false) {
  const { lessons, errors } = await loadAll();
  const sessions: ReturnType<typeof fakeSession>[] = [];
  const openSession = async (l: Lesson) => {
    const s = fakeSession(l);
    sessions.push(s);
    return s as unknown as LessonSession;
  };
  const saved: unknown[] = [];
  const exited = vi.fn();
  const r = render(
    <App lessons={lessons} errors={errors} summary="kernel 6.x · cgroup v2 · root · core built" present={present}
      openSession={openSession} onExit={exited} progress={{ load: () => ({}), save: (...a: unknown[]) => { saved.push(a); } }} />,
  );
  // A fixed terminal: 120 x 30.
  Object.defineProperty(r.stdout, 'columns', { value: 120, configurable: true });
  Object.defineProperty(r.stdout, 'rows', { value: 30, configurable: true });
  r.stdout.emit('resize');
  await tick();
  return { ...r, lessons, sessions, saved, exited };
}

function height(frame: string | undefined): number {
  return (frame ?? '').split('\n').length;
}

describe('terminal UI', () => {
  it('home lists the chapters and lessons, with the machine summary', async () => {
    const { lastFrame, unmount } = await setup();
    const f = lastFrame()!;
    expect(f).toContain(text.chapter(1, 'Namespaces'));
    expect(f).toContain('The UTS namespace');
    expect(f).toContain('The PID namespace');
    expect(f).toContain('cgroup v2');
    expect(height(f)).toBeLessThan(30);
    unmount();
  });

  it('opens a lesson and shows the step diff after n', async () => {
    const { lastFrame, stdin, sessions, saved, unmount } = await setup();
    stdin.write('\r');
    await waitFor(lastFrame, (f) => f.includes(text.notStarted));
    stdin.write('n');
    const f = await waitFor(lastFrame, (f) => f.includes('box-from-step'));
    expect(sessions).toHaveLength(1);
    expect(f).toContain('box-from-step');
    expect(f).toContain('clone3({flags=CLONE_NEWUTS}) = 4242');
    expect(f).toContain('$ unshare --uts');
    expect(f).toContain(text.stepOf(1, sessions[0]!.stops.length));
    expect(saved.length).toBeGreaterThan(0);
    expect(height(f)).toBeLessThan(30);
    unmount();
  });

  it('? shows the help and any key closes it', async () => {
    const { lastFrame, stdin, unmount } = await setup();
    stdin.write('?');
    await waitFor(lastFrame, (f) => f.includes(text.helpTitle));
    expect(lastFrame()).toContain(text.help.find(([k]) => k === 'x')![1]);
    stdin.write(' ');
    await waitFor(lastFrame, (f) => f.includes('The UTS namespace'));
    unmount();
  });

  it('q in a lesson closes its session and goes home; q at home exits', async () => {
    const { lastFrame, stdin, sessions, exited, unmount } = await setup();
    stdin.write('\r');
    await waitFor(lastFrame, (f) => f.includes(text.notStarted));
    stdin.write('q');
    await waitFor(lastFrame, (f) => f.includes(text.homeKeys));
    expect(sessions[0]!.close).toHaveBeenCalled();
    expect(exited).not.toHaveBeenCalled();
    stdin.write('q');
    await tick();
    expect(exited).toHaveBeenCalledOnce();
    unmount();
  });

  it('keeps within a small terminal after a resize', async () => {
    const { lastFrame, stdin, stdout, unmount } = await setup();
    stdin.write('\r');
    await waitFor(lastFrame, (f) => f.includes(text.notStarted));
    stdin.write('n');
    await waitFor(lastFrame, (f) => f.includes('box-from-step'));
    Object.defineProperty(stdout, 'columns', { value: 70, configurable: true });
    Object.defineProperty(stdout, 'rows', { value: 16, configurable: true });
    stdout.emit('resize');
    await tick(60);
    expect(height(lastFrame())).toBeLessThan(16);
    unmount();
  });

  it('presenter mode hides speaker notes', async () => {
    const { lessons } = await loadAll();
    const withNotes = lessons.find((l) => l.stops.some((s) => s.notes.length))!;
    const idx = withNotes.stops.findIndex((s) => s.notes.length);
    const one = { ...withNotes };
    const openSession = async (l: Lesson) => fakeSession(l) as unknown as LessonSession;
    const r = render(<App lessons={[one]} errors={[]} summary="" present openSession={openSession} progress={{ load: () => ({}), save: () => {} }} />);
    Object.defineProperty(r.stdout, 'rows', { value: 40, configurable: true });
    r.stdout.emit('resize');
    await waitFor(r.lastFrame, (f) => f.includes(text.notStarted));
    for (let i = 0; i <= idx; i++) {
      r.stdin.write('n');
      await waitFor(r.lastFrame, (f) => f.includes(text.stepOf(i + 1, one.stops.length)));
    }
    expect(r.lastFrame()).not.toContain(text.notesTitle);
    r.unmount();
  });
});
