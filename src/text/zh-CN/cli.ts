// 命令行（src/cli）对人说的每一句话：每个命令的用法，以及它的回答。
import type { Catalogs } from '../en/index.ts';
import { padEndWidth, textWidth } from '../width.ts';

export const cli: Catalogs['cli'] = {
  usage: {
    main: (version: string) => `boxlab ${version} — 学习容器是怎样工作的，一次一个内核步骤

用法：
  boxlab                      打开实验室（终端界面）
  boxlab --present [LESSON]   投影用的实验室：一屏一步，不显示讲者备注
  boxlab --notes [LESSON]     带讲者备注的实验室（讲者自己的屏幕）
  boxlab list [--json]        列出课和挑战
  boxlab progress [--json]    你的进度，逐章列出
  boxlab lesson ID [--yes] [--markdown|--json]
                              以纯文本运行一课（--yes 自动完成它的任务）
  boxlab run [OPTIONS] -- CMD [ARG...]
                              用同样的核心操作运行一个完整的容器
                              （-d：在后台运行，由一个监管进程看管）
  boxlab ps [-a] [--json]     在后台运行的容器
  boxlab logs [-f] [--tail N] [--since T] CONTAINER
                              一个容器写出的内容（它的 json-file 日志）
  boxlab stats [--no-stream] [--json] [CONTAINER...]
                              CPU、内存、网络、块 I/O 和 PID 数，实时
  boxlab stop [-t SECS] CONTAINER... / boxlab rm [-f] CONTAINER...
                              停止一个（先 SIGTERM，再 SIGKILL），删除一个
  boxlab rootfs [DIR] [--force] [--from busybox|host]
                              构建 'run' 使用的最小根文件系统（离线）
  boxlab state PID [--view LIST] [--json]
                              显示任意进程的内核状态视图
  boxlab build [-f FILE] [-t NAME] [--target STAGE] [--no-cache] DIR
                              根据 Containerfile 构建镜像，每条 RUN 都在一个
                              真实的容器里执行（见 'boxlab build --help'）
  boxlab image VERB ...       OCI 镜像：build、ls、inspect、unpack、commit、
                              push、pull、registry（见 'boxlab image --help'）
  boxlab engine [--json]      一个沙箱中的 Docker 引擎，直到按 Ctrl-C（见
                              'boxlab engine --help'）
  boxlab network create|ls|rm|inspect
                              用户定义的网桥网络，其中的容器能解析彼此的名字
                              （见 'boxlab network --help'）
  boxlab doctor [--json]      这台机器能做什么，逐章说明
  boxlab cleanup [--dry-run] [--json]
                              删除被杀死的 boxlab 留下的东西
  boxlab --version | --help

每个命令都接受 --lang en|zh-CN（界面语言；也可用 BOXLAB_LANG 或 locale 指定）。
运行 'boxlab COMMAND --help' 查看某个命令的选项。`,
    run: `用法：boxlab run [OPTIONS] -- CMD [ARG...]

在一个新容器里运行 CMD：使用每一种命名空间，根文件系统之上一层 overlay（根文件系统
本身从不被写入），pivot_root，/proc 和一个最小的 /dev；并像 Docker 默认那样加以限制：
保留 14 项能力（capability），其余全部丢弃，遮蔽或只读 Docker 所遮蔽和只读的
/proc 与 /sys 路径（这个内核有的那些），一个只允许 Docker 那些设备的设备控制组，
以及在内核运行 AppArmor 时，一个类似 Docker 的 docker-default 的配置文件。暂时还
没有 seccomp 过滤器。

选项：
  --rootfs DIR        根文件系统（默认：缓存中的那个，没有就构建）
  --hostname NAME     容器内的主机名（需要 uts）
  --ns LIST           命名空间，用逗号分隔，取自 pid,uts,mnt,ipc,net,user,cgroup
                      （默认：除 user 之外的全部；--user 会加上 user）
  --user              rootless：容器内的 root 是容器外的一个非特权用户
  -v, --volume SRC:DST[:ro]
                      把宿主机上的路径绑定挂载到容器里
  --tmpfs DST         在 DST 挂载一个新的 tmpfs
  --read-only         以只读方式挂载容器的根
  -e, --env K=V       设置一个环境变量（可重复）
  --net MODE          none：自己的网络命名空间，只有回环（默认）
  （或 --network）    host：宿主机的网络（没有网络命名空间）
                      bridge：eth0 接在宿主机的网桥 bl0 上，私有 /24，NAT 出网
                      NETWORK：eth0 接在 'boxlab network create' 创建的网络上，
                      容器在其中凭 --name 互相找到（DNS 在 127.0.0.11）
  --name NAME         容器的名字：同一网络上的其他容器查询的就是它
  -p, --publish HOSTPORT:CTPORT[/tcp|udp]
                      配合 --net bridge 或 NETWORK：宿主机的端口通向容器的端口
                      （tcp 也在 127.0.0.1 上）；可重复
  --cap-add CAP       额外保留 CAP（SYS_ADMIN、NET_ADMIN 等；CAP_ 前缀和大小写
                      可省略）；ALL：boxlab 能给的每一项；可重复
  --cap-drop CAP      从 Docker 的默认集合中丢弃 CAP；ALL：只保留额外加上的；
                      可重复
  --privileged        boxlab 能给的每一项能力，不遮蔽、不只读任何路径
  --security-opt no-new-privileges
                      设置 no_new_privs：setuid 程序和文件能力不再给命令
                      任何额外的权限
  --security-opt apparmor=PROFILE
                      unconfined；宿主机已加载的某个配置文件的名字；或者一个配置
                      文件的路径（其中的配置文件名为 bl-...），为这次运行加载，
                      运行后删除。内核没有 AppArmor 时拒绝
  --device HOST[:CONTAINER][:rwm]
                      把宿主机的设备节点给容器（放在 CONTAINER，在 /dev 下；默认
                      同一路径），并允许打开它（r 读，w 写，m mknod；默认 rwm）；
                      可重复
  --device-cgroup-rule 'TYPE MAJOR:MINOR PERMS'
                      在设备控制组中再允许一些（'b 7:* rw'）；可重复
  --bundle DIR        用 boxcore 的 OCI 运行时运行一个 OCI bundle（DIR/config.json
                      及其根文件系统），如同 'boxcore run'；此时不能再给其他选项
  --name NAME         给容器起名字（唯一；boxlab ps、logs、stop、rm 都接受它）
  --rm                结束时删除一切（boxlab run 本来就这样做；配合 -d：容器
                      退出时就被删除）

在后台（Docker 的选项；见 'boxlab ps'、'logs'、'stats'、'stop'、'rm'）：
  -d, --detach        在后台运行并打印它的 ID：由它自己的一个监管进程看管它、
                      它的输出和它的退出状态
  --restart POLICY    no（默认）、on-failure[:MAX-RETRIES]、always 或
                      unless-stopped；重启前等待 100 ms，每次加倍，最多一分钟，
                      运行满 10 秒后回到 100 ms
  --health-cmd CMD    每隔 --health-interval（30s）在容器里运行的 shell 命令；退出码
                      0 为健康，连续 --health-retries（3）次失败为不健康
  --health-interval D, --health-timeout D (30s), --health-start-period D (0s),
  --health-start-interval D (5s), --health-retries N
                      时长按 Go 的写法：500ms、30s、1m30s
  --log-opt max-size=SIZE, --log-opt max-file=N
                      json-file 日志到 SIZE 时轮转（10k、20m：十进制），保留
                      N 个文件（ID-json.log、.1、...）

资源（Docker 的名称和单位；容器会得到一个自己的控制组）：
  --memory SIZE       内存上限（512m、1g；至少 6m）
  --memory-swap SIZE  内存 + 交换区（-1：交换区不限）；需要 --memory
  --memory-reservation SIZE
                      软限制，在内存紧张时维持
  --cpus N            CPU 时间，以 CPU 个数计（0.5：半个）
  --cpu-shares N      相对 CPU 权重（默认 1024）
  --cpuset-cpus LIST  它可以运行的 CPU（0-1,3）
  --pids-limit N      同时最多的进程数（-1：不限）
  --device-read-bps DEV:RATE, --device-write-bps DEV:RATE
                      每秒读写块设备的字节数（/dev/sda:1mb 或 8:0:1mb）
  --device-read-iops DEV:N, --device-write-iops DEV:N
                      每秒 I/O 操作次数
  --oom-score-adj N   -1000..1000：OOM killer 有多愿意选中它
  --cgroup-parent PATH
                      它的组放在哪里：/PATH 从每棵 cgroup 树的根算起，
                      PATH 在 boxlab 自己的组之下（默认位置）
  --explain           打印这些选项及其写入的文件的表格，对给出的选项则列出在
                      这台机器上的确切文件和值，然后是容器在这里会得到的能力、
                      遮蔽路径和只读路径；不运行任何东西就退出

退出状态就是 CMD 的退出状态（被信号 N 杀死时为 128+N）；125 表示 boxlab 自己
没能创建容器。`,
    lab: `用法：boxlab [--present] [--notes] [LESSON] [--trust DIR] [--lang en|zh-CN]

打开实验室（给出 LESSON 时直接打开那一课）。--present 用于讲课：一屏一步，行宽
便于阅读，大号状态面板，步骤计数，完整的按键栏；按 80x24 和 120x30 的投影仪以及
更大的屏幕绘制。讲者备注（课程里写给讲师的备注）只在 --notes 时或按下 N 之后显示：
绝不显示给独自学习的人，也不显示在全场看到的屏幕上。在实验室里按 ? 查看按键。
需要终端；脚本里请用 'boxlab lesson ID --yes'。
设置 NO_COLOR、--no-color 或 TERM=dumb 时不使用颜色。进度和设置保存在
$XDG_STATE_HOME/boxlab（~/.local/state/boxlab；在 sudo 下是调用者的目录）。
语言：--lang，否则 BOXLAB_LANG，否则在首页按 L 选择并保存的语言，否则 locale。

--trust DIR：当 BOXLAB_LESSONS 指向 DIR 时运行其中的课程（内置课程以外的课程
只能这样运行，而且只有在除了你和 root 之外没人能修改它们时才行）。`,
    list: `用法：boxlab list [--json] [--trust DIR]

列出课和挑战：id、标题、是否需要 root，以及哪些是挑战（JSON 中的
"kind": "challenge"）。

--trust DIR：当 BOXLAB_LESSONS 指向 DIR 时运行其中的课程（内置课程以外的课程
只能这样运行，而且只有在除了你和 root 之外没人能修改它们时才行）。`,
    lesson: `用法：boxlab lesson ID [--yes] [--markdown|--json] [--until N] [--trust DIR]

以纯文本从头到尾运行一课：课文、命令、系统调用、之前和之后的状态，以及差异。
--yes 用任务的解答完成任务，每个任务先检查一遍（什么都还没做就通过的任务会让
这次运行失败）；只有每项检查都通过时退出状态才是 0。预测会连同它的正确选项一起
显示。--markdown 输出一份讲义，--json 输出事件流（JSON lines，每行一个事件）。--until N 在第 N 步之后停下，并保留这一课的容器
直到按 Ctrl-C，这样你可以在另一个终端里查看它们（boxlab state PID）。

--trust DIR：当 BOXLAB_LESSONS 指向 DIR 时运行其中的课程（内置课程以外的课程
只能这样运行，而且只有在除了你和 root 之外没人能修改它们时才行）。`,
    doctor: `用法：boxlab doctor [--json] [--trust DIR]

说明这台机器能为课程做什么：内核、cgroup 布局和控制器、权限、用户命名空间、
overlayfs、loop 设备、netfilter、KVM、runc/crun、挂载传播、宿主机是 WSL 还是容器；
然后逐章说明课程能否在这里运行，不能的话原因是什么、该怎么做。退出状态 0 表示
整个课程都能运行。

--trust DIR：当 BOXLAB_LESSONS 指向 DIR 时运行其中的课程（内置课程以外的课程
只能这样运行，而且只有在除了你和 root 之外没人能修改它们时才行）。`,
    state: `用法：boxlab state PID [--view LIST] [--json]

打印进程 PID 的内核状态视图：ns、proc、ids、uts、mounts、fs、ipc、net、
cgroup（默认：全部）。`,
    rootfs: `用法：boxlab rootfs [DIR] [--force] [--from busybox|host]

离线构建一个最小的根文件系统：宿主机有静态 busybox 就用它，否则用宿主机自己的程序
及其加载的库。默认的 DIR：'boxlab run' 使用的缓存。`,
    image: `用法：boxlab image VERB ...

OCI 镜像，由 boxlab 自己的代码创建和读取。LAYOUT 是一个 OCI 镜像布局目录
（oci-layout、index.json、blobs/sha256/...），skopeo 和 umoci 也能读；REF 是其中
一个镜像的名字（app:1），或者一个清单（manifest）摘要。

  build LAYOUT REF DIR... [--cmd 'SHELL COMMAND'] [--env K=V]...
          一个以各个 DIR 为镜像层的镜像，基础层在前（LAYOUT 不存在就创建）
  ls LAYOUT [--json]
          一个布局中的镜像
  inspect LAYOUT REF [--json]
          它的清单、配置和镜像层，以及每个 blob 在哪里
  unpack LAYOUT REF DEST [--flat]
          把第 N 层解包到 DEST/N，作为 overlay 的下层目录：.wh.NAME 变成
          whiteout（字符设备 0/0），.wh..wh..opq 变成 xattr
          trusted.overlay.opaque=y；打印 lowerdir。--flat 把每一层都应用到
          DEST 本身，并删除 whiteout 所指的文件。setuid/setgid 位和设备节点只在
          其他用户无法进入的目录（chmod 700）之下才保留，否则清除或略过，并逐一说明。
  commit LAYOUT FROM UPPER REF
          一个新镜像：FROM 的各层再加上由 UPPER（某个容器的 overlay 上层目录）
          做成的一层（whiteout 变成 .wh. 文件）
  save LAYOUT REF FILE [--name REPO:TAG]
          把镜像存成一个 docker save 格式的 tar 文件（docker-archive），
          docker load 可以读取；名为 REPO:TAG（默认 REF）
  push LAYOUT REF HOST:PORT/NAME[:TAG] [--authfile FILE]
          把镜像发送到回环地址上的镜像仓库（registry HTTP API）；登录信息来自
          FILE 或 $REGISTRY_AUTH_FILE（containers-auth.json，与 skopeo 相同）
  pull HOST:PORT/NAME[:TAG] LAYOUT [REF] [--authfile FILE]
          把镜像取到一个布局中（REF 默认为 NAME:TAG）
  registry
          在 127.0.0.1 上运行一个镜像仓库（Debian 的 docker-registry），直到按
          Ctrl-C；没有为这次运行创建的登录信息它什么也不接受（会打印相关文件）

unpack 和 commit 需要 root：whiteout 是设备节点，overlay 的标记是 trusted.*
xattr。镜像仓库必须在这台机器的回环地址上。`,
    build: `用法：boxlab build [OPTIONS] DIR

根据 Containerfile（或 Dockerfile）构建镜像，以 DIR 为构建上下文，写入一个 OCI
镜像布局。每条 RUN 都在一个真实的容器里执行，容器位于之前构建出的各层之上（它的
overlay 上层目录成为下一层）；COPY 和 ADD 也同样写入一个 overlay。输入没有变化的
步骤会重用它们的镜像层（构建缓存）。不下载任何东西：FROM 指的是布局中的镜像，或
scratch。

选项：
  -f, --file FILE     Containerfile（默认：DIR/Containerfile，否则 DIR/Dockerfile）
  -t, --tag NAME      在布局中把镜像命名为 NAME（app:1）
  --target STAGE      构建到 FROM ... AS STAGE 这个阶段为止（以及它需要的阶段）
  --no-cache          重新生成每一层（缓存仍会写入）
  --build-arg K=V     ARG K 的值（可重复）
  --layout DIR        读取 FROM 镜像和写入结果的 OCI 镜像布局
                      （默认：$BOXLAB_IMAGES，否则 root 用 ${'/var/lib/boxlab/images'}，
                      其他用户用 ~/.local/share/boxlab/images）
  --memory、--cpus、--pids-limit 等，与 boxlab run 相同：每条 RUN 的限制

指令：FROM [AS]、RUN、COPY [--from=STAGE|IMAGE] [--chown=U:G]、ADD [--chown=U:G]
（本地文件和 tar 归档）、ENV、ARG、WORKDIR、USER、LABEL、EXPOSE、VOLUME、
ENTRYPOINT、CMD、SHELL。DIR 中的 .dockerignore 对 COPY 和 ADD 隐藏文件。`,
    engine: `用法：boxlab engine [--json]

启动一个实验室自己的 Docker 引擎（Debian 的 dockerd 以及它启动的 containerd），
运行在实验室创建的网络命名空间和挂载命名空间中，数据、套接字和状态都在一个 bl-
目录里，它的容器的控制组都在一个 bl- 组之下，因此宿主机的网络、防火墙、挂载和
控制组都不会改变。它一直运行到 Ctrl-C 或 SIGTERM，届时停止并删除它的一切（被
SIGKILL 之后：boxlab cleanup）。不拉取任何镜像：用 boxlab image save 和
docker load 给它镜像。`,
    progress: `用法：boxlab progress [--json] [--trust DIR]

你的进度，一章一章地列出：完成了的课和挑战，没用提示就解决的任务（或者看了提示、
或者用了解答才解决的），以及预测对了多少（按你第一次的猜测算）。读自实验室的进度
文件（$XDG_STATE_HOME/boxlab/progress.json；在 sudo 下，是调用它的那个用户的）。

--trust DIR 在 BOXLAB_LESSONS 指向 DIR 时运行 DIR 中的课程（内置课程之外的课程只有
这样才会运行，而且只有当除了你和 root 之外没有人能修改它们时）。`,
    network: `用法：boxlab network create [--subnet CIDR] [-o|--opt KEY=VALUE] NAME
      boxlab network ls [--json] [-q]
      boxlab network rm NAME...
      boxlab network inspect NAME...

用户定义的网桥网络，与 Docker 的一样。每个网络有自己的网桥（bl-br-ID）和一个与
宿主机任何路由都不重叠的私有子网（或 --subnet 给出的），出去时做地址伪装
（masquerade），还有把它与实验室的其他网桥隔开的规则（nft list ruleset 可以看到）。
容器用 boxlab run --net NAME（或 --network NAME）加入一个网络，并凭 --name 互相找到：
它们的 /etc/resolv.conf 指向 127.0.0.11，容器网络命名空间里的一条 DNAT 把它送到这次
运行的一个解析器，它只回答该网络中正在运行的容器的名字（NAME 或 NAME.NETWORK），
别的都不回答。其他名字不会被转发：实验室的流量留在这台机器上。

网络一直有定义，直到 'boxlab network rm'；它的网桥和规则只在有容器使用时才在内核
中（第一个加入的容器创建它们，最后一个离开的删除它们），有容器在上面运行时 rm 会
被拒绝。

create 的选项：
  --subnet CIDR       网络的子网（默认：一个空闲的私有 /24）
  -o, --opt icc=false 网络中的容器彼此不能访问（网关和外面的世界仍然可达）；
                      Docker 的 com.docker.network.bridge.enable_icc=false 也可以
  -d, --driver bridge 唯一的驱动`,
    ps: `用法：boxlab ps [-a] [-q] [--json]

列出用 boxlab run -d 启动、正在运行的容器（包括正在重启和已暂停的）：ID、根文件
系统、命令、创建时间、状态（运行了 5 分钟（健康）、正在重启（1）2 秒前、已退出（0）
1 分钟前、已死亡：它的监管进程被杀死了）、重启次数、端口和名字。

  -a, --all     所有容器，包括已停止的
  -q, --quiet   只列出 ID
  --json        全部信息，以 JSON 输出（状态：created、running、restarting、paused、
                exited、dead）`,
    stop: `用法：boxlab stop [-t SECS] CONTAINER...

停止每个容器：向它的 init 发送 SIGTERM，SECS 秒后（默认 10）发送 SIGKILL。容器以
已退出的状态留着，直到 boxlab rm；任何重启策略都不会让它回来。容器的 init 会忽略它
没有处理函数的信号（它是自己命名空间里的 PID 1），所以没有 trap 的 shell 要等到
SIGKILL。`,
    rm: `用法：boxlab rm [-f] CONTAINER...

删除每个已停止的容器：它的监管进程结束，并带走它的日志、目录、控制组和网络。-f 连
正在运行的也删除（SIGKILL）。已死亡的容器（监管进程被杀死了）从它的监管进程的台账
中删除，如同 boxlab cleanup 那样。`,
    logs: `用法：boxlab logs [-f] [--since T] [--until T] [-n|--tail N] [-t] CONTAINER

打印容器写出的内容，取自它的 json-file 日志：它的 stdout 打印到 stdout，stderr 打印
到 stderr。

  -f, --follow      继续打印它写出的内容，直到它停止
  --since T         只要 T 以后的行：一个时间（2026-01-02T15:04:05Z、Unix 时间），
                    或从现在往回算的时长（10m、1h30m）
  --until T         只要 T 以前的行
  -n, --tail N      只要最后 N 行（all：每一行）
  -t, --timestamps  每行前面加上它的时间（RFC 3339，精确到纳秒）`,
    stats: `用法：boxlab stats [-a] [--no-stream] [--json] [CONTAINER...]

像 docker stats 那样显示每个运行中的容器用了多少资源，每秒读取一次：读它的控制组
（cpuacct.usage 或 cpu.stat；内存用量减去不活跃的文件缓存；blkio 或 io.stat；
pids.current）和它的网络命名空间（/proc/PID/net/dev，不算 lo）。CPU % 以一个 CPU
为准（两个忙碌的 CPU：200%）。

  -a, --all     也包括已停止的容器
  --no-stream   输出一张表（取自相隔一秒的两次采样），然后退出
  --json        每个容器每次采样一个 JSON 对象，数值以字节计`,
    cleanup: `用法：boxlab cleanup [--dry-run] [--json]

删除已经不再运行的 boxlab 进程留在这台机器上的东西，以它们的台账（ledger）所列
为准（绝不删除别的）。另一个 boxlab 正在运行时也可以安全使用。`,
  },

  noArguments: (command: string, words: string[]) => `多余的 ${words.join(' ')}：boxlab ${command} 不接受参数（见 boxlab ${command} --help）`,
  unknownCommand: (c: string, didYouMean = '') => `boxlab: 未知命令 '${c}'${didYouMean}。运行 'boxlab --help' 查看命令列表。`,
  needsRoot: (what: string) =>
    `boxlab ${what} 需要 root：命名空间、挂载和控制组都需要特权。请用 sudo 运行，或者用 --user 运行一个 rootless 容器。`,
  coreGone: '运行时核心先于容器结束了（被杀死或崩溃）：这次运行到此为止，它在宿主机上创建的东西都会被拿走。',
  notLinux: 'boxlab 讲的是 Linux 内核，只能在 Linux 上运行。在 macOS 或 Windows 上，请使用 Linux 虚拟机（例如 multipass 或 WSL 2）。',
  buildingRootfs: (dir: string) => `boxlab: 正在 ${dir} 构建默认的根文件系统（只需一次）...`,
  rootfsBuilt: (dir: string, source: string, n: number) => `根文件系统已在 ${dir} 就绪（${source}，${n} 个程序）`,
  noPid: (pid: string) => `没有这个进程：${pid}。请给出一个正在运行的进程的 pid，以宿主机看到的为准。`,
  cleanupNothing: '没有要清理的：没有留下已退出的 boxlab 的台账。',
  cleanupNotRoot: (dir: string) => `你不是 root，所以只读取了你自己的台账（${dir}）：boxlab 以 root 身份留下的东西列在 /run/boxlab/ledger 中；sudo boxlab cleanup 会删除它们。`,
  cleanupLive: (pids: number[]) => `未处理：正在运行的 boxlab 进程 ${pids.join(', ')} 的台账。`,
  cleanupDone: (n: number) => `已删除 ${n} 项资源。`,
  cleanupWould: (n: number) => `将删除 ${n} 项资源（演练：没有做任何改动）。`,
  cleanupDetached: (names: string[]) => `未处理：监管进程仍在运行的后台容器（${names.join(', ')}）；boxlab rm -f NAME 会结束其中一个，并删除它创建的一切。`,
  cleanupNetworksKept: (names: string[]) => `保留：网络 ${names.join('、')}，它们一直有定义，直到 boxlab network rm NAME（它们的网桥只在有容器使用时才在内核中）。`,
  needsRootFor: (what: string, why: string) => `boxlab ${what} 需要 root：${why}。请用 sudo 运行。`,
  network: {
    whyRoot: '网络是宿主机在 /run/boxlab/net 下的共享状态，它们的网桥和规则属于宿主机',
    unknownVerb: (verb: string) => `boxlab network ${verb}：不是网络命令；请选择 create、ls、rm 或 inspect（boxlab network --help）`,
    createOneName: 'boxlab network create 只接受一个 NAME（boxlab network create [--subnet CIDR] [--opt icc=false] NAME）',
    onlyBridge: (driver: string) => `--driver ${driver}：boxlab 只创建网桥网络`,
    rmWhich: 'boxlab network rm NAME...：请给出要删除的网络',
    inspectWhich: 'boxlab network inspect NAME...：请给出要显示的网络',
    noSuch: (name: string) => `没有网络 ${name}（boxlab network ls 会列出它们）`,
    table: (rows: { id: string; name: string; subnet: string; icc: boolean; bridge?: string; containers: number }[]) => {
      // Docker's column names, as in English (scripts read them); the cells padded by columns
      const head = ['NETWORK ID', 'NAME', 'DRIVER', 'SUBNET', 'ICC', 'BRIDGE', 'CONTAINERS'];
      const body = rows.map((r) => [r.id, r.name, 'bridge', r.subnet, r.icc ? 'on' : 'off', r.bridge ?? '（无：没有容器）', String(r.containers)]);
      const widths = head.map((h, i) => Math.max(textWidth(h), ...body.map((b) => textWidth(b[i]!))));
      return [head, ...body].map((cells) => cells.map((c, i) => (i === cells.length - 1 ? c : padEndWidth(c, widths[i]!))).join('  ')).join('\n');
    },
  },

  version: (version: string) => `boxlab ${version}`,
  error: (message: string) => `boxlab: ${message}`,
  unknownOption: (arg: string) => `未知选项 ${arg}`,
  needsValue: (arg: string) => `选项 ${arg} 需要一个值`,
  unexpected: (words: string[]) => `多余的 ${words.join(' ')}；运行 'boxlab --help'`,
  badLanguage: (where: string, value: string, known: readonly string[]) =>
    `${where} ${value}：boxlab 会说的语言是 ${known.join(' 和 ')}；请选择其中之一`,

  lessonId: "需要一个课程 ID：boxlab lesson ID [--yes]；'boxlab list' 会列出它们",
  markdownOrJson: '--markdown 和 --json 只能选一个',
  badUntil: (given: string) => `--until ${given}：需要一个步骤编号（1、2、...）`,
  unknownView: (name: string, views: readonly string[]) => `未知视图 '${name}'：可选 ${views.join(',')}`,
  statePid: '需要一个 PID（数字）：boxlab state PID [--view LIST] [--json]',
  stateError: (message: string) => `boxlab state: ${message}`,
  rootfsOneDir: (words: string[]) => `最多只能给一个 DIR，却给了 ${words.join(' ')}`,
  rootfsFrom: (from: string) => `--from ${from}：请选择 busybox 或 host`,
  bundleNeedsDir: '--bundle 需要一个目录',
  runError: (message: string) => `boxlab run: ${message}`,
  commandError: (command: string | undefined, message: string) => `boxlab${command ? ` ${command}` : ''}: ${message}`,
  unknownNamespace: (name: string, names: readonly string[]) => `--ns 中有未知的命名空间 '${name}'：可选 ${names.join(',')}`,
  badEnv: (text: string) => `-e ${text}：需要 K=V`,
  cleanupFailed: (error: string) => `失败：${error}`,
  cleanupWouldRemove: '将删除',
  cleanupRemoved: '已删除',
  cleanupLine: (status: string, what: string, owner: number) => `${status}  ${what}（由 boxlab ${owner} 留下）`,

  // boxlab list, progress
  listLine: (id: string, title: string, needs: string, challenge: boolean) => `${id}  ${title}  （${needs}${challenge ? '，挑战' : ''}）`,
  progressChapter: (chapter: string, done: number, total: number) => `${chapter}：已完成 ${done}/${total} 课`,
  progressChallenges: (done: number, total: number) => `已解决 ${done}/${total} 个挑战`,
  progressTasks: (clean: number, solved: number) => `${clean}/${solved} 个任务没用提示就解决了`,
  progressPredictions: (right: number, answered: number) => `${right}/${answered} 个预测正确`,
  progressFile: (file: string) => `（读自 ${file}）`,
  progressNone: "还没有进度：打开实验室（'boxlab'），开始一课。",

  image: {
    unknownVerb: (v: string) => `boxlab image: 未知动作 '${v}'。运行 'boxlab image --help' 查看列表。`,
    needsVerb: "boxlab image 需要一个动作：build、ls、inspect、unpack、commit、save、push、pull 或 registry（'boxlab image --help'）",
    wrongArgs: (verb: string, usage: string, got: string[]) => `boxlab image ${verb}：需要 ${usage}；实际得到 ${got.length ? got.join(' ') : '空'}`,
    verbUsage: (verb: string, usage: string) => `用法：boxlab image ${verb} ${usage}\n\n${cli.usage.image}`,
    noOption: (verb: string, option: string, usage: string) => `boxlab image ${verb} 没有选项 --${option}；用法：boxlab image ${verb} ${usage}`,
    needsRoot: (verb: string) => `boxlab image ${verb} 需要 root：whiteout 是设备节点（mknod 需要 CAP_MKNOD），overlay 的不透明标记是一个 trusted.* xattr（CAP_SYS_ADMIN）。请用 sudo 运行。`,
    noDir: (dir: string) => `${dir} 不是目录：请给出一个用来制作镜像层的目录`,
    notEmpty: (dir: string) => `${dir} 已存在且不为空：请解包到一个新目录`,
    badEnv: (text: string) => `--env ${text}：需要 K=V`,
    layerLine: (n: number, digest: string, size: number, diffId: string, stored: boolean, dir: string) =>
      `第 ${n} 层  ${digest}  ${size} 字节${stored ? '' : '（已存在）'}\n         diff_id ${diffId}  来自 ${dir}`,
    skipped: (paths: string[]) => `已略过（tar 无法保存套接字）：${paths.join(', ')}`,
    configLine: (digest: string, size: number) => `配置     ${digest}  ${size} 字节`,
    manifestLine: (digest: string, size: number) => `清单     ${digest}  ${size} 字节`,
    named: (ref: string, layout: string) => `已在 ${layout}/index.json 中命名为 ${ref}`,
    lsHead: ['名称', '清单', '层数', '大小'],
    lsEmpty: (layout: string) => `${layout} 里还没有镜像`,
    unpacked: (n: number, dir: string, written: number, whiteouts: string[], opaque: string[]) =>
      `第 ${n} 层 -> ${dir}：${written} 个成员${whiteouts.length ? `；whiteout：${whiteouts.join(' ')}` : ''}${opaque.length ? `；不透明：${opaque.join(' ')}` : ''}`,
    flatUnpacked: (n: number, dir: string, written: number, whiteouts: string[], opaque: string[]) =>
      `第 ${n} 层已应用到 ${dir}：${written} 个成员${whiteouts.length ? `；已删除：${whiteouts.join(' ')}` : ''}${opaque.length ? `；已清空：${opaque.join(' ')}` : ''}`,
    lowerdir: (dirs: string[]) => `lowerdir=${dirs.join(':')}`,
    withheld: (n: number, member: string, what: 'setid' | 'device', detail: string, dest: string) =>
      `boxlab: 第 ${n} 层，成员 ${member}：${what === 'setid' ? `已清除 setuid/setgid 位（${detail}）` : `已略过 ${detail} 设备节点`}：` +
      `其他用户能访问 ${dest}，可能借此成为 root；要保留它，请解包到只有你能进入的目录（chmod 700）之下`,
    exchange: (method: string, path: string, status: number, note?: string) => `  ${method.padEnd(4)} ${path} -> ${status}${note ? `  （${note}）` : ''}`,
    pushed: (ref: string, to: string, uploaded: number, present: number, digest: string) =>
      `已把 ${ref} 推送到 ${to}：上传 ${uploaded} 个 blob，${present} 个已存在；清单 ${digest}`,
    pulled: (from: string, ref: string, layout: string, fetched: number, present: number, digest: string) =>
      `已把 ${from} 拉取为 ${layout} 中的 ${ref}：获取 ${fetched} 个 blob，${present} 个已存在；清单 ${digest}`,
    saved: (ref: string, file: string, size: number, name: string) => `已把 ${ref} 保存到 ${file}（${size} 字节，名为 ${name} 的 docker-archive）：docker load -i ${file}`,
    registryUp: (address: string, dir: string, authFile: string, netrc: string) =>
      `镜像仓库运行在 http://${address}（存储在 ${dir}/data）。按 Ctrl-C 停止它并删除它的存储。\n` +
      `没有登录信息它什么也不接受；登录信息是为这次运行创建的，只有 root 能读：\n` +
      `  boxlab image push --authfile ${authFile} LAYOUT REF ${address}/NAME:TAG\n` +
      `  skopeo inspect --tls-verify=false --authfile ${authFile} docker://${address}/NAME:TAG\n` +
      `  curl --netrc-file ${netrc} http://${address}/v2/_catalog`,
    registryDied: '镜像仓库自己退出了',
    inspect: {
      image: '镜像', manifest: '清单', config: '配置', platform: '平台', created: '创建时间',
      cmd: '命令', env: '环境变量', layers: '镜像层（基础层在前；先是 blob 的摘要，再是其 tar 的 diff_id）', blob: 'blob',
      blobLine: (digest: string, size: number, mediaType?: string) => `${digest}  ${size} 字节${mediaType ? `  ${mediaType}` : ''}`,
    },
  },
};
