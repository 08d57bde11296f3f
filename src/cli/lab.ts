// The lab's commands: the terminal UI and `boxlab list`.
import { parseOptions, UsageError, type Parsed } from './args.ts';
import { cli, language, lessons as lessonText, ui } from '../text/index.ts';
import { speak } from './language.ts';

/** --trust DIR, repeatable: lessons from outside the built-in course that the person
 *  vouches for (BOXLAB_LESSONS=DIR needs it; see src/lessons/trust.ts). */
export const TRUST_OPTION = { trust: { value: true, repeat: true } } as const;

export async function applyTrust(options: Parsed['options']): Promise<void> {
  const dirs = (options.trust as string[] | undefined) ?? [];
  if (dirs.length) (await import('../lessons/trust.ts')).trustLessons(dirs);
}

export async function tuiCommand(args: string[], langFlag?: string): Promise<number> {
  // The lab speaks the language chosen on its home screen unless told otherwise
  // (--lang, BOXLAB_LANG); the lessons' own boxlab commands speak it too.
  const { loadSettings } = await import('../ui/settings.ts');
  process.env.BOXLAB_LANG = speak(langFlag, loadSettings().lang);
  const { options, rest } = parseOptions(args, { help: { value: false, short: 'h' }, present: { value: false }, notes: { value: false }, ...TRUST_OPTION }, { stopAtWord: false });
  if (options.help) {
    console.log(cli.usage.lab);
    return 0;
  }
  await applyTrust(options);
  if (rest.length > 1) throw new UsageError(cli.unexpected(rest.slice(1)));
  if (!process.stdin.isTTY || !process.stdout.isTTY) {
    console.error(ui.needsTerminal);
    return 2;
  }
  // ink draws nothing but the last frame when it thinks it runs in CI (CI=true), which
  // is right for logs and wrong in a terminal: this one has a terminal, so the flag is
  // hidden while ink loads (it reads it once) and put back for the lab's children.
  const ci = { CI: process.env.CI, CONTINUOUS_INTEGRATION: process.env.CONTINUOUS_INTEGRATION };
  delete process.env.CI;
  delete process.env.CONTINUOUS_INTEGRATION;
  // Ink's layout engine (yoga) is WebAssembly that fetch()es its own data: URL when
  // fetch exists, and node's fetch first loads all of undici: some 70 ms of the first
  // frame. Without fetch, yoga decodes the same bytes itself. The global is hidden
  // while ink loads (its descriptor, so the lazy getter is not run) and put back.
  const fetchProp = Object.getOwnPropertyDescriptor(globalThis, 'fetch');
  if (fetchProp) Object.defineProperty(globalThis, 'fetch', { value: undefined, configurable: true, writable: true });
  const { runTui } = await import('../ui/run.tsx').finally(() => {
    for (const [k, v] of Object.entries(ci)) if (v !== undefined) process.env[k] = v;
    if (fetchProp) Object.defineProperty(globalThis, 'fetch', fetchProp);
  });
  return runTui({ present: options.present === true, notes: options.notes === true, lesson: rest[0] });
}

export async function listCommand(args: string[]): Promise<number> {
  const { options, rest } = parseOptions(args, { help: { value: false, short: 'h' }, json: { value: false }, ...TRUST_OPTION }, { stopAtWord: false });
  if (options.help) {
    console.log(cli.usage.list);
    return 0;
  }
  await applyTrust(options);
  if (rest.length) throw new UsageError(cli.noArguments('list', rest));
  const { lessonsRoot, summarizeCourseWith } = await import('../lessons/course.ts');
  const { lessons, errors } = await summarizeCourseWith(() => import('../lessons/loader.ts'));
  // A lesson that does not load is named (file:line: what — fix), never silently left out.
  for (const e of errors) console.error(cli.error(e.message));
  if (!lessons.length && !errors.length) throw new Error(lessonText.noLessons(lessonsRoot(), !!process.env.BOXLAB_LESSONS));
  // Lessons shown in English though another language was asked for: said once.
  const lang = language();
  const english = lang === 'en' ? [] : lessons.filter((l) => l.lang !== lang);
  if (english.length) console.error(lessonText.translation.someEnglish(english.length, lessonText.translation.languageName(lang)));
  if (options.json) console.log(JSON.stringify(lessons, null, 2));
  else {
    const width = Math.max(...lessons.map((l) => l.id.length), 2);
    for (const l of lessons) console.log(cli.listLine(l.id.padEnd(width), l.title, l.needs, l.kind === 'challenge'));
  }
  return errors.length ? 1 : 0;
}
