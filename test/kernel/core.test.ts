// The core against the real kernel, op by op, as root. Each test starts a core, makes
// containers, and must leave the host's mounts, processes and ledgers as they were.
import { execFileSync } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { Core, NAMESPACES, type CoreReply } from '../../src/core/index.ts';
import { fingerprint, isRoot, type HostFingerprint } from '../helpers/host.ts';
import { testRootfs } from '../helpers/rootfs.ts';
import { failure } from '../helpers/core.ts';

let rootfs: Awaited<ReturnType<typeof testRootfs>>;
let core: Core;
let before: HostFingerprint;
let work: string;

beforeAll(async () => { if (isRoot) rootfs = await testRootfs(); });
afterAll(async () => { await rootfs?.remove(); });

beforeEach(async () => {
  before = fingerprint();
  work = mkdtempSync(join(tmpdir(), 'bl-core-'));
  core = await Core.start();
});

afterEach(async () => {
  await core.close();
  rmSync(work, { recursive: true, force: true });
  expect(fingerprint()).toEqual(before);
});

const nsInode = (pid: number | 'self', ns: string) => readlinkSync(`/proc/${pid}/ns/${ns}`);
const statusField = (pid: number, field: string) =>
  readFileSync(`/proc/${pid}/status`, 'utf8').split('\n').find((l) => l.startsWith(field + ':'))!.split(/\s+/).slice(1).filter(Boolean);


/** An overlay-rooted container: the same steps `boxlab run` takes, up to pivot_root. */
async function overlayContainer() {
  const dirs = { upper: join(work, 'upper'), work: join(work, 'work'), merged: join(work, 'merged') };
  for (const d of Object.values(dirs)) mkdirSync(d);
  const { ct, pid } = await core.clone(['pid', 'mnt', 'uts', 'ipc']);
  await core.propagation(ct, 'private');
  await core.mount(ct, { type: 'overlay', target: dirs.merged, lower: [rootfs.dir], upper: dirs.upper, work: dirs.work });
  await core.mount(ct, { type: 'proc', target: join(dirs.merged, 'proc') });
  await core.devices(ct, dirs.merged);
  await core.pivotRoot(ct, dirs.merged);
  return { ct, pid, ...dirs };
}

