/* serve.c - the server: one request per line in, one reply per line out.
 *
 * The server keeps a table of the containers it made. Host-side ops (idmap,
 * signal, wait, join, probe, destroy) it does itself; inside ops it forwards to the
 * container's puppet over their socketpair and relays the reply.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include "boxcore.h"
#include "errors.h"
#include "security.h"
#include "serve.h"

#define CLOSE_RANGE_CLOEXEC_ (1U << 2)

struct core_config g_cfg = { .req_fd = 0, .rep_fd = 1, .null_fd = -1 };

enum ct_state { CT_PUPPET, CT_EXEC, CT_EXITED };

struct container {
	bool used;
	char name[16];
	pid_t pid;      /* as the host sees it */
	int mask;       /* namespaces it was cloned with */
	int sock;       /* our end of the socketpair; -1 once the puppet is gone */
	struct linereader lr;
	enum ct_state state;
	bool reaped;    /* its exit status was collected */
	int status;
	pid_t relay;    /* pty relay, or 0 */
};

static struct container *cts;
static size_t ncts;
static int next_number = 1;

void container_stdio(void)
{
	if (!g_cfg.fds_mode) {
		dup2(g_cfg.null_fd, 0);
		dup2(2, 1);
	}
}

static struct container *find_ct(const char *name)
{
	for (size_t i = 0; i < ncts; i++)
		if (cts[i].used && strcmp(cts[i].name, name) == 0)
			return &cts[i];
	return NULL;
}

static struct container *ct_by_pid(pid_t pid)
{
	for (size_t i = 0; i < ncts; i++)
		if (cts[i].used && cts[i].pid == pid)
			return &cts[i];
	return NULL;
}

static struct container *add_ct(pid_t pid, int mask, int sock)
{
	struct container *c = NULL;
	for (size_t i = 0; i < ncts; i++)
		if (!cts[i].used)
			c = &cts[i];
	if (!c) {
		cts = xrealloc(cts, (ncts + 1) * sizeof *cts);
		c = &cts[ncts++];
	}
	memset(c, 0, sizeof *c);
	c->used = true;
	snprintf(c->name, sizeof c->name, "c%d", next_number++);
	c->pid = pid;
	c->mask = mask;
	c->sock = sock;
	linereader_init(&c->lr, sock, 0, false);
	c->state = CT_PUPPET;
	return c;
}

static void puppet_gone(struct container *c)
{
	if (c->sock >= 0)
		close(c->sock);
	c->sock = -1;
	linereader_free(&c->lr);
}

/* The container named by "ct"; a usage or state error when there is none. */
static struct container *need_ct(struct reply *r, const struct request *q)
{
	const char *name = NULL;
	if (arg_str(r, q, "ct", true, &name) < 0)
		return NULL;
	struct container *c = find_ct(name);
	if (!c)
		fail_state(r, state_hint("no_such_ct"), "no container named \"%s\"", name);
	return c;
}

pid_t ct_pid_by_name(const char *name)
{
	struct container *c = find_ct(name);
	return c && !c->reaped ? c->pid : -1;
}

pid_t target_pid(struct reply *r, const struct request *q, bool allow_reaped)
{
	long long pid = 0;
	if (arg_present(q, "ct")) {
		struct container *c = need_ct(r, q);
		if (!c)
			return -1;
		if (c->reaped && !allow_reaped) {
			fail_state(r, state_hint("reaped"), "container %s has exited (status collected)", c->name);
			return -1;
		}
		return c->pid;
	}
	if (!arg_present(q, "pid"))
		return fail_usage(r, state_hint("no_pid_or_ct"), "missing argument \"ct\" or \"pid\"");
	if (arg_int(r, q, "pid", true, &pid) < 0)
		return -1;
	if (pid <= 0 || pid > 4194304)
		return fail_usage(r, state_hint("no_pid_or_ct"), "pid must be a process id, not %lld", pid);
	return (pid_t)pid;
}

/* ------------------------------------------------------------ forwarding */

/* Send a line to the puppet (with a descriptor when fd >= 0) and relay its reply.
 * *execd says the puppet read an exec and then closed the socket: execve worked. */
