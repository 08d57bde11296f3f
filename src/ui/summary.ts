// The home screen's look at this machine, from the doctor's own checks: kernel, cgroup
// layout, root or rootless, and which lessons will not run here and why. Only the checks
// the lessons' verdicts need are run, so the lab starts quickly; `boxlab doctor` says more.
import { release, userInfo } from 'node:os';
import { judgeLesson, type LessonVerdict } from '../doctor/index.ts';
import { checkCgroupLayout, checkCore, checkLoop, checkOverlay, checkUserns, cgroupLayout, type CgroupLayout } from '../doctor/checks.ts';
import { summarize } from '../lessons/loader.ts';
import type { Lesson } from '../lessons/schema.ts';
import { text } from './text.ts';

export type { CgroupLayout } from '../doctor/checks.ts';
export { cgroupLayout };

export interface MachineSummary {
  kernel: string;
  cgroup: CgroupLayout;
  root: boolean;
  user: string;
  core: boolean;
  /** lessons that cannot run here, each with why */
  blocked: LessonVerdict[];
}

export function machineSummary(lessons: Lesson[]): MachineSummary {
  const checks = [checkCore(), checkCgroupLayout(), checkUserns(), checkOverlay(), checkLoop()];
  return {
    kernel: release(),
    cgroup: cgroupLayout(),
    root: process.getuid?.() === 0,
    user: process.env.SUDO_USER ?? safeUser(),
    core: checks[0]!.status === 'ok',
    blocked: lessons.map((l) => judgeLesson(summarize(l), checks)).filter((v) => !v.ok),
  };
}

/** Two lines: the machine, and what will not run on it (grouped by reason). */
export function summaryLines(s: MachineSummary): [string, string] {
  const cg = { v2: text.cgroupV2, v1: text.cgroupV1, hybrid: text.cgroupHybrid, none: text.cgroupNone }[s.cgroup];
  const first = text.summary(s.kernel, cg, s.root ? text.asRoot : text.asUser(s.user), s.core ? text.coreBuilt : text.coreMissing);
  if (!s.blocked.length) return [first, text.allRunHere];
  const byReason = new Map<string, string[]>();
  for (const v of s.blocked) for (const why of v.why) byReason.set(why, [...(byReason.get(why) ?? []), v.id]);
  return [first, text.notHere([...byReason].map(([why, ids]) => text.notHereBecause(why, ids)))];
}

function safeUser(): string {
  try { return userInfo().username; } catch { return String(process.getuid?.() ?? '?'); }
}
