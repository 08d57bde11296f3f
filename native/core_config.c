/* core_config.c - what every way of running the core sets up first.
 *
 * The server (boxcore serve) and the OCI runtime's commands both call core_init
 * before anything else, so the files that fork containers and helpers (puppet.c,
 * process.c, join.c, nat.c, pty.c) find the same g_cfg whichever path started them.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "boxcore.h"

/* close_range(2)'s flag (linux/close_range.h), spelled out for older headers. */
#define CLOSE_RANGE_CLOEXEC_ (1U << 2)

struct core_config g_cfg = { .req_fd = 0, .rep_fd = 1, .null_fd = -1 };

int core_init(bool fds_mode, int req_fd, int rep_fd)
{
	g_cfg.fds_mode = fds_mode;
	g_cfg.req_fd = req_fd;
	g_cfg.rep_fd = rep_fd;
	/* Descriptors we inherited (other than 0, 1 and 2) must not reach containers or
	 * the programs they run: one close_range(2) marks them all close-on-exec (Linux
	 * 5.11; on older kernels it fails and they stay as they were). The protocol's own
	 * descriptors (--fds) are among them: they are for this process only. */
	syscall(SYS_close_range, 3, ~0U, CLOSE_RANGE_CLOEXEC_);
	if (fds_mode) {
		set_cloexec(req_fd, true);
		set_cloexec(rep_fd, true);
	}
	/* A reader that went away (the lab, a console socket) must show up as EPIPE from
	 * write(2), not as SIGPIPE, whose default action would kill the core. */
	signal(SIGPIPE, SIG_IGN);
	g_cfg.server_pid = getpid();
	/* /dev/null, opened once, close-on-exec: whatever needs an empty stdin or a place
	 * to throw output dup2()s this one instead of opening its own. */
	g_cfg.null_fd = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (g_cfg.null_fd < 0) {
		perror("boxcore: open /dev/null");
		return -1;
	}
	return 0;
}

void container_stdio(void)
{
	/* By default stdin is /dev/null and stdout goes where stderr goes (the server's
	 * fd 2); with --fds the containers inherit 0, 1 and 2 as they are. */
	if (!g_cfg.fds_mode) {
		dup2(g_cfg.null_fd, 0);
		dup2(2, 1);
	}
}
