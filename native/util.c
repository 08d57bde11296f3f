/* util.c - growing buffers, string lists, quoting, and careful waiting. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "util.h"

volatile sig_atomic_t g_stop;
sigset_t g_wait_mask;

void fd_close(int *fd)
{
	if (*fd >= 0) {
		int e = errno;
		close(*fd);
		errno = e;
		*fd = -1;
	}
}

void mem_free(void *p)
{
	free(*(void **)p);
}

void *xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);
	if (!p) {
		static const char msg[] = "boxcore: out of memory\n";
		(void)!write(2, msg, sizeof msg - 1);
		_exit(70);
	}
	return p;
}

void *xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n ? n : 1);
	if (!q) {
		static const char msg[] = "boxcore: out of memory\n";
		(void)!write(2, msg, sizeof msg - 1);
		_exit(70);
	}
	return q;
}

char *xstrndup(const char *s, size_t n)
{
	char *p = xmalloc(n + 1);
	memcpy(p, s, n);
	p[n] = 0;
	return p;
}

char *xstrdup(const char *s)
{
	return xstrndup(s, strlen(s));
}

static void buf_grow(struct buf *b, size_t extra)
{
	if (b->len + extra + 1 <= b->cap)
		return;
	size_t cap = b->cap ? b->cap : 64;
	while (cap < b->len + extra + 1)
		cap *= 2;
	b->s = xrealloc(b->s, cap);
	b->cap = cap;
}

void buf_put(struct buf *b, const char *s, size_t n)
{
	buf_grow(b, n);
	if (n)
		memcpy(b->s + b->len, s, n);
	b->len += n;
	b->s[b->len] = 0;
}

void buf_puts(struct buf *b, const char *s)
{
	buf_put(b, s, strlen(s));
}

void buf_putc(struct buf *b, char c)
{
	buf_put(b, &c, 1);
}

void buf_vprintf(struct buf *b, const char *fmt, va_list ap)
{
	/* Format into the room there is; only when the text does not fit, grow and
	 * format again (most of the time once is enough). */
	buf_grow(b, 63);
	va_list ap2;
	va_copy(ap2, ap);
	int n = vsnprintf(b->s + b->len, b->cap - b->len, fmt, ap2);
	va_end(ap2);
	if (n < 0) {
		b->s[b->len] = 0;
		return;
	}
	if ((size_t)n >= b->cap - b->len) {
		buf_grow(b, (size_t)n);
		vsnprintf(b->s + b->len, (size_t)n + 1, fmt, ap);
	}
	b->len += (size_t)n;
}

void buf_printf(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	buf_vprintf(b, fmt, ap);
	va_end(ap);
}

const char *buf_str(struct buf *b)
{
	return b->s ? b->s : "";
}

void buf_reset(struct buf *b)
{
	b->len = 0;
	if (b->s)
		b->s[0] = 0;
}

void buf_free(struct buf *b)
{
	free(b->s);
	b->s = NULL;
	b->len = b->cap = 0;
}

void strv_push(struct strv *l, char *owned)
{
	if (l->n + 2 > l->cap) {
		l->cap = l->cap ? l->cap * 2 : 8;
		l->v = xrealloc(l->v, l->cap * sizeof *l->v);
	}
	l->v[l->n++] = owned;
	l->v[l->n] = NULL;
}

void strv_push_copy(struct strv *l, const char *s)
{
	strv_push(l, xstrdup(s));
}

void strv_free(struct strv *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = l->cap = 0;
}

/* Quote like strace: "..." with C escapes, bytes that are not printable in octal. */
void buf_c_string(struct buf *b, const char *s, size_t n)
{
	buf_putc(b, '"');
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		switch (c) {
		case '"': buf_puts(b, "\\\""); break;
		case '\\': buf_puts(b, "\\\\"); break;
		case '\n': buf_puts(b, "\\n"); break;
		case '\t': buf_puts(b, "\\t"); break;
		case '\r': buf_puts(b, "\\r"); break;
		default:
			if (c < 0x20 || c == 0x7f)
				buf_printf(b, "\\%o", c);
			else
				buf_putc(b, (char)c);
		}
	}
	buf_putc(b, '"');
}

