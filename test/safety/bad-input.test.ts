// The bad-input corpus in test/corpus: every case gets a clear error, nothing crashes,
// and nothing is left on the host.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Core, repoRoot, type CoreReply } from '../../src/core/index.ts';
import { fingerprint, isRoot } from '../helpers/host.ts';

const corpus = (name: string) => readFileSync(join(repoRoot(), 'test', 'corpus', name), 'latin1');
const cli = join(repoRoot(), 'dist', 'boxlab.mjs');

describe.runIf(isRoot)('bad input', () => {
  it('boxcore serve answers each garbage line with an error and keeps serving', async () => {
    const before = fingerprint();
    const lines = corpus('protocol-garbage.txt').split('\n').filter((l) => l.length > 0);
    const replies: CoreReply[] = [];
    const core = await Core.start({ onReply: (r) => replies.push(r) });
    try {
      for (const line of lines) core.sendRaw(line);
      await core.hello(); // still serving, after all of them
      const errors = replies.filter((r) => !r.ok);
      // Every line is answered once: the one JSON line here that is valid (hello with a
      // string id) still gets a reply, and all the others are errors that say why.
      expect(replies.length).toBeGreaterThanOrEqual(lines.length);
      expect(errors.length).toBeGreaterThanOrEqual(lines.length - 2);
      for (const r of errors) {
        expect(['protocol', 'usage', 'state']).toContain(r.error!.kind);
        expect(r.error!.message.length).toBeGreaterThan(10);
      }
    } finally {
      await core.close();
    }
    expect(fingerprint()).toEqual(before);
  });

  const cases = JSON.parse(corpus('cli-bad-args.json')) as { args: string[]; code: number; says: string }[];
  it.each(cases.map((c) => [c.args.join(' '), c] as const))('boxlab %s', (_name, c) => {
    const before = fingerprint();
    const r = spawnSync('node', [cli, ...c.args], { encoding: 'utf8', timeout: 20_000 });
    expect(r.stderr + r.stdout).toContain(c.says);
    expect(r.status).toBe(c.code);
    expect(r.stderr).not.toMatch(/\n\s+at /); // a message, not a stack trace
    expect(fingerprint()).toEqual(before);
  });
});
