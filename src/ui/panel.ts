// The lesson screen's text regions as lines: the kernel state panel (changes only,
// before | after, or pictures), the syscall log, the step list, and a window onto lines
// taller than their region. Pure, so the layout can count every line it draws.
import chalk from 'chalk';
import type { KernelApi } from '../lessons/kernel.ts';
import type { LogEntry, StepResult, StopState } from '../lessons/port.ts';
import type { Row, Snapshot, SnapshotDiff, View, ViewDiff, ViewName } from '../kernel/types.ts';
import type { Stop } from '../lessons/schema.ts';
import type { ShortName } from '../lessons/scope.ts';
import { fit, programLine } from './draw.ts';
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
  /** The lab's long paths as short names (`$LAB/upper`), and what each stands for. */
  names?: { abbreviate: (s: string) => string; legend: readonly ShortName[] };
  /** The state is as an earlier step left it (1-based): the stop on screen read none. */
  leftBy?: number;
}

const color = () => chalk.level > 0;

function diffLines(d: SnapshotDiff, p: PanelInput): string[] {
  const out = p.kernel.renderDiff(d, { color: color(), onlyChanges: true, width: p.width, abbreviate: p.names?.abbreviate });
  return out.trim() ? out.split('\n') : [text.noChanges];
}

/** Below this a half is too narrow for a table: an inode or a mount's path would break
 *  across lines (a 10-digit inode, its host's, a state, and their gaps take 40). */
const SIDE_BY_SIDE_MIN = 60;

function sideLines(before: Snapshot | undefined, after: Snapshot | undefined, p: PanelInput): string[] {
  const k = p.kernel;
  const half = Math.max(10, Math.floor((p.width - 3) / 2));
  if (half < SIDE_BY_SIDE_MIN) {
    // Too narrow for two: before above after, each as wide as the panel.
    const opts = { color: color(), width: p.width, abbreviate: p.names?.abbreviate };
    const whole = (label: string, s: Snapshot | undefined) => [chalk.dim(label), ...(s ? k.renderSnapshot(s, opts).split('\n') : [])];
    return [...whole(text.before, before), '', ...whole(text.after, after)];
  }
  const opts = { color: color(), width: half, abbreviate: p.names?.abbreviate };
  const a = before ? k.renderSnapshot(before, opts).split('\n') : [];
  const b = after ? k.renderSnapshot(after, opts).split('\n') : [];
  const out = [`${chalk.dim(fit(text.before, half))} │ ${chalk.dim(text.after)}`];
  for (let i = 0; i < Math.max(a.length, b.length); i++) out.push(`${fit(a[i] ?? '', half)} │ ${b[i] ?? ''}`);
  return out;
}

/** A row, a view, a view's changes with every value shortened (the lab's paths as $LAB):
 *  keys too, the same way on both sides, so rows still pair up. */
const shortRow = (r: Row, short: (s: string) => string): Row =>
  ({ key: short(r.key), cells: Object.fromEntries(Object.entries(r.cells).map(([c, v]) => [c, short(v)])) });
