// Learning by doing, on the real core (root): `boxlab lesson --yes` checks every task
// before it applies the solution and fails a task that passes already (so CI proves
// every task and challenge starts undone); hints escalate in the lesson's order and
// start again when what the check finds changes; a prediction is recorded before its
// step runs; the challenges fail before their fix and pass after (slow-job, volume-denied,
// ps-lies, too-many-caps, no-internet, still-there, will-not-start), their setup marked as such, and tell a wrong fix
// from the right one. The host is as it was after each.
import { execFileSync } from 'node:child_process';
import { chmodSync, chownSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { runLessonPlain } from '../../src/cli/lesson.ts';
import { readEvents, type LessonRunEvent } from '../../src/cli/lesson-events.ts';
import { findLesson } from '../../src/lessons/loader.ts';
import { LessonSession, closeProcessLedger } from '../../src/lessons/session.ts';
import { trustLessons } from '../../src/lessons/trust.ts';
import { ui as text } from '../../src/text/index.ts';
import { fingerprint, isRoot } from '../helpers/host.ts';

function sink(): Writable & { text: string } {
  const w = new Writable({ write(chunk, _enc, cb) { w.text += String(chunk); cb(); } }) as Writable & { text: string };
  w.text = '';
  return w;
}

/** The host, but for this process's own ledger file (the sessions run in this process). */
const host = () => {
  const f = fingerprint();
  return { ...f, ledgers: f.ledgers.filter((l) => !l.endsWith(`/bl-${process.pid}.jsonl`)) };
};

type Stop = Extract<LessonRunEvent, { type: 'stop' }>;
const stopsOf = (events: LessonRunEvent[]) => events.filter((e): e is Stop => e.type === 'stop');

/** A lesson with one task: its check reads a file in ${dir}; `early` makes the check
 *  pass before anything was done (the defect the runner must catch). */
const taskLesson = (id: string, early: boolean) => [
  '---', `id: ${id}`, 'title: T', 'chapter: C', 'summary: S', 'needs: root', '---',
  'Make the file.',
  '```task', 'title: Make ${dir}/done',
  'check:', `  shell: ${early ? 'echo yes' : 'test -e ${dir}/done && echo yes || echo no'}`, '  equals: "yes"',
  'hints:',
  '  - when: {equals: "no"}', '    text: the idea',
  '  - when: {equals: "no"}', '    text: where to look',
  '  - when: {equals: "no"}', '    text: "the command: touch ${dir}/done"',
  '  - when: {equals: "half"}', '    text: half-way there',
  'solution:', '  shell: touch ${dir}/done',
  '```',
  '```predict', 'question: What will ls show?', 'choices: [nothing, done]', 'answer: done', 'why: The task made it.', '```',
  '```step', 'title: ls', 'shell: ls ${dir}', '```',
].join('\n');

describe.skipIf(!isRoot)('learning by doing, on the real core (root)', () => {
  let root: string;
  let before: ReturnType<typeof host>;

  beforeAll(() => {
    root = mkdtempSync(join(tmpdir(), 'bl-learn-'));
    mkdirSync(join(root, '01-t'));
    writeFileSync(join(root, '01-t', '01-undone.md'), taskLesson('undone', false));
    writeFileSync(join(root, '01-t', '02-early.md'), taskLesson('early', true));
  });
  afterAll(async () => {
    rmSync(root, { recursive: true, force: true });
    expect(await closeProcessLedger()).toEqual([]);
  });
  afterEach(() => {
    expect(host()).toEqual(before);
  });

  const withLessons = async <T>(fn: () => Promise<T>): Promise<T> => {
    const saved = process.env.BOXLAB_LESSONS;
    process.env.BOXLAB_LESSONS = root;
    trustLessons([root]);
    try { return await fn(); } finally {
      if (saved === undefined) delete process.env.BOXLAB_LESSONS; else process.env.BOXLAB_LESSONS = saved;
    }
  };

  it('--yes checks a task before its solution: undone, solved, it passes; passing already, it fails the run', async () => {
    before = host();
    const good = sink();
    expect(await withLessons(() => runLessonPlain('undone', { yes: true, format: 'json', color: false, out: good }))).toBe(0);
    const [task] = stopsOf(readEvents(good.text));
    expect(task).toMatchObject({ kind: 'task', ok: true, solved: true, before: { pass: false, found: 'no' }, check: { pass: true, found: 'yes' } });

    const bad = sink();
    expect(await withLessons(() => runLessonPlain('early', { yes: true, format: 'json', color: false, out: bad }))).toBe(1);
    const events = readEvents(bad.text);
    expect(stopsOf(events)[0]).toMatchObject({ kind: 'task', ok: false, before: { pass: true }, error: { message: text.passesBeforeActing } });
    expect(stopsOf(events)[0]!.solved).toBeUndefined(); // nothing was applied
    expect(events.at(-1)).toEqual({ type: 'result', ok: false, passed: 0, checks: 1, skipped: 0 });

    // The plain text names the defect too; the prediction is shown with its answer.
    const plain = sink();
    expect(await withLessons(() => runLessonPlain('early', { yes: true, format: 'text', color: false, out: plain }))).toBe(1);
    expect(plain.text).toContain(`✗ Make `);
    expect(plain.text).toContain(text.passesBeforeActing);
    expect(plain.text).toContain(`${text.predictTitle} What will ls show?`);
    expect(plain.text).toContain(text.predictAnswer('done', 'The task made it.'));
    // --json: the question before its step, with the answer (the run does not guess)
    const kinds = events.map((e) => (e.type === 'stop' ? `stop:${e.kind}` : e.type));
    expect(kinds).toEqual(['lesson', 'stop:task', 'predict', 'stop:step', 'result']);
    expect(events[2]).toEqual({ type: 'predict', index: 1, question: 'What will ls show?', choices: ['nothing', 'done'], answer: 'done', why: 'The task made it.' });
  });

  it('hints escalate in the lesson\'s order, stay at the last, and start again when the check finds something else', async () => {
    before = host();
    const lesson = await withLessons(() => findLesson('undone'));
    const s = await LessonSession.open(lesson);
    try {
      expect((await s.runStop(0)).status).toBe('waiting');
      expect([s.hint(0), s.hint(0), s.hint(0), s.hint(0)].map((h) => [h.level, h.of, h.text])).toEqual([
        [1, 3, 'the idea'], [2, 3, 'where to look'], [3, 3, `the command: touch ${s.state.vars.dir}/done`], [3, 3, `the command: touch ${s.state.vars.dir}/done`],
      ]);
      expect(s.state.stops[0]!.hints).toEqual(['the idea', 'where to look', `the command: touch ${s.state.vars.dir}/done`]);
      expect(s.state.stops[0]!.hinted).toBe(true);
      // a prediction: a guess that is no answer is refused; one that is, recorded before the step runs
      expect(s.predict(1, '7')).toBeUndefined();
      expect(s.predict(1, '1')).toEqual({ guess: 'nothing', right: false });
      expect(s.state.stops[1]!.prediction).toEqual({ guess: 'nothing', right: false });
      expect(s.state.stops[1]!.status).toBe('pending');
      expect(s.predict(0, '1')).toBeUndefined(); // a task predicts nothing
      // the learner acts: the task passes, no hint applies any more
      await s.solve(0);
      expect(s.state.stops[0]!.status).toBe('passed');
      expect(s.hint(0)).toEqual({ text: expect.any(String), level: 0, of: 0 });
      expect((await s.runStop(1)).status).toBe('done');
      expect(s.state.stops[1]!.prediction).toEqual({ guess: 'nothing', right: false }); // kept once the step ran
    } finally {
      await s.close();
    }
  });

  /** A challenge run through with --yes: its setup steps marked, its one task found
   *  undone (`broken`) before the solution and done (`fixed`) after. */
  const solvesWithYes = async (id: string, setups: number[], broken: string, fixed: string) => {
    const out = sink();
    const code = await runLessonPlain(id, { yes: true, format: 'json', color: false, out });
    const stops = stopsOf(readEvents(out.text));
    expect(stops.filter((s) => !s.ok)).toEqual([]);
    expect(code).toBe(0);
    expect(stops.filter((s) => s.setup).map((s) => s.index)).toEqual(setups);
    const tasks = stops.filter((s) => s.kind === 'task');
    expect(tasks).toHaveLength(1);
    expect(tasks[0]).toMatchObject({ ok: true, solved: true, before: { pass: false, found: broken }, check: { pass: true, found: fixed } });
  };

  /** A challenge worked by hand: its scene set and its symptom shown (`symptom`, in the
   *  last step's output), its check failing with `broken`, three hints taken; then `fix`
   *  acts as the learner would, and the session must close leaving nothing. */
  const byHand = async (id: string, symptom: RegExp, broken: string, fix: (s: LessonSession, task: number) => Promise<void>) => {
    const s = await LessonSession.open(await findLesson(id));
    try {
      const task = s.state.lesson.stops.findIndex((x) => x.kind === 'task');
      for (let i = 0; i < task; i++) expect((await s.runStop(i)).status).toBe('done');
      expect(s.state.stops[task - 1]!.step!.output).toMatch(symptom);
      expect((await s.runStop(task)).check).toMatchObject({ pass: false, found: broken });
      expect([s.hint(task), s.hint(task), s.hint(task)].map((h) => h.level)).toEqual([1, 2, 3]);
      await fix(s, task);
    } finally {
      expect(await s.close()).toEqual([]);
    }
  };

  it('the slow-job challenge fails before its fix and passes after; its setup runs first, marked', async () => {
    before = host();
    // Two setup steps on any layout: the job, then the fault of this machine's cgroup version.
    await solvesWithYes('slow-job', [0, 1], 'still slow', 'free to use a whole CPU');

    // In text the setup is folded until the end, when the challenge is solved.
    const plain = sink();
    expect(await runLessonPlain('slow-job', { yes: true, format: 'text', color: false, out: plain })).toBe(0);
    const folded = plain.text.indexOf(text.plainSetup);
    const unfolded = plain.text.indexOf(text.setupUnfolded);
    expect(folded).toBeGreaterThan(0);
    expect(unfolded).toBeGreaterThan(folded);
    expect(plain.text.slice(0, unfolded)).not.toMatch(/The fault/);
    expect(plain.text.slice(unfolded)).toMatch(/The fault: a CPU quota of a tenth of a CPU/);
  }, 60_000);

  it('the volume-denied challenge fails before its fix and passes after; chmod 777 is not a fix; hints follow what the kernel refused', async () => {
    before = host();
    await solvesWithYes('volume-denied', [0, 1, 2], 'permission denied', 'root can write');

    // By hand: the learner opens the volume to everyone first, then gives it to the
    // container's root. The check asks the kernel, by a write as that root.
    await byHand('volume-denied', /touch: \/mnt\/upload: Permission denied/, 'permission denied', async (s, task) => {
      const data = `${s.state.vars.dir}/data`;
      chmodSync(data, 0o777);
      expect((await s.recheck(task))).toMatchObject({ pass: false, found: 'writable by every user of the host' });
      expect(s.hint(task)).toMatchObject({ level: 1, of: 2 }); // something else found: from the first hint again
      chmodSync(data, 0o755);
      chownSync(data, 100000, 100000);
      expect((await s.recheck(task))).toMatchObject({ pass: true, found: 'root can write' });
    });
  }, 60_000);

  it('the ps-lies challenge fails before its fix and passes after; a proc mounted from the host\'s PID namespace is not a fix', async () => {
    before = host();
    await solvesWithYes('ps-lies', [0, 1], "the host's /proc", 'its own processes');

    // By hand: the learner mounts a proc in the container's mounts from the host
    // (nsenter -m joins the mounts, not the PIDs), then does it from inside.
    const s = await LessonSession.open(await findLesson('ps-lies'));
    try {
      const task = s.state.lesson.stops.findIndex((x) => x.kind === 'task');
      for (let i = 0; i < task; i++) expect((await s.runStop(i)).status).toBe('done');
      expect(s.state.stops[task - 1]!.step!.output).toMatch(/processes listed: \d{2,}/);
      expect((await s.runStop(task)).check).toMatchObject({ pass: false, found: "the host's /proc" });
      const pid = s.state.vars.pid!;
      execFileSync('nsenter', ['-t', pid, '-m', 'mount', '-t', 'proc', 'proc', '/proc']);
      expect((await s.recheck(task))).toMatchObject({ pass: false, found: "a new /proc, still the host's processes" });
      expect(s.hint(task)).toMatchObject({ level: 1, of: 2 });
      expect((await s.repl('umount /proc')).ok).toBe(true);
      expect((await s.recheck(task))).toMatchObject({ pass: false, found: "the host's /proc" });
      expect((await s.repl('mount proc /proc')).ok).toBe(true);
      expect((await s.recheck(task))).toMatchObject({ pass: true, found: 'its own processes' });
    } finally {
      expect(await s.close()).toEqual([]);
    }
  }, 60_000);

  it('the too-many-caps challenge fails before its fix and passes after; dropping chown too is not a fix; a reset gives the capabilities back', async () => {
    before = host();
    await solvesWithYes('too-many-caps', [0, 1], 'mknod of a disk works', 'mknod refused, chown works');

    // By hand: the learner drops too much first (chown with mknod), then starts again
    // and drops only CAP_MKNOD. The check asks the kernel, by an mknod and a chown
    // made by the container's init's children.
    const s = await LessonSession.open(await findLesson('too-many-caps'));
    const setScene = async (upTo: number) => {
      for (let i = 0; i < upTo; i++) expect((await s.runStop(i)).status).toBe('done');
    };
    const capBnd = () => BigInt('0x' + /^CapBnd:\s*([0-9a-f]+)$/m.exec(readFileSync(`/proc/${s.state.vars.pid}/status`, 'utf8'))![1]);
    try {
      const task = s.state.lesson.stops.findIndex((x) => x.kind === 'task');
      await setScene(task);
      expect(s.state.stops[task - 1]!.step!.output).toMatch(/b.* 8, +0 .*\/tmp\/disk/);
      expect((await s.runStop(task)).check).toMatchObject({ pass: false, found: 'mknod of a disk works' });
      expect([s.hint(task), s.hint(task), s.hint(task)].map((h) => h.level)).toEqual([1, 2, 3]);

      expect((await s.repl('caps drop=chown,mknod')).ok).toBe(true);
      expect(capBnd() & 1n).toBe(0n);
      expect((await s.recheck(task))).toMatchObject({ pass: false, found: 'chown refused too' });
      expect(s.hint(task)).toMatchObject({ level: 1, of: 2 }); // something else found: from the first hint again

      await s.reset(); // a dropped capability never comes back: a new container does
      await setScene(task);
      expect((await s.recheck(task))).toMatchObject({ pass: false, found: 'mknod of a disk works' });
      expect((await s.repl('caps drop=mknod')).ok).toBe(true);
      expect(capBnd() & (1n << 27n)).toBe(0n);
      expect(capBnd() & 1n).toBe(1n);
      expect((await s.recheck(task))).toMatchObject({ pass: true, found: 'mknod refused, chown works' });
    } finally {
      expect(await s.close()).toEqual([]);
    }
  }, 60_000);

  it('the no-internet challenge fails before its fix and passes after; a route without a gateway is not a fix; no route and no NAT are told apart', async () => {
    before = host();
    await solvesWithYes('no-internet', [0, 1, 2], 'network unreachable', 'reached');

    // By hand: the learner gives web a default route with no gateway first (web then
    // asks the bridge for the internet host itself), then one via the host's docker0;
    // then the host loses its masquerade rule. The check pings, from the container.
    await byHand('no-internet', /Network is unreachable/, 'network unreachable', async (s, task) => {
      const inWeb = (...args: string[]) => execFileSync('nsenter', [`--net=/proc/${s.state.vars.pid}/ns/net`, ...args]);
      const inHost = (cmd: string) => execFileSync('nsenter', [`--net=/run/netns/${s.state.vars.host}`, 'sh', '-c', cmd]);
      inWeb('ip', 'route', 'add', 'default', 'dev', 'eth0');
      expect((await s.recheck(task))).toMatchObject({ pass: false, found: 'no answer' });
      expect(s.hint(task)).toMatchObject({ level: 1, of: 3 }); // something else found: its own hints, from the first
      inWeb('ip', 'route', 'replace', 'default', 'via', '172.17.0.1');
      expect((await s.recheck(task))).toMatchObject({ pass: true, found: 'reached' });
      // Without the masquerade the ping leaves, and its answer cannot come back.
      inHost('nft delete table ip bl-nat 2>/dev/null || iptables -t nat -F');
      expect((await s.recheck(task))).toMatchObject({ pass: false, found: 'no answer' });
    });
  }, 90_000);

  it('the still-there challenge fails before its fix and passes after; deleting from a layer is not a fix; a whiteout in the upper directory is', async () => {
    before = host();
    await solvesWithYes('still-there', [0, 1], 'still visible', 'hidden by a whiteout');

    // By hand: the learner deletes the file from the lower layer first (layers are
    // read-only and shared), puts it back, then makes a whiteout in layer 2 (still
    // the image's), and at last deletes it through the container's overlay.
    await byHand('still-there', /1048576 .* debug\.dump/, 'still visible', async (s, task) => {
      const dir = s.state.vars.dir!;
      const dump = `${dir}/lowers/1/app/debug.dump`;
      const bytes = readFileSync(dump);
      rmSync(dump);
      expect((await s.recheck(task))).toMatchObject({ pass: false, found: 'deleted from the lower layer' });
      expect(s.hint(task)).toMatchObject({ level: 1 });
      writeFileSync(dump, bytes);
      execFileSync('mknod', [`${dir}/lowers/2/app/debug.dump`, 'c', '0', '0']);
      expect((await s.recheck(task))).toMatchObject({ pass: false, found: 'layer 2 changed' });
      rmSync(`${dir}/lowers/2/app/debug.dump`);
      expect((await s.recheck(task))).toMatchObject({ pass: false, found: 'still visible' });
      execFileSync('nsenter', ['-t', s.state.vars.pid!, '-m', 'rm', `${dir}/merged/app/debug.dump`]);
      expect((await s.recheck(task))).toMatchObject({ pass: true, found: 'hidden by a whiteout' });
      expect(readFileSync(dump).length).toBe(1048576);
    });
  }, 60_000);

  it('the will-not-start challenge fails before its fix and passes after; a cwd of / is not a fix; another runtime error and another program are told apart; the check leaves no container', async () => {
    before = host();
    await solvesWithYes('will-not-start', [0], 'still: chdir /srv/app fails', 'the app is ready');

    // By hand: the learner edits config.json as a host shell would; the check runs the
    // bundle under boxcore and reads its exit status and output.
    await byHand('will-not-start', /boxcore run: chdir \/srv\/app: No such file or directory/, 'still: chdir /srv/app fails', async (s, task) => {
      const config = `${s.state.vars.dir}/bundle/config.json`;
      const edit = (change: (c: { process: { cwd: string; args: string[] } }) => void) => {
        const c = JSON.parse(readFileSync(config, 'utf8'));
        change(c);
        writeFileSync(config, JSON.stringify(c));
      };
      const containers = () => execFileSync('ls', ['-A', `${s.state.vars.oci}/boxcore`], { encoding: 'utf8' });
      edit((c) => { c.process.cwd = '/'; });
      expect((await s.recheck(task))).toMatchObject({ pass: false, found: 'the app started, without its app.conf' });
      expect(s.hint(task)).toMatchObject({ level: 1, of: 2 }); // something else found: its own hints, from the first
      edit((c) => { c.process.cwd = '/srv'; });
      expect((await s.recheck(task))).toMatchObject({ pass: false, found: 'the runtime stopped: chdir /srv: No such file or directory' });
      edit((c) => { c.process.cwd = '/app'; c.process.args = ['true']; });
      expect((await s.recheck(task))).toMatchObject({ pass: false, found: 'the container ran, not the app (status 0)' });
      edit((c) => { c.process.args = ['sleep', '1000']; });
      expect((await s.recheck(task))).toMatchObject({ pass: false, found: 'the container ran, not the app (still running after 5 s)' });
      expect(containers()).toBe('');
      edit((c) => { c.process.args = ['sh', '/app/app.sh']; });
      expect((await s.recheck(task))).toMatchObject({ pass: true, found: 'the app is ready' });
      expect(containers()).toBe('');
    });
  }, 60_000);

  it('the slow-job challenge closed while its scene is being set (q as it opens) runs nothing after, and leaves nothing', async () => {
    before = host();
    const s = await LessonSession.open(await findLesson('slow-job'));
    const group = s.state.vars.cgroup!;
    const job = s.runStop(0); // the job starts in its group ...
    const closed = s.close(); // ... as the learner leaves
    expect((await job).status).toBe('done');
    expect(await closed).toEqual([]);
    // the lab's next setup step comes too late: the core is gone, nothing is made
    expect((await s.runStop(1)).status).toBe('failed');
    expect(execFileSync('find', ['/sys/fs/cgroup', '-maxdepth', '8', '-name', group], { encoding: 'utf8' })).toBe('');
  }, 60_000);
});
