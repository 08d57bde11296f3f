// 内核状态视图（src/kernel）里人读到的每一个词：标题、列名、探测器选定的单元格取值
// （“新建”“与宿主机共用”）、备注。原样取自内核的值（路径、十六进制掩码、名字）保持不变。
import type { Catalogs } from '../en/index.ts';
import { kernel as en } from '../en/kernel.ts';

export const kernel: Catalogs['kernel'] = {
  titles: {
    ns: '命名空间',
    proc: '进程',
    ids: '身份：用户、组、能力',
    uts: '主机名（UTS 命名空间）',
    mounts: '挂载',
    fs: 'overlay 文件系统的改动',
    ipc: 'System V IPC 对象',
    net: '网络：链路、地址、路由、NAT',
    cgroup: '控制组：限制、用量、事件',
  },

  columns: {
    type: '类型',
    inode: 'INODE',
    host: '宿主机',
    state: '状态',
    pid: 'PID',
    hostPid: '宿主机 PID',
    ppid: 'PPID',
    command: '命令',
    item: '项目',
    value: '值',
    meaning: '含义',
    field: '字段',
    inside: '容器内',
    target: '挂载点',
    fstype: '文件系统',
    source: '来源',
    options: '选项',
    propagation: '传播',
    origin: '出处',
    super: '超级块选项',
    change: '改动',
    path: '路径',
    kind: '种类',
    mark: '标记',
    key: '键',
    id: 'ID',
    perms: '权限',
    uid: 'UID',
    detail: '详情',
    netns: '网络命名空间',
    name: '名称',
    master: '主设备',
    peer: '对端',
    file: '文件',
  },

  // ns
  nsNew: '新建',
  nsShared: '与宿主机共用',
  nsMissing: '这个内核不支持',
  pidForChildren: (own: string, children: string) =>
    `pid_for_children 是 ${children}，而不是 ${own}：这个进程的子进程将处在另一个 PID 命名空间（unshare --pid 而没有 --fork，或 setns）`,
  pidForChildrenPending:
    'pid_for_children 读不出来：一个新的 PID 命名空间正在等待它的第一个进程（unshare --pid 而没有 --fork）；这个进程 fork 出的下一个子进程将成为它的 PID 1',
  timeForChildren: (own: string, children: string) =>
    `time_for_children 是 ${children}，而不是 ${own}：这个进程的子进程将处在另一个时间命名空间`,
  procSharedHost: (pid: number) =>
    `pid ${pid} 共用宿主机的 PID 命名空间：只显示它和它的后代`,
  procInaccessible: (n: number) => `有 ${n} 个进程读不出来，未显示`,

  // ids
  idsMapEmpty: '（空）',
  idsMapEmptyMeaning: '还没有映射：id 显示为溢出 id 65534（nobody）',
  idsMapIdentity: '所有 id 都映射到自身（初始用户命名空间）',
  idsMapRange: (inside: string, outside: string) => `容器内 ${inside} = 容器外 ${outside}`,
  idsSetgroups: {
    allow: '允许 setgroups(2)',
    deny: '禁止 setgroups(2)（非特权写入 gid_map 之前必须如此）',
  },
  idsUidGid: '实际 有效 保存 文件系统',
  idsGroupsNone: '（无）',
  idsCapsAll: '全部',
  idsCapsNone: '无',
  idsCapsAllExcept: (names: string) => `除 ${names} 外全部`,
  idsNoNewPrivs: { '0': '关：exec 可能获得特权（setuid、文件能力）', '1': '开：exec 永远不能获得特权' },
  idsSeccomp: { '0': '禁用', '1': '严格模式（strict）', '2': '过滤器（filter）' },
  idsSeccompFilters: (n: string) => `${n} 个过滤器`,
  idsItems: en.idsItems, // the kernel's own names (/proc/PID/status), in every language

  // uts
  utsHostname: 'hostname',
  utsDomainname: 'domainname',
  utsSame: '与宿主机相同',
  utsDiffers: '与宿主机不同',
  utsShared: '共用宿主机的 UTS 命名空间',

  // mounts
  mountNew: '新挂载',
  mountFromHost: '宿主机也有',
  mountsShared: '共用宿主机的挂载命名空间',
  mountsCount: (all: number, fresh: number) => `${all} 个挂载，其中 ${fresh} 个不在宿主机的挂载命名空间里`,
  propagationPrivate: 'private',

  // fs
  fsNoOverlay: '这个挂载命名空间里没有 overlay 挂载',
  fsNoUpper: (target: string) => `${target} 上的 overlay 没有上层：只读，什么也改不了`,
  fsLayerKinds: {
    merged: () => '合并视图（merged）：挂载出来的 overlay',
    upper: () => '上层（upperdir，可写）',
    work: () => '工作目录（workdir，overlayfs 的暂存区）',
    lower: (i: number, n: number) => (n > 1 ? `下层 ${i + 1}/${n}（lowerdir，只读${i === 0 ? '，最上面' : ''}）` : '下层（lowerdir，只读）'),
  },
  fsLayerMissing: (path: string) =>
    `找不到层 ${path}（路径是挂载者当时看到的样子，在任何 pivot_root 之前）`,
  fsLimit: (n: number) => `读到 ${n} 项后停止`,
  fsOpaqueUnknown:
    '这里无法识别不透明目录（Node 读不了 xattr，合并视图目录也不可读）',
  fsOpaqueInferred:
    '不透明目录是从合并视图推断出来的（下层条目被隐藏却没有 whiteout）',
  fsChange: { A: 'A', C: 'C', D: 'D' },
  fsKinds: {
    file: '文件',
    dir: '目录',
    symlink: '符号链接',
    whiteout: 'whiteout',
    other: '其他',
  },
  fsOpaque: '不透明',
  fsLowerMark: (n: number) => `在下层 ${n}`,
  fsEmpty: '上层没有任何改动',

  // ipc
  ipcKinds: { msg: '消息队列', sem: '信号量集', shm: '共享内存' },
  ipcMsgDetail: (qnum: string, bytes: string) => `${qnum} 条消息，${bytes} 字节`,
  ipcSemDetail: (nsems: string) => `${nsems} 个信号量`,
  ipcShmDetail: (size: string, nattch: string) => `${size} 字节，${nattch} 个附加`,
  ipcCounts: (where: string, msg: number, sem: number, shm: number) =>
    `${where}：${msg} 个消息队列，${sem} 个信号量集，${shm} 个共享内存段`,
  ipcInside: '容器内',
  ipcHost: '宿主机',
  ipcShared: '共用宿主机的 IPC 命名空间',

  // net
  netHost: '宿主机',
  netTarget: '容器',
  netKinds: { link: '链路', addr: '地址', route: '路由', nat: 'NAT' },
  netUp: 'up',
  netDown: 'down',
  netNoCarrier: 'up，无载波',
  netPeer: (name: string, where: string) => `${name}（${where}）`,
  netPeerElsewhere: (index: number) => `ifindex ${index}，在未显示的命名空间里`,
  netVxlan: (id: string, local: string, remote: string, port: string, dev: string) =>
    [`vni ${id}`, local && `local ${local}`, remote && `remote ${remote}`, port && `port ${port}`, dev && `dev ${dev}`].filter(Boolean).join(' '),
  netShared: '共用宿主机的网络命名空间',
  netHidden: 'IPv6 链路本地地址和路由（fe80::/64）未显示',

  // cgroup
  cgroupKinds: { group: '组', limit: '限制', usage: '用量', event: '事件', state: '状态', procs: '进程', pressure: '压力' },
  cgroupMeanings: {
    unlimited: '无上限',
    cpus: (n: number) => `${Number(n.toFixed(2))} 个 CPU`,
    keys: {
      'memory.events:high': '用量超过 memory.high 的次数（被限流）',
      'memory.events:max': '用量碰到 memory.max 的次数',
      'memory.events:oom': '组内内存耗尽的次数',
      'memory.events:oom_kill': '被 OOM killer 杀死的进程数',
      'memory.oom_control:under_oom': '1：此刻内存耗尽',
      'memory.oom_control:oom_kill': '被 OOM killer 杀死的进程数',
      'cpu.stat:usage_usec': '已用 CPU 时间，微秒',
      'cpu.stat:nr_throttled': '配额用完的周期数',
      'cpu.stat:throttled_usec': '被配额压住的时间，微秒',
      'cpu.stat:throttled_time': '被配额压住的时间，纳秒',
      'pids.events:max': '在 pids.max 处被拒绝的 fork 次数（EAGAIN）',
      'cgroup.events:populated': '1：组内（或其下）有进程',
      'cgroup.events:frozen': '1：每个进程都停住了',
      'blkio.throttle.io_service_bytes:Total': 'I/O 字节数',
    },
    files: {
      'cpu.weight': '相对 CPU 权重（默认 100）',
      'cpu.shares': '相对 CPU 权重（默认 1024）',
      'cpu.cfs_period_us': '周期，微秒',
      'cpuacct.usage': '已用 CPU 时间，纳秒',
      'memory.failcnt': '用量碰到上限的次数',
      'cgroup.freeze': '1：已冻结',
      'freezer.state': 'THAWED、FREEZING 或 FROZEN',
    },
  },
  cgroupProcs: (n: number) => `组内有 ${n} 个进程`,
  cgroupPressure: '最近 10 秒内部分 / 全部任务停滞的比例（PSI）',
  cgroupNone: '没有挂载任何包含课程所用控制器的 cgroup 树',
  cgroupNotOwn: '不在自己的组里：它和创建它的进程同在那些组中（加上资源选项运行，或克隆时加上 cgroup）',

  // any probe
  badNsLink: (link: string) => `意外的命名空间链接：${link}`,
  badMountinfo: (line: string) => `格式错误的 mountinfo 行：${line}`,
  readerGaveNothing: (what: 'uts' | 'ipc') => `命名空间读取器没有返回${what === 'uts' ? ' uts 名字' : ' ipc 表'}`,
  commandFailed: (command: string, why: string) => `${command}：${why}`,
  targetGone: (pid: number) => `进程 ${pid} 不存在`,
  targetZombie: (pid: number) => `进程 ${pid} 已经退出（是僵尸进程，尚未被回收）：它的命名空间已经不在了`,

  // enter / snapshot / render
  readVia: (how: string) => `通过 ${how} 读取`,
  probeFailed: (view: string, message: string) => `无法读取 ${view}：${message}`,
  noRows: '（无）',
  note: '注',
  diffSummary: (added: number, removed: number, changed: number) =>
    [added ? `新增 ${added}` : '', removed ? `删除 ${removed}` : '', changed ? `改变 ${changed}` : '']
      .filter(Boolean)
      .join('，') || '无变化',
  arrow: ' -> ',
};
