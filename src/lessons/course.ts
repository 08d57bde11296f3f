// The course's files, and the course at a glance: which lesson files there are, in
// order, each one's summary (from the index cache when the file has not changed, see
// index-cache.ts) and what is wrong with those that do not load. The parser (loader.ts,
// with YAML) is loaded only for a file the cache does not know, so the lab's home
// screen, `boxlab list` and `boxlab doctor` do not pay for it when nothing changed.
import { readdir, readFile } from 'node:fs/promises';
import { existsSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { repoRoot } from '../core/binary.ts';
import { language, lessons as text } from '../text/index.ts';
import { assertTrustedLessons, builtInLessons } from './trust.ts';
import { fileKey, IndexCache } from './index-cache.ts';
import { LessonError, type Lesson, type LessonSummary, type Stop } from './schema.ts';

const fmt = () => text.format;

/** The parser (loader.ts), for the files the cache does not know: the caller hands it
 *  over as a dynamic import, so it is loaded only then (and course.ts, which loader.ts
 *  builds on, does not import it back). */
export type Parser = () => Promise<{
  parseLesson: (text: string, file: string) => Lesson;
  indexEntry: (text: string, file: string) => { summary: LessonSummary; endLine?: number };
  localizeSummary: (english: LessonSummary, source: LessonSource) => LessonSummary;
}>;

export function lessonsRoot(): string {
  return process.env.BOXLAB_LESSONS ?? builtInLessons();
}

/** How a file is named in messages: relative to the repo when inside it. */
export function displayPath(file: string): string {
  const rel = relative(repoRoot(), file);
  return rel.startsWith('..') ? file : rel;
}

/** Every lesson file under the lessons root: NN-chapter/NN-lesson.md, in course order. */
export async function lessonFiles(root = lessonsRoot()): Promise<string[]> {
  if (!existsSync(root)) return [];
  const files: string[] = [];
  for (const ch of (await readdir(root, { withFileTypes: true })).filter((d) => d.isDirectory() && /^\d+-/.test(d.name))) {
    for (const f of await readdir(join(root, ch.name))) {
      if (/^\d+-.*\.md$/.test(f)) files.push(join(root, ch.name, f));
    }
  }
  return files.sort();
}

/** A lesson file as read: its name in messages, and its text; as readIndex reads it,
 *  also its absolute path and its key in the index cache (stat'ed before the read).
 *  When the lab speaks another language than English, that language's tag and the
 *  translation of the lesson into it, if there is one (lessons/LANG/NN-chapter/NN-lesson.md). */
export interface LessonSource { file: string; text: string; path?: string; key?: string; lang?: string; translation?: { file: string; text: string } }

/** Where the translation of a lesson file into lang would be. */
const translationOf = (root: string, file: string, lang: string) => join(root, lang, relative(root, file));

/** The translations there are of these lesson files into lang (none for English). */
export function translationFiles(root: string, files: string[], lang: string): string[] {
  return lang === 'en' ? [] : files.map((f) => translationOf(root, f, lang)).filter((f) => existsSync(f));
}

/** The source with its language and translation (read), when the lab speaks another
 *  language than English. */
export async function withTranslation(source: LessonSource, root: string, file: string, lang: string): Promise<LessonSource> {
  if (lang === 'en') return source;
  const tf = translationOf(root, file, lang);
  return { ...source, lang, ...(existsSync(tf) ? { translation: { file: displayPath(tf), text: await readFile(tf, 'utf8') } } : {}) };
}

/** Whatever one file's loading threw, as that file's error: one bad lesson must never
 *  keep the others (or the list of them) from loading. */
export function asLessonError(err: unknown, file: string): LessonError {
  if (err instanceof LessonError) return err;
  return new LessonError(file, 1, fmt().notLoaded((err as Error)?.message ?? String(err)), fmt().notLoadedFix);
}

/** Two files with one id: the later one is refused (`boxlab lesson ID` must mean one). */
export function duplicateIds(lessons: { id: string; file: string }[]): LessonError[] {
  const seen = new Map<string, string>();
  const errors: LessonError[] = [];
  for (const l of lessons) {
    const other = seen.get(l.id);
    if (other) errors.push(new LessonError(l.file, 2, fmt().idTaken(l.id, other), fmt().idTakenFix));
    seen.set(l.id, l.file);
  }
  return errors;
}

/** Where a lesson sits and whether it ends its chapter (`chapter_end:`, at that line). */
export interface Placed { file: string; chapterNumber: number; number: number; endLine?: number }

/** `chapter_end:` is read when a chapter's last lesson is done: in any other lesson of
 *  the chapter it would never be shown. */
export function misplacedChapterEnds(lessons: Placed[]): LessonError[] {
  const last = new Map<number, Placed>();
  for (const l of lessons) if ((last.get(l.chapterNumber)?.number ?? -1) < l.number) last.set(l.chapterNumber, l);
  return lessons
    .filter((l) => l.endLine !== undefined && last.get(l.chapterNumber) !== l)
    .map((l) => new LessonError(l.file, l.endLine!, fmt().chapterEndNotLast(last.get(l.chapterNumber)!.file), fmt().chapterEndNotLastFix));
}

/** What loadAll says of the course, as summaries: each file that loaded before and has
 *  not changed since is taken from the index cache (index-cache.ts), every other file
 *  is parsed in full, as loadAll would. `boxlab list` and `boxlab doctor` need no more. */
export async function summarizeCourseWith(parser: Parser, root = lessonsRoot(), lang: string = language()): Promise<{ lessons: LessonSummary[]; errors: LessonError[] }> {
  const files = await lessonFiles(root);
  const translations = translationFiles(root, files, lang);
  assertTrustedLessons(root, [...files, ...translations]);
  const cache = IndexCache.open();
  const lessons: LessonSummary[] = [];
  const placed: Placed[] = [];
  const errors: LessonError[] = [];
  for (const f of files) {
    const file = displayPath(f);
    try {
      // stat before reading: a file changed in between is cached under its old key,
      // which the next run does not match.
      const key = fileKey(statSync(f, { bigint: true }));
      // The cache holds the English summary only; a translation's words are laid over
      // it on every read, so the two are never confused.
      const known = cache.get(resolve(f), key);
      const localize = async (english: LessonSummary, text?: string) =>
        translations.includes(translationOf(root, f, lang))
          ? (await parser()).localizeSummary(english, await withTranslation({ file, text: text ?? await readFile(f, 'utf8') }, root, f, lang))
          : english;
      if (known) {
        lessons.push(await localize({ ...known.summary, file }));
        placed.push({ ...known.summary, file, endLine: known.endLine });
        continue;
      }
      const english = await readFile(f, 'utf8');
      const lesson = (await parser()).parseLesson(english, file);
      const summary = summarize(lesson);
      const endLine = lesson.meta.chapterEnd?.line;
      cache.set(resolve(f), key, summary, endLine);
      lessons.push(await localize(summary, english));
      placed.push({ ...summary, endLine });
    } catch (err) {
      errors.push(asLessonError(err, file));
    }
  }
  errors.push(...duplicateIds(lessons), ...misplacedChapterEnds(placed));
  cache.save(resolve(root), files.map((f) => resolve(f)));
  return { lessons, errors };
}

/** A lesson known from its front matter and the fences of its blocks, which are counted
 *  but not read: what a list of lessons shows, at a fraction of the cost of loading. */
export interface IndexEntry { summary: LessonSummary; source: LessonSource; endLine?: number }

/** The course at a glance: each file's front matter checked (a broken one is in
 *  `errors`), the blocks left for parseLesson. */
export async function readIndexWith(parser: Parser, root = lessonsRoot(), lang: string = language()): Promise<{ entries: IndexEntry[]; errors: LessonError[]; sources: LessonSource[] }> {
  const entries: IndexEntry[] = [];
  const errors: LessonError[] = [];
  const files = await lessonFiles(root);
  // Translations are shown as the lesson: trusted as it is (trust.ts).
  assertTrustedLessons(root, [...files, ...translationFiles(root, files, lang)]);
  // A file that loaded in full before and has not changed: its summary from the cache,
  // with no YAML parsed; the others' front matter is read here.
  const cache = IndexCache.open();
  const sources: LessonSource[] = [];
  for (const f of files) {
    const file = displayPath(f);
    try {
      const key = fileKey(statSync(f, { bigint: true }));
      const source = await withTranslation({ file, text: await readFile(f, 'utf8'), path: resolve(f), key }, root, f, lang);
      sources.push(source);
      // The cache holds English summaries only: a translation's words are laid over them.
      const known = cache.get(source.path!, key);
      const entry = known ? { summary: { ...known.summary, file: source.file }, endLine: known.endLine } : (await parser()).indexEntry(source.text, source.file);
      const summary = source.translation ? (await parser()).localizeSummary(entry.summary, source) : entry.summary;
      entries.push({ ...entry, summary, source });
    } catch (err) {
      errors.push(asLessonError(err, file));
    }
  }
  errors.push(...duplicateIds(entries.map((e) => e.summary)), ...misplacedChapterEnds(entries.map((e) => ({ ...e.summary, endLine: e.endLine }))));
  return { entries, errors, sources };
}

export function summarize(l: Lesson): LessonSummary {
  const count = (k: Stop['kind']) => l.stops.filter((s) => s.kind === k).length;
  return {
    id: l.meta.id, title: l.meta.title, chapter: l.meta.chapter, chapterNumber: l.chapterNumber, number: l.number,
    summary: l.meta.summary, needs: l.meta.needs, features: l.meta.features, kind: l.meta.kind, file: l.file,
    steps: count('step'), checks: count('check'), tasks: count('task'),
    predictions: l.stops.filter((s) => s.kind === 'step' && s.predict).length, lang: l.lang ?? 'en',
  };
}
