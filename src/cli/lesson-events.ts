// The events of `boxlab lesson --json`: JSON lines, one event per line, written as the
// lesson runs, so a reader can follow it live (`| jq -c`). This is the one place their
// shapes are defined; readEvents reads them back (tests, scripts).
import type { CheckResult, LogEntry, StepResult } from '../lessons/port.ts';
import type { LessonSummary, Stop, TranslationInfo } from '../lessons/schema.ts';

/** What one stop of the lesson did. */
export interface StopReport {
  index: number;
  kind: Stop['kind'];
  title: string;
  ok: boolean;
  /** A challenge's setup step (run first; its details folded until solved in the lab). */
  setup?: true;
  log: LogEntry[];
  output?: string;
  error?: StepResult['error'];
  /** A check, or a task's check as it ended. */
  check?: CheckResult;
  /** A task under --yes: what its check found before the solution was applied. A task
   *  whose check passes already is a defect of the lesson (error says so). */
  before?: CheckResult;
  hint?: string;
  solved?: boolean;
  /** The diff, rendered as text. */
  diff?: string;
  /** Skipped: the programs of its `requires:` this machine lacks. */
  skipped?: string[];
}

export type LessonRunEvent =
  /** First: the lesson about to run, the language it is shown in, and when another
   *  language than English was asked for, whether its translation is used (or why not). */
  | { type: 'lesson'; lesson: LessonSummary; lang: string; translation?: TranslationInfo }
  /** Before a step with a prediction: the question, and (the run does not guess) its answer. */
  | { type: 'predict'; index: number; question: string; choices?: string[]; answer: string; tolerance?: number; why: string }
  /** A stop has run. */
  | ({ type: 'stop' } & StopReport)
  /** --until N: the lesson holds its containers after step N until a signal. */
  | { type: 'holding'; step: number; pid: string }
  /** Last: exit status 0 only when ok. */
  | { type: 'result'; ok: boolean; passed: number; checks: number; skipped: number }
  /** The lesson could not run (exit status 2); `lesson` once it was found. */
  | { type: 'error'; error: string; lesson?: LessonSummary };

/** One event, as its line. */
export function eventLine(e: LessonRunEvent): string {
  return JSON.stringify(e);
}

/** The events in `boxlab lesson --json`'s output. */
export function readEvents(text: string): LessonRunEvent[] {
  return text.split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l) as LessonRunEvent);
}
