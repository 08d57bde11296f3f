/* cgroup.h - control groups as functions: make a group, write and read its files,
 * freeze it, kill what is in it, remove it, start a process in it.
 *
 * The serve ops (cgroup_create, cgroup_set, ...) read a request and call these; the
 * OCI runtime (oci_cgroup.c) calls the same ones with what config.json says. Each
 * takes the reply r that carries the syscall log, the shell line and the error, and
 * returns 0, or -1 with the error in r.
 *
 *   cgroup.c          layout, groups, files, freezer, kill, clone into a group
 *   cgroup_devices.c  the device controller: v1's devices.allow/deny, v2's BPF program
 */
#ifndef BOXCORE_CGROUP_H
#define BOXCORE_CGROUP_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "protocol.h"

/* A group: one plain name (letters, digits, - _ .) beneath a parent. parent NULL or
 * "": the core's own group in each tree; "/a/b": from each tree's root; "a/b":
 * beneath the core's own group. Missing parents are made only when named bl- (the lab
 * may remove what it made), or any_parent: the OCI runtime's cgroupsPath names them,
 * and it remembers which it made. */
struct cg_ref {
	const char *name;
	const char *parent;
	bool any_parent;
};

/* How long freeze, kill and remove wait for the kernel by default. */
#define CG_TIMEOUT_MS 2000

/* ---- the layout ---- */

/* "v1" "v2" "hybrid" in *name; -1 with a state error when no cgroup tree is mounted. */
int cgroup_find_layout(struct reply *r, const char **name);
const char *cgroup_layout_name(void);         /* the same quietly, or NULL */
bool cgroup_v1_tree(const char *controller); /* v1 or hybrid, and a tree of it is mounted */

/* ---- a group's life ---- */

/* mkdir the group in every tree (and the missing parents), with controllers (v2:
 * switched on down the path; v1: NULL means the taught trees, "devices" adds that
 * tree). made (may be NULL) gets every directory made, parents first. On failure what
 * was made is removed again. */
int cgroup_create(struct reply *r, const struct cg_ref *g, char *const *controllers, size_t n, struct strv *made);
/* echo VALUE > DIR/FILE, in the tree of the file's controller (memory.max: memory);
 * controller names the tree for files every v1 tree has (cgroup.procs). *path, when
 * path is not NULL: the file written (a string of r). */
int cgroup_set(struct reply *r, const struct cg_ref *g, const char *file, const char *value, const char *controller,
	       const char **path);
/* cat DIR/FILE into value (reset first). */
int cgroup_get(struct reply *r, const struct cg_ref *g, const char *file, const char *controller, struct buf *value,
	       const char **path);
/* Freeze (or thaw) and wait until every task has stopped (or runs again). */
int cgroup_freeze(struct reply *r, const struct cg_ref *g, bool freeze, int timeout_ms);
/* SIGKILL every process in the group and wait until it is empty; *killed: how many
 * were in it. */
int cgroup_kill(struct reply *r, const struct cg_ref *g, int timeout_ms, size_t *killed);
/* rmdir the group in every tree where it is, retrying while exiting processes hold it;
 * the directories removed are added to removed (may be NULL). */
int cgroup_remove(struct reply *r, const struct cg_ref *g, int timeout_ms, struct strv *removed);
/* rmdir the directories of dirs (what cgroup_create made) that are still there and
 * empty, deepest first: once a group is gone, the parents made for it go too, unless
 * another group lives in them now. Paths outside /sys/fs/cgroup are left alone. */
void cgroup_remove_empty(struct reply *r, char *const *dirs, size_t n);
/* The device rules of a group, in order ("allow c 1:3 rwm", "deny a"): cgroup_devices.c.
 * The result members (path, default, exceptions, the program) go into r->result. */
int cgroup_devices_apply(struct reply *r, const struct cg_ref *g, char *const *rules, size_t n);
/* An existing group's directory in the tree of a controller (v2: the one tree). */
int cgroup_dir(struct reply *r, const struct cg_ref *g, const char *controller, const char **dir, bool *v2);

