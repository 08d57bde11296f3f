// `boxlab progress [--json]`: the learner's record, chapter by chapter - lessons and
// challenges done, tasks solved without hints, predictions right - from the lab's
// progress file and the course's front matter (nothing runs).
import { parseOptions, UsageError } from './args.ts';
import { applyTrust, TRUST_OPTION } from './lab.ts';
import { cli, ui } from '../text/index.ts';

export async function progressCommand(args: string[]): Promise<number> {
  const { options, rest } = parseOptions(args, { help: { value: false, short: 'h' }, json: { value: false }, ...TRUST_OPTION }, { stopAtWord: false });
  if (options.help) {
    console.log(cli.usage.progress);
    return 0;
  }
  await applyTrust(options);
  if (rest.length) throw new UsageError(cli.noArguments('progress', rest));
  const { readIndex } = await import('../lessons/loader.ts');
  const { chapterRecords, loadProgress, progressFile } = await import('../ui/progress.ts');
  const { entries, errors } = await readIndex();
  for (const e of errors) console.error(cli.error(e.message));
  const file = progressFile();
  const progress = loadProgress(file);
  const chapters = chapterRecords(entries.map((e) => e.summary), progress);
  if (options.json) {
    console.log(JSON.stringify({ file, chapters, lessons: progress }, null, 2));
    return 0;
  }
  for (const ch of chapters) {
    const parts = [cli.progressChapter(ui.chapter(ch.number, ch.name), ch.lessons.done, ch.lessons.total)];
    if (ch.challenges.total) parts.push(cli.progressChallenges(ch.challenges.done, ch.challenges.total));
    if (ch.tasks.solved) parts.push(cli.progressTasks(ch.tasks.clean, ch.tasks.solved));
    if (ch.predictions.answered) parts.push(cli.progressPredictions(ch.predictions.right, ch.predictions.answered));
    console.log(parts.join(' · '));
  }
  console.log(Object.keys(progress).length ? cli.progressFile(file) : cli.progressNone);
  return 0;
}
