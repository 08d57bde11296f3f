/* namespaces.c - making new namespaces (clone3) and joining existing ones (setns).
 *
 * A namespace is a kernel object that gives the processes in it their own copy of one
 * global resource: process ids, hostname, mount table, SysV IPC, network stack, user
 * ids, cgroup root. Each process points at one namespace of each kind; ls -l
 * /proc/PID/ns shows which (two processes share a namespace when the inodes match).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "boxcore.h"
#include "errors.h"

const struct nsinfo ns_table[NS_COUNT] = {
	{ "pid", CLONE_NEWPID, "CLONE_NEWPID", "--pid", "--pid" },
	{ "uts", CLONE_NEWUTS, "CLONE_NEWUTS", "--uts", "--uts" },
	{ "mnt", CLONE_NEWNS, "CLONE_NEWNS", "--mount", "--mount" },
	{ "ipc", CLONE_NEWIPC, "CLONE_NEWIPC", "--ipc", "--ipc" },
	{ "net", CLONE_NEWNET, "CLONE_NEWNET", "--net", "--net" },
	{ "user", CLONE_NEWUSER, "CLONE_NEWUSER", "--user", "--user" },
	{ "cgroup", CLONE_NEWCGROUP, "CLONE_NEWCGROUP", "--cgroup", "--cgroup" },
};

int ns_index(const char *name)
{
	for (int i = 0; i < NS_COUNT; i++)
		if (strcmp(ns_table[i].name, name) == 0)
			return i;
	return -1;
}

int ns_parse_array(struct reply *r, const struct request *q, const char *key, bool required, int *mask)
{
	char **names = NULL;
	size_t n = 0;
	if (arg_strv(r, q, key, required, &names, &n) < 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		int k = ns_index(names[i]);
		if (k < 0)
			return fail_usage(r, "accepted namespaces: " NS_ACCEPTED,
					  "%s: unknown namespace \"%s\"", key, names[i]);
		*mask |= 1 << k;
	}
	return 0;
}

int ns_parse_csv(const char *csv, int *mask, const char **bad)
{
	static char word[64];
	const char *p = csv;
	while (*p) {
		size_t l = strcspn(p, ",");
		if (l > 0) {
			snprintf(word, sizeof word, "%.*s", (int)l, p);
			int k = ns_index(word);
			if (k < 0) {
				*bad = word;
				return -1;
			}
			*mask |= 1 << k;
		}
		p += l;
		if (*p == ',')
			p++;
	}
	return 0;
}

const char *clone_flags_text(struct reply *r, unsigned long flags)
{
	struct buf b = { 0 };
	buf_put(&b, "", 0);
	for (int i = 0; i < NS_COUNT; i++) {
		if (flags & (unsigned long)ns_table[i].flag) {
			if (b.len)
				buf_putc(&b, '|');
			buf_puts(&b, ns_table[i].flagname);
		}
	}
	if (flags & CLONE_PARENT)
		buf_printf(&b, "%sCLONE_PARENT", b.len ? "|" : "");
	const char *s = r_printf(r, "%s", b.len ? b.s : "0");
	buf_free(&b);
	return s;
}

/* struct clone_args of <linux/sched.h>, spelled out so the file builds with any
 * kernel headers; 88 bytes is its size since Linux 5.7 (the cgroup field). */
struct clone_args_v2 {
	uint64_t flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls;
	uint64_t set_tid, set_tid_size, cgroup;
};

const char *ns_unshare_text(struct reply *r, int mask)
{
	struct buf sh = { 0 };
	buf_puts(&sh, "unshare");
	for (int i = 0; i < NS_COUNT; i++)
		if (mask & (1 << i))
			buf_printf(&sh, " %s", ns_table[i].unshare);
	buf_puts(&sh, " --fork");
	const char *text = r_printf(r, "%s", sh.s);
	buf_free(&sh);
	return text;
}

