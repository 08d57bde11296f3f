// The keys, in one table: what each does on the lesson screen, what the help screen says
// about it, and what the one-line key bar shows. A key does one thing everywhere, and
// nothing moves to another lesson by itself.
import type { Key } from 'ink';

export type LessonAction =
  | 'next' | 'prev' | 'check' | 'hint' | 'solve' | 'reset' | 'diff' | 'picture'
  | 'shell' | 'repl' | 'resume' | 'notes' | 'help' | 'quit' | 'up' | 'down' | 'pageUp' | 'pageDown';

interface Binding { action: LessonAction; input?: string; key?: keyof Key }

const BINDINGS: Binding[] = [
  { action: 'next', input: 'n' },
  { action: 'prev', input: 'p' },
  { action: 'check', input: 'c' },
  { action: 'hint', input: 'h' },
  { action: 'solve', input: 'S' },
  { action: 'reset', input: 'x' },
  { action: 'diff', input: 'd' },
  { action: 'picture', input: 'v' },
  { action: 'shell', input: 's' },
  { action: 'repl', input: ':' },
  { action: 'resume', input: 'r' },
  { action: 'notes', input: 'N' },
  { action: 'help', input: '?' },
  { action: 'quit', input: 'q' },
  { action: 'up', key: 'upArrow' },
  { action: 'up', input: 'k' },
  { action: 'down', key: 'downArrow' },
  { action: 'down', input: 'j' },
  { action: 'pageUp', key: 'pageUp' },
  { action: 'pageDown', key: 'pageDown' },
];

/** The action of a key on the lesson screen, if it has one. */
export function lessonAction(input: string, key: Key): LessonAction | undefined {
  if (key.ctrl || key.meta) return undefined;
  return BINDINGS.find((b) => (b.key ? key[b.key] === true : b.input === input))?.action;
}

/** How the help screen and the key bar name each action's key. */
export const KEY_LABELS: Record<LessonAction, string> = {
  next: 'n', prev: 'p', check: 'c', hint: 'h', solve: 'S', reset: 'x', diff: 'd', picture: 'v',
  shell: 's', repl: ':', resume: 'r', notes: 'N', help: '?', quit: 'q', up: '↑ k', down: '↓ j', pageUp: 'PgUp', pageDown: 'PgDn',
};

/** The order the help screen lists them in (up/down and the pages share a line). */
export const HELP_ORDER: LessonAction[] = ['next', 'prev', 'check', 'hint', 'solve', 'resume', 'shell', 'repl', 'diff', 'picture', 'notes', 'reset', 'up', 'quit'];

/** The key bar, in this order: every key that works on the lesson screen (the arrows
 *  and pages are in the help). `resume` only while it is offered, `notes` only in a
 *  lesson that has speaker notes. */
export const KEY_BAR: LessonAction[] = ['next', 'prev', 'check', 'hint', 'solve', 'resume', 'shell', 'repl', 'diff', 'picture', 'notes', 'reset', 'help', 'quit'];

const NO_KEY: Key = {
  upArrow: false, downArrow: false, leftArrow: false, rightArrow: false, pageDown: false, pageUp: false, home: false, end: false,
  return: false, escape: false, ctrl: false, shift: false, tab: false, backspace: false, delete: false, meta: false,
  super: false, hyper: false, capsLock: false, numLock: false,
};

/** ink hands over what arrived in one read as one input: "n" and "\r" typed fast (or
 *  sent by tmux) come as "n\r". Split such a chunk into the keys it holds, so each one
 *  does what it does alone. Escape sequences arrive alone, already parsed. */
export function splitKeys(input: string, key: Key): [string, Key][] {
  if (input.length <= 1 || /\x1b/.test(input)) return [[input, key]]; // eslint-disable-line no-control-regex
  return [...input].map((ch): [string, Key] => {
    if (ch === '\r' || ch === '\n') return ['', { ...NO_KEY, return: true }];
    if (ch === '\t') return ['', { ...NO_KEY, tab: true }];
    if (ch === '\x7f' || ch === '\b') return ['', { ...NO_KEY, backspace: true }];
    if (ch === '\x03') return ['c', { ...NO_KEY, ctrl: true }];
    return [ch, { ...NO_KEY, shift: /[A-Z]/.test(ch) }];
  });
}

/** Ctrl-C leaves the lab as SIGINT ends a command: exit status 128 + 2. */
export const EXIT_CTRL_C = 130;
