/* errors.c - the words boxcore says to a person, in one place so they can be
 * reviewed and translated together.
 *
 * Lookup order for advice_for(op, errno, variant):
 *   (op, errno, variant) -> (op, errno) -> (any op, errno) -> a generic sentence.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <strings.h>
#include <stddef.h>
#include <string.h>

#include "errors.h"

static const struct {
	int err;
	const char *name;
} errno_names[] = {
	{ EPERM, "EPERM" }, { ENOENT, "ENOENT" }, { ESRCH, "ESRCH" }, { EINTR, "EINTR" },
	{ EIO, "EIO" }, { ENXIO, "ENXIO" }, { E2BIG, "E2BIG" }, { ENOEXEC, "ENOEXEC" },
	{ EBADF, "EBADF" }, { ECHILD, "ECHILD" }, { EAGAIN, "EAGAIN" }, { ENOMEM, "ENOMEM" },
	{ EACCES, "EACCES" }, { EFAULT, "EFAULT" }, { ENOTBLK, "ENOTBLK" }, { EBUSY, "EBUSY" },
	{ EEXIST, "EEXIST" }, { EXDEV, "EXDEV" }, { ENODEV, "ENODEV" }, { ENOTDIR, "ENOTDIR" },
	{ EISDIR, "EISDIR" }, { EINVAL, "EINVAL" }, { ENFILE, "ENFILE" }, { EMFILE, "EMFILE" },
	{ ENOTTY, "ENOTTY" }, { ETXTBSY, "ETXTBSY" }, { EFBIG, "EFBIG" }, { ENOSPC, "ENOSPC" },
	{ ESPIPE, "ESPIPE" }, { EROFS, "EROFS" }, { EMLINK, "EMLINK" }, { EPIPE, "EPIPE" },
	{ EDOM, "EDOM" }, { ERANGE, "ERANGE" }, { EDEADLK, "EDEADLK" },
	{ ENAMETOOLONG, "ENAMETOOLONG" }, { ENOLCK, "ENOLCK" }, { ENOSYS, "ENOSYS" },
	{ ENOTEMPTY, "ENOTEMPTY" }, { ELOOP, "ELOOP" }, { ENOMSG, "ENOMSG" }, { EIDRM, "EIDRM" },
	{ ENOSTR, "ENOSTR" }, { ENODATA, "ENODATA" }, { ETIME, "ETIME" }, { ENOSR, "ENOSR" },
	{ EREMOTE, "EREMOTE" }, { ENOLINK, "ENOLINK" }, { EPROTO, "EPROTO" },
	{ EBADMSG, "EBADMSG" }, { EOVERFLOW, "EOVERFLOW" }, { EILSEQ, "EILSEQ" },
	{ EUSERS, "EUSERS" }, { ENOTSOCK, "ENOTSOCK" }, { EDESTADDRREQ, "EDESTADDRREQ" },
	{ EMSGSIZE, "EMSGSIZE" }, { EPROTOTYPE, "EPROTOTYPE" }, { ENOPROTOOPT, "ENOPROTOOPT" },
	{ EPROTONOSUPPORT, "EPROTONOSUPPORT" }, { EOPNOTSUPP, "EOPNOTSUPP" },
	{ EAFNOSUPPORT, "EAFNOSUPPORT" }, { EADDRINUSE, "EADDRINUSE" },
	{ EADDRNOTAVAIL, "EADDRNOTAVAIL" }, { ENETDOWN, "ENETDOWN" },
	{ ENETUNREACH, "ENETUNREACH" }, { ECONNABORTED, "ECONNABORTED" },
	{ ECONNRESET, "ECONNRESET" }, { ENOBUFS, "ENOBUFS" }, { EISCONN, "EISCONN" },
	{ ENOTCONN, "ENOTCONN" }, { ETIMEDOUT, "ETIMEDOUT" }, { ECONNREFUSED, "ECONNREFUSED" },
	{ EHOSTUNREACH, "EHOSTUNREACH" }, { EALREADY, "EALREADY" },
	{ EINPROGRESS, "EINPROGRESS" }, { ESTALE, "ESTALE" }, { EDQUOT, "EDQUOT" },
	{ ECANCELED, "ECANCELED" }, { EOWNERDEAD, "EOWNERDEAD" },
	{ ENOTRECOVERABLE, "ENOTRECOVERABLE" }, { ENOKEY, "ENOKEY" },
	{ EKEYREVOKED, "EKEYREVOKED" }, { EUCLEAN, "EUCLEAN" }, { ENOMEDIUM, "ENOMEDIUM" },
	{ EMEDIUMTYPE, "EMEDIUMTYPE" },
};

const char *errno_name(int err)
{
	for (size_t i = 0; i < sizeof errno_names / sizeof errno_names[0]; i++)
		if (errno_names[i].err == err)
			return errno_names[i].name;
	return "EUNKNOWN";
}

int errno_number(const char *name)
{
	for (size_t i = 0; i < sizeof errno_names / sizeof errno_names[0]; i++)
		if (strcmp(errno_names[i].name, name) == 0)
			return errno_names[i].err;
	return -1;
}

static const char *const signal_names[] = {
	[SIGHUP] = "HUP", [SIGINT] = "INT", [SIGQUIT] = "QUIT", [SIGILL] = "ILL",
	[SIGTRAP] = "TRAP", [SIGABRT] = "ABRT", [SIGBUS] = "BUS", [SIGFPE] = "FPE",
	[SIGKILL] = "KILL", [SIGUSR1] = "USR1", [SIGSEGV] = "SEGV", [SIGUSR2] = "USR2",
	[SIGPIPE] = "PIPE", [SIGALRM] = "ALRM", [SIGTERM] = "TERM", [SIGSTKFLT] = "STKFLT",
	[SIGCHLD] = "CHLD", [SIGCONT] = "CONT", [SIGSTOP] = "STOP", [SIGTSTP] = "TSTP",
	[SIGTTIN] = "TTIN", [SIGTTOU] = "TTOU", [SIGURG] = "URG", [SIGXCPU] = "XCPU",
	[SIGXFSZ] = "XFSZ", [SIGVTALRM] = "VTALRM", [SIGPROF] = "PROF", [SIGWINCH] = "WINCH",
	[SIGIO] = "IO", [SIGPWR] = "PWR", [SIGSYS] = "SYS",
};

const char *signal_name(int sig)
{
	if (sig > 0 && sig < (int)(sizeof signal_names / sizeof signal_names[0]) && signal_names[sig])
		return signal_names[sig];
	return NULL;
}

int signal_number(const char *name)
{
	if (!name || !*name)
		return -1;
	if (name[0] >= '0' && name[0] <= '9') {
		char *end;
		long n = strtol(name, &end, 10);
		return (*end == 0 && n > 0 && n < 65) ? (int)n : -1;
	}
	if (strncasecmp(name, "SIG", 3) == 0)
		name += 3;
	for (int i = 1; i < (int)(sizeof signal_names / sizeof signal_names[0]); i++)
		if (signal_names[i] && strcasecmp(signal_names[i], name) == 0)
			return i;
	return -1;
}

struct entry {
	const char *op;      /* NULL: any op */
	int err;
	const char *variant; /* NULL: any */
	const char *explain;
	const char *hint;
};

