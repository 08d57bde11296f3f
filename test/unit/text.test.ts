// The words of the lab live in src/text/ and nowhere else: a language with the same keys
// as English, switched on after every module has loaded, changes what each surface says
// (so no module keeps a word from before the switch); the language is picked from the
// environment at start.
import { afterEach, describe, expect, it } from 'vitest';
import { parseOptions } from '../../src/cli/args.ts';
import { checkCgroups } from '../../src/doctor/checks.ts';
import { columnTitle } from '../../src/kernel/index.ts';
import { expectRefusal } from '../../src/lessons/expect.ts';
import { parseOpLine } from '../../src/lessons/ops.ts';
import { parseBytes } from '../../src/runtime/cgroup-flags.ts';
import { en } from '../../src/text/en/index.ts';
import * as text from '../../src/text/index.ts';
import { suggest } from '../../src/text/suggest.ts';
import { panelLines } from '../../src/ui/panel.ts';
import { stripAnsi } from '../../src/ui/draw.ts';

/** English with every word marked: «…» around each string, and around what each
 *  function returns. */
function marked<T>(v: T): T {
  if (typeof v === 'string') return `«${v}»` as T;
  if (typeof v === 'function') return ((...a: unknown[]) => `«${(v as (...x: unknown[]) => unknown)(...a)}»`) as T;
  if (Array.isArray(v)) return v.map(marked) as T;
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, marked(x)])) as T;
  return v;
}

const thrown = (fn: () => unknown): string => {
  try { fn(); } catch (err) { return (err as Error).message; }
  throw new Error('did not throw');
};

afterEach(() => text.useLanguage(en));

describe('a language', () => {
  it('is a catalog for each surface, each one a binding of src/text', () => {
    for (const [surface, catalog] of Object.entries(en)) {
      // kernel follows inLanguage, so it is a view of the catalog rather than the catalog
      if (surface === 'kernel') expect({ ...text.kernel }).toEqual(catalog);
      else expect(text[surface as keyof typeof en], surface).toBe(catalog);
    }
  });

  it('switched after everything has loaded, changes the words of every surface', () => {
    text.useLanguage(marked(en));
    expect(suggest('clon', ['clone'])).toBe('« (did you mean "clone"?)»'); // common
    expect(columnTitle('type')).toBe('«TYPE»'); // kernel
    expect(expectRefusal({ ok: true, log: [] }, 'EPERM').error!.message).toMatch(/^«expected the kernel/); // lessons
    expect(thrown(() => parseOpLine('clown'))).toMatch(/^«unknown op "clown"/); // lessons: the REPL
    expect(stripAnsi(panelLines({ mode: 'diff', pictures: false, width: 60, kernel: { diff: () => ({ views: [] }) as never, renderDiff: () => '', renderSnapshot: () => '' } }).join('\n')))
      .toContain('«No kernel state yet'); // ui
    expect(thrown(() => parseOptions(['--bogus'], {}))).toBe('«unknown option --bogus»'); // cli
    expect(thrown(() => parseBytes('lots', '--memory'))).toMatch(/^«--memory lots: expected a size/); // runtime
    expect(checkCgroups({ layout: 'none', controllers: [], parent: '', notes: [], problems: [] }).title).toBe('«cgroups»'); // doctor
    text.useLanguage(en);
    expect(columnTitle('type')).toBe('TYPE');
  });
});

describe('the language picked at start', () => {
  it('is --lang, else BOXLAB_LANG, else the lab\'s saved choice, else the locale as gettext reads it', () => {
    expect(text.chooseLanguage({ flag: 'zh-CN', env: { BOXLAB_LANG: 'en' } })).toEqual({ lang: 'zh-CN', from: 'flag' });
    expect(text.chooseLanguage({ env: { BOXLAB_LANG: 'zh', LANG: 'en_US.UTF-8' } })).toEqual({ lang: 'zh-CN', from: 'env' });
    expect(text.chooseLanguage({ env: { LANG: 'en_US.UTF-8' }, saved: 'zh-CN' })).toEqual({ lang: 'zh-CN', from: 'settings' });
    expect(text.chooseLanguage({ env: { LC_ALL: 'zh_CN.UTF-8', LANG: 'en_US.UTF-8' } })).toEqual({ lang: 'zh-CN', from: 'locale' });
    expect(text.chooseLanguage({ env: { LC_MESSAGES: 'zh_TW', LANG: 'en_US' } }).lang).toBe('zh-CN');
    expect(text.chooseLanguage({ env: { LANG: 'C.UTF-8' } }).lang).toBe('en');
    expect(text.chooseLanguage({ env: { LC_ALL: 'en_US.UTF-8', LANG: 'zh_CN.UTF-8' } }).lang).toBe('en'); // the first set decides
    expect(text.chooseLanguage({ env: {} })).toEqual({ lang: 'en', from: 'locale' });
  });

  it('refuses a --lang or BOXLAB_LANG it does not speak, naming what it does', () => {
    expect(() => text.chooseLanguage({ flag: 'fr', env: {} })).toThrow(/--lang.*fr.*en.*zh-CN/s);
    expect(() => text.chooseLanguage({ env: { BOXLAB_LANG: 'klingon' } })).toThrow(/BOXLAB_LANG.*klingon/s);
  });
});

