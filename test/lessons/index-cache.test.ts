// The lesson index cache (src/lessons/index-cache.ts) behind `boxlab list`, doctor and
// the lab's home screen: what it says is what parsing the course says, whatever
// happened to the files or to the cache since it was written.
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadAll, loadSources, readIndex, summarize, summarizeCourse } from '../../src/lessons/loader.ts';
import { trustLessons } from '../../src/lessons/trust.ts';
import { stampTranslation } from '../../src/lessons/translation.ts';
import { useLanguage } from '../../src/text/index.ts';

const FIXTURES = join(import.meta.dirname, 'fixtures');
const lesson = (id: string, title: string) => [
  '---', `id: ${id}`, `title: ${title}`, 'chapter: C', 'summary: S', 'needs: root', '---',
  'Why.', '', '```step', 'title: one', 'op: hello', '```', '',
].join('\n');

let work: string;
let root: string;
let cacheFile: string;
const env = { ...process.env };

beforeEach(() => {
  work = mkdtempSync(join(tmpdir(), 'bl-index-cache-'));
  root = join(work, 'lessons');
  mkdirSync(join(root, '01-c'), { recursive: true });
  writeFileSync(join(root, '01-c', '01-a.md'), lesson('a', 'Alpha'));
  writeFileSync(join(root, '01-c', '02-b.md'), lesson('b', 'Beta'));
  trustLessons([root, FIXTURES]);
  process.env.BOXLAB_CACHE_DIR = join(work, 'cache');
  cacheFile = join(work, 'cache', 'lesson-index.json');
});
afterEach(() => {
  process.env = { ...env };
  rmSync(work, { recursive: true, force: true });
});

/** What parsing every file says, with no cache: the answer the cache must give. */
async function truth() {
  const { lessons, errors } = await loadAll(root);
  return { lessons: lessons.map(summarize), errors: errors.map((e) => e.message) };
}
async function cached() {
  const { lessons, errors } = await summarizeCourse(root);
  return { lessons, errors: errors.map((e) => e.message) };
}
const titles = (r: { lessons: { title: string }[] }) => r.lessons.map((l) => l.title);

