// cgroup: the target's control groups, one tree at a time: its group in each tree, the
// limits set there, what it uses, and what happened (OOM kills, forks refused, CPU
// throttling), the freezer state, the processes in it and, on v2, pressure (PSI).
// /proc/PID/cgroup names the groups ("4:memory:/bl-run-1-1", v2: "0::/bl-run-1-1"),
// relative to the root of the reader's cgroup namespace; /proc/self/mountinfo says
// where each tree is mounted. Values are shown as the kernel wrote them.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { assertAlive, readProc, type ProbeTarget } from '../probe.ts';
import type { Row, View } from '../types.ts';
import { kernel as words } from '../../text/index.ts';

/** One of the target's groups: which tree, and the group's directory on the host. */
export interface CgroupDir { version: 1 | 2; controllers: string[]; path: string; dir: string }

export type ReadFn = (path: string) => Promise<string | undefined>;

type Kind = 'limit' | 'usage' | 'event' | 'state' | 'procs' | 'pressure';

/** What the view reads: file, kind, and for flat-keyed files (memory.events, cpu.stat)
 *  the keys to show. `ctl` is the controller (v1: the tree) the file belongs to. */
interface FileSpec { ctl: string; file: string; kind: Kind; keys?: string[] }

const V2_FILES: FileSpec[] = [
  { ctl: 'memory', file: 'memory.max', kind: 'limit' },
  { ctl: 'memory', file: 'memory.high', kind: 'limit' },
  { ctl: 'memory', file: 'memory.swap.max', kind: 'limit' },
  { ctl: 'memory', file: 'memory.low', kind: 'limit' },
  { ctl: 'memory', file: 'memory.current', kind: 'usage' },
  { ctl: 'memory', file: 'memory.peak', kind: 'usage' },
  { ctl: 'memory', file: 'memory.swap.current', kind: 'usage' },
  { ctl: 'memory', file: 'memory.events', kind: 'event', keys: ['high', 'max', 'oom', 'oom_kill'] },
  { ctl: 'cpu', file: 'cpu.max', kind: 'limit' },
  { ctl: 'cpu', file: 'cpu.weight', kind: 'limit' },
  { ctl: '', file: 'cpu.stat', kind: 'usage', keys: ['usage_usec', 'nr_throttled', 'throttled_usec'] },
  { ctl: 'cpuset', file: 'cpuset.cpus', kind: 'limit' },
  { ctl: 'cpuset', file: 'cpuset.cpus.effective', kind: 'usage' },
  { ctl: 'pids', file: 'pids.max', kind: 'limit' },
  { ctl: 'pids', file: 'pids.current', kind: 'usage' },
  { ctl: 'pids', file: 'pids.events', kind: 'event', keys: ['max'] },
  { ctl: 'io', file: 'io.max', kind: 'limit' },
  { ctl: 'io', file: 'io.stat', kind: 'usage' },
  { ctl: '', file: 'cgroup.freeze', kind: 'state' },
  { ctl: '', file: 'cgroup.events', kind: 'state', keys: ['populated', 'frozen'] },
  { ctl: '', file: 'cgroup.procs', kind: 'procs' },
  { ctl: '', file: 'cpu.pressure', kind: 'pressure' },
  { ctl: '', file: 'memory.pressure', kind: 'pressure' },
  { ctl: '', file: 'io.pressure', kind: 'pressure' },
];

