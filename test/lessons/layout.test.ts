// The cgroup layout as lessons see it (src/lessons/layout.ts), on recorded layouts of
// the three kinds of machine: which tree holds each controller, where the lesson's
// group would be, which `when:` blocks run, and the lesson as it runs on each.
import { describe, expect, it } from 'vitest';
import type { CgroupLayout } from '../../src/core/index.ts';
import { cgroupVars, forMachine, groupDir, needsLayout, treeOf, whenHolds } from '../../src/lessons/layout.ts';
import { loadAll, parseLesson } from '../../src/lessons/loader.ts';

const tree = (controllers: string, mount: string, own = '/', version: 1 | 2 = 1) => ({ version, controllers, mount, own });

/** This machine's kind: v1 trees (memory nested below /), a v2 tree at unified. */
const HYBRID: CgroupLayout = {
  layout: 'hybrid', root: '/sys/fs/cgroup', unified: '/sys/fs/cgroup/unified', controllers: 'pids,blkio,memory,cpu,cpuacct,cpuset,freezer',
  hierarchies: [
    tree('pids', '/sys/fs/cgroup/pids'), tree('blkio', '/sys/fs/cgroup/blkio'), tree('freezer', '/sys/fs/cgroup/freezer'),
    tree('memory', '/sys/fs/cgroup/memory', '/process_api/7fbb'), tree('cpuset', '/sys/fs/cgroup/cpuset'), tree('cpu,cpuacct', '/sys/fs/cgroup/cpu,cpuacct'),
  ],
};
/** An older v1 machine without a freezer tree. */
const V1: CgroupLayout = { ...HYBRID, layout: 'v1', unified: undefined, hierarchies: HYBRID.hierarchies.filter((h) => h.controllers !== 'freezer') };
/** The VM: pure v2, the lab in the root group. */
const V2: CgroupLayout = {
  layout: 'v2', root: '/sys/fs/cgroup', controllers: 'cpuset,cpu,io,memory,pids',
  hierarchies: [tree('cpuset,cpu,io,memory,pids', '/sys/fs/cgroup', '/user.slice', 2)],
};

