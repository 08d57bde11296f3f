/* oci_state.c - where a container made by `boxcore create` is remembered.
 *
 * One directory per container under the root (/run/boxcore, or $XDG_RUNTIME_DIR/
 * boxcore for an unprivileged user, or --root DIR):
 *
 *   ROOT/ID/state.json   id, init pid and its start time, bundle, annotations, cgroup
 *   ROOT/ID/config.json  the config the container was made with (exec reads it)
 *   ROOT/ID/start.sock   while the container is "created": its init waits on it
 *
 * The status is not stored: it is read from the kernel each time. The init's pid is
 * checked against its start time (field 22 of /proc/PID/stat), so a pid the kernel
 * has given to another process meanwhile is not mistaken for the container.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "errors.h"
#include "oci.h"

const char *g_oci_root;

const char *oci_root(void)
{
	static char dflt[PATH_MAX];
	if (g_oci_root)
		return g_oci_root;
	if (getuid() == 0)
		return "/run/boxcore";
	const char *xdg = getenv("XDG_RUNTIME_DIR");
	if (xdg && *xdg)
		snprintf(dflt, sizeof dflt, "%s/boxcore", xdg);
	else
		snprintf(dflt, sizeof dflt, "/tmp/boxcore-%u", (unsigned)getuid());
	return dflt;
}

/* The state root says which processes delete kills and which cgroups it removes, so
 * it must be this user's alone: a directory (not a link) owned by us that no one else
 * can write. /tmp/boxcore-UID in particular may have been made first by another user,
 * with a forged container in it. A root that does not exist yet is fine. */
int oci_root_check(struct reply *r)
{
	const char *root = oci_root();
	struct stat st;
	if (lstat(root, &st) < 0)
		return errno == ENOENT ? 0 : fail_sys(r, errno, NULL, root, "lstat %s", root);
	if (!S_ISDIR(st.st_mode) || st.st_uid != geteuid() || (st.st_mode & 022))
		return fail_state(r, state_hint("oci_root"),
				  "the state root %s is not yours alone (%s, owner uid %u, mode %04o): another user "
				  "could forge containers in it", root, S_ISLNK(st.st_mode) ? "a symbolic link" :
				  S_ISDIR(st.st_mode) ? "a directory" : "not a directory", (unsigned)st.st_uid,
				  (unsigned)(st.st_mode & 07777));
	return 0;
}

int oci_check_id(const char *id, struct reply *r)
{
	size_t n = strlen(id);
	bool ok = n > 0 && n <= 200 && strcmp(id, ".") != 0 && strcmp(id, "..") != 0;
	for (const char *p = id; ok && *p; p++)
		ok = strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_+-.", *p) != NULL;
	if (!ok)
		return fail_usage(r, state_hint("oci_id"), "\"%s\" is not a container id", id);
	return 0;
}

/* Field 3 (state) and 22 (start time, in clock ticks since boot) of /proc/PID/stat.
 * The command name (field 2) may hold spaces and parentheses: count after the last ')'. */
static int proc_stat(pid_t pid, char *state, char *start, size_t startlen)
{
	char path[64], text[1024];
	snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	ssize_t n = read(fd, text, sizeof text - 1);
	close(fd);
	if (n <= 0)
		return -1;
	text[n] = 0;
	char *p = strrchr(text, ')');
	if (!p)
		return -1;
	p += 2;
	*state = *p;
	for (int field = 3; field < 22 && p; field++) {
		p = strchr(p, ' ');
		if (p)
			p++;
	}
	if (!p)
		return -1;
	snprintf(start, startlen, "%.*s", (int)strcspn(p, " "), p);
	return 0;
}

/* Field 22 of /proc/PID/stat, the start time in clock ticks since boot: with the pid
 * it names one process, never a later one that got the same pid. NULL when gone. */
static char *proc_start_time(pid_t pid)
{
	char state, start[32];
	return proc_stat(pid, &state, start, sizeof start) == 0 ? xstrdup(start) : NULL;
}

const char *oci_status_name(enum oci_status st)
{
	static const char *const names[] = { "creating", "created", "running", "paused", "stopped" };
	return names[st];
}

static char *dup_str(struct jt *doc, const char *key)
{
	struct jt *v = jt_get(doc, key);
	return v && v->type == JT_STR ? xstrdup(v->s) : NULL;
}

