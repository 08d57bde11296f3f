// `boxlab doctor`: what this machine can do, and for each chapter of the course whether
// it will run here and, if not, why and what to do.
import { existsSync, readFileSync } from 'node:fs';
import { release } from 'node:os';
import { listLessons } from '../lessons/plain.ts';
import type { LessonSummary } from '../lessons/schema.ts';
import { doctorText as t } from '../cli/text.ts';
import { allChecks, cgroupLayout, type Check } from './checks.ts';

export { allChecks, cgroupLayout, type Check, type CgroupLayout } from './checks.ts';

export interface LessonVerdict { id: string; title: string; ok: boolean; why: string[] }
export interface ChapterVerdict { chapter: string; number: number; ok: boolean; lessons: LessonVerdict[] }
export interface DoctorReport { checks: Check[]; chapters: ChapterVerdict[]; fullCourse: boolean }

const found = (checks: Check[], id: string) => checks.find((c) => c.id === id);

/** Why a lesson's kernel feature is not here, or undefined when it is. */
export function featureProblem(feature: string, checks: Check[]): string | undefined {
  const ns = /^ns-(\w+)$/.exec(feature)?.[1];
  if (ns) return existsSync(`/proc/self/ns/${ns === 'mnt' ? 'mnt' : ns}`) ? undefined : t.noNamespace(ns);
  switch (feature) {
    case 'cgroup-v1':
    case 'cgroup-v2':
      return found(checks, 'cgroup')?.status === 'missing' ? t.noCgroups : undefined;
    case 'overlay':
      return found(checks, 'overlay')?.status === 'missing' ? t.overlayMissing : undefined;
    case 'loop':
      return found(checks, 'loop')?.status === 'ok' ? undefined : t.loopMissing;
    case 'veth':
      return existsSync(`/lib/modules/${release()}/kernel/drivers/net/veth.ko`) || existsSync('/sys/module/veth') ? undefined : t.noVeth;
    case 'seccomp':
      return /^Seccomp:/m.test(readFileSync('/proc/self/status', 'utf8')) ? undefined : t.noSeccomp;
    default:
      return undefined;
  }
}

export function judgeLesson(l: LessonSummary, checks: Check[]): LessonVerdict {
  const why: string[] = [];
  if (found(checks, 'core')?.status !== 'ok') why.push(t.coreMissing(''));
  if (l.needs === 'root' && process.getuid?.() !== 0) why.push(t.lessonNeedsRoot);
  if (l.needs === 'rootless' && process.getuid?.() !== 0 && found(checks, 'userns')?.status !== 'ok') why.push(t.lessonNeedsUserns);
  for (const f of l.features) {
    const problem = featureProblem(f, checks);
    if (problem) why.push(problem);
  }
  return { id: l.id, title: l.title, ok: why.length === 0, why };
}

export async function doctor(): Promise<DoctorReport> {
  const checks = await allChecks();
  const lessons = await listLessons();
  const byChapter = new Map<string, ChapterVerdict>();
  for (const l of lessons) {
    const ch = byChapter.get(l.chapter) ?? { chapter: l.chapter, number: l.chapterNumber, ok: true, lessons: [] };
    const verdict = judgeLesson(l, checks);
    ch.lessons.push(verdict);
    ch.ok &&= verdict.ok;
    byChapter.set(l.chapter, ch);
  }
  const chapters = [...byChapter.values()].sort((a, b) => a.number - b.number);
  return { checks, chapters, fullCourse: chapters.every((c) => c.ok) && !checks.some((c) => c.status === 'missing') };
}

/** The home screen's one line: kernel, cgroup layout, who we are. */
export function oneLine(): string {
  return t.oneLine(release(), t.layouts[cgroupLayout()], process.getuid?.() === 0);
}
