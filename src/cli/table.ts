// Columns as Docker's tabwriter lays them out: each as wide as its widest cell, three
// spaces between, the last one not padded. Widths in terminal columns (a Chinese
// character takes two), so a translated status keeps the columns aligned.
import { padEndWidth, textWidth } from '../text/width.ts';

export function table(rows: string[][]): string[] {
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => textWidth(r[i] ?? '')))) ?? [];
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : padEndWidth(c, widths[i]!))).join('   ').trimEnd());
}
