// The pictures, drawn from kernel views recorded on a real machine (test/fixtures/ui,
// made by test/ui/record-pictures.ts): the net lesson's namespaces and veth pair, a
// bridge made by `boxlab run --net bridge`, the overlay lesson's layers and changes, a
// container's cgroups with limits, and processes with two PIDs each.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Snapshot, SnapshotDiff, View, ViewDiff, ViewName } from '../../src/kernel/types.ts';
import { stripAnsi, visibleWidth } from '../../src/ui/draw.ts';
import { pictureOf, pictureRows } from '../../src/ui/pictures/index.ts';
import { netModel, vethPairs } from '../../src/ui/pictures/net.ts';
import { overlayModel } from '../../src/ui/pictures/fs.ts';
import { cgroupModel } from '../../src/ui/pictures/cgroup.ts';
import { kernel as words, ui as text } from '../../src/text/index.ts';
import { panelLines, windowLines } from '../../src/ui/panel.ts';
import { diff, renderDiff, renderSnapshot } from '../../src/kernel/index.ts';

interface Recorded { step: string; before?: Snapshot; after: Snapshot; diff: SnapshotDiff }
const fixture = <T>(name: string): T => JSON.parse(readFileSync(join(import.meta.dirname, '..', 'fixtures', 'ui', name), 'utf8')) as T;
const net = fixture<Recorded[]>('net.json');
const fs = fixture<Recorded[]>('fs.json');
const proc = fixture<Recorded[]>('proc.json');
const run = fixture<Snapshot>('run.json');

const viewDiff = (r: Recorded, name: ViewName): ViewDiff | undefined => r.diff.views.find((v) => v.name === name);
const draw = (name: ViewName, view: View | undefined, d: ViewDiff | undefined, width = 80) => {
  const lines = pictureOf(name, view, d, width)!;
  for (const l of lines) expect(visibleWidth(l), l).toBeLessThanOrEqual(width + 40); // ink cuts the rest; boxes fit exactly
  return lines.map(stripAnsi);
};
const step = (list: Recorded[], start: string) => list.find((r) => r.step.startsWith(start))!;

describe('net picture', () => {
  it('draws each namespace as a box and the veth pair as a line between its ends', () => {
    const last = step(net, "Give c2's eth0");
    const lines = draw('net', last.after.views.net, viewDiff(last, 'net'));
    const box = (label: string) => lines.findIndex((l) => l.includes(`─ ${label} `));
    const hostAt = box(text.picture.netHostBox);
    const ctAt = box(text.picture.netBox('container'));
    const c1At = box(text.picture.netBox('c1'));
    expect(hostAt).toBe(0);
    expect(ctAt).toBeGreaterThan(hostAt);
    expect(c1At).toBeGreaterThan(ctAt);
    // the two ends, with their addresses, each on the box's edge (├), joined by one lane
    const eth0 = lines.findIndex((l) => /eth0 +veth +up +10\.88\.0\.2\/24/.test(l));
    const vethBox = lines.findIndex((l) => /veth-box +veth +up +10\.88\.0\.1\/24/.test(l));
    expect(eth0).toBeGreaterThan(ctAt);
    expect(vethBox).toBeGreaterThan(c1At);
    expect(lines[eth0]).toMatch(/├─┐ *$/);
    expect(lines[vethBox]).toMatch(/├─┘ *$/);
    const lane = lines[eth0]!.indexOf('┐');
    for (let i = eth0 + 1; i < vethBox; i++) expect(lines[i]![lane], `line ${i}: ${lines[i]}`).toBe('│');
    // the host's own links are one line: the lab did not touch them
    expect(lines[hostAt + 1]).toContain(text.picture.netHostOwn(['lo', 'ifb0', 'ifb1', 'eth0']));
    expect(lines.some((l) => l.includes('192.0.2.2'))).toBe(false);
    expect(lines.at(-1)).toBe(text.picture.netLegend);
  });

  it('marks what the step changed: a moved link leaves its old namespace and is new in the other', () => {
    const moved = step(net, 'Move eth0 from c1 into c2');
    const lines = draw('net', moved.after.views.net, viewDiff(moved, 'net'));
    const ct = lines.findIndex((l) => l.includes(text.picture.netBox('container')));
    const c1 = lines.findIndex((l) => l.includes(text.picture.netBox('c1')));
    expect(lines.slice(ct, c1).some((l) => /│ \+ eth0 +veth +down/.test(l))).toBe(true);
    expect(lines.slice(c1).some((l) => /│ - eth0 +veth/.test(l))).toBe(true);
    // the removed end takes no part in the pair: exactly one lane
    expect(vethPairs(netModel(pictureRows(moved.after.views.net, viewDiff(moved, 'net'))))).toHaveLength(1);
  });

  it('draws a bridge with its port under it, and the port paired with the container end', () => {
    const lines = draw('net', run.views.net, undefined, 90);
    const bridge = lines.findIndex((l) => /bl0 +bridge +up +10\.88\.0\.1\/24/.test(l));
    expect(bridge).toBeGreaterThan(0);
    expect(lines[bridge + 1]).toMatch(/└─ bl-c03b +veth +up +├─┐/);
    expect(lines.some((l) => /eth0 +veth +up +10\.88\.0\.2\/24 .*├─┘/.test(l))).toBe(true);
    expect(lines.some((l) => l.includes(text.picture.netNat(1)))).toBe(true);
    expect(lines.some((l) => l.includes('route default via 10.88.0.1 dev eth0'))).toBe(true);
  });

  it('fits narrow widths, and is as wide as what it holds on wide ones: every box line as wide as the others', () => {
    const last = step(net, "Give c2's eth0");
    const widths = [40, 60, 100, 200].map((width) => {
      const lines = draw('net', last.after.views.net, viewDiff(last, 'net'), width).slice(0, -1);
      const w = [...lines[0]!].length;
      for (const l of lines) expect([...l].length, l).toBe(w);
      expect(w).toBeLessThanOrEqual(width);
      return w;
    });
    expect(widths.slice(0, 2)).toEqual([40, 60]);
    expect(widths[3], 'a projector\'s 200 columns are not stretched to').toBe(widths[2]);
    expect(widths[3]).toBeLessThan(100);
  });
});

