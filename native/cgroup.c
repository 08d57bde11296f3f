/* cgroup.c - control groups: limits, accounting and freezing for a set of processes.
 *
 * A cgroup is a directory in a special filesystem. mkdir makes a group, writing a pid
 * into its cgroup.procs moves a process in (its children are born inside), and the
 * other files are the controllers' knobs and meters: memory.max, pids.current, ...
 * rmdir removes a group once no process is left in it.
 *
 * Machines come in three layouts, told apart the way runc and crun do it, by the
 * filesystem mounted at /sys/fs/cgroup:
 *   v2      one tree (cgroup2) holds every controller; files are memory.max, cpu.max...
 *   v1      tmpfs with one tree per controller under it (cgroup): memory/, cpu/, pids/...
 *           and the files are memory.limit_in_bytes, cpu.cfs_quota_us...
 *   hybrid  v1 for the controllers, plus an empty v2 tree at /sys/fs/cgroup/unified
 *           (systemd's; boxlab makes its groups in the v1 trees there).
 *
 * Groups are made beneath the cgroup the server itself is in, in every tree the course
 * teaches (and in the devices tree when asked: cgroup_devices.c), unless a parent is
 * given: an absolute parent ("/bl-lab") starts at each tree's root, a
 * relative one ("bl-lab") beneath the server's own group. The core only ever makes
 * directories named bl-*, so a person can see at a glance what the lab made.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "boxcore.h"
#include "errors.h"

/* The magic numbers statfs(2) reports (linux/magic.h), spelled out here. */
#define CGROUP2_SUPER_MAGIC_ 0x63677270
#define CGROUP_SUPER_MAGIC_ 0x27e0eb
#define TMPFS_MAGIC_ 0x01021994

#define CG_ROOT "/sys/fs/cgroup"
#define MAX_HIER 16

/* The v1 controllers the course teaches; a v1 tree with none of them is left alone
 * (name=systemd, net_cls, ...). */
static const char *const v1_taught[] = { "cpu", "cpuacct", "cpuset", "memory", "pids", "blkio", "freezer" };
/* v1 trees a group joins only when its maker asks for the controller (cgroup_plan's
 * "controllers"): the device controller, which the OCI runtime uses as runc does
 * (cgroup_devices.c), and the ones a config.json's linux.resources may name (huge
 * pages, network class and priority, RDMA); the course's own groups leave them alone. */
static const char *const v1_on_request[] = { "devices", "hugetlb", "net_cls", "net_prio", "rdma" };
/* The v2 controllers a group gets by default, when its parent offers them. */
static const char *const v2_taught[] = { "cpu", "cpuset", "io", "memory", "pids" };

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

struct hier {
	int version;          /* 1 or 2 */
	char controllers[128]; /* v1: "cpu,cpuacct" as /proc/self/cgroup lists them; v2: "" */
	char mount[256];       /* where the tree is mounted */
	char own[1024];        /* the server's own group in it, from /proc/self/cgroup */
	bool on_request;       /* v1_on_request: only groups that ask for it are made here */
};

static struct {
	bool known;
	const char *name; /* "v1" "v2" "hybrid" */
	int n;
	struct hier h[MAX_HIER];
} L;

/* ------------------------------------------------------------ logging file I/O */

/* strace shows the start of what was read or written; so do we. */
static const char *data_text(struct reply *r, const char *s, size_t n)
{
	if (g_log_off)
		return "";
	struct buf b = { 0 };
	buf_c_string(&b, s, n > 64 ? 64 : n);
	if (n > 64)
		buf_puts(&b, "...");
	const char *t = r_printf(r, "%s", b.s);
	buf_free(&b);
	return t;
}

/* Read a whole file into out (what cat does). Returns 0, or -1 with errno. */
int cg_read(struct reply *r, const char *path, struct buf *out)
{
	buf_reset(out);
	buf_put(out, "", 0);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (log_call(r, fd, "openat(AT_FDCWD, %s, O_RDONLY|O_CLOEXEC)", r ? q_str(r, path) : "") < 0)
		return -1;
	char chunk[4096];
	for (;;) {
		ssize_t n = read(fd, chunk, sizeof chunk);
		log_call(r, n, "read(%d, %s, %zu)", fd, r && n >= 0 ? data_text(r, chunk, (size_t)n) : "", sizeof chunk);
		if (n < 0) {
			int e = errno;
			close(fd);
			errno = e;
			return -1;
		}
		if (n == 0)
			break;
		buf_put(out, chunk, (size_t)n);
		if (out->len > (1 << 20))
			break; /* cgroup files are small; a megabyte is plenty */
	}
	log_call(r, close(fd), "close(%d)", fd);
	return 0;
}

/* Write text in one write(2), as `echo TEXT > FILE` does: the kernel parses each
 * write of a cgroup file as one whole value. Returns 0, or -1 with errno. */
int cg_write(struct reply *r, const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	if (log_call(r, fd, "openat(AT_FDCWD, %s, O_WRONLY|O_CLOEXEC)", r ? q_str(r, path) : "") < 0)
		return -1;
	size_t len = strlen(text);
	ssize_t n = write(fd, text, len);
	log_call(r, n, "write(%d, %s, %zu)", fd, r ? data_text(r, text, len) : "", len);
	int e = errno;
	close(fd);
	if (r)
		log_line(r, "close(%d) = 0", fd);
	errno = e;
	return n < 0 ? -1 : 0;
}

static bool exists(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0;
}

static bool word_in(const char *list, const char *word, const char *seps)
{
	size_t wl = strlen(word);
	for (const char *p = list; *p;) {
		size_t l = strcspn(p, seps);
		if (l == wl && strncmp(p, word, l) == 0)
			return true;
		p += l;
		p += strspn(p, seps);
	}
	return false;
}

/* ------------------------------------------------------------ the layout */

/* The options of a v1 mount that name its controllers ("rw,cpu,cpuacct" -> cpu,cpuacct);
 * compare with /proc/self/cgroup's list as sets. */
static bool same_controllers(const char *superopts, const char *list)
{
	int in_list = 0, matched = 0;
	for (const char *p = list; *p;) {
		size_t l = strcspn(p, ",");
		char w[64];
		snprintf(w, sizeof w, "%.*s", (int)l, p);
		in_list++;
		if (word_in(superopts, w, ","))
			matched++;
		p += l;
		p += strspn(p, ",");
	}
	return in_list > 0 && matched == in_list;
}

/* Find the mount of a tree in mountinfo: fstype cgroup (v1, with these controllers)
 * or cgroup2. Preference goes to a mount under /sys/fs/cgroup. */
