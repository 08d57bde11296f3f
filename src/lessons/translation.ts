// A lesson in another language: lessons/LANG/NN-chapter/NN-lesson.md beside the English
// lessons/NN-chapter/NN-lesson.md. It is the English file with only the words changed
// (titles, prose, hints, notes, the front matter's title, chapter and summary): ops,
// arguments, views, checks and their expected values, variables and the order of the
// blocks are the English ones, which structureDifferences proves.
//
// Each part of a translation records the English it was made from, as a short hash:
// every engine block in its fence (```step from=3f2a9c1b0e), which covers the block and
// the prose before it; the front matter and the prose after the last block in a `from:`
// line of the front matter (from: meta=... outro=...). An English part that changes
// after its translation was made no longer has the hash recorded: the translation is
// stale, and the lab shows the English lesson until someone brings it up to date.
import { createHash } from 'node:crypto';
import { fenceAt } from './fences.ts';
import { BLOCK_TYPES, type Lesson, type LessonMeta, type Stop, type TranslationStatus } from './schema.ts';
import { lessons as words } from '../text/index.ts';

const t = () => words.translation;

/** A part of a lesson file whose English a translation records. */
export interface Part {
  /** 'meta', 'outro', or the engine block's index (0-based, notes included) */
  key: string;
  /** the engine block's type, for blocks */
  kind?: string;
  /** 1-based line where the part's fence (or the front matter) opens */
  line: number;
  /** the hash of the part's text */
  hash: string;
  /** in a translation: the hash of the English it records, if it records one */
  from?: string;
}

/** The short hash a translation records: of the text with trailing spaces, blank lines
 *  around it and runs of blank lines left out, so whitespace alone does not make it stale. */
export function partHash(text: string): string {
  const norm = text.split('\n').map((l) => l.trimEnd()).join('\n').replace(/\n{3,}/g, '\n\n').trim();
  return createHash('sha256').update(norm).digest('hex').slice(0, 10);
}

const FROM_LINE = /^from:\s*(.*)$/;

/** The parts of a lesson file, English or translated, in order: the front matter, each
 *  engine block with the prose since the block before it, and the prose after the
 *  last. A translation's records (from=) are read but never hashed. */
export function lessonParts(text: string): Part[] {
  const lines = text.split('\n');
  const end = lines[0]?.trim() === '---' ? lines.findIndex((l, i) => i > 0 && l.trim() === '---') : -1;
  const meta = end > 0 ? lines.slice(1, end) : [];
  const records = new Map<string, string>();
  const fromLine = meta.find((l) => FROM_LINE.test(l));
  for (const m of (fromLine ? FROM_LINE.exec(fromLine)![1]! : '').matchAll(/(\w+)=(\w+)/g)) records.set(m[1]!, m[2]!);
  const parts: Part[] = [{ key: 'meta', line: 1, hash: partHash(meta.filter((l) => l !== fromLine).join('\n')), from: records.get('meta') }];
  let start = end + 1;
  let block = 0;
  for (let i = end + 1; i < lines.length; i++) {
    const fence = fenceAt(lines, i);
    if (!fence) continue;
    if (fence.close < 0) break;
    if ((BLOCK_TYPES as readonly string[]).includes(fence.lang)) {
      const text = [...lines.slice(start, i), '```' + fence.lang, ...lines.slice(i + 1, fence.close + 1)].join('\n');
      const from = /(?:^|\s)from=(\w+)/.exec(fence.info)?.[1];
      parts.push({ key: String(block++), kind: fence.lang, line: i + 1, hash: partHash(text), from });
      start = fence.close + 1;
    }
    i = fence.close;
  }
  parts.push({ key: 'outro', line: start + 1, hash: partHash(lines.slice(start).join('\n')), from: records.get('outro') });
  return parts;
}

/** The translation's text as the loader reads a lesson: its `from:` line left out (the
 *  fences' from= the loader does not read). */
