/* join.c - running things inside namespaces that already exist: join (what
 * `nsenter` and `docker exec` do), probe (read a container's hostname and SysV IPC
 * objects from inside), and the `enter` and `probe` subcommands.
 *
 * Joining takes two processes. setns() into a PID namespace does not move the
 * caller - only its future children are made in it - so the joining process forks
 * once more and the child runs the program.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include "boxcore.h"
#include "errors.h"
#include "containers.h"

extern char **environ;

#define HELPER_TIMEOUT_MS 5000

/* ------------------------------------------------------------ probe */

enum { PROBE_UTS = 1, PROBE_IPC = 2 };

static void read_text(struct reply *r, const char *path, struct buf *out)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	log_call(r, fd, "openat(AT_FDCWD, %s, O_RDONLY|O_CLOEXEC)", q_str(r, path));
	if (fd < 0)
		return;
	char b[8192];
	ssize_t n;
	while ((n = read(fd, b, sizeof b)) > 0)
		buf_put(out, b, (size_t)n);
	close(fd);
}

/* setns into pid's UTS and/or IPC namespace, then read from there. /proc/sysvipc
 * shows the IPC namespace of the process that reads it - hence the setns. */
static int probe_collect(struct reply *r, pid_t pid, int what)
{
	int mask = 0;
	if (what & PROBE_UTS)
		mask |= 1 << ns_index("uts");
	if (what & PROBE_IPC)
		mask |= 1 << ns_index("ipc");
	if (ns_join(r, pid, mask) < 0)
		return -1;
	if (what & PROBE_UTS) {
		struct utsname u;
		memset(&u, 0, sizeof u);
		/* uname() returns the nodename and domainname of our UTS namespace. */
		int rc = uname(&u);
		if (log_call(r, rc, "uname({sysname=%s, nodename=%s, ...})", q_str(r, u.sysname), q_str(r, u.nodename)) < 0)
			return fail_sys(r, errno, NULL, NULL, "uname in the UTS namespace of %d", (int)pid);
		struct buf o = { 0 };
		buf_put(&o, "", 0);
		json_member_str(&o, "hostname", u.nodename);
		json_member_str(&o, "domainname", u.domainname);
		json_member_raw(&r->result, "uts", r_printf(r, "{%s}", o.s));
		buf_free(&o);
	}
	if (what & PROBE_IPC) {
		static const char *const files[] = { "msg", "sem", "shm" };
		struct buf o = { 0 };
		buf_put(&o, "", 0);
		for (int i = 0; i < 3; i++) {
			struct buf text = { 0 };
			buf_put(&text, "", 0);
			read_text(r, r_printf(r, "/proc/sysvipc/%s", files[i]), &text);
			json_member_strn(&o, files[i], text.s, text.len);
			buf_free(&text);
		}
		json_member_raw(&r->result, "ipc", r_printf(r, "{%s}", o.s));
		buf_free(&o);
	}
	return 0;
}

static int parse_what(struct reply *r, const struct request *q, int *what)
{
	char **names = NULL;
	size_t n = 0;
	if (arg_strv(r, q, "what", false, &names, &n) < 0)
		return -1;
	if (!names) {
		*what = PROBE_UTS | PROBE_IPC;
		return 0;
	}
	for (size_t i = 0; i < n; i++) {
		if (strcmp(names[i], "uts") == 0)
			*what |= PROBE_UTS;
		else if (strcmp(names[i], "ipc") == 0)
			*what |= PROBE_IPC;
		else
			return fail_usage(r, "accepted: uts ipc", "what: unknown \"%s\"", names[i]);
	}
	return 0;
}

/* ------------------------------------------------------------ helpers */

/* Run fn in a forked helper process and take over the reply it writes back on a
 * pipe. The helper is where setns happens: the server itself never leaves its own
 * namespaces. cap may carry the read ends of the program's stdout/stderr. */
