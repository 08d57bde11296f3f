// The import direction of src/ (README, "Architecture"): each directory is a layer, and a
// file imports only from its own layer or the ones below it; and no file imports itself
// back through others (no circles). Read from the source with TypeScript's own import
// scanner (static, dynamic and type-only imports alike).
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

/** Bottom first. A new directory under src/ must be placed here (the test says so). */
const LAYERS = [
  'text', //    every word the lab says, per surface and language
  'core', //    the typed client of native/boxcore
  'kernel', //  probes, snapshots, diffs, rendering of kernel state
  'ledger', //  host safety: what the lab made, and taking it away
  'images', //  OCI image formats, layouts, registries
  'runtime', // boxlab run, the rootfs, sandbox hosts
  'build', //   boxlab build
  'engine', //  the sandboxed Docker engine
  'lessons', // the lesson engine
  'doctor', //  what this machine can do; judges lessons
  'ui', //      the terminal UI
  'cli', //     the command line
];

type Edge = [from: string, to: string];

const SRC = join(import.meta.dirname, '..', '..', 'src');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sourceFiles(join(dir, e.name)) : /\.tsx?$/.test(e.name) ? [join(dir, e.name)] : []);
}

/** Every import of one file in src/ of another (paths relative to src/). */
function importsOf(root: string): Edge[] {
  return sourceFiles(root).flatMap((file) => {
    const found = ts.preProcessFile(readFileSync(file, 'utf8'), true, true).importedFiles;
    return found
      .filter((i) => i.fileName.startsWith('.'))
      .map((i) => relative(root, resolve(dirname(file), i.fileName)))
      .filter((to) => !to.startsWith('..')) // outside src/ (a package's file)
      .map((to): Edge => [relative(root, file), to]);
  });
}

const layerOf = (file: string) => file.split(sep)[0]!;

/** What is wrong with these imports: files outside any layer, imports that run up. */
function upward(edges: Edge[], layers: string[]): string[] {
  const problems = new Set<string>();
  for (const [from, to] of edges) {
    const [a, b] = [layers.indexOf(layerOf(from)), layers.indexOf(layerOf(to))];
    for (const [f, i] of [[from, a], [to, b]] as const) {
      if (i < 0) problems.add(`${f} is in no layer: add ${layerOf(f)}/ to LAYERS in test/unit/layers.test.ts and the README's Architecture`);
    }
    if (a >= 0 && b > a) problems.add(`${from} imports ${to}: ${layerOf(from)}/ is below ${layerOf(to)}/`);
  }
  return [...problems];
}

/** The circles among these imports, each as the files on it (Tarjan's strongly
 *  connected components: any with more than one file, or a file importing itself). */
function circles(edges: Edge[]): string[][] {
  const next = new Map<string, string[]>();
  for (const [from, to] of edges) next.set(from, [...(next.get(from) ?? []), to]);
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const visit = (v: string) => {
    index.set(v, index.size);
    low.set(v, index.get(v)!);
    stack.push(v);
    onStack.add(v);
    for (const w of next.get(v) ?? []) {
      if (!index.has(w)) { visit(w); low.set(v, Math.min(low.get(v)!, low.get(w)!)); }
      else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) !== index.get(v)) return;
    const component: string[] = [];
    for (let w = ''; w !== v; ) { w = stack.pop()!; onStack.delete(w); component.push(w); }
    if (component.length > 1 || next.get(v)?.includes(v)) found.push(component.sort());
  };
  for (const v of new Set(edges.flat())) if (!index.has(v)) visit(v);
  return found;
}

describe('the checks themselves', () => {
  it('see an import that runs up, a file in no layer, and circles', () => {
    const edges: Edge[] = [
      ['kernel/a.ts', 'core/b.ts'], // down: fine
      ['lessons/session.ts', 'ui/text.ts'], // up
      ['stray/x.ts', 'core/b.ts'], // no layer
      ['runtime/cgroups.ts', 'doctor/checks.ts'], ['doctor/checks.ts', 'runtime/cgroups.ts'], // a circle, one way up
      ['lessons/layout.ts', 'lessons/schema.ts'], ['lessons/schema.ts', 'lessons/layout.ts'], // a circle within a layer
    ];
    expect(upward(edges, LAYERS)).toEqual([
      'lessons/session.ts imports ui/text.ts: lessons/ is below ui/',
      'stray/x.ts is in no layer: add stray/ to LAYERS in test/unit/layers.test.ts and the README\'s Architecture',
      'runtime/cgroups.ts imports doctor/checks.ts: runtime/ is below doctor/',
    ]);
    expect(circles(edges)).toEqual([['doctor/checks.ts', 'runtime/cgroups.ts'], ['lessons/layout.ts', 'lessons/schema.ts']]);
  });

  it('read imports from source: static, dynamic, type-only and re-exports', () => {
    const edges = importsOf(SRC);
    expect(edges).toContainEqual(['cli/main.ts', 'cli/lab.ts']); // await import('./lab.ts')
    expect(edges.some(([from, to]) => from === 'ui/panel.ts' && to === 'lessons/port.ts')).toBe(true); // import type
    expect(edges.length).toBeGreaterThan(200);
  });
});

describe('src/', () => {
  const edges = importsOf(SRC);

  it('imports only from its own layer or below', () => {
    expect(upward(edges, LAYERS)).toEqual([]);
  });

  it('has no circles of imports', () => {
    expect(circles(edges)).toEqual([]);
  });
});
