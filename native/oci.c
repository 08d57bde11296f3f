/* oci.c - the OCI runtime command line, with runc's argument shapes:
 *
 *   boxcore [--root DIR] [--debug] [--log FILE] COMMAND ...
 *     create [-b BUNDLE] [--pid-file F] [--console-socket S] ID
 *     start ID            state ID             kill [-a] ID [SIGNAL]
 *     delete [-f] ID      pause ID             resume ID
 *     run [-b BUNDLE] [--pid-file F] [--console-socket S] [-d] [--keep] ID
 *     list [-f table|json] [-q]
 *     spec [-b BUNDLE] [--rootless]
 *     exec [--cwd D] [-e K=V] [-t] [-u UID[:GID]] [-g GID] [-p process.json] [-d]
 *          [--pid-file F] [--no-new-privs] [-c CAP] ID [COMMAND ARG...]
 *
 * Exit status: 0, or 1 when boxcore failed (2 for wrong arguments); run and exec
 * return the program's status (128+N when signal N ended it), and 125 when boxcore
 * could not make the container, 126/127 when the program could not be executed.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <dirent.h>
#include <limits.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "errors.h"
#include "oci.h"


static bool g_debug;
static FILE *g_log;
static volatile sig_atomic_t g_signal; /* SIGINT, SIGTERM or SIGHUP received */

static void on_signal(int sig)
{
	g_stop = 1; /* what wait_fds looks at: a wait in progress gives up */
	g_signal = sig;
}

/* SIGINT, SIGTERM and SIGHUP are blocked, and let through only while boxcore sleeps
 * in ppoll (the server's scheme, util.c): create can then stop at a safe point and
 * take away what it made, instead of dying halfway. run reads them from a signalfd
 * to pass them on to the container. */
static void catch_signals(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal; /* no SA_RESTART: a blocked call returns EINTR */
	sigset_t block;
	sigemptyset(&block);
	int sigs[] = { SIGINT, SIGTERM, SIGHUP };
	for (size_t k = 0; k < 3; k++) {
		sigaction(sigs[k], &sa, NULL);
		sigaddset(&block, sigs[k]);
	}
	sigprocmask(SIG_BLOCK, &block, &g_wait_mask);
	for (size_t k = 0; k < 3; k++)
		sigdelset(&g_wait_mask, sigs[k]);
}

/* A signal came while the container was being made: take it away again. */
static int interrupted(const char *cmd, const char *id, struct reply *r);

/* ------------------------------------------------------------ arguments */

struct opt {
	const char *name;  /* long, without dashes */
	char shortname;    /* or 0 */
	bool value;        /* takes a value */
	bool repeat;
	const char *got;   /* the (last) value; "1" for a flag */
	struct strv all;   /* every value, when repeat */
};

/* Options stop at the first word that is not one (or at --): runc's rule. Returns
 * the index of that word, or -1 after printing what is wrong. */
static int parse_opts(const char *cmd, int argc, char **argv, int i, struct opt *opts)
{
	for (; i < argc; i++) {
		const char *a = argv[i];
		if (strcmp(a, "--") == 0)
			return i + 1;
		if (a[0] != '-' || a[1] == 0)
			return i;
		struct opt *o = NULL;
		const char *val = NULL;
		if (a[1] == '-') {
			const char *eq = strchr(a + 2, '=');
			size_t l = eq ? (size_t)(eq - a - 2) : strlen(a + 2);
			for (struct opt *p = opts; p->name; p++)
				if (strlen(p->name) == l && strncmp(p->name, a + 2, l) == 0)
					o = p;
			if (eq)
				val = eq + 1;
		} else if (a[2] == 0) {
			for (struct opt *p = opts; p->name; p++)
				if (p->shortname == a[1])
					o = p;
		}
		if (!o) {
			fprintf(stderr, "boxcore%s%s: unknown option %s (boxcore --help lists them)\n", *cmd ? " " : "", cmd, a);
			return -1;
		}
		if (!o->value) {
			if (val) {
				fprintf(stderr, "boxcore%s%s: %s takes no value\n", *cmd ? " " : "", cmd, a);
				return -1;
			}
			o->got = "1";
			continue;
		}
		if (!val) {
			if (i + 1 >= argc) {
				fprintf(stderr, "boxcore%s%s: %s needs a value\n", *cmd ? " " : "", cmd, a);
				return -1;
			}
			val = argv[++i];
		}
		o->got = val;
		if (o->repeat)
			strv_push_copy(&o->all, val);
	}
	return i;
}

static void free_opts(struct opt *opts)
{
	for (struct opt *p = opts; p->name; p++)
		strv_free(&p->all);
}

/* ------------------------------------------------------------ output */

