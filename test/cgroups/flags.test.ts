// The one table of Docker's resource flags: units parsed as Docker parses them, and the
// files and values written on v1 and on v2, with runc's conversions.
import { describe, expect, it } from 'vitest';
import {
  cgroupWrites, CGROUP_FLAGS, FlagError, flagTable, needsGroup, neededControllers, oomScoreWrite, parseBytes, parseDeviceRate,
  parseLimits, sharesToWeight,
} from '../../src/runtime/cgroup-flags.ts';
import { cgroupMeaning, cgroupDirs, cgroupRows, parseFlatKeyed } from '../../src/kernel/index.ts';

const writes = (opts: Record<string, string | string[]>, v: 1 | 2) =>
  cgroupWrites(parseLimits(opts), v).map((w) => `${w.file}=${w.value}`);

describe('Docker units', () => {
  it('reads sizes in binary multiples, as Docker\'s RAMInBytes', () => {
    expect(parseBytes('512m', '--memory')).toBe(512 * 2 ** 20);
    expect(parseBytes('1g', '--memory')).toBe(2 ** 30);
    expect(parseBytes('1.5G', '--memory')).toBe(1.5 * 2 ** 30);
    expect(parseBytes('64MiB', '--memory')).toBe(64 * 2 ** 20);
    expect(parseBytes('1024', '--memory')).toBe(1024);
    expect(() => parseBytes('12x', '--memory')).toThrow(FlagError);
    expect(() => parseBytes('-1m', '--memory')).toThrow(/--memory -1m/);
    // A size beyond any machine is refused by name, never written as 1.073741824e+32.
    expect(parseBytes('8p', '--memory')).toBe(2 ** 53);
    expect(() => parseBytes('99999999999999999999999g', '--memory')).toThrow('--memory 99999999999999999999999g: larger than the largest size boxlab takes, 8p (9007199254740992 bytes)');
    expect(() => parseBytes('8193t', '--device-read-bps')).toThrow(/^--device-read-bps 8193t: larger than/);
  });

  it('reads a device as MAJ:MIN or a block device node, and its rate', () => {
    expect(parseDeviceRate('8:16:1mb', '--device-write-bps', true)).toEqual({ device: '8:16', major: 8, minor: 16, rate: 2 ** 20 });
    expect(parseDeviceRate('7:0:300', '--device-read-iops', false)).toMatchObject({ rate: 300 });
    expect(() => parseDeviceRate('/dev/null:1mb', '--device-write-bps', true)).toThrow(/not a block device/);
    expect(() => parseDeviceRate('/dev/bl-nothing:1mb', '--device-write-bps', true)).toThrow(/does not exist/);
    expect(() => parseDeviceRate('8:0:0', '--device-read-iops', false)).toThrow(FlagError);
    expect(() => parseDeviceRate('99999999999999999999:0:1mb', '--device-read-bps', true)).toThrow('--device-read-bps 99999999999999999999:0: a device number is MAJOR:MINOR');
  });

  it('converts shares to weight as runc does', () => {
    // runc 1.3.2+ and crun 1.23+: the defaults meet (1024 -> 100); the ends stay put.
    expect(sharesToWeight(2)).toBe(1);
    expect(sharesToWeight(1024)).toBe(100);
    expect(sharesToWeight(2000)).toBe(170); // runc issue 4896's example
    expect(sharesToWeight(512)).toBe(59);
    expect(sharesToWeight(262144)).toBe(10000);
    for (let s = 2; s < 262144; s = Math.ceil(s * 1.5)) expect(sharesToWeight(s + 1)).toBeGreaterThanOrEqual(sharesToWeight(s));
  });
});

