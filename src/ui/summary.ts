// The home screen's look at this machine, from the doctor's own checks: kernel, cgroup
// layout, root or rootless, and which lessons will not run here and why. What is read
// from /proc is known at once; what must be tried (the core, user namespaces, overlay)
// runs in child processes while the home screen is already up, and fills in the rest.
// Only the checks the lessons' verdicts need are run; `boxlab doctor` says more.
import { release, userInfo } from 'node:os';
import { judgeLesson, type LessonVerdict } from '../doctor/index.ts';
import { checkCgroupLayout, checkCore, checkEngine, checkLinks, checkLoop, checkNetfilter, checkOverlay, checkSeccomp, checkUserns, cgroupLayout, type Check, type CgroupLayout } from '../doctor/checks.ts';
import type { LessonSummary } from '../lessons/schema.ts';
import { ui as text } from '../text/index.ts';

export interface MachineSummary {
  kernel: string;
  cgroup: CgroupLayout;
  root: boolean;
  user: string;
  /** undefined while the checks run */
  core?: boolean;
  /** why the checks could not be made, if they could not */
  failed?: string;
  /** lessons that cannot run here, each with why (none known while the checks run) */
  blocked: LessonVerdict[];
}

/** Every check a lesson's verdict reads (judgeLesson and FEATURE_NEEDS): a check left
 *  out reads as a feature missing. They start programs, so they take a moment; the
 *  doctor's cgroup check (it asks the core) is replaced by the layout read from /proc. */
export function machineChecks(): Promise<Check[]> {
  return Promise.all([checkCore(), checkCgroupLayout(), checkUserns(), checkOverlay(), checkLoop(),
    checkLinks(), checkNetfilter(), checkSeccomp(), checkEngine()]);
}

/** The machine and the verdicts on `lessons`; without `checks`, what is known at once. */
export function machineSummary(lessons: LessonSummary[], checks?: Check[], failed?: string): MachineSummary {
  return {
    failed,
    kernel: release(),
    cgroup: cgroupLayout(),
    root: process.getuid?.() === 0,
    user: process.env.SUDO_USER ?? safeUser(),
    core: checks ? checks.find((c) => c.id === 'core')?.status === 'ok' : undefined,
    blocked: checks ? lessons.map((l) => judgeLesson(l, checks)).filter((v) => !v.ok) : [],
  };
}

/** Two lines: the machine, and what will not run on it (grouped by reason). */
export function summaryLines(s: MachineSummary): [string, string] {
  const cg = { v2: text.cgroupV2, v1: text.cgroupV1, hybrid: text.cgroupHybrid, none: text.cgroupNone }[s.cgroup];
  const core = s.core === undefined ? text.checking : s.core ? text.coreBuilt : text.coreMissing;
  const first = text.summary(s.kernel, cg, s.root ? text.asRoot : text.asUser(s.user), core);
  if (s.failed !== undefined) return [first, text.checksFailed(s.failed)];
  if (s.core === undefined) return [first, text.checkingMachine];
  if (!s.blocked.length) return [first, text.allRunHere];
  const byReason = new Map<string, string[]>();
  for (const v of s.blocked) for (const why of v.why) byReason.set(why, [...(byReason.get(why) ?? []), v.id]);
  return [first, text.notHere([...byReason].map(([why, ids]) => text.notHereBecause(why, ids)))];
}

function safeUser(): string {
  try { return userInfo().username; } catch { return String(process.getuid?.() ?? '?'); }
}