/* --debug / --log: the syscalls and shell commands of what was done. */
static void print_log(const struct reply *r)
{
	FILE *f = g_log ? g_log : (g_debug ? stderr : NULL);
	if (!f)
		return;
	for (size_t i = 0; i < r->syscalls.n; i++)
		fprintf(f, "boxcore: %s\n", r->syscalls.v[i]);
	if (r->shell.len)
		fprintf(f, "boxcore: $ %s\n", r->shell.s);
	fflush(f);
}

static int failed(const char *cmd, struct reply *r, int code)
{
	print_log(r);
	print_error(cmd, r);
	reply_free(r);
	return code;
}

static int usage(const char *cmd, const char *shape)
{
	fprintf(stderr, "usage: boxcore %s %s\n", cmd, shape);
	return 2;
}

/* The one positional argument a command takes: the container id. */
static const char *one_id(const char *cmd, int argc, char **argv, int i, const char *shape)
{
	if (i < 0)
		return NULL;
	if (i >= argc) {
		fprintf(stderr, "boxcore %s: the container id is missing\n", cmd);
		usage(cmd, shape);
		return NULL;
	}
	if (i + 1 != argc) {
		fprintf(stderr, "boxcore %s: unexpected argument \"%s\" after the container id\n", cmd, argv[i + 1]);
		usage(cmd, shape);
		return NULL;
	}
	return argv[i];
}

/* ------------------------------------------------------------ delete and kill */

/* Wait until pid has exited (it need not be our child): a pidfd becomes readable
 * when the process ends. */
static bool wait_gone(pid_t pid, int timeout_ms)
{
	int fd = pidfd_open_pid(pid);
	if (fd < 0)
		return errno == ESRCH;
	struct pollfd p = { .fd = fd, .events = POLLIN };
	int n = poll(&p, 1, timeout_ms);
	close(fd);
	waitpid(pid, NULL, WNOHANG); /* ours (run): collect it */
	return n == 1;
}

/* SIGKILL the container: with a PID namespace of its own, killing its init kills
 * every process in it; without one, its descendants go first. */
static void kill_container(struct reply *r, const struct oci_state *s)
{
	/* A frozen process cannot die (v1): thaw first. */
	if (s->status == OCI_PAUSED)
		oci_cgroup_freeze(r, &s->cg, false);
	if (!(s->ns_new & (1 << ns_index("pid"))))
		kill_descendants(r, s->pid);
	shell_step(r, "kill -KILL %d", (int)s->pid);
	log_call(r, kill(s->pid, SIGKILL), "kill(%d, SIGKILL)", (int)s->pid);
	wait_gone(s->pid, 10000);
}

/* Take away what the container holds on the host: its cgroup, then its directory.
 * A cgroup that will not go keeps the directory, so a second delete can retry. */
static int remove_container(struct reply *r, const struct oci_state *s)
{
	if (oci_cgroup_remove(r, &s->cg) < 0)
		return -1;
	shell_step(r, "rm -r %s", sh_word(r, s->dir));
	oci_state_remove(s->dir);
	log_line(r, "unlinkat(..., %s) = 0", q_str(r, s->dir));
	return 0;
}

/* The config a container was made with, from its state directory: its hooks. false
 * (and a warning) when it cannot be read. */
static bool saved_config(const char *cmd, const struct oci_state *s, struct oci_config *c)
{
	struct reply r;
	reply_init(&r, "config");
	int rc = oci_config_load(s->bundle ? s->bundle : s->dir, r_printf(&r, "%s/config.json", s->dir), c, &r);
	if (rc < 0)
		fprintf(stderr, "boxcore %s: warning: no hooks run: %s\n", cmd, buf_str(&r.message));
	reply_free(&r);
	return rc == 0;
}

/* poststart or poststop hooks: a failure is a warning, and the rest still run. */
static void warn_hooks(const char *cmd, const struct oci_state *s, const struct oci_config *c, enum oci_hook_kind kind)
{
	if (!c->hooks.n[kind])
		return;
	enum oci_status st = kind == HOOK_POSTSTOP ? OCI_STOPPED : OCI_RUNNING;
	CLEANUP(buf_free) struct buf state = { 0 };
	oci_hook_state(&state, s->id, st, st == OCI_STOPPED ? 0 : s->pid, s->bundle, s->annotations);
	oci_hooks_warn(cmd, &c->hooks, kind, state.s, s->bundle, environ);
}