const V1_FILES: FileSpec[] = [
  { ctl: 'memory', file: 'memory.limit_in_bytes', kind: 'limit' },
  { ctl: 'memory', file: 'memory.memsw.limit_in_bytes', kind: 'limit' },
  { ctl: 'memory', file: 'memory.soft_limit_in_bytes', kind: 'limit' },
  { ctl: 'memory', file: 'memory.usage_in_bytes', kind: 'usage' },
  { ctl: 'memory', file: 'memory.max_usage_in_bytes', kind: 'usage' },
  { ctl: 'memory', file: 'memory.memsw.usage_in_bytes', kind: 'usage' },
  { ctl: 'memory', file: 'memory.failcnt', kind: 'event' },
  { ctl: 'memory', file: 'memory.oom_control', kind: 'event', keys: ['under_oom', 'oom_kill'] },
  { ctl: 'cpu', file: 'cpu.cfs_quota_us', kind: 'limit' },
  { ctl: 'cpu', file: 'cpu.cfs_period_us', kind: 'limit' },
  { ctl: 'cpu', file: 'cpu.shares', kind: 'limit' },
  { ctl: 'cpu', file: 'cpu.stat', kind: 'event', keys: ['nr_throttled', 'throttled_time'] },
  { ctl: 'cpuacct', file: 'cpuacct.usage', kind: 'usage' },
  { ctl: 'cpuset', file: 'cpuset.cpus', kind: 'limit' },
  { ctl: 'cpuset', file: 'cpuset.mems', kind: 'limit' },
  { ctl: 'pids', file: 'pids.max', kind: 'limit' },
  { ctl: 'pids', file: 'pids.current', kind: 'usage' },
  { ctl: 'pids', file: 'pids.events', kind: 'event', keys: ['max'] },
  { ctl: 'blkio', file: 'blkio.throttle.read_bps_device', kind: 'limit' },
  { ctl: 'blkio', file: 'blkio.throttle.write_bps_device', kind: 'limit' },
  { ctl: 'blkio', file: 'blkio.throttle.read_iops_device', kind: 'limit' },
  { ctl: 'blkio', file: 'blkio.throttle.write_iops_device', kind: 'limit' },
  { ctl: 'blkio', file: 'blkio.throttle.io_service_bytes', kind: 'usage', keys: ['Total'] },
  { ctl: 'freezer', file: 'freezer.state', kind: 'state' },
  // every v1 tree lists the same processes: read them once, in the pids tree
  { ctl: 'pids', file: 'cgroup.procs', kind: 'procs' },
];

/** The v1 controllers (trees) the view looks at. */
const V1_TREES = ['memory', 'cpu', 'cpuacct', 'cpuset', 'pids', 'blkio', 'freezer'];

/** "key value" lines (memory.events, cpu.stat) into a map. */
export function parseFlatKeyed(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of text.split('\n')) {
    const [k, ...v] = line.trim().split(/\s+/);
    if (k) out.set(k, v.join(' '));
  }
  return out;
}

const UNLIMITED_V1 = 2n ** 62n; // v1 prints "no limit" as a huge page-aligned number

function bytes(n: bigint): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = Number(n);
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return `${Number.isInteger(v) ? v : v.toFixed(1)} ${units[u]}`;
}

/** Plain words for a value, where the number alone does not say it. */
export function cgroupMeaning(file: string, key: string | undefined, value: string): string {
  const w = words.cgroupMeanings;
  if (value === 'max' || (/^\d+$/.test(value) && BigInt(value) >= UNLIMITED_V1) || (file === 'cpu.cfs_quota_us' && value === '-1')) {
    return w.unlimited;
  }
  if (file === 'cpu.max') {
    const [quota, period] = value.split(' ');
    return quota === 'max' ? w.unlimited : w.cpus(Number(quota) / Number(period));
  }
  if (key) return w.keys[`${file}:${key}`] ?? '';
  if (/(bytes|\.max|\.high|\.low|\.current|\.peak|_in_bytes)$/.test(file) && /^\d+$/.test(value) && !file.startsWith('pids.')) {
    return bytes(BigInt(value));
  }
  return w.files[file] ?? '';
}

