// The lesson engine against the real core and kernel (root): both chapter-1 lessons run
// start to end with their tasks solved (--yes), every check passes, and afterwards the
// host has no process, mount or ledger entry the lessons made.
//
// These need native/boxcore. They fail (not skip) when it is missing: build it with
// `make -C native`. Without root they are skipped, and say so in their names.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { hostname } from 'node:os';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { boxcorePath } from '../../src/core/index.ts';
import { findLesson, parseLesson } from '../../src/lessons/loader.ts';
import { lessonUser } from '../../src/lessons/workspace.ts';
import { runLessonPlain } from '../../src/cli/lesson.ts';
import { readEvents } from '../../src/cli/lesson-events.ts';
import { substitute } from '../../src/lessons/scope.ts';
import type { LessonEvent } from '../../src/lessons/port.ts';
import { LessonSession, closeProcessLedger, processLedger } from '../../src/lessons/session.ts';
import { fingerprint } from '../helpers/host.ts';

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

/** The host fingerprint, but for this process's own ledger file: the sessions here run
 *  in this process, and what their ledger lists is checked entry by entry. */
const host = () => {
  const f = fingerprint();
  return { ...f, ledgers: f.ledgers.filter((l) => !l.endsWith(`/bl-${process.pid}.jsonl`)) };
};