/* Make the container's first process. Returns the child's pid in the parent, 0 in the
 * child, -1 (with errno and the log) on failure.
 *
 * clone3 and clone are called as raw system calls with no new stack: like fork(), the
 * child continues on a copy of the parent's stack. glibc's clone() wrapper wants a
 * function and a stack, and fork() cannot take CLONE_NEW* flags. runc's nsexec.c does
 * the same. The child must not use glibc features that cache the thread id (raise,
 * abort, pthread locks) - the puppet sticks to plain system calls. */
pid_t ns_clone(struct reply *r, int mask)
{
	return ns_clone_with(r, mask, 0, -1);
}

/* clone3's flag for "start the child in this cgroup" (Linux 5.7). */
#define CLONE_INTO_CGROUP_ 0x200000000ULL

/* extra: more clone flags. The OCI runtime's helper passes CLONE_PARENT, so the
 * container's init becomes a child of boxcore itself, not of the short-lived helper
 * that joined the namespaces (runc's nsexec.c does the same). cgroup_fd: a cgroup v2
 * directory the child is born in (CLONE_INTO_CGROUP), or -1; a kernel that does not
 * know the flag fails with EINVAL or E2BIG (ENOSYS before 5.3), for the caller to
 * clone without it (cgroup.c). */
pid_t ns_clone_with(struct reply *r, int mask, unsigned long extra, int cgroup_fd)
{
	unsigned long flags = extra;
	for (int i = 0; i < NS_COUNT; i++)
		if (mask & (1 << i))
			flags |= (unsigned long)ns_table[i].flag;

	struct clone_args_v2 args;
	memset(&args, 0, sizeof args);
	args.flags = flags;
	args.exit_signal = SIGCHLD; /* the parent hears of the child's death as of any child's */
	if (extra & CLONE_PARENT)
		args.exit_signal = 0; /* clone3 wants none: the child takes its parent's (our) exit signal */
	if (cgroup_fd >= 0) {
		args.flags |= CLONE_INTO_CGROUP_;
		args.cgroup = (uint64_t)cgroup_fd;
	}

	/* The shell's way: unshare --pid --uts ... --fork (a new process in new namespaces). */
	long pid = syscall(SYS_clone3, &args, sizeof args);
	if (pid == 0)
		return 0;
	log_call(r, pid, "clone3({flags=%s%s, exit_signal=%s%s}, %zu)", clone_flags_text(r, flags),
		 cgroup_fd >= 0 ? "|CLONE_INTO_CGROUP" : "", args.exit_signal ? "SIGCHLD" : "0",
		 cgroup_fd >= 0 ? r_printf(r, ", cgroup=%d", cgroup_fd) : "", sizeof args);
	if (pid > 0 || errno != ENOSYS || cgroup_fd >= 0)
		return (pid_t)pid;

	/* Kernels before 5.3 have no clone3: the old clone() takes the flags and the exit
	 * signal in one word. On x86_64 the argument order is flags, stack, ptid, ctid, tls. */
	pid = syscall(SYS_clone, flags | SIGCHLD, NULL, NULL, NULL, NULL);
	if (pid == 0)
		return 0;
	log_call(r, pid, "clone(child_stack=NULL, flags=%s|SIGCHLD)", clone_flags_text(r, flags));
	return (pid_t)pid;
}

static int ns_stat(pid_t pid, const char *name, struct stat *st)
{
	char path[64];
	if (pid)
		snprintf(path, sizeof path, "/proc/%d/ns/%s", (int)pid, name);
	else
		snprintf(path, sizeof path, "/proc/self/ns/%s", name);
	return stat(path, st);
}

/* Two processes share a namespace when /proc/PID/ns/NAME are the same inode
 * (readlink shows it as "uts:[4026531838]"). */
int ns_same(pid_t pid, const char *name)
{
	struct stat a, b;
	if (ns_stat(0, name, &a) < 0 || ns_stat(pid, name, &b) < 0)
		return -1;
	return a.st_ino == b.st_ino && a.st_dev == b.st_dev;
}

