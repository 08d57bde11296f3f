// diff: two snapshots, row by row. Rows are matched by key: a key only after is
// "added", only before "removed", in both with some cell different "changed" (the
// cells named), else "same".
//
// Order: the rows of after, in after's order; a removed row is put back where it was,
// right after the row that preceded it in before (the nearest earlier one still
// there), or first when nothing before it survived.
import type { Row, RowDiff, Snapshot, SnapshotDiff, View, ViewDiff, ViewName } from './types.ts';
import { VIEW_NAMES } from './types.ts';

/** Keys are unique within a view; should a probe ever repeat one, later repeats get
 *  "#2", "#3"... so nothing is lost in the matching. */
function keyed(rows: Row[]): [string, Row][] {
  const seen = new Map<string, number>();
  return rows.map((r) => {
    const n = (seen.get(r.key) ?? 0) + 1;
    seen.set(r.key, n);
    return [n === 1 ? r.key : `${r.key}#${n}`, r];
  });
}

function changedCells(before: Row, after: Row, columns: string[]): string[] {
  const names = [...columns];
  for (const c of [...Object.keys(after.cells), ...Object.keys(before.cells)]) if (!names.includes(c)) names.push(c);
  return names.filter((c) => (before.cells[c] ?? '') !== (after.cells[c] ?? ''));
}

function unionColumns(a: string[], b: string[]): string[] {
  const out = [...a];
  for (const c of b) if (!out.includes(c)) out.push(c);
  return out;
}

export function diffRows(before: Row[], after: Row[], columns: string[] = []): RowDiff[] {
  const b = keyed(before);
  const a = keyed(after);
  const afterMap = new Map(a);
  const beforeMap = new Map(b);

  // removed rows, grouped under the surviving row they followed ('' = the start)
  const HEAD = '\0head';
  const placed = new Map<string, RowDiff[]>();
  let anchor = HEAD;
  for (const [key, row] of b) {
    if (afterMap.has(key)) {
      anchor = key;
      continue;
    }
    const list = placed.get(anchor) ?? [];
    list.push({ key, change: 'removed', before: row });
    placed.set(anchor, list);
  }

  const out: RowDiff[] = [...(placed.get(HEAD) ?? [])];
  for (const [key, row] of a) {
    const old = beforeMap.get(key);
    if (!old) out.push({ key, change: 'added', after: row });
    else {
      const cells = changedCells(old, row, columns);
      out.push(cells.length ? { key, change: 'changed', before: old, after: row, cells } : { key, change: 'same', before: old, after: row });
    }
    out.push(...(placed.get(key) ?? []));
  }
  return out;
}

export function diffView(before: View | undefined, after: View | undefined): ViewDiff {
  const base = after ?? before;
  if (!base) throw new Error('diffView needs at least one view');
  const columns = unionColumns(after?.columns ?? [], before?.columns ?? []);
  // The notes of what is there now; before's only when the view is gone (a remark that
  // no longer holds, like "not in a group of its own" after a move, must not linger).
  const notes = after ? after.notes : before?.notes;
  return {
    name: base.name,
    title: base.title,
    columns,
    rows: diffRows(before?.rows ?? [], after?.rows ?? [], columns),
    ...(notes && notes.length ? { notes } : {}),
  };
}

/** Views in after's order (the order the step asked for them), then any view only
 *  before had; a view in only one snapshot diffs against nothing (all added, or all
 *  removed). Readings for two processes (a step made a container, and the views follow
 *  it from the lab to the container) have no "removed": what the lab's reading held and
 *  the container's does not (the lab's own node and core, its links) is still there. */
export function diff(before: Snapshot, after: Snapshot): SnapshotDiff {
  const views: ViewDiff[] = [];
  const names = [...Object.keys(after.views), ...Object.keys(before.views)].filter(
    (n, i, all): n is ViewName => all.indexOf(n) === i && (VIEW_NAMES as readonly string[]).includes(n),
  );
  const samePid = before.pid === after.pid;
  for (const name of names) {
    const b = before.views[name];
    const a = after.views[name];
    if (!b && !a) continue;
    const d = diffView(b, a);
    views.push(samePid ? d : { ...d, rows: d.rows.filter((r) => r.change !== 'removed') });
  }
  return { pid: after.pid, views };
}

export function countChanges(v: ViewDiff): { added: number; removed: number; changed: number; same: number } {
  const c = { added: 0, removed: 0, changed: 0, same: 0 };
  for (const r of v.rows) c[r.change]++;
  return c;
}
