// Lessons are programs: their steps run commands, as root when the lab runs as root.
// The built-in course ships with boxlab and is trusted as its code is. Lessons from
// anywhere else (BOXLAB_LESSONS) run only when the person says so (--trust DIR), and
// only while no one but that person or root can change them: every lesson file, its
// directory and every directory above must be owned by one of them and writable by
// no one else (src/ledger/trust.ts).
import { existsSync, realpathSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { repoRoot } from '../core/binary.ts';
import { describeDistrust, distrust, type Distrust } from '../ledger/trust.ts';
import { ledger as t } from '../text/index.ts';

/** A lessons directory that is not to be run, and why (the message says how to fix it). */
export class LessonTrustError extends Error {}

/** The directories given with --trust, as real paths. */
let trusted: string[] = [];

const real = (path: string): string => (existsSync(path) ? realpathSync(path) : resolve(path));

/** Trust the lessons in these directories (and beneath them): the --trust flags. */
export function trustLessons(dirs: string[]): void {
  trusted = dirs.map(real);
}

export function builtInLessons(): string {
  return join(repoRoot(), 'lessons');
}

/** Refuse the lessons in ROOT (FILES, found there) unless they are the built-in course,
 *  or the person trusts ROOT and no one else can change them. */
export function assertTrustedLessons(root: string, files: string[]): void {
  const dir = real(root);
  const within = (t: string) => dir === t || dir.startsWith(t + '/');
  if (within(real(builtInLessons())) || !existsSync(dir)) return;
  if (!trusted.some(within)) throw new LessonTrustError(t.lessonsUntrusted(root, process.geteuid?.() === 0));
  // The directory, then each file as it really is (a link is judged by its target),
  // with every directory above it.
  const problem = distrust(dir) ?? files.map((f) => distrust(real(f), { file: true })).find(Boolean);
  if (problem) throw new LessonTrustError(t.lessonsDistrusted(root, describeDistrust(problem), lessonsFix(problem)));
}

/** What to do about lessons that someone else could change. */
function lessonsFix(d: Distrust): string {
  if (d.why === 'writable') return t.lessonsFix.writable(d.path);
  if (d.why === 'owner') return t.lessonsFix.owner(process.geteuid?.() === 0 ? 'root' : String(process.geteuid?.()), d.path);
  return t.lessonsFix.other;
}
