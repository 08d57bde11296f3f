// Load a lesson file: YAML front matter, Markdown prose, and the fenced blocks the
// engine runs (step, check, task, notes). Everything is checked here, before anything
// runs, and a problem is reported as `file:line: what is wrong — how to fix`.
import { readdir, readFile } from 'node:fs/promises';
import { setImmediate } from 'node:timers/promises';
import { existsSync } from 'node:fs';
import { basename, dirname, join, relative } from 'node:path';
import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Document } from 'yaml';
import { repoRoot } from '../core/binary.ts';
import { VIEW_NAMES, type ViewName } from '../kernel/types.ts';
import { CGROUP_VARS, WHEN_KEYS, whenValues } from './layout.ts';
import { lessons } from '../text/index.ts';
import { suggest } from '../text/suggest.ts';
import { OPS, OP_NAMES, validateOp } from './ops.ts';
import { assertTrustedLessons, builtInLessons } from './trust.ts';
import {
  BLOCK_TYPES, DISPLAY_LANGS, FEATURES, LessonError,
  type Action, type BlockWhen, type CheckSource, type CheckSpec, type Expectation, type Feature, type Hint, type HintWhen,
  type Lesson, type LessonMeta, type LessonSummary, type Stop,
} from './schema.ts';

/** The words of this file's refusals, in the language in use when one is made. */
const fmt = () => lessons.format;

/** Variables every session provides; lessons add their own under `vars:`. `rootfs`,
 *  `dir`, `registry`, `oci`, the loop device (`loop`, `loop_dev`) and `docker` are made
 *  only for a lesson that uses them (see workspace.ts); the cgroup ones are read from the machine
 *  (layout.ts). */
export const SESSION_VARS: readonly string[] = ['ct', 'pid', 'hostname', 'lesson', 'uid', 'gid', 'rootfs', 'dir', 'registry', 'registry_auth', 'registry_netrc', 'run', 'oci', 'loop', 'loop_dev', 'docker', ...CGROUP_VARS];

export function lessonsRoot(): string {
  return process.env.BOXLAB_LESSONS ?? builtInLessons();
}

/** How a file is named in messages: relative to the repo when inside it. */
function displayPath(file: string): string {
  const rel = relative(repoRoot(), file);
  return rel.startsWith('..') ? file : rel;
}

export async function loadLesson(file: string): Promise<Lesson> {
  assertTrustedLessons(dirname(file), [file]);
  return parseLesson(await readFile(file, 'utf8'), displayPath(file));
}

/** Every lesson file under the lessons root: NN-chapter/NN-lesson.md, in course order. */
async function lessonFiles(root = lessonsRoot()): Promise<string[]> {
  if (!existsSync(root)) return [];
  const files: string[] = [];
  for (const ch of (await readdir(root, { withFileTypes: true })).filter((d) => d.isDirectory() && /^\d+-/.test(d.name))) {
    for (const f of await readdir(join(root, ch.name))) {
      if (/^\d+-.*\.md$/.test(f)) files.push(join(root, ch.name, f));
    }
  }
  return files.sort();
}

/** A lesson file as read: its name in messages, and its text. */
export interface LessonSource { file: string; text: string }

async function readSources(root: string): Promise<LessonSource[]> {
  const files = await lessonFiles(root);
  // Lessons from outside the built-in course run only when trusted (trust.ts).
  assertTrustedLessons(root, files);
  return Promise.all(files.map(async (f) => ({ file: displayPath(f), text: await readFile(f, 'utf8') })));
}

/** Whatever one file's loading threw, as that file's error: one bad lesson must never
 *  keep the others (or the list of them) from loading. */
function asLessonError(err: unknown, file: string): LessonError {
  if (err instanceof LessonError) return err;
  return new LessonError(file, 1, fmt().notLoaded((err as Error)?.message ?? String(err)), fmt().notLoadedFix);
}

/** Two files with one id: the later one is refused (`boxlab lesson ID` must mean one). */
function duplicateIds(lessons: { id: string; file: string }[]): LessonError[] {
  const seen = new Map<string, string>();
  const errors: LessonError[] = [];
  for (const l of lessons) {
    const other = seen.get(l.id);
    if (other) errors.push(new LessonError(l.file, 2, fmt().idTaken(l.id, other), fmt().idTakenFix));
    seen.set(l.id, l.file);
  }
  return errors;
}

/** Every lesson, every block checked; the files that do not load are in `errors`. The
 *  event loop gets a turn between files, so a UI loading in the background stays
 *  responsive. */
export async function loadAll(root = lessonsRoot()): Promise<{ lessons: Lesson[]; errors: LessonError[] }> {
  return loadSources(await readSources(root));
}