/** Every key path of a catalog, with what is there: 'string', 'function/N' (its arity),
 *  or a nested object's keys. */
function shape(v: unknown, path = ''): Map<string, string> {
  const out = new Map<string, string>();
  if (typeof v === 'function') out.set(path, `function/${v.length}`);
  else if (Array.isArray(v)) { out.set(path, `array/${v.length}`); v.forEach((x, i) => shape(x, `${path}[${i}]`).forEach((t, k) => out.set(k, t))); }
  else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) shape(x, path ? `${path}.${k}` : k).forEach((t, p) => out.set(p, t));
  else out.set(path, typeof v);
  return out;
}

function entry(catalog: unknown, path: string): unknown {
  return path.split(/\.|\[(\d+)\]/).filter(Boolean).reduce<unknown>((o, k) => (o as Record<string, unknown>)?.[k], catalog);
}

/** Which of its arguments a catalog function puts in its text: each argument is a marker
 *  string (‹0›, ‹1›, ...); undefined when the function cannot take strings (it counts or
 *  joins them), which its arity check still covers. */
function placeholders(fn: (...a: unknown[]) => unknown): string[] | undefined {
  const args = Array.from({ length: fn.length }, (_, i) => `‹${i}›`);
  try {
    const said = fn(...args);
    const s = typeof said === 'string' ? said : JSON.stringify(said);
    return args.filter((a) => s.includes(a));
  } catch {
    return undefined;
  }
}

/** Arguments that are a choice among words (a union of literals), which a translation
 *  says in its own words instead of repeating: the key, and the argument. */
const WORD_ARGUMENTS: Record<string, { arg: number; values: string[] }> = {
  'build.unclosedQuote': { arg: 0, values: ['single', 'double'] },
};

describe('every language', () => {
  const languages = Object.entries(text.LANGUAGES).filter(([tag]) => tag !== 'en');

  it('has every key of English, and no other, with the same kind of value (arity for a function)', () => {
    const english = shape(en);
    for (const [tag, catalogs] of languages) {
      const theirs = shape(catalogs);
      const missing = [...english.keys()].filter((k) => !theirs.has(k));
      const extra = [...theirs.keys()].filter((k) => !english.has(k));
      const differ = [...english].filter(([k, t]) => theirs.has(k) && theirs.get(k) !== t).map(([k, t]) => `${k}: ${t} in en, ${theirs.get(k)} in ${tag}`);
      expect({ tag, missing, extra, differ }).toEqual({ tag, missing: [], extra: [], differ: [] });
    }
  });

  it('puts the same arguments in each text as English does', () => {
    const english = shape(en);
    for (const [tag, catalogs] of languages) {
      const differ: string[] = [];
      for (const [path, kind] of english) {
        if (!kind.startsWith('function')) continue;
        const mine = placeholders(entry(en, path) as (...a: unknown[]) => unknown);
        const theirs = placeholders(entry(catalogs, path) as (...a: unknown[]) => unknown);
        const word = WORD_ARGUMENTS[path];
        if (word && mine && theirs) {
          // said in other words, but said: each value gives a different text
          const fn = entry(catalogs, path) as (...a: unknown[]) => string;
          const said = word.values.map((v) => fn(...Array.from({ length: fn.length }, (_, i) => (i === word.arg ? v : `‹${i}›`))));
          if (new Set(said).size !== word.values.length) differ.push(`${path}: ${tag} says the same for ${word.values.join(', ')}`);
          mine.splice(mine.indexOf(`‹${word.arg}›`), 1);
        }
        if (mine && theirs && mine.join() !== theirs.join()) differ.push(`${path}: en uses ${mine.join(' ') || 'none'}, ${tag} ${theirs.join(' ') || 'none'}`);
      }
      expect(differ).toEqual([]);
    }
  });

  it('is a full translation: no text left in English where English has words', () => {
    // a string with three English words in a row and no Chinese is an untranslated one
    // (kernel names, flags, commands and file names are kept, and are not three words)
    const english = shape(en);
    const zh = text.LANGUAGES['zh-CN'];
    const untranslated = [...english].filter(([path, kind]) => {
      if (kind !== 'string') return false;
      const mine = entry(en, path) as string;
      const theirs = entry(zh, path) as string;
      return /[a-z]+ [a-z]+ [a-z]+ [a-z]+/i.test(mine) && theirs === mine && !/[\u4e00-\u9fff]/.test(theirs);
    }).map(([path]) => path);
    expect(untranslated).toEqual([]);
  });
});
