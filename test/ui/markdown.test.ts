// Lesson Markdown in the terminal: tables line up when they fit and become
// "header: cell" lines when they do not, so no column is cut off.
import { describe, expect, it } from 'vitest';
import { markdownLines } from '../../src/ui/markdown.ts';

const strip = (s: string) => s.replace(/\x1b\[[0-9;]*m/g, '');
const TABLE = ['| namespace | since |', '|---|---|', '| `mnt` | 2.4.19 |', '| cgroup | 4.6 |'].join('\n');

describe('markdown tables', () => {
  it('pads the columns when the table fits', () => {
    expect(markdownLines(TABLE, 40).map(strip)).toEqual([
      'namespace  since',
      'mnt        2.4.19',
      'cgroup     4.6',
    ]);
  });

  it('turns each row into header: cell lines when it does not fit', () => {
    expect(markdownLines(TABLE, 18).map(strip)).toEqual([
      '• namespace: mnt',
      '  since: 2.4.19',
      '• namespace:',
      '  cgroup',
      '  since: 4.6',
    ]);
  });
});
