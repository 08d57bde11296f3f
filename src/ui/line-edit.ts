// The REPL's input line: text and a cursor, changed by keys the way a shell's line editor
// does (arrows, Home/End, Ctrl-A/E/U/K/W, backspace), and a history walked with ↑/↓.
// Pure: each key gives a new state.
import type { Key } from 'ink';

export interface LineState { text: string; cursor: number }

export const EMPTY_LINE: LineState = { text: '', cursor: 0 };

export function lineOf(text: string): LineState {
  return { text, cursor: text.length };
}

/** The line after one key, or undefined when the key is not an editing key. */
export function editLine(s: LineState, input: string, key: Key): LineState | undefined {
  const { text, cursor } = s;
  if (key.leftArrow) return { text, cursor: Math.max(0, cursor - 1) };
  if (key.rightArrow) return { text, cursor: Math.min(text.length, cursor + 1) };
  if (key.home || (key.ctrl && input === 'a')) return { text, cursor: 0 };
  if (key.end || (key.ctrl && input === 'e')) return { text, cursor: text.length };
  if (key.ctrl && input === 'u') return { text: text.slice(cursor), cursor: 0 };
  if (key.ctrl && input === 'k') return { text: text.slice(0, cursor), cursor };
  if (key.ctrl && input === 'w') {
    const start = text.slice(0, cursor).replace(/\S+\s*$/, '').length;
    return { text: text.slice(0, start) + text.slice(cursor), cursor: start };
  }
  // Terminals send DEL (0x7f) for the backspace key, which ink may call delete: both
  // erase to the left, as in a shell.
  if (key.backspace || key.delete) {
    if (cursor === 0) return s;
    return { text: text.slice(0, cursor - 1) + text.slice(cursor), cursor: cursor - 1 };
  }
  if (input && !key.ctrl && !key.meta && !key.return && !key.tab && !key.escape) {
    const clean = input.replace(/[\r\n\t]/g, ' ');
    return { text: text.slice(0, cursor) + clean + text.slice(cursor), cursor: cursor + clean.length };
  }
  return undefined;
}

/** History: ↑ goes to older lines, ↓ to newer ones and finally back to what was being
 *  typed. `pos` is an index into `lines` (lines.length: the line being typed). */
export interface History { lines: string[]; pos: number; draft: string }

export function historyOf(lines: string[]): History {
  return { lines, pos: lines.length, draft: '' };
}

export function historyMove(h: History, current: string, dir: -1 | 1): { history: History; text: string } {
  const draft = h.pos === h.lines.length ? current : h.draft;
  const pos = Math.max(0, Math.min(h.lines.length, h.pos + dir));
  return { history: { ...h, pos, draft }, text: pos === h.lines.length ? draft : h.lines[pos]! };
}

/** Remember a line run (not twice in a row), keeping the newest `keep`. */
export function historyAdd(h: History, line: string, keep = 200): History {
  const t = line.trim();
  const lines = t && h.lines.at(-1) !== t ? [...h.lines, t].slice(-keep) : h.lines;
  return { lines, pos: lines.length, draft: '' };
}
