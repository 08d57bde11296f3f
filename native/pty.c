/* pty.c - pseudo-terminals: a pair, a descriptor passed to the puppet over the
 * socketpair, and a relay that copies between the person's terminal and the pty.
 *
 * A pty is two ends: the master, held by the terminal emulator side (here: the
 * relay), and the slave, which the program sees as its terminal (/dev/pts/N).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <termios.h>
#include <unistd.h>

#include "boxcore.h"

static struct termios saved_tio;
static bool have_saved_tio;
static int saved_tio_fd = -1;

int pty_open(struct reply *r, int *master, int *slave)
{
	/* posix_openpt opens /dev/ptmx: each open makes a new pty pair. */
	CLEANUP(fd_close) int m = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
	log_call(r, m, "openat(AT_FDCWD, \"/dev/ptmx\", O_RDWR|O_NOCTTY|O_CLOEXEC)");
	if (m < 0)
		return fail_sys(r, errno, NULL, "/dev/ptmx", "open /dev/ptmx");
	/* A new slave is locked until the master unlocks it (unlockpt = TIOCSPTLCK 0). */
	if (log_call(r, unlockpt(m), "ioctl(%d, TIOCSPTLCK, [0])", m) < 0)
		return fail_sys(r, errno, NULL, "/dev/ptmx", "unlock the pty");
	char name[64];
	/* ptsname_r: the name of the slave of this master (/dev/pts/N), to open it. */
	if (ptsname_r(m, name, sizeof name) != 0)
		return fail_sys(r, errno, NULL, "/dev/ptmx", "find the pty's name");
	int s = open(name, O_RDWR | O_NOCTTY | O_CLOEXEC);
	log_call(r, s, "openat(AT_FDCWD, %s, O_RDWR|O_NOCTTY|O_CLOEXEC)", q_str(r, name));
	if (s < 0)
		return fail_sys(r, errno, NULL, name, "open %s", name);
	/* Start with the size of the person's terminal, when there is one. */
	struct winsize ws;
	if (g_cfg.fds_mode && ioctl(0, TIOCGWINSZ, &ws) == 0)
		log_call(r, ioctl(m, TIOCSWINSZ, &ws), "ioctl(%d, TIOCSWINSZ, {ws_row=%d, ws_col=%d})", m, ws.ws_row,
			 ws.ws_col);
	*master = m;
	*slave = s;
	m = -1; /* the caller's now */
	return 0;
}

/* Send bytes with a descriptor attached. SCM_RIGHTS over a Unix socket is the only
 * way to hand an open file to another process: the kernel installs a copy of it in
 * the receiver, like dup() across processes. */
int send_with_fd(int sock, const char *data, size_t len, int fd)
{
	union {
		struct cmsghdr h;
		char space[CMSG_SPACE(sizeof(int))];
	} ctl;
	memset(&ctl, 0, sizeof ctl);
	struct iovec iov = { .iov_base = (void *)data, .iov_len = len };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl.space,
			      .msg_controllen = sizeof ctl.space };
	struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &fd, sizeof fd);
	ssize_t n;
	do
		/* sendmsg(2) carries the control message; MSG_NOSIGNAL: a closed peer is EPIPE. */
		n = sendmsg(sock, &msg, MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -1;
	return write_all(sock, data + n, len - (size_t)n);
}

static volatile sig_atomic_t relay_winch, relay_stop;

static void on_winch(int sig)
{
	(void)sig;
	relay_winch = 1;
}

static void on_stop(int sig)
{
	(void)sig;
	relay_stop = 1;
}

static void relay_loop(int master, int in_fd, int out_fd)
{
	char b[16384];
	bool in_open = in_fd >= 0;
	for (;;) {
		if (relay_stop)
			return;
		if (relay_winch && in_fd >= 0) {
			/* The person resized the window: tell the pty, which sends SIGWINCH
			 * to the program. */
			struct winsize ws;
			relay_winch = 0;
			if (ioctl(in_fd, TIOCGWINSZ, &ws) == 0)
				ioctl(master, TIOCSWINSZ, &ws);
		}
		struct pollfd p[2] = { { .fd = master, .events = POLLIN }, { .fd = in_open ? in_fd : -1, .events = POLLIN } };
		/* poll(2): sleep until the program writes or the person types. */
		if (poll(p, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			return;
		}
		if (p[0].revents) {
			ssize_t n = read(master, b, sizeof b);
			/* EIO: every slave descriptor is closed - the program has ended. */
			if (n <= 0) {
				if (n < 0 && errno == EINTR)
					continue;
				return;
			}
			if (write_all(out_fd, b, (size_t)n) < 0)
				return;
		}
		if (p[1].revents) {
			ssize_t n = read(in_fd, b, sizeof b);
			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0)
				in_open = false;
			else if (write_all(master, b, (size_t)n) < 0)
				return;
		}
	}
}

/* Start the relay process. in_fd may be -1 (no input: default serve mode, where
 * fd 0 carries requests). */
pid_t pty_relay_start(int master, int in_fd, int out_fd)
{
	if (in_fd >= 0 && isatty(in_fd) && tcgetattr(in_fd, &saved_tio) == 0) {
		have_saved_tio = true;
		saved_tio_fd = in_fd;
	}
	/* The relay is its own process so the server can go on answering requests
	 * while a person types into the container. */
	pid_t pid = fork();
	if (pid != 0)
		return pid;

	reset_signals_for_exec();
	/* Only the terminal ends and the master: not the server's sockets or pipes. */
	close_fds_except(master, -1);
	/* Die with the server - but through SIGTERM, so the terminal is restored.
	 * Handlers without SA_RESTART: poll() returns EINTR and the loop looks. */
	struct sigaction st = { .sa_handler = on_stop };
	sigaction(SIGTERM, &st, NULL);
	sigaction(SIGHUP, &st, NULL);
	prctl(PR_SET_PDEATHSIG, SIGTERM);
	struct sigaction sw = { .sa_handler = on_winch };
	sigaction(SIGWINCH, &sw, NULL);
	if (have_saved_tio) {
		/* Raw mode: every key goes to the program as it is typed (Ctrl-C included,
		 * which the pty turns into SIGINT for the program, not for us). */
		struct termios raw = saved_tio;
		cfmakeraw(&raw);
		tcsetattr(in_fd, TCSADRAIN, &raw);
	}
	relay_winch = 1;
	relay_loop(master, in_fd, out_fd);
	if (have_saved_tio)
		tcsetattr(in_fd, TCSADRAIN, &saved_tio);
	_exit(0);
}

void pty_restore_terminal(void)
{
	if (have_saved_tio) {
		tcsetattr(saved_tio_fd, TCSADRAIN, &saved_tio);
		have_saved_tio = false;
	}
}
