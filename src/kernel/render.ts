// Plain-text rendering of views, snapshots and diffs: a title line per view, a header,
// aligned columns fitted to a width, then the notes. Diff rows carry a two-character
// prefix: "+ " added, "- " removed, "~ " changed (changed cells read "old -> new"),
// "  " same. Colour (chalk) is opt-in; without it the output has no escape codes.
import { Chalk, type ChalkInstance } from 'chalk';
import { countChanges } from './diff.ts';
import type { Row, RowDiff, Snapshot, SnapshotDiff, View, ViewDiff } from './types.ts';
import { kernel as words } from '../text/index.ts';

export interface RenderOptions {
  /** total line width (default: the terminal's columns, else 100) */
  width?: number;
  /** colour with chalk: green added, red removed, yellow changed (default false) */
  color?: boolean;
  /** diffs: leave out rows that did not change */
  onlyChanges?: boolean;
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

/** Control characters (a process may name itself with escape sequences) print as '?'. */
/** Header text of a column: its word, or its name when it has none. */
export function columnTitle(name: string): string {
  return words.columns[name] ?? name;
}

function clean(s: string): string {
  return s.replace(/[\u0000-\u001f\u007f-\u009f]/g, '?');
}

export function truncate(s: string, width: number): string {
  if (s.length <= width) return s;
  if (width <= 1) return s.slice(0, width);
  return `${s.slice(0, width - 1)}…`;
}

/** "old -> new" within width: each side gets its share, so the new value stays seen. */
function fitChange(before: string, after: string, width: number): string {
  const arrow = words.arrow;
  const whole = `${before}${arrow}${after}`;
  if (whole.length <= width) return whole;
  const room = Math.max(2, width - arrow.length);
  const right = Math.min(after.length, Math.max(Math.ceil(room / 2), room - before.length));
  const left = Math.max(1, room - right);
  return `${truncate(before, left)}${arrow}${truncate(after, right)}`;
}

/** Column widths: natural; when too wide, first the last column (in every view the
 *  free-text one: meaning, detail, super options) gives up room down to LAST_KEEP,
 *  then the widest column is shrunk one at a time until the line fits; `keep` columns
 *  count as narrower than they are, so they keep more. */
export function fitWidths(natural: number[], headers: number[], available: number, keep: boolean[] = []): number[] {
  const w = [...natural];
  let total = w.reduce((a, b) => a + b, 0);
  const last = w.length - 1;
  if (last > 0 && total > available && w[last]! > LAST_KEEP) {
    const give = Math.min(total - available, w[last]! - LAST_KEEP);
    w[last]! -= give;
    total -= give;
  }
  while (total > available) {
    let widest = -1;
    for (let i = 0; i < w.length; i++) {
      const min = Math.min(natural[i]!, Math.max(MIN_COLUMN, Math.min(headers[i]!, 12)));
      // a column that names the row (mount point, path, command) gives up room slower
      const size = (j: number) => w[j]! * (keep[j] ? KEEP_FACTOR : 1);
      if (w[i]! > min && (widest < 0 || size(i) > size(widest))) widest = i;
    }
    if (widest < 0) break;
    w[widest]!--;
    total--;
  }
  return w;
}

function table(columns: string[], lines: Line[], opts: RenderOptions, ch: ChalkInstance, raw?: (line: Line, i: number) => [string, string] | undefined): string[] {
  const width = opts.width ?? (process.stdout.columns || 100);
  const headers = columns.map(columnTitle);
  const natural = headers.map((h, i) => Math.max(h.length, ...lines.map((l) => (l.cells[i] ?? '').length)));
  const available = Math.max(columns.length * 2, width - 2 - GAP.length * Math.max(0, columns.length - 1));
  const widths = fitWidths(
    natural,
    headers.map((h) => h.length),
    available,
    columns.map((c) => NAMING_COLUMNS.has(c)),
  );
  const last = columns.length - 1;
  const fmt = (texts: string[], line?: Line) =>
    texts
      .map((t, i) => {
        const w = widths[i]!;
        const pair = line && raw?.(line, i);
        let s = pair ? fitChange(pair[0], pair[1], w) : truncate(t, w);
        const pad = i === last ? '' : ' '.repeat(Math.max(0, w - s.length));
        if (line?.marked?.[i]) s = ch.bold(s);
        return s + pad;
      })
      .join(GAP);
  const out = [`  ${ch.dim(fmt(headers).trimEnd())}`];
  for (const l of lines) {
    const text = l.prefix + fmt(l.cells, l);
    const colour =
      l.change === 'added' ? ch.green : l.change === 'removed' ? ch.red : l.change === 'changed' ? ch.yellow : undefined;
    out.push(colour ? colour(text.trimEnd()) : text.trimEnd());
  }
  return out;
}

function chalkFor(opts: RenderOptions): ChalkInstance {
  return new Chalk({ level: opts.color ? 1 : 0 });
}

function notesLines(notes: string[] | undefined, ch: ChalkInstance): string[] {
  return (notes ?? []).map((n) => `  ${ch.dim(`${words.note}: ${clean(n)}`)}`);
}

function rowCells(row: Row | undefined, columns: string[]): string[] {
  return columns.map((c) => clean(row?.cells[c] ?? ''));
}

export function renderView(view: View, opts: RenderOptions = {}): string {
  const ch = chalkFor(opts);
  const out = [ch.bold(view.title)];
  if (view.rows.length === 0) {
    if (view.columns.length) out.push(`  ${words.noRows}`);
  } else {
    out.push(...table(view.columns, view.rows.map((r) => ({ prefix: '  ', cells: rowCells(r, view.columns) })), opts, ch));
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
      const row = r.after ?? r.before;
      const cells = rowCells(row, view.columns);
      const marked = view.columns.map((col) => r.change === 'changed' && (r.cells ?? []).includes(col));
      return { prefix: PREFIX[r.change], cells, marked, change: r.change, diff: r } as Line & { diff: RowDiff };
    });
    // a changed cell's natural text is "old -> new", so the columns make room for it
    for (const l of lines as (Line & { diff: RowDiff })[]) {
      view.columns.forEach((col, i) => {
        if (l.marked?.[i]) l.cells[i] = `${clean(l.diff.before?.cells[col] ?? '')}${words.arrow}${clean(l.diff.after?.cells[col] ?? '')}`;
      });
    }
    out.push(
      ...table(view.columns, lines, opts, ch, (line, i) => {
        const d = (line as Line & { diff: RowDiff }).diff;
        if (!line.marked?.[i]) return undefined;
        const col = view.columns[i]!;
        return [clean(d.before?.cells[col] ?? ''), clean(d.after?.cells[col] ?? '')];
      }),
    );
  }
  out.push(...notesLines(view.notes, ch));
  return out.join('\n');
}

export function renderDiff(d: SnapshotDiff, opts: RenderOptions = {}): string {
  return d.views.map((v) => renderViewDiff(v, opts)).join('\n\n');
}
