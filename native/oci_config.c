/* oci_config.c - a bundle's config.json, as the OCI runtime spec defines it.
 *
 * Everything is read and checked before anything is made, so a bad config changes
 * nothing. Each field boxcore knows is fetched with jt_get, which marks it; whatever
 * is left unmarked at the end is a field boxcore does not support, and it is refused
 * by name rather than silently ignored.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/ioprio.h>
#include <linux/sched.h>
#include <linux/seccomp.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/personality.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "errors.h"
#include "oci.h"

/* ------------------------------------------------------------ reading helpers */

struct rd {
	struct reply *r;
	struct oci_config *c;
};

static int bad(struct rd *d, const char *hint_key, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int bad(struct rd *d, const char *hint_key, const char *fmt, ...)
{
	struct buf b = { 0 };
	va_list ap;
	va_start(ap, fmt);
	buf_vprintf(&b, fmt, ap);
	va_end(ap);
	fail_usage(d->r, state_hint(hint_key), "config.json: %s", b.s);
	buf_free(&b);
	return -1;
}

/* "process" + "user" -> "process.user"; lives as long as the config. */
static const char *at(struct rd *d, const char *base, const char *key)
{
	char *s = NULL;
	if (asprintf(&s, "%s%s%s", base, *base ? "." : "", key) < 0)
		abort();
	strv_push(&d->c->owned, s);
	return s;
}

static const char *at_index(struct rd *d, const char *base, size_t i)
{
	char *s = NULL;
	if (asprintf(&s, "%s[%zu]", base, i) < 0)
		abort();
	strv_push(&d->c->owned, s);
	return s;
}

static int want(struct rd *d, const struct jt *v, enum jt_type t, const char *path)
{
	if (v->type == t)
		return 0;
	return bad(d, "oci_type", "%s must be %s, not %s", path, jt_type_name(t), jt_type_name(v->type));
}

static int get_str(struct rd *d, struct jt *obj, const char *key, const char *base, bool required, const char **out)
{
	struct jt *v = jt_get(obj, key);
	if (!v) {
		if (required)
			return bad(d, "oci_required", "%s is missing", at(d, base, key));
		return 0;
	}
	if (want(d, v, JT_STR, at(d, base, key)) < 0)
		return -1;
	if (v->has_nul)
		return bad(d, "oci_type", "%s contains a NUL character", at(d, base, key));
	*out = v->s;
	return 0;
}

static int get_bool(struct rd *d, struct jt *obj, const char *key, const char *base, bool *out)
{
	struct jt *v = jt_get(obj, key);
	if (!v)
		return 0;
	if (want(d, v, JT_BOOL, at(d, base, key)) < 0)
		return -1;
	*out = v->b;
	return 0;
}

/* An integer within [min, max]; *present says whether it was there. */
static int get_int(struct rd *d, struct jt *obj, const char *key, const char *base, long long min, long long max,
		   bool *present, long long *out)
{
	struct jt *v = jt_get(obj, key);
	if (present)
		*present = v != NULL;
	if (!v)
		return 0;
	if (v->type != JT_NUM || !v->is_int)
		return bad(d, "oci_type", "%s must be a whole number, not %s", at(d, base, key),
			   v->type == JT_NUM ? "a fraction" : jt_type_name(v->type));
	if (v->i < min || v->i > max)
		return bad(d, "oci_range", "%s is %lld, outside %lld..%lld", at(d, base, key), v->i, min, max);
	*out = v->i;
	return 0;
}

/* An unsigned 64-bit number (rlimits, seccomp values): JSON numbers above 2^63 are
 * read as doubles, which is exact for the values people write (2^64-1 is "unlimited"). */
static int get_u64(struct rd *d, struct jt *obj, const char *key, const char *base, bool required, unsigned long long *out)
{
	struct jt *v = jt_get(obj, key);
	if (!v) {
		if (required)
			return bad(d, "oci_required", "%s is missing", at(d, base, key));
		return 0;
	}
	if (v->type != JT_NUM || (v->is_int && v->i < 0) || (!v->is_int && (v->num < 0 || v->num != (double)(unsigned long long)v->num)))
		return bad(d, "oci_type", "%s must be a whole number of at least 0", at(d, base, key));
	*out = v->is_int ? (unsigned long long)v->i : (v->num >= 18446744073709551615.0 ? ~0ULL : (unsigned long long)v->num);
	return 0;
}

/* An array of strings; NULL when absent. */
static struct jt *get_strarr(struct rd *d, struct jt *obj, const char *key, const char *base)
{
	struct jt *v = jt_get(obj, key);
	if (!v)
		return NULL;
	const char *path = at(d, base, key);
	if (want(d, v, JT_ARR, path) < 0)
		return (struct jt *)-1;
	for (size_t i = 0; i < v->n; i++) {
		if (want(d, &v->kids[i], JT_STR, at_index(d, path, i)) < 0)
			return (struct jt *)-1;
		if (v->kids[i].has_nul)
			return bad(d, "oci_type", "%s contains a NUL character", at_index(d, path, i)), (struct jt *)-1;
	}
	return v;
}
#define FAILED(p) ((p) == (struct jt *)-1)

static struct jt *get_obj(struct rd *d, struct jt *obj, const char *key, const char *base, bool required)
{
	struct jt *v = jt_get(obj, key);
	if (!v) {
		if (required)
			return bad(d, "oci_required", "%s is missing", at(d, base, key)), (struct jt *)-1;
		return NULL;
	}
	if (want(d, v, JT_OBJ, at(d, base, key)) < 0)
		return (struct jt *)-1;
	return v;
}

static struct jt *get_arr(struct rd *d, struct jt *obj, const char *key, const char *base)
{
	struct jt *v = jt_get(obj, key);
	if (!v)
		return NULL;
	if (want(d, v, JT_ARR, at(d, base, key)) < 0)
		return (struct jt *)-1;
	return v;
}

static bool absolute_clean(const char *p)
{
	if (p[0] != '/')
		return false;
	for (const char *s = p; (s = strstr(s, "..")) != NULL; s += 2)
		if ((s == p || s[-1] == '/') && (s[2] == 0 || s[2] == '/'))
			return false;
	return true;
}

/* ------------------------------------------------------------ process */

static const struct {
	const char *name;
	int resource;
} rlimit_names[] = {
	{ "RLIMIT_AS", RLIMIT_AS }, { "RLIMIT_CORE", RLIMIT_CORE }, { "RLIMIT_CPU", RLIMIT_CPU },
	{ "RLIMIT_DATA", RLIMIT_DATA }, { "RLIMIT_FSIZE", RLIMIT_FSIZE }, { "RLIMIT_LOCKS", RLIMIT_LOCKS },
	{ "RLIMIT_MEMLOCK", RLIMIT_MEMLOCK }, { "RLIMIT_MSGQUEUE", RLIMIT_MSGQUEUE }, { "RLIMIT_NICE", RLIMIT_NICE },
	{ "RLIMIT_NOFILE", RLIMIT_NOFILE }, { "RLIMIT_NPROC", RLIMIT_NPROC }, { "RLIMIT_RSS", RLIMIT_RSS },
	{ "RLIMIT_RTPRIO", RLIMIT_RTPRIO }, { "RLIMIT_RTTIME", RLIMIT_RTTIME },
	{ "RLIMIT_SIGPENDING", RLIMIT_SIGPENDING }, { "RLIMIT_STACK", RLIMIT_STACK },
};

static int read_capset(struct rd *d, struct jt *caps, const char *key, const char *base, uint64_t *set)
{
	struct jt *v = get_strarr(d, caps, key, base);
	*set = 0;
	if (FAILED(v))
		return -1;
	for (size_t i = 0; v && i < v->n; i++) {
		int cap = cap_number(v->kids[i].s);
		if (cap < 0 || cap > cap_last())
			return bad(d, "oci_cap", "%s: unknown capability \"%s\"%s", at(d, base, key), v->kids[i].s,
				   cap > cap_last() ? " (this kernel does not have it)" : "");
		*set |= 1ULL << cap;
	}
	return 0;
}

static int read_user(struct rd *d, struct jt *user, struct oci_process *p)
{
	long long v = 0;
	bool present = false;
	if (get_int(d, user, "uid", "process.user", 0, UINT32_MAX - 1, &present, &v) < 0)
		return -1;
	p->uid = (unsigned)v;
	v = 0;
	if (get_int(d, user, "gid", "process.user", 0, UINT32_MAX - 1, &present, &v) < 0)
		return -1;
	p->gid = (unsigned)v;
	if (get_int(d, user, "umask", "process.user", 0, 0777, &present, &v) < 0)
		return -1;
	if (present)
		p->umask = (long)v;
	struct jt *groups = get_arr(d, user, "additionalGids", "process.user");
	if (FAILED(groups))
		return -1;
	for (size_t i = 0; groups && i < groups->n; i++) {
		struct jt *g = &groups->kids[i];
		if (g->type != JT_NUM || !g->is_int || g->i < 0 || g->i >= UINT32_MAX)
			return bad(d, "oci_type", "process.user.additionalGids[%zu] must be a group id", i);
		p->groups = xrealloc(p->groups, (p->ngroups + 1) * sizeof *p->groups);
		p->groups[p->ngroups++] = (gid_t)g->i;
	}
	return 0;
}

/* One of the names a table gives a number; -1 when none. */
struct named {
	const char *name;
	unsigned long long value;
};
static long long named_value(const struct named *t, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(t[i].name, name) == 0)
			return (long long)t[i].value;
	return -1;
}
#define NAMED(t, name) named_value(t, sizeof t / sizeof t[0], name)

/* process.ioPriority: the I/O scheduler's class and level for the program (ioprio_set). */
static int read_ioprio(struct rd *d, struct jt *proc, struct oci_process *p)
{
	static const struct named classes[] = { { "IOPRIO_CLASS_RT", IOPRIO_CLASS_RT }, { "IOPRIO_CLASS_BE", IOPRIO_CLASS_BE },
						{ "IOPRIO_CLASS_IDLE", IOPRIO_CLASS_IDLE } };
	const char *b = "process.ioPriority", *cls = NULL;
	struct jt *o = get_obj(d, proc, "ioPriority", "process", false);
	long long level = 0;
	if (FAILED(o) || (o && (get_str(d, o, "class", b, true, &cls) < 0 || get_int(d, o, "priority", b, 0, 7, NULL, &level) < 0)))
		return -1;
	if (!o)
		return 0;
	if (NAMED(classes, cls) < 0)
		return bad(d, "oci_ioprio", "%s.class: \"%s\" is not an I/O priority class", b, cls);
	p->has_ioprio = true;
	p->ioprio_class = (int)NAMED(classes, cls);
	p->ioprio_level = (int)level;
	return 0;
}

