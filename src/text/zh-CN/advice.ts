// 核心（native/errors.c）对内核错误的通俗解释和建议，中文版。核心只说英文：客户端收到
// 一条解释（{path} 已换成具体路径）时，按它的英文模板找到这里的中文，再把路径填回去。
// test/unit/advice.test.ts 读取 errors.c，保证每条英文模板在这里都有译文，且 {path} 一致。

/** The core's explanations and hints (native/errors.c), English template to Chinese. */
export const ADVICE: Record<string, string> = {
  "creating namespaces other than a user namespace needs CAP_SYS_ADMIN, and this process does not have it":
    "创建用户命名空间以外的命名空间需要 CAP_SYS_ADMIN，而这个进程没有这项能力",
  "run as root, or add 'user' to ns: a new user namespace gives its first process every capability inside it":
    "以 root 运行，或者在 ns 里加上 'user'：新用户命名空间里的第一个进程在其中拥有全部能力",
  "the kernel refused a new user namespace: unprivileged user namespaces may be switched off (sysctl kernel.unprivileged_userns_clone=0, or a security module such as AppArmor's restrict_unprivileged_userns), or this process is in a chroot or a seccomp sandbox":
    "内核拒绝创建新的用户命名空间：无特权用户命名空间可能被关闭了（sysctl kernel.unprivileged_userns_clone=0，或 AppArmor 的 restrict_unprivileged_userns 这类安全模块），或者这个进程处在 chroot 或 seccomp 沙箱里",
  "run as root, or check: sysctl kernel.unprivileged_userns_clone user.max_user_namespaces":
    "以 root 运行，或者检查：sysctl kernel.unprivileged_userns_clone user.max_user_namespaces",
  "a limit on the number of namespaces was reached (user.max_*_namespaces), or the user namespace is nested more than 32 deep":
    "命名空间数量达到了上限（user.max_*_namespaces），或者用户命名空间嵌套超过了 32 层",
  "look at: sysctl user.max_user_namespaces user.max_pid_namespaces; destroy containers you no longer need":
    "查看：sysctl user.max_user_namespaces user.max_pid_namespaces；销毁不再需要的容器",
  "too many nested user namespaces (older kernels report the limit with EUSERS)":
    "嵌套的用户命名空间太多（较老的内核用 EUSERS 报告这个上限）",
  "destroy containers you no longer need":
    "销毁不再需要的容器",
  "the kernel rejected the flag combination; a kernel built without one of the namespaces (CONFIG_*_NS) says EINVAL":
    "内核拒绝了这个标志组合；编译时没有某种命名空间（CONFIG_*_NS）的内核会回答 EINVAL",
  "check the kernel has the namespace: ls /proc/self/ns":
    "检查内核是否有这种命名空间：ls /proc/self/ns",
  "the kernel could not make the process; in a PID namespace whose init has exited no new process can be made":
    "内核无法创建这个进程；在一个 init 已经退出的 PID 命名空间里，不能再创建新进程",
  "the container has no user namespace of its own: it lives in the host's, whose maps are fixed (0 0 4294967295)":
    "容器没有自己的用户命名空间：它处在宿主机的用户命名空间里，那里的映射是固定的（0 0 4294967295）",
  "clone the container with 'user' in ns, then write its maps":
    "clone 容器时在 ns 里加上 'user'，然后再写它的映射",
  "the kernel refused the map: each of uid_map and gid_map can be written only once; the writer needs CAP_SETUID/CAP_SETGID in the parent user namespace for anything but mapping its own id; and an unprivileged writer must deny setgroups before writing gid_map":
    "内核拒绝了这个映射：uid_map 和 gid_map 各自只能写一次；除了映射自己的 id，写入者需要在父用户命名空间里拥有 CAP_SETUID/CAP_SETGID；无特权的写入者必须先禁用 setgroups，才能写 gid_map",
  "map only ids you own (\"0 $(id -u) 1\"), write setgroups=deny first, and write each map once":
    "只映射你自己拥有的 id（\"0 $(id -u) 1\"），先写 setgroups=deny，每个映射只写一次",
  "the map text is malformed: each line is INSIDE OUTSIDE COUNT, ranges must not overlap, and the whole map must be written in one write()":
    "映射文本格式不对：每行是 INSIDE OUTSIDE COUNT，范围不能重叠，整个映射必须在一次 write() 里写完",
  "e.g. \"0 100000 65536\"; several ranges are joined by \\n":
    "例如 \"0 100000 65536\"；多个范围用 \\n 连接",
  "the process is gone, so /proc/PID/uid_map does not exist any more":
    "进程已经不在了，所以 /proc/PID/uid_map 也不存在了",
  "changing the hostname needs CAP_SYS_ADMIN in the user namespace that owns the UTS namespace":
    "修改主机名需要在拥有这个 UTS 命名空间的用户命名空间里拥有 CAP_SYS_ADMIN",
  "clone the container with a new 'uts' namespace (and 'user' when not root)":
    "clone 容器时给它一个新的 'uts' 命名空间（不是 root 时再加上 'user'）",
  "a hostname is at most 64 bytes":
    "主机名最多 64 字节",
  "choose a shorter name":
    "换一个短一些的名字",
  "changing the NIS domain name needs CAP_SYS_ADMIN in the user namespace that owns the UTS namespace":
    "修改 NIS 域名需要在拥有这个 UTS 命名空间的用户命名空间里拥有 CAP_SYS_ADMIN",
  "clone the container with a new 'uts' namespace":
    "clone 容器时给它一个新的 'uts' 命名空间",
  "a domain name is at most 64 bytes":
    "域名最多 64 字节",
  "{path} is not a mount point, and propagation is a property of a mount":
    "{path} 不是挂载点，而传播属性是挂载的属性",
  "use a mount point such as /, or bind-mount the directory onto itself first: mount --bind {path} {path}":
    "使用一个挂载点，例如 /，或者先把这个目录绑定挂载到它自己上：mount --bind {path} {path}",
  "changing propagation needs CAP_SYS_ADMIN in the user namespace that owns the mount namespace":
    "修改传播属性需要在拥有这个挂载命名空间的用户命名空间里拥有 CAP_SYS_ADMIN",
  "clone with a new 'mnt' namespace (and 'user' when not root)":
    "clone 时给一个新的 'mnt' 命名空间（不是 root 时再加上 'user'）",
  "this mount is not allowed inside a user namespace: only some filesystems can be mounted there (proc, sysfs, tmpfs, devpts, mqueue, bind mounts, and overlay since Linux 5.11); proc needs a new PID namespace and a fully visible /proc, sysfs a network namespace owned by the user namespace":
    "这种挂载在用户命名空间里不被允许：只有部分文件系统可以在那里挂载（proc、sysfs、tmpfs、devpts、mqueue、绑定挂载，以及 Linux 5.11 起的 overlay）；proc 需要一个新的 PID 命名空间和完全可见的 /proc，sysfs 需要一个由该用户命名空间拥有的网络命名空间",
  "mount it before entering the user namespace, or bind-mount what the host already has":
    "在进入用户命名空间之前挂载，或者绑定挂载宿主机已有的东西",
  "mounting needs CAP_SYS_ADMIN in the user namespace that owns the mount namespace":
    "挂载需要在拥有这个挂载命名空间的用户命名空间里拥有 CAP_SYS_ADMIN",
  "run as root, or clone with 'user' and 'mnt'":
    "以 root 运行，或者 clone 时加上 'user' 和 'mnt'",
  "overlayfs cannot be mounted inside a user namespace before Linux 5.11, and this kernel is older":
    "Linux 5.11 之前不能在用户命名空间里挂载 overlayfs，而这个内核比它老",
  "mount the overlay before entering the user namespace (as root), or use fuse-overlayfs":
    "在进入用户命名空间之前（以 root）挂载 overlay，或者使用 fuse-overlayfs",
  "overlayfs refused the layers: lowerdir, upperdir and workdir must exist, upperdir and workdir must be on the same filesystem, workdir must be an empty directory, and the upper filesystem must support what overlay needs (not another overlay, for example)":
    "overlayfs 拒绝了这些层：lowerdir、upperdir 和 workdir 必须存在，upperdir 和 workdir 必须在同一个文件系统上，workdir 必须是空目录，上层文件系统还必须支持 overlay 所需的功能（比如不能是另一个 overlay）",
  "make fresh empty upper and work dirs side by side: mkdir upper work":
    "在同一处新建空的上层目录和工作目录：mkdir upper work",
  "the kernel did not accept the arguments: an unknown option in the data string, a source that is not a mount for a remount, or a bind of a directory that is not reachable from this mount namespace":
    "内核不接受这些参数：数据字符串里有未知选项，remount 的源不是一个挂载，或者绑定的目录在这个挂载命名空间里不可达",
  "check the options string (e.g. size=64m for tmpfs)":
    "检查选项字符串（例如 tmpfs 的 size=64m）",
  "a path does not exist: the target {path}, the source, or a directory of the overlay":
    "有一个路径不存在：目标 {path}、源，或 overlay 的某个目录",
  "create it first (mkdir -p), or pass \"mkdir\": true":
    "先创建它（mkdir -p），或者传入 \"mkdir\": true",
  "the target and the source must both be directories, or both files (for a bind mount)":
    "目标和源必须同为目录，或同为文件（绑定挂载时）",
  "bind a file onto a file and a directory onto a directory":
    "把文件绑定到文件上，把目录绑定到目录上",
  "this kernel does not know the overlay filesystem: overlayfs (CONFIG_OVERLAY_FS) is neither built in nor loaded":
    "这个内核不认识 overlay 文件系统：overlayfs（CONFIG_OVERLAY_FS）既没有编译进内核，也没有加载",
  "load its module on the host, as root: modprobe overlay (cat /proc/filesystems lists the filesystems the kernel knows; a kernel built without CONFIG_OVERLAY_FS cannot mount one)":
    "以 root 在宿主机上加载它的模块：modprobe overlay（cat /proc/filesystems 列出内核认识的文件系统；编译时没有 CONFIG_OVERLAY_FS 的内核无法挂载它）",
  "this kernel does not know that filesystem type (cat /proc/filesystems lists those it knows)":
    "这个内核不认识这种文件系统类型（cat /proc/filesystems 列出它认识的类型）",
  "load the filesystem's module on the host, as root (modprobe NAME), or pick another type":
    "以 root 在宿主机上加载这个文件系统的模块（modprobe NAME），或者换一种类型",
  "something is already mounted there in a way that conflicts, or the device is busy":
    "那里已经挂载了会冲突的东西，或者设备正忙",
  "unmount it first, or mount on a fresh directory":
    "先卸载它，或者挂载到一个新目录上",
  "a directory on the way is not searchable, or the filesystem was mounted without permission to do this (nosuid, noexec, ro)":
    "路径上的某个目录不可搜索，或者文件系统的挂载方式不允许这样做（nosuid、noexec、ro）",
  "{path} is not a mount point (or it is locked: a mount inherited into a user namespace cannot be unmounted alone from inside it)":
    "{path} 不是挂载点（或者它被锁定了：继承进用户命名空间的挂载，不能在里面单独卸载）",
  "look at /proc/self/mountinfo for the mount points":
    "在 /proc/self/mountinfo 里查看挂载点",
  "a process still uses the mount (its cwd, an open file, or a mount beneath it)":
    "仍有进程在使用这个挂载（它的工作目录、一个打开的文件，或者它下面的挂载）",
  "detach it lazily instead: umount -l {path} (\"detach\": true)":
    "改为延迟卸载：umount -l {path}（\"detach\": true）",
  "unmounting needs CAP_SYS_ADMIN in the user namespace that owns the mount namespace":
    "卸载需要在拥有这个挂载命名空间的用户命名空间里拥有 CAP_SYS_ADMIN",
  "{path} is not a mount point, so there is no mount to make read-only":
    "{path} 不是挂载点，所以没有可以设为只读的挂载",
  "bind-mount it onto itself first: mount --bind {path} {path}":
    "先把它绑定挂载到它自己上：mount --bind {path} {path}",
  "the kernel keeps the flags a mount had when it came into this user namespace locked; a remount must not clear them":
    "一个挂载进入这个用户命名空间时带着的标志被内核锁定了；重新挂载不能清除它们",
  "making the minimal /dev needs CAP_SYS_ADMIN to mount and CAP_MKNOD for device nodes; inside a user namespace mknod is never allowed, which is why boxcore bind-mounts the host's nodes there":
    "创建最小的 /dev 需要 CAP_SYS_ADMIN 来挂载、CAP_MKNOD 来创建设备节点；在用户命名空间里永远不允许 mknod，所以 boxcore 把宿主机的设备节点绑定挂载进去",
  "the current root is the initramfs (rootfs): the kernel cannot move it away, so pivot_root always fails there":
    "当前的根是 initramfs（rootfs）：内核无法把它移走，所以在那里 pivot_root 总是失败",
  "use chroot instead (or switch_root, which deletes the initramfs, moves the new root onto / and chroots)":
    "改用 chroot（或 switch_root：它删除 initramfs，把新根移到 / 上，再 chroot）",
  "the new root, its parent mount or the current root is a shared mount: pivot_root would propagate the root switch to other mount namespaces, so the kernel refuses":
    "新根、它的父挂载或当前的根是共享挂载：pivot_root 会把切换根的动作传播到别的挂载命名空间，所以内核拒绝",
  "make the mounts private first: mount --make-rprivate / (the 'propagation' op)":
    "先把挂载设为私有：mount --make-rprivate /（'propagation' 操作）",
  "the new root must be a mount point, and {path} is just a directory on the mount above it":
    "新根必须是一个挂载点，而 {path} 只是它上面那个挂载里的一个目录",
  "the new root must be a mount point, and {path} is just a directory on the same mount as the current root (the kernel says EBUSY for that case, EINVAL when the directory is on another mount)":
    "新根必须是一个挂载点，而 {path} 只是与当前根同一个挂载里的一个目录（这种情况内核回答 EBUSY，目录在另一个挂载上时回答 EINVAL）",
  "the new root must be a mount point, not on a shared mount, and must not be the current root; pivot_root also refuses when / is the initramfs":
    "新根必须是一个挂载点，不能在共享挂载上，也不能是当前的根；/ 是 initramfs 时 pivot_root 同样拒绝",
  "bind-mount it onto itself first (mount --bind {path} {path}) and make / private (mount --make-rprivate /)":
    "先把它绑定挂载到它自己上（mount --bind {path} {path}），并把 / 设为私有（mount --make-rprivate /）",
  "pivot_root needs CAP_SYS_ADMIN in the user namespace that owns the mount namespace":
    "pivot_root 需要在拥有这个挂载命名空间的用户命名空间里拥有 CAP_SYS_ADMIN",
  "the new root is the current root's own mount (a directory on it that is not a mount point, or / itself)":
    "新根就是当前根自己的挂载（上面一个不是挂载点的目录，或者 / 本身）",
  "{path} is not a directory":
    "{path} 不是目录",
  "{path} does not exist in the container's current root":
    "{path} 在容器当前的根里不存在",
  "chroot needs CAP_SYS_CHROOT":
    "chroot 需要 CAP_SYS_CHROOT",
  "{path} does not exist in the container's root":
    "{path} 在容器的根里不存在",
  "{path} (or a part of it) is not a directory":
    "{path}（或它的某一部分）不是目录",
  "the program {path} is not in the container's root: after pivot_root or chroot only the new root's files exist":
    "程序 {path} 不在容器的根里：pivot_root 或 chroot 之后，只有新根里的文件存在",
  "copy the program into the rootfs (with its libraries), or give its path inside the container":
    "把程序（连同它的库）复制进根文件系统，或者给出它在容器里的路径",
  "{path} exists, but the program that must load it does not: the dynamic loader named in its ELF header (e.g. /lib64/ld-linux-x86-64.so.2) or the interpreter on its #! line is missing from the container's root":
    "{path} 存在，但加载它的程序不存在：它的 ELF 头里指定的动态加载器（例如 /lib64/ld-linux-x86-64.so.2），或者它 #! 行上的解释器，在容器的根里找不到",
  "copy the loader and libraries too (ldd {path} lists them), or use a static binary such as busybox":
    "把加载器和库也复制进去（ldd {path} 会列出它们），或者使用 busybox 这样的静态程序",
  "{path} is not executable: it lacks the x bit, is a directory, or sits on a mount with noexec":
    "{path} 不可执行：它没有 x 权限位，是一个目录，或者位于带 noexec 的挂载上",
  "chmod +x it, or mount without noexec":
    "chmod +x 它，或者不带 noexec 挂载",
  "{path} is not a format this kernel can run (wrong architecture, or a script without a #! line)":
    "{path} 不是这个内核能运行的格式（架构不对，或者是没有 #! 行的脚本）",
  "add a #! line, or run it through a shell: [\"/bin/sh\", \"{path}\"]":
    "加上 #! 行，或者通过 shell 运行它：[\"/bin/sh\", \"{path}\"]",
  "a part of {path} is not a directory":
    "{path} 的某一部分不是目录",
  "the working directory {path} does not exist in the container":
    "工作目录 {path} 在容器里不存在",
  "no process can be made in a PID namespace whose init (PID 1) has exited":
    "在一个 init（PID 1）已经退出的 PID 命名空间里，不能再创建进程",
  "make a new container":
    "新建一个容器",
  "joining a namespace needs CAP_SYS_ADMIN in the user namespace that owns it (and CAP_SYS_CHROOT for a mount namespace)":
    "加入一个命名空间，需要在拥有它的用户命名空间里拥有 CAP_SYS_ADMIN（加入挂载命名空间还需要 CAP_SYS_CHROOT）",
  "run as root, or join the container's user namespace first":
    "以 root 运行，或者先加入容器的用户命名空间",
  "the kernel refused to join: a multithreaded process cannot join a user or mount namespace, and a process cannot re-join its own user namespace":
    "内核拒绝加入：多线程进程不能加入用户或挂载命名空间，进程也不能重新加入自己的用户命名空间",
  "the process {path} is gone, so its namespace files in /proc are too":
    "进程 {path} 已经不在了，所以它在 /proc 里的命名空间文件也不在了",
  "no such process: {path}":
    "没有这个进程：{path}",
  "there is no process {path} (it has exited and been reaped)":
    "没有进程 {path}（它已经退出并被回收了）",
  "sending a signal to a process of another user needs CAP_KILL":
    "向另一个用户的进程发送信号需要 CAP_KILL",
  "only a process's parent can wait for it and read its exit status, and {path} is not a child of this server":
    "只有进程的父进程才能等待它、读取它的退出状态，而 {path} 不是这个服务的子进程",
  "wait for a container's init by its ct name":
    "按 ct 名称等待容器的 init",
  "there is no {path}: a bundle is a directory with config.json and the root filesystem":
    "没有 {path}：bundle 是一个包含 config.json 和根文件系统的目录",
  "write a default one with: boxcore spec --bundle DIR":
    "用这个命令写一份默认的：boxcore spec --bundle DIR",
  "the bundle directory {path} does not exist":
    "bundle 目录 {path} 不存在",
  "give --bundle DIR (default: the current directory)":
    "给出 --bundle DIR（默认是当前目录）",
  "dropping a capability from the bounding set needs CAP_SETPCAP, and this process no longer has it":
    "从边界集（bounding set）里去掉一项能力需要 CAP_SETPCAP，而这个进程已经没有它了",
  "drop from the bounding set first, while the process still holds CAP_SETPCAP (runtimes do it before switching user)":
    "趁进程还持有 CAP_SETPCAP 时先从边界集里去掉（容器运行时在切换用户之前这样做）",
  "capset may only lower the permitted set: effective and inheritable must stay within permitted, and inheritable within the bounding set; a capability once dropped cannot be taken back":
    "capset 只能缩小许可集（permitted）：有效集和可继承集必须在许可集之内，可继承集还必须在边界集之内；能力一旦去掉就拿不回来",
  "ask only for capabilities the process still has (grep Cap /proc/self/status shows them)":
    "只请求进程仍然拥有的能力（grep Cap /proc/self/status 会列出它们）",
  "an ambient capability must be in both the permitted and the inheritable set, and not blocked by SECBIT_NO_CAP_AMBIENT_RAISE":
    "环境能力（ambient）必须同时在许可集和可继承集里，并且没有被 SECBIT_NO_CAP_AMBIENT_RAISE 阻止",
  "keep it in permitted and inheritable too":
    "也把它保留在许可集和可继承集里",
  "changing to uid/gid {path} needs CAP_SETUID/CAP_SETGID; inside a user namespace the id must also be mapped (cat /proc/self/uid_map)":
    "切换到 uid/gid {path} 需要 CAP_SETUID/CAP_SETGID；在用户命名空间里，这个 id 还必须已被映射（cat /proc/self/uid_map）",
  "switch user before dropping capabilities, and map the id in uidMappings/gidMappings":
    "在去掉能力之前切换用户，并在 uidMappings/gidMappings 里映射这个 id",
  "uid/gid {path} is not mapped in this user namespace, so the kernel has no id to give":
    "uid/gid {path} 在这个用户命名空间里没有被映射，所以内核没有 id 可给",
  "add it to the container's uidMappings/gidMappings":
    "把它加进容器的 uidMappings/gidMappings",
  "loading a seccomp filter needs no_new_privs or CAP_SYS_ADMIN; this process has neither":
    "加载 seccomp 过滤器需要 no_new_privs 或 CAP_SYS_ADMIN；这个进程两者都没有",
  "set no_new_privs first ({\"op\":\"no_new_privs\"}, or \"noNewPrivileges\": true)":
    "先设置 no_new_privs（{\"op\":\"no_new_privs\"}，或 \"noNewPrivileges\": true）",
  "the kernel refused the filter: an unknown action or flag, or a program it cannot verify":
    "内核拒绝了这个过滤器：未知的动作或标志，或者它无法验证的程序",
  "the filter program could not be read":
    "无法读取过滤器程序",
  "a network namespace named {path} exists already (/run/netns/{path})":
    "名为 {path} 的网络命名空间已经存在（/run/netns/{path}）",
  "pick another name, or delete the old one: ip netns del {path}":
    "换一个名字，或者删除旧的：ip netns del {path}",
  "/run/netns/{path} is not a mounted network namespace":
    "/run/netns/{path} 不是一个已挂载的网络命名空间",
  "ip netns list shows the named ones":
    "ip netns list 会列出有名字的网络命名空间",
  "there is no link named {path} in that network namespace":
    "那个网络命名空间里没有名为 {path} 的链路",
  "list the links there: ip link (ip -n NAME link, nsenter -t PID -n ip link); a link moved to another namespace is gone from this one":
    "列出那里的链路：ip link（ip -n NAME link，nsenter -t PID -n ip link）；移到另一个命名空间的链路就不在这里了",
  "a link named {path}, or one named like the peer, exists already in that network namespace":
    "名为 {path} 的链路，或者与对端同名的链路，已经存在于那个网络命名空间里",
  "pick other names, or delete the old link: ip link del {path}":
    "换别的名字，或者删除旧链路：ip link del {path}",
  "a link named {path} exists already in that network namespace":
    "名为 {path} 的链路已经存在于那个网络命名空间里",
  "pick another name, or delete the old link: ip link del {path}":
    "换一个名字，或者删除旧链路：ip link del {path}",
  "a link named {path} exists already, or another VXLAN link of this namespace uses the same VNI and UDP port":
    "名为 {path} 的链路已经存在，或者这个命名空间里另一条 VXLAN 链路用了同样的 VNI 和 UDP 端口",
  "pick another name or vni, or delete the old link":
    "换一个名字或 vni，或者删除旧链路",
  "this kernel cannot make veth links: the veth driver (CONFIG_VETH) is neither built in nor loaded, and the kernel did not load it by itself":
    "这个内核无法创建 veth 链路：veth 驱动（CONFIG_VETH）既没有编译进内核，也没有加载，内核也没有自动加载它",
  "load it on the host, as root: modprobe veth (a kernel built without CONFIG_VETH has no veth at all)":
    "以 root 在宿主机上加载它：modprobe veth（编译时没有 CONFIG_VETH 的内核根本没有 veth）",
  "this kernel cannot make bridges: the bridge driver (CONFIG_BRIDGE) is neither built in nor loaded, and the kernel did not load it by itself":
    "这个内核无法创建网桥：bridge 驱动（CONFIG_BRIDGE）既没有编译进内核，也没有加载，内核也没有自动加载它",
  "load it on the host, as root: modprobe bridge (a kernel built without CONFIG_BRIDGE has no bridges at all)":
    "以 root 在宿主机上加载它：modprobe bridge（编译时没有 CONFIG_BRIDGE 的内核根本没有网桥）",
  "this kernel cannot make VXLAN links: the vxlan driver (CONFIG_VXLAN) is neither built in nor loaded, and the kernel did not load it by itself":
    "这个内核无法创建 VXLAN 链路：vxlan 驱动（CONFIG_VXLAN）既没有编译进内核，也没有加载，内核也没有自动加载它",
  "load it on the host, as root: modprobe vxlan (a kernel built without CONFIG_VXLAN has no VXLAN at all)":
    "以 root 在宿主机上加载它：modprobe vxlan（编译时没有 CONFIG_VXLAN 的内核根本没有 VXLAN）",
  "the kernel refused the VXLAN settings: local and remote must be of one family, and a multicast group needs dev":
    "内核拒绝了这些 VXLAN 设置：local 和 remote 必须属于同一地址族，多播组需要 dev",
  "the destination namespace has a link named {path} already":
    "目标命名空间里已经有一条名为 {path} 的链路",
  "give it another name on the way there: \"name\": \"eth0\" (ip link set {path} netns NS name eth0)":
    "在移过去时给它换个名字：\"name\": \"eth0\"（ip link set {path} netns NS name eth0）",
  "{path} cannot change namespace: loopback never moves, nor do links the kernel marks netns-local":
    "{path} 不能换命名空间：回环接口从不移动，内核标记为 netns-local 的链路也不能",
  "make the link in the namespace where it is needed instead":
    "改为在需要它的命名空间里创建这条链路",
  "a link must be down to be renamed, and {path} is up":
    "链路必须处于 down 状态才能改名，而 {path} 是 up 的",
  "take it down first: ip link set {path} down":
    "先把它关掉：ip link set {path} down",
  "another link of that namespace has the new name already":
    "那个命名空间里的另一条链路已经用了这个新名字",
  "only a bridge (or a bond, a VRF) can be a master: the link named as master cannot take ports":
    "只有网桥（或 bond、VRF）才能做 master：被指定为 master 的链路不能接收端口",
  "make a bridge first: ip link add NAME type bridge":
    "先创建一个网桥：ip link add NAME type bridge",
  "{path} is a port of another master already":
    "{path} 已经是另一个 master 的端口",
  "take it off first: ip link set {path} nomaster":
    "先把它摘下来：ip link set {path} nomaster",
  "the link has the address {path} already":
    "这条链路已经有地址 {path} 了",
  "the kernel cannot use {path} as a link's address":
    "内核不能把 {path} 用作链路地址",
  "the main table has this route already (there is one default route per table)":
    "主路由表里已经有这条路由了（每个表只有一条默认路由）",
  "look at it: ip route; replace it with ip route replace":
    "查看它：ip route；用 ip route replace 替换它",
  "the gateway {path} is on no subnet this namespace reaches directly: no address of an up link covers it":
    "网关 {path} 不在这个命名空间能直接到达的任何子网里：没有哪条 up 的链路上的地址覆盖它",
  "put an address of that subnet on a link and bring it up first (ip addr add ... dev ...; ip link set ... up)":
    "先在一条链路上配置那个子网的地址并把链路启用（ip addr add ... dev ...；ip link set ... up）",
  "there is no sysctl {path} in this network namespace (or this kernel)":
    "这个网络命名空间（或这个内核）里没有 sysctl {path}",
  "list them: sysctl -a | grep ^net":
    "列出它们：sysctl -a | grep ^net",
  "cgroup v2's no-internal-process rule: a group other than the root either holds processes or hands controllers to its children (cgroup.subtree_control), never both. {path} (or its parent) already does the other one":
    "cgroup v2 的“无内部进程”规则：除根之外的控制组，要么容纳进程，要么把控制器交给子组（cgroup.subtree_control），二者不能兼得。{path}（或它的父组）已经在做另一件事了",
  "make the group beneath a parent that holds no processes (boxlab run --cgroup-parent /bl-lab puts it beneath the root), or move the processes into a leaf group first":
    "在一个不容纳进程的父组下创建这个控制组（boxlab run --cgroup-parent /bl-lab 把它放在根下面），或者先把进程移进一个叶子组",
  "{path} does not exist: on cgroup v2 a controller's files appear only when the parent lists the controller in cgroup.subtree_control; on v1 each controller has its own tree; some files need a kernel feature (memory.memsw.* needs swap accounting, cgroup.kill Linux 5.14, memory.peak 5.19)":
    "{path} 不存在：在 cgroup v2 上，只有父组在 cgroup.subtree_control 里列出某个控制器，该控制器的文件才会出现；在 v1 上每个控制器有自己的树；有些文件需要内核功能（memory.memsw.* 需要 swap 记账，cgroup.kill 需要 Linux 5.14，memory.peak 需要 5.19）",
  "ls the group's directory to see its files; on v2: cat cgroup.controllers in the parent":
    "ls 这个控制组的目录看看它有哪些文件；在 v2 上：cat 父组里的 cgroup.controllers",
  "the kernel did not accept the value for {path}: each file has its own syntax (bytes or \"max\" for memory.max and pids.max; \"QUOTA PERIOD\" for cpu.max; \"MAJ:MIN wbps=N\" for io.max; \"MAJ:MIN N\" for blkio.throttle.*; a CPU list such as 0-1,3 for cpuset.cpus, and only CPUs the parent has)":
    "内核不接受写给 {path} 的值：每个文件有自己的语法（memory.max 和 pids.max 是字节数或 \"max\"；cpu.max 是 \"QUOTA PERIOD\"；io.max 是 \"MAJ:MIN wbps=N\"；blkio.throttle.* 是 \"MAJ:MIN N\"；cpuset.cpus 是 0-1,3 这样的 CPU 列表，而且只能是父组拥有的 CPU）",
  "the kernel's documentation of the file: Documentation/admin-guide/cgroup-v2.rst (or cgroup-v1/)":
    "这个文件的内核文档：Documentation/admin-guide/cgroup-v2.rst（或 cgroup-v1/）",
  "the kernel cannot apply that now: a v1 memory limit below what the group already uses, a memory+swap limit below the memory limit, or a cpuset that would take CPUs away from a child group":
    "内核现在无法应用这个值：v1 的内存上限低于控制组已经用掉的内存，内存+swap 上限低于内存上限，或者 cpuset 会拿走子组正在用的 CPU",
  "free memory in the group first, set memory.limit_in_bytes before memory.memsw.limit_in_bytes, or change the children first":
    "先释放控制组里的内存，先设 memory.limit_in_bytes 再设 memory.memsw.limit_in_bytes，或者先改子组",
  "a v1 cpuset group with no CPUs or memory nodes (cpuset.cpus or cpuset.mems empty) cannot take a task":
    "一个没有 CPU 或内存节点的 v1 cpuset 控制组（cpuset.cpus 或 cpuset.mems 为空）不能接收任务",
  "copy the parent's: cat ../cpuset.cpus > cpuset.cpus; cat ../cpuset.mems > cpuset.mems":
    "复制父组的设置：cat ../cpuset.cpus > cpuset.cpus；cat ../cpuset.mems > cpuset.mems",
  "the group cannot hold processes: on v2 it is a \"domain invalid\" or threaded group (cat cgroup.type)":
    "这个控制组不能容纳进程：在 v2 上它是 \"domain invalid\" 或 threaded 类型的控制组（cat cgroup.type）",
  "use a plain domain group":
    "使用一个普通的 domain 控制组",
  "that is not the pid of a live process":
    "这不是一个活着的进程的 pid",
  "the process has exited":
    "这个进程已经退出了",
  "the group {path} already exists":
    "控制组 {path} 已经存在",
  "remove it (rmdir {path}) or choose another name":
    "删除它（rmdir {path}），或者换一个名字",
  "the parent directory of {path} does not exist":
    "{path} 的父目录不存在",
  "the group {path} still has processes in it, or child groups: a cgroup can be removed only when it is empty":
    "控制组 {path} 里还有进程或子组：控制组只有空了才能删除",
  "kill what is in it first ({\"op\":\"cgroup_kill\"}; cat {path}/cgroup.procs lists it), and remove the child groups":
    "先杀掉里面的东西（{\"op\":\"cgroup_kill\"}；cat {path}/cgroup.procs 会列出它们），并删除子组",
  "only root (or a user the group was delegated to) may make groups here":
    "只有 root（或被委派了这个控制组的用户）才能在这里创建控制组",
  "run as root":
    "以 root 运行",
  "the kernel refused the rule: writing devices.allow and devices.deny needs CAP_SYS_ADMIN, and a group may allow only what its parent allows":
    "内核拒绝了这条规则：写 devices.allow 和 devices.deny 需要 CAP_SYS_ADMIN，而且控制组只能允许它的父组允许的东西",
  "run as root; cat the parent's devices.list to see what it allows":
    "以 root 运行；cat 父组的 devices.list 看看它允许什么",
  "the kernel did not take the rule for {path}: \"a\" cannot change a group that has child groups, and a rule is TYPE MAJOR:MINOR ACCESS":
    "内核不接受写给 {path} 的规则：\"a\" 不能改变一个有子组的控制组，规则的格式是 TYPE MAJOR:MINOR ACCESS",
  "loading a BPF program needs CAP_BPF or CAP_SYS_ADMIN (and, before Linux 5.11, room in RLIMIT_MEMLOCK)":
    "加载 BPF 程序需要 CAP_BPF 或 CAP_SYS_ADMIN（在 Linux 5.11 之前，还需要 RLIMIT_MEMLOCK 有余量）",
  "run as root; ulimit -l shows the memlock limit":
    "以 root 运行；ulimit -l 显示 memlock 上限",
  "the kernel's verifier refused the program, or this kernel has no cgroup device programs (CONFIG_CGROUP_BPF)":
    "内核的校验器拒绝了这个程序，或者这个内核没有控制组设备程序（CONFIG_CGROUP_BPF）",
  "the syscall log above shows what the verifier said":
    "上面的系统调用日志显示了校验器说了什么",
  "the kernel would not attach the program: a group above holds one attached without BPF_F_ALLOW_MULTI, which allows none beneath it, or this process lacks CAP_SYS_ADMIN":
    "内核不肯附加这个程序：上面某个控制组附加的程序没有带 BPF_F_ALLOW_MULTI，它下面就不能再附加；或者这个进程没有 CAP_SYS_ADMIN",
  "bpftool cgroup tree shows which groups have programs":
    "bpftool cgroup tree 会显示哪些控制组带有程序",
  "the kernel would not start the process in that cgroup: on v2 a group that hands controllers to children cannot hold processes (the no-internal-process rule)":
    "内核不肯在那个控制组里启动进程：在 v2 上，把控制器交给子组的控制组不能容纳进程（“无内部进程”规则）",
  "clone into a leaf group":
    "clone 进一个叶子组",
  "the target cgroup cannot hold processes (a v2 \"domain invalid\" or threaded group)":
    "目标控制组不能容纳进程（v2 的 \"domain invalid\" 或 threaded 控制组）",
  "the kernel refused: this needs a capability (usually CAP_SYS_ADMIN) that the process does not have in the user namespace that owns the object":
    "内核拒绝了：这需要一项能力（通常是 CAP_SYS_ADMIN），而进程在拥有该对象的用户命名空间里没有它",
  "run as root, or do it inside a user namespace you created":
    "以 root 运行，或者在你自己创建的用户命名空间里做",
  "permission denied by file permissions or a security module":
    "被文件权限或安全模块拒绝",
  "{path} does not exist":
    "{path} 不存在",
  "{path} already exists":
    "{path} 已经存在",
  "the filesystem is mounted read-only. An overlay mounted in a user namespace turns read-only by itself when the container's root cannot write its workdir (dmesg then says \"mounting read-only\")":
    "文件系统是只读挂载的。在用户命名空间里挂载的 overlay，如果容器的 root 无法写它的工作目录，会自己变成只读（dmesg 会说 \"mounting read-only\"）",
  "for a user-namespace overlay: chown upper and work to the container's root on the host (e.g. chown 100000 upper work), and add \"options\": \"userxattr\"":
    "对于用户命名空间里的 overlay：在宿主机上把上层目录和工作目录的属主改成容器的 root（例如 chown 100000 upper work），并加上 \"options\": \"userxattr\"",
  "this kernel does not have that system call":
    "这个内核没有那个系统调用",
  "a newer kernel has it":
    "更新的内核有它",
  "the kernel ran out of memory for this, or hit a limit it reports as ENOMEM":
    "内核为此用光了内存，或者碰到了一个它以 ENOMEM 报告的上限",
  "the object is in use":
    "这个对象正在使用中",
  "the kernel refused the call; the errno name says how":
    "内核拒绝了这个调用；errno 名称说明了原因",
  "see the syscall's man page, section ERRORS":
    "参见这个系统调用的手册页的 ERRORS 一节",
  // devices (--device) and AppArmor
  "mknod needs CAP_MKNOD, and the device cgroup must allow mknod (m) of this device; inside a user namespace mknod is never allowed: give \"source\" (the host's node) to bind-mount it instead":
    "mknod 需要 CAP_MKNOD，而且设备控制组必须允许对这个设备 mknod（m）；在用户命名空间里永远不允许 mknod：请给出 \"source\"（宿主机的设备节点），改为绑定挂载它",
  "{path} exists already: a device node is made only where there is nothing":
    "{path} 已经存在：设备节点只在什么都没有的地方创建",
  "choose another path in the container, or leave the node that is there":
    "在容器里换一个路径，或者保留那里已有的节点",
  "the kernel has no AppArmor profile by that name loaded":
    "内核没有加载这个名字的 AppArmor 配置文件",
  "load it first (apparmor_parser -r FILE); cat /sys/kernel/security/apparmor/profiles lists the loaded ones":
    "先加载它（apparmor_parser -r FILE）；cat /sys/kernel/security/apparmor/profiles 会列出已加载的",
  "this process's own profile does not let it change to that one on exec (or no_new_privs forbids the change)":
    "这个进程自己的配置文件不允许它在 exec 时换成那一个（或者 no_new_privs 禁止了这种更换）",
  "set the profile before no_new_privs, from an unconfined process":
    "在设置 no_new_privs 之前、从一个不受约束的进程里设置配置文件",
  "the kernel did not take the command: AppArmor is built in but not the active security module for this file":
    "内核没有接受这个命令：AppArmor 编译进了内核，但不是这个文件当前启用的安全模块",
  "boot with apparmor=1 security=apparmor (or lsm=...,apparmor)":
    "用 apparmor=1 security=apparmor（或 lsm=...,apparmor）启动",
};

/** Each template as a pattern for what the core says once {path} is filled in; the
 *  ones with more fixed words first, so "{path} is not a directory" never takes what
 *  "{path} (or a part of it) is not a directory" said. */
const PATTERNS = Object.entries(ADVICE)
  .filter(([english]) => english.includes('{path}'))
  .sort(([a], [b]) => b.replaceAll('{path}', '').length - a.replaceAll('{path}', '').length)
  .map(([english, chinese]) => {
    const parts = english.split('{path}').map((p) => p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
    return { re: new RegExp(`^${parts.join('(.*)')}$`, 's'), chinese };
  });

/** What the core said, in Chinese when it is one of its explanations or hints (the
 *  path it named put back in), else as it was said. */
export function adviceInChinese(said: string): string {
  if (Object.hasOwn(ADVICE, said)) return ADVICE[said]!;
  for (const { re, chinese } of PATTERNS) {
    const m = re.exec(said);
    // the core says "the path" where it knows none
    if (m && m.slice(1).every((p) => p === m[1])) return chinese.replaceAll('{path}', m[1] === 'the path' ? '该路径' : m[1]!);
  }
  return said;
}
