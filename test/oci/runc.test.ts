// The same bundles under boxcore and under runc, side by side: what the process inside
// sees must be the same - ids, capabilities, no_new_privs and seccomp, hostname, mounts,
// namespaces, limits, environment, exit status. A difference fails the test unless the
// table below names it and says why it is expected.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fingerprint, isRoot, type HostFingerprint } from '../helpers/host.ts';
import { testRootfs } from '../helpers/rootfs.ts';
import { BOXCORE, endSideBySide, hasRunc, loopDevice, makeBundle, runtime, scratch, type Config } from './helpers.ts';

const NS = ['cgroup', 'ipc', 'mnt', 'net', 'pid', 'user', 'uts'];

/** cgroup v2 (one tree) or v1 trees (v1, hybrid). */
const V2 = existsSync('/sys/fs/cgroup/cgroup.controllers');

/** The files a container reads its limits from, in a v1 tree each, or in the one v2 tree. */
const LIMITS = V2
  ? ['memory.max', 'memory.low', 'memory.swap.max', 'pids.max', 'cpu.weight', 'cpu.max', 'cpuset.cpus', 'io.max']
  : ['memory/memory.limit_in_bytes', 'memory/memory.soft_limit_in_bytes', 'memory/memory.memsw.limit_in_bytes',
      'pids/pids.max', 'cpu/cpu.shares', 'cpu/cpu.cfs_quota_us', 'cpu/cpu.cfs_period_us', 'cpuset/cpuset.cpus',
      'blkio/blkio.throttle.read_bps_device', 'blkio/blkio.throttle.write_iops_device'];
const limit = (v1: string, v2: string) => `limit ${V2 ? v2 : v1}`;

/** runc before 1.3.2 turns shares into v2's cpu.weight linearly (512 -> 20); boxcore,
 *  like runc 1.3.2+ and crun 1.23+, on the curve where 1024 meets v2's default 100. */
const runcVersion = /version (\d+)\.(\d+)\.(\d+)/.exec(hasRunc() ? spawnSync('runc', ['--version'], { encoding: 'utf8' }).stdout : '');
const runcLinearWeight = !!runcVersion && Number(runcVersion[1]) * 1e6 + Number(runcVersion[2]) * 1e3 + Number(runcVersion[3]) < 1_003_002;

/** Differences every row may show, and why. */
const EVERYWHERE: Record<string, string> = Object.fromEntries((V2 ? [] :
  ['cgroup name=systemd', 'cgroup unified', 'mount /sys/fs/cgroup/systemd'])
    .map((k) => [k,
      "boxcore's cgroups (cgroup.c) are made in the trees of the controllers the course teaches - cpu, cpuacct, cpuset, " +
      'memory, pids, blkio, freezer (on a hybrid machine, in its v1 trees) - and devices; runc also puts the container ' +
      "in a group of the name=systemd and unified (empty v2) trees, where boxcore leaves it in boxcore's own"]));

/** The devices every container may use (runc's defaults, and boxcore's), as a v1
 *  group's devices.list shows them. */
const DEFAULT_DEVICES = 'b *:* m c *:* m c 1:3 rwm c 1:5 rwm c 1:7 rwm c 1:8 rwm c 1:9 rwm c 5:0 rwm c 5:2 rwm ' +
  'c 10:200 rwm c 136:* rwm';
const LOOP = loopDevice();