/** The lessons that load, as `boxlab list` shows them. */
export async function listLessons(): Promise<LessonSummary[]> {
  return (await loadAll()).lessons.map(summarize);
}

/** loadAll of files already read (readIndex's `sources`): the lab lists the course from
 *  the index, then loads it in full without reading the files again. */
export async function loadSources(sources: LessonSource[]): Promise<{ lessons: Lesson[]; errors: LessonError[] }> {
  const lessons: Lesson[] = [];
  const errors: LessonError[] = [];
  for (const s of sources) {
    try {
      lessons.push(parseLesson(s.text, s.file));
    } catch (err) {
      errors.push(asLessonError(err, s.file));
    }
    await setImmediate();
  }
  errors.push(...duplicateIds(lessons.map((l) => ({ id: l.meta.id, file: l.file }))));
  return { lessons, errors };
}

/** A lesson known from its front matter and the fences of its blocks, which are counted
 *  but not read: what a list of lessons shows, at a fraction of the cost of loading. */
export interface IndexEntry { summary: LessonSummary; source: LessonSource }

/** The course at a glance: each file's front matter checked (a broken one is in
 *  `errors`), the blocks left for parseLesson. */
export async function readIndex(root = lessonsRoot()): Promise<{ entries: IndexEntry[]; errors: LessonError[]; sources: LessonSource[] }> {
  const entries: IndexEntry[] = [];
  const errors: LessonError[] = [];
  const sources = await readSources(root);
  for (const source of sources) {
    try {
      entries.push({ summary: indexLesson(source.text, source.file), source });
    } catch (err) {
      errors.push(asLessonError(err, source.file));
    }
  }
  errors.push(...duplicateIds(entries.map((e) => e.summary)));
  return { entries, errors, sources };
}

/** The lesson named by id (or by its path, 01-namespaces/02-pid), loaded in full. Only
 *  its own file is parsed; the others' front matter is enough to find it. */
export async function findLesson(id: string, root = lessonsRoot()): Promise<Lesson> {
  const { entries, errors } = await readIndex(root);
  const hit = entries.find((e) => e.summary.id === id || placeOf(e.summary.file).path === id);
  if (hit) return parseLesson(hit.source.text, hit.source.file);
  // Named by its file (01-unknown-op for lessons/01-c/01-unknown-op.md): a lesson that
  // does not load is reported by its own refusal, which says where it is wrong.
  const named = (file: string) => basename(file, '.md').endsWith(id) || file.includes(`/${id}`);
  const broken = errors.find((e) => named(e.file));
  if (broken) throw broken;
  for (const e of entries.filter((x) => named(x.summary.file))) parseLesson(e.source.text, e.source.file);
  const ids = entries.map((e) => e.summary.id);
  throw new Error(fmt().noLesson(id, suggest(id, ids), ids));
}

export function summarize(l: Lesson): LessonSummary {
  const count = (k: Stop['kind']) => l.stops.filter((s) => s.kind === k).length;
  return {
    id: l.meta.id, title: l.meta.title, chapter: l.meta.chapter, chapterNumber: l.chapterNumber, number: l.number,
    summary: l.meta.summary, needs: l.meta.needs, features: l.meta.features, file: l.file,
    steps: count('step'), checks: count('check'), tasks: count('task'),
  };
}

/** The summary of a lesson from its front matter, its blocks counted by their fences
 *  (every branch of a `when:`, as summarize counts them). For a lesson that loads it is
 *  what summarize() says; whether it loads is for parseLesson to tell. */
export function indexLesson(text: string, file: string): LessonSummary {
  const lines = text.split('\n');
  const { meta, end } = frontMatter(lines, file);
  const count = { step: 0, check: 0, task: 0 };
  for (let i = end + 1; i < lines.length; i++) {
    const fence = fenceAt(lines, i);
    if (!fence) continue;
    if (fence.lang === 'step' || fence.lang === 'check' || fence.lang === 'task') count[fence.lang]++;
    if (fence.close < 0) break;
    i = fence.close;
  }
  const { chapterNumber, number } = placeOf(file);
  return {
    id: meta.id, title: meta.title, chapter: meta.chapter, chapterNumber, number, summary: meta.summary,
    needs: meta.needs, features: meta.features, file, steps: count.step, checks: count.check, tasks: count.task,
  };
}

/** Where a file sits in the course, from its name: NN-chapter/NN-lesson.md. */
function placeOf(file: string): { path: string; chapterNumber: number; number: number } {
  const f = file.replace(/\\/g, '/');
  const m = /(\d+)-[^/]*\/(\d+)-[^/]*\.md$/.exec(f);
  if (!m) return { path: basename(file, '.md'), chapterNumber: 0, number: 0 };
  return { path: f.replace(/^.*?(\d+-[^/]*\/\d+-[^/]*)\.md$/, '$1'), chapterNumber: Number(m[1]), number: Number(m[2]) };
}

