// boxcore rmtree and writefile (native/hostfs.c): how root removes and writes where
// another user can write. rmtree never follows a link, never leaves its filesystem,
// refuses a path with a link or `..` in it, and empties a user's directory as that
// user (so it removes only what the user could); writefile writes only as the user.
import { spawnSync } from 'node:child_process';
import {
  chmodSync, chownSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync,
  symlinkSync, writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { boxcorePath } from '../../src/core/index.ts';
import { isRoot } from '../helpers/host.ts';

const USER = 47005;
const work = mkdtempSync(join(tmpdir(), 'bl-hostfs-'));
chmodSync(work, 0o755);
afterAll(() => rmSync(work, { recursive: true, force: true }));
let n = 0;
let dir = '';
beforeEach(() => { dir = join(work, `case-${n++}`); mkdirSync(dir, { mode: 0o755 }); });

const boxcore = (args: string[], input?: string) => spawnSync(boxcorePath(), args, { encoding: 'utf8', input });

/** Root's own file that nothing may remove or change. */
function keepsake(name: string): string {
  const path = join(work, `${name}-${n}`);
  mkdirSync(path);
  writeFileSync(join(path, 'keep'), 'root\'s\n');
  return path;
}

describe.runIf(isRoot)('boxcore rmtree', () => {
  it('removes a tree without following its links, whatever they point at', () => {
    const victim = keepsake('victim');
    const tree = join(dir, 'bl-tree');
    mkdirSync(join(tree, 'a', 'b'), { recursive: true });
    writeFileSync(join(tree, 'a', 'b', 'f'), 'x');
    symlinkSync(victim, join(tree, 'a', 'to-dir'));
    symlinkSync(join(victim, 'keep'), join(tree, 'to-file'));
    spawnSync('mkfifo', [join(tree, 'fifo')]);
    spawnSync('mknod', [join(tree, 'whiteout'), 'c', '0', '0']);
    chmodSync(join(tree, 'a', 'b'), 0); // root needs no permission bits
    const r = boxcore(['rmtree', tree]);
    expect([r.status, r.stderr]).toEqual([0, '']);
    expect(existsSync(tree)).toBe(false);
    expect(readFileSync(join(victim, 'keep'), 'utf8')).toBe('root\'s\n');
    // gone already is done
    expect(boxcore(['rmtree', tree]).status).toBe(0);
  });

  it('refuses a path with a link on the way, and one that is not plain', () => {
    const victim = keepsake('victim');
    symlinkSync(victim, join(dir, 'link'));
    const r = boxcore(['rmtree', join(dir, 'link', 'keep')]);
    expect([r.status, r.stderr.trim()]).toEqual([1, `boxcore rmtree: ${join(dir, 'link')}: a symbolic link on the way (refused)`]);
    for (const path of [`${dir}/x/../link`, 'relative', `${dir}//x`, `${dir}/x/`, '/']) {
      expect(boxcore(['rmtree', path]).status, path).toBe(2);
    }
    expect(existsSync(join(victim, 'keep'))).toBe(true);
  });

  it('empties a user\'s directory as that user: what they could not remove stays', () => {
    // A directory of root's inside the user's: its files are beyond the user (no write
    // permission there), so they must be beyond root's rmtree of the user's directory.
    const theirs = join(dir, 'bl-theirs');
    mkdirSync(join(theirs, 'sub'), { recursive: true });
    mkdirSync(join(theirs, 'roots'), { mode: 0o755 });
    writeFileSync(join(theirs, 'sub', 'mine'), 'x');
    writeFileSync(join(theirs, 'roots', 'keep'), 'root\'s\n');
    for (const p of [theirs, join(theirs, 'sub'), join(theirs, 'sub', 'mine')]) chownSync(p, USER, USER);
    chmodSync(join(theirs, 'sub'), 0o500); // their own, not writable: rmtree lets them in
    const r = boxcore(['rmtree', '--owner', String(USER), theirs]);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(`boxcore rmtree: ${join(theirs, 'roots', 'keep')}: unlink: Permission denied`);
    expect(readdirSync(theirs)).toEqual(['roots']);
    expect(readFileSync(join(theirs, 'roots', 'keep'), 'utf8')).toBe('root\'s\n');
  });

  it('without --owner, removes a tree of many owners whole (a root container\'s upper)', () => {
    const upper = join(dir, 'bl-upper');
    mkdirSync(join(upper, 'home', 'app', 'roots'), { recursive: true });
    writeFileSync(join(upper, 'home', 'app', 'roots', 'f'), 'x');
    chownSync(join(upper, 'home', 'app'), USER, USER);
    const r = boxcore(['rmtree', upper]);
    expect([r.status, r.stderr]).toEqual([0, '']);
    expect(existsSync(upper)).toBe(false);
  });

  it('leaves a mount point inside the tree, and what is mounted there', () => {
    const tree = join(dir, 'bl-mounted');
    mkdirSync(join(tree, 'mnt'), { recursive: true });
    writeFileSync(join(tree, 'other'), 'x');
    // In a mount namespace of its own, so the host's mount table never sees it.
    const script = `mount -t tmpfs bl-t ${tree}/mnt && echo kept > ${tree}/mnt/f && ${boxcorePath()} rmtree ${tree}; echo "status $?"; cat ${tree}/mnt/f`;
    const r = spawnSync('unshare', ['--mount', '--propagation', 'private', 'sh', '-c', script], { encoding: 'utf8' });
    expect(r.stderr).toContain(`boxcore rmtree: ${tree}/mnt: a mount point (another filesystem): left in place`);
    expect(r.stdout).toBe('status 1\nkept\n');
    expect(readdirSync(tree)).toEqual(['mnt']);
  });
});

describe.runIf(isRoot)('boxcore writefile', () => {
  it('writes as the user: their file, mode 0600, in new directories of theirs, mode 0700', () => {
    chownSync(dir, USER, USER);
    const file = join(dir, 'a', 'b', 'f.json');
    const r = boxcore(['writefile', '--as', `${USER}:${USER}`, file], '{"ok":true}\n');
    expect([r.status, r.stderr]).toEqual([0, '']);
    expect(readFileSync(file, 'utf8')).toBe('{"ok":true}\n');
    for (const [p, mode] of [[join(dir, 'a'), 0o700], [join(dir, 'a', 'b'), 0o700], [file, 0o600]] as const) {
      expect([p, statSync(p).uid, statSync(p).mode & 0o777]).toEqual([p, USER, mode]);
    }
    expect(readdirSync(join(dir, 'a', 'b'))).toEqual(['f.json']); // no temporary file left
  });

  it('cannot be led by a link to where the user may not write', () => {
    const victim = keepsake('victim');
    chmodSync(victim, 0o755);
    chownSync(dir, USER, USER);
    symlinkSync(victim, join(dir, 'state'));
    const r = boxcore(['writefile', '--as', `${USER}:${USER}`, join(dir, 'state', 'keep')], 'overwritten');
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/Permission denied/);
    expect(readFileSync(join(victim, 'keep'), 'utf8')).toBe('root\'s\n');
    expect(lstatSync(join(victim, 'keep')).uid).toBe(0);
  });

  it('takes at most 1 MiB, and says so', () => {
    chownSync(dir, USER, USER);
    const r = boxcore(['writefile', '--as', `${USER}:${USER}`, join(dir, 'big')], 'x'.repeat(2 << 20));
    expect([r.status, r.stderr.trim()]).toEqual([1, `boxcore writefile: ${join(dir, 'big')}: more than 1 MiB on stdin`]);
    expect(existsSync(join(dir, 'big'))).toBe(false);
  });
});