static bool find_mount(const char *mountinfo, int version, const char *controllers, char *point, size_t len,
		       char *root, size_t rootlen)
{
	bool found = false;
	const char *line = mountinfo;
	while (*line) {
		size_t l = strcspn(line, "\n");
		char *copy = xstrndup(line, l);
		char *f[64];
		int nf = 0;
		for (char *save = NULL, *t = strtok_r(copy, " ", &save); t && nf < 64; t = strtok_r(NULL, " ", &save))
			f[nf++] = t;
		int sep = -1;
		for (int i = 6; i < nf; i++)
			if (strcmp(f[i], "-") == 0) {
				sep = i;
				break;
			}
		if (sep > 0 && sep + 3 < nf) {
			const char *type = f[sep + 1], *opts = f[sep + 3];
			bool match = version == 2 ? strcmp(type, "cgroup2") == 0
						  : strcmp(type, "cgroup") == 0 && same_controllers(opts, controllers);
			bool under = strncmp(f[4], CG_ROOT "/", sizeof CG_ROOT) == 0 || strcmp(f[4], CG_ROOT) == 0;
			if (match && (!found || under)) {
				snprintf(point, len, "%s", f[4]);
				snprintf(root, rootlen, "%s", f[3]);
				found = true;
			}
		}
		free(copy);
		line += l;
		if (*line == '\n')
			line++;
	}
	return found;
}

static bool taught_v1(const char *controllers)
{
	for (size_t i = 0; i < COUNT(v1_taught); i++)
		if (word_in(controllers, v1_taught[i], ","))
			return true;
	return false;
}

static bool on_request_v1(const char *controllers)
{
	for (size_t i = 0; i < COUNT(v1_on_request); i++)
		if (word_in(controllers, v1_on_request[i], ","))
			return true;
	return false;
}

/* Add a tree: its mount point and the server's own group in it. A mount whose root is
 * not the tree's root (a bind mount of a subtree) shows own's path minus that root. */
static void add_hier(int version, const char *controllers, const char *own, const char *mountinfo, bool on_request)
{
	if (L.n >= MAX_HIER)
		return;
	struct hier *h = &L.h[L.n];
	char root[1024];
	if (!find_mount(mountinfo, version, controllers, h->mount, sizeof h->mount, root, sizeof root))
		return;
	size_t rl = strcmp(root, "/") == 0 ? 0 : strlen(root);
	if (rl && strncmp(own, root, rl) != 0)
		return;
	h->version = version;
	h->on_request = on_request;
	snprintf(h->controllers, sizeof h->controllers, "%s", controllers);
	snprintf(h->own, sizeof h->own, "%s", own[rl] ? own + rl : "/");
	L.n++;
}

static const char *magic_name(long type)
{
	switch (type) {
	case CGROUP2_SUPER_MAGIC_: return "CGROUP2_SUPER_MAGIC";
	case CGROUP_SUPER_MAGIC_: return "CGROUP_SUPER_MAGIC";
	case TMPFS_MAGIC_: return "TMPFS_MAGIC";
	default: return NULL;
	}
}

static long fs_type(struct reply *r, const char *path)
{
	struct statfs st;
	memset(&st, 0, sizeof st);
	/* statfs(2) names the filesystem mounted at a path by its magic number: this is
	 * how runc and crun tell the layouts apart. `stat -f -c %T PATH` prints it. */
	int rc = statfs(path, &st);
	const char *name = magic_name((long)st.f_type);
	log_call(r, rc, "statfs(%s, {f_type=%s, ...})", r ? q_str(r, path) : "",
	   rc < 0 ? "?" : name ? name : r ? r_printf(r, "%#lx", (unsigned long)st.f_type) : "");
	return rc < 0 ? -1 : (long)st.f_type;
}

/* Work out the layout and the trees. With show, the reads go into r's log (the layout
 * and plan ops); other ops use what the first look found, quietly. */
static int layout(struct reply *r, bool show)
{
	if (L.known && !show)
		return 0;
	struct reply *log = show ? r : NULL;
	memset(&L, 0, sizeof L);
	long root = fs_type(log, CG_ROOT);
	if (root == CGROUP2_SUPER_MAGIC_) {
		L.name = "v2";
	} else if (root == TMPFS_MAGIC_) {
		L.name = fs_type(log, CG_ROOT "/unified") == CGROUP2_SUPER_MAGIC_ ? "hybrid" : "v1";
	} else {
		return fail_state(r, state_hint("cg_no_layout"), "no cgroup filesystem at " CG_ROOT " (statfs says %s)",
				  root < 0 ? strerror(errno) : "another filesystem");
	}
	if (show)
		shell_step(r, "stat -f -c %%T " CG_ROOT " && cat /proc/self/cgroup");

	struct buf self = { 0 }, mi = { 0 };
	if (cg_read(log, "/proc/self/cgroup", &self) < 0 || cg_read(log, "/proc/self/mountinfo", &mi) < 0) {
		int e = errno;
		buf_free(&self);
		buf_free(&mi);
		return fail_sys(r, e, NULL, "/proc/self/cgroup", "read /proc/self/cgroup and /proc/self/mountinfo");
	}
	/* /proc/self/cgroup: one line per tree, "ID:CONTROLLERS:PATH"; v2's is "0::PATH". */
	for (const char *line = self.s; *line;) {
		size_t l = strcspn(line, "\n");
		char *copy = xstrndup(line, l);
		char *c1 = strchr(copy, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
		if (c2) {
			*c1 = *c2 = 0; /* copy: the id; c1 + 1: the controllers; c2 + 1: the path */
			const char *controllers = c1 + 1, *path = c2 + 1;
			bool v2_line = strcmp(copy, "0") == 0 && !*controllers;
			if (v2_line && strcmp(L.name, "v2") == 0)
				add_hier(2, "", path, mi.s, false);
			else if (!v2_line && strcmp(L.name, "v2") != 0 && (taught_v1(controllers) || on_request_v1(controllers)))
				add_hier(1, controllers, path, mi.s, !taught_v1(controllers));
		}
		free(copy);
		line += l;
		if (*line == '\n')
			line++;
	}
	buf_free(&self);
	buf_free(&mi);
	if (L.n == 0)
		return fail_state(r, state_hint("cg_no_layout"), "no cgroup tree with a controller the course uses is mounted");
	L.known = true;
	return 0;
}

/* The tree holding a v1 controller, or the v2 tree; NULL if none. */
static struct hier *hier_for(const char *controller)
{
	for (int i = 0; i < L.n; i++)
		if (L.h[i].version == 2 || word_in(L.h[i].controllers, controller, ","))
			return &L.h[i];
	return NULL;
}

/* A controller name in this layout's words: v2 calls blkio "io", and has cpu time
 * in cpu.stat where v1 has the cpuacct tree. The freezer is built into v2's core, and
 * v2 has no devices controller: a BPF program on the group does its job there. */
static const char *controller_here(const char *c)
{
	bool v2 = strcmp(L.name, "v2") == 0;
	if (v2 && strcmp(c, "blkio") == 0)
		return "io";
	if (v2 && strcmp(c, "cpuacct") == 0)
		return "cpu";
	if (v2 && (strcmp(c, "freezer") == 0 || strcmp(c, "devices") == 0))
		return NULL;
	if (!v2 && strcmp(c, "io") == 0)
		return "blkio";
	return c;
}

/* ------------------------------------------------------------ naming a group */

static bool valid_component(const char *s, size_t n)
{
	if (n == 0 || n > 100 || s[0] == '.')
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= '0' && s[i] <= '9') ||
		      s[i] == '-' || s[i] == '_' || s[i] == '.'))
			return false;
	return true;
}

static bool valid_parent(const char *p)
{
	if (strlen(p) > 512)
		return false;
	if (*p == '/')
		p++;
	while (*p) {
		size_t l = strcspn(p, "/");
		if (!valid_component(p, l))
			return false;
		p += l;
		if (*p == '/' && !*++p)
			return false; /* no trailing slash */
	}
	return true;
}

