// What a lesson is, once loaded and checked: the shapes the engine runs. The loader
// (loader.ts) turns a Markdown file into these and refuses anything it cannot run
// with `file:line: what is wrong — how to fix`. lessons/README.md documents the format.
import type { ViewName } from '../kernel/types.ts';
import { lessons } from '../text/index.ts';

export const BLOCK_TYPES = ['step', 'check', 'task', 'notes', 'predict', 'setup'] as const;

/** What a lesson file is: a lesson teaches; a challenge sets up a broken or unfinished
 *  situation (its `setup` blocks) and states only a symptom or a goal. */
export const LESSON_KINDS = ['lesson', 'challenge'] as const;
export type LessonKind = (typeof LESSON_KINDS)[number];

/** Code blocks shown as they are (not run). Anything else is refused, so a typo in
 *  `step` cannot silently turn an exercise into a picture of one. */
export const DISPLAY_LANGS = ['', 'sh', 'shell', 'bash', 'console', 'text', 'txt', 'c', 'json', 'yaml', 'diff', 'ts', 'js', 'ini', 'plain'];

/** Kernel features (and a few programs) a lesson may ask for; doctor maps these to the machine. */
export const FEATURES = [
  'ns-uts', 'ns-pid', 'ns-mnt', 'ns-ipc', 'ns-net', 'ns-user', 'ns-cgroup',
  'cgroup-v1', 'cgroup-v2', 'overlay', 'veth', 'bridge', 'vxlan', 'netfilter', 'seccomp', 'loop',
  // Programs a lesson runs besides the lab: the images chapter's, the build chapter's
  // peer (buildah) and the engine chapter's Docker (dockerd, containerd, the client).
  'jq', 'curl', 'registry', 'buildah', 'docker',
] as const;
export type Feature = (typeof FEATURES)[number];

/** A block's condition on the machine's cgroup layout (layout.ts): for each key, the
 *  values any of which will do. All keys must hold. */
export type BlockWhen = Record<string, string[]>;

export interface LessonMeta {
  id: string;
  title: string;
  chapter: string;
  summary: string;
  needs: 'root' | 'rootless';
  features: Feature[];
  /** Lesson constants usable as ${name} (e.g. the hostname a task asks for). */
  vars: Record<string, string>;
  kind: LessonKind;
  /** `chapter_end:` of a chapter's last lesson: the chapter's end screen. */
  chapterEnd?: ChapterEnd;
}

/** What a chapter's end screen says, from the front matter of its last lesson. */
export interface ChapterEnd {
  /** What the learner can now do or explain, one line each. */
  learned: string[];
  /** What to try next, one line each. */
  next: string[];
  /** Line of `chapter_end:` in the file. */
  line: number;
}

/** A `predict` block: a question asked before the step after it runs; the step's diff
 *  answers it. With `choices` the answer is one of them (keys 1-9); without, it is a
 *  number, and a guess within `tolerance` of it is right. */
export interface Prediction {
  question: string;
  choices?: string[];
  answer: string;
  tolerance?: number;
  /** One line on why the answer is what it is. */
  why: string;
  /** Line of the opening fence: names the prediction in the learner's progress. */
  line: number;
}

/** An op for the core, as a lesson names it. */
export interface OpCall { op: string; args: Record<string, unknown>; line: number }

/** What a step or a solution does. */
export type Action =
  | { kind: 'ops'; ops: OpCall[] }
  /** A command run on the host with zx (`sh -c`). */
  | { kind: 'shell'; command: string }
  /** A command run inside the container (the core's `join`, `sh -c`): a new process
   *  that enters its namespaces, with the lab's own capabilities. */
  | { kind: 'inside'; command: string }
  /** A command run by the container's init (the core's `spawn`, `sh -c`): its child, so
   *  bound by all the init is (capabilities, no_new_privs, seccomp, chroot). */
  | { kind: 'spawn'; command: string };

/** What a check compares what it found with. Several keys: all must hold. */
export interface Expectation {
  equals?: string;
  not_equals?: string;
  matches?: string;
  contains?: string;
  /** Exit status of a command source. */
  exit?: number;
  /** What was found, read as a number, is at least / at most this: for measured
   *  quantities (a CPU share, a write rate) that are never exact. */
  at_least?: number;
  at_most?: number;
}

