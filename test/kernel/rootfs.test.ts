// The rootfs builder, for real: the result must run programs under chroot.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Ledger } from '../../src/ledger/index.ts';
import { buildRootfs, findStaticBusybox, isStaticElf } from '../../src/runtime/rootfs.ts';
import { fingerprint, isRoot, type HostFingerprint } from '../helpers/host.ts';

let base: string;
let ledger: Ledger;
let before: HostFingerprint;
beforeAll(() => {
  before = fingerprint();
  base = mkdtempSync(join(tmpdir(), 'bl-rootfs-'));
  ledger = Ledger.open(join(base, 'ledger'));
});
afterAll(async () => {
  await ledger.close();
  rmSync(base, { recursive: true, force: true });
  expect(fingerprint()).toEqual(before);
});

function inChroot(root: string, script: string): string {
  return execFileSync('chroot', [root, '/bin/sh', '-c', script], { encoding: 'utf8' });
}

describe('rootfs', () => {
  it('tells a static ELF from a dynamic one', () => {
    expect(isStaticElf('/bin/ls')).toBe(false);
    const busybox = findStaticBusybox();
    if (busybox) expect(isStaticElf(busybox)).toBe(true);
  });

  it.runIf(isRoot)('from the host: programs with their libraries run under chroot', async () => {
    const dir = join(base, 'host');
    const built = await buildRootfs(dir, ledger, { from: 'host' });
    expect(built.source).toBe('host');
    expect(built.programs).toEqual(expect.arrayContaining(['sh', 'ls', 'cat', 'ps', 'mount', 'hostname']));
    expect(inChroot(dir, 'echo hello from $(hostname >/dev/null && echo inside); ls /')).toMatch(/hello from inside\n[\s\S]*proc/);
    // Built into a bl- sibling and renamed: nothing half-built is left beside it.
    expect(existsSync(join(base, `bl-build-${process.pid}`))).toBe(false);
    // A second call reuses it rather than rebuilding.
    expect((await buildRootfs(dir, ledger)).programs).toEqual(built.programs);
  });

  it.runIf(isRoot && findStaticBusybox() !== undefined)('from a static busybox: one binary, every applet', async () => {
    const dir = join(base, 'busybox');
    const built = await buildRootfs(dir, ledger, { from: 'busybox' });
    expect(built.source).toBe('busybox');
    expect(inChroot(dir, 'echo $(uname -s) && ls /bin/ls')).toBe('Linux\n/bin/ls\n');
  });

  it('refuses to overwrite a directory that is not a boxlab rootfs', async () => {
    await expect(buildRootfs(tmpdir(), ledger)).rejects.toThrow(/exists and is not a boxlab rootfs/);
  });
});