/* process.scheduler: the CPU scheduling policy and its parameters (sched_setattr). */
static int read_scheduler(struct rd *d, struct jt *proc, struct oci_process *p)
{
	static const struct named policies[] = {
		{ "SCHED_OTHER", SCHED_NORMAL }, { "SCHED_FIFO", SCHED_FIFO }, { "SCHED_RR", SCHED_RR },
		{ "SCHED_BATCH", SCHED_BATCH }, { "SCHED_IDLE", SCHED_IDLE }, { "SCHED_DEADLINE", SCHED_DEADLINE },
	};
	static const struct named flags[] = {
		{ "SCHED_FLAG_RESET_ON_FORK", SCHED_FLAG_RESET_ON_FORK }, { "SCHED_FLAG_RECLAIM", SCHED_FLAG_RECLAIM },
		{ "SCHED_FLAG_DL_OVERRUN", SCHED_FLAG_DL_OVERRUN }, { "SCHED_FLAG_KEEP_POLICY", SCHED_FLAG_KEEP_POLICY },
		{ "SCHED_FLAG_KEEP_PARAMS", SCHED_FLAG_KEEP_PARAMS }, { "SCHED_FLAG_UTIL_CLAMP_MIN", SCHED_FLAG_UTIL_CLAMP_MIN },
		{ "SCHED_FLAG_UTIL_CLAMP_MAX", SCHED_FLAG_UTIL_CLAMP_MAX },
	};
	const char *b = "process.scheduler", *policy = NULL;
	struct jt *o = get_obj(d, proc, "scheduler", "process", false);
	if (FAILED(o))
		return -1;
	if (!o)
		return 0;
	long long nice = 0, prio = 0;
	unsigned long long runtime = 0, deadline = 0, period = 0;
	if (get_str(d, o, "policy", b, true, &policy) < 0 || get_int(d, o, "nice", b, -20, 19, NULL, &nice) < 0 ||
	    get_int(d, o, "priority", b, 0, 99, NULL, &prio) < 0 || get_u64(d, o, "runtime", b, false, &runtime) < 0 ||
	    get_u64(d, o, "deadline", b, false, &deadline) < 0 || get_u64(d, o, "period", b, false, &period) < 0)
		return -1;
	if (NAMED(policies, policy) < 0)
		return bad(d, "oci_sched", "%s.policy: \"%s\" is not a scheduling policy", b, policy);
	struct jt *list = get_strarr(d, o, "flags", b);
	if (FAILED(list))
		return -1;
	for (size_t i = 0; list && i < list->n; i++) {
		if (NAMED(flags, list->kids[i].s) < 0)
			return bad(d, "oci_sched", "%s.flags[%zu]: \"%s\" is not a scheduling flag", b, i, list->kids[i].s);
		p->sched.flags |= (unsigned long long)NAMED(flags, list->kids[i].s);
	}
	p->has_sched = true;
	p->sched.policy = (unsigned)NAMED(policies, policy);
	p->sched.nice = (int)nice;
	p->sched.priority = (unsigned)prio;
	p->sched.runtime = runtime;
	p->sched.deadline = deadline;
	p->sched.period = period;
	return 0;
}

/* The process object: config.json's, or an exec's --process file. */
static int read_process(struct rd *d, struct jt *proc, struct oci_process *p)
{
	const char *base = "process";
	p->umask = -1;
	if (get_bool(d, proc, "terminal", base, &p->terminal) < 0)
		return -1;
	struct jt *size = get_obj(d, proc, "consoleSize", base, false);
	if (FAILED(size))
		return -1;
	if (size) {
		long long h = 0, w = 0;
		if (get_int(d, size, "height", "process.consoleSize", 0, 65535, NULL, &h) < 0 ||
		    get_int(d, size, "width", "process.consoleSize", 0, 65535, NULL, &w) < 0)
			return -1;
		p->rows = (unsigned short)h;
		p->cols = (unsigned short)w;
	}
	struct jt *user = get_obj(d, proc, "user", base, false);
	if (FAILED(user) || (user && read_user(d, user, p) < 0))
		return -1;

	struct jt *args = get_strarr(d, proc, "args", base);
	if (FAILED(args))
		return -1;
	if (!args || args->n == 0)
		return bad(d, "oci_args", "process.args is missing or empty: it names the program to run");
	for (size_t i = 0; i < args->n; i++)
		strv_push_copy(&p->args, args->kids[i].s);
	struct jt *env = get_strarr(d, proc, "env", base);
	if (FAILED(env))
		return -1;
	for (size_t i = 0; env && i < env->n; i++)
		strv_push_copy(&p->env, env->kids[i].s);
	p->cwd = "/";
	if (get_str(d, proc, "cwd", base, false, &p->cwd) < 0)
		return -1;
	if (p->cwd[0] != '/')
		return bad(d, "oci_path", "process.cwd \"%s\" must be an absolute path", p->cwd);

	struct jt *caps = get_obj(d, proc, "capabilities", base, false);
	if (FAILED(caps))
		return -1;
	if (caps) {
		const char *cb = "process.capabilities";
		p->has_caps = true;
		if (read_capset(d, caps, "bounding", cb, &p->caps.bounding) < 0 ||
		    read_capset(d, caps, "effective", cb, &p->caps.effective) < 0 ||
		    read_capset(d, caps, "inheritable", cb, &p->caps.inheritable) < 0 ||
		    read_capset(d, caps, "permitted", cb, &p->caps.permitted) < 0 ||
		    read_capset(d, caps, "ambient", cb, &p->caps.ambient) < 0)
			return -1;
		/* The kernel raises an ambient capability only when it is permitted and
		 * inheritable too. runc skips the others without a word; boxcore skips them
		 * and says so (oci.c prints ambient_skipped). */
		p->ambient_skipped = p->caps.ambient & ~(p->caps.permitted & p->caps.inheritable);
		p->caps.ambient &= ~p->ambient_skipped;
	}

	struct jt *rl = get_arr(d, proc, "rlimits", base);
	if (FAILED(rl))
		return -1;
	for (size_t i = 0; rl && i < rl->n; i++) {
		const char *rb = at_index(d, "process.rlimits", i);
		struct jt *o = &rl->kids[i];
		const char *type = NULL;
		if (want(d, o, JT_OBJ, rb) < 0 || get_str(d, o, "type", rb, true, &type) < 0)
			return -1;
		struct oci_rlimit lim = { -1, type, 0, 0 };
		for (size_t k = 0; k < sizeof rlimit_names / sizeof rlimit_names[0]; k++)
			if (strcmp(type, rlimit_names[k].name) == 0)
				lim.resource = rlimit_names[k].resource;
		if (lim.resource < 0)
			return bad(d, "oci_rlimit", "%s.type: unknown limit \"%s\"", rb, type);
		if (get_u64(d, o, "soft", rb, true, &lim.soft) < 0 || get_u64(d, o, "hard", rb, true, &lim.hard) < 0)
			return -1;
		if (lim.soft > lim.hard)
			return bad(d, "oci_range", "%s: soft (%llu) is above hard (%llu)", rb, lim.soft, lim.hard);
		p->rlimits = xrealloc(p->rlimits, (p->nrlimits + 1) * sizeof *p->rlimits);
		p->rlimits[p->nrlimits++] = lim;
	}
	if (get_bool(d, proc, "noNewPrivileges", base, &p->no_new_privs) < 0)
		return -1;
	long long oom = 0;
	if (get_int(d, proc, "oomScoreAdj", base, -1000, 1000, &p->has_oom, &oom) < 0)
		return -1;
	p->oom_score_adj = (int)oom;
	/* A profile or label for a security module the host does not run would confine
	 * nothing (and the kernel refuses the write): refused now, before anything is made. */
	if (get_str(d, proc, "apparmorProfile", base, false, &p->apparmor) < 0 ||
	    get_str(d, proc, "selinuxLabel", base, false, &p->selinux) < 0 || read_ioprio(d, proc, p) < 0 ||
	    read_scheduler(d, proc, p) < 0)
		return -1;
	if (p->apparmor && !oci_lsm_apparmor())
		return bad(d, "oci_lsm", "process.apparmorProfile \"%s\": this machine does not run AppArmor (%s)", p->apparmor,
			   oci_lsm_running(d->r));
	if (p->selinux && !oci_lsm_selinux())
		return bad(d, "oci_lsm", "process.selinuxLabel \"%s\": this machine does not run SELinux (%s)", p->selinux,
			   oci_lsm_running(d->r));
	return 0;
}

/* ------------------------------------------------------------ linux */

/* The runtime spec's namespace names -> ns_table's. */
static int ns_from_oci(const char *type)
{
	static const char *const map[][2] = {
		{ "pid", "pid" }, { "network", "net" }, { "mount", "mnt" }, { "ipc", "ipc" },
		{ "uts", "uts" }, { "user", "user" }, { "cgroup", "cgroup" },
	};
	for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
		if (strcmp(type, map[i][0]) == 0)
			return ns_index(map[i][1]);
	return -1;
}

static int read_namespaces(struct rd *d, struct jt *linux_)
{
	struct oci_config *c = d->c;
	struct jt *list = get_arr(d, linux_, "namespaces", "linux");
	if (FAILED(list))
		return -1;
	int seen = 0;
	for (size_t i = 0; list && i < list->n; i++) {
		const char *nb = at_index(d, "linux.namespaces", i);
		struct jt *o = &list->kids[i];
		const char *type = NULL, *path = NULL;
		if (want(d, o, JT_OBJ, nb) < 0 || get_str(d, o, "type", nb, true, &type) < 0 ||
		    get_str(d, o, "path", nb, false, &path) < 0)
			return -1;
		int k = ns_from_oci(type);
		if (k < 0)
			return bad(d, "oci_ns", "%s.type: unknown or unsupported namespace \"%s\"", nb, type);
		if (seen & (1 << k))
			return bad(d, "oci_ns", "%s: the %s namespace is listed twice", nb, type);
		seen |= 1 << k;
		if (path) {
			if (path[0] != '/')
				return bad(d, "oci_path", "%s.path \"%s\" must be an absolute path", nb, path);
			c->ns_path[k] = path;
		} else {
			c->ns_new |= 1 << k;
		}
	}
	return 0;
}

static int read_idmap(struct rd *d, struct jt *linux_, const char *key, char **out)
{
	struct jt *list = get_arr(d, linux_, key, "linux");
	if (FAILED(list))
		return -1;
	if (!list || list->n == 0)
		return 0;
	struct buf text = { 0 };
	for (size_t i = 0; i < list->n; i++) {
		const char *mb = at_index(d, at(d, "linux", key), i);
		long long inside = 0, outside = 0, size = 0;
		bool p1, p2, p3;
		if (want(d, &list->kids[i], JT_OBJ, mb) < 0 ||
		    get_int(d, &list->kids[i], "containerID", mb, 0, UINT32_MAX - 1, &p1, &inside) < 0 ||
		    get_int(d, &list->kids[i], "hostID", mb, 0, UINT32_MAX - 1, &p2, &outside) < 0 ||
		    get_int(d, &list->kids[i], "size", mb, 1, UINT32_MAX, &p3, &size) < 0) {
			buf_free(&text);
			return -1;
		}
		if (!p1 || !p2 || !p3) {
			buf_free(&text);
			return bad(d, "oci_required", "%s needs containerID, hostID and size", mb);
		}
		buf_printf(&text, "%lld %lld %lld\n", inside, outside, size);
	}
	*out = text.s;
	return 0;
}

static int read_paths(struct rd *d, struct jt *linux_, const char *key, const char ***out, size_t *n)
{
	struct jt *v = get_strarr(d, linux_, key, "linux");
	if (FAILED(v))
		return -1;
	for (size_t i = 0; v && i < v->n; i++) {
		if (!absolute_clean(v->kids[i].s))
			return bad(d, "oci_path", "linux.%s[%zu] \"%s\" must be an absolute path without ..", key, i, v->kids[i].s);
		*out = xrealloc(*out, (*n + 1) * sizeof **out);
		(*out)[(*n)++] = v->kids[i].s;
	}
	return 0;
}