static int cmd_delete(int argc, char **argv, int i)
{
	struct opt opts[] = { { "force", 'f', false, false, NULL, { 0 } }, { 0 } };
	const char *id = one_id("delete", argc, argv, parse_opts("delete", argc, argv, i, opts), "[--force] ID");
	if (!id)
		return 2;
	struct reply r;
	reply_init(&r, "delete");
	struct oci_state s;
	if (oci_state_read(id, &s, &r) < 0)
		return failed("delete", &r, 1);
	bool force = opts[0].got != NULL;
	if ((s.status == OCI_RUNNING || s.status == OCI_PAUSED || s.status == OCI_CREATING) && !force) {
		fail_state(&r, state_hint("oci_delete_running"), "container \"%s\" is %s", id, oci_status_name(s.status));
		oci_state_free(&s);
		return failed("delete", &r, 1);
	}
	struct oci_config c;
	bool have = saved_config("delete", &s, &c);
	if (s.status != OCI_STOPPED && s.pid > 0)
		kill_container(&r, &s);
	int rc = remove_container(&r, &s);
	if (rc == 0 && have)
		warn_hooks("delete", &s, &c, HOOK_POSTSTOP);
	oci_config_free(&c);
	oci_state_free(&s);
	if (rc < 0)
		return failed("delete", &r, 1);
	print_log(&r);
	reply_free(&r);
	return 0;
}

/* Every process whose PID namespace is the container's: kill --all. */
static void kill_all_in_pidns(struct reply *r, pid_t init, int sig)
{
	char path[64];
	struct stat ns, other;
	snprintf(path, sizeof path, "/proc/%d/ns/pid", (int)init);
	if (stat(path, &ns) < 0)
		return;
	DIR *d = opendir("/proc");
	if (!d)
		return;
	struct dirent *e;
	while ((e = readdir(d)) != NULL) {
		pid_t p = (pid_t)atoi(e->d_name);
		if (p <= 0 || p == init)
			continue;
		snprintf(path, sizeof path, "/proc/%d/ns/pid", (int)p);
		if (stat(path, &other) == 0 && other.st_ino == ns.st_ino && other.st_dev == ns.st_dev)
			/* kill(2) each process of the container's PID namespace (runc kill --all). */
			log_call(r, kill(p, sig), "kill(%d, %d)", (int)p, sig);
	}
	closedir(d);
}

static int cmd_kill(int argc, char **argv, int i)
{
	struct opt opts[] = { { "all", 'a', false, false, NULL, { 0 } }, { 0 } };
	i = parse_opts("kill", argc, argv, i, opts);
	if (i < 0)
		return 2;
	if (i >= argc || argc - i > 2)
		return usage("kill", "[--all] ID [SIGNAL]");
	const char *id = argv[i], *signame = i + 1 < argc ? argv[i + 1] : "TERM";
	struct reply r;
	reply_init(&r, "signal");
	int sig = signal_number(signame);
	if (sig < 0) {
		fail_usage(&r, "a signal name (TERM, SIGTERM, KILL, INT, HUP, USR1, ...) or a number 1-64",
			   "unknown signal \"%s\"", signame);
		return failed("kill", &r, 2);
	}
	struct oci_state s;
	if (oci_state_read(id, &s, &r) < 0)
		return failed("kill", &r, 1);
	if (s.status == OCI_STOPPED || s.status == OCI_CREATING) {
		fail_state(&r, state_hint("oci_not_running"), "container \"%s\" is %s", id, oci_status_name(s.status));
		oci_state_free(&s);
		return failed("kill", &r, 1);
	}
	if (opts[0].got) {
		if (s.ns_new & (1 << ns_index("pid"))) {
			kill_all_in_pidns(&r, s.pid, sig);
		} else if (sig == SIGKILL && s.cg.want) {
			/* Everything in its cgroup (the serve op cgroup_kill). */
			oci_cgroup_remove(&r, &s.cg);
		} else {
			fail_state(&r, state_hint("oci_kill_all"), "kill --all needs the container's own PID namespace");
			oci_state_free(&s);
			return failed("kill", &r, 1);
		}
	}
	/* kill(2); `kill -TERM PID` in a shell. An init of a PID namespace ignores the
	 * signals it has no handler for (SIGKILL aside). */
	shell_step(&r, "kill -%s %d", signal_name(sig) ? signal_name(sig) : signame, (int)s.pid);
	if (log_call(&r, kill(s.pid, sig), "kill(%d, %d)", (int)s.pid, sig) < 0) {
		fail_sys(&r, errno, NULL, r_printf(&r, "%d", (int)s.pid), "kill %d", (int)s.pid);
		oci_state_free(&s);
		return failed("kill", &r, 1);
	}
	oci_state_free(&s);
	print_log(&r);
	reply_free(&r);
	return 0;
}

/* ------------------------------------------------------------ state, list, start */

static int cmd_state(int argc, char **argv, int i)
{
	struct opt opts[] = { { 0 } };
	const char *id = one_id("state", argc, argv, parse_opts("state", argc, argv, i, opts), "ID");
	if (!id)
		return 2;
	struct reply r;
	reply_init(&r, "state");
	struct oci_state s;
	if (oci_state_read(id, &s, &r) < 0)
		return failed("state", &r, 1);
	struct buf out = { 0 };
	oci_state_json(&s, &out);
	printf("%s\n", out.s);
	buf_free(&out);
	oci_state_free(&s);
	reply_free(&r);
	return 0;
}

