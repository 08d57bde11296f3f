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
    for (const [surface, catalog] of Object.entries(en)) expect(text[surface as keyof typeof en], surface).toBe(catalog);
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
  const fr = marked(en);
  const languages = { en, fr };

  it('is BOXLAB_LANG, else the locale as gettext reads it, when the lab speaks it; else English', () => {
    expect(text.languageFor({ BOXLAB_LANG: 'fr', LANG: 'en_US.UTF-8' }, languages)).toBe(fr);
    expect(text.languageFor({ LC_ALL: 'fr_FR.UTF-8', LANG: 'en_US.UTF-8' }, languages)).toBe(fr);
    expect(text.languageFor({ LC_MESSAGES: 'fr_CA', LANG: 'en_US' }, languages)).toBe(fr);
    expect(text.languageFor({ LANG: 'fr' }, languages)).toBe(fr);
    expect(text.languageFor({ LANG: 'C.UTF-8' }, languages)).toBe(en);
    expect(text.languageFor({ LANG: 'zh_CN.UTF-8' }, languages)).toBe(en); // not (yet) spoken
    expect(text.languageFor({}, languages)).toBe(en);
    expect(text.languageFor({ LANG: 'fr_FR.UTF-8' })).toBe(en); // the lab itself speaks English only, so far
  });
});