/** The front matter, checked; `end` is the line index of its closing "---". */
function frontMatter(lines: string[], file: string): { meta: LessonMeta; end: number } {
  if (lines[0]?.trim() !== '---') {
    throw new LessonError(file, 1, fmt().noFrontMatter, fmt().noFrontMatterFix);
  }
  const end = lines.findIndex((l, i) => i > 0 && l.trim() === '---');
  if (end < 0) throw new LessonError(file, 1, fmt().frontMatterOpen, fmt().frontMatterOpenFix);
  return { meta: validateMeta(new YamlBlock(file, lines.slice(1, end).join('\n'), 2, 1, fmt().frontMatter)), end };
}

interface Fence { indent: string; marker: string; lang: string; close: number }

/** The fenced code block opening at line i, if one does: its indent, marker (``` or
 *  ~~~), info string, and the line index that closes it (-1: never closed). */
function fenceAt(lines: string[], i: number): Fence | undefined {
  const m = /^(\s*)(`{3,}|~{3,})\s*([^\s`]*)\s*(.*)$/.exec(lines[i]!);
  if (!m) return undefined;
  const marker = m[2]!;
  let close = -1;
  for (let j = i + 1; j < lines.length; j++) {
    const t = lines[j]!.trim();
    if (t.startsWith(marker[0]!.repeat(marker.length)) && /^(`{3,}|~{3,})$/.test(t)) { close = j; break; }
  }
  return { indent: m[1]!, marker, lang: m[3]!, close };
}

// ---------------------------------------------------------------------------------

/** Parse a lesson from its text. `file` is the name used in messages. */
export function parseLesson(text: string, file: string): Lesson {
  const lines = text.split('\n');
  const { meta, end } = frontMatter(lines, file);
  const known = new Set<string>([...SESSION_VARS, ...Object.keys(meta.vars)]);
  const { path, chapterNumber, number } = placeOf(file);
  const lesson: Lesson = { file, path, chapterNumber, number, meta, stops: [], outro: '', uses: [] };
  const uses = new Set<string>();
  // Prose is substituted too, so a misspelt ${name} there is refused like one in a block.
  const proseVars = (from: number, to: number) => {
    for (let n = from; n < to; n++) {
      for (const m of lines[n]!.matchAll(/\$\{([^}]*)\}/g)) {
        if (!known.has(m[1]!)) {
          throw new LessonError(file, n + 1, fmt().unknownProseVar(m[1]!, suggest(m[1]!, [...known])), fmt().proseVarFix([...known]));
        }
      }
    }
  };
  for (const l of lines.slice(end + 1)) for (const m of l.matchAll(/\$\{(\w+)\}/g)) uses.add(m[1]!);
  for (const v of Object.values(meta.vars)) for (const m of v.matchAll(/\$\{(\w+)\}/g)) uses.add(m[1]!);
  lesson.uses = [...uses].sort();

  let prose: string[] = [];
  let pendingNotes: string[] = [];
  for (let i = end + 1; i < lines.length; i++) {
    const fence = fenceAt(lines, i);
    if (!fence) { proseVars(i, i + 1); prose.push(lines[i]!); continue; }
    const { lang, close } = fence;
    const open = i + 1; // 1-based line of the opening fence
    if (close < 0) throw new LessonError(file, open, fmt().blockOpen(lang), fmt().blockOpenFix(fence.marker));
    const body = lines.slice(i + 1, close).join('\n');
    if ((BLOCK_TYPES as readonly string[]).includes(lang)) {
      if (fence.indent) throw new LessonError(file, open, fmt().blockIndented(lang), fmt().blockIndentedFix);
      if (lang === 'notes') {
        // Notes belong to the block they follow (the one on screen); before any, to the first.
        const last = lesson.stops.at(-1);
        if (last) last.notes.push(body.trim());
        else pendingNotes.push(body.trim());
      } else {
        const block = new YamlBlock(file, body, open + 1, open, fmt().block(lang));
        const stop = validateStop(lang as 'step' | 'check' | 'task', block, known);
        stop.index = lesson.stops.length;
        stop.prose = prose.join('\n').trim();
        stop.notes = pendingNotes;
        pendingNotes = [];
        prose = [];
        lesson.stops.push(stop);
      }
    } else if (!DISPLAY_LANGS.includes(lang)) {
      const hint = suggest(lang, BLOCK_TYPES);
      throw new LessonError(file, open, fmt().unknownBlock(lang, hint), fmt().unknownBlockFix(BLOCK_TYPES, DISPLAY_LANGS.filter(Boolean)));
    } else {
      proseVars(i, close + 1);
      prose.push(...lines.slice(i, close + 1));
    }
    i = close;
  }
  lesson.outro = prose.join('\n').trim();
  if (lesson.stops.length === 0) {
    throw new LessonError(file, end + 2, fmt().noBlocks, fmt().noBlocksFix);
  }
  checkFeatures(lesson);
  return lesson;
}

/** Every kernel feature the lesson's ops need (a bridge, overlay, NAT) is named in its
 *  front matter: the doctor judges a machine by that list alone. */
function checkFeatures(lesson: Lesson): void {
  const actions = lesson.stops.flatMap((s) => (s.kind === 'step' ? [s.action] : s.kind === 'task' && s.solution ? [s.solution] : []));
  for (const a of actions) {
    if (a.kind !== 'ops') continue;
    for (const call of a.ops) {
      const feature = OPS[call.op]?.feature?.(call.args);
      if (feature && !lesson.meta.features.includes(feature)) {
        throw new LessonError(lesson.file, call.line, `op ${call.op} needs the kernel feature "${feature}", which the front matter's features do not name`,
          `add it: features: [${[...lesson.meta.features, feature].join(', ')}] (boxlab doctor tells a machine without it that this lesson will not run)`);
      }
    }
  }
}

