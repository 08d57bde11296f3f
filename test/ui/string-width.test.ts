// The lab's own line width (src/text/width.ts, which the bundle gives ink in place of
// string-width) answers as string-width does: for every character it counts itself
// (narrow: one column; East Asian Wide and Fullwidth: two), for the lab's styled lines
// in English and Chinese, and for what it hands on (combining marks, emoji).
import { describe, expect, it } from 'vitest';
import { Chalk } from 'chalk';
import realStringWidth from '../../node_modules/string-width/index.js';
import stringWidth, { NARROW_RANGES, WIDE_RANGES } from '../../src/ui/string-width.ts';
import { charWidth, padEndWidth, padStartWidth, sliceWidth } from '../../src/text/width.ts';

/** Every code point of some ranges whose width differs from `columns` or from
 *  string-width's answer, in hex. */
function differing(ranges: readonly [number, number][], columns: number): string[] {
  const differ: string[] = [];
  for (const [lo, hi] of ranges) {
    for (let c = lo; c <= hi; c++) {
      const ch = String.fromCharCode(c);
      if (stringWidth(ch) !== realStringWidth(ch) || realStringWidth(ch) !== columns || charWidth(ch) !== columns) differ.push(c.toString(16));
    }
  }
  return differ;
}

describe('line width', () => {
  it('counts each character of its narrow ranges as string-width does: one column', () => {
    expect(differing(NARROW_RANGES, 1)).toEqual([]);
  });

  it('counts each East Asian Wide and Fullwidth character of its ranges as string-width does: two columns', () => {
    expect(WIDE_RANGES.length).toBeGreaterThan(0);
    expect(differing(WIDE_RANGES, 2)).toEqual([]);
    // what Chinese text is made of, among them: ideographs, CJK and fullwidth punctuation
    for (const ch of ['中', '龥', '、', '。', '「', '」', '《', '》', '，', '：', '；', '（', '）', '！', '？', '￥']) {
      expect(WIDE_RANGES.some(([lo, hi]) => ch.charCodeAt(0) >= lo && ch.charCodeAt(0) <= hi), ch).toBe(true);
    }
  });

  it('agrees on styled lines, English and Chinese, and on what it leaves to string-width', () => {
    const c = new Chalk({ level: 3 });
    const lines = [
      '', 'plain ascii', `${c.inverse('▸ 01 A container is a process')}  ${c.green('✓ done')}  ${c.dim('rootless · How to drive the lab…')}`,
      '├── │ ─ └┘ ↑↓ → ▲▼◂ ░█ − × µ', '\x1b]8;;https://example.org\x07link\x1b]8;;\x07',
      '容器是一个进程', `${c.inverse('▸ 01 容器就是一个进程')}  ${c.green('已完成')}  ${c.dim('无需 root · 怎样使用实验室…')}`,
      '第 1/5 步：在新的 UTS 命名空间里创建一个进程（clone）', '命名空间 │ 状态 │ INODE', 'ｆｕｌｌ　ｗｉｄｔｈ',
      'e\u0301', '👍 ok', '中文👍', 'tab\there', 'soft\u00adhyphen', '\u200bzero width', '゙combining', 'ㅤfiller',
    ];
    for (const l of lines) expect(stringWidth(l), JSON.stringify(l)).toBe(realStringWidth(l));
    expect(stringWidth('容器')).toBe(4);
    expect(stringWidth(c.red('命名空间'))).toBe(8);
  });

  it('pads and cuts by columns, never through a wide character', () => {
    expect(padEndWidth('状态', 6)).toBe('状态  ');
    expect(padEndWidth('STATE', 6)).toBe('STATE ');
    expect(padStartWidth('新建', 5)).toBe(' 新建');
    expect(padEndWidth('命名空间', 4)).toBe('命名空间');
    expect(sliceWidth('命名空间', 5)).toBe('命名');
    expect(sliceWidth('ab命名', 3)).toBe('ab');
    expect(sliceWidth('ab命名', 4)).toBe('ab命');
  });

  it('passes the options it does not handle on', () => {
    const s = '\x1b[31mred\x1b[39m';
    expect(stringWidth(s, { countAnsiEscapeCodes: true })).toBe(realStringWidth(s, { countAnsiEscapeCodes: true }));
    expect(stringWidth('·', { ambiguousIsNarrow: false })).toBe(realStringWidth('·', { ambiguousIsNarrow: false }));
  });
});