static int cmd_list(int argc, char **argv, int i)
{
	struct opt opts[] = { { "format", 'f', true, false, NULL, { 0 } }, { "quiet", 'q', false, false, NULL, { 0 } }, { 0 } };
	i = parse_opts("list", argc, argv, i, opts);
	if (i < 0)
		return 2;
	if (i != argc)
		return usage("list", "[--format table|json] [--quiet]");
	const char *format = opts[0].got ? opts[0].got : "table";
	if (strcmp(format, "table") != 0 && strcmp(format, "json") != 0) {
		fprintf(stderr, "boxcore list: --format is table or json, not \"%s\"\n", format);
		return 2;
	}
	struct strv ids = { 0 };
	DIR *d = opendir(oci_root());
	if (d) {
		struct dirent *e;
		while ((e = readdir(d)) != NULL)
			if (e->d_name[0] != '.')
				strv_push_copy(&ids, e->d_name);
		closedir(d);
	}
	qsort(ids.v, ids.n, sizeof *ids.v, (int (*)(const void *, const void *))strcmp);
	bool json = strcmp(format, "json") == 0;
	if (json)
		putchar('[');
	else if (!opts[1].got)
		printf("%-20s %-8s %-10s %-40s %-32s %s\n", "ID", "PID", "STATUS", "BUNDLE", "CREATED", "OWNER");
	bool first = true;
	for (size_t k = 0; k < ids.n; k++) {
		struct reply r;
		reply_init(&r, "list");
		struct oci_state s;
		if (oci_state_read(ids.v[k], &s, &r) == 0) {
			struct passwd *pw = getpwuid(s.owner);
			if (opts[1].got) {
				printf("%s\n", s.id);
			} else if (json) {
				struct buf o = { 0 };
				oci_state_json(&s, &o);
				printf("%s%.*s,\"owner\":\"%s\"}", first ? "" : ",", (int)o.len - 1, o.s, pw ? pw->pw_name : "");
				buf_free(&o);
			} else {
				printf("%-20s %-8d %-10s %-40s %-32s %s\n", s.id,
				       s.status == OCI_STOPPED ? 0 : (int)s.pid, oci_status_name(s.status),
				       s.bundle ? s.bundle : "", s.created ? s.created : "", pw ? pw->pw_name : "");
			}
			first = false;
		}
		oci_state_free(&s);
		reply_free(&r);
	}
	if (json)
		printf("]\n");
	strv_free(&ids);
	return 0;
}

static int cmd_start(int argc, char **argv, int i)
{
	struct opt opts[] = { { 0 } };
	const char *id = one_id("start", argc, argv, parse_opts("start", argc, argv, i, opts), "ID");
	if (!id)
		return 2;
	struct reply r;
	reply_init(&r, "start");
	struct oci_state s;
	int rc = oci_state_read(id, &s, &r) < 0 || oci_start(&s, &r) < 0 ? -1 : 0;
	struct oci_config c;
	if (rc == 0 && saved_config("start", &s, &c)) {
		warn_hooks("start", &s, &c, HOOK_POSTSTART);
		oci_config_free(&c);
	}
	oci_state_free(&s);
	if (rc < 0)
		return failed("start", &r, 1);
	print_log(&r);
	reply_free(&r);
	return 0;
}

static int cmd_pause(const char *cmd, int argc, char **argv, int i)
{
	struct opt opts[] = { { 0 } };
	const char *id = one_id(cmd, argc, argv, parse_opts(cmd, argc, argv, i, opts), "ID");
	if (!id)
		return 2;
	struct reply r;
	reply_init(&r, cmd);
	struct oci_state s;
	if (oci_state_read(id, &s, &r) < 0)
		return failed(cmd, &r, 1);
	bool pause = strcmp(cmd, "pause") == 0;
	/* pause freezes the container's cgroup: its processes stop where they are, get
	 * no CPU time, and take no signals until resume thaws it. */
	if (s.status != (pause ? OCI_RUNNING : OCI_PAUSED))
		fail_state(&r, state_hint("oci_not_running"), "container \"%s\" is %s, not %s", id, oci_status_name(s.status),
			   pause ? "running" : "paused");
	else
		oci_cgroup_freeze(&r, &s.cg, pause);
	oci_state_free(&s);
	if (r.failed)
		return failed(cmd, &r, 1);
	print_log(&r);
	reply_free(&r);
	return 0;
}

/* ------------------------------------------------------------ spec */

