// `npm run stamp -- lessons/zh-CN/NN-chapter/NN-lesson.md ...`: once a translation's words
// match its English lesson again, record in it the English each part was translated
// from (src/lessons/translation.ts), and name the parts whose record changed. It
// refuses a translation that does not load or differs from the English but in words.
import { readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { parseLesson } from '../src/lessons/loader.ts';
import { stampTranslation, structureDifferences, withoutRecords } from '../src/lessons/translation.ts';
import { LANGUAGE_TAGS, lessons as words } from '../src/text/index.ts';

let failed = false;
for (const file of process.argv.slice(2)) {
  const root = join(import.meta.dirname, '..', 'lessons');
  const [lang, ...rest] = relative(root, file).split('/');
  const english = join(root, ...rest);
  try {
    if (!LANGUAGE_TAGS.includes(lang as never) || lang === 'en') throw new Error(words.translation.notATranslation(file));
    const enText = readFileSync(english, 'utf8');
    const trText = readFileSync(file, 'utf8');
    const problems = structureDifferences(parseLesson(enText, english), parseLesson(withoutRecords(trText), file));
    if (problems.length) throw new Error(problems.join('\n'));
    const { text, changed } = stampTranslation(enText, trText);
    writeFileSync(file, text);
    console.log(words.translation.stamped(file, changed));
  } catch (err) {
    console.error((err as Error).message);
    failed = true;
  }
}
process.exit(failed ? 1 : 0);