/** What the process prints about itself; one "key: value" per line. */
const PROBE = [
  'echo "ids: $(id -u) $(id -g) [$(id -G)]"',
  'grep -E "^(Cap(Inh|Prm|Eff|Bnd|Amb)|NoNewPrivs|Seccomp):" /proc/self/status | tr "\\t" " "',
  'echo "hostname: $(hostname)"',
  'echo "domainname: $(cat /proc/sys/kernel/domainname)"',
  `for n in ${NS.join(' ')}; do echo "ns $n: $(readlink /proc/self/ns/$n)"; done`,
  'while read -r line; do echo "mount: $line"; done < /proc/self/mountinfo',
  'echo "cwd: $(pwd) umask $(umask)"',
  'echo "nofile: $(ulimit -n) $(ulimit -Hn) nproc: $(ulimit -u)"',
  'echo "oom: $(cat /proc/self/oom_score_adj)"',
  'env | sort | while read -r e; do echo "env: $e"; done',
  'echo "rootfs: $(touch /bl-probe 2>&1 && rm /bl-probe && echo written)"',
  'echo "mkdir: $(mkdir /tmp/bl-probe 2>&1 && rmdir /tmp/bl-probe && echo made)"',
  'echo "keys: $(wc -c < /proc/keys)"',
  // A new network namespace copies ip_forward from the host's, which other tests change.
  '[ -z "$PROBE_SYSCTL" ] || echo "sysctl: $(cat /proc/sys/net/ipv4/ip_forward) $(cat /proc/sys/kernel/shmmni)"',
  'echo "lo: $(cat /sys/class/net/lo/flags 2>&1)"',
  'ls -ln /dev | sed 1d | while read -r p l u g a b rest; do echo "dev ${rest##* }: $p $u $g $a $b"; done',
  // The device cgroup: /dev/null, a device node the row names (opened, never written),
  // and on v1 the group's own list.
  'echo "null: $(head -c1 /dev/null && echo ok)"',
  '[ -z "$PROBE_DEVICE" ] || echo "device read: $(head -c1 $PROBE_DEVICE 2>&1 > /dev/null && echo ok)"',
  '[ -z "$PROBE_DEVICE" ] || echo "device rw: $( (exec 3<> $PROBE_DEVICE) 2>&1 && echo ok)"',
  '[ ! -e /sys/fs/cgroup/devices/devices.list ] || echo "devices.list: $(tr "\\n" " " < /sys/fs/cgroup/devices/devices.list)"',
  'while IFS=: read -r n tree path; do echo "cgroup ${tree:-unified}: $path"; done < /proc/self/cgroup',
  'echo "cgroupfs: $(ls /sys/fs/cgroup | tr "\\n" " ")"',
  `for f in ${LIMITS.join(' ')}; do [ -e /sys/fs/cgroup/$f ] && echo "limit $f: $(tr "\\n" " " < /sys/fs/cgroup/$f)"; done`,
  'exit 42',
].join('\n');

/** Keys compared after taking out what may differ, and why it may. */
const KEPT_FLAGS = {
  why: "a read-only bind remount: runc 1.1 passes exactly the config's flags, which drops nosuid or nodev the " +
    "source had from the filesystem it is on (a tmpfs /tmp); boxcore keeps the mount's flags, as a remount in a user " +
    'namespace must (and as later runc versions do)',
  strip: (v: string) => v.replace(/^(\S+ \S*?)nodev,/, '$1').replace(/^(\S+ \S*?)nosuid,/, '$1'),
};
const LOOSE: Record<string, { why: string; strip: (v: string) => string }> = { 'mount /': KEPT_FLAGS, 'mount /mnt/host': KEPT_FLAGS };

interface Row {
  name: string;
  edit: (c: Config, ctx: Ctx) => void;
  /** Keys whose values may differ, and why. */
  expected?: Record<string, string>;
  /** What boxcore's container must show, so that a row cannot pass by showing nothing. */
  check?: (out: (key: string) => string[]) => void;
  /** The row opens a loop device of this machine (LOOP). */
  needsLoop?: boolean;
}

interface Ctx { hostDir: string; helper: number; disk?: { major: number; minor: number } }

/** A whole disk of this machine, for blockIO throttles. */
function disk(): { major: number; minor: number } | undefined {
  for (const d of readdirSync('/sys/block').filter((n) => !n.startsWith('loop') && !n.startsWith('ram'))) {
    const [major, minor] = readFileSync(`/sys/block/${d}/dev`, 'utf8').trim().split(':').map(Number);
    return { major: major!, minor: minor! };
  }
  return undefined;
}

