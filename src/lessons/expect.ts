// What a check expects, and whether what it found meets it; which hints apply; whether a
// step that shows the kernel saying no got the refusal it expected. Pure: no kernel, no
// core, only values (`subst` fills in the lesson's ${variables}).
import { lessons as text } from '../text/index.ts';
import type { CheckResult, StepResult } from './port.ts';
import type { Expectation, Hint, HintWhen, TaskStop } from './schema.ts';

type Subst = (s: string) => string;

/** Does what a check found (and the exit status of its command) meet the expectation? */
export function holds(e: Expectation, found: string | undefined, code: number | undefined, subst: Subst): boolean {
  if (e.exit !== undefined && code !== e.exit) return false;
  const valueChecks = e.equals !== undefined || e.not_equals !== undefined || e.matches !== undefined || e.contains !== undefined
    || e.at_least !== undefined || e.at_most !== undefined;
  if (!valueChecks) return true;
  if (found === undefined) return false;
  const n = found.trim() === '' ? NaN : Number(found);
  if (e.at_least !== undefined && !(n >= e.at_least)) return false;
  if (e.at_most !== undefined && !(n <= e.at_most)) return false;
  if (e.equals !== undefined && found !== subst(e.equals)) return false;
  if (e.not_equals !== undefined && found === subst(e.not_equals)) return false;
  if (e.matches !== undefined && !new RegExp(subst(e.matches)).test(found)) return false;
  if (e.contains !== undefined && !found.includes(subst(e.contains))) return false;
  return true;
}

/** A measured quantity (at_least / at_most): what was found is worth showing on a pass too. */
export function isMeasured(e: Expectation): true | undefined {
  return e.at_least !== undefined || e.at_most !== undefined ? true : undefined;
}

/** The expectation in words, for display. */
export function describeExpect(e: Expectation, subst: Subst): string {
  const parts: string[] = [];
  if (e.equals !== undefined) parts.push(`= ${JSON.stringify(subst(e.equals))}`);
  if (e.not_equals !== undefined) parts.push(`≠ ${JSON.stringify(subst(e.not_equals))}`);
  if (e.matches !== undefined) parts.push(`~ /${subst(e.matches)}/`);
  if (e.contains !== undefined) parts.push(`∋ ${JSON.stringify(subst(e.contains))}`);
  if (e.exit !== undefined) parts.push(`exit ${e.exit}`);
  if (e.at_least !== undefined) parts.push(`≥ ${e.at_least}`);
  if (e.at_most !== undefined) parts.push(`≤ ${e.at_most}`);
  return parts.join(', ');
}

function whenHolds(w: HintWhen, r: CheckResult | undefined, subst: Subst): boolean {
  if (w.always) return true;
  if (w.missing !== undefined) return (r?.found === undefined) === w.missing;
  if (!r) return false;
  return holds(w, r.found, r.code, subst);
}

/** Hints whose `when` holds for what the task's check found, in file order. */
export function hintsFor(task: TaskStop, result: CheckResult | undefined, subst: Subst): Hint[] {
  return task.hints.filter((h) => whenHolds(h.when, result, subst));
}

/** A step that shows the kernel saying no passes when it says exactly that errno. */
export function expectRefusal(r: StepResult, errno: string): StepResult {
  if (r.ok) return { ...r, ok: false, error: { message: text.notRefused(errno) } };
  if (r.error?.errno !== errno) return { ...r, error: { ...r.error!, message: text.refusedOther(errno, r.error?.errno ?? r.error?.message ?? '?', r.error?.message ?? '') } };
  const said = [text.refused(errno, r.error.message), r.error.explain].filter(Boolean).join('\n');
  return { ...r, ok: true, error: undefined, output: [r.output, said].filter(Boolean).join('\n') };
}
