// boxlab stats against the kernel: each number is also read here, independently, from
// the container's cgroup files (v1 trees on a v1 or hybrid host, the one directory on
// v2: this file runs in the cgroup-v2 guest too) and /proc/PID/net/dev, while the
// container burns CPU under a quota, holds memory, reads a loop device, keeps
// processes, and sends packets in its own network namespace (on lo, which does not
// count, and on a veth pair made there, which does).
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isRoot } from '../helpers/host.ts';
import { boxlab, cli, detached, one, prefix, removeAll, detachedRig } from '../helpers/detached.ts';

const rig = detachedRig();

interface StatsJson {
  id: string; name: string; running: boolean; cpuPercent: number; memUsage: number; memLimit: number; memPercent: number;
  netRx: number; netTx: number; blockRead: number; blockWrite: number; pids: number;
}

async function stats(ref: string): Promise<StatsJson> {
  const r = await boxlab(['stats', '--no-stream', '--json', ref]);
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout.trim()) as StatsJson;
}

// ---------------------------------------------------------------- read here, by hand

const read = (path: string) => readFileSync(path, 'utf8');
const pureV2 = () => read('/proc/self/mountinfo').split('\n').some((l) => / \/sys\/fs\/cgroup .* - cgroup2 /.test(l));

/** The file of CONTROLLER's tree for the process: /sys/fs/cgroup/PATH/FILE on v2,
 *  /sys/fs/cgroup/CONTROLLER/PATH/FILE on v1 (Debian's mount points). */
function cgFile(pid: number, controller: string, file: string): string {
  const lines = read(`/proc/${pid}/cgroup`).trim().split('\n');
  if (pureV2()) return join('/sys/fs/cgroup', lines[0]!.split(':')[2]!, file);
  const line = lines.find((l) => l.split(':')[1]!.split(',').includes(controller))!;
  return join('/sys/fs/cgroup', controller, line.split(':')[2]!, file);
}

const statKey = (text: string, key: string) => Number(new RegExp(`^${key} (\\d+)$`, 'm').exec(text)![1]);

function cpuNs(pid: number): number {
  return pureV2() ? statKey(read(cgFile(pid, 'cpu', 'cpu.stat')), 'usage_usec') * 1000 : Number(read(cgFile(pid, 'cpuacct', 'cpuacct.usage')));
}

/** /proc/stat's cpu line, user .. softirq, in ns; and the CPUs listed. */
function machineNs(): { ns: number; cpus: number } {
  const text = read('/proc/stat');
  const f = text.split('\n')[0]!.trim().split(/\s+/).slice(1, 8).map(Number);
  return { ns: f.reduce((a, b) => a + b, 0) * 1e7, cpus: (text.match(/^cpu\d+ /gm) ?? []).length };
}

/** Usage less the inactive file cache (or, with withoutCache false, all of it). */
function memUsage(pid: number, withoutCache = true): number {
  const stat = read(cgFile(pid, 'memory', 'memory.stat'));
  const v2 = pureV2();
  const usage = Number(read(cgFile(pid, 'memory', v2 ? 'memory.current' : 'memory.usage_in_bytes')));
  return withoutCache ? usage - statKey(stat, v2 ? 'inactive_file' : 'total_inactive_file') : usage;
}

function blockRead(pid: number): number {
  if (pureV2()) return [...read(cgFile(pid, 'io', 'io.stat')).matchAll(/rbytes=(\d+)/g)].reduce((a, m) => a + Number(m[1]), 0);
  const file = ['blkio.bfq.io_service_bytes_recursive', 'blkio.io_service_bytes_recursive', 'blkio.throttle.io_service_bytes_recursive']
    .map((f) => cgFile(pid, 'blkio', f)).find((f) => existsSync(f))!;
  return [...read(file).matchAll(/^\S+ Read (\d+)$/gm)].reduce((a, m) => a + Number(m[1]), 0);
}

/** Bytes received and sent per link of the process's network namespace. */
function netDev(pid: number): Record<string, { rx: number; tx: number }> {
  const out: Record<string, { rx: number; tx: number }> = {};
  for (const line of read(`/proc/${pid}/net/dev`).split('\n').slice(2).filter((l) => l.includes(':'))) {
    const [name, rest] = line.split(':');
    const f = rest!.trim().split(/\s+/).map(Number);
    out[name!.trim()] = { rx: f[0]!, tx: f[8]! };
  }
  return out;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A new directory on a disk (/var/tmp, when it is not in memory), or undefined. */
function diskDir(): string | undefined {
  const type = execFileSync('stat', ['-f', '-c', '%T', '/var/tmp'], { encoding: 'utf8' }).trim();
  return ['tmpfs', 'overlayfs', 'v9fs', 'ramfs'].includes(type) ? undefined : mkdtempSync('/var/tmp/bl-stats-');
}

/** A 16 MiB loop device for FN, detached after it (and after the containers using it). */
async function withLoop(fn: (dev: string) => Promise<void>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'bl-stats-'));
  const file = join(dir, 'disk');
  writeFileSync(file, Buffer.alloc(16 << 20, 1));
  const dev = execFileSync('losetup', ['--find', '--show', file], { encoding: 'utf8' }).trim();
  try {
    await fn(dev);
  } finally {
    await removeAll();
    execFileSync('losetup', ['-d', dev]);
    rmSync(dir, { recursive: true, force: true });
  }
}