int run_helper(struct reply *r, int (*fn)(struct reply *hr, void *ctx), void *ctx, struct capture *cap,
		      int close_in_parent[2], int timeout_ms)
{
	int rep[2];
	if (pipe2(rep, O_CLOEXEC) < 0)
		return fail_sys(r, errno, NULL, NULL, "pipe for the helper's report");
	/* fork: the helper is a copy of the server that may change its namespaces
	 * freely, and a timeout can end it with one kill. */
	pid_t h = fork();
	if (h == 0) {
		reset_signals_for_exec();
		/* Die with the server (setpriv --pdeathsig KILL is the shell's way). */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		close(rep[0]);
		if (cap->out_fd >= 0)
			close(cap->out_fd);
		if (cap->err_fd >= 0)
			close(cap->err_fd);
		struct reply hr;
		reply_init(&hr, r->op);
		fn(&hr, ctx);
		struct buf wire = { 0 };
		reply_to_wire(&hr, &wire);
		write_all(rep[1], wire.s, wire.len);
		_exit(0);
	}
	log_call(r, h, "fork()");
	close(rep[1]);
	for (int i = 0; i < 2; i++)
		if (close_in_parent[i] >= 0)
			close(close_in_parent[i]);
	if (h < 0) {
		close(rep[0]);
		return fail_sys(r, errno, NULL, NULL, "fork a helper");
	}
	cap->extra_fd = rep[0];
	int pidfd = pidfd_open_pid(h);
	int rc = capture_run(cap, pidfd, timeout_ms);
	if (pidfd >= 0)
		close(pidfd);
	if (rc != 0) {
		/* Undo: the helper goes, and with it (PR_SET_PDEATHSIG) the program. */
		kill(h, SIGKILL);
		waitpid(h, NULL, 0);
		if (rc == 1)
			return fail_timeout(r, "%s did not finish within %d ms (killed)", r->op, timeout_ms);
		return fail_state(r, NULL, "%s was interrupted", r->op);
	}
	/* waitpid(2): the helper has sent its report; collect its exit, so no zombie stays. */
	int status;
	waitpid(h, &status, 0);
	bool pending;
	if (cap->extra.len == 0 || reply_merge_wire(r, cap->extra.s, cap->extra.len, &pending, NULL) < 0)
		return fail_state(r, NULL, "the %s helper died without a report (%s)", r->op,
				  WIFSIGNALED(status) ? "killed by a signal" : "exited");
	return r->failed ? -1 : 0;
}

struct probe_ctx {
	pid_t pid;
	int what;
};

static int probe_in_helper(struct reply *hr, void *ctx)
{
	struct probe_ctx *p = ctx;
	return probe_collect(hr, p->pid, p->what);
}

int op_probe(const struct request *q, struct reply *r)
{
	struct probe_ctx p = { 0, 0 };
	p.pid = target_pid(r, q, false);
	if (p.pid < 0 || parse_what(r, q, &p.what) < 0)
		return -1;
	shell_step(r, "nsenter -t %d%s%s -- sh -c %s", (int)p.pid, (p.what & PROBE_UTS) ? " --uts" : "",
		   (p.what & PROBE_IPC) ? " --ipc" : "",
		   sh_word(r, (p.what & PROBE_IPC) ? "hostname; domainname; cat /proc/sysvipc/msg /proc/sysvipc/sem /proc/sysvipc/shm"
						    : "hostname; domainname"));
	struct capture cap = { .in_fd = -1, .out_fd = -1, .err_fd = -1, .extra_fd = -1 };
	int none[2] = { -1, -1 };
	int rc = run_helper(r, probe_in_helper, &p, &cap, none, HELPER_TIMEOUT_MS);
	capture_free(&cap);
	return rc;
}

/* ------------------------------------------------------------ join */

struct join_ctx {
	pid_t pid;
	int mask;
	char **argv, **env;
	const char *cwd;
	bool capture;
	int out_w, err_w;
};

