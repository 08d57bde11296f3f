// The home screen: what this machine can do (one line of facts, one of what will not run
// here and why), then the chapters: their lessons with the learner's progress, then
// their challenges, apart; each chapter with its record (tasks without hints,
// predictions right).
import { useMemo, useRef, useState } from 'react';
import { Box, Text, useInput } from 'ink';
import chalk from 'chalk';
import type { LessonError, LessonSummary } from '../lessons/schema.ts';
import { EXIT_CTRL_C, splitKeys } from './keys.ts';
import { Lines, type Size } from './lines.tsx';
import { chapterRecords, type Progress } from './progress.ts';
import { windowLines } from './panel.ts';
import { wrapStyled } from './draw.ts';
import { ui as text } from '../text/index.ts';

export interface HomeProps {
  lessons: LessonSummary[];
  errors: LessonError[];
  summary: [string, string];
  /** a line on what just went wrong (a lesson that would not open) */
  notice?: string;
  /** why each lesson that cannot run here cannot, by id */
  blocked: Map<string, string[]>;
  progress: Progress;
  /** the lesson selected at first */
  selected?: string;
  size: Size;
  height: number;
  onOpen: (l: LessonSummary) => void;
  /** L: speak the next language */
  onLanguage?: () => void;
  onHelp: () => void;
  onQuit: (code?: number) => void;
}

/** The course as the home screen lists it: by chapter, each chapter's lessons before
 *  its challenges, each in file order. */
export function homeOrder(lessons: readonly LessonSummary[]): LessonSummary[] {
  const rank = (l: LessonSummary) => [l.chapterNumber, l.kind === 'challenge' ? 1 : 0, l.number];
  return [...lessons].sort((a, b) => {
    const [x, y] = [rank(a), rank(b)];
    return x[0]! - y[0]! || x[1]! - y[1]! || x[2]! - y[2]!;
  });
}

export function Home(props: HomeProps) {
  const { size, height } = props;
  const lessons = useMemo(() => homeOrder(props.lessons), [props.lessons]);
  const records = useMemo(() => new Map(chapterRecords(lessons, props.progress).map((r) => [r.number, r])), [lessons, props.progress]);
  const [sel, setSelState] = useState(() => Math.max(0, lessons.findIndex((l) => l.id === props.selected)));
  // Keys may come faster than renders: the handler reads the selection from a ref.
  const selRef = useRef(sel);
  const setSel = (i: number) => { selRef.current = i; setSelState(i); };
  useInput((input, key) => {
    let at = selRef.current;
    for (const [i, k] of splitKeys(input, key)) {
      if (i === 'q') { props.onQuit(); return; }
      if (k.ctrl && i === 'c') { props.onQuit(EXIT_CTRL_C); return; }
      if (i === '?') { props.onHelp(); return; }
      if (i === 'L') { props.onLanguage?.(); return; }
      if (k.downArrow || i === 'j') at = Math.min(lessons.length - 1, at + 1);
      else if (k.upArrow || i === 'k') at = Math.max(0, at - 1);
      else if ((k.return || k.rightArrow || i === 'l') && lessons[at]) { props.onOpen(lessons[at]!); return; }
    }
    setSel(at);
  });

  const list: string[] = [];
  let selLine = 0;
  lessons.forEach((l, i) => {
    if (i === 0 || lessons[i - 1]!.chapterNumber !== l.chapterNumber) {
      const inChapter = lessons.filter((x) => x.chapterNumber === l.chapterNumber);
      const done = inChapter.filter((x) => props.progress[x.id]?.done).length;
      const r = records.get(l.chapterNumber);
      const record = r ? text.chapterRecord(r.tasks.solved, r.tasks.clean, r.predictions.answered, r.predictions.right) : '';
      if (list.length) list.push('');
      list.push(`${chalk.bold(text.chapter(l.chapterNumber, l.chapter))}  ${chalk.dim(text.chapterProgress(done, inChapter.length) + (record ? ` · ${record}` : ''))}`);
    }
    const challenge = l.kind === 'challenge';
    const prev = lessons[i - 1];
    if (challenge && (prev?.kind !== 'challenge' || prev.chapterNumber !== l.chapterNumber)) {
      list.push(chalk.dim(`  ${text.challengeMark} ${text.challengesHeading}`));
    }
    const p = props.progress[l.id];
    const badge = p?.done ? chalk.green(text.progressDone) : p ? chalk.yellow(text.progressStarted(p.stop, p.total)) : chalk.dim(text.progressNew);
    const why = props.blocked.get(l.id);
    const needs = l.needs === 'root' ? text.needsRoot : text.runsRootless;
    const about = why ? chalk.red(text.wontRun(why)) : chalk.dim(`${needs} · ${l.summary}`);
    const mark = i === sel ? text.selected : ' ';
    const place = challenge ? text.challengeMark.padEnd(2) : String(l.number).padStart(2, '0');
    const line = `${mark}${why ? text.wontRunMark : ' '}${place} ${l.title}  ${badge}  ${about}`;
    if (i === sel) selLine = list.length;
    list.push(i === sel ? chalk.inverse(line) : line);
  });
  if (!lessons.length) list.push(text.noLessons);
  if (props.errors.length) list.push('', chalk.red(text.brokenLessons(props.errors.length)), ...props.errors.map((e) => chalk.red('  ' + e.message)));

  // What went wrong is said whole (wrapped), however long.
  const notice = props.notice ? wrapStyled(chalk.red(props.notice), size.cols, '  ').slice(0, Math.max(1, height - 8)) : [' '];
  const bodyHeight = Math.max(1, height - 4 - notice.length);
  const start = Math.max(0, Math.min(selLine - Math.floor(bodyHeight / 2), list.length - bodyHeight));
  const [facts, notHere] = props.summary;
  return (
    <Box flexDirection="column" width={size.cols} height={height}>
      <Text wrap="truncate-end">{chalk.bold(text.app)} — {text.tagline}</Text>
      <Text wrap="truncate-end" dimColor>{facts}</Text>
      <Text wrap="truncate-end">{props.blocked.size ? chalk.yellow(notHere) : chalk.dim(notHere)}</Text>
      <Lines lines={notice} height={notice.length} width={size.cols} />
      <Lines lines={windowLines(list, start, bodyHeight).lines} height={bodyHeight} width={size.cols} />
      <Text wrap="truncate-end" dimColor>{text.homeKeys}</Text>
    </Box>
  );
}
