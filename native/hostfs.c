/* hostfs.c - root's hands in directories that another user can write.
 *
 *   boxcore rmtree [--owner UID] PATH
 *   boxcore writefile --as UID:GID PATH      (the contents come on stdin)
 *
 * boxlab runs as root, and hands some of what it makes to a user: a rootless
 * container's overlay upper and work directories, a rootless lesson's ${dir}, the
 * progress and settings files in the home of the person behind sudo. A path name in
 * such a place means nothing to root: between looking at it and acting on it, its
 * owner can swap any name in it for a symbolic link to /etc/shadow, and chown(2),
 * open(2) and a recursive rm by path all follow the link. So root never acts there by
 * path; these two commands are how it acts instead.
 *
 * rmtree removes PATH and everything beneath it. PATH is opened with openat2(2) and
 * RESOLVE_NO_SYMLINKS: no component of it may be a link. Beneath it every name is
 * handled relative to its directory's file descriptor: unlinkat(2) removes a name
 * (a link is removed as a link, never followed), and a directory is entered with
 * openat(O_NOFOLLOW), so a name that became a link meanwhile is never entered. With
 * --owner UID (the user the tree was handed to), a directory owned by UID is emptied by
 * a child process that has become UID first (setresuid): whatever the user moved into
 * it, the child removes only what the user could have removed. (Without it root
 * removes everything: a root container's upper directory holds directories of many
 * uids, with root's files inside.) rmtree stays on PATH's filesystem (a mount point is
 * left and named). A PATH that does not exist counts as removed.
 *
 * writefile becomes UID:GID before it touches anything, then makes the missing
 * directories of PATH (mode 0700), writes PATH.tmp-PID (O_CREAT|O_EXCL|O_NOFOLLOW,
 * mode 0600) and renames it over PATH. Every permission check is made against that
 * user, so a link or a swapped directory can only lead where the user could write.
 *
 * Exit status: 0 done; 1 the kernel refused something (each failure is named on
 * stderr with its path, and the rest is still done); 2 wrong arguments.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/openat2.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "boxcore.h"
#include "util.h"

/* How long root waits for a child emptying a user's directory (a user can stop it). */
#define RMTREE_CHILD_MS 10000

/* The most writefile takes on stdin: the lab's JSON files are a few KiB. */
#define WRITEFILE_MAX (1 << 20)

static int failures;
/* rmtree --owner: whose directories are emptied as them (-1: none). */
static long long g_owner = -1;

static void failed(const char *cmd, const char *path, const char *what, int err)
{
	fprintf(stderr, "boxcore %s: %s: %s%s%s\n", cmd, path, what, err ? ": " : "", err ? strerror(err) : "");
	failures++;
}

/* An absolute path with no empty, "." or ".." component and no trailing slash: the
 * only kind the lab ever names, and the only kind these commands take. */
static bool is_plain_path(const char *p)
{
	if (p[0] != '/' || p[1] == 0)
		return false;
	for (const char *c = p + 1;; ) {
		const char *end = strchrnul(c, '/');
		size_t n = (size_t)(end - c);
		if (n == 0 || (n == 1 && c[0] == '.') || (n == 2 && c[0] == '.' && c[1] == '.'))
			return false;
		if (*end == 0)
			return true;
		c = end + 1;
	}
}

/* Give up root for good, in the only safe order: the supplementary groups and the
 * group while we still may, then the user (saved set-user-ID too, so there is no
 * way back). */
static int become(uid_t uid, gid_t gid)
{
	if (setgroups(0, NULL) < 0 || setresgid(gid, gid, gid) < 0 || setresuid(uid, uid, uid) < 0)
		return -1;
	return 0;
}

/* ---- rmtree ---- */

static void remove_entry(int dir, const char *name, const char *path, dev_t dev);

/* Every name in the directory open at FD, read before any is removed (removing
 * entries while readdir(3) walks them may skip some). Its owner may be adding names
 * meanwhile: the directory is read again until it is empty, a few times at most. A
 * pass that could not remove something ends it: another would only fail (and say so)
 * again, and the directory's rmdir says what is left. */
