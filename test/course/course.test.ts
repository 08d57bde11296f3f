// The whole course, as CI runs it: every lesson the loader finds, through the built CLI
// (`node dist/boxlab.mjs lesson ID --yes --json`), must exit 0 with every step done and
// every check and task passing (solutions applied, each task checked first: one that
// passes before its solution is a failure, so every task and challenge is proven to
// start undone), and leave the host as it found it:
// the whole host fingerprint (test/helpers/host.ts: mounts, links, addresses, routes,
// netfilter rules, sysctls and hostname, cgroups, loop devices, state, ledgers, cores)
// the same after each lesson as before it. Lessons that need root are skipped without
// it, and say so in their names. The translated lessons run in their language too.
//
// The lessons' ${rootfs} is a rootfs built for this file in a bl- temp dir
// (BOXLAB_ROOTFS), so the run never writes the user's cache; and the lessons keep their
// state (ledgers, ${dir}) under a state root of this file's own (BOXLAB_STATE_DIR), so
// another boxlab running on the machine meanwhile is not mistaken for a leftover.
import { execFile } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../../src/core/binary.ts';
import { loadAll } from '../../src/lessons/loader.ts';
import { LANGUAGE_TAGS } from '../../src/text/index.ts';
import { readEvents, type LessonRunEvent } from '../../src/cli/lesson-events.ts';
import { findStaticBusybox } from '../../src/runtime/rootfs.ts';
import { fingerprint, isRoot } from '../helpers/host.ts';
import { testRootfs } from '../helpers/rootfs.ts';

const run = promisify(execFile);
// A lesson takes seconds here, and 15-40 s (more on a busy machine) in the cgroup-v2
// guest of test/vm/run.sh, which emulates its CPUs in software.
const LESSON_TIMEOUT = process.env.BOXLAB_VM === '1' ? 600_000 : 180_000;
// A lesson that overruns is ended with SIGTERM (it then takes back what it made) well
// before its test gives up on it: nothing of one lesson may outlive its own test, where
// the next lesson's fingerprint would see it come and go.
const RUN_TIMEOUT = LESSON_TIMEOUT - 20_000;
const CLI = join(repoRoot(), 'dist', 'boxlab.mjs');

type Stop = Extract<LessonRunEvent, { type: 'stop' }>;
type Result = Extract<LessonRunEvent, { type: 'result' }>;

const { lessons, errors } = await loadAll();
// Read by fingerprint() here and inherited by every lesson run below. Searchable, as
// /run/boxlab is, so a rootless lesson's core can reach its directories.
const stateRoot = mkdtempSync(join(tmpdir(), 'bl-course-'));
chmodSync(stateRoot, 0o755);
process.env.BOXLAB_STATE_DIR = stateRoot;
let rootfs: Awaited<ReturnType<typeof testRootfs>> | undefined;

beforeAll(async () => {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: build it with npm run build`);
  if (lessons.some((l) => l.uses.includes('rootfs') && (isRoot || l.meta.needs === 'rootless'))) {
    rootfs = await testRootfs(findStaticBusybox() ? 'busybox' : 'host');
  }
}, 120_000);
afterAll(async () => {
  await rootfs?.remove();
  rmSync(stateRoot, { recursive: true, force: true });
});

type Opened = Extract<LessonRunEvent, { type: 'lesson' }>;

/** Run lesson `id` with --yes through the built CLI (and `args`): every step done, every
 *  check and task passing, exit 0, the host as it was. Its first event (the lesson, the
 *  language it was shown in) is returned. */
async function passes(id: string, args: string[] = []): Promise<Opened> {
  const before = fingerprint();
  const env = { ...process.env, FORCE_COLOR: '0', ...(rootfs ? { BOXLAB_ROOTFS: rootfs.dir } : {}) };
  const r = await run(process.execPath, [CLI, 'lesson', id, '--yes', '--json', ...args], { env, maxBuffer: 64 << 20, timeout: RUN_TIMEOUT, killSignal: 'SIGTERM' })
    .catch((err: { code?: number; killed?: boolean; stdout?: string; stderr?: string }) => err);
  // It has exited by now (execFile settles when the process is gone): what it made is gone too.
  if ('killed' in r && r.killed) {
    expect(fingerprint()).toEqual(before);
    throw new Error(`lesson ${id}: still running after ${RUN_TIMEOUT / 1000} s, ended by SIGTERM\n${r.stdout ?? ''}${r.stderr ?? ''}`);
  }
  let stops: Stop[];
  let result: Result | undefined;
  let opened: Opened | undefined;
  try {
    const events = readEvents(r.stdout ?? '');
    stops = events.filter((e): e is Stop => e.type === 'stop');
    result = events.find((e): e is Result => e.type === 'result');
    opened = events.find((e): e is Opened => e.type === 'lesson');
  } catch {
    throw new Error(`lesson ${id}: no JSON events (exit ${'code' in r ? r.code : 0})\n${r.stdout ?? ''}${r.stderr ?? ''}`);
  }
  if (!result || !opened) throw new Error(`lesson ${id}: no lesson or result event (exit ${'code' in r ? r.code : 0})\n${r.stdout ?? ''}${r.stderr ?? ''}`);
  // Name what failed, so a red run says which stop and what the kernel showed.
  expect(stops.filter((s) => !s.ok).map((s) => ({ stop: s.index + 1, title: s.title, check: s.check, before: s.before, error: s.error }))).toEqual([]);
  expect(stops.length).toBeGreaterThan(0);
  expect(result.passed).toBe(result.checks);
  expect(result.ok).toBe(true);
  expect('code' in r ? r.code : 0).toBe(0);
  expect(fingerprint()).toEqual(before);
  return opened;
}

describe('the course', () => {
  it('has lessons, and every lesson file loads', () => {
    expect(errors.map((e) => e.message)).toEqual([]);
    expect(lessons.length).toBeGreaterThan(0);
  });

  const runnable = (needs: string) => isRoot || needs === 'rootless';
  it.each(lessons.map((l) => [l.meta.id, l.meta.needs] as const))('lesson %s (%s) passes with --yes and leaves the host unchanged', async (id, needs) => {
    if (!runnable(needs)) return; // reported by the skipped-names test below
    await passes(id);
  }, LESSON_TIMEOUT);

  it.skipIf(isRoot)('skips the lessons that need root when not run as root', () => {
    expect(lessons.filter((l) => !runnable(l.meta.needs)).map((l) => l.meta.id)).toEqual(lessons.filter((l) => l.meta.needs === 'root').map((l) => l.meta.id));
  });
});

// The lessons translated so far, in the language of their translation: the same ops and
// checks (a check reads the kernel views in English, as its expected values are written),
// the words of the translation.
describe('the course in other languages', () => {
  const translated = LANGUAGE_TAGS.filter((lang) => lang !== 'en')
    .flatMap((lang) => lessons.filter((l) => existsSync(join(repoRoot(), 'lessons', lang, `${l.path}.md`))).map((l) => [l.meta.id, lang, l.meta.needs] as const));
  it.each(translated)('lesson %s in %s (%s) passes with --yes, in its translation', async (id, lang, needs) => {
    if (!(isRoot || needs === 'rootless')) return;
    const opened = await passes(id, ['--lang', lang]);
    expect(opened.translation).toMatchObject({ status: 'fresh', problems: [] });
    expect(opened.lang).toBe(lang);
  }, LESSON_TIMEOUT);
});
