/* oci.h - boxcore as an OCI runtime: the runtime-spec command line (create, start,
 * state, kill, delete, run, list, spec, pause, resume, exec) over bundles.
 *
 *   oci.c         the commands
 *   oci_config.c  config.json: read, check, refuse what is not supported; `spec`
 *   oci_state.c   the state directory of each container, its status
 *   oci_init.c    making the container: the create side and the container's init,
 *                 composed of the same step functions the serve ops call
 *   oci_hooks.c   the programs config.json's hooks name, run at their points
 */
#ifndef BOXCORE_OCI_H
#define BOXCORE_OCI_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "boxcore.h"
#include "jtree.h"
#include "security.h"

#define OCI_VERSION "1.0.2"

/* ---- oci.c: the command line ---- */
bool oci_is_command(const char *word);
int oci_global_opts(int argc, char **argv); /* --root --debug --log: the command's index, or -1 */
int oci_main(int argc, char **argv, int i);

/* ---- oci_config.c ---- */

struct oci_mount {
	const char *dest, *type, *source;
	unsigned long flags; /* MS_* from the option words */
	char *data;          /* the other option words, comma-joined (owned) */
};

struct oci_rlimit {
	int resource;
	const char *name;
	unsigned long long soft, hard;
};

struct oci_device {
	const char *path;
	char type; /* c b p */
	long major, minor, uid, gid;
	unsigned mode;
};

/* One limit of linux.resources, as the file each cgroup version names it (NULL: that
 * version has no such knob) and the value to write there. */
struct oci_cg_set {
	const char *field;          /* "memory.limit", for messages */
	const char *v1, *v2;
	char v1value[96], v2value[96];
};

struct oci_process {
	bool terminal;
	unsigned short rows, cols; /* consoleSize, 0 when not given */
	unsigned uid, gid;
	gid_t *groups;
	size_t ngroups;
	long umask;                /* -1: leave it */
	struct strv args, env;
	const char *cwd;
	bool has_caps;
	struct capsets caps;
	uint64_t ambient_skipped;  /* ambient but not permitted and inheritable */
	struct oci_rlimit *rlimits;
	size_t nrlimits;
	bool no_new_privs;
	bool has_oom;
	int oom_score_adj;
	const char *apparmor;      /* apparmorProfile, or NULL */
	const char *selinux;       /* selinuxLabel, or NULL */
	bool has_ioprio;           /* ioPriority: class (IOPRIO_CLASS_*) and level 0-7 */
	int ioprio_class, ioprio_level;
	bool has_sched;            /* scheduler, as sched_setattr(2) takes it */
	struct {
		unsigned policy, priority;
		int nice;
		unsigned long long flags, runtime, deadline, period;
	} sched;
};

/* ---- oci_lsm.c: the AppArmor profile and SELinux label a config asks for (named apart
 * from lsm.c, the lab's own apparmor_exec op) ---- */
bool oci_lsm_apparmor(void);                     /* does this host run AppArmor? */
bool oci_lsm_selinux(void);                      /* SELinux? */
const char *oci_lsm_running(struct reply *r);    /* "this kernel runs lockdown,capability,...", for messages */
int oci_lsm_exec_profile(struct reply *r, const char *profile); /* AppArmor profile for the next execve */
int oci_lsm_exec_label(struct reply *r, const char *label);     /* SELinux label for the next execve */

/* ---- oci_hooks.c: hooks, the programs the config names for points of the lifecycle ---- */

enum oci_hook_kind {
	HOOK_PRESTART,         /* create: after the mounts, before pivot_root; boxcore's namespaces */
	HOOK_CREATE_RUNTIME,   /* the same moment, right after prestart */
	HOOK_CREATE_CONTAINER, /* the same moment, in the container's namespaces (run by its init) */
	HOOK_START_CONTAINER,  /* start: in the container, as its user, before the program */
	HOOK_POSTSTART,        /* start: once the program runs; boxcore's namespaces */
	HOOK_POSTSTOP,         /* delete: once the container is gone */
	HOOK_KINDS
};