/* One group as it exists (or will) in every tree. Strings live in the reply's arena. */
struct group {
	const char *name;
	int n;
	struct {
		struct hier *h;
		const char *parent; /* the parent directory */
		const char *path;   /* the group's directory */
	} g[MAX_HIER];
};

static const char *join_path(struct reply *r, const char *a, const char *b)
{
	size_t al = strlen(a);
	while (al > 1 && a[al - 1] == '/')
		al--;
	while (*b == '/')
		b++;
	if (!*b)
		return r_printf(r, "%.*s", (int)al, a);
	return r_printf(r, "%.*s/%s", (int)al, a, b);
}

/* Is one of the controllers asked for in this tree? */
static bool asked_for(const struct hier *h, char *const *want, size_t nwant)
{
	for (size_t i = 0; i < nwant; i++)
		if (word_in(h->controllers, want[i], ","))
			return true;
	return false;
}

/* Resolve a group's directories from the request's name and parent arguments. A tree
 * joined on request only (devices) counts when the group is there already, or when
 * want (cgroup_plan's controllers) asks for it. */
static int group_from(struct reply *r, const char *name, const char *parent, char *const *want, size_t nwant,
		      struct group *G)
{
	if (!valid_component(name, strlen(name)))
		return fail_usage(r, state_hint("cg_name"), "cgroup name \"%s\" is not a single plain name", name);
	if (parent && *parent && !valid_parent(parent))
		return fail_usage(r, state_hint("cg_name"), "cgroup parent \"%s\" is not a plain path", parent);
	if (layout(r, false) < 0)
		return -1;
	memset(G, 0, sizeof *G);
	G->name = name;
	for (int i = 0; i < L.n; i++) {
		struct hier *h = &L.h[i];
		const char *rel = !parent || !*parent ? h->own : *parent == '/' ? parent : join_path(r, h->own, parent);
		G->g[G->n].h = h;
		G->g[G->n].parent = join_path(r, h->mount, rel);
		G->g[G->n].path = join_path(r, G->g[G->n].parent, name);
		if (!h->on_request || asked_for(h, want, nwant) || exists(G->g[G->n].path))
			G->n++;
	}
	return 0;
}

/* The group must exist in every tree (the steps after create). */
static int group_existing(struct reply *r, const struct cg_ref *g, struct group *G)
{
	if (group_from(r, g->name, g->parent, NULL, 0, G) < 0)
		return -1;
	for (int i = 0; i < G->n; i++)
		if (!exists(G->g[i].path))
			return fail_state(r, state_hint("cg_missing"), "no cgroup %s (make it with cgroup_create)", G->g[i].path);
	return 0;
}

/* The tree whose directory holds a file: by the file's controller prefix
 * (memory.max -> memory), or the controller argument for files every v1 tree has
 * (cgroup.procs, tasks, notify_on_release). */
static int pick_for_file(struct reply *r, struct group *G, const char *file, const char *controller)
{
	if (!valid_component(file, strlen(file)))
		return fail_usage(r, state_hint("cg_file"), "file \"%s\" is not a file name in a cgroup directory", file);
	if (G->n == 1)
		return 0;
	char prefix[64];
	snprintf(prefix, sizeof prefix, "%.*s", (int)strcspn(file, "."), file);
	const char *want = controller ? controller : prefix;
	if (!controller && (strcmp(prefix, "cgroup") == 0 || !strchr(file, '.')))
		return fail_usage(r, state_hint("cg_which_tree"), "%s is in every v1 tree: say which with \"controller\"", file);
	for (int i = 0; i < G->n; i++)
		if (word_in(G->g[i].h->controllers, want, ",")) {
			G->g[0] = G->g[i];
			G->n = 1;
			return 0;
		}
	return fail_usage(r, state_hint("cg_which_tree"), "no cgroup tree here has the %s controller", want);
}

/* ------------------------------------------------------------ plan and create */

struct step {
	const char *path;
	char ctl[128]; /* v2: controllers to enable in its cgroup.subtree_control */
};

struct plan {
	struct group G;
	struct strv controllers; /* v2: the controllers the group gets */
	size_t nmk;
	const char *mk[64];      /* directories to make, top down */
	struct hier *mkh[64];    /* the tree of each */
	int nen;
	struct step en[64];      /* v2: subtree_control writes, top down */
};

static bool in_strv(const struct strv *l, const char *s)
{
	for (size_t i = 0; i < l->n; i++)
		if (strcmp(l->v[i], s) == 0)
			return true;
	return false;
}

static void plan_free(struct plan *p)
{
	strv_free(&p->controllers);
}

/* What create would do, read without changing anything: the directories to make (the
 * missing part of the parent path, then the group) and, on v2, the controllers to
 * switch on down the path. */
