// "Did you mean ...?": the known name closest to a word that is not one, for errors about
// a typo (an op, a view, a capability, a lesson id).
import { common } from './index.ts';

/** ` (did you mean "X"?)` when a known name is at most two edits away, else ''. */
export function suggest(word: string, names: readonly string[]): string {
  let best: string | undefined;
  let bestD = 3;
  for (const n of names) {
    const d = distance(word, n);
    if (d < bestD) { bestD = d; best = n; }
  }
  return best && best !== word ? common.didYouMean(best) : '';
}

/** Levenshtein distance: the fewest one-letter inserts, deletes and changes from a to b. */
function distance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0]![j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      d[i]![j] = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
  }
  return d[a.length]![b.length]!;
}