/* ---- starting a process in a group ----
 *
 * prepare (resolve the group; g NULL: no group), clone into it, finish (v1: move the
 * pid). unshare_later: the child must make the cgroup namespace itself, after the
 * move (cgroup_unshare_ns). prepare's self (the OCI runtime): on v1 the child moves
 * itself in, with cgroup_clone_self (fast: see cgroup.c), through the tasks files
 * prepare opens; on v2 prepare opens the directory. */
struct cg_clone {
	bool want, newcgroup, into, unshare_later, self;
	int fd; /* v2: the group's directory for CLONE_INTO_CGROUP, when prepare opened it */
	int n;
	const char *paths[16];
	int tasks[16]; /* self: each tree's tasks file, open for writing */
};
int cgroup_clone_prepare(struct reply *r, const struct cg_ref *g, int mask, bool self, struct cg_clone *cc);
pid_t cgroup_clone(struct reply *r, int mask, unsigned long extra, struct cg_clone *cc);
int cgroup_clone_self(struct reply *r, struct cg_clone *cc);
int cgroup_clone_finish(struct reply *r, pid_t pid, struct cg_clone *cc);
void cgroup_clone_close(struct cg_clone *cc);
/* unshare(CLONE_NEWCGROUP): the caller's group becomes the root it sees. */
int cgroup_unshare_ns(struct reply *r);
void cgroup_thaw_pid(pid_t pid); /* before killing a container: a frozen v1 task cannot die */

/* ---- the files underneath: cat and echo > as the ops log them (r may be NULL: not
 * logged). 0, or -1 with errno. ---- */
int cg_read(struct reply *r, const char *path, struct buf *out);
int cg_write(struct reply *r, const char *path, const char *text);

/* ---- the serve ops ---- */
int op_cgroup_layout(const struct request *q, struct reply *r);
int op_cgroup_plan(const struct request *q, struct reply *r);
int op_cgroup_create(const struct request *q, struct reply *r);
int op_cgroup_set(const struct request *q, struct reply *r);
int op_cgroup_get(const struct request *q, struct reply *r);
int op_cgroup_freeze(const struct request *q, struct reply *r);
int op_cgroup_thaw(const struct request *q, struct reply *r);
int op_cgroup_kill(const struct request *q, struct reply *r);
int op_cgroup_remove(const struct request *q, struct reply *r);
int op_cgroup_devices(const struct request *q, struct reply *r);
int op_cgroupns(const struct request *q, struct reply *r); /* inside, sent by clone as "_cgroupns" */

/* ---- cgroup_devices.c: rules and the policy they fold into ---- */
/* Access, as the kernel's BPF_DEVCG_ACC_* numbers it. */
enum { DEV_MKNOD = 1, DEV_READ = 2, DEV_WRITE = 4 };
struct dev_rule {
	bool allow;
	char type;          /* 'a' every device, 'c' character, 'b' block */
	long major, minor;  /* -1: any */
	unsigned access;    /* DEV_READ | DEV_WRITE | DEV_MKNOD */
};
/* Rules folded into what the kernel keeps: a default and exceptions to it. */
struct dev_policy {
	bool allow_all;
	struct dev_rule *ex; /* each the other way from the default */
	size_t n;
};
/* "allow c 1:3 rwm", "deny b 8:* r", "deny a": 0, or -1 when it is not a rule. */
int dev_rule_parse(const char *text, struct dev_rule *d);
const char *dev_rule_text(const struct dev_rule *d, char *out, size_t len); /* "c 1:3 rwm" */
/* One more rule, in order. 0; or -1 when the policy cannot hold it: *why says so, and
 * hole (its type not 0) is the exception it would have to cut into. */
int dev_policy_apply(struct dev_policy *p, const struct dev_rule *rule, const char **why, struct dev_rule *hole);
void dev_policy_free(struct dev_policy *p);

#endif
