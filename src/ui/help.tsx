// The help screen: every key, from the same table the lesson screen acts on (keys.ts).
import chalk from 'chalk';
import { HELP_ORDER, KEY_LABELS } from './keys.ts';
import { Lines, type Size } from './lines.tsx';
import { ui as text } from '../text/index.ts';

function helpLines(): string[] {
  const key = (k: string) => chalk.bold(k.padEnd(6));
  const label = (a: (typeof HELP_ORDER)[number]) => (a === 'up' ? `${KEY_LABELS.up} ${KEY_LABELS.down}` : a === 'pageUp' ? `${KEY_LABELS.pageUp}` : KEY_LABELS[a]);
  return [
    chalk.bold(text.helpTitle),
    '',
    chalk.bold(text.helpLesson),
    ...HELP_ORDER.map((a) => `  ${key(label(a))} ${text.help[a]}`),
    '',
    chalk.bold(text.helpHome),
    ...text.helpHomeKeys.map(([k, v]) => `  ${key(k)} ${v}`),
    '',
    text.helpEverywhere,
    chalk.dim(text.helpClose),
  ];
}

export function Help({ size, height }: { size: Size; height: number }) {
  return <Lines lines={helpLines()} height={height} width={size.cols} />;
}
