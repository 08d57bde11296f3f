// Every word a person reads in a kernel state view (src/kernel): titles, column
// headers, cell values the probes choose ("new", "shared with host"), notes. Cell values
// taken verbatim from the kernel (paths, hex masks, names) stay as they are.

export const kernel = {
  /** One per view (src/kernel/types.ts VIEW_NAMES; snapshot.ts checks there is one for each). */
  titles: {
    ns: 'Namespaces',
    proc: 'Processes',
    ids: 'Identity: users, groups, capabilities',
    uts: 'Hostname (uts namespace)',
    mounts: 'Mounts',
    fs: 'Overlay filesystem changes',
    ipc: 'System V IPC objects',
    net: 'Network: links, addresses, routes, NAT',
    cgroup: 'Control groups: limits, usage, events',
  },

  /** Column headers, by cell name. A cell name missing here is shown as it is. */
  columns: {
    type: 'TYPE',
    inode: 'INODE',
    host: 'HOST',
    state: 'STATE',
    pid: 'PID',
    hostPid: 'HOST PID',
    ppid: 'PPID',
    command: 'COMMAND',
    item: 'ITEM',
    value: 'VALUE',
    meaning: 'MEANING',
    field: 'FIELD',
    inside: 'INSIDE',
    target: 'TARGET',
    fstype: 'FSTYPE',
    source: 'SOURCE',
    options: 'OPTIONS',
    propagation: 'PROPAGATION',
    origin: 'ORIGIN',
    super: 'SUPER OPTIONS',
    change: 'CHANGE',
    path: 'PATH',
    kind: 'KIND',
    mark: 'MARK',
    key: 'KEY',
    id: 'ID',
    perms: 'PERMS',
    uid: 'UID',
    detail: 'DETAIL',
    netns: 'NETNS',
    name: 'NAME',
    master: 'MASTER',
    peer: 'PEER',
    file: 'FILE',
  } as Record<string, string>,

  // ns
  nsNew: 'new',
  nsShared: 'shared with host',
  nsMissing: 'not supported by this kernel',
  pidForChildren: (own: string, children: string) =>
    `pid_for_children is ${children}, not ${own}: children of this process will be in another pid namespace (unshare --pid without --fork, or setns)`,
  pidForChildrenPending:
    'pid_for_children cannot be read: a new pid namespace is waiting for its first process (unshare --pid without --fork); the next child this process forks will be its PID 1',
  timeForChildren: (own: string, children: string) =>
    `time_for_children is ${children}, not ${own}: children of this process will be in another time namespace`,

  // proc
  procSharedHost: (pid: number) =>
    `pid ${pid} shares the host's pid namespace: showing it and its descendants only`,
  procInaccessible: (n: number) => `${n} processes could not be read and are not shown`,

  // ids
  idsMapEmpty: '(empty)',
  idsMapEmptyMeaning: 'no mapping yet: ids show as the overflow id 65534 (nobody)',
  idsMapIdentity: 'all ids map to themselves (the initial user namespace)',
  idsMapRange: (inside: string, outside: string) => `inside ${inside} = outside ${outside}`,
  idsSetgroups: {
    allow: 'setgroups(2) allowed',
    deny: 'setgroups(2) denied (needed before an unprivileged gid_map)',
  } as Record<string, string>,
  idsUidGid: 'real effective saved filesystem',
  idsGroupsNone: '(none)',
  idsCapsAll: 'all',
  idsCapsNone: 'none',
  idsCapsAllExcept: (names: string) => `all except ${names}`,
  idsNoNewPrivs: { '0': 'off: exec may gain privileges (setuid, file caps)', '1': 'on: exec can never gain privileges' } as Record<string, string>,
  idsSeccomp: { '0': 'disabled', '1': 'strict', '2': 'filter' } as Record<string, string>,
  idsSeccompFilters: (n: string) => `${n} filter(s)`,
  idsItems: {
    setgroups: 'setgroups',
    uid: 'uid',
    gid: 'gid',
    groups: 'groups',
    capeff: 'CapEff',
    capbnd: 'CapBnd',
    nonewprivs: 'NoNewPrivs',
    seccomp: 'Seccomp',
  } as Record<string, string>,

  // uts
  utsHostname: 'hostname',
  utsDomainname: 'domainname',
  utsSame: 'same as host',
  utsDiffers: 'differs from host',
  utsShared: "shares the host's uts namespace",

  // mounts
  mountNew: 'new',
  mountFromHost: 'also on host',
  mountsShared: "shares the host's mount namespace",
  mountsCount: (all: number, fresh: number) => `${all} mounts, ${fresh} not in the host's mount namespace`,
  propagationPrivate: 'private',

  // fs
  fsNoOverlay: 'no overlay mount in this mount namespace',
  fsNoUpper: (target: string) => `overlay on ${target} has no upper layer: read-only, nothing can change`,
  fsLayerKinds: {
    merged: () => 'merged: the overlay, as mounted',
    upper: () => 'upper layer (writable)',
    work: () => 'work dir (overlayfs scratch)',
    lower: (i: number, n: number) => (n > 1 ? `lower layer ${i + 1} of ${n} (read-only${i === 0 ? ', top' : ''})` : 'lower layer (read-only)'),
  } as Record<'merged' | 'upper' | 'work' | 'lower', (i: number, n: number) => string>,
  fsLayerMissing: (path: string) =>
    `layer ${path} not found (paths are as the mounter saw them, before any pivot_root)`,
  fsLimit: (n: number) => `stopped after ${n} entries`,
  fsOpaqueUnknown:
    'opaque directories cannot be detected here (Node cannot read xattrs and the merged directory was not readable)',
  fsOpaqueInferred:
    'opaque directories inferred from the merged view (lower entries hidden without a whiteout)',
  fsChange: { A: 'A', C: 'C', D: 'D' } as Record<string, string>,
  fsKinds: {
    file: 'file',
    dir: 'dir',
    symlink: 'symlink',
    whiteout: 'whiteout',
    other: 'other',
  } as Record<string, string>,
  fsOpaque: 'opaque',
  fsLowerMark: (n: number) => `in lower ${n}`,
  fsEmpty: 'no changes in the upper layer',

  // ipc
  ipcKinds: { msg: 'message queue', sem: 'semaphore set', shm: 'shared memory' } as Record<string, string>,
  ipcMsgDetail: (qnum: string, bytes: string) => `${qnum} messages, ${bytes} bytes`,
  ipcSemDetail: (nsems: string) => `${nsems} semaphores`,
  ipcShmDetail: (size: string, nattch: string) => `${size} bytes, ${nattch} attached`,
  ipcCounts: (where: string, msg: number, sem: number, shm: number) =>
    `${where}: ${msg} message queues, ${sem} semaphore sets, ${shm} shared memory segments`,
  ipcInside: 'inside',
  ipcHost: 'host',
  ipcShared: "shares the host's ipc namespace",

  // net
  netHost: 'host',
  netTarget: 'container',
  netKinds: { link: 'link', addr: 'addr', route: 'route', nat: 'nat' } as Record<string, string>,
  netUp: 'up',
  netDown: 'down',
  netNoCarrier: 'up, no carrier',
  netPeer: (name: string, where: string) => `${name} (${where})`,
  netPeerElsewhere: (index: number) => `ifindex ${index} in a namespace not shown`,
  netVxlan: (id: string, local: string, remote: string, port: string, dev: string) =>
    [`vni ${id}`, local && `local ${local}`, remote && `remote ${remote}`, port && `port ${port}`, dev && `dev ${dev}`].filter(Boolean).join(' '),
  netShared: "shares the host's network namespace",
  netHidden: 'IPv6 link-local addresses and routes (fe80::/64) are left out',

  // cgroup
  cgroupKinds: { group: 'group', limit: 'limit', usage: 'usage', event: 'event', state: 'state', procs: 'processes', pressure: 'pressure' },
  cgroupMeanings: {
    unlimited: 'no limit',
    cpus: (n: number) => `${Number(n.toFixed(2))} CPU`,
    keys: {
      'memory.events:high': 'times usage went over memory.high (throttled)',
      'memory.events:max': 'times usage hit memory.max',
      'memory.events:oom': 'times the group ran out of memory',
      'memory.events:oom_kill': 'processes killed by the OOM killer',
      'memory.oom_control:under_oom': '1: out of memory right now',
      'memory.oom_control:oom_kill': 'processes killed by the OOM killer',
      'cpu.stat:usage_usec': 'CPU time used, microseconds',
      'cpu.stat:nr_throttled': 'periods the quota ran out',
      'cpu.stat:throttled_usec': 'time held back by the quota, microseconds',
      'cpu.stat:throttled_time': 'time held back by the quota, nanoseconds',
      'pids.events:max': 'forks refused at pids.max (EAGAIN)',
      'cgroup.events:populated': '1: processes in it (or below)',
      'cgroup.events:frozen': '1: every process stopped',
      'blkio.throttle.io_service_bytes:Total': 'bytes of I/O',
    } as Record<string, string>,
    files: {
      'cpu.weight': 'relative CPU weight (default 100)',
      'cpu.shares': 'relative CPU weight (default 1024)',
      'cpu.cfs_period_us': 'period, microseconds',
      'cpuacct.usage': 'CPU time used, nanoseconds',
      'memory.failcnt': 'times usage hit the limit',
      'cgroup.freeze': '1: frozen',
      'freezer.state': 'THAWED, FREEZING or FROZEN',
    } as Record<string, string>,
  },
  cgroupProcs: (n: number) => `${n} process${n === 1 ? '' : 'es'} in the group`,
  cgroupPressure: 'share of the last 10 s that some / all tasks stalled (PSI)',
  cgroupNone: 'no cgroup tree with a controller the course uses is mounted',
  cgroupNotOwn: "not in a group of its own: it shares the groups of the process that made it (run with a resource flag, or clone with cgroup)",

  // any probe
  badNsLink: (link: string) => `unexpected namespace link: ${link}`,
  badMountinfo: (line: string) => `malformed mountinfo line: ${line}`,
  readerGaveNothing: (what: 'uts' | 'ipc') => `the namespace reader returned no ${what === 'uts' ? 'uts names' : 'ipc tables'}`,
  commandFailed: (command: string, why: string) => `${command}: ${why}`,
  targetGone: (pid: number) => `process ${pid} does not exist`,
  targetZombie: (pid: number) => `process ${pid} has exited (a zombie, not yet reaped): its namespaces are gone`,

  // enter / snapshot / render
  readVia: (how: string) => `read via ${how}`,
  probeFailed: (view: string, message: string) => `could not read ${view}: ${message}`,
  noRows: '(nothing)',
  note: 'note',
  diffSummary: (added: number, removed: number, changed: number) =>
    [added ? `${added} added` : '', removed ? `${removed} removed` : '', changed ? `${changed} changed` : '']
      .filter(Boolean)
      .join(', ') || 'no change',
  arrow: ' -> ',
};