static int forward_line(struct container *c, const char *line, size_t len, int fd, struct reply *r, bool *execd)
{
	if (execd)
		*execd = false;
	if (c->state == CT_EXEC)
		return fail_state(r, state_hint("exec"), "container %s has exec'd its program: the puppet is gone", c->name);
	if (c->state == CT_EXITED || c->sock < 0)
		return fail_state(r, state_hint("dead"), "the init of container %s (pid %d) has exited", c->name,
				  (int)c->pid);

	struct buf msg = { 0 };
	buf_put(&msg, line, len);
	buf_putc(&msg, '\n');
	int rc = fd >= 0 ? send_with_fd(c->sock, msg.s, msg.len, fd) : write_all(c->sock, msg.s, msg.len);
	buf_free(&msg);
	if (rc < 0) {
		puppet_gone(c);
		return fail_state(r, state_hint("dead"), "the init of container %s (pid %d) has exited", c->name,
				  (int)c->pid);
	}

	size_t base_sys = r->syscalls.n, base_shell = r->shell.len;
	bool pending = false;
	char *exec_line = NULL;
	for (;;) {
		char *reply_line;
		size_t reply_len;
		int got = line_read(&c->lr, &reply_line, &reply_len, -1);
		if (got == LINE_STOP) {
			free(exec_line);
			return fail_state(r, NULL, "the server is stopping");
		}
		if (got != LINE_OK) {
			/* EOF. After "execve comes next" it means execve worked: the socket
			 * was close-on-exec. Otherwise the puppet died. */
			puppet_gone(c);
			if (pending && execd) {
				if (exec_line)
					log_line(r, "%s = 0", exec_line);
				free(exec_line);
				c->state = CT_EXEC;
				*execd = true;
				return 0;
			}
			free(exec_line);
			return fail_state(r, state_hint("dead"), "the init of container %s (pid %d) died during the op",
					  c->name, (int)c->pid);
		}
		if (pending) {
			/* A final reply after "pending": execve failed, and the reply carries
			 * the whole log again. */
			while (r->syscalls.n > base_sys) {
				free(r->syscalls.v[--r->syscalls.n]);
				r->syscalls.v[r->syscalls.n] = NULL;
			}
			r->shell.len = base_shell;
			if (r->shell.s)
				r->shell.s[base_shell] = 0;
		}
		free(exec_line);
		exec_line = NULL;
		if (reply_merge_wire(r, reply_line, reply_len, &pending, &exec_line) < 0) {
			free(exec_line);
			return fail_state(r, NULL, "the puppet of %s sent something that is not a reply", c->name);
		}
		if (!pending) {
			free(exec_line);
			return r->failed ? -1 : 0;
		}
	}
}

/* Inside ops that change the mount table refuse to run in the host's mount
 * namespace; those that rename refuse to run in the host's UTS namespace. */
enum { NEED_OWN_MNT = 1, NEED_OWN_UTS = 2 };

static int forward_op(const struct request *q, struct reply *r, int needs)
{
	struct container *c = need_ct(r, q);
	if (!c)
		return -1;
	if (c->state == CT_PUPPET && c->sock >= 0) {
		if ((needs & NEED_OWN_MNT) && ns_same(c->pid, "mnt") == 1)
			return fail_state(r, state_hint("host_mnt"),
					  "container %s shares the host's mount namespace: %s would change the host's mounts",
					  c->name, q->op);
		if ((needs & NEED_OWN_UTS) && ns_same(c->pid, "uts") == 1)
			return fail_state(r, state_hint("host_uts"),
					  "container %s shares the host's UTS namespace: %s would rename the host", c->name,
					  q->op);
	}
	return forward_line(c, q->line, q->line_len, -1, r, NULL);
}

/* ------------------------------------------------------------ host-side ops */

static int op_hello(const struct request *q, struct reply *r)
{
	(void)q;
	struct utsname u;
	memset(&u, 0, sizeof u);
	int rc = uname(&u);
	log_call(r, rc, "uname({sysname=%s, release=%s, ...})", q_str(r, u.sysname), q_str(r, u.release));
	json_member_str(&r->result, "version", BOXCORE_VERSION);
	json_member_int(&r->result, "pid", getpid());
	json_member_str(&r->result, "kernel", u.release);
	/* The system calls a seccomp rule can name: this architecture's table in the
	 * kernel headers boxcore was built with (the running kernel may have newer ones). */
	json_member_int(&r->result, "syscalls", syscall_count());
	shell_step(r, "uname -r");
	return 0;
}

