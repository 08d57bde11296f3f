// `boxlab doctor`: what this machine can do, and for each chapter of the course whether
// it will run here and, if not, why and what to do. The chapters and what each lesson
// needs come from the lessons' front matter (`needs`, `features`): a new chapter needs
// no code here, and a new feature does not compile until FEATURE_NEEDS says how to
// tell whether the machine has it.
import { existsSync } from 'node:fs';
import { loadAll, summarize } from '../lessons/loader.ts';
import type { Feature, LessonSummary } from '../lessons/schema.ts';
import { doctor as t, lessons as lessonText } from '../text/index.ts';
import { lessonsRoot } from '../lessons/loader.ts';
import { LessonTrustError } from '../lessons/trust.ts';
import { which } from '../runtime/programs.ts';
import { allChecks, type Check, type LinkKind } from './checks.ts';
import { configOf, kernelFix } from './kernel.ts';
import { registryBinary } from '../images/registry-server.ts';

export { allChecks, cgroupLayout, type Check } from './checks.ts';

export interface Problem { why: string; fix: string }
export interface LessonVerdict { id: string; title: string; ok: boolean; why: string[]; fix: string[] }
export interface ChapterVerdict { chapter: string; number: number; ok: boolean; lessons: LessonVerdict[] }
export interface DoctorReport { checks: Check[]; chapters: ChapterVerdict[]; lessonErrors: string[]; fullCourse: boolean }

type Checks = Map<string, Check>;

const fact = (checks: Checks, id: string, name: string) => checks.get(id)?.facts?.[name] === true;
const fixOf = (checks: Checks, id: string) => checks.get(id)?.fix ?? '';

/** A namespace type is there when this process has one of it (/proc/self/ns/NAME). */
const namespace = (ns: string) => (): Problem | undefined =>
  existsSync(`/proc/self/ns/${ns}`) ? undefined : { why: t.noNamespace(ns), fix: t.namespaceFix(ns) };

/** A program a lesson runs besides the lab, found on PATH. */
const program = (name: string, pkg: string) => (): Problem | undefined =>
  which(name) ? undefined : { why: t.noProgram(name, pkg), fix: `apt-get install ${pkg}` };

/** A link kind the probe made in a throwaway network namespace. Not tried (no root, no
 *  ip) is the links check's own problem; tried and refused is the kernel's. */
const link = (kind: LinkKind) => (c: Checks): Problem | undefined => {
  if (fact(c, 'links', kind)) return undefined;
  if (!fact(c, 'links', 'tried')) return { why: t.linksNotTried, fix: fixOf(c, 'links') };
  return { why: t.linkMissing(kind, configOf(kind)), fix: kernelFix(kind) };
};

const netfilterNat = (c: Checks): Problem | undefined =>
  (fact(c, 'netfilter', 'nat') ? undefined : { why: c.get('netfilter')!.detail, fix: fixOf(c, 'netfilter') });

/** The Docker engine: its programs, and what dockerd cannot start without - a bridge
 *  and NAT rules for its default network (docker0). */
const dockerEngine = (c: Checks): Problem | undefined =>
  (c.get('engine')?.status === 'ok' ? undefined : { why: c.get('engine')?.detail ?? t.engineNotChecked, fix: fixOf(c, 'engine') })
  ?? link('bridge')(c) ?? netfilterNat(c);

/** For each feature a lesson may need: what is missing here, or undefined. cgroup-v1 and
 *  cgroup-v2 are judged together (see judgeLesson): a lesson names the layouts it runs on. */
