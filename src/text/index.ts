// Every word the lab says to a person, by surface: `ui` (the lab, and `boxlab lesson`'s
// output), `cli`, `lessons` (the engine, and errors in lesson files), `runtime`,
// `doctor`, `kernel` (the state views), `containers` (detached containers: ps, logs,
// stats, stop, rm), `build`, `engine` (the sandboxed Docker engine),
// `images`, `core`, `ledger`, and `common`. Code
// reads the words through these bindings and never spells one itself; lesson prose
// lives in the lesson files.
//
// A language is a catalog for each surface with the same keys as English (en/), which
// TypeScript checks; the lab picks one at start (languageFor) and useLanguage switches
// every binding at once.
import { en, type Catalogs } from './en/index.ts';

export type { Catalogs };

/** The languages the lab speaks, by ISO 639-1 code. */
const LANGUAGES: Record<string, Catalogs> = { en };

export let build = en.build;
export let cli = en.cli;
export let common = en.common;
export let containers = en.containers;
export let core = en.core;
export let doctor = en.doctor;
export let engine = en.engine;
export let images = en.images;
export let kernel = en.kernel;
export let ledger = en.ledger;
export let lessons = en.lessons;
export let runtime = en.runtime;
export let ui = en.ui;

/** Speak this language from now on. */
export function useLanguage(c: Catalogs): void {
  ({ build, cli, common, containers, core, doctor, engine, images, kernel, ledger, lessons, runtime, ui } = c);
}

/** The language asked for: BOXLAB_LANG, else the locale (LC_ALL, LC_MESSAGES, LANG, as
 *  gettext reads them: zh_CN.UTF-8 is zh), when the lab speaks it; else English. */
export function languageFor(env: NodeJS.ProcessEnv = process.env, languages: Record<string, Catalogs> = LANGUAGES): Catalogs {
  const asked = [env.BOXLAB_LANG, env.LC_ALL, env.LC_MESSAGES, env.LANG].find((v) => v);
  return languages[asked?.split(/[_.@-]/)[0]?.toLowerCase() ?? ''] ?? en;
}
