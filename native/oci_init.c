/* oci_init.c - making a container from a bundle, and running more in it.
 *
 * Two processes take part, as in every runtime:
 *
 *   boxcore create                         the container's init
 *   --------------                         --------------------
 *   state dir, start.sock (listening)
 *   socketpair ---------------------------
 *   clone(CLONE_NEW*) ------------------->  (born in the new namespaces)
 *   uid_map, gid_map, oom_score_adj         waits for "go"
 *   "go" -------------------------------->  setsid; become root of its user ns
 *                                           / rslave; rootfs bind; mounts; /dev
 *                                           pivot_root; ro root; hostname; sysctl
 *                                           readonly and masked paths; rlimits
 *                                           no_new_privs; capabilities and user
 *   reads the report  <------------------   report: ready (or what failed)
 *   state.json; exits                       accept() on start.sock: waits
 *
 *   boxcore start: connect(start.sock) -->  seccomp; execve(process.args)
 *
 * Every step is the function the serve op of the same name calls (mount_do,
 * rootfs_pivot, uts_set_hostname, caps_set, seccomp_load, ...): a lesson and the
 * OCI runtime make a container the same way. The reply r carries the syscall log
 * (printed with --debug) and the error.
 *
 * Why a socket for start, where runc uses a FIFO (exec.fifo: the init blocks opening
 * it for writing until start opens it for reading)? The socket lets the init tell
 * start whether execve worked: start reads until the connection closes; nothing
 * means the close-on-exec socket closed at execve, a report means execve failed.
 * And it needs no /proc inside the container to reopen a FIFO after pivot_root.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <linux/ioprio.h>
#include <sys/mount.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include "errors.h"
#include "oci.h"

#define START_SOCK "start.sock"

/* ------------------------------------------------------------ paths in the rootfs */

/* ROOT + PATH, with every symbolic link on the way resolved as if ROOT were "/": a
 * link in the rootfs to /etc must lead to ROOT/etc, never to the host's /etc (this
 * is what runc's securejoin does). The result is malloc'ed. */
static char *secure_join(const char *root, const char *path)
{
	struct buf done = { 0 }; /* resolved so far, relative to root: "/a/b" */
	buf_put(&done, "", 0);
	char *todo = xstrdup(path);
	int links = 0;
	for (;;) {
		char *p = todo;
		while (*p == '/')
			p++;
		if (!*p)
			break;
		size_t l = strcspn(p, "/");
		char *rest = xstrdup(p + l);
		p[l] = 0;
		if (strcmp(p, ".") == 0) {
			/* nothing */
		} else if (strcmp(p, "..") == 0) {
			char *slash = strrchr(done.s, '/');
			done.len = slash ? (size_t)(slash - done.s) : 0;
			done.s[done.len] = 0;
		} else {
			size_t mark = done.len;
			buf_printf(&done, "/%s", p);
			char full[PATH_MAX], target[PATH_MAX];
			snprintf(full, sizeof full, "%s%s", root, done.s);
			ssize_t n = links < 40 ? readlink(full, target, sizeof target - 1) : -1;
			if (n > 0) {
				links++;
				target[n] = 0;
				done.len = target[0] == '/' ? 0 : mark; /* absolute: from the root again */
				done.s[done.len] = 0;
				char *again = NULL;
				if (asprintf(&again, "%s/%s", target, rest) < 0)
					abort();
				free(rest);
				rest = again;
			}
		}
		free(todo);
		todo = rest;
	}
	free(todo);
	char *out = NULL;
	if (asprintf(&out, "%s%s", root, done.s) < 0)
		abort();
	buf_free(&done);
	return out;
}

/* ------------------------------------------------------------ the process */

static const char *rlimit_shell(int resource)
{
	switch (resource) {
	case RLIMIT_NOFILE: return "nofile";
	case RLIMIT_NPROC: return "nproc";
	case RLIMIT_CORE: return "core";
	case RLIMIT_STACK: return "stack";
	case RLIMIT_AS: return "as";
	case RLIMIT_MEMLOCK: return "memlock";
	default: return NULL;
	}
}

static int set_rlimits(struct reply *r, const struct oci_process *p)
{
	r->op = "rlimit";
	for (size_t i = 0; i < p->nrlimits; i++) {
		const struct oci_rlimit *l = &p->rlimits[i];
		struct rlimit lim = { l->soft, l->hard };
		const char *opt = rlimit_shell(l->resource);
		if (opt)
			shell_step(r, "prlimit --%s=%llu:%llu --pid $$", opt, l->soft, l->hard);
		else
			shell_step(r, "prlimit --pid $$ (%s %llu:%llu)", l->name, l->soft, l->hard);
		/* setrlimit: raising a hard limit needs CAP_SYS_RESOURCE, so it comes
		 * before capabilities are dropped. */
		if (log_call(r, setrlimit((__rlimit_resource_t)l->resource, &lim), "prlimit64(0, %s, {rlim_cur=%llu, rlim_max=%llu}, NULL)",
			     l->name, l->soft, l->hard) < 0)
			return fail_sys(r, errno, NULL, l->name, "setrlimit %s", l->name);
	}
	return 0;
}

/* sched_setattr(2)'s argument, as <linux/sched/types.h> has it (that header clashes
 * with libc's <sched.h>). */
struct sched_attr_v1 {
	uint32_t size, sched_policy;
	uint64_t sched_flags;
	int32_t sched_nice;
	uint32_t sched_priority;
	uint64_t sched_runtime, sched_deadline, sched_period;
};

/* ioPriority and scheduler: how the kernel's I/O and CPU schedulers treat the program
 * (children inherit both, unless SCHED_FLAG_RESET_ON_FORK). */
static int set_priorities(struct reply *r, const struct oci_process *p)
{
	if (p->has_ioprio) {
		r->op = "ioprio";
		shell_step(r, "ionice -c %d -n %d -p $$", p->ioprio_class, p->ioprio_level);
		/* ioprio_set(2) on this process: class in the top bits, level below. */
		long rc = syscall(SYS_ioprio_set, IOPRIO_WHO_PROCESS, 0, p->ioprio_class << 13 | p->ioprio_level);
		if (log_call(r, rc, "ioprio_set(IOPRIO_WHO_PROCESS, 0, IOPRIO_PRIO_VALUE(%d, %d))", p->ioprio_class,
			     p->ioprio_level) < 0)
			return fail_sys(r, errno, NULL, NULL, "set the I/O priority");
	}
	if (p->has_sched) {
		r->op = "scheduler";
		struct sched_attr_v1 a = { .size = sizeof a, .sched_policy = p->sched.policy, .sched_flags = p->sched.flags,
					.sched_nice = p->sched.nice, .sched_priority = p->sched.priority,
					.sched_runtime = p->sched.runtime, .sched_deadline = p->sched.deadline,
					.sched_period = p->sched.period };
		shell_step(r, "chrt -p %u $$ (policy %u)", p->sched.priority, p->sched.policy);
		/* sched_setattr(2): the policy and its parameters in one call. */
		long rc = syscall(SYS_sched_setattr, 0, &a, 0);
		if (log_call(r, rc, "sched_setattr(0, {policy=%u, nice=%d, priority=%u}, 0)", p->sched.policy, p->sched.nice,
			     p->sched.priority) < 0)
			return fail_sys(r, errno, NULL, NULL, "set the scheduling policy");
	}
	return 0;
}

