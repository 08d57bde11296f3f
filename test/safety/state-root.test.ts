// Where boxlab keeps its ledgers (issue 21, items 4 and 14): a state root is the
// caller's alone or it is not used at all. A user's fallback in /tmp that another user
// made first, with a forged ledger in it, makes that user's `boxlab cleanup` and
// `boxlab rootfs` refuse and touch nothing; and a state root on a full disk gets an
// error that names the ledger, with no empty ledger left behind.
import { spawnSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../../src/core/index.ts';
import { Workspace } from '../../src/build/workspace.ts';
import { startRegistry, registryBinary } from '../../src/images/registry-server.ts';
import { Ledger } from '../../src/ledger/index.ts';
import { Container, type RunSpec } from '../../src/runtime/container.ts';
import { fingerprint, isRoot } from '../helpers/host.ts';

const cli = join(repoRoot(), 'dist', 'boxlab.mjs');
/** The victim: a uid no account has. */
const USER = 47002;
const work = mkdtempSync(join(tmpdir(), 'bl-stateroot-'));
chmodSync(work, 0o755);
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** boxlab as USER, with TMPDIR=tmp and no runtime dir: its state root is tmp/boxlab-UID. */
function boxlabAsUser(tmp: string, args: string[]) {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1', TMPDIR: tmp, HOME: join(work, 'home') };
  delete env.XDG_RUNTIME_DIR;
  delete env.BOXLAB_STATE_DIR;
  return spawnSync('setpriv', [`--reuid=${USER}`, `--regid=${USER}`, '--clear-groups', 'node', cli, ...args], { encoding: 'utf8', env, timeout: 30_000 });
}

/** A pid that names no process any more (the pid of an exited child). */
function deadPid(): number {
  return Number(spawnSync('sh', ['-c', 'echo $$'], { encoding: 'utf8' }).stdout.trim());
}

describe.runIf(isRoot)('a state root another user made', () => {
  it('is refused by the victim\'s boxlab, and the forged ledger in it touches nothing', () => {
    const before = fingerprint();
    // The victim's home, with something they keep; /tmp, sticky and world-writable.
    const home = join(work, 'home');
    mkdirSync(join(home, 'bl-precious'), { recursive: true });
    writeFileSync(join(home, 'bl-precious', 'thesis.tex'), 'years of work\n');
    chownSync(home, USER, USER);
    chownSync(join(home, 'bl-precious'), USER, USER);
    const tmp = join(work, 'tmp');
    mkdirSync(tmp);
    chmodSync(tmp, 0o1777);
    // Another user (root here stands for any other) makes the victim's fallback first,
    // readable by all, with a ledger of a dead owner that points into the victim's home.
    const forged = join(tmp, `boxlab-${USER}`);
    mkdirSync(join(forged, 'ledger'), { recursive: true, mode: 0o755 });
    const owner = deadPid();
    writeFileSync(join(forged, 'ledger', `bl-${owner}.jsonl`), [
      { owner: { pid: owner, start: '1' } },
      { add: { id: 1, kind: 'dir', path: `${forged}/bl-x/../../../home/bl-precious` } },
      { add: { id: 2, kind: 'dir', path: join(home, 'bl-precious') } },
    ].map((l) => JSON.stringify(l)).join('\n') + '\n', { mode: 0o644 });

    const cleanup = boxlabAsUser(tmp, ['cleanup']);
    expect(cleanup.status).toBe(1);
    expect(cleanup.stderr).toContain(`boxlab: will not keep ledgers (the lists of what to remove after a crash) in ${forged}: ${forged} belongs to uid 0, not to you (uid ${USER}) or root, so another user could forge what boxlab removes`);
    expect(existsSync(join(home, 'bl-precious', 'thesis.tex'))).toBe(true);

    // Nothing is made in it either: `boxlab rootfs` stops before it builds.
    const rootfs = boxlabAsUser(tmp, ['rootfs', join(home, 'rootfs')]);
    expect(rootfs.status).toBe(1);
    expect(rootfs.stderr).toContain(`will not keep ledgers (the lists of what to remove after a crash) in ${forged}:`);
    expect(readdirSync(home)).toEqual(['bl-precious']);
    expect(readdirSync(forged).sort()).toEqual(['ledger']);

    // A link in its place, to a ledger directory of the other user's, is refused too.
    rmSync(forged, { recursive: true });
    const elsewhere = join(work, 'elsewhere');
    mkdirSync(join(elsewhere, 'ledger'), { recursive: true, mode: 0o755 });
    writeFileSync(join(elsewhere, 'ledger', `bl-${owner}.jsonl`), [
      { owner: { pid: owner, start: '1' } },
      { add: { id: 1, kind: 'dir', path: join(forged, 'bl-x') } },
    ].map((l) => JSON.stringify(l)).join('\n') + '\n', { mode: 0o644 });
    spawnSync('ln', ['-s', elsewhere, forged]);
    const linked = boxlabAsUser(tmp, ['cleanup']);
    expect(linked.status).toBe(1);
    expect(linked.stderr).toContain(`${forged} is a symbolic link`);
    expect(readdirSync(join(elsewhere, 'ledger'))).toEqual([`bl-${owner}.jsonl`]);
    rmSync(forged);
    expect(fingerprint()).toEqual(before);
  });
});

describe.runIf(isRoot)("boxcore's state root another user made", () => {
  it('is refused by state, delete and create: a forged container there is never acted on', () => {
    // boxcore's own fallback for a user without a runtime directory: /tmp/boxcore-UID.
    const root = `/tmp/boxcore-${USER}`;
    mkdirSync(join(root, 'bl-forged'), { recursive: true, mode: 0o755 });
    const victim = spawnSync('sh', ['-c', 'sleep 30 >/dev/null 2>&1 & echo $!'], { encoding: 'utf8' }).stdout.trim();
    writeFileSync(join(root, 'bl-forged', 'state.json'), JSON.stringify({ ociVersion: '1.0.2', id: 'bl-forged', status: 'running', pid: Number(victim), bundle: '/' }));
    try {
      const env: NodeJS.ProcessEnv = { ...process.env };
      delete env.XDG_RUNTIME_DIR;
      const boxcore = (...args: string[]) => spawnSync('setpriv', [`--reuid=${USER}`, `--regid=${USER}`, '--clear-groups', join(repoRoot(), 'native', 'boxcore'), ...args], { encoding: 'utf8', env });
      for (const args of [['state', 'bl-forged'], ['delete', '--force', 'bl-forged'], ['kill', 'bl-forged', 'KILL']]) {
        const r = boxcore(...args);
        expect([args[0], r.status, r.stderr.split('\n')[0]]).toEqual([args[0], 1, `boxcore ${args[0]}: the state root ${root} is not yours alone (a directory, owner uid 0, mode 0755): another user could forge containers in it`]);
      }
      expect(existsSync(`/proc/${victim}`)).toBe(true);
    } finally {
      spawnSync('kill', ['-KILL', victim]);
      rmSync(root, { recursive: true, force: true });
    }
  });
});

describe.runIf(isRoot)('a full disk under the state root', () => {
  it('says which ledger it could not write, and leaves no empty ledger', () => {
    const state = join(work, 'full');
    mkdirSync(state);
    // A 64 KiB tmpfs, filled up, in a mount namespace of the test's own (the host's
    // mount table never sees it); boxlab runs inside it.
    const script = [
      `mount -t tmpfs -o size=64k,mode=0755 bl-full ${state} || exit 9`,
      `dd if=/dev/zero of=${state}/fill bs=4k count=64 2>/dev/null`,
      `BOXLAB_STATE_DIR=${state} node ${cli} run --rootfs / -- true; echo "status $?"`,
      `ls -A ${state}/ledger`,
    ].join('\n');
    const r = spawnSync('unshare', ['--mount', '--propagation', 'private', 'sh', '-c', script], { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' }, timeout: 30_000 });
    expect(r.stderr).toMatch(new RegExp(`cannot write the ledger ${state}/ledger/bl-\\d+\\.jsonl: no space left on device\\. .*nothing was made`));
    expect(r.stdout).toBe('status 1\n'); // and `ls` of the ledger directory shows nothing
  });
});

// A ledger may name paths in its own state root only (src/ledger/resources.ts), so what
// the lab makes is made there: a container's run directory, a build's workspace, a
// registry's storage. Made in the default state root while the ledger was elsewhere,
// each was refused on the way out and left behind, in silence.
describe.runIf(isRoot)('what a ledger lists', () => {
  it('is made in its state root, and all of it goes', async () => {
    const before = fingerprint();
    const state = mkdtempSync(join(work, 'own-'));
    const ledger = Ledger.open(join(state, 'ledger'));
    const made: string[] = [];
    try {
      const spec = { rootfs: '/', argv: ['true'], ns: [], volumes: [], tmpfs: [], readOnly: false, env: [], security: { privileged: false, capAdd: [], capDrop: [], noNewPrivileges: false } } satisfies RunSpec;
      const box = await Container.create(spec, ledger);
      made.push(box.dir);
      await box.stop(ledger);
      const ws = await Workspace.create(ledger, 'build');
      made.push(ws.dir);
      await ws.close();
      if (existsSync(registryBinary())) {
        const registry = await startRegistry(ledger);
        made.push(registry.dir);
        await registry.stop();
      }
    } finally {
      expect(await ledger.close()).toEqual([]);
    }
    for (const dir of made) expect(dir.startsWith(`${state}/bl-`), dir).toBe(true);
    expect(readdirSync(state)).toEqual(['ledger']);
    expect(fingerprint()).toEqual(before);
  });
});