const rows: Row[] = [
  {
    name: "the default spec (runc's, with boxcore's fields)",
    edit: () => {},
    check: (o) => {
      expect(o('ids')).toEqual(['0 0 [0]']);
      expect(o('CapEff')).toEqual(['0000000020000420']); // CAP_AUDIT_WRITE CAP_KILL CAP_NET_BIND_SERVICE
      expect(o('NoNewPrivs')).toEqual(['1']);
      expect(o('rootfs')[0]).toMatch(/Read-only file system/);
      expect(o('lo')).toEqual(['0x9']);
      expect(o('ns pid')).toEqual(['new']);
      expect(o('ns user')).toEqual(['host']);
      expect(o('null')).toEqual(['ok']);
      if (!V2) expect(o('devices.list')).toEqual([DEFAULT_DEVICES]);
    },
  },
  {
    name: 'a device node of linux.devices: made, but the default device rules deny opening it',
    needsLoop: true,
    edit: (c) => {
      c.linux.devices = [{ path: '/dev/bl-loop', type: 'b', major: LOOP!.major, minor: LOOP!.minor }];
      c.process.env.push('PROBE_DEVICE=/dev/bl-loop');
    },
    check: (o) => {
      expect(o('dev bl-loop')).toEqual([`brw-rw-rw- 0 0 ${LOOP!.major}, ${LOOP!.minor}`]);
      expect(o('device read')[0]).toMatch(/Operation not permitted/);
      expect(o('device rw')[0]).toMatch(/Operation not permitted/);
    },
  },
  {
    name: 'rules for that node: read and write allowed, then write denied again - the last rule wins',
    needsLoop: true,
    edit: (c) => {
      c.linux.devices = [{ path: '/dev/bl-loop', type: 'b', major: LOOP!.major, minor: LOOP!.minor }];
      c.process.env.push('PROBE_DEVICE=/dev/bl-loop');
      const loop = { type: 'b', major: LOOP!.major, minor: LOOP!.minor };
      c.linux.resources.devices.push({ allow: true, ...loop, access: 'rw' }, { allow: false, ...loop, access: 'w' });
    },
    check: (o) => {
      expect(o('device read')).toEqual(['ok']);
      expect(o('device rw')[0]).toMatch(/Operation not permitted/);
      if (!V2) expect(o('devices.list')).toEqual([DEFAULT_DEVICES.replace('c 10:200', `b ${LOOP!.major}:${LOOP!.minor} r c 10:200`)]);
    },
  },
  {
    name: 'a user with groups, capabilities kept through the switch, umask and cwd',
    edit: (c) => {
      c.process.user = { uid: 1000, gid: 1000, additionalGids: [10, 20], umask: 0o077 };
      c.process.cwd = '/tmp';
      const caps = ['CAP_NET_BIND_SERVICE', 'CAP_KILL'];
      c.process.capabilities = { bounding: caps, effective: caps, permitted: caps, inheritable: caps, ambient: caps };
    },
    check: (o) => {
      expect(o('ids')).toEqual(['1000 1000 [1000 10 20]']);
      expect(o('CapEff')).toEqual(['0000000000000420']);
      expect(o('CapAmb')).toEqual(['0000000000000420']);
      expect(o('cwd')).toEqual(['/tmp umask 0077']);
      expect(o('env HOME')).toEqual(['HOME=/']);
    },
  },
  {
    name: 'hostname, domainname, extra mounts, masked and read-only paths, a writable root',
    expected: { domainname: 'runc 1.1 ignores "domainname" (setdomainname came with runc 1.2); boxcore sets it' },
    check: (o) => {
      expect(o('hostname')).toEqual(['side-by-side']);
      expect(o('domainname')).toEqual(['lab']);
      expect(o('rootfs')).toEqual(['written']);
      expect(o('keys')).toEqual(['0']);
      expect(o('mount /mnt/host')[0]).toMatch(/^\S+ ro,nosuid,/);
      // The tmpfs, and over it the same made read-only by readonlyPaths.
      expect(o('mount /data')).toEqual([expect.stringMatching(/^\/ rw,nosuid,nodev,.*size=1024k,mode=700/),
        expect.stringMatching(/^\/ ro,nosuid,nodev,.*size=1024k,mode=700/)]);
    },
    edit: (c, ctx) => {
      c.hostname = 'side-by-side';
      c.domainname = 'lab';
      c.root.readonly = false;
      c.mounts.push(
        { destination: '/data', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'nodev', 'size=1m', 'mode=700'] },
        { destination: '/mnt/host', type: 'bind', source: ctx.hostDir, options: ['rbind', 'ro', 'nosuid'] },
      );
      c.linux.maskedPaths = ['/proc/keys', '/sys/firmware', '/no/such/path'];
      c.linux.readonlyPaths = ['/proc/sys', '/data'];
    },
  },
  {
    name: 'a user namespace: root inside is 100000 outside',
    expected: {
      ...(V2 ? Object.fromEntries(['cgroupfs', 'limit *', 'mount /sys/fs/cgroup'].map((k) => [k,
        'cgroup v2, a user namespace, no cgroup namespace: a fresh cgroup2 mount is not allowed there, so both bind ' +
        "one; runc 1.1 binds the host's whole /sys/fs/cgroup, boxcore only the container's own group"])) : {}),
      'dev mqueue': "the owner of the mqueue root: runc makes the IPC namespace after it became uid 0 of the user " +
        "namespace (unshare after setresuid, its gid still the host's), so the root is 0:65534; boxcore makes every " +
        "namespace in one clone3, as the host's root, so it is 65534:65534 - unmapped ids either way",
    },
    edit: (c) => {
      c.linux.namespaces.push({ type: 'user' });
      c.linux.uidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
      c.linux.gidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
    },
    check: (o) => {
      expect(o('ns user')).toEqual(['new']);
      expect(o('ids')).toEqual(['0 0 [0]']);
    },
  },
  {
    name: 'seccomp rules with errno, rlimits, no_new_privs off, oomScoreAdj',
    edit: (c) => {
      c.process.noNewPrivileges = false;
      c.process.rlimits = [{ type: 'RLIMIT_NOFILE', soft: 512, hard: 1024 }, { type: 'RLIMIT_NPROC', soft: 300, hard: 300 }];
      c.process.oomScoreAdj = 123;
      c.linux.seccomp = {
        defaultAction: 'SCMP_ACT_ALLOW',
        architectures: ['SCMP_ARCH_X86_64'],
        syscalls: [
          { names: ['mkdir', 'mkdirat'], action: 'SCMP_ACT_ERRNO', errnoRet: 13 },
          // personality(0xffffffff) only reads the persona: a rule on an argument.
          { names: ['personality'], action: 'SCMP_ACT_ERRNO', args: [{ index: 0, value: 8, op: 'SCMP_CMP_EQ' }] },
        ],
      };
    },
    check: (o) => {
      expect(o('mkdir')[0]).toMatch(/Permission denied/); // EACCES, errno 13
      expect(o('Seccomp')).toEqual(['2']);
      expect(o('NoNewPrivs')).toEqual(['0']);
      expect(o('nofile')).toEqual(['512 1024 nproc: 300']);
      expect(o('oom')).toEqual(['123']);
    },
  },
  {
    name: 'sysctls of its own network and IPC namespaces',
    edit: (c) => {
      c.linux.sysctl = { 'net.ipv4.ip_forward': '1', 'kernel.shmmni': '1000' };
      c.process.env.push('PROBE_SYSCTL=1');
    },
    check: (o) => expect(o('sysctl')).toEqual(['1 1000']),
  },
  {
    name: 'cgroup limits: memory, pids, cpu, cpuset, blockIO, seen in a cgroup namespace',
    edit: (c, ctx) => {
      // With a cgroup namespace the cgroup mount shows the container's own group.
      c.linux.namespaces.push({ type: 'cgroup' });
      c.linux.cgroupsPath = `${PREFIX}limits`;
      c.linux.resources = {
        ...c.linux.resources, // the spec's device rules
        memory: { limit: 64 << 20, reservation: 32 << 20, swap: 128 << 20 },
        pids: { limit: 64 },
        cpu: { shares: 512, quota: 50000, period: 100000, cpus: '0' },
        ...(ctx.disk ? { blockIO: { throttleReadBpsDevice: [{ ...ctx.disk, rate: 1 << 20 }], throttleWriteIOPSDevice: [{ ...ctx.disk, rate: 100 }] } } : {}),
      };
    },
    ...(V2 && runcLinearWeight ? { expected: { 'limit cpu.weight': `runc ${runcVersion![0].slice(8)} converts shares 512 to cpu.weight linearly (20); boxcore uses the curve of runc 1.3.2+ and crun 1.23+ (59), where the v1 default 1024 meets the v2 default 100` } } : {}),
    check: (o) => {
      expect(o(limit('memory/memory.limit_in_bytes', 'memory.max'))).toEqual([`${64 << 20}`]);
      expect(o(limit('cpu/cpu.shares', 'cpu.weight'))).toEqual([V2 ? '59' : '512']);
      expect(o(limit('pids/pids.max', 'pids.max'))).toEqual(['64']);
      expect(o(limit('cpu/cpu.cfs_quota_us', 'cpu.max'))).toEqual([V2 ? '50000 100000' : '50000']);
      expect(o('ns cgroup')).toEqual(['new']);
      expect(o(V2 ? 'cgroup unified' : 'cgroup pids')).toEqual(['/']);
      if (!V2) expect(o('cgroup devices')).toEqual(['/']);
    },
  },
  {
    name: 'a cgroupsPath without a cgroup namespace: /proc/self/cgroup names the group',
    edit: (c) => {
      c.linux.cgroupsPath = `${PREFIX}path`;
      c.linux.resources = { ...c.linux.resources, pids: { limit: 32 } };
    },
    check: (o) => {
      expect(o('ns cgroup')).toEqual(['host']);
      expect(o(V2 ? 'cgroup unified' : 'cgroup pids')).toEqual([expect.stringMatching(new RegExp(`/${PREFIX}path$`))]);
    },
  },
  {
    name: 'a cgroupsPath whose parents do not exist: made, and removed with the container',
    edit: (c) => { c.linux.cgroupsPath = `${PREFIX}parent/child`; },
    check: (o) => {
      expect(o(V2 ? 'cgroup unified' : 'cgroup pids')).toEqual([expect.stringMatching(new RegExp(`/${PREFIX}parent/child$`))]);
    },
  },
  {
    name: "rootfsPropagation shared: the new root is shared (its peers all in the container's mount namespace)",
    edit: (c) => { c.linux.rootfsPropagation = 'shared'; },
    expected: {
      'mount /': 'runc before PR #4724 (2025; Debian 12 has 1.1.5) makes the rootfs\'s parent private and never applies ' +
        '"shared" to the new root (runc issue #1755); boxcore applies it after pivot_root, as runc now does',
    },
    check: (o) => expect(o('mount /')[0]!.split(' ')[2]).toBe('shared'),
  },
  {
    name: 'rootfsPropagation private',
    edit: (c) => { c.linux.rootfsPropagation = 'private'; },
    check: (o) => expect(o('mount /')[0]!.split(' ')[2]).toBe('-'),
  },
  {
    name: 'namespaces joined by path',
    edit: (c, ctx) => {
      c.linux.namespaces = c.linux.namespaces.map((n: { type: string }) =>
        n.type === 'network' ? { type: 'network', path: `/proc/${ctx.helper}/ns/net` } : n.type === 'ipc' ? { type: 'ipc', path: `/proc/${ctx.helper}/ns/ipc` } : n);
    },
    check: (o) => {
      expect(o('ns net')).toEqual(['joined']);
      expect(o('ns ipc')).toEqual(['joined']);
      expect(o('ns pid')).toEqual(['new']);
    },
  },
];