// ---------------------------------------------------------------------------------

type Path = (string | number)[];

/** How far yaml may expand aliases in one block (its own default is 100). */
const MAX_YAML_ALIASES = 100;

/** One YAML body with the means to name the file line of any node in it. */
class YamlBlock {
  readonly doc: Document;
  readonly data: unknown;
  private lc = new LineCounter();

  /** `base`: file line of the body's first line; `at`: line to blame for a missing key. */
  constructor(readonly file: string, text: string, private base: number, readonly at: number, readonly what: string) {
    this.doc = parseDocument(text, { lineCounter: this.lc, uniqueKeys: true, prettyErrors: false });
    const err = this.doc.errors[0];
    if (err) {
      const line = err.linePos?.[0]?.line ?? this.lc.linePos(err.pos[0]).line;
      throw new LessonError(file, base + line - 1, fmt().yamlBroken(what, err.message.split('\n')[0]!), fmt().yamlBrokenFix);
    }
    // Aliases (*name) may repeat what an anchor (&name) holds; a few nested ones make a
    // "billion laughs" that would fill memory. yaml counts them and stops past the limit.
    let data: unknown;
    try {
      data = this.doc.toJS({ maxAliasCount: MAX_YAML_ALIASES });
    } catch (err) {
      throw new LessonError(file, base, fmt().yamlAliases(what, MAX_YAML_ALIASES, (err as Error).message), fmt().yamlAliasesFix);
    }
    this.data = data;
    if (data !== null && (typeof data !== 'object' || Array.isArray(data))) {
      throw new LessonError(file, base, fmt().notMapping(what), fmt().notMappingFix);
    }
  }

  line(path: Path): number {
    let node: unknown = this.doc.contents;
    let offset = (node as { range?: number[] } | null)?.range?.[0];
    for (const seg of path) {
      if (isMap(node)) {
        const pair = node.items.find((p) => isScalar(p.key) && p.key.value === seg);
        if (!pair) break;
        offset = (pair.key as { range?: number[] }).range?.[0] ?? offset;
        node = pair.value;
      } else if (isSeq(node)) {
        const item = node.items[seg as number] as { range?: number[] } | undefined;
        if (!item) break;
        offset = item.range?.[0] ?? offset;
        node = item;
      } else break;
    }
    if (offset === undefined) return this.at;
    return this.base + this.lc.linePos(offset).line - 1;
  }

  fail(path: Path | null, what: string, fix: string): never {
    throw new LessonError(this.file, path ? this.line(path) : this.at, fmt().inBlock(this.what, what), fix);
  }
}

function get(obj: unknown, path: Path): unknown {
  let v: unknown = obj;
  for (const seg of path) v = v == null ? undefined : (v as Record<string | number, unknown>)[seg];
  return v;
}

function keysOnly(b: YamlBlock, path: Path, allowed: string[]): Record<string, unknown> {
  const obj = (get(b.data, path) ?? {}) as Record<string, unknown>;
  if (typeof obj !== 'object' || Array.isArray(obj)) b.fail(path, fmt().mustBeMapping(path.join('.')), fmt().mustBeMappingFix);
  for (const k of Object.keys(obj)) {
    if (!allowed.includes(k)) b.fail([...path, k], fmt().unknownKey(k, suggest(k, allowed)), fmt().allowedKeys(allowed));
  }
  return obj;
}

