// Chinese on an 80-column terminal: every place the lab pads, cuts or wraps text counts
// terminal columns (a Chinese character takes two), so lines never run past the edge,
// columns stay aligned under Chinese headers, and prose wraps between characters.
import { afterEach, describe, expect, it } from 'vitest';
import { renderDiff, renderView, wrapCell, diff, type View } from '../../src/kernel/index.ts';
import { useLanguage, kernel as words, ui } from '../../src/text/index.ts';
import { textWidth } from '../../src/text/width.ts';
import { box, cut, fit, stripAnsi, visibleWidth } from '../../src/ui/draw.ts';
import { markdownLines } from '../../src/ui/markdown.ts';
import { nsView } from '../helpers/views.ts';
import { pictureOf } from '../../src/ui/pictures/index.ts';

const WIDTH = 80;
const width = (s: string) => textWidth(stripAnsi(s));

afterEach(() => useLanguage('en'));

describe('cutting and padding by columns', () => {
  it('cuts a Chinese line to its columns, with a wide character that would straddle the edge left out', () => {
    expect(cut('命名空间隔离了主机名', 9)).toBe('命名空间…'); // 8 columns of text, the ellipsis the 9th
    expect(cut('命名空间隔离了主机名', 10)).toBe('命名空间…'); // 隔 would reach column 10: out, whole
    expect(visibleWidth(cut('\x1b[1m控制组\x1b[0m的文件', 7))).toBeLessThanOrEqual(7);
    expect(fit('镜像层', 10)).toBe('镜像层    ');
    expect(visibleWidth(fit('写时复制写时复制', 7))).toBe(7);
  });

  it('draws a box whose right edge lines up whatever the language of its lines', () => {
    const lines = box('联合文件系统', ['upper 上层目录', 'lower 下层（只读）', 'plain ascii'], 40);
    for (const l of lines) expect(width(l), l).toBe(40);
  });

  it('wraps a kernel view cell by columns, a Chinese word between its characters', () => {
    expect(wrapCell('容器运行时', 5)).toEqual(['容器', '运行', '时']);
    const lines = wrapCell('容器运行时 runc /run/容器/状态', 9);
    for (const l of lines) expect(textWidth(l), l).toBeLessThanOrEqual(9);
    expect(lines.join('').replace(/ /g, '')).toBe('容器运行时runc/run/容器/状态');
  });
});

describe('Chinese prose at 80 columns', () => {
  const para = [
    '容器并不是内核里的一个对象。有的只是进程，以及一组改变进程所见（命名空间）、',
    '所用（控制组）和根目录（挂载、`pivot_root`）的内核功能。容器运行时（例如 runc 或 crun）',
    '就是按正确的顺序请求这些功能，然后运行你的程序的一个程序。本课程一次一个系统调用地做同样的事情，',
    '每一步之后都给你看内核里变了什么。',
  ].join('\n');

  it('breaks between characters, keeps every line within the width and loses nothing', () => {
    const lines = markdownLines(para, WIDTH).map(stripAnsi);
    expect(lines.length).toBeGreaterThan(3);
    for (const l of lines) expect(width(l), l).toBeLessThanOrEqual(WIDTH);
    // lines are filled: Chinese needs no space to break at, so no line ends far short
    for (const l of lines.slice(0, -1)) expect(width(l), l).toBeGreaterThanOrEqual(WIDTH - 6);
    const joined = lines.join('');
    expect(joined.replace(/\s/g, '')).toBe(para.replace(/`/g, '').replace(/\s/g, ''));
  });

  it('joins a soft line break between two Chinese characters without a space, and keeps one between English words', () => {
    expect(markdownLines('命名\n空间', WIDTH).map(stripAnsi)).toEqual(['命名空间']);
    expect(markdownLines('name\nspace', WIDTH).map(stripAnsi)).toEqual(['name space']);
  });

  it('never starts a line with closing punctuation', () => {
    // 9 characters then "，": at 20 columns the comma would be the 11th column pair
    const lines = markdownLines('一二三四五六七八九十，一二三四五六七八九十。', 20).map(stripAnsi);
    for (const l of lines) expect(l).not.toMatch(/^[，。]/);
    for (const l of lines) expect(width(l)).toBeLessThanOrEqual(20);
  });

  it('wraps English as before: at spaces', () => {
    expect(markdownLines('the quick brown fox jumps over', 15).map(stripAnsi)).toEqual(['the quick brown', 'fox jumps over']);
  });

  it('pads a table with Chinese cells to columns, so the cells line up', () => {
    const table = ['| 命名空间 | 隔离什么 |', '|---|---|', '| uts | 主机名 |', '| mnt | 挂载表：什么挂在哪里 |'].join('\n');
    const lines = markdownLines(table, WIDTH).map(stripAnsi);
    expect(lines).toEqual(['命名空间  隔离什么', 'uts       主机名', 'mnt       挂载表：什么挂在哪里']);
  });
});

describe('the kernel views in Chinese at 80 columns', () => {

  it('aligns every column under its Chinese header, and a diff stays within the width', () => {
    useLanguage('zh-CN');
    const lines = renderView(nsView('4026531838'), { width: WIDTH }).split('\n');
    const header = lines[1]!;
    // the inode column starts at the same column as its header, counted in columns
    const col = (line: string, what: string) => textWidth(line.slice(0, line.indexOf(what)));
    expect(col(lines[2]!, '4026531833')).toBe(col(header, words.columns.inode ?? 'inode'));
    const before = { pid: 1, takenAt: 0, views: { ns: nsView('4026531838') } };
    const after = { pid: 1, takenAt: 1, views: { ns: nsView('4026532001') } };
    for (const l of renderDiff(diff(before, after), { width: 40 }).split('\n')) expect(width(l), l).toBeLessThanOrEqual(40);
  });

  it('draws the process picture with Chinese labels lined up over the numbers', () => {
    useLanguage('zh-CN');
    const view: View = {
      name: 'proc', title: words.titles.proc, columns: ['pid', 'hostPid', 'ppid', 'state', 'command'],
      rows: [{ key: '1', cells: { pid: '1', hostPid: '4242', ppid: '0', state: 'S', command: 'sh' } }],
      notes: [],
    };
    const lines = (pictureOf('proc', view, undefined, WIDTH) ?? []).map(stripAnsi);
    const head = lines[0]!;
    const row = lines.find((l) => l.includes('4242'))!;
    const end = (line: string, what: string) => textWidth(line.slice(0, line.indexOf(what) + what.length));
    expect(end(row, '4242')).toBe(end(head, ui.picture.procOutside));
  });
});