static int op_clone(const struct request *q, struct reply *r)
{
	int mask = 0;
	struct cg_clone cc; /* "cgroup": the group the init starts in (cgroup.c) */
	if (ns_parse_array(r, q, "ns", false, &mask) < 0 || cgroup_clone_prepare(r, q, mask, false, &cc) < 0)
		return -1;

	/* The channel to the puppet: a connected pair of Unix sockets, close-on-exec so
	 * the puppet's end vanishes when it execs (that is how we learn exec worked). */
	int sv[2] = { -1, -1 };
	int rc = socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv);
	if (log_call(r, rc, "socketpair(AF_UNIX, SOCK_STREAM|SOCK_CLOEXEC, 0, [%d, %d])", sv[0], sv[1]) < 0)
		return fail_sys(r, errno, NULL, NULL, "socketpair for the puppet");

	shell_step(r, "%s", ns_unshare_text(r, mask));

	pid_t pid = cc.want ? cgroup_clone(r, mask, 0, &cc) : ns_clone(r, mask);
	if (pid == 0) {
		close(sv[0]);
		puppet_main(sv[1], mask);
	}
	int e = errno;
	close(sv[1]);
	if (pid < 0) {
		close(sv[0]);
		const char *variant = e == EPERM ? ((mask & (1 << ns_index("user"))) ? "user" : "no_user") : NULL;
		unsigned long flags = 0;
		for (int i = 0; i < NS_COUNT; i++)
			if (mask & (1 << i))
				flags |= (unsigned long)ns_table[i].flag;
		return fail_sys(r, e, variant, NULL, "clone with flags %s", clone_flags_text(r, flags));
	}
	if (cgroup_clone_finish(r, pid, &cc) < 0) {
		close(sv[0]);
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		return -1;
	}
	struct container *c = add_ct(pid, mask, sv[0]);
	if (cc.unshare_later) {
		/* The cgroup namespace, made by the puppet now that it is in its group. */
		static const char line[] = "{\"op\":\"_cgroupns\"}";
		if (forward_line(c, line, sizeof line - 1, -1, r, NULL) < 0) {
			kill(pid, SIGKILL);
			waitpid(pid, NULL, 0);
			puppet_gone(c);
			c->used = false;
			return -1;
		}
	}
	json_member_str(&r->result, "ct", c->name);
	json_member_int(&r->result, "pid", pid);
	return 0;
}

static int op_idmap(const struct request *q, struct reply *r)
{
	struct container *c = need_ct(r, q);
	const char *uid = NULL, *gid = NULL, *setgroups = NULL;
	if (!c || arg_str(r, q, "uid", false, &uid) < 0 || arg_str(r, q, "gid", false, &gid) < 0 ||
	    arg_str(r, q, "setgroups", false, &setgroups) < 0)
		return -1;
	if (!uid && !gid)
		return fail_usage(r, usage_example("idmap"), "idmap needs \"uid\" or \"gid\" (map text)");
	if (setgroups && strcmp(setgroups, "deny") != 0 && strcmp(setgroups, "allow") != 0)
		return fail_usage(r, "accepted: deny allow", "setgroups: must be \"deny\" or \"allow\", not \"%s\"", setgroups);
	if (!setgroups && gid && count_lines(gid) == 1)
		setgroups = "deny"; /* one gid line: the unprivileged case, which needs deny */
	if (c->reaped)
		return fail_state(r, state_hint("reaped"), "container %s has exited", c->name);
	if (ids_write_maps(r, c->pid, uid, gid, setgroups) < 0)
		return -1;

	/* Let the puppet become root of its namespace when 0 is mapped. */
	bool u0 = uid && map_has_inside_zero(uid), g0 = gid && map_has_inside_zero(gid);
	if (c->state == CT_PUPPET && c->sock >= 0 && (u0 || g0)) {
		const char *line = r_printf(r, "{\"op\":\"_become_root\",\"uid\":%s,\"gid\":%s}", u0 ? "true" : "false",
					    g0 ? "true" : "false");
		struct reply inner;
		reply_init(&inner, "idmap");
		int rc = forward_line(c, line, strlen(line), -1, &inner, NULL);
		for (size_t i = 0; i < inner.syscalls.n; i++)
			strv_push_copy(&r->syscalls, inner.syscalls.v[i]);
		if (rc < 0) {
			r->failed = true;
			r->kind = inner.kind;
			r->err = inner.err;
			buf_puts(&r->message, buf_str(&inner.message));
			buf_puts(&r->explain, buf_str(&inner.explain));
			buf_puts(&r->hint, buf_str(&inner.hint));
		}
		reply_free(&inner);
		return rc;
	}
	return 0;
}