/* Is the namespace in this file boxcore's own (the host's)? */
static bool ns_is_ours(const char *path, const char *name)
{
	struct stat a, b;
	char self[64];
	snprintf(self, sizeof self, "/proc/self/ns/%s", name);
	return stat(path, &a) == 0 && stat(self, &b) == 0 && a.st_ino == b.st_ino && a.st_dev == b.st_dev;
}

/* A namespace of the container's own: made new, or joined and not the host's. */
static bool own_ns(const struct oci_config *c, const char *name)
{
	int k = ns_index(name);
	return (c->ns_new & (1 << k)) || (c->ns_path[k] && !ns_is_ours(c->ns_path[k], name));
}

static int read_sysctl(struct rd *d, struct jt *linux_)
{
	struct oci_config *c = d->c;
	struct jt *o = get_obj(d, linux_, "sysctl", "linux", false);
	if (FAILED(o))
		return -1;
	for (size_t i = 0; o && i < o->n; i++) {
		o->kids[i].used = true;
		const char *key = o->keys[i];
		if (want(d, &o->kids[i], JT_STR, at(d, "linux.sysctl", key)) < 0)
			return -1;
		/* Only sysctls that belong to a namespace of the container may be set: the
		 * rest are the host's (runc checks the same list). */
		const char *ns = NULL;
		static const char *const ipc[] = { "kernel.msgmax", "kernel.msgmnb", "kernel.msgmni", "kernel.sem",
						   "kernel.shmall", "kernel.shmmax", "kernel.shmmni", "kernel.shm_rmid_forced" };
		for (size_t k = 0; k < sizeof ipc / sizeof ipc[0]; k++)
			if (strcmp(key, ipc[k]) == 0)
				ns = "ipc";
		if (strncmp(key, "fs.mqueue.", 10) == 0)
			ns = "ipc";
		if (strncmp(key, "net.", 4) == 0)
			ns = "net";
		if (strcmp(key, "kernel.domainname") == 0)
			ns = "uts";
		/* runc's rule: the hostname has a field of its own, and two answers would be one too many. */
		if (strcmp(key, "kernel.hostname") == 0)
			return bad(d, "oci_sysctl", "linux.sysctl: kernel.hostname conflicts with the \"hostname\" field; set "
				   "that instead");
		if (!ns)
			return bad(d, "oci_sysctl", "linux.sysctl: %s is not namespaced: setting it would change the host", key);
		if (!own_ns(c, ns))
			return bad(d, "oci_sysctl", "linux.sysctl: %s needs a %s namespace of the container's own in "
				   "linux.namespaces (new, or joined by path), or it would change the host", key,
				   strcmp(ns, "net") == 0 ? "network" : ns);
		if (strchr(key, '/') || strstr(key, ".."))
			return bad(d, "oci_sysctl", "linux.sysctl: \"%s\" is not a sysctl name", key);
		c->sysctl_keys = xrealloc(c->sysctl_keys, (c->nsysctl + 1) * sizeof *c->sysctl_keys);
		c->sysctl_values = xrealloc(c->sysctl_values, (c->nsysctl + 1) * sizeof *c->sysctl_values);
		c->sysctl_keys[c->nsysctl] = key;
		c->sysctl_values[c->nsysctl++] = o->kids[i].s;
	}
	return 0;
}

static int read_devices(struct rd *d, struct jt *linux_)
{
	struct oci_config *c = d->c;
	struct jt *list = get_arr(d, linux_, "devices", "linux");
	if (FAILED(list))
		return -1;
	for (size_t i = 0; list && i < list->n; i++) {
		const char *db = at_index(d, "linux.devices", i);
		struct jt *o = &list->kids[i];
		struct oci_device dev = { .mode = 0666, .uid = -1, .gid = -1 };
		const char *type = NULL;
		long long v = 0;
		bool present;
		if (want(d, o, JT_OBJ, db) < 0 || get_str(d, o, "path", db, true, &dev.path) < 0 ||
		    get_str(d, o, "type", db, true, &type) < 0)
			return -1;
		if (!absolute_clean(dev.path) || strncmp(dev.path, "/dev/", 5) != 0)
			return bad(d, "oci_path", "%s.path \"%s\" must be an absolute path under /dev", db, dev.path);
		if (strcmp(type, "c") == 0 || strcmp(type, "u") == 0)
			dev.type = 'c';
		else if (strcmp(type, "b") == 0 || strcmp(type, "p") == 0)
			dev.type = type[0];
		else
			return bad(d, "oci_device", "%s.type: \"%s\" is not c, b, u or p", db, type);
		if (get_int(d, o, "major", db, 0, 4095, &present, &v) < 0)
			return -1;
		dev.major = v;
		if (!present && dev.type != 'p')
			return bad(d, "oci_required", "%s.major is missing", db);
		v = 0;
		if (get_int(d, o, "minor", db, 0, 1048575, &present, &v) < 0)
			return -1;
		dev.minor = v;
		if (!present && dev.type != 'p')
			return bad(d, "oci_required", "%s.minor is missing", db);
		if (get_int(d, o, "fileMode", db, 0, 07777, &present, &v) < 0)
			return -1;
		if (present)
			dev.mode = (unsigned)v;
		if (get_int(d, o, "uid", db, 0, UINT32_MAX - 1, &present, &v) < 0)
			return -1;
		if (present)
			dev.uid = v;
		if (get_int(d, o, "gid", db, 0, UINT32_MAX - 1, &present, &v) < 0)
			return -1;
		if (present)
			dev.gid = v;
		c->devices = xrealloc(c->devices, (c->ndevices + 1) * sizeof *c->devices);
		c->devices[c->ndevices++] = dev;
	}
	return 0;
}

/* ------------------------------------------------------------ resources */

static struct oci_cg_set *add_set(struct oci_config *c, const char *field, const char *v1, const char *v2)
{
	c->cgset = xrealloc(c->cgset, (c->ncgset + 1) * sizeof *c->cgset);
	struct oci_cg_set *s = &c->cgset[c->ncgset++];
	memset(s, 0, sizeof *s);
	s->field = field;
	s->v1 = v1;
	s->v2 = v2;
	return s;
}

/* A limit that is -1 (or absent) means none: "max" on v2, -1 on v1. */
static void limit_text(char *out, size_t len, long long v, const char *none)
{
	if (v < 0)
		snprintf(out, len, "%s", none);
	else
		snprintf(out, len, "%lld", v);
}

static int read_memory(struct rd *d, struct jt *res)
{
	struct oci_config *c = d->c;
	const char *b = "linux.resources.memory";
	struct jt *m = get_obj(d, res, "memory", "linux.resources", false);
	if (FAILED(m))
		return -1;
	if (!m)
		return 0;
	long long limit = -1, reservation = 0, swap = 0, swappiness = 0, kernel = 0;
	bool has_limit, has_res, has_swap, has_swappiness, has_kernel, has_tcp, oom_off = false, check = false,
		hierarchy = true;
	if (get_int(d, m, "limit", b, -1, INT64_MAX, &has_limit, &limit) < 0 ||
	    get_int(d, m, "reservation", b, -1, INT64_MAX, &has_res, &reservation) < 0 ||
	    get_int(d, m, "swap", b, -1, INT64_MAX, &has_swap, &swap) < 0 ||
	    get_int(d, m, "swappiness", b, 0, 100, &has_swappiness, &swappiness) < 0 ||
	    get_int(d, m, "kernel", b, -1, INT64_MAX, &has_kernel, &kernel) < 0 ||
	    get_int(d, m, "kernelTCP", b, -1, INT64_MAX, &has_tcp, &kernel) < 0 ||
	    get_bool(d, m, "disableOOMKiller", b, &oom_off) < 0 || get_bool(d, m, "useHierarchy", b, &hierarchy) < 0 ||
	    get_bool(d, m, "checkBeforeUpdate", b, &check) < 0)
		return -1;
	/* Fields the kernel no longer has, taken with a word as runc takes them: kernel
	 * memory is counted in the memory limit (the kmem limits are gone from recent kernels,
	 * and cgroup v2 never had them), and every group counts its whole subtree.
	 * checkBeforeUpdate is for an update of a running container. */
	if (has_kernel || has_tcp)
		strv_push_copy(&c->warnings, r_printf(d->r, "%s.%s: kernel memory limits are ignored: the kernel counts that "
						      "memory in the memory limit (runc ignores them too)", b,
						      has_kernel ? "kernel" : "kernelTCP"));
	if (!hierarchy)
		strv_push_copy(&c->warnings, r_printf(d->r, "%s.useHierarchy: false is ignored: the kernel always counts a "
						      "group's descendants in its usage", b));
	struct oci_cg_set *s;
	if (has_limit) {
		s = add_set(c, "memory.limit", "memory.limit_in_bytes", "memory.max");
		limit_text(s->v1value, sizeof s->v1value, limit, "-1");
		limit_text(s->v2value, sizeof s->v2value, limit, "max");
	}
	if (has_res) {
		s = add_set(c, "memory.reservation", "memory.soft_limit_in_bytes", "memory.low");
		limit_text(s->v1value, sizeof s->v1value, reservation, "-1");
		limit_text(s->v2value, sizeof s->v2value, reservation, "max");
	}
	if (has_swap) {
		/* The spec's swap is memory plus swap (v1's memsw); v2 counts swap alone. */
		if (swap >= 0 && has_limit && limit >= 0 && swap < limit)
			return bad(d, "oci_range", "%s.swap (%lld) is memory plus swap: it cannot be below limit (%lld)", b, swap, limit);
		s = add_set(c, "memory.swap", "memory.memsw.limit_in_bytes", "memory.swap.max");
		limit_text(s->v1value, sizeof s->v1value, swap, "-1");
		limit_text(s->v2value, sizeof s->v2value, swap < 0 || !has_limit || limit < 0 ? -1 : swap - limit, "max");
	}
	if (has_swappiness) {
		s = add_set(c, "memory.swappiness", "memory.swappiness", NULL);
		snprintf(s->v1value, sizeof s->v1value, "%lld", swappiness);
	}
	if (oom_off) {
		s = add_set(c, "memory.disableOOMKiller", "memory.oom_control", NULL);
		snprintf(s->v1value, sizeof s->v1value, "1");
	}
	return 0;
}

/* v2's cpu.weight (1-10000, default 100) from v1's cpu.shares (2-262144, default 1024),
 * as runc (1.3.2 on) and crun (1.23 on) convert it: 10^((l^2 + 125 l)/612 - 7/34) with
 * l = log2(shares), rounded up, a curve through 2 -> 1, 1024 -> 100, 262144 -> 10000 so
 * that the two defaults meet. (Before, both mapped the range linearly, 1 + (shares-2) *
 * 9999/262142, which put the default 1024 at 39.) src/runtime/cgroup-flags.ts's
 * sharesToWeight is the same curve for boxlab run --cpu-shares. */
static long long shares_to_weight(long long shares)
{
	if (shares <= 2)
		return 1;
	if (shares >= 262144)
		return 10000;
	double l = log2((double)shares);
	return (long long)ceil(pow(10.0, (l * l + 125.0 * l) / 612.0 - 7.0 / 34.0));
}

