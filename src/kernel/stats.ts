// What `docker stats` shows, from the files it comes from. A sample is read from a
// container's cgroup (v1 trees, or the one v2 directory), /proc/stat and the network
// namespace of its init (/proc/PID/net/dev); two samples make a row, computed as Docker
// computes it (moby daemon/stats, docker/cli cli/command/container/stats_helpers.go):
//
//   CPU %       container CPU time over the machine's CPU time between the samples,
//               times the CPUs online, in percent (one busy CPU is 100%):
//               cpuacct.usage (v1) or cpu.stat usage_usec (v2), over the sum of the
//               first seven fields of /proc/stat's cpu line (user .. softirq, in ticks)
//   MEM USAGE   memory.usage_in_bytes - total_inactive_file of memory.stat (v1), or
//               memory.current - inactive_file (v2): page cache that can be dropped at
//               once does not count
//   LIMIT       memory.limit_in_bytes (v1) or memory.max (v2); none: the machine's memory
//   NET I/O     bytes received / sent on every link of its network namespace but lo
//               (none when it shares the host's)
//   BLOCK I/O   bytes read / written: the Read and Write lines of the first blkio file
//               there is, as runc reads them (bfq, then the throttle files: v1), or
//               rbytes and wbytes of io.stat (v2)
//   PIDS        pids.current
//
// readSample() reads; everything else is pure, so the terminal UI and the tests can
// drive it with recorded text; the command line renders it (src/cli/stats.ts).
import { readFile, readlink } from 'node:fs/promises';
import { join } from 'node:path';
import { cgroupDirs, parseFlatKeyed, type CgroupDir } from './views/cgroup.ts';

export interface StatsSample {
  /** epoch ms, when it was read */
  at: number;
  /** the container's CPU time, ns (undefined: no cpu accounting found) */
  cpuNs?: number;
  /** the machine's CPU time, ns, and how many CPUs are online (/proc/stat) */
  systemNs: number;
  onlineCpus: number;
  /** bytes: usage, the inactive file cache in it, the limit (Infinity: none) */
  memUsage?: number;
  memInactiveFile?: number;
  memLimit?: number;
  /** the machine's memory, the limit shown when there is none */
  machineMemory: number;
  blkRead?: number;
  blkWrite?: number;
  pids?: number;
  /** undefined: the container uses the host's network */
  netRx?: number;
  netTx?: number;
}

export interface Stats {
  cpuPercent: number;
  memUsage: number;
  memLimit: number;
  memPercent: number;
  netRx: number;
  netTx: number;
  blkRead: number;
  blkWrite: number;
  pids: number;
}

// ---------------------------------------------------------------- parsers

/** Linux's USER_HZ: /proc/stat counts in these ticks on every architecture Debian ships. */
const CLOCK_TICKS = 100;

/** /proc/stat: the machine's CPU time (user nice system idle iowait irq softirq) in ns,
 *  and the CPUs online (cpuN lines), as Docker's getSystemCPUUsage reads them. */
export function parseProcStat(text: string): { systemNs: number; onlineCpus: number } {
  let systemNs = 0;
  let onlineCpus = 0;
  for (const line of text.split('\n')) {
    const f = line.trim().split(/\s+/);
    if (f[0] === 'cpu' && f.length >= 8) systemNs = f.slice(1, 8).reduce((a, v) => a + Number(v), 0) * (1e9 / CLOCK_TICKS);
    else if (/^cpu\d+$/.test(f[0] ?? '')) onlineCpus += 1;
  }
  return { systemNs, onlineCpus };
}

/** /proc/PID/net/dev: bytes received and sent on every link but lo. */
export function parseNetDev(text: string): { rx: number; tx: number } {
  let rx = 0;
  let tx = 0;
  for (const line of text.split('\n').slice(2)) {
    const colon = line.indexOf(':');
    if (colon < 0) continue;
    const name = line.slice(0, colon).trim();
    const f = line.slice(colon + 1).trim().split(/\s+/);
    if (name === 'lo' || f.length < 9) continue;
    rx += Number(f[0]);
    tx += Number(f[8]);
  }
  return { rx, tx };
}

/** A v1 blkio file ("8:0 Read 4096" lines, then "Total N"): Read and Write summed. */
export function parseBlkio(text: string): { read: number; write: number } {
  let read = 0;
  let write = 0;
  for (const line of text.split('\n')) {
    const f = line.trim().split(/\s+/);
    if (f.length !== 3) continue;
    const op = f[1]!.toLowerCase();
    if (op === 'read') read += Number(f[2]);
    else if (op === 'write') write += Number(f[2]);
  }
  return { read, write };
}

