// The bad-input corpus: garbage on the core's protocol (test/corpus/protocol-garbage.txt),
// wrong CLI arguments and values, a missing rootfs, no privileges (the cases of
// test/corpus/cli-bad-args.json, some with an environment, some run as nobody), and
// every malformed lesson of test/lessons/fixtures run through the CLI. Each gets a clear
// error (what, where, how to fix), nothing crashes (no stack trace), and nothing is left
// on the host.
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Core, repoRoot, type CoreReply } from '../../src/core/index.ts';
import { fingerprint, isRoot } from '../helpers/host.ts';

const corpus = (name: string) => readFileSync(join(repoRoot(), 'test', 'corpus', name), 'latin1');
const cli = join(repoRoot(), 'dist', 'boxlab.mjs');
const FIXTURES = join(repoRoot(), 'test', 'lessons', 'fixtures');
const NOBODY = 65534;
const work = mkdtempSync(join(tmpdir(), 'bl-badinput-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

interface Case { args: string[]; code: number; says: string; env?: Record<string, string>; user?: 'nobody'; note?: string }

/** boxlab ARGS as the case says: with its environment, as nobody when it says so (a
 *  home it cannot write, no runtime dir: what an unprivileged user without a login has). */
function boxlab(c: Pick<Case, 'args' | 'env' | 'user'>) {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1', ...c.env };
  if (c.user === 'nobody') {
    delete env.XDG_RUNTIME_DIR;
    env.HOME = '/nonexistent';
    return spawnSync('setpriv', [`--reuid=${NOBODY}`, `--regid=${NOBODY}`, '--clear-groups', 'node', cli, ...c.args], { encoding: 'utf8', env, timeout: 30_000 });
  }
  return spawnSync('node', [cli, ...c.args], { encoding: 'utf8', env, timeout: 30_000 });
}

/** What nobody's boxlab keeps in its own state root (tmpdir/boxlab-UID): no bl- entry
 *  and no ledger may stay. */
function nobodysLeftovers(): string[] {
  const root = join(tmpdir(), `boxlab-${NOBODY}`);
  const list = (d: string) => (existsSync(d) ? readdirSync(d).filter((n) => n.startsWith('bl-')).map((n) => join(d, n)) : []);
  return [...list(root), ...list(join(root, 'ledger'))];
}

const noStackTrace = (text: string) => expect(text).not.toMatch(/\n\s+at .+[(:]\d+/);

describe.runIf(isRoot)('bad input', () => {
  it('boxcore serve answers each garbage line with an error and keeps serving', async () => {
    const before = fingerprint();
    const lines = [
      ...corpus('protocol-garbage.txt').split('\n').filter((l) => l.length > 0),
      `{"op":"hello","pad":"${'x'.repeat(100_000)}"}`, // longer than a request may be
      '\0\0{"op":"hello"}',
    ];
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

  const cases = JSON.parse(corpus('cli-bad-args.json')) as Case[];
  it.each(cases.map((c) => [`${c.user ? `as ${c.user}: ` : ''}${c.env ? `${Object.entries(c.env).map(([k, v]) => `${k}=${v}`).join(' ')} ` : ''}boxlab ${c.args.join(' ')}`, c] as const))('%s', (_name, c) => {
    const before = fingerprint();
    const r = boxlab(c);
    expect(r.stderr + r.stdout).toContain(c.says);
    expect(r.status, r.stderr + r.stdout).toBe(c.code);
    noStackTrace(r.stderr + r.stdout);
    expect(fingerprint()).toEqual(before);
    if (c.user) expect(nobodysLeftovers()).toEqual([]);
  });

  it('the corpus covers wrong values, a missing rootfs and no privileges', () => {
    expect(cases.filter((c) => c.user === 'nobody').length).toBeGreaterThan(3);
    expect(cases.some((c) => c.env?.BOXLAB_ROOTFS)).toBe(true);
  });

  // Each malformed lesson, alone in a lessons directory, through `boxlab lesson` and
  // `boxlab list`: the file, the line, what is wrong and how to fix it.
  const fixtures = readdirSync(FIXTURES).filter((f) => f.endsWith('.md')).sort();
  it.each(fixtures)('lesson fixture %s is refused by the CLI with file:line: what — fix', (file) => {
    const id = basename(file, '.md');
    const root = join(work, id);
    mkdirSync(join(root, '01-broken'), { recursive: true });
    copyFileSync(join(FIXTURES, file), join(root, '01-broken', `01-${file}`));
    const where = new RegExp(`01-${id}\\.md:\\d+: .+ — .+`);
    const before = fingerprint();

    const lesson = boxlab({ args: ['lesson', id, '--yes', '--trust', root], env: { BOXLAB_LESSONS: root } });
    expect(lesson.stdout + lesson.stderr).toMatch(where);
    expect(lesson.status).toBe(2);
    noStackTrace(lesson.stdout + lesson.stderr);

    const list = boxlab({ args: ['list', '--trust', root], env: { BOXLAB_LESSONS: root } });
    expect(list.stderr).toMatch(where);
    expect(list.status).toBe(1);

    const doctor = boxlab({ args: ['doctor', '--trust', root], env: { BOXLAB_LESSONS: root } });
    expect(doctor.stdout + doctor.stderr).toMatch(where);
    expect(doctor.status).toBe(1);
    noStackTrace(doctor.stdout + doctor.stderr);
    expect(fingerprint()).toEqual(before);
  });
});
