// 运行时（src/runtime：boxlab run、根文件系统、沙箱宿主机）说的每一句话：错误的选项
// 以及该怎么写，--explain 打印的内容，以及为什么在这里创建不了容器。
import type { Catalogs } from '../en/index.ts';

export const runtime: Catalogs['runtime'] = {
  // boxlab run's spec (container.ts)
  noRootfs: (dir: string) => `根文件系统 ${dir} 不是目录：用 'boxlab rootfs ${dir}' 构建一个，或者让 --rootfs 指向一个`,
  noCommand: '没有给出命令：boxlab run [OPTIONS] -- CMD [ARG...]',
  hostnameNeedsUts: '--hostname 需要 UTS 命名空间：在 --ns 中加上 uts',
  needsMnt: 'boxlab run 需要挂载命名空间（mnt），这样容器的挂载才永远碰不到宿主机',
  noVolumeSource: (source: string) => `宿主机上不存在数据卷来源 ${source}`,
  volumeNotAbsolute: (target: string) => `数据卷目标 ${target} 必须是容器内的绝对路径`,
  tmpfsNotAbsolute: (target: string) => `--tmpfs ${target} 必须是容器内的绝对路径`,
  badVolume: (text: string) => `-v ${text}：需要 SRC:DST 或 SRC:DST:ro`,
  rootfsNotOurs: (dir: string) => `${dir} 已存在，而且不是 boxlab 的根文件系统；请换一个目录或删除它`,
  noBusybox: '这台宿主机上没有静态 busybox（apt-get install busybox-static）',
  notSubnet: (subnet: string) => `不是 IPv4 子网：${subnet}`,
  rootfsNotBuilt: (dir: string, exists: boolean) =>
    `BOXLAB_ROOTFS=${dir} 不是 boxlab 的根文件系统${exists ? '' : '（它不存在）'}：用 boxlab rootfs ${dir} 在那里构建一个，或者取消 BOXLAB_ROOTFS 以使用缓存`,
  rootfsCannotWrite: (dir: string, code: string) =>
    `无法在 ${dir} 创建根文件系统（${code === 'EACCES' || code === 'EPERM' ? '权限不足' : code === 'EROFS' ? '只读文件系统' : code}）：用 boxlab rootfs DIR 在你能写的地方构建，再用 BOXLAB_ROOTFS=DIR 让 boxlab 指向它（或者设置 XDG_CACHE_HOME）`,

  net: {
    badPublish: (text: string) => `-p ${text}：需要 HOSTPORT:CTPORT 或 HOSTPORT:CTPORT/tcp|udp，端口 1-65535（例如 -p 8080:80）`,
    badMode: (mode: string) => `--net ${mode}：请选择 none、host、bridge，或一个网络的名字（字母、数字和 _ . -；boxlab network ls 会列出它们）`,
    publishNeedsBridge: '-p 需要 --net bridge（或 --net NETWORK，一个用户定义的网络）：只有网桥才有可发布的端口',
    bridgeNeedsRoot: '--net bridge 需要 root：它要在宿主机上添加网桥、NAT 规则和一个 sysctl（--user 做不到）',
    netNsConflict: (mode: string) => mode === 'host'
      ? '--net host 共用宿主机的网络：从 --ns 中去掉 net'
      : `--net ${mode} 需要网络命名空间：在 --ns 中加上 net`,
    samePortTwice: (port: number) => `-p：宿主机端口 ${port} 被发布了两次`,
    noFreeSubnet: '没有空闲的私有 /24：10.88.x、172.18-31.x 和 192.168.x 中的每个候选都与这台宿主机的某条路由冲突',
    bridgeWithoutAddress: (name: string) => `网桥 ${name} 存在但没有 IPv4 地址：它不是 boxlab 创建的，或者正在被拆除；请重试，或删除它（ip link del ${name}）`,
    subnetFull: (subnet: string) => `${subnet} 的每个地址都已租给正在运行的容器`,
    portInUse: (port: number) => `宿主机端口 ${port} 在 127.0.0.1 上已被占用：另一个程序（或另一个容器）在那里监听；请换一个 -p`,
    noNetwork: (name: string) => `--net ${name}：没有网络 ${name}（boxlab network ls 会列出它们；boxlab network create ${name} 创建它）`,
    bothNetFlags: '--net 和 --network 是同一个选项：只给一个',
  },

  /** user-defined networks (networks.ts) and their resolver */
  networks: {
    badName: (name: string) => `网络名 ${JSON.stringify(name)}：只能用字母、数字和 _ . -（以字母或数字开头），最多 64 个字符`,
    reservedName: (name: string) => `网络名 ${name}：${name} 是每台宿主机都有的网络之一（none、host、bridge）；请换一个`,
    badContainerName: (name: string) => `--name ${JSON.stringify(name)}：只能用字母、数字和 _ . -（以字母或数字开头），最多 63 个字符`,
    badOption: (opt: string, keys: string[]) => `--opt ${opt}：boxlab 认识 ${keys.map((k) => `${k}=true|false`).join(' 和 ')}（网络中的容器能否彼此通信）`,
    badSubnet: (subnet: string) => `--subnet ${subnet}：需要带前缀长度的 IPv4 子网，/8 到 /29（例如 10.89.0.0/24）`,
    notNetworkAddress: (subnet: string, network: string) => `--subnet ${subnet}：这个地址不是子网本身的地址（主机位不全为 0）：你是想写 ${network} 吗？`,
    overlap: (subnet: string, what: string) => `--subnet ${subnet} 与${what}重叠：它的容器将无法与那里已有的东西区分开；请换一个子网，或省略 --subnet，由 boxlab 挑一个空闲的`,
    takenByRoute: (cidr: string) => `宿主机到 ${cidr} 的路由`,
    takenByBridge: (bridge: string) => `${bridge} 的子网（boxlab run --net bridge）`,
    takenByNetwork: (name: string) => `网络 ${name}`,
    exists: (name: string) => `名为 ${name} 的网络已经存在（boxlab network inspect ${name}）`,
    noNetwork: (name: string) => `没有网络 ${name}（boxlab network ls 会列出它们）`,
    inUse: (name: string, on: string[]) => `网络 ${name} 上有 ${on.length} 个正在运行的容器（${on.join('、')}）：请先停止它们`,
    nameTaken: (name: string, network: string) => `--name ${name}：网络 ${network} 上已有一个正在运行的容器叫这个名字；请换一个`,
  },

  /** --device, --device-cgroup-rule and the device cgroup (devices.ts) */
  devices: {
    badDevice: (text: string) => `--device ${text}：需要 HOST[:CONTAINER][:PERMS]，例如 --device /dev/loop3 或 --device /dev/loop3:/dev/xvda:r`,
    badPerms: (text: string, perms: string) => `--device ${text}：权限 ${perms} 不是 r（读）、w（写）和 m（mknod）中的若干个`,
    notAbsolute: (text: string, host: string) => `--device ${text}：${host} 不是宿主机上设备节点的绝对路径`,
    notUnderDev: (text: string, container: string) =>
      `--device ${text}：${container} 必须是 /dev 下的规范路径（容器的 /dev 是一个新的 tmpfs，是 boxlab 唯一创建节点的地方）；例如 /dev/xvda`,
    badRule: (text: string) => `--device-cgroup-rule ${text}：需要 TYPE MAJOR:MINOR PERMS（TYPE 为 c 或 b，MAJOR 和 MINOR 为数字或 *，PERMS 为 rwm 中的若干个；例如 'b 7:* rwm'），或 a`,
    needsRoot: '--device 和 --device-cgroup-rule 需要 root：设备控制组是在宿主机上创建的，rootless（无需 root）容器没有设备控制组（请去掉 --user）',
    noSuchDevice: (host: string) => `--device ${host}：宿主机上没有这个文件（ls -l ${host}）`,
    notADevice: (host: string) => `--device ${host}：不是字符设备或块设备（对设备，ls -l ${host} 的第一个字符是 c 或 b）`,
    sameTargetTwice: (container: string) => `--device：容器中的 ${container} 给了两次`,
    noController: '这台机器的 cgroup v1 没有 devices 控制器（/proc/cgroups 中没有 devices 一行）：容器不受 Docker 设备列表的限制',
    explainTitle: '设备：先拒绝所有设备，再依次应用设备控制组的这些规则（v1 是 devices.allow，v2 是一个 BPF 程序）：',
    explainRule: (rule: string) => `  ${rule}`,
    explainNode: (host: string, container: string, perms: string) => `  节点 ${container}，照宿主机的 ${host} 创建（${perms}）`,
    explainRootless: '  无：rootless（无需 root）容器没有设备控制组；它的用户命名空间本就不允许它创建设备节点',
    explainUnreadable: '  （这里读不到某个 --device 节点）',
  },

  /** AppArmor and SELinux (apparmor.ts) */
  mac: {
    noAppArmor: (asked: string, lsms: string[] | undefined, selinux: boolean) =>
      `--security-opt apparmor=${asked}：这个内核没有运行 AppArmor（${lsms ? `启用的安全模块是 ${lsms.join(', ')}` : '/sys/module/apparmor/parameters/enabled 不是 Y'}）${selinux ? '；它运行的是 SELinux，靠标签而不是配置文件来约束' : ''}。` +
      '请用启用了 AppArmor 的内核启动（在内核命令行上加 apparmor=1 security=apparmor；Debian 的内核默认启用），或者去掉这个选项',
    noSecurityfs: (asked: string) =>
      `--security-opt apparmor=${asked}：AppArmor 已启用，但 securityfs 没有挂载，所以无法列出或加载配置文件：mount -t securityfs securityfs /sys/kernel/security`,
    notLoaded: (name: string) =>
      `--security-opt apparmor=${name}：没有加载这个名字的配置文件（cat /sys/kernel/security/apparmor/profiles 会列出它们）。用 apparmor_parser -r FILE 加载它，或者给出文件的路径：--security-opt apparmor=./FILE`,
    fileNeedsRoot: (path: string) => `--security-opt apparmor=${path}：加载配置文件需要 root（去掉 --user，或者指定一个已经加载的配置文件）`,
    noParser: (path: string) => `--security-opt apparmor=${path}：没有安装 apparmor_parser（apt-get install apparmor）`,
    noFile: (path: string) => `--security-opt apparmor=${path}：没有这个文件`,
    notAFile: (path: string) => `--security-opt apparmor=${path}：不是普通文件`,
    oneProfile: (path: string, names: string[]) =>
      `--security-opt apparmor=${path}：文件里必须恰好有一个配置文件，而它有 ${names.length} 个${names.length ? `（${names.join(', ')}）` : ''}`,
    notBlProfile: (path: string, name: string) =>
      `--security-opt apparmor=${path}：它的配置文件名为 ${name}；实验室只加载名为 bl-... 的配置文件（这样就绝不会替换宿主机的）：请改名，例如 profile bl-${name} { ... }`,
    alreadyLoaded: (path: string, name: string) =>
      `--security-opt apparmor=${path}：名为 ${name} 的配置文件已经加载（由另一次运行，或者手动加载）：给这个换个名字，或者用 --security-opt apparmor=${name} 使用已加载的那个`,
    parserFailed: (args: string, why: string) => `apparmor_parser ${args} 失败：${why}`,
    label: (word: string, selinux: boolean) => selinux
      ? `--security-opt ${word}：这台宿主机运行 SELinux，它按标签约束容器（进程上是 system_u:system_r:container_t:s0:c1,c2，文件上是 container_file_t；ls -Z、ps -Z 可以看到），但 boxlab 不设置标签：请去掉这个选项`
      : `--security-opt ${word}：label= 设置 SELinux 标签，而这台宿主机没有运行 SELinux（没有 /sys/fs/selinux）：请去掉这个选项`,
    explainTitle: '强制访问控制（一个 LSM 按策略检查每次访问，无论拥有什么能力（capability））：',
    explainNoAppArmor: (lsms: string[] | undefined) =>
      `  apparmor_exec   无：这个内核没有运行 AppArmor${lsms ? `（启用的：${lsms.join(', ')}）` : ''}`,
    explainDefault: '  apparmor_exec   bl-default-...：一个类似 Docker 的 docker-default 的配置文件，为这次运行加载（apparmor_parser），运行后删除',
    explainLoaded: (name: string) => `  apparmor_exec   ${name}，已经加载`,
    explainFile: (path: string) => `  apparmor_exec   ${path} 中的配置文件，为这次运行加载，运行后删除`,
    explainNone: (unconfined: boolean, privileged: boolean, rootless: boolean, securityfs: boolean, parser: boolean) =>
      `  apparmor_exec   无：${unconfined ? 'apparmor=unconfined' : privileged ? '--privileged 不受约束地运行' : rootless ? 'rootless 运行不加载配置文件' : !securityfs ? 'securityfs 没有挂载' : !parser ? '没有安装 apparmor_parser（apt-get install apparmor）' : '不受约束'}`,
    explainCannot: (e: string) => `  （无法运行：${e}）`,
    explainSelinuxOn: '  这里启用了 SELinux；boxlab 不设置标签，所以容器带着 boxlab 自己的标签运行（ps -Z 可以看到）',
    explainSelinuxOff: '  SELinux：这台宿主机上没有',
  },

  security: {
    unknownCap: (flag: string, word: string, hint: string) =>
      `${flag} ${word}：未知能力${hint}；请按 capabilities(7) 的写法给出（SYS_ADMIN、NET_ADMIN、SYS_PTRACE 等；CAP_ 前缀和大小写可省略），或 ALL`,
    badSecurityOpt: (word: string) =>
      `--security-opt ${word}：boxlab run 认识 no-new-privileges（或 no-new-privileges:true|false）和 apparmor=PROFILE；不支持 seccomp 配置`,
    capNotHeld: (cap: string) =>
      `--cap-add ${cap.slice(4)}：boxlab 自己没有 ${cap}（它不在 boxlab 的边界集里：grep CapBnd /proc/self/status），所以它创建的容器都不可能有；去掉这个选项，或者在 boxlab 拥有 ${cap} 的地方运行`,
    capNotInKernel: (cap: string, last: number) =>
      `--cap-add ${cap.slice(4)}：这个内核只认识编号 0 到 ${last} 的能力（/proc/sys/kernel/cap_last_cap），而 ${cap} 更新；去掉这个选项，或者使用更新的内核`,

    explainTitle: '容器可以做什么：Docker 的默认设置，经 --cap-add、--cap-drop、\n--privileged 和 --security-opt 修改；这些步骤在 pivot_root 之后按此顺序执行：',
    explainStep: (op: string, what: string) => `  ${op.padEnd(15)} ${what}`,
    explainPaths: (present: string[], absent: string[]) =>
      `${present.join(' ') || '这里一个也没有'}${absent.length ? `（这个内核没有，已跳过：${absent.join(' ')}）` : ''}`,
    explainPrivilegedNone: '无（--privileged）',
    explainNnpOn: 'prctl(PR_SET_NO_NEW_PRIVS, 1)：setuid 程序和文件能力不再给予更多权限',
    explainNnpOff: '未设置（--security-opt no-new-privileges 会设置它）',
    explainCaps: (privileged: boolean, names: string, mask: string) => privileged
      ? `不丢弃任何能力（--privileged）：${names}（CapEff ${mask}）`
      : `保留 ${names}（CapEff ${mask}）；其余每一项能力都从全部五个集合中移除`,
    explainNoCaps: '无',
    explainNoSeccomp: '无：boxlab run 暂时不加载过滤器（Docker 在这里最后加载它的默认配置）',
    explainCannot: (message: string) => `  在这里无法运行：${message}`,
  },

  oci: {
    bridgeHasNoConfig: '--net bridge 在 config.json 中没有对应项：运行时拿到的是一个网络命名空间，它不负责创建',
    noBundle: (dir: string) => `bundle ${dir} 不存在：bundle 是一个包含 config.json 和根文件系统的目录`,
    noConfig: (dir: string) => `bundle ${dir} 没有 config.json：'boxcore spec --bundle ${dir}' 会写一个默认的`,
    bundleAlone: (word: string) => `${word}：使用 --bundle 时容器完全由 config.json 决定；不要再给其他选项或命令`,
  },

  cgroup: {
    badSize: (flag: string, text: string) => `${flag} ${text}：需要一个大小，例如 512m、1g 或 1048576（单位 b、k、m、g、t、p；二进制）`,
    badInteger: (flag: string, text: string, min: number, max: number) => `${flag} ${text}：需要一个 ${min} 到 ${max} 之间的整数`,
    noDevice: (flag: string, path: string) => `${flag}：${path} 不存在；请给出一个块设备（/dev/sda）或 MAJ:MIN（8:0）`,
    notBlockDevice: (flag: string, path: string) => `${flag}：${path} 不是块设备；lsblk 会列出它们`,
    badDeviceRate: (flag: string, text: string) => `${flag} ${text}：需要 DEVICE:RATE，例如 /dev/sda:1mb 或 8:0:1mb（iops：一个次数，/dev/sda:100）`,
    memoryTooSmall: (flag: string, text: string) => `${flag} ${text}：最小的内存上限是 6m（与 Docker 相同）`,
    sizeTooLarge: (flag: string, text: string, max: string) => `${flag} ${text}：超过了 boxlab 接受的最大值 ${max}`,
    badDeviceNumber: (flag: string, text: string) => `${flag} ${text}：设备号写作 MAJOR:MINOR，MAJOR 最大 4095，MINOR 最大 1048575（lsblk 会显示它们）`,
    badCpus: (flag: string, text: string, max: number) => `${flag} ${text}：需要 0.01 到 ${max} 之间的 CPU 个数（这台机器有 ${max} 个）`,
    badCpuList: (flag: string, text: string) => `${flag} ${text}：需要 CPU 编号和范围，例如 0、0-1 或 0,2-3`,
    badParent: (flag: string, text: string) => `${flag} ${text}：需要一个由普通名字组成的 cgroup 路径，例如 /bl-lab 或 bl-lab/bl-web`,
    swapNeedsMemory: '--memory-swap 需要 --memory：它是内存与交换区合计的上限',
    swapBelowMemory: '--memory-swap 必须不小于 --memory：它把内存和交换区算在一起（相等表示没有交换区）',
    rootless: '--user 不能有控制组限制：创建控制组需要 root（或委派给你的组）',

    flagValue: {
      memory: '大小：512m、1g',
      'memory-swap': '大小，或 -1',
      'memory-reservation': '大小',
      cpus: 'CPU 个数：0.5、2',
      'cpu-shares': '2..262144',
      'cpuset-cpus': '列表：0-1,3',
      'pids-limit': 'N，或 -1',
      'device-read-bps': 'DEV:大小',
      'device-write-bps': 'DEV:大小',
      'device-read-iops': 'DEV:N',
      'device-write-iops': 'DEV:N',
      'oom-score-adj': '-1000..1000',
      'cgroup-parent': '/PATH 或 PATH',
    },
    flagFile: {
      'cpu-shares': { v2: 'cpu.weight（1024 -> 100，对数曲线）' },
      'cgroup-parent': { v1: '（组创建在哪里）', v2: '（组创建在哪里）' },
    },
    flagNote: {
      'memory-swap': 'v2 单独计算交换区：swap.max = memory-swap - memory',
      cpus: '配额 = N x 周期；周期 100000 微秒',
      'cpu-shares': 'v2 的权重，按 runc 的换算',
      'cpuset-cpus': 'v1：cpuset.mems 从父组复制',
      'pids-limit': '-1 或 0 写入 "max"',
      'device-read-bps': 'DEV：/dev/PATH 或 MAJ:MIN',
      'oom-score-adj': '不是 cgroup 文件：init 的设置，会被继承',
      'cgroup-parent': '默认：在 boxlab 自己的组之下',
    },

    explainTitle: 'Docker 的资源选项，以及 boxlab 为它们写入的文件',
    explainHead: ['选项', '取值', 'CGROUP V1（及混合）', 'CGROUP V2', '说明'],
    explainMachine: (layout: string, version: number) => `这台机器：${layout}（cgroup v${version} 的文件）。`,
    explainNoFlags: '没有给出资源选项：boxlab run 不创建控制组。加上选项，就能看到它们在这里会写哪些文件、写什么值。',
    explainGroup: (name: string, dirs: string[]) => `容器的组会是 ${name}：\n${dirs.map((d) => `  ${d}`).join('\n')}`,
    explainCreate: (dirs: string[]) => `创建方式：${dirs.map((d) => `mkdir ${d}`).join('; ')}`,
    explainEnable: (path: string, controllers: string) => `为它的子组启用：echo ${controllers.split(' ').map((c) => '+' + c).join(' ')} > ${path}/cgroup.subtree_control`,
    explainWrites: '以及这些写入，按此顺序：',
    explainWrite: (flag: string, path: string, value: string) =>
      `  ${flag.padEnd(20)} echo ${/^[\w.:\/+-]+$/.test(value) ? value : `'${value}'`} > ${path}`,
    explainCannot: (message: string, hint: string) => `在这里无法创建：${message}${hint ? `\n  ${hint}` : ''}`,
    explainNothing: '没有创建或改动任何东西。',

    reportHybrid: '混合布局：控制器都在 v1 树里；boxlab 在那里创建它的组（/sys/fs/cgroup/unified 的 v2 树里一个控制器也没有）',
    reportMissing: (names: string[]) => `这里没有：${names.join(' ')}（需要它们的选项会以清楚的错误失败）`,
    reportInternal: (dir: string) => `${dir} 里有进程，所以 cgroup v2 不会把控制器交给它下面的组：限制需要 --cgroup-parent /bl-lab，或者在委派的 scope 中运行 boxlab run（systemd-run --scope -p Delegate=yes）`,
    reportNoCloneInto: '这个内核早于 5.7：没有 clone3 的 CLONE_INTO_CGROUP；改为在 clone 之后立即把 init 移入它的组',
    reportNoKill: '这个内核早于 5.14：没有 cgroup.kill；杀死一个组的办法是先冻结它，再逐个杀死其中的进程',
  },
};