int oci_state_read(const char *id, struct oci_state *s, struct reply *r)
{
	memset(s, 0, sizeof *s);
	if (oci_check_id(id, r) < 0 || oci_root_check(r) < 0)
		return -1;
	snprintf(s->id, sizeof s->id, "%s", id);
	snprintf(s->dir, sizeof s->dir, "%s/%s", oci_root(), id);
	struct stat st;
	if (stat(s->dir, &st) < 0)
		return fail_state(r, state_hint("oci_no_container"), "container \"%s\" does not exist (in %s)", id, oci_root());
	s->owner = st.st_uid;
	char path[PATH_MAX + 16];
	snprintf(path, sizeof path, "%s/state.json", s->dir);
	FILE *f = fopen(path, "re");
	if (!f) {
		s->status = OCI_CREATING; /* the directory is there, create is still at work */
		return 0;
	}
	struct buf text = { 0 };
	char tmp[4096];
	size_t n;
	while ((n = fread(tmp, 1, sizeof tmp, f)) > 0)
		buf_put(&text, tmp, n);
	fclose(f);
	char why[200];
	if (jt_parse(text.s ? text.s : "", text.len, &s->doc, why, sizeof why) < 0) {
		buf_free(&text);
		return fail_state(r, state_hint("oci_broken"), "%s is damaged: %s", path, why);
	}
	buf_free(&text);
	struct jt *pid = jt_get(&s->doc, "pid"), *ns = jt_get(&s->doc, "namespaces"), *ann = jt_get(&s->doc, "annotations");
	s->pid = pid && pid->type == JT_NUM ? (pid_t)pid->i : 0;
	s->ns_new = ns && ns->type == JT_NUM ? (int)ns->i : 0;
	s->bundle = dup_str(&s->doc, "bundle");
	s->rootfs = dup_str(&s->doc, "rootfs");
	s->created = dup_str(&s->doc, "created");
	s->starttime = dup_str(&s->doc, "starttime");
	struct jt *cg = jt_get(&s->doc, "cgroup"), *cgp = jt_get(&s->doc, "cgroup_parent");
	oci_cgroup_from_state(&s->cg, cg && cg->type == JT_STR ? cg->s : NULL, cgp && cgp->type == JT_STR ? cgp->s : NULL);
	struct jt *made = jt_get(&s->doc, "cgroup_made");
	for (size_t i = 0; made && made->type == JT_ARR && i < made->n; i++)
		if (made->kids[i].type == JT_STR)
			strv_push_copy(&s->cg.made, made->kids[i].s);
	if (ann) {
		struct buf a = { 0 };
		jt_write(ann, &a);
		s->annotations = a.s;
	}

	/* No pid yet: create has not cloned the init (or was stopped before it did). */
	if (s->pid <= 0) {
		s->status = OCI_CREATING;
		return 0;
	}
	/* Alive, and the same process? A zombie has exited already. */
	char state = 0, start[32] = "";
	if (proc_stat(s->pid, &state, start, sizeof start) < 0 || !s->starttime ||
	    strcmp(start, s->starttime) != 0 || state == 'Z' || state == 'X') {
		s->status = OCI_STOPPED;
		return 0;
	}
	snprintf(path, sizeof path, "%s/start.sock", s->dir);
	if (lstat(path, &st) == 0)
		s->status = OCI_CREATED;
	else if (oci_cgroup_frozen(&s->cg))
		s->status = OCI_PAUSED;
	else
		s->status = OCI_RUNNING;
	return 0;
}

void oci_state_free(struct oci_state *s)
{
	free(s->bundle);
	free(s->rootfs);
	free(s->created);
	free(s->starttime);
	free(s->annotations);
	strv_free(&s->cg.made);
	jt_free(&s->doc);
}

