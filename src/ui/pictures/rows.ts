// What every picture draws from: the rows of one view after a step, each with what the
// step did to it (from the diff), removed rows included so a picture can show what went.
import type { Row, RowChange, View, ViewDiff } from '../../kernel/types.ts';

export interface PictureRow { row: Row; change: RowChange }

/** The rows to draw: from the diff when there is one (every row, each with its change),
 *  else the view's rows as they are. */
export function pictureRows(view: View | undefined, diff?: ViewDiff): PictureRow[] {
  if (diff) return diff.rows.map((d) => ({ row: (d.after ?? d.before)!, change: d.change }));
  return (view?.rows ?? []).map((row) => ({ row, change: 'same' }));
}

/** One character that says what happened to a thing, readable without colour. */
export function changeMark(change: RowChange): string {
  return change === 'added' ? '+' : change === 'removed' ? '-' : change === 'changed' ? '~' : ' ';
}

/** The key of a map whose value is `value` (view words back to the probe's own kinds). */
export function keyOf<T extends string>(table: Record<string, string>, value: string): T | undefined {
  return Object.entries(table).find(([, v]) => v === value)?.[0] as T | undefined;
}