static int cmd_spec(int argc, char **argv, int i)
{
	struct opt opts[] = { { "bundle", 'b', true, false, NULL, { 0 } }, { "rootless", 0, false, false, NULL, { 0 } }, { 0 } };
	i = parse_opts("spec", argc, argv, i, opts);
	if (i < 0)
		return 2;
	if (i != argc)
		return usage("spec", "[--bundle DIR] [--rootless]");
	char path[PATH_MAX];
	snprintf(path, sizeof path, "%s/config.json", opts[0].got ? opts[0].got : ".");
	struct buf text = { 0 };
	oci_default_spec(&text, opts[1].got != NULL);
	/* O_EXCL: never overwrite a config someone wrote. */
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (fd < 0 || write_all(fd, text.s, text.len) < 0) {
		int e = errno;
		struct reply r;
		reply_init(&r, "spec");
		if (e == EEXIST)
			fail_state(&r, state_hint("oci_spec_exists"), "%s exists already", path);
		else
			fail_sys(&r, e, NULL, path, "write %s", path);
		buf_free(&text);
		if (fd >= 0)
			close(fd);
		return failed("spec", &r, 1);
	}
	close(fd);
	buf_free(&text);
	return 0;
}

/* ------------------------------------------------------------ create and run */

/* What the config asks for that is not done, and why: each on a line of stderr. */
static void warn_config(const char *cmd, const struct oci_config *c, struct reply *r)
{
	if (c->proc.ambient_skipped)
		fprintf(stderr, "boxcore %s: warning: process.capabilities.ambient: %s %s\n", cmd,
			caps_text(r, c->proc.ambient_skipped), state_hint("oci_ambient"));
	for (size_t i = 0; i < c->warnings.n; i++)
		fprintf(stderr, "boxcore %s: warning: %s\n", cmd, c->warnings.v[i]);
}

static int load_bundle(const char *cmd, const char *bundle, struct oci_config *c, struct reply *r)
{
	if (oci_config_load(bundle ? bundle : ".", NULL, c, r) < 0) {
		print_error(cmd, r);
		return -1;
	}
	warn_config(cmd, c, r);
	return 0;
}

static int cmd_create(int argc, char **argv, int i)
{
	struct opt opts[] = { { "bundle", 'b', true, false, NULL, { 0 } }, { "pid-file", 0, true, false, NULL, { 0 } },
			      { "console-socket", 0, true, false, NULL, { 0 } }, { 0 } };
	const char *id = one_id("create", argc, argv, parse_opts("create", argc, argv, i, opts),
				"[--bundle DIR] [--pid-file FILE] [--console-socket SOCKET] ID");
	if (!id)
		return 2;
	struct reply r;
	reply_init(&r, "create");
	struct oci_config c;
	if (oci_check_id(id, &r) < 0)
		return failed("create", &r, 2);
	if (load_bundle("create", opts[0].got, &c, &r) < 0) {
		oci_config_free(&c);
		reply_free(&r);
		return 1;
	}
	struct oci_create_opts o = { .cmd = "create", .pid_file = opts[1].got, .console_socket = opts[2].got };
	pid_t pid;
	int rc = oci_create(id, &c, &o, &r, &pid);
	oci_config_free(&c);
	if (rc < 0)
		return failed("create", &r, g_signal ? 128 + g_signal : 1);
	if (g_signal)
		return interrupted("create", id, &r);
	print_log(&r);
	reply_free(&r);
	return 0;
}

/* What `run` does while the container runs: pass signals on to its init (a terminal's
 * window size to the pty), until the init ends. */