static int read_cpu(struct rd *d, struct jt *res)
{
	struct oci_config *c = d->c;
	const char *b = "linux.resources.cpu";
	struct jt *cpu = get_obj(d, res, "cpu", "linux.resources", false);
	if (FAILED(cpu))
		return -1;
	if (!cpu)
		return 0;
	long long shares = 0, quota = -1, period = 100000, rt_runtime = 0, rt_period = 0, idle = 0, burst = 0;
	bool has_shares, has_quota, has_period, has_rtr, has_rtp, has_idle, has_burst;
	const char *cpus = NULL, *mems = NULL;
	if (get_int(d, cpu, "idle", b, 0, 1, &has_idle, &idle) < 0 || get_int(d, cpu, "burst", b, 0, INT64_MAX, &has_burst, &burst) < 0 ||
	    get_int(d, cpu, "shares", b, 2, 262144, &has_shares, &shares) < 0 ||
	    get_int(d, cpu, "quota", b, -1, INT64_MAX, &has_quota, &quota) < 0 ||
	    get_int(d, cpu, "period", b, 1000, 1000000, &has_period, &period) < 0 ||
	    get_int(d, cpu, "realtimeRuntime", b, -1, INT64_MAX, &has_rtr, &rt_runtime) < 0 ||
	    get_int(d, cpu, "realtimePeriod", b, 1, INT64_MAX, &has_rtp, &rt_period) < 0 ||
	    get_str(d, cpu, "cpus", b, false, &cpus) < 0 || get_str(d, cpu, "mems", b, false, &mems) < 0)
		return -1;
	struct oci_cg_set *s;
	if (has_shares) {
		s = add_set(c, "cpu.shares", "cpu.shares", "cpu.weight");
		snprintf(s->v1value, sizeof s->v1value, "%lld", shares);
		snprintf(s->v2value, sizeof s->v2value, "%lld", shares_to_weight(shares));
	}
	if (has_period) {
		s = add_set(c, "cpu.period", "cpu.cfs_period_us", NULL);
		snprintf(s->v1value, sizeof s->v1value, "%lld", period);
	}
	if (has_quota || has_period) {
		/* v2 takes both at once: "QUOTA PERIOD" in cpu.max. */
		s = add_set(c, "cpu.quota", has_quota ? "cpu.cfs_quota_us" : NULL, "cpu.max");
		limit_text(s->v1value, sizeof s->v1value, quota, "-1");
		char q[32];
		limit_text(q, sizeof q, quota, "max");
		snprintf(s->v2value, sizeof s->v2value, "%s %lld", q, period);
		if (!has_quota)
			s->field = "cpu.period";
	}
	if (has_rtp) {
		s = add_set(c, "cpu.realtimePeriod", "cpu.rt_period_us", NULL);
		snprintf(s->v1value, sizeof s->v1value, "%lld", rt_period);
	}
	if (has_rtr) {
		s = add_set(c, "cpu.realtimeRuntime", "cpu.rt_runtime_us", NULL);
		snprintf(s->v1value, sizeof s->v1value, "%lld", rt_runtime);
	}
	if (has_idle) { /* SCHED_IDLE for the whole group */
		s = add_set(c, "cpu.idle", "cpu.idle", "cpu.idle");
		snprintf(s->v1value, sizeof s->v1value, "%lld", idle);
		snprintf(s->v2value, sizeof s->v2value, "%lld", idle);
	}
	if (has_burst) { /* quota a group may save up and spend at once, in microseconds */
		s = add_set(c, "cpu.burst", "cpu.cfs_burst_us", "cpu.max.burst");
		snprintf(s->v1value, sizeof s->v1value, "%lld", burst);
		snprintf(s->v2value, sizeof s->v2value, "%lld", burst);
	}
	if (cpus) {
		s = add_set(c, "cpu.cpus", "cpuset.cpus", "cpuset.cpus");
		snprintf(s->v1value, sizeof s->v1value, "%s", cpus);
		snprintf(s->v2value, sizeof s->v2value, "%s", cpus);
	}
	if (mems) {
		s = add_set(c, "cpu.mems", "cpuset.mems", "cpuset.mems");
		snprintf(s->v1value, sizeof s->v1value, "%s", mems);
		snprintf(s->v2value, sizeof s->v2value, "%s", mems);
	}
	return 0;
}

static int read_blockio(struct rd *d, struct jt *res)
{
	struct oci_config *c = d->c;
	const char *b = "linux.resources.blockIO";
	struct jt *io = get_obj(d, res, "blockIO", "linux.resources", false);
	if (FAILED(io))
		return -1;
	if (!io)
		return 0;
	long long weight = 0, leaf = 0;
	bool has_weight, has_leaf;
	if (get_int(d, io, "weight", b, 10, 1000, &has_weight, &weight) < 0 ||
	    get_int(d, io, "leafWeight", b, 10, 1000, &has_leaf, &leaf) < 0)
		return -1;
	if (has_leaf) { /* v1 only (CFQ's); v2 has no leaf weights */
		struct oci_cg_set *s = add_set(c, "blockIO.leafWeight", "blkio.leaf_weight", NULL);
		snprintf(s->v1value, sizeof s->v1value, "%lld", leaf);
	}
	struct jt *wd = get_arr(d, io, "weightDevice", b);
	if (FAILED(wd))
		return -1;
	for (size_t i = 0; wd && i < wd->n; i++) {
		const char *wb = at_index(d, at(d, b, "weightDevice"), i);
		long long major = 0, minor = 0, w = 0, lw = 0;
		bool p1, p2, pw, plw;
		if (want(d, &wd->kids[i], JT_OBJ, wb) < 0 || get_int(d, &wd->kids[i], "major", wb, 0, 4095, &p1, &major) < 0 ||
		    get_int(d, &wd->kids[i], "minor", wb, 0, 1048575, &p2, &minor) < 0 ||
		    get_int(d, &wd->kids[i], "weight", wb, 10, 1000, &pw, &w) < 0 ||
		    get_int(d, &wd->kids[i], "leafWeight", wb, 10, 1000, &plw, &lw) < 0)
			return -1;
		if (!p1 || !p2)
			return bad(d, "oci_required", "%s needs major and minor", wb);
		if (pw) {
			struct oci_cg_set *s = add_set(c, at(d, wb, "weight"), "blkio.weight_device", "io.weight");
			snprintf(s->v1value, sizeof s->v1value, "%lld:%lld %lld", major, minor, w);
			snprintf(s->v2value, sizeof s->v2value, "%lld:%lld %lld", major, minor, 1 + (w - 10) * 9999 / 990);
		}
		if (plw) {
			struct oci_cg_set *s = add_set(c, at(d, wb, "leafWeight"), "blkio.leaf_weight_device", NULL);
			snprintf(s->v1value, sizeof s->v1value, "%lld:%lld %lld", major, minor, lw);
		}
	}
	if (has_weight) {
		/* v2's io.weight is 1-10000 where v1's blkio.weight is 10-1000. */
		struct oci_cg_set *s = add_set(c, "blockIO.weight", "blkio.weight", "io.weight");
		snprintf(s->v1value, sizeof s->v1value, "%lld", weight);
		snprintf(s->v2value, sizeof s->v2value, "%lld", 1 + (weight - 10) * 9999 / 990);
	}
	static const struct {
		const char *key, *v1, *v2key;
	} throttles[] = {
		{ "throttleReadBpsDevice", "blkio.throttle.read_bps_device", "rbps" },
		{ "throttleWriteBpsDevice", "blkio.throttle.write_bps_device", "wbps" },
		{ "throttleReadIOPSDevice", "blkio.throttle.read_iops_device", "riops" },
		{ "throttleWriteIOPSDevice", "blkio.throttle.write_iops_device", "wiops" },
	};
	for (size_t k = 0; k < sizeof throttles / sizeof throttles[0]; k++) {
		struct jt *list = get_arr(d, io, throttles[k].key, b);
		if (FAILED(list))
			return -1;
		for (size_t i = 0; list && i < list->n; i++) {
			const char *tb = at_index(d, at(d, b, throttles[k].key), i);
			long long major = 0, minor = 0, rate = 0;
			bool p1, p2, p3;
			if (want(d, &list->kids[i], JT_OBJ, tb) < 0 || get_int(d, &list->kids[i], "major", tb, 0, 4095, &p1, &major) < 0 ||
			    get_int(d, &list->kids[i], "minor", tb, 0, 1048575, &p2, &minor) < 0 ||
			    get_int(d, &list->kids[i], "rate", tb, 0, INT64_MAX, &p3, &rate) < 0)
				return -1;
			if (!p1 || !p2 || !p3)
				return bad(d, "oci_required", "%s needs major, minor and rate", tb);
			struct oci_cg_set *s = add_set(c, at(d, "blockIO", throttles[k].key), throttles[k].v1, "io.max");
			snprintf(s->v1value, sizeof s->v1value, "%lld:%lld %lld", major, minor, rate);
			snprintf(s->v2value, sizeof s->v2value, "%lld:%lld %s=%lld", major, minor, throttles[k].v2key, rate);
		}
	}
	return 0;
}

/* The devices every container may use, whatever its rules say: appended after them, as
 * runc appends its AllowedDevices (libcontainer/specconv). mknod of any device (so that
 * linux.devices can be made in /dev; opening one still takes a rule of the config's),
 * the runtime spec's default devices, the terminals of the container's own devpts (its
 * /dev/console, with process.terminal, is one of them), and /dev/net/tun, which runc
 * (1.2.4 and 1.1) and crun allow too. */
static const struct {
	const char *rule, *what;
} default_devices[] = {
	{ "allow c *:* m", "mknod of character devices" }, { "allow b *:* m", "mknod of block devices" },
	{ "allow c 1:3 rwm", "/dev/null" }, { "allow c 1:5 rwm", "/dev/zero" }, { "allow c 1:7 rwm", "/dev/full" },
	{ "allow c 1:8 rwm", "/dev/random" }, { "allow c 1:9 rwm", "/dev/urandom" }, { "allow c 5:0 rwm", "/dev/tty" },
	{ "allow c 5:2 rwm", "/dev/ptmx" }, { "allow c 136:* rwm", "/dev/pts/*" }, { "allow c 10:200 rwm", "/dev/net/tun" },
};

/* One entry of linux.resources.devices as a rule: {"allow": true, "type": "c", "major": 1,
 * "minor": 3, "access": "rwm"}; type absent is a (every device), major or minor absent
 * or -1 is any. */
static int read_device_rule(struct rd *d, struct jt *o, const char *db, struct dev_rule *rule)
{
	const char *type = "a", *access = NULL;
	long long major = -1, minor = -1;
	if (want(d, o, JT_OBJ, db) < 0)
		return -1;
	if (!jt_get(o, "allow"))
		return bad(d, "oci_required", "%s.allow is missing", db);
	if (get_bool(d, o, "allow", db, &rule->allow) < 0 || get_str(d, o, "type", db, false, &type) < 0 ||
	    get_int(d, o, "major", db, -1, 4095, NULL, &major) < 0 || get_int(d, o, "minor", db, -1, 1048575, NULL, &minor) < 0 ||
	    get_str(d, o, "access", db, false, &access) < 0)
		return -1;
	if (strlen(type) != 1 || !strchr("acb", type[0]))
		return bad(d, "oci_device_rule", "%s.type: \"%s\" is not a (every device), c (character) or b (block)", db, type);
	if (!access || !*access || strspn(access, "rwm") != strlen(access))
		return bad(d, "oci_device_rule", "%s.access must be some of r (read), w (write) and m (mknod)%s", db,
			   access ? r_printf(d->r, ", not \"%s\"", access) : "");
	rule->type = type[0];
	rule->major = major;
	rule->minor = minor;
	rule->access = (strchr(access, 'r') ? DEV_READ : 0) | (strchr(access, 'w') ? DEV_WRITE : 0) |
		       (strchr(access, 'm') ? DEV_MKNOD : 0);
	/* "a" sets the default for every device at once: the device cgroup has no way to
	 * say "deny reading every device" alone. */
	if (rule->type == 'a' && (major >= 0 || minor >= 0 || rule->access != (DEV_READ | DEV_WRITE | DEV_MKNOD)))
		return bad(d, "oci_device_rule", "%s: type a (every device) allows or denies everything at once: its access "
			   "must be rwm, and it takes no major or minor", db);
	return 0;
}

