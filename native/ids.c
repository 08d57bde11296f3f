/* ids.c - user and group id maps of a user namespace.
 *
 * A new user namespace starts with no ids mapped: its processes show up as 65534
 * (nobody) inside. The parent writes /proc/PID/uid_map and gid_map, once each, with
 * lines "INSIDE OUTSIDE COUNT": ids INSIDE..INSIDE+COUNT-1 in the namespace are
 * OUTSIDE..OUTSIDE+COUNT-1 on the host. /proc/PID/setgroups must say "deny" before an
 * unprivileged writer may write gid_map, or a process could drop a group it was
 * denied access by.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <signal.h>
#include <unistd.h>

#include "boxcore.h"
#include "errors.h"

/* Does any line of the map cover id 0 inside? */
bool map_has_inside_zero(const char *map)
{
	const char *p = map;
	while (*p) {
		char *end;
		unsigned long inside = strtoul(p, &end, 10);
		if (end != p) {
			unsigned long outside = strtoul(end, &end, 10);
			unsigned long count = strtoul(end, &end, 10);
			(void)outside;
			if (inside == 0 && count > 0)
				return true;
		}
		p = strchr(p, '\n');
		if (!p)
			break;
		p++;
	}
	return false;
}

int count_lines(const char *text)
{
	int n = 0;
	for (const char *p = text; *p; p++)
		if (*p != '\n' && (p == text || p[-1] == '\n'))
			n++; /* a line starts here */
	return n;
}

/* Write one /proc/PID file in a single write(): the kernel parses a map only from
 * the first write, and refuses a second one. */
static int write_proc_file(struct reply *r, pid_t pid, const char *file, const char *text, const char *variant)
{
	char path[64];
	snprintf(path, sizeof path, "/proc/%d/%s", (int)pid, file);
	CLEANUP(buf_free) struct buf data = { 0 };
	buf_puts(&data, text);
	if (data.len == 0 || data.s[data.len - 1] != '\n')
		buf_putc(&data, '\n');

	int fd = open(path, O_WRONLY | O_CLOEXEC);
	log_call(r, fd, "openat(AT_FDCWD, %s, O_WRONLY|O_CLOEXEC)", q_str(r, path));
	if (fd < 0)
		return fail_sys(r, errno, NULL, path, "open %s", path);
	ssize_t n = write(fd, data.s, data.len);
	int e = errno;
	CLEANUP(buf_free) struct buf q = { 0 };
	buf_c_string(&q, data.s, data.len);
	log_call(r, n, "write(%d, %s, %zu)", fd, q.s, data.len);
	close(fd);
	log_call(r, 0, "close(%d)", fd);
	/* Shell: echo '0 1000 1' > /proc/PID/uid_map (printf for several lines). */
	if (count_lines(text) > 1)
		shell_step(r, "printf %s > %s", sh_word(r, r_printf(r, "%s", data.s)), path);
	else
		shell_step(r, "echo %s > %s", sh_word(r, text), path);
	if (n < 0)
		return fail_sys(r, e, variant, path, "write %s to %s", file, path);
	return 0;
}

int ids_write_maps(struct reply *r, pid_t pid, const char *uid, const char *gid, const char *setgroups)
{
	/* Writing the maps of a process in the host's user namespace is always EPERM;
	 * say that plainly rather than in general terms. */
	const char *variant = ns_same(pid, "user") == 1 ? "no_userns" : NULL;
	/* setgroups first: after gid_map is written it can no longer be changed. */
	if (setgroups && write_proc_file(r, pid, "setgroups", setgroups, variant) < 0)
		return -1;
	if (uid && write_proc_file(r, pid, "uid_map", uid, variant) < 0)
		return -1;
	if (gid && write_proc_file(r, pid, "gid_map", gid, variant) < 0)
		return -1;
	return 0;
}

/* Puppet side, right after the maps are written: switch to uid/gid 0 of the new
 * namespace, as `unshare --map-root-user` does. Until then the puppet still runs
 * with its host ids, which the namespace shows as 65534. */
int ids_become_root(struct reply *r, bool uid, bool gid)
{
	/* Group first: changing the user id may take away the right to change groups. */
	if (gid && log_call(r, setresgid(0, 0, 0), "setresgid(0, 0, 0)") < 0)
		return fail_sys(r, errno, NULL, NULL, "setresgid(0, 0, 0) inside the user namespace");
	if (uid && log_call(r, setresuid(0, 0, 0), "setresuid(0, 0, 0)") < 0)
		return fail_sys(r, errno, NULL, NULL, "setresuid(0, 0, 0) inside the user namespace");
	return 0;
}

