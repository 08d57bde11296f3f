/* puppet.c - the container's first process, before it becomes the real program.
 *
 * After clone the child does not exec. It waits on its end of a socketpair and does
 * what the server asks, one op at a time, from inside the new namespaces: set the
 * hostname, mount, pivot_root, spawn a program, and finally exec. runc, crun and
 * bubblewrap all have this parent/child dance; here it is slowed down to one request
 * at a time so a person can watch each step.
 *
 * With a new PID namespace the puppet is PID 1 there, and PID 1 has a duty: orphaned
 * processes of the namespace are re-parented to it, and it must reap them, or they
 * stay zombies.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "boxcore.h"
#include "errors.h"
#include "security.h"

/* The inside ops, and the arguments each reads (see struct op_entry). exec is
 * op_exec, which needs the socket: serve_one calls it itself. */
static const struct op_entry inside_ops[] = {
	{ "sethostname", op_sethostname, "name", false },
	{ "setdomainname", op_setdomainname, "name", false },
	{ "propagation", op_propagation, "path mode recursive", false },
	{ "mount", op_mount, "type target source options readonly recursive lower upper work mkdir", false },
	{ "umount", op_umount, "target detach", false },
	{ "readonly", op_readonly, "target", false },
	{ "masked_paths", op_masked_paths, "paths", false },
	{ "readonly_paths", op_readonly_paths, "paths", false },
	{ "devices", op_devices, "root", false },
	{ "device_node", op_device_node, "path type major minor mode uid gid source", false },
	{ "pivot_root", op_pivot_root, "root", false },
	{ "chroot", op_chroot, "root", false },
	{ "chdir", op_chdir, "path", false },
	{ "spawn", op_spawn, "argv env cwd stdin timeout_ms", false },
	{ "caps", op_caps, "keep drop ambient", false },
	{ "no_new_privs", op_no_new_privs, "", false },
	{ "apparmor_exec", op_apparmor_exec, "profile", false },
	{ "seccomp", op_seccomp, "rules default", false },
	{ "user", op_user, "uid gid groups", false },
	{ "exec", NULL, "argv env cwd stdio", false },
	{ "_become_root", op_become_root, "uid gid", false }, /* sent by the server right after idmap */
	{ "_cgroupns", op_cgroupns, "", false },               /* sent by clone once the puppet is in its cgroup */
};
#define NINSIDE (sizeof inside_ops / sizeof inside_ops[0])

const char *puppet_op_args(const char *name)
{
	const struct op_entry *e = op_find(inside_ops, NINSIDE, name);
	return e ? e->args : NULL;
}

/* Collect every child that has exited: the init duty of PID 1. */
static void reap_orphans(void)
{
	while (waitpid(-1, NULL, WNOHANG) > 0)
		;
}

static void serve_one(int sock, const char *line, size_t len, int *passed_fd)
{
	struct request q;
	struct reply r;
	reply_init(&r, "");
	if (request_parse(&q, line, len, &r) == 0) {
		const struct op_entry *e = op_find(inside_ops, NINSIDE, q.op);
		if (e)
			q.args = e->args;
		if (e && strcmp(e->name, "exec") == 0)
			op_exec(&q, &r, sock, *passed_fd); /* returns only when execve failed */
		else if (e)
			e->fn(&q, &r);
		else
			fail_usage(&r, usage_example(NULL), "unknown op \"%s\" for the puppet", q.op);
	}
	if (*passed_fd >= 0) {
		close(*passed_fd);
		*passed_fd = -1;
	}
	struct buf wire = { 0 };
	reply_to_wire(&r, &wire);
	write_all(sock, wire.s, wire.len);
	buf_free(&wire);
	request_free(&q);
	reply_free(&r);
}

void puppet_main(int sock, int mask)
{
	/* If the server dies, so does the container: the kernel sends SIGKILL to this
	 * process when its parent exits (setpriv --pdeathsig KILL in a shell). */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	/* ...but the server may have died before that line ran. Then our end of the
	 * socketpair reports a hang-up. (getppid() is no help in a new PID namespace:
	 * the parent is outside it, so it reads 0.) */
	pid_t parent = getppid();
	struct pollfd p = { .fd = sock, .events = POLLRDHUP };
	if ((parent != 0 && parent != g_cfg.server_pid) ||
	    (poll(&p, 1, 0) == 1 && (p.revents & (POLLRDHUP | POLLHUP))))
		_exit(1);

	/* Without a PID namespace nothing in the kernel ties the container's processes
	 * together: a program started in the background would be re-parented to the
	 * host's init when its parent exits. As a "child subreaper" the puppet adopts
	 * those orphans instead (it is then the root of every process of the container,
	 * so the server can find them all in /proc/PID/task/TID/children). A PID 1 of a
	 * new PID namespace is that already. */
	if (!(mask & (1 << ns_index("pid"))))
		prctl(PR_SET_CHILD_SUBREAPER, 1);

	reset_signals_for_exec();
	signal(SIGPIPE, SIG_IGN); /* a dead server shows up as EPIPE, not a signal */
	container_stdio();
	/* Keep only stdio, the socketpair and /dev/null: the server's request stream and
	 * the other containers' sockets are none of this container's business. */
	close_fds_except(sock, g_cfg.null_fd);

	struct linereader lr;
	linereader_init(&lr, sock, 0, true);
	for (;;) {
		char *line;
		size_t len;
		reap_orphans();
		/* Wake up at least twice a second to reap, even with no request. */
		int rc = line_read(&lr, &line, &len, 500);
		if (rc == LINE_ERROR && errno == ETIMEDOUT)
			continue;
		if (rc != LINE_OK)
			break; /* EOF: the server is gone */
		int fd = lr.passed_fd;
		lr.passed_fd = -1;
		serve_one(sock, line, len, &fd);
	}
	_exit(0);
}
