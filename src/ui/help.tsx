// The help screen: every key, from the same table the lesson screen acts on (keys.ts).
// Each description wraps under itself, so nothing is cut at 80 columns; it fits in
// 80x24, the smallest terminal (and projector) the lab is designed for.
import chalk from 'chalk';
import { HELP_ORDER, KEY_LABELS } from './keys.ts';
import { wrapStyled } from './draw.ts';
import { Lines, type Size } from './lines.tsx';
import { ui as text } from '../text/index.ts';

const KEY_WIDTH = 6;

export function helpLines(width: number): string[] {
  const entry = (key: string, what: string) => {
    const pad = ' '.repeat(2 + KEY_WIDTH + 1);
    const [first = '', ...rest] = wrapStyled(what, Math.max(10, width - pad.length));
    return [`  ${chalk.bold(key.padEnd(KEY_WIDTH))} ${first}`, ...rest.map((l) => pad + l)];
  };
  const line = (s: string) => wrapStyled(s, width, '  ');
  const keys = HELP_ORDER.flatMap((a) =>
    a === 'up' ? line(`  ${text.helpScroll(chalk.bold(`${KEY_LABELS.up} ${KEY_LABELS.down}`), chalk.bold(`${KEY_LABELS.pageUp} ${KEY_LABELS.pageDown}`))}`) : entry(KEY_LABELS[a], text.help[a]!));
  return [
    `${chalk.bold(text.helpTitle)} ${chalk.dim(text.helpClose)}`,
    '',
    chalk.bold(text.helpLesson),
    ...keys,
    ...entry(text.helpPredict[0], text.helpPredict[1]),
    '',
    ...line(text.helpHome),
    ...line(text.helpEverywhere),
  ];
}

export function Help({ size, height }: { size: Size; height: number }) {
  return <Lines lines={helpLines(size.cols)} height={height} width={size.cols} />;
}