static int make_plan(struct reply *r, const struct cg_ref *g, char *const *want, size_t nwant, struct plan *p, bool show)
{
	memset(p, 0, sizeof *p);
	if (show && layout(r, true) < 0)
		return -1;
	if (group_from(r, g->name, g->parent, want, nwant, &p->G) < 0)
		return -1;
	struct reply *log = show ? r : NULL;
	bool v2 = strcmp(L.name, "v2") == 0;
	struct buf avail = { 0 }, enabled = { 0 }, procs = { 0 };
	int rc = -1;

	/* Controllers asked for must exist here (v1: a tree; v2: offered by the parent). */
	for (size_t i = 0; i < nwant; i++) {
		const char *c = controller_here(want[i]);
		if (!c)
			continue;
		if (!v2 && !hier_for(c)) {
			fail_state(r, state_hint("cg_no_controller"), "this machine has no cgroup v1 tree with the %s controller", c);
			goto out;
		}
		if (v2 && !in_strv(&p->controllers, c))
			strv_push_copy(&p->controllers, c);
	}

	for (int i = 0; i < p->G.n; i++) {
		const char *parent = p->G.g[i].parent, *mount = p->G.g[i].h->mount;
		/* The missing directories of the parent path, top down: only bl- ones are
		 * made, so that every directory the lab makes is one it may remove. base is
		 * the deepest one that exists. */
		const char *base = mount;
		size_t first_mk = p->nmk;
		for (const char *s = parent + strlen(mount); *s;) {
			s += strspn(s, "/");
			size_t l = strcspn(s, "/");
			const char *dir = r_printf(r, "%.*s", (int)(s + l - parent), parent);
			if (p->nmk == first_mk && exists(dir)) {
				base = dir;
			} else {
				if (strncmp(s, "bl-", 3) != 0 && !g->any_parent) {
					fail_state(r, r_printf(r, state_hint("cg_parent_missing"), dir), "parent cgroup %s does not exist", dir);
					goto out;
				}
				if (p->nmk < COUNT(p->mk)) {
					p->mkh[p->nmk] = p->G.g[i].h;
					p->mk[p->nmk++] = dir;
				}
			}
			s += l;
		}
		if (exists(p->G.g[i].path)) {
			fail_state(r, r_printf(r, state_hint("cg_exists"), p->G.g[i].path), "cgroup %s already exists", p->G.g[i].path);
			goto out;
		}
		if (p->nmk < COUNT(p->mk)) {
			p->mkh[p->nmk] = p->G.g[i].h;
			p->mk[p->nmk++] = p->G.g[i].path;
		}
		if (!v2)
			continue;

		/* v2: a child gets a controller's files only when its parent lists the
		 * controller in cgroup.subtree_control, and a parent can enable only what
		 * its own cgroup.controllers offers. */
		const char *a = join_path(r, base, "cgroup.controllers");
		const char *e = join_path(r, base, "cgroup.subtree_control");
		if (cg_read(log, a, &avail) < 0 || cg_read(log, e, &enabled) < 0) {
			fail_sys(r, errno, NULL, a, "read %s", a);
			goto out;
		}
		if (nwant == 0) /* by default: what the parent offers of the taught ones */
			for (size_t k = 0; k < COUNT(v2_taught); k++)
				if (word_in(buf_str(&avail), v2_taught[k], " \n"))
					strv_push_copy(&p->controllers, v2_taught[k]);
		struct step top = { .path = base };
		for (size_t k = 0; k < p->controllers.n; k++) {
			const char *c = p->controllers.v[k];
			if (!word_in(buf_str(&avail), c, " \n")) {
				fail_state(r, r_printf(r, state_hint("cg_not_offered"), c, base, c), "the %s controller is not offered to %s", c,
					   base);
				goto out;
			}
			if (!word_in(buf_str(&enabled), c, " \n"))
				snprintf(top.ctl + strlen(top.ctl), sizeof top.ctl - strlen(top.ctl), "%s%s", *top.ctl ? " " : "", c);
		}
		/* The no-internal-process rule: a group other than the root either holds
		 * processes or hands controllers to its children, never both. */
		if (*top.ctl && strcmp(base, mount) != 0) {
			const char *pp = join_path(r, base, "cgroup.procs");
			if (cg_read(log, pp, &procs) == 0 && procs.len > 0) {
				fail_state(r, r_printf(r, state_hint("cg_internal"), base),
					   "cannot enable %s for groups beneath %s: it holds processes (boxlab's own among them), "
					   "and cgroup v2 lets a group other than the root either hold processes or hand "
					   "controllers to its children, not both",
					   top.ctl, base);
				goto out;
			}
		}
		if (*top.ctl)
			p->en[p->nen++] = top;
		/* Each directory made on the way down hands on every controller. */
		for (size_t k = first_mk; k + 1 < p->nmk && p->nen < (int)COUNT(p->en); k++) {
			struct step s = { .path = p->mk[k] };
			for (size_t c = 0; c < p->controllers.n; c++)
				snprintf(s.ctl + strlen(s.ctl), sizeof s.ctl - strlen(s.ctl), "%s%s", c ? " " : "", p->controllers.v[c]);
			if (*s.ctl)
				p->en[p->nen++] = s;
		}
	}
	rc = 0;
out:
	buf_free(&avail);
	buf_free(&enabled);
	buf_free(&procs);
	if (rc < 0)
		plan_free(p);
	return rc;
}

/* Result members every op that names a group returns: the layout, and per tree
 * the controllers and the directory. */
static void result_group(struct reply *r, const struct group *G)
{
	json_member_str(&r->result, "layout", L.name);
	struct buf a = { 0 };
	buf_putc(&a, '[');
	for (int i = 0; i < G->n; i++) {
		struct buf o = { 0 };
		buf_put(&o, "", 0);
		json_member_int(&o, "version", G->g[i].h->version);
		json_member_str(&o, "controllers", G->g[i].h->controllers);
		json_member_str(&o, "path", G->g[i].path);
		buf_printf(&a, "%s{%s}", i ? "," : "", o.s);
		buf_free(&o);
	}
	buf_putc(&a, ']');
	json_member_raw(&r->result, "groups", a.s);
	buf_free(&a);
}

static void result_plan(struct reply *r, const struct plan *p)
{
	result_group(r, &p->G);
	json_member_strv(&r->result, "create", (char *const *)p->mk, p->nmk);
	json_member_strv(&r->result, "controllers", p->controllers.v, p->controllers.n);
	struct buf a = { 0 };
	buf_putc(&a, '[');
	for (int i = 0; i < p->nen; i++) {
		struct buf o = { 0 };
		buf_put(&o, "", 0);
		json_member_str(&o, "path", p->en[i].path);
		json_member_str(&o, "controllers", p->en[i].ctl);
		buf_printf(&a, "%s{%s}", i ? "," : "", o.s);
		buf_free(&o);
	}
	buf_putc(&a, ']');
	json_member_raw(&r->result, "enable", a.s);
	buf_free(&a);
}

/* Turn on controllers for a group's children, one controller per write so an error
 * names the one the kernel refused. `echo +memory > DIR/cgroup.subtree_control`. */
static int enable_controllers(struct reply *r, const struct step *s)
{
	const char *file = join_path(r, s->path, "cgroup.subtree_control");
	for (const char *p = s->ctl; *p;) {
		size_t l = strcspn(p, " ");
		const char *word = r_printf(r, "+%.*s", (int)l, p);
		shell_step(r, "echo %s > %s", word, sh_word(r, file));
		if (cg_write(r, file, word) < 0)
			return fail_sys(r, errno, errno == EBUSY ? "no_internal_process" : "cgroup_write", s->path,
					"enable %s in %s", word + 1, file);
		p += l;
		p += strspn(p, " ");
	}
	return 0;
}

/* A v1 cpuset group starts with no CPUs and no memory nodes, and no task may join
 * it until both are set: copy the parent's, as runc does. */
static int cpuset_inherit(struct reply *r, const char *dir)
{
	const char *parent = r_printf(r, "%.*s", (int)(strrchr(dir, '/') - dir), dir);
	struct buf v = { 0 };
	int rc = 0;
	for (int i = 0; i < 2 && rc == 0; i++) {
		const char *f = i ? "cpuset.mems" : "cpuset.cpus";
		const char *mine = join_path(r, dir, f), *theirs = join_path(r, parent, f);
		if (cg_read(r, theirs, &v) < 0) {
			rc = fail_sys(r, errno, NULL, theirs, "read %s", theirs);
			break;
		}
		shell_step(r, "cat %s > %s", sh_word(r, theirs), sh_word(r, mine));
		if (cg_write(r, mine, buf_str(&v)) < 0)
			rc = fail_sys(r, errno, "cgroup_write", mine, "write %s", mine);
	}
	buf_free(&v);
	return rc;
}

static void undo_dirs(struct reply *r, const char **made, size_t n)
{
	for (size_t i = n; i-- > 0;)
		/* rmdir(2) of an empty cgroup directory removes the group: deepest first,
		 * the reverse of the order they were made in. */
		log_call(r, rmdir(made[i]), "rmdir(%s)", q_str(r, made[i]));
}

/* Make what the plan says, top down; on failure take back what was made. The
 * directories made go to out (may be NULL). */
