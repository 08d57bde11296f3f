// Pictures of the views a person would rather look at than read: pure functions from a
// view's rows (and what the step changed in them) to lines, drawn from what the probes
// read a moment ago. Views without one are shown as their table.
import type { View, ViewDiff, ViewName } from '../../kernel/types.ts';
import { cgroupPicture } from './cgroup.ts';
import { fsPicture } from './fs.ts';
import { netPicture } from './net.ts';
import { procPicture } from './proc.ts';
import { pictureRows, type PictureRow } from './rows.ts';

export { pictureRows, type PictureRow } from './rows.ts';

const PICTURES: Partial<Record<ViewName, (rows: PictureRow[], width: number) => string[]>> = {
  net: netPicture,
  fs: fsPicture,
  cgroup: cgroupPicture,
  proc: procPicture,
};

export function hasPicture(name: ViewName): boolean {
  return name in PICTURES;
}

/** The picture of a view after a step (marking what `diff` says changed), or undefined
 *  when the view has none; [] when there is nothing to draw. */
export function pictureOf(name: ViewName, after: View | undefined, diff: ViewDiff | undefined, width: number): string[] | undefined {
  const draw = PICTURES[name];
  return draw ? draw(pictureRows(after, diff), width) : undefined;
}
