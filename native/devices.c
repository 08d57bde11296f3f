/* devices.c - a minimal /dev for the container, as runtimes make it.
 *
 * The host's /dev holds every disk and device of the machine; a container gets a
 * fresh tmpfs with the handful of harmless character devices programs expect,
 * its own devpts instance for terminals, a tmpfs for POSIX shared memory, and the
 * conventional links into /proc/self/fd.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "boxcore.h"
#include "errors.h"

static const struct {
	const char *name;
	unsigned major, minor;
} nodes[] = {
	{ "null", 1, 3 }, { "zero", 1, 5 }, { "full", 1, 7 },
	{ "random", 1, 8 }, { "urandom", 1, 9 }, { "tty", 5, 0 },
};

static const struct {
	const char *name, *target;
} links[] = {
	{ "ptmx", "pts/ptmx" }, { "fd", "/proc/self/fd" }, { "stdin", "/proc/self/fd/0" },
	{ "stdout", "/proc/self/fd/1" }, { "stderr", "/proc/self/fd/2" },
};

static int do_mount(struct reply *r, const char *src, const char *dst, const char *type, unsigned long flags,
		    const char *data)
{
	/* mount(2) of one piece of the minimal /dev: the tmpfs, devpts, dev/shm, or
	 * a bind of the host's node where mknod is not allowed. */
	long rc = mount(src, dst, type, flags, data);
	log_call(r, rc, "mount(%s, %s, %s, %s, %s)", q_str(r, src), q_str(r, dst), q_str(r, type),
		 mount_flags_text(r, flags), q_str(r, data));
	if (rc < 0)
		return fail_sys(r, errno, NULL, dst, "mount %s on %s", type ? type : src, dst);
	return 0;
}

/* One device node. mknod(2) makes it - with CAP_MKNOD, which no process has inside
 * a user namespace (a device node would open the host's hardware). There the host's
 * node is bind-mounted onto an empty file instead: same device, and the kernel
 * still checks access against the host's node. type is c (character), b (block) or
 * p (a FIFO); uid/gid -1 leave the owner as it is. */
int devices_node(struct reply *r, const char *path, char type, unsigned major, unsigned minor, unsigned mode,
		 long uid, long gid, const char *host)
{
	mode_t kind = type == 'b' ? S_IFBLK : type == 'p' ? S_IFIFO : S_IFCHR;
	const char *kname = type == 'b' ? "S_IFBLK" : type == 'p' ? "S_IFIFO" : "S_IFCHR";
	/* mknod makes a special file naming a device by its major and minor numbers;
	 * the shell's way: mknod -m 666 DIR/dev/null c 1 3 */
	long rc = mknod(path, kind | (mode & 07777), makedev(major, minor));
	log_call(r, rc, "mknod(%s, %s|%#o, makedev(%#x, %#x))", q_str(r, path), kname, mode & 07777, major, minor);
	if (rc == 0) {
		if (type == 'p')
			shell_step(r, "mkfifo -m %o %s", mode & 07777, sh_word(r, path));
		else
			shell_step(r, "mknod -m %o %s %c %u %u", mode & 07777, sh_word(r, path), type, major, minor);
		/* The umask took bits off the mode; set it exactly. */
		log_call(r, chmod(path, mode & 07777), "chmod(%s, %#o)", q_str(r, path), mode & 07777);
		if (uid >= 0 || gid >= 0) {
			shell_step(r, "chown %ld:%ld %s", uid, gid, sh_word(r, path));
			if (log_call(r, chown(path, (uid_t)uid, (gid_t)gid), "chown(%s, %ld, %ld)", q_str(r, path), uid, gid) < 0)
				return fail_sys(r, errno, NULL, path, "chown %s", path);
		}
		return 0;
	}
	if (errno != EPERM || !host)
		return fail_sys(r, errno, NULL, path, "mknod %s", path);
	/* mknod is not allowed here (a user namespace): an empty file, and the host's
	 * node bound onto it. */
	int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, mode & 0777);
	log_call(r, fd, "openat(AT_FDCWD, %s, O_WRONLY|O_CREAT|O_CLOEXEC, %#o)", q_str(r, path), mode & 0777);
	if (fd < 0)
		return fail_sys(r, errno, NULL, path, "create %s to bind %s onto", path, host);
	close(fd);
	shell_step(r, "touch %s && mount --bind %s %s", sh_word(r, path), host, sh_word(r, path));
	return do_mount(r, host, path, NULL, MS_BIND, NULL);
}

