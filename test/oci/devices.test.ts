// The device cgroup of boxcore's OCI runtime (native/cgroup_devices.c) on the real
// kernel: the default rules let a container open /dev/null and its kin but no other
// device, even one it made itself with mknod; a rule in linux.resources.devices opens
// one, for the access it names, the last rule winning; what the device cgroup cannot
// hold is refused by name. On cgroup v1 the group's devices.list shows the rules, on
// v2 the kernel reports the BPF program attached to the group. (Under runc the same
// bundles give the same results: test/oci/runc.test.ts.)
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isRoot } from '../helpers/host.ts';
import { BOXCORE, bc, createWithLog, loopDevice, makeBundle, newId, root, rootfs, useOciBed, work, type Config } from './helpers.ts';

const V2 = existsSync('/sys/fs/cgroup/cgroup.controllers');

const loop = loopDevice();

useOciBed('ocid');
let bundles = 0;

/** What the probe prints: /dev/null used, the loop device made with mknod, then read
 *  (open for reading) and opened for reading and writing - nothing is written. */
const PROBE = (major: number, minor: number) => [
  'head -c1 /dev/null && echo "null: ok"',
  `mknod /tmp/disk b ${major} ${minor} && echo "mknod: ok"`,
  'head -c1 /tmp/disk > /dev/null 2> /tmp/err; echo "read: $? $(cat /tmp/err)"',
  '(exec 3<> /tmp/disk) 2> /tmp/err; echo "rw: $? $(cat /tmp/err)"',
].join('\n');

/** A bundle of `boxcore spec` (whose device rules are runc spec's: deny everything)
 *  running the probe, with CAP_MKNOD and a /tmp that allows device nodes. */
function bundle(rules: object[] = [], edit: (c: Config) => void = () => {}): string {
  return makeBundle(join(work, `bundle${++bundles}`), rootfs.dir, (c) => {
    c.process.args = ['sh', '-c', PROBE(loop!.major, loop!.minor)];
    for (const set of ['bounding', 'effective', 'permitted']) c.process.capabilities[set].push('CAP_MKNOD');
    c.mounts.push({ destination: '/tmp', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'size=1m'] });
    c.linux.resources.devices.push(...rules);
    edit(c);
  });
}

/** The probe's lines, by key. */
function probe(b: string): Record<string, string> {
  const r = bc('run', '--bundle', b, newId());
  expect(r.status, r.stderr).toBe(0);
  return Object.fromEntries(r.stdout.trim().split('\n').map((l) => [l.slice(0, l.indexOf(':')), l.slice(l.indexOf(':') + 1).trim()]));
}

const DENIED = /^1 .*Operation not permitted/;
const disk = () => `b ${loop!.major}:${loop!.minor}`;
const rule = (allow: boolean, access: string) => ({ allow, type: 'b', major: loop!.major, minor: loop!.minor, access });