/* Quote for a POSIX shell: plain words stay plain, anything else goes in '...'. */
void buf_shell_word(struct buf *b, const char *s)
{
	bool plain = *s != 0;
	for (const char *p = s; *p; p++) {
		if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_@%+=:,./-", *p)) {
			plain = false;
			break;
		}
	}
	if (plain) {
		buf_puts(b, s);
		return;
	}
	buf_putc(b, '\'');
	for (const char *p = s; *p; p++) {
		if (*p == '\'')
			buf_puts(b, "'\\''");
		else
			buf_putc(b, *p);
	}
	buf_putc(b, '\'');
}

int write_all(int fd, const void *p, size_t n)
{
	const char *c = p;
	while (n > 0) {
		ssize_t w = write(fd, c, n);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN) {
				struct pollfd pfd = { .fd = fd, .events = POLLOUT };
				poll(&pfd, 1, 1000);
				continue;
			}
			return -1;
		}
		c += w;
		n -= (size_t)w;
	}
	return 0;
}

int set_nonblock(int fd, bool on)
{
	int fl = fcntl(fd, F_GETFL);
	if (fl < 0)
		return -1;
	return fcntl(fd, F_SETFL, on ? fl | O_NONBLOCK : fl & ~O_NONBLOCK);
}

int pipes_open(int (*p)[2], int n)
{
	for (int i = 0; i < n; i++) {
		/* pipe2(2) with O_CLOEXEC: the ends vanish from any program execve'd later,
		 * unless dup2'd onto its stdio on purpose. */
		if (pipe2(p[i], O_CLOEXEC) < 0) {
			int e = errno;
			while (i-- > 0)
				close(p[i][0]), close(p[i][1]);
			errno = e;
			return -1;
		}
	}
	return 0;
}

int set_cloexec(int fd, bool on)
{
	int fl = fcntl(fd, F_GETFD);
	if (fl < 0)
		return -1;
	return fcntl(fd, F_SETFD, on ? fl | FD_CLOEXEC : fl & ~FD_CLOEXEC);
}

/* Close every descriptor above 2 except two. close_range(2) (Linux 5.9) does a whole
 * range in one call; `ls -l /proc/self/fd` shows what is left. */
static void close_span(unsigned lo, unsigned hi)
{
	if (lo > hi)
		return;
	if (syscall(SYS_close_range, lo, hi, 0) == 0)
		return;
	for (unsigned fd = lo; fd <= hi && fd < 65536; fd++)
		close((int)fd);
}

void close_fds_except(int keep1, int keep2)
{
	int a = keep1 < keep2 ? keep1 : keep2;
	int b = keep1 < keep2 ? keep2 : keep1;
	unsigned lo = 3;
	if (a >= 3) {
		close_span(lo, (unsigned)a - 1);
		lo = (unsigned)a + 1;
	}
	if (b >= 3 && b != a) {
		close_span(lo, (unsigned)b - 1);
		lo = (unsigned)b + 1;
	}
	close_span(lo, ~0U);
}

/* Sleep until a descriptor is ready, the time is up, or SIGTERM/SIGINT arrived.
 * Returns what poll returns, or -2 when the server was asked to stop. */
int wait_fds(struct pollfd *fds, int nfds, int timeout_ms)
{
	for (;;) {
		if (g_stop)
			return -2;
		struct timespec ts, *tp = NULL;
		if (timeout_ms >= 0) {
			ts.tv_sec = timeout_ms / 1000;
			ts.tv_nsec = (long)(timeout_ms % 1000) * 1000000L;
			tp = &ts;
		}
		/* ppoll(2) swaps in g_wait_mask only while it sleeps: SIGTERM and SIGINT, blocked
		 * everywhere else, get through here, so one that came earlier is delivered now
		 * (EINTR) and the flag it set is never missed. */
		int n = ppoll(fds, (nfds_t)nfds, tp, &g_wait_mask);
		if (n < 0 && errno == EINTR) {
			if (g_stop)
				return -2;
			continue;
		}
		return n;
	}
}

long long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void reset_signals_for_exec(void)
{
	sigset_t none;
	sigemptyset(&none);
	signal(SIGPIPE, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	signal(SIGINT, SIG_DFL);
	signal(SIGQUIT, SIG_DFL);
	signal(SIGCHLD, SIG_DFL);
	signal(SIGWINCH, SIG_DFL);
	sigprocmask(SIG_SETMASK, &none, NULL);
}