static int join_in_helper(struct reply *hr, void *ctx)
{
	struct join_ctx *j = ctx;
	if (ns_join(hr, j->pid, j->mask) < 0)
		return -1;
	/* Look the program up now: we see the container's files since setns(mnt). */
	char path[PATH_MAX];
	resolve_program(j->argv[0], j->env, path, sizeof path);
	int ex[2];
	if (pipe2(ex, O_CLOEXEC) < 0)
		return fail_sys(hr, errno, NULL, NULL, "pipe for exec status");
	/* The fork that makes setns(pid) take effect: this child is in the container's
	 * PID namespace. */
	pid_t pid = fork();
	if (pid == 0) {
		/* If the helper is killed (timeout), the program goes too. */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (j->capture) {
			dup2(g_cfg.null_fd, 0);
			dup2(j->out_w, 1);
			dup2(j->err_w, 2);
		} else {
			container_stdio();
		}
		if (chdir(j->cwd) < 0)
			exec_report_and_exit(ex[1], 'c', errno);
		/* execve: become the program, inside every namespace joined above. */
		execve(path, j->argv, j->env);
		exec_report_and_exit(ex[1], 'e', errno);
	}
	int e = errno;
	log_call(hr, pid, "fork()");
	close(ex[1]);
	if (j->out_w >= 0)
		close(j->out_w);
	if (j->err_w >= 0)
		close(j->err_w);
	if (pid < 0) {
		close(ex[0]);
		return fail_sys(hr, e, e == ENOMEM ? "fork_pidns" : NULL, NULL, "fork inside the PID namespace of %d", (int)j->pid);
	}
	struct exec_failure f = { 0, 0 };
	bool failed = exec_report_read(ex[0], &f);
	close(ex[0]);
	log_exec_outcome(hr, failed, &f, j->cwd, path, j->argv, j->env);
	int status = 0;
	/* join runs the program to its end, as nsenter in a shell does: waitpid(2). */
	pid_t w = waitpid(pid, &status, 0);
	if (failed) {
		if (f.step == 'c')
			return fail_sys(hr, f.err, "cwd", j->cwd, "chdir %s", j->cwd);
		return fail_sys(hr, f.err, exec_variant(f.err, path), path, "execve %s", path);
	}
	log_call(hr, w, "wait4(%d, %s, 0, NULL)", (int)pid, q_wstatus(hr, status));
	result_wait_status(&hr->result, status);
	return 0;
}

int op_join(const struct request *q, struct reply *r)
{
	struct join_ctx j = { .cwd = "/", .capture = true, .out_w = -1, .err_w = -1, .env = default_env() };
	size_t argc = 0, envc = 0;
	long long timeout = 10000;
	j.pid = target_pid(r, q, false);
	if (j.pid < 0 || arg_strv(r, q, "argv", true, &j.argv, &argc) < 0 ||
	    arg_strv(r, q, "env", false, &j.env, &envc) < 0 || arg_str(r, q, "cwd", false, &j.cwd) < 0 ||
	    arg_bool(r, q, "capture", &j.capture) < 0 || arg_int(r, q, "timeout_ms", false, &timeout) < 0)
		return -1;
	if (argc == 0)
		return fail_usage(r, usage_example("join"), "argv must name a program");
	if (timeout < 0 || timeout > INT_MAX)
		return fail_usage(r, usage_example("join"), "timeout_ms must be between 0 and %d", INT_MAX);
	/* kill(2) with signal 0 sends nothing: it only asks whether the process exists. */
	if (kill(j.pid, 0) < 0 && errno == ESRCH)
		return fail_sys(r, ESRCH, "setns", r_printf(r, "%d", (int)j.pid), "no process %d", (int)j.pid);
	if (arg_present(q, "ns")) {
		if (ns_parse_array(r, q, "ns", false, &j.mask) < 0)
			return -1;
	} else {
		j.mask = ns_differing(j.pid); /* nsenter --all: every one that differs */
	}

	struct buf sh = { 0 };
	buf_printf(&sh, "nsenter -t %d", (int)j.pid);
	for (int i = 0; i < NS_COUNT; i++)
		if (j.mask & (1 << i))
			buf_printf(&sh, " %s", ns_table[i].nsenter);
	if (strcmp(j.cwd, "/") != 0)
		buf_printf(&sh, " --wd=%s", sh_word(r, j.cwd));
	buf_printf(&sh, " -- %s", argv_shell(r, j.argv));
	shell_step(r, "%s", sh.s);
	buf_free(&sh);

	struct capture cap = { .in_fd = -1, .out_fd = -1, .err_fd = -1, .extra_fd = -1, .cap = 1024 * 1024 };
	int close_after[2] = { -1, -1 };
	if (j.capture) {
		int pipes[2][2];
		if (pipes_open(pipes, 2) < 0)
			return fail_sys(r, errno, NULL, NULL, "pipes for the program's stdout and stderr");
		int *out = pipes[0], *err = pipes[1];
		cap.out_fd = out[0];
		cap.err_fd = err[0];
		j.out_w = close_after[0] = out[1];
		j.err_w = close_after[1] = err[1];
	}
	int rc = run_helper(r, join_in_helper, &j, &cap, close_after, (int)timeout);
	if (rc == 0 && j.capture) {
		json_member_strn(&r->result, "stdout", cap.out.s ? cap.out.s : "", cap.out.len);
		json_member_strn(&r->result, "stderr", cap.err.s ? cap.err.s : "", cap.err.len);
	}
	capture_free(&cap);
	return rc;
}