describe('the files each flag writes', () => {
  it('memory, memory+swap and the reservation', () => {
    const opts = { memory: '64m', 'memory-swap': '96m', 'memory-reservation': '32m' };
    expect(writes(opts, 1)).toEqual([
      'memory.limit_in_bytes=67108864', 'memory.memsw.limit_in_bytes=100663296', 'memory.soft_limit_in_bytes=33554432',
    ]);
    // v2 counts swap alone: 96m - 64m.
    expect(writes(opts, 2)).toEqual(['memory.max=67108864', 'memory.swap.max=33554432', 'memory.low=33554432']);
    expect(writes({ memory: '64m', 'memory-swap': '-1' }, 2)).toEqual(['memory.max=67108864', 'memory.swap.max=max']);
  });

  it('cpus as quota and period, shares, and the cpuset', () => {
    expect(writes({ cpus: '0.5', 'cpu-shares': '512', 'cpuset-cpus': '0' }, 1)).toEqual([
      'cpu.cfs_period_us=100000', 'cpu.cfs_quota_us=50000', 'cpu.shares=512', 'cpuset.cpus=0',
    ]);
    expect(writes({ cpus: '0.5', 'cpu-shares': '512', 'cpuset-cpus': '0' }, 2)).toEqual(['cpu.max=50000 100000', 'cpu.weight=59', 'cpuset.cpus=0']);
  });

  it('pids, with -1 and 0 meaning no limit', () => {
    expect(writes({ 'pids-limit': '100' }, 2)).toEqual(['pids.max=100']);
    expect(writes({ 'pids-limit': '-1' }, 1)).toEqual(['pids.max=max']);
  });

  it('block device throttles: the throttle files of v1, io.max lines on v2', () => {
    const opts = { 'device-read-bps': ['8:0:1mb'], 'device-write-bps': ['8:0:2mb'], 'device-read-iops': ['8:0:100'], 'device-write-iops': ['8:16:50'] };
    expect(writes(opts, 1)).toEqual([
      'blkio.throttle.read_bps_device=8:0 1048576', 'blkio.throttle.write_bps_device=8:0 2097152',
      'blkio.throttle.read_iops_device=8:0 100', 'blkio.throttle.write_iops_device=8:16 50',
    ]);
    expect(writes(opts, 2)).toEqual(['io.max=8:0 rbps=1048576', 'io.max=8:0 wbps=2097152', 'io.max=8:0 riops=100', 'io.max=8:16 wiops=50']);
  });

  it('oom_score_adj is the init\'s file, not the group\'s; the parent only places the group', () => {
    const lim = parseLimits({ 'oom-score-adj': '-500', 'cgroup-parent': '/bl-lab' });
    expect(cgroupWrites(lim, 2)).toEqual([]);
    expect(oomScoreWrite(lim, 42)).toEqual({ flag: '--oom-score-adj', file: '/proc/42/oom_score_adj', value: '-500' });
    expect(needsGroup(lim)).toBe(true);
    expect(needsGroup(parseLimits({ 'oom-score-adj': '1' }))).toBe(false);
  });

  it('knows which v2 controllers the flags need', () => {
    expect(neededControllers(parseLimits({ memory: '64m', 'memory-swap': '64m', cpus: '1', 'device-read-bps': ['8:0:1m'] }))).toEqual(['memory', 'cpu', 'io']);
  });

  it('covers every flag of the issue, each with a v1 and a v2 file', () => {
    expect(CGROUP_FLAGS.map((r) => r.flag)).toEqual([
      'memory', 'memory-swap', 'memory-reservation', 'cpus', 'cpu-shares', 'cpuset-cpus', 'pids-limit',
      'device-read-bps', 'device-write-bps', 'device-read-iops', 'device-write-iops', 'oom-score-adj', 'cgroup-parent',
    ]);
    for (const [flag, , v1, v2] of flagTable()) expect(v1 && v2, flag).toBeTruthy(); // as --explain prints them
  });
});

describe('the cgroup view, from recorded files', () => {
  const mountinfo = [
    '31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755',
    '35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory',
    '39 31 0:36 / /sys/fs/cgroup/pids rw,relatime - cgroup cgroup rw,pids',
    '41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw',
  ].join('\n');

  it('finds the groups of each tree, and leaves out the empty v2 tree of a hybrid host', () => {
    expect(cgroupDirs('8:pids:/bl-a\n4:memory:/x/bl-a\n1:name=systemd:/\n0::/\n', mountinfo)).toEqual([
      { version: 1, controllers: ['pids'], path: '/bl-a', dir: '/sys/fs/cgroup/pids/bl-a' },
      { version: 1, controllers: ['memory'], path: '/x/bl-a', dir: '/sys/fs/cgroup/memory/x/bl-a' },
    ]);
    expect(cgroupDirs('0::/bl-a\n', '30 23 0:27 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw')).toEqual([
      { version: 2, controllers: [], path: '/bl-a', dir: '/sys/fs/cgroup/bl-a' },
    ]);
  });

  it('shows limits, usage and events with plain words', async () => {
    const files: Record<string, string> = {
      '/g/memory.max': '33554432\n', '/g/memory.current': '1048576\n', '/g/memory.events': 'low 0\nhigh 0\nmax 3\noom 1\noom_kill 1\n',
      '/g/pids.max': 'max\n', '/g/pids.events': 'max 2\n', '/g/cpu.max': '50000 100000\n', '/g/cgroup.procs': '12\n13\n',
      '/g/memory.pressure': 'some avg10=1.50 avg60=0.00 avg300=0.00 total=5\nfull avg10=0.25 avg60=0.00 avg300=0.00 total=2\n',
    };
    const rows = await cgroupRows([{ version: 2, controllers: [], path: '/bl-a', dir: '/g' }], async (p) => files[p]);
    const byKey = new Map(rows.map((r) => [r.key, r.cells]));
    expect(byKey.get('memory.max')).toMatchObject({ value: '33554432', meaning: '32 MiB' });
    expect(byKey.get('memory.events:oom_kill')).toMatchObject({ value: '1', meaning: 'processes killed by the OOM killer' });
    expect(byKey.get('pids.max')).toMatchObject({ value: 'max', meaning: 'no limit' });
    expect(byKey.get('pids.events:max')?.value).toBe('2');
    expect(byKey.get('cpu.max')?.meaning).toBe('0.5 CPU');
    expect(byKey.get('cgroup.procs')).toMatchObject({ value: '12 13', meaning: '2 processes in the group' });
    expect(byKey.get('memory.pressure')?.value).toBe('some 1.50 full 0.25');
    expect(parseFlatKeyed('a 1\nb 2 3\n').get('b')).toBe('2 3');
    expect(cgroupMeaning('memory.limit_in_bytes', undefined, '9223372036854771712')).toBe('no limit');
  });
});