static int supervise(pid_t init, int master, bool tty)
{
	sigset_t set;
	sigemptyset(&set);
	int sigs[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGWINCH, SIGCONT, SIGTSTP };
	for (size_t k = 0; k < sizeof sigs / sizeof sigs[0]; k++)
		sigaddset(&set, sigs[k]);
	sigaddset(&set, SIGCHLD);
	sigprocmask(SIG_BLOCK, &set, NULL);
	/* signalfd: signals read as data, so one poll waits for them and for the init. */
	int sfd = signalfd(-1, &set, SFD_CLOEXEC);
	pid_t relay = master >= 0 ? pty_relay_start(master, tty ? 0 : -1, 1) : 0;
	if (master >= 0)
		close(master);
	int status = 0;
	for (;;) {
		/* WNOHANG: look whether the init has ended, without waiting. */
		pid_t w = waitpid(init, &status, WNOHANG);
		if (w == init)
			break;
		if (w < 0 && errno == ECHILD)
			break;
		struct pollfd p = { .fd = sfd, .events = POLLIN };
		/* A signal for us to pass on, or a second passes and we look at the init again. */
		if (poll(&p, 1, 1000) <= 0)
			continue;
		struct signalfd_siginfo si;
		if (read(sfd, &si, sizeof si) != sizeof si)
			continue;
		int sig = (int)si.ssi_signo;
		if (sig == SIGCHLD)
			continue;
		if (sig == SIGWINCH && relay > 0)
			kill(relay, SIGWINCH); /* the relay copies the new size to the pty */
		else if (!tty || (sig != SIGINT && sig != SIGQUIT && sig != SIGTSTP))
			kill(init, sig); /* with a terminal, the pty makes those from the keys */
	}
	if (relay > 0) {
		kill(relay, SIGTERM);
		waitpid(relay, NULL, 0);
		pty_restore_terminal();
	}
	close(sfd);
	sigprocmask(SIG_UNBLOCK, &set, NULL);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* Exit status when the program could not be started: 127 not found, 126 not
 * executable, as a shell says; otherwise: what went wrong. (exec_program's message
 * starts with "execve".) */
static int start_failure_code(const struct reply *r, int otherwise)
{
	if (r->failed && strncmp(buf_str((struct buf *)&r->message), "execve ", 7) == 0)
		return r->err == ENOENT ? 127 : (r->err == EACCES || r->err == ENOEXEC) ? 126 : otherwise;
	return otherwise;
}

static int cmd_run(int argc, char **argv, int i)
{
	struct opt opts[] = { { "bundle", 'b', true, false, NULL, { 0 } }, { "pid-file", 0, true, false, NULL, { 0 } },
			      { "console-socket", 0, true, false, NULL, { 0 } }, { "detach", 'd', false, false, NULL, { 0 } },
			      { "keep", 0, false, false, NULL, { 0 } }, { 0 } };
	const char *id = one_id("run", argc, argv, parse_opts("run", argc, argv, i, opts),
				"[--bundle DIR] [--pid-file FILE] [--console-socket SOCKET] [--detach] [--keep] ID");
	if (!id)
		return 2;
	bool detach = opts[3].got != NULL, keep = opts[4].got != NULL;
	struct reply r;
	reply_init(&r, "run");
	struct oci_config c;
	if (oci_check_id(id, &r) < 0)
		return failed("run", &r, 2);
	if (load_bundle("run", opts[0].got, &c, &r) < 0) {
		oci_config_free(&c);
		reply_free(&r);
		return 125;
	}
	/* Orphans of a container without a PID namespace come to us, not to the host's
	 * init (runc does the same unless --no-subreaper). */
	if (!detach)
		prctl(PR_SET_CHILD_SUBREAPER, 1);
	struct oci_create_opts o = { .cmd = "run", .pid_file = opts[1].got, .console_socket = opts[2].got,
				     .foreground = !detach };
	pid_t pid;
	bool tty = c.proc.terminal && isatty(0);
	int rc = oci_create(id, &c, &o, &r, &pid);
	if (rc < 0) {
		oci_config_free(&c);
		return failed("run", &r, g_signal ? 128 + g_signal : 125);
	}
	if (g_signal) {
		oci_config_free(&c);
		if (o.master >= 0)
			close(o.master);
		return interrupted("run", id, &r);
	}
	struct oci_state s;
	if (oci_state_read(id, &s, &r) < 0 || oci_start(&s, &r) < 0) {
		int code = start_failure_code(&r, 125);
		if (s.pid > 0)
			kill_container(&r, &s);
		if (remove_container(&r, &s) == 0)
			warn_hooks("run", &s, &c, HOOK_POSTSTOP);
		oci_config_free(&c);
		oci_state_free(&s);
		if (o.master >= 0)
			close(o.master);
		return failed("run", &r, code);
	}
	print_log(&r);
	warn_hooks("run", &s, &c, HOOK_POSTSTART);
	if (detach) {
		oci_config_free(&c);
		oci_state_free(&s);
		reply_free(&r);
		return 0;
	}
	int code = supervise(pid, o.master, tty);
	/* Reap what else came to us, then take the container away. */
	while (waitpid(-1, NULL, WNOHANG) > 0)
		;
	if (!keep) {
		reply_free(&r);
		reply_init(&r, "delete");
		if (!(s.ns_new & (1 << ns_index("pid"))))
			kill_descendants(&r, s.pid);
		while (waitpid(-1, NULL, WNOHANG) > 0)
			;
		if (remove_container(&r, &s) < 0)
			print_error("run", &r);
		else
			warn_hooks("run", &s, &c, HOOK_POSTSTOP);
		print_log(&r);
	}
	oci_config_free(&c);
	oci_state_free(&s);
	reply_free(&r);
	return code;
}

/* ------------------------------------------------------------ exec */

static int parse_uid_gid(const char *text, unsigned *uid, unsigned *gid, bool *has_gid)
{
	char *end;
	unsigned long u = strtoul(text, &end, 10);
	if (end == text || (*end && *end != ':') || u >= UINT32_MAX)
		return -1;
	*uid = (unsigned)u;
	*has_gid = *end == ':';
	if (*has_gid) {
		const char *g = end + 1;
		unsigned long v = strtoul(g, &end, 10);
		if (end == g || *end || v >= UINT32_MAX)
			return -1;
		*gid = (unsigned)v;
	}
	return 0;
}

static int cmd_exec(int argc, char **argv, int i)
{
	struct opt opts[] = { { "cwd", 0, true, false, NULL, { 0 } }, { "env", 'e', true, true, NULL, { 0 } },
			      { "tty", 't', false, false, NULL, { 0 } }, { "user", 'u', true, false, NULL, { 0 } },
			      { "additional-gids", 'g', true, true, NULL, { 0 } }, { "process", 'p', true, false, NULL, { 0 } },
			      { "detach", 'd', false, false, NULL, { 0 } }, { "pid-file", 0, true, false, NULL, { 0 } },
			      { "no-new-privs", 0, false, false, NULL, { 0 } }, { "cap", 'c', true, true, NULL, { 0 } }, { 0 } };
	const char *shape = "[--cwd DIR] [-e K=V] [-t] [-u UID[:GID]] [-g GID] [-p process.json] [-d] [--pid-file F] "
			    "[--no-new-privs] [-c CAP] ID [COMMAND ARG...]";
	i = parse_opts("exec", argc, argv, i, opts);
	if (i < 0)
		return 2;
	if (i >= argc)
		return usage("exec", shape);
	const char *id = argv[i++];
	if (i >= argc && !opts[5].got) {
		fprintf(stderr, "boxcore exec: no command given (or --process FILE)\n");
		return usage("exec", shape);
	}
	struct reply r;
	reply_init(&r, "exec");
	struct oci_state s;
	struct oci_config c;
	memset(&c, 0, sizeof c);
	if (oci_state_read(id, &s, &r) < 0) {
		free_opts(opts);
		return failed("exec", &r, 1);
	}
	/* The container's own process settings (capabilities, user, seccomp, ...), read
	 * from the config it was made with; the options change them. */
	if (oci_config_load(s.bundle ? s.bundle : s.dir, r_printf(&r, "%s/config.json", s.dir), &c, &r) < 0 || (opts[5].got && oci_process_load(opts[5].got, &c, &r) < 0)) {
		oci_state_free(&s);
		oci_config_free(&c);
		free_opts(opts);
		return failed("exec", &r, 1);
	}
	struct oci_process *p = &c.proc;
	if (i < argc) {
		strv_free(&p->args);
		for (int k = i; k < argc; k++)
			strv_push_copy(&p->args, argv[k]);
	}
	for (size_t k = 0; k < opts[1].all.n; k++)
		strv_push_copy(&p->env, opts[1].all.v[k]);
	if (opts[0].got)
		p->cwd = opts[0].got;
	p->terminal = opts[2].got != NULL;
	if (opts[3].got) {
		bool has_gid = false;
		if (parse_uid_gid(opts[3].got, &p->uid, &p->gid, &has_gid) < 0) {
			fail_usage(&r, "UID or UID:GID, numbers", "--user \"%s\" is not UID[:GID]", opts[3].got);
			goto bad;
		}
	}
	for (size_t k = 0; k < opts[4].all.n; k++) {
		p->groups = xrealloc(p->groups, (p->ngroups + 1) * sizeof *p->groups);
		p->groups[p->ngroups++] = (gid_t)strtoul(opts[4].all.v[k], NULL, 10);
	}
	if (opts[8].got)
		p->no_new_privs = true;
	for (size_t k = 0; k < opts[9].all.n; k++) {
		int cap = cap_number(opts[9].all.v[k]);
		if (cap < 0) {
			fail_usage(&r, "capability names as in capabilities(7)", "--cap: unknown capability \"%s\"", opts[9].all.v[k]);
			goto bad;
		}
		p->has_caps = true;
		p->caps.bounding |= 1ULL << cap;
		p->caps.effective |= 1ULL << cap;
		p->caps.permitted |= 1ULL << cap;
	}
	int code = oci_exec(&s, &c, opts[6].got != NULL, opts[7].got, &r);
	oci_state_free(&s);
	oci_config_free(&c);
	free_opts(opts);
	if (code < 0)
		return failed("exec", &r, start_failure_code(&r, 1));
	print_log(&r);
	reply_free(&r);
	return code;
bad:
	oci_state_free(&s);
	oci_config_free(&c);
	free_opts(opts);
	return failed("exec", &r, 2);
}

/* ------------------------------------------------------------ dispatch */

static const struct {
	const char *name;
	int (*fn)(int argc, char **argv, int i);
} commands[] = {
	{ "create", cmd_create }, { "start", cmd_start }, { "state", cmd_state }, { "kill", cmd_kill },
	{ "delete", cmd_delete }, { "run", cmd_run }, { "list", cmd_list }, { "spec", cmd_spec },
	{ "exec", cmd_exec },
};

bool oci_is_command(const char *word)
{
	if (strcmp(word, "pause") == 0 || strcmp(word, "resume") == 0)
		return true;
	for (size_t k = 0; k < sizeof commands / sizeof commands[0]; k++)
		if (strcmp(word, commands[k].name) == 0)
			return true;
	return false;
}

static int interrupted(const char *cmd, const char *id, struct reply *r)
{
	int code = 128 + g_signal;
	struct oci_state s;
	if (oci_state_read(id, &s, r) == 0) {
		if (s.pid > 0 && s.status != OCI_STOPPED)
			kill_container(r, &s);
		remove_container(r, &s);
	}
	oci_state_free(&s);
	fail_state(r, NULL, "interrupted by SIG%s: container \"%s\" was taken away again", signal_name(g_signal), id);
	return failed(cmd, r, code);
}

/* argv[i] is the command (global options before it are read already). */
int oci_main(int argc, char **argv, int i)
{
	/* The same setup as the server's (core_config.c): g_cfg, /dev/null, inherited
	 * descriptors close-on-exec, SIGPIPE ignored. */
	if (core_init(false, 0, 1) < 0)
		return 1;
	catch_signals();
	const char *cmd = argv[i];
	if (i + 1 < argc && (strcmp(argv[i + 1], "--help") == 0 || strcmp(argv[i + 1], "-h") == 0)) {
		/* The command's line of the usage (native/PROTOCOL.md has the whole story). */
		static const char *const shapes[][2] = {
			{ "create", "[--bundle DIR] [--pid-file FILE] [--console-socket SOCKET] ID" },
			{ "start", "ID" }, { "state", "ID" }, { "kill", "[--all] ID [SIGNAL]" }, { "delete", "[--force] ID" },
			{ "run", "[--bundle DIR] [--pid-file FILE] [--console-socket SOCKET] [--detach] [--keep] ID" },
			{ "list", "[--format table|json] [--quiet]" }, { "spec", "[--bundle DIR] [--rootless]" },
			{ "pause", "ID" }, { "resume", "ID" },
			{ "exec", "[--cwd DIR] [-e K=V] [-t] [-u UID[:GID]] [-g GID] [-p process.json] [-d] [--pid-file F] "
				  "[--no-new-privs] [-c CAP] ID [COMMAND ARG...]" },
		};
		for (size_t k = 0; k < sizeof shapes / sizeof shapes[0]; k++)
			if (strcmp(cmd, shapes[k][0]) == 0)
				printf("usage: boxcore [--root DIR] [--debug] [--log FILE] %s %s\n", cmd, shapes[k][1]);
		return 0;
	}
	if (strcmp(cmd, "pause") == 0 || strcmp(cmd, "resume") == 0)
		return cmd_pause(cmd, argc, argv, i + 1);
	for (size_t k = 0; k < sizeof commands / sizeof commands[0]; k++)
		if (strcmp(cmd, commands[k].name) == 0)
			return commands[k].fn(argc, argv, i + 1);
	return 2;
}

/* The global options: --root DIR, --debug, --log FILE. Returns the index of the
 * command, or -1. */
int oci_global_opts(int argc, char **argv)
{
	struct opt opts[] = { { "root", 0, true, false, NULL, { 0 } }, { "debug", 0, false, false, NULL, { 0 } },
			      { "log", 0, true, false, NULL, { 0 } }, { "log-format", 0, true, false, NULL, { 0 } }, { 0 } };
	int i = parse_opts("", argc, argv, 1, opts);
	if (i < 0)
		return -1;
	if (opts[0].got) {
		char cwd[PATH_MAX];
		char *abs = NULL;
		/* The root may not exist yet: keep it as given, made absolute. */
		if (opts[0].got[0] != '/' && getcwd(cwd, sizeof cwd) && asprintf(&abs, "%s/%s", cwd, opts[0].got) > 0)
			g_oci_root = abs;
		else
			g_oci_root = opts[0].got;
	}
	g_debug = opts[1].got != NULL;
	if (opts[2].got && !(g_log = fopen(opts[2].got, "ae"))) {
		fprintf(stderr, "boxcore: --log %s: %s\n", opts[2].got, strerror(errno));
		return -1;
	}
	g_log_off = !g_debug && !g_log; /* print_log is the syscall log's only reader */
	if (opts[3].got && strcmp(opts[3].got, "text") != 0) {
		fprintf(stderr, "boxcore: --log-format %s: only text is supported\n", opts[3].got);
		return -1;
	}
	return i;
}
