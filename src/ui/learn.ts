// What the lesson screen shows of the moments a lesson makes the learner think: the
// prediction asked before a step (and, once it ran, the guess and the answer), the hints
// given so far for a task, and a challenge's statement with its setup folded until it is
// solved. Pure: lines and words from the lesson and its published state.
import chalk from 'chalk';
import type { LessonState, LogEntry, PredictionResult, StopState } from '../lessons/port.ts';
import type { Lesson, Prediction, Stop } from '../lessons/schema.ts';
import { markdownLines } from './markdown.ts';
import { ui as text } from '../text/index.ts';

type Sub = (s: string) => string;

const isSetup = (s: Stop | undefined): boolean => s?.kind === 'step' && s.setup === true;

/** A challenge is solved once every task in it passed (or could not run here). */
export function challengeSolved(state: LessonState): boolean {
  return state.lesson.stops.every((s, i) => s.kind !== 'task' || ['passed', 'skipped'].includes(state.stops[i]?.status ?? ''));
}

/** Are a challenge's setup steps folded now? Until it is solved: they name the fault. */
export function setupFolded(lesson: Lesson, state: LessonState | undefined): boolean {
  return lesson.meta.kind === 'challenge' && lesson.stops.some(isSetup) && !(state && challengeSolved(state));
}

/** The stops as the step list shows them: a folded setup step says only that it is one. */
export function shownStops(stops: Stop[], folded: boolean): Stop[] {
  return folded ? stops.map((s) => (isSetup(s) ? { ...s, title: text.setupFolded } : s)) : stops;
}

/** The syscall log without a folded setup's entries. */
export function shownLog(log: readonly LogEntry[], folded: boolean): readonly LogEntry[] {
  return folded ? log.filter((e) => e.source !== 'setup') : log;
}

/** The setup steps that run first, by index. */
export function setupSteps(stops: Stop[]): number[] {
  const n = stops.findIndex((s) => !isSetup(s));
  return stops.slice(0, n < 0 ? stops.length : n).map((s) => s.index);
}

/** A challenge's statement (the prose above its first block), shown over every stop:
 *  the symptom or goal stays in view while the learner investigates. */
export function statementLines(lesson: Lesson, viewing: number, width: number, sub: Sub): string[] {
  const first = lesson.stops[0];
  if (lesson.meta.kind !== 'challenge' || !first?.prose || viewing === 0) return [];
  return [...markdownLines(sub(first.prose), width), chalk.dim('─'.repeat(Math.max(1, Math.min(width, 40))))];
}

/** A step's prediction: the question and its choices (numbered while the lab asks),
 *  then, once the step ran, the guess and the answer with why. */
export function predictionLines(p: Prediction, st: StopState | undefined, width: number, sub: Sub): string[] {
  const lines = markdownLines(`**${text.predictTitle}** ${sub(p.question)}`, width);
  p.choices?.forEach((c, n) => lines.push(...markdownLines(`  ${text.choice(n + 1, sub(c))}`, width)));
  const guess = st?.prediction;
  if (guess) lines.push(chalk.bold(text.predictYouSaid(sub(guess.guess), guess.right)));
  if (st && st.status !== 'pending' && st.status !== 'running') lines.push(...markdownLines(text.predictAnswer(sub(p.answer), sub(p.why)), width));
  return lines;
}

/** What the message line says once a predicted step ran: right or wrong, and why. */
export function predictionMessage(p: Prediction, guess: PredictionResult, sub: Sub): string {
  return guess.right
    ? chalk.green(text.predictRight(sub(p.answer), sub(p.why)))
    : chalk.yellow(text.predictWrong(sub(guess.guess), sub(p.answer), sub(p.why)));
}

/** The hints given so far, each whole (wrapped), the latest last. */
export function hintLines(hints: readonly string[], width: number): string[] {
  if (!hints.length) return [];
  return ['', chalk.bold(text.hintsTitle), ...hints.flatMap((h, n) => markdownLines(`${n + 1}. ${h}`, width).map((l) => chalk.yellow(l)))];
}
