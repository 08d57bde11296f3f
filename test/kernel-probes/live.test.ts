// Live: the probes on real namespaces (root, a real kernel). Each test starts what it
// needs with util-linux unshare/nsenter and afterEach kills it; mounts live only in the
// private mount namespaces of those processes, so they vanish with them.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { boxcorePath } from '../../src/core/binary.ts';
import { fingerprint, type HostFingerprint } from '../helpers/host.ts';
import {
  boxcoreEnter,
  diff,
  fsProbe,
  layerOf,
  idsProbe,
  ipcProbe,
  mountsNotInHost,
  mountsProbe,
  nsenterEnter,
  nsProbe,
  parseMountinfo,
  parseSysvipc,
  procProbe,
  renderDiff,
  snapshot,
  utsProbe,
  VIEW_NAMES,
  type EnterFn,
} from '../../src/kernel/index.ts';
import { kernel as words } from '../../src/text/index.ts';
import { have, isRoot, killAll, run, startUnshare, track } from './helpers.ts';

const canRun = isRoot && have('unshare') && have('nsenter');
const ISOLATED = ['--uts', '--ipc', '--pid', '--mount', '--mount-proc', 'sleep', '30'];
const boxcoreBuilt = existsSync(boxcorePath());

const enters: [string, EnterFn, boolean][] = [
  ['nsenter', nsenterEnter, have('ipcmk')],
  ['boxcore', boxcoreEnter, boxcoreBuilt && have('ipcmk')],
];

