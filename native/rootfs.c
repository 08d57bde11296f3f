/* rootfs.c - changing what "/" means for the container: pivot_root, chroot, chdir.
 *
 * pivot_root moves the whole mount namespace onto a new root mount and lets the old
 * one be unmounted: nothing of the host stays reachable. chroot only changes the
 * root directory of one process, and a privileged process can climb back out; that
 * is why runtimes pivot_root whenever they can.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "boxcore.h"
#include "errors.h"

#define RAMFS_MAGIC_ 0x858458f6
#define TMPFS_MAGIC_ 0x01021994

/* mountinfo escapes space, tab, newline and backslash as \ooo. */
static void unescape(char *s)
{
	char *w = s;
	for (char *p = s; *p; p++) {
		if (p[0] == '\\' && p[1] >= '0' && p[1] <= '7' && p[2] && p[3]) {
			*w++ = (char)(((p[1] - '0') << 6) | ((p[2] - '0') << 3) | (p[3] - '0'));
			p += 3;
		} else {
			*w++ = *p;
		}
	}
	*w = 0;
}

struct mnt {
	int id, parent;
	char point[PATH_MAX];
	char fstype[64];
	bool shared;
};

/* Read /proc/self/mountinfo into a small array (the caller frees it). */
static struct mnt *read_mounts(size_t *n)
{
	FILE *f = fopen("/proc/self/mountinfo", "re");
	*n = 0;
	if (!f)
		return NULL;
	struct mnt *m = NULL;
	size_t cap = 0;
	char *line = NULL;
	size_t len = 0;
	while (getline(&line, &len, f) > 0) {
		struct mnt x = { 0 };
		char point[PATH_MAX];
		int off = 0;
		if (sscanf(line, "%d %d %*s %*s %4095s%n", &x.id, &x.parent, point, &off) != 3)
			continue;
		unescape(point);
		snprintf(x.point, sizeof x.point, "%s", point);
		char *sep = strstr(line + off, " - ");
		if (!sep)
			continue;
		*sep = 0;
		x.shared = strstr(line + off, "shared:") != NULL;
		sscanf(sep + 3, "%63s", x.fstype);
		if (*n == cap) {
			cap = cap ? cap * 2 : 64;
			m = xrealloc(m, cap * sizeof *m);
		}
		m[(*n)++] = x;
	}
	free(line);
	fclose(f);
	return m;
}

/* The topmost mount at a mount point (later lines are mounted over earlier ones). */
static const struct mnt *mount_at(const struct mnt *m, size_t n, const char *point)
{
	for (size_t i = n; i-- > 0;)
		if (strcmp(m[i].point, point) == 0)
			return &m[i];
	return NULL;
}

static const struct mnt *mount_by_id(const struct mnt *m, size_t n, int id)
{
	for (size_t i = 0; i < n; i++)
		if (m[i].id == id)
			return &m[i];
	return NULL;
}

/* pivot_root said EINVAL or EBUSY: find out which of its rules was broken. */
static const char *diagnose_pivot(int err, const char *root)
{
	const char *variant = NULL;
	char real[PATH_MAX];
	size_t n;
	struct mnt *m = read_mounts(&n);
	const struct mnt *slash = m ? mount_at(m, n, "/") : NULL;
	struct statfs sf;

	/* 1. The initramfs: a ramfs or tmpfs root the kernel unpacked at boot. */
	if ((slash && strcmp(slash->fstype, "rootfs") == 0) ||
	    (statfs("/", &sf) == 0 && (unsigned long)sf.f_type == RAMFS_MAGIC_ && (!slash || slash->parent == slash->id))) {
		variant = "initramfs";
		goto out;
	}
	if (!m || !realpath(root, real))
		goto out;
	/* 2. Not a mount point: no line of mountinfo has it as its mount point. The
	 * kernel checks "is it on the same mount as the current root" first (EBUSY),
	 * then "is it a mount point" (EINVAL); the cure is the same. */
	const struct mnt *target = mount_at(m, n, real);
	if (!target) {
		variant = err == EBUSY ? "not_mountpoint_busy" : "not_mountpoint";
		goto out;
	}
	if (err == EBUSY)
		goto out;
	/* 3. Shared: the new root, the mount it sits on, or the current root. */
	const struct mnt *parent = mount_by_id(m, n, target->parent);
	if (target->shared || (parent && parent->shared) || (slash && slash->shared))
		variant = "shared";
out:
	free(m);
	return variant;
}