function str(b: YamlBlock, path: Path, required: boolean, fix: string): string | undefined {
  const v = get(b.data, path);
  if (v === undefined || v === null) {
    if (required) b.fail(null, fmt().missing(path.join('.')), fix);
    return undefined;
  }
  if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') {
    const s = String(v);
    if (required && !s.trim()) b.fail(path, fmt().empty(path.join('.')), fix);
    return s;
  }
  return b.fail(path, fmt().mustBeText(path.join('.')), fix);
}

function strList(b: YamlBlock, path: Path): string[] | undefined {
  const v = get(b.data, path);
  if (v === undefined || v === null) return undefined;
  if (!Array.isArray(v) || !v.every((x) => typeof x === 'string')) b.fail(path, fmt().mustBeList(path.join('.')), fmt().listFix(String(path.at(-1))));
  return v as string[];
}

/** Refuse `${name}` for a variable no session or `vars:` provides. */
function checkVars(b: YamlBlock, path: Path, known: Set<string>): void {
  const v = get(b.data, path);
  if (typeof v === 'string') {
    for (const m of v.matchAll(/\$\{([^}]*)\}/g)) {
      if (!known.has(m[1]!)) {
        b.fail(path, fmt().unknownVar(m[1]!, suggest(m[1]!, [...known])), fmt().unknownVarFix([...known]));
      }
    }
  } else if (Array.isArray(v)) {
    v.forEach((_, i) => checkVars(b, [...path, i], known));
  } else if (v && typeof v === 'object') {
    for (const k of Object.keys(v)) checkVars(b, [...path, k], known);
  }
}

function validateMeta(b: YamlBlock): LessonMeta {
  keysOnly(b, [], ['id', 'title', 'chapter', 'summary', 'needs', 'features', 'vars']);
  const id = str(b, ['id'], true, fmt().addId)!;
  if (!/^[a-z0-9][a-z0-9-]*$/.test(id)) b.fail(['id'], fmt().badId(id), fmt().badIdFix);
  const title = str(b, ['title'], true, fmt().addTitle)!;
  const chapter = str(b, ['chapter'], true, fmt().addChapter)!;
  const summary = str(b, ['summary'], true, fmt().addSummary)!;
  const needs = str(b, ['needs'], true, fmt().addNeeds)!;
  if (needs !== 'root' && needs !== 'rootless') b.fail(['needs'], fmt().badNeeds(needs), fmt().badNeedsFix);
  const features = (strList(b, ['features']) ?? []) as Feature[];
  features.forEach((f, i) => {
    if (!(FEATURES as readonly string[]).includes(f)) b.fail(['features', i], fmt().unknownFeature(f, suggest(f, FEATURES)), fmt().knownFeatures(FEATURES));
  });
  const varsRaw = get(b.data, ['vars']);
  const vars: Record<string, string> = {};
  if (varsRaw !== undefined && varsRaw !== null) {
    if (typeof varsRaw !== 'object' || Array.isArray(varsRaw)) b.fail(['vars'], fmt().varsNotMapping, fmt().varsNotMappingFix);
    for (const [k, v] of Object.entries(varsRaw as Record<string, unknown>)) {
      if (!/^[a-z_][a-z0-9_]*$/.test(k)) b.fail(['vars', k], fmt().badVarName(k), fmt().badVarNameFix);
      if ((SESSION_VARS as readonly string[]).includes(k)) b.fail(['vars', k], fmt().sessionVar(k), fmt().sessionVarFix);
      if (typeof v === 'object') b.fail(['vars', k], fmt().varNotText(k), fmt().varNotTextFix);
      vars[k] = String(v);
    }
  }
  return { id, title, chapter, summary, needs, features, vars: orderVars(b, vars) };
}

/** Session variables that steps set (a clone sets ${ct}): unknown when the lesson's
 *  own vars are filled in, at its start. */
const SET_BY_STEPS = ['ct', 'pid'];

/** The lesson's vars in an order where each comes after the vars it uses, so filling
 *  them in one after another never meets one still empty. A var using a name nobody
 *  provides, or vars using each other in a circle, are refused at their line. */