static int op_signal(const struct request *q, struct reply *r)
{
	pid_t pid = target_pid(r, q, false);
	if (pid < 0)
		return -1;
	const struct jvalue *v = json_get(&q->obj, "sig");
	int sig = -1;
	if (!v || v->type == J_NULL)
		return fail_usage(r, usage_example("signal"), "missing argument \"sig\"");
	if (v->type == J_INT)
		sig = (v->i > 0 && v->i < 65) ? (int)v->i : -1;
	else if (v->type == J_STRING && !v->has_nul)
		sig = signal_number(v->str);
	else
		return fail_usage(r, usage_example("signal"), "argument \"sig\" must be a name or a number, not %s",
				  json_type_name(v->type));
	if (sig < 0)
		return fail_usage(r, "a signal name (TERM, SIGTERM, KILL, INT, HUP, USR1, ...) or a number 1-64",
				  "sig: unknown signal %s", v->type == J_STRING ? q_str(r, v->str) : "number");
	const char *name = signal_name(sig);
	const char *text = name ? r_printf(r, "SIG%s", name) : r_printf(r, "%d", sig);
	/* kill(2) sends a signal; `kill -TERM PID` is the shell's way. A PID 1 of a PID
	 * namespace gets only the signals it has a handler for (and SIGKILL/SIGSTOP from
	 * outside), so a TERM to a shell as PID 1 may do nothing. */
	shell_step(r, "kill -%s %d", name ? name : r_printf(r, "%d", sig), (int)pid);
	if (log_call(r, kill(pid, sig), "kill(%d, %s)", (int)pid, text) < 0)
		return fail_sys(r, errno, NULL, r_printf(r, "%d", (int)pid), "kill %d", (int)pid);
	return 0;
}

static int op_wait(const struct request *q, struct reply *r)
{
	long long timeout = 10000;
	pid_t pid = target_pid(r, q, true);
	if (pid < 0 || arg_int(r, q, "timeout_ms", false, &timeout) < 0)
		return -1;
	if (timeout < 0 || timeout > 86400000)
		return fail_usage(r, usage_example("wait"), "timeout_ms must be between 0 and 86400000");
	struct container *c = ct_by_pid(pid);
	shell_step(r, "wait %d", (int)pid);
	if (c && c->reaped) {
		result_wait_status(&r->result, c->status);
		return 0;
	}
	int status;
	if (wait_for_pid(r, pid, (int)timeout, &status) < 0)
		return -1;
	if (c) {
		c->reaped = true;
		c->status = status;
		c->state = CT_EXITED;
		puppet_gone(c);
	}
	result_wait_status(&r->result, status);
	return 0;
}

/* The pids listed in /proc/PID/task/TID/children: the children of every thread. */
static void children_of(pid_t pid, struct strv *out)
{
	char path[64];
	snprintf(path, sizeof path, "/proc/%d/task", (int)pid);
	DIR *d = opendir(path);
	if (!d)
		return;
	struct dirent *e;
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		char file[320];
		snprintf(file, sizeof file, "/proc/%d/task/%s/children", (int)pid, e->d_name);
		FILE *f = fopen(file, "re");
		if (!f)
			continue;
		int child;
		while (fscanf(f, "%d", &child) == 1) {
			char text[16];
			snprintf(text, sizeof text, "%d", child);
			strv_push_copy(out, text);
		}
		fclose(f);
	}
	closedir(d);
}

/* Without a PID namespace, killing a container's init does not kill the rest of
 * it: find every descendant (the puppet is their subreaper) and kill them first. */