const shortView = (v: View, short: (s: string) => string): View => ({ ...v, rows: v.rows.map((r) => shortRow(r, short)) });
const shortViewDiff = (d: ViewDiff, short: (s: string) => string): ViewDiff => ({
  ...d,
  rows: d.rows.map((r) => ({ ...r, key: short(r.key), before: r.before && shortRow(r.before, short), after: r.after && shortRow(r.after, short) })),
});

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
  const short = p.names?.abbreviate ?? ((s: string) => s);
  const output = r.output ? r.output.split('\n').map((l) => chalk.cyan(short(programLine(l)))) : [];
  // A stop that read no views: what it printed first, then the state an earlier step left.
  if (p.leftBy !== undefined) {
    if (output.length) out.push(...output, '');
    if (r.before || r.after) out.push(chalk.dim(text.stateLeftBy(p.leftBy)));
  }
  const names = Object.keys(r.after?.views ?? r.before?.views ?? {}) as ViewName[];
  const drawn = p.pictures ? names.filter(hasPicture) : [];
  const rest = names.filter((n) => !drawn.includes(n));
  for (const name of drawn) {
    const now = live?.views[name] ? live : r.after;
    const view = now?.views[name];
    const diff = now === r.after ? r.diff : r.before && now ? p.kernel.diff(onlyViews(r.before, [name])!, onlyViews(now, [name])!) : undefined;
    const changes = diff?.views.find((v) => v.name === name);
    // Short names go into the rows before drawing: a box is as wide as what it holds.
    const lines = pictureOf(name, view && shortView(view, short), changes && shortViewDiff(changes, short), p.width) ?? [];
    out.push(chalk.bold(text.picture.title(view?.title ?? name)), ...(lines.length ? lines : [chalk.dim(text.picture.empty)]), ...(view?.notes ?? []).map((n) => chalk.dim(`  ${short(n)}`)), '');
  }
  if (p.pictures && names.length && !drawn.length) out.push(chalk.dim(text.picture.none(names.join(', '))), '');
  if (rest.length) {
    if (p.mode === 'side') out.push(...sideLines(onlyViews(r.before, rest), onlyViews(r.after, rest), p));
    else if (r.diff) out.push(...diffLines({ ...r.diff, views: r.diff.views.filter((v) => rest.includes(v.name)) }, p));
    // A state read with nothing before it (a challenge's scene, just set): as it is.
    else if (r.after && !r.before) out.push(...p.kernel.renderSnapshot(onlyViews(r.after, rest)!, { color: color(), width: p.width }).split('\n'));
  }
  while (out.at(-1) === '') out.pop();
  if (p.leftBy === undefined && output.length) out.push('', ...output);
  return [...out, ...legendLines(out, p.names?.legend ?? [])];
}

/** What each short name the lines use stands for, under them. */
export function legendLines(lines: string[], names: readonly ShortName[]): string[] {
  const used = names.filter((n) => lines.some((l) => l.includes(`$${n.name}`)));
  return used.length ? ['', ...used.map((n) => chalk.dim(text.shortName(n.name, n.path)))] : [];
}

/** The syscall log: each op named, its syscalls as strace prints them, then the shell
 *  command a person would type for the same; the newest at the bottom. */
export function logLines(entries: readonly LogEntry[], short: (s: string) => string = (s) => s): string[] {
  const lines: string[] = [];
  for (const e of entries) {
    lines.push(chalk.bold(`▸ ${text.logOp(e.op, e.source)}`));
    for (const s of e.syscalls) lines.push(chalk.dim(`  ${short(programLine(s))}`));
    // A multi-line command keeps its lines together under the `$`, each a line of the
    // region (one string holding newlines would draw more lines than it was given).
    if (e.shell) lines.push(...text.shellLine(short(e.shell.trimEnd())).split('\n').map((l, i) => chalk.cyan(`  ${i ? '  ' : ''}${programLine(l)}`)));
    if (e.error) lines.push(chalk.red(`  ${short(programLine(e.error))}`));
  }
  return lines;
}

export const STATUS_ICON: Record<string, string> = { pending: '·', running: '…', done: '✓', passed: '✓', failed: '✗', waiting: '?', skipped: '–' };

/** One line per stop; the one on screen marked ▸ (and inverse where there is colour). */
export function stepListLines(stops: Stop[], states: readonly StopState[] | undefined, viewing: number, sub: (s: string, i: number) => string): string[] {
  return stops.map((s, i) => {
    const status = states?.[i]?.status ?? 'pending';
    const kind = s.kind === 'step' && s.setup ? 'setup' : s.kind;
    const line = `${i === viewing ? text.selected : ' '}${STATUS_ICON[status]} ${i + 1}. ${text.kinds[kind]}: ${sub(s.title, i)}`;
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