describe.skipIf(!canRun)('live probes', { timeout: 20_000 }, () => {
  const dirs: string[] = [];
  let before: HostFingerprint;
  beforeEach(() => { before = fingerprint(); });
  afterEach(async () => {
    await killAll();
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
    expect(fingerprint()).toEqual(before);
  });

  it('ns: uts ipc pid mnt new, net shared', async () => {
    const { pid } = await startUnshare(ISOLATED, { fork: true, comm: 'sleep' });
    const view = await nsProbe({ pid });
    const state = Object.fromEntries(view.rows.map((r) => [r.key, r.cells.state]));
    expect(state).toEqual({
      cgroup: words.nsShared,
      ipc: words.nsNew,
      mnt: words.nsNew,
      net: words.nsShared,
      pid: words.nsNew,
      time: words.nsShared,
      user: words.nsShared,
      uts: words.nsNew,
    });
    const net = view.rows.find((r) => r.key === 'net')!.cells;
    expect(net.inode).toBe(net.host);
  });

  it('ns: an explicit reference process', async () => {
    const { pid } = await startUnshare(ISOLATED, { fork: true, comm: 'sleep' });
    const view = await nsProbe({ pid, hostPid: process.pid });
    expect(view.notes ?? []).toEqual([]);
    expect(view.rows.find((r) => r.key === 'uts')!.cells.state).toBe(words.nsNew);
    // compared with itself, everything is shared
    const self = await nsProbe({ pid, hostPid: pid });
    expect(self.rows.every((r) => r.cells.state === words.nsShared)).toBe(true);
  });

  it('ns: unshare --pid without --fork: pid shared, pid_for_children pending (a note)', async () => {
    const { pid } = await startUnshare(['--pid', 'sleep', '30'], { fork: false, comm: 'sleep' });
    const view = await nsProbe({ pid });
    expect(view.rows.find((r) => r.key === 'pid')!.cells.state).toBe(words.nsShared);
    // the new namespace has no process yet, so the kernel will not show its inode
    expect(view.notes).toContain(words.pidForChildrenPending);

    // once a child has been forked (PID 1 there), the link shows the other namespace
    // (sh waits for its child, so once the child is killed sh reaps it and exits)
    const two = await startUnshare(['--pid', 'sh', '-c', 'sleep 29 & wait'], { fork: false, comm: 'sh' });
    let child = 0;
    for (let i = 0; i < 100 && !child; i++) {
      child = Number(readFileSync(`/proc/${two.pid}/task/${two.pid}/children`, 'utf8').trim() || 0);
      if (!child) await new Promise((r) => setTimeout(r, 20));
    }
    track(child);
    const after = await nsProbe({ pid: two.pid });
    expect(after.rows.find((r) => r.key === 'pid')!.cells.state).toBe(words.nsShared);
    const note = after.notes?.find((n) => n.startsWith('pid_for_children is'));
    expect(note).toBeDefined();
    const childNs = (await nsProbe({ pid: child })).rows.find((r) => r.key === 'pid')!.cells.inode!;
    expect(note).toContain(childNs);
  });

  it('uts: without boxcore the default reader falls back to nsenter', async () => {
    const { pid } = await startUnshare(ISOLATED, { fork: true, comm: 'sleep' });
    const saved = process.env.BOXCORE;
    process.env.BOXCORE = '/nonexistent/boxcore';
    try {
      const view = await utsProbe({ pid });
      expect(view.notes).toContain(words.readVia('nsenter'));
      expect(view.rows.find((r) => r.key === 'hostname')!.cells.inside).toBe(hostname());
    } finally {
      if (saved === undefined) delete process.env.BOXCORE;
      else process.env.BOXCORE = saved;
    }
  });

  it('proc: the sleep is PID 1 inside; a process joining later shows up in the diff', async () => {
    const { pid } = await startUnshare(ISOLATED, { fork: true, comm: 'sleep' });
    const view = await procProbe({ pid });
    expect(view.rows).toHaveLength(1);
    expect(view.rows[0]!.cells).toMatchObject({ pid: '1', hostPid: String(pid), ppid: '0', command: 'sleep 30' });
    expect(view.rows[0]!.key).toMatch(/^1@\d+$/);

    const before = await snapshot(pid, ['proc']);
    // nsenter forks into the pid namespace: its child gets the next pid inside
    const ns = spawn('nsenter', ['-t', String(pid), '--pid', '--mount', '--', 'sleep', '29'], { stdio: 'ignore' });
    // nsenter waits for its child, which dies with the namespace's init: no need to kill it
    ns.unref();
    let extra: string | undefined;
    for (let i = 0; i < 100 && !extra; i++) {
      await new Promise((r) => setTimeout(r, 20));
      const rows = (await procProbe({ pid })).rows;
      extra = rows.find((r) => r.cells.command === 'sleep 29')?.cells.hostPid;
    }
    expect(extra).toBeDefined();
    track(Number(extra));
    const after = await snapshot(pid, ['proc']);
    const d = diff(before, after).views[0]!;
    expect(d.rows.map((r) => r.change)).toEqual(['same', 'added']);
    expect(d.rows[1]!.after!.cells).toMatchObject({ pid: '2', ppid: '0', command: 'sleep 29' });
    expect(renderDiff(diff(before, after), { width: 100 })).toMatch(/^\+ 2 /m);
  });

  it('proc: a process in the host pid namespace shows its own subtree', async () => {
    const view = await procProbe({ pid: process.pid });
    expect(view.rows[0]!.cells.hostPid).toBe(String(process.pid));
    expect(view.notes).toContain(words.procSharedHost(process.pid));
  });

  it("mounts: its own /proc, absent from the host's mount namespace", async () => {
    const { pid } = await startUnshare(ISOLATED, { fork: true, comm: 'sleep' });
    const view = await mountsProbe({ pid });
    const fresh = view.rows.filter((r) => r.cells.origin === words.mountNew);
    expect(fresh.map((r) => [r.cells.target, r.cells.fstype])).toEqual([['/proc', 'proc']]);
    const inside = parseMountinfo(readFileSync(`/proc/${pid}/mountinfo`, 'utf8'));
    const host = parseMountinfo(readFileSync('/proc/self/mountinfo', 'utf8'));
    const mine = mountsNotInHost(inside, host);
    expect(mine).toHaveLength(1);
    expect(host.some((m) => m.major === mine[0]!.major && m.minor === mine[0]!.minor)).toBe(false);
    // unshare makes the copied tree private
    expect(view.rows.every((r) => r.cells.propagation === words.propagationPrivate)).toBe(true);
  });

  it('ids: a user namespace with root mapped', async () => {
    const { pid } = await startUnshare(['--user', '--map-root-user', 'sleep', '30'], { fork: false, comm: 'sleep' });
    const view = await idsProbe({ pid });
    const v = Object.fromEntries(view.rows.map((r) => [r.key, r.cells]));
    expect(v['uid_map:1']!.value).toBe('0 0 1');
    expect(v['gid_map:1']!.value).toBe('0 0 1');
    expect(v.setgroups!.value).toBe('deny');
    expect(v.capeff!.meaning).toBe(words.idsCapsAll);
    expect(v.seccomp!.value).toBe('0');
    const ns = await nsProbe({ pid });
    expect(ns.rows.find((r) => r.key === 'user')!.cells.state).toBe(words.nsNew);
  });

  for (const [via, enter, ok] of enters) {
    it.skipIf(!ok)(`uts (${via}): the hostname set inside differs from the host's`, async () => {
      const { pid } = await startUnshare(ISOLATED, { fork: true, comm: 'sleep' });
      await run('nsenter', ['-t', String(pid), '--uts', 'hostname', 'bl-test-box']);
      const view = await utsProbe({ pid, enter });
      const h = view.rows.find((r) => r.key === 'hostname')!.cells;
      expect(h).toMatchObject({ inside: 'bl-test-box', host: hostname(), state: words.utsDiffers });
      expect(hostname()).not.toBe('bl-test-box');
      expect(view.notes).toContain(words.readVia(via));
    });

    it.skipIf(!ok)(`ipc (${via}): a queue made inside, that the host does not have`, async () => {
      const { pid } = await startUnshare(ISOLATED, { fork: true, comm: 'sleep' });
      const empty = await ipcProbe({ pid, enter });
      expect(empty.rows).toEqual([]);
      const out = await run('nsenter', ['-t', String(pid), '--ipc', 'ipcmk', '-Q']);
      expect(out).toMatch(/Message queue id: \d+/);
      const view = await ipcProbe({ pid, enter });
      expect(view.rows).toHaveLength(1);
      const q = view.rows[0]!;
      expect(q.key).toMatch(/^msg:0x[0-9a-f]{8}:\d+$/);
      expect(q.cells.kind).toBe(words.ipcKinds.msg);
      const host = parseSysvipc(readFileSync('/proc/sysvipc/msg', 'utf8'));
      expect(host.some((h) => `0x${(Number(h.key) >>> 0).toString(16).padStart(8, '0')}` === q.cells.key)).toBe(false);
      expect(view.notes).toContain(words.ipcCounts(words.ipcInside, 1, 0, 0));
    });
  }

  it('snapshot: every view at once, one enter call for uts and ipc, diffed', async () => {
    const { pid } = await startUnshare(ISOLATED, { fork: true, comm: 'sleep' });
    const calls: string[][] = [];
    const enter: EnterFn = (p, what) => {
      calls.push(what);
      return nsenterEnter(p, what);
    };
    const before = await snapshot(pid, VIEW_NAMES, { enter });
    expect(calls).toEqual([['uts', 'ipc']]);
    for (const name of VIEW_NAMES) {
      const v = before.views[name]!;
      expect(v.notes?.some((n) => n.startsWith('could not read')) ?? false, `${name}: ${v.notes}`).toBe(false);
    }
    await run('nsenter', ['-t', String(pid), '--uts', 'hostname', 'bl-after']);
    const after = await snapshot(pid, VIEW_NAMES, { enter });
    const d = diff(before, after);
    const uts = d.views.find((v) => v.name === 'uts')!;
    expect(uts.rows.find((r) => r.key === 'hostname')).toMatchObject({ change: 'changed', cells: ['inside', 'state'] });
    const ns = d.views.find((v) => v.name === 'ns')!;
    expect(ns.rows.every((r) => r.change === 'same')).toBe(true);
  });

  it('snapshot: a process that is gone gives notes, not an exception', async () => {
    const { pid } = await startUnshare(ISOLATED, { fork: true, comm: 'sleep' });
    await killAll();
    const s = await snapshot(pid, VIEW_NAMES);
    for (const name of VIEW_NAMES) {
      const v = s.views[name]!;
      expect(v.rows).toEqual([]);
      expect(v.notes?.[0]).toMatch(/^could not read/);
    }
  });

  it('fs: an overlay mounted in a private mount namespace', async () => {
    const base = mkdtempSync(join(tmpdir(), 'bl-live-fs-'));
    dirs.push(base);
    for (const d of ['lower/etc', 'lower/od', 'upper', 'work', 'merged']) mkdirSync(join(base, d), { recursive: true });
    writeFileSync(join(base, 'lower/etc/hosts'), 'old\n');
    writeFileSync(join(base, 'lower/gone'), 'x');
    writeFileSync(join(base, 'lower/od/inner'), 'x');
    const m = join(base, 'merged');
    const { pid } = await startUnshare(
      [
        '--mount',
        '--propagation',
        'private',
        'sh',
        '-c',
        `mount -t overlay overlay -o lowerdir=${base}/lower,upperdir=${base}/upper,workdir=${base}/work ${m} && exec sleep 30`,
      ],
      { fork: true, comm: 'sleep' },
    );
    const before = await fsProbe({ pid });
    // the layers, as the mount's super options name them, are rows; nothing changed yet
    expect(before.rows.map((r) => `${r.key} ${r.cells.path}`)).toEqual([
      `layer:merged:0:${m} ${m}`,
      `layer:upper:0:${m} ${base}/upper`,
      `layer:work:0:${m} ${base}/work`,
      `layer:lower:0:${m} ${base}/lower`,
    ]);
    expect(before.notes).toContain(words.fsEmpty);
    await run('nsenter', ['-t', String(pid), '--mount', 'sh', '-c', `cd ${m} && echo new >> etc/hosts && echo a > added && rm gone && rm -r od && mkdir od && echo y > od/y`]);
    const view = await fsProbe({ pid });
    expect(view.rows.filter((r) => !layerOf(r)).map((r) => `${r.cells.change} ${r.key} ${r.cells.mark}`.trim())).toEqual([
      `A ${m}/added`,
      `C ${m}/etc`,
      `C ${m}/etc/hosts`,
      `D ${m}/gone`,
      `C ${m}/od ${words.fsOpaque}`,
      `A ${m}/od/y`,
    ]);
    // the overlay exists only in that process's mount namespace
    expect(readFileSync('/proc/self/mountinfo', 'utf8')).not.toContain(m);
    const d = diff(
      { pid, takenAt: 0, views: { fs: before } },
      { pid, takenAt: 0, views: { fs: view } },
    );
    const changed = d.views[0]!.rows.filter((r) => r.change !== 'same');
    expect(changed).toHaveLength(6);
    expect(changed.every((r) => r.change === 'added')).toBe(true);
  });

  it('fs: no overlay, an empty view with a note', async () => {
    const { pid } = await startUnshare(ISOLATED, { fork: true, comm: 'sleep' });
    const view = await fsProbe({ pid });
    expect(view.rows).toEqual([]);
    expect(view.notes).toEqual([words.fsNoOverlay]);
  });
});