int ns_differing(pid_t pid)
{
	int mask = 0;
	for (int i = 0; i < NS_COUNT; i++)
		if (ns_same(pid, ns_table[i].name) == 0)
			mask |= 1 << i;
	return mask;
}

/* nsenter's order: the user namespace first (it grants the capabilities needed for
 * the others), the mount namespace last (it changes what paths mean). */
static const char *const join_order[] = { "user", "cgroup", "ipc", "uts", "net", "pid", "mnt" };

/* Join pid's namespaces in mask. All /proc/PID/ns files are opened before the first
 * setns: once we are in the container's mount namespace, /proc/PID may not exist. A
 * new PID namespace only applies to children: the caller must fork afterwards. */
int ns_join(struct reply *r, pid_t pid, int mask)
{
	char text[NS_COUNT][64];
	const char *paths[NS_COUNT] = { 0 };
	for (int i = 0; i < NS_COUNT; i++) {
		if (!(mask & (1 << i)))
			continue;
		snprintf(text[i], sizeof text[i], "/proc/%d/ns/%s", (int)pid, ns_table[i].name);
		paths[i] = text[i];
	}
	return ns_join_paths(r, paths, r_printf(r, "%d", (int)pid));
}

/* Join the namespaces named by files (paths[i] for ns_table[i], NULL: stay): a
 * /proc/PID/ns/NAME, or a bind mount of one (what `ip netns add` makes). who names
 * the owner in error messages. */
int ns_join_paths(struct reply *r, const char *const paths[NS_COUNT], const char *who)
{
	int fds[NS_COUNT];
	int rc = -1;
	for (int i = 0; i < NS_COUNT; i++)
		fds[i] = -1;

	for (int i = 0; i < NS_COUNT; i++) {
		if (!paths[i])
			continue;
		/* A namespace file is a handle on the namespace itself: holding it open keeps
		 * the namespace alive, and setns() takes it. */
		fds[i] = open(paths[i], O_RDONLY | O_CLOEXEC);
		log_call(r, fds[i], "openat(AT_FDCWD, %s, O_RDONLY|O_CLOEXEC)", q_str(r, paths[i]));
		if (fds[i] < 0) {
			fail_sys(r, errno, "setns", who, "open %s", paths[i]);
			goto out;
		}
	}

	for (size_t k = 0; k < sizeof join_order / sizeof join_order[0]; k++) {
		int i = ns_index(join_order[k]);
		if (fds[i] < 0)
			continue;
		struct stat mine, theirs;
		if (i == ns_index("user") && ns_stat(0, "user", &mine) == 0 && fstat(fds[i], &theirs) == 0 &&
		    mine.st_ino == theirs.st_ino && mine.st_dev == theirs.st_dev)
			continue; /* joining one's own user namespace is EINVAL */
		/* setns() moves this process into the namespace the fd refers to;
		 * `nsenter --uts -t PID` is the shell's way. */
		if (log_call(r, setns(fds[i], ns_table[i].flag), "setns(%d, %s)", fds[i], ns_table[i].flagname) < 0) {
			fail_sys(r, errno, "setns", who, "setns into the %s namespace of %s", ns_table[i].name, who);
			goto out;
		}
		if (i == ns_index("user")) {
			/* In the new user namespace our host uid may be unmapped (shown as
			 * 65534). Like nsenter, become uid/gid 0 there when 0 is mapped;
			 * when it is not, stay as we are. */
			if (log_call(r, setresgid(0, 0, 0), "setresgid(0, 0, 0)") == 0)
				log_call(r, setgroups(0, NULL), "setgroups(0, NULL)");
			log_call(r, setresuid(0, 0, 0), "setresuid(0, 0, 0)");
		}
	}
	rc = 0;
out:
	for (int i = 0; i < NS_COUNT; i++)
		if (fds[i] >= 0)
			close(fds[i]);
	return rc;
}
