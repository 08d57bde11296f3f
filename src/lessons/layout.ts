// The machine's cgroup layout, as a lesson sees it. cgroup v1, v2 and hybrid machines
// keep the same controllers in different files and directories, so a lesson branches:
// a block with `when: {memory: v2}` runs only where the memory controller is in a v2
// tree, and `${cgroup_memory}` names the lesson's group in whatever tree holds memory.
// Everything here is worked out from the core's cgroup_layout reply; nothing is read.
import { posix } from 'node:path';
import type { CgroupLayout, CgroupTree } from '../core/index.ts';
import type { BlockWhen, Lesson, Stop } from './schema.ts';

/** The controllers lessons name (in `when:` and `${cgroup_NAME}`). `io` is v2's name;
 *  on v1 its tree is called blkio. */
const CONTROLLERS = ['cpu', 'cpuacct', 'cpuset', 'memory', 'pids', 'io', 'freezer'] as const;

const LAYOUTS = ['v1', 'v2', 'hybrid'] as const;

/** `when:` keys: the machine's layout, or a controller and the version of its tree. */
export const WHEN_KEYS = ['layout', ...CONTROLLERS] as const;

/** What a `when:` key may be: the layout is v1, v2 or hybrid; a controller's tree v1 or v2. */
export function whenValues(key: string): readonly string[] {
  return key === 'layout' ? LAYOUTS : ['v1', 'v2'];
}

/** The session's cgroup variables. `${cgroup}` is a fresh bl- name for the lesson's
 *  group (not made: the lesson makes it); `${cgroup_layout}` is v1, v2 or hybrid; and
 *  `${cgroup_memory}`, `${cgroup_pids}`, ... the directory of `${cgroup}` in the tree of
 *  each controller (one and the same directory on v2). */
export const CGROUP_VARS = ['cgroup', 'cgroup_layout', ...CONTROLLERS.map((c) => `cgroup_${c}`)];

/** The tree a controller is in: on v2 the one tree; on v1 and hybrid machines (whose
 *  controllers are all in v1 trees) the tree whose controllers name it. */
export function treeOf(layout: CgroupLayout, controller: string): CgroupTree | undefined {
  if (layout.layout === 'v2') return layout.hierarchies[0];
  const name = controller === 'io' ? 'blkio' : controller;
  return layout.hierarchies.find((h) => h.version === 1 && h.controllers.split(',').includes(name));
}

/** The directory of group `name` beneath `parent` (relative to the lab's own group in
 *  the tree), exactly as the core resolves it. */
export function groupDir(tree: CgroupTree, name: string, parent = ''): string {
  return posix.join(tree.mount, tree.own, parent, name);
}

export function cgroupVars(layout: CgroupLayout, name: string): Record<string, string> {
  const vars: Record<string, string> = { cgroup: name, cgroup_layout: layout.layout };
  for (const c of CONTROLLERS) {
    const tree = treeOf(layout, c);
    vars[`cgroup_${c}`] = tree ? groupDir(tree, name) : '';
  }
  return vars;
}

export function whenHolds(when: BlockWhen, layout: CgroupLayout): boolean {
  return Object.entries(when).every(([key, allowed]) => {
    if (key === 'layout') return allowed.includes(layout.layout);
    const tree = treeOf(layout, key);
    return tree !== undefined && allowed.includes(`v${tree.version}`);
  });
}

/** The lesson as it runs on this machine: the blocks whose `when:` does not hold are
 *  left out, with the prose and notes that belong to them, and the rest renumbered.
 *  Prose before the first of some alternatives (`when:` blocks one after the other)
 *  where the next has none of its own is theirs together: it goes to the one that runs. */
export function forMachine(lesson: Lesson, layout: CgroupLayout | undefined): Lesson {
  if (!lesson.stops.some((s) => s.when)) return lesson;
  const runs = (s: Stop) => !s.when || (layout !== undefined && whenHolds(s.when, layout));
  const stops: Stop[] = [];
  let shared = '';
  for (const s of lesson.stops) {
    if (!runs(s)) {
      shared = s.prose.trim() ? s.prose : shared;
      continue;
    }
    const prose = s.when && !s.prose.trim() ? shared : s.prose;
    stops.push({ ...s, prose, index: stops.length });
    shared = '';
  }
  return { ...lesson, stops };
}

/** Does the lesson need the layout (it branches, or names its group)? */
export function needsLayout(lesson: Lesson): boolean {
  return lesson.stops.some((s) => s.when) || lesson.uses.some((v) => CGROUP_VARS.includes(v));
}
