// Where a learner got to, per lesson, kept between runs in the invoking user's state
// directory (state-dir.ts: under sudo, in SUDO_USER's home and owned by them): the
// furthest stop, whether it is done, the first guess at each prediction and how each
// task first passed. Per chapter (chapterRecords): lessons and challenges done, tasks
// solved without hints, predictions right - what the home screen, the chapter's end
// screen and `boxlab progress` show.
import { join } from 'node:path';
import type { LessonState } from '../lessons/port.ts';
import type { LessonSummary } from '../lessons/schema.ts';
import { readJson, stateDir, writeJsonOwned } from './state-dir.ts';

/** How a task first passed: by the learner alone, after a hint, or by its solution (S). */
export type TaskOutcome = 'clean' | 'hinted' | 'solved';
const OUTCOMES: readonly string[] = ['clean', 'hinted', 'solved'];

export interface LessonProgress {
  stop: number;
  total: number;
  done: boolean;
  at: string;
  /** The first guess at each prediction, right or not, by the line of its block. */
  predictions?: Record<string, boolean>;
  /** How each task first passed, by the line of its block. */
  tasks?: Record<string, TaskOutcome>;
}
export type Progress = Record<string, LessonProgress>;

export function progressFile(): string {
  return process.env.BOXLAB_PROGRESS ?? join(stateDir(), 'progress.json');
}

/** The file as saved, each entry kept only in the shape this code writes (the file is
 *  the user's: what else it holds is left out, never trusted). */
export function loadProgress(file = progressFile()): Progress {
  const raw = readJson<{ lessons?: unknown }>(file)?.lessons;
  const all: Progress = {};
  if (!raw || typeof raw !== 'object') return all;
  for (const [id, p] of Object.entries(raw as Record<string, Partial<LessonProgress>>)) {
    if (!p || typeof p !== 'object' || typeof p.stop !== 'number' || typeof p.total !== 'number') continue;
    all[id] = {
      stop: p.stop, total: p.total, done: p.done === true, at: String(p.at ?? ''),
      predictions: entries(p.predictions, (v): v is boolean => typeof v === 'boolean'),
      tasks: entries(p.tasks, (v): v is TaskOutcome => OUTCOMES.includes(v as string)),
    };
  }
  return all;
}

function entries<T>(o: unknown, ok: (v: unknown) => v is T): Record<string, T> {
  if (!o || typeof o !== 'object') return {};
  return Object.fromEntries(Object.entries(o).filter(([, v]) => ok(v))) as Record<string, T>;
}

/** Record a lesson's furthest stop; once done it stays done; the first guess at a
 *  prediction and the first way a task passed stay as they were (a reset and a second
 *  try do not rewrite them). */
export function saveProgress(id: string, p: Omit<LessonProgress, 'at'>, file = progressFile()): void {
  try {
    const all = loadProgress(file);
    const prev = all[id];
    all[id] = {
      ...p, stop: Math.max(p.stop, prev?.stop ?? 0), done: p.done || !!prev?.done, at: new Date().toISOString(),
      predictions: { ...p.predictions, ...prev?.predictions },
      tasks: { ...p.tasks, ...prev?.tasks },
    };
    writeJsonOwned(file, { lessons: all });
  } catch {
    /* progress is a convenience: never fail a lesson over it */
  }
}

/** What a running lesson adds to the record: each prediction guessed at, and each task
 *  that passed (with no hint, after hints, or by its solution). */
export function lessonRecord(state: LessonState): Pick<LessonProgress, 'predictions' | 'tasks'> {
  const predictions: Record<string, boolean> = {};
  const tasks: Record<string, TaskOutcome> = {};
  state.lesson.stops.forEach((stop, i) => {
    const st = state.stops[i];
    if (!st) return;
    if (stop.kind === 'step' && stop.predict && st.prediction) predictions[stop.predict.line] = st.prediction.right;
    if (stop.kind === 'task' && st.status === 'passed') tasks[stop.line] = st.solved ? 'solved' : st.hinted ? 'hinted' : 'clean';
  });
  return { predictions, tasks };
}

interface Count { done: number; total: number }

export interface ChapterRecord {
  number: number;
  name: string;
  lessons: Count;
  challenges: Count;
  /** Tasks passed, and how many of them without a hint or the solution. */
  tasks: { solved: number; clean: number };
  /** Predictions guessed at (first guesses), and how many were right. */
  predictions: { answered: number; right: number };
}

/** The record of each chapter, in course order, from the lessons and the progress. */
export function chapterRecords(lessons: readonly LessonSummary[], progress: Progress): ChapterRecord[] {
  const byNumber = new Map<number, ChapterRecord>();
  for (const l of lessons) {
    let ch = byNumber.get(l.chapterNumber);
    if (!ch) {
      ch = { number: l.chapterNumber, name: l.chapter, lessons: { done: 0, total: 0 }, challenges: { done: 0, total: 0 }, tasks: { solved: 0, clean: 0 }, predictions: { answered: 0, right: 0 } };
      byNumber.set(l.chapterNumber, ch);
    }
    const p = progress[l.id];
    const count = l.kind === 'challenge' ? ch.challenges : ch.lessons;
    count.total++;
    if (p?.done) count.done++;
    const outcomes = Object.values(p?.tasks ?? {});
    ch.tasks.solved += outcomes.length;
    ch.tasks.clean += outcomes.filter((o) => o === 'clean').length;
    const guesses = Object.values(p?.predictions ?? {});
    ch.predictions.answered += guesses.length;
    ch.predictions.right += guesses.filter(Boolean).length;
  }
  return [...byNumber.values()].sort((a, b) => a.number - b.number);
}