void kill_descendants(struct reply *r, pid_t pid)
{
	struct strv tree = { 0 };
	children_of(pid, &tree);
	for (size_t i = 0; i < tree.n; i++)
		children_of((pid_t)atoi(tree.v[i]), &tree); /* the list grows as we walk it */
	for (size_t i = 0; i < tree.n; i++) {
		pid_t p = (pid_t)atoi(tree.v[i]);
		if (r)
			log_call(r, kill(p, SIGKILL), "kill(%d, SIGKILL)", (int)p);
		else
			kill(p, SIGKILL);
	}
	strv_free(&tree);
}

static bool is_known_child(pid_t pid)
{
	for (size_t i = 0; i < ncts; i++)
		if (cts[i].used && (cts[i].pid == pid || cts[i].relay == pid))
			return true;
	return false;
}

/* The server is a child subreaper too: orphans of a container without a PID
 * namespace come to it when their puppet dies. Collect those that have ended. */
static void reap_strays(void)
{
	struct strv kids = { 0 };
	children_of(getpid(), &kids);
	for (size_t i = 0; i < kids.n; i++) {
		pid_t p = (pid_t)atoi(kids.v[i]);
		if (!is_known_child(p))
			waitpid(p, NULL, WNOHANG);
	}
	strv_free(&kids);
}

static void stop_relay(struct container *c)
{
	if (c->relay > 0) {
		kill(c->relay, SIGTERM);
		waitpid(c->relay, NULL, 0);
		c->relay = 0;
		pty_restore_terminal();
	}
}

static int op_destroy(const struct request *q, struct reply *r)
{
	struct container *c = need_ct(r, q);
	if (!c)
		return -1;
	shell_step(r, "kill -KILL %d", (int)c->pid);
	if (!c->reaped) {
		cgroup_thaw_pid(c->pid); /* a frozen v1 task cannot die */
		if (!(c->mask & (1 << ns_index("pid"))))
			kill_descendants(r, c->pid);
		/* SIGKILL to the init of a PID namespace kills every process in it. */
		if (log_call(r, kill(c->pid, SIGKILL), "kill(%d, SIGKILL)", (int)c->pid) < 0 && errno != ESRCH)
			return fail_sys(r, errno, NULL, r_printf(r, "%d", (int)c->pid), "kill %d", (int)c->pid);
		/* Reap it, so no zombie is left (wait in a shell). */
		int status = 0;
		pid_t w = waitpid(c->pid, &status, 0);
		log_call(r, w, "wait4(%d, %s, 0, NULL)", (int)c->pid, w > 0 ? q_wstatus(r, status) : "NULL");
	}
	stop_relay(c);
	puppet_gone(c);
	c->used = false;
	reap_strays();
	return 0;
}

static int op_list(const struct request *q, struct reply *r)
{
	(void)q;
	struct buf a = { 0 };
	buf_putc(&a, '[');
	bool first = true;
	for (size_t i = 0; i < ncts; i++) {
		struct container *c = &cts[i];
		if (!c->used)
			continue;
		const char *state = c->state == CT_EXEC ? "exec" : "puppet";
		siginfo_t si;
		memset(&si, 0, sizeof si);
		/* WNOWAIT: look whether it has exited without collecting the status. */
		if (c->reaped || (waitid(P_PID, (id_t)c->pid, &si, WEXITED | WNOHANG | WNOWAIT) == 0 && si.si_pid == c->pid))
			state = "exited";
		struct buf o = { 0 };
		buf_put(&o, "", 0);
		json_member_str(&o, "ct", c->name);
		json_member_int(&o, "pid", c->pid);
		struct strv ns = { 0 };
		for (int k = 0; k < NS_COUNT; k++)
			if (c->mask & (1 << k))
				strv_push_copy(&ns, ns_table[k].name);
		json_member_strv(&o, "ns", ns.v, ns.n);
		strv_free(&ns);
		json_member_str(&o, "state", state);
		if (!first)
			buf_putc(&a, ',');
		first = false;
		buf_printf(&a, "{%s}", o.s);
		buf_free(&o);
	}
	buf_putc(&a, ']');
	json_member_raw(&r->result, "containers", a.s);
	buf_free(&a);
	return 0;
}

