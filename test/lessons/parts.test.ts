// The parts of a running lesson that need no core: where each stop stands (stops.ts),
// what a check expects (expect.ts), the variables (scope.ts) and the syscall log
// (log.ts). What the session publishes must never change once published.
import { describe, expect, it } from 'vitest';
import { expectRefusal, hintsFor, holds, describeExpect } from '../../src/lessons/expect.ts';
import { SyscallLog } from '../../src/lessons/log.ts';
import type { LogEntry, StepResult } from '../../src/lessons/port.ts';
import type { Stop, TaskStop } from '../../src/lessons/schema.ts';
import { substitute, VariableScope } from '../../src/lessons/scope.ts';
import { StopStates } from '../../src/lessons/stops.ts';

const base = { title: 't', line: 1, prose: '', notes: [], requires: [] };
const step: Stop = { ...base, index: 0, kind: 'step', action: { kind: 'shell', command: 'true' }, views: [] };
const check: Stop = { ...base, index: 1, kind: 'check', check: { title: 'c', source: { kind: 'shell', command: 'true' }, expect: { exit: 0 }, line: 1 } };
const task: TaskStop = {
  ...base, index: 2, kind: 'task', views: [], check: { title: 'k', source: { kind: 'shell', command: 'hostname' }, expect: { equals: '${want}' }, line: 1 },
  hints: [
    { when: { missing: true }, text: 'nothing read', line: 1 },
    { when: { equals: 'box' }, text: 'still box', line: 2 },
    { when: { always: true }, text: 'try ${want}', line: 3 },
  ],
};
const ok: StepResult = { ok: true, log: [] };
const bad: StepResult = { ok: false, log: [], error: { message: 'no', errno: 'EPERM' } };

describe('stop states', () => {
  it('settles each kind of stop by what it did', () => {
    const s = new StopStates([step, check, task]);
    expect(s.all.map((x) => x.status)).toEqual(['pending', 'pending', 'pending']);
    expect(s.running(0).status).toBe('running');
    expect(s.stepped(0, ok).status).toBe('done');
    expect(s.stepped(0, bad).status).toBe('failed');
    expect(s.checked(1, { pass: true, expected: '' }).status).toBe('passed');
    expect(s.checked(1, { pass: false, expected: '' }).status).toBe('failed');
    expect(s.checked(2, { pass: false, expected: '' }).status).toBe('waiting');
    // a solution applied changes nothing until the check that follows it
    expect(s.solved(2, ok)).toMatchObject({ status: 'waiting', solved: true, step: ok });
    expect(s.checked(2, { pass: true, expected: '' })).toMatchObject({ status: 'passed', solved: true });
    expect(s.skipped(1, ['runc'])).toMatchObject({ status: 'skipped', missing: ['runc'] });
    expect(s.running(1).missing).toBeUndefined();
  });

  it('the lesson passes when every check and task passed and no step failed (skipped counts as done)', () => {
    const s = new StopStates([step, check, task]);
    s.stepped(0, ok);
    s.skipped(1, ['runc']);
    expect(s.passed).toBe(false);
    s.checked(2, { pass: true, expected: '' });
    expect(s.passed).toBe(true);
    s.stepped(0, bad);
    expect(s.passed).toBe(false);
  });

  it('never changes what it handed out: each change is a new state', () => {
    const s = new StopStates([step, check, task]);
    const before = s.all;
    const first = s.at(0);
    s.stepped(0, ok);
    expect(before[0]).toBe(first);
    expect(first.status).toBe('pending');
    expect(s.all).not.toBe(before);
    expect(Object.isFrozen(s.all) && Object.isFrozen(s.at(0))).toBe(true);
    expect(() => { (s.at(0) as { status: string }).status = 'failed'; }).toThrow();
  });

  it('keeps the hints given (and that any were), and a guess at a prediction, through what the stop does next', () => {
    const s = new StopStates([step, check, task]);
    s.hinted(2, 'no', ['the idea']);
    const one = s.at(2);
    s.hinted(2, 'no', ['the idea', 'where to look']);
    expect(one.hints).toEqual(['the idea']); // what was handed out stays
    expect(s.at(2)).toMatchObject({ hints: ['the idea', 'where to look'], hinted: true, hintState: 'no' });
    expect(Object.isFrozen(s.at(2).hints)).toBe(true);
    s.checked(2, { pass: true, found: 'yes', expected: '' });
    expect(s.at(2)).toMatchObject({ status: 'passed', hinted: true });
    s.predicted(0, { guess: '1', right: true });
    expect(s.at(0)).toMatchObject({ status: 'pending', prediction: { guess: '1', right: true } });
    s.running(0);
    s.stepped(0, ok);
    expect(s.at(0)).toMatchObject({ status: 'done', prediction: { guess: '1', right: true } });
  });
});