describe.runIf(isRoot)('boxcore on the real kernel', () => {
  it('answers hello with its version and the kernel', async () => {
    const hello = await core.hello();
    expect(hello.version).toMatch(/^\d+\.\d+\.\d+/);
    expect(hello.kernel).toBe(execFileSync('uname', ['-r'], { encoding: 'utf8' }).trim());
  });

  it('makes the first process PID 1 inside and PID N outside', async () => {
    const { pid } = await core.clone(['pid']);
    expect(statusField(pid, 'NSpid')).toEqual([String(pid), '1']);
  });

  for (const ns of NAMESPACES) {
    it(`gives a new ${ns} namespace when asked, and shares every other`, async () => {
      const { pid } = await core.clone([ns]);
      for (const other of NAMESPACES) {
        const file = other === 'mnt' ? 'mnt' : other;
        if (other === ns) expect(nsInode(pid, file)).not.toBe(nsInode('self', file));
        else expect(nsInode(pid, file)).toBe(nsInode('self', file));
      }
    });
  }

  it('sets the hostname inside without touching the host', async () => {
    const { ct, pid } = await core.clone(['uts']);
    const reply = await core.call('sethostname', { ct, name: 'bl-box' });
    expect(reply.syscalls).toEqual(['sethostname("bl-box", 6) = 0']);
    expect(reply.shell).toContain('hostname bl-box');
    expect((await core.probe(pid, ['uts'])).uts?.hostname).toBe('bl-box');
    expect(hostname()).not.toBe('bl-box');
    expect((await core.spawnInside(ct, ['/bin/hostname'])).stdout).toBe('bl-box\n');
  });

  it('keeps a mount made inside out of the host mount table', async () => {
    const { ct, pid } = await core.clone(['mnt']);
    await core.propagation(ct, 'private');
    const target = join(work, 'bl-tmpfs');
    await core.mount(ct, { type: 'tmpfs', target, options: 'size=1m' });
    expect(readFileSync(`/proc/${pid}/mountinfo`, 'utf8')).toContain(` ${target} `);
    expect(readFileSync('/proc/self/mountinfo', 'utf8')).not.toContain(` ${target} `);
  });

  it('refuses to mount in the host mount namespace', async () => {
    const { ct } = await core.clone(['uts']);
    const err = await failure(core.mount(ct, { type: 'tmpfs', target: join(work, 'x') }));
    expect(err.kind).toBe('state');
    expect(existsSync(join(work, 'x'))).toBe(false);
  });

  it('after pivot_root, no host path is reachable and writes land in the upper dir', async () => {
    const marker = join(work, 'host-only-marker');
    writeFileSync(marker, 'host');
    const box = await overlayContainer();
    const look = await core.spawnInside(box.ct, ['/bin/sh', '-c', `test -e ${marker}; echo $?; ls /`]);
    expect(look.stdout.split('\n')[0]).toBe('1');
    expect(look.stdout).toContain('proc');
    const mounts = await core.spawnInside(box.ct, ['/bin/cat', '/proc/self/mountinfo']);
    const points = mounts.stdout.trim().split('\n').map((l) => l.split(' ')[4]);
    expect(points).toEqual(expect.arrayContaining(['/', '/proc', '/dev']));
    expect(points.filter((p) => p!.startsWith(work) || p === '/tmp')).toEqual([]); // the old root is detached
    const wrote = await core.spawnInside(box.ct, ['/bin/sh', '-c', 'echo new > /newfile && rm /etc/hostname && echo changed > /etc/hosts']);
    expect(wrote.code).toBe(0);
    expect(readFileSync(join(box.upper, 'newfile'), 'utf8')).toBe('new\n');
    const whiteout = lstatSync(join(box.upper, 'etc', 'hostname'));
    expect(whiteout.isCharacterDevice() && whiteout.rdev).toBe(0); // a 0/0 char device
    expect(readFileSync(join(rootfs.dir, 'etc', 'hostname'), 'utf8')).toBe('boxlab\n');
    expect(readFileSync(join(rootfs.dir, 'etc', 'hosts'), 'utf8')).not.toContain('changed');
  });

  it('builds a minimal /dev', async () => {
    const box = await overlayContainer();
    const out = await core.spawnInside(box.ct, ['/bin/sh', '-c', 'ls /dev; echo x > /dev/null && head -c 4 /dev/zero | wc -c; readlink /dev/fd']);
    for (const node of ['null', 'zero', 'full', 'random', 'urandom', 'tty', 'pts', 'shm', 'ptmx', 'fd', 'stdin', 'stdout', 'stderr']) {
      expect(out.stdout.split(/\s+/)).toContain(node);
    }
    expect(out.stdout).toContain('4\n/proc/self/fd');
  });

  it('maps uid 0 inside a user namespace to an unprivileged uid outside', async () => {
    const { ct, pid } = await core.clone(['user']);
    await core.idmap(ct, { uid: '0 12345 1', gid: '0 12345 1' });
    expect(readFileSync(`/proc/${pid}/uid_map`, 'utf8').trim().split(/\s+/)).toEqual(['0', '12345', '1']);
    expect(readFileSync(`/proc/${pid}/setgroups`, 'utf8').trim()).toBe('deny');
    const id = await core.spawnInside(ct, ['/usr/bin/id', '-u']);
    expect(id.stdout).toBe('0\n');
    // Outside, the kernel sees the mapped uid.
    const child = await core.spawnInside(ct, ['/bin/sh', '-c', 'cat /proc/self/status | grep ^Uid']);
    expect(child.stdout).toMatch(/^Uid:\s+0\s+0\s+0\s+0/);
    expect(statusField(pid, 'Uid')).toEqual(['12345', '12345', '12345', '12345']);
  });

  it('propagates exit status and death by signal', async () => {
    const box = await overlayContainer();
    await core.exec(box.ct, ['/bin/sh', '-c', 'exit 7']);
    expect(await core.wait({ ct: box.ct })).toMatchObject({ exited: true, status: 7, code: 7 });

    const other = await core.clone(['pid']);
    await core.exec(other.ct, ['/bin/sleep', '60']);
    await core.signal({ ct: other.ct }, 'KILL');
    expect(await core.wait({ ct: other.ct })).toMatchObject({ signaled: true, signal: 9, code: 137 });

    const third = await core.clone(['pid']);
    expect(await core.spawnInside(third.ct, ['/bin/sh', '-c', 'kill -TERM $$'])).toMatchObject({ signaled: true, signal: 15, code: 143 });
  });

  it('reports a failed exec and keeps the puppet serving', async () => {
    const { ct } = await core.clone(['pid']);
    const err = await failure(core.exec(ct, ['/no/such/program']));
    expect(err).toMatchObject({ kind: 'syscall', errno: 'ENOENT' });
    expect(err.explain).toBeTruthy();
    expect((await core.spawnInside(ct, ['/bin/true'])).code).toBe(0);
  });

  it('joins a running container the way nsenter does', async () => {
    const { ct, pid } = await core.clone(['uts', 'pid', 'mnt']);
    await core.sethostname(ct, 'bl-joined');
    const joined = await core.join({ pid }, ['/bin/hostname']);
    expect(joined).toMatchObject({ code: 0, stdout: 'bl-joined\n' });
  });

  // The kernel says EINVAL, or EBUSY when the directory sits on the current root mount.
  it('explains pivot_root onto a directory that is not a mount point', async () => {
    const { ct } = await core.clone(['mnt']);
    await core.propagation(ct, 'private');
    const plain = join(work, 'plain');
    mkdirSync(plain);
    const err = await failure(core.pivotRoot(ct, plain));
    expect(err.kind).toBe('syscall');
    expect(['EINVAL', 'EBUSY']).toContain(err.errno);
    expect(err.explain).toMatch(/mount point/);
    expect(err.hint).toMatch(/mount --bind/);
    expect(err.syscalls.at(-1)).toMatch(/^pivot_root\("\.", "\."\) = -1 (EINVAL|EBUSY)/);
  });

  it('names an unknown namespace and the ones it accepts', async () => {
    const err = await failure(core.call('clone', { ns: ['pid', 'pidd'] }));
    expect(err.kind).toBe('usage');
    expect(err.message).toContain('pidd');
    expect(err.hint ?? err.message).toMatch(/pid.*uts.*mnt.*ipc.*net.*user.*cgroup/);
  });

  it('answers protocol garbage with errors and keeps serving', async () => {
    const replies: CoreReply[] = [];
    await core.close();
    core = await Core.start({ onReply: (r) => replies.push(r) });
    for (const junk of ['{', '[1,2]', '"x"', '\u0001\u0002garbage', '{"op":"hello","n":01}', '{"op":42}', '{"op":"nope"}', '{"op":"sethostname"}', '{"op":"sethostname","ct":"c99","name":"x"}', 'x'.repeat(200_000)]) {
      core.sendRaw(junk);
    }
    const hello = await core.hello();
    expect(hello.pid).toBe(core.pid);
    const errors = replies.filter((r) => !r.ok);
    expect(errors).toHaveLength(10);
    expect(errors.map((r) => r.error!.kind)).toEqual(['protocol', 'protocol', 'protocol', 'protocol', 'protocol', 'usage', 'usage', 'usage', 'state', 'protocol']);
    for (const r of errors) expect(r.error!.message.length).toBeGreaterThan(5);
    // A JSON error says what and where; a line that is JSON but no object says what to send.
    expect(errors[0]!.error!.message).toMatch(/expected a member name in quotes at line 1, column 2$/);
    expect(errors[1]!.error!.message).toMatch(/found an array where the object should be; a request is one object, \{"op"/);
    expect(errors[4]!.error!.message).toMatch(/expected ',' or '\}' at line 1, column 20$/); // 01 is not a JSON number
  });

  it('says why an unprivileged user cannot make namespaces without a user namespace', async () => {
    await core.close();
    core = await Core.start({ uid: 65534, gid: 65534 });
    const err = await failure(core.clone(['uts']));
    expect(err).toMatchObject({ kind: 'syscall', errno: 'EPERM' });
    expect(err.hint).toMatch(/root|user/);
  });
});
