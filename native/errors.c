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
	{ "mount", ENODEV, NULL,
	  "this kernel does not know that filesystem type (see /proc/filesystems)",
	  "load its module (modprobe overlay) or pick another type" },
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
	{ "devices", "{\"op\":\"devices\",\"ct\":\"c1\",\"root\":\"/tmp/rootfs\"}" },
	{ "pivot_root", "{\"op\":\"pivot_root\",\"ct\":\"c1\",\"root\":\"/tmp/rootfs\"}" },
	{ "chroot", "{\"op\":\"chroot\",\"ct\":\"c1\",\"root\":\"/tmp/rootfs\"}" },
	{ "chdir", "{\"op\":\"chdir\",\"ct\":\"c1\",\"path\":\"/\"}" },
	{ "spawn", "{\"op\":\"spawn\",\"ct\":\"c1\",\"argv\":[\"/bin/ls\",\"/\"],\"env\":[\"PATH=/bin\"],\"cwd\":\"/\",\"stdin\":\"\",\"timeout_ms\":10000}" },
	{ "exec", "{\"op\":\"exec\",\"ct\":\"c1\",\"argv\":[\"/bin/sh\"],\"stdio\":\"inherit\"} (stdio: " STDIO_ACCEPTED ")" },
};

const char *usage_example(const char *op)
{
	for (size_t i = 0; i < sizeof examples / sizeof examples[0]; i++)
		if (same(examples[i].op, op))
			return examples[i].example;
	return "ops: hello clone idmap signal wait join probe destroy list sethostname setdomainname "
	       "propagation mount umount readonly devices pivot_root chroot chdir spawn exec";
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
};

const char *state_hint(const char *what)
{
	for (size_t i = 0; i < sizeof state_hints / sizeof state_hints[0]; i++)
		if (same(state_hints[i].what, what))
			return state_hints[i].hint;
	return "";
}
