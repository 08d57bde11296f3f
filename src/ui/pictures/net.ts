// The network as a picture, from the net view's rows: each network namespace a box
// holding its links with their addresses (a bridge's ports listed under it), and each
// veth pair a line joining its two ends, across boxes or within one. The host's own
// links that the lab did not touch are folded into one line: the lab never changes them.
import chalk from 'chalk';
import type { RowChange } from '../../kernel/types.ts';
import { cut, fit, visibleWidth } from '../draw.ts';
import { kernel as words, ui as text } from '../../text/index.ts';
import { changeMark, keyOf, type PictureRow } from './rows.ts';

interface Link { ns: string; name: string; type: string; state: string; master: string; peer: string; detail: string; addrs: string[]; change: RowChange }
interface Namespace { label: string; links: Link[]; routes: { dst: string; detail: string; change: RowChange }[]; nat: number }

/** The view's rows, back into namespaces and their links. */
export function netModel(rows: PictureRow[]): Namespace[] {
  const spaces: Namespace[] = [];
  const nsOf = (label: string) => {
    let ns = spaces.find((n) => n.label === label);
    if (!ns) spaces.push((ns = { label, links: [], routes: [], nat: 0 }));
    return ns;
  };
  for (const { row, change } of rows) {
    const c = row.cells;
    const ns = nsOf(c.netns ?? '');
    switch (keyOf(words.netKinds, c.kind ?? '')) {
      case 'link':
        ns.links.push({ ns: ns.label, name: c.name ?? '', type: c.type ?? '', state: c.state ?? '', master: c.master ?? '', peer: c.peer ?? '', detail: c.detail ?? '', addrs: [], change });
        break;
      case 'addr': {
        const link = ns.links.find((l) => l.name === c.name);
        if (link && change !== 'removed') link.addrs.push(c.detail ?? '');
        break;
      }
      case 'route':
        ns.routes.push({ dst: c.name ?? '', detail: c.detail ?? '', change });
        break;
      case 'nat':
        if (change !== 'removed') ns.nat++;
        break;
    }
  }
  return spaces;
}

/** veth pairs whose both ends are shown: each end names the other as "name (where)". */
export function vethPairs(spaces: Namespace[]): [Link, Link][] {
  const live = spaces.flatMap((s) => s.links).filter((l) => l.type === 'veth' && l.change !== 'removed');
  const pairs: [Link, Link][] = [];
  for (const a of live) {
    const b = live.find((m) => m !== a && a.peer === words.netPeer(m.name, m.ns) && m.peer === words.netPeer(a.name, a.ns));
    if (b && !pairs.some(([x, y]) => x === b && y === a)) pairs.push([a, b]);
  }
  return pairs;
}

interface Line { text: string; link?: Link }

/** A link's line: change mark, tree branch (bridge port), name, type, state, addresses. */
function linkLine(l: Link, branch: string, nameWidth: number, paired: boolean): Line {
  const name = (branch + l.name).padEnd(nameWidth);
  const where = l.type === 'veth' && !paired && l.peer ? `  ${text.picture.netPeer(l.peer)}` : '';
  const extra = l.type === 'vxlan' ? `  ${l.detail}` : '';
  const addrs = l.addrs.length ? `  ${chalk.cyan(l.addrs.join(' '))}` : '';
  const body = `${changeMark(l.change)} ${name}  ${chalk.dim(l.type.padEnd(8))} ${l.state.padEnd(5)}${addrs}${extra}${where}`;
  return { text: paint(l.change, body), link: l };
}

function paint(change: RowChange, s: string): string {
  return change === 'added' ? chalk.green(s) : change === 'removed' ? chalk.red(chalk.dim(s)) : change === 'changed' ? chalk.yellow(s) : s;
}

