/* oci_cgroup.c - a container's cgroup: linux.cgroupsPath and linux.resources.
 *
 * Every container gets a group of its own, as runc gives one: named by cgroupsPath,
 * or bl-ID; a relative path is beneath the cgroup boxcore itself is in, an absolute
 * one from the root of each tree, as runc places them. Missing parents are made, and
 * remembered: delete removes them again while they are empty. The group is
 * made, limited, joined, frozen, emptied and removed by the functions of cgroup.h,
 * the ones the serve ops call: the runtime adds no second way of touching cgroups,
 * only the table from the spec's fields to the files of each cgroup version
 * (oci_config.c reads it into c->cgset), and the device cgroup's rules
 * (linux.resources.devices and runc's defaults, c->dev_rules) for cgroup_devices.c.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "errors.h"
#include "oci.h"

/* The group as cgroup.h names it. */
static struct cg_ref ref(const struct oci_cg *g)
{
	return (struct cg_ref){ .name = g->name, .parent = *g->parent ? g->parent : NULL, .any_parent = true };
}

int oci_cgroup_plan(struct reply *r, const struct oci_config *c, const char *id, struct oci_cg *g)
{
	memset(g, 0, sizeof *g);
	/* A device cgroup is root's: its rules are written to devices.deny, or loaded as a
	 * BPF program, and neither is allowed to anyone else. */
	bool root = getuid() == 0;
	if (c->dev_given && !root)
		return fail_usage(r, state_hint("oci_devices_root"), "config.json: linux.resources.devices needs root: an "
				  "unprivileged boxcore cannot make a device cgroup");
	/* Not root and nothing asked for: no group (an unprivileged user may not have
	 * one delegated). */
	if (!c->cgroups_path && c->ncgset == 0 && !root)
		return 0;
	char path[640];
	bool absolute = c->cgroups_path && c->cgroups_path[0] == '/';
	if (c->cgroups_path)
		snprintf(path, sizeof path, "%s", c->cgroups_path + strspn(c->cgroups_path, "/"));
	else
		snprintf(path, sizeof path, "%s%s", strncmp(id, "bl-", 3) == 0 ? "" : "bl-", id);
	if (!*path)
		return fail_usage(r, state_hint("oci_cgroups_path"), "config.json: linux.cgroupsPath \"%s\" names no group",
				  c->cgroups_path);
	if (strchr(path, ':'))
		return fail_usage(r, state_hint("oci_cgroups_path"), "config.json: linux.cgroupsPath \"%s\" is systemd's "
				  "slice:prefix:name form, which boxcore does not speak", c->cgroups_path);
	char *slash = strrchr(path, '/');
	const char *leaf = slash ? slash + 1 : path;
	if (strlen(leaf) >= sizeof g->name || strlen(path) >= sizeof g->parent)
		return fail_usage(r, state_hint("oci_cgroups_path"), "config.json: linux.cgroupsPath is too long");
	snprintf(g->name, sizeof g->name, "%.127s", leaf);
	/* (The parent keeps the leading / of an absolute path: "/" alone is the root.) */
	snprintf(g->parent, sizeof g->parent, "%s%.*s", absolute ? "/" : "", slash ? (int)(slash - path) : 0, path);

	/* Which layout: v1 and v2 name the same limits differently. */
	const char *layout;
	if (cgroup_find_layout(r, &layout) < 0)
		return -1;
	g->v2 = strcmp(layout, "v2") == 0;
	/* (cpu.period is in two entries, one per version: cfs_period_us, and cpu.max.) */
	for (size_t i = 0; i < c->ncgset; i++)
		if (!(g->v2 ? c->cgset[i].v2 : c->cgset[i].v1) && strcmp(c->cgset[i].field, "cpu.period") != 0)
			return fail_usage(r, state_hint("oci_cgroup_knob"), "config.json: linux.resources.%s has no file in cgroup %s, "
					  "which this machine uses", c->cgset[i].field, g->v2 ? "v2" : "v1");
	/* Root's containers get a device cgroup, as runc's do: the config's rules and the
	 * defaults. cgroup v2 has it in every group (a BPF program); v1 in a tree of its own,
	 * which a machine may not mount - that matters only when the config has rules. */
	g->devices = root && (g->v2 || cgroup_v1_tree("devices"));
	if (c->dev_given && !g->devices)
		return fail_usage(r, state_hint("oci_no_devices_tree"), "config.json: linux.resources.devices: this machine "
				  "mounts no devices cgroup tree to write the rules to");
	/* The trees only some configs need (hugetlb, net_cls, net_prio, rdma): v1 only. */
	for (size_t i = 0; i < c->controllers.n; i++) {
		if (g->v2)
			return fail_usage(r, state_hint("oci_cgroup_knob"), "config.json: linux.resources needs the %s controller, "
					  "which boxcore does not enable on cgroup v2 (it enables cpu, cpuset, io, memory and pids)",
					  c->controllers.v[i]);
		if (!cgroup_v1_tree(c->controllers.v[i]))
			return fail_usage(r, state_hint("oci_no_tree"), "config.json: linux.resources needs the %s controller, and "
					  "this machine mounts no cgroup tree of it", c->controllers.v[i]);
	}
	g->want = true;
	return 0;
}

/* The group goes again (a later step failed); the error stays the reply's. */
static void undo_create(const struct oci_cg *g)
{
	struct reply ur;
	reply_init(&ur, "cgroup_remove");
	struct cg_ref gr = ref(g);
	cgroup_remove(&ur, &gr, CG_TIMEOUT_MS, NULL);
	reply_free(&ur);
}

