// Plain-text rendering of views, snapshots and diffs: a title line per view, a header,
// aligned columns fitted to a width, then the notes. Diff rows carry a two-character
// prefix: "+ " added, "- " removed, "~ " changed (changed cells read "old -> new"),
// "  " same. A cell wider than its column wraps onto the row's next lines rather than
// being cut: what changed is often at the end (an inode's last digits, a path's last
// name). Colour (chalk) is opt-in; without it the output has no escape codes.
import { Chalk, type ChalkInstance } from 'chalk';
import { countChanges } from './diff.ts';
import type { Row, RowDiff, Snapshot, SnapshotDiff, View, ViewDiff } from './types.ts';
import { kernel as words } from '../text/index.ts';
import { sliceWidth, textWidth } from '../text/width.ts';

export interface RenderOptions {
  /** total line width (default: the terminal's columns, else 100) */
  width?: number;
  /** colour with chalk: green added, red removed, yellow changed (default false) */
  color?: boolean;
  /** diffs: leave out rows that did not change */
  onlyChanges?: boolean;
  /** Shorter names for what cells hold (a lab's long paths as `$LAB/...`). */
  abbreviate?: (s: string) => string;
}

const PREFIX = { added: '+ ', removed: '- ', changed: '~ ', same: '  ' } as const;
const GAP = '  ';
const MIN_COLUMN = 6;
const LAST_KEEP = 24;
const KEEP_FACTOR = 0.6;
/** Cells that say what a row is about, kept wider when space runs out. */
const NAMING_COLUMNS = new Set(['target', 'path', 'command']);

interface Line {
  prefix: string;
  cells: string[];
  /** which cells changed (diff) */
  marked?: boolean[];
  change?: RowDiff['change'];
}

/** Header text of a column: its word, or its name when it has none. */
export function columnTitle(name: string): string {
  return words.columns[name] ?? name;
}

/** Control characters (a process may name itself with escape sequences) print as '?'. */
function clean(s: string): string {
  return s.replace(/[\u0000-\u001f\u007f-\u009f]/g, '?');
}

/** A cell's text as lines of at most `width` columns (a Chinese character takes two):
 *  broken after a space, a slash (a path breaks between its names) or a comma (mount
 *  options break between options), and a word longer than the column where it must. */
export function wrapCell(s: string, width: number): string[] {
  const w = Math.max(1, width);
  if (textWidth(s) <= w) return [s];
  const lines: string[] = [];
  let line = '';
  for (let piece of s.split(/(?<=[ /,])/)) {
    if (textWidth(line) + textWidth(piece.trimEnd()) > w && line) {
      lines.push(line.trimEnd());
      line = '';
      if (piece === ' ') continue;
    }
    while (textWidth(piece.trimEnd()) > w) {
      // at least one character, even one wider than the column
      const head = sliceWidth(piece, w) || [...piece][0]!;
      lines.push(head);
      piece = piece.slice(head.length);
    }
    line += piece;
  }
  if (line.trimEnd() || !lines.length) lines.push(line.trimEnd());
  return lines;
}

/** The longest piece wrapCell will not break: a column narrower than that splits words. */
const longestWord = (s: string) => Math.max(0, ...s.split(/(?<=[ /,])/).map((p) => textWidth(p.trimEnd())));

/** Column widths: natural; when too wide, first the last column (in every view the
 *  free-text one: meaning, detail, super options) gives up room down to LAST_KEEP,
 *  then the widest column is shrunk one at a time until the line fits; `keep` columns
 *  count as narrower than they are, so they keep more. Columns shrink first no further
 *  than their longest word (`unbroken`), so a number or a name is broken only when
 *  nothing else fits. */
export function fitWidths(natural: number[], headers: number[], available: number, keep: boolean[] = [], unbroken: number[] = []): number[] {
  const w = [...natural];
  let total = w.reduce((a, b) => a + b, 0);
  const last = w.length - 1;
  if (last > 0 && total > available && w[last]! > LAST_KEEP) {
    const give = Math.min(total - available, w[last]! - LAST_KEEP);
    w[last]! -= give;
    total -= give;
  }
  for (const wholeWords of [true, false]) {
    while (total > available) {
      let widest = -1;
      for (let i = 0; i < w.length; i++) {
        const least = Math.min(natural[i]!, Math.max(MIN_COLUMN, Math.min(headers[i]!, 12)));
        // (a word longer than LAST_KEEP is broken anyway)
        const min = wholeWords ? Math.max(least, Math.min(natural[i]!, unbroken[i] ?? 0, LAST_KEEP)) : least;
        // a column that names the row (mount point, path, command) gives up room slower
        const size = (j: number) => w[j]! * (keep[j] ? KEEP_FACTOR : 1);
        if (w[i]! > min && (widest < 0 || size(i) > size(widest))) widest = i;
      }
      if (widest < 0) break;
      w[widest]!--;
      total--;
    }
  }
  return w;
}

