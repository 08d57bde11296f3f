// Which language the command line speaks: --lang, else BOXLAB_LANG, else (the lab only)
// the choice saved on its home screen, else the locale (src/text/index.ts decides).
import { chooseLanguage, useLanguage, type Language } from '../text/index.ts';
import { UsageError } from './args.ts';

/** Speak the language asked for (--lang, BOXLAB_LANG, the lab's saved choice, the
 *  locale), and tell the boxlab commands a lesson runs to speak it too. A language
 *  boxlab does not speak is a usage error, said in English. */
export function speak(flag: string | undefined, saved?: string): Language {
  let lang: Language;
  try {
    lang = chooseLanguage({ flag, saved }).lang;
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  useLanguage(lang);
  return lang;
}