/** v2 io.stat ("8:0 rbytes=4096 wbytes=0 rios=1 ..."): rbytes and wbytes summed. */
export function parseIoStat(text: string): { read: number; write: number } {
  let read = 0;
  let write = 0;
  for (const m of text.matchAll(/\b([rw])bytes=(\d+)/g)) {
    if (m[1] === 'r') read += Number(m[2]);
    else write += Number(m[2]);
  }
  return { read, write };
}

/** /proc/meminfo's MemTotal, in bytes. */
export function parseMemTotal(text: string): number {
  return Number(/^MemTotal:\s+(\d+) kB/m.exec(text)?.[1] ?? 0) * 1024;
}

/** A limit as the file writes it: a number, v2's "max", or v1's huge "no limit". */
function parseLimit(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const v = text.trim();
  if (v === 'max') return Infinity;
  const n = Number(v);
  return Number.isFinite(n) && /^\d+$/.test(v) ? (n >= 2 ** 62 ? Infinity : n) : undefined;
}

const num = (text: string | undefined): number | undefined => {
  const v = text?.trim();
  return v && /^\d+$/.test(v) ? Number(v) : undefined;
};

/** The v1 blkio files runc reads, in its order: the first one there is counts. */
export const BLKIO_FILES = [
  'blkio.bfq.io_service_bytes_recursive',
  'blkio.io_service_bytes_recursive',
  'blkio.throttle.io_service_bytes_recursive',
  'blkio.throttle.io_service_bytes',
];

/** The files of one group's sample, by name, as read (undefined: not there). */
export type CgroupTexts = Record<string, string | undefined>;

/** The cgroup part of a sample from its files' text. */
export function cgroupSample(version: 1 | 2, f: CgroupTexts): Pick<StatsSample, 'cpuNs' | 'memUsage' | 'memInactiveFile' | 'memLimit' | 'blkRead' | 'blkWrite' | 'pids'> {
  const memStat = f['memory.stat'] === undefined ? undefined : parseFlatKeyed(f['memory.stat']);
  if (version === 2) {
    const usec = f['cpu.stat'] === undefined ? undefined : num(parseFlatKeyed(f['cpu.stat']).get('usage_usec'));
    const io = f['io.stat'] === undefined ? undefined : parseIoStat(f['io.stat']);
    return {
      cpuNs: usec === undefined ? undefined : usec * 1000,
      memUsage: num(f['memory.current']),
      memInactiveFile: num(memStat?.get('inactive_file')),
      memLimit: parseLimit(f['memory.max']),
      blkRead: io?.read,
      blkWrite: io?.write,
      pids: num(f['pids.current']),
    };
  }
  const blkio = BLKIO_FILES.map((n) => f[n]).find((x) => x !== undefined);
  const io = blkio === undefined ? undefined : parseBlkio(blkio);
  return {
    cpuNs: num(f['cpuacct.usage']),
    memUsage: num(f['memory.usage_in_bytes']),
    memInactiveFile: num(memStat?.get('total_inactive_file')),
    memLimit: parseLimit(f['memory.limit_in_bytes']),
    blkRead: io?.read,
    blkWrite: io?.write,
    pids: num(f['pids.current']),
  };
}

// ---------------------------------------------------------------- the row

/** Docker's numbers from two samples (the first may be missing: then CPU % is 0). */
export function computeStats(prev: StatsSample | undefined, cur: StatsSample): Stats {
  let cpuPercent = 0;
  if (prev && cur.cpuNs !== undefined && prev.cpuNs !== undefined) {
    const cpuDelta = cur.cpuNs - prev.cpuNs;
    const systemDelta = cur.systemNs - prev.systemNs;
    if (systemDelta > 0 && cpuDelta > 0) cpuPercent = (cpuDelta / systemDelta) * cur.onlineCpus * 100;
  }
  const usage = cur.memUsage ?? 0;
  // v1 counts total_inactive_file only when it is below usage; v2 the same with inactive_file.
  const memUsage = cur.memInactiveFile !== undefined && cur.memInactiveFile < usage ? usage - cur.memInactiveFile : usage;
  const limit = cur.memLimit === undefined || cur.memLimit > cur.machineMemory ? cur.machineMemory : cur.memLimit;
  return {
    cpuPercent,
    memUsage,
    memLimit: limit,
    memPercent: limit > 0 ? (memUsage / limit) * 100 : 0,
    netRx: cur.netRx ?? 0,
    netTx: cur.netTx ?? 0,
    blkRead: cur.blkRead ?? 0,
    blkWrite: cur.blkWrite ?? 0,
    pids: cur.pids ?? 0,
  };
}

