// Parsers of the kernel state views, on /proc text recorded on a real machine
// (test/fixtures/proc/*.host, *.userns, sysvipc-*, mountinfo.ns-shared, .mount-proc)
// and on hand-made cases (mountinfo.handmade, status.docker, stat.odd-comm).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  CAPABILITIES,
  capBits,
  decodeCaps,
  describeCaps,
  descendants,
  idMapRows,
  idsRows,
  ipcCounts,
  ipcKeyHex,
  ipcRows,
  mountKeys,
  mountRows,
  mountsNotInHost,
  nsRows,
  overlayMounts,
  parseCmdline,
  parseEnterOutput,
  parseIdMap,
  parseMountinfo,
  parseNsLink,
  parseOverlayOptions,
  parseStartTime,
  parseStatus,
  parseSysvipc,
  procInfoFrom,
  procRows,
  splitLowerdir,
  unescapeOctal,
  utsRows,
  type ProcInfo,
} from '../../src/kernel/index.ts';
import { kernel as words } from '../../src/text/index.ts';

const fixture = (name: string) => readFileSync(join(import.meta.dirname, '..', 'fixtures', 'proc', name), 'utf8');

describe('mountinfo', () => {
  it('parses every line of a real host mount table', () => {
    const mounts = parseMountinfo(fixture('mountinfo.host'));
    expect(mounts.length).toBe(fixture('mountinfo.host').trim().split('\n').length);
    const root = mounts.find((m) => m.mountPoint === '/')!;
    expect(root).toMatchObject({ fsType: 'ext4', source: '/dev/vda', root: '/', options: 'rw,relatime', major: 254, minor: 0 });
    expect(root.superOptions).toContain('discard');
    const proc = mounts.find((m) => m.mountPoint === '/proc')!;
    expect(proc).toMatchObject({ fsType: 'proc', source: 'proc', optional: [] });
    expect(proc.propagation).toEqual({ unbindable: false });
    for (const m of mounts) expect(Number.isInteger(m.id) && Number.isInteger(m.parentId)).toBe(true);
  });

  it('decodes octal escapes', () => {
    expect(unescapeOctal('/a\\040b\\011c\\012d\\134e')).toBe('/a b\tc\nd\\e');
    const mounts = parseMountinfo(fixture('mountinfo.handmade'));
    const points = mounts.map((m) => m.mountPoint);
    expect(points).toContain('/mnt/with space');
    expect(points).toContain('/mnt/tab\tand\nnewline');
    expect(points).toContain('/mnt/back\\slash');
    expect(mounts.find((m) => m.mountPoint === '/mnt/with space')!.source).toBe('my tmpfs');
  });

  it('reads propagation from the optional fields (recorded: make-shared, make-slave, make-unbindable)', () => {
    const mounts = parseMountinfo(fixture('mountinfo.ns-shared'));
    const at = (p: string) => mounts.find((m) => m.mountPoint === p)!;
    expect(at('/tmp/ovt/s1').propagation).toEqual({ shared: 1, unbindable: false });
    expect(at('/tmp/ovt/s2').propagation).toEqual({ shared: 2, master: 1, unbindable: false });
    expect(at('/tmp/ovt/s3').propagation).toEqual({ master: 1, unbindable: false });
    expect(at('/tmp/ovt/s4').propagation).toEqual({ unbindable: true });
    expect(at('/tmp/ovt/a b')).toMatchObject({ source: 'my src', fsType: 'tmpfs' });
    // a read-only bind remount: ro per mount, the superblock stays rw
    expect(at('/tmp/ovt/s3')).toMatchObject({ options: 'ro,relatime', superOptions: 'rw' });

    const rows = mountRows(mounts);
    const cells = (key: string) => rows.find((r) => r.key === key)!.cells;
    expect(cells('/tmp/ovt/s1').propagation).toBe('shared:1');
    expect(cells('/tmp/ovt/s2').propagation).toBe('shared:2 master:1');
    expect(cells('/tmp/ovt/s3').propagation).toBe('master:1');
    expect(cells('/tmp/ovt/s4').propagation).toBe('unbindable');
    expect(cells('/').propagation).toBe(words.propagationPrivate);
  });

  it('hand-made optional fields: propagate_from, root of a bind mount', () => {
    const m = parseMountinfo(fixture('mountinfo.handmade')).find((x) => x.mountPoint === '/srv/data')!;
    expect(m.root).toBe('/var/lib/data');
    expect(m.optional).toEqual(['master:1', 'propagate_from:1']);
    expect(m.propagation).toEqual({ master: 1, propagateFrom: 1, unbindable: false });
  });

  it('keys stacked mounts with a disambiguator, in mount order', () => {
    const mounts = parseMountinfo(fixture('mountinfo.handmade'));
    const keys = mountKeys(mounts);
    expect(keys.filter((k) => k.startsWith('/stack'))).toEqual(['/stack', '/stack#2', '/stack#3']);
    const recorded = mountKeys(parseMountinfo(fixture('mountinfo.ns-shared')));
    expect(recorded).toContain('/tmp/ovt/m');
    expect(recorded).toContain('/tmp/ovt/m#2');
    expect(new Set(recorded).size).toBe(recorded.length);
  });

  it('finds the mounts a new mount namespace has and the host does not', () => {
    const host = parseMountinfo(fixture('mountinfo.host'));
    const inside = parseMountinfo(fixture('mountinfo.mount-proc'));
    // every mount was copied with a new id, and unshare --mount-proc stacked a new /proc
    expect(inside.map((m) => m.id).some((id) => host.some((h) => h.id === id && h.mountPoint !== '/proc'))).toBe(false);
    const fresh = mountsNotInHost(inside, host);
    expect(fresh).toHaveLength(1);
    expect(fresh[0]).toMatchObject({ mountPoint: '/proc', fsType: 'proc', minor: 40, options: 'rw,nosuid,nodev,noexec,relatime' });
    expect(mountsNotInHost(host, host)).toEqual([]);
    const rows = mountRows(inside, new Set(fresh));
    expect(rows.find((r) => r.key === '/proc#2')!.cells.origin).toBe(words.mountNew);
    expect(rows.find((r) => r.key === '/proc')!.cells.origin).toBe(words.mountFromHost);
  });

  it('refuses a malformed line', () => {
    expect(() => parseMountinfo('1 2 3')).toThrow(/malformed/);
  });
});

