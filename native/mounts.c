/* mounts.c - the container's mount table: propagation, mount, umount, read-only.
 *
 * These run in the puppet, inside the container's own mount namespace (the server
 * refuses them when that namespace is the host's). /proc/PID/mountinfo is the
 * table they change.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "boxcore.h"
#include "errors.h"

static const struct {
	unsigned long flag;
	const char *name;
} mount_flags[] = {
	{ MS_RDONLY, "MS_RDONLY" }, { MS_NOSUID, "MS_NOSUID" }, { MS_NODEV, "MS_NODEV" },
	{ MS_NOEXEC, "MS_NOEXEC" }, { MS_SYNCHRONOUS, "MS_SYNCHRONOUS" },
	{ MS_REMOUNT, "MS_REMOUNT" }, { MS_MANDLOCK, "MS_MANDLOCK" }, { MS_DIRSYNC, "MS_DIRSYNC" },
	{ MS_NOATIME, "MS_NOATIME" }, { MS_NODIRATIME, "MS_NODIRATIME" }, { MS_BIND, "MS_BIND" },
	{ MS_MOVE, "MS_MOVE" }, { MS_REC, "MS_REC" }, { MS_SILENT, "MS_SILENT" },
	{ MS_POSIXACL, "MS_POSIXACL" }, { MS_UNBINDABLE, "MS_UNBINDABLE" },
	{ MS_PRIVATE, "MS_PRIVATE" }, { MS_SLAVE, "MS_SLAVE" }, { MS_SHARED, "MS_SHARED" },
	{ MS_RELATIME, "MS_RELATIME" }, { MS_STRICTATIME, "MS_STRICTATIME" },
};

const char *mount_flags_text(struct reply *r, unsigned long flags)
{
	struct buf b = { 0 };
	buf_put(&b, "", 0);
	for (size_t i = 0; i < sizeof mount_flags / sizeof mount_flags[0]; i++) {
		if (flags & mount_flags[i].flag) {
			if (b.len)
				buf_putc(&b, '|');
			buf_puts(&b, mount_flags[i].name);
			flags &= ~mount_flags[i].flag;
		}
	}
	if (flags)
		buf_printf(&b, "%s%#lx", b.len ? "|" : "", flags);
	const char *s = r_printf(r, "%s", b.len ? b.s : "0");
	buf_free(&b);
	return s;
}

/* The words mount(8) and config.json use for the flags (the rest of an options list
 * is the data string the filesystem reads). Combined words come first, so that
 * printing MS_PRIVATE|MS_REC says "rprivate". */
static const struct {
	const char *word;
	unsigned long flag;
	bool clear; /* "rw" takes MS_RDONLY away */
} mount_words[] = {
	{ "rbind", MS_BIND | MS_REC, false }, { "rprivate", MS_PRIVATE | MS_REC, false },
	{ "rslave", MS_SLAVE | MS_REC, false }, { "rshared", MS_SHARED | MS_REC, false },
	{ "runbindable", MS_UNBINDABLE | MS_REC, false },
	{ "ro", MS_RDONLY, false }, { "nosuid", MS_NOSUID, false }, { "nodev", MS_NODEV, false },
	{ "noexec", MS_NOEXEC, false }, { "sync", MS_SYNCHRONOUS, false }, { "dirsync", MS_DIRSYNC, false },
	{ "mand", MS_MANDLOCK, false }, { "noatime", MS_NOATIME, false }, { "nodiratime", MS_NODIRATIME, false },
	{ "relatime", MS_RELATIME, false }, { "strictatime", MS_STRICTATIME, false }, { "bind", MS_BIND, false },
	{ "private", MS_PRIVATE, false }, { "slave", MS_SLAVE, false }, { "shared", MS_SHARED, false },
	{ "unbindable", MS_UNBINDABLE, false },
	{ "rw", MS_RDONLY, true }, { "suid", MS_NOSUID, true }, { "dev", MS_NODEV, true },
	{ "exec", MS_NOEXEC, true }, { "async", MS_SYNCHRONOUS, true }, { "atime", MS_NOATIME, true },
	{ "diratime", MS_NODIRATIME, true }, { "norelatime", MS_RELATIME, true },
	{ "nostrictatime", MS_STRICTATIME, true }, { "nomand", MS_MANDLOCK, true }, { "defaults", 0, true },
};