/* No HOME in the environment: the user's home from the container's /etc/passwd, or
 * "/" (what runc and a login do). */
static void set_home(struct oci_process *p)
{
	for (size_t i = 0; i < p->env.n; i++)
		if (strncmp(p->env.v[i], "HOME=", 5) == 0)
			return;
	const char *home = "/";
	char line[1024], found[512];
	FILE *f = fopen("/etc/passwd", "re");
	while (f && fgets(line, sizeof line, f)) {
		/* name:password:UID:GID:gecos:HOME:shell */
		char *field[7] = { 0 };
		char *p2 = line;
		for (int k = 0; k < 7 && p2; k++) {
			field[k] = p2;
			p2 = strchr(p2, ':');
			if (p2)
				*p2++ = 0;
		}
		if (field[5] && field[2] && strtoul(field[2], NULL, 10) == p->uid && *field[2]) {
			snprintf(found, sizeof found, "%s", field[5]);
			home = found;
			break;
		}
	}
	if (f)
		fclose(f);
	char text[600];
	snprintf(text, sizeof text, "HOME=%s", home);
	strv_push_copy(&p->env, text);
}

/* What runs in the container: limits, no_new_privs, (seccomp,) capabilities and user,
 * umask, working directory - the tail of runc's init, shared by the init and exec.
 * The seccomp filter goes last when no_new_privs allows it to be loaded without
 * privileges; otherwise before the capabilities are dropped. */
static int apply_process(struct reply *r, struct oci_config *c)
{
	struct oci_process *p = &c->proc;
	set_home(p);
	/* The profile or label the program gets at execve (AppArmor, SELinux). */
	r->op = "lsm";
	if ((p->apparmor && oci_lsm_exec_profile(r, p->apparmor) < 0) || (p->selinux && oci_lsm_exec_label(r, p->selinux) < 0))
		return -1;
	if (set_rlimits(r, p) < 0 || set_priorities(r, p) < 0)
		return -1;
	if (p->no_new_privs) {
		r->op = "no_new_privs";
		if (set_no_new_privs(r) < 0)
			return -1;
	}
	if (c->has_seccomp && !p->no_new_privs) {
		r->op = "seccomp";
		if (seccomp_load(r, &c->seccomp) < 0)
			return -1;
	}
	r->op = "caps";
	if (p->has_caps && (caps_drop_bounding(r, p->caps.bounding) < 0 || caps_keep(r, true) < 0))
		return -1;
	r->op = "user";
	if (ids_switch_user(r, p->uid, p->gid, p->groups, p->ngroups) < 0)
		return -1;
	r->op = "caps";
	if (p->has_caps && (caps_keep(r, false) < 0 || caps_set(r, &p->caps) < 0))
		return -1;
	mode_t mask = p->umask >= 0 ? (mode_t)p->umask : 022;
	shell_step(r, "umask %03o", (unsigned)mask);
	/* umask(2): the permission bits the program's new files leave out. */
	log_call(r, (long)umask(mask), "umask(%03o)", (unsigned)mask);
	r->op = "chdir";
	return rootfs_chdir(r, p->cwd);
}

/* linux.personality, last before execve, as runc sets it (setarch linux32). */
static int set_personality(struct reply *r, const struct oci_config *c)
{
	if (c->personality < 0)
		return 0;
	r->op = "personality";
	shell_step(r, "setarch %s PROGRAM", c->personality == PER_LINUX32 ? "linux32" : "linux");
	if (log_call(r, personality((unsigned long)c->personality), "personality(%#lx)", c->personality) < 0)
		return fail_sys(r, errno, NULL, NULL, "set the personality");
	return 0;
}

/* Load the filter now if apply_process left it for the end. */
static int late_seccomp(struct reply *r, const struct oci_config *c)
{
	if (!c->has_seccomp || !c->proc.no_new_privs)
		return 0;
	r->op = "seccomp";
	return seccomp_load(r, &c->seccomp);
}

/* A terminal for the program, made inside the container (its own devpts), so that
 * /proc/self/fd/0 names a /dev/pts/N the container can see. The master goes back
 * to boxcore; the slave becomes the controlling terminal and stdio. */
static int make_terminal(struct reply *r, const struct oci_process *p, int *master)
{
	int slave;
	r->op = "terminal";
	if (pty_open(r, master, &slave) < 0)
		return -1;
	if (p->rows && p->cols) {
		struct winsize ws = { .ws_row = p->rows, .ws_col = p->cols };
		/* TIOCSWINSZ: the size from consoleSize, before the program first asks. */
		log_call(r, ioctl(*master, TIOCSWINSZ, &ws), "ioctl(%d, TIOCSWINSZ, {ws_row=%u, ws_col=%u})", *master,
			 p->rows, p->cols);
	}
	shell_step(r, "setsid -c");
	/* TIOCSCTTY: the pty becomes the controlling terminal of this new session, so
	 * the keys that send signals (Ctrl-C) reach the program. */
	if (log_call(r, ioctl(slave, TIOCSCTTY, 0), "ioctl(%d, TIOCSCTTY, 0)", slave) < 0)
		return fail_sys(r, errno, NULL, NULL, "make the pty the controlling terminal");
	for (int i = 0; i < 3; i++)
		/* dup2(2) onto 0, 1 and 2: the program reads and writes the terminal. */
		log_call(r, dup2(slave, i), "dup2(%d, %d)", slave, i);
	close(slave);
	return 0;
}

/* ------------------------------------------------------------ the init's setup */

static int write_sysctl(struct reply *r, const char *key, const char *value)
{
	char path[PATH_MAX];
	snprintf(path, sizeof path, "/proc/sys/%s", key);
	for (char *p = path + 10; *p; p++)
		if (*p == '.')
			*p = '/';
	/* A sysctl is a file under /proc/sys; this /proc is the container's, and the
	 * key was checked to belong to one of its namespaces. */
	shell_step(r, "sysctl -w %s=%s", key, sh_word(r, value));
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	log_call(r, fd, "openat(AT_FDCWD, %s, O_WRONLY|O_CLOEXEC)", q_str(r, path));
	if (fd < 0)
		return fail_sys(r, errno, NULL, path, "open %s", path);
	ssize_t n = write(fd, value, strlen(value));
	log_call(r, n, "write(%d, %s, %zu)", fd, q_str(r, value), strlen(value));
	int e = errno;
	close(fd);
	if (n < 0)
		return fail_sys(r, e, NULL, path, "write %s", path);
	return 0;
}