describe('overlay picture', () => {
  it('stacks merged over upper over the lower layers, top first, with the work dir', () => {
    const first = fs[0]!;
    const lines = draw('fs', first.after.views.fs, viewDiff(first, 'fs'), 100);
    const o = overlayModel(pictureRows(first.after.views.fs))[0]!;
    const at = (s: string) => lines.findIndex((l) => l.includes(s));
    expect(at(text.picture.fsMerged(o.mountPoint))).toBe(0);
    expect(at(text.picture.fsUpper(o.upper!))).toBeGreaterThan(at(text.picture.fsMerged(o.mountPoint)));
    expect(at(text.picture.fsLower(0, 2, o.lower[0]!))).toBeGreaterThan(at(text.picture.fsUpper(o.upper!)));
    expect(at(text.picture.fsLower(1, 2, '/var/cache/boxlab/rootfs'))).toBeGreaterThan(at(text.picture.fsLower(0, 2, o.lower[0]!)));
    expect(lines.at(-1)).toContain(text.picture.fsWork(o.work!));
    expect(lines.some((l) => l.includes(text.picture.fsNoChanges))).toBe(true);
  });

  it('lists what upper holds: copied-up files, whiteouts, opaque directories; this step marked', () => {
    const last = step(fs, 'Replace /app/data');
    const lines = draw('fs', last.after.views.fs, viewDiff(last, 'fs'), 110);
    const line = (path: string) => lines.find((l) => new RegExp(` ${path.replace(/\./g, '\\.')} +(file|dir) `).test(l)) ?? '';
    expect(line('/app/config')).toMatch(/│  C \/app\/config +file +copied up/);
    expect(line('/app/old.log')).toMatch(/│  D \/app\/old\.log +file +whiteout/);
    expect(line('/app/data')).toMatch(/│ ▸C \/app\/data +dir +opaque/);
    expect(line('/app/data/c')).toMatch(/│ ▸A \/app\/data\/c +file +new/);
  });

  it('shows the layer paths, not the layer rows, and no change outside an overlay', () => {
    const rows = pictureRows(fs[0]!.after.views.fs);
    const model = overlayModel(rows);
    expect(model).toHaveLength(1);
    expect(model[0]!.lower).toHaveLength(2);
    expect(model[0]!.changes).toEqual([]);
  });
});

