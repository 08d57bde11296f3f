// Lessons from outside the built-in course (BOXLAB_LESSONS) load only when trusted
// with --trust DIR, and only while no one but the caller or root can change them: the
// files, their directories and every directory above. The course itself needs nothing.
import { chmodSync, chownSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { findLesson, loadAll, readIndex } from '../../src/lessons/loader.ts';
import { LessonTrustError, trustLessons } from '../../src/lessons/trust.ts';

const isRoot = process.getuid?.() === 0;
const LESSON = ['---', 'id: t', 'title: T', 'chapter: C', 'summary: S', 'needs: root', '---', '```step', 'title: one', 'op: hello', '```'].join('\n');
let root = '';
let file = '';

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'bl-trust-'));
  mkdirSync(join(root, '01-c'), { mode: 0o755 });
  file = join(root, '01-c', '01-t.md');
  writeFileSync(file, LESSON, { mode: 0o644 });
});
afterEach(() => {
  trustLessons([]);
  rmSync(root, { recursive: true, force: true });
});

const refusal = async (f: () => Promise<unknown>) => f().then(() => undefined, (e: unknown) => e as Error);

describe('lessons from outside the course', () => {
  it('are refused without --trust, by every way of reading them, and the error says how to trust them', async () => {
    for (const read of [() => loadAll(root), () => readIndex(root), () => findLesson('t', root)]) {
      const err = await refusal(read);
      expect(err).toBeInstanceOf(LessonTrustError);
      expect(err!.message).toContain(`If you trust them, say so: --trust ${root}`);
    }
  });

  it('load once their directory (or one above it) is trusted', async () => {
    trustLessons([root]);
    expect((await loadAll(root)).lessons.map((l) => l.meta.id)).toEqual(['t']);
    trustLessons([join(root, '..')]);
    expect((await findLesson('t', root)).meta.id).toBe('t');
  });

  it('are refused, trusted or not, when a file, its directory or the root can be written by others', async () => {
    trustLessons([root]);
    for (const [path, mode] of [[file, 0o664], [join(root, '01-c'), 0o777], [root, 0o775]] as const) {
      chmodSync(path, mode);
      const err = await refusal(() => loadAll(root));
      expect(err).toBeInstanceOf(LessonTrustError);
      expect(err!.message).toContain(`${path} has mode 0${mode.toString(8)}: others can write it`);
      expect(err!.message).toContain(`chmod go-w ${path}`);
      chmodSync(path, path === file ? 0o644 : 0o755);
    }
  });

  it('are judged by what a link leads to', async () => {
    trustLessons([root]);
    const outside = mkdtempSync(join(tmpdir(), 'bl-trust-target-'));
    try {
      chmodSync(outside, 0o777);
      writeFileSync(join(outside, 'lesson.md'), LESSON);
      rmSync(file);
      symlinkSync(join(outside, 'lesson.md'), file);
      expect((await refusal(() => loadAll(root)))!.message).toContain(`${outside} has mode 0777: others can write it`);
    } finally {
      rmSync(outside, { recursive: true, force: true });
    }
  });

  it.runIf(isRoot)("are refused when a file or directory is another user's", async () => {
    trustLessons([root]);
    chownSync(join(root, '01-c'), 47004, 47004);
    expect((await refusal(() => loadAll(root)))!.message).toContain(`${join(root, '01-c')} belongs to uid 47004, not to you (uid 0)`);
    chownSync(join(root, '01-c'), 0, 0);
    chownSync(file, 47004, 47004);
    expect((await refusal(() => loadAll(root)))!.message).toContain(`${file} belongs to uid 47004`);
  });

  it('the built-in course needs no --trust', async () => {
    expect((await loadAll()).lessons.length).toBeGreaterThan(10);
  });
});
