/* oci_cgroup.c - a container's cgroup: linux.cgroupsPath and linux.resources.
 *
 * Every container gets a group of its own, as runc gives one: named by cgroupsPath,
 * or bl-ID, always beneath the cgroup boxcore itself is in (an absolute cgroupsPath
 * too: boxcore never writes outside the part of the tree it was given). The group is
 * made, limited, joined, frozen, emptied and removed by cgroup.c's ops themselves,
 * called on request lines written here (oci_run_op): the runtime adds no second way
 * of touching cgroups, only the table from the spec's fields to the files of each
 * cgroup version (oci_config.c reads it into c->cgset), and the device cgroup's rules
 * (linux.resources.devices and runc's defaults, c->dev_rules) for cgroup_devices.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "errors.h"
#include "oci.h"

/* A request line naming the group, with more members after it. */
static const char *line(struct reply *r, const char *op, const struct oci_cg *g, const char *more)
{
	struct buf o = { 0 };
	buf_put(&o, "", 0);
	json_member_str(&o, "op", op);
	json_member_str(&o, "cgroup", g->name);
	if (*g->parent)
		json_member_str(&o, "parent", g->parent);
	const char *text = r_printf(r, "{%s%s%s}", o.s, more && *more ? "," : "", more ? more : "");
	buf_free(&o);
	return text;
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
	if (c->cgroups_path)
		snprintf(path, sizeof path, "%s", c->cgroups_path + strspn(c->cgroups_path, "/"));
	else
		snprintf(path, sizeof path, "%s%s", strncmp(id, "bl-", 3) == 0 ? "" : "bl-", id);
	if (strchr(path, ':'))
		return fail_usage(r, state_hint("oci_cgroups_path"), "config.json: linux.cgroupsPath \"%s\" is systemd's "
				  "slice:prefix:name form, which boxcore does not speak", c->cgroups_path);
	char *slash = strrchr(path, '/');
	const char *leaf = slash ? slash + 1 : path;
	if (strlen(leaf) >= sizeof g->name || strlen(path) >= sizeof g->parent)
		return fail_usage(r, state_hint("oci_cgroups_path"), "config.json: linux.cgroupsPath is too long");
	snprintf(g->name, sizeof g->name, "%.127s", leaf);
	if (slash)
		snprintf(g->parent, sizeof g->parent, "%.*s", (int)(slash - path), path);

	/* Which layout: v1 and v2 name the same limits differently. */
	struct reply lr;
	reply_init(&lr, "cgroup_layout");
	int rc = oci_run_op(&lr, op_cgroup_layout, "{\"op\":\"cgroup_layout\"}");
	g->v2 = rc == 0 && strstr(buf_str(&lr.result), "\"layout\":\"v2\"") != NULL;
	if (rc < 0)
		fail_state(r, NULL, "%s", buf_str(&lr.message));
	reply_free(&lr);
	if (rc < 0)
		return -1;
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
	g->want = true;
	return 0;
}

/* The group goes again (a later step failed); the error stays the reply's. */
static void undo_create(const struct oci_cg *g)
{
	struct reply ur;
	reply_init(&ur, "cgroup_remove");
	oci_run_op(&ur, op_cgroup_remove, "%s", line(&ur, "cgroup_remove", g, NULL));
	reply_free(&ur);
}

/* The device cgroup: the rules in order, then runc's defaults (cgroup_devices.c). */
static int set_devices(struct reply *r, const struct oci_cg *g, const struct oci_config *c)
{
	struct buf more = { 0 };
	buf_put(&more, "", 0);
	json_member_strv(&more, "rules", c->dev_rules.v, c->dev_rules.n);
	r->op = "cgroup_devices";
	int rc = oci_run_op(r, op_cgroup_devices, "%s", line(r, "cgroup_devices", g, more.s));
	buf_free(&more);
	return rc;
}