static void empty_dir(int fd, const char *path, dev_t dev)
{
	for (int pass = 0; pass < 4; pass++) {
		DIR *d = fdopendir(dup(fd));
		if (!d) {
			failed("rmtree", path, "opendir", errno);
			return;
		}
		rewinddir(d);
		struct strv names = { 0 };
		struct dirent *e;
		while ((e = readdir(d)))
			if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
				strv_push_copy(&names, e->d_name);
		closedir(d);
		size_t found = names.n;
		int failures_before = failures;
		for (size_t i = 0; i < names.n; i++) {
			char *child;
			if (asprintf(&child, "%s/%s", path, names.v[i]) < 0)
				child = NULL;
			remove_entry(fd, names.v[i], child ? child : path, dev);
			free(child);
		}
		strv_free(&names);
		if (found == 0 || failures != failures_before)
			return;
	}
}

/* A directory of our own without full permission for us (a container may have left
 * it 0555, or 0): give it back to us, so its entries can go. Called only as its owner. */
static void let_owner_in(int fd)
{
	struct stat st;
	if (fstat(fd, &st) == 0 && (st.st_mode & 0700) != 0700)
		(void)fchmod(fd, (st.st_mode & 07777) | 0700);
}

/* Empty a directory of another user's as that user, in a child that becomes them. */
static void empty_dir_as(uid_t uid, gid_t gid, int fd, const char *path, dev_t dev)
{
	fflush(stderr);
	pid_t child = fork();
	if (child < 0) {
		failed("rmtree", path, "fork", errno);
		return;
	}
	if (child == 0) {
		failures = 0;
		if (become(uid, gid) < 0) {
			failed("rmtree", path, "setresuid to its owner", errno);
		} else {
			let_owner_in(fd);
			empty_dir(fd, path, dev);
		}
		_exit(failures ? 1 : 0);
	}
	/* The child is the user's: they may stop it (SIGSTOP) and keep it stopped. Root
	 * waits a while, then kills it and says so. */
	int status = 0;
	pid_t got = 0;
	for (int waited_ms = 0; got == 0 && waited_ms < RMTREE_CHILD_MS; waited_ms += 10) {
		got = waitpid(child, &status, WNOHANG);
		if (got == 0)
			usleep(10 * 1000);
	}
	if (got <= 0) {
		kill(child, SIGKILL);
		waitpid(child, &status, 0);
		failed("rmtree", path, "its owner's remover took too long (was it stopped?): killed", 0);
	} else if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		failures++; /* the child said what failed */
	}
}

