// A lesson interrupted at every step leaves the host as it found it: SIGINT and SIGTERM
// clean up by themselves within a second; after SIGKILL, `boxlab cleanup` does.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../../src/core/index.ts';
import { fingerprint, isRoot } from '../helpers/host.ts';

const cli = join(repoRoot(), 'dist', 'boxlab.mjs');
/** A sample of lessons: the first two of the course, which every machine can run. */
const SAMPLE = ['uts', 'pid'];

function stopsOf(id: string): number {
  const lessons = JSON.parse(spawnSync('node', [cli, 'list', '--json'], { encoding: 'utf8' }).stdout) as { id: string; steps: number; checks: number; tasks: number }[];
  const l = lessons.find((x) => x.id === id)!;
  return l.steps + l.checks + l.tasks;
}

/** Start a lesson that holds after step k; resolve once it says so. */
async function holdAt(id: string, k: number): Promise<ChildProcess> {
  const child = spawn('node', [cli, 'lesson', id, '--yes', '--until', String(k)], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1' } });
  let out = '';
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes(`holding after step ${k} `)) resolve();
    });
    child.once('exit', (code) => reject(new Error(`lesson ${id} ended (${code}) before step ${k}:\n${out}`)));
  });
  return child;
}

function exitOf(child: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  return new Promise((r) => child.once('exit', (code, signal) => r({ code, signal })));
}

describe.runIf(isRoot)('interrupted lessons', () => {
  for (const id of SAMPLE) {
    it(`${id}: SIGINT or SIGTERM at each step cleans up within a second`, async () => {
      const before = fingerprint();
      const n = stopsOf(id);
      for (let k = 1; k <= n; k++) {
        const sig = k % 2 ? 'SIGINT' : 'SIGTERM';
        const child = await holdAt(id, k);
        const t0 = Date.now();
        child.kill(sig);
        const end = await exitOf(child);
        expect(Date.now() - t0, `${id} step ${k} ${sig}`).toBeLessThan(1000);
        expect(end.code, `${id} step ${k} ${sig}`).toBe(sig === 'SIGINT' ? 130 : 143);
        expect(fingerprint(), `${id} step ${k} ${sig}`).toEqual(before);
      }
    }, 120_000);

    it(`${id}: SIGKILL at each step, then boxlab cleanup, leaves nothing`, async () => {
      const before = fingerprint();
      const n = stopsOf(id);
      for (let k = 1; k <= n; k++) {
        const child = await holdAt(id, k);
        child.kill('SIGKILL');
        await exitOf(child);
        // The core sees its requests end and kills the containers; then the ledger.
        const clean = spawnSync('node', [cli, 'cleanup'], { encoding: 'utf8' });
        expect(clean.status, clean.stdout + clean.stderr).toBe(0);
        for (let i = 0; i < 40 && JSON.stringify(fingerprint()) !== JSON.stringify(before); i++) await new Promise((r) => setTimeout(r, 50));
        expect(fingerprint(), `${id} step ${k}`).toEqual(before);
      }
    }, 120_000);
  }

  it('two lessons at the same time do not collide and both clean up', async () => {
    const before = fingerprint();
    const run = () => new Promise<number | null>((resolve) => {
      const child = spawn('node', [cli, 'lesson', 'uts', '--yes'], { stdio: 'ignore' });
      child.once('exit', resolve);
    });
    expect(await Promise.all([run(), run(), run()])).toEqual([0, 0, 0]);
    expect(fingerprint()).toEqual(before);
  }, 60_000);
});
