// Cgroups in lessons, on the real kernel (root): the session lets a lesson (and the
// REPL) make and change only groups of its own, named bl-..., beneath the lab's own
// group, each in the lesson's ledger scope before it exists; it moves only the
// lesson's processes into them; and every group and loop device is gone when the
// lesson ends, is reset, is stopped by a signal, or is SIGKILLed and cleaned up.
import { execFileSync, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../../src/core/index.ts';
import { parseLesson } from '../../src/lessons/loader.ts';
import { LessonSession, closeProcessLedger, processLedger } from '../../src/lessons/session.ts';
import { fingerprint, isRoot } from '../helpers/host.ts';
import { holdAt } from '../helpers/lessons.ts';

const cli = join(repoRoot(), 'dist', 'boxlab.mjs');
// A state root of this file's own (ledgers, ${dir}), inherited by the lessons it runs,
// so a leftover of another boxlab on the machine is neither counted nor cleaned here.
const stateRoot = mkdtempSync(join(tmpdir(), 'bl-cgl-'));
chmodSync(stateRoot, 0o755);
process.env.BOXLAB_STATE_DIR = stateRoot;
afterAll(() => rmSync(stateRoot, { recursive: true, force: true }));

/** A lesson that names its group (so the session reserves it) and clones a container. */
const groupLesson = () => parseLesson([
  '---', 'id: cgtest', 'title: T', 'chapter: C', 'summary: S', 'needs: root', '---',
  'The group is ${cgroup}.',
  '```step', 'title: clone', 'op: clone', 'args:', '  ns: [pid, mnt]', '```',
].join('\n'), 'cgtest.md');

const loopLesson = () => parseLesson([
  '---', 'id: looptest', 'title: T', 'chapter: C', 'summary: S', 'needs: root', '---',
  '```step', 'title: show', 'shell: losetup ${loop}', '```',
].join('\n'), 'looptest.md');

const scopeEntries = (s: LessonSession) => processLedger().entries().filter((e) => e.scope === s.scope);
const cgroupPaths = (s: LessonSession) => scopeEntries(s).flatMap((e) => (e.kind === 'cgroup' ? [e.path] : []));

describe.runIf(isRoot)('cgroups in lessons (root)', () => {
  // Open this process's ledger first, so the fingerprints before and after both have it.
  beforeAll(() => { processLedger(); });
  afterAll(async () => {
    expect(await closeProcessLedger()).toEqual([]);
  });

  it('reserves ${cgroup} in the ledger before it exists; the REPL makes it; the end removes it', async () => {
    const before = fingerprint();
    const s = await LessonSession.open(groupLesson());
    const dirs = [s.state.vars.cgroup_pids!, s.state.vars.cgroup_memory!, s.state.vars.cgroup_cpu!];
    try {
      expect(s.state.vars.cgroup).toMatch(/^bl-lesson-cgtest-\d+-\d+$/);
      expect(s.state.vars.cgroup_layout).toMatch(/^(v1|v2|hybrid)$/);
      for (const d of dirs) {
        expect(cgroupPaths(s)).toContain(d);
        expect(existsSync(d)).toBe(false);
      }
      const made = await s.repl('cgroup_create ${cgroup}');
      expect(made.ok, made.error?.message).toBe(true);
      for (const d of dirs) expect(existsSync(d)).toBe(true);
      // A second create fails in the core's plan, and records nothing more.
      const entries = scopeEntries(s).length;
      const twice = await s.repl('cgroup_create ${cgroup}');
      expect(twice.ok).toBe(false);
      expect(twice.error?.message).toMatch(/already exists/);
      expect(scopeEntries(s)).toHaveLength(entries);
      // cgroup_get's value is the step's output.
      expect((await s.repl('cgroup_get ${cgroup} pids.max')).output).toBe('max');
    } finally {
      await s.close();
    }
    for (const d of dirs) expect(existsSync(d)).toBe(false);
    expect(scopeEntries(s)).toEqual([]);
    expect(fingerprint()).toEqual(before);
  });

  it('refuses groups that are not the lesson\'s, and pids that are not its processes, before the core sees them', async () => {
    const s = await LessonSession.open(groupLesson());
    try {
      const refused = async (line: string, says: string) => {
        const r = await s.repl(line);
        expect(r.ok, line).toBe(false);
        expect(r.error?.message, line).toContain(says);
        expect(r.log, line).toEqual([]); // nothing was sent to the core
        return r;
      };
      const name = await refused('cgroup_create mine', '"mine" is not such a name');
      expect(name.error?.hint).toContain(s.state.vars.cgroup); // the hint names the lesson's own group
      await refused('cgroup_create bl-x parent=/', 'leaves the lab\'s own group');
      await refused('cgroup_create bl-x parent=bl-a/../..', 'leaves the lab\'s own group');
      await refused('cgroup_set bl-not-made pids.max 5', 'bl-not-made is not one of this lesson\'s groups');
      await refused('cgroup_set ${cgroup} pids.max 5 parent=/', 'leaves the lab\'s own group');
      await refused('cgroup_freeze bl-not-made', 'is not one of this lesson\'s groups');
      await refused('clone pid cgroup=bl-not-made', 'is not one of this lesson\'s groups');

      expect((await s.repl('cgroup_create ${cgroup}')).ok).toBe(true);
      expect((await s.runStop(0)).status).toBe('done');
      const tree = s.state.vars.cgroup_layout === 'v2' ? '' : ' controller=pids';
      await refused(`cgroup_set \${cgroup} cgroup.procs 1${tree}`, '"1" is not a process of this lesson');
      await refused(`cgroup_set \${cgroup} cgroup.procs ${process.pid}${tree}`, 'is not a process of this lesson');
      await refused(`cgroup_set \${cgroup} cgroup.procs 0${tree}`, 'is not a process of this lesson');
      const moved = await s.repl(`cgroup_set \${cgroup} cgroup.procs \${pid}${tree}`);
      expect(moved.ok, moved.error?.message).toBe(true);
      expect(readFileSync(join(s.state.vars.cgroup_pids!, 'cgroup.procs'), 'utf8').trim()).toBe(s.state.vars.pid);

      // A group of someone else's beneath the lab's own is out of reach as a parent.
      const foreign = join(s.state.vars.cgroup_pids!, '..', `bl-foreign-${process.pid}-1`);
      mkdirSync(foreign);
      try {
        await refused(`cgroup_create bl-x parent=bl-foreign-${process.pid}-1`, 'is not one of this lesson\'s groups');
      } finally {
        rmdirSync(foreign);
      }
      // Children of the lesson's group are fine, and recorded before they are made.
      const child = await s.repl('cgroup_create bl-child parent=${cgroup} controllers=pids');
      expect(child.ok, child.error?.message).toBe(s.state.vars.cgroup_layout !== 'v2'); // v2: ${cgroup} holds a process
      if (s.state.vars.cgroup_layout !== 'v2') expect(cgroupPaths(s)).toContain(join(s.state.vars.cgroup_pids!, 'bl-child'));
    } finally {
      await s.close();
    }
  });

  it('a group made by hand beneath the lesson\'s, with a process in it, goes too', async () => {
    const before = fingerprint();
    const s = await LessonSession.open(groupLesson());
    const child = join(s.state.vars.cgroup_pids!, 'by-hand');
    try {
      expect((await s.repl('cgroup_create ${cgroup}')).ok).toBe(true);
      expect((await s.runStop(0)).status).toBe('done');
      mkdirSync(child);
      execFileSync('sh', ['-c', `echo ${s.state.vars.pid} > ${child}/cgroup.procs`]);
    } finally {
      await s.close();
    }
    expect(existsSync(child)).toBe(false);
    expect(existsSync(s.state.vars.cgroup_pids!)).toBe(false);
    expect(fingerprint()).toEqual(before);
  });

  it('a reset removes the groups and reserves a new name', async () => {
    const s = await LessonSession.open(groupLesson());
    try {
      expect((await s.repl('cgroup_create ${cgroup}')).ok).toBe(true);
      const old = s.state.vars.cgroup_pids!;
      await s.reset();
      expect(existsSync(old)).toBe(false);
      expect(s.state.vars.cgroup_pids).not.toBe(old);
      expect(cgroupPaths(s)).toContain(s.state.vars.cgroup_pids);
    } finally {
      await s.close();
    }
  });

  it.runIf(existsSync('/dev/loop-control'))('${loop} is attached after the ledger lists it, and detached at the end', async () => {
    const before = fingerprint();
    const s = await LessonSession.open(loopLesson());
    const file = join(s.state.vars.dir!, 'disk.img');
    try {
      expect(s.state.vars.loop).toMatch(/^\/dev\/loop\d+$/);
      expect(s.state.vars.loop_dev).toMatch(/^7:\d+$/);
      expect(scopeEntries(s).some((e) => e.kind === 'loop' && e.file === file)).toBe(true);
      expect(execFileSync('losetup', ['-j', file], { encoding: 'utf8' })).toContain(s.state.vars.loop);
      expect((await s.runStop(0)).status).toBe('done');
    } finally {
      await s.close();
    }
    expect(execFileSync('losetup', ['-j', file], { encoding: 'utf8' }).trim()).toBe('');
    expect(existsSync(file)).toBe(false);
    expect(fingerprint()).toEqual(before);
  });
});


const exitOf = (child: ChildProcess) => new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
const loops = () => execFileSync('losetup', ['-a'], { encoding: 'utf8' }).split('\n').filter((l) => l.includes('/bl-lesson-'));

// The hard cases: a frozen group (a frozen v1 task cannot even die until thawed), and a
// loop device. Step 3 of freezer is the freeze; step 2 of io has the group and container.
describe.runIf(isRoot && existsSync(cli))('interrupted cgroup lessons', () => {
  it.each([['freezer', 3], ['io', 2]] as const)('%s: SIGTERM after step %i cleans up; SIGKILL, then boxlab cleanup, too', async (id, k) => {
    const before = fingerprint();
    const term = await holdAt(id, k);
    term.kill('SIGTERM');
    expect(await exitOf(term)).toBe(143);
    expect(fingerprint()).toEqual(before);
    expect(loops()).toEqual([]);

    // SIGKILL the lesson and its core at once: nobody thaws the frozen group or kills
    // the container on the way out; `boxlab cleanup` must, from the ledger alone.
    const kill = await holdAt(id, k);
    const children = readFileSync(`/proc/${kill.pid}/task/${kill.pid}/children`, 'utf8').trim().split(/\s+/).map(Number);
    const core = children.find((p) => readFileSync(`/proc/${p}/comm`, 'utf8').startsWith('boxcore'))!;
    expect(core).toBeGreaterThan(0);
    process.kill(core, 'SIGKILL');
    kill.kill('SIGKILL');
    await exitOf(kill);
    const clean = spawnSync('node', [cli, 'cleanup'], { encoding: 'utf8' });
    expect(clean.status, clean.stdout + clean.stderr).toBe(0);
    for (let i = 0; i < 40 && JSON.stringify(fingerprint()) !== JSON.stringify(before); i++) await new Promise((r) => setTimeout(r, 50));
    expect(fingerprint()).toEqual(before);
    expect(loops()).toEqual([]);
  }, 120_000);
});