export function withoutRecords(text: string): string {
  const lines = text.split('\n');
  const end = lines[0]?.trim() === '---' ? lines.findIndex((l, i) => i > 0 && l.trim() === '---') : -1;
  return lines.filter((l, i) => !(i > 0 && i < end && FROM_LINE.test(l))).join('\n');
}

/** The name of a part in what a translator is told. */
function partName(p: Part, stops: Stop[], notesBefore: (n: number) => number): string {
  if (p.key === 'meta') return t().partMeta;
  if (p.key === 'outro') return t().partOutro;
  const n = Number(p.key);
  const stop = p.kind === 'notes' ? undefined : stops[n - notesBefore(n)];
  return t().partBlock(n + 1, p.kind ?? '', stop?.title ?? '');
}

/** Each part of the translation whose English changed since it was made (or which
 *  does not say what it was made from), as the translator is told it. */
export function staleParts(englishText: string, translatedText: string, translatedFile: string, english?: Lesson): string[] {
  const at = (p: Part) => `${translatedFile}:${p.line}: `;
  const en = lessonParts(englishText);
  const tr = lessonParts(translatedText);
  const blocks = (ps: Part[]) => ps.filter((p) => p.kind).length;
  if (blocks(en) !== blocks(tr)) return [t().partCount(blocks(en), blocks(tr))];
  const notesBefore = (n: number) => en.slice(1, n + 1).filter((p) => p.kind === 'notes').length;
  const problems: string[] = [];
  en.forEach((p, i) => {
    const recorded = tr[i]!.from;
    const name = partName(p, english?.stops ?? [], notesBefore);
    if (!recorded) problems.push(`${at(tr[i]!)}${t().unrecorded(name, p.hash)}`);
    else if (recorded !== p.hash) problems.push(`${at(tr[i]!)}${t().stale(name, recorded, p.hash)}`);
  });
  return problems;
}

/** The keys whose values are words a translation changes: a block's title and the
 *  prose above it, a check's title, a hint's text (notes too, a list of them). Any other
 *  key - those of blocks added later included - is the engine's, kept as it is. */
const WORD_KEYS = new Set(['title', 'prose', 'text', 'notes']);
/** The front matter's words. */
const META_WORDS = new Set(['title', 'chapter', 'summary']);
/** Where a block sits in its file, which a translation's longer or shorter lines move. */
const PLACE_KEYS = new Set(['line', 'index']);

/** What of a stop a translation must keep: everything but its words and places. Words
 *  are replaced by the variables they use (a title that names ${pid} names it in every
 *  language); notes by theirs, one list per note. */
function skeleton(v: unknown, key = ''): unknown {
  if (WORD_KEYS.has(key)) return Array.isArray(v) ? v.map((x) => varsOf([String(x)])) : varsOf([String(v ?? '')]);
  if (Array.isArray(v)) return v.map((x) => skeleton(x));
  if (v && typeof v === 'object') {
    return Object.fromEntries(Object.entries(v).filter(([k]) => !PLACE_KEYS.has(k)).map(([k, x]) => [k, skeleton(x, k)]));
  }
  return v;
}

function varsOf(texts: string[]): string[] {
  return [...new Set(texts.flatMap((x) => [...x.matchAll(/\$\{(\w+)\}/g)].map((m) => m[1]!)))].sort();
}

/** Where a translated lesson differs from its English one other than in words: the
 *  front matter (id, needs, features, vars, ...); the blocks, their order, and in each
 *  everything but its words: op and arguments or command, views, checks and expected
 *  values, hints' conditions, solution, and what blocks added later carry. */