let rootfs: Awaited<ReturnType<typeof testRootfs>>;
let work: string;
let helper: ChildProcess;
let before: HostFingerprint;
const PREFIX = `bl-ocir-${process.pid}-`;
let n = 0;

beforeAll(async () => {
  if (!isRoot || !hasRunc()) return;
  before = fingerprint();
  rootfs = await testRootfs('busybox');
  work = scratch('ocir');
  // A process in namespaces of its own, for the row that joins them by path.
  helper = spawn('unshare', ['--net', '--ipc', 'sleep', '1000'], { stdio: 'ignore' });
  await new Promise((r) => setTimeout(r, 100));
});

afterAll(async () => {
  if (!isRoot || !hasRunc()) return;
  helper.kill('SIGKILL');
  await new Promise((r) => helper.once('exit', r));
  // runc 1.1 leaves the parents of a cgroupsPath it made (boxcore removes its own:
  // lifecycle.test.ts checks that).
  await endSideBySide(work, rootfs, before, `${PREFIX}parent`);
});

/** The probe's output as key -> values, with what differs from run to run made plain:
 *  namespace inodes become new/host/joined, mount ids and device numbers go. */
function normalise(out: string, ctx: Ctx): Map<string, string[]> {
  const seen = new Map<string, string[]>();
  const hostNs = Object.fromEntries(NS.map((ns) => [ns, readlinkSync(`/proc/self/ns/${ns === 'mnt' ? 'mnt' : ns}`)]));
  const helperNs = Object.fromEntries(NS.map((ns) => [ns, readlinkSync(`/proc/${ctx.helper}/ns/${ns}`)]));
  for (const line of out.split('\n').filter(Boolean)) {
    const colon = line.indexOf(':');
    let key = line.slice(0, colon);
    let value = line.slice(colon + 1).trim();
    if (key.startsWith('ns ')) {
      const ns = key.slice(3);
      value = value === hostNs[ns] ? 'host' : value === helperNs[ns] ? 'joined' : 'new';
    }
    if (key === 'mount') {
      // ID PARENT MAJ:MIN ROOT POINT OPTS [OPTIONAL...] - TYPE SOURCE SUPER
      const f = value.split(' ');
      const sep = f.indexOf('-');
      const optional = f.slice(6, sep).map((o) => o.replace(/:\d+$/, '')).join(',');
      key = `mount ${f[4]}`;
      value = [f[3], f[5], optional || '-', f[sep + 1], f[sep + 2], f[sep + 3]].join(' ');
    }
    if (key === 'env') key = `env ${value.split('=')[0]}`;
    seen.set(key, [...(seen.get(key) ?? []), value]);
  }
  return seen;
}

