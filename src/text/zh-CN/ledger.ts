// 宿主机安全代码（src/ledger）说的每一句话：台账（ledger）列了什么，为什么某个地方不可信、
// 怎样让它变得可信，以及实验室为什么拒绝删除或写入台账里的某样东西。
import type { Catalogs } from '../en/index.ts';

export const ledger: Catalogs['ledger'] = {
  entry: {
    dir: (path: string, user?: number) => `目录 ${path}${user ? `（其中属于 uid ${user}）` : ''}`,
    process: (pid: number) => `进程 ${pid}`,
    mount: (path: string) => `挂载 ${path}`,
    cgroup: (path: string) => `控制组 ${path}`,
    loop: (file: string) => `${file} 的 loop 设备`,
    link: (name: string, netns?: string) => `链路 ${name}${netns ? `（在网络命名空间 ${netns} 中）` : ''}`,
    netns: (name: string) => `网络命名空间 ${name}`,
    sysctl: (path: string, restore: string) => `sysctl ${path}（恢复为 ${restore}）`,
    netShare: (holder: string) => `宿主机网桥网络（bl0、ip_forward、一个地址）的一份引用，由 ${holder} 持有`,
    oci: (name: string, root: string) => `boxcore 的容器 ${name}（${root}）`,
    ociRoot: (path: string) => `OCI 状态根目录 ${path} 及其中的每个容器`,
    nat: (table: string, tool?: string, netns?: string) => `NAT 表 ${table}${tool ? `（${tool}）` : ''}${netns ? `（在网络命名空间 ${netns} 中）` : ''}`,
    apparmor: (name: string) => `AppArmor 配置文件 ${name}`,
  },

  distrust: {
    missing: (path: string) => `${path} 不存在`,
    link: (path: string) => `${path} 是符号链接`,
    notDir: (path: string) => `${path} 不是目录`,
    notFile: (path: string) => `${path} 不是普通文件`,
    notPlain: (path: string) => `${path} 不是规范的绝对路径（不能有 .、..、// 或结尾的 /）`,
    owner: (path: string, uid: number, me: number) => `${path} 属于 uid ${uid}，不属于你（uid ${me}）${me === 0 ? '' : '或 root'}`,
    writable: (path: string, mode: string, othersWrite: boolean) => `${path} 的权限是 ${mode}：${othersWrite ? '其他人可以写' : '其他人可以读'}`,
  },
  trustFix: {
    owner: (path: string) => `如果是陌生人创建的就删除它（sudo rm -rf ${path}），或者选一个你自己的目录`,
    othersWrite: (path: string) => `chmod go-w ${path}`,
    othersRead: (path: string) => `chmod 700 ${path}`,
    link: (path: string) => `给出真实路径（realpath ${path}）`,
    other: '选一个你自己的目录',
  },
  stateRoot: (root: string, why: string, fix: string) =>
    `不会在 ${root} 保存台账（崩溃之后要删除哪些东西的清单）：${why}，` +
    `这样别的用户就能伪造 boxlab 要删除的东西。${fix}；或者把 BOXLAB_STATE_DIR 设为你自己的、权限为 0700 的目录。`,
  ledgerWrite: (file: string, code: string, message: string) =>
    `无法写入台账 ${file}：${code === 'ENOSPC' ? '设备上没有空间了' : message}。boxlab 在创建任何东西之前都先把它记下来，所以什么也没有创建。` +
    '请在那里腾出空间，或者把 BOXLAB_STATE_DIR 设为另一个文件系统上的目录。',
  ledgerFile: (file: string, why: string) => `未处理：台账 ${file}，因为 ${why}；如果你了解它，请手动删除`,
  ledgerTooBig: (file: string, max: number) => `未处理：台账 ${file} 超过 ${max >> 20} MiB，没有哪个 boxlab 会写这么大；如果你了解它，请手动删除`,
  rootfsPlace: (dir: string, why: string) =>
    `boxlab 不会在 ${dir} 构建根文件系统：${why}，而 root 只在别人无法写入的地方构建。` +
    '请在 root 拥有的目录里构建（默认是 /var/cache/boxlab/rootfs），或者以该目录所有者的身份运行 boxlab rootfs。',
  lessonsUntrusted: (root: string, asRoot: boolean) =>
    `${root} 中的课程不是内置课程，而一课会${asRoot ? '以 root 身份' : '以你的身份'}运行它的命令。` +
    `如果你信任它们，请明确说出来：--trust ${root}`,
  lessonsDistrusted: (root: string, why: string, fix: string) =>
    `运行 ${root} 中的课程并不安全：${why}，所以除了你和 root 之外还有人能改动它们运行的东西。` +
    `课程文件、它们所在的目录以及上层目录都必须属于你或 root，并且其他人不可写：${fix}。`,
  lessonsFix: {
    writable: (path: string) => `chmod go-w ${path}`,
    owner: (who: string, path: string) => `chown ${who} ${path}，或者把课程复制到你自己的地方`,
    other: '把它们复制到你自己的地方',
  },

  // refusals (resources.ts)
  names: { link: '链路', netns: '网络命名空间', nat: 'NAT 表', apparmor: 'AppArmor 配置文件', container: '容器' },
  refuseRemove: (what: string, why: string) => `拒绝删除 ${what}：${why}`,
  notPlainPath: '不是规范的绝对路径（不能有 .、..、// 或结尾的 /）',
  notPlainPathShort: '不是规范的绝对路径',
  outsideBase: (base: string) => `在 ${base} 之外，而实验室把它创建的东西都放在那里`,
  notBlPath: '不是实验室创建的 bl- 路径',
  notUid: (user: string) => `不是 uid：${user}`,
  rootfsOutside: (path: string) => `一次在状态根目录之外、并且不只属于 root 或你的目录中进行的根文件系统构建（${path}）`,
  notBlName: (what: string, name: string) => `拒绝删除${what} ${name}：不是实验室起的 bl- 名字`,
  notNetSysctl: (value: string, path: string) => `拒绝把 ${value} 写入 ${path}：实验室只恢复 /proc/sys/net 下的网络 sysctl`,
  notKillable: (pid: number) => `拒绝杀死 pid ${pid}`,
  startedBefore: (pid: number) => `拒绝杀死 pid ${pid}：它比记下它的那个 boxlab 启动得还早`,
  badHolder: (holder: string) => `拒绝名为 ${holder} 的网桥引用持有者：不是 PID-START-N 的形式`,
  ociRootNotOurs: (path: string) => `它的状态根目录不只属于 root 或你（${path}）`,
  unknownKind: (kind: string) => `拒绝一个未知种类 ${kind} 的条目`,

  leftBehind: (reasons: string[]) => `无法删除它创建的东西：${reasons.join('；')}（仍记在台账中：boxlab cleanup 会再试一次）`,

  // the host's shared bridge network (host-net.ts)
  lockTimeout: (lock: string, seconds: number) => `${seconds} 秒内没能拿到锁 ${lock}：另一个 boxlab 持有它（flock(1) 属于 util-linux）`,
  lockReplaced: (lock: string) => `锁 ${lock} 不断被替换：是不是有别的程序在删除它？`,
};