static const struct entry table[] = {
	/* ---- clone ---- */
	{ "clone", EPERM, "no_user",
	  "creating namespaces other than a user namespace needs CAP_SYS_ADMIN, and this process does not have it",
	  "run as root, or add 'user' to ns: a new user namespace gives its first process every capability inside it" },
	{ "clone", EPERM, "user",
	  "the kernel refused a new user namespace: unprivileged user namespaces may be switched off "
	  "(sysctl kernel.unprivileged_userns_clone=0, or a security module such as AppArmor's "
	  "restrict_unprivileged_userns), or this process is in a chroot or a seccomp sandbox",
	  "run as root, or check: sysctl kernel.unprivileged_userns_clone user.max_user_namespaces" },
	{ "clone", ENOSPC, NULL,
	  "a limit on the number of namespaces was reached (user.max_*_namespaces), or the user namespace is nested more than 32 deep",
	  "look at: sysctl user.max_user_namespaces user.max_pid_namespaces; destroy containers you no longer need" },
	{ "clone", EUSERS, NULL,
	  "too many nested user namespaces (older kernels report the limit with EUSERS)",
	  "destroy containers you no longer need" },
	{ "clone", EINVAL, NULL,
	  "the kernel rejected the flag combination; a kernel built without one of the namespaces (CONFIG_*_NS) says EINVAL",
	  "check the kernel has the namespace: ls /proc/self/ns" },
	{ "clone", ENOMEM, NULL,
	  "the kernel could not make the process; in a PID namespace whose init has exited no new process can be made",
	  "" },

	/* ---- idmap ---- */
	{ "idmap", EPERM, "no_userns",
	  "the container has no user namespace of its own: it lives in the host's, whose maps are fixed (0 0 4294967295)",
	  "clone the container with 'user' in ns, then write its maps" },
	{ "idmap", EPERM, NULL,
	  "the kernel refused the map: each of uid_map and gid_map can be written only once; the writer needs CAP_SETUID/CAP_SETGID "
	  "in the parent user namespace for anything but mapping its own id; and an unprivileged writer must deny setgroups before writing gid_map",
	  "map only ids you own (\"0 $(id -u) 1\"), write setgroups=deny first, and write each map once" },
	{ "idmap", EINVAL, NULL,
	  "the map text is malformed: each line is INSIDE OUTSIDE COUNT, ranges must not overlap, and the whole map must be written in one write()",
	  "e.g. \"0 100000 65536\"; several ranges are joined by \\n" },
	{ "idmap", ENOENT, NULL,
	  "the process is gone, so /proc/PID/uid_map does not exist any more",
	  "" },

	/* ---- hostname ---- */
	{ "sethostname", EPERM, NULL,
	  "changing the hostname needs CAP_SYS_ADMIN in the user namespace that owns the UTS namespace",
	  "clone the container with a new 'uts' namespace (and 'user' when not root)" },
	{ "sethostname", EINVAL, NULL, "a hostname is at most 64 bytes", "choose a shorter name" },
	{ "setdomainname", EPERM, NULL,
	  "changing the NIS domain name needs CAP_SYS_ADMIN in the user namespace that owns the UTS namespace",
	  "clone the container with a new 'uts' namespace" },
	{ "setdomainname", EINVAL, NULL, "a domain name is at most 64 bytes", "choose a shorter name" },

	/* ---- mounts ---- */
	{ "propagation", EINVAL, NULL,
	  "{path} is not a mount point, and propagation is a property of a mount",
	  "use a mount point such as /, or bind-mount the directory onto itself first: mount --bind {path} {path}" },
	{ "propagation", EPERM, NULL,
	  "changing propagation needs CAP_SYS_ADMIN in the user namespace that owns the mount namespace",
	  "clone with a new 'mnt' namespace (and 'user' when not root)" },
	{ "mount", EPERM, "userns",
	  "this mount is not allowed inside a user namespace: only some filesystems can be mounted there (proc, sysfs, tmpfs, "
	  "devpts, mqueue, bind mounts, and overlay since Linux 5.11); proc needs a new PID namespace and a fully visible /proc, "
	  "sysfs a network namespace owned by the user namespace",
	  "mount it before entering the user namespace, or bind-mount what the host already has" },
	{ "mount", EPERM, NULL,
	  "mounting needs CAP_SYS_ADMIN in the user namespace that owns the mount namespace",
	  "run as root, or clone with 'user' and 'mnt'" },
	{ "mount", EINVAL, "overlay_userns_old",
	  "overlayfs cannot be mounted inside a user namespace before Linux 5.11, and this kernel is older",
	  "mount the overlay before entering the user namespace (as root), or use fuse-overlayfs" },
	{ "mount", EINVAL, "overlay",
	  "overlayfs refused the layers: lowerdir, upperdir and workdir must exist, upperdir and workdir must be on the same "
	  "filesystem, workdir must be an empty directory, and the upper filesystem must support what overlay needs (not "
	  "another overlay, for example)",
	  "make fresh empty upper and work dirs side by side: mkdir upper work" },
	{ "mount", EINVAL, NULL,
	  "the kernel did not accept the arguments: an unknown option in the data string, a source that is not a mount for a "
	  "remount, or a bind of a directory that is not reachable from this mount namespace",
	  "check the options string (e.g. size=64m for tmpfs)" },
	{ "mount", ENOENT, NULL,
	  "a path does not exist: the target {path}, the source, or a directory of the overlay",
	  "create it first (mkdir -p), or pass \"mkdir\": true" },
	{ "mount", ENOTDIR, NULL,
	  "the target and the source must both be directories, or both files (for a bind mount)",
	  "bind a file onto a file and a directory onto a directory" },
	{ "mount", ENODEV, "overlay",
	  "this kernel does not know the overlay filesystem: overlayfs (CONFIG_OVERLAY_FS) is neither built in nor loaded",
	  "load its module on the host, as root: modprobe overlay (cat /proc/filesystems lists the filesystems the kernel "
	  "knows; a kernel built without CONFIG_OVERLAY_FS cannot mount one)" },
	{ "mount", ENODEV, NULL,
	  "this kernel does not know that filesystem type (cat /proc/filesystems lists those it knows)",
	  "load the filesystem's module on the host, as root (modprobe NAME), or pick another type" },
	{ "mount", EBUSY, NULL,
	  "something is already mounted there in a way that conflicts, or the device is busy",
	  "unmount it first, or mount on a fresh directory" },
	{ "mount", EACCES, NULL,
	  "a directory on the way is not searchable, or the filesystem was mounted without permission to do this (nosuid, noexec, ro)",
	  "" },
	{ "umount", EINVAL, NULL,
	  "{path} is not a mount point (or it is locked: a mount inherited into a user namespace cannot be unmounted "
	  "alone from inside it)",
	  "look at /proc/self/mountinfo for the mount points" },
	{ "umount", EBUSY, NULL,
	  "a process still uses the mount (its cwd, an open file, or a mount beneath it)",
	  "detach it lazily instead: umount -l {path} (\"detach\": true)" },
	{ "umount", EPERM, NULL,
	  "unmounting needs CAP_SYS_ADMIN in the user namespace that owns the mount namespace",
	  "" },
	{ "readonly", EINVAL, NULL,
	  "{path} is not a mount point, so there is no mount to make read-only",
	  "bind-mount it onto itself first: mount --bind {path} {path}" },
	{ "readonly", EPERM, NULL,
	  "the kernel keeps the flags a mount had when it came into this user namespace locked; a remount must not clear them",
	  "" },

	/* ---- devices ---- */
	{ "devices", EPERM, NULL,
	  "making the minimal /dev needs CAP_SYS_ADMIN to mount and CAP_MKNOD for device nodes; inside a user namespace "
	  "mknod is never allowed, which is why boxcore bind-mounts the host's nodes there",
	  "" },

	/* ---- root switching ---- */
	{ "pivot_root", EINVAL, "initramfs",
	  "the current root is the initramfs (rootfs): the kernel cannot move it away, so pivot_root always fails there",
	  "use chroot instead (or switch_root, which deletes the initramfs, moves the new root onto / and chroots)" },
	{ "pivot_root", EINVAL, "shared",
	  "the new root, its parent mount or the current root is a shared mount: pivot_root would propagate the root switch "
	  "to other mount namespaces, so the kernel refuses",
	  "make the mounts private first: mount --make-rprivate / (the 'propagation' op)" },
	{ "pivot_root", EINVAL, "not_mountpoint",
	  "the new root must be a mount point, and {path} is just a directory on the mount above it",
	  "bind-mount it onto itself first: mount --bind {path} {path}" },
	{ "pivot_root", EBUSY, "not_mountpoint_busy",
	  "the new root must be a mount point, and {path} is just a directory on the same mount as the current root "
	  "(the kernel says EBUSY for that case, EINVAL when the directory is on another mount)",
	  "bind-mount it onto itself first: mount --bind {path} {path}" },
	{ "pivot_root", EINVAL, NULL,
	  "the new root must be a mount point, not on a shared mount, and must not be the current root; "
	  "pivot_root also refuses when / is the initramfs",
	  "bind-mount it onto itself first (mount --bind {path} {path}) and make / private (mount --make-rprivate /)" },
	{ "pivot_root", EPERM, NULL,
	  "pivot_root needs CAP_SYS_ADMIN in the user namespace that owns the mount namespace",
	  "" },
	{ "pivot_root", EBUSY, NULL,
	  "the new root is the current root's own mount (a directory on it that is not a mount point, or / itself)",
	  "bind-mount it onto itself first: mount --bind {path} {path}" },
	{ "pivot_root", ENOTDIR, NULL, "{path} is not a directory", "" },
	{ "pivot_root", ENOENT, NULL, "{path} does not exist in the container's current root", "" },
	{ "chroot", EPERM, NULL, "chroot needs CAP_SYS_CHROOT", "" },
	{ "chroot", ENOENT, NULL, "{path} does not exist in the container's current root", "" },
	{ "chroot", ENOTDIR, NULL, "{path} is not a directory", "" },
	{ "chdir", ENOENT, NULL, "{path} does not exist in the container's root", "" },
	{ "chdir", ENOTDIR, NULL, "{path} (or a part of it) is not a directory", "" },

	/* ---- running programs ---- */
	{ NULL, ENOENT, "exec_missing",
	  "the program {path} is not in the container's root: after pivot_root or chroot only the new root's files exist",
	  "copy the program into the rootfs (with its libraries), or give its path inside the container" },
	{ NULL, ENOENT, "exec_interpreter",
	  "{path} exists, but the program that must load it does not: the dynamic loader named in its ELF header "
	  "(e.g. /lib64/ld-linux-x86-64.so.2) or the interpreter on its #! line is missing from the container's root",
	  "copy the loader and libraries too (ldd {path} lists them), or use a static binary such as busybox" },
	{ NULL, EACCES, "exec",
	  "{path} is not executable: it lacks the x bit, is a directory, or sits on a mount with noexec",
	  "chmod +x it, or mount without noexec" },
	{ NULL, ENOEXEC, "exec",
	  "{path} is not a format this kernel can run (wrong architecture, or a script without a #! line)",
	  "add a #! line, or run it through a shell: [\"/bin/sh\", \"{path}\"]" },
	{ NULL, ENOTDIR, "exec", "a part of {path} is not a directory", "" },
	{ NULL, ENOENT, "cwd", "the working directory {path} does not exist in the container", "" },
	{ NULL, ENOMEM, "fork_pidns",
	  "no process can be made in a PID namespace whose init (PID 1) has exited",
	  "make a new container" },

	/* ---- joining ---- */
	{ NULL, EPERM, "setns",
	  "joining a namespace needs CAP_SYS_ADMIN in the user namespace that owns it (and CAP_SYS_CHROOT for a mount namespace)",
	  "run as root, or join the container's user namespace first" },
	{ NULL, EINVAL, "setns",
	  "the kernel refused to join: a multithreaded process cannot join a user or mount namespace, "
	  "and a process cannot re-join its own user namespace",
	  "" },
	{ NULL, ENOENT, "setns",
	  "the process {path} is gone, so its namespace files in /proc are too",
	  "" },
	{ NULL, ESRCH, "setns", "no such process: {path}", "" },

	/* ---- signals and waiting ---- */
	{ "signal", ESRCH, NULL, "there is no process {path} (it has exited and been reaped)", "" },
	{ "signal", EPERM, NULL, "sending a signal to a process of another user needs CAP_KILL", "" },
	{ "wait", ECHILD, NULL,
	  "only a process's parent can wait for it and read its exit status, and {path} is not a child of this server",
	  "wait for a container's init by its ct name" },

	/* ---- the OCI runtime ---- */
	{ NULL, ENOENT, "oci_config", "there is no {path}: a bundle is a directory with config.json and the root filesystem",
	  "write a default one with: boxcore spec --bundle DIR" },
	{ NULL, ENOENT, "oci_bundle", "the bundle directory {path} does not exist", "give --bundle DIR (default: the current directory)" },

	/* ---- capabilities, no_new_privs, seccomp ---- */
	{ NULL, EPERM, "bounding",
	  "dropping a capability from the bounding set needs CAP_SETPCAP, and this process no longer has it",
	  "drop from the bounding set first, while the process still holds CAP_SETPCAP (runtimes do it before switching user)" },
	{ NULL, EPERM, "capset",
	  "capset may only lower the permitted set: effective and inheritable must stay within permitted, and inheritable "
	  "within the bounding set; a capability once dropped cannot be taken back",
	  "ask only for capabilities the process still has (grep Cap /proc/self/status shows them)" },
	{ NULL, EPERM, "ambient",
	  "an ambient capability must be in both the permitted and the inheritable set, and not blocked by "
	  "SECBIT_NO_CAP_AMBIENT_RAISE",
	  "keep it in permitted and inheritable too" },
	{ NULL, EPERM, "setid",
	  "changing to uid/gid {path} needs CAP_SETUID/CAP_SETGID; inside a user namespace the id must also be mapped "
	  "(cat /proc/self/uid_map)",
	  "switch user before dropping capabilities, and map the id in uidMappings/gidMappings" },
	{ NULL, EINVAL, "setid",
	  "uid/gid {path} is not mapped in this user namespace, so the kernel has no id to give",
	  "add it to the container's uidMappings/gidMappings" },
	{ "seccomp", EACCES, NULL,
	  "loading a seccomp filter needs no_new_privs or CAP_SYS_ADMIN; this process has neither",
	  "set no_new_privs first ({\"op\":\"no_new_privs\"}, or \"noNewPrivileges\": true)" },
	{ "seccomp", EINVAL, NULL,
	  "the kernel refused the filter: an unknown action or flag, or a program it cannot verify",
	  "" },
	{ "seccomp", EFAULT, NULL, "the filter program could not be read", "" },

	/* ---- networking (net.c, nat.c) ---- */
	{ "netns_add", EEXIST, "netns", "a network namespace named {path} exists already (" "/run/netns/{path})",
	  "pick another name, or delete the old one: ip netns del {path}" },
	{ "netns_del", EINVAL, "netns", "/run/netns/{path} is not a mounted network namespace", "ip netns list shows the named ones" },
	{ NULL, ENODEV, "link", "there is no link named {path} in that network namespace",
	  "list the links there: ip link (ip -n NAME link, nsenter -t PID -n ip link); a link moved to another namespace "
	  "is gone from this one" },
	{ "veth_add", EEXIST, NULL, "a link named {path}, or one named like the peer, exists already in that network namespace",
	  "pick other names, or delete the old link: ip link del {path}" },
	{ "bridge_add", EEXIST, NULL, "a link named {path} exists already in that network namespace",
	  "pick another name, or delete the old link: ip link del {path}" },
	{ "vxlan_add", EEXIST, NULL,
	  "a link named {path} exists already, or another VXLAN link of this namespace uses the same VNI and UDP port",
	  "pick another name or vni, or delete the old link" },
	/* A link kind the kernel has no driver for: RTM_NEWLINK names the kind, the kernel
	 * asks modprobe for "rtnl-link-KIND" (only for root of the host's user namespace),
	 * and without a driver answers EOPNOTSUPP, "Unknown device type". */
	{ "veth_add", EOPNOTSUPP, NULL,
	  "this kernel cannot make veth links: the veth driver (CONFIG_VETH) is neither built in nor loaded, and the "
	  "kernel did not load it by itself",
	  "load it on the host, as root: modprobe veth (a kernel built without CONFIG_VETH has no veth at all)" },
	{ "bridge_add", EOPNOTSUPP, NULL,
	  "this kernel cannot make bridges: the bridge driver (CONFIG_BRIDGE) is neither built in nor loaded, and the "
	  "kernel did not load it by itself",
	  "load it on the host, as root: modprobe bridge (a kernel built without CONFIG_BRIDGE has no bridges at all)" },
	{ "vxlan_add", EOPNOTSUPP, NULL,
	  "this kernel cannot make VXLAN links: the vxlan driver (CONFIG_VXLAN) is neither built in nor loaded, and the "
	  "kernel did not load it by itself",
	  "load it on the host, as root: modprobe vxlan (a kernel built without CONFIG_VXLAN has no VXLAN at all)" },
	{ "vxlan_add", EINVAL, NULL, "the kernel refused the VXLAN settings: local and remote must be of one family, and "
	  "a multicast group needs dev", "" },
	{ "link_move", EEXIST, "move", "the destination namespace has a link named {path} already",
	  "give it another name on the way there: \"name\": \"eth0\" (ip link set {path} netns NS name eth0)" },
	{ "link_move", EINVAL, "move", "{path} cannot change namespace: loopback never moves, nor do links the kernel marks "
	  "netns-local", "make the link in the namespace where it is needed instead" },
	{ "link_rename", EBUSY, "rename", "a link must be down to be renamed, and {path} is up",
	  "take it down first: ip link set {path} down" },
	{ "link_rename", EEXIST, "rename", "another link of that namespace has the new name already", "" },
	{ "link_master", EOPNOTSUPP, "master", "only a bridge (or a bond, a VRF) can be a master: the link named as master "
	  "cannot take ports", "make a bridge first: ip link add NAME type bridge" },
	{ "link_master", EBUSY, "master", "{path} is a port of another master already", "take it off first: ip link set {path} nomaster" },
	{ "addr_add", EEXIST, "addr", "the link has the address {path} already", "" },
	{ "addr_add", EADDRNOTAVAIL, "addr", "the kernel cannot use {path} as a link's address", "" },
	{ "route_add", EEXIST, "route", "the main table has this route already (there is one default route per table)",
	  "look at it: ip route; replace it with ip route replace" },
	{ "route_add", ENETUNREACH, "route",
	  "the gateway {path} is on no subnet this namespace reaches directly: no address of an up link covers it",
	  "put an address of that subnet on a link and bring it up first (ip addr add ... dev ...; ip link set ... up)" },
	{ "sysctl", ENOENT, "sysctl", "there is no sysctl {path} in this network namespace (or this kernel)",
	  "list them: sysctl -a | grep ^net" },

	/* ---- cgroups ---- */
	{ NULL, EBUSY, "no_internal_process",
	  "cgroup v2's no-internal-process rule: a group other than the root either holds processes or hands controllers "
	  "to its children (cgroup.subtree_control), never both. {path} (or its parent) already does the other one",
	  "make the group beneath a parent that holds no processes (boxlab run --cgroup-parent /bl-lab puts it beneath the "
	  "root), or move the processes into a leaf group first" },
	{ NULL, ENOENT, "cgroup_file",
	  "{path} does not exist: on cgroup v2 a controller's files appear only when the parent lists the controller in "
	  "cgroup.subtree_control; on v1 each controller has its own tree; some files need a kernel feature "
	  "(memory.memsw.* needs swap accounting, cgroup.kill Linux 5.14, memory.peak 5.19)",
	  "ls the group's directory to see its files; on v2: cat cgroup.controllers in the parent" },
	{ NULL, EINVAL, "cgroup_write",
	  "the kernel did not accept the value for {path}: each file has its own syntax (bytes or \"max\" for memory.max and "
	  "pids.max; \"QUOTA PERIOD\" for cpu.max; \"MAJ:MIN wbps=N\" for io.max; \"MAJ:MIN N\" for "
	  "blkio.throttle.*; a CPU list such as 0-1,3 for cpuset.cpus, and only CPUs the parent has)",
	  "the kernel's documentation of the file: Documentation/admin-guide/cgroup-v2.rst (or cgroup-v1/)" },
	{ NULL, EBUSY, "cgroup_write",
	  "the kernel cannot apply that now: a v1 memory limit below what the group already uses, a memory+swap limit "
	  "below the memory limit, or a cpuset that would take CPUs away from a child group",
	  "free memory in the group first, set memory.limit_in_bytes before memory.memsw.limit_in_bytes, or change the children first" },
	{ NULL, ENOSPC, "cgroup_procs",
	  "a v1 cpuset group with no CPUs or memory nodes (cpuset.cpus or cpuset.mems empty) cannot take a task",
	  "copy the parent's: cat ../cpuset.cpus > cpuset.cpus; cat ../cpuset.mems > cpuset.mems" },
	{ NULL, EOPNOTSUPP, "cgroup_procs",
	  "the group cannot hold processes: on v2 it is a \"domain invalid\" or threaded group (cat cgroup.type)",
	  "use a plain domain group" },
	{ NULL, EINVAL, "cgroup_procs", "that is not the pid of a live process", "" },
	{ NULL, ESRCH, "cgroup_procs", "the process has exited", "" },
	{ NULL, EEXIST, "cgroup_mkdir", "the group {path} already exists", "remove it (rmdir {path}) or choose another name" },
	{ NULL, ENOENT, "cgroup_mkdir", "the parent directory of {path} does not exist", "" },
	{ NULL, EBUSY, "cgroup_rmdir",
	  "the group {path} still has processes in it, or child groups: a cgroup can be removed only when it is empty",
	  "kill what is in it first ({\"op\":\"cgroup_kill\"}; cat {path}/cgroup.procs lists it), and remove the child groups" },
	{ NULL, EACCES, "cgroup_mkdir", "only root (or a user the group was delegated to) may make groups here", "run as root" },
	{ "cgroup_devices", EPERM, "devices_v1",
	  "the kernel refused the rule: writing devices.allow and devices.deny needs CAP_SYS_ADMIN, and a group may allow "
	  "only what its parent allows",
	  "run as root; cat the parent's devices.list to see what it allows" },
	{ "cgroup_devices", EINVAL, "devices_v1",
	  "the kernel did not take the rule for {path}: \"a\" cannot change a group that has child groups, and a rule is "
	  "TYPE MAJOR:MINOR ACCESS", "" },
	{ "cgroup_devices", EPERM, "bpf_load",
	  "loading a BPF program needs CAP_BPF or CAP_SYS_ADMIN (and, before Linux 5.11, room in RLIMIT_MEMLOCK)",
	  "run as root; ulimit -l shows the memlock limit" },
	{ "cgroup_devices", EINVAL, "bpf_load",
	  "the kernel's verifier refused the program, or this kernel has no cgroup device programs (CONFIG_CGROUP_BPF)",
	  "the syscall log above shows what the verifier said" },
	{ "cgroup_devices", EPERM, "bpf_attach",
	  "the kernel would not attach the program: a group above holds one attached without BPF_F_ALLOW_MULTI, which "
	  "allows none beneath it, or this process lacks CAP_SYS_ADMIN",
	  "bpftool cgroup tree shows which groups have programs" },
	{ "clone", EBUSY, NULL,
	  "the kernel would not start the process in that cgroup: on v2 a group that hands controllers to children "
	  "cannot hold processes (the no-internal-process rule)",
	  "clone into a leaf group" },
	{ "clone", EOPNOTSUPP, NULL, "the target cgroup cannot hold processes (a v2 \"domain invalid\" or threaded group)", "" },

	/* ---- any op ---- */
	{ NULL, EPERM, NULL, "the kernel refused: this needs a capability (usually CAP_SYS_ADMIN) that the process does not have "
	  "in the user namespace that owns the object", "run as root, or do it inside a user namespace you created" },
	{ NULL, EACCES, NULL, "permission denied by file permissions or a security module", "" },
	{ NULL, ENOENT, NULL, "{path} does not exist", "" },
	{ NULL, ENOTDIR, NULL, "a part of {path} is not a directory", "" },
	{ NULL, EEXIST, NULL, "{path} already exists", "" },
	{ NULL, EROFS, NULL,
	  "the filesystem is mounted read-only. An overlay mounted in a user namespace turns read-only by itself when the "
	  "container's root cannot write its workdir (dmesg then says \"mounting read-only\")",
	  "for a user-namespace overlay: chown upper and work to the container's root on the host (e.g. chown 100000 upper work), "
	  "and add \"options\": \"userxattr\"" },
	{ NULL, ENOSYS, NULL, "this kernel does not have that system call", "a newer kernel has it" },
	{ NULL, ENOMEM, NULL, "the kernel ran out of memory for this, or hit a limit it reports as ENOMEM", "" },
	{ NULL, ESRCH, NULL, "no such process: {path}", "" },
	{ NULL, EBUSY, NULL, "the object is in use", "" },
};