export const FEATURE_NEEDS: Record<Feature, (checks: Checks, lesson: LessonSummary) => Problem | undefined> = {
  'ns-uts': namespace('uts'),
  'ns-pid': namespace('pid'),
  'ns-mnt': namespace('mnt'),
  'ns-ipc': namespace('ipc'),
  'ns-net': namespace('net'),
  'ns-user': namespace('user'),
  'ns-cgroup': namespace('cgroup'),
  'cgroup-v1': () => undefined,
  'cgroup-v2': () => undefined,
  overlay: (c, l) => {
    if (!fact(c, 'overlay', 'mount')) return { why: c.get('overlay')!.detail, fix: fixOf(c, 'overlay') };
    if (l.needs === 'rootless' && !fact(c, 'overlay', 'userns')) return { why: t.overlayNotInUserns, fix: t.overlayUsernsFix };
    return undefined;
  },
  veth: link('veth'),
  bridge: link('bridge'),
  vxlan: link('vxlan'),
  netfilter: netfilterNat,
  seccomp: (c) => (fact(c, 'seccomp', 'filter') ? undefined : { why: t.noSeccomp, fix: t.seccompFix }),
  loop: (c) => (fact(c, 'loop', 'usable') ? undefined : { why: c.get('loop')!.detail, fix: fixOf(c, 'loop') }),
  jq: program('jq', 'jq'),
  curl: program('curl', 'curl'),
  registry: () => (existsSync(registryBinary()) ? undefined : { why: t.noProgram(registryBinary(), 'docker-registry'), fix: `apt-get install docker-registry` }),
  buildah: program('buildah', 'buildah'),
  docker: dockerEngine,
};

/** The layouts a lesson names (cgroup-v1, cgroup-v2) are the ones it runs on: one of
 *  them must be mounted here. */
function cgroupProblem(l: LessonSummary, checks: Checks): Problem | undefined {
  const wants = (['v1', 'v2'] as const).filter((v) => l.features.includes(`cgroup-${v}`));
  if (!wants.length || wants.some((v) => fact(checks, 'cgroup', v))) return undefined;
  return { why: t.noCgroupLayout(wants), fix: fixOf(checks, 'cgroup') || t.cgroupLayoutFix(wants) };
}

export function judgeLesson(l: LessonSummary, list: Check[]): LessonVerdict {
  const checks: Checks = new Map(list.map((c) => [c.id, c]));
  const problems: Problem[] = [];
  if (checks.get('core')?.status !== 'ok') problems.push({ why: t.coreMissing(''), fix: t.coreFix });
  if (l.needs === 'root' && process.getuid?.() !== 0) problems.push({ why: t.lessonNeedsRoot, fix: t.rootFix });
  // Started as root, a rootless lesson still runs its core as an unprivileged user.
  if (l.needs === 'rootless' && !fact(checks, 'userns', 'unprivileged')) problems.push({ why: t.lessonNeedsUserns, fix: fixOf(checks, 'userns') });
  for (const f of l.features) {
    const p = FEATURE_NEEDS[f](checks, l);
    if (p) problems.push(p);
  }
  const cg = cgroupProblem(l, checks);
  if (cg) problems.push(cg);
  const unique = [...new Map(problems.map((p) => [p.why, p])).values()];
  return { id: l.id, title: l.title, ok: unique.length === 0, why: unique.map((p) => p.why), fix: unique.map((p) => p.fix) };
}

export async function doctor(): Promise<DoctorReport> {
  const checks = await allChecks();
  // Lessons that may not run here (not trusted) are one error, like a broken lesson.
  const { lessons, errors } = await loadAll().catch((err: unknown) => {
    if (err instanceof LessonTrustError) return { lessons: [], errors: [err] };
    throw err;
  });
  const lessonErrors = errors.map((e) => e.message);
  if (!lessons.length && !errors.length) lessonErrors.push(lessonText.noLessons(lessonsRoot(), !!process.env.BOXLAB_LESSONS));
  const byChapter = new Map<string, ChapterVerdict>();
  for (const l of lessons.map(summarize)) {
    const ch = byChapter.get(l.chapter) ?? { chapter: l.chapter, number: l.chapterNumber, ok: true, lessons: [] };
    const verdict = judgeLesson(l, checks);
    ch.lessons.push(verdict);
    ch.ok &&= verdict.ok;
    byChapter.set(l.chapter, ch);
  }
  const chapters = [...byChapter.values()].sort((a, b) => a.number - b.number);
  const fullCourse = lessonErrors.length === 0 && chapters.every((c) => c.ok) && !checks.some((c) => c.status === 'missing');
  return { checks, chapters, lessonErrors, fullCourse };
}