static int create_from_plan(struct reply *r, const struct plan *p, struct strv *out)
{
	const char *made[64];
	size_t nmade = 0;
	int en = 0;
	for (size_t i = 0; i < p->nmk; i++) {
		/* Controllers are switched on in a directory before its child is made. */
		for (; en < p->nen; en++) {
			bool ready = true;
			for (size_t k = i; k < p->nmk; k++)
				if (strcmp(p->en[en].path, p->mk[k]) == 0)
					ready = false;
			if (!ready)
				break;
			if (enable_controllers(r, &p->en[en]) < 0)
				goto undo;
		}
		/* mkdir(2) in a cgroup filesystem makes a group: the kernel fills the new
		 * directory with the controllers' files. `mkdir DIR` in a shell. */
		shell_step(r, "mkdir %s", sh_word(r, p->mk[i]));
		if (log_call(r, mkdir(p->mk[i], 0755), "mkdir(%s, 0755)", q_str(r, p->mk[i])) < 0) {
			fail_sys(r, errno, "cgroup_mkdir", p->mk[i], "mkdir %s", p->mk[i]);
			goto undo;
		}
		made[nmade++] = p->mk[i];
		if (p->mkh[i]->version == 1 && word_in(p->mkh[i]->controllers, "cpuset", ",") && cpuset_inherit(r, p->mk[i]) < 0)
			goto undo;
	}
	for (; en < p->nen; en++)
		if (enable_controllers(r, &p->en[en]) < 0)
			goto undo;
	for (size_t i = 0; out && i < nmade; i++)
		strv_push_copy(out, made[i]);
	return 0;
undo:;
	int saved = r->err;
	undo_dirs(r, made, nmade);
	r->err = saved;
	return -1;
}

int cgroup_create(struct reply *r, const struct cg_ref *g, char *const *controllers, size_t n, struct strv *made)
{
	struct plan p;
	if (make_plan(r, g, controllers, n, &p, false) < 0)
		return -1;
	int rc = create_from_plan(r, &p, made);
	plan_free(&p);
	return rc;
}

/* ------------------------------------------------------------ files */

/* Which explanation in errors.c fits a failed write. */
static const char *write_variant(const char *file, int err)
{
	bool procs = strcmp(file, "cgroup.procs") == 0 || strcmp(file, "tasks") == 0;
	if (err == ENOENT)
		return "cgroup_file";
	if (err == EBUSY && (procs || strcmp(file, "cgroup.subtree_control") == 0))
		return "no_internal_process";
	return procs ? "cgroup_procs" : "cgroup_write";
}

int cgroup_set(struct reply *r, const struct cg_ref *g, const char *file, const char *value, const char *controller,
	       const char **path)
{
	struct group G;
	if (group_existing(r, g, &G) < 0 || pick_for_file(r, &G, file, controller) < 0)
		return -1;
	const char *p = join_path(r, G.g[0].path, file);
	shell_step(r, "echo %s > %s", sh_word(r, value), sh_word(r, p));
	if (cg_write(r, p, value) < 0) {
		int e = errno;
		return fail_sys(r, e, write_variant(file, e), p, "write \"%s\" to %s", value, p);
	}
	if (path)
		*path = p;
	return 0;
}

int cgroup_get(struct reply *r, const struct cg_ref *g, const char *file, const char *controller, struct buf *value,
	       const char **path)
{
	struct group G;
	if (group_existing(r, g, &G) < 0 || pick_for_file(r, &G, file, controller) < 0)
		return -1;
	const char *p = join_path(r, G.g[0].path, file);
	shell_step(r, "cat %s", sh_word(r, p));
	if (cg_read(r, p, value) < 0)
		return fail_sys(r, errno, errno == ENOENT ? "cgroup_file" : NULL, p, "read %s", p);
	if (path)
		*path = p;
	return 0;
}

/* The directory of an existing group in the tree of a controller (on v2, the one
 * tree), for the ops of other files: cgroup_devices.c. */
int cgroup_dir(struct reply *r, const struct cg_ref *g, const char *controller, const char **dir, bool *v2)
{
	struct group G;
	if (group_existing(r, g, &G) < 0)
		return -1;
	*v2 = strcmp(L.name, "v2") == 0;
	for (int i = 0; i < G.n; i++)
		if (*v2 || word_in(G.g[i].h->controllers, controller, ",")) {
			*dir = G.g[i].path;
			return 0;
		}
	return fail_state(r, r_printf(r, state_hint("cg_not_in_tree"), controller), "the group %s has no directory in "
			  "the %s tree", G.name, controller);
}

int cgroup_find_layout(struct reply *r, const char **name)
{
	if (layout(r, false) < 0)
		return -1;
	*name = L.name;
	return 0;
}

const char *cgroup_layout_name(void)
{
	struct reply quiet;
	reply_init(&quiet, "cgroup_layout");
	const char *name = layout(&quiet, false) == 0 ? L.name : NULL;
	reply_free(&quiet);
	return name;
}

bool cgroup_v1_tree(const char *controller)
{
	struct reply quiet;
	reply_init(&quiet, "cgroup_layout");
	bool found = layout(&quiet, false) == 0 && strcmp(L.name, "v2") != 0 && hier_for(controller) != NULL;
	reply_free(&quiet);
	return found;
}

/* ------------------------------------------------------------ freezing and killing */

/* Where the freezer is: v2's cgroup.freeze (reported in cgroup.events as "frozen 1"),
 * or v1's freezer tree (freezer.state: THAWED, FREEZING, FROZEN). */
static const char *freezer_dir(const struct group *G)
{
	for (int i = 0; i < G->n; i++)
		if (G->g[i].h->version == 2 || word_in(G->g[i].h->controllers, "freezer", ","))
			return G->g[i].path;
	return NULL;
}

/* file: v2's cgroup.events or v1's freezer.state */
static bool is_frozen(struct reply *log, const char *file, bool v2, struct buf *tmp)
{
	if (cg_read(log, file, tmp) < 0)
		return false;
	return v2 ? strstr(buf_str(tmp), "frozen 1") != NULL : strncmp(buf_str(tmp), "FROZEN", 6) == 0;
}

static void sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };
	nanosleep(&ts, NULL);
}

/* Freeze (or thaw) and wait until the kernel says every task has stopped: freezing
 * is not instant, a task in the middle of a system call stops when it leaves it. */
static int set_frozen(struct reply *r, const struct group *G, bool freeze, int timeout_ms)
{
	const char *dir = freezer_dir(G);
	if (!dir)
		return fail_state(r, state_hint("cg_no_freezer"), "this machine has no freezer cgroup tree");
	bool v2 = strcmp(L.name, "v2") == 0;
	const char *file = join_path(r, dir, v2 ? "cgroup.freeze" : "freezer.state");
	const char *value = v2 ? (freeze ? "1" : "0") : (freeze ? "FROZEN" : "THAWED");
	shell_step(r, "echo %s > %s", value, sh_word(r, file));
	if (cg_write(r, file, value) < 0)
		return fail_sys(r, errno, "cgroup_write", file, "write %s to %s", value, file);
	const char *state = join_path(r, dir, v2 ? "cgroup.events" : "freezer.state");
	struct buf tmp = { 0 };
	long long until = now_ms() + timeout_ms;
	while (is_frozen(NULL, state, v2, &tmp) != freeze && now_ms() < until)
		sleep_ms(5);
	bool done = is_frozen(r, state, v2, &tmp) == freeze; /* the last look, logged */
	buf_free(&tmp);
	if (!done)
		return fail_timeout(r, "the group %s did not become %s within %d ms", dir, freeze ? "frozen" : "thawed", timeout_ms);
	return 0;
}

