// English: the lab's first language, and the shape every other must have.
import { cli } from './cli.ts';
import { common } from './common.ts';
import { doctor } from './doctor.ts';
import { kernel } from './kernel.ts';
import { lessons } from './lessons.ts';
import { runtime } from './runtime.ts';
import { ui } from './ui.ts';

export const en = { cli, common, doctor, kernel, lessons, runtime, ui };

/** One language: a catalog for each surface, with these keys and these arguments. */
export type Catalogs = typeof en;
