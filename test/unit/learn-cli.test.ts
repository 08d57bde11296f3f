// The learner's record from the command line, through the built CLI (nothing runs on
// the kernel): `boxlab list --json` marks challenges "kind": "challenge" and plain text
// says so; `boxlab progress [--json]` counts, chapter by chapter, lessons and challenges
// done, tasks solved without hints and predictions right, from the progress file.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../../src/core/binary.ts';
import { cli as text, ui } from '../../src/text/index.ts';

const CLI = join(repoRoot(), 'dist', 'boxlab.mjs');
const home = mkdtempSync(join(tmpdir(), 'bl-learn-cli-'));
afterAll(() => rmSync(home, { recursive: true, force: true }));

function boxlab(...args: string[]) {
  const env: NodeJS.ProcessEnv = { ...process.env, XDG_STATE_HOME: home, NO_COLOR: '1' };
  for (const k of ['BOXLAB_PROGRESS', 'BOXLAB_LESSONS', 'SUDO_USER', 'SUDO_UID', 'SUDO_GID']) delete env[k];
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', env });
  expect(r.status, r.stderr).toBe(0);
  return r.stdout;
}

describe('boxlab list and progress', () => {
  it('list: a challenge is "kind": "challenge" in --json and named one in text; lessons are "lesson"', () => {
    const all = JSON.parse(boxlab('list', '--json')) as { id: string; kind: string; chapterNumber: number }[];
    expect(all.find((l) => l.id === 'slow-job')).toMatchObject({ kind: 'challenge', chapterNumber: 2 });
    expect(all.find((l) => l.id === 'cpu')).toMatchObject({ kind: 'lesson' });
    expect(new Set(all.map((l) => l.kind))).toEqual(new Set(['lesson', 'challenge']));
    // ids are padded to one width: compare the words after it
    const words = (l: string) => l.trim().split(/\s{2,}/);
    const line = boxlab('list').split('\n').find((l) => l.startsWith('slow-job '))!;
    expect(words(line)).toEqual(words(text.listLine('slow-job', 'Challenge: the slow job', 'root', true)));
  });

  it('progress: nothing yet, then counted per chapter from the progress file', () => {
    expect(boxlab('progress')).toContain(text.progressNone);
    mkdirSync(join(home, 'boxlab'), { recursive: true });
    writeFileSync(join(home, 'boxlab', 'progress.json'), JSON.stringify({ lessons: {
      pid: { stop: 9, total: 9, done: true, at: '', tasks: { 40: 'hinted' }, predictions: { 10: true, 20: false } },
      cpu: { stop: 3, total: 9, done: false, at: '', tasks: { 90: 'clean' }, predictions: { 30: true } },
      'slow-job': { stop: 6, total: 6, done: true, at: '', tasks: { 80: 'clean' } },
    } }));
    const plain = boxlab('progress').split('\n');
    const ch = (n: number, name: string) => plain.find((l) => l.startsWith(ui.chapter(n, name)))!;
    expect(ch(1, 'Namespaces')).toContain(text.progressTasks(0, 1));
    expect(ch(1, 'Namespaces')).toContain(text.progressPredictions(1, 2));
    expect(ch(2, 'Cgroups')).toContain(text.progressChallenges(1, 1));
    expect(ch(2, 'Cgroups')).toContain(text.progressTasks(2, 2));
    const json = JSON.parse(boxlab('progress', '--json')) as { chapters: { number: number; lessons: { done: number }; challenges: { done: number; total: number }; tasks: { solved: number; clean: number }; predictions: { answered: number; right: number } }[] };
    expect(json.chapters.find((c) => c.number === 1)).toMatchObject({ lessons: { done: 1 }, tasks: { solved: 1, clean: 0 }, predictions: { answered: 2, right: 1 } });
    expect(json.chapters.find((c) => c.number === 2)).toMatchObject({ lessons: { done: 0 }, challenges: { done: 1, total: 1 }, tasks: { solved: 2, clean: 2 }, predictions: { answered: 1, right: 1 } });
  });
});