describe.runIf(isRoot && hasRunc())('the same bundle under boxcore and runc', () => {
  it("a terminal: the program runs on a pty of the container's own devpts", () => {
    const bundle = makeBundle(join(work, 'tty'), rootfs.dir, (c) => {
      c.process.terminal = true;
      c.process.args = ['sh', '-c', 'tty; readlink /proc/self/fd/0; readlink /proc/self/fd/2; exit 4'];
    });
    const seen: Record<string, string> = {};
    for (const rt of ['runc', 'boxcore']) {
      // script(1) gives the runtime a terminal of its own, as a person's would be.
      const cmd = `${rt === 'runc' ? 'runc' : BOXCORE} --root ${join(work, rt)} run --bundle ${bundle} ${PREFIX}tty`;
      const r = spawnSync('script', ['-qec', cmd, '/dev/null'], { encoding: 'utf8', timeout: 30_000 });
      expect(r.status, `${rt}: ${r.stderr}`).toBe(4);
      seen[rt] = r.stdout.replace(/\^@/g, '').replace(/\r/g, '');
    }
    expect(seen.boxcore).toBe(seen.runc);
    expect(seen.boxcore).toBe('/dev/pts/0\n/dev/pts/0\n/dev/pts/0\n');
  });

  for (const row of rows) {
    it.runIf(!row.needsLoop || LOOP)(row.name, () => {
      const dir = join(work, `row${++n}`);
      const hostDir = join(dir, 'host');
      mkdirSync(hostDir, { recursive: true });
      writeFileSync(join(hostDir, 'file'), 'from the host\n');
      const ctx: Ctx = { hostDir, helper: helper.pid!, disk: disk() };
      const bundle = makeBundle(join(dir, 'bundle'), rootfs.dir, (c) => {
        c.process.args = ['sh', '-c', PROBE];
        row.edit(c, ctx);
      });
      const out: Record<string, Map<string, string[]>> = {};
      const status: Record<string, number | null> = {};
      for (const rt of ['runc', 'boxcore']) {
        const r = runtime(rt === 'runc' ? 'runc' : BOXCORE, join(work, rt), ['run', '--bundle', bundle, `${PREFIX}${n}`]);
        expect(r.stderr.replace(/^boxcore run: warning.*\n/gm, ''), `${rt} said`).toBe('');
        status[rt] = r.status;
        out[rt] = normalise(r.stdout, ctx);
      }
      expect(status.boxcore).toBe(42);
      expect(status.runc).toBe(42);
      const keys = [...new Set([...out.runc!.keys(), ...out.boxcore!.keys()])].sort();
      const differences: string[] = [];
      for (const k of keys) {
        const named = Object.keys(row.expected ?? {}).some((e) => e === k || (e.endsWith('*') && k.startsWith(e.slice(0, -1))));
        if (named || EVERYWHERE[k]) continue;
        const norm = (v: string[] | undefined) => JSON.stringify(v ? v.map(LOOSE[k]?.strip ?? ((x) => x)) : null);
        const a = norm(out.runc!.get(k)), b = norm(out.boxcore!.get(k));
        if (a !== b) differences.push(`${k}\n    runc:    ${a}\n    boxcore: ${b}`);
      }
      expect(differences.join('\n')).toBe('');
      // The rows are not equal by accident: the probe saw what the row asked for.
      expect([...out.boxcore!.keys()].filter((k) => k.startsWith('mount ')).length).toBeGreaterThan(5);
      row.check?.((key) => out.boxcore!.get(key) ?? []);
    });
  }
});