/* linux.resources.devices (res may be NULL), then the defaults, as cgroup_devices'
 * rules; folded here too, so that a rule the device cgroup cannot hold is refused
 * before anything is made. */
static int read_devices_resource(struct rd *d, struct jt *res)
{
	struct oci_config *c = d->c;
	struct jt *list = res ? get_arr(d, res, "devices", "linux.resources") : NULL;
	if (FAILED(list))
		return -1;
	c->dev_given = list != NULL;
	struct dev_policy policy = { .allow_all = false };
	const char *why;
	struct dev_rule rule, hole;
	char text[64], other[64];
	int rc = -1;
	for (size_t i = 0; list && i < list->n; i++) {
		const char *db = at_index(d, "linux.resources.devices", i);
		if (read_device_rule(d, &list->kids[i], db, &rule) < 0)
			goto out;
		const char *line = r_printf(d->r, "%s %s", rule.allow ? "allow" : "deny",
					    rule.type == 'a' ? "a" : dev_rule_text(&rule, text, sizeof text));
		if (dev_policy_apply(&policy, &rule, &why, &hole) < 0) {
			bad(d, "cg_device_hole", "%s (%s) %s%s%s", db, line, why, hole.type ? ": " : "",
			    hole.type ? dev_rule_text(&hole, other, sizeof other) : "");
			goto out;
		}
		strv_push_copy(&c->dev_rules, line);
	}
	for (size_t i = 0; i < sizeof default_devices / sizeof default_devices[0]; i++) {
		if (dev_rule_parse(default_devices[i].rule, &rule) < 0)
			abort(); /* the table above is wrong */
		if (dev_policy_apply(&policy, &rule, &why, &hole) < 0) {
			bad(d, "cg_device_hole", "linux.resources.devices leaves no room for the rule boxcore adds for %s (%s): "
			    "it %s%s%s", default_devices[i].what, default_devices[i].rule, why, hole.type ? ": " : "",
			    hole.type ? dev_rule_text(&hole, other, sizeof other) : "");
			goto out;
		}
		strv_push_copy(&c->dev_rules, default_devices[i].rule);
	}
	rc = 0;
out:
	dev_policy_free(&policy);
	return rc;
}

/* A v1 tree a group joins only when asked (cgroup.c's on-request trees). */
static void need_tree(struct oci_config *c, const char *controller)
{
	for (size_t i = 0; i < c->controllers.n; i++)
		if (strcmp(c->controllers.v[i], controller) == 0)
			return;
	strv_push_copy(&c->controllers, controller);
}

/* hugepageLimits: hugetlb.<size>.limit_in_bytes (v1), hugetlb.<size>.max (v2). */
static int read_hugepages(struct rd *d, struct jt *res)
{
	struct oci_config *c = d->c;
	struct jt *list = get_arr(d, res, "hugepageLimits", "linux.resources");
	if (FAILED(list))
		return -1;
	for (size_t i = 0; list && i < list->n; i++) {
		const char *hb = at_index(d, "linux.resources.hugepageLimits", i);
		const char *size = NULL;
		unsigned long long limit = 0;
		if (want(d, &list->kids[i], JT_OBJ, hb) < 0 || get_str(d, &list->kids[i], "pageSize", hb, true, &size) < 0 ||
		    get_u64(d, &list->kids[i], "limit", hb, true, &limit) < 0)
			return -1;
		size_t digits = strspn(size, "0123456789");
		if (!digits || digits > 6 || (strcmp(size + digits, "KB") != 0 && strcmp(size + digits, "MB") != 0 &&
					      strcmp(size + digits, "GB") != 0))
			return bad(d, "oci_hugepage", "%s.pageSize \"%s\" is not a page size such as 2MB or 1GB", hb, size);
		struct oci_cg_set *s = add_set(c, at(d, hb, "limit"), at(d, r_printf(d->r, "hugetlb.%s", size), "limit_in_bytes"),
					      at(d, r_printf(d->r, "hugetlb.%s", size), "max"));
		snprintf(s->v1value, sizeof s->v1value, "%llu", limit);
		snprintf(s->v2value, sizeof s->v2value, "%llu", limit);
		need_tree(c, "hugetlb");
	}
	return 0;
}

/* network: net_cls.classid and net_prio.ifpriomap, v1 only (v2 has no such controllers:
 * BPF programs on the group do that there). */
static int read_network(struct rd *d, struct jt *res)
{
	struct oci_config *c = d->c;
	const char *b = "linux.resources.network";
	struct jt *net = get_obj(d, res, "network", "linux.resources", false);
	if (FAILED(net))
		return -1;
	if (!net)
		return 0;
	long long classid = 0;
	bool has_class;
	if (get_int(d, net, "classID", b, 0, UINT32_MAX, &has_class, &classid) < 0)
		return -1;
	if (has_class) {
		struct oci_cg_set *s = add_set(c, "network.classID", "net_cls.classid", NULL);
		snprintf(s->v1value, sizeof s->v1value, "%lld", classid);
		need_tree(c, "net_cls");
	}
	struct jt *prios = get_arr(d, net, "priorities", b);
	if (FAILED(prios))
		return -1;
	for (size_t i = 0; prios && i < prios->n; i++) {
		const char *pb = at_index(d, at(d, b, "priorities"), i);
		const char *name = NULL;
		long long prio = 0;
		bool has_prio;
		if (want(d, &prios->kids[i], JT_OBJ, pb) < 0 || get_str(d, &prios->kids[i], "name", pb, true, &name) < 0 ||
		    get_int(d, &prios->kids[i], "priority", pb, 0, UINT32_MAX, &has_prio, &prio) < 0)
			return -1;
		if (!*name || strlen(name) > 15 || strpbrk(name, " /:\n"))
			return bad(d, "oci_required", "%s.name \"%s\" is not a network interface name", pb, name);
		struct oci_cg_set *s = add_set(c, at(d, pb, "priority"), "net_prio.ifpriomap", NULL);
		snprintf(s->v1value, sizeof s->v1value, "%s %lld", name, prio);
		need_tree(c, "net_prio");
	}
	return 0;
}

/* rdma: "DEVICE hca_handle=N hca_object=M" in rdma.max, v1 and v2. */
static int read_rdma(struct rd *d, struct jt *res)
{
	struct oci_config *c = d->c;
	struct jt *o = get_obj(d, res, "rdma", "linux.resources", false);
	if (FAILED(o))
		return -1;
	for (size_t i = 0; o && i < o->n; i++) {
		const char *dev = o->keys[i], *rb = at(d, "linux.resources.rdma", dev);
		long long handles = 0, objects = 0;
		bool ph, po;
		if (want(d, &o->kids[i], JT_OBJ, rb) < 0 || get_int(d, &o->kids[i], "hcaHandles", rb, 0, UINT32_MAX, &ph, &handles) < 0 ||
		    get_int(d, &o->kids[i], "hcaObjects", rb, 0, UINT32_MAX, &po, &objects) < 0)
			return -1;
		if (!*dev || strpbrk(dev, " \n/"))
			return bad(d, "oci_required", "linux.resources.rdma: \"%s\" is not an RDMA device name", dev);
		struct oci_cg_set *s = add_set(c, rb, "rdma.max", "rdma.max");
		snprintf(s->v1value, sizeof s->v1value, "%s%s%s", dev, ph ? r_printf(d->r, " hca_handle=%lld", handles) : "",
			 po ? r_printf(d->r, " hca_object=%lld", objects) : "");
		snprintf(s->v2value, sizeof s->v2value, "%s", s->v1value);
		need_tree(c, "rdma");
	}
	return 0;
}

static int read_resources(struct rd *d, struct jt *linux_)
{
	struct oci_config *c = d->c;
	if (get_str(d, linux_, "cgroupsPath", "linux", false, &c->cgroups_path) < 0)
		return -1;
	struct jt *res = get_obj(d, linux_, "resources", "linux", false);
	if (FAILED(res) || read_devices_resource(d, res) < 0)
		return -1;
	if (!res)
		return 0;
	if (read_memory(d, res) < 0 || read_cpu(d, res) < 0 || read_blockio(d, res) < 0)
		return -1;
	long long limit = 0;
	bool has;
	struct jt *pids = get_obj(d, res, "pids", "linux.resources", false);
	if (FAILED(pids) || (pids && get_int(d, pids, "limit", "linux.resources.pids", INT64_MIN, INT64_MAX, &has, &limit) < 0))
		return -1;
	if (pids && has) {
		/* 0 or -1: no limit. */
		struct oci_cg_set *s = add_set(c, "pids.limit", "pids.max", "pids.max");
		limit_text(s->v1value, sizeof s->v1value, limit > 0 ? limit : -1, "max");
		snprintf(s->v2value, sizeof s->v2value, "%s", s->v1value);
	}
	if (read_hugepages(d, res) < 0 || read_network(d, res) < 0 || read_rdma(d, res) < 0)
		return -1;
	/* unified: cgroup v2 files by name, written as they are. */
	struct jt *u = get_obj(d, res, "unified", "linux.resources", false);
	if (FAILED(u))
		return -1;
	for (size_t i = 0; u && i < u->n; i++) {
		u->kids[i].used = true;
		const char *key = u->keys[i];
		if (want(d, &u->kids[i], JT_STR, at(d, "linux.resources.unified", key)) < 0)
			return -1;
		if (!strchr(key, '.') || strchr(key, '/') || strstr(key, ".."))
			return bad(d, "oci_path", "linux.resources.unified: \"%s\" is not a cgroup file name", key);
		struct oci_cg_set *s = add_set(c, at(d, "unified", key), NULL, key);
		snprintf(s->v2value, sizeof s->v2value, "%s", u->kids[i].s);
	}
	return 0;
}

/* ------------------------------------------------------------ seccomp
 *
 * linux.seccomp as runc reads it (libcontainer/specconv and seccomp): each name of a
 * syscalls entry is a rule of its own; a rule whose action is the default's is left
 * out; a name no listed ABI has is skipped (so one profile serves every machine);
 * conditions on the same argument twice become separate rules, one condition each;
 * the filter always covers this machine's own ABI (libseccomp starts every filter with
 * it) and the ones "architectures" lists, and a call of a listed ABI numbered above
 * every name the profile has there fails with ENOSYS (runc's stub: a program probing
 * for a newer call falls back, instead of taking EPERM for an answer). */

#ifndef SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV
#define SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV (1UL << 5)
#endif

