// English: the lab's first language, and the shape every other must have.
import { common } from './common.ts';
import { kernel } from './kernel.ts';
import { lessons } from './lessons.ts';

export const en = { common, kernel, lessons };

/** One language: a catalog for each surface, with these keys and these arguments. */
export type Catalogs = typeof en;