describe.runIf(isRoot && !!loop)('the device cgroup of a container', () => {
  it('allows /dev/null and mknod by default, but no other device: opening one it made fails with EPERM', () => {
    const seen = probe(bundle());
    expect(seen.null).toBe('ok');
    expect(seen.mknod).toBe('ok');
    expect(seen.read).toMatch(DENIED);
    expect(seen.rw).toMatch(DENIED);
  });

  it('an allow rule for the device opens it, for the access it names only', () => {
    const read = probe(bundle([rule(true, 'r')]));
    expect(read.read).toBe('0');
    expect(read.rw).toMatch(DENIED); // w was not allowed
    const both = probe(bundle([rule(true, 'rw')]));
    expect(both.read).toBe('0');
    expect(both.rw).toBe('0');
  });

  it('takes the rules in order, the last one that names a device and an access winning', () => {
    // Allowed, then write denied again: reading still works, reading and writing not.
    const again = probe(bundle([rule(true, 'rw'), rule(false, 'w')]));
    expect(again.read).toBe('0');
    expect(again.rw).toMatch(DENIED);
    // "a" forgets every earlier rule: allowed, then everything denied.
    const reset = probe(bundle([rule(true, 'rw'), { allow: false, access: 'rwm' }]));
    expect(reset.read).toMatch(DENIED);
    // Read from a rule for every loop device, write from one for this one: open(O_RDWR)
    // asks both at once, and gets them (one exception holds both).
    const split = probe(bundle([{ allow: true, type: 'b', major: loop!.major, access: 'r' }, rule(true, 'w')]));
    expect(split.rw).toBe('0');
    // Allow everything: the defaults change nothing then.
    const all = probe(bundle([{ allow: true, access: 'rwm' }]));
    expect(all.rw).toBe('0');
  });

  it('writes the rules to the kernel, and the kernel holds them while the container lives', () => {
    const id = newId();
    const r = createWithLog(BOXCORE, root, ['--debug', 'create', '--bundle', bundle([rule(true, 'r')]), id], join(work, 'log'));
    expect(r.status).toBe(0);
    const log = readFileSync(join(work, 'log'), 'utf8');
    if (V2) {
      expect(log).toMatch(/bpf\(BPF_PROG_LOAD, \{prog_type=BPF_PROG_TYPE_CGROUP_DEVICE, insn_cnt=\d+.*\) = \d+/);
      expect(log).toMatch(/bpf\(BPF_PROG_ATTACH, \{target_fd=\d+, attach_bpf_fd=\d+, attach_type=BPF_CGROUP_DEVICE, attach_flags=BPF_F_ALLOW_MULTI\}, \d+\) = 0/);
      // The kernel's own answer: one program attached to the group.
      expect(log).toMatch(/bpf\(BPF_PROG_QUERY, \{target_fd=\d+, attach_type=BPF_CGROUP_DEVICE, prog_cnt=1\}, \d+\) = 0/);
    } else {
      expect(log).toMatch(/devices\.deny", O_WRONLY\|O_CLOEXEC\) = (\d+)\nboxcore: write\(\1, "a", 1\) = 1/);
      expect(log).toMatch(new RegExp(`devices\\.allow", O_WRONLY\\|O_CLOEXEC\\) = (\\d+)\\nboxcore: write\\(\\1, "${disk()} r"`));
      // devices.list of the container's group, read from the host while it is there.
      const own = /^\d+:devices:(.*)$/m.exec(readFileSync('/proc/self/cgroup', 'utf8'))![1]!;
      const list = readFileSync(join('/sys/fs/cgroup/devices', own, id, 'devices.list'), 'utf8').trim().split('\n');
      expect(list).toEqual(['b *:* m', 'c *:* m', 'c 1:3 rwm', 'c 1:5 rwm', 'c 1:7 rwm', 'c 1:8 rwm', 'c 1:9 rwm',
        'c 5:0 rwm', 'c 5:2 rwm', ...(loop!.major < 10 ? [`${disk()} r`] : []), 'c 10:200 rwm', 'c 136:* rwm']);
    }
    expect(bc('delete', '--force', id).status).toBe(0);
  });

  it('refuses, by name, a rule the device cgroup cannot hold or that is not a rule, and makes nothing', () => {
    const cases: [string, object[], RegExp][] = [
      ['a hole in an allow', [{ allow: true, type: 'c', major: 1, access: 'rwm' }, { allow: false, type: 'c', major: 1, minor: 3, access: 'w' }],
        /linux\.resources\.devices\[2\] \(deny c 1:3 w\) would cut a hole in an allow of more devices, which the device cgroup cannot do: c 1:\* rwm/],
      ['a hole in a deny, by a default', [{ allow: true, access: 'rwm' }, { allow: false, type: 'c', major: 1, access: 'rwm' }],
        /leaves no room for the rule boxcore adds for \/dev\/null \(allow c 1:3 rwm\): it would cut a hole in a deny/],
      ['a type a for one access', [{ allow: false, access: 'r' }], /devices\[1\]: type a \(every device\) allows or denies everything at once/],
      ['an unknown type', [{ allow: true, type: 'p', access: 'r' }], /devices\[1\]\.type: "p" is not a \(every device\), c \(character\) or b \(block\)/],
      ['an unknown access', [{ allow: true, type: 'c', access: 'rx' }], /devices\[1\]\.access must be some of r \(read\), w \(write\) and m \(mknod\), not "rx"/],
      ['no access', [{ allow: true, type: 'c' }], /devices\[1\]\.access must be some of r/],
      ['no allow', [{ type: 'c', access: 'r' }], /devices\[1\]\.allow is missing/],
      ['a major out of range', [{ allow: true, type: 'c', major: 5000, access: 'r' }], /devices\[1\]\.major is 5000, outside -1\.\.4095/],
    ];
    for (const [what, rules, message] of cases) {
      const r = bc('run', '--bundle', bundle(rules), newId());
      expect(r.status, what).toBe(125);
      expect(r.stderr, what).toMatch(message);
      expect(r.stderr, what).toMatch(/\n  try: /);
    }
    expect(existsSync(root) ? readdirSync(root) : []).toEqual([]);
  });
});