/* The limits of linux.resources, each in the file this cgroup version has for it. */
static int set_limits(struct reply *r, const struct oci_cg *g, const struct oci_config *c)
{
	struct cg_ref gr = ref(g);
	r->op = "cgroup_set";
	for (size_t i = 0; i < c->ncgset; i++) {
		const struct oci_cg_set *s = &c->cgset[i];
		const char *file = g->v2 ? s->v2 : s->v1;
		if (file && cgroup_set(r, &gr, file, g->v2 ? s->v2value : s->v1value, NULL, NULL) < 0)
			return -1;
	}
	return 0;
}

/* The device cgroup: the rules in order, then runc's defaults (cgroup_devices.c). */
static int set_devices(struct reply *r, const struct oci_cg *g, const struct oci_config *c)
{
	struct cg_ref gr = ref(g);
	r->op = "cgroup_devices";
	return cgroup_devices_apply(r, &gr, c->dev_rules.v, c->dev_rules.n);
}

int oci_cgroup_create(struct reply *r, struct oci_cg *g, const struct oci_config *c)
{
	if (!g->want)
		return 0;
	struct cg_ref gr = ref(g);
	/* On v1 the devices tree (and hugetlb, ...) is joined only when asked for. */
	CLEANUP(strv_free) struct strv want = { 0 };
	if (g->devices && !g->v2)
		strv_push_copy(&want, "devices");
	for (size_t i = 0; i < c->controllers.n; i++)
		strv_push_copy(&want, c->controllers.v[i]);
	r->op = "cgroup_create";
	if (cgroup_create(r, &gr, want.v, want.n, &g->made) < 0)
		return -1;
	if (set_limits(r, g, c) < 0 || (g->devices && set_devices(r, g, c) < 0)) {
		undo_create(g);
		return -1;
	}
	return 0;
}

/* The same steps as the clone op's "cgroup" (cgroup.c): find the group's directories
 * and get ready to move a process in, the fast way (self). */
int oci_cgroup_join_prepare(struct reply *r, const struct oci_cg *g, struct cg_clone *cc)
{
	const char *name = r->op;
	struct cg_ref gr = ref(g);
	r->op = "cgroup_join";
	int rc = cgroup_clone_prepare(r, g->want ? &gr : NULL, 0, true, cc);
	r->op = name;
	return rc;
}

int oci_cgroup_join(struct reply *r, const struct oci_cg *g)
{
	struct cg_clone cc;
	if (oci_cgroup_join_prepare(r, g, &cc) < 0)
		return -1;
	const char *name = r->op;
	r->op = "cgroup_join";
	int rc = cgroup_clone_self(r, &cc);
	if (cgroup_clone_finish(r, getpid(), &cc) < 0)
		rc = -1;
	r->op = name;
	return rc;
}

int oci_cgroup_remove(struct reply *r, const struct oci_cg *g)
{
	if (!g->want)
		return 0;
	struct cg_ref gr = ref(g);
	/* Whatever is still in it (a container without a PID namespace of its own) is
	 * killed first; an empty or missing group is no error here. */
	struct reply kr;
	reply_init(&kr, "cgroup_kill");
	cgroup_kill(&kr, &gr, CG_TIMEOUT_MS, NULL);
	for (size_t i = 0; i < kr.syscalls.n; i++)
		strv_push_copy(&r->syscalls, kr.syscalls.v[i]);
	reply_free(&kr);
	r->op = "cgroup_remove";
	if (cgroup_remove(r, &gr, CG_TIMEOUT_MS, NULL) < 0)
		return -1;
	cgroup_remove_empty(r, g->made.v, g->made.n);
	return 0;
}

int oci_cgroup_freeze(struct reply *r, const struct oci_cg *g, bool freeze)
{
	if (!g->want)
		return fail_state(r, state_hint("oci_no_cgroup"), "the container has no cgroup of its own to freeze");
	struct cg_ref gr = ref(g);
	r->op = freeze ? "cgroup_freeze" : "cgroup_thaw";
	return cgroup_freeze(r, &gr, freeze, CG_TIMEOUT_MS);
}

bool oci_cgroup_frozen(const struct oci_cg *g)
{
	if (!g->want)
		return false;
	/* v2: cgroup.freeze holds 1 while the group is (being) frozen; v1: freezer.state
	 * says FROZEN (or FREEZING on the way). */
	struct reply gr;
	reply_init(&gr, "cgroup_get");
	struct cg_ref cr = ref(g);
	struct buf value = { 0 };
	bool frozen = cgroup_get(&gr, &cr, g->v2 ? "cgroup.freeze" : "freezer.state", NULL, &value, NULL) == 0 &&
		      (strncmp(buf_str(&value), "FROZEN", 6) == 0 || strncmp(buf_str(&value), "1", 1) == 0);
	buf_free(&value);
	reply_free(&gr);
	return frozen;
}

void oci_cgroup_from_state(struct oci_cg *g, const char *name, const char *parent)
{
	memset(g, 0, sizeof *g);
	if (!name || !*name)
		return;
	g->want = true;
	snprintf(g->name, sizeof g->name, "%s", name);
	snprintf(g->parent, sizeof g->parent, "%s", parent ? parent : "");
	const char *layout = cgroup_layout_name();
	g->v2 = layout && strcmp(layout, "v2") == 0;
}