function orderVars(b: YamlBlock, vars: Record<string, string>): Record<string, string> {
  const ordered: Record<string, string> = {};
  const done = new Set<string>();
  const visiting: string[] = [];
  const visit = (k: string) => {
    if (done.has(k)) return;
    if (visiting.includes(k)) {
      const circle = [...visiting.slice(visiting.indexOf(k)), k].map((n) => '${' + n + '}').join(' -> ');
      b.fail(['vars', k], fmt().varCircle(circle), fmt().varCircleFix);
    }
    visiting.push(k);
    for (const m of vars[k]!.matchAll(/\$\{(\w+)\}/g)) {
      const used = m[1]!;
      if (Object.hasOwn(vars, used)) visit(used);
      else if (SET_BY_STEPS.includes(used)) b.fail(['vars', k], fmt().varUsesStepVar(k, used), fmt().varUsesStepVarFix(used));
      else if (!(SESSION_VARS as readonly string[]).includes(used)) {
        b.fail(['vars', k], fmt().varUsesUnknown(k, used, suggest(used, [...SESSION_VARS, ...Object.keys(vars)])), fmt().varUsesUnknownFix);
      }
    }
    visiting.pop();
    done.add(k);
    ordered[k] = vars[k]!;
  };
  for (const k of Object.keys(vars)) visit(k);
  return ordered;
}

function validateViews(b: YamlBlock, path: Path): ViewName[] {
  const views = strList(b, path) ?? [];
  views.forEach((v, i) => {
    if (!(VIEW_NAMES as readonly string[]).includes(v)) b.fail([...path, i], fmt().unknownView(v, suggest(v, VIEW_NAMES)), fmt().viewsAre(VIEW_NAMES));
  });
  return views as ViewName[];
}

const ACTION_KEYS = ['op', 'args', 'ops', 'shell', 'inside', 'spawn'];
const COMMAND_KINDS = ['shell', 'inside', 'spawn'];

function validateAction(b: YamlBlock, path: Path, what: string): Action {
  const obj = (get(b.data, path) ?? {}) as Record<string, unknown>;
  const present = ['op', 'ops', ...COMMAND_KINDS].filter((k) => obj[k] !== undefined);
  if (present.length === 0) b.fail(path.length ? path : null, fmt().nothingToDo(what), fmt().nothingToDoFix);
  if (present.length > 1) b.fail([...path, present[1]!], fmt().twoActions(what, present[0]!, present[1]!), fmt().twoActionsFix);
  if (obj.args !== undefined && obj.op === undefined) b.fail([...path, 'args'], fmt().argsWithoutOp, fmt().argsWithoutOpFix);
  const kind = present[0]!;
  if (COMMAND_KINDS.includes(kind)) {
    return { kind: kind as 'shell' | 'inside' | 'spawn', command: str(b, [...path, kind], true, fmt().giveCommandText(kind))! };
  }
  const calls: { p: Path; op: unknown; args: unknown }[] = [];
  if (kind === 'op') {
    calls.push({ p: path, op: obj.op, args: obj.args ?? {} });
  } else {
    if (!Array.isArray(obj.ops) || obj.ops.length === 0) b.fail([...path, 'ops'], fmt().opsEmpty, fmt().opsEmptyFix);
    (obj.ops as unknown[]).forEach((item, i) => {
      keysOnly(b, [...path, 'ops', i], ['op', 'args']);
      calls.push({ p: [...path, 'ops', i], op: (item as Record<string, unknown>).op, args: (item as Record<string, unknown>).args ?? {} });
    });
  }
  const ops = calls.map(({ p, op, args }) => {
    if (typeof op !== 'string') b.fail([...p, 'op'], fmt().opNotName, fmt().oneOf(OP_NAMES));
    if (typeof args !== 'object' || args === null || Array.isArray(args)) b.fail([...p, 'args'], fmt().argsNotMapping, fmt().argsNotMappingFix(OPS[op]?.usage ?? op));
    const bad = validateOp(op, args as Record<string, unknown>);
    if (bad) b.fail(OPS[op] ? [...p, 'args'] : [...p, 'op'], bad[0], bad[1]);
    return { op, args: args as Record<string, unknown>, line: b.line([...p, 'op']) };
  });
  return { kind: 'ops', ops };
}

const EXPECT_KEYS = ['equals', 'not_equals', 'matches', 'contains', 'exit', 'at_least', 'at_most'];
const SOURCE_KEYS = ['view', 'probe', 'inside', 'spawn', 'shell', 'file'];

function validateExpect(b: YamlBlock, path: Path, keys = EXPECT_KEYS): Expectation {
  const obj = (get(b.data, path) ?? {}) as Record<string, unknown>;
  const e: Expectation = {};
  for (const k of keys) {
    const v = obj[k];
    if (v === undefined) continue;
    if (k === 'exit') {
      if (!Number.isInteger(v)) b.fail([...path, k], fmt().exitNotInteger, fmt().exitNotIntegerFix);
      e.exit = v as number;
    } else if (k === 'at_least' || k === 'at_most') {
      if (typeof v !== 'number' || !Number.isFinite(v)) b.fail([...path, k], fmt().notNumber(k), fmt().notNumberFix(k));
      e[k] = v;
    } else {
      if (typeof v === 'object' && v !== null) b.fail([...path, k], fmt().mustBeText(k), fmt().quoteIt);
      (e as Record<string, string>)[k] = v === null ? '' : String(v);
      if (k === 'matches') {
        try { new RegExp(String(v)); } catch (err) { b.fail([...path, k], fmt().badRegex((err as Error).message), fmt().badRegexFix); }
      }
    }
  }
  return e;
}