function table(columns: string[], lines: Line[], opts: RenderOptions, ch: ChalkInstance): string[] {
  const width = opts.width ?? (process.stdout.columns || 100);
  const headers = columns.map(columnTitle);
  const natural = headers.map((h, i) => Math.max(textWidth(h), ...lines.map((l) => textWidth(l.cells[i] ?? ''))));
  const available = Math.max(columns.length * 2, width - 2 - GAP.length * Math.max(0, columns.length - 1));
  const widths = fitWidths(
    natural,
    headers.map((h) => textWidth(h)),
    available,
    columns.map((c) => NAMING_COLUMNS.has(c)),
    columns.map((_, i) => Math.max(0, ...lines.map((l) => longestWord(l.cells[i] ?? '')))),
  );
  const last = columns.length - 1;
  /** A row as lines: each cell wrapped in its column, the row as tall as its tallest cell. */
  const fmt = (texts: string[], line?: Line): string[] => {
    const cells = texts.map((t, i) => wrapCell(t, widths[i]!));
    const height = Math.max(1, ...cells.map((c) => c.length));
    return Array.from({ length: height }, (_, row) =>
      cells
        .map((c, i) => {
          let s = c[row] ?? '';
          const pad = i === last ? '' : ' '.repeat(Math.max(0, widths[i]! - textWidth(s)));
          if (line?.marked?.[i] && s) s = ch.bold(s);
          return s + pad;
        })
        .join(GAP),
    );
  };
  const out = [`  ${ch.dim(fmt(headers)[0]!.trimEnd())}`];
  for (const l of lines) {
    const colour =
      l.change === 'added' ? ch.green : l.change === 'removed' ? ch.red : l.change === 'changed' ? ch.yellow : undefined;
    fmt(l.cells, l).forEach((row, i) => {
      const text = (i === 0 ? l.prefix : '  ') + row;
      out.push(colour ? colour(text.trimEnd()) : text.trimEnd());
    });
  }
  return out;
}

function chalkFor(opts: RenderOptions): ChalkInstance {
  return new Chalk({ level: opts.color ? 1 : 0 });
}

function notesLines(notes: string[] | undefined, ch: ChalkInstance): string[] {
  return (notes ?? []).map((n) => `  ${ch.dim(`${words.note}: ${clean(n)}`)}`);
}

function rowCells(row: Row | undefined, columns: string[], opts: RenderOptions): string[] {
  return columns.map((c) => cellText(row?.cells[c], opts));
}

function cellText(value: string | undefined, opts: RenderOptions): string {
  const s = clean(value ?? '');
  return opts.abbreviate ? opts.abbreviate(s) : s;
}

export function renderView(view: View, opts: RenderOptions = {}): string {
  const ch = chalkFor(opts);
  const out = [ch.bold(view.title)];
  if (view.rows.length === 0) {
    if (view.columns.length) out.push(`  ${words.noRows}`);
  } else {
    out.push(...table(view.columns, view.rows.map((r) => ({ prefix: '  ', cells: rowCells(r, view.columns, opts) })), opts, ch));
  }
  out.push(...notesLines(view.notes, ch));
  return out.join('\n');
}

export function renderSnapshot(snap: Snapshot, opts: RenderOptions = {}): string {
  return Object.values(snap.views)
    .filter((v): v is View => v !== undefined)
    .map((v) => renderView(v, opts))
    .join('\n\n');
}

export function renderViewDiff(view: ViewDiff, opts: RenderOptions = {}): string {
  const ch = chalkFor(opts);
  const c = countChanges(view);
  const out = [`${ch.bold(view.title)}: ${words.diffSummary(c.added, c.removed, c.changed)}`];
  const shown = opts.onlyChanges ? view.rows.filter((r) => r.change !== 'same') : view.rows;
  if (view.rows.length === 0 && view.columns.length) out.push(`  ${words.noRows}`);
  if (shown.length) {
    const lines: Line[] = shown.map((r) => {
      const marked = view.columns.map((col) => r.change === 'changed' && (r.cells ?? []).includes(col));
      // a changed cell reads "old -> new": wrapped, the new value goes under the old
      const cells = view.columns.map((col, i) =>
        marked[i] ? `${cellText(r.before?.cells[col], opts)}${words.arrow}${cellText(r.after?.cells[col], opts)}` : cellText((r.after ?? r.before)?.cells[col], opts));
      return { prefix: PREFIX[r.change], cells, marked, change: r.change };
    });
    out.push(...table(view.columns, lines, opts, ch));
  }
  out.push(...notesLines(view.notes, ch));
  return out.join('\n');
}

export function renderDiff(d: SnapshotDiff, opts: RenderOptions = {}): string {
  return d.views.map((v) => renderViewDiff(v, opts)).join('\n\n');
}
