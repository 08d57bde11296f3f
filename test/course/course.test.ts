// The whole course, as CI runs it: every lesson the loader finds, through the built CLI
// (`node dist/boxlab.mjs lesson ID --yes --json`), must exit 0 with every step done and
// every check and task passing (solutions applied), and leave the host as it found it:
// the whole host fingerprint (test/helpers/host.ts: mounts, links, addresses, routes,
// netfilter rules, sysctls and hostname, cgroups, loop devices, state, ledgers, cores)
// the same after each lesson as before it. Lessons that need root are skipped without
// it, and say so in their names.
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
import { readEvents, type LessonRunEvent } from '../../src/cli/lesson-events.ts';
import { findStaticBusybox } from '../../src/runtime/rootfs.ts';
import { fingerprint, isRoot } from '../helpers/host.ts';
import { testRootfs } from '../helpers/rootfs.ts';

const run = promisify(execFile);
// A lesson takes seconds here, and 15-40 s (more on a busy machine) in the cgroup-v2
// guest of test/vm/run.sh, which emulates its CPUs in software.
const LESSON_TIMEOUT = process.env.BOXLAB_VM === '1' ? 600_000 : 180_000;
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

describe('the course', () => {
  it('has lessons, and every lesson file loads', () => {
    expect(errors.map((e) => e.message)).toEqual([]);
    expect(lessons.length).toBeGreaterThan(0);
  });

  const runnable = (needs: string) => isRoot || needs === 'rootless';
  it.each(lessons.map((l) => [l.meta.id, l.meta.needs] as const))('lesson %s (%s) passes with --yes and leaves the host unchanged', async (id, needs) => {
    if (!runnable(needs)) return; // reported by the skipped-names test below
    const before = fingerprint();
    const env = { ...process.env, FORCE_COLOR: '0', ...(rootfs ? { BOXLAB_ROOTFS: rootfs.dir } : {}) };
    const r = await run(process.execPath, [CLI, 'lesson', id, '--yes', '--json'], { env, maxBuffer: 64 << 20 }).catch((err: { code?: number; stdout?: string; stderr?: string }) => err);
    let stops: Stop[];
    let result: Result | undefined;
    try {
      const events = readEvents(r.stdout ?? '');
      stops = events.filter((e): e is Stop => e.type === 'stop');
      result = events.find((e): e is Result => e.type === 'result');
    } catch {
      throw new Error(`lesson ${id}: no JSON events (exit ${'code' in r ? r.code : 0})\n${r.stdout ?? ''}${r.stderr ?? ''}`);
    }
    if (!result) throw new Error(`lesson ${id}: no result event (exit ${'code' in r ? r.code : 0})\n${r.stdout ?? ''}${r.stderr ?? ''}`);
    // Name what failed, so a red run says which stop and what the kernel showed.
    expect(stops.filter((s) => !s.ok).map((s) => ({ stop: s.index + 1, title: s.title, check: s.check, error: s.error }))).toEqual([]);
    expect(stops.length).toBeGreaterThan(0);
    expect(result.passed).toBe(result.checks);
    expect(result.ok).toBe(true);
    expect('code' in r ? r.code : 0).toBe(0);
    expect(fingerprint()).toEqual(before);
  }, LESSON_TIMEOUT);

  it.skipIf(isRoot)('skips the lessons that need root when not run as root', () => {
    expect(lessons.filter((l) => !runnable(l.meta.needs)).map((l) => l.meta.id)).toEqual(lessons.filter((l) => l.meta.needs === 'root').map((l) => l.meta.id));
  });
});
