/* serve.c - the server: one request per line in, one reply per line out.
 *
 * The server keeps a table of the containers it made. Host-side ops (idmap,
 * signal, wait, join, probe, destroy) it does itself; inside ops it forwards to the
 * container's puppet over their socketpair and relays the reply.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include "boxcore.h"
#include "errors.h"
#include "security.h"
#include "containers.h"
#include "serve.h"

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

	CLEANUP(buf_free) struct buf msg = { 0 };
	buf_put(&msg, line, len);
	buf_putc(&msg, '\n');
	int rc = fd >= 0 ? send_with_fd(c->sock, msg.s, msg.len, fd) : write_all(c->sock, msg.s, msg.len);
	if (rc < 0) {
		ct_puppet_gone(c);
		return fail_state(r, state_hint("dead"), "the init of container %s (pid %d) has exited", c->name,
				  (int)c->pid);
	}

	size_t base_sys = r->syscalls.n, base_shell = r->shell.len;
	bool pending = false;
	CLEANUP(mem_free) char *exec_line = NULL; /* the execve the puppet says comes next */
	for (;;) {
		char *reply_line;
		size_t reply_len;
		int got = line_read(&c->lr, &reply_line, &reply_len, -1);
		if (got == LINE_STOP)
			return fail_state(r, NULL, "the server is stopping");
		if (got != LINE_OK) {
			/* EOF. After "execve comes next" it means execve worked: the socket
			 * was close-on-exec. Otherwise the puppet died. */
			ct_puppet_gone(c);
			if (pending && execd) {
				if (exec_line)
					log_line(r, "%s = 0", exec_line);
				c->state = CT_EXEC;
				*execd = true;
				return 0;
			}
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
		free(exec_line); /* the one before: a final reply replaces it */
		exec_line = NULL;
		if (reply_merge_wire(r, reply_line, reply_len, &pending, &exec_line) < 0)
			return fail_state(r, NULL, "the puppet of %s sent something that is not a reply", c->name);
		if (!pending)
			return r->failed ? -1 : 0;
	}
}

/* Inside ops that change the mount table refuse to run in the host's mount
 * namespace; those that rename refuse to run in the host's UTS namespace. */
enum { NEED_OWN_MNT = 1, NEED_OWN_UTS = 2 };

static int forward_op(const struct request *q, struct reply *r, int needs)
{
	struct container *c = ct_need(r, q);
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

static void op_catalog(struct buf *out);

static int op_hello(const struct request *q, struct reply *r)
{
	(void)q;
	struct utsname u;
	memset(&u, 0, sizeof u);
	/* uname(2): the kernel the lab runs on, for the status line. */
	int rc = uname(&u);
	log_call(r, rc, "uname({sysname=%s, release=%s, ...})", q_str(r, u.sysname), q_str(r, u.release));
	json_member_str(&r->result, "version", BOXCORE_VERSION);
	json_member_int(&r->result, "pid", getpid());
	json_member_str(&r->result, "kernel", u.release);
	/* The system calls a seccomp rule can name: this architecture's table in the
	 * kernel headers boxcore was built with (the running kernel may have newer ones). */
	json_member_int(&r->result, "syscalls", sc_count(sc_abi_native()));
	/* Every op and the arguments it reads, from the dispatch tables themselves. */
	struct buf catalog = { 0 };
	op_catalog(&catalog);
	json_member_raw(&r->result, "ops", catalog.s);
	buf_free(&catalog);
	shell_step(r, "uname -r");
	return 0;
}

static int op_clone(const struct request *q, struct reply *r)
{
	int mask = 0;
	struct cg_ref group = { 0 }; /* "cgroup": the group the init starts in (cgroup.c) */
	struct cg_clone cc;
	if (ns_parse_array(r, q, "ns", false, &mask) < 0 || arg_str(r, q, "cgroup", false, &group.name) < 0 ||
	    (group.name && arg_str(r, q, "cgroup_parent", false, &group.parent) < 0) ||
	    cgroup_clone_prepare(r, group.name ? &group : NULL, mask, false, &cc) < 0)
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
	struct container *c = NULL;
	if (cgroup_clone_finish(r, pid, &cc) < 0)
		goto undo;
	c = ct_add(pid, mask, sv[0]);
	sv[0] = -1; /* the table's now */
	/* The cgroup namespace, made by the puppet now that it is in its group. */
	static const char cgroupns[] = "{\"op\":\"_cgroupns\"}";
	if (cc.unshare_later && forward_line(c, cgroupns, sizeof cgroupns - 1, -1, r, NULL) < 0)
		goto undo;
	json_member_str(&r->result, "ct", c->name);
	json_member_int(&r->result, "pid", pid);
	return 0;
undo:
	/* An init half made is of no use: kill it and reap it. */
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	fd_close(&sv[0]);
	if (c) {
		ct_puppet_gone(c);
		ct_drop(c);
	}
	return -1;
}

static int op_idmap(const struct request *q, struct reply *r)
{
	struct container *c = ct_need(r, q);
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
	int rc;
	const struct jvalue *v = arg_value(r, q, "sig", true, &rc);
	int sig = -1;
	if (!v)
		return rc;
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
		ct_puppet_gone(c);
	}
	result_wait_status(&r->result, status);
	return 0;
}

