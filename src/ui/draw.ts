// Measuring and cutting lines that hold colour escapes, and the few shapes the pictures
// draw (boxes, bars). A line is measured in terminal columns (src/text/width.ts): the
// glyphs drawn are one column wide, a Chinese label's characters two.
import { charWidth, textWidth } from '../text/width.ts';

// eslint-disable-next-line no-control-regex
const ESCAPE = /\x1b\[[0-9;]*m/g;

export function stripAnsi(s: string): string {
  return s.replace(ESCAPE, '');
}

/** Columns a line takes on screen. */
export function visibleWidth(s: string): number {
  return textWidth(stripAnsi(s));
}

/** Cut to `width` columns, keeping escapes (and ending with a reset when one was open);
 *  a cut line ends in "…". */
export function cut(s: string, width: number): string {
  if (visibleWidth(s) <= width) return s;
  if (width <= 0) return '';
  let out = '';
  let seen = 0;
  let styled = false;
  for (const part of s.split(/(\x1b\[[0-9;]*m)/)) { // eslint-disable-line no-control-regex
    if (part.startsWith('\x1b[')) {
      out += part;
      styled = part !== '\x1b[0m' && part !== '\x1b[m';
      continue;
    }
    for (const ch of part) {
      const w = charWidth(ch);
      // "…" takes the last column: a wide character that would reach it stays out whole
      if (seen + w > width - 1) return out + '…' + (styled ? '\x1b[0m' : '');
      out += ch;
      seen += w;
    }
  }
  return out;
}

const RESET = '\x1b[0m';
const isReset = (esc: string) => esc === RESET || esc === '\x1b[m';

/** A line as escapes and characters, one unit each. */
function units(s: string): string[] {
  return s.split(/(\x1b\[[0-9;]*m)/).flatMap((part) => (part.startsWith('\x1b[') ? [part] : [...part])); // eslint-disable-line no-control-regex
}

/** The styles in effect after `us`, starting from `open`: replaying the escapes in order
 *  gives the same state (a later "bold off" undoes an earlier "bold"). */
function stylesAfter(open: string[], us: string[]): string[] {
  let on = [...open];
  for (const u of us) if (u.startsWith('\x1b[')) on = isReset(u) ? [] : [...on, u];
  return on;
}

/** Word-wrap a line that may hold colour escapes to `width` columns: breaks at spaces,
 *  a word longer than a line is broken where it must be, and each line opens the styles
 *  in effect where it starts (and closes them at its end), so every line stands alone.
 *  Newlines in `s` start new lines; continuation lines begin with `indent`. */
export function wrapStyled(s: string, width: number, indent = ''): string[] {
  const out: string[] = [];
  const isEsc = (u: string) => u.startsWith('\x1b[');
  const cols = (us: string[]) => us.filter((u) => !isEsc(u)).length;
  let open: string[] = []; // the styles in effect where the next line starts
  for (const para of s.split('\n')) {
    let line: string[] = [];
    let wrapped = false;
    const room = () => Math.max(1, width - (wrapped ? indent.length : 0));
    /** End the line with `us`; the next starts with `rest` (what came after the break). */
    const breakLine = (us: string[], rest: string[]) => {
      const head = [...us];
      while (head.length && head.at(-1) === ' ') head.pop();
      const after = stylesAfter(open, us);
      out.push((wrapped ? indent : '') + open.join('') + head.join('') + (after.length ? RESET : ''));
      open = after;
      wrapped = true;
      line = rest;
    };
    for (const u of units(para)) {
      if (!isEsc(u) && cols(line) >= room()) {
        const space = line.lastIndexOf(' ');
        if (u === ' ') breakLine(line, []);
        else if (space > 0) breakLine(line.slice(0, space), line.slice(space + 1));
        else breakLine(line, []);
        while (cols(line) > room()) { // a word longer than a whole line
          let n = 0;
          const at = line.findIndex((x) => !isEsc(x) && ++n > room());
          breakLine(line.slice(0, at), line.slice(at));
        }
        if (u === ' ') continue; // the space it broke at starts no line
      }
      line.push(u);
    }
    breakLine(line, []);
  }
  return out;
}

/** Tabs as spaces to the next stop (every 8 columns), counting columns as the terminal
 *  does (escapes take none). ink counts a tab as no column at all, the terminal as up to
 *  eight: a line with tabs would be drawn wider than ink thinks, and spoil the frame. */
export function expandTabs(s: string, stop = 8): string {
  if (!s.includes('\t')) return s;
  let col = 0;
  let out = '';
  for (const u of units(s)) {
    if (u.startsWith('\x1b[')) out += u;
    else if (u === '\t') { const n = stop - (col % stop); out += ' '.repeat(n); col += n; }
    else { out += u; col += 1; }
  }
  return out;
}

/** What a program printed, fit to be drawn as a line: tabs expanded; its own escape
 *  sequences (colours, cursor moves) and other control characters left out, and of a
 *  line rewritten with carriage returns (a progress bar), what was written last. */
export function programLine(s: string): string {
  const plain = s.replace(/\x1b(?:\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(?:\x07|\x1b\\)|[@-Z\\-_])/g, ''); // eslint-disable-line no-control-regex
  const last = plain.replace(/\r+$/, '').split('\r').at(-1) ?? '';
  return expandTabs(last).replace(/[\x00-\x08\x0b-\x1f\x7f]/g, ''); // eslint-disable-line no-control-regex
}

/** Cut or pad with spaces to exactly `width` columns. */
export function fit(s: string, width: number): string {
  const c = cut(s, width);
  return c + ' '.repeat(Math.max(0, width - visibleWidth(c)));
}

/** A frame around lines: the title sits in the top edge. Width includes the frame. */
export function box(title: string, lines: string[], width: number, edge: (s: string) => string = (s) => s): string[] {
  const inner = Math.max(1, width - 4);
  const head = title ? `─ ${cut(title, inner - 2)} ` : '';
  const top = edge('┌' + head + '─'.repeat(Math.max(0, width - 2 - visibleWidth(head))) + '┐');
  const body = lines.map((l) => edge('│ ') + fit(l, inner) + edge(' │'));
  const bottom = edge('└' + '─'.repeat(Math.max(0, width - 2)) + '┘');
  return [top, ...body, bottom];
}

/** `[████░░░░]` for a share from 0 to 1 (more than 1 is shown full). */
export function bar(share: number, width: number): string {
  const w = Math.max(1, width);
  const full = Math.round(Math.min(1, Math.max(0, share)) * w);
  return '█'.repeat(full) + '░'.repeat(w - full);
}

/** The longest common start of some words: what a Tab can fill in. */
export function commonPrefix(words: string[]): string {
  if (!words.length) return '';
  let p = words[0]!;
  for (const w of words) while (!w.startsWith(p)) p = p.slice(0, -1);
  return p;
}