/* Become the user a program runs as: supplementary groups, then the group, then the
 * user (each step needs the privilege the next one takes away). `setpriv --groups
 * G --regid GID --reuid UID` is the shell's way. Capabilities are cleared by the
 * kernel when the uid leaves 0, unless PR_SET_KEEPCAPS is set (see caps.c). */
int ids_switch_user(struct reply *r, unsigned uid, unsigned gid, const gid_t *groups, size_t ngroups)
{
	struct buf g = { 0 };
	buf_put(&g, "", 0);
	for (size_t i = 0; i < ngroups; i++)
		buf_printf(&g, "%s%u", i ? "," : "", (unsigned)groups[i]);
	shell_step(r, "setpriv --groups %s --regid %u --reuid %u", ngroups ? g.s : "''", gid, uid);
	/* setgroups is refused (EPERM) in a user namespace whose setgroups file says
	 * "deny"; there an empty list is what the process has anyway. */
	long rc = setgroups(ngroups, groups);
	log_call(r, rc, "setgroups(%zu, [%s])", ngroups, g.s);
	buf_free(&g);
	if (rc < 0 && !(errno == EPERM && ngroups == 0))
		return fail_sys(r, errno, NULL, NULL, "setgroups");
	/* The group first, then the user: once the uid is no longer 0 the gid could
	 * not change. setresgid and setresuid set the real, effective and saved ids at
	 * once, so the program cannot switch back. */
	if (log_call(r, setresgid(gid, gid, gid), "setresgid(%u, %u, %u)", gid, gid, gid) < 0)
		return fail_sys(r, errno, "setid", r_printf(r, "%u", gid), "setresgid(%u)", gid);
	if (log_call(r, setresuid(uid, uid, uid), "setresuid(%u, %u, %u)", uid, uid, uid) < 0)
		return fail_sys(r, errno, "setid", r_printf(r, "%u", uid), "setresuid(%u)", uid);
	return 0;
}

/* Bounds of the op's arguments: ids as the kernel takes them (-1 means "unchanged"). */
#define MAX_ID 4294967294LL
#define MAX_GROUPS 64

/* user: the puppet, and the program it execs, run as UID:GID with the supplementary
 * GROUPS - what USER does for a RUN in a Containerfile, process.user in config.json.
 * It needs CAP_SETUID and CAP_SETGID (Docker's default set keeps both); once the uid
 * leaves 0 the kernel empties the capability sets. */
int op_user(const struct request *q, struct reply *r)
{
	long long uid, gid;
	char **names = NULL;
	size_t n = 0;
	if (arg_int(r, q, "uid", true, &uid) < 0 || arg_int(r, q, "gid", true, &gid) < 0 ||
	    arg_strv(r, q, "groups", false, &names, &n) < 0)
		return -1;
	if (uid < 0 || uid > MAX_ID || gid < 0 || gid > MAX_ID)
		return fail_usage(r, usage_example("user"), "uid and gid must be numbers from 0 to %lld", MAX_ID);
	if (n > MAX_GROUPS)
		return fail_usage(r, usage_example("user"), "at most %d supplementary groups", MAX_GROUPS);
	gid_t groups[MAX_GROUPS];
	for (size_t i = 0; i < n; i++) {
		char *end;
		errno = 0;
		unsigned long long g = strtoull(names[i], &end, 10);
		if (!*names[i] || *end || errno || g > (unsigned long long)MAX_ID)
			return fail_usage(r, usage_example("user"), "groups: \"%s\" is not a group id (digits, 0 to %lld)", names[i], MAX_ID);
		groups[i] = (gid_t)g;
	}
	if (ids_switch_user(r, (unsigned)uid, (unsigned)gid, groups, n) < 0)
		return -1;
	/* Changing credentials clears the parent-death signal (prctl(2)): set it again. */
	log_call(r, prctl(PR_SET_PDEATHSIG, SIGKILL), "prctl(PR_SET_PDEATHSIG, SIGKILL)");
	return 0;
}

int op_become_root(const struct request *q, struct reply *r)
{
	bool uid = false, gid = false;
	if (arg_bool(r, q, "uid", &uid) < 0 || arg_bool(r, q, "gid", &gid) < 0)
		return -1;
	if (ids_become_root(r, uid, gid) < 0)
		return -1;
	/* Changing credentials clears the parent-death signal (prctl(2)); set it again
	 * so the container still dies with the server. */
	if (uid || gid)
		log_call(r, prctl(PR_SET_PDEATHSIG, SIGKILL), "prctl(PR_SET_PDEATHSIG, SIGKILL)");
	return 0;
}