describe('the lesson index cache', () => {
  it('is written by the first run and answers the next one', async () => {
    expect(await cached()).toEqual(await truth());
    const stored = JSON.parse(readFileSync(cacheFile, 'utf8'));
    expect(Object.keys(stored.files)).toHaveLength(2);
    // Proof the second run reads it: an entry edited in place (same file key) is what it says.
    stored.files[join(root, '01-c', '01-a.md')].summary.title = 'From the cache';
    writeFileSync(cacheFile, JSON.stringify(stored));
    expect(titles(await cached())).toEqual(['From the cache', 'Beta']);
    expect((await readIndex(root)).entries.map((e) => e.summary.title)).toEqual(['From the cache', 'Beta']);
  });

  it('is filled by the lab loading the course in the background (readIndex, then loadSources)', async () => {
    const index = await readIndex(root);
    await loadSources(index.sources);
    const stored = JSON.parse(readFileSync(cacheFile, 'utf8'));
    expect(Object.values(stored.files).map((e) => (e as { summary: unknown }).summary)).toEqual((await truth()).lessons);
  });

  it('sees a changed, an added and a removed lesson file at once', async () => {
    // Same size, same mtime after the edit: the ctime still differs.
    const a = join(root, '01-c', '01-a.md');
    utimesSync(a, 1000, 1000);
    await cached();
    writeFileSync(a, lesson('a', 'Omega'));
    utimesSync(a, 1000, 1000);
    writeFileSync(join(root, '01-c', '03-c.md'), lesson('c', 'Gamma'));
    rmSync(join(root, '01-c', '02-b.md'));
    expect(await cached()).toEqual(await truth());
    expect(titles(await cached())).toEqual(['Omega', 'Gamma']);
    expect(Object.keys(JSON.parse(readFileSync(cacheFile, 'utf8')).files)).toHaveLength(2);
    // readIndex (the home screen) sees the change too.
    expect((await readIndex(root)).entries.map((e) => e.summary.title)).toEqual(['Omega', 'Gamma']);
  });

  it('never caches a lesson that does not load: its error comes back every time', async () => {
    copyFileSync(join(FIXTURES, 'unknown-op.md'), join(root, '01-c', '03-unknown-op.md'));
    const want = await truth();
    expect(want.errors).toHaveLength(1);
    expect(await cached()).toEqual(want);
    expect(await cached()).toEqual(want);
    expect(Object.keys(JSON.parse(readFileSync(cacheFile, 'utf8')).files)).toHaveLength(2);
  });

  it.each([
    ['not JSON', () => '{"format": "boxlab-lesson-'],
    ['another format', (s: string) => s.replace('boxlab-lesson-index/2', 'boxlab-lesson-index/1')],
    ['a summary in another language', (s: string) => s.replace('"lang":"en"', '"lang":"zh-CN"')],
    ['another build', (s: string) => s.replace(/"build":"[^"]*"/, '"build":"1:2:3:4"')],
    ['a summary of the wrong shape', (s: string) => s.replace('"steps":1', '"steps":"1"')],
    ['a summary with a field too many', (s: string) => s.replace('"steps":1', '"steps":1,"extra":1')],
    ['an unknown feature', (s: string) => s.replace('"features":[]', '"features":["rm -rf"]')],
  ])('is rebuilt, never trusted, when it holds %s', async (_, spoil) => {
    await cached();
    const good = readFileSync(cacheFile, 'utf8');
    // A lie the cache would tell if it were believed, then the spoiling.
    const lie = good.replaceAll('"Alpha"', '"Lie"');
    const spoiled = spoil(lie);
    expect(spoiled).not.toBe(lie);
    writeFileSync(cacheFile, spoiled);
    expect(await cached()).toEqual(await truth());
    expect(JSON.parse(readFileSync(cacheFile, 'utf8'))).toEqual(JSON.parse(good));
  });

  it('is not read when others may write it', async () => {
    await cached();
    writeFileSync(cacheFile, readFileSync(cacheFile, 'utf8').replaceAll('"Alpha"', '"Lie"'));
    chmodSync(cacheFile, 0o666);
    expect(titles(await cached())).toEqual(['Alpha', 'Beta']);
  });

  it('keeps English summaries only: a translated title is read from its translation, never cached nor shown in English', async () => {
    const english = lesson('a', 'Alpha');
    const chinese = stampTranslation(english, english.replace('title: Alpha', 'title: 阿尔法').replace('Why.', '为什么。')).text;
    mkdirSync(join(root, 'zh-CN', '01-c'), { recursive: true });
    writeFileSync(join(root, 'zh-CN', '01-c', '01-a.md'), chinese);
    try {
      useLanguage('zh-CN');
      expect(titles(await cached())).toEqual(['阿尔法', 'Beta']);
      expect((await cached()).lessons.map((l) => l.lang)).toEqual(['zh-CN', 'en']);
      const stored = JSON.parse(readFileSync(cacheFile, 'utf8'));
      expect(Object.values(stored.files).map((e) => (e as { summary: { title: string; lang: string } }).summary)).toMatchObject([{ title: 'Alpha', lang: 'en' }, { title: 'Beta', lang: 'en' }]);
      // read from the cache, and loaded in full (which fills the cache), still in Chinese
      expect((await readIndex(root)).entries.map((e) => e.summary.title)).toEqual(['阿尔法', 'Beta']);
      await loadSources((await readIndex(root)).sources);
      expect(titles(await cached())).toEqual(['阿尔法', 'Beta']);
      useLanguage('en');
      expect(titles(await cached())).toEqual(['Alpha', 'Beta']);
      expect((await readIndex(root)).entries.map((e) => e.summary.title)).toEqual(['Alpha', 'Beta']);
    } finally {
      useLanguage('en');
    }
  });
});