describe('overlay options', () => {
  it('reads layers from a recorded overlay mount', () => {
    const overlays = overlayMounts(parseMountinfo(fixture('mountinfo.ns-shared')));
    expect(overlays).toEqual([
      { mountPoint: '/tmp/ovt/m', lower: ['/tmp/ovt/l1', '/tmp/ovt/l2'], data: [], upper: '/tmp/ovt/u', work: '/tmp/ovt/w' },
    ]);
  });

  it('splits lowerdir as old and new kernels print it', () => {
    const mounts = parseMountinfo(fixture('mountinfo.handmade'));
    const o = Object.fromEntries(overlayMounts(mounts).map((x) => [x.mountPoint, x]));
    // the mounter's own string: "\:" is a colon in a path, "\\" a backslash, "::" data layers
    expect(o['/merged']).toEqual({ mountPoint: '/merged', lower: ['/l/a:b', '/l/c\\d'], data: ['/data/one'], upper: '/u p', work: '/w,k' });
    // 6.5: each path escaped, ':' as \072
    expect(o['/merged65']).toMatchObject({ lower: ['/l/x:y', '/l/z'], data: ['/d1', '/d2'], upper: '/u2' });
    // lowerdir+= / datadir+= (fsconfig API)
    expect(o['/mergednew']).toMatchObject({ lower: ['/l/p:q', '/l/r'], data: ['/d/s'], upper: '/u3', work: '/w3' });
    // read-only overlay: no upper
    expect(o['/ro']).toEqual({ mountPoint: '/ro', lower: ['/l/one', '/l/two'], data: [] });
  });

  it('splitLowerdir edge cases', () => {
    expect(splitLowerdir('/a')).toEqual({ lower: ['/a'], data: [] });
    expect(splitLowerdir('/a:/b:/c')).toEqual({ lower: ['/a', '/b', '/c'], data: [] });
    expect(splitLowerdir('/a\\040b')).toEqual({ lower: ['/a b'], data: [] });
    expect(parseOverlayOptions('rw,upperdir=/x', '/m')).toEqual({ mountPoint: '/m', lower: [], data: [], upper: '/x' });
  });
});