export function structureDifferences(english: Lesson, translated: Lesson): string[] {
  const problems: string[] = [];
  const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
  // the front matter: all of it but its words (title, chapter, summary)
  for (const k of new Set([...Object.keys(english.meta), ...Object.keys(translated.meta)])) {
    if (META_WORDS.has(k)) continue;
    if (!same(english.meta[k as keyof LessonMeta], translated.meta[k as keyof LessonMeta])) problems.push(t().differs(t().partMeta, k));
  }
  if (english.stops.length !== translated.stops.length) {
    return [...problems, t().partCount(english.stops.length, translated.stops.length)];
  }
  english.stops.forEach((s, i) => {
    const mine = skeleton(s) as Record<string, unknown>;
    const theirs = skeleton(translated.stops[i]!) as Record<string, unknown>;
    const name = `${translated.file}:${translated.stops[i]!.line}: ${t().partBlock(i + 1, s.kind, s.title)}`;
    for (const k of new Set([...Object.keys(mine), ...Object.keys(theirs)])) {
      if (same(mine[k], theirs[k])) continue;
      if (k === 'title' || k === 'prose') problems.push(t().varsDiffer(name, mine[k] as string[], theirs[k] as string[]));
      else problems.push(t().differs(name, k));
    }
  });
  if (!same(varsOf([english.outro]), varsOf([translated.outro]))) problems.push(t().varsDiffer(t().partOutro, varsOf([english.outro]), varsOf([translated.outro])));
  return problems;
}

/** The lesson in `lang`: the translation when it loads, has the English structure and
 *  is fresh, else the English lesson; either way with how its words came to be. The
 *  translated lesson keeps the English file's name (its id and place in the course) and
 *  says where its words are. */
export function localize(
  english: Lesson,
  englishText: string,
  lang: string,
  translation: { file: string; text: string } | undefined,
  parse: (text: string, file: string) => Lesson,
): Lesson {
  if (lang === 'en') return english;
  const fallback = (status: TranslationStatus, problems: string[]): Lesson => ({
    ...english, translation: { lang, status, problems, ...(translation ? { file: translation.file } : {}) },
  });
  if (!translation) return fallback('missing', []);
  let translated: Lesson;
  try {
    translated = parse(withoutRecords(translation.text), translation.file);
  } catch (err) {
    return fallback('broken', [t().broken((err as Error).message)]);
  }
  const different = structureDifferences(english, translated);
  if (different.length) return fallback('different', different);
  const stale = staleParts(englishText, translation.text, translation.file, english);
  if (stale.length) return fallback('stale', stale);
  return {
    ...translated, file: english.file, path: english.path, lang,
    translation: { lang, file: translation.file, status: 'fresh', problems: [] },
  };
}

/** A translation with every part recording the English it matches now: each engine
 *  fence's from=, and the front matter's `from:` line, added where missing. For a
 *  translator who has just brought the words up to date (never before: a record says
 *  the words match that English). `changed` names the parts whose record changed. */
export function stampTranslation(englishText: string, translatedText: string): { text: string; changed: string[] } {
  const en = lessonParts(englishText);
  const tr = lessonParts(translatedText);
  const blocks = (ps: Part[]) => ps.filter((p) => p.kind);
  if (blocks(en).length !== blocks(tr).length) throw new Error(t().partCount(blocks(en).length, blocks(tr).length));
  const lines = translatedText.split('\n');
  const changed: string[] = [];
  const notesBefore = (n: number) => en.slice(1, n + 1).filter((p) => p.kind === 'notes').length;
  blocks(en).forEach((p, i) => {
    const q = blocks(tr)[i]!;
    if (q.from === p.hash) return;
    changed.push(partName(p, [], notesBefore));
    const line = lines[q.line - 1]!;
    lines[q.line - 1] = / from=\w+/.test(line) ? line.replace(/ from=\w+/, ` from=${p.hash}`) : `${line.trimEnd()} from=${p.hash}`;
  });
  const meta = en[0]!.hash;
  const outro = en.at(-1)!.hash;
  if (tr[0]!.from !== meta) changed.unshift(t().partMeta);
  if (tr.at(-1)!.from !== outro) changed.push(t().partOutro);
  const record = `from: meta=${meta} outro=${outro}`;
  const end = lines.findIndex((l, i) => i > 0 && l.trim() === '---');
  const at = lines.findIndex((l, i) => i > 0 && i < end && FROM_LINE.test(l));
  if (at > 0) lines[at] = record;
  else if (end > 0) lines.splice(end, 0, record);
  return { text: lines.join('\n'), changed };
}
