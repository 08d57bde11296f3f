// The core killed at every point of a run: `boxlab run --net bridge -p ... --memory ...`
// with a core that SIGKILLs itself when its Nth request arrives (helpers/dying-core.mjs),
// for N = 1, 2, ... until the run gets through. Every time, boxlab must not crash on the
// broken pipe (EPIPE, ECONNRESET): it says the core is gone, exits 125, and has unwound
// its ledger - no bl0, veth, lease, ip_forward, cgroup, directory or process left, with
// no `boxlab cleanup`.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { boxcorePath, repoRoot } from '../../src/core/index.ts';
import { fingerprint, isRoot, settledFingerprint } from '../helpers/host.ts';
import { testRootfs } from '../helpers/rootfs.ts';

const cli = join(repoRoot(), 'dist', 'boxlab.mjs');
const dyingCore = join(repoRoot(), 'test', 'helpers', 'dying-core.mjs');
let rootfs: Awaited<ReturnType<typeof testRootfs>>;

beforeAll(async () => {
  if (!isRoot) return;
  rootfs = await testRootfs('busybox');
});
afterAll(async () => { await rootfs?.remove(); });

function runWithCoreDyingAt(n: number, countFile = '') {
  const port = 21000 + n;
  const r = spawnSync('node', [cli, 'run', '--rootfs', rootfs.dir, '--net', 'bridge', '-p', `${port}:80`, '--memory', '64m', '--pids-limit', '64', '--', 'sleep', '1'], {
    encoding: 'utf8',
    timeout: 30_000,
    env: { ...process.env, BOXCORE: dyingCore, BOXLAB_TEST_REAL_BOXCORE: boxcorePath(), BOXLAB_TEST_CORE_DIES_AT: String(n), BOXLAB_TEST_CORE_COUNT_FILE: countFile },
  });
  return { code: r.status, signal: r.signal, stderr: r.stderr };
}

describe.runIf(isRoot)('the core killed at any point of a run', () => {
  it('never crashes boxlab, which unwinds everything it made, at every request of the run', async () => {
    const before = fingerprint();
    // A run whose core lives: how many requests it makes, each a point to die at.
    const countDir = mkdtempSync(join(tmpdir(), 'bl-count-'));
    const countFile = join(countDir, 'n');
    const whole = runWithCoreDyingAt(0, countFile);
    expect(whole.code, whole.stderr).toBe(0);
    const total = Number(readFileSync(countFile, 'utf8'));
    rmSync(countDir, { recursive: true, force: true });
    expect(total).toBeGreaterThan(10);
    let failedRuns = 0;
    for (let n = 1; n <= total; n++) {
      const r = runWithCoreDyingAt(n);
      const at = `core killed at request ${n} of ${total}`;
      expect(r.signal, `${at}: boxlab itself was killed`).toBeNull();
      expect(r.stderr, at).not.toMatch(/EPIPE|ECONNRESET|Unhandled|at .*\.(m?js|ts):\d+/);
      // Once the command has ended, its status stands; before, the run fails clearly.
      if (r.code !== 0) {
        failedRuns += 1;
        expect(r.code, `${at}: ${r.stderr}`).toBe(125);
        expect(r.stderr, at).toMatch(/the runtime core ended before the container did/);
      }
      expect(await settledFingerprint(before), `${at}: the host after the run`).toEqual(before);
    }
    expect(failedRuns, 'most points are before the command ends').toBeGreaterThan(total / 2);
  }, 600_000);
});