static bool is_known_child(pid_t pid)
{
	for (struct container *c = ct_next(NULL); c; c = ct_next(c))
		if (c->pid == pid || c->relay == pid)
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
			/* WNOHANG: collect it if it has ended, never wait. */
			waitpid(p, NULL, WNOHANG);
	}
	strv_free(&kids);
}

static void stop_relay(struct container *c)
{
	if (c->relay > 0) {
		/* SIGTERM ends the relay; reap it, then give the terminal its settings back. */
		kill(c->relay, SIGTERM);
		waitpid(c->relay, NULL, 0);
		c->relay = 0;
		pty_restore_terminal();
	}
}

static int op_destroy(const struct request *q, struct reply *r)
{
	struct container *c = ct_need(r, q);
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
	ct_puppet_gone(c);
	ct_drop(c);
	reap_strays();
	return 0;
}

static int op_list(const struct request *q, struct reply *r)
{
	(void)q;
	struct buf a = { 0 };
	buf_putc(&a, '[');
	bool first = true;
	for (struct container *c = ct_next(NULL); c; c = ct_next(c)) {
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
	struct container *c = ct_need(r, q);
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

/* The dispatch table: every op the protocol knows, and the arguments each reads.
 * An inside op is forwarded to the puppet, which reads the rest (puppet.c's table);
 * the server itself reads only "ct" (and exec its "stdio"). */
#define HOST(name, fn, args) { name, fn, args, false }
#define INSIDE(name, fn, args) { name, fn, args, true }
static const struct op_entry ops[] = {
	HOST("hello", op_hello, ""),
	HOST("clone", op_clone, "ns cgroup cgroup_parent"),
	HOST("idmap", op_idmap, "ct uid gid setgroups"),
	HOST("signal", op_signal, "ct pid sig"),
	HOST("wait", op_wait, "ct pid timeout_ms"),
	HOST("join", op_join, "ct pid ns argv env cwd capture timeout_ms"),
	HOST("probe", op_probe, "ct pid what"),
	HOST("destroy", op_destroy, "ct"),
	HOST("list", op_list, ""),
	INSIDE("sethostname", fwd_uts, "ct"),
	INSIDE("setdomainname", fwd_uts, "ct"),
	INSIDE("propagation", fwd_mnt, "ct"),
	INSIDE("mount", fwd_mnt, "ct"),
	INSIDE("umount", fwd_mnt, "ct"),
	INSIDE("readonly", fwd_mnt, "ct"),
	INSIDE("masked_paths", fwd_mnt, "ct"),
	INSIDE("readonly_paths", fwd_mnt, "ct"),
	INSIDE("devices", fwd_mnt, "ct"),
	INSIDE("device_node", fwd_mnt, "ct"),
	INSIDE("pivot_root", fwd_mnt, "ct"),
	INSIDE("chroot", fwd_any, "ct"),
	INSIDE("chdir", fwd_any, "ct"),
	INSIDE("spawn", fwd_any, "ct"),
	INSIDE("caps", fwd_any, "ct"),
	INSIDE("no_new_privs", fwd_any, "ct"),
	INSIDE("apparmor_exec", fwd_any, "ct"),
	INSIDE("seccomp", fwd_any, "ct"),
	INSIDE("user", fwd_any, "ct"),
	INSIDE("exec", op_exec_host, "ct stdio"),
	/* networking (net.c, nat.c, netdump.c): where an op acts is "ct", "pid" or "netns" */
	HOST("netns_add", op_netns_add, "name"),
	HOST("netns_del", op_netns_del, "netns"),
	HOST("veth_add", op_veth_add, "ct pid netns name peer peer_ct peer_pid peer_netns"),
	HOST("bridge_add", op_bridge_add, "ct pid netns name"),
	HOST("vxlan_add", op_vxlan_add, "ct pid netns name vni local remote dstport dev"),
	HOST("link_up", op_link_up, "ct pid netns dev"),
	HOST("link_down", op_link_down, "ct pid netns dev"),
	HOST("link_move", op_link_move, "ct pid netns dev name to_ct to_pid to_netns"),
	HOST("link_rename", op_link_rename, "ct pid netns dev name"),
	HOST("link_master", op_link_master, "ct pid netns dev master"),
	HOST("link_del", op_link_del, "ct pid netns dev"),
	HOST("addr_add", op_addr_add, "ct pid netns dev addr"),
	HOST("route_add", op_route_add, "ct pid netns dst via dev"),
	HOST("sysctl", op_sysctl, "ct pid netns key value"),
	HOST("net_dump", op_net_dump, "ct pid netns"),
	HOST("nat_masquerade", op_nat_masquerade, "ct pid netns table source exclude_dev tool"),
	HOST("nat_dnat", op_nat_dnat, "ct pid netns table port to proto localhost daddr tool"),
	HOST("nat_del", op_nat_del, "ct pid netns table tool"),
	HOST("net_isolate", op_net_isolate, "ct pid netns table bridge isolate subnet icc tool"),
	/* cgroups (cgroup.c, cgroup_devices.c) */
	HOST("cgroup_layout", op_cgroup_layout, ""),
	HOST("cgroup_plan", op_cgroup_plan, "cgroup parent controllers"),
	HOST("cgroup_create", op_cgroup_create, "cgroup parent controllers"),
	HOST("cgroup_set", op_cgroup_set, "cgroup parent file value controller"),
	HOST("cgroup_get", op_cgroup_get, "cgroup parent file controller"),
	HOST("cgroup_freeze", op_cgroup_freeze, "cgroup parent timeout_ms"),
	HOST("cgroup_thaw", op_cgroup_thaw, "cgroup parent timeout_ms"),
	HOST("cgroup_kill", op_cgroup_kill, "cgroup parent timeout_ms"),
	HOST("cgroup_remove", op_cgroup_remove, "cgroup parent timeout_ms"),
	HOST("cgroup_devices", op_cgroup_devices, "cgroup parent rules"),
};
#define NOPS (sizeof ops / sizeof ops[0])

/* The op catalog hello returns: {"op": ["arg", ...], ...} in the table's order, an
 * inside op's arguments joined with those the puppet reads. */
static void op_catalog(struct buf *out)
{
	buf_putc(out, '{');
	for (size_t i = 0; i < NOPS; i++) {
		struct strv names = { 0 };
		op_arg_names(ops[i].args, &names);
		if (ops[i].inside)
			op_arg_names(puppet_op_args(ops[i].name), &names);
		if (i)
			buf_putc(out, ',');
		json_str(out, ops[i].name);
		buf_putc(out, ':');
		buf_putc(out, '[');
		for (size_t k = 0; k < names.n; k++) {
			if (k)
				buf_putc(out, ',');
			json_str(out, names.v[k]);
		}
		buf_putc(out, ']');
		strv_free(&names);
	}
	buf_putc(out, '}');
}

static void handle_line(const char *line, size_t len, struct buf *out)
{
	struct request q;
	struct reply r;
	reply_init(&r, "");
	if (request_parse(&q, line, len, &r) == 0) {
		const struct op_entry *e = op_find(ops, NOPS, q.op);
		if (e) {
			q.args = e->args;
			e->fn(&q, &r);
		} else {
			fail_usage(&r, usage_example(NULL), "unknown op \"%s\"", q.op);
		}
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
	for (struct container *c = ct_next(NULL); c; c = ct_next(c)) {
		if (c->relay > 0 && waitpid(c->relay, NULL, WNOHANG) == c->relay) {
			c->relay = 0;
			pty_restore_terminal();
		}
	}
}

/* At the end: every container's init gets SIGKILL and is reaped. */
static void kill_all(void)
{
	for (struct container *c = ct_next(NULL); c; c = ct_next(c)) {
		if (!c->reaped) {
			cgroup_thaw_pid(c->pid); /* a frozen v1 task cannot die */
			if (!(c->mask & (1 << ns_index("pid"))))
				kill_descendants(NULL, c->pid);
			/* kill -KILL PID; with a PID namespace, its other processes die too. */
			kill(c->pid, SIGKILL);
			waitpid(c->pid, NULL, 0);
		}
		stop_relay(c);
		ct_puppet_gone(c);
		ct_drop(c);
	}
	ct_table_free();
	/* Whatever child is left (orphans adopted from the containers) goes too. */
	for (int round = 0; round < 100; round++) {
		struct strv kids = { 0 };
		children_of(getpid(), &kids);
		size_t n = kids.n;
		for (size_t i = 0; i < kids.n; i++) {
			pid_t p = (pid_t)atoi(kids.v[i]);
			/* SIGKILL and reap each, until no child is left. */
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
	sigset_t block;
	sigemptyset(&block);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGINT);
	sigprocmask(SIG_BLOCK, &block, &g_wait_mask);
	sigdelset(&g_wait_mask, SIGTERM);
	sigdelset(&g_wait_mask, SIGINT);

	/* Become the "child subreaper" of our descendants (see reap_strays). */
	prctl(PR_SET_CHILD_SUBREAPER, 1);

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