describe('cgroup layouts for lessons', () => {
  it('finds each controller\'s tree: io is blkio on v1, co-mounted trees are shared, v2 has one', () => {
    expect(treeOf(HYBRID, 'io')?.mount).toBe('/sys/fs/cgroup/blkio');
    expect(treeOf(HYBRID, 'cpuacct')).toBe(treeOf(HYBRID, 'cpu'));
    expect(treeOf(V1, 'freezer')).toBeUndefined();
    expect(treeOf(V2, 'freezer')?.version).toBe(2);
  });

  it('puts the lesson\'s group beneath the lab\'s own group in every tree', () => {
    expect(groupDir(HYBRID.hierarchies[3]!, 'bl-a', 'bl-x')).toBe('/sys/fs/cgroup/memory/process_api/7fbb/bl-x/bl-a');
    const v = cgroupVars(HYBRID, 'bl-lesson-t-1-1');
    expect(v).toMatchObject({
      cgroup: 'bl-lesson-t-1-1', cgroup_layout: 'hybrid',
      cgroup_memory: '/sys/fs/cgroup/memory/process_api/7fbb/bl-lesson-t-1-1',
      cgroup_io: '/sys/fs/cgroup/blkio/bl-lesson-t-1-1',
      cgroup_cpuacct: '/sys/fs/cgroup/cpu,cpuacct/bl-lesson-t-1-1',
    });
    expect(cgroupVars(V1, 'bl-g').cgroup_freezer).toBe('');
    const v2 = cgroupVars(V2, 'bl-g');
    expect(new Set(Object.entries(v2).filter(([k]) => k.startsWith('cgroup_') && k !== 'cgroup_layout').map(([, d]) => d))).toEqual(new Set(['/sys/fs/cgroup/user.slice/bl-g']));
  });

  it('holds a when: by the version of the controller\'s tree, or by the layout; all keys must hold', () => {
    expect(whenHolds({ memory: ['v1'] }, HYBRID)).toBe(true);
    expect(whenHolds({ memory: ['v2'] }, HYBRID)).toBe(false);
    expect(whenHolds({ memory: ['v2'] }, V2)).toBe(true);
    expect(whenHolds({ layout: ['v1', 'hybrid'] }, V1)).toBe(true);
    expect(whenHolds({ layout: ['hybrid'], pids: ['v1'] }, V1)).toBe(false);
    expect(whenHolds({ freezer: ['v1'] }, V1)).toBe(false); // no freezer tree: neither branch
    expect(whenHolds({ freezer: ['v2'] }, V1)).toBe(false);
  });

  const lesson = parseLesson([
    '---', 'id: t', 'title: T', 'chapter: C', 'summary: S', 'needs: root', '---',
    'Both.', '```step', 'title: shared', 'shell: "true"', '```',
    'On v2, memory.max.', '```step', 'title: v2', 'when: {memory: v2}', 'shell: "true"', '```',
    '```notes', 'about v2', '```',
    'On v1, memory.limit_in_bytes.', '```step', 'title: v1', 'when: {memory: v1}', 'shell: "true"', '```',
    'The end.', '```check', 'title: last', 'shell: "true"', 'exit: 0', '```',
  ].join('\n'), 'inline.md');

  it('runs the blocks for this machine, with their prose and notes, renumbered', () => {
    const v1 = forMachine(lesson, HYBRID);
    expect(v1.stops.map((s) => [s.index, s.title, s.prose])).toEqual([[0, 'shared', 'Both.'], [1, 'v1', 'On v1, memory.limit_in_bytes.'], [2, 'last', 'The end.']]);
    const v2 = forMachine(lesson, V2);
    expect(v2.stops.map((s) => [s.index, s.title, s.notes])).toEqual([[0, 'shared', []], [1, 'v2', ['about v2']], [2, 'last', []]]);
    expect(lesson.stops).toHaveLength(4); // the loaded lesson itself is untouched
  });

  it('gives the prose before a pair of alternatives to the one that runs, when the other has none', () => {
    const pair = parseLesson([
      '---', 'id: t', 'title: T', 'chapter: C', 'summary: S', 'needs: root', '---',
      'Your turn: hold it to 32 MiB.', '```task', 'title: v2', 'when: {memory: v2}', 'check:', '  shell: "true"', '  exit: 0', '```',
      '```task', 'title: v1', 'when: {memory: v1}', 'check:', '  shell: "true"', '  exit: 0', '```',
    ].join('\n'), 'pair.md');
    expect(forMachine(pair, HYBRID).stops.map((s) => [s.title, s.prose])).toEqual([['v1', 'Your turn: hold it to 32 MiB.']]);
    expect(forMachine(pair, V2).stops.map((s) => [s.title, s.prose])).toEqual([['v2', 'Your turn: hold it to 32 MiB.']]);
  });

  it('every task of the course, on every kind of machine, says what to do right above it', async () => {
    const { lessons } = await loadAll();
    for (const layout of [HYBRID, V1, V2]) {
      const bare = lessons.flatMap((l) => forMachine(l, layout).stops.filter((s) => s.kind === 'task' && !s.prose.trim()).map((s) => `${l.meta.id}: ${s.title}`));
      expect(bare, layout.layout).toEqual([]);
    }
  });

  it('asks for the layout only for a lesson that branches or names its group', () => {
    expect(needsLayout(lesson)).toBe(true);
    const plain = parseLesson(['---', 'id: t', 'title: T', 'chapter: C', 'summary: S', 'needs: root', '---', '```step', 'title: x', 'shell: "true"', '```'].join('\n'), 'x.md');
    expect(needsLayout(plain)).toBe(false);
    expect(forMachine(plain, undefined)).toBe(plain);
    const named = parseLesson(['---', 'id: t', 'title: T', 'chapter: C', 'summary: S', 'needs: root', '---', '```step', 'title: x', 'shell: cat ${cgroup_pids}/pids.max', '```'].join('\n'), 'x.md');
    expect(needsLayout(named)).toBe(true);
  });
});