static bool same(const char *a, const char *b)
{
	return a && b && strcmp(a, b) == 0;
}

static const struct entry *find(const char *op, int err, const char *variant, bool any_op, bool any_variant)
{
	for (size_t i = 0; i < sizeof table / sizeof table[0]; i++) {
		const struct entry *e = &table[i];
		if (e->err != err)
			continue;
		if (any_op ? e->op != NULL : !same(e->op, op))
			continue;
		if (any_variant ? e->variant != NULL : !same(e->variant, variant))
			continue;
		return e;
	}
	return NULL;
}

struct advice advice_for(const char *op, int err, const char *variant)
{
	const struct entry *e = NULL;
	if (variant)
		e = find(op, err, variant, false, false);
	if (!e && variant)
		e = find(NULL, err, variant, true, false);
	if (!e)
		e = find(op, err, NULL, false, true);
	if (!e)
		e = find(NULL, err, NULL, true, true);
	if (e)
		return (struct advice){ e->explain, e->hint };
	return (struct advice){ "the kernel refused the call; the errno name says how", "see the syscall's man page, section ERRORS" };
}

static const struct {
	const char *op;
	const char *example;
} examples[] = {
	{ "hello", "{\"op\":\"hello\"}" },
	{ "clone", "{\"op\":\"clone\",\"ns\":[\"pid\",\"uts\",\"mnt\"]} (ns: " NS_ACCEPTED ")" },
	{ "idmap", "{\"op\":\"idmap\",\"ct\":\"c1\",\"uid\":\"0 100000 65536\",\"gid\":\"0 100000 65536\",\"setgroups\":\"deny\"}" },
	{ "signal", "{\"op\":\"signal\",\"ct\":\"c1\",\"sig\":\"TERM\"} (or \"pid\": 4242; sig: a name or a number)" },
	{ "wait", "{\"op\":\"wait\",\"ct\":\"c1\",\"timeout_ms\":10000}" },
	{ "join", "{\"op\":\"join\",\"ct\":\"c1\",\"argv\":[\"/bin/hostname\"],\"ns\":[\"uts\"],\"capture\":true}" },
	{ "probe", "{\"op\":\"probe\",\"pid\":4242,\"what\":[\"uts\",\"ipc\"]}" },
	{ "destroy", "{\"op\":\"destroy\",\"ct\":\"c1\"}" },
	{ "list", "{\"op\":\"list\"}" },
	{ "sethostname", "{\"op\":\"sethostname\",\"ct\":\"c1\",\"name\":\"box\"}" },
	{ "setdomainname", "{\"op\":\"setdomainname\",\"ct\":\"c1\",\"name\":\"lab\"}" },
	{ "propagation", "{\"op\":\"propagation\",\"ct\":\"c1\",\"path\":\"/\",\"mode\":\"private\",\"recursive\":true} (mode: " PROPAGATION_ACCEPTED ")" },
	{ "mount", "{\"op\":\"mount\",\"ct\":\"c1\",\"type\":\"tmpfs\",\"target\":\"/tmp/x\",\"options\":\"size=64m\"} (type: " MOUNT_TYPES_ACCEPTED ")" },
	{ "umount", "{\"op\":\"umount\",\"ct\":\"c1\",\"target\":\"/tmp/x\",\"detach\":false}" },
	{ "readonly", "{\"op\":\"readonly\",\"ct\":\"c1\",\"target\":\"/tmp/x\"}" },
	{ "masked_paths", "{\"op\":\"masked_paths\",\"ct\":\"c1\",\"paths\":[\"/proc/kcore\",\"/sys/firmware\"]}" },
	{ "readonly_paths", "{\"op\":\"readonly_paths\",\"ct\":\"c1\",\"paths\":[\"/proc/sys\",\"/proc/sysrq-trigger\"]}" },
	{ "devices", "{\"op\":\"devices\",\"ct\":\"c1\",\"root\":\"/tmp/rootfs\"}" },
	{ "pivot_root", "{\"op\":\"pivot_root\",\"ct\":\"c1\",\"root\":\"/tmp/rootfs\"}" },
	{ "chroot", "{\"op\":\"chroot\",\"ct\":\"c1\",\"root\":\"/tmp/rootfs\"}" },
	{ "chdir", "{\"op\":\"chdir\",\"ct\":\"c1\",\"path\":\"/\"}" },
	{ "spawn", "{\"op\":\"spawn\",\"ct\":\"c1\",\"argv\":[\"/bin/ls\",\"/\"],\"env\":[\"PATH=/bin\"],\"cwd\":\"/\",\"stdin\":\"\",\"timeout_ms\":10000}" },
	{ "exec", "{\"op\":\"exec\",\"ct\":\"c1\",\"argv\":[\"/bin/sh\"],\"stdio\":\"inherit\"} (stdio: " STDIO_ACCEPTED ")" },
	{ "caps", "{\"op\":\"caps\",\"ct\":\"c1\",\"keep\":[\"CAP_NET_BIND_SERVICE\",\"CAP_KILL\"],\"ambient\":[]} (or \"drop\": [...])" },
	{ "no_new_privs", "{\"op\":\"no_new_privs\",\"ct\":\"c1\"}" },
	{ "seccomp", "{\"op\":\"seccomp\",\"ct\":\"c1\",\"default\":\"allow\",\"rules\":[\"mkdir:EPERM\",\"reboot:kill\"]}" },
	{ "user", "{\"op\":\"user\",\"ct\":\"c1\",\"uid\":1000,\"gid\":1000,\"groups\":[\"27\",\"100\"]}" },
	{ "netns_add", "{\"op\":\"netns_add\",\"name\":\"bl-host1\"}" },
	{ "netns_del", "{\"op\":\"netns_del\",\"netns\":\"bl-host1\"}" },
	{ "veth_add", "{\"op\":\"veth_add\",\"name\":\"bl-v1\",\"peer\":\"eth0\",\"peer_ct\":\"c1\"} (where: ct, pid or netns; the peer's: peer_ct, peer_pid or peer_netns)" },
	{ "bridge_add", "{\"op\":\"bridge_add\",\"netns\":\"bl-host1\",\"name\":\"br0\"}" },
	{ "vxlan_add", "{\"op\":\"vxlan_add\",\"netns\":\"bl-host1\",\"name\":\"vx0\",\"vni\":42,\"local\":\"10.250.0.1\",\"remote\":\"10.250.0.2\",\"dstport\":4789,\"dev\":\"eth0\"}" },
	{ "link_up", "{\"op\":\"link_up\",\"ct\":\"c1\",\"dev\":\"lo\"}" },
	{ "link_down", "{\"op\":\"link_down\",\"ct\":\"c1\",\"dev\":\"eth0\"}" },
	{ "link_move", "{\"op\":\"link_move\",\"dev\":\"bl-v1c\",\"to_ct\":\"c1\",\"name\":\"eth0\"} (to: to_ct, to_pid or to_netns; name: optional new name)" },
	{ "link_rename", "{\"op\":\"link_rename\",\"ct\":\"c1\",\"dev\":\"bl-v1c\",\"name\":\"eth0\"}" },
	{ "link_master", "{\"op\":\"link_master\",\"dev\":\"bl-v1\",\"master\":\"br0\"} (master \"\": leave the bridge)" },
	{ "link_del", "{\"op\":\"link_del\",\"dev\":\"bl-v1\"}" },
	{ "addr_add", "{\"op\":\"addr_add\",\"ct\":\"c1\",\"dev\":\"eth0\",\"addr\":\"10.88.0.2/24\"}" },
	{ "route_add", "{\"op\":\"route_add\",\"ct\":\"c1\",\"dst\":\"default\",\"via\":\"10.88.0.1\"} (and/or \"dev\")" },
	{ "sysctl", "{\"op\":\"sysctl\",\"netns\":\"bl-host1\",\"key\":\"net.ipv4.ip_forward\",\"value\":\"1\"}" },
	{ "nat_masquerade", "{\"op\":\"nat_masquerade\",\"netns\":\"bl-host1\",\"table\":\"bl-nat\",\"source\":\"10.88.0.0/24\",\"exclude_dev\":\"br0\"}" },
	{ "nat_dnat", "{\"op\":\"nat_dnat\",\"netns\":\"bl-host1\",\"table\":\"bl-nat\",\"port\":8080,\"to\":\"10.88.0.2:80\",\"proto\":\"tcp\",\"localhost\":false}" },
	{ "nat_del", "{\"op\":\"nat_del\",\"netns\":\"bl-host1\",\"table\":\"bl-nat\"}" },
	{ "cgroup_layout", "{\"op\":\"cgroup_layout\"}" },
	{ "cgroup_plan", "{\"op\":\"cgroup_plan\",\"cgroup\":\"bl-box\",\"parent\":\"/bl-lab\",\"controllers\":[\"memory\",\"pids\"]} (parent: default the server's own group; /abs from each tree's root, rel beneath the server's group)" },
	{ "cgroup_create", "{\"op\":\"cgroup_create\",\"cgroup\":\"bl-box\",\"controllers\":[\"memory\",\"pids\"]}" },
	{ "cgroup_set", "{\"op\":\"cgroup_set\",\"cgroup\":\"bl-box\",\"file\":\"pids.max\",\"value\":\"20\"} (v1 files in every tree, e.g. cgroup.procs: add \"controller\":\"memory\")" },
	{ "cgroup_get", "{\"op\":\"cgroup_get\",\"cgroup\":\"bl-box\",\"file\":\"memory.current\"}" },
	{ "cgroup_freeze", "{\"op\":\"cgroup_freeze\",\"cgroup\":\"bl-box\",\"timeout_ms\":2000}" },
	{ "cgroup_thaw", "{\"op\":\"cgroup_thaw\",\"cgroup\":\"bl-box\"}" },
	{ "cgroup_kill", "{\"op\":\"cgroup_kill\",\"cgroup\":\"bl-box\",\"timeout_ms\":2000}" },
	{ "cgroup_remove", "{\"op\":\"cgroup_remove\",\"cgroup\":\"bl-box\",\"timeout_ms\":2000}" },
	{ "cgroup_devices", "{\"op\":\"cgroup_devices\",\"cgroup\":\"bl-box\",\"rules\":[\"deny a\",\"allow c 1:3 rwm\",\"allow c 136:* rw\"]} "
			    "(on v1 the group must have been made with \"controllers\":[\"devices\"])" },
};

