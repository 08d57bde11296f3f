// A container's cgroup, from the flags to the files: plan it (the core says which
// directories it would make), write those down in the ledger, create it, write the
// limits; and at the end kill what is left in it and remove it. Also what `boxlab run
// --explain` prints and what `boxlab doctor` reports about this machine's cgroups.
import { readFileSync, writeFileSync } from 'node:fs';
import { Core, CoreError, type CgroupLayout, type CgroupPlan, type CgroupRef } from '../core/index.ts';
import { kernelAtLeast } from '../kernel/release.ts';
import type { Ledger } from '../ledger/index.ts';
import { runtime } from '../text/index.ts';
import { padEndWidth, textWidth } from '../text/width.ts';
import {
  cgroupWrites, flagTable, neededControllers, oomScoreWrite, type CgroupVersion, type CgroupWrite, type Limits,
} from './cgroup-flags.ts';

export interface Group {
  ref: CgroupRef;
  plan: CgroupPlan;
  version: CgroupVersion;
  /** ledger entries, by directory */
  entries: Map<string, number>;
}

function versionOf(layout: string): CgroupVersion {
  return layout === 'v2' ? 2 : 1;
}

/** Make the group for these limits: plan -> ledger -> create -> write each limit.
 *  `more`: controllers wanted besides the limits' (devices, for the device cgroup). */
export async function makeGroup(core: Core, ledger: Ledger, name: string, lim: Limits, scope?: string, more: string[] = []): Promise<Group> {
  const ref: CgroupRef = { cgroup: name, ...(lim.cgroupParent ? { parent: lim.cgroupParent } : {}) };
  const controllers = [...neededControllers(lim), ...more];
  const plan = await core.cgroupPlan(ref, controllers);
  const entries = new Map(plan.create.map((path) => [path, ledger.record({ kind: 'cgroup', path }, scope).id]));
  const group: Group = { ref, plan, version: versionOf(plan.layout), entries };
  try {
    await core.cgroupCreate(ref, controllers);
    for (const w of cgroupWrites(lim, group.version)) await core.cgroupSet(ref, w.file, w.value);
  } catch (err) {
    await core.cgroupRemove(ref).catch(() => undefined);
    for (const id of [...entries.values()].reverse()) await ledger.release(id).catch(() => undefined);
    throw err;
  }
  return group;
}

/** The init's oom_score_adj (its children inherit it). */
export function applyOomScore(lim: Limits, pid: number): void {
  const w = oomScoreWrite(lim, pid);
  if (w) writeFileSync(w.file, w.value);
}

/** Kill what is left in the group and remove it; the ledger keeps what could not go
 *  (and the bl- parents made for it), and unwinds those later. */
export async function removeGroup(core: Core, ledger: Ledger, group: Group): Promise<void> {
  if (!core.alive) return;
  try {
    await core.cgroupKill(group.ref);
    const { removed } = await core.cgroupRemove(group.ref);
    for (const path of removed) {
      const id = group.entries.get(path);
      if (id !== undefined) ledger.forget(id);
    }
  } catch { /* the ledger removes it */ }
}

/** A core for a short look (layout, plan): it exits when its request pipe closes, so
 *  it cannot outlive this process. */
async function withCore<T>(fn: (core: Core) => Promise<T>): Promise<T> {
  const core = await Core.start({ stdio: 'ignore' });
  try {
    return await fn(core);
  } finally {
    await core.close();
  }
}

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => textWidth(r[i]!))));
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : padEndWidth(c, widths[i]!))).join('  ').trimEnd()).join('\n');
}

/** The file a write goes to on this machine: the group's directory in the tree of the
 *  file's controller (its name's prefix), or the one directory on v2. */
function writePath(plan: CgroupPlan, w: CgroupWrite): string {
  if (w.file.startsWith('/')) return w.file;
  const prefix = w.file.split('.')[0]!;
  const dir = plan.groups.find((g) => g.version === 2 || g.controllers.split(',').includes(prefix)) ?? plan.groups[0]!;
  return `${dir.path}/${w.file}`;
}

/** `boxlab run --explain`: the table, then for the given flags the files and values
 *  on this machine. Nothing is made: the plan is the core's dry run. */