int rootfs_pivot(struct reply *r, const char *root)
{
	int back = open(".", O_RDONLY | O_DIRECTORY | O_CLOEXEC); /* to undo the chdir */

	shell_step(r, "cd %s", sh_word(r, root));
	if (log_call(r, chdir(root), "chdir(%s)", q_str(r, root)) < 0) {
		int e = errno;
		if (back >= 0)
			close(back);
		return fail_sys(r, e, NULL, root, "chdir %s", root);
	}

	/* pivot_root(new_root, put_old) makes new_root the root mount of this mount
	 * namespace and puts the old root at put_old. With "." for both, the old root
	 * ends up stacked under the new one, at "/", where one umount takes it away -
	 * no put_old directory is needed. glibc has no wrapper: it is syscall(2). */
	shell_step(r, "pivot_root . .");
	if (log_call(r, syscall(SYS_pivot_root, ".", "."), "pivot_root(\".\", \".\")") < 0) {
		int e = errno;
		const char *variant = (e == EINVAL || e == EBUSY) ? diagnose_pivot(e, ".") : NULL;
		fail_sys(r, e, variant, root, "pivot_root(\".\", \".\") in %s failed", root);
		/* Undo: go back to the old working directory. (Bookkeeping of the puppet,
		 * not logged: the failing call stays the last line of the log.) */
		if (back >= 0) {
			(void)!fchdir(back);
			close(back);
		}
		return -1;
	}
	if (back >= 0)
		close(back);

	/* Detach the old root, now mounted on "/" under the new one. MNT_DETACH because
	 * the old root is still busy (every host process uses it); once detached, no
	 * path in the container leads to the host's files. */
	shell_step(r, "umount -l .");
	if (log_call(r, umount2(".", MNT_DETACH), "umount2(\".\", MNT_DETACH)") < 0)
		return fail_sys(r, errno, NULL, root, "detach the old root after pivot_root into %s", root);

	/* The cwd still points into the (now detached) old root's view; step onto the
	 * new root. */
	shell_step(r, "cd /");
	if (log_call(r, chdir("/"), "chdir(\"/\")") < 0)
		return fail_sys(r, errno, NULL, "/", "chdir / after pivot_root");
	return 0;
}

int op_pivot_root(const struct request *q, struct reply *r)
{
	const char *root = NULL;
	if (arg_str(r, q, "root", true, &root) < 0)
		return -1;
	return rootfs_pivot(r, root);
}

int op_chroot(const struct request *q, struct reply *r)
{
	const char *root = NULL;
	if (arg_str(r, q, "root", true, &root) < 0)
		return -1;
	/* A handle of the current directory, to come back to if chroot fails. */
	CLEANUP(fd_close) int back = open(".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	shell_step(r, "cd %s && chroot .", sh_word(r, root));
	if (log_call(r, chdir(root), "chdir(%s)", q_str(r, root)) < 0)
		return fail_sys(r, errno, NULL, root, "chdir %s", root);
	/* chroot(".") makes the cwd this process's "/" for path lookups. Only the root
	 * directory changes: mounts stay, and the old root is still reachable through
	 * open file descriptors - which is why pivot_root is the better tool. */
	if (log_call(r, chroot("."), "chroot(\".\")") < 0) {
		fail_sys(r, errno, NULL, root, "chroot into %s", root);
		if (back >= 0)
			(void)!fchdir(back); /* undo, not logged (see pivot_root) */
		return -1;
	}
	if (log_call(r, chdir("/"), "chdir(\"/\")") < 0)
		return fail_sys(r, errno, NULL, "/", "chdir / after chroot");
	return 0;
}

int rootfs_chdir(struct reply *r, const char *path)
{
	/* The working directory is per process; programs exec'd later start there. */
	shell_step(r, "cd %s", sh_word(r, path));
	if (log_call(r, chdir(path), "chdir(%s)", q_str(r, path)) < 0)
		return fail_sys(r, errno, NULL, path, "chdir %s", path);
	return 0;
}

int op_chdir(const struct request *q, struct reply *r)
{
	const char *path = NULL;
	if (arg_str(r, q, "path", true, &path) < 0)
		return -1;
	return rootfs_chdir(r, path);
}
