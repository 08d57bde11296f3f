// The lesson screen's text regions as lines: the kernel state panel (changes only,
// before | after, or pictures), the syscall log, the step list, and a window onto lines
// taller than their region. Pure, so the layout can count every line it draws.
import chalk from 'chalk';
import type { KernelApi } from '../lessons/kernel.ts';
import type { LogEntry, StepResult, StopState } from '../lessons/port.ts';
import type { Snapshot, SnapshotDiff, ViewName } from '../kernel/types.ts';
import type { Stop } from '../lessons/schema.ts';
import { fit } from './draw.ts';
import { hasPicture, pictureOf } from './pictures/index.ts';
import { ui as text } from '../text/index.ts';

export type PanelMode = 'diff' | 'side';

export interface PanelInput {
  result?: StepResult;
  /** a fresh reading of the step's views (pictures are drawn live) */
  live?: Snapshot;
  mode: PanelMode;
  pictures: boolean;
  width: number;
  kernel: Pick<KernelApi, 'renderDiff' | 'renderSnapshot' | 'diff'>;
}

const color = () => chalk.level > 0;

function diffLines(d: SnapshotDiff, k: PanelInput['kernel'], width: number): string[] {
  const out = k.renderDiff(d, { color: color(), onlyChanges: true, width });
  return out.trim() ? out.split('\n') : [text.noChanges];
}

function sideLines(before: Snapshot | undefined, after: Snapshot | undefined, k: PanelInput['kernel'], width: number): string[] {
  const half = Math.max(10, Math.floor((width - 3) / 2));
  const a = before ? k.renderSnapshot(before, { color: color(), width: half }).split('\n') : [];
  const b = after ? k.renderSnapshot(after, { color: color(), width: half }).split('\n') : [];
  const out = [`${chalk.dim(fit(text.before, half))} │ ${chalk.dim(text.after)}`];
  for (let i = 0; i < Math.max(a.length, b.length); i++) out.push(`${fit(a[i] ?? '', half)} │ ${b[i] ?? ''}`);
  return out;
}

/** Only the named views of a snapshot. */
const onlyViews = (s: Snapshot | undefined, names: ViewName[]): Snapshot | undefined =>
  s && { ...s, views: Object.fromEntries(names.filter((n) => s.views[n]).map((n) => [n, s.views[n]])) };

/** The state panel: a title naming the mode, then the panel's lines (any height).
 *  Pictures are drawn from the live reading when there is one, marking what changed
 *  since before the step; the other views show the step's own before and after. */
export function panelLines(p: PanelInput): string[] {
  const r = p.result;
  const live = p.pictures ? p.live : undefined;
  const modeName = p.pictures ? `${text.statePictures}${live ? ` (${text.stateLive})` : ''}` : p.mode === 'diff' ? text.stateDiff : text.stateSideBySide;
  const out = [chalk.bold(`${text.stateTitle} — ${modeName}`)];
  if (!r || (!r.before && !r.after && !r.output)) return [...out, text.noState];
  const names = Object.keys(r.after?.views ?? r.before?.views ?? {}) as ViewName[];
  const drawn = p.pictures ? names.filter(hasPicture) : [];
  const rest = names.filter((n) => !drawn.includes(n));
  for (const name of drawn) {
    const now = live?.views[name] ? live : r.after;
    const view = now?.views[name];
    const diff = now === r.after ? r.diff : r.before && now ? p.kernel.diff(onlyViews(r.before, [name])!, onlyViews(now, [name])!) : undefined;
    // A step that made the first container reads its views for that container, not
    // for the lab as before: what the lab's own view held did not go away, so only
    // what is new is marked.
    let changes = diff?.views.find((v) => v.name === name);
    if (changes && r.before && now && r.before.pid !== now.pid) changes = { ...changes, rows: changes.rows.filter((x) => x.change !== 'removed') };
    const lines = pictureOf(name, view, changes, p.width) ?? [];
    out.push(chalk.bold(text.picture.title(view?.title ?? name)), ...(lines.length ? lines : [chalk.dim(text.picture.empty)]), ...(view?.notes ?? []).map((n) => chalk.dim(`  ${n}`)), '');
  }
  if (p.pictures && names.length && !drawn.length) out.push(chalk.dim(text.picture.none(names.join(', '))), '');
  if (rest.length) {
    if (p.mode === 'side') out.push(...sideLines(onlyViews(r.before, rest), onlyViews(r.after, rest), p.kernel, p.width));
    else if (r.diff) out.push(...diffLines({ ...r.diff, views: r.diff.views.filter((v) => rest.includes(v.name)) }, p.kernel, p.width));
  }
  while (out.at(-1) === '') out.pop();
  if (r.output) out.push('', ...r.output.split('\n').map((l) => chalk.cyan(l)));
  return out;
}

/** The syscall log: each op named, its syscalls as strace prints them, then the shell
 *  command a person would type for the same; the newest at the bottom. */
export function logLines(entries: readonly LogEntry[]): string[] {
  const lines: string[] = [];
  for (const e of entries) {
    lines.push(chalk.bold(`▸ ${text.logOp(e.op, e.source)}`));
    for (const s of e.syscalls) lines.push(chalk.dim(`  ${s}`));
    if (e.shell) lines.push(chalk.cyan(`  ${text.shellLine(e.shell)}`));
    if (e.error) lines.push(chalk.red(`  ${e.error}`));
  }
  return lines;
}

export const STATUS_ICON: Record<string, string> = { pending: '·', running: '…', done: '✓', passed: '✓', failed: '✗', waiting: '?', skipped: '–' };

/** One line per stop; the one on screen marked ▸ (and inverse where there is colour). */
export function stepListLines(stops: Stop[], states: readonly StopState[] | undefined, viewing: number, sub: (s: string) => string): string[] {
  return stops.map((s, i) => {
    const status = states?.[i]?.status ?? 'pending';
    const line = `${i === viewing ? text.selected : ' '}${STATUS_ICON[status]} ${i + 1}. ${text.kinds[s.kind]}: ${sub(s.title)}`;
    return i === viewing ? chalk.inverse(line) : status === 'pending' ? chalk.dim(line) : line;
  });
}

/** `height` lines of `lines` from `offset` (clamped; -1: the end), marking what is cut
 *  above and below. Returns the lines and the offset used. */
export function windowLines(lines: string[], offset: number, height: number): { lines: string[]; offset: number } {
  if (height <= 0) return { lines: [], offset: 0 };
  if (lines.length <= height) return { lines: [...lines, ...Array<string>(height - lines.length).fill('')], offset: 0 };
  const max = lines.length - height;
  const at = offset < 0 ? max : Math.min(Math.max(0, offset), max);
  const shown = lines.slice(at, at + height);
  if (at > 0 && height > 2) shown[0] = chalk.dim(text.moreAbove(at));
  if (at < max && height > 1) shown[height - 1] = chalk.dim(text.moreBelow(max - at));
  return { lines: shown, offset: at };
}