describe('ns', () => {
  it('reads the inode from a namespace link', () => {
    expect(parseNsLink('mnt:[4026531832]')).toBe('4026531832');
    expect(() => parseNsLink('garbage')).toThrow();
  });

  it('marks each namespace new or shared with host', () => {
    const host = { cgroup: '1', ipc: '2', mnt: '3', net: '4', pid: '5', pid_for_children: '5', time: '6', time_for_children: '6', user: '7', uts: '8' };
    const target = { ...host, ipc: '12', mnt: '13', pid: '15', pid_for_children: '15', uts: '18' };
    const { rows, notes } = nsRows(target, host);
    expect(rows.map((r) => r.key)).toEqual(['cgroup', 'ipc', 'mnt', 'net', 'pid', 'time', 'user', 'uts']);
    const state = Object.fromEntries(rows.map((r) => [r.key, r.cells.state]));
    expect(state).toMatchObject({ uts: words.nsNew, ipc: words.nsNew, mnt: words.nsNew, pid: words.nsNew, net: words.nsShared, user: words.nsShared });
    expect(rows.find((r) => r.key === 'mnt')!.cells).toEqual({ type: 'mnt', inode: '13', host: '3', state: words.nsNew });
    expect(notes).toEqual([]);
  });

  it('notes pid_for_children only when it differs', () => {
    const host = { pid: '5', pid_for_children: '5' };
    const { notes } = nsRows({ pid: '5', pid_for_children: '99' }, host);
    expect(notes).toHaveLength(1);
    expect(notes[0]).toContain('99');
    expect(nsRows({ pid: '5' }, host).rows.map((r) => r.key)).toEqual(['pid']);
    expect(nsRows({ pid: '5' }, host).notes).toEqual([words.pidForChildrenPending]);
    expect(nsRows({ pid: '5', pid_for_children: '5' }, host).notes).toEqual([]);
  });
});

describe('proc', () => {
  it('parses status, stat (a comm with spaces and parentheses) and cmdline', () => {
    const status = parseStatus(fixture('status.docker'));
    expect(status.Name).toBe('sh');
    expect(status.NSpid).toBe('4242\t1');
    expect(parseStartTime(fixture('stat.odd-comm'))).toBe('987654');
    expect(parseCmdline('sleep\u000030\u0000')).toEqual(['sleep', '30']);
    expect(parseCmdline('')).toEqual([]);
    const p = procInfoFrom(4242, fixture('status.docker'), fixture('stat.odd-comm'), 'sh\u0000-c\u0000sleep 30\u0000');
    expect(p).toEqual({ hostPid: 4242, nspid: [4242, 1], ppid: 4200, comm: 'sh', argv: ['sh', '-c', 'sleep 30'], state: 'S (sleeping)', start: '987654' });
  });

  it('reads a recorded status of this machine', () => {
    const p = procInfoFrom(1, fixture('status.host'), '1 (cat) R 0 1 1 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 5 0', '');
    expect(p.nspid.length).toBeGreaterThanOrEqual(1);
    expect(p.comm).toBe('cat');
    expect(p.start).toBe('5');
  });

  const proc = (hostPid: number, inside: number, ppid: number, argv: string[], comm = argv[0] ?? 'x'): ProcInfo => ({
    hostPid,
    nspid: [hostPid, inside],
    ppid,
    comm,
    argv,
    state: 'S (sleeping)',
    start: String(1000 + hostPid),
  });

  it('orders rows as a tree, pids inside, ppid as seen inside', () => {
    const procs = [
      proc(5003, 3, 5001, ['sleep', '10']),
      proc(5001, 1, 4000, ['sh']),
      proc(5007, 7, 5002, [], 'zombie'),
      proc(5002, 2, 5001, ['sh', '-c', 'x']),
    ];
    const rows = procRows(procs);
    expect(rows.map((r) => r.cells.pid)).toEqual(['1', '2', '7', '3']);
    expect(rows.map((r) => r.cells.ppid)).toEqual(['0', '1', '2', '1']);
    expect(rows.map((r) => r.cells.command)).toEqual(['sh', '  sh -c x', '    [zombie]', '  sleep 10']);
    expect(rows[0]!.key).toBe('1@6001');
    expect(rows[0]!.cells.hostPid).toBe('5001');
  });

  it('descendants: the subtree of one process', () => {
    const procs = [proc(10, 10, 1, ['a']), proc(11, 11, 10, ['b']), proc(12, 12, 11, ['c']), proc(13, 13, 1, ['d'])];
    expect(descendants(procs, 10).map((p) => p.hostPid)).toEqual([10, 11, 12]);
  });
});

