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
