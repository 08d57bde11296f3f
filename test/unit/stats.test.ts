// boxlab stats' arithmetic, on recorded kernel text (cgroup v1 files of a Debian 6.x
// host, v2 files as the kernel writes them): the parsers, Docker's formulas, and its
// units as docker stats prints them.
import { describe, expect, it } from 'vitest';
import {
  bytesSize, cgroupSample, computeStats, formatStats, goG, humanSize, parseBlkio, parseIoStat, parseMemTotal, parseNetDev, parseProcStat,
  type StatsSample,
} from '../../src/kernel/stats.ts';

const PROC_STAT = `cpu  1285005 106015 211994 330193 3585 0 1286 2641 0 0
cpu0 649487 53312 101164 163736 1434 0 167 1323 0 0
cpu1 635517 52703 110830 166457 2151 0 1119 1318 0 0
intr 123 0 0
ctxt 456
`;

const NET_DEV = `Inter-|   Receive                                                |  Transmit
 face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed
    lo: 508727860   26109    0    0    0     0          0         0 508727860   26109    0    0    0     0       0          0
  eth0:    1500      12    0    0    0     0          0         0      700       9    0    0    0     0       0          0
 veth1:      20       1    0    0    0     0          0         0       30       1    0    0    0     0       0          0
`;

const BLKIO = `254:0 Read 4251860992
254:0 Write 13506068480
254:0 Sync 14502854656
254:0 Async 12383948800
254:0 Discard 9128873984
254:0 Total 26886803456
7:0 Read 4096
7:0 Write 0
Total 26886807552
`;

const IO_STAT = `254:0 rbytes=1048576 wbytes=4096 rios=10 wios=1 dbytes=0 dios=0
7:3 rbytes=512 wbytes=0 rios=1 wios=0 dbytes=0 dios=0
`;

const V1_MEMORY_STAT = `cache 66703360
rss 2117632
inactive_file 18616320
active_file 48087040
hierarchical_memory_limit 9223372036854771712
total_cache 67518464
total_rss 2117632
total_inactive_file 18661376
total_active_file 48087040
`;

const V2_MEMORY_STAT = `anon 2117632
file 66703360
inactive_anon 1974272
active_anon 12288
inactive_file 18616320
active_file 48087040
`;

describe('the files, read', () => {
  it('/proc/stat: the first seven fields of cpu in ns (USER_HZ 100), and the CPUs online', () => {
    expect(parseProcStat(PROC_STAT)).toEqual({ systemNs: (1285005 + 106015 + 211994 + 330193 + 3585 + 0 + 1286) * 1e7, onlineCpus: 2 });
  });

  it('/proc/PID/net/dev: every link but lo', () => {
    expect(parseNetDev(NET_DEV)).toEqual({ rx: 1520, tx: 730 });
  });

  it('blkio: the Read and Write lines only; io.stat: rbytes and wbytes', () => {
    expect(parseBlkio(BLKIO)).toEqual({ read: 4251860992 + 4096, write: 13506068480 });
    expect(parseIoStat(IO_STAT)).toEqual({ read: 1048576 + 512, write: 4096 });
  });

  it('/proc/meminfo: MemTotal in bytes', () => {
    expect(parseMemTotal('MemTotal:       24684544 kB\nMemFree:        123 kB\n')).toBe(24684544 * 1024);
  });

  it('v1: cpuacct.usage, usage less total_inactive_file, the huge "no limit", the first blkio file there is', () => {
    const s = cgroupSample(1, {
      'cpuacct.usage': '123456789\n', 'memory.usage_in_bytes': '82903040\n', 'memory.stat': V1_MEMORY_STAT,
      'memory.limit_in_bytes': '9223372036854771712\n', 'blkio.throttle.io_service_bytes_recursive': BLKIO,
      'blkio.throttle.io_service_bytes': '7:0 Read 1\nTotal 1\n', 'pids.current': '3\n',
    });
    expect(s).toEqual({ cpuNs: 123456789, memUsage: 82903040, memInactiveFile: 18661376, memLimit: Infinity, blkRead: 4251865088, blkWrite: 13506068480, pids: 3 });
  });

  it('v2: cpu.stat usage_usec, memory.current less inactive_file, "max", io.stat', () => {
    const s = cgroupSample(2, {
      'cpu.stat': 'usage_usec 5000\nuser_usec 4000\nsystem_usec 1000\n', 'memory.current': '82903040\n', 'memory.stat': V2_MEMORY_STAT,
      'memory.max': '67108864\n', 'io.stat': IO_STAT, 'pids.current': '4\n',
    });
    expect(s).toEqual({ cpuNs: 5_000_000, memUsage: 82903040, memInactiveFile: 18616320, memLimit: 67108864, blkRead: 1049088, blkWrite: 4096, pids: 4 });
    expect(cgroupSample(2, { 'memory.max': 'max\n' }).memLimit).toBe(Infinity);
  });
});