describe('ids', () => {
  it('has the whole capability table', () => {
    expect(CAPABILITIES).toHaveLength(41);
    expect(CAPABILITIES[0]).toBe('CAP_CHOWN');
    expect(CAPABILITIES[21]).toBe('CAP_SYS_ADMIN');
    expect(CAPABILITIES[40]).toBe('CAP_CHECKPOINT_RESTORE');
  });

  it("decodes docker's default capability set", () => {
    expect(capBits('00000000a80425fb')).toEqual([0, 1, 3, 4, 5, 6, 7, 8, 10, 13, 18, 27, 29, 31]);
    expect(decodeCaps('00000000a80425fb').join(' ')).toBe(
      'chown dac_override fowner fsetid kill setgid setuid setpcap net_bind_service net_raw sys_chroot mknod audit_write setfcap',
    );
    expect(describeCaps('00000000a80425fb')).toBe(decodeCaps('00000000a80425fb').join(' '));
  });

  it('says all, none, or all except', () => {
    expect(describeCaps('000001ffffffffff')).toBe(words.idsCapsAll);
    expect(describeCaps('0000000000000000')).toBe(words.idsCapsNone);
    expect(describeCaps('000001fffeffffff')).toBe(words.idsCapsAllExcept('sys_resource'));
    // on a kernel whose last capability is 37, 0x3fffffffff is full
    expect(describeCaps('0000003fffffffff', 37)).toBe(words.idsCapsAll);
  });

  it('reads id maps', () => {
    expect(parseIdMap(fixture('uid_map.host'))).toEqual([{ inside: 0, outside: 0, count: 4294967295 }]);
    expect(idMapRows('uid_map', fixture('uid_map.host'))[0]!.cells.meaning).toBe(words.idsMapIdentity);
    const rows = idMapRows('gid_map', '         0     100000      65536\n      65536    1000000          1\n');
    expect(rows.map((r) => [r.key, r.cells.value])).toEqual([
      ['gid_map:1', '0 100000 65536'],
      ['gid_map:2', '65536 1000000 1'],
    ]);
    expect(rows[0]!.cells.meaning).toBe(words.idsMapRange('0-65535', '100000-165535'));
    expect(idMapRows('uid_map', '')).toEqual([
      { key: 'uid_map:1', cells: { item: 'uid_map', value: words.idsMapEmpty, meaning: words.idsMapEmptyMeaning } },
    ]);
  });

  it('builds the ids view of a docker-like process', () => {
    const rows = idsRows({ status: fixture('status.docker'), uidMap: fixture('uid_map.host'), gidMap: fixture('gid_map.host'), setgroups: 'allow\n' });
    const v = Object.fromEntries(rows.map((r) => [r.key, r.cells]));
    expect(Object.keys(v)).toEqual(['uid_map:1', 'gid_map:1', 'setgroups', 'uid', 'gid', 'groups', 'capeff', 'capbnd', 'nonewprivs', 'seccomp']);
    expect(v.capeff).toEqual({ item: 'CapEff', value: '00000000a80425fb', meaning: decodeCaps('00000000a80425fb').join(' ') });
    expect(v.uid!.value).toBe('0 0 0 0');
    expect(v.groups!.value).toBe('0 1 2 3 4 6 10 11 20 26 27');
    expect(v.nonewprivs!.value).toBe('1');
    expect(v.seccomp).toMatchObject({ value: '2', meaning: `${words.idsSeccomp['2']}, ${words.idsSeccompFilters('1')}` });
  });

  it('builds the ids view of a recorded user namespace (unshare --user --map-root-user)', () => {
    const rows = idsRows({
      status: fixture('status.userns'),
      uidMap: fixture('uid_map.userns'),
      gidMap: fixture('gid_map.userns'),
      setgroups: fixture('setgroups.userns'),
      lastCap: 40,
    });
    const v = Object.fromEntries(rows.map((r) => [r.key, r.cells]));
    expect(v['uid_map:1']!.value).toBe('0 0 1');
    expect(v.setgroups!.value).toBe('deny');
    expect(v.capeff!.meaning).toBe(words.idsCapsAll);
    expect(v.capbnd!.meaning).toBe(words.idsCapsAll);
    expect(v.seccomp!.meaning).toBe(words.idsSeccomp['0']);
  });
});