int cgroup_freeze(struct reply *r, const struct cg_ref *g, bool freeze, int timeout_ms)
{
	struct group G;
	if (group_existing(r, g, &G) < 0)
		return -1;
	return set_frozen(r, &G, freeze, timeout_ms);
}

/* The pids in a cgroup.procs file. */
static int read_procs(struct reply *log, const char *file, struct strv *out)
{
	struct buf v = { 0 };
	if (cg_read(log, file, &v) < 0) {
		buf_free(&v);
		return -1;
	}
	for (const char *p = buf_str(&v); *p;) {
		size_t l = strcspn(p, "\n");
		if (l)
			strv_push(out, xstrndup(p, l));
		p += l;
		p += strspn(p, "\n");
	}
	buf_free(&v);
	return 0;
}

int cgroup_kill(struct reply *r, const struct cg_ref *g, int timeout_ms, size_t *killed)
{
	struct group G;
	if (group_existing(r, g, &G) < 0)
		return -1;
	long long timeout = timeout_ms;
	const char *dir = freezer_dir(&G);
	const char *procs_dir = dir ? dir : G.g[0].path;
	const char *procs = join_path(r, procs_dir, "cgroup.procs");
	struct strv pids = { 0 };
	read_procs(NULL, procs, &pids);
	size_t before = pids.n;
	strv_free(&pids);
	const char *kill_file = join_path(r, G.g[0].path, "cgroup.kill");
	bool one_write = strcmp(L.name, "v2") == 0 && exists(kill_file);
	if (one_write) {
		/* v2 since Linux 5.14: one write kills every process in the group and its
		 * descendants, with no race against forks. `echo 1 > cgroup.kill`. */
		shell_step(r, "echo 1 > %s", sh_word(r, kill_file));
		if (cg_write(r, kill_file, "1") < 0)
			return fail_sys(r, errno, "cgroup_write", kill_file, "write 1 to %s", kill_file);
	} else if (before > 0) {
		/* v1 (and v2 before 5.14): freeze the group so nothing can fork while we
		 * go through the list, SIGKILL each process, then thaw so they can die.
		 * (An empty group stays empty: nothing can fork into it.) */
		if (dir && set_frozen(r, &G, true, (int)timeout) < 0)
			return -1;
		shell_step(r, "kill -KILL $(cat %s)", sh_word(r, procs));
		if (read_procs(r, procs, &pids) < 0)
			return fail_sys(r, errno, NULL, procs, "read %s", procs);
		for (size_t i = 0; i < pids.n; i++)
			/* kill(2) one process at a time; frozen, none of them can fork meanwhile. */
			log_call(r, kill((pid_t)atoi(pids.v[i]), SIGKILL), "kill(%s, SIGKILL)", pids.v[i]);
		strv_free(&pids);
		if (dir && set_frozen(r, &G, false, (int)timeout) < 0)
			return -1;
	}
	/* The processes are dying; wait until the group is empty. Without a freezer a
	 * process may have forked meanwhile: those get their SIGKILL here. */
	long long until = now_ms() + timeout;
	for (;;) {
		read_procs(NULL, procs, &pids);
		size_t left = pids.n;
		for (size_t i = 0; i < pids.n && !one_write && !dir; i++)
			kill((pid_t)atoi(pids.v[i]), SIGKILL);
		strv_free(&pids);
		if (left == 0)
			break;
		if (now_ms() >= until)
			return fail_timeout(r, "%zu processes were still in %s after %lld ms", left, procs_dir, timeout);
		sleep_ms(5);
	}
	if (killed)
		*killed = before;
	return 0;
}

/* ------------------------------------------------------------ removing */

/* rmdir of a group fails with EBUSY while a process is in it, and a killed process
 * stays in it until it has finished exiting: retry for a while. */
static int remove_dir(struct reply *r, const char *path, int timeout_ms)
{
	shell_step(r, "rmdir %s", sh_word(r, path));
	long long start = now_ms();
	int tries = 0;
	for (;;) {
		/* rmdir(2) removes the group; EBUSY while a task is still in it. */
		int rc = rmdir(path);
		tries++;
		if (rc == 0 || errno == ENOENT || errno != EBUSY || now_ms() - start >= timeout_ms) {
			int e = errno;
			log_call(r, rc, "rmdir(%s)", q_str(r, path));
			if (tries > 1)
				log_line(r, "(rmdir retried %d times over %lld ms while exiting processes left)", tries - 1,
					 now_ms() - start);
			if (rc == 0 || e == ENOENT)
				return 0;
			return fail_sys(r, e, "cgroup_rmdir", path, "rmdir %s", path);
		}
		if (tries == 1)
			log_call(r, rc, "rmdir(%s)", q_str(r, path));
		sleep_ms(10);
	}
}

int cgroup_remove(struct reply *r, const struct cg_ref *g, int timeout_ms, struct strv *removed)
{
	struct group G;
	if (group_from(r, g->name, g->parent, NULL, 0, &G) < 0)
		return -1;
	int rc = 0;
	for (int i = 0; i < G.n && rc == 0; i++) {
		if (!exists(G.g[i].path))
			continue;
		rc = remove_dir(r, G.g[i].path, timeout_ms);
		if (rc == 0 && removed)
			strv_push_copy(removed, G.g[i].path);
	}
	return rc;
}

void cgroup_remove_empty(struct reply *r, char *const *dirs, size_t n)
{
	for (size_t i = n; i-- > 0;) {
		if (strncmp(dirs[i], CG_ROOT "/", sizeof CG_ROOT) != 0 || strstr(dirs[i], "/.."))
			continue;
		/* rmdir(2) takes only an empty group: one another group or a process still
		 * uses fails with EBUSY or ENOTEMPTY, and stays. */
		int rc = rmdir(dirs[i]);
		if (rc == 0 || errno != ENOENT)
			log_call(r, rc, "rmdir(%s)", q_str(r, dirs[i]));
		if (rc == 0)
			shell_step(r, "rmdir %s", sh_word(r, dirs[i]));
	}
}

/* ------------------------------------------------------------ layout */

int op_cgroup_layout(const struct request *q, struct reply *r)
{
	(void)q;
	if (layout(r, true) < 0)
		return -1;
	json_member_str(&r->result, "layout", L.name);
	json_member_str(&r->result, "root", CG_ROOT);
	if (strcmp(L.name, "hybrid") == 0)
		json_member_str(&r->result, "unified", CG_ROOT "/unified");
	struct buf a = { 0 }, all = { 0 }, tmp = { 0 };
	buf_putc(&a, '[');
	for (int i = 0; i < L.n; i++) {
		struct hier *h = &L.h[i];
		if (h->on_request)
			continue; /* the trees every group is made in */
		struct buf o = { 0 };
		buf_put(&o, "", 0);
		json_member_int(&o, "version", h->version);
		json_member_str(&o, "controllers", h->controllers);
		json_member_str(&o, "mount", h->mount);
		json_member_str(&o, "own", h->own);
		buf_printf(&a, "%s{%s}", a.len > 1 ? "," : "", o.s);
		buf_free(&o);
		if (h->version == 1) {
			buf_printf(&all, "%s%s", all.len ? "," : "", h->controllers);
		} else if (cg_read(r, join_path(r, join_path(r, h->mount, h->own), "cgroup.controllers"), &tmp) == 0) {
			/* v2: what the server's own group is offered by its parent. */
			for (const char *p = tmp.s; *p;) {
				size_t l = strcspn(p, " \n");
				if (l)
					buf_printf(&all, "%s%.*s", all.len ? "," : "", (int)l, p);
				p += l;
				p += strspn(p, " \n");
			}
		}
	}
	buf_putc(&a, ']');
	json_member_raw(&r->result, "hierarchies", a.s);
	json_member_str(&r->result, "controllers", buf_str(&all));
	buf_free(&a);
	buf_free(&all);
	buf_free(&tmp);
	return 0;
}