export type CheckSource =
  /** A cell of a kernel view: `view: uts`, `row: KEY` or `where: {column: value}`, `cell: COLUMN`. */
  | { kind: 'view'; view: ViewName; row?: string; where?: Record<string, string>; cell: string }
  /** The core's probe of the container (`probe: uts`, `field: hostname`). */
  | { kind: 'probe'; what: 'uts' | 'ipc'; field: string }
  | { kind: 'inside'; command: string }
  | { kind: 'spawn'; command: string }
  | { kind: 'shell'; command: string }
  /** A host file (e.g. /proc/${pid}/status); `field: NSpid` takes that line's value. */
  | { kind: 'file'; path: string; field?: string };

export interface CheckSpec {
  title: string;
  source: CheckSource;
  expect: Expectation;
  line: number;
}

export type HintWhen = Expectation & { missing?: boolean; always?: boolean };

export interface Hint { when: HintWhen; text: string; line: number }

interface StopBase {
  index: number;
  title: string;
  /** Line of the opening fence. */
  line: number;
  /** The Markdown before this block (since the previous one): what the learner reads. */
  prose: string;
  /** Speaker notes: for the presenter, never on the projected screen. */
  notes: string[];
  /** Programs the block needs (`requires: [runc]`): without one of them on PATH the
   *  block is skipped, and says so. */
  requires: string[];
  /** The block runs only on machines whose cgroup layout fits (layout.ts). */
  when?: BlockWhen;
}

export interface StepStop extends StopBase {
  kind: 'step';
  action: Action;
  views: ViewName[];
  /** The step shows the kernel refusing: it passes only if an op fails with this errno. */
  fails?: string;
  /** `pid:` a process id, or a file holding one (a runtime's --pid-file): from this
   *  step on, ${pid} and the views are that process's. */
  pid?: string;
  /** The `predict` block before the step: asked before it runs. */
  predict?: Prediction;
  /** A challenge's `setup` block: run when the challenge starts, its details folded
   *  until the challenge is solved (they would give the fault away). */
  setup?: true;
}
export interface CheckStop extends StopBase { kind: 'check'; check: CheckSpec }
export interface TaskStop extends StopBase {
  kind: 'task';
  check: CheckSpec;
  hints: Hint[];
  solution?: Action;
  views: ViewName[];
}
export type Stop = StepStop | CheckStop | TaskStop;

/** Why a lesson is shown in English when another language was asked for. */
export type TranslationStatus = 'fresh' | 'missing' | 'stale' | 'different' | 'broken';

/** How the lesson's words came to be in the language they are. */
export interface TranslationInfo {
  /** the language asked for */
  lang: string;
  /** the translation's file, when there is one */
  file?: string;
  status: TranslationStatus;
  /** what is wrong, for a translator (empty when fresh or missing) */
  problems: string[];
}

export interface Lesson {
  file: string;
  /** `01-namespaces/02-pid`: where it sits in the course. */
  path: string;
  chapterNumber: number;
  number: number;
  meta: LessonMeta;
  stops: Stop[];
  /** Prose after the last block. */
  outro: string;
  /** Every `${name}` the lesson uses anywhere: the session prepares only what is used
   *  (a rootfs for ${rootfs}, a scratch directory for ${dir}). */
  uses: string[];
  /** The language of its words (English when absent). */
  lang?: string;
  /** When another language was asked for: whether its translation is used, and if not,
   *  why (translation.ts). */
  translation?: TranslationInfo;
}

export interface LessonSummary {
  id: string;
  title: string;
  chapter: string;
  chapterNumber: number;
  number: number;
  summary: string;
  needs: 'root' | 'rootless';
  features: Feature[];
  kind: LessonKind;
  file: string;
  steps: number;
  checks: number;
  tasks: number;
  predictions: number;
  /** The language of its words: the one asked for when its translation is fresh, else en. */
  lang: string;
}

/** A lesson that cannot be run: where, what, and how to fix it. */
export class LessonError extends Error {
  constructor(readonly file: string, readonly line: number, readonly what: string, readonly fix: string) {
    super(lessons.format.error(file, line, what, fix));
    this.name = 'LessonError';
  }
}