bool mount_option_word(const char *word, unsigned long *flags)
{
	for (size_t i = 0; i < sizeof mount_words / sizeof mount_words[0]; i++) {
		if (strcmp(word, mount_words[i].word) != 0)
			continue;
		if (mount_words[i].clear)
			*flags &= ~mount_words[i].flag;
		else
			*flags |= mount_words[i].flag;
		return true;
	}
	return false;
}

const char *mount_options_text(struct reply *r, unsigned long flags)
{
	struct buf b = { 0 };
	buf_put(&b, "", 0);
	for (size_t i = 0; i < sizeof mount_words / sizeof mount_words[0]; i++) {
		unsigned long f = mount_words[i].flag;
		if (mount_words[i].clear || (flags & f) != f)
			continue;
		if (b.len)
			buf_putc(&b, ',');
		buf_puts(&b, mount_words[i].word);
		flags &= ~f;
	}
	const char *s = r_printf(r, "%s", b.s);
	buf_free(&b);
	return s;
}

/* mkdir -p, one mkdir() per missing component; what was made is recorded so a
 * failed op can take it back. */
int mkdir_p(struct reply *r, const char *path, struct strv *created)
{
	struct stat st;
	if (stat(path, &st) == 0)
		return 0;
	char *copy = xstrdup(path);
	for (char *p = copy + 1;; p++) {
		if (*p != '/' && *p != 0)
			continue;
		char saved = *p;
		*p = 0;
		if (stat(copy, &st) < 0) {
			/* mkdir(2) of the missing component (EEXIST: made meanwhile, fine too). */
			if (log_call(r, mkdir(copy, 0755), "mkdir(%s, 0755)", q_str(r, copy)) < 0 && errno != EEXIST) {
				int e = errno;
				fail_sys(r, e, NULL, copy, "mkdir %s", copy);
				free(copy);
				return -1;
			}
			strv_push_copy(created, copy);
		}
		*p = saved;
		if (saved == 0)
			break;
	}
	free(copy);
	return 0;
}

void undo_mkdirs(struct reply *r, struct strv *created)
{
	/* Deepest first: unlink(2) the file made to bind a file onto, rmdir(2) each
	 * directory, so nothing made for a failed op stays. */
	for (size_t i = created->n; i-- > 0;) {
		struct stat st;
		if (lstat(created->v[i], &st) == 0 && !S_ISDIR(st.st_mode))
			log_call(r, unlink(created->v[i]), "unlink(%s)", q_str(r, created->v[i]));
		else
			log_call(r, rmdir(created->v[i]), "rmdir(%s)", q_str(r, created->v[i]));
	}
}