static int seccomp_action(struct rd *d, const char *word, const char *path, enum sc_act *act)
{
	static const struct {
		const char *name;
		enum sc_act act;
	} acts[] = {
		{ "SCMP_ACT_ALLOW", SC_ALLOW }, { "SCMP_ACT_ERRNO", SC_ERRNO }, { "SCMP_ACT_KILL", SC_KILL_THREAD },
		{ "SCMP_ACT_KILL_THREAD", SC_KILL_THREAD }, { "SCMP_ACT_KILL_PROCESS", SC_KILL_PROCESS },
		{ "SCMP_ACT_TRAP", SC_TRAP }, { "SCMP_ACT_LOG", SC_LOG }, { "SCMP_ACT_TRACE", SC_TRACE },
	};
	if (strcmp(word, "SCMP_ACT_NOTIFY") == 0)
		return bad(d, "oci_seccomp_notify", "%s: SCMP_ACT_NOTIFY hands calls to a seccomp agent at "
			   "linux.seccomp.listenerPath, which boxcore does not do", path);
	for (size_t i = 0; i < sizeof acts / sizeof acts[0]; i++) {
		if (strcmp(word, acts[i].name) == 0) {
			*act = acts[i].act;
			if (!seccomp_action_available(*act))
				return bad(d, "oci_seccomp_kernel", "%s: this kernel does not have the action %s", path, word);
			return 0;
		}
	}
	return bad(d, "oci_seccomp", "%s: \"%s\" is not a seccomp action", path, word);
}

static int read_seccomp_arches(struct rd *d, struct jt *sc, struct seccomp_spec *s)
{
	s->abis[s->nabis++] = sc_abi_native();
	struct jt *arches = get_strarr(d, sc, "architectures", "linux.seccomp");
	if (FAILED(arches))
		return -1;
	for (size_t i = 0; arches && i < arches->n; i++) {
		const char *name = arches->kids[i].s;
		const struct sc_abi *abi;
		switch (sc_abi_find(name, &abi)) {
		case SC_ABI_FOREIGN: /* another kind of machine's: no call of it can come here */
			continue;
		case SC_ABI_NO_TABLE:
			return bad(d, "oci_seccomp_arch", "linux.seccomp.architectures[%zu]: this boxcore was built without a "
				   "system call table for %s", i, name);
		case SC_ABI_UNKNOWN:
			return bad(d, "oci_seccomp_arch", "linux.seccomp.architectures[%zu]: \"%s\" is not an architecture", i, name);
		}
		size_t k = 0;
		while (k < s->nabis && s->abis[k] != abi)
			k++;
		if (k == s->nabis)
			s->abis[s->nabis++] = abi;
		s->enosys[k] = true; /* runc's stub covers the listed ones */
	}
	return 0;
}

static int read_seccomp_flags(struct rd *d, struct jt *sc, struct seccomp_spec *s)
{
	static const struct {
		const char *name;
		unsigned long flag;
	} flags[] = {
		{ "SECCOMP_FILTER_FLAG_TSYNC", SECCOMP_FILTER_FLAG_TSYNC },
		{ "SECCOMP_FILTER_FLAG_LOG", SECCOMP_FILTER_FLAG_LOG },
		{ "SECCOMP_FILTER_FLAG_SPEC_ALLOW", SECCOMP_FILTER_FLAG_SPEC_ALLOW },
		{ "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV", SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV },
	};
	struct jt *list = get_strarr(d, sc, "flags", "linux.seccomp");
	if (FAILED(list))
		return -1;
	for (size_t i = 0; list && i < list->n; i++) {
		const char *f = list->kids[i].s;
		size_t k = 0;
		while (k < sizeof flags / sizeof flags[0] && strcmp(f, flags[k].name) != 0)
			k++;
		if (k == sizeof flags / sizeof flags[0])
			return bad(d, "oci_seccomp", "linux.seccomp.flags[%zu]: \"%s\" is not a seccomp filter flag", i, f);
		if (flags[k].flag == SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV)
			return bad(d, "oci_seccomp_notify", "linux.seccomp.flags[%zu]: %s is about a seccomp agent's "
				   "notifications (listenerPath), which boxcore does not do", i, f);
		if (!seccomp_flag_available((unsigned)flags[k].flag))
			return bad(d, "oci_seccomp_kernel", "linux.seccomp.flags[%zu]: this kernel does not have %s", i, f);
		s->flags |= (unsigned)flags[k].flag;
	}
	return 0;
}

/* One condition of linux.seccomp.syscalls[i].args. */
static int read_seccomp_arg(struct rd *d, struct jt *a, const char *ab, struct sc_arg *arg)
{
	static const char *const ops[] = { "SCMP_CMP_EQ", "SCMP_CMP_NE", "SCMP_CMP_LT", "SCMP_CMP_LE",
					   "SCMP_CMP_GT", "SCMP_CMP_GE", "SCMP_CMP_MASKED_EQ" };
	static const enum sc_op op_values[] = { SC_EQ, SC_NE, SC_LT, SC_LE, SC_GT, SC_GE, SC_MASKED_EQ };
	long long index = 0;
	const char *op = NULL;
	unsigned long long val = 0, val2 = 0;
	bool present;
	if (want(d, a, JT_OBJ, ab) < 0 || get_int(d, a, "index", ab, 0, 5, &present, &index) < 0 ||
	    get_u64(d, a, "value", ab, true, &val) < 0 || get_u64(d, a, "valueTwo", ab, false, &val2) < 0 ||
	    get_str(d, a, "op", ab, true, &op) < 0)
		return -1;
	if (!present)
		return bad(d, "oci_required", "%s.index is missing", ab);
	arg->index = (unsigned)index;
	arg->value = val;
	arg->value2 = val2;
	for (size_t m = 0; m < sizeof ops / sizeof ops[0]; m++)
		if (strcmp(op, ops[m]) == 0) {
			arg->op = op_values[m];
			return 0;
		}
	return bad(d, "oci_seccomp", "%s.op: unknown comparison \"%s\"", ab, op);
}

static void add_rule(struct seccomp_spec *s, const struct sc_rule *rule)
{
	s->rules = xrealloc(s->rules, (s->n + 1) * sizeof *s->rules);
	s->rules[s->n++] = *rule;
}

/* One entry of linux.seccomp.syscalls: a rule per name (and per condition, when two
 * conditions are on the same argument: runc's "old behaviour" for those). */
static int read_seccomp_call(struct rd *d, struct jt *o, const char *cb, struct seccomp_spec *s)
{
	const char *word = NULL;
	struct sc_rule rule = { .err = EPERM };
	long long v = EPERM;
	if (want(d, o, JT_OBJ, cb) < 0 || get_str(d, o, "action", cb, true, &word) < 0 ||
	    seccomp_action(d, word, at(d, cb, "action"), &rule.act) < 0 || get_int(d, o, "errnoRet", cb, 0, 4095, NULL, &v) < 0)
		return -1;
	rule.err = (int)v;
	struct jt *args = get_arr(d, o, "args", cb);
	if (FAILED(args))
		return -1;
	if (args && args->n > 6)
		return bad(d, "oci_seccomp", "%s.args: at most 6 conditions (a system call has 6 arguments)", cb);
	unsigned seen = 0;
	bool repeated = false;
	for (size_t k = 0; args && k < args->n; k++) {
		struct sc_arg *arg = &rule.args[rule.nargs++];
		if (read_seccomp_arg(d, &args->kids[k], at_index(d, at(d, cb, "args"), k), arg) < 0)
			return -1;
		repeated |= (seen >> arg->index) & 1;
		seen |= 1u << arg->index;
	}
	/* runc leaves out a rule that does what the default does. */
	rule.inert = rule.act == s->def && (rule.act != SC_ERRNO && rule.act != SC_TRACE ? true : rule.err == s->def_err);
	struct jt *names = get_strarr(d, o, "names", cb);
	if (FAILED(names))
		return -1;
	if (!names || names->n == 0)
		return bad(d, "oci_required", "%s.names is missing or empty", cb);
	for (size_t k = 0; k < names->n; k++) {
		rule.name = names->kids[k].s;
		if (!*rule.name)
			return bad(d, "oci_seccomp", "%s.names[%zu] is empty", cb, k);
		if (!repeated) {
			add_rule(s, &rule);
			continue;
		}
		for (unsigned a = 0; a < rule.nargs; a++) {
			struct sc_rule one = rule;
			one.args[0] = rule.args[a];
			one.nargs = 1;
			add_rule(s, &one);
		}
	}
	return 0;
}

/* Two rules for one call with the same conditions and different actions: libseccomp
 * cannot hold both (runc fails with EEXIST), and there is no telling which was meant. */
static bool same_conditions(const struct sc_rule *a, const struct sc_rule *b)
{
	if (a->nargs != b->nargs || a->nargs == 0)
		return false;
	for (unsigned k = 0; k < a->nargs; k++) {
		bool found = false;
		for (unsigned m = 0; m < b->nargs && !found; m++)
			found = a->args[k].index == b->args[m].index && a->args[k].op == b->args[m].op &&
				a->args[k].value == b->args[m].value && a->args[k].value2 == b->args[m].value2;
		if (!found)
			return false;
	}
	return true;
}

static int refuse_conflicts(struct rd *d, const struct seccomp_spec *s)
{
	for (size_t i = 0; i < s->n; i++)
		for (size_t j = i + 1; j < s->n; j++) {
			const struct sc_rule *a = &s->rules[i], *b = &s->rules[j];
			if (strcmp(a->name, b->name) == 0 && same_conditions(a, b) &&
			    (a->act != b->act || ((a->act == SC_ERRNO || a->act == SC_TRACE) && a->err != b->err)))
				return bad(d, "oci_seccomp_conflict", "linux.seccomp.syscalls: two rules for %s have the same "
					   "conditions and different actions", a->name);
		}
	return 0;
}

static int read_seccomp(struct rd *d, struct jt *linux_)
{
	struct oci_config *c = d->c;
	struct seccomp_spec *s = &c->seccomp;
	struct jt *sc = get_obj(d, linux_, "seccomp", "linux", false);
	if (FAILED(sc))
		return -1;
	if (!sc)
		return 0;
	const char *base = "linux.seccomp", *word = NULL, *listener = NULL;
	if (get_str(d, sc, "listenerPath", base, false, &listener) < 0)
		return -1;
	if (listener)
		return bad(d, "oci_seccomp_notify", "linux.seccomp.listenerPath: a seccomp agent that handles calls for the "
			   "container is not something boxcore does");
	struct jt *calls = get_arr(d, sc, "syscalls", base);
	if (FAILED(calls) || get_str(d, sc, "defaultAction", base, false, &word) < 0)
		return -1;
	/* Neither a default action nor rules: no filter (runc's reading). */
	if (!word && (!calls || calls->n == 0)) {
		jt_use_all(sc);
		return 0;
	}
	if (!word)
		return bad(d, "oci_required", "linux.seccomp.defaultAction is missing");
	long long v = EPERM;
	bool has_errno;
	c->has_seccomp = true;
	if (seccomp_action(d, word, at(d, base, "defaultAction"), &s->def) < 0 ||
	    get_int(d, sc, "defaultErrnoRet", base, 0, 4095, &has_errno, &v) < 0)
		return -1;
	s->def_err = (int)v;
	if (read_seccomp_arches(d, sc, s) < 0 || read_seccomp_flags(d, sc, s) < 0)
		return -1;
	/* No ENOSYS rule when the default lets calls through anyway (runc: allow, log and
	 * trace), or already answers ENOSYS. */
	if (s->def == SC_ALLOW || s->def == SC_LOG || s->def == SC_TRACE || (has_errno && s->def_err == ENOSYS))
		memset(s->enosys, 0, sizeof s->enosys);
	for (size_t i = 0; calls && i < calls->n; i++)
		if (read_seccomp_call(d, &calls->kids[i], at_index(d, "linux.seccomp.syscalls", i), s) < 0)
			return -1;
	return refuse_conflicts(d, s);
}

