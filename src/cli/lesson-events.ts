// `boxlab lesson ID --json`: the lesson as an event stream, one JSON object per line,
// each written as it happens (a reader sees a stop the moment it is done). Every shape
// the stream carries is here, so a new kind of event (a prediction, a challenge) is
// added in one place:
//
//   {"type":"lesson","lesson":{...summary}}           first, once the lesson is found
//   {"type":"stop","index":0,"kind":"step",...}       each stop, as it ends
//   {"type":"holding","step":2,"pid":"4242"}          --until: the containers wait
//   {"type":"result","ok":true,"passed":3,"checks":3} last: the lesson's outcome
//   {"type":"error","error":"..."}                    instead, when it cannot run
import type { CheckResult, LogEntry, StepResult } from '../lessons/port.ts';
import type { LessonSummary, Stop } from '../lessons/schema.ts';

/** What one stop did. */
export interface StopReport {
  index: number;
  kind: Stop['kind'];
  title: string;
  ok: boolean;
  log: LogEntry[];
  output?: string;
  error?: StepResult['error'];
  check?: CheckResult;
  hint?: string;
  solved?: boolean;
  /** the state panel's diff, as text */
  diff?: string;
  /** Skipped: the programs of its `requires:` this machine lacks. */
  skipped?: string[];
}

export type JsonEvent =
  | { type: 'lesson'; lesson: LessonSummary }
  | ({ type: 'stop' } & StopReport)
  | { type: 'holding'; step: number; pid: string }
  | { type: 'result'; ok: boolean; passed: number; checks: number }
  | { type: 'error'; error: string; lesson?: LessonSummary };

/** One event as its line of the stream. */
export function eventLine(e: JsonEvent): string {
  return JSON.stringify(e);
}