int oci_cgroup_create(struct reply *r, const struct oci_cg *g, const struct oci_config *c)
{
	if (!g->want)
		return 0;
	r->op = "cgroup_create";
	/* On v1 the devices tree is joined only when asked for. */
	const char *devices = g->devices && !g->v2 ? "\"controllers\":[\"devices\"]" : NULL;
	if (oci_run_op(r, op_cgroup_create, "%s", line(r, "cgroup_create", g, devices)) < 0)
		return -1;
	r->op = "cgroup_set";
	for (size_t i = 0; i < c->ncgset; i++) {
		const struct oci_cg_set *s = &c->cgset[i];
		const char *file = g->v2 ? s->v2 : s->v1;
		if (!file)
			continue;
		struct buf more = { 0 };
		buf_put(&more, "", 0);
		json_member_str(&more, "file", file);
		json_member_str(&more, "value", g->v2 ? s->v2value : s->v1value);
		int rc = oci_run_op(r, op_cgroup_set, "%s", line(r, "cgroup_set", g, more.s));
		buf_free(&more);
		if (rc < 0) {
			undo_create(g);
			return -1;
		}
	}
	if (g->devices && set_devices(r, g, c) < 0) {
		undo_create(g);
		return -1;
	}
	return 0;
}

/* The same steps as the clone op's "cgroup" (cgroup.c): find the group's directories
 * and get ready to move a process in, the fast way (self). */
int oci_cgroup_join_prepare(struct reply *r, const struct oci_cg *g, struct cg_clone *cc)
{
	struct buf o = { 0 };
	buf_put(&o, "", 0);
	if (g->want) {
		json_member_str(&o, "cgroup", g->name);
		if (*g->parent)
			json_member_str(&o, "cgroup_parent", g->parent);
	}
	const char *text = r_printf(r, "{\"op\":\"clone\"%s%s}", o.len ? "," : "", o.s);
	buf_free(&o);
	struct request q;
	const char *name = r->op;
	int rc = request_parse(&q, text, strlen(text), r);
	r->op = "cgroup_join";
	if (rc == 0)
		rc = cgroup_clone_prepare(r, &q, 0, true, cc);
	request_free(&q);
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
	/* Whatever is still in it (a container without a PID namespace of its own) is
	 * killed first; an empty or missing group is no error here. */
	struct reply kr;
	reply_init(&kr, "cgroup_kill");
	oci_run_op(&kr, op_cgroup_kill, "%s", line(&kr, "cgroup_kill", g, NULL));
	for (size_t i = 0; i < kr.syscalls.n; i++)
		strv_push_copy(&r->syscalls, kr.syscalls.v[i]);
	reply_free(&kr);
	r->op = "cgroup_remove";
	return oci_run_op(r, op_cgroup_remove, "%s", line(r, "cgroup_remove", g, NULL));
}

int oci_cgroup_freeze(struct reply *r, const struct oci_cg *g, bool freeze)
{
	if (!g->want)
		return fail_state(r, state_hint("oci_no_cgroup"), "the container has no cgroup of its own to freeze");
	r->op = freeze ? "cgroup_freeze" : "cgroup_thaw";
	return oci_run_op(r, freeze ? op_cgroup_freeze : op_cgroup_thaw, "%s", line(r, r->op, g, NULL));
}

bool oci_cgroup_frozen(const struct oci_cg *g)
{
	if (!g->want)
		return false;
	struct reply gr;
	reply_init(&gr, "cgroup_get");
	bool frozen = false;
	const char *more = g->v2 ? "\"file\":\"cgroup.freeze\"" : "\"file\":\"freezer.state\"";
	if (oci_run_op(&gr, op_cgroup_get, "%s", line(&gr, "cgroup_get", g, more)) == 0) {
		const char *v = strstr(buf_str(&gr.result), "\"value\":\"");
		frozen = v && (strncmp(v + 9, "FROZEN", 6) == 0 || strncmp(v + 9, "1", 1) == 0);
	}
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
