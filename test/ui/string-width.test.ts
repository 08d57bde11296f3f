// The lab's own line width (src/ui/string-width.ts, which the bundle gives ink in place
// of string-width) answers as string-width does: for every character it counts itself,
// for the lab's styled lines, and for what it hands on (wide, combining, emoji).
import { describe, expect, it } from 'vitest';
import { Chalk } from 'chalk';
import realStringWidth from '../../node_modules/string-width/index.js';
import stringWidth, { NARROW_RANGES } from '../../src/ui/string-width.ts';

describe('line width', () => {
  it('counts each character of its ranges as string-width does: one column', () => {
    const differ: string[] = [];
    for (const [lo, hi] of NARROW_RANGES) {
      for (let c = lo; c <= hi; c++) {
        const ch = String.fromCharCode(c);
        if (stringWidth(ch) !== realStringWidth(ch) || realStringWidth(ch) !== 1) differ.push(c.toString(16));
      }
    }
    expect(differ).toEqual([]);
  });

  it('agrees on styled lines, and on what it leaves to string-width', () => {
    const c = new Chalk({ level: 3 });
    const lines = [
      '', 'plain ascii', `${c.inverse('▸ 01 A container is a process')}  ${c.green('✓ done')}  ${c.dim('rootless · How to drive the lab…')}`,
      '├── │ ─ └┘ ↑↓ → ▲▼◂ ░█ − × µ', '\x1b]8;;https://example.org\x07link\x1b]8;;\x07',
      '容器是一个进程', 'e\u0301', '👍 ok', 'tab\there', 'soft\u00adhyphen', '\u200bzero width',
    ];
    for (const l of lines) expect(stringWidth(l), JSON.stringify(l)).toBe(realStringWidth(l));
    expect(stringWidth('容器')).toBe(4);
  });

  it('passes the options it does not handle on', () => {
    const s = '\x1b[31mred\x1b[39m';
    expect(stringWidth(s, { countAnsiEscapeCodes: true })).toBe(realStringWidth(s, { countAnsiEscapeCodes: true }));
    expect(stringWidth('·', { ambiguousIsNarrow: false })).toBe(realStringWidth('·', { ambiguousIsNarrow: false }));
  });
});