/* ------------------------------------------------------------ subcommands */

/* A terminal has one foreground process group: the one its keys' signals (Ctrl-C,
 * Ctrl-Z) go to, and the only one allowed to read it. A shell running a command puts
 * the command in a group of its own and makes that the foreground; when the command
 * ends, it takes the terminal back. `enter` does the same, and must: a shell in a new
 * PID namespace cannot see the group it was started from (getpgrp() and tcgetpgrp()
 * say 0 there), so when it exits it cannot give the terminal back, and the group that
 * owns it is gone - whoever started us, stopped by SIGTTIN at its next read, waits
 * forever. */

/* tcsetpgrp(3) from a group that is not the foreground sends it SIGTTOU, which would
 * stop it: ignored for the call, as shells do. */
static int give_terminal(int fd, pid_t pgrp)
{
	struct sigaction ign = { .sa_handler = SIG_IGN }, old;
	sigemptyset(&ign.sa_mask);
	sigaction(SIGTTOU, &ign, &old);
	int rc = tcsetpgrp(fd, pgrp);
	int saved = errno;
	sigaction(SIGTTOU, &old, NULL);
	errno = saved;
	return rc;
}

/* In the child, before exec: a process group of its own, made the foreground. (An
 * interactive shell checks that it owns the terminal before it turns job control on.)
 * SIGTTOU is back to its default by the time the program runs. */
static void take_terminal(int fd)
{
	setpgid(0, 0);
	give_terminal(fd, getpgrp());
}

void print_error(const char *cmd, const struct reply *r)
{
	fprintf(stderr, "boxcore %s: %s\n", cmd, r->message.s ? r->message.s : "failed");
	if (r->explain.len)
		fprintf(stderr, "  why: %s\n", r->explain.s);
	if (r->hint.len)
		fprintf(stderr, "  try: %s\n", r->hint.s);
}

static void print_trace(const struct reply *r)
{
	if (!getenv("BOXCORE_TRACE"))
		return;
	for (size_t i = 0; i < r->syscalls.n; i++)
		fprintf(stderr, "boxcore: %s\n", r->syscalls.v[i]);
}

/* A PID is a number; one above the largest pid_t names no process, which the kernel
 * says (ESRCH) rather than the usage. */
static int parse_pid(const char *s, pid_t *pid)
{
	char *end;
	errno = 0;
	long long v = strtoll(s, &end, 10);
	if (*s == 0 || *end != 0 || v <= 0)
		return -1;
	*pid = errno == ERANGE || v > INT_MAX ? INT_MAX : (pid_t)v;
	return 0;
}

