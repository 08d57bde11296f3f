// The overlay picture from explicit directories: lower and upper layers built by hand
// (a whiteout is a 0/0 character device, made with mknod: root), and a directory
// standing in for the merged view.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fsViewFromDirs, overlayChanges } from '../../src/kernel/index.ts';
import { kernel as words } from '../../src/text/index.ts';

const isRoot = process.getuid?.() === 0;

describe.skipIf(!isRoot)('overlay changes from directories', () => {
  let base = '';
  const p = (...parts: string[]) => join(base, ...parts);
  const file = (path: string, text = 'x') => {
    mkdirSync(dirname(p(path)), { recursive: true });
    writeFileSync(p(path), text);
  };
  const whiteout = (path: string) => {
    mkdirSync(dirname(p(path)), { recursive: true });
    execFileSync('mknod', [p(path), 'c', '0', '0']);
  };

  beforeAll(() => {
    base = mkdtempSync(join(tmpdir(), 'bl-fs-test-'));
    // lower layers (top first: l1 over l2)
    file('l1/keep');
    file('l1/d/f');
    file('l1/gone');
    file('l1/od/inner');
    file('l1/od/other');
    file('l2/deep/a');
    // upper: the changes
    file('u/newf'); // A
    file('u/d/f', 'changed'); // C (and d: C)
    whiteout('u/gone'); // D (a file)
    whiteout('u/ghost'); // D (nothing below: a bare whiteout)
    file('u/od/x'); // od: rm -rf od; mkdir od -> opaque
    file('u/od/inner', 'again'); // same name as below, but below is hidden: A
    file('u/adir/y'); // A, A
    file('u/deep/b'); // deep: C (from l2), b: A
    mkdirSync(p('u/emptydir'));
    // what the merged directory would show
    for (const f of ['keep', 'newf', 'd/f', 'od/x', 'od/inner', 'adir/y', 'deep/a', 'deep/b']) file(`m/${f}`);
    mkdirSync(p('m/emptydir'));
  });
  afterAll(() => rmSync(base, { recursive: true, force: true }));

  const lower = () => [p('l1'), p('l2')];

  it('lists added, copied-up and deleted entries like docker diff, and infers opaque dirs', async () => {
    const r = await overlayChanges({ lower: lower(), upper: p('u'), merged: p('m') });
    expect(r.truncated).toBe(false);
    expect(r.opaque).toBe('inferred');
    expect(r.changes.map((c) => `${c.change} ${c.path} ${c.kind}${c.opaque ? ' opaque' : ''}`)).toEqual([
      'A /adir dir',
      'A /adir/y file',
      'C /d dir',
      'C /d/f file',
      'C /deep dir',
      'A /deep/b file',
      'A /emptydir dir',
      'D /ghost whiteout',
      'D /gone file',
      'A /newf file',
      'C /od dir opaque',
      'A /od/inner file',
      'A /od/x file',
    ]);
  });

  it('without the merged view opaque dirs cannot be told, and says so', async () => {
    const r = await overlayChanges({ lower: lower(), upper: p('u') });
    expect(r.opaque).toBe('unknown');
    expect(r.changes.find((c) => c.path === '/od')!.opaque).toBeUndefined();
    expect(r.changes.find((c) => c.path === '/od/inner')!.change).toBe('C');
    const view = await fsViewFromDirs({ lower: lower(), upper: p('u') });
    expect(view.notes).toContain(words.fsOpaqueUnknown);
  });

  it('uses an xattr helper when given one', async () => {
    const asked: string[] = [];
    const r = await overlayChanges({
      lower: lower(),
      upper: p('u'),
      isOpaque: async (dir) => {
        asked.push(dir);
        return dir.endsWith('/od');
      },
    });
    expect(r.opaque).toBe('helper');
    expect(r.changes.filter((c) => c.opaque).map((c) => c.path)).toEqual(['/od']);
    // only directories that exist below are asked about
    expect(asked.map((d) => d.slice(p('u').length)).sort()).toEqual(['/d', '/deep', '/od']);
  });

  it('stops at the limit', async () => {
    const r = await overlayChanges({ lower: lower(), upper: p('u'), limit: 3 });
    expect(r.changes).toHaveLength(3);
    expect(r.truncated).toBe(true);
    const view = await fsViewFromDirs({ lower: lower(), upper: p('u'), limit: 3 });
    expect(view.notes).toContain(words.fsLimit(3));
  });

  it('makes a view keyed by the path the container sees', async () => {
    const view = await fsViewFromDirs({ lower: lower(), upper: p('u'), merged: p('m'), mountPoint: '/srv/app' });
    expect(view.name).toBe('fs');
    expect(view.columns).toEqual(['change', 'path', 'kind', 'mark']);
    const od = view.rows.find((r) => r.key === '/srv/app/od')!;
    expect(od.cells).toEqual({ change: 'C', path: '/srv/app/od', kind: words.fsKinds.dir, mark: words.fsOpaque });
    expect(view.notes).toContain(words.fsOpaqueInferred);
  });

  it('an empty upper layer: no rows, a note', async () => {
    mkdirSync(p('empty-upper'), { recursive: true });
    const view = await fsViewFromDirs({ lower: lower(), upper: p('empty-upper'), merged: p('l1') });
    expect(view.rows).toEqual([]);
    expect(view.notes).toContain(words.fsEmpty);
  });
});
