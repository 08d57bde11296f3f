import { describe, expect, it } from 'vitest';
import { countChanges, diff, diffRows, type Row, type Snapshot, type View } from '../../src/kernel/index.ts';

const row = (key: string, cells: Record<string, string> = {}): Row => ({ key, cells: { k: key, ...cells } });
const keys = (rows: { key: string; change: string }[]) => rows.map((r) => `${r.change[0]}:${r.key}`);

describe('diffRows', () => {
  it('classifies added, removed, changed and same', () => {
    const before = [row('a', { v: '1' }), row('b', { v: '1' }), row('c', { v: '1' })];
    const after = [row('a', { v: '1' }), row('c', { v: '2' }), row('d', { v: '1' })];
    const d = diffRows(before, after, ['k', 'v']);
    expect(keys(d)).toEqual(['s:a', 'r:b', 'c:c', 'a:d']);
    expect(d[0]).toEqual({ key: 'a', change: 'same', before: before[0], after: after[0] });
    expect(d[1]).toEqual({ key: 'b', change: 'removed', before: before[1] });
    expect(d[2]).toEqual({ key: 'c', change: 'changed', before: before[2], after: after[1], cells: ['v'] });
    expect(d[3]).toEqual({ key: 'd', change: 'added', after: after[2] });
  });

  it('names every changed cell, in column order, including cells that appear or vanish', () => {
    const d = diffRows([row('x', { a: '1', b: '1', c: '1' })], [row('x', { c: '2', a: '2', b: '1', extra: 'y' })], ['k', 'a', 'b', 'c']);
    expect(d[0]!.cells).toEqual(['a', 'c', 'extra']);
  });

  it('keeps after order and puts removed rows back where they were', () => {
    const before = ['r0', 'a', 'r1', 'r2', 'b', 'c', 'r3'].map((k) => row(k));
    const after = ['n0', 'c', 'a', 'n1', 'b'].map((k) => row(k));
    // r0 preceded everything: first; r1 r2 followed a; r3 followed c
    expect(keys(diffRows(before, after))).toEqual(['r:r0', 'a:n0', 's:c', 'r:r3', 's:a', 'r:r1', 'r:r2', 'a:n1', 's:b']);
  });

  it('all added from nothing, all removed to nothing', () => {
    expect(keys(diffRows([], [row('a'), row('b')]))).toEqual(['a:a', 'a:b']);
    expect(keys(diffRows([row('a'), row('b')], []))).toEqual(['r:a', 'r:b']);
    expect(diffRows([], [])).toEqual([]);
  });

  it('survives a repeated key', () => {
    const d = diffRows([row('a', { v: '1' }), row('a', { v: '2' })], [row('a', { v: '1' }), row('a', { v: '3' })], ['v']);
    expect(keys(d)).toEqual(['s:a', 'c:a#2']);
  });
});

describe('diff of snapshots', () => {
  const view = (name: View['name'], rows: Row[], notes?: string[]): View => ({
    name,
    title: name.toUpperCase(),
    columns: ['k', 'v'],
    rows,
    ...(notes ? { notes } : {}),
  });
  const snap = (views: View[]): Snapshot => ({ pid: 42, takenAt: 0, views: Object.fromEntries(views.map((v) => [v.name, v])) });

  it('diffs each view, in after order, views only before at the end', () => {
    const before = snap([view('ns', [row('uts', { v: 'shared' })]), view('ipc', [row('q')]), view('uts', [row('hostname', { v: 'vm' })])]);
    const after = snap([view('uts', [row('hostname', { v: 'box' })]), view('ns', [row('uts', { v: 'new' })], ['a note']), view('mounts', [row('/proc')])]);
    const d = diff(before, after);
    expect(d.pid).toBe(42);
    expect(d.views.map((v) => v.name)).toEqual(['uts', 'ns', 'mounts', 'ipc']);
    expect(d.views[0]!.rows[0]).toMatchObject({ change: 'changed', cells: ['v'] });
    expect(d.views[1]!.notes).toEqual(['a note']);
    expect(keys(d.views[2]!.rows)).toEqual(['a:/proc']);
    expect(keys(d.views[3]!.rows)).toEqual(['r:q']);
    expect(countChanges(d.views[0]!)).toEqual({ added: 0, removed: 0, changed: 1, same: 0 });
  });

  it('shows the notes of the view after; those of before only when the view is gone', () => {
    const before = snap([view('cgroup', [row('a')], ['not in a group of its own']), view('ns', [row('b')], ['gone now'])]);
    const after = snap([view('cgroup', [row('a')])]);
    const d = diff(before, after);
    expect(d.views.find((v) => v.name === 'cgroup')!.notes).toBeUndefined();
    expect(d.views.find((v) => v.name === 'ns')!.notes).toEqual(['gone now']);
  });

  it('readings for two processes (the views followed a new container) name nothing removed', () => {
    const lab: Snapshot = { pid: 100, takenAt: 0, views: { proc: view('proc', [row('node'), row('boxcore'), row('init')]) } };
    const container: Snapshot = { pid: 200, takenAt: 0, views: { proc: view('proc', [row('init'), row('sh')]) } };
    const d = diff(lab, container);
    expect(keys(d.views[0]!.rows)).toEqual(['s:init', 'a:sh']);
    expect(countChanges(d.views[0]!)).toMatchObject({ added: 1, removed: 0 });
    // the same process read twice: what went is removed
    expect(countChanges(diff(lab, { ...container, pid: 100 }).views[0]!)).toMatchObject({ added: 1, removed: 2 });
  });

  it('a snapshot diffed with itself is all same', () => {
    const s = snap([view('ns', [row('a', { v: '1' }), row('b', { v: '2' })])]);
    expect(diff(s, s).views[0]!.rows.every((r) => r.change === 'same')).toBe(true);
  });
});