static int make_node(struct reply *r, const char *dev, const char *name, unsigned major, unsigned minor)
{
	return devices_node(r, r_printf(r, "%s/%s", dev, name), 'c', major, minor, 0666, -1, -1,
			    r_printf(r, "/dev/%s", name));
}

/* The character devices every program may expect: null zero full random urandom tty. */
int devices_nodes(struct reply *r, const char *dev, struct strv *created)
{
	for (size_t i = 0; i < sizeof nodes / sizeof nodes[0]; i++) {
		if (make_node(r, dev, nodes[i].name, nodes[i].major, nodes[i].minor) < 0)
			return -1;
		strv_push_copy(created, r_printf(r, "%s/%s", dev, nodes[i].name));
	}
	return 0;
}

/* The conventional links: ptmx -> pts/ptmx, fd -> /proc/self/fd, stdin/out/err. */
int devices_links(struct reply *r, const char *dev, struct strv *created)
{
	for (size_t i = 0; i < sizeof links / sizeof links[0]; i++) {
		const char *path = r_printf(r, "%s/%s", dev, links[i].name);
		/* /dev/fd and friends are symbolic links into /proc/self/fd, which the
		 * container's own /proc provides; ln -s in a shell. */
		shell_step(r, "ln -s %s %s", links[i].target, sh_word(r, path));
		if (log_call(r, symlink(links[i].target, path), "symlink(%s, %s)", q_str(r, links[i].target),
			     q_str(r, path)) < 0)
			return fail_sys(r, errno, NULL, path, "symlink %s", path);
		strv_push_copy(created, path);
	}
	return 0;
}

int op_devices(const struct request *q, struct reply *r)
{
	const char *root = NULL;
	if (arg_str(r, q, "root", true, &root) < 0)
		return -1;
	const char *dev = r_printf(r, "%s/dev", strcmp(root, "/") == 0 ? "" : root);
	struct strv made = { 0 }, created = { 0 };
	bool mounted = false;

	if (mkdir_p(r, dev, &made) < 0)
		goto fail;
	/* A tmpfs for /dev: the container's device nodes live in memory, not in the
	 * rootfs. mode=755 like the host's /dev; strictatime as runc mounts it. */
	shell_step(r, "mount -t tmpfs -o nosuid,strictatime,mode=755,size=65536k tmpfs %s", sh_word(r, dev));
	if (do_mount(r, "tmpfs", dev, "tmpfs", MS_NOSUID | MS_STRICTATIME, "mode=755,size=65536k") < 0)
		goto fail;
	mounted = true;

	if (devices_nodes(r, dev, &created) < 0)
		goto fail;

	/* devpts with newinstance: the container's own pty numbering; /dev/ptmx points
	 * at this instance's ptmx (mode 0666 so anyone can open a new pty). */
	const char *pts = r_printf(r, "%s/pts", dev);
	if (log_call(r, mkdir(pts, 0755), "mkdir(%s, 0755)", q_str(r, pts)) < 0) {
		fail_sys(r, errno, NULL, pts, "mkdir %s", pts);
		goto fail;
	}
	shell_step(r, "mkdir %s && mount -t devpts -o newinstance,ptmxmode=0666,mode=0620 devpts %s", sh_word(r, pts),
		   sh_word(r, pts));
	if (do_mount(r, "devpts", pts, "devpts", MS_NOSUID | MS_NOEXEC, "newinstance,ptmxmode=0666,mode=0620") < 0)
		goto fail;
	strv_push_copy(&created, pts);

	/* /dev/shm: where shm_open() puts POSIX shared memory; sticky and world-writable
	 * like /tmp. */
	const char *shm = r_printf(r, "%s/shm", dev);
	if (log_call(r, mkdir(shm, 01777), "mkdir(%s, 01777)", q_str(r, shm)) < 0) {
		fail_sys(r, errno, NULL, shm, "mkdir %s", shm);
		goto fail;
	}
	shell_step(r, "mkdir %s && mount -t tmpfs -o nosuid,nodev,mode=1777 shm %s", sh_word(r, shm), sh_word(r, shm));
	if (do_mount(r, "shm", shm, "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777,size=65536k") < 0)
		goto fail;
	strv_push_copy(&created, shm);

	if (devices_links(r, dev, &created) < 0)
		goto fail;

	json_member_strv(&r->result, "created", created.v, created.n);
	strv_free(&made);
	strv_free(&created);
	return 0;

fail:
	/* Undo: one lazy unmount of the tmpfs takes the nodes, devpts and shm with it. */
	if (mounted)
		log_call(r, umount2(dev, MNT_DETACH), "umount2(%s, MNT_DETACH)", q_str(r, dev));
	undo_mkdirs(r, &made);
	strv_free(&made);
	strv_free(&created);
	return -1;
}