struct oci_hook {
	const char *path;      /* absolute; executed as it is, no PATH search */
	struct strv args;      /* argv (empty: the path alone) */
	struct strv env;
	bool has_env;          /* else the hook gets the environment of whoever runs it */
	int timeout;           /* seconds; 0: none */
};

struct oci_hooks {
	struct oci_hook *v[HOOK_KINDS];
	size_t n[HOOK_KINDS];
};

const char *oci_hook_name(enum oci_hook_kind kind); /* "prestart", as config.json names it */
/* Run the hooks of a kind in order, each with the state (JSON) on its stdin, in cwd
 * (NULL: ours), with env_default for a hook without "env". 0; or -1 at the first that
 * fails (a status other than 0, a signal, its timeout), with it and its output in r. */
int oci_hooks_run(struct reply *r, const struct oci_hooks *h, enum oci_hook_kind kind, const char *state,
		  const char *cwd, char *const *env_default);
/* The same for the hooks whose failure is a warning (poststart, poststop): each that
 * fails is said on stderr ("boxcore CMD: warning: ..."), and the rest still run. */
void oci_hooks_warn(const char *cmd, const struct oci_hooks *h, enum oci_hook_kind kind, const char *state,
		    const char *cwd, char *const *env_default);
void oci_hooks_free(struct oci_hooks *h);

struct oci_config {
	struct jt doc;             /* the parsed file; the strings below point into it */
	struct jt process_doc;     /* exec --process FILE */
	char *bundle;              /* absolute */
	char *rootfs;              /* absolute */
	bool root_readonly;
	struct oci_process proc;
	const char *hostname, *domainname;
	struct oci_mount *mounts;
	size_t nmounts;
	int ns_new;                /* mask of namespaces to make (ns_table order) */
	const char *ns_path[NS_COUNT]; /* namespaces to join */
	char *uid_map, *gid_map;   /* "0 1000 1\n..." for ids_write_maps, or NULL */
	unsigned long propagation; /* rootfsPropagation, 0: MS_SLAVE|MS_REC like runc */
	const char *mount_label;   /* linux.mountLabel: SELinux's context= for the mounts */
	long personality;          /* linux.personality's domain (PER_LINUX32), or -1 */
	const char **masked, **readonly;
	size_t nmasked, nreadonly;
	const char **sysctl_keys, **sysctl_values;
	size_t nsysctl;
	bool has_seccomp;
	struct seccomp_spec seccomp;
	struct oci_device *devices;
	size_t ndevices;
	const char *cgroups_path;  /* linux.cgroupsPath */
	struct oci_cg_set *cgset;  /* linux.resources, in the order to write them */
	size_t ncgset;
	struct strv dev_rules;     /* linux.resources.devices, then the defaults: cgroup_devices' rules */
	bool dev_given;            /* linux.resources.devices is in the config */
	struct jt *annotations;
	struct oci_hooks hooks;
	struct strv warnings;      /* what was accepted but is not done, said on stderr */
	struct strv controllers;   /* v1 trees joined on request for linux.resources (hugetlb, ...) */
	struct strv owned;         /* strings made while reading, freed with the config */
};

/* Read BUNDLE/config.json (or, for exec, the copy SAVED in the state directory).
 * 0, or -1 with a usage error in r that names the field and says what to do. */
int oci_config_load(const char *bundle, const char *saved, struct oci_config *c, struct reply *r);
/* Read a process object (runc exec --process FILE) in place of the container's own. */
int oci_process_load(const char *file, struct oci_config *c, struct reply *r);
void oci_config_free(struct oci_config *c);
/* `boxcore spec`: the default config.json text. */
void oci_default_spec(struct buf *out, bool rootless);

/* ---- oci_cgroup.c: the container's cgroup, made with cgroup.h's functions ---- */

