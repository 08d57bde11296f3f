/* boxcore.h - how the files of the core fit together.
 *
 *   main.c        command line: serve, enter, probe
 *   serve.c       the server: request loop, container table, host-side ops, forwarding
 *   puppet.c      the container's init before exec: serves inside ops on a socketpair
 *   namespaces.c  clone3/clone with CLONE_NEW*, namespace names, setns to join
 *   ids.c         uid_map, gid_map, setgroups; becoming root inside
 *   mounts.c      propagation, mount, umount, read-only remount
 *   rootfs.c      pivot_root, chroot, chdir
 *   devices.c     a minimal /dev
 *   process.c     spawn with captured output, exec, waiting, PATH search
 *   join.c        join, probe and enter: running things in existing namespaces
 *   pty.c         pseudo-terminals, passing descriptors, the relay
 *   protocol.c    request lines and replies;  json.c  the JSON;  errors.c  the words
 */
#ifndef BOXCORE_H
#define BOXCORE_H

#include <stdbool.h>
#include <sys/types.h>

#include "protocol.h"

/* ---- configuration shared by the server and what it forks ---- */
struct core_config {
	bool fds_mode; /* --fds IN,OUT: containers inherit fds 0,1,2 as they are */
	int req_fd, rep_fd;
	int null_fd;   /* /dev/null, opened once at start, close-on-exec */
	pid_t server_pid;
};
extern struct core_config g_cfg;

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
int ns_differing(pid_t pid);                  /* mask of namespaces pid does not share with us */
int ns_same(pid_t pid, const char *name);     /* 1 same, 0 different, -1 unknown */
int ns_join(struct reply *r, pid_t pid, int mask);

/* ---- ids.c ---- */
int ids_write_maps(struct reply *r, pid_t pid, const char *uid, const char *gid, const char *setgroups);
bool map_has_inside_zero(const char *map);
int count_lines(const char *text);
int op_become_root(const struct request *q, struct reply *r);

/* ---- puppet.c ---- */
void puppet_main(int sock, int mask) __attribute__((noreturn));

/* ---- inside ops (run by the puppet) ---- */
int op_sethostname(const struct request *q, struct reply *r);
int op_setdomainname(const struct request *q, struct reply *r);
int op_propagation(const struct request *q, struct reply *r);
int op_mount(const struct request *q, struct reply *r);
int op_umount(const struct request *q, struct reply *r);
int op_readonly(const struct request *q, struct reply *r);
int op_devices(const struct request *q, struct reply *r);
int op_pivot_root(const struct request *q, struct reply *r);
int op_chroot(const struct request *q, struct reply *r);
int op_chdir(const struct request *q, struct reply *r);
int op_spawn(const struct request *q, struct reply *r);
int op_exec(const struct request *q, struct reply *r, int sock, int passed_fd);

/* mounts.c helpers devices.c uses too */
const char *mount_flags_text(struct reply *r, unsigned long flags);
int mkdir_p(struct reply *r, const char *path, struct strv *created);
void undo_mkdirs(struct reply *r, struct strv *created);

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
int resolve_program(const char *prog, char *const env[], char *out, size_t outlen);
const char *argv_text(struct reply *r, char *const argv[]);
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

/* ---- join.c ---- */
int cli_enter(int argc, char **argv);
int cli_probe(int argc, char **argv);

/* ---- pty.c ---- */
int pty_open(struct reply *r, int *master, int *slave);
int send_with_fd(int sock, const char *data, size_t len, int fd);
pid_t pty_relay_start(int master, int in_fd, int out_fd);
void pty_restore_terminal(void);

#endif