// ---------------------------------------------------------------- Docker's units

/** Go's %.Pg: P significant digits, trailing zeros dropped, an exponent (1e+03) when
 *  the number has P digits or more before the point. */
export function goG(v: number, p: number): string {
  if (v === 0) return '0';
  const exp = Number(v.toExponential(p - 1).split('e')[1]);
  if (exp < -4 || exp >= p) {
    const [m, e] = v.toExponential(p - 1).split('e') as [string, string];
    const n = Number(e);
    return `${m.includes('.') ? m.replace(/\.?0+$/, '') : m}e${n < 0 ? '-' : '+'}${String(Math.abs(n)).padStart(2, '0')}`;
  }
  const fixed = v.toFixed(Math.max(0, p - 1 - exp));
  return fixed.includes('.') ? fixed.replace(/\.?0+$/, '') : fixed;
}

function scaled(size: number, base: number, units: string[]): [number, string] {
  let i = 0;
  while (size >= base && i < units.length - 1) {
    size /= base;
    i++;
  }
  return [size, units[i]!];
}

/** go-units BytesSize: binary units, 4 significant digits ("1.953MiB"). */
export function bytesSize(n: number): string {
  const [v, u] = scaled(n, 1024, ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB', 'EiB']);
  return `${goG(v, 4)}${u}`;
}

/** go-units HumanSizeWithPrecision(n, 3): decimal units ("1.45kB"). */
export function humanSize(n: number): string {
  const [v, u] = scaled(n, 1000, ['B', 'kB', 'MB', 'GB', 'TB', 'PB', 'EB']);
  return `${goG(v, 3)}${u}`;
}

/** A row's cells as `docker stats` prints them. */
export function formatStats(s: Stats): { cpu: string; mem: string; memPercent: string; net: string; block: string; pids: string } {
  return {
    cpu: `${s.cpuPercent.toFixed(2)}%`,
    mem: `${bytesSize(s.memUsage)} / ${bytesSize(s.memLimit)}`,
    memPercent: `${s.memPercent.toFixed(2)}%`,
    net: `${humanSize(s.netRx)} / ${humanSize(s.netTx)}`,
    block: `${humanSize(s.blkRead)} / ${humanSize(s.blkWrite)}`,
    pids: String(s.pids),
  };
}

// ---------------------------------------------------------------- reading

async function readOr(path: string): Promise<string | undefined> {
  try { return await readFile(path, 'utf8'); } catch { return undefined; }
}

/** The files a sample reads in each group (v1: those of the group's tree). */
function filesOf(g: CgroupDir): string[] {
  if (g.version === 2) return ['cpu.stat', 'memory.current', 'memory.stat', 'memory.max', 'io.stat', 'pids.current'];
  const by: Record<string, string[]> = {
    cpuacct: ['cpuacct.usage'],
    memory: ['memory.usage_in_bytes', 'memory.stat', 'memory.limit_in_bytes'],
    blkio: BLKIO_FILES,
    pids: ['pids.current'],
  };
  return g.controllers.flatMap((c) => by[c] ?? []);
}

/** One sample of the container whose init is PID, read now. */
export async function readSample(pid: number): Promise<StatsSample> {
  const [procCgroup, mountinfo, procStat, meminfo, netDev, netNs, ownNetNs] = await Promise.all([
    readFile(`/proc/${pid}/cgroup`, 'utf8'), readFile('/proc/self/mountinfo', 'utf8'), readFile('/proc/stat', 'utf8'),
    readFile('/proc/meminfo', 'utf8'), readOr(`/proc/${pid}/net/dev`),
    readlink(`/proc/${pid}/ns/net`).catch(() => ''), readlink('/proc/self/ns/net').catch(() => ''),
  ]);
  const groups = cgroupDirs(procCgroup, mountinfo);
  const texts: CgroupTexts = {};
  for (const g of groups) {
    for (const file of filesOf(g)) texts[file] ??= await readOr(join(g.dir, file));
  }
  const version = groups.some((g) => g.version === 2) ? 2 : 1;
  const net = netDev === undefined || netNs === ownNetNs ? undefined : parseNetDev(netDev);
  return {
    at: Date.now(),
    ...parseProcStat(procStat),
    ...cgroupSample(version, texts),
    machineMemory: parseMemTotal(meminfo),
    netRx: net?.rx,
    netTx: net?.tx,
  };
}