struct oci_cg {
	bool want;
	char name[128], parent[512]; /* cgroup.c's "cgroup" and "parent" ("/a": from the root) */
	bool v2;
	bool devices;                /* a device cgroup (cgroup_devices.c) for it */
	struct strv made;            /* the directories create made, missing parents too:
				      * delete removes those still empty */
};
int oci_cgroup_plan(struct reply *r, const struct oci_config *c, const char *id, struct oci_cg *g);
int oci_cgroup_create(struct reply *r, struct oci_cg *g, const struct oci_config *c);
/* Ready a group for the container's init to start in (cgroup.c's cgroup_clone_prepare:
 * cgroup_clone, cgroup_clone_self in the init, cgroup_clone_finish); without a group,
 * cc->want is false. */
int oci_cgroup_join_prepare(struct reply *r, const struct oci_cg *g, struct cg_clone *cc);
/* Move boxcore itself into the group (exec). */
int oci_cgroup_join(struct reply *r, const struct oci_cg *g);
/* Kill what is left in it and remove it, and the parents made for it that are empty
 * (delete). */
int oci_cgroup_remove(struct reply *r, const struct oci_cg *g);
int oci_cgroup_freeze(struct reply *r, const struct oci_cg *g, bool freeze);
bool oci_cgroup_frozen(const struct oci_cg *g);
/* state.json's "cgroup" and "cgroup_parent" back into g. */
void oci_cgroup_from_state(struct oci_cg *g, const char *name, const char *parent);

/* ---- oci_state.c ---- */

enum oci_status { OCI_CREATING, OCI_CREATED, OCI_RUNNING, OCI_PAUSED, OCI_STOPPED };

struct oci_state {
	char id[256];
	char dir[4096];            /* ROOT/ID */
	pid_t pid;
	char *bundle, *rootfs, *created, *starttime, *annotations; /* owned */
	int ns_new;
	struct oci_cg cg;          /* its cgroup (cg.want false: none) */
	uid_t owner;
	enum oci_status status;
	struct jt doc;
};

extern const char *g_oci_root; /* --root, or the default */
const char *oci_root(void);
int oci_root_check(struct reply *r); /* the root is this user's alone, or a state error */
int oci_check_id(const char *id, struct reply *r);
/* Read ROOT/ID/state.json and find the status from the kernel. 0, or -1 with r. */
int oci_state_read(const char *id, struct oci_state *s, struct reply *r);
void oci_state_free(struct oci_state *s);
struct oci_cg;
/* state.json (pid 0: before the init exists); the first write also saves config.json. */
int oci_state_write(const char *dir, const char *id, pid_t pid, const struct oci_config *c, const struct oci_cg *g);
const char *oci_status_name(enum oci_status st);
void oci_state_json(const struct oci_state *s, struct buf *out);
/* The runtime spec's state, as hooks read it on stdin: ociVersion, id, status, pid
 * (left out when 0), bundle, annotations (JSON text; NULL or "{}": left out), as runc
 * writes it. */
void oci_hook_state(struct buf *out, const char *id, enum oci_status st, pid_t pid, const char *bundle,
		    const char *annotations);
/* Remove the state directory and what is in it. */
void oci_state_remove(const char *dir);

/* ---- oci_init.c ---- */

struct oci_create_opts {
	const char *cmd;           /* create or run, for warnings */
	const char *pid_file;
	const char *console_socket;
	bool foreground;           /* run: the pty master stays with us */
	int master;                /* out: the terminal's master end, or -1 */
};
/* Make the container up to the point where its init waits for start. */
int oci_create(const char *id, struct oci_config *c, struct oci_create_opts *o, struct reply *r, pid_t *pid);
/* Tell the init of a created container to exec its program. */
int oci_start(const struct oci_state *s, struct reply *r);
/* Run a program in a running container (runc exec). Returns its exit code, or -1. */
int oci_exec(const struct oci_state *s, struct oci_config *c, bool detach, const char *pid_file, struct reply *r);

#endif
