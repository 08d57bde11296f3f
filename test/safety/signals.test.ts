// Lessons interrupted at every step leave the host as they found it (the whole host
// fingerprint of test/helpers/host.ts): SIGINT and SIGTERM clean up by themselves and
// exit (promptly: the bound below only catches a hang, speed belongs to the bench);
// after SIGKILL, `boxlab cleanup` does. And boxlabs running at the
// same time - two `boxlab run --net bridge`, two lessons twice over - do not collide.
//
// The sample: uts and pid (the first steps anyone takes), net (links and namespaces),
// overlay (mounts and directories), and the first lesson of every other chapter, so a
// chapter added to the course is interrupted too without a change here.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Core, repoRoot } from '../../src/core/index.ts';
import { findLesson, listLessons } from '../../src/lessons/loader.ts';
import { forMachine } from '../../src/lessons/layout.ts';
import type { LessonSummary } from '../../src/lessons/schema.ts';
import { findStaticBusybox } from '../../src/runtime/rootfs.ts';
import { fingerprint, isRoot, settledFingerprint } from '../helpers/host.ts';
import { testRootfs } from '../helpers/rootfs.ts';
import { holdAt } from '../helpers/lessons.ts';

const cli = join(repoRoot(), 'dist', 'boxlab.mjs');
const CHOSEN = ['uts', 'pid', 'net', 'overlay'];

const lessons = await listLessons();
const chosen = lessons.filter((l) => CHOSEN.includes(l.id));
const firstOfOtherChapters = lessons.filter((l, i) =>
  lessons.findIndex((x) => x.chapterNumber === l.chapterNumber) === i && !chosen.some((c) => c.chapterNumber === l.chapterNumber));
const SAMPLE: LessonSummary[] = [...chosen, ...firstOfOtherChapters];
const runnable = (l: LessonSummary) => isRoot || l.needs === 'rootless';

// Lessons keep their state (ledgers, ${dir}) under a root of this file's own, and take
// ${rootfs} from a rootfs built for it, as the course test does.
const stateRoot = mkdtempSync(join(tmpdir(), 'bl-signals-'));
chmodSync(stateRoot, 0o755);
process.env.BOXLAB_STATE_DIR = stateRoot;
let rootfs: Awaited<ReturnType<typeof testRootfs>> | undefined;
const env = () => ({ ...process.env, NO_COLOR: '1', ...(rootfs ? { BOXLAB_ROOTFS: rootfs.dir } : {}) });

beforeAll(async () => {
  if (isRoot) rootfs = await testRootfs(findStaticBusybox() ? 'busybox' : 'host');
}, 120_000);
afterAll(async () => {
  if (isRoot) spawnSync('node', [cli, 'cleanup'], { stdio: 'ignore', env: env(), timeout: 30_000 });
  await rootfs?.remove();
  rmSync(stateRoot, { recursive: true, force: true });
});

// The stops as the lesson runs here: blocks whose `when:` names another cgroup layout
// are left out, so the count is of the lesson for this machine, not of its file.
const probe = await Core.start();
const layout = await probe.cgroupLayout();
await probe.close();
const stopsHere = new Map<string, number>();
// A lesson with an engine of its own (${docker}) starts dockerd before its first step,
// each time it is run: give each of its steps more time.
const perStep = new Map<string, number>();
for (const l of SAMPLE) {
  const full = await findLesson(l.id);
  stopsHere.set(l.id, forMachine(full, layout).stops.length);
  perStep.set(l.id, full.uses.includes('docker') ? 12_000 : 5_000);
}
const stops = (l: LessonSummary) => stopsHere.get(l.id)!;
const budget = (l: LessonSummary) => 20_000 + stops(l) * perStep.get(l.id)!;


function exitOf(child: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve({ code: child.exitCode, signal: child.signalCode });
  return new Promise((r) => child.once('exit', (code, signal) => r({ code, signal })));
}

const EXIT: Record<string, number> = { SIGINT: 130, SIGTERM: 143 };