static int op_exec_host(const struct request *q, struct reply *r)
{
	struct container *c = need_ct(r, q);
	const char *stdio = "inherit";
	if (!c || arg_str(r, q, "stdio", false, &stdio) < 0)
		return -1;
	bool pty = strcmp(stdio, "pty") == 0;
	int master = -1, slave = -1;
	if (pty && c->state == CT_PUPPET && pty_open(r, &master, &slave) < 0)
		return -1;
	bool execd = false;
	int rc = forward_line(c, q->line, q->line_len, slave, r, &execd);
	if (slave >= 0)
		close(slave);
	if (rc < 0 || !execd) {
		if (master >= 0)
			close(master);
		return rc < 0 ? -1 : fail_state(r, NULL, "the puppet did not exec");
	}
	if (pty) {
		/* The relay copies keys in and output out; in default mode fd 0 carries
		 * requests, so there is no input, and output goes to fd 2. */
		c->relay = pty_relay_start(master, g_cfg.fds_mode ? 0 : -1, g_cfg.fds_mode ? 1 : 2);
		close(master);
	}
	json_member_int(&r->result, "pid", c->pid);
	return 0;
}

static int fwd_uts(const struct request *q, struct reply *r) { return forward_op(q, r, NEED_OWN_UTS); }
static int fwd_mnt(const struct request *q, struct reply *r) { return forward_op(q, r, NEED_OWN_MNT); }
static int fwd_any(const struct request *q, struct reply *r) { return forward_op(q, r, 0); }

/* The dispatch table: every op the protocol knows. */
static const struct {
	const char *name;
	int (*fn)(const struct request *q, struct reply *r);
} ops[] = {
	{ "hello", op_hello },
	{ "clone", op_clone },
	{ "idmap", op_idmap },
	{ "signal", op_signal },
	{ "wait", op_wait },
	{ "join", op_join },
	{ "probe", op_probe },
	{ "destroy", op_destroy },
	{ "list", op_list },
	{ "sethostname", fwd_uts },
	{ "setdomainname", fwd_uts },
	{ "propagation", fwd_mnt },
	{ "mount", fwd_mnt },
	{ "umount", fwd_mnt },
	{ "readonly", fwd_mnt },
	{ "masked_paths", fwd_mnt },
	{ "readonly_paths", fwd_mnt },
	{ "devices", fwd_mnt },
	{ "pivot_root", fwd_mnt },
	{ "chroot", fwd_any },
	{ "chdir", fwd_any },
	{ "spawn", fwd_any },
	{ "caps", fwd_any },
	{ "no_new_privs", fwd_any },
	{ "seccomp", fwd_any },
	{ "user", fwd_any },
	{ "exec", op_exec_host },
	/* networking (net.c, nat.c) */
	{ "netns_add", op_netns_add },
	{ "netns_del", op_netns_del },
	{ "veth_add", op_veth_add },
	{ "bridge_add", op_bridge_add },
	{ "vxlan_add", op_vxlan_add },
	{ "link_up", op_link_up },
	{ "link_down", op_link_down },
	{ "link_move", op_link_move },
	{ "link_rename", op_link_rename },
	{ "link_master", op_link_master },
	{ "link_del", op_link_del },
	{ "addr_add", op_addr_add },
	{ "route_add", op_route_add },
	{ "sysctl", op_sysctl },
	{ "nat_masquerade", op_nat_masquerade },
	{ "nat_dnat", op_nat_dnat },
	/* cgroups (cgroup.c) */
	{ "cgroup_layout", op_cgroup_layout },
	{ "cgroup_plan", op_cgroup_plan },
	{ "cgroup_create", op_cgroup_create },
	{ "cgroup_set", op_cgroup_set },
	{ "cgroup_get", op_cgroup_get },
	{ "cgroup_freeze", op_cgroup_freeze },
	{ "cgroup_thaw", op_cgroup_thaw },
	{ "cgroup_kill", op_cgroup_kill },
	{ "cgroup_remove", op_cgroup_remove },
	{ "cgroup_devices", op_cgroup_devices },
	{ "nat_del", op_nat_del },
};

static void handle_line(const char *line, size_t len, struct buf *out)
{
	struct request q;
	struct reply r;
	reply_init(&r, "");
	if (request_parse(&q, line, len, &r) == 0) {
		size_t i, n = sizeof ops / sizeof ops[0];
		for (i = 0; i < n; i++)
			if (strcmp(ops[i].name, q.op) == 0)
				break;
		if (i < n)
			ops[i].fn(&q, &r);
		else
			fail_usage(&r, usage_example(NULL), "unknown op \"%s\"", q.op);
	}
	reply_to_json(&r, out);
	request_free(&q);
	reply_free(&r);
}

