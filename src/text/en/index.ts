// English: the lab's first language, and the shape every other must have.
import { build } from './build.ts';
import { cli } from './cli.ts';
import { common } from './common.ts';
import { containers } from './containers.ts';
import { core } from './core.ts';
import { doctor } from './doctor.ts';
import { engine } from './engine.ts';
import { images } from './images.ts';
import { kernel } from './kernel.ts';
import { ledger } from './ledger.ts';
import { lessons } from './lessons.ts';
import { runtime } from './runtime.ts';
import { ui } from './ui.ts';

export const en = { build, cli, common, containers, core, doctor, engine, images, kernel, ledger, lessons, runtime, ui };

/** English's words as any words: a literal English answers with ('needs root') is
 *  just a string to another language. */
type Widen<T> = T extends string ? string
  : T extends (...args: infer A) => infer R ? (...args: A) => Widen<R>
  : T extends readonly unknown[] ? { [K in keyof T]: Widen<T[K]> }
  : T extends object ? { [K in keyof T]: Widen<T[K]> }
  : T;

/** One language: a catalog for each surface, with these keys and these arguments. */
export type Catalogs = Widen<typeof en>;