/** The lines inside one namespace's box. */
function boxLines(ns: Namespace, paired: Set<Link>): Line[] {
  const isHost = ns.label === words.netHost;
  const bridges = new Set(ns.links.filter((l) => l.type === 'bridge').map((l) => l.name));
  // On the host, what the lab made or changed is drawn; the rest is one line.
  const drawn = (l: Link) => !isHost || l.change !== 'same' || paired.has(l) || bridges.has(l.name) || bridges.has(l.master) || l.name.startsWith('bl');
  const shown = ns.links.filter(drawn);
  const folded = ns.links.filter((l) => !drawn(l));
  const nameWidth = Math.max(4, ...shown.map((l) => l.name.length + (bridges.has(l.master) ? 3 : 0)));
  const lines: Line[] = [];
  for (const l of shown) {
    if (bridges.has(l.master)) continue; // drawn under its bridge
    lines.push(linkLine(l, '', nameWidth, paired.has(l)));
    if (l.type !== 'bridge') continue;
    const ports = shown.filter((p) => p.master === l.name);
    ports.forEach((p, i) => lines.push(linkLine(p, i === ports.length - 1 ? '└─ ' : '├─ ', nameWidth, paired.has(p))));
  }
  if (folded.length) lines.push({ text: chalk.dim(`  ${text.picture.netHostOwn(folded.map((l) => l.name))}`) });
  const drawnNames = new Set(shown.map((l) => l.name));
  for (const r of ns.routes) {
    const dev = /\bdev (\S+)/.exec(r.detail)?.[1] ?? '';
    if (isHost && r.change === 'same' && !drawnNames.has(dev)) continue;
    lines.push({ text: paint(r.change, chalk.dim(`${changeMark(r.change)} ${text.picture.netRoute(r.dst, r.detail)}`)) });
  }
  if (ns.nat) lines.push({ text: chalk.dim(`  ${text.picture.netNat(ns.nat)}`) });
  if (!lines.length) lines.push({ text: chalk.dim(`  ${text.picture.netNoLinks}`) });
  return lines;
}

/** The picture, at most `width` columns wide. */
export function netPicture(rows: PictureRow[], width: number): string[] {
  const spaces = netModel(rows);
  if (!spaces.length) return [];
  const pairs = vethPairs(spaces);
  const paired = new Set(pairs.flat());
  const laneCols = pairs.length ? pairs.length * 2 + 1 : 0;
  const titleOf = (ns: Namespace) => (ns.label === words.netHost ? text.picture.netHostBox : text.picture.netBox(ns.label));
  const contents = spaces.map((ns) => boxLines(ns, paired));
  // As wide as what the boxes hold (a projector's 200 columns are not stretched to),
  // at most the width there is.
  const natural = Math.max(24, ...spaces.map((ns) => visibleWidth(titleOf(ns)) + 5), ...contents.flat().map((l) => visibleWidth(l.text) + 4));
  const boxWidth = Math.max(24, Math.min(natural, width - laneCols));
  const inner = boxWidth - 4;

  // Every line of every box, frames included, in one column; endpoints remembered.
  const grid: { box: string; link?: Link; edge: 'top' | 'side' | 'bottom' }[] = [];
  spaces.forEach((ns, i) => {
    const head = `─ ${cut(titleOf(ns), boxWidth - 5)} `;
    grid.push({ box: '┌' + head + '─'.repeat(Math.max(0, boxWidth - 2 - visibleWidth(head))) + '┐', edge: 'top' });
    for (const l of contents[i]!) grid.push({ box: '│ ' + fit(l.text, inner) + ' ', link: l.link, edge: 'side' });
    grid.push({ box: '└' + '─'.repeat(boxWidth - 2) + '┘', edge: 'bottom' });
  });

  // Lanes: one per pair, the shortest nearest the boxes, so lines cross as little as can be.
  const ends = pairs.map(([a, b]) => {
    const ia = grid.findIndex((g) => g.link === a);
    const ib = grid.findIndex((g) => g.link === b);
    return { from: Math.min(ia, ib), to: Math.max(ia, ib), fresh: a.change === 'added' || b.change === 'added' };
  }).sort((x, y) => (x.to - x.from) - (y.to - y.from));
  const lanes = grid.map(() => Array.from({ length: laneCols }, () => ({ ch: ' ', fresh: false })));
  const put = (row: number, col: number, ch: string, fresh: boolean) => {
    const cell = lanes[row]![col]!;
    cell.ch = (cell.ch === '│' && ch === '─') || (cell.ch === '─' && ch === '│') ? '┼' : ch;
    cell.fresh ||= fresh;
  };
  ends.forEach((e, k) => {
    const col = 2 * k + 1;
    for (const [row, corner] of [[e.from, '┐'], [e.to, '┘']] as const) {
      for (let c = 0; c < col; c++) put(row, c, '─', e.fresh);
      put(row, col, corner, e.fresh);
    }
    for (let r = e.from + 1; r < e.to; r++) put(r, col, '│', e.fresh);
  });

  const out = grid.map((g, i) => {
    const right = g.edge === 'side' ? (g.link && paired.has(g.link) ? '├' : '│') : '';
    return g.box + right + lanes[i]!.map((c) => (c.fresh ? chalk.green(c.ch) : c.ch)).join('');
  });
  if (pairs.length) out.push(chalk.dim(text.picture.netLegend));
  return out;
}
