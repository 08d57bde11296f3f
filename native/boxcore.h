/* boxcore.h - how the files of the core fit together.
 *
 *   main.c        command line: serve, enter, probe
 *   core_config.c the setup every command runs first (g_cfg)
 *   serve.c       the server: request loop, host-side ops, forwarding to the puppet
 *   containers.c  the server's table of the containers it made
 *   puppet.c      the container's init before exec: serves inside ops on a socketpair
 *   namespaces.c  clone3/clone with CLONE_NEW*, namespace names, setns to join
 *   ids.c         uid_map, gid_map, setgroups; becoming root inside
 *   mounts.c      propagation, mount, umount, read-only remount
 *   rootfs.c      pivot_root, chroot, chdir
 *   devices.c     a minimal /dev
 *   process.c     spawn with captured output, exec, waiting, PATH search
 *   join.c        join, probe and enter: running things in existing namespaces
 *   layerfs.c     mknod and xattrs for image layers (whiteouts, opaque directories)
 *   pty.c         pseudo-terminals, passing descriptors, the relay
 *   netlink.c     a small rtnetlink helper: requests, acks, dumps
 *   net.c         named netns, links (veth, bridge, vxlan), addresses, routes, sysctls
 *   nat.c         masquerade and DNAT with nft or iptables
 *   cgroup.c      cgroups v1, v2 and hybrid: layout, groups, files, freezer, kill
 *   cgroup_devices.c  the device controller: v1's devices.allow/deny, v2's BPF program
 *                 (both as functions in cgroup.h)
 *   caps.c        capabilities and no_new_privs;  seccomp.c  a BPF filter by hand
 *                 (both declared in security.h)
 *   oci*.c        the OCI runtime (oci.h): command line, config.json, state, cgroups,
 *                 and making a container from a bundle with the functions above
 *   jtree.c       whole JSON documents as trees (config.json)
 *   protocol.c    request lines and replies;  json.c  the JSON;  errors.c  the words
 */
#ifndef BOXCORE_H
#define BOXCORE_H

#include <stdbool.h>
#include <sys/types.h>

#include "cgroup.h"
#include "protocol.h"

/* ---- configuration shared by the server and what it forks ---- */
struct core_config {
	bool fds_mode; /* --fds IN,OUT: containers inherit fds 0,1,2 as they are */
	int req_fd, rep_fd;
	int null_fd;   /* /dev/null, opened once at start, close-on-exec */
	pid_t server_pid;
};
extern struct core_config g_cfg;

/* core_config.c: the one setup both the server and the OCI command line run first:
 * g_cfg, /dev/null, inherited descriptors close-on-exec, SIGPIPE ignored. 0, or -1
 * (with a message on stderr). */
int core_init(bool fds_mode, int req_fd, int rep_fd);

/* Give a process forked for a container the stdio PROTOCOL.md promises:
 * by default stdin=/dev/null and stdout/stderr = the server's fd 2. */
void container_stdio(void);

/* ---- namespaces.c ---- */
#define NS_COUNT 7
struct nsinfo {
	const char *name;     /* as in the protocol and in /proc/PID/ns/ */
	int flag;             /* CLONE_NEW* */
	const char *flagname; /* "CLONE_NEWPID" */
	const char *unshare;  /* unshare(1) option */
	const char *nsenter;  /* nsenter(1) option */
};
extern const struct nsinfo ns_table[NS_COUNT];
int ns_parse_array(struct reply *r, const struct request *q, const char *key, bool required, int *mask);
int ns_parse_csv(const char *csv, int *mask, const char **bad);
int ns_index(const char *name);
const char *clone_flags_text(struct reply *r, unsigned long flags);
pid_t ns_clone(struct reply *r, int mask);
/* "unshare --pid --uts ... --fork": the shell's way to a process in the mask's new namespaces. */
const char *ns_unshare_text(struct reply *r, int mask);
int ns_differing(pid_t pid);                  /* mask of namespaces pid does not share with us */
int ns_same(pid_t pid, const char *name);     /* 1 same, 0 different, -1 unknown */
int ns_join(struct reply *r, pid_t pid, int mask);

