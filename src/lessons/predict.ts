// A prediction asked before a step runs: what the learner's key or number means, and
// whether it is right. Pure: no kernel, no session.
import type { Prediction } from './schema.ts';

/** The guess the learner's input stands for: the choice its number (1-9) picks, or the
 *  number typed when the answer is a number; undefined when it is neither. */
export function readGuess(p: Prediction, input: string): string | undefined {
  const typed = input.trim();
  if (p.choices) {
    const n = /^[1-9]$/.test(typed) ? Number(typed) : 0;
    return p.choices[n - 1];
  }
  return /^-?(\d+\.?\d*|\.\d+)$/.test(typed) ? String(Number(typed)) : undefined;
}

/** A choice is right when it is the answer; a number when it is within the tolerance. */
export function isRight(p: Prediction, guess: string): boolean {
  if (p.choices) return guess === p.answer;
  return Math.abs(Number(guess) - Number(p.answer)) <= (p.tolerance ?? 0);
}
