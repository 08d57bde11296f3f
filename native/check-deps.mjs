#!/usr/bin/env node
// check-deps.mjs - the core's files depend on each other in one direction only.
//
// Two graphs, each must have no circle:
//   headers  A.h -> B.h when A.h has #include "B.h"
//   files    A.c -> B.c when A.o uses a symbol B.o defines (read with nm(1) from the
//            objects `make` built: calls and data, whatever header declared them)
// A circle in either means two files each need the other: a helper in the wrong place.
// And no function or variable is exported (in a header) that no other file uses: it
// is dead, or it belongs static in its file. (The compiler's -Wunused finds the static
// ones nothing calls.) `make check-deps` runs this; test/unit/native-deps.test.ts too.
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** @typedef {Map<string, Map<string, string[]>>} Graph  node -> (node it needs -> why) */

/** Headers: the quoted #includes of each native/*.h. */
export function headerGraph(dir) {
  /** @type {Graph} */
  const g = new Map();
  for (const h of readdirSync(dir).filter((f) => f.endsWith('.h'))) {
    const edges = new Map();
    for (const m of readFileSync(join(dir, h), 'utf8').matchAll(/^#include "([^"]+\.h)"/gm)) {
      if (m[1] !== h) edges.set(m[1], ['#include']);
    }
    g.set(h, edges);
  }
  return g;
}

/** What each object defines (nm: T, D, B, R) and uses (nm: U). */
function symbols(dir) {
  const objects = readdirSync(dir).filter((f) => f.endsWith('.o'));
  if (objects.length === 0) throw new Error(`no objects in ${dir}: build the core first (make -C native)`);
  const defined = new Map(); // symbol -> file
  const used = new Map(); // file -> symbols
  for (const o of objects) {
    const file = basename(o, '.o') + '.c';
    const out = execFileSync('nm', ['--defined-only', '-g', join(dir, o)], { encoding: 'utf8' });
    for (const line of out.split('\n')) {
      const f = line.trim().split(/\s+/);
      if (f.length === 3) defined.set(f[2], file);
    }
    const undef = execFileSync('nm', ['--undefined-only', join(dir, o)], { encoding: 'utf8' });
    used.set(file, undef.split('\n').map((l) => l.trim().split(/\s+/).pop()).filter(Boolean));
  }
  return { defined, used };
}

/** Files: for each object, the symbols it uses that another object defines. */
export function fileGraph(dir) {
  const { defined, used } = symbols(dir);
  /** @type {Graph} */
  const g = new Map();
  for (const [file, symbols] of used) {
    const edges = new Map();
    for (const s of symbols) {
      const to = defined.get(s);
      if (!to || to === file) continue;
      edges.set(to, [...(edges.get(to) ?? []), s]);
    }
    g.set(file, edges);
  }
  return g;
}

/** Symbols an object exports that no other object uses, as "file: symbol" (main aside). */
export function unusedExports(dir) {
  const { defined, used } = symbols(dir);
  const wanted = new Set([...used.values()].flat());
  return [...defined].filter(([s]) => s !== 'main' && !wanted.has(s)).map(([s, file]) => `${file}: ${s}`).sort();
}

/** Every circle of the graph, one per strongly connected part with more than one node
 *  (Tarjan), each as its nodes and the edges among them. */
export function findCircles(g) {
  let index = 0;
  const idx = new Map(), low = new Map(), stack = [], on = new Set(), parts = [];
  const visit = (v) => {
    idx.set(v, index); low.set(v, index); index++;
    stack.push(v); on.add(v);
    for (const w of g.get(v)?.keys() ?? []) {
      if (!idx.has(w)) { visit(w); low.set(v, Math.min(low.get(v), low.get(w))); }
      else if (on.has(w)) low.set(v, Math.min(low.get(v), idx.get(w)));
    }
    if (low.get(v) === idx.get(v)) {
      const part = [];
      let w;
      do { w = stack.pop(); on.delete(w); part.push(w); } while (w !== v);
      if (part.length > 1) parts.push(part.sort());
    }
  };
  for (const v of g.keys()) if (!idx.has(v)) visit(v);
  return parts.map((nodes) => ({
    nodes,
    edges: nodes.flatMap((a) => [...(g.get(a) ?? [])].filter(([b]) => nodes.includes(b)).map(([b, why]) => `${a} -> ${b} (${why.join(', ')})`)),
  }));
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const dir = dirname(fileURLToPath(import.meta.url));
  const circles = [
    ...findCircles(headerGraph(dir)).map((c) => ({ kind: 'headers', ...c })),
    ...findCircles(fileGraph(dir)).map((c) => ({ kind: 'files', ...c })),
  ];
  for (const c of circles) {
    console.error(`check-deps: a circle of ${c.kind}: ${c.nodes.join(', ')}`);
    for (const e of c.edges) console.error(`  ${e}`);
  }
  if (circles.length) console.error('Move the helper that one of them needs to the file it belongs in, so the need runs one way.');
  const unused = unusedExports(dir);
  for (const u of unused) console.error(`check-deps: exported, but no other file uses it: ${u} (remove it, or make it static)`);
  if (circles.length || unused.length) process.exit(1);
}
