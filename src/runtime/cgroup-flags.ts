// THE table: Docker's resource flags, in Docker's units, and the cgroup files each one
// writes on a v1 machine (hybrid machines too: their controllers are v1) and on a v2
// machine, with the conversions runc makes (shares -> weight, quota/period -> cpu.max,
// memory+swap -> swap.max, throttle files -> io.max). `boxlab run` parses its flags
// with it, makes the writes with it, and `boxlab run --explain` prints it.
import { statSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { runtime } from '../text/index.ts';

/** A device and a rate: --device-write-bps /dev/loop3:1mb (or 7:3:1mb). */
export interface DeviceRate { device: string; major: number; minor: number; rate: number }

/** What the flags asked for, parsed into plain numbers. */
export interface Limits {
  memory?: number;
  /** memory + swap in bytes, or -1: unlimited swap */
  memorySwap?: number;
  memoryReservation?: number;
  cpus?: number;
  cpuShares?: number;
  cpusetCpus?: string;
  /** <= 0: unlimited */
  pidsLimit?: number;
  deviceReadBps?: DeviceRate[];
  deviceWriteBps?: DeviceRate[];
  deviceReadIops?: DeviceRate[];
  deviceWriteIops?: DeviceRate[];
  oomScoreAdj?: number;
  cgroupParent?: string;
}

/** One file write. `file` is in the group's directory, except for oom_score_adj. */
export interface CgroupWrite { flag: string; file: string; value: string }

export type CgroupVersion = 1 | 2;

interface FlagRow {
  /** the option, without the dashes */
  flag: string;
  key: keyof Limits;
  repeat?: boolean;
  /** the v2 controller it needs ('' when none) */
  controller: string;
  /** the files, as the table shows them */
  v1: string;
  v2: string;
  parse: (text: string, flag: string) => Limits[keyof Limits];
  /** the writes for one value (lim: every flag, for those that depend on another) */
  writes: (lim: Limits, version: CgroupVersion) => [file: string, value: string | number][];
}

/** The CPU period runc and Docker use with --cpus: 100 ms. */
const CPU_PERIOD_US = 100_000;

export class FlagError extends Error {}

// ---- Docker's units ----

const SIZE = /^(\d+(?:\.\d+)?) ?([kmgtp])?i?b?$/i;
const SCALE: Record<string, number> = { '': 1, k: 2 ** 10, m: 2 ** 20, g: 2 ** 30, t: 2 ** 40, p: 2 ** 50 };

/** The largest size taken: 8 PiB, beyond any machine's memory or disk rate, and a
 *  whole number of bytes a double holds exactly (so it is written as digits, never
 *  as 1e+32). */
const MAX_BYTES = 8 * 2 ** 50;

/** "512m" -> 536870912: Docker's RAMInBytes (binary multiples; b, k, m, g, t, p). */
export function parseBytes(text: string, flag: string): number {
  const m = SIZE.exec(text.trim());
  if (!m) throw new FlagError(runtime.cgroup.badSize(flag, text));
  const n = Math.floor(Number(m[1]) * SCALE[(m[2] ?? '').toLowerCase()]!);
  if (!(n <= MAX_BYTES)) throw new FlagError(runtime.cgroup.sizeTooLarge(flag, text, `8p (${MAX_BYTES} bytes)`));
  return n;
}

function parseInteger(text: string, flag: string, min: number, max: number): number {
  if (!/^-?\d+$/.test(text.trim())) throw new FlagError(runtime.cgroup.badInteger(flag, text, min, max));
  const n = Number(text);
  if (n < min || n > max) throw new FlagError(runtime.cgroup.badInteger(flag, text, min, max));
  return n;
}

/** The major and minor of a block device's node (Linux's dev_t encoding). */
function deviceNumbers(path: string, flag: string): { major: number; minor: number } {
  let st;
  try {
    st = statSync(path, { bigint: true });
  } catch {
    throw new FlagError(runtime.cgroup.noDevice(flag, path));
  }
  if (!st.isBlockDevice()) throw new FlagError(runtime.cgroup.notBlockDevice(flag, path));
  return splitDev(st.rdev);
}

/** A dev_t (st_rdev) as its major and minor number: glibc's major(3) and minor(3). */
export function splitDev(dev: bigint): { major: number; minor: number } {
  const major = Number(((dev >> 8n) & 0xfffn) | ((dev >> 32n) & ~0xfffn));
  const minor = Number((dev & 0xffn) | ((dev >> 12n) & ~0xffn));
  return { major, minor };
}

/** "/dev/sda:1mb" or "8:0:1mb" (rate: bytes for *-bps, a count for *-iops). */
export function parseDeviceRate(text: string, flag: string, bytes: boolean): DeviceRate {
  const cut = text.lastIndexOf(':');
  if (cut <= 0) throw new FlagError(runtime.cgroup.badDeviceRate(flag, text));
  const device = text.slice(0, cut);
  const rateText = text.slice(cut + 1);
  const rate = bytes ? parseBytes(rateText, flag) : parseInteger(rateText, flag, 1, Number.MAX_SAFE_INTEGER);
  if (rate <= 0) throw new FlagError(runtime.cgroup.badDeviceRate(flag, text));
  const mm = /^(\d+):(\d+)$/.exec(device);
  if (mm) {
    // Linux's dev_t: a 12-bit major and a 20-bit minor.
    const [major, minor] = [Number(mm[1]), Number(mm[2])];
    if (major > 0xfff || minor > 0xfffff) throw new FlagError(runtime.cgroup.badDeviceNumber(flag, device));
    return { device, major, minor, rate };
  }
  if (!device.startsWith('/')) throw new FlagError(runtime.cgroup.badDeviceRate(flag, text));
  return { device, ...deviceNumbers(device, flag), rate };
}

const CPU_LIST = /^\d+(-\d+)?(,\d+(-\d+)?)*$/;
const PARENT = /^\/?[A-Za-z0-9_-][A-Za-z0-9._-]*(\/[A-Za-z0-9_-][A-Za-z0-9._-]*)*$/;

/** v1's cpu.shares (2..262144, default 1024) onto v2's cpu.weight (1..10000, default
 *  100), as runc (1.3.2 on, opencontainers/cgroups' ConvertCPUSharesToCgroupV2Value)
 *  and crun (1.23 on) convert it: a curve in log2(shares) through 2 -> 1, 1024 -> 100
 *  and 262144 -> 10000, so that the defaults meet. Earlier runc and crun mapped the
 *  range linearly, 1 + (shares-2)*9999/262142, which gave Docker's default 1024 a weight
 *  of 39: a container with default shares got less than a plain v2 group. */
export function sharesToWeight(shares: number): number {
  if (shares === 0) return 0; // unset
  if (shares <= 2) return 1;
  if (shares >= 262144) return 10000;
  const l = Math.log2(shares);
  return Math.ceil(10 ** ((l * l + 125 * l) / 612 - 7 / 34));
}

function deviceRow(flag: string, key: keyof Limits, v1file: string, v2key: string, bytes: boolean): FlagRow {
  return {
    flag, key, repeat: true, controller: 'io', v1: `blkio.throttle.${v1file}`, v2: `io.max (${v2key}=)`,
    parse: (text, f) => [parseDeviceRate(text, f, bytes)],
    writes: (lim, v) => ((lim[key] as DeviceRate[] | undefined) ?? []).map((d): [string, string] =>
      (v === 1 ? [`blkio.throttle.${v1file}`, `${d.major}:${d.minor} ${d.rate}`] : ['io.max', `${d.major}:${d.minor} ${v2key}=${d.rate}`])),
  };
}

/** The table, in the order the writes are made (memory before memory+swap: v1 wants
 *  memsw >= the memory limit at every moment). */
export const CGROUP_FLAGS: FlagRow[] = [
  {
    flag: 'memory', key: 'memory', controller: 'memory', v1: 'memory.limit_in_bytes', v2: 'memory.max',
    parse: (text, f) => {
      const n = parseBytes(text, f);
      if (n < 6 * 2 ** 20) throw new FlagError(runtime.cgroup.memoryTooSmall(f, text));
      return n;
    },
    writes: (lim, v) => [[v === 1 ? 'memory.limit_in_bytes' : 'memory.max', lim.memory!]],
  },
  {
    flag: 'memory-swap', key: 'memorySwap', controller: 'memory', v1: 'memory.memsw.limit_in_bytes', v2: 'memory.swap.max (swap - memory)',
    parse: (text, f) => (text.trim() === '-1' ? -1 : parseBytes(text, f)),
    writes: (lim, v) => {
      const swap = lim.memorySwap!;
      if (v === 1) return [['memory.memsw.limit_in_bytes', swap]];
      return [['memory.swap.max', swap < 0 ? 'max' : swap - lim.memory!]];
    },
  },
  {
    flag: 'memory-reservation', key: 'memoryReservation', controller: 'memory', v1: 'memory.soft_limit_in_bytes', v2: 'memory.low',
    parse: parseBytes,
    writes: (lim, v) => [[v === 1 ? 'memory.soft_limit_in_bytes' : 'memory.low', lim.memoryReservation!]],
  },
  {
    flag: 'cpus', key: 'cpus', controller: 'cpu', v1: 'cpu.cfs_period_us, cpu.cfs_quota_us', v2: 'cpu.max ("QUOTA PERIOD")',
    parse: (text, f) => {
      const n = Number(text);
      const max = availableParallelism();
      if (!/^\d*\.?\d+$/.test(text.trim()) || !(n >= 0.01) || n > max) throw new FlagError(runtime.cgroup.badCpus(f, text, max));
      return n;
    },
    writes: (lim, v) => {
      const quota = Math.round(lim.cpus! * CPU_PERIOD_US);
      return v === 1 ? [['cpu.cfs_period_us', CPU_PERIOD_US], ['cpu.cfs_quota_us', quota]] : [['cpu.max', `${quota} ${CPU_PERIOD_US}`]];
    },
  },
  {
    flag: 'cpu-shares', key: 'cpuShares', controller: 'cpu', v1: 'cpu.shares', v2: 'cpu.weight',
    parse: (text, f) => parseInteger(text, f, 2, 262144),
    writes: (lim, v) => [v === 1 ? ['cpu.shares', lim.cpuShares!] : ['cpu.weight', sharesToWeight(lim.cpuShares!)]],
  },
  {
    flag: 'cpuset-cpus', key: 'cpusetCpus', controller: 'cpuset', v1: 'cpuset.cpus', v2: 'cpuset.cpus',
    parse: (text, f) => {
      if (!CPU_LIST.test(text.trim())) throw new FlagError(runtime.cgroup.badCpuList(f, text));
      return text.trim();
    },
    writes: (lim) => [['cpuset.cpus', lim.cpusetCpus!]],
  },
  {
    flag: 'pids-limit', key: 'pidsLimit', controller: 'pids', v1: 'pids.max', v2: 'pids.max',
    parse: (text, f) => parseInteger(text, f, -1, 4194304),
    writes: (lim) => [['pids.max', lim.pidsLimit! > 0 ? lim.pidsLimit! : 'max']],
  },
  deviceRow('device-read-bps', 'deviceReadBps', 'read_bps_device', 'rbps', true),
  deviceRow('device-write-bps', 'deviceWriteBps', 'write_bps_device', 'wbps', true),
  deviceRow('device-read-iops', 'deviceReadIops', 'read_iops_device', 'riops', false),
  deviceRow('device-write-iops', 'deviceWriteIops', 'write_iops_device', 'wiops', false),
  {
    flag: 'oom-score-adj', key: 'oomScoreAdj', controller: '', v1: '/proc/PID/oom_score_adj', v2: '/proc/PID/oom_score_adj',
    parse: (text, f) => parseInteger(text, f, -1000, 1000),
    writes: () => [], // a file of the process, not of the group: see oomScoreWrite
  },
  {
    flag: 'cgroup-parent', key: 'cgroupParent', controller: '', v1: '', v2: '',
    parse: (text, f) => {
      if (!PARENT.test(text) || text.split('/').some((c) => c === '.' || c === '..')) throw new FlagError(runtime.cgroup.badParent(f, text));
      return text;
    },
    writes: () => [],
  },
];

/** The option specs `boxlab run` adds to its parser. */
export function cgroupOptionSpecs(): Record<string, { value: true; repeat?: boolean }> {
  return Object.fromEntries(CGROUP_FLAGS.map((r) => [r.flag, { value: true as const, ...(r.repeat ? { repeat: true } : {}) }]));
}

/** Parse whatever cgroup flags the parsed options hold; throws FlagError naming the flag. */
export function parseLimits(options: Record<string, string | string[] | boolean | undefined>): Limits {
  const lim: Limits = {};
  for (const row of CGROUP_FLAGS) {
    const raw = options[row.flag];
    if (raw === undefined || typeof raw === 'boolean') continue;
    for (const text of Array.isArray(raw) ? raw : [raw]) {
      const value = row.parse(text, `--${row.flag}`);
      if (Array.isArray(value)) (lim as Record<string, unknown>)[row.key] = [...((lim[row.key] as DeviceRate[] | undefined) ?? []), ...value];
      else (lim as Record<string, unknown>)[row.key] = value;
    }
  }
  if (lim.memorySwap !== undefined) {
    if (lim.memory === undefined) throw new FlagError(runtime.cgroup.swapNeedsMemory);
    if (lim.memorySwap >= 0 && lim.memorySwap < lim.memory) throw new FlagError(runtime.cgroup.swapBelowMemory);
  }
  return lim;
}

/** True when the flags need a cgroup of the container's own. */
export function needsGroup(lim: Limits): boolean {
  return CGROUP_FLAGS.some((r) => r.controller && lim[r.key] !== undefined) || lim.cgroupParent !== undefined;
}

/** The v2 controllers the flags need enabled for the group. */
export function neededControllers(lim: Limits): string[] {
  return [...new Set(CGROUP_FLAGS.filter((r) => r.controller && lim[r.key] !== undefined).map((r) => r.controller))];
}

/** Every file write the flags make in the group, in order. */
export function cgroupWrites(lim: Limits, version: CgroupVersion): CgroupWrite[] {
  return CGROUP_FLAGS.filter((r) => lim[r.key] !== undefined)
    .flatMap((r) => r.writes(lim, version).map(([file, value]) => ({ flag: `--${r.flag}`, file, value: String(value) })));
}

/** --oom-score-adj: a file of the container's init, inherited by what it starts. */
export function oomScoreWrite(lim: Limits, pid: number | 'PID'): CgroupWrite | undefined {
  return lim.oomScoreAdj === undefined ? undefined : { flag: '--oom-score-adj', file: `/proc/${pid}/oom_score_adj`, value: String(lim.oomScoreAdj) };
}

/** The table as text rows: flag, Docker's value, the v1 file, the v2 file, a note. */
export function flagTable(): string[][] {
  const t = runtime.cgroup;
  return CGROUP_FLAGS.map((r) => [`--${r.flag}`, t.flagValue[r.flag] ?? '', t.flagFile[r.flag]?.v1 ?? r.v1, t.flagFile[r.flag]?.v2 ?? r.v2, t.flagNote[r.flag] ?? '']);
}