static void now_rfc3339(char *out, size_t len)
{
	struct timespec ts;
	struct tm tm;
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	char base[32];
	strftime(base, sizeof base, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(out, len, "%s.%09ldZ", base, ts.tv_nsec);
}

/* Write a file whole or not at all: into NAME.tmp, then rename over NAME. */
static int write_atomic(const char *path, const char *data, size_t len)
{
	char tmp[PATH_MAX + 8];
	snprintf(tmp, sizeof tmp, "%s.tmp", path);
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return -1;
	int rc = write_all(fd, data, len);
	if (close(fd) < 0)
		rc = -1;
	if (rc == 0)
		rc = rename(tmp, path);
	/* Written whole and renamed over the old file (rename(2) is atomic): a reader
	 * sees the old state or the new, never half of one. A failed write leaves no
	 * temporary file behind. */
	if (rc < 0)
		unlink(tmp);
	return rc;
}

int oci_state_write(const char *dir, const char *id, pid_t pid, const struct oci_config *c, const struct oci_cg *g)
{
	char created[64];
	now_rfc3339(created, sizeof created);
	char *start = pid > 0 ? proc_start_time(pid) : NULL;
	struct buf o = { 0 };
	buf_put(&o, "", 0);
	json_member_str(&o, "ociVersion", OCI_VERSION);
	json_member_str(&o, "id", id);
	json_member_int(&o, "pid", pid);
	json_member_str(&o, "starttime", start ? start : "");
	json_member_str(&o, "bundle", c->bundle);
	json_member_str(&o, "rootfs", c->rootfs);
	json_member_str(&o, "created", created);
	json_member_int(&o, "namespaces", c->ns_new);
	if (g->want) {
		json_member_str(&o, "cgroup", g->name);
		json_member_str(&o, "cgroup_parent", g->parent);
		json_member_strv(&o, "cgroup_made", g->made.v, g->made.n);
	}
	if (c->annotations) {
		struct buf a = { 0 };
		jt_write(c->annotations, &a);
		json_member_raw(&o, "annotations", a.s);
		buf_free(&a);
	}
	free(start);
	struct buf text = { 0 };
	buf_printf(&text, "{%s}\n", o.s);
	buf_free(&o);
	char path[PATH_MAX + 16];
	snprintf(path, sizeof path, "%s/state.json", dir);
	int rc = write_atomic(path, text.s, text.len);
	buf_free(&text);
	if (rc < 0 || pid > 0)
		return rc;
	/* exec reads the container's own process settings from here: written with the
	 * first state.json (no pid yet), which create writes before the clone. */
	struct buf conf = { 0 };
	jt_write(&c->doc, &conf);
	snprintf(path, sizeof path, "%s/config.json", dir);
	rc = write_atomic(path, conf.s, conf.len);
	buf_free(&conf);
	return rc;
}

void oci_state_json(const struct oci_state *s, struct buf *out)
{
	struct buf o = { 0 };
	buf_put(&o, "", 0);
	json_member_str(&o, "ociVersion", OCI_VERSION);
	json_member_str(&o, "id", s->id);
	json_member_str(&o, "status", oci_status_name(s->status));
	json_member_int(&o, "pid", s->status == OCI_STOPPED || s->status == OCI_CREATING ? 0 : s->pid);
	json_member_str(&o, "bundle", s->bundle ? s->bundle : "");
	json_member_str(&o, "rootfs", s->rootfs ? s->rootfs : "");
	json_member_str(&o, "created", s->created ? s->created : "");
	json_member_raw(&o, "annotations", s->annotations ? s->annotations : "{}");
	buf_printf(out, "{%s}", o.s);
	buf_free(&o);
}

void oci_hook_state(struct buf *out, const char *id, enum oci_status st, pid_t pid, const char *bundle,
		    const char *annotations)
{
	struct buf o = { 0 };
	buf_put(&o, "", 0);
	json_member_str(&o, "ociVersion", OCI_VERSION);
	json_member_str(&o, "id", id);
	json_member_str(&o, "status", oci_status_name(st));
	if (pid > 0)
		json_member_int(&o, "pid", pid);
	json_member_str(&o, "bundle", bundle ? bundle : "");
	if (annotations && strcmp(annotations, "{}") != 0)
		json_member_raw(&o, "annotations", annotations);
	buf_printf(out, "{%s}", o.s);
	buf_free(&o);
}

void oci_state_remove(const char *dir)
{
	DIR *d = opendir(dir);
	if (d) {
		struct dirent *e;
		while ((e = readdir(d)) != NULL)
			if (e->d_name[0] != '.' || (e->d_name[1] && strcmp(e->d_name, "..") != 0))
				/* unlinkat(2) relative to the directory's own descriptor, then rmdir(2). */
				unlinkat(dirfd(d), e->d_name, 0);
		closedir(d);
	}
	rmdir(dir);
}