/* Remove the name NAME of the directory open at DIR (PATH names it in messages). */
static void remove_entry(int dir, const char *name, const char *path, dev_t dev)
{
	/* Anything but a directory goes with one unlinkat(2), which never follows a link. */
	if (unlinkat(dir, name, 0) == 0 || errno == ENOENT)
		return;
	if (errno != EISDIR) {
		failed("rmtree", path, "unlink", errno);
		return;
	}
	int fd = openat(dir, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	/* A directory of our own without read or search permission (overlayfs leaves
	 * work/work at mode 0): only a user that is not root meets this, and a chmod as
	 * that user can only change what the user owns. */
	if (fd < 0 && errno == EACCES && geteuid() != 0 && fchmodat(dir, name, 0700, 0) == 0)
		fd = openat(dir, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 && (errno == ELOOP || errno == ENOTDIR)) {
		/* It was swapped for a link or a file after the unlinkat above: remove that. */
		if (unlinkat(dir, name, 0) < 0 && errno != ENOENT)
			failed("rmtree", path, "unlink", errno);
		return;
	}
	if (fd < 0) {
		if (errno != ENOENT)
			failed("rmtree", path, "open", errno);
		return;
	}
	struct stat st;
	if (fstat(fd, &st) < 0) {
		failed("rmtree", path, "fstat", errno);
	} else if (st.st_dev != dev) {
		failed("rmtree", path, "a mount point (another filesystem): left in place", 0);
	} else {
		if (geteuid() == 0 && g_owner >= 0 && st.st_uid == (uid_t)g_owner)
			empty_dir_as(st.st_uid, st.st_gid, fd, path, dev);
		else {
			if (geteuid() != 0)
				let_owner_in(fd);
			empty_dir(fd, path, dev);
		}
		/* The name may have been swapped for a link meanwhile: then the link goes. */
		if (unlinkat(dir, name, AT_REMOVEDIR) < 0 && errno != ENOENT &&
		    !(errno == ENOTDIR && (unlinkat(dir, name, 0) == 0 || errno == ENOENT)))
			failed("rmtree", path, "rmdir", errno);
	}
	close(fd);
}

int cli_rmtree(int argc, char **argv)
{
	char *end = NULL;
	if (argc == 5 && strcmp(argv[2], "--owner") == 0) {
		errno = 0;
		g_owner = strtoll(argv[3], &end, 10);
		if (errno || end == argv[3] || *end || g_owner <= 0 || g_owner >= (uid_t)-1)
			g_owner = -2;
	}
	const char *path = argv[argc - 1];
	if ((argc != 3 && argc != 5) || g_owner == -2 || (argc == 5 && g_owner < 0) || !is_plain_path(path)) {
		fputs("usage: boxcore rmtree [--owner UID] PATH (absolute, without . or .. components; UID > 0)\n", stderr);
		return 2;
	}
	char *parent = xstrdup(path);
	char *slash = strrchr(parent, '/');
	const char *name = path + (slash - parent) + 1;
	if (slash == parent)
		slash[1] = 0; /* the parent is / */
	else
		*slash = 0;
	/* Every component of the parent: a real directory, never a link. */
	struct open_how how = { .flags = O_RDONLY | O_DIRECTORY | O_CLOEXEC, .resolve = RESOLVE_NO_SYMLINKS };
	int dir = (int)syscall(SYS_openat2, AT_FDCWD, parent, &how, sizeof how);
	struct stat st;
	if (dir < 0) {
		if (errno != ENOENT)
			failed("rmtree", parent, errno == ELOOP ? "a symbolic link on the way (refused)" : "open", errno == ELOOP ? 0 : errno);
	} else if (fstat(dir, &st) < 0) {
		failed("rmtree", parent, "fstat", errno);
	} else {
		remove_entry(dir, name, path, st.st_dev);
	}
	if (dir >= 0)
		close(dir);
	free(parent);
	return failures ? 1 : 0;
}

/* ---- writefile ---- */

static int parse_ids(const char *s, uid_t *uid, gid_t *gid)
{
	char *end;
	errno = 0;
	unsigned long u = strtoul(s, &end, 10);
	if (errno || end == s || *end != ':' || u >= (uid_t)-1)
		return -1;
	const char *g = end + 1;
	unsigned long v = strtoul(g, &end, 10);
	if (errno || end == g || *end || v >= (gid_t)-1)
		return -1;
	*uid = (uid_t)u;
	*gid = (gid_t)v;
	return 0;
}

/* mkdir -p of PATH's directories, each mode 0700 (as the user we have become). */
static int make_parents(const char *path)
{
	char dir[PATH_MAX];
	if (strlen(path) >= sizeof dir)
		return errno = ENAMETOOLONG, -1;
	strcpy(dir, path);
	for (char *s = strchr(dir + 1, '/'); s; s = strchr(s + 1, '/')) {
		*s = 0;
		if (mkdir(dir, 0700) < 0 && errno != EEXIST)
			return -1;
		*s = '/';
	}
	return 0;
}

int cli_writefile(int argc, char **argv)
{
	uid_t uid;
	gid_t gid;
	if (argc != 5 || strcmp(argv[2], "--as") != 0 || parse_ids(argv[3], &uid, &gid) < 0 || !is_plain_path(argv[4])) {
		fputs("usage: boxcore writefile --as UID:GID PATH (absolute; the contents on stdin)\n", stderr);
		return 2;
	}
	const char *path = argv[4];
	struct buf data = { 0 };
	char chunk[65536];
	ssize_t n;
	while ((n = read(0, chunk, sizeof chunk)) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 || data.len + (size_t)n > WRITEFILE_MAX) {
			failed("writefile", path, n < 0 ? "read stdin" : "more than 1 MiB on stdin", n < 0 ? errno : 0);
			return 1;
		}
		buf_put(&data, chunk, (size_t)n);
	}
	if ((geteuid() != uid || getegid() != gid) && become(uid, gid) < 0) {
		failed("writefile", path, "setresuid", errno);
		return 1;
	}
	umask(077);
	char tmp[PATH_MAX];
	if (snprintf(tmp, sizeof tmp, "%s.tmp-%d", path, (int)getpid()) >= (int)sizeof tmp) {
		failed("writefile", path, "path too long", 0);
		return 1;
	}
	if (make_parents(path) < 0) {
		failed("writefile", path, "mkdir", errno);
		return 1;
	}
	int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0) {
		failed("writefile", tmp, "open", errno);
		return 1;
	}
	if (write_all(fd, data.s ? data.s : "", data.len) < 0 || close(fd) < 0) {
		failed("writefile", tmp, "write", errno);
		unlink(tmp);
		return 1;
	}
	if (rename(tmp, path) < 0) {
		failed("writefile", path, "rename", errno);
		unlink(tmp);
		return 1;
	}
	buf_free(&data);
	return 0;
}
