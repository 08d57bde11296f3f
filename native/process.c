/* process.c - running programs: spawn (fork, exec, capture, wait) and exec (the
 * puppet becomes the program), plus waiting with a pidfd, and finding a process's
 * descendants.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <dirent.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include "boxcore.h"
#include "errors.h"

#define OUTPUT_CAP (1024 * 1024)
#define DEFAULT_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

char **default_env(void)
{
	static char *env[] = { "PATH=" DEFAULT_PATH, "HOME=/root", "TERM=xterm", NULL };
	return env;
}

/* Find prog the way execvp would, but with the PATH of the environment the program
 * gets (execvpe searches the caller's PATH instead). The search runs in the
 * container's root, because that is where execve will look. */
int resolve_program(const char *prog, char *const env[], char *out, size_t outlen)
{
	if (strchr(prog, '/')) {
		snprintf(out, outlen, "%s", prog);
		return 0;
	}
	const char *path = DEFAULT_PATH;
	for (size_t i = 0; env && env[i]; i++)
		if (strncmp(env[i], "PATH=", 5) == 0)
			path = env[i] + 5;
	for (const char *p = path; *p;) {
		size_t l = strcspn(p, ":");
		snprintf(out, outlen, "%.*s/%s", (int)l, l ? p : ".", prog);
		if (access(out, X_OK) == 0)
			return 0;
		p += l;
		if (*p == ':')
			p++;
	}
	snprintf(out, outlen, "%s", prog);
	errno = ENOENT;
	return -1;
}

/* ["sh", "-c", "..."] as strace prints an argv. */
static const char *argv_text(struct reply *r, char *const argv[])
{
	struct buf b = { 0 };
	buf_putc(&b, '[');
	for (size_t i = 0; argv[i]; i++) {
		if (i)
			buf_puts(&b, ", ");
		buf_c_string(&b, argv[i], strlen(argv[i]));
	}
	buf_putc(&b, ']');
	const char *s = r_printf(r, "%s", b.s);
	buf_free(&b);
	return s;
}

const char *argv_shell(struct reply *r, char *const argv[])
{
	struct buf b = { 0 };
	buf_put(&b, "", 0);
	for (size_t i = 0; argv[i]; i++) {
		if (i)
			buf_putc(&b, ' ');
		buf_shell_word(&b, argv[i]);
	}
	const char *s = r_printf(r, "%s", b.s);
	buf_free(&b);
	return s;
}

static size_t count(char *const v[])
{
	size_t n = 0;
	while (v && v[n])
		n++;
	return n;
}

/* pidfd_open(2) (Linux 5.3): a file descriptor for a process. It becomes readable
 * when the process exits, so it can sit in poll() beside pipes - no SIGCHLD handler,
 * no sleeping loop. */
int pidfd_open_pid(pid_t pid)
{
	return (int)syscall(SYS_pidfd_open, pid, 0);
}

/* ------------------------------------------------------------ capture */

static void append_capped(struct buf *b, const char *data, size_t n, size_t cap)
{
	if (b->len < cap)
		buf_put(b, data, n < cap - b->len ? n : cap - b->len);
}