describe('cgroup picture', () => {
  it('draws the path to the group and its limits with usage bars (v1 trees, hybrid machine)', () => {
    const lines = draw('cgroup', run.views.cgroup, undefined, 80);
    const groups = cgroupModel(pictureRows(run.views.cgroup));
    // memory is at another path on this machine: two groups
    expect(groups.map((g) => g.trees.join(','))).toEqual(['pids,blkio,freezer,cpuset,cpuacct,cpu', 'memory']);
    expect(lines[0]).toBe(text.picture.cgV1(groups[0]!.trees));
    expect(lines).toContain('/');
    expect(lines.some((l) => /└─ bl-run-\d+-1 +◂ the container's group/.test(l))).toBe(true);
    expect(lines.some((l) => /pids +█+░+ +3 of 32$/.test(l))).toBe(true);
    expect(lines.some((l) => /cpu +may use 0\.5 CPU · used [\d.]+ ms$/.test(l))).toBe(true);
    expect(lines.some((l) => /memory +[█░]+ +[\d.]+ KiB of 64 MiB$/.test(l))).toBe(true);
    expect(lines.some((l) => /events +pids\.events:max 0/.test(l))).toBe(true);
  });

  it('fills a bar by usage over limit, and shows no bar without a limit', () => {
    const v: View = {
      name: 'cgroup', title: words.titles.cgroup, columns: ['kind', 'file', 'value', 'meaning'], rows: [
        { key: 'group:v2', cells: { kind: 'group', file: 'v2', value: '/bl-x-1-1', meaning: '' } },
        { key: 'memory.max', cells: { kind: 'limit', file: 'memory.max', value: '100', meaning: '100 B' } },
        { key: 'memory.current', cells: { kind: 'usage', file: 'memory.current', value: '75', meaning: '75 B' } },
        { key: 'pids.max', cells: { kind: 'limit', file: 'pids.max', value: 'max', meaning: 'no limit' } },
        { key: 'pids.current', cells: { kind: 'usage', file: 'pids.current', value: '4', meaning: '' } },
        { key: 'memory.events:oom_kill', cells: { kind: 'event', file: 'memory.events oom_kill', value: '2', meaning: '' } },
      ],
    };
    const lines = draw('cgroup', v, undefined, 64);
    expect(lines[0]).toBe(text.picture.cgV2);
    expect(lines.find((l) => l.includes('memory '))).toMatch(/memory +(█{15})(░{5}) +75 B of 100 B/);
    expect(lines.find((l) => l.includes('pids '))).toMatch(/pids +·+ +4, no limit/);
    expect(lines.find((l) => l.includes('events '))).toContain('memory.events:oom_kill 2');
  });
});

describe('process picture', () => {
  it('puts each PID outside beside the PID inside, as a tree', () => {
    const lines = draw('proc', run.views.proc, undefined);
    const rows = run.views.proc!.rows;
    expect(lines[0]).toMatch(/host pid +pid inside +command/);
    expect(lines[1]).toMatch(new RegExp(`^  +${rows[0]!.cells.hostPid} ━━▶ 1 +sh -c sleep 30`));
    expect(lines[2]).toMatch(new RegExp(`${rows[1]!.cells.hostPid} ━━▶ 2 +├─ sleep 30`));
    expect(lines[3]).toMatch(new RegExp(`${rows[2]!.cells.hostPid} ━━▶ 3 +└─ `));
    expect(lines.at(-1)).toBe(text.picture.procTwoNumbers);
  });

  it('marks a process the step started', () => {
    const r = proc.at(-1)!;
    const lines = draw('proc', r.after.views.proc, viewDiff(r, 'proc'));
    expect(lines.find((l) => l.includes('sleep 1000'))).toMatch(/^\+ +\d+ ━━▶ 9 +└─ sleep 1000$/);
  });
});

describe('state panel', () => {
  const k = { renderDiff, renderSnapshot, diff };

  it('draws pictures for the views that have one and tables for the rest', () => {
    const r = proc.at(-1)!;
    const lines = panelLines({ result: { ok: true, before: r.before, after: r.after, diff: r.diff, log: [] }, mode: 'diff', pictures: true, width: 80, kernel: k }).map(stripAnsi);
    expect(lines[0]).toBe(`${text.stateTitle} — ${text.statePictures}`);
    expect(lines).toContain(text.picture.title(words.titles.proc));
    expect(lines.some((l) => /^\+ +\d+ ━━▶ 9 /.test(l))).toBe(true);
  });

  it('when the step moved the views to a new container, nothing of the lab\'s own is marked gone', () => {
    const r = proc[0]!; // the clone: before, the lab's processes; after, the container's
    expect(r.before!.pid).not.toBe(r.after.pid);
    const lines = panelLines({ result: { ok: true, before: r.before, after: r.after, diff: diff(r.before!, r.after), log: [] }, mode: 'diff', pictures: true, width: 80, kernel: k }).map(stripAnsi);
    expect(lines.some((l) => l.includes(text.picture.procGone)), lines.join('\n')).toBe(false);
    expect(lines.some((l) => /^\+ +\d+ ━━▶ 1 /.test(l))).toBe(true);
  });

  it('before | after too narrow for two tables puts before above after, every inode whole', () => {
    const r = proc[0]!; // the clone: new pid and mnt namespaces
    const inodes = (s: Snapshot) => s.views.ns!.rows.map((row) => row.cells.inode!).filter(Boolean);
    const input = (width: number) => ({ result: { ok: true, before: r.before, after: r.after, diff: r.diff, log: [] }, mode: 'side' as const, pictures: false, width, kernel: k });
    for (const width of [80, 100]) {
      const lines = panelLines(input(width)).map(stripAnsi);
      expect(lines).toContain(text.before);
      expect(lines).toContain(text.after);
      expect(lines.indexOf(text.after)).toBeGreaterThan(lines.indexOf(text.before));
      for (const inode of [...inodes(r.before!), ...inodes(r.after)]) expect(lines.some((l) => l.includes(inode)), `${inode} at ${width}`).toBe(true);
      for (const l of lines.filter((x) => !x.trim().startsWith('note:'))) expect(l.length, l).toBeLessThanOrEqual(width);
    }
    // wide enough for two: side by side
    expect(panelLines(input(160)).map(stripAnsi).some((l) => l.includes(' │ '))).toBe(true);
  });

  it('the lab\'s paths drawn as $LAB keep each box as wide as its content', () => {
    const r = fs[0]!;
    const dir = /\/run\/boxlab\/bl-lesson-overlay-\d+-\d+/.exec(JSON.stringify(r.after))![0];
    const names = { abbreviate: (s: string) => s.replaceAll(dir, '$LAB'), legend: [{ name: 'LAB', path: dir }] };
    const lines = panelLines({ result: { ok: true, before: r.before, after: r.after, diff: r.diff, log: [] }, mode: 'diff', pictures: true, width: 80, kernel: k, names }).map(stripAnsi);
    expect(lines.some((l) => l.includes('$LAB/upper'))).toBe(true);
    expect(lines.some((l) => l.includes(dir) && !l.startsWith(text.shortName('LAB', dir)))).toBe(false);
    // every box: its top, sides and bottom end in the same column
    const boxes = lines.filter((l) => /^[┌│└]/.test(l));
    expect(boxes.length).toBeGreaterThan(3);
    for (const l of boxes) expect(visibleWidth(l.trimEnd().replace(/[^┐┤┘│]*$/, '')) , l).toBe(visibleWidth(boxes[0]!.trimEnd().replace(/[^┐┤┘│]*$/, '')));
  });

  it('a window onto lines taller than their region says what is cut', () => {
    const lines = Array.from({ length: 10 }, (_, i) => `line ${i}`);
    expect(windowLines(lines, 0, 4).lines.map(stripAnsi)).toEqual(['line 0', 'line 1', 'line 2', text.moreBelow(6)]);
    expect(windowLines(lines, -1, 4).lines.map(stripAnsi)).toEqual([text.moreAbove(6), 'line 7', 'line 8', 'line 9']);
    expect(windowLines(lines, 99, 4).offset).toBe(6);
    expect(windowLines(['a'], 0, 3).lines).toEqual(['a', '', '']);
  });
});
