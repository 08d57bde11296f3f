// A chapter's end screen, shown when its last lesson is done: the chapter's record
// (lessons and challenges done, tasks solved without hints, predictions right), what the
// learner learned and what to try next - the words of the chapter's last lesson
// (`chapter_end:` in its front matter). Any key goes back to the lessons.
import chalk from 'chalk';
import { useInput } from 'ink';
import type { Lesson } from '../lessons/schema.ts';
import { EXIT_CTRL_C } from './keys.ts';
import { Lines, type Size } from './lines.tsx';
import { markdownLines } from './markdown.ts';
import type { ChapterRecord } from './progress.ts';
import { ui as text } from '../text/index.ts';

interface ChapterEndProps {
  /** The chapter's last lesson, whose front matter holds the words. */
  lesson: Lesson;
  record?: ChapterRecord;
  size: Size;
  height: number;
  onClose: () => void;
  onQuit: (code?: number) => void;
}

/** The screen's lines, each at most `width` wide. */
function chapterEndLines(lesson: Lesson, record: ChapterRecord | undefined, width: number): string[] {
  const end = lesson.meta.chapterEnd;
  const lines = [chalk.bold(text.chapterDone(lesson.chapterNumber, lesson.meta.chapter)), ''];
  if (record) {
    const done = record.lessons.done + record.challenges.done;
    const of = record.lessons.total + record.challenges.total;
    const more = text.chapterRecord(record.tasks.solved, record.tasks.clean, record.predictions.answered, record.predictions.right);
    lines.push(text.chapterSummary(done, of) + (more ? ` · ${more}` : ''), '');
  }
  const list = (title: string, items: string[]) => [chalk.bold(title), ...items.flatMap((i) => markdownLines(`- ${i}`, width)), ''];
  if (end) lines.push(...list(text.learnedTitle, end.learned), ...list(text.nextTitle, end.next));
  return lines;
}

export function ChapterEnd(props: ChapterEndProps) {
  useInput((input, key) => {
    if (key.ctrl && input === 'c') props.onQuit(EXIT_CTRL_C);
    else props.onClose();
  });
  const lines = [...chapterEndLines(props.lesson, props.record, props.size.cols - 2), chalk.dim(text.chapterEndKeys)];
  return <Lines lines={lines} height={props.height} width={props.size.cols} />;
}
