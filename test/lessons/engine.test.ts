// The lesson engine against the real core and kernel (root): both chapter-1 lessons run
// start to end with their tasks solved (--yes), every check passes, and afterwards the
// host has no process, mount or ledger entry the lessons made.
//
// These need native/boxcore. They fail (not skip) when it is missing: build it with
// `make -C native`. Without root they are skipped, and say so in their names.
import { existsSync, readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { boxcorePath } from '../../src/core/index.ts';
import { findLesson } from '../../src/lessons/loader.ts';
import { runLessonPlain } from '../../src/lessons/plain.ts';
import { LessonSession, closeProcessLedger, processLedger } from '../../src/lessons/session.ts';

const root = process.getuid?.() === 0;

function sink(): Writable & { text: string } {
  const w = new Writable({ write(chunk, _enc, cb) { w.text += String(chunk); cb(); } }) as Writable & { text: string };
  w.text = '';
  return w;
}

function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !/\) Z /.test(stat);
  } catch {
    return false;
  }
}

const mountinfo = () => readFileSync('/proc/self/mountinfo', 'utf8');

describe.skipIf(!root)('lesson engine on the real kernel (root)', () => {
  beforeAll(() => {
    if (!existsSync(boxcorePath())) throw new Error(`${boxcorePath()} is missing: build it with make -C native`);
  });
  afterAll(async () => {
    expect(await closeProcessLedger()).toEqual([]);
  });

  it.each(['uts', 'pid'])('runs lesson %s with --yes: every check passes, the host is unchanged', async (id) => {
    const mountsBefore = mountinfo();
    const nameBefore = hostname();
    const out = sink();
    const code = await runLessonPlain(id, { yes: true, format: 'json', color: false, out });
    const report = JSON.parse(out.text) as { ok: boolean; stops: { title: string; ok: boolean; check?: unknown; error?: unknown }[] };
    expect(report.stops.filter((s) => !s.ok)).toEqual([]);
    expect(report.ok).toBe(true);
    expect(code).toBe(0);
    expect(mountinfo()).toBe(mountsBefore);
    expect(hostname()).toBe(nameBefore);
  });

  it('a session leaves no process, mount or ledger entry behind', async () => {
    const mountsBefore = mountinfo();
    const lesson = await findLesson('pid');
    const s = await LessonSession.open(lesson);
    const corePid = s.core!.pid;
    for (const stop of lesson.stops) {
      const st = await s.runStop(stop.index);
      if (stop.kind === 'task' && st.status !== 'passed') await s.solve(stop.index);
      expect(s.state[stop.index]!.status, stop.title).toMatch(/done|passed/);
    }
    const ctPid = Number(s.vars.pid);
    expect(ctPid).toBeGreaterThan(0);
    expect(alive(ctPid)).toBe(true);
    expect(processLedger().entries().some((e) => e.scope === s.scope)).toBe(true);
    await s.close();
    expect(alive(ctPid)).toBe(false);
    expect(alive(corePid)).toBe(false);
    expect(processLedger().entries().filter((e) => e.scope === s.scope)).toEqual([]);
    expect(mountinfo()).toBe(mountsBefore);
  });

  it('without --yes a task is not done: exit 1 and a hint chosen by state', async () => {
    const out = sink();
    const code = await runLessonPlain('uts', { yes: false, format: 'text', color: false, out });
    expect(code).toBe(1);
    expect(out.text).toContain('hint: The container is still called "box"');
    expect(out.text).not.toMatch(/\x1b\[/); // color: false means no escapes at all
  });

  it('hints follow what the check found; the REPL and reset work on the real core', async () => {
    const lesson = await findLesson('uts');
    const s = await LessonSession.open(lesson);
    try {
      const taskIndex = lesson.stops.findIndex((x) => x.kind === 'task');
      for (let i = 0; i < taskIndex; i++) expect((await s.runStop(i)).status).toMatch(/done|passed/);
      const t = await s.runStop(taskIndex);
      expect(t.status).toBe('waiting');
      expect(s.hint(taskIndex)).toContain('still called "box"');

      const r = await s.repl(`sethostname ${hostname()}`);
      expect(r.ok).toBe(true);
      await s.recheck(taskIndex);
      expect(s.hint(taskIndex)).toContain('host\'s name again');

      expect((await s.repl('sethostname lab-box')).ok).toBe(true);
      expect((await s.recheck(taskIndex))!.pass).toBe(true);
      expect(s.log.some((e) => e.source === 'repl' && e.syscalls.some((c) => c.startsWith('sethostname(')))).toBe(true);

      const bad = await s.repl('mount tmpfs /mnt');
      expect(bad.ok).toBe(false); // no mount namespace: the core refuses to mount on the host

      const old = Number(s.vars.pid);
      await s.reset();
      expect(alive(old)).toBe(false);
      expect(s.vars.pid).toBe('');
      expect(s.core?.alive).toBe(true);
    } finally {
      await s.close();
    }
  });
});