static void on_signal(int sig)
{
	(void)sig;
	g_stop = 1;
}

/* Relays end by themselves when their program exits: collect them. */
static void reap_relays(void)
{
	for (size_t i = 0; i < ncts; i++) {
		if (cts[i].used && cts[i].relay > 0 && waitpid(cts[i].relay, NULL, WNOHANG) == cts[i].relay) {
			cts[i].relay = 0;
			pty_restore_terminal();
		}
	}
}

/* At the end: every container's init gets SIGKILL and is reaped. */
static void kill_all(void)
{
	for (size_t i = 0; i < ncts; i++) {
		struct container *c = &cts[i];
		if (!c->used)
			continue;
		if (!c->reaped) {
			cgroup_thaw_pid(c->pid); /* a frozen v1 task cannot die */
			if (!(c->mask & (1 << ns_index("pid"))))
				kill_descendants(NULL, c->pid);
			/* kill -KILL PID; with a PID namespace, its other processes die too. */
			kill(c->pid, SIGKILL);
			waitpid(c->pid, NULL, 0);
		}
		stop_relay(c);
		puppet_gone(c);
		c->used = false;
	}
	free(cts);
	cts = NULL;
	ncts = 0;
	/* Whatever child is left (orphans adopted from the containers) goes too. */
	for (int round = 0; round < 100; round++) {
		struct strv kids = { 0 };
		children_of(getpid(), &kids);
		size_t n = kids.n;
		for (size_t i = 0; i < kids.n; i++) {
			pid_t p = (pid_t)atoi(kids.v[i]);
			kill(p, SIGKILL);
			waitpid(p, NULL, 0);
		}
		strv_free(&kids);
		if (n == 0)
			break;
	}
}

int serve_main(void)
{
	/* SIGTERM and SIGINT set a flag. They stay blocked except inside ppoll (see
	 * wait_fds), so the flag is checked before every sleep without a race. */
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal; /* no SA_RESTART: a blocked call returns EINTR */
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	sigset_t block;
	sigemptyset(&block);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGINT);
	sigprocmask(SIG_BLOCK, &block, &g_wait_mask);
	sigdelset(&g_wait_mask, SIGTERM);
	sigdelset(&g_wait_mask, SIGINT);

	/* Descriptors we inherited (other than 0, 1, 2 and the protocol's) must not
	 * reach containers: mark them all close-on-exec (CLOSE_RANGE_CLOEXEC, 5.11). */
	syscall(SYS_close_range, 3, ~0U, CLOSE_RANGE_CLOEXEC_);

	/* Become the "child subreaper" of our descendants (see reap_strays). */
	prctl(PR_SET_CHILD_SUBREAPER, 1);

	g_cfg.server_pid = getpid();
	g_cfg.null_fd = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (g_cfg.null_fd < 0) {
		perror("boxcore: open /dev/null");
		return 1;
	}

	struct linereader lr;
	linereader_init(&lr, g_cfg.req_fd, MAX_LINE, false);
	struct buf out = { 0 };
	for (;;) {
		char *line;
		size_t len;
		reap_relays();
		reap_strays();
		int rc = line_read(&lr, &line, &len, -1);
		if (rc == LINE_EOF || rc == LINE_STOP || rc == LINE_ERROR)
			break;
		buf_reset(&out);
		if (rc == LINE_TOO_LONG) {
			struct reply r;
			reply_init(&r, "");
			fail_protocol(&r, "the request line is longer than %d bytes; it was skipped", MAX_LINE);
			reply_to_json(&r, &out);
			reply_free(&r);
		} else {
			if (strspn(line, " \t\r") == len)
				continue; /* blank lines are not requests */
			handle_line(line, len, &out);
		}
		if (write_all(g_cfg.rep_fd, out.s, out.len) < 0)
			break; /* nobody reads the replies any more */
		if (g_stop)
			break;
	}
	buf_free(&out);
	linereader_free(&lr);
	kill_all();
	close(g_cfg.null_fd);
	return 0;
}
