// Every word the lab says to a person, by surface: `ui` (the lab, and `boxlab lesson`'s
// output), `cli`, `lessons` (the engine, and errors in lesson files), `runtime`,
// `doctor`, `kernel` (the state views), `containers` (detached containers: ps, logs,
// stats, stop, rm), `build`, `engine` (the sandboxed Docker engine),
// `images`, `core`, `ledger`, and `common`. Code
// reads the words through these bindings and never spells one itself; lesson prose
// lives in the lesson files (translations beside them, lessons/zh-CN/).
//
// A language is a catalog for each surface with the same keys as English (en/), which
// TypeScript checks (and test/unit/text.test.ts, for the keys TypeScript cannot see);
// the lab picks one at start (chooseLanguage) and useLanguage switches every binding at
// once.
import { AsyncLocalStorage } from 'node:async_hooks';
import { en, type Catalogs } from './en/index.ts';
import { zhCN } from './zh-CN/index.ts';

export type { Catalogs };

/** The languages the lab speaks, by BCP 47 tag. */
export const LANGUAGES = { en, 'zh-CN': zhCN } as const satisfies Record<string, Catalogs>;
export type Language = keyof typeof LANGUAGES;
export const LANGUAGE_TAGS = Object.keys(LANGUAGES) as Language[];

let active: Catalogs = en;
let activeTag: Language = 'en';

/** Words pinned for one piece of async work (inLanguage), whatever the lab speaks. */
const pinned = new AsyncLocalStorage<Catalogs>();

export let build: Catalogs['build'] = en.build;
export let cli: Catalogs['cli'] = en.cli;
export let common: Catalogs['common'] = en.common;
export let containers: Catalogs['containers'] = en.containers;
export let core: Catalogs['core'] = en.core;
export let doctor: Catalogs['doctor'] = en.doctor;
export let engine: Catalogs['engine'] = en.engine;
export let images: Catalogs['images'] = en.images;
export let ledger: Catalogs['ledger'] = en.ledger;
export let lessons: Catalogs['lessons'] = en.lessons;
export let runtime: Catalogs['runtime'] = en.runtime;
export let ui: Catalogs['ui'] = en.ui;

/** The kernel views' words. Unlike the other bindings this one follows inLanguage: a
 *  lesson's check reads a view as English reads it, since the values it expects
 *  ("new", "shared memory") are written once, in English, for every language. */
export const kernel: Catalogs['kernel'] = new Proxy({} as Catalogs['kernel'], {
  get: (_, key) => Reflect.get(words().kernel, key),
  has: (_, key) => Reflect.has(words().kernel, key),
  ownKeys: () => Reflect.ownKeys(words().kernel),
  getOwnPropertyDescriptor: (_, key) => {
    const d = Reflect.getOwnPropertyDescriptor(words().kernel, key);
    return d && { ...d, configurable: true };
  },
});

function words(): Catalogs {
  return pinned.getStore() ?? active;
}

/** Speak this language from now on (a tag, or catalogs of one: tests mark words). */
export function useLanguage(lang: Language | Catalogs): void {
  const c = typeof lang === 'string' ? LANGUAGES[lang] : lang;
  active = c;
  activeTag = typeof lang === 'string' ? lang : (LANGUAGE_TAGS.find((t) => LANGUAGES[t] === c) ?? activeTag);
  ({ build, cli, common, containers, core, doctor, engine, images, ledger, lessons, runtime, ui } = c);
}

/** The language the lab speaks now. */
export function language(): Language {
  return activeTag;
}

/** Run fn, and everything it starts, with the kernel views' words of `lang`. */
export function inLanguage<T>(lang: Language, fn: () => T): T {
  return pinned.run(LANGUAGES[lang], fn);
}

/** The language a tag or a locale names, when the lab speaks it: zh, zh_CN.UTF-8, zh-CN
 *  and zh-Hans are Chinese (Simplified, the only Chinese there is so far); C, POSIX
 *  and en_US English. */
export function parseLanguage(word: string): Language | undefined {
  const w = word.trim().toLowerCase().replace(/[.@].*$/, '');
  if (w === 'c' || w === 'posix' || /^en(?:[_-]|$)/.test(w)) return 'en';
  if (/^zh(?:[_-]|$)/.test(w)) return 'zh-CN';
  return undefined;
}

/** The locale's language, as gettext reads it: the first of LC_ALL, LC_MESSAGES and
 *  LANG that is set decides; Chinese when it starts with zh, else English. */
export function localeLanguage(env: NodeJS.ProcessEnv = process.env): Language {
  const locale = [env.LC_ALL, env.LC_MESSAGES, env.LANG].find((v) => v);
  return locale && /^zh/i.test(locale) ? 'zh-CN' : 'en';
}

/** Where the language in use came from. */
export type LanguageSource = 'flag' | 'env' | 'settings' | 'locale';

/** The language to speak: --lang, else BOXLAB_LANG, else the one saved in the lab's
 *  settings (the lab only: it is chosen on its home screen), else the locale. A --lang
 *  or BOXLAB_LANG the lab does not speak is an error, with what it does speak. */
export function chooseLanguage(o: { flag?: string; env?: NodeJS.ProcessEnv; saved?: string }): { lang: Language; from: LanguageSource } {
  const env = o.env ?? process.env;
  const explicit = (value: string, where: string) => {
    const lang = parseLanguage(value);
    if (!lang) throw new Error(cli.badLanguage(where, value, LANGUAGE_TAGS));
    return lang;
  };
  if (o.flag !== undefined) return { lang: explicit(o.flag, '--lang'), from: 'flag' };
  if (env.BOXLAB_LANG) return { lang: explicit(env.BOXLAB_LANG, 'BOXLAB_LANG'), from: 'env' };
  const saved = o.saved === undefined ? undefined : parseLanguage(o.saved);
  if (saved) return { lang: saved, from: 'settings' };
  return { lang: localeLanguage(env), from: 'locale' };
}