describe.runIf(isRoot)('boxlab stats against the cgroup files and the netns counters', { timeout: 120_000 }, () => {
  it('CPU %: a loop under --cpus 0.5 uses half a CPU, by boxlab and by hand', async () => {
    await detached(rig.rootfs, ['--name', `${prefix}cpu`, '--cpus', '0.5', '--', 'sh', '-c', 'while :; do :; done']);
    const { pid } = await one(`${prefix}cpu`);
    await sleep(500); // past the first period
    const [c0, m0] = [cpuNs(pid), machineNs()];
    const s = await stats(`${prefix}cpu`); // two samples a second apart
    const [c1, m1] = [cpuNs(pid), machineNs()];
    const byHand = ((c1 - c0) / (m1.ns - m0.ns)) * m1.cpus * 100;
    expect(byHand).toBeGreaterThan(25);
    expect(byHand).toBeLessThan(65);
    expect(s.cpuPercent).toBeGreaterThan(25);
    expect(s.cpuPercent).toBeLessThan(65);
    expect(Math.abs(s.cpuPercent - byHand)).toBeLessThan(20);
  });

  it('MEM USAGE / LIMIT: usage less inactive file cache, within what was read just before and after; the limit is --memory', async () => {
    // 64 MiB in a tmpfs (shmem: it counts) and, where there is a disk to read from (not
    // in the v2 guest, whose files are all in memory or 9p), 16 MiB of a file read
    // through the page cache: what of it the kernel keeps on the inactive file list
    // does not count (some megabytes: new pages may start on the active list).
    const disk = diskDir();
    try {
      if (disk) execFileSync('dd', ['if=/dev/zero', `of=${disk}/big`, 'bs=1M', 'count=16', 'oflag=direct'], { stdio: 'ignore' });
      await detached(rig.rootfs, ['--name', `${prefix}mem`, '--memory', '256m', ...(disk ? ['-v', `${disk}:/data:ro`] : []), '--', 'sh', '-c',
        `head -c 67108864 /dev/zero > /dev/shm/fill; ${disk ? 'cat /data/big > /dev/null; ' : ''}sleep 60`]);
      const { pid } = await one(`${prefix}mem`);
      const cached = () => memUsage(pid, false) - memUsage(pid);
      for (let i = 0; i < 100 && (memUsage(pid) < 64 << 20 || (disk && cached() < 2 << 20)); i++) await sleep(100);
      const lo = memUsage(pid);
      const s = await stats(`${prefix}mem`);
      const hi = memUsage(pid);
      expect(s.memUsage).toBeGreaterThanOrEqual(64 << 20);
      expect(s.memUsage).toBeGreaterThanOrEqual(Math.min(lo, hi) - (1 << 20));
      expect(s.memUsage).toBeLessThanOrEqual(Math.max(lo, hi) + (1 << 20));
      // With megabytes of inactive cache, the bounds above hold only if it was left out.
      if (disk) expect(cached()).toBeGreaterThanOrEqual(2 << 20);
      expect(s.memLimit).toBe(256 << 20);
      expect(s.memPercent).toBeCloseTo((s.memUsage / s.memLimit) * 100, 6);
    } finally {
      await removeAll();
      if (disk) rmSync(disk, { recursive: true, force: true });
    }
  });

  it('MEM LIMIT without --memory is the machine\'s memory; PIDS is pids.current', async () => {
    await detached(rig.rootfs, ['--name', `${prefix}pids`, '--', 'sh', '-c', 'for i in 1 2 3 4 5; do sleep 60 & done; wait']);
    const { pid } = await one(`${prefix}pids`);
    for (let i = 0; i < 50 && Number(read(cgFile(pid, 'pids', 'pids.current'))) < 6; i++) await sleep(100);
    const s = await stats(`${prefix}pids`);
    expect(s.pids).toBe(6); // sh and five sleeps
    expect(s.pids).toBe(Number(read(cgFile(pid, 'pids', 'pids.current'))));
    expect(s.memLimit).toBe(Number(/^MemTotal:\s+(\d+) kB/m.exec(read('/proc/meminfo'))![1]) * 1024);
  });

  it('BLOCK I/O: what the container read from a loop device, as blkio (v1) or io.stat (v2) counts it', async () => {
    await withLoop(async (dev) => {
      // --device, as with Docker: a bind mount of the node alone would be refused by the
      // container's device cgroup when dd opens it.
      await detached(rig.rootfs, ['--name', `${prefix}blk`, '--device', `${dev}:/dev/blk:r`, '--', 'sh', '-c',
        'dd if=/dev/blk of=/dev/null bs=1M count=8 iflag=direct 2>/dev/null; sleep 60']);
      const { pid } = await one(`${prefix}blk`);
      for (let i = 0; i < 100 && blockRead(pid) < 8 << 20; i++) await sleep(100);
      const lo = blockRead(pid);
      const s = await stats(`${prefix}blk`);
      const hi = blockRead(pid);
      expect(s.blockRead).toBeGreaterThanOrEqual(8 << 20);
      expect(s.blockRead).toBeGreaterThanOrEqual(lo);
      expect(s.blockRead).toBeLessThanOrEqual(hi);
    });
  });

  it('NET I/O: packets on a veth pair in the container\'s netns count, those on lo do not', async () => {
    await detached(rig.rootfs, ['--name', `${prefix}net`, '--', 'sh', '-c',
      'while :; do ping -c 1 -W 1 10.213.0.2 >/dev/null 2>&1; ping -c 2 127.0.0.1 >/dev/null 2>&1; sleep 0.1; done']);
    const { pid } = await one(`${prefix}net`);
    // A veth pair inside the container's own network namespace (it goes with it): the
    // pings to 10.213.0.2 go out on v0 as ARP requests and come in on v1.
    const inNs = (...args: string[]) => execFileSync('nsenter', ['--net', `--target=${pid}`, 'ip', ...args]);
    inNs('link', 'add', 'v0', 'type', 'veth', 'peer', 'name', 'v1');
    inNs('addr', 'add', '10.213.0.1/24', 'dev', 'v0');
    inNs('link', 'set', 'v0', 'up');
    inNs('link', 'set', 'v1', 'up');
    const sum = (d: Record<string, { rx: number; tx: number }>) => Object.entries(d).filter(([n]) => n !== 'lo')
      .reduce((a, [, v]) => ({ rx: a.rx + v.rx, tx: a.tx + v.tx }), { rx: 0, tx: 0 });
    for (let i = 0; i < 100 && sum(netDev(pid)).rx === 0; i++) await sleep(100);
    const lo = netDev(pid);
    const s = await stats(`${prefix}net`);
    const hi = netDev(pid);
    expect(hi.lo!.rx).toBeGreaterThan(lo.lo!.rx); // lo was busy...
    expect(sum(lo).rx).toBeGreaterThan(0);
    expect(s.netRx).toBeGreaterThanOrEqual(sum(lo).rx); // ...and only v0 and v1 count
    expect(s.netRx).toBeLessThanOrEqual(sum(hi).rx);
    expect(s.netTx).toBeGreaterThanOrEqual(sum(lo).tx);
    expect(s.netTx).toBeLessThanOrEqual(sum(hi).tx);
  });

  it('live: a sample a second until Ctrl-C; the table has Docker\'s columns; a stopped container has dashes', async () => {
    await detached(rig.rootfs, ['--name', `${prefix}live`, '--', 'sleep', '60']);
    const child = spawn('node', [cli, 'stats', '--json', `${prefix}live`], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout!.on('data', (d: Buffer) => { out += d.toString(); });
    const ended = new Promise<number | null>((r) => child.once('close', (c) => r(c)));
    for (let i = 0; i < 100 && (out.match(/\n/g) ?? []).length < 3; i++) await sleep(100);
    child.kill('SIGINT');
    expect(await ended).toBe(130);
    const samples = out.trim().split('\n').map((l) => JSON.parse(l) as StatsJson & { time: string });
    expect(samples.length).toBeGreaterThanOrEqual(3);
    for (let i = 1; i < samples.length; i++) expect(Date.parse(samples[i]!.time)).toBeGreaterThan(Date.parse(samples[i - 1]!.time));
    expect(samples.every((x) => x.running && x.pids === 1)).toBe(true);

    const table = await boxlab(['stats', '--no-stream', `${prefix}live`]);
    expect(table.stdout.split('\n')[0]).toMatch(/^CONTAINER ID +NAME +CPU % +MEM USAGE \/ LIMIT +MEM % +NET I\/O +BLOCK I\/O +PIDS$/);
    expect(table.stdout.split('\n')[1]).toMatch(new RegExp(`^[0-9a-f]{12} +${prefix}live +\\d+\\.\\d\\d% +[\\d.]+[KMG]?i?B / [\\d.]+[KMGT]iB +\\d+\\.\\d\\d% +0B / 0B +\\S+ / \\S+ +1$`));
    await boxlab(['stop', '-t', '0', `${prefix}live`]);
    const stopped = await boxlab(['stats', '--no-stream', '-a', `${prefix}live`]);
    expect(stopped.stdout.split('\n')[1]).toMatch(/ +-- +-- \/ -- +-- +-- \/ -- +-- \/ -- +--$/);
  });
});
