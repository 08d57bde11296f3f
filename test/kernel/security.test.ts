// The security ops (caps, no_new_privs, seccomp) against the real kernel: each one is
// checked from outside, in /proc/PID/status of the container's init, and by what a
// program inside can no longer do.
import { readFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Core } from '../../src/core/index.ts';
import { fingerprint, isRoot, type HostFingerprint } from '../helpers/host.ts';
import { failure } from '../helpers/core.ts';

let core: Core;
let before: HostFingerprint;

beforeEach(async () => {
  before = fingerprint();
  core = await Core.start();
});

afterEach(async () => {
  await core.close();
  expect(fingerprint()).toEqual(before);
});

const status = (pid: number, field: string) =>
  readFileSync(`/proc/${pid}/status`, 'utf8').split('\n').find((l) => l.startsWith(field + ':'))!.split(/\s+/)[1]!;

/** The capabilities in a /proc status mask, by number. */
const bits = (hex: string) => [...BigInt('0x' + hex).toString(2)].reverse().flatMap((b, i) => (b === '1' ? [i] : []));


describe.runIf(isRoot)('security ops on the real kernel', () => {
  it('caps keep: every set shrinks to the list, and what was dropped stops working', async () => {
    const { ct, pid } = await core.clone(['pid', 'uts']);
    expect(bits(status(pid, 'CapBnd')).length).toBeGreaterThan(30);
    const r = await core.caps(ct, { keep: ['CAP_KILL', 'net_bind_service', 'CAP_SYS_ADMIN', 'CAP_SETPCAP'] });
    expect(r.effective).toEqual(['CAP_KILL', 'CAP_SETPCAP', 'CAP_NET_BIND_SERVICE', 'CAP_SYS_ADMIN']);
    expect(bits(status(pid, 'CapBnd'))).toEqual([5, 8, 10, 21]);
    expect(bits(status(pid, 'CapEff'))).toEqual([5, 8, 10, 21]);
    await core.caps(ct, { drop: ['CAP_SYS_ADMIN', 'CAP_SETPCAP'] });
    expect(bits(status(pid, 'CapEff'))).toEqual([5, 10]);
    // Without CAP_SETPCAP the bounding set cannot shrink any more: the kernel says no.
    const noSetpcap = await failure(core.caps(ct, { drop: ['CAP_KILL'] }));
    expect(noSetpcap.errno).toBe('EPERM');
    expect(noSetpcap.explain).toMatch(/needs CAP_SETPCAP/);
    // sethostname needs CAP_SYS_ADMIN: gone for the puppet and for what it runs.
    const e = await failure(core.sethostname(ct, 'nope'));
    expect(e.errno).toBe('EPERM');
    const child = await core.spawnInside(ct, ['/bin/sh', '-c', 'grep CapEff /proc/self/status; hostname x']);
    expect(child.stdout).toMatch(/CapEff:\s+0000000000000420/);
    expect(child.code).not.toBe(0);
  });

  it('user: the init becomes uid:gid with supplementary groups, loses its capabilities, and still dies with the core', async () => {
    const { ct, pid } = await core.clone(['pid']);
    const bad = await failure(core.user(ct, { uid: -1, gid: 0 }));
    expect(bad.kind).toBe('usage');
    const badGroup = await failure(core.call('user', { ct, uid: 1, gid: 1, groups: ['x'] }));
    expect(badGroup.message).toMatch(/groups: "x" is not a group id/);
    expect(status(pid, 'Uid')).toBe('0'); // a refused op changed nothing
    await core.user(ct, { uid: 1000, gid: 100, groups: [27, 50] });
    expect(readFileSync(`/proc/${pid}/status`, 'utf8')).toMatch(/^Uid:\s+1000\s+1000\s+1000\s+1000$/m);
    expect(readFileSync(`/proc/${pid}/status`, 'utf8')).toMatch(/^Gid:\s+100\s+100\s+100\s+100$/m);
    expect(readFileSync(`/proc/${pid}/status`, 'utf8')).toMatch(/^Groups:\s+27 50\s*$/m);
    expect(status(pid, 'CapEff')).toBe('0000000000000000');
    // (A credential change clears the parent-death signal; the op sets it again, or the
    // puppet would outlive the core and afterEach's fingerprint would list it.)
    const child = await core.spawnInside(ct, ['/bin/sh', '-c', 'id -u; id -G']);
    expect(child.stdout).toBe('1000\n100 27 50\n');
  });

  it('caps ambient: they go into inheritable and ambient; a bad name changes nothing', async () => {
    const { ct, pid } = await core.clone(['pid']);
    const bad = await failure(core.caps(ct, { keep: ['CAP_KILL', 'CAP_NO_SUCH'] }));
    expect(bad.kind).toBe('usage');
    expect(bad.message).toMatch(/unknown capability "CAP_NO_SUCH"/);
    expect(bits(status(pid, 'CapEff')).length).toBeGreaterThan(30);
    const r = await core.caps(ct, { keep: ['CAP_KILL', 'CAP_CHOWN'], ambient: ['CAP_KILL'] });
    expect(r.ambient).toEqual(['CAP_KILL']);
    expect(bits(status(pid, 'CapAmb'))).toEqual([5]);
    expect(bits(status(pid, 'CapInh'))).toEqual([5]);
  });

  it('no_new_privs: set on the init, inherited by what it runs', async () => {
    const { ct, pid } = await core.clone(['pid']);
    expect(status(pid, 'NoNewPrivs')).toBe('0');
    await core.noNewPrivs(ct);
    expect(status(pid, 'NoNewPrivs')).toBe('1');
    const child = await core.spawnInside(ct, ['/bin/sh', '-c', 'grep NoNewPrivs /proc/self/status']);
    expect(child.stdout).toMatch(/NoNewPrivs:\s+1/);
  });

  it('seccomp: a rule with an errno, a rule that kills, the default for the rest', async () => {
    const { ct, pid } = await core.clone(['pid', 'mnt']);
    const r = await core.seccomp(ct, ['mkdir:EACCES', 'mkdirat:EACCES', 'uname:kill_process']);
    expect(r.program[1]).toMatch(/jeq #AUDIT_ARCH_X86_64/);
    expect(r.program.at(-1)).toMatch(/ret ALLOW$/);
    // The listing names each ABI's section ("x86_64:") above its rules.
    expect(r.instructions).toBe(r.program.filter((l: string) => /^\s*\d+ /.test(l)).length);
    expect(status(pid, 'Seccomp')).toBe('2');
    const mk = await core.spawnInside(ct, ['/bin/sh', '-c', 'mkdir /tmp/bl-seccomp-probe; echo $?']);
    expect(mk.stderr).toMatch(/Permission denied/);
    expect(mk.stdout).toBe('1\n');
    const killed = await core.spawnInside(ct, ['/bin/uname']);
    expect(killed).toMatchObject({ signaled: true, name: 'SIGSYS' });
    const other = await core.spawnInside(ct, ['/bin/true']);
    expect(other.code).toBe(0);
  });

  it('seccomp: a default errno, and names it does not know are refused before loading', async () => {
    const { ct, pid } = await core.clone(['pid']);
    const bad = await failure(core.seccomp(ct, ['no_such_call']));
    expect(bad.kind).toBe('usage');
    expect(status(pid, 'Seccomp')).toBe('0');
    const badAction = await failure(core.seccomp(ct, ['mkdir:EXPLODE']));
    expect(badAction.message).toMatch(/unknown action "EXPLODE"/);
    // The filter binds the puppet too, so a default that fails calls would stop it
    // serving; "log" lets every other call through and has the kernel log it.
    const r = await core.seccomp(ct, ['chdir:ENOSYS'], 'log');
    expect(r.program.at(-1)).toMatch(/ret LOG$/);
    const cd = await core.spawnInside(ct, ['/bin/sh', '-c', 'echo alive; cd /tmp || echo "cd failed"']);
    expect(cd.stdout).toBe('alive\ncd failed\n');
  });
});

describe.runIf(isRoot)('masked and read-only paths on the real kernel', () => {
  const mountsOf = (pid: number) => readFileSync(`/proc/${pid}/mountinfo`, 'utf8');

  it('masked_paths: a file under /dev/null, a directory under an empty read-only tmpfs, absent ones skipped', async () => {
    const { ct, pid } = await core.clone(['mnt', 'pid']);
    await core.propagation(ct, 'private');
    const r = await core.maskedPaths(ct, ['/proc/keys', '/sys/firmware', '/proc/bl-no-such-file']);
    expect(r).toEqual({ done: ['/proc/keys', '/sys/firmware'], absent: ['/proc/bl-no-such-file'] });
    expect(mountsOf(pid)).toMatch(/ \/sys\/firmware ro,\S* - tmpfs tmpfs ro/);
    const seen = await core.spawnInside(ct, ['/bin/sh', '-c', 'wc -c < /proc/keys; ls -A /sys/firmware | wc -l']);
    expect(seen.stdout.split(/\s+/).filter(Boolean)).toEqual(['0', '0']);
    // The host's own /sys/firmware is untouched.
    expect(mountsOf(process.pid)).not.toMatch(/ \/sys\/firmware /);
  });

  it('masked_paths: a failure takes back what the op had masked; a relative path is refused first', async () => {
    const { ct, pid } = await core.clone(['mnt', 'pid']);
    await core.propagation(ct, 'private');
    // A namespace file (nsfs) cannot be mounted over: the second path fails after the
    // first was done (ENOENT on 6.x kernels; the errno is the kernel's business).
    const e = await failure(core.maskedPaths(ct, ['/proc/keys', '/proc/self/ns/net']));
    expect(e.kind).toBe('syscall');
    expect(e.syscalls.some((s) => s.startsWith('umount2("/proc/keys", MNT_DETACH) = 0'))).toBe(true);
    expect(mountsOf(pid)).not.toMatch(/ \/proc\/keys /);
    const usage = await failure(core.maskedPaths(ct, ['proc/keys']));
    expect(usage.kind).toBe('usage');
    expect(usage.message).toMatch(/"proc\/keys" is not an absolute path/);
  });

  it('readonly_paths: each path a read-only mount of its own; a write through it fails with EROFS', async () => {
    const { ct, pid } = await core.clone(['mnt', 'pid', 'net']);
    await core.propagation(ct, 'private');
    const r = await core.readonlyPaths(ct, ['/proc/sys', '/proc/bl-no-such-file']);
    expect(r).toEqual({ done: ['/proc/sys'], absent: ['/proc/bl-no-such-file'] });
    expect(mountsOf(pid)).toMatch(/ \/proc\/sys ro,/);
    const w = await core.spawnInside(ct, ['/bin/sh', '-c', 'echo 0 > /proc/sys/net/ipv4/ip_forward']);
    expect(w.code).not.toBe(0);
    expect(w.stderr).toMatch(/Read-only file system/);
  });

  it('hello names how many system calls a seccomp rule can name', async () => {
    const h = await core.hello();
    expect(h.syscalls).toBeGreaterThan(300);
  });
});