/* Forget an error that was dealt with (a step that has another way). */
static void clear_error(struct reply *r)
{
	r->failed = false;
	r->err = 0;
	r->kind = NULL;
	buf_reset(&r->message);
	buf_reset(&r->explain);
	buf_reset(&r->hint);
}

/* A "cgroup" mount, as runc makes it. With one tree (cgroup v2): cgroup2 at the
 * destination. With v1 trees (v1, hybrid): a tmpfs there, and in it one directory per
 * v1 tree of the host, each showing the container's own group - a fresh mount of the
 * tree when the container has a cgroup namespace of its own (whose root is its group),
 * else a bind mount of the group's directory. The options (ro, nosuid, ...) go on
 * each tree, as runc puts them. Trees are read from /proc/self/mountinfo, the groups
 * from /proc/self/cgroup: the init is in its group already. */
static int mount_cgroups(struct reply *r, const char *target, const struct oci_mount *om, bool cgroupns)
{
	unsigned long flags = om->flags & ~(MS_BIND | MS_REC);
	FILE *mi = fopen("/proc/self/mountinfo", "re");
	if (!mi)
		return fail_sys(r, errno, NULL, "/proc/self/mountinfo", "read /proc/self/mountinfo");
	char line[4096];
	struct strv points = { 0 }, opts = { 0 };
	bool v2 = false;
	while (fgets(line, sizeof line, mi)) {
		/* ID PARENT MAJ:MIN ROOT POINT OPTIONS ... - TYPE SOURCE SUPER */
		char point[PATH_MAX], type[32], super[512];
		char *sep = strstr(line, " - ");
		if (!sep || sscanf(line, "%*d %*d %*s %*s %4095s", point) != 1 || sscanf(sep + 3, "%31s %*s %511s", type, super) != 2)
			continue;
		if (strcmp(point, "/sys/fs/cgroup") == 0 && strcmp(type, "cgroup2") == 0)
			v2 = true;
		if (strcmp(type, "cgroup") != 0 || strncmp(point, "/sys/fs/cgroup/", 15) != 0)
			continue;
		/* The tree's controllers: the superblock options but rw/ro. */
		struct buf o = { 0 };
		buf_put(&o, "", 0);
		for (char *w = strtok(super, ","); w; w = strtok(NULL, ","))
			if (strcmp(w, "rw") != 0 && strcmp(w, "ro") != 0)
				buf_printf(&o, "%s%s", o.len ? "," : "", w);
		strv_push_copy(&points, point);
		strv_push(&opts, o.s);
	}
	fclose(mi);
	int rc = 0;
	if (v2 || points.n == 0) {
		/* A fresh cgroup2 mount, as runc makes it; its root is the cgroup namespace's.
		 * Where that is not allowed (a user namespace without a cgroup namespace of
		 * its own), a bind mount of the container's group instead. */
		struct mount_req m = { .type = "cgroup2", .source = "cgroup", .target = target, .mkdir = true, .exact = true,
				       .flags = flags };
		rc = mount_do(r, &m);
		if (rc < 0 && r->err == EPERM) {
			char cg[PATH_MAX + 8] = "", path[PATH_MAX] = "";
			FILE *f = fopen("/proc/self/cgroup", "re");
			while (f && fgets(cg, sizeof cg, f))
				if (strncmp(cg, "0::", 3) == 0)
					snprintf(path, sizeof path, "%.*s", (int)strcspn(cg + 3, "\n"), cg + 3);
			if (f)
				fclose(f);
			clear_error(r);
			m.type = "bind";
			m.source = r_printf(r, "/sys/fs/cgroup%s", strcmp(path, "/") == 0 ? "" : path);
			m.flags |= MS_BIND | MS_REC;
			rc = mount_do(r, &m);
		}
		goto out;
	}
	struct mount_req tmpfs = { .type = "tmpfs", .source = "tmpfs", .target = target, .options = "mode=755",
				   .mkdir = true, .exact = true, .flags = MS_NOSUID | MS_NODEV | MS_NOEXEC };
	if ((rc = mount_do(r, &tmpfs)) < 0)
		goto out;
	for (size_t i = 0; i < points.n && rc == 0; i++) {
		const char *name = strrchr(points.v[i], '/') + 1;
		const char *dest = r_printf(r, "%s/%s", target, name);
		/* (A named tree, name=systemd, is mounted with its name as the source.) */
		const char *source = strncmp(opts.v[i], "name=", 5) == 0 ? opts.v[i] + 5 : "cgroup";
		struct mount_req m = { .type = "cgroup", .source = source, .target = dest, .options = opts.v[i],
				       .mkdir = true, .exact = true, .flags = flags };
		if (!cgroupns) {
			/* The group's path in this tree, from /proc/self/cgroup: "4:memory:/a/b". */
			char path[PATH_MAX] = "/", cg[PATH_MAX + 64];
			FILE *f = fopen("/proc/self/cgroup", "re");
			while (f && fgets(cg, sizeof cg, f)) {
				char *c1 = strchr(cg, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
				if (!c2)
					continue;
				*c2 = 0;
				if (strcmp(c1 + 1, opts.v[i]) == 0)
					snprintf(path, sizeof path, "%.*s", (int)strcspn(c2 + 1, "\n"), c2 + 1);
			}
			if (f)
				fclose(f);
			m.type = "bind";
			m.source = r_printf(r, "%s%s", points.v[i], strcmp(path, "/") == 0 ? "" : path);
			m.options = NULL;
			m.flags |= MS_BIND | MS_REC;
		}
		rc = mount_do(r, &m);
	}
out:
	strv_free(&points);
	strv_free(&opts);
	return rc;
}

/* "shared", "slave", ... for mount_set_propagation. */
static const char *propagation_word(unsigned long flags)
{
	return flags & MS_SHARED ? "shared" : flags & MS_SLAVE ? "slave" : flags & MS_UNBINDABLE ? "unbindable" : "private";
}

/* The mount the rootfs is on must not be shared: the bind of the rootfs onto itself
 * (next) would reach every peer of it, the host's too, and pivot_root refuses a shared
 * parent. It becomes slave (rootfsPropagation slave) or private, as runc makes it: the
 * mount holding the path is found by asking the kernel, path and then its parents,
 * until mount(2) stops saying EINVAL (not a mount point). */
static int private_parent(struct reply *r, const char *rootfs, unsigned long prop)
{
	unsigned long flag = prop & MS_SLAVE ? MS_SLAVE : MS_PRIVATE;
	char path[PATH_MAX];
	snprintf(path, sizeof path, "%s", rootfs);
	for (;;) {
		int rc = mount(NULL, path, NULL, flag, NULL);
		log_call(r, rc, "mount(NULL, %s, NULL, %s, NULL)", q_str(r, path), mount_flags_text(r, flag));
		if (rc == 0) {
			shell_step(r, "mount --make-%s %s", propagation_word(flag), sh_word(r, path));
			return 0;
		}
		char *slash = strrchr(path, '/');
		if (errno != EINVAL || strcmp(path, "/") == 0 || !slash)
			return fail_sys(r, errno, NULL, path, "make the mount of %s %s", path, propagation_word(flag));
		if (slash == path)
			slash[1] = 0;
		else
			*slash = 0;
	}
}

static int setup_mounts(struct reply *r, struct oci_config *c)
{
	/* Host mounts may still reach the container (slave), the container's never
	 * reach the host; rootfsPropagation may ask for another. */
	unsigned long prop = c->propagation ? c->propagation : MS_SLAVE | MS_REC;
	r->op = "propagation";
	if (mount_set_propagation(r, "/", propagation_word(prop), prop & MS_REC) < 0 || private_parent(r, c->rootfs, prop) < 0)
		return -1;
	/* pivot_root needs the new root to be a mount point: bind it onto itself. */
	r->op = "mount";
	struct mount_req self = { .type = "bind", .source = c->rootfs, .target = c->rootfs, .recursive = true };
	if (mount_do(r, &self) < 0)
		return -1;

	bool dev_tmpfs = false;
	for (size_t i = 0; i < c->nmounts; i++) {
		const struct oci_mount *om = &c->mounts[i];
		char *target = secure_join(c->rootfs, om->dest);
		struct mount_req m = { .type = om->type, .source = om->source, .target = target, .options = om->data,
				       .mkdir = true, .exact = true, .flags = om->flags };
		/* SELinux labels the files of a new tmpfs, devpts, ... by the context= option
		 * (runc leaves binds, proc, sysfs, mqueue and cgroup mounts unlabelled). */
		if (c->mount_label && !(om->flags & MS_BIND) && strcmp(om->type, "proc") != 0 && strcmp(om->type, "sysfs") != 0 &&
		    strcmp(om->type, "mqueue") != 0 && strcmp(om->type, "cgroup") != 0)
			m.options = r_printf(r, "%s%scontext=\"%s\"", om->data ? om->data : "", om->data && *om->data ? "," : "",
					     c->mount_label);
		int rc = strcmp(om->type, "cgroup") == 0 ? mount_cgroups(r, target, om, c->ns_new & (1 << ns_index("cgroup")))
							 : mount_do(r, &m);
		free(target);
		if (rc < 0)
			return -1;
		if (strcmp(om->dest, "/dev") == 0)
			dev_tmpfs = !(om->flags & MS_BIND);
	}
	/* A fresh /dev gets the usual devices and links, as runc makes them. */
	char *dev = secure_join(c->rootfs, "/dev");
	struct strv made = { 0 };
	r->op = "devices";
	int rc = dev_tmpfs ? devices_nodes(r, dev, &made) : 0;
	if (rc == 0 && dev_tmpfs)
		rc = devices_links(r, dev, &made);
	/* runc adds /dev/core -> /proc/kcore where the kernel has one (ln -s). */
	struct stat kc;
	if (rc == 0 && dev_tmpfs && stat("/proc/kcore", &kc) == 0) {
		const char *core = r_printf(r, "%s/core", dev);
		shell_step(r, "ln -s /proc/kcore %s", sh_word(r, core));
		if (log_call(r, symlink("/proc/kcore", core), "symlink(\"/proc/kcore\", %s)", q_str(r, core)) < 0)
			rc = fail_sys(r, errno, NULL, core, "symlink %s", core);
	}
	strv_free(&made);
	free(dev);
	if (rc < 0)
		return -1;
	for (size_t i = 0; i < c->ndevices; i++) {
		const struct oci_device *d = &c->devices[i];
		char *path = secure_join(c->rootfs, d->path);
		struct stat st;
		/* One that exists already (a default one) stays, as in runc. */
		if (lstat(path, &st) < 0)
			rc = devices_node(r, path, d->type, (unsigned)d->major, (unsigned)d->minor, d->mode, d->uid, d->gid,
					  d->path);
		free(path);
		if (rc < 0)
			return -1;
	}
	return 0;
}

/* The state a hook reads on stdin, malloc'ed. */
static char *hook_state(const char *id, const struct oci_config *c, enum oci_status st, pid_t pid)
{
	struct buf ann = { 0 }, out = { 0 };
	if (c->annotations)
		jt_write(c->annotations, &ann);
	oci_hook_state(&out, id, st, pid, c->bundle, ann.s);
	buf_free(&ann);
	return out.s;
}

/* The hooks of the moment between the mounts and pivot_root. prestart and
 * createRuntime run in boxcore's own namespaces, so create runs them: "hooks" asks it
 * to, "resume" says they all passed (a failure and create kills the init instead).
 * createContainer runs here, in the container's namespaces, from the rootfs, with the
 * program's environment (as runc's init runs it); its pid is the init's as the
 * container sees it. */
static int create_hooks(struct reply *r, const struct oci_config *c, const char *id, int sync)
{
	if (c->hooks.n[HOOK_PRESTART] || c->hooks.n[HOOK_CREATE_RUNTIME]) {
		char resume[7];
		size_t got = 0;
		if (write_all(sync, "hooks\n", 6) < 0)
			return fail_sys(r, errno, NULL, NULL, "ask create to run the prestart hooks");
		while (got < sizeof resume) {
			ssize_t n = read(sync, resume + got, sizeof resume - got);
			if (n <= 0 && !(n < 0 && errno == EINTR))
				_exit(1); /* create is gone */
			if (n > 0)
				got += (size_t)n;
		}
	}
	if (!c->hooks.n[HOOK_CREATE_CONTAINER])
		return 0;
	CLEANUP(mem_free) char *state = hook_state(id, c, OCI_CREATING, getpid());
	return oci_hooks_run(r, &c->hooks, HOOK_CREATE_CONTAINER, state, c->rootfs, c->proc.env.v);
}

/* Everything between "go" and "ready". The terminal master, if any, in *master. */
static int init_setup(struct reply *r, struct oci_config *c, const char *id, int sync, bool cgroupns_now, int *master)
{
	/* A session of its own (runc's nsexec does the same): the container is cut off
	 * from the terminal and the signals of whoever ran create. */
	r->op = "setsid";
	shell_step(r, "setsid");
	log_call(r, setsid(), "setsid()");
	if (c->ns_new & (1 << ns_index("user"))) {
		r->op = "idmap";
		if (ids_become_root(r, map_has_inside_zero(c->uid_map), map_has_inside_zero(c->gid_map)) < 0)
			return -1;
	}
	/* A new network namespace has only loopback, and it is down: the init brings it
	 * up from inside, as runc's does (`ip link set lo up`). */
	if (c->ns_new & (1 << ns_index("net"))) {
		r->op = "link_up";
		if (link_up_here(r, "lo") < 0)
			return -1;
	}
	/* Now in its cgroup: a new cgroup namespace makes that group its "/" (the serve
	 * op _cgroupns, unshare --cgroup). */
	if (cgroupns_now) {
		r->op = "cgroupns";
		shell_step(r, "unshare --cgroup");
		if (cgroup_unshare_ns(r) < 0)
			return -1;
	}
	if (setup_mounts(r, c) < 0 || create_hooks(r, c, id, sync) < 0)
		return -1;
	r->op = "pivot_root";
	if (rootfs_pivot(r, c->rootfs) < 0)
		return -1;
	/* rootfsPropagation shared or unbindable is for the container's own root: given
	 * now that it is "/" (before, it was the parent's to keep private), as runc 1.2
	 * gives it. A shared root's peers are in this mount namespace only, so its mounts
	 * reach no one else unless a bind from a shared host mount carries them. */
	if (c->propagation & (MS_SHARED | MS_UNBINDABLE)) {
		r->op = "propagation";
		if (mount_set_propagation(r, "/", propagation_word(c->propagation), c->propagation & MS_REC) < 0)
			return -1;
	}
	if (c->proc.terminal && make_terminal(r, &c->proc, master) < 0)
		return -1;
	if (c->root_readonly) {
		r->op = "readonly";
		if (mount_readonly(r, "/") < 0)
			return -1;
	}
	r->op = "sethostname";
	if (c->hostname && uts_set_hostname(r, c->hostname) < 0)
		return -1;
	r->op = "setdomainname";
	if (c->domainname && uts_set_domainname(r, c->domainname) < 0)
		return -1;
	r->op = "sysctl";
	for (size_t i = 0; i < c->nsysctl; i++)
		if (write_sysctl(r, c->sysctl_keys[i], c->sysctl_values[i]) < 0)
			return -1;
	r->op = "mount";
	for (size_t i = 0; i < c->nreadonly; i++)
		if (mount_readonly_path(r, c->readonly[i]) < 0)
			return -1;
	for (size_t i = 0; i < c->nmasked; i++)
		if (mount_mask_path(r, c->masked[i]) < 0)
			return -1;
	return apply_process(r, c);
}

/* Send a report (the reply in wire form) over the sync socket, with a descriptor. */
static void report(int sock, const struct reply *r, int fd)
{
	struct buf wire = { 0 };
	reply_to_wire(r, &wire);
	if (fd >= 0)
		send_with_fd(sock, wire.s, wire.len, fd);
	else
		write_all(sock, wire.s, wire.len);
	buf_free(&wire);
}

/* startContainer: after start, in the container as its user (seccomp loaded too when
 * no_new_privs let it wait), just before the program, with the program's environment
 * and working directory; the path is the container's. */
static int start_hooks(struct reply *r, const struct oci_config *c, const char *id)
{
	if (!c->hooks.n[HOOK_START_CONTAINER])
		return 0;
	CLEANUP(mem_free) char *state = hook_state(id, c, OCI_CREATED, getpid());
	return oci_hooks_run(r, &c->hooks, HOOK_START_CONTAINER, state, NULL, c->proc.env.v);
}

static void init_main(struct oci_config *c, const char *id, struct cg_clone *cc, int sync, int listen_fd, int dirfd,
		      bool cgroupns_now) __attribute__((noreturn));
static void init_main(struct oci_config *c, const char *id, struct cg_clone *cc, int sync, int listen_fd, int dirfd,
		      bool cgroupns_now)
{
	struct reply r;
	reply_init(&r, "init");
	reset_signals_for_exec();
	/* First of all, into its cgroup (on v1 the init moves itself: see
	 * cgroup_clone_prepare), while create writes the maps. */
	r.op = "cgroup_join";
	int joined = cgroup_clone_self(&r, cc);
	/* Wait for "go": the maps are written. */
	char go[4];
	size_t got = 0;
	while (got < 3) {
		ssize_t n = read(sync, go + got, 3 - got);
		if (n <= 0 && !(n < 0 && errno == EINTR))
			_exit(1);
		if (n > 0)
			got += (size_t)n;
	}
	int master = -1;
	if (joined < 0 || init_setup(&r, c, id, sync, cgroupns_now, &master) < 0) {
		report(sync, &r, -1);
		_exit(1);
	}
	report(sync, &r, master);
	close(sync);
	if (master >= 0)
		close(master);

	/* Created: wait for start. accept() blocks until `boxcore start` connects to
	 * start.sock (the shell's nearest: socat UNIX-LISTEN:start.sock). */
	reply_free(&r);
	reply_init(&r, "start");
	int conn;
	do
		conn = accept4(listen_fd, NULL, NULL, SOCK_CLOEXEC);
	while (conn < 0 && errno == EINTR);
	if (conn < 0)
		_exit(1);
	/* No longer "created": take the socket's name away (the directory was opened
	 * before pivot_root; the descriptor still reaches it). */
	unlinkat(dirfd, START_SOCK, 0);
	if (late_seccomp(&r, c) == 0 && start_hooks(&r, c, id) == 0 && set_personality(&r, c) == 0)
		exec_program(&r, c->proc.args.v, c->proc.env.v);
	/* execve failed: tell start, which is reading the other end. */
	struct buf wire = { 0 };
	reply_to_wire(&r, &wire);
	write_all(conn, wire.s, wire.len);
	_exit(127);
}

/* ------------------------------------------------------------ create */

/* bind() takes at most 107 bytes of path: bind by the short name from inside the
 * directory instead (the same for connect in start). */
static int in_dir(const char *dir, int (*fn)(int fd, const struct sockaddr *a, socklen_t l), int fd)
{
	int back = open(".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (back < 0 || chdir(dir) < 0) {
		int e = errno;
		if (back >= 0)
			close(back);
		errno = e;
		return -1;
	}
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	snprintf(a.sun_path, sizeof a.sun_path, "%s", START_SOCK);
	int rc = fn(fd, (struct sockaddr *)&a, sizeof a);
	int e = errno;
	/* fchdir(2) back to where we were, by descriptor. */
	(void)!fchdir(back);
	close(back);
	errno = e;
	return rc;
}

static int mkdir_parents(const char *path, mode_t mode)
{
	char *copy = xstrdup(path);
	for (char *p = copy + 1; *p; p++) {
		if (*p == '/') {
			*p = 0;
			/* mkdir -p: each missing parent (EEXIST is fine), then the directory itself. */
			mkdir(copy, 0755);
			*p = '/';
		}
	}
	int rc = mkdir(copy, mode);
	free(copy);
	return rc < 0 && errno == EEXIST ? 0 : rc;
}

/* Clone the init. With namespaces to join, a helper joins them first (setns) and
 * clones the init as a child of boxcore (CLONE_PARENT), then exits: a process cannot
 * leave its own namespaces, so boxcore itself stays in the host's. Returns 0 in the
 * init, the init's pid in boxcore, -1 on failure. */
static pid_t clone_init(struct reply *r, struct oci_config *c, struct cg_clone *cc)
{
	/* A new cgroup namespace takes the init's cgroup as its root: with a group to
	 * join, the init makes it itself once it is in the group (runc's order). */
	int mask = c->ns_new & (cc->want ? ~(1 << ns_index("cgroup")) : ~0);
	bool join = false;
	for (int i = 0; i < NS_COUNT; i++)
		join |= c->ns_path[i] != NULL;
	r->op = "clone";
	const char *unshare = ns_unshare_text(r, mask);
	if (join) {
		struct buf nsenter = { 0 };
		buf_puts(&nsenter, "nsenter");
		for (int i = 0; i < NS_COUNT; i++)
			if (c->ns_path[i])
				buf_printf(&nsenter, " %s=%s", ns_table[i].nsenter, c->ns_path[i]);
		shell_step(r, "%s %s", nsenter.s, unshare);
		buf_free(&nsenter);
	} else {
		shell_step(r, "%s", unshare);
	}
	if (!join) {
		pid_t pid = cc->want ? cgroup_clone(r, mask, 0, cc) : ns_clone_with(r, mask, 0, -1);
		if (pid < 0)
			fail_sys(r, errno, NULL, NULL, "clone the container's init");
		return pid;
	}

	int pp[2];
	/* The helper sends back the init's pid and its own report through a pipe;
	 * fork(2) it: setns(2) moves the caller only, so boxcore stays in the host's. */
	if (pipe2(pp, O_CLOEXEC) < 0)
		return fail_sys(r, errno, NULL, NULL, "pipe for the helper");
	pid_t h = fork();
	log_call(r, h, "fork()");
	if (h == 0) {
		close(pp[0]);
		struct reply hr;
		reply_init(&hr, "setns");
		pid_t pid = -1;
		if (ns_join_paths(&hr, c->ns_path, "config.json") == 0) {
			hr.op = "clone";
			pid = cc->want ? cgroup_clone(&hr, mask, CLONE_PARENT, cc) : ns_clone_with(&hr, mask, CLONE_PARENT, -1);
			if (pid == 0) {
				close(pp[1]);
				reply_free(&hr);
				return 0; /* the init */
			}
			if (pid < 0)
				fail_sys(&hr, errno, NULL, NULL, "clone the container's init");
		}
		(void)!write(pp[1], &pid, sizeof pid);
		(void)!write(pp[1], &cc->into, sizeof cc->into); /* born in the group (v2) */
		struct buf wire = { 0 };
		reply_to_wire(&hr, &wire);
		write_all(pp[1], wire.s, wire.len);
		_exit(pid > 0 ? 0 : 1);
	}
	close(pp[1]);
	if (h < 0) {
		close(pp[0]);
		return fail_sys(r, errno, NULL, NULL, "fork a helper");
	}
	pid_t pid = -1;
	struct buf wire = { 0 };
	if (read(pp[0], &pid, sizeof pid) != sizeof pid || read(pp[0], &cc->into, sizeof cc->into) != sizeof cc->into)
		pid = -1;
	char tmp[4096];
	ssize_t n;
	while ((n = read(pp[0], tmp, sizeof tmp)) > 0)
		buf_put(&wire, tmp, (size_t)n);
	close(pp[0]);
	/* The helper exits once it has cloned the init: collect it. */
	waitpid(h, NULL, 0);
	bool pending;
	if (wire.len == 0 || reply_merge_wire(r, wire.s, wire.len, &pending, NULL) < 0)
		fail_state(r, NULL, "the helper that joins the namespaces died");
	buf_free(&wire);
	return r->failed ? -1 : pid;
}

static int write_oom(struct reply *r, pid_t pid, int value)
{
	char path[64], text[16];
	snprintf(path, sizeof path, "/proc/%d/oom_score_adj", (int)pid);
	snprintf(text, sizeof text, "%d", value);
	r->op = "oom_score_adj";
	/* How eager the OOM killer is to pick this process (-1000..1000); children inherit it. */
	shell_step(r, "choom -n %d -p %d", value, (int)pid);
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	ssize_t n = fd < 0 ? -1 : write(fd, text, strlen(text));
	log_call(r, n, "write(%s, \"%s\")", path, text);
	int e = errno;
	if (fd >= 0)
		close(fd);
	if (n < 0)
		return fail_sys(r, e, NULL, path, "write %s", path);
	return 0;
}

/* Kill what was made and wait for it: the undo of a failed create. */
static void kill_init(pid_t pid)
{
	if (pid <= 0)
		return;
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
}

/* What a create has made so far. On success the descriptors are closed; on failure
 * create_undo takes back exactly what is here, last made first. */
struct creation {
	const char *id;
	char dir[PATH_MAX];      /* ROOT/ID: the state directory */
	bool dir_made;
	int console;             /* --console-socket, connected; or -1 */
	int listen_fd;           /* start.sock, listening */
	int dirfd;               /* an O_PATH handle of dir, for the init */
	int sv[2];               /* create's line to the init: "go", and its report */
	struct oci_cg cg;        /* the container's cgroup (cg.want: it has one) */
	bool cg_made;
	struct cg_clone cc;      /* how the init gets into the group */
	pid_t pid;               /* the init, once cloned; or -1 */
};

static void create_close(struct creation *k)
{
	strv_free(&k->cg.made);
	fd_close(&k->console);
	fd_close(&k->listen_fd);
	fd_close(&k->dirfd);
	fd_close(&k->sv[0]);
	fd_close(&k->sv[1]);
}

static void create_undo(struct creation *k, struct oci_create_opts *o)
{
	cgroup_clone_close(&k->cc);
	kill_init(k->pid);
	if (k->cg_made) {
		struct reply ur;
		reply_init(&ur, "cgroup_remove");
		oci_cgroup_remove(&ur, &k->cg);
		reply_free(&ur);
	}
	fd_close(&o->master);
	create_close(k);
	if (k->dir_made)
		oci_state_remove(k->dir);
}

/* A terminal needs somewhere to go; connect to the console socket now, so a wrong
 * path fails before anything is made. */
static int connect_console(struct reply *r, const struct oci_config *c, const struct oci_create_opts *o, int *console)
{
	if (c->proc.terminal && !o->foreground && !o->console_socket)
		return fail_usage(r, state_hint("oci_console"), "process.terminal is true, but there is no --console-socket "
				  "to hand the terminal to");
	if (!c->proc.terminal || !o->console_socket)
		return 0;
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	snprintf(a.sun_path, sizeof a.sun_path, "%s", o->console_socket);
	/* socket(2) and connect(2): whoever wants the terminal listens on a Unix socket. */
	*console = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (*console < 0 || connect(*console, (struct sockaddr *)&a, sizeof a) < 0)
		return fail_sys(r, errno, NULL, o->console_socket, "connect to the console socket %s", o->console_socket);
	return 0;
}

/* ROOT/ID. mkdir is atomic, so of two creates with the same id exactly one wins. */
static int make_state_dir(struct reply *r, struct creation *k)
{
	const char *root = oci_root();
	snprintf(k->dir, sizeof k->dir, "%s/%s", root, k->id);
	r->op = "create";
	if (mkdir_parents(root, 0700) < 0)
		return fail_sys(r, errno, NULL, root, "make the state root %s", root);
	if (oci_root_check(r) < 0)
		return -1;
	if (log_call(r, mkdir(k->dir, 0700), "mkdir(%s, 0700)", q_str(r, k->dir)) < 0) {
		if (errno == EEXIST)
			return fail_state(r, state_hint("oci_exists"), "container \"%s\" already exists (%s)", k->id, k->dir);
		return fail_sys(r, errno, NULL, k->dir, "make %s", k->dir);
	}
	k->dir_made = true;
	return 0;
}

/* start.sock: a listening Unix socket the init inherits and waits on (socket, bind,
 * listen); close-on-exec, so it is gone once the program runs. The init also keeps an
 * O_PATH handle of the state directory, to unlink the socket from inside the
 * container. The socketpair is create's line to the init. */
static int open_channels(struct reply *r, struct creation *k)
{
	k->listen_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	k->dirfd = open(k->dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (k->listen_fd < 0 || k->dirfd < 0 || in_dir(k->dir, bind, k->listen_fd) < 0 || listen(k->listen_fd, 1) < 0 ||
	    socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, k->sv) < 0)
		return fail_sys(r, errno, NULL, k->dir, "make %s/%s", k->dir, START_SOCK);
	log_line(r, "bind(%d, {sa_family=AF_UNIX, sun_path=\"%s/%s\"}) = 0", k->listen_fd, k->dir, START_SOCK);
	return 0;
}

static int save_state(struct reply *r, const struct creation *k, const struct oci_config *c, pid_t pid)
{
	if (oci_state_write(k->dir, k->id, pid, c, &k->cg) < 0)
		return fail_sys(r, errno, NULL, k->dir, "write %s/state.json", k->dir);
	return 0;
}

/* The init, born in its cgroup (v2), or moving itself in first thing (v1), or moved
 * by us (cgroup_clone_finish). In the init this never returns. */
static int start_init(struct reply *r, struct creation *k, struct oci_config *c)
{
	if (oci_cgroup_join_prepare(r, &k->cg, &k->cc) < 0)
		return -1;
	k->pid = clone_init(r, c, &k->cc);
	if (k->pid == 0) {
		close(k->sv[0]);
		fd_close(&k->console);
		init_main(c, k->id, &k->cc, k->sv[1], k->listen_fd, k->dirfd,
			  k->cg.want && (c->ns_new & (1 << ns_index("cgroup"))));
	}
	fd_close(&k->sv[1]);
	if (k->pid < 0 || cgroup_clone_finish(r, k->pid, &k->cc) < 0)
		return -1;
	return 0;
}

/* What the init cannot do for itself: its uid and gid maps, its OOM score. */
static int set_up_from_outside(struct reply *r, struct creation *k, const struct oci_config *c)
{
	if (c->ns_new & (1 << ns_index("user"))) {
		r->op = "idmap";
		/* Without CAP_SETGID outside, the kernel takes a gid_map only after
		 * setgroups is denied (the rootless case). */
		if (ids_write_maps(r, k->pid, c->uid_map, c->gid_map, getuid() != 0 ? "deny" : NULL) < 0)
			return -1;
	}
	if (c->proc.has_oom && write_oom(r, k->pid, c->proc.oom_score_adj) < 0)
		return -1;
	return 0;
}

/* "go", and the init's report: its syscall log, its error if any, and the terminal's
 * master when it made one. */
/* prestart, then createRuntime, when the init asks: in boxcore's namespaces, from the
 * bundle directory (runc's working directory), with boxcore's environment. */
static int runtime_hooks(struct reply *r, const struct creation *k, const struct oci_config *c)
{
	CLEANUP(mem_free) char *state = hook_state(k->id, c, OCI_CREATING, k->pid);
	if (oci_hooks_run(r, &c->hooks, HOOK_PRESTART, state, c->bundle, environ) < 0 ||
	    oci_hooks_run(r, &c->hooks, HOOK_CREATE_RUNTIME, state, c->bundle, environ) < 0)
		return -1;
	r->op = "create";
	return 0;
}

static int go_and_report(struct reply *r, struct creation *k, const struct oci_config *c, struct oci_create_opts *o)
{
	r->op = "create";
	if (write_all(k->sv[0], "go\n", 3) < 0)
		return fail_state(r, state_hint("oci_init_died"), "the container's init (pid %d) died before it was told to go",
				  (int)k->pid);
	CLEANUP(linereader_free) struct linereader lr;
	linereader_init(&lr, k->sv[0], 0, true);
	char *line;
	size_t len;
	int got = line_read(&lr, &line, &len, -1);
	if (got == LINE_OK && len == 5 && memcmp(line, "hooks", 5) == 0) {
		if (runtime_hooks(r, k, c) < 0)
			return -1;
		if (write_all(k->sv[0], "resume\n", 7) < 0)
			return fail_state(r, state_hint("oci_init_died"), "the container's init (pid %d) died while the "
					  "prestart hooks ran", (int)k->pid);
		got = line_read(&lr, &line, &len, -1);
	}
	bool pending = false;
	if (got == LINE_STOP)
		return fail_state(r, NULL, "interrupted by a signal: the container is taken away again");
	if (got != LINE_OK || reply_merge_wire(r, line, len, &pending, NULL) < 0) {
		int status = 0;
		/* No report: make sure the init is gone, and learn how it ended. */
		kill(k->pid, SIGKILL);
		waitpid(k->pid, &status, 0);
		k->pid = -1;
		return fail_state(r, state_hint("oci_init_died"), "the container's init died while it set the container up (%s)",
				  WIFSIGNALED(status) ? signal_name(WTERMSIG(status)) : "exited");
	}
	o->master = lr.passed_fd;
	lr.passed_fd = -1;
	return r->failed ? -1 : 0;
}

/* The pid file, and the terminal's master to whoever listens on the console socket. */
static int hand_over(struct reply *r, struct creation *k, struct oci_create_opts *o)
{
	if (o->pid_file) {
		char text[32];
		snprintf(text, sizeof text, "%d", (int)k->pid);
		FILE *f = fopen(o->pid_file, "we");
		if (!f || fputs(text, f) < 0 || fclose(f) != 0)
			return fail_sys(r, errno, NULL, o->pid_file, "write the pid file %s", o->pid_file);
	}
	if (k->console >= 0) {
		/* The master, named as runc names it. */
		if (send_with_fd(k->console, "/dev/ptmx", 9, o->master) < 0)
			return fail_sys(r, errno, NULL, o->console_socket, "send the terminal to %s", o->console_socket);
		fd_close(&o->master);
	}
	return 0;
}

int oci_create(const char *id, struct oci_config *c, struct oci_create_opts *o, struct reply *r, pid_t *pidp)
{
	o->master = -1;
	struct creation k = { .id = id, .console = -1, .listen_fd = -1, .dirfd = -1, .sv = { -1, -1 },
			      .cc = { .fd = -1 }, .pid = -1 };
	if (oci_check_id(id, r) < 0)
		return -1;
	/* The console, the cgroup's name and which of its limits this machine has: all
	 * checked before anything is made. */
	if (connect_console(r, c, o, &k.console) < 0 || oci_cgroup_plan(r, c, id, &k.cg) < 0) {
		create_close(&k);
		return -1;
	}
	if (make_state_dir(r, &k) < 0 || open_channels(r, &k) < 0)
		goto fail;
	if (oci_cgroup_create(r, &k.cg, c) < 0)
		goto fail;
	k.cg_made = true;
	/* state.json at once, and again with the init's pid: whatever stops create from
	 * here on, delete --force finds the cgroup and the process to take away. */
	if (save_state(r, &k, c, 0) < 0 || start_init(r, &k, c) < 0 || save_state(r, &k, c, k.pid) < 0 ||
	    set_up_from_outside(r, &k, c) < 0 || go_and_report(r, &k, c, o) < 0 || hand_over(r, &k, o) < 0)
		goto fail;
	create_close(&k);
	*pidp = k.pid;
	return 0;
fail:;
	/* The container goes, and once its init was made its poststop hooks run, as the
	 * runtime spec has a failed create continue: destroy, then poststop. */
	bool made = k.pid > 0;
	create_undo(&k, o);
	if (made && c->hooks.n[HOOK_POSTSTOP]) {
		CLEANUP(mem_free) char *state = hook_state(id, c, OCI_STOPPED, 0);
		oci_hooks_warn(o->cmd, &c->hooks, HOOK_POSTSTOP, state, c->bundle, environ);
	}
	return -1;
}

/* ------------------------------------------------------------ start */

int oci_start(const struct oci_state *s, struct reply *r)
{
	r->op = "start";
	if (s->status != OCI_CREATED)
		return fail_state(r, state_hint("oci_not_created"), "container \"%s\" is %s, not created", s->id,
				  oci_status_name(s->status));
	/* A Unix stream socket, to reach the init through start.sock. */
	CLEANUP(fd_close) int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return fail_sys(r, errno, NULL, NULL, "socket");
	/* connect: the init is blocked in accept() on the other side. */
	int rc = in_dir(s->dir, connect, fd);
	log_call(r, rc, "connect(%d, {sa_family=AF_UNIX, sun_path=\"%s/%s\"})", fd, s->dir, START_SOCK);
	if (rc < 0)
		return fail_state(r, state_hint("oci_not_created"), "the init of \"%s\" is not waiting for start (%s)", s->id,
				  strerror(errno));
	/* Until the connection closes: empty means execve worked. */
	CLEANUP(buf_free) struct buf got = { 0 };
	char tmp[4096];
	ssize_t n;
	while ((n = read(fd, tmp, sizeof tmp)) > 0 || (n < 0 && errno == EINTR))
		if (n > 0)
			buf_put(&got, tmp, (size_t)n);
	if (n < 0 && errno == ECONNRESET && got.len == 0)
		return fail_state(r, state_hint("oci_not_created"), "container \"%s\" was started by someone else", s->id);
	bool pending;
	if (got.len && reply_merge_wire(r, got.s, got.len, &pending, NULL) < 0)
		fail_state(r, NULL, "the init of \"%s\" sent something that is not a report", s->id);
	return r->failed ? -1 : 0;
}

/* ------------------------------------------------------------ exec */

int oci_exec(const struct oci_state *s, struct oci_config *c, bool detach, const char *pid_file, struct reply *r)
{
	r->op = "exec";
	if (s->status != OCI_RUNNING && s->status != OCI_CREATED)
		return fail_state(r, state_hint("oci_not_running"), "container \"%s\" is %s", s->id, oci_status_name(s->status));
	if (c->proc.terminal && detach)
		return fail_usage(r, state_hint("oci_console"), "--tty with --detach needs a console socket, which exec does not take");
	/* Into the container's cgroup first (its limits count this program too), while
	 * /sys/fs/cgroup is still the host's; the child made below is born there. */
	if (oci_cgroup_join(r, &s->cg) < 0)
		return -1;
	/* setns into every namespace the init has that we do not (nsenter --all). */
	r->op = "setns";
	if (ns_join(r, s->pid, ns_differing(s->pid)) < 0)
		return -1;
	/* A socketpair, not a pipe: a terminal's master may come back over it. */
	int ex[2];
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, ex) < 0)
		return fail_sys(r, errno, NULL, NULL, "socketpair");
	/* fork: the new PID namespace takes effect for children only. */
	pid_t pid = fork();
	if (pid == 0) {
		close(ex[0]);
		struct reply cr;
		reply_init(&cr, "exec");
		int master = -1;
		/* setsid(2): a session of its own, cut off from the terminal and the signals of
		 * whoever ran exec (a terminal of its own comes next, if asked for). */
		log_call(&cr, setsid(), "setsid()");
		if ((!c->proc.terminal || make_terminal(&cr, &c->proc, &master) == 0) && apply_process(&cr, c) == 0 &&
		    late_seccomp(&cr, c) == 0) {
			if (master >= 0)
				send_with_fd(ex[1], "\n", 1, master);
			exec_program(&cr, c->proc.args.v, c->proc.env.v);
		}
		struct buf wire = { 0 };
		reply_to_wire(&cr, &wire);
		write_all(ex[1], wire.s, wire.len);
		_exit(127);
	}
	close(ex[1]);
	if (pid < 0) {
		close(ex[0]);
		return fail_sys(r, errno, errno == ENOMEM ? "fork_pidns" : NULL, NULL, "fork inside the container");
	}
	struct linereader lr;
	linereader_init(&lr, ex[0], 0, true);
	char *line;
	size_t len;
	int master = -1;
	int got = line_read(&lr, &line, &len, -1);
	if (got == LINE_OK && len == 0) {
		/* A terminal came first: keep it, then wait for EOF or a report. */
		master = lr.passed_fd;
		lr.passed_fd = -1;
		got = line_read(&lr, &line, &len, -1);
	}
	bool pending;
	if (got == LINE_OK)
		reply_merge_wire(r, line, len, &pending, NULL);
	linereader_free(&lr);
	close(ex[0]);
	if (r->failed) {
		waitpid(pid, NULL, 0);
		if (master >= 0)
			close(master);
		return -1;
	}
	if (pid_file) {
		FILE *f = fopen(pid_file, "we");
		if (f) {
			fprintf(f, "%d", (int)pid);
			fclose(f);
		}
	}
	if (detach)
		return 0;
	pid_t relay = master >= 0 ? pty_relay_start(master, 0, 1) : 0;
	if (master >= 0)
		close(master);
	/* Like a shell running a command: Ctrl-C goes to the program, we wait. */
	signal(SIGINT, SIG_IGN);
	signal(SIGQUIT, SIG_IGN);
	int status = 0;
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (relay > 0) {
		waitpid(relay, NULL, 0);
		pty_restore_terminal();
	}
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}
