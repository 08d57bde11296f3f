// Where a learner got to, per lesson, kept between runs in the invoking user's state
// directory (state-dir.ts: under sudo, in SUDO_USER's home and owned by them).
import { join } from 'node:path';
import { readJson, stateDir, writeJsonOwned } from './state-dir.ts';

export interface LessonProgress { stop: number; total: number; done: boolean; at: string }
export type Progress = Record<string, LessonProgress>;

export function progressFile(): string {
  return process.env.BOXLAB_PROGRESS ?? join(stateDir(), 'progress.json');
}

export function loadProgress(file = progressFile()): Progress {
  return readJson<{ lessons?: Progress }>(file)?.lessons ?? {};
}

/** Record a lesson's furthest stop; once done it stays done. */
export function saveProgress(id: string, p: Omit<LessonProgress, 'at'>, file = progressFile()): void {
  try {
    const all = loadProgress(file);
    const prev = all[id];
    all[id] = { ...p, stop: Math.max(p.stop, prev?.stop ?? 0), done: p.done || !!prev?.done, at: new Date().toISOString() };
    writeJsonOwned(file, { lessons: all });
  } catch {
    /* progress is a convenience: never fail a lesson over it */
  }
}