/* Read what is there; returns false at EOF or error (the fd is then closed). */
static bool pump(int *fd, struct buf *b, size_t cap)
{
	char tmp[16384];
	for (;;) {
		ssize_t n = read(*fd, tmp, sizeof tmp);
		if (n > 0) {
			append_capped(b, tmp, (size_t)n, cap);
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return true;
		close(*fd);
		*fd = -1;
		return false;
	}
}

int capture_run(struct capture *c, int done_fd, int timeout_ms)
{
	long long deadline = timeout_ms >= 0 ? now_ms() + timeout_ms : -1;
	bool done = false;
	int *readers[3] = { &c->out_fd, &c->err_fd, &c->extra_fd };
	struct buf *bufs[3] = { &c->out, &c->err, &c->extra };
	size_t caps[3] = { c->cap, c->cap, 16 * OUTPUT_CAP };

	for (int i = 0; i < 3; i++)
		if (*readers[i] >= 0)
			set_nonblock(*readers[i], true);
	if (c->in_fd >= 0)
		set_nonblock(c->in_fd, true);

	for (;;) {
		if (c->in_fd >= 0 && c->in_off >= c->in_len) {
			close(c->in_fd); /* the child sees end of input */
			c->in_fd = -1;
		}
		if (done) {
			/* The process has exited: take what is left in the pipes. A background
			 * child could hold them open forever, so no more waiting. */
			for (int i = 0; i < 3; i++)
				if (*readers[i] >= 0)
					pump(readers[i], bufs[i], caps[i]);
			return 0;
		}
		struct pollfd p[5];
		int n = 0, idx[5];
		for (int i = 0; i < 3; i++) {
			if (*readers[i] >= 0) {
				p[n] = (struct pollfd){ .fd = *readers[i], .events = POLLIN };
				idx[n++] = i;
			}
		}
		if (c->in_fd >= 0) {
			p[n] = (struct pollfd){ .fd = c->in_fd, .events = POLLOUT };
			idx[n++] = 3;
		}
		p[n] = (struct pollfd){ .fd = done_fd, .events = POLLIN };
		idx[n++] = 4;

		int wait = -1;
		if (deadline >= 0) {
			long long left = deadline - now_ms();
			if (left <= 0)
				return 1;
			wait = left > INT_MAX ? INT_MAX : (int)left;
		}
		int w = wait_fds(p, n, wait);
		if (w == -2)
			return -2;
		if (w < 0)
			return -1;
		if (w == 0)
			return 1;
		for (int k = 0; k < n; k++) {
			if (!p[k].revents)
				continue;
			if (idx[k] < 3) {
				pump(readers[idx[k]], bufs[idx[k]], caps[idx[k]]);
			} else if (idx[k] == 3) {
				ssize_t wr = write(c->in_fd, c->in_data + c->in_off, c->in_len - c->in_off);
				if (wr > 0)
					c->in_off += (size_t)wr;
				else if (wr < 0 && errno != EAGAIN && errno != EINTR)
					c->in_off = c->in_len; /* EPIPE: the child does not read */
			} else {
				done = true;
			}
		}
	}
}

void capture_free(struct capture *c)
{
	int *fds[4] = { &c->in_fd, &c->out_fd, &c->err_fd, &c->extra_fd };
	for (int i = 0; i < 4; i++)
		if (*fds[i] >= 0) {
			close(*fds[i]);
			*fds[i] = -1;
		}
	buf_free(&c->out);
	buf_free(&c->err);
	buf_free(&c->extra);
}

/* ------------------------------------------------------------ waiting */

/* Wait for a child to end, at most timeout_ms. The status is collected with wait4,
 * which also frees the zombie. */
int wait_for_pid(struct reply *r, pid_t pid, int timeout_ms, int *status)
{
	/* Perhaps it has ended already. */
	pid_t got = waitpid(pid, status, WNOHANG);
	if (got < 0) {
		log_call(r, got, "wait4(%d, %p, WNOHANG, NULL)", (int)pid, (void *)status);
		return fail_sys(r, errno, NULL, r_printf(r, "%d", (int)pid), "wait for %d", (int)pid);
	}
	if (got == pid) {
		log_call(r, got, "wait4(%d, %s, WNOHANG, NULL)", (int)pid, q_wstatus(r, *status));
		return 0;
	}
	log_call(r, 0, "wait4(%d, %p, WNOHANG, NULL)", (int)pid, (void *)status);

	int pidfd = pidfd_open_pid(pid);
	log_call(r, pidfd, "pidfd_open(%d, 0)", (int)pid);
	if (pidfd >= 0) {
		struct pollfd p = { .fd = pidfd, .events = POLLIN };
		int w = wait_fds(&p, 1, timeout_ms);
		log_line(r, "ppoll([{fd=%d, events=POLLIN}], 1, {tv_sec=%d, tv_nsec=%ld}, [], 8) = %d%s", pidfd,
			 timeout_ms / 1000, (long)(timeout_ms % 1000) * 1000000L, w < 0 ? 0 : w,
			 w > 0 ? r_printf(r, " ([{fd=%d, revents=POLLIN}])", pidfd) : w == 0 ? " (Timeout)" : "");
		close(pidfd);
		if (w == -2)
			return fail_state(r, NULL, "the server is stopping");
		if (w == 0)
			return fail_timeout(r, "process %d did not end within %d ms", (int)pid, timeout_ms);
	} else {
		/* No pidfd (a kernel before 5.3): look every 10 ms. */
		long long deadline = now_ms() + timeout_ms;
		while ((got = waitpid(pid, status, WNOHANG)) == 0) {
			if (now_ms() >= deadline)
				return fail_timeout(r, "process %d did not end within %d ms", (int)pid, timeout_ms);
			if (g_stop)
				return fail_state(r, NULL, "the server is stopping");
			usleep(10000);
		}
		if (got < 0)
			return fail_sys(r, errno, NULL, r_printf(r, "%d", (int)pid), "wait for %d", (int)pid);
		log_call(r, got, "wait4(%d, %s, WNOHANG, NULL)", (int)pid, q_wstatus(r, *status));
		return 0;
	}
	/* wait4 collects the exit status and lets the kernel free the process: until
	 * then it stays a zombie (Z in ps). */
	got = waitpid(pid, status, 0);
	if (got < 0) {
		log_call(r, got, "wait4(%d, %p, 0, NULL)", (int)pid, (void *)status);
		return fail_sys(r, errno, NULL, r_printf(r, "%d", (int)pid), "wait for %d", (int)pid);
	}
	log_call(r, got, "wait4(%d, %s, 0, NULL)", (int)pid, q_wstatus(r, *status));
	return 0;
}

/* ------------------------------------------------------------ spawn */

/* A child that failed before or at execve tells its parent through a close-on-exec
 * pipe: which step, and errno. Nothing arrives when execve worked, because the pipe
 * closes itself at exec. */
void exec_report_and_exit(int fd, char step, int err)
{
	struct exec_failure f = { step, err };
	(void)!write(fd, &f, sizeof f);
	_exit(127);
}

/* 1 when the child reported a failure into *f, 0 when execve worked. */
int exec_report_read(int fd, struct exec_failure *f)
{
	ssize_t got;
	do
		got = read(fd, f, sizeof *f);
	while (got < 0 && errno == EINTR);
	return got == (ssize_t)sizeof *f;
}

const char *exec_variant(int err, const char *path)
{
	struct stat st;
	if (err == ENOENT)
		return stat(path, &st) == 0 ? "exec_interpreter" : "exec_missing";
	if (err == EACCES || err == ENOEXEC || err == ENOTDIR)
		return "exec";
	return NULL;
}

/* The child's side of spawn, join and enter, logged by the parent once it knows
 * how it went: chdir (when asked) and execve. */
void log_exec_outcome(struct reply *r, bool failed, const struct exec_failure *f, const char *cwd,
		      const char *path, char *const argv[], char *const env[])
{
	if (cwd) {
		if (failed && f->step == 'c') {
			errno = f->err;
			log_call(r, -1, "chdir(%s)", q_str(r, cwd));
			return;
		}
		log_call(r, 0, "chdir(%s)", q_str(r, cwd));
	}
	if (failed)
		errno = f->err;
	log_call(r, failed ? -1 : 0, "execve(%s, %s, [/* %zu vars */])", q_str(r, path), argv_text(r, argv), count(env));
}

int run_captured(struct reply *r, const struct run_spec *s, int *status, struct capture *c)
{
	memset(c, 0, sizeof *c);
	c->in_fd = c->out_fd = c->err_fd = c->extra_fd = -1;
	c->cap = OUTPUT_CAP;
	/* A pipe for each of the program's stdin, stdout and stderr, and one on which the
	 * child reports a failed chdir or execve (EOF there means execve worked). */
	int pipes[4][2];
	if (pipes_open(pipes, 4) < 0)
		return fail_sys(r, errno, NULL, NULL, "pipes for the program's stdio");
	int *in = pipes[0], *out = pipes[1], *err = pipes[2], *report = pipes[3];

	/* fork: in a container the child is made in its namespaces - in a new PID
	 * namespace it is PID 2, 3, ... and the init, PID 1, is its parent. */
	pid_t pid = fork(); /* a shell does the same for every command: fork, then exec */
	if (pid == 0) {
		reset_signals_for_exec();
		/* Dies with its parent, even where no PID namespace would take it along. */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		/* dup2 puts the pipe ends on 0, 1, 2 (and clears close-on-exec there). */
		dup2(in[0], 0);
		dup2(out[1], 1);
		dup2(err[1], 2);
		if (s->cwd && chdir(s->cwd) < 0)
			exec_report_and_exit(report[1], 'c', errno);
		/* execve replaces the child's program with the path; only descriptors
		 * without close-on-exec (0, 1, 2 here) go along. */
		execve(s->path, s->argv, s->env);
		exec_report_and_exit(report[1], 'e', errno);
	}
	int fork_err = errno;
	log_call(r, pid, "fork()");
	close(in[0]), close(out[1]), close(err[1]), close(report[1]);
	if (pid < 0) {
		close(in[1]), close(out[0]), close(err[0]), close(report[0]);
		return fail_sys(r, fork_err, fork_err == ENOMEM ? "fork_pidns" : NULL, NULL, "fork a process");
	}

	/* Did execve work? EOF on the report pipe says yes. */
	struct exec_failure f = { 0, 0 };
	bool failed = exec_report_read(report[0], &f);
	close(report[0]);
	log_exec_outcome(r, failed, &f, s->cwd, s->path, s->argv, s->env);
	if (failed) {
		/* execve failed: the child has exited already; collect it. */
		waitpid(pid, status, 0);
		close(in[1]), close(out[0]), close(err[0]);
		if (f.step == 'c')
			return fail_sys(r, f.err, "cwd", s->cwd, "chdir %s before running %s", s->cwd, s->path);
		return fail_sys(r, f.err, exec_variant(f.err, s->path), s->path, "execve %s", s->path);
	}

	c->in_fd = in[1];
	c->in_data = s->input ? s->input : "";
	c->in_len = s->input ? strlen(s->input) : 0;
	c->out_fd = out[0];
	c->err_fd = err[0];
	int pidfd = pidfd_open_pid(pid);
	int rc = capture_run(c, pidfd, s->timeout_ms);
	if (pidfd >= 0)
		close(pidfd);
	if (rc != 0) {
		/* Undo: the program must not outlive the one who waits for it. */
		log_call(r, kill(pid, SIGKILL), "kill(%d, SIGKILL)", (int)pid);
		waitpid(pid, status, 0);
		if (rc == 1)
			return 1;
		return fail_state(r, NULL, "interrupted while %s ran", s->path);
	}
	/* Its output is all read: collect how it ended (wait4 is what waitpid calls). */
	pid_t w = waitpid(pid, status, 0);
	log_call(r, w, "wait4(%d, %s, 0, NULL)", (int)pid, q_wstatus(r, *status));
	return 0;
}

int op_spawn(const struct request *q, struct reply *r)
{
	char **argv = NULL, **env = default_env();
	size_t argc = 0, envc = 0;
	const char *cwd = NULL, *input = NULL;
	long long timeout = 10000;
	if (arg_strv(r, q, "argv", true, &argv, &argc) < 0 || arg_strv(r, q, "env", false, &env, &envc) < 0 ||
	    arg_str(r, q, "cwd", false, &cwd) < 0 || arg_str(r, q, "stdin", false, &input) < 0 ||
	    arg_int(r, q, "timeout_ms", false, &timeout) < 0)
		return -1;
	if (argc == 0)
		return fail_usage(r, usage_example("spawn"), "argv must name a program");
	if (timeout < 0 || timeout > INT_MAX)
		return fail_usage(r, usage_example("spawn"), "timeout_ms must be between 0 and %d", INT_MAX);
	char path[PATH_MAX];
	resolve_program(argv[0], env, path, sizeof path);

	if (cwd)
		shell_step(r, "cd %s", sh_word(r, cwd));
	if (input)
		shell_step(r, "printf %%s %s | %s", sh_word(r, input), argv_shell(r, argv));
	else
		shell_step(r, "%s", argv_shell(r, argv));

	struct run_spec s = { .path = path, .argv = argv, .env = env, .cwd = cwd, .input = input, .timeout_ms = (int)timeout };
	int status = 0;
	CLEANUP(capture_free) struct capture c;
	int rc = run_captured(r, &s, &status, &c);
	if (rc < 0)
		return -1;
	if (rc == 1)
		return fail_timeout(r, "%s did not end within %lld ms (killed)", argv[0], timeout);
	result_wait_status(&r->result, status);
	json_member_strn(&r->result, "stdout", c.out.s ? c.out.s : "", c.out.len);
	json_member_strn(&r->result, "stderr", c.err.s ? c.err.s : "", c.err.len);
	return 0;
}

/* ------------------------------------------------------------ exec */

/* What op_exec puts back when execve fails: copies of stdio and of the working
 * directory, closed on every way out. */
struct kept {
	int stdio[3];
	int cwd;
};

static void kept_close(struct kept *k)
{
	for (int i = 0; i < 3; i++)
		fd_close(&k->stdio[i]);
	fd_close(&k->cwd);
}

/* The puppet becomes the program. Everything it changes is undone if execve
 * fails, so it can go on serving. */
int op_exec(const struct request *q, struct reply *r, int sock, int passed_fd)
{
	char **argv = NULL, **env = default_env();
	size_t argc = 0, envc = 0;
	const char *cwd = NULL, *stdio = "inherit";
	if (arg_strv(r, q, "argv", true, &argv, &argc) < 0 || arg_strv(r, q, "env", false, &env, &envc) < 0 ||
	    arg_str(r, q, "cwd", false, &cwd) < 0 || arg_str(r, q, "stdio", false, &stdio) < 0)
		return -1;
	if (argc == 0)
		return fail_usage(r, usage_example("exec"), "argv must name a program");
	bool pty = strcmp(stdio, "pty") == 0, null = strcmp(stdio, "null") == 0;
	if (!pty && !null && strcmp(stdio, "inherit") != 0)
		return fail_usage(r, "accepted: " STDIO_ACCEPTED, "stdio: unknown value \"%s\"", stdio);
	if (pty && passed_fd < 0)
		return fail_state(r, NULL, "stdio pty: no terminal was passed to the container");
	char path[PATH_MAX];
	resolve_program(argv[0], env, path, sizeof path);

	/* Keep copies of our stdio and cwd to put back if execve fails (F_DUPFD_CLOEXEC:
	 * a copy at 10 or above, gone by itself when execve works). */
	CLEANUP(kept_close) struct kept kept;
	for (int i = 0; i < 3; i++)
		kept.stdio[i] = fcntl(i, F_DUPFD_CLOEXEC, 10);
	kept.cwd = open(".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (cwd) {
		shell_step(r, "cd %s", sh_word(r, cwd));
		if (log_call(r, chdir(cwd), "chdir(%s)", q_str(r, cwd)) < 0)
			return fail_sys(r, errno, "cwd", cwd, "chdir %s", cwd);
	}
	if (null) {
		for (int i = 0; i < 3; i++)
			/* stdio null: dup2(2) puts a copy of /dev/null on 0, 1 and 2. */
			log_call(r, dup2(g_cfg.null_fd, i), "dup2(%d, %d)", g_cfg.null_fd, i);
		shell_step(r, "exec %s </dev/null >/dev/null 2>&1", argv_shell(r, argv));
	} else if (pty) {
		/* A terminal for the program: a new session (setsid), whose controlling
		 * terminal becomes the pty slave (TIOCSCTTY), on stdin, stdout and stderr.
		 * That is what a login or `script` does, and what lets Ctrl-C reach it. */
		log_call(r, setsid(), "setsid()");
		log_call(r, ioctl(passed_fd, TIOCSCTTY, 0), "ioctl(%d, TIOCSCTTY, 0)", passed_fd);
		for (int i = 0; i < 3; i++)
			log_call(r, dup2(passed_fd, i), "dup2(%d, %d)", passed_fd, i);
		shell_step(r, "exec setsid -c %s", argv_shell(r, argv));
	} else {
		shell_step(r, "exec %s", argv_shell(r, argv));
	}

	/* Tell the server what comes next; if execve works the socket (close-on-exec)
	 * closes and the server reads EOF, which is the success report. */
	r->pending = true;
	r->exec_line = r_printf(r, "execve(%s, %s, [/* %zu vars */])", q_str(r, path), argv_text(r, argv), count(env));
	struct buf wire = { 0 };
	reply_to_wire(r, &wire);
	write_all(sock, wire.s, wire.len);
	buf_free(&wire);
	r->pending = false;
	r->exec_line = NULL;

	reset_signals_for_exec();
	/* execve replaces this process's program; the pid, the namespaces, the root,
	 * the cwd and the open descriptors without close-on-exec stay. */
	execve(path, argv, env);
	int e = errno;
	log_call(r, -1, "execve(%s, %s, [/* %zu vars */])", q_str(r, path), argv_text(r, argv), count(env));

	/* Undo, and go on serving. (A new session from setsid cannot be undone.) */
	signal(SIGPIPE, SIG_IGN);
	for (int i = 0; i < 3; i++)
		if (kept.stdio[i] >= 0)
			dup2(kept.stdio[i], i);
	if (kept.cwd >= 0 && cwd)
		(void)!fchdir(kept.cwd);
	return fail_sys(r, e, exec_variant(e, path), path, "execve %s", path);
}

/* Become argv for good (the OCI runtime's last step): find the program in the
 * environment's PATH, as seen from the current root, and execve it. Returns only
 * when execve failed, with the error in r. */
int exec_program(struct reply *r, char *const argv[], char *const env[])
{
	char path[PATH_MAX];
	resolve_program(argv[0], env, path, sizeof path);
	shell_step(r, "exec %s", argv_shell(r, argv));
	reset_signals_for_exec();
	/* execve replaces this process's program; the pid, the namespaces, the root,
	 * the cwd and the open descriptors without close-on-exec stay. */
	execve(path, argv, env);
	int e = errno;
	log_call(r, -1, "execve(%s, %s, [/* %zu vars */])", q_str(r, path), argv_text(r, argv), count(env));
	return fail_sys(r, e, exec_variant(e, path), path, "execve %s", path);
}

/* ------------------------------------------------------------ descendants */

/* The pids listed in /proc/PID/task/TID/children: the children of every thread. */
void children_of(pid_t pid, struct strv *out)
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