/* ------------------------------------------------------------ hooks */

static int read_hook(struct rd *d, struct jt *o, const char *hb, struct oci_hook *h)
{
	long long timeout = 0;
	if (want(d, o, JT_OBJ, hb) < 0 || get_str(d, o, "path", hb, true, &h->path) < 0 ||
	    get_int(d, o, "timeout", hb, 1, 24 * 3600, NULL, &timeout) < 0)
		return -1;
	if (h->path[0] != '/')
		return bad(d, "oci_hook_path", "%s.path \"%s\" must be an absolute path", hb, h->path);
	h->timeout = (int)timeout;
	struct jt *args = get_strarr(d, o, "args", hb), *env = NULL;
	if (FAILED(args) || FAILED(env = get_strarr(d, o, "env", hb)))
		return -1;
	for (size_t i = 0; args && i < args->n; i++)
		strv_push_copy(&h->args, args->kids[i].s);
	h->has_env = env != NULL;
	for (size_t i = 0; env && i < env->n; i++)
		strv_push_copy(&h->env, env->kids[i].s);
	return 0;
}

static int read_hooks(struct rd *d, struct jt *doc)
{
	struct oci_hooks *hooks = &d->c->hooks;
	struct jt *o = get_obj(d, doc, "hooks", "", false);
	if (FAILED(o))
		return -1;
	for (int k = 0; o && k < HOOK_KINDS; k++) {
		const char *kb = at(d, "hooks", oci_hook_name(k));
		struct jt *list = get_arr(d, o, oci_hook_name(k), "hooks");
		if (FAILED(list))
			return -1;
		for (size_t i = 0; list && i < list->n; i++) {
			hooks->v[k] = xrealloc(hooks->v[k], (hooks->n[k] + 1) * sizeof *hooks->v[k]);
			struct oci_hook *h = &hooks->v[k][hooks->n[k]++];
			memset(h, 0, sizeof *h);
			if (read_hook(d, &list->kids[i], at_index(d, kb, i), h) < 0)
				return -1;
		}
	}
	return 0;
}

/* ------------------------------------------------------------ mounts */

static int read_mounts(struct rd *d, struct jt *doc)
{
	struct oci_config *c = d->c;
	struct jt *list = get_arr(d, doc, "mounts", "");
	if (FAILED(list))
		return -1;
	for (size_t i = 0; list && i < list->n; i++) {
		const char *mb = at_index(d, "mounts", i);
		struct jt *o = &list->kids[i];
		struct oci_mount m = { 0 };
		if (want(d, o, JT_OBJ, mb) < 0 || get_str(d, o, "destination", mb, true, &m.dest) < 0 ||
		    get_str(d, o, "type", mb, false, &m.type) < 0 || get_str(d, o, "source", mb, false, &m.source) < 0)
			return -1;
		if (!absolute_clean(m.dest))
			return bad(d, "oci_path", "%s.destination \"%s\" must be an absolute path without ..", mb, m.dest);
		struct jt *opts = get_strarr(d, o, "options", mb);
		if (FAILED(opts))
			return -1;
		struct buf data = { 0 };
		for (size_t k = 0; opts && k < opts->n; k++) {
			if (mount_option_word(opts->kids[k].s, &m.flags))
				continue;
			if (data.len)
				buf_putc(&data, ',');
			buf_puts(&data, opts->kids[k].s);
		}
		m.data = data.s;
		if (!m.type)
			m.type = (m.flags & MS_BIND) ? "bind" : "";
		if (strcmp(m.type, "bind") == 0)
			m.flags |= MS_BIND;
		if (!*m.type) {
			free(m.data);
			return bad(d, "oci_required", "%s.type is missing (and it is not a bind mount)", mb);
		}
		if (m.flags & MS_BIND) {
			if (!m.source) {
				free(m.data);
				return bad(d, "oci_required", "%s.source is missing: a bind mount needs one", mb);
			}
			/* A relative source is relative to the bundle. */
			if (m.source[0] != '/') {
				char *abs = NULL;
				if (asprintf(&abs, "%s/%s", c->bundle, m.source) < 0)
					abort();
				strv_push(&c->owned, abs);
				m.source = abs;
			}
		}
		c->mounts = xrealloc(c->mounts, (c->nmounts + 1) * sizeof *c->mounts);
		c->mounts[c->nmounts++] = m;
	}
	return 0;
}

/* ------------------------------------------------------------ the whole file */

static int read_file(const char *path, struct buf *out)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	char tmp[65536];
	ssize_t n;
	while ((n = read(fd, tmp, sizeof tmp)) > 0) {
		buf_put(out, tmp, (size_t)n);
		if (out->len > 64 * 1024 * 1024) {
			errno = EFBIG;
			n = -1;
			break;
		}
	}
	int e = errno;
	close(fd);
	errno = e;
	return n < 0 ? -1 : 0;
}

static int parse_doc(struct rd *d, const char *path, struct jt *doc)
{
	struct buf text = { 0 };
	if (read_file(path, &text) < 0) {
		int e = errno;
		buf_free(&text);
		return fail_sys(d->r, e, "oci_config", path, "read %s", path);
	}
	char why[200];
	int rc = jt_parse(text.s ? text.s : "", text.len, doc, why, sizeof why);
	buf_free(&text);
	if (rc < 0)
		return fail_usage(d->r, state_hint("oci_json"), "%s is not JSON: %s", path, why);
	if (doc->type != JT_OBJ)
		return fail_usage(d->r, state_hint("oci_json"), "%s must hold a JSON object, not %s", path, jt_type_name(doc->type));
	return 0;
}

/* Refuse the first field nobody read. */
static int refuse_unused(struct rd *d, const struct jt *doc, const char *file)
{
	struct buf path = { 0 };
	buf_put(&path, "", 0);
	if (!jt_unused(doc, &path)) {
		buf_free(&path);
		return 0;
	}
	fail_usage(d->r, state_hint("oci_unsupported"), "%s: %s is not supported by boxcore", file, path.s);
	buf_free(&path);
	return -1;
}

/* linux.personality: the execution domain the program runs in (LINUX32: uname says
 * i686, as `setarch linux32` makes it). No flags: runc takes none either. */
static int read_personality(struct rd *d, struct jt *linux_)
{
	static const struct named domains[] = { { "LINUX", PER_LINUX }, { "LINUX32", PER_LINUX32 } };
	d->c->personality = -1;
	const char *b = "linux.personality", *domain = NULL;
	struct jt *o = get_obj(d, linux_, "personality", "linux", false);
	if (FAILED(o) || (o && get_str(d, o, "domain", b, true, &domain) < 0))
		return -1;
	if (!o)
		return 0;
	if (NAMED(domains, domain) < 0)
		return bad(d, "oci_personality", "%s.domain: \"%s\" is not LINUX or LINUX32", b, domain);
	struct jt *flags = get_strarr(d, o, "flags", b);
	if (FAILED(flags))
		return -1;
	if (flags && flags->n)
		return bad(d, "oci_personality", "%s.flags: personality flags are not done by boxcore (nor runc)", b);
	d->c->personality = NAMED(domains, domain);
	return 0;
}

static int read_linux(struct rd *d, struct jt *doc)
{
	struct oci_config *c = d->c;
	struct jt *linux_ = get_obj(d, doc, "linux", "", true);
	if (FAILED(linux_))
		return -1;
	if (read_namespaces(d, linux_) < 0 || read_idmap(d, linux_, "uidMappings", &c->uid_map) < 0 ||
	    read_idmap(d, linux_, "gidMappings", &c->gid_map) < 0 ||
	    read_paths(d, linux_, "maskedPaths", &c->masked, &c->nmasked) < 0 ||
	    read_paths(d, linux_, "readonlyPaths", &c->readonly, &c->nreadonly) < 0 || read_sysctl(d, linux_) < 0 ||
	    read_seccomp(d, linux_) < 0 || read_devices(d, linux_) < 0 || read_resources(d, linux_) < 0)
		return -1;
	const char *prop = NULL;
	if (get_str(d, linux_, "rootfsPropagation", "linux", false, &prop) < 0 ||
	    get_str(d, linux_, "mountLabel", "linux", false, &c->mount_label) < 0)
		return -1;
	if (read_personality(d, linux_) < 0)
		return -1;
	if (c->mount_label && !oci_lsm_selinux())
		return bad(d, "oci_lsm", "linux.mountLabel \"%s\": this machine does not run SELinux (%s)", c->mount_label,
			   oci_lsm_running(d->r));
	if (prop) {
		unsigned long f = 0;
		if (!mount_option_word(prop, &f) || !(f & (MS_PRIVATE | MS_SLAVE | MS_SHARED | MS_UNBINDABLE)) ||
		    (f & ~(MS_PRIVATE | MS_SLAVE | MS_SHARED | MS_UNBINDABLE | MS_REC)))
			return bad(d, "oci_propagation", "linux.rootfsPropagation: \"%s\" is not a propagation", prop);
		c->propagation = f;
	}
	return 0;
}

/* What the namespaces must be for the rest of the config to be safe and possible. */
static int check_namespaces(struct rd *d)
{
	struct oci_config *c = d->c;
	bool user = c->ns_new & (1 << ns_index("user"));
	if (!own_ns(c, "mnt"))
		return bad(d, "oci_mnt", "linux.namespaces has no mount namespace of the container's own: its mounts "
			   "would change the host's");
	if ((c->hostname || c->domainname) && !own_ns(c, "uts"))
		return bad(d, "oci_uts", "hostname needs a UTS namespace of the container's own, or it would rename the host");
	if (user && (!c->uid_map || !c->gid_map))
		return bad(d, "oci_userns", "a new user namespace needs linux.uidMappings and linux.gidMappings");
	if (!user && (c->uid_map || c->gid_map))
		return bad(d, "oci_userns", "linux.uidMappings and gidMappings need a new user namespace in linux.namespaces");
	return 0;
}

