// The overlay stack as a picture, from the fs view's rows: for each overlay mount, the
// merged directory on top (what the container sees), the upper layer under it with
// every change it holds (A added, C copied up, D a whiteout, opaque directories
// marked), then the read-only lower layers, top first. What this step changed is marked
// with a leading ▸.
import chalk from 'chalk';
import { layerOf } from '../../kernel/views/fs.ts';
import type { RowChange } from '../../kernel/types.ts';
import { box, visibleWidth } from '../draw.ts';
import { kernel as words, ui as text } from '../../text/index.ts';
import { keyOf, type PictureRow } from './rows.ts';

interface Change { path: string; letter: 'A' | 'C' | 'D' | undefined; kind: string; opaque: boolean; change: RowChange }
interface Overlay { mountPoint: string; upper?: string; work?: string; lower: string[]; changes: Change[] }

/** The overlays of the view, each with the changes under its mount point. */
export function overlayModel(rows: PictureRow[]): Overlay[] {
  const overlays: Overlay[] = [];
  for (const { row, change } of rows) {
    const layer = layerOf(row);
    if (!layer || change === 'removed') continue;
    let o = overlays.find((x) => x.mountPoint === layer.mountPoint);
    if (!o) overlays.push((o = { mountPoint: layer.mountPoint, lower: [], changes: [] }));
    const path = row.cells.path ?? '';
    if (layer.role === 'upper') o.upper = path;
    else if (layer.role === 'work') o.work = path;
    else if (layer.role === 'lower') o.lower[layer.index] = path;
  }
  // The deepest mount point that holds a change's path owns it.
  const byDepth = [...overlays].sort((a, b) => b.mountPoint.length - a.mountPoint.length);
  for (const { row, change } of rows) {
    if (layerOf(row)) continue;
    const path = row.cells.path ?? row.key;
    const o = byDepth.find((x) => x.mountPoint === '/' || path === x.mountPoint || path.startsWith(x.mountPoint + '/'));
    if (!o) continue;
    const inside = o.mountPoint === '/' ? path : path.slice(o.mountPoint.length) || '/';
    o.changes.push({
      path: inside,
      letter: keyOf<'A' | 'C' | 'D'>(words.fsChange, row.cells.change ?? ''),
      kind: row.cells.kind ?? '',
      opaque: row.cells.mark === words.fsOpaque,
      change,
    });
  }
  return overlays;
}

function changeLine(c: Change, pathWidth: number): string {
  const p = text.picture;
  const what = c.opaque ? p.fsOpaque : c.letter === 'A' ? p.fsAdded : c.letter === 'C' ? (c.kind === words.fsKinds.dir ? p.fsDirCopied : p.fsCopiedUp) : c.letter === 'D' ? p.fsWhiteout : '';
  // What this step did is marked first, where no width cuts it off.
  const now = c.change === 'added' || c.change === 'changed' ? p.fsNow : ' ';
  const gone = c.change === 'removed' ? ` ${p.fsGone}` : '';
  const line = `${now}${c.letter ?? '?'} ${c.path.padEnd(pathWidth)}  ${chalk.dim(c.kind.padEnd(4))}  ${what}${gone}`;
  const colour = c.change === 'removed' ? chalk.dim : c.letter === 'A' ? chalk.green : c.letter === 'D' ? chalk.red : c.letter === 'C' ? chalk.yellow : (s: string) => s;
  return colour(line);
}

/** The picture, at most `width` columns wide; `limit` changes per overlay at most. */
export function fsPicture(rows: PictureRow[], width: number, limit = 40): string[] {
  const overlays = overlayModel(rows);
  const p = text.picture;
  const out: string[] = [];
  for (const o of overlays) {
    if (out.length) out.push('');
    const shown = o.changes.slice(0, limit);
    const pathWidth = Math.min(Math.max(...shown.map((c) => c.path.length), 4), Math.floor(width / 2));
    const lines = shown.length ? shown.map((c) => changeLine(c, pathWidth)) : [chalk.dim(p.fsNoChanges)];
    if (o.changes.length > shown.length) lines.push(chalk.dim(p.fsMore(o.changes.length - shown.length)));
    const titles = [p.fsMerged(o.mountPoint), o.upper ? p.fsUpper(o.upper) : p.fsNoUpper, ...o.lower.map((l, i) => p.fsLower(i, o.lower.length, l))];
    // Every box of the stack as wide as the widest thing in it, at most the width there is.
    const w = Math.min(width, Math.max(...titles.map((t) => visibleWidth(t) + 6), ...[p.fsMergedMeans, ...lines].map((l) => visibleWidth(l) + 4)));
    out.push(...box(titles[0]!, [chalk.dim(p.fsMergedMeans)], w, chalk.bold));
    out.push(`  ${p.fsSeesThrough}`);
    out.push(...box(titles[1]!, o.upper ? lines : [], w));
    o.lower.forEach((_, i) => out.push(...box(titles[2 + i]!, [], w, chalk.dim)));
    if (o.work) out.push(chalk.dim(`  ${p.fsWork(o.work)}`));
  }
  return out;
}