function validateCheck(b: YamlBlock, path: Path, titleRequired: boolean, fallbackTitle = '', extraKeys: string[] = []): CheckSpec {
  const obj = keysOnly(b, path, ['title', 'row', 'where', 'cell', 'field', ...SOURCE_KEYS, ...EXPECT_KEYS, ...extraKeys]);
  const title = str(b, [...path, 'title'], titleRequired, fmt().addCheckTitle) ?? fallbackTitle;
  const sources = SOURCE_KEYS.filter((k) => obj[k] !== undefined);
  const where = fmt().theCheck(path.join('.'));
  if (sources.length === 0) b.fail(path.length ? path : null, fmt().noSource(where), fmt().noSourceFix(SOURCE_KEYS));
  if (sources.length > 1) b.fail([...path, sources[1]!], fmt().twoSources(where, sources[0]!, sources[1]!), fmt().twoSourcesFix);
  let source: CheckSource;
  const kind = sources[0]!;
  if (kind === 'view') {
    const view = str(b, [...path, 'view'], true, '')!;
    if (!(VIEW_NAMES as readonly string[]).includes(view)) b.fail([...path, 'view'], fmt().unknownView(view, suggest(view, VIEW_NAMES)), fmt().viewsAre(VIEW_NAMES));
    const cell = str(b, [...path, 'cell'], false, '');
    if (!cell) b.fail([...path, 'view'], fmt().needsCell, fmt().needsCellFix);
    const row = str(b, [...path, 'row'], false, '');
    const w = get(b.data, [...path, 'where']);
    if (w !== undefined && (typeof w !== 'object' || w === null || Array.isArray(w))) b.fail([...path, 'where'], fmt().whereNotMapping, fmt().whereNotMappingFix);
    if (!row && w === undefined) b.fail([...path, 'view'], fmt().needsRow, fmt().needsRowFix);
    source = { kind: 'view', view: view as ViewName, cell, row, where: w ? Object.fromEntries(Object.entries(w).map(([k, v]) => [k, String(v)])) : undefined };
  } else if (kind === 'probe') {
    const what = str(b, [...path, 'probe'], true, '')!;
    if (what !== 'uts' && what !== 'ipc') b.fail([...path, 'probe'], fmt().cannotProbe(what), fmt().cannotProbeFix);
    const field = str(b, [...path, 'field'], false, '');
    if (!field) b.fail([...path, 'probe'], fmt().needsField, fmt().needsFieldFix(what));
    source = { kind: 'probe', what, field };
  } else if (kind === 'file') {
    source = { kind: 'file', path: str(b, [...path, 'file'], true, 'give a path')!, field: str(b, [...path, 'field'], false, '') };
  } else {
    source = { kind: kind as 'inside' | 'spawn' | 'shell', command: str(b, [...path, kind], true, fmt().giveCommand(kind))! };
  }
  for (const k of ['row', 'where', 'cell'] as const) if (obj[k] !== undefined && kind !== 'view') b.fail([...path, k], fmt().onlyWithView(k), fmt().removeIt);
  if (obj.field !== undefined && kind !== 'probe' && kind !== 'file') b.fail([...path, 'field'], fmt().fieldOnly, fmt().removeIt);
  const expect = validateExpect(b, path);
  if (Object.keys(expect).length === 0) b.fail(path.length ? path : null, fmt().noExpectation(where), fmt().noExpectationFix(EXPECT_KEYS));
  if (expect.exit !== undefined && !COMMAND_KINDS.includes(kind)) b.fail([...path, 'exit'], fmt().exitOnlyCommand, fmt().exitOnlyCommandFix);
  return { title, source, expect, line: b.line(path.length ? path : ['title']) };
}

/** `requires: [runc]`: program names, looked up on PATH when the block runs. */
function validateRequires(b: YamlBlock): string[] {
  const list = strList(b, ['requires']) ?? [];
  list.forEach((p, i) => {
    if (!/^[A-Za-z0-9][\w.+-]*$/.test(p)) b.fail(['requires', i], fmt().notProgram(p), fmt().notProgramFix);
  });
  return list;
}