/* One device node the container is given (`boxlab run --device /dev/loop3`, the OCI
 * runtime's linux.devices): mknod(2) at PATH with the host device's type and numbers.
 * The node alone opens nothing where a device cgroup confines the container: its rules
 * must allow this device too (cgroup_devices). Missing parent directories are made
 * (and taken away again on a failure). In a user namespace, where mknod is never
 * allowed, SOURCE (the host's node) is bind-mounted onto an empty file instead. */
int op_device_node(const struct request *q, struct reply *r)
{
	const char *path = NULL, *type = NULL, *mode_text = "0666", *source = NULL;
	long long major = 0, minor = 0, uid = -1, gid = -1;
	if (arg_str(r, q, "path", true, &path) < 0 || arg_str(r, q, "type", true, &type) < 0 ||
	    arg_int(r, q, "major", true, &major) < 0 || arg_int(r, q, "minor", true, &minor) < 0 ||
	    arg_str(r, q, "mode", false, &mode_text) < 0 || arg_int(r, q, "uid", false, &uid) < 0 ||
	    arg_int(r, q, "gid", false, &gid) < 0 || arg_str(r, q, "source", false, &source) < 0)
		return -1;
	if (path[0] != '/' || strstr(path, "/../") || strcmp(path, "/") == 0)
		return fail_usage(r, usage_example("device_node"), "path: \"%s\" is not an absolute path to a file", path);
	if (strcmp(type, "c") != 0 && strcmp(type, "b") != 0)
		return fail_usage(r, usage_example("device_node"), "type: \"%s\" is not c (character) or b (block)", type);
	/* makedev takes 12 bits of major and 20 of minor (the kernel's dev_t). */
	if (major < 0 || major > 4095 || minor < 0 || minor > 1048575)
		return fail_usage(r, usage_example("device_node"), "major %lld, minor %lld: a major is 0-4095, a minor 0-1048575",
				  major, minor);
	char *end = NULL;
	long mode = strtol(mode_text, &end, 8);
	if (!*mode_text || *end || mode < 0 || mode > 07777)
		return fail_usage(r, usage_example("device_node"), "mode: \"%s\" is not an octal mode (0666)", mode_text);
	if (uid < -1 || uid > 4294967294LL || gid < -1 || gid > 4294967294LL)
		return fail_usage(r, usage_example("device_node"), "uid %lld, gid %lld: each is 0-4294967294 (or -1: leave it)", uid, gid);

	struct strv made = { 0 };
	CLEANUP(mem_free) char *parent = xstrdup(path);
	*strrchr(parent, '/') = 0;
	int rc = *parent ? mkdir_p(r, parent, &made) : 0;
	if (rc == 0)
		rc = devices_node(r, path, type[0], (unsigned)major, (unsigned)minor, (unsigned)mode, (long)uid, (long)gid, source);
	if (rc < 0)
		undo_mkdirs(r, &made);
	else
		json_member_str(&r->result, "path", path);
	strv_free(&made);
	return rc;
}
