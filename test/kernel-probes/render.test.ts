import { describe, expect, it } from 'vitest';
import {
  columnTitle,
  diff,
  fitWidths,
  renderDiff,
  renderSnapshot,
  renderView,
  wrapCell,
  type Snapshot,
  type View,
} from '../../src/kernel/index.ts';
import { kernel as words, useLanguage } from '../../src/text/index.ts';
import { en } from '../../src/text/en/index.ts';

import { nsView } from '../helpers/views.ts';

const ESC = /\u001b\[/;

/** The namespace view of test/helpers/views.ts, with a remark under it. */
const ns = (uts: string, extra = false): View => nsView(uts, { extra, notes: ['a remark'] });
const snap = (v: View): Snapshot => ({ pid: 7, takenAt: 0, views: { [v.name]: v } });

describe('renderView', () => {
  it('prints a title, a header and aligned columns, then notes, without escapes', () => {
    const text = renderView(ns('4026531838'), { width: 100 });
    expect(ESC.test(text)).toBe(false);
    const lines = text.split('\n');
    expect(lines[0]).toBe(words.titles.ns);
    expect(lines[1]).toBe(`  ${columnTitle('type')}  ${columnTitle('inode')}       ${columnTitle('host')}        ${columnTitle('state')}`);
    expect(lines[2]).toBe(`  net   4026531833  4026531833  ${words.nsShared}`);
    // columns line up
    expect(lines[2]!.indexOf('4026531833')).toBe(lines[1]!.indexOf(columnTitle('inode')));
    expect(lines.at(-1)).toBe(`  ${words.note}: a remark`);
  });

  it('wraps cells to the width, cutting nothing: a path between its names', () => {
    const v: View = {
      name: 'mounts',
      title: 'Mounts',
      columns: ['target', 'super'],
      rows: [{ key: '/', cells: { target: '/a/very/long/mount/point/that/goes/on', super: 'x'.repeat(200) } }],
    };
    const text = renderView(v, { width: 40 });
    for (const line of text.split('\n')) expect(line.length).toBeLessThanOrEqual(40);
    expect(text).not.toContain('…');
    const lines = text.split('\n').slice(2);
    expect(lines.join('').replace(/[x ]/g, '')).toBe('/a/very/long/mount/point/that/goes/on');
    expect(lines.join('').replace(/[^x]/g, '')).toHaveLength(200);
    expect(wrapCell('/run/boxlab/bl-lesson-overlay-1/upper', 20)).toEqual(['/run/boxlab/', 'bl-lesson-overlay-1/', 'upper']);
    expect(wrapCell('shared with host -> new', 16)).toEqual(['shared with host', '-> new']);
    expect(wrapCell('abcdefgh', 3)).toEqual(['abc', 'def', 'gh']);
    expect(wrapCell('abc', 4)).toEqual(['abc']);
    expect(wrapCell('rw,relatime,lowerdir', 10)).toEqual(['rw,', 'relatime,', 'lowerdir']);
  });

  it('fits widths: the last column gives first, then the widest', () => {
    expect(fitWidths([10, 10, 100], [4, 4, 4], 60)).toEqual([10, 10, 40]);
    expect(fitWidths([40, 10, 100], [4, 4, 4], 50)).toEqual([20, 10, 20]);
    expect(fitWidths([5, 5], [4, 4], 100)).toEqual([5, 5]);
    // a column's longest word is kept whole while another can give
    expect(fitWidths([10, 30], [4, 4], 30, [], [10, 5])).toEqual([10, 20]);
    expect(fitWidths([10, 10], [4, 4], 16, [], [10, 10])).toEqual([8, 8]);
  });

  it('replaces control characters a process might put in its name', () => {
    const v: View = { name: 'proc', title: 'P', columns: ['command'], rows: [{ key: '1', cells: { command: 'evil\u001b[2Jname' } }] };
    expect(ESC.test(renderView(v, { width: 80 }))).toBe(false);
  });

  it('a view that failed shows its note only', () => {
    const v: View = { name: 'uts', title: words.titles.uts, columns: [], rows: [], notes: ['could not read uts: boom'] };
    expect(renderView(v)).toBe(`${words.titles.uts}\n  ${words.note}: could not read uts: boom`);
  });

  it('colours only when asked', () => {
    expect(ESC.test(renderView(ns('1'), { color: true }))).toBe(true);
    expect(ESC.test(renderView(ns('1'), { color: false }))).toBe(false);
  });

  it('renders a snapshot view after view', () => {
    const text = renderSnapshot({ pid: 1, takenAt: 0, views: { ns: ns('1'), uts: { ...ns('1'), name: 'uts', title: 'UTS' } } });
    expect(text.split('\n\n')).toHaveLength(2);
  });
});

describe('renderDiff', () => {
  const d = diff(snap(ns('4026531838')), snap(ns('4026532000', true)));

  it('prefixes rows and shows changed cells as old -> new', () => {
    const text = renderDiff(d, { width: 120 });
    expect(ESC.test(text)).toBe(false);
    const lines = text.split('\n');
    expect(lines[0]).toBe(`${words.titles.ns}: ${words.diffSummary(1, 0, 1)}`);
    const body = lines.slice(2, 5);
    expect(body[0]!.startsWith('  net ')).toBe(true);
    expect(body[1]!.startsWith('~ uts ')).toBe(true);
    expect(body[1]).toContain(`4026531838${words.arrow}4026532000`);
    expect(body[1]).toContain(`${words.nsShared}${words.arrow}${words.nsNew}`);
    expect(body[2]!.startsWith('+ ipc ')).toBe(true);
  });

  it('marks removed rows', () => {
    const back = renderDiff(diff(snap(ns('4026532000', true)), snap(ns('4026532000'))), { width: 120 });
    expect(back.split('\n').some((l) => l.startsWith('- ipc '))).toBe(true);
  });

  it('hides same rows with onlyChanges', () => {
    const text = renderDiff(d, { width: 120, onlyChanges: true });
    expect(text).not.toMatch(/^ {2}net /m);
    expect(text).toMatch(/^~ uts /m);
  });

  it('colours added green, removed red, changed yellow', () => {
    const text = renderDiff(d, { width: 120, color: true });
    const line = (p: string) => text.split('\n').find((l) => l.includes(p))!;
    expect(line('+ ipc')).toContain('\u001b[32m');
    expect(line('~ uts')).toContain('\u001b[33m');
    const removed = renderDiff(diff(snap(ns('4026532000', true)), snap(ns('4026532000'))), { color: true });
    expect(removed.split('\n').find((l) => l.includes('- ipc'))).toContain('\u001b[31m');
  });

  it('keeps "old -> new" whole when it does not fit: the new value wraps under the old', () => {
    const long = diff(
      snap({ name: 'uts', title: 'U', columns: ['field', 'inside'], rows: [{ key: 'h', cells: { field: 'hostname', inside: 'q'.repeat(60) } }] }),
      snap({ name: 'uts', title: 'U', columns: ['field', 'inside'], rows: [{ key: 'h', cells: { field: 'hostname', inside: 'newname' } }] }),
    );
    const text = renderDiff(long, { width: 40 });
    const rows = text.split('\n').slice(text.split('\n').findIndex((x) => x.startsWith('~')));
    for (const l of rows) expect(l.length).toBeLessThanOrEqual(40);
    expect(rows.join('').replace(/[^q]/g, '')).toHaveLength(60);
    expect(rows.at(-1)!.trim()).toMatch(new RegExp(`${words.arrow.trim()} newname$`));
  });

  it('a changed namespace inode stays whole, old and new, in a narrow panel', () => {
    for (const width of [40, 50, 64, 80]) {
      const text = renderDiff(diff(snap(ns('4026531838')), snap(ns('4026532123'))), { width, onlyChanges: true });
      const lines = text.split('\n');
      for (const l of lines) expect(l.length, `${width}`).toBeLessThanOrEqual(width);
      expect(text, `${width}`).toMatch(/\b4026531838\b/);
      expect(text, `${width}`).toMatch(/\b4026532123\b/);
    }
  });

  it('says long lab paths with the short names it is given', () => {
    const v: View = { name: 'fs', title: 'F', columns: ['path'], rows: [{ key: 'u', cells: { path: '/run/boxlab/bl-lesson-overlay-11895-2/upper' } }] };
    const text = renderView(v, { width: 80, abbreviate: (s) => s.replace('/run/boxlab/bl-lesson-overlay-11895-2', '$LAB') });
    expect(text).toContain('$LAB/upper');
    expect(text).not.toContain('/run/boxlab');
  });
});

describe('words', () => {
  it('a translation changes the words without touching code', () => {
    try {
      useLanguage({ ...en, kernel: { ...en.kernel, titles: { ...en.kernel.titles, ns: 'Espaces de noms' }, note: 'remarque' } });
      const text = renderView(ns('1'));
      expect(text.split('\n')[0]).toBe('Espaces de noms');
      expect(text).toContain('remarque: a remark');
    } finally {
      useLanguage(en);
    }
    expect(words.titles.ns).toBe('Namespaces');
  });
});