/** A block's `when:`: on which machines it runs, by cgroup layout (layout.ts). */
function validateWhen(b: YamlBlock): { when?: BlockWhen } {
  const raw = get(b.data, ['when']);
  if (raw === undefined) return {};
  const keys = fmt().conditions(whenValues('layout'), WHEN_KEYS.filter((k) => k !== 'layout'), whenValues('memory'));
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw) || Object.keys(raw).length === 0) {
    b.fail(['when'], fmt().whenNotMapping, fmt().whenNotMappingFix(keys));
  }
  const when: BlockWhen = {};
  for (const [k, v] of Object.entries(raw as Record<string, unknown>)) {
    if (!(WHEN_KEYS as readonly string[]).includes(k)) b.fail(['when', k], fmt().unknownCondition(k, suggest(k, WHEN_KEYS)), fmt().conditionIs(keys));
    const values = Array.isArray(v) ? v : [v];
    const allowed = whenValues(k);
    values.forEach((x, i) => {
      if (typeof x !== 'string' || !allowed.includes(x)) {
        b.fail(Array.isArray(v) ? ['when', k, i] : ['when', k], fmt().badWhen(k, JSON.stringify(x)), fmt().badWhenFix(k, allowed));
      }
    });
    when[k] = values as string[];
  }
  return { when };
}

function validateStop(type: 'step' | 'check' | 'task', b: YamlBlock, known: Set<string>): Stop {
  checkVars(b, [], known);
  const base = { index: 0, prose: '', notes: [] as string[], line: b.at, requires: validateRequires(b), ...validateWhen(b) };
  if (type === 'step') {
    keysOnly(b, [], ['title', 'views', 'fails', 'pid', 'requires', 'when', ...ACTION_KEYS]);
    const title = str(b, ['title'], true, fmt().addStepTitle)!;
    const action = validateAction(b, [], fmt().theStep);
    const fails = str(b, ['fails'], false, '');
    if (fails !== undefined) {
      if (!/^E[A-Z0-9]+$/.test(fails)) b.fail(['fails'], fmt().badFails(fails), fmt().badFailsFix);
      if (action.kind !== 'ops') b.fail(['fails'], fmt().failsOnlyOps, fmt().failsOnlyOpsFix);
    }
    const pid = str(b, ['pid'], false, fmt().givePid);
    return { ...base, kind: 'step', title, action, views: validateViews(b, ['views']), fails, ...(pid !== undefined ? { pid } : {}) };
  }
  if (type === 'check') {
    const check = validateCheck(b, [], true, '', ['requires', 'when']);
    return { ...base, kind: 'check', title: check.title, check };
  }
  keysOnly(b, [], ['title', 'check', 'hints', 'solution', 'views', 'requires', 'when']);
  const title = str(b, ['title'], true, fmt().addTaskTitle)!;
  if (get(b.data, ['check']) === undefined) b.fail(null, fmt().taskNeedsCheck, fmt().taskNeedsCheckFix);
  const check = validateCheck(b, ['check'], false, title);
  const hintsRaw = get(b.data, ['hints']);
  const hints: Hint[] = [];
  if (hintsRaw !== undefined) {
    if (!Array.isArray(hintsRaw)) b.fail(['hints'], fmt().hintsNotList, fmt().hintsNotListFix);
    hintsRaw.forEach((h, i) => {
      if (typeof h === 'string') { hints.push({ when: { always: true }, text: h, line: b.line(['hints', i]) }); return; }
      keysOnly(b, ['hints', i], ['when', 'text']);
      const text = str(b, ['hints', i, 'text'], false, '');
      if (!text) b.fail(['hints', i], fmt().hintNeedsText, fmt().hintNeedsTextFix);
      const w = get(b.data, ['hints', i, 'when']);
      let when: HintWhen = { always: true };
      if (w !== undefined && w !== 'always') {
        if (typeof w !== 'object' || w === null || Array.isArray(w)) b.fail(['hints', i, 'when'], fmt().hintWhenBad, fmt().hintWhenBadFix([...EXPECT_KEYS, 'missing']));
        keysOnly(b, ['hints', i, 'when'], [...EXPECT_KEYS, 'missing', 'always']);
        when = { ...validateExpect(b, ['hints', i, 'when']) };
        const o = w as Record<string, unknown>;
        if (o.missing !== undefined) when.missing = o.missing === true;
        if (o.always !== undefined) when.always = o.always === true;
      }
      hints.push({ when, text, line: b.line(['hints', i]) });
    });
  }
  let solution: Action | undefined;
  if (get(b.data, ['solution']) !== undefined) {
    keysOnly(b, ['solution'], ACTION_KEYS);
    solution = validateAction(b, ['solution'], fmt().theSolution);
  }
  return { ...base, kind: 'task', title, check, hints, solution, views: validateViews(b, ['views']) };
}
