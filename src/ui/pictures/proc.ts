// The container's processes as a tree, from the proc view's rows, with each one's PID
// as the host sees it beside its PID inside the namespace: the same process, two
// numbers. Processes that started or ended in this step are marked.
import chalk from 'chalk';
import type { RowChange } from '../../kernel/types.ts';
import { ui as text } from '../../text/index.ts';
import { changeMark, type PictureRow } from './rows.ts';

interface Proc { inside: string; outside: string; parent: string; command: string; state: string; change: RowChange }

function procModel(rows: PictureRow[]): Proc[] {
  return rows.map(({ row, change }) => ({
    inside: row.cells.pid ?? '',
    outside: row.cells.hostPid ?? '',
    parent: row.cells.ppid ?? '0',
    // the view indents the command by depth; the picture draws branches instead
    command: (row.cells.command ?? '').trimStart(),
    state: (row.cells.state ?? '').split(' ')[0] ?? '',
    change,
  }));
}

export function procPicture(rows: PictureRow[]): string[] {
  const procs = procModel(rows);
  if (!procs.length) return [];
  const p = text.picture;
  // Inside PIDs are unique in the namespace; the host's are unique on the host. A
  // process whose parent is outside (ppid 0) is a root of the tree.
  const byInside = new Map(procs.map((x) => [x.inside, x]));
  const kids = new Map<string, Proc[]>();
  const roots: Proc[] = [];
  for (const x of procs) {
    if (x.parent !== '0' && byInside.has(x.parent) && x.parent !== x.inside) kids.set(x.parent, [...(kids.get(x.parent) ?? []), x]);
    else roots.push(x);
  }
  const ow = Math.max(p.procOutside.length, ...procs.map((x) => x.outside.length));
  const iw = Math.max(p.procInside.length, ...procs.map((x) => x.inside.length));
  const out = [chalk.dim(`  ${p.procOutside.padStart(ow)}     ${p.procInside.padEnd(iw)}  ${p.procCommand}`)];
  const seen = new Set<Proc>();
  const walk = (x: Proc, prefix: string, last: boolean, top: boolean) => {
    if (seen.has(x)) return;
    seen.add(x);
    const branch = top ? '' : prefix + (last ? '└─ ' : '├─ ');
    const gone = x.change === 'removed' ? ` ${p.procGone}` : '';
    // Sleeping is what processes mostly do; any other state is worth saying.
    const state = x.state && x.state !== 'S' ? chalk.dim(` (${p.procState(x.state)})`) : '';
    const line = `${changeMark(x.change)} ${x.outside.padStart(ow)} ${chalk.dim('━━▶')} ${x.inside.padEnd(iw)}  ${branch}${x.command}${state}${gone}`;
    out.push(x.change === 'added' ? chalk.green(line) : x.change === 'removed' ? chalk.red(chalk.dim(line)) : line);
    const children = kids.get(x.inside) ?? [];
    children.forEach((c, i) => walk(c, top ? '' : prefix + (last ? '   ' : '│  '), i === children.length - 1, false));
  };
  for (const r of roots) walk(r, '', true, true);
  const same = procs.every((x) => x.inside === x.outside);
  out.push(chalk.dim(same ? p.procSameNumbers : p.procTwoNumbers));
  return out;
}