describe.runIf(isRoot)('interrupted lessons', () => {
  it('samples the lessons named and a lesson of every chapter', () => {
    expect(SAMPLE.map((l) => l.id)).toEqual(expect.arrayContaining(CHOSEN));
    expect(new Set(SAMPLE.map((l) => l.chapterNumber))).toEqual(new Set(lessons.map((l) => l.chapterNumber)));
  });

  for (const lesson of SAMPLE.filter(runnable)) {
    const n = stops(lesson);
    for (const sig of ['SIGINT', 'SIGTERM'] as const) {
      it(`${lesson.id}: ${sig} at each of its ${n} steps cleans up by itself and exits`, async () => {
        const before = fingerprint();
        for (let k = 1; k <= n; k++) {
          const child = await holdAt(lesson.id, k, env());
          const t0 = Date.now();
          child.kill(sig);
          const end = await exitOf(child);
          const took = Date.now() - t0;
          expect(end.code, `${lesson.id} step ${k} ${sig}`).toBe(EXIT[sig]);
          // A hang, not a speed, is what fails here: a loaded CI machine may take a while.
          expect(took, `${lesson.id} step ${k} ${sig}: exit took ${took} ms`).toBeLessThan(10_000);
          expect(fingerprint(), `${lesson.id} step ${k} ${sig}`).toEqual(before);
        }
      }, budget(lesson));
    }

    it(`${lesson.id}: SIGKILL at each of its ${n} steps, then boxlab cleanup, leaves nothing`, async () => {
      const before = fingerprint();
      for (let k = 1; k <= n; k++) {
        const child = await holdAt(lesson.id, k, env());
        child.kill('SIGKILL');
        await exitOf(child);
        // The core sees its owner's pipe close and kills its containers; the ledger
        // lists the rest, for cleanup.
        const clean = spawnSync('node', [cli, 'cleanup'], { encoding: 'utf8', env: env(), timeout: 30_000 });
        expect(clean.status, clean.stdout + clean.stderr).toBe(0);
        expect(await settledFingerprint(before), `${lesson.id} step ${k}`).toEqual(before);
      }
    }, budget(lesson));
  }
});

/** A boxlab command in the background: its exit status and what it printed. */
function background(args: string[]): Promise<{ code: number | null; out: string }> {
  const child = spawn('node', [cli, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: env() });
  let out = '';
  child.stdout!.on('data', (d) => { out += d; });
  child.stderr!.on('data', (d) => { out += d; });
  return new Promise((resolve) => child.once('close', (code) => resolve({ code, out })));
}

describe.runIf(isRoot)('boxlabs at the same time', () => {
  it('two boxlab run --net bridge share bl0 without a collision, and the last out restores the host', async () => {
    const before = fingerprint();
    // Each holds on a moment so that both are on the bridge at once.
    const box = () => background(['run', '--rootfs', rootfs!.dir, '--net', 'bridge', '--', 'sh', '-c', 'ip -o -4 addr show eth0; sleep 1']);
    const runs = await Promise.all([box(), box()]);
    for (const r of runs) expect(r.code, r.out).toBe(0);
    const ips = runs.map((r) => /inet (\d+\.\d+\.\d+\.\d+)\//.exec(r.out)?.[1]);
    expect(ips[0]).toBeTruthy();
    expect(ips[1]).toBeTruthy();
    expect(ips[0]).not.toBe(ips[1]);
    expect(await settledFingerprint(before)).toEqual(before);
  }, 60_000);

  it('the same lessons twice at once (a network one and a filesystem one) all pass and clean up', async () => {
    const before = fingerprint();
    const ids = lessons.some((l) => l.id === 'overlay') ? ['net', 'net', 'overlay', 'overlay'] : ['net', 'net'];
    const runs = await Promise.all(ids.map((id) => background(['lesson', id, '--yes'])));
    runs.forEach((r, i) => expect(r.code, `${ids[i]}: ${r.out.slice(-2000)}`).toBe(0));
    expect(await settledFingerprint(before)).toEqual(before);
  }, 120_000);
});