int oci_config_load(const char *bundle, const char *saved, struct oci_config *c, struct reply *r)
{
	struct rd d = { r, c };
	memset(c, 0, sizeof *c);
	char real[PATH_MAX];
	if (saved) {
		c->bundle = xstrdup(bundle);
	} else {
		if (!realpath(bundle, real))
			return fail_sys(r, errno, "oci_bundle", bundle, "bundle %s", bundle);
		c->bundle = xstrdup(real);
	}
	const char *file = saved ? saved : r_printf(r, "%s/config.json", c->bundle);
	struct jt *doc = &c->doc;
	if (parse_doc(&d, file, doc) < 0)
		return -1;

	const char *version = NULL;
	if (get_str(&d, doc, "ociVersion", "", true, &version) < 0)
		return -1;
	if (strncmp(version, "1.", 2) != 0)
		return bad(&d, "oci_version", "ociVersion \"%s\": boxcore reads version 1.x of the runtime spec", version);

	struct jt *root = get_obj(&d, doc, "root", "", true);
	const char *rootpath = NULL;
	if (FAILED(root) || get_str(&d, root, "path", "root", true, &rootpath) < 0 ||
	    get_bool(&d, root, "readonly", "root", &c->root_readonly) < 0)
		return -1;
	const char *full = rootpath[0] == '/' ? rootpath : r_printf(r, "%s/%s", c->bundle, rootpath);
	struct stat st;
	if (saved) /* the container's root is in use already: exec does not look at it */
		snprintf(real, sizeof real, "%s", full);
	else if (!realpath(full, real) || stat(real, &st) < 0 || !S_ISDIR(st.st_mode))
		return bad(&d, "oci_rootfs", "root.path %s is not a directory", full);
	if (strcmp(real, "/") == 0)
		return bad(&d, "oci_rootfs", "root.path is the host's / : the container would change the host's files");
	c->rootfs = xstrdup(real);

	struct jt *proc = get_obj(&d, doc, "process", "", true);
	if (FAILED(proc) || read_process(&d, proc, &c->proc) < 0)
		return -1;
	if (get_str(&d, doc, "hostname", "", false, &c->hostname) < 0 ||
	    get_str(&d, doc, "domainname", "", false, &c->domainname) < 0 || read_mounts(&d, doc) < 0 ||
	    read_linux(&d, doc) < 0 || read_hooks(&d, doc) < 0)
		return -1;
	struct jt *ann = get_obj(&d, doc, "annotations", "", false);
	if (FAILED(ann))
		return -1;
	for (size_t i = 0; ann && i < ann->n; i++)
		if (want(&d, &ann->kids[i], JT_STR, at(&d, "annotations", ann->keys[i])) < 0)
			return -1;
	if (ann) {
		jt_use_all(ann);
		c->annotations = ann;
	}
	if (check_namespaces(&d) < 0)
		return -1;
	return refuse_unused(&d, doc, "config.json");
}

int oci_process_load(const char *file, struct oci_config *c, struct reply *r)
{
	struct rd d = { r, c };
	struct jt doc = { 0 };
	if (parse_doc(&d, file, &doc) < 0)
		return -1;
	struct oci_process p = { 0 };
	int rc = read_process(&d, &doc, &p);
	if (rc == 0)
		rc = refuse_unused(&d, &doc, file);
	if (rc < 0) {
		strv_free(&p.args);
		strv_free(&p.env);
		free(p.groups);
		free(p.rlimits);
		jt_free(&doc);
		return -1;
	}
	/* The strings p points at live in doc: keep it with the config. */
	strv_free(&c->proc.args);
	strv_free(&c->proc.env);
	free(c->proc.groups);
	free(c->proc.rlimits);
	c->proc = p;
	jt_free(&c->process_doc);
	c->process_doc = doc;
	return 0;
}

void oci_config_free(struct oci_config *c)
{
	for (size_t i = 0; i < c->nmounts; i++)
		free(c->mounts[i].data);
	free(c->mounts);
	strv_free(&c->proc.args);
	strv_free(&c->proc.env);
	free(c->proc.groups);
	free(c->proc.rlimits);
	free(c->bundle);
	free(c->rootfs);
	free(c->uid_map);
	free(c->gid_map);
	free(c->masked);
	free(c->readonly);
	free(c->sysctl_keys);
	free(c->sysctl_values);
	free(c->devices);
	free(c->cgset);
	strv_free(&c->dev_rules);
	seccomp_spec_free(&c->seccomp);
	oci_hooks_free(&c->hooks);
	strv_free(&c->warnings);
	strv_free(&c->controllers);
	strv_free(&c->owned);
	jt_free(&c->doc);
	jt_free(&c->process_doc);
	memset(c, 0, sizeof *c);
}

/* ------------------------------------------------------------ boxcore spec */

/* runc spec's starting point, with the fields boxcore reads. */
void oci_default_spec(struct buf *out, bool rootless)
{
	unsigned uid = (unsigned)getuid(), gid = (unsigned)getgid();
	buf_printf(out,
		   "{\n"
		   "\t\"ociVersion\": \"" OCI_VERSION "\",\n"
		   "\t\"process\": {\n"
		   "\t\t\"terminal\": true,\n"
		   "\t\t\"user\": {\n\t\t\t\"uid\": 0,\n\t\t\t\"gid\": 0\n\t\t},\n"
		   "\t\t\"args\": [\n\t\t\t\"sh\"\n\t\t],\n"
		   "\t\t\"env\": [\n"
		   "\t\t\t\"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\",\n"
		   "\t\t\t\"TERM=xterm\"\n"
		   "\t\t],\n"
		   "\t\t\"cwd\": \"/\",\n"
		   "\t\t\"capabilities\": {\n");
	/* No "ambient": without "inheritable" (which runc leaves out since CVE-2022-29162)
	 * the kernel would not raise them anyway. */
	static const char *const sets[] = { "bounding", "effective", "permitted" };
	for (int i = 0; i < 3; i++)
		buf_printf(out,
			   "\t\t\t\"%s\": [\n\t\t\t\t\"CAP_AUDIT_WRITE\",\n\t\t\t\t\"CAP_KILL\",\n"
			   "\t\t\t\t\"CAP_NET_BIND_SERVICE\"\n\t\t\t]%s\n",
			   sets[i], i < 2 ? "," : "");
	buf_printf(out,
		   "\t\t},\n"
		   "\t\t\"rlimits\": [\n\t\t\t{\n\t\t\t\t\"type\": \"RLIMIT_NOFILE\",\n"
		   "\t\t\t\t\"hard\": 1024,\n\t\t\t\t\"soft\": 1024\n\t\t\t}\n\t\t],\n"
		   "\t\t\"noNewPrivileges\": true\n"
		   "\t},\n"
		   "\t\"root\": {\n\t\t\"path\": \"rootfs\",\n\t\t\"readonly\": true\n\t},\n"
		   "\t\"hostname\": \"boxcore\",\n"
		   "\t\"mounts\": [\n"
		   "\t\t{\n\t\t\t\"destination\": \"/proc\",\n\t\t\t\"type\": \"proc\",\n\t\t\t\"source\": \"proc\"\n\t\t},\n"
		   "\t\t{\n\t\t\t\"destination\": \"/dev\",\n\t\t\t\"type\": \"tmpfs\",\n\t\t\t\"source\": \"tmpfs\",\n"
		   "\t\t\t\"options\": [\"nosuid\", \"strictatime\", \"mode=755\", \"size=65536k\"]\n\t\t},\n"
		   "\t\t{\n\t\t\t\"destination\": \"/dev/pts\",\n\t\t\t\"type\": \"devpts\",\n\t\t\t\"source\": \"devpts\",\n"
		   "\t\t\t\"options\": [\"nosuid\", \"noexec\", \"newinstance\", \"ptmxmode=0666\", \"mode=0620\"%s]\n\t\t},\n"
		   "\t\t{\n\t\t\t\"destination\": \"/dev/shm\",\n\t\t\t\"type\": \"tmpfs\",\n\t\t\t\"source\": \"shm\",\n"
		   "\t\t\t\"options\": [\"nosuid\", \"noexec\", \"nodev\", \"mode=1777\", \"size=65536k\"]\n\t\t},\n"
		   "\t\t{\n\t\t\t\"destination\": \"/dev/mqueue\",\n\t\t\t\"type\": \"mqueue\",\n\t\t\t\"source\": \"mqueue\",\n"
		   "\t\t\t\"options\": [\"nosuid\", \"noexec\", \"nodev\"]\n\t\t},\n",
		   rootless ? "" : ", \"gid=5\"");
	if (rootless)
		buf_puts(out, "\t\t{\n\t\t\t\"destination\": \"/sys\",\n\t\t\t\"type\": \"none\",\n\t\t\t\"source\": \"/sys\",\n"
			      "\t\t\t\"options\": [\"rbind\", \"nosuid\", \"noexec\", \"nodev\", \"ro\"]\n\t\t}\n");
	else
		buf_puts(out, "\t\t{\n\t\t\t\"destination\": \"/sys\",\n\t\t\t\"type\": \"sysfs\",\n\t\t\t\"source\": \"sysfs\",\n"
			      "\t\t\t\"options\": [\"nosuid\", \"noexec\", \"nodev\", \"ro\"]\n\t\t},\n"
			      "\t\t{\n\t\t\t\"destination\": \"/sys/fs/cgroup\",\n\t\t\t\"type\": \"cgroup\",\n\t\t\t\"source\": \"cgroup\",\n"
			      "\t\t\t\"options\": [\"nosuid\", \"noexec\", \"nodev\", \"relatime\", \"ro\"]\n\t\t}\n");
	buf_puts(out, "\t],\n\t\"linux\": {\n");
	if (rootless)
		buf_printf(out,
			   "\t\t\"uidMappings\": [\n\t\t\t{\n\t\t\t\t\"containerID\": 0,\n\t\t\t\t\"hostID\": %u,\n\t\t\t\t\"size\": 1\n\t\t\t}\n\t\t],\n"
			   "\t\t\"gidMappings\": [\n\t\t\t{\n\t\t\t\t\"containerID\": 0,\n\t\t\t\t\"hostID\": %u,\n\t\t\t\t\"size\": 1\n\t\t\t}\n\t\t],\n",
			   uid, gid);
	if (!rootless) /* deny every device but the defaults, as runc spec writes it */
		buf_puts(out, "\t\t\"resources\": {\n\t\t\t\"devices\": [\n\t\t\t\t{\n\t\t\t\t\t\"allow\": false,\n"
			      "\t\t\t\t\t\"access\": \"rwm\"\n\t\t\t\t}\n\t\t\t]\n\t\t},\n");
	buf_puts(out, "\t\t\"namespaces\": [\n\t\t\t{\n\t\t\t\t\"type\": \"pid\"\n\t\t\t},\n");
	if (!rootless)
		buf_puts(out, "\t\t\t{\n\t\t\t\t\"type\": \"network\"\n\t\t\t},\n");
	buf_puts(out, "\t\t\t{\n\t\t\t\t\"type\": \"ipc\"\n\t\t\t},\n\t\t\t{\n\t\t\t\t\"type\": \"uts\"\n\t\t\t},\n"
		      "\t\t\t{\n\t\t\t\t\"type\": \"mount\"\n\t\t\t}");
	if (rootless)
		buf_puts(out, ",\n\t\t\t{\n\t\t\t\t\"type\": \"user\"\n\t\t\t}");
	buf_puts(out,
		 "\n\t\t],\n"
		 "\t\t\"maskedPaths\": [\n"
		 "\t\t\t\"/proc/acpi\",\n\t\t\t\"/proc/asound\",\n\t\t\t\"/proc/kcore\",\n\t\t\t\"/proc/keys\",\n"
		 "\t\t\t\"/proc/latency_stats\",\n\t\t\t\"/proc/timer_list\",\n\t\t\t\"/proc/timer_stats\",\n"
		 "\t\t\t\"/proc/sched_debug\",\n\t\t\t\"/sys/firmware\",\n\t\t\t\"/proc/scsi\"\n"
		 "\t\t],\n"
		 "\t\t\"readonlyPaths\": [\n"
		 "\t\t\t\"/proc/bus\",\n\t\t\t\"/proc/fs\",\n\t\t\t\"/proc/irq\",\n\t\t\t\"/proc/sys\",\n"
		 "\t\t\t\"/proc/sysrq-trigger\"\n"
		 "\t\t]\n"
		 "\t}\n"
		 "}\n");
}