describe('expectations', () => {
  const sub = (x: string) => substitute(x, { want: 'lab-box' });

  it('hold, or not, for what was found and the exit status', () => {
    expect(holds({ equals: '${want}' }, 'lab-box', undefined, sub)).toBe(true);
    expect(holds({ equals: '${want}' }, 'box', undefined, sub)).toBe(false);
    expect(holds({ exit: 0, contains: 'x' }, 'axe', 0, sub)).toBe(true);
    expect(holds({ exit: 0 }, '', 1, sub)).toBe(false);
    expect(holds({ at_least: 40, at_most: 60 }, '55.5', undefined, sub)).toBe(true);
    expect(holds({ at_least: 40 }, '', undefined, sub)).toBe(false);
    expect(holds({ matches: '^lab-' }, undefined, undefined, sub)).toBe(false);
    expect(describeExpect({ equals: '${want}', exit: 0, at_least: 1 }, sub)).toBe('= "lab-box", exit 0, ≥ 1');
  });

  it('pick the hints for what the check found, in file order', () => {
    expect(hintsFor(task, undefined, sub).map((h) => h.text)).toEqual(['nothing read', 'try ${want}']);
    expect(hintsFor(task, { pass: false, found: 'box', expected: '' }, sub).map((h) => h.text)).toEqual(['still box', 'try ${want}']);
  });

  it('turn a refusal the step expects into its success, and anything else into a failure', () => {
    expect(expectRefusal(bad, 'EPERM')).toMatchObject({ ok: true, error: undefined });
    expect(expectRefusal(bad, 'EPERM').output).toContain('EPERM');
    expect(expectRefusal(ok, 'EPERM').ok).toBe(false);
    expect(expectRefusal(bad, 'EACCES')).toMatchObject({ ok: false, error: { errno: 'EPERM' } });
  });
});

describe('variables', () => {
  it('are a frozen table, replaced on every change', () => {
    const v = new VariableScope();
    v.reset({ ct: '', dir: '/tmp/d' });
    const first = v.all;
    v.set({ ct: 'c1', pid: '42' });
    expect(first).toEqual({ ct: '', dir: '/tmp/d' });
    expect(Object.isFrozen(v.all)).toBe(true);
    expect(v.subst('${ct} in ${dir}, ${later}')).toBe('c1 in /tmp/d, ');
    expect(v.subst('${ct} ${later}', true)).toBe('c1 ${later}');
    expect(v.viewPid).toBe(42);
    v.set({ pid: '' });
    expect(v.viewPid).toBe(process.pid);
  });
});

describe('the syscall log', () => {
  it('keeps the last 500 entries, and what checks read only in their own', () => {
    const heard: LogEntry[] = [];
    const log = new SyscallLog((e) => heard.push(e));
    const mine: LogEntry[] = [];
    log.add('check', { op: 'probe', ok: true }, mine);
    expect(mine).toHaveLength(1);
    expect(log.entries).toEqual([]);
    const first = log.entries;
    for (let i = 0; i < 501; i++) log.add('lesson', { op: `op${i}`, ok: true, syscalls: ['x()'], shell: 'x' }, []);
    expect(log.entries).toHaveLength(500);
    expect(log.entries[0]!.op).toBe('op1');
    expect(heard).toHaveLength(501);
    expect(first).toEqual([]);
  });
});