export async function explainText(lim: Limits, name: string): Promise<string> {
  const out = [runtime.cgroup.explainTitle, '', table([runtime.cgroup.explainHead, ...flagTable()]), ''];
  const writes = (v: CgroupVersion) => [...cgroupWrites(lim, v), ...[oomScoreWrite(lim, 'PID')].filter((w) => w !== undefined)];
  await withCore(async (core) => {
    const layout = await core.cgroupLayout();
    const version = versionOf(layout.layout);
    out.push(runtime.cgroup.explainMachine(layout.layout, version));
    if (writes(version).length === 0 && lim.cgroupParent === undefined) {
      out.push(runtime.cgroup.explainNoFlags);
      return;
    }
    const ref: CgroupRef = { cgroup: name, ...(lim.cgroupParent ? { parent: lim.cgroupParent } : {}) };
    try {
      const plan = await core.cgroupPlan(ref, neededControllers(lim));
      out.push(runtime.cgroup.explainGroup(name, plan.groups.map((g) => g.path)), runtime.cgroup.explainCreate(plan.create));
      for (const e of plan.enable) out.push(runtime.cgroup.explainEnable(e.path, e.controllers));
      out.push(runtime.cgroup.explainWrites);
      for (const w of writes(version)) out.push(runtime.cgroup.explainWrite(w.flag, writePath(plan, w), w.value));
    } catch (err) {
      if (!(err instanceof CoreError)) throw err;
      out.push(runtime.cgroup.explainCannot(err.message, err.hint ?? ''));
      for (const w of writes(version)) out.push(runtime.cgroup.explainWrite(w.flag, w.file, w.value));
    }
  });
  return out.join('\n');
}

export interface CgroupReport {
  layout: CgroupLayout['layout'] | 'none';
  /** what boxlab can use: v1 the trees' controllers, v2 what its own group is offered */
  controllers: string[];
  /** where boxlab makes its groups by default (per tree on v1 when they differ) */
  parent: string;
  /** remarks: how this layout is used */
  notes: string[];
  /** what stands in the way of some limits, and what to do */
  problems: string[];
}

const TAUGHT_V1 = ['cpu', 'cpuacct', 'cpuset', 'memory', 'pids', 'blkio', 'freezer'];
const TAUGHT_V2 = ['cpu', 'cpuset', 'io', 'memory', 'pids'];

/** For `boxlab doctor`: the layout as the core sees it (the same look `boxlab run`
 *  takes), the controllers, where groups go, remarks and problems. */
export async function cgroupReport(): Promise<CgroupReport> {
  let layout: CgroupLayout;
  try {
    layout = await withCore((core) => core.cgroupLayout());
  } catch (err) {
    return { layout: 'none', controllers: [], parent: '', notes: [], problems: [(err as Error).message] };
  }
  const controllers = [...new Set(layout.controllers.split(',').filter(Boolean))];
  const notes: string[] = [];
  const problems: string[] = [];
  const v2 = layout.layout === 'v2';
  if (layout.layout === 'hybrid') notes.push(runtime.cgroup.reportHybrid);
  const missing = (v2 ? TAUGHT_V2 : TAUGHT_V1).filter((c) => !controllers.includes(c));
  if (missing.length) problems.push(runtime.cgroup.reportMissing(missing));
  const dirs = layout.hierarchies.map((h) => `${h.mount}${h.own === '/' ? '' : h.own}`);
  if (v2) {
    const own = layout.hierarchies[0]!;
    const dir = dirs[0]!;
    // The no-internal-process rule: a group other than the root that holds processes
    // (boxlab's own, at least) cannot hand controllers to groups beneath it.
    const procs = own.own === '/' ? '' : readFileSync(`${dir}/cgroup.procs`, 'utf8').trim();
    if (procs) problems.push(runtime.cgroup.reportInternal(dir));
    if (!kernelAtLeast(5, 7)) notes.push(runtime.cgroup.reportNoCloneInto);
    if (!kernelAtLeast(5, 14)) notes.push(runtime.cgroup.reportNoKill);
  }
  const owns = [...new Set(layout.hierarchies.map((h) => h.own))];
  const parent = v2 ? dirs[0]! : owns.length === 1 ? `${layout.root}/*${owns[0] === '/' ? '' : owns[0]}` : dirs.join(' ');
  return { layout: layout.layout, controllers, parent, notes, problems };
}