/* In the initial user namespace uid_map is "0 0 4294967295". */
static bool in_user_namespace(void)
{
	char text[128] = "";
	int fd = open("/proc/self/uid_map", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	ssize_t n = read(fd, text, sizeof text - 1);
	close(fd);
	if (n <= 0)
		return false;
	text[n] = 0;
	unsigned long a, b, c;
	if (sscanf(text, "%lu %lu %lu", &a, &b, &c) != 3)
		return true;
	return !(a == 0 && b == 0 && c == 4294967295UL);
}

static bool kernel_older_than(int major, int minor)
{
	struct utsname u;
	int ma = 0, mi = 0;
	/* uname(2): the running kernel's release, to pick the explanation that fits. */
	if (uname(&u) < 0 || sscanf(u.release, "%d.%d", &ma, &mi) != 2)
		return false;
	return ma < major || (ma == major && mi < minor);
}

int mount_set_propagation(struct reply *r, const char *path, const char *mode, bool recursive)
{
	unsigned long flag;
	if (strcmp(mode, "private") == 0)
		flag = MS_PRIVATE;
	else if (strcmp(mode, "slave") == 0)
		flag = MS_SLAVE;
	else if (strcmp(mode, "shared") == 0)
		flag = MS_SHARED;
	else if (strcmp(mode, "unbindable") == 0)
		flag = MS_UNBINDABLE;
	else
		return fail_usage(r, "accepted modes: " PROPAGATION_ACCEPTED, "mode: unknown propagation \"%s\"", mode);
	if (recursive)
		flag |= MS_REC;

	/* Propagation decides whether mount events cross between mount namespaces. A new
	 * mount namespace starts as a copy whose shared mounts are still peers of the
	 * host's: making them private keeps the container's mounts in the container.
	 * The shell's way: mount --make-rprivate / */
	shell_step(r, "mount --make-%s%s %s", recursive ? "r" : "", mode, sh_word(r, path));
	if (log_call(r, mount(NULL, path, NULL, flag, NULL), "mount(NULL, %s, NULL, %s, NULL)", q_str(r, path),
		     mount_flags_text(r, flag)) < 0)
		return fail_sys(r, errno, NULL, path, "make %s %s", path, mode);
	return 0;
}

int op_propagation(const struct request *q, struct reply *r)
{
	const char *path = "/", *mode = NULL;
	bool recursive = true;
	if (arg_str(r, q, "path", false, &path) < 0 || arg_str(r, q, "mode", true, &mode) < 0 ||
	    arg_bool(r, q, "recursive", &recursive) < 0)
		return -1;
	return mount_set_propagation(r, path, mode, recursive);
}

static const char *const mount_types[] = { "proc", "sysfs", "tmpfs", "bind", "overlay", "devpts", "mqueue" };

/* Flags on an existing mount that a remount must keep (a user namespace locks them). */
static unsigned long kept_flags(struct reply *r, const char *target)
{
	struct statvfs sv;
	unsigned long keep = 0;
	if (log_call(r, statvfs(target, &sv), "statfs(%s, {...})", q_str(r, target)) < 0)
		return 0;
	if (sv.f_flag & ST_NOSUID)
		keep |= MS_NOSUID;
	if (sv.f_flag & ST_NODEV)
		keep |= MS_NODEV;
	if (sv.f_flag & ST_NOEXEC)
		keep |= MS_NOEXEC;
	if (sv.f_flag & ST_NOATIME)
		keep |= MS_NOATIME;
	if (sv.f_flag & ST_NODIRATIME)
		keep |= MS_NODIRATIME;
	if (sv.f_flag & ST_RELATIME)
		keep |= MS_RELATIME;
	return keep;
}

/* A bind mount ignores MS_RDONLY (and nosuid, nodev, noexec) on the first call: they
 * take a second call that remounts the new bind mount (mount -o remount,bind,ro). */
static int remount_bind(struct reply *r, const char *target, unsigned long extra)
{
	unsigned long flags = MS_BIND | MS_REMOUNT | extra | kept_flags(r, target);
	if (log_call(r, mount(NULL, target, NULL, flags, NULL), "mount(NULL, %s, NULL, %s, NULL)", q_str(r, target),
		     mount_flags_text(r, flags)) < 0)
		return -1;
	return 0;
}

int op_mount(const struct request *q, struct reply *r)
{
	struct mount_req m = { .mkdir = true };
	if (arg_str(r, q, "type", true, &m.type) < 0 || arg_str(r, q, "target", true, &m.target) < 0 ||
	    arg_str(r, q, "source", false, &m.source) < 0 || arg_str(r, q, "options", false, &m.options) < 0 ||
	    arg_bool(r, q, "readonly", &m.readonly) < 0 || arg_bool(r, q, "recursive", &m.recursive) < 0 ||
	    arg_strv(r, q, "lower", false, &m.lower, &m.nlower) < 0 || arg_str(r, q, "upper", false, &m.upper) < 0 ||
	    arg_str(r, q, "work", false, &m.work) < 0 || arg_bool(r, q, "mkdir", &m.mkdir) < 0)
		return -1;
	bool known = false;
	for (size_t i = 0; i < sizeof mount_types / sizeof mount_types[0]; i++)
		known |= strcmp(m.type, mount_types[i]) == 0;
	if (!known)
		return fail_usage(r, "accepted types: " MOUNT_TYPES_ACCEPTED, "type: unknown mount type \"%s\"", m.type);
	if (!*m.target)
		return fail_usage(r, usage_example("mount"), "target must not be empty");
	return mount_do(r, &m);
}

#define PROPAGATION_FLAGS (MS_PRIVATE | MS_SLAVE | MS_SHARED | MS_UNBINDABLE)

/* What the mount(2) calls of one mount are given, worked out from a request: built
 * first, with nothing touched, then done (mount_do). */
struct mount_call {
	const char *type;          /* as asked ("bind", "overlay", "proc", ...) */
	const char *source, *target;
	const char *fstype;        /* NULL for a bind mount */
	unsigned long flags;       /* of the first call */
	struct buf data;           /* the data string the filesystem reads, "" for none */
	bool bind, overlay, readonly, recursive;
	unsigned long later;       /* flags a bind mount ignores: a remount sets them */
	unsigned long propagation; /* exact: MS_SHARED... (| MS_REC), a call of its own */
};

static void mount_call_free(struct mount_call *c)
{
	buf_free(&c->data);
}

/* The source, type, flags and data for mount(2): config.json's exactly (exact), or the
 * defaults a person wants for each type. 0, or -1 with a usage error. */
static int mount_build(struct reply *r, const struct mount_req *m, struct mount_call *c)
{
	c->type = m->type;
	c->target = m->target;
	c->source = m->source;
	c->fstype = m->type;
	c->readonly = m->readonly;
	c->recursive = m->recursive;
	c->bind = strcmp(m->type, "bind") == 0 || (m->exact && (m->flags & MS_BIND));
	c->overlay = strcmp(m->type, "overlay") == 0;
	buf_put(&c->data, "", 0);
	if (c->bind && !c->source)
		return fail_usage(r, "{\"op\":\"mount\",\"ct\":\"c1\",\"type\":\"bind\",\"source\":\"/srv/data\",\"target\":\"/tmp/root/data\"}",
				  "a bind mount needs \"source\"");
	if (c->overlay && m->nlower == 0 && !m->exact)
		return fail_usage(r, "{\"op\":\"mount\",\"ct\":\"c1\",\"type\":\"overlay\",\"target\":\"/tmp/m\",\"lower\":[\"/tmp/l\"],\"upper\":\"/tmp/u\",\"work\":\"/tmp/w\"}",
				  "an overlay mount needs \"lower\" (an array of directories, top first)");
	if (c->overlay && (m->upper == NULL) != (m->work == NULL) && !m->exact)
		return fail_usage(r, usage_example("mount"), "an overlay needs both \"upper\" and \"work\", or neither (read-only)");

	if (m->exact) {
		/* config.json says exactly which flags and data: no defaults of ours.
		 * Propagation flags take a call of their own, after the mount. */
		c->flags = m->flags & ~PROPAGATION_FLAGS;
		if (c->bind) {
			c->flags &= MS_BIND | MS_REC;
			c->fstype = NULL;
		}
		c->readonly = (m->flags & MS_RDONLY) != 0;
		c->recursive = (m->flags & MS_REC) != 0;
		if (!c->source)
			c->source = m->type;
	} else if (strcmp(m->type, "proc") == 0 || strcmp(m->type, "sysfs") == 0 || strcmp(m->type, "mqueue") == 0) {
		/* Nobody needs setuid programs, device files or binaries on these. */
		c->flags = MS_NOSUID | MS_NODEV | MS_NOEXEC;
		if (!c->source)
			c->source = m->type;
	} else if (strcmp(m->type, "tmpfs") == 0) {
		c->flags = MS_NOSUID | MS_NODEV;
		if (!c->source)
			c->source = "tmpfs";
	} else if (strcmp(m->type, "devpts") == 0) {
		/* newinstance: a private set of ptys for the container, not the host's. */
		c->flags = MS_NOSUID | MS_NOEXEC;
		buf_puts(&c->data, "newinstance,ptmxmode=0666,mode=0620");
		if (!c->source)
			c->source = "devpts";
	} else if (c->bind) {
		c->flags = MS_BIND | (c->recursive ? MS_REC : 0);
		c->fstype = NULL;
	} else if (c->overlay) {
		/* lowerdir=TOP:...:BOTTOM,upperdir=U,workdir=W - the kernel reads layers
		 * from the data string. Without upper and work the overlay is read-only. */
		buf_puts(&c->data, "lowerdir=");
		for (size_t i = 0; i < m->nlower; i++) {
			if (i)
				buf_putc(&c->data, ':');
			buf_puts(&c->data, m->lower[i]);
		}
		if (m->upper)
			buf_printf(&c->data, ",upperdir=%s,workdir=%s", m->upper, m->work);
		if (!c->source)
			c->source = "overlay";
	}
	if (m->options && *m->options) {
		if (c->data.len)
			buf_putc(&c->data, ',');
		buf_puts(&c->data, m->options);
	}
	if (c->readonly && !c->bind)
		c->flags |= MS_RDONLY;
	c->later = m->exact ? m->flags & ~(PROPAGATION_FLAGS | MS_BIND | MS_REC) : (c->readonly ? MS_RDONLY : 0);
	if (!c->bind)
		c->later = 0;
	c->propagation = m->exact && (m->flags & PROPAGATION_FLAGS) ? m->flags & (PROPAGATION_FLAGS | MS_REC) : 0;
	return 0;
}

/* Make the target when it is missing: a directory, or an empty file to bind a file
 * onto (a bind mount joins file to file and directory to directory). What was made
 * goes into created, for the undo. */
static int make_target(struct reply *r, const struct mount_call *c, struct strv *created)
{
	struct stat st, sst;
	if (stat(c->target, &st) == 0 || errno != ENOENT)
		return 0;
	if (!(c->bind && stat(c->source, &sst) == 0 && !S_ISDIR(sst.st_mode))) {
		if (mkdir_p(r, c->target, created) < 0)
			return -1;
		shell_step(r, "mkdir -p %s", sh_word(r, c->target));
		return 0;
	}
	CLEANUP(mem_free) char *parent = xstrdup(c->target);
	char *slash = strrchr(parent, '/');
	if (slash && slash != parent) {
		*slash = 0;
		if (mkdir_p(r, parent, created) < 0)
			return -1;
	}
	/* open(2) with O_CREAT|O_EXCL: a new empty file, never one that was there. */
	int fd = open(c->target, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	log_call(r, fd, "openat(AT_FDCWD, %s, O_WRONLY|O_CREAT|O_EXCL|O_CLOEXEC, 0644)", q_str(r, c->target));
	if (fd >= 0) {
		close(fd);
		strv_push_copy(created, c->target);
		shell_step(r, "touch %s", sh_word(r, c->target));
	}
	return 0;
}

/* The shell's way: mount --bind, or mount -t TYPE -o OPTIONS. */
static void mount_shell(struct reply *r, const struct mount_call *c)
{
	if (c->bind) {
		shell_step(r, "mount %s %s %s", c->recursive ? "--rbind" : "--bind", sh_word(r, c->source), sh_word(r, c->target));
		return;
	}
	CLEANUP(buf_free) struct buf opts = { 0 };
	buf_put(&opts, "", 0);
	if (c->readonly)
		buf_puts(&opts, "ro,");
	if (c->flags & MS_NOSUID)
		buf_puts(&opts, "nosuid,");
	if (c->flags & MS_NODEV)
		buf_puts(&opts, "nodev,");
	if (c->flags & MS_NOEXEC)
		buf_puts(&opts, "noexec,");
	if (c->data.len)
		buf_puts(&opts, c->data.s);
	else if (opts.len)
		opts.s[--opts.len] = 0;
	if (opts.len)
		shell_step(r, "mount -t %s -o %s %s %s", c->type, sh_word(r, opts.s), sh_word(r, c->source), sh_word(r, c->target));
	else
		shell_step(r, "mount -t %s %s %s", c->type, sh_word(r, c->source), sh_word(r, c->target));
}

/* Which explanation in errors.c fits a failed mount. */
static const char *mount_variant(const struct mount_call *c, int err)
{
	if (c->overlay && (err == EINVAL || err == EPERM) && in_user_namespace() && kernel_older_than(5, 11))
		return "overlay_userns_old";
	if (c->overlay && (err == EINVAL || err == ENODEV))
		return "overlay";
	if (err == EPERM && in_user_namespace())
		return "userns";
	return NULL;
}

/* The mount(2) calls: the mount, the remount a bind mount needs for its other flags,
 * and the propagation. When a later call fails, the mount is taken away again. */
static int mount_calls(struct reply *r, const struct mount_call *c)
{
	/* mount(2): attach a filesystem (or, with MS_BIND, a view of a directory that is
	 * already mounted) at target in this mount namespace. */
	long rc = mount(c->source, c->target, c->fstype, c->flags, c->data.len ? c->data.s : NULL);
	log_call(r, rc, "mount(%s, %s, %s, %s, %s)", q_str(r, c->source), q_str(r, c->target), q_str(r, c->fstype),
		 mount_flags_text(r, c->flags), c->data.len ? q_str(r, c->data.s) : "NULL");
	if (rc < 0) {
		int e = errno;
		return fail_sys(r, e, mount_variant(c, e), c->target, "mount %s on %s", c->type, c->target);
	}
	/* The flags a bind mount ignored: a second call, a remount, sets them. */
	if (c->later) {
		shell_step(r, "mount -o remount,bind,%s %s", mount_options_text(r, c->later), sh_word(r, c->target));
		if (remount_bind(r, c->target, c->later) < 0) {
			int e = errno;
			fail_sys(r, e, NULL, c->target, "remount %s with %s", c->target, mount_options_text(r, c->later));
			goto unmount;
		}
	}
	/* Propagation is a property of the mount, not of the filesystem: a call of its
	 * own on the new mount (mount --make-rshared TARGET). */
	if (c->propagation) {
		shell_step(r, "mount --make-%s %s", mount_options_text(r, c->propagation), sh_word(r, c->target));
		if (log_call(r, mount(NULL, c->target, NULL, c->propagation, NULL), "mount(NULL, %s, NULL, %s, NULL)",
			     q_str(r, c->target), mount_flags_text(r, c->propagation)) < 0) {
			int e = errno;
			fail_sys(r, e, NULL, c->target, "make %s %s", c->target, mount_options_text(r, c->propagation));
			goto unmount;
		}
	}
	return 0;
unmount:
	/* umount2 with MNT_DETACH: take the new mount off at once, whoever uses it. */
	log_call(r, umount2(c->target, MNT_DETACH), "umount2(%s, MNT_DETACH)", q_str(r, c->target));
	return -1;
}

int mount_do(struct reply *r, const struct mount_req *m)
{
	CLEANUP(mount_call_free) struct mount_call c = { 0 };
	CLEANUP(strv_free) struct strv created = { 0 };
	if (mount_build(r, m, &c) < 0)
		return -1;
	if (m->mkdir && make_target(r, &c, &created) < 0)
		goto undo;
	mount_shell(r, &c);
	if (mount_calls(r, &c) < 0)
		goto undo;
	return 0;
undo:
	/* Nothing stays of a failed mount: the directories (or the file) made for it go
	 * again, deepest first. */
	undo_mkdirs(r, &created);
	return -1;
}

int op_umount(const struct request *q, struct reply *r)
{
	const char *target = NULL;
	bool detach = false;
	if (arg_str(r, q, "target", true, &target) < 0 || arg_bool(r, q, "detach", &detach) < 0)
		return -1;
	/* umount2: take the mount off target. MNT_DETACH ("lazy", umount -l) hides it
	 * now and frees it when the last user is gone. */
	shell_step(r, "umount %s%s", detach ? "-l " : "", sh_word(r, target));
	if (log_call(r, umount2(target, detach ? MNT_DETACH : 0), "umount2(%s, %s)", q_str(r, target),
		     detach ? "MNT_DETACH" : "0") < 0)
		return fail_sys(r, errno, NULL, target, "umount %s", target);
	return 0;
}

int mount_readonly(struct reply *r, const char *target)
{
	shell_step(r, "mount -o remount,bind,ro %s", sh_word(r, target));
	if (remount_bind(r, target, MS_RDONLY) < 0)
		return fail_sys(r, errno, NULL, target, "remount %s read-only", target);
	return 0;
}

int op_readonly(const struct request *q, struct reply *r)
{
	const char *target = NULL;
	if (arg_str(r, q, "target", true, &target) < 0)
		return -1;
	return mount_readonly(r, target);
}

/* ------------------------------------------------------------ masked and read-only paths
 *
 * A container's /proc and /sys are its own mounts, but much in them is still the one
 * kernel talking: /proc/kcore (the machine's memory), /proc/keys, /proc/sysrq-trigger,
 * /proc/sys (kernel settings), /sys/firmware. The OCI runtime spec lists what to hide
 * (linux.maskedPaths) and what to leave readable only (linux.readonlyPaths); runc
 * skips a path this kernel does not have, and so does boxcore. */

/* An absent path needs no protecting. stat(2) is logged so the log says why. */
static bool path_present(struct reply *r, const char *path, struct stat *st)
{
	if (log_call(r, stat(path, st), "stat(%s, {...})", q_str(r, path)) == 0)
		return true;
	errno = 0;
	return false;
}

/* readonlyPaths: bind the path onto itself, so it is a mount of its own, and remount
 * that read-only. 1 done, 0 absent, -1 failed. */
int mount_readonly_path(struct reply *r, const char *path)
{
	struct stat st;
	if (!path_present(r, path, &st))
		return 0;
	struct mount_req m = { .type = "bind", .source = path, .target = path, .exact = true,
			       .flags = MS_BIND | MS_REC | MS_RDONLY };
	return mount_do(r, &m) < 0 ? -1 : 1;
}

/* maskedPaths: a directory disappears under an empty read-only tmpfs, a file under
 * /dev/null (reads give nothing, writes go nowhere). 1 done, 0 absent, -1 failed. */
int mount_mask_path(struct reply *r, const char *path)
{
	struct stat st;
	if (!path_present(r, path, &st))
		return 0;
	struct mount_req m = { .target = path, .exact = true };
	if (S_ISDIR(st.st_mode)) {
		m.type = "tmpfs";
		m.source = "tmpfs";
		m.flags = MS_RDONLY;
	} else {
		m.type = "bind";
		m.source = "/dev/null";
		m.flags = MS_BIND;
	}
	return mount_do(r, &m) < 0 ? -1 : 1;
}

/* The ops: every path in "paths", in order; {done, absent}. A failure takes the
 * mounts this op made away again, so nothing is half done. */
static int protect_paths(const struct request *q, struct reply *r, int (*one)(struct reply *, const char *))
{
	char **paths = NULL;
	size_t n = 0;
	if (arg_strv(r, q, "paths", true, &paths, &n) < 0)
		return -1;
	for (size_t i = 0; i < n; i++)
		if (paths[i][0] != '/')
			return fail_usage(r, usage_example(r->op), "paths: \"%s\" is not an absolute path", paths[i]);
	struct strv done = { 0 }, absent = { 0 };
	int rc = 0;
	/* Each path is a mount: errors are explained as the mount op's. */
	const char *op = r->op;
	r->op = "mount";
	for (size_t i = 0; i < n && rc == 0; i++) {
		int k = one(r, paths[i]);
		if (k < 0)
			rc = -1;
		else
			strv_push_copy(k ? &done : &absent, paths[i]);
	}
	r->op = op;
	if (rc < 0) {
		for (size_t i = done.n; i-- > 0;)
			/* umount2 with MNT_DETACH: the mounts this op made go again, last first. */
			log_call(r, umount2(done.v[i], MNT_DETACH), "umount2(%s, MNT_DETACH)", q_str(r, done.v[i]));
	} else {
		json_member_strv(&r->result, "done", done.v, done.n);
		json_member_strv(&r->result, "absent", absent.v, absent.n);
	}
	strv_free(&done);
	strv_free(&absent);
	return rc;
}

int op_masked_paths(const struct request *q, struct reply *r)
{
	return protect_paths(q, r, mount_mask_path);
}

int op_readonly_paths(const struct request *q, struct reply *r)
{
	return protect_paths(q, r, mount_readonly_path);
}