/* ---- ids.c ---- */
int ids_write_maps(struct reply *r, pid_t pid, const char *uid, const char *gid, const char *setgroups);
bool map_has_inside_zero(const char *map);
int count_lines(const char *text);
int op_become_root(const struct request *q, struct reply *r);
int op_user(const struct request *q, struct reply *r);

/* ---- puppet.c ---- */
void puppet_main(int sock, int mask) __attribute__((noreturn));
/* The arguments an inside op reads (its entry in the puppet's table), or NULL. */
const char *puppet_op_args(const char *name);

/* ---- inside ops (run by the puppet) ---- */
int op_sethostname(const struct request *q, struct reply *r);
int op_setdomainname(const struct request *q, struct reply *r);
int op_propagation(const struct request *q, struct reply *r);
int op_mount(const struct request *q, struct reply *r);
int op_umount(const struct request *q, struct reply *r);
int op_readonly(const struct request *q, struct reply *r);
int op_masked_paths(const struct request *q, struct reply *r);
int op_readonly_paths(const struct request *q, struct reply *r);
int op_devices(const struct request *q, struct reply *r);
int op_device_node(const struct request *q, struct reply *r);
int op_pivot_root(const struct request *q, struct reply *r);
int op_chroot(const struct request *q, struct reply *r);
int op_chdir(const struct request *q, struct reply *r);
int op_spawn(const struct request *q, struct reply *r);
int op_exec(const struct request *q, struct reply *r, int sock, int passed_fd);

/* mounts.c helpers devices.c uses too */
const char *mount_flags_text(struct reply *r, unsigned long flags);
int mkdir_p(struct reply *r, const char *path, struct strv *created);
void undo_mkdirs(struct reply *r, struct strv *created);

/* ---- the steps as functions: a serve op parses its request and calls one; the OCI
 * runtime (oci_*.c) calls the same ones (cgroup.h has the cgroup ones). r carries the
 * syscall log and the error. ---- */
struct mount_req {
	const char *type, *source, *target, *options; /* options: the data string */
	bool readonly, recursive, mkdir;
	char **lower;                                 /* overlay, top first */
	size_t nlower;
	const char *upper, *work;
	bool exact;          /* config.json: flags and options exactly as given, no defaults */
	unsigned long flags; /* MS_* when exact */
};
int mount_do(struct reply *r, const struct mount_req *m);
int mount_set_propagation(struct reply *r, const char *path, const char *mode, bool recursive);
int mount_readonly(struct reply *r, const char *target);
int mount_mask_path(struct reply *r, const char *path);     /* linux.maskedPaths: 1 done, 0 absent */
int mount_readonly_path(struct reply *r, const char *path); /* linux.readonlyPaths: 1 done, 0 absent */
bool mount_option_word(const char *word, unsigned long *flags); /* "nosuid" -> MS_NOSUID */
int uts_set_hostname(struct reply *r, const char *name);
int uts_set_domainname(struct reply *r, const char *name);
int rootfs_pivot(struct reply *r, const char *root);
int rootfs_chdir(struct reply *r, const char *path);
int devices_node(struct reply *r, const char *path, char type, unsigned major, unsigned minor, unsigned mode,
		 long uid, long gid, const char *host);
int devices_nodes(struct reply *r, const char *dev, struct strv *created);
int devices_links(struct reply *r, const char *dev, struct strv *created);
int ids_become_root(struct reply *r, bool uid, bool gid);
int ids_switch_user(struct reply *r, unsigned uid, unsigned gid, const gid_t *groups, size_t ngroups);
pid_t ns_clone_with(struct reply *r, int mask, unsigned long extra, int cgroup_fd);
int ns_join_paths(struct reply *r, const char *const paths[NS_COUNT], const char *who);
int exec_program(struct reply *r, char *const argv[], char *const env[]);
int link_up_here(struct reply *r, const char *dev); /* in the caller's own network namespace */

/* ---- process.c ---- */
struct capture {
	int in_fd;              /* write end of the child's stdin, or -1 */
	const char *in_data;
	size_t in_len, in_off;
	int out_fd, err_fd;     /* read ends, or -1 */
	int extra_fd;           /* another read end (join's report), or -1 */
	struct buf out, err, extra;
	size_t cap;             /* per stream */
};
/* Copy between the pipes until done_fd (a pidfd) is readable, then drain. Returns 0,
 * 1 on timeout, -2 when the server is stopping, -1 on error. */