int cli_enter(int argc, char **argv)
{
	pid_t pid;
	int mask = 0, i = 2;
	bool have_ns = false;
	if (argc < 3 || parse_pid(argv[2], &pid) < 0) {
		fprintf(stderr, "usage: boxcore enter PID [--ns LIST] [--] CMD [ARG...]\n");
		return 2;
	}
	struct reply r;
	reply_init(&r, "enter");
	/* First whether there is such a process at all: that answer holds whatever else
	 * the command line says. (INT_MAX is above any pid_max the kernel allows.) */
	if (pid == INT_MAX || (kill(pid, 0) < 0 && errno == ESRCH)) {
		fail_sys(&r, ESRCH, "setns", argv[2], "no process %s", argv[2]);
		print_error("enter", &r);
		return 1;
	}
	for (i = 3; i < argc; i++) {
		if (strcmp(argv[i], "--") == 0) {
			i++;
			break;
		}
		if (strcmp(argv[i], "--ns") == 0 && i + 1 < argc) {
			const char *bad = NULL;
			if (ns_parse_csv(argv[++i], &mask, &bad) < 0) {
				fprintf(stderr, "boxcore enter: unknown namespace \"%s\" (accepted: %s)\n", bad, NS_ACCEPTED);
				return 2;
			}
			have_ns = true;
			continue;
		}
		break;
	}
	if (i >= argc) {
		fprintf(stderr, "usage: boxcore enter PID [--ns LIST] [--] CMD [ARG...]\n");
		return 2;
	}
	char **cmd = argv + i;
	if (!have_ns)
		mask = ns_differing(pid);
	if (ns_join(&r, pid, mask) < 0) {
		print_trace(&r);
		print_error("enter", &r);
		return 1;
	}
	print_trace(&r);
	char path[PATH_MAX];
	resolve_program(cmd[0], environ, path, sizeof path);
	/* The terminal's foreground process group now (ours, or our caller's): it gets
	 * the terminal back when the program ends. */
	pid_t owner = isatty(0) ? tcgetpgrp(0) : -1;
	/* The fork that puts the program in the joined PID namespace (nsenter --pid
	 * forks the same way). */
	pid_t child = fork();
	if (child == 0) {
		if (owner > 0)
			take_terminal(0);
		/* After setns(mnt) the cwd is the namespace's root already; say so. */
		if (mask & (1 << ns_index("mnt")))
			(void)!chdir("/");
		execve(path, cmd, environ);
		int e = errno;
		fail_sys(&r, e, exec_variant(e, path), path, "execve %s", path);
		print_error("enter", &r);
		_exit(e == ENOENT ? 127 : 126);
	}
	if (child < 0) {
		fail_sys(&r, errno, errno == ENOMEM ? "fork_pidns" : NULL, NULL, "fork inside the namespaces of %d", (int)pid);
		print_error("enter", &r);
		return 1;
	}
	/* Like a shell running a command: let Ctrl-C and Ctrl-\ go to the program and
	 * wait for it; our exit code is its code. */
	signal(SIGINT, SIG_IGN);
	signal(SIGQUIT, SIG_IGN);
	if (owner > 0) {
		/* The same two calls as the child makes, whichever of us runs first. */
		setpgid(child, child);
		give_terminal(0, child);
	}
	int status;
	for (;;) {
		/* WUNTRACED: a program stopped by Ctrl-Z would wait for a `fg` that no shell
		 * here can give; it is continued at once instead. */
		if (waitpid(child, &status, WUNTRACED) < 0) {
			if (errno == EINTR)
				continue;
			status = W_EXITCODE(1, 0);
			break;
		}
		if (!WIFSTOPPED(status))
			break;
		kill(-child, SIGCONT);
	}
	/* A terminal closed while the program had it (a window closed, ssh gone) sent its
	 * SIGHUP to the program's group, the foreground, and not to the owner's: the
	 * hung-up terminal refuses tcsetpgrp (ENOTTY, or EIO). Pass the SIGHUP on, as the
	 * kernel would have had the owner been the foreground, so our caller ends too
	 * instead of running on without a terminal. */
	if (owner > 0 && give_terminal(0, owner) < 0 && (errno == ENOTTY || errno == EIO)) {
		signal(SIGHUP, SIG_IGN);
		kill(-owner, SIGHUP);
	}
	reply_free(&r);
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	return 128 + WTERMSIG(status);
}

int cli_probe(int argc, char **argv)
{
	pid_t pid;
	if (argc != 4 || parse_pid(argv[2], &pid) < 0) {
		fprintf(stderr, "usage: boxcore probe PID WHAT   (WHAT: a comma list of uts,ipc)\n");
		return 2;
	}
	int what = 0;
	char *list = xstrdup(argv[3]);
	for (char *tok = strtok(list, ","); tok; tok = strtok(NULL, ",")) {
		if (strcmp(tok, "uts") == 0) {
			what |= PROBE_UTS;
		} else if (strcmp(tok, "ipc") == 0) {
			what |= PROBE_IPC;
		} else {
			fprintf(stderr, "boxcore probe: unknown \"%s\" (accepted: uts ipc)\n", tok);
			free(list);
			return 2;
		}
	}
	free(list);
	if (!what) {
		fprintf(stderr, "boxcore probe: WHAT is empty (accepted: uts ipc)\n");
		return 2;
	}
	struct reply r;
	reply_init(&r, "probe");
	if (probe_collect(&r, pid, what) < 0) {
		print_trace(&r);
		print_error("probe", &r);
		reply_free(&r);
		return 1;
	}
	print_trace(&r);
	printf("{%s}\n", r.result.s);
	reply_free(&r);
	return 0;
}