describe('uts', () => {
  it('compares inside and host', () => {
    const rows = utsRows({ hostname: 'box', domainname: '(none)' }, { hostname: 'vm', domainname: '(none)' });
    expect(rows).toEqual([
      { key: 'hostname', cells: { field: words.utsHostname, inside: 'box', host: 'vm', state: words.utsDiffers } },
      { key: 'domainname', cells: { field: words.utsDomainname, inside: '(none)', host: '(none)', state: words.utsSame } },
    ]);
  });

  it('parses what boxcore probe prints', () => {
    const out = parseEnterOutput(
      JSON.stringify({ uts: { hostname: 'box', domainname: '(none)' }, ipc: { msg: fixture('sysvipc-msg'), sem: '', shm: '' } }),
    );
    expect(out.uts).toEqual({ hostname: 'box', domainname: '(none)' });
    expect(out.ipc!.msg).toBe(fixture('sysvipc-msg'));
    expect(parseEnterOutput('{"uts":{"hostname":"x","domainname":"y"}}').ipc).toBeUndefined();
    expect(() => parseEnterOutput('{"ok":false,"error":{"kind":"syscall","message":"setns failed"}}')).toThrow('setns failed');
  });
});

describe('ipc', () => {
  const tables = { msg: fixture('sysvipc-msg'), sem: fixture('sysvipc-sem'), shm: fixture('sysvipc-shm') };

  it('parses the recorded /proc/sysvipc tables by their header', () => {
    const msg = parseSysvipc(tables.msg);
    expect(msg).toHaveLength(2);
    expect(msg[0]).toMatchObject({ key: '1885231226', msqid: '0', perms: '644', qnum: '0', cbytes: '0', uid: '0' });
    expect(msg[1]).toMatchObject({ key: '-1556683618', msqid: '1', perms: '600' });
    expect(parseSysvipc(fixture('sysvipc-msg.empty'))).toEqual([]);
    expect(parseSysvipc(tables.shm)[0]).toMatchObject({ shmid: '0', size: '4096', nattch: '0', swap: '0' });
  });

  it('keys rows by kind, key (hex, as ipcs) and id', () => {
    expect(ipcKeyHex('1885231226')).toBe('0x705e587a');
    expect(ipcKeyHex('-1556683618')).toBe('0xa336e49e');
    expect(ipcKeyHex('0')).toBe('0x00000000');
    const rows = ipcRows(tables);
    expect(rows.map((r) => r.key)).toEqual(['msg:0x705e587a:0', 'msg:0xa336e49e:1', 'sem:0x2b755326:0', 'shm:0x8027fc2d:0']);
    expect(rows[0]!.cells).toEqual({
      kind: words.ipcKinds.msg,
      key: '0x705e587a',
      id: '0',
      perms: '644',
      uid: '0',
      detail: words.ipcMsgDetail('0', '0'),
    });
    expect(rows[2]!.cells.detail).toBe(words.ipcSemDetail('3'));
    expect(rows[3]!.cells.detail).toBe(words.ipcShmDetail('4096', '0'));
    expect(ipcCounts(tables)).toEqual({ msg: 2, sem: 1, shm: 1 });
    expect(ipcRows({ msg: fixture('sysvipc-msg.empty'), sem: fixture('sysvipc-sem.empty'), shm: fixture('sysvipc-shm.empty') })).toEqual([]);
  });
});