int capture_run(struct capture *c, int done_fd, int timeout_ms);
void capture_free(struct capture *c);
/* Run a program to its end: fork, chdir, execve the path (no PATH search), its stdin
 * fed from input and its stdout and stderr captured in c (capture_free it); killed
 * after timeout_ms (-1: no limit). 0 with its wait status in *status; 1 when the time
 * ran out (it was killed); -1 with the error in r (chdir or execve failed, or a signal
 * came for boxcore). */
struct run_spec {
	const char *path;
	char *const *argv, *const *env;
	const char *cwd, *input;
	int timeout_ms;
};
int run_captured(struct reply *r, const struct run_spec *s, int *status, struct capture *c);
int resolve_program(const char *prog, char *const env[], char *out, size_t outlen);
const char *argv_shell(struct reply *r, char *const argv[]);
char **default_env(void);
int pidfd_open_pid(pid_t pid);
struct exec_failure {
	char step; /* 'c' chdir, 'e' execve */
	int err;
};
void exec_report_and_exit(int fd, char step, int err) __attribute__((noreturn));
int exec_report_read(int fd, struct exec_failure *f);
const char *exec_variant(int err, const char *path);
void log_exec_outcome(struct reply *r, bool failed, const struct exec_failure *f, const char *cwd,
		      const char *path, char *const argv[], char *const env[]);
int wait_for_pid(struct reply *r, pid_t pid, int timeout_ms, int *status);
/* The children of every thread of pid (/proc/PID/task/TID/children), appended as text. */
void children_of(pid_t pid, struct strv *out);
/* SIGKILL every descendant of pid (a container without a PID namespace of its own:
 * killing its init does not kill the rest). r may be NULL. */
void kill_descendants(struct reply *r, pid_t pid);

/* ---- join.c ---- */
int op_join(const struct request *q, struct reply *r);  /* host ops that run things */
int op_probe(const struct request *q, struct reply *r); /* in existing namespaces */
int cli_enter(int argc, char **argv);
int cli_probe(int argc, char **argv);

/* ---- layerfs.c: whiteouts, device nodes and overlay xattrs for image layers ---- */
int cli_mknod(int argc, char **argv);
int cli_xattr(int argc, char **argv);

/* ---- hostfs.c: removing and writing where another user can write ---- */
int cli_rmtree(int argc, char **argv);
int cli_writefile(int argc, char **argv);
void print_error(const char *cmd, const struct reply *r); /* "boxcore CMD: message / why: / try:" */
/* Run fn in a forked helper and take over the reply it writes back (see join.c). */
int run_helper(struct reply *r, int (*fn)(struct reply *hr, void *ctx), void *ctx, struct capture *cap,
	       int close_in_parent[2], int timeout_ms);

/* ---- net.c, nat.c, netdump.c: host-side network ops ---- */
int op_netns_add(const struct request *q, struct reply *r);
int op_netns_del(const struct request *q, struct reply *r);
int op_veth_add(const struct request *q, struct reply *r);
int op_bridge_add(const struct request *q, struct reply *r);
int op_vxlan_add(const struct request *q, struct reply *r);
int op_link_up(const struct request *q, struct reply *r);
int op_link_down(const struct request *q, struct reply *r);
int op_link_move(const struct request *q, struct reply *r);
int op_link_rename(const struct request *q, struct reply *r);
int op_link_master(const struct request *q, struct reply *r);
int op_link_del(const struct request *q, struct reply *r);
int op_addr_add(const struct request *q, struct reply *r);
int op_route_add(const struct request *q, struct reply *r);
int op_sysctl(const struct request *q, struct reply *r);
int op_net_dump(const struct request *q, struct reply *r); /* netdump.c */
int op_nat_masquerade(const struct request *q, struct reply *r);
int op_nat_dnat(const struct request *q, struct reply *r);
int op_nat_del(const struct request *q, struct reply *r);
int op_net_isolate(const struct request *q, struct reply *r);

/* ---- cgroup.c, cgroup_devices.c: see cgroup.h ---- */

/* ---- pty.c ---- */
int pty_open(struct reply *r, int *master, int *slave);
int send_with_fd(int sock, const char *data, size_t len, int fd);
pid_t pty_relay_start(int master, int in_fd, int out_fd);
void pty_restore_terminal(void);

#endif