/** Pure: the rows of the groups, given a way to read their files. */
export async function cgroupRows(groups: CgroupDir[], read: ReadFn): Promise<Row[]> {
  const rows: Row[] = [];
  const k = words.cgroupKinds;
  const specsOf = (g: CgroupDir) => (g.version === 2 ? V2_FILES : V1_FILES.filter((s) => g.controllers.includes(s.ctl)));
  // Every file at once: they are many, small, and each read waits on its own.
  const texts = await Promise.all(groups.map((g) => Promise.all(specsOf(g).map((spec) => read(join(g.dir, spec.file))))));
  for (const [n, g] of groups.entries()) {
    const tree = g.version === 2 ? 'v2' : g.controllers.join(',');
    rows.push({ key: `group:${tree}`, cells: { kind: k.group, file: tree, value: g.path, meaning: '' } });
    for (const [i, spec] of specsOf(g).entries()) {
      const text = texts[n]![i];
      if (text === undefined) continue;
      const kind = k[spec.kind];
      if (spec.kind === 'procs') {
        const pids = text.split('\n').filter(Boolean);
        rows.push({ key: spec.file, cells: { kind, file: spec.file, value: pids.slice(0, 12).join(' ') + (pids.length > 12 ? ' ...' : ''), meaning: words.cgroupProcs(pids.length) } });
      } else if (spec.kind === 'pressure') {
        const some = /^some avg10=(\S+)/m.exec(text)?.[1] ?? '';
        const full = /^full avg10=(\S+)/m.exec(text)?.[1] ?? '';
        rows.push({ key: spec.file, cells: { kind, file: spec.file, value: `some ${some}${full ? ` full ${full}` : ''}`, meaning: words.cgroupPressure } });
      } else if (spec.keys) {
        const map = parseFlatKeyed(text);
        for (const key of spec.keys) {
          const value = map.get(key);
          if (value === undefined) continue;
          rows.push({ key: `${spec.file}:${key}`, cells: { kind, file: `${spec.file} ${key}`, value, meaning: cgroupMeaning(spec.file, key, value) } });
        }
      } else {
        // Per-device files (io.max, blkio.throttle.*) have a line per device.
        const lines = text.split('\n').map((l) => l.trim()).filter(Boolean);
        if (lines.length === 0) continue;
        lines.forEach((value, i) => {
          rows.push({ key: lines.length > 1 ? `${spec.file}:${i}` : spec.file, cells: { kind, file: spec.file, value, meaning: cgroupMeaning(spec.file, undefined, value) } });
        });
      }
    }
  }
  return rows;
}

interface Mount { point: string; root: string; type: string; options: string[] }

function cgroupMounts(mountinfo: string): Mount[] {
  return mountinfo.split('\n').filter(Boolean).map((line) => {
    const f = line.split(' ');
    const sep = f.indexOf('-');
    return { point: f[4]!, root: f[3]!, type: f[sep + 1]!, options: (f[sep + 3] ?? '').split(',') };
  }).filter((m) => m.type === 'cgroup' || m.type === 'cgroup2');
}

/** The target's groups, from its /proc/PID/cgroup and our mount table. */
export function cgroupDirs(procCgroup: string, mountinfo: string): CgroupDir[] {
  const mounts = cgroupMounts(mountinfo);
  const pick = (ms: Mount[]) => ms.find((m) => m.point.startsWith('/sys/fs/cgroup')) ?? ms[0];
  const v2mount = pick(mounts.filter((m) => m.type === 'cgroup2'));
  const pureV2 = v2mount?.point === '/sys/fs/cgroup';
  const out: CgroupDir[] = [];
  for (const line of procCgroup.split('\n').filter(Boolean)) {
    const [id, list = '', ...rest] = line.split(':');
    const path = rest.join(':');
    const controllers = list.split(',').filter(Boolean);
    if (id === '0' && !list) {
      if (pureV2 && v2mount) out.push({ version: 2, controllers: [], path, dir: join(v2mount.point, path) });
      continue;
    }
    if (!controllers.some((c) => V1_TREES.includes(c))) continue;
    const m = pick(mounts.filter((x) => x.type === 'cgroup' && controllers.every((c) => x.options.includes(c))));
    if (!m) continue;
    const rel = m.root !== '/' && path.startsWith(m.root) ? path.slice(m.root.length) : path;
    out.push({ version: 1, controllers, path, dir: join(m.point, rel) });
  }
  return out;
}

async function readOrUndefined(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch {
    return undefined;
  }
}

export async function cgroupProbe(target: ProbeTarget): Promise<View> {
  await assertAlive(target.pid);
  const [procCgroup, mountinfo] = await Promise.all([readProc(target.pid, 'cgroup'), readProc('self', 'mountinfo')]);
  const groups = cgroupDirs(procCgroup, mountinfo);
  const notes: string[] = [];
  if (groups.length === 0) notes.push(words.cgroupNone);
  else if (!groups.some((g) => /(^|\/)bl-[^/]*$/.test(g.path))) notes.push(words.cgroupNotOwn);
  return {
    name: 'cgroup',
    title: words.titles.cgroup,
    columns: ['kind', 'file', 'value', 'meaning'],
    rows: await cgroupRows(groups, readOrUndefined),
    ...(notes.length ? { notes } : {}),
  };
}