/* ------------------------------------------------------------ clone into a group */

/* clone's "cgroup" and "cgroup_parent": the group the container's init starts in. It
 * must be there before the init can fork, so no child escapes the limits. On v2 the
 * kernel does it in clone3 itself (CLONE_INTO_CGROUP); otherwise the server writes
 * the new pid into each tree's cgroup.procs before it sends the puppet any op (the
 * puppet waits on its socket until then, so it cannot have forked).
 *
 * self (the OCI runtime): on v1 the child moves itself in instead, with
 * cgroup_clone_self, and the files it writes are opened here. That is much faster:
 * a write of another process's pid makes the kernel take cgroup_threadgroup_rwsem
 * for writing, which holds back every fork and exit on the machine and first waits
 * for an RCU grace period (5-20 ms here, most of a container's start); a thread that
 * writes "0" (itself) into a tasks file moves alone and needs no such lock (see
 * cgroup_procs_write_start in the kernel's kernel/cgroup/cgroup.c). The init is one
 * thread, so moving that thread moves the whole process. Opening the files now means
 * the child needs no path: it may be in a mount namespace it joined, where
 * /sys/fs/cgroup is not the host's. */
int cgroup_clone_prepare(struct reply *r, const struct cg_ref *g, int mask, bool self, struct cg_clone *cc)
{
	memset(cc, 0, sizeof *cc);
	cc->fd = -1;
	for (size_t i = 0; i < COUNT(cc->tasks); i++)
		cc->tasks[i] = -1;
	if (!g)
		return 0;
	struct group G;
	if (group_from(r, g->name, g->parent, NULL, 0, &G) < 0)
		return -1;
	for (int i = 0; i < G.n; i++) {
		if (!exists(G.g[i].path))
			return fail_state(r, state_hint("cg_missing"), "no cgroup %s (make it with cgroup_create)", G.g[i].path);
		cc->paths[cc->n++] = G.g[i].path;
	}
	cc->want = true;
	cc->newcgroup = (mask & (1 << ns_index("cgroup"))) != 0;
	bool v2 = strcmp(L.name, "v2") == 0;
	cc->self = self && !v2;
	if (self && v2) {
		/* For clone3, opened now for the same reason as the tasks files. */
		cc->fd = open(cc->paths[0], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (log_call(r, cc->fd, "openat(AT_FDCWD, %s, O_RDONLY|O_DIRECTORY|O_CLOEXEC)", q_str(r, cc->paths[0])) < 0)
			return fail_sys(r, errno, NULL, cc->paths[0], "open %s", cc->paths[0]);
	}
	for (int i = 0; i < cc->n; i++) {
		if (!cc->self) {
			shell_step(r, "echo $$ > %s", sh_word(r, join_path(r, cc->paths[i], "cgroup.procs")));
			continue;
		}
		const char *file = join_path(r, cc->paths[i], "tasks");
		shell_step(r, "echo 0 > %s", sh_word(r, file));
		cc->tasks[i] = open(file, O_WRONLY | O_CLOEXEC);
		if (log_call(r, cc->tasks[i], "openat(AT_FDCWD, %s, O_WRONLY|O_CLOEXEC)", q_str(r, file)) < 0) {
			int e = errno;
			cgroup_clone_close(cc);
			return fail_sys(r, e, "cgroup_procs", file, "open %s", file);
		}
	}
	return 0;
}

pid_t cgroup_clone(struct reply *r, int mask, unsigned long extra, struct cg_clone *cc)
{
	int cgbit = 1 << ns_index("cgroup");
	if (strcmp(L.name, "v2") == 0) {
		/* A descriptor of the group's directory is what clone3 takes. */
		int fd = cc->fd;
		if (fd < 0 && log_call(r, fd = open(cc->paths[0], O_RDONLY | O_DIRECTORY | O_CLOEXEC),
				       "openat(AT_FDCWD, %s, O_RDONLY|O_DIRECTORY|O_CLOEXEC)", q_str(r, cc->paths[0])) < 0)
			return -1;
		/* The same clone3 as ever, with the group's directory: the child is born in
		 * the group, and a new cgroup namespace gets the group as its root. No shell
		 * command does this in one step. */
		pid_t pid = ns_clone_with(r, mask, extra, fd);
		if (pid == 0)
			return 0;
		int e = errno;
		if (fd != cc->fd)
			close(fd);
		errno = e;
		if (pid > 0) {
			cc->into = true;
			return pid;
		}
		/* Kernels before 5.7 do not know the flag (EINVAL) or the larger struct
		 * (E2BIG), before 5.3 clone3 at all: clone, then move the pid. */
		if (errno != EINVAL && errno != E2BIG && errno != ENOSYS)
			return -1;
	}
	/* Moving the pid after the clone: a cgroup namespace must wait until the
	 * process is in the group, or its root would be the server's group. */
	cc->unshare_later = cc->newcgroup;
	return ns_clone_with(r, mask & ~cgbit, extra, -1);
}

void cgroup_clone_close(struct cg_clone *cc)
{
	for (int i = 0; i < cc->n; i++)
		if (cc->tasks[i] >= 0) {
			close(cc->tasks[i]);
			cc->tasks[i] = -1;
		}
	if (cc->fd >= 0) {
		close(cc->fd);
		cc->fd = -1;
	}
}

/* In the child, first thing (self): "echo 0 > tasks" in each tree; then it closes
 * what prepare opened. */
int cgroup_clone_self(struct reply *r, struct cg_clone *cc)
{
	int rc = 0;
	for (int i = 0; i < cc->n && cc->self && rc == 0; i++)
		if (log_call(r, write(cc->tasks[i], "0", 1), "write(%d, \"0\", 1)", cc->tasks[i]) < 0)
			rc = fail_sys(r, errno, "cgroup_procs", cc->paths[i], "move into %s", cc->paths[i]);
	cgroup_clone_close(cc);
	return rc;
}

/* In the parent, after the clone: close what prepare opened (cgroup_clone_close, also
 * when the clone failed), and move the pid in unless the kernel or the child did. */
int cgroup_clone_finish(struct reply *r, pid_t pid, struct cg_clone *cc)
{
	cgroup_clone_close(cc);
	if (cc->into || cc->self || !cc->want)
		return 0;
	const char *text = r_printf(r, "%d", (int)pid);
	for (int i = 0; i < cc->n; i++) {
		const char *file = join_path(r, cc->paths[i], "cgroup.procs");
		/* Writing a pid to cgroup.procs moves that process (all its threads). */
		if (cg_write(r, file, text) < 0)
			return fail_sys(r, errno, "cgroup_procs", file, "move %d into %s", (int)pid, cc->paths[i]);
	}
	return 0;
}

/* A cgroup namespace, made once the caller is in its group (the puppet, for clone;
 * the OCI init). unshare(2) with CLONE_NEWCGROUP makes the caller's current group the
 * root of what it sees: inside, /proc/self/cgroup then shows "/". `unshare --cgroup`
 * is the shell's way. */
int cgroup_unshare_ns(struct reply *r)
{
	if (log_call(r, unshare(CLONE_NEWCGROUP), "unshare(CLONE_NEWCGROUP)") < 0)
		return fail_sys(r, errno, NULL, NULL, "unshare a cgroup namespace");
	return 0;
}

/* A frozen v1 task cannot die, not even of SIGKILL, until it is thawed. Before the
 * server kills a container, it thaws the container's bl- group if it is frozen. */
void cgroup_thaw_pid(pid_t pid)
{
	if (!L.known || strcmp(L.name, "v2") == 0)
		return; /* v2's freezer lets a fatal signal through */
	struct hier *h = hier_for("freezer");
	if (!h)
		return;
	char file[64];
	snprintf(file, sizeof file, "/proc/%d/cgroup", (int)pid);
	struct buf v = { 0 }, st = { 0 };
	if (cg_read(NULL, file, &v) == 0) {
		for (const char *line = buf_str(&v); *line;) {
			size_t l = strcspn(line, "\n");
			char *copy = xstrndup(line, l);
			char *c1 = strchr(copy, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
			if (c2) {
				*c2 = 0;
				const char *base = strrchr(c2 + 1, '/');
				if (word_in(c1 + 1, "freezer", ",") && base && strncmp(base + 1, "bl-", 3) == 0) {
					char state[1400];
					snprintf(state, sizeof state, "%s%s/freezer.state", h->mount, c2 + 1);
					if (cg_read(NULL, state, &st) == 0 && strncmp(buf_str(&st), "THAWED", 6) != 0)
						cg_write(NULL, state, "THAWED");
				}
			}
			free(copy);
			line += l;
			line += strspn(line, "\n");
		}
	}
	buf_free(&v);
	buf_free(&st);
}

/* ------------------------------------------------------------ the serve ops
 *
 * Each reads its request's arguments, calls the function above that does the work
 * (the OCI runtime calls the same ones: oci_cgroup.c), and writes the result. */

/* The group a request names: "cgroup" and "parent". */
static int group_args(struct reply *r, const struct request *q, struct cg_ref *g)
{
	memset(g, 0, sizeof *g);
	if (arg_str(r, q, "cgroup", true, &g->name) < 0 || arg_str(r, q, "parent", false, &g->parent) < 0)
		return -1;
	return 0;
}

/* "timeout_ms", default CG_TIMEOUT_MS, at most a minute. */
static int timeout_arg(struct reply *r, const struct request *q, int *timeout_ms)
{
	long long t = CG_TIMEOUT_MS;
	if (arg_int(r, q, "timeout_ms", false, &t) < 0)
		return -1;
	if (t < 0 || t > 60000)
		return fail_usage(r, usage_example(q->op), "timeout_ms must be between 0 and 60000");
	*timeout_ms = (int)t;
	return 0;
}

/* cgroup_plan reads what cgroup_create would do (logging the reads); create does it.
 * Both answer with the plan. */
static int plan_op(const struct request *q, struct reply *r, bool create)
{
	struct cg_ref g;
	char **want = NULL;
	size_t nwant = 0;
	struct plan p;
	if (arg_strv(r, q, "controllers", false, &want, &nwant) < 0 || group_args(r, q, &g) < 0 ||
	    make_plan(r, &g, want, nwant, &p, !create) < 0)
		return -1;
	int rc = create ? create_from_plan(r, &p, NULL) : 0;
	if (rc == 0)
		result_plan(r, &p);
	plan_free(&p);
	return rc;
}

int op_cgroup_plan(const struct request *q, struct reply *r)
{
	return plan_op(q, r, false);
}

int op_cgroup_create(const struct request *q, struct reply *r)
{
	return plan_op(q, r, true);
}

int op_cgroup_set(const struct request *q, struct reply *r)
{
	struct cg_ref g;
	const char *file = NULL, *value = NULL, *controller = NULL, *path;
	if (arg_str(r, q, "file", true, &file) < 0 || arg_str(r, q, "value", true, &value) < 0 ||
	    group_args(r, q, &g) < 0 || arg_str(r, q, "controller", false, &controller) < 0 ||
	    cgroup_set(r, &g, file, value, controller, &path) < 0)
		return -1;
	json_member_str(&r->result, "path", path);
	return 0;
}

int op_cgroup_get(const struct request *q, struct reply *r)
{
	struct cg_ref g;
	const char *file = NULL, *controller = NULL, *path;
	if (arg_str(r, q, "file", true, &file) < 0 || group_args(r, q, &g) < 0 ||
	    arg_str(r, q, "controller", false, &controller) < 0)
		return -1;
	struct buf v = { 0 };
	int rc = cgroup_get(r, &g, file, controller, &v, &path);
	if (rc == 0) {
		json_member_str(&r->result, "path", path);
		json_member_strn(&r->result, "value", v.s, v.len);
	}
	buf_free(&v);
	return rc;
}

static int freeze_op(const struct request *q, struct reply *r, bool freeze)
{
	struct cg_ref g;
	int timeout;
	if (group_args(r, q, &g) < 0 || timeout_arg(r, q, &timeout) < 0 || cgroup_freeze(r, &g, freeze, timeout) < 0)
		return -1;
	json_member_str(&r->result, "state", freeze ? "frozen" : "thawed");
	return 0;
}

int op_cgroup_freeze(const struct request *q, struct reply *r)
{
	return freeze_op(q, r, true);
}

int op_cgroup_thaw(const struct request *q, struct reply *r)
{
	return freeze_op(q, r, false);
}

int op_cgroup_kill(const struct request *q, struct reply *r)
{
	struct cg_ref g;
	int timeout;
	size_t killed;
	if (group_args(r, q, &g) < 0 || timeout_arg(r, q, &timeout) < 0 || cgroup_kill(r, &g, timeout, &killed) < 0)
		return -1;
	json_member_int(&r->result, "killed", (long long)killed);
	return 0;
}

int op_cgroup_remove(const struct request *q, struct reply *r)
{
	struct cg_ref g;
	int timeout;
	if (group_args(r, q, &g) < 0 || timeout_arg(r, q, &timeout) < 0)
		return -1;
	struct strv removed = { 0 };
	int rc = cgroup_remove(r, &g, timeout, &removed);
	json_member_strv(&r->result, "removed", removed.v, removed.n);
	strv_free(&removed);
	return rc;
}

/* Inside op (the puppet): the cgroup namespace clone asked for, once the puppet is
 * in its group (serve.c sends it "_cgroupns"). */
int op_cgroupns(const struct request *q, struct reply *r)
{
	(void)q;
	return cgroup_unshare_ns(r);
}