const char *usage_example(const char *op)
{
	for (size_t i = 0; i < sizeof examples / sizeof examples[0]; i++)
		if (same(examples[i].op, op))
			return examples[i].example;
	return "ops: hello clone idmap signal wait join probe destroy list sethostname setdomainname "
	       "propagation mount umount readonly masked_paths readonly_paths devices pivot_root chroot chdir spawn exec caps no_new_privs seccomp user "
	       "netns_add netns_del veth_add bridge_add vxlan_add link_up link_down link_move link_rename link_master "
	       "link_del addr_add route_add sysctl nat_masquerade nat_dnat nat_del "
	       "cgroup_layout cgroup_plan cgroup_create cgroup_set cgroup_get cgroup_freeze cgroup_thaw cgroup_kill cgroup_remove "
	       "cgroup_devices";
}

static const struct {
	const char *what;
	const char *hint;
} state_hints[] = {
	{ "no_such_ct", "make one with {\"op\":\"clone\"}; {\"op\":\"list\"} shows the containers" },
	{ "exec", "after exec the container's init is the program, not the puppet; use join to run more commands inside" },
	{ "dead", "the container's init has exited; destroy it and clone a new one" },
	{ "host_mnt", "clone the container with a new 'mnt' namespace: the core never mounts in the host's mount namespace" },
	{ "host_uts", "clone the container with a new 'uts' namespace: the core never renames the host" },
	{ "reaped", "its exit status was already collected; destroy it and clone a new one" },
	{ "no_pid_or_ct", "give \"ct\": \"c1\" or \"pid\": 4242" },

	/* ---- the OCI runtime (oci*.c): what to do about a bundle or a container ---- */
	{ "oci_type", "fix the value in config.json (the runtime spec, config.md, gives each field's type)" },
	{ "oci_required", "add it to config.json; `boxcore spec` writes a complete example" },
	{ "oci_range", "use a value inside the range" },
	{ "oci_cap", "capability names as in capabilities(7), such as CAP_KILL or CAP_NET_BIND_SERVICE" },
	{ "oci_args", "e.g. \"args\": [\"sh\", \"-c\", \"echo hi\"]" },
	{ "oci_path", "write it as an absolute path inside the container, without .. (e.g. /data)" },
	{ "oci_rlimit", "RLIMIT_NOFILE RLIMIT_NPROC RLIMIT_CORE RLIMIT_STACK ... as in getrlimit(2)" },
	{ "oci_ns", "types: pid network mount ipc uts user cgroup, each at most once; \"path\" joins an existing one" },
	{ "oci_sysctl", "only sysctls of the container's own namespaces: kernel.msg*, kernel.sem, kernel.shm*, fs.mqueue.* "
			"(ipc), net.* (network), kernel.hostname/domainname (uts)" },
	{ "oci_device", "type c (character), b (block), u (unbuffered character) or p (FIFO)" },
	{ "oci_seccomp", "actions: SCMP_ACT_ALLOW ERRNO KILL KILL_THREAD KILL_PROCESS TRAP LOG; comparisons: SCMP_CMP_EQ NE "
			 "LT LE GT GE MASKED_EQ; names as in syscalls(2)" },
	{ "oci_seccomp_arch", "list only SCMP_ARCH_X86_64: boxcore's filter kills a call that comes in through any other "
			      "ABI (32-bit, x32), so those need no rules" },
	{ "oci_cgroups_path", "a cgroupfs path such as bl-boxes/box1 (beneath boxcore's own cgroup; missing parents must be "
			      "named bl-...)" },
	{ "oci_cgroup_knob", "remove it: cat /proc/self/mountinfo | grep cgroup shows which cgroup version this machine uses" },
	{ "oci_json", "check the syntax (python3 -m json.tool config.json shows where it breaks)" },
	{ "oci_unsupported", "remove the field from config.json, or run this bundle with runc; boxcore refuses what it "
			     "cannot honour rather than ignore it" },
	{ "oci_mnt", "add {\"type\": \"mount\"} to linux.namespaces" },
	{ "oci_uts", "add {\"type\": \"uts\"} to linux.namespaces, or remove hostname" },
	{ "oci_userns", "give both mappings with a new user namespace, e.g. \"uidMappings\": [{\"containerID\": 0, "
			"\"hostID\": 100000, \"size\": 65536}], or neither without one" },
	{ "oci_version", "set \"ociVersion\": \"1.0.2\"" },
	{ "oci_rootfs", "point root.path at the container's root directory (relative to the bundle), e.g. \"rootfs\"" },
	{ "oci_propagation", "one of private rprivate slave rslave unbindable runbindable" },
	{ "oci_id", "an id is letters, digits and _ + - . (at most 200), e.g. box1" },
	{ "oci_no_container", "boxcore list shows the containers; --root must be the same as when it was created" },
	{ "oci_root", "remove it if a stranger made it, or give --root a directory of yours with mode 0700 (or set "
		      "XDG_RUNTIME_DIR)" },
	{ "oci_broken", "boxcore delete --force ID removes what is left of it" },
	{ "oci_exists", "choose another id, or remove the old container: boxcore delete --force ID" },
	{ "oci_console", "give --console-socket PATH (a Unix socket that receives the terminal), run it in the "
			 "foreground with boxcore run, or set process.terminal to false" },
	{ "oci_init_died", "run with --debug to see the steps it took; dmesg may say more" },
	{ "oci_not_created", "start works once, on a created container: boxcore state ID shows its status" },
	{ "oci_not_running", "boxcore state ID shows its status; a stopped container only takes delete" },
	{ "oci_delete_running", "stop it first (boxcore kill ID KILL), or delete it with --force" },
	{ "oci_kill_all", "without a PID namespace of its own, kill the container's processes one by one" },
	{ "oci_no_cgroup", "give the container a cgroup: linux.cgroupsPath (or linux.resources) in config.json" },
	{ "oci_spec_exists", "remove it first, or write the new one elsewhere: boxcore spec --bundle DIR" },
	{ "oci_ambient", "is not also permitted and inheritable, so the kernel cannot raise it: it is left out (add it "
			 "to \"inheritable\" to keep it; runc leaves it out without a word)" },
	{ "net_target", "name the network namespace with one of \"ct\": \"c1\", \"pid\": 4242 or \"netns\": \"bl-host1\"; "
	  "without any, the op acts in the server's own" },
	{ "netns_name", "lab-made network namespaces are named bl-... (letters, digits, - _ .), and live in /run/netns" },
	{ "no_netns", "make a named one with {\"op\":\"netns_add\",\"name\":\"bl-host1\"}; ip netns list shows them" },
	{ "ifname", "a link name is 1-15 bytes, without '/', ':' or spaces (eth0, bl-a1b2, br0)" },
	{ "prefix", "an address and a prefix length: 10.88.0.2/24 or fd00::2/64" },
	{ "address", "an IPv4 or IPv6 address: 10.250.0.1 or fd00::1" },
	{ "addr_used", "use another address, or take it off the other link first: ip addr del ADDR dev LINK" },
	{ "sysctl_key", "only net.ipv4.* and net.ipv6.* keys: those are per network namespace (net.ipv4.ip_forward)" },
	{ "host_sysctl", "change it in a network namespace the lab made (\"netns\" or \"ct\"); on the host only "
	  "net.ipv4.ip_forward may change, and the lab records the old value first" },
	{ "host_link", "make and change links in a namespace the lab made (\"netns\": a sandbox host, or \"ct\"); on the host "
	  "the core touches only its own bl0 and bl-... links" },
	{ "host_route", "add routes in a namespace the lab made (\"netns\" or \"ct\"): the host's routing table is not the lab's" },
	{ "published", "choose another host port, or stop what publishes it (its NAT table is named above)" },
	{ "nat_tool", "the command and its words are above; nft list ruleset (or iptables-save -t nat) shows the rules" },
	{ "nat_table", "a lab NAT table is named bl-... (letters, digits, - _), at most 23 bytes" },
	{ "no_nat_tool", "install nftables (apt-get install nftables), or iptables" },
	{ "nat_kernel", "the kernel lacks the netfilter support this NAT needs: nf_tables (CONFIG_NF_TABLES) with its NAT, "
	  "masquerade and fib parts (CONFIG_NFT_NAT, CONFIG_NFT_MASQ, CONFIG_NFT_FIB_IPV4); load them on the host, as root: "
	  "modprobe nf_tables nft_chain_nat nft_nat nft_masq nft_fib_ipv4 (for iptables also: modprobe nft_compat "
	  "xt_addrtype xt_MASQUERADE xt_nat xt_tcpudp, or iptable_nat with iptables-legacy)" },
	{ "no_nat_table", "nothing to delete; nft list tables (or iptables -t nat -S) shows what there is" },
	{ "cg_no_layout", "mount cgroup2 at /sys/fs/cgroup (mount -t cgroup2 none /sys/fs/cgroup), or boot with systemd" },
	{ "cg_name", "a cgroup name is one plain word (letters, digits, - _ .), e.g. bl-box; a parent is such words joined by /" },
	{ "cg_missing", "make it first: {\"op\":\"cgroup_create\",\"cgroup\":\"bl-box\"} (with the same parent)" },
	{ "cg_exists", "remove it first (rmdir %s, or {\"op\":\"cgroup_remove\"}), or choose another name" },
	{ "cg_parent_missing", "boxlab makes missing parent groups only when they are named bl-..., so that it may remove them "
	  "again: name it bl-..., or make it yourself: mkdir %s" },
	{ "cg_not_offered", "the %s controller must first be enabled for %s by its parent: "
	  "echo +%s > (the parent)/cgroup.subtree_control, or choose a parent that offers it (cat PARENT/cgroup.controllers)" },
	{ "cg_internal", "choose a parent that holds no processes: --cgroup-parent /bl-lab (beneath the root, which the rule "
	  "exempts), or run boxlab in a delegated scope: systemd-run --scope -p Delegate=yes boxlab ... ; %s holds them now" },
	{ "cg_no_controller", "this kernel does not mount it; cat /proc/cgroups shows the controllers it has" },
	{ "cg_file", "a file of the group's directory, e.g. memory.max, pids.current, cgroup.procs" },
	{ "cg_which_tree", "on v1 each controller has its own tree: add \"controller\": \"memory\" (or cpu, pids, ...)" },
	{ "cg_no_freezer", "on v1 the freezer is a tree of its own: mount -t cgroup -o freezer none /sys/fs/cgroup/freezer" },
	{ "cg_not_in_tree", "on v1 make the group with \"controllers\": [\"%s\"] in cgroup_create: that tree is used only when asked for" },
	{ "cg_device_rule", "allow or deny, a type (a, c or b), MAJOR:MINOR (a number or *) and access (some of r w m): "
	  "\"allow c 1:3 rwm\", \"deny b 8:* w\", or \"deny a\" (every device)" },
	{ "cg_device_hole", "the kernel keeps one default and exceptions to it, and takes access back only from an exception "
	  "as a whole: give the wider rule's devices one by one (c 1:5 rwm, c 1:7 rwm, ...) without the one to leave out, "
	  "or drop one of the two rules" },
	{ "cg_devices_list", "another program may have changed the group meanwhile; cat its devices.list" },
	{ "oci_device_rule", "each entry: \"allow\" (true or false), \"type\" a, c or b (absent: a), \"major\" and \"minor\" "
	  "(absent or -1: any), \"access\" some of r w m; e.g. {\"allow\": true, \"type\": \"c\", \"major\": 10, "
	  "\"minor\": 229, \"access\": \"rw\"}" },
	{ "oci_devices_root", "run boxcore as root, or leave linux.resources out, as runc spec --rootless does (a user "
	  "namespace cannot make device nodes anyway)" },
	{ "oci_no_devices_tree", "mount the devices tree (mount -t cgroup -o devices none /sys/fs/cgroup/devices), or leave "
	  "linux.resources.devices out" },
};

const char *state_hint(const char *what)
{
	for (size_t i = 0; i < sizeof state_hints / sizeof state_hints[0]; i++)
		if (same(state_hints[i].what, what))
			return state_hints[i].hint;
	return "";
}