describe.skipIf(!root)('lesson engine on the real kernel (root)', () => {
  beforeAll(() => {
    if (!existsSync(boxcorePath())) throw new Error(`${boxcorePath()} is missing: build it with make -C native`);
  });
  afterAll(async () => {
    expect(await closeProcessLedger()).toEqual([]);
  });

  it.each(['uts', 'pid'])('runs lesson %s with --yes: every check passes, the host is unchanged', async (id) => {
    const hostBefore = host();
    const out = sink();
    const code = await runLessonPlain(id, { yes: true, format: 'json', color: false, out });
    const events = readEvents(out.text);
    const stops = events.filter((e) => e.type === 'stop');
    if (!stops.length) throw new Error(`lesson ${id} did not run: ${out.text}`);
    expect(stops.filter((s) => !s.ok)).toEqual([]);
    expect(events.at(-1)).toMatchObject({ type: 'result', ok: true });
    expect(code).toBe(0);
    expect(host()).toEqual(hostBefore);
  });

  it('a session leaves no process, mount or ledger entry behind', async () => {
    const hostBefore = host();
    const lesson = await findLesson('pid');
    const s = await LessonSession.open(lesson);
    const corePid = s.core!.pid;
    for (const stop of lesson.stops) {
      const st = await s.runStop(stop.index);
      if (stop.kind === 'task' && st.status !== 'passed') await s.solve(stop.index);
      expect(s.state.stops[stop.index]!.status, stop.title).toMatch(/done|passed/);
    }
    const ctPid = Number(s.state.vars.pid);
    expect(ctPid).toBeGreaterThan(0);
    expect(alive(ctPid)).toBe(true);
    expect(processLedger().entries().some((e) => e.scope === s.scope)).toBe(true);
    await s.close();
    expect(alive(ctPid)).toBe(false);
    expect(alive(corePid)).toBe(false);
    expect(processLedger().entries().filter((e) => e.scope === s.scope)).toEqual([]);
    expect(host()).toEqual(hostBefore);
  });

  it('publishes a new state with every event, and never changes one it published', async () => {
    const lesson = await findLesson('uts');
    const s = await LessonSession.open(lesson);
    try {
      const seen: LessonEvent[] = [];
      s.onEvent((e) => seen.push(e));
      const ready = s.state;
      const observed = await s.observe(['uts']);
      expect(observed?.views.uts?.rows.length).toBeGreaterThan(0); // the lab's own, before a container
      await s.runStop(0);
      expect(ready.current).toBe(-1);
      expect(ready.stops[0]!.status).toBe('pending');
      expect(ready.vars.pid).toBe('');
      expect(ready.log).toEqual([]);
      expect(s.state.current).toBe(0);
      expect(s.state.vars.pid).toMatch(/^\d+$/);
      expect(s.state.containers).toEqual([s.state.vars.ct]);
      expect(seen.map((e) => e.type)).toEqual(['stop', ...Array(s.state.log.length).fill('log'), 'step']);
      expect(seen.at(-1)!.state).toBe(s.state);
      expect(new Set(seen.map((e) => e.state)).size).toBe(seen.length); // a new state each time
      expect(Object.isFrozen(s.state) && Object.isFrozen(s.state.stops) && Object.isFrozen(s.state.vars)).toBe(true);
      // observe reads the container once there is one
      expect((await s.observe(['uts']))?.pid).toBe(Number(s.state.vars.pid));
    } finally {
      await s.close();
    }
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
      expect(s.hint(taskIndex).text).toContain('still called "box"');

      const r = await s.repl(`sethostname ${hostname()}`);
      expect(r.ok).toBe(true);
      await s.recheck(taskIndex);
      expect(s.hint(taskIndex).text).toContain('host\'s name again');

      expect((await s.repl('sethostname lab-box')).ok).toBe(true);
      expect((await s.recheck(taskIndex))!.pass).toBe(true);
      expect(s.state.log.some((e) => e.source === 'repl' && e.syscalls.some((c) => c.startsWith('sethostname(')))).toBe(true);

      const bad = await s.repl('mount tmpfs /mnt');
      expect(bad.ok).toBe(false); // no mount namespace: the core refuses to mount on the host

      const old = Number(s.state.vars.pid);
      await s.reset();
      expect(alive(old)).toBe(false);
      expect(s.state.vars.pid).toBe('');
      expect(s.core?.alive).toBe(true);
    } finally {
      await s.close();
    }
  });

  it('prose shows the values of ${vars}, and unset ones as they are', async () => {
    const out = sink();
    await runLessonPlain('uts', { yes: true, format: 'text', color: false, out });
    expect(out.text).toContain('The container should answer to the name `lab-box`');
    expect(out.text).not.toContain('${target}');
  });

  const scratchLesson = (needs: 'root' | 'rootless') => parseLesson([
    '---', 'id: scratch', 'title: T', 'chapter: C', 'summary: S', `needs: ${needs}`, '---',
    'Work in `${dir}`; the first container is ${pid}.',
    '```step', 'title: clone', 'op: clone', 'args:', '  ns: [user, mnt]', '```',
    '```step', 'title: spawn', 'op: spawn', 'args:', '  argv: [sh, -c, "echo out; echo err >&2"]', '```',
  ].join('\n'), 'scratch.md');

  it('${dir} is made in the ledger before the first step and removed at the end; a reset makes a new one', async () => {
    const s = await LessonSession.open(scratchLesson('root'));
    const dir = s.state.vars.dir!;
    try {
      expect(dir).toMatch(/\/bl-lesson-scratch-/);
      expect(statSync(dir).isDirectory()).toBe(true);
      expect(processLedger().entries().some((e) => e.kind === 'dir' && e.path === dir && e.scope === s.scope)).toBe(true);
      expect(substitute(s.state.lesson.stops[0]!.prose, s.state.vars, true)).toBe(`Work in \`${dir}\`; the first container is \${pid}.`);
      await s.reset();
      expect(existsSync(dir)).toBe(false);
      expect(s.state.vars.dir).not.toBe(dir);
      expect(existsSync(s.state.vars.dir!)).toBe(true);
    } finally {
      await s.close();
    }
    expect(existsSync(s.state.vars.dir!)).toBe(false);
  });

  it('what an op\'s command printed is the step\'s output', async () => {
    const s = await LessonSession.open(scratchLesson('root'));
    try {
      expect((await s.runStop(0)).status).toBe('done');
      const st = await s.runStop(1);
      expect(st.step?.output).toBe('out\nerr');
    } finally {
      await s.close();
    }
  });

  it('a rootless lesson run by root runs its core unprivileged, and ${dir} belongs to that user', async () => {
    const lesson = scratchLesson('rootless');
    const user = lessonUser(lesson);
    expect(user.drop).toBe(true);
    expect(user.uid).not.toBe(0);
    const s = await LessonSession.open(lesson);
    try {
      const uid = readFileSync(`/proc/${s.core!.pid}/status`, 'utf8').match(/^Uid:\s+(\d+)/m)![1];
      expect(Number(uid)).toBe(user.uid);
      expect(s.state.vars.uid).toBe(String(user.uid));
      expect(statSync(s.state.vars.dir!).uid).toBe(user.uid);
      expect((await s.runStop(0)).status).toBe('done'); // clone user,mnt as that user
    } finally {
      await s.close();
    }
  });

  it('a reader that goes away (EPIPE) ends the lesson cleanly: nothing is left behind', async () => {
    const hostBefore = host();
    let writes = 0;
    const out = new Writable({
      write(_chunk, _enc, cb) {
        writes += 1;
        if (writes < 3) return cb();
        const err = Object.assign(new Error('write EPIPE'), { code: 'EPIPE' });
        cb(err);
      },
    });
    const code = await runLessonPlain('overlay', { yes: true, format: 'text', color: false, out });
    expect(code).toBe(1);
    expect(processLedger().entries()).toEqual([]);
    expect(host()).toEqual(hostBefore);
  });

  it('a network op acts in a network namespace the lab made, never in the host\'s', async () => {
    const s = await LessonSession.open(scratchLesson('root'));
    try {
      const none = await s.repl('link_down lo');
      expect(none.ok).toBe(false); // no container yet: refused, not run in the host's namespace
      expect(none.error?.message).toContain('No container yet');
      expect((await s.runStop(0)).status).toBe('done'); // clone user,mnt: the host's network
      const shared = await s.repl('link_down lo');
      expect(shared.ok).toBe(false);
      expect(shared.log).toEqual([]); // nothing was sent to the core
      expect(shared.error?.message).toContain("shares the host's network namespace");
      expect((await s.repl('clone net')).ok).toBe(true);
      const own = await s.repl('link_up lo');
      expect(own.ok).toBe(true);
      expect(own.log[0]!.shell).toBe(`nsenter -t ${s.state.vars.pid} -n ip link set lo up`);
      const peer = await s.repl('veth_add a b peer_ct=c1');
      expect(peer.ok).toBe(false);
      expect(peer.error?.message).toContain("c1 shares the host's network namespace");
    } finally {
      await s.close();
    }
  });

  const inline = (body: string[]) => parseLesson(['---', 'id: inline', 'title: T', 'chapter: C', 'summary: S', 'needs: root', '---', ...body].join('\n'), 'inline.md');

  it('a step with fails: passes only when the kernel refuses with exactly that errno', async () => {
    const s = await LessonSession.open(inline([
      '```step', 'title: clone', 'op: clone', 'args:', '  ns: [pid, uts]', '```',
      '```step', 'title: drop', 'op: caps', 'args:', '  drop: [sys_admin]', '```',
      '```step', 'title: refused', 'op: sethostname', 'args:', '  name: nope', 'fails: EPERM', '```',
      '```step', 'title: other errno', 'op: sethostname', 'args:', '  name: nope', 'fails: EINVAL', '```',
      '```step', 'title: not refused', 'op: no_new_privs', 'fails: EPERM', '```',
    ]));
    try {
      expect((await s.runStop(0)).status).toBe('done');
      const drop = await s.runStop(1);
      expect(drop.status).toBe('done');
      expect(drop.step?.output).toMatch(/^effective: CAP_CHOWN .*\nbounding: /); // what the caps op's result is worth seeing
      const refused = await s.runStop(2);
      expect(refused.status).toBe('done');
      expect(refused.step?.output).toContain('refused, as expected: EPERM');
      expect(refused.step?.log.at(-1)?.syscalls).toContain('sethostname("nope", 4) = -1 EPERM (Operation not permitted)');
      const other = await s.runStop(3);
      expect(other.status).toBe('failed');
      expect(other.step?.error?.message).toContain('expected EINVAL, the kernel said EPERM');
      const notRefused = await s.runStop(4);
      expect(notRefused.status).toBe('failed');
      expect(notRefused.step?.error?.message).toBe('expected the kernel to refuse with EPERM, but the step succeeded');
    } finally {
      await s.close();
    }
  });

  it('spawn: runs as a child of the init, bound by its capabilities; inside: enters with the lab\'s', async () => {
    const s = await LessonSession.open(inline([
      '```step', 'title: clone', 'op: clone', 'args:', '  ns: [pid, mnt]', '```',
      '```step', 'title: keep kill', 'op: caps', 'args:', '  keep: [kill]', '```',
      '```check', 'title: spawned', 'spawn: grep ^CapEff /proc/self/status', 'equals: "CapEff:\t0000000000000020"', '```',
      '```check', 'title: joined', 'inside: grep ^CapEff /proc/self/status', 'not_equals: "CapEff:\t0000000000000020"', '```',
      '```step', 'title: a spawn step', 'spawn: echo from the init', '```',
    ]));
    try {
      for (let i = 0; i < 2; i++) expect((await s.runStop(i)).status).toBe('done');
      expect((await s.runStop(2)).status).toBe('passed');
      expect((await s.runStop(3)).status).toBe('passed');
      const step = await s.runStop(4);
      expect(step.step?.output).toBe('from the init');
      expect(step.step?.log[0]?.op).toBe('spawn');
    } finally {
      await s.close();
    }
  });

  it('the seccomp lesson\'s hints follow the filters loaded, and the reply shows the program', async () => {
    const lesson = await findLesson('seccomp');
    const s = await LessonSession.open(lesson);
    try {
      const task = lesson.stops.findIndex((x) => x.kind === 'task');
      for (let i = 0; i < task; i++) expect((await s.runStop(i)).status, lesson.stops[i]!.title).toMatch(/done|passed/);
      expect((await s.runStop(task)).status).toBe('waiting');
      expect(s.hint(task).text).toContain('No filter is loaded yet');
      const wrong = await s.repl('seccomp uname');
      expect(wrong.ok).toBe(true);
      expect(wrong.output).toContain('jeq #63 (uname), 0, 1');
      await s.recheck(task);
      expect(s.hint(task).text).toContain('mkdir still works');
      expect((await s.repl('seccomp mkdir,mkdirat')).ok).toBe(true);
      expect((await s.recheck(task))!.pass).toBe(true);
      expect(readFileSync(`/proc/${s.state.vars.pid}/status`, 'utf8')).toMatch(/^Seccomp_filters:\s+2$/m);
    } finally {
      await s.close();
    }
  });

  it('the net lesson\'s hints follow the container\'s state, step by step', async () => {
    const lesson = await findLesson('net');
    const s = await LessonSession.open(lesson);
    try {
      const task = lesson.stops.findIndex((x) => x.kind === 'task');
      for (let i = 0; i < task; i++) expect((await s.runStop(i)).status, lesson.stops[i]!.title).toMatch(/done|passed/);
      expect((await s.runStop(task)).status).toBe('waiting');
      expect(s.hint(task).text).toContain('eth0 has no address yet');
      expect((await s.repl('addr_add eth0 10.88.0.2/24')).ok).toBe(true);
      expect((await s.recheck(task))!.found).toBe('DOWN 10.88.0.2/24');
      expect(s.hint(task).text).toContain('the link is still down');
      const up = await s.repl('link_up eth0');
      expect(up.ok).toBe(true);
      expect((await s.recheck(task))!.pass).toBe(true);
      // The net view shows the session's other container too (c1, by name), so both
      // ends of the veth pair are seen, each naming the other; and the REPL's diff
      // holds the net view, the one link_up changes.
      const rows = up.after!.views.net!.rows.filter((r) => r.cells.kind === 'link');
      const end = (ns: string, name: string) => rows.find((r) => r.cells.netns === ns && r.cells.name === name)?.cells;
      expect(end('container', 'eth0')).toMatchObject({ type: 'veth', peer: 'veth-box (c1)', state: 'up' });
      expect(end('c1', 'veth-box')).toMatchObject({ type: 'veth', peer: 'eth0 (container)' });
      expect(up.diff!.views.find((v) => v.name === 'net')!.rows.some((r) => r.change === 'changed' && r.key === 'container link eth0')).toBe(true);
    } finally {
      await s.close();
    }
  });
});
