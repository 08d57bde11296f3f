// The core's C files depend on each other one way only: no file needs a file that
// needs it back, and no header includes a header that includes it back; and nothing
// is exported that no other file uses (dead, or it belongs static). The check is
// native/check-deps.mjs (also `make -C native check-deps`), on the objects the build made.
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../../src/core/index.ts';
// @ts-expect-error: a plain JavaScript module of the native build, without types
import { fileGraph, findCircles, headerGraph, unusedExports } from '../../native/check-deps.mjs';

type Graph = Map<string, Map<string, string[]>>;
const native = join(repoRoot(), 'native');
const graph = (edges: Record<string, string[]>): Graph =>
  new Map(Object.entries(edges).map(([a, bs]) => [a, new Map(bs.map((b) => [b, ['f']]))]));

describe('native/ dependency circles', () => {
  let files: Graph;
  beforeAll(() => {
    files = fileGraph(native);
  });

  it('finds a circle, and only the files in it', () => {
    const circles = findCircles(graph({ 'a.c': ['b.c'], 'b.c': ['c.c'], 'c.c': ['a.c', 'd.c'], 'd.c': [] }));
    expect(circles.map((c: { nodes: string[] }) => c.nodes)).toEqual([['a.c', 'b.c', 'c.c']]);
    expect(findCircles(graph({ 'a.c': ['b.c'], 'b.c': ['c.c'], 'c.c': [] }))).toEqual([]);
  });

  it('reads who uses whose symbols from the objects', () => {
    expect([...files.get('serve.c')!.keys()]).toContain('puppet.c'); // clone starts puppet_main
    expect(files.get('serve.c')!.get('puppet.c')).toContain('puppet_main');
  });

  it('has no circle among the C files', () => {
    expect(findCircles(files)).toEqual([]);
  });

  it('has no circle among the headers', () => {
    expect(findCircles(headerGraph(native))).toEqual([]);
  });

  it('exports nothing that no other file uses', () => {
    expect(unusedExports(native)).toEqual([]);
  });
});