describe('Docker\'s numbers', () => {
  const base: StatsSample = { at: 0, cpuNs: 0, systemNs: 0, onlineCpus: 2, machineMemory: 8 * 2 ** 30 };

  it('CPU %: container time over machine time, times the CPUs online', () => {
    // One CPU busy for a second on a two-CPU machine: 2 s of machine time went by.
    const s = computeStats(base, { ...base, cpuNs: 1e9, systemNs: 2e9 });
    expect(s.cpuPercent).toBeCloseTo(100, 10);
    expect(computeStats(undefined, { ...base, cpuNs: 1e9, systemNs: 2e9 }).cpuPercent).toBe(0); // no first sample yet
    expect(computeStats(base, { ...base, cpuNs: 0, systemNs: 2e9 }).cpuPercent).toBe(0);
  });

  it('MEM USAGE less inactive file cache (only when below usage), LIMIT the machine\'s when none', () => {
    const s = computeStats(undefined, { ...base, memUsage: 100 << 20, memInactiveFile: 40 << 20, memLimit: Infinity });
    expect([s.memUsage, s.memLimit]).toEqual([60 << 20, 8 * 2 ** 30]);
    expect(s.memPercent).toBeCloseTo((60 / 8192) * 100, 10);
    expect(computeStats(undefined, { ...base, memUsage: 10, memInactiveFile: 40, memLimit: 100 }).memUsage).toBe(10);
    expect(computeStats(undefined, { ...base, memUsage: 50, memLimit: 100 }).memPercent).toBe(50);
  });

  it('prints as docker stats: binary memory sizes with 4 digits, decimal I/O with 3, Go\'s %g', () => {
    expect(goG(1.953125, 4)).toBe('1.953');
    expect(goG(1024, 4)).toBe('1024');
    expect(goG(999.7, 3)).toBe('1e+03');
    expect(goG(0.5, 3)).toBe('0.5');
    expect(bytesSize(2_048_000)).toBe('1.953MiB');
    expect(bytesSize(8 * 2 ** 30)).toBe('8GiB');
    expect(bytesSize(512)).toBe('512B');
    expect(humanSize(648)).toBe('648B');
    expect(humanSize(1450)).toBe('1.45kB');
    expect(humanSize(999_999)).toBe('1e+03kB'); // what Docker shows too
    expect(humanSize(0)).toBe('0B');
    const f = formatStats({ cpuPercent: 12.345, memUsage: 2_048_000, memLimit: 8 * 2 ** 30, memPercent: 0.0238, netRx: 1450, netTx: 0, blkRead: 12_300_000, blkWrite: 4_100_000, pids: 7 });
    expect(f).toEqual({ cpu: '12.35%', mem: '1.953MiB / 8GiB', memPercent: '0.02%', net: '1.45kB / 0B', block: '12.3MB / 4.1MB', pids: '7' });
  });
});
