// What the presenters (the terminal UI, `boxlab lesson`) see of a running lesson: the
// LessonPort they drive, and the immutable state it publishes after every change. The
// real session (session.ts) and the UI tests' fake both implement it; nothing here
// touches the kernel.
import { CoreError } from '../core/index.ts';
import type { Snapshot, SnapshotDiff, ViewName } from '../kernel/types.ts';
import type { Lesson } from './schema.ts';

/** Who made a log entry: the lesson's steps, a challenge's setup (folded until it is
 *  solved), the REPL, a task's solution, or a check reading something. */
export type LogSource = 'lesson' | 'setup' | 'repl' | 'solution' | 'check';

/** One line of the syscall log: an op (or command) and what it did. */
export interface LogEntry {
  source: LogSource;
  op: string;
  ok: boolean;
  syscalls: string[];
  shell: string;
  error?: string;
  at: number;
}

export interface Failure { message: string; explain?: string; hint?: string; errno?: string }

export interface StepResult {
  ok: boolean;
  before?: Snapshot;
  after?: Snapshot;
  diff?: SnapshotDiff;
  error?: Failure;
  /** What a command printed (shell:/inside:). */
  output?: string;
  log: LogEntry[];
}

export interface CheckResult {
  pass: boolean;
  /** What the check read (trimmed), undefined when it could not read anything. */
  found?: string;
  code?: number;
  /** The expectation in words, for display. */
  expected: string;
  /** A measured quantity (at_least / at_most): what was found is worth showing on a pass too. */
  measured?: boolean;
  error?: string;
}

export type StopStatus = 'pending' | 'running' | 'done' | 'failed' | 'waiting' | 'passed' | 'skipped';

/** The learner's guess at a step's prediction, and whether it was right. */
export interface PredictionResult { readonly guess: string; readonly right: boolean }

/** A hint as given: its text, and where it stands in the escalation (level of `of`). */
export interface ShownHint { text: string; level: number; of: number }

export interface StopState {
  readonly status: StopStatus;
  readonly step?: StepResult;
  readonly check?: CheckResult;
  readonly solved?: boolean;
  /** The hints given so far for what the check found last (hintState), in order: the
   *  escalation from the idea to the command. */
  readonly hints: readonly string[];
  /** What the check found when the last hint was given. */
  readonly hintState?: string;
  /** A hint was given for this task at some point (what the learner's progress counts). */
  readonly hinted?: boolean;
  /** The guess at the step's prediction (asked before it ran). */
  readonly prediction?: PredictionResult;
  /** status 'skipped': the programs of `requires:` this machine lacks. */
  readonly missing?: string[];
  /** The variables as the stop left them, to read its title and prose with: a later
   *  container changes ${pid}, not what an earlier check was about. */
  readonly vars?: Readonly<Record<string, string>>;
}

/** The running lesson at one moment. A new object after every change; never mutated. */
export interface LessonState {
  /** The lesson as it runs on this machine: blocks whose `when:` does not fit the
   *  machine's cgroup layout are left out (layout.ts). */
  readonly lesson: Lesson;
  readonly stops: readonly StopState[];
  /** Index of the stop the learner is at (-1: before the first). */
  readonly current: number;
  readonly vars: Readonly<Record<string, string>>;
  /** The syscall log, newest last (the last 500 entries). */
  readonly log: readonly LogEntry[];
  /** Views of the last step: what the REPL's diff and the container shell's show. */
  readonly lastViews: readonly ViewName[];
  /** The containers this session cloned (c1, c2, ...): what the REPL completes `ct=` with. */
  readonly containers: readonly string[];
  /** Every check and task has passed, and no step failed (a skipped block counts as done). */
  readonly passed: boolean;
  readonly closed: boolean;
}

/** What happened. */
export type Happening =
  | { type: 'ready' }
  | { type: 'stop'; index: number }
  | { type: 'log'; entry: LogEntry }
  | { type: 'step'; index: number; result: StepResult }
  | { type: 'check'; index: number; result: CheckResult }
  | { type: 'hint'; index: number; hint: ShownHint }
  | { type: 'predicted'; index: number; prediction: PredictionResult }
  | { type: 'skipped'; index: number; missing: string[] }
  | { type: 'solved'; index: number; result: StepResult }
  | { type: 'repl'; line: string; result: StepResult }
  | { type: 'reset' }
  | { type: 'closed' };

/** What happened, with the state as it is after it. */
export type LessonEvent = Happening & { state: LessonState };

/** A running lesson, as a presenter drives it. */
export interface LessonPort {
  /** The latest published state. */
  readonly state: LessonState;
  /** Listen to everything the session does; returns the function that stops listening. */
  onEvent(fn: (e: LessonEvent) => void): () => void;
  /** Run stop i (a step runs its ops, a check evaluates, a task checks once). */
  runStop(i: number): Promise<StopState>;
  /** Check stop i again (a task after the learner acted). */
  recheck(i: number): Promise<CheckResult | undefined>;
  /** The next hint for what the check found last: the hints that apply, in the lesson's
   *  order, one more each time (the idea, where to look, the command), staying at the
   *  last; what the check finds changing starts again at the first. */
  hint(i: number): ShownHint;
  /** The learner's guess at step i's prediction (a choice's number, or a number), before
   *  it runs; undefined when the step predicts nothing or the guess is no answer. */
  predict(i: number, guess: string): PredictionResult | undefined;
  /** Apply task i's solution, then check it. */
  solve(i: number): Promise<StepResult | undefined>;
  /** A REPL line: one core op, with a before/after diff. */
  repl(line: string): Promise<StepResult>;
  /** Remove everything the lesson made and start it again. */
  reset(): Promise<void>;
  /** End the lesson: everything it made is removed. */
  close(): Promise<Error[]>;
  /** Read these kernel views as they are now, for the lesson's container (or the lab
   *  itself before there is one): live pictures, the container shell's before and after. */
  observe(views: readonly ViewName[]): Promise<Snapshot | undefined>;
}

/** An error as a learner reads it: the core's explanation and hint kept apart. */
export function failure(err: unknown): Failure {
  if (err instanceof CoreError) return { message: `${err.op}: ${err.message}`, explain: err.explain, hint: err.hint, errno: err.errno };
  return { message: err instanceof Error ? err.message : String(err) };
}
