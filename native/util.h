/* util.h - growing buffers, string lists, quoting, and careful waiting.
 *
 * Nothing here talks about containers; it is the plumbing every other file uses.
 */
#ifndef BOXCORE_UTIL_H
#define BOXCORE_UTIL_H

#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#define BOXCORE_VERSION "0.1.0"

/* A growing byte buffer; always NUL-terminated once anything was put in it. */
struct buf {
	char *s;
	size_t len, cap;
};

void buf_put(struct buf *b, const char *s, size_t n);
void buf_puts(struct buf *b, const char *s);
void buf_putc(struct buf *b, char c);
void buf_printf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void buf_vprintf(struct buf *b, const char *fmt, va_list ap);
const char *buf_str(struct buf *b); /* never NULL */
void buf_reset(struct buf *b);
void buf_free(struct buf *b);

/* A NULL-terminated list of owned strings (argv, env, syscall log). */
struct strv {
	char **v;
	size_t n, cap;
};

void strv_push(struct strv *l, char *owned);
void strv_push_copy(struct strv *l, const char *s);
void strv_free(struct strv *l);

/* Cleanup attributes: the compiler calls fn(&variable) when the variable goes out of
 * scope, on every way out of the block, so how a thing is let go is said once, where
 * it is declared, and no early return can forget it:
 *     CLEANUP(buf_free) struct buf text = { 0 };
 *     CLEANUP(fd_close) int fd = open(...);            */
#define CLEANUP(fn) __attribute__((cleanup(fn)))
void fd_close(int *fd);  /* close(*fd) unless it is -1 (errno kept) */
void mem_free(void *p);  /* free(*(void **)p) */

void *xmalloc(size_t n);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);

/* Quoting for the two audiences of a reply. */
void buf_c_string(struct buf *b, const char *s, size_t n); /* "a\nb" as strace prints */
void buf_shell_word(struct buf *b, const char *s);          /* 'a b' as a shell reads */

/* I/O that finishes its job or says why not. */
int write_all(int fd, const void *p, size_t n);
int set_nonblock(int fd, bool on);
int set_cloexec(int fd, bool on);
/* n pipes, close-on-exec (pipe2 with O_CLOEXEC), each p[i][0] to read and p[i][1] to
 * write. 0, or -1 with errno and none of them left open. */
int pipes_open(int (*p)[2], int n);
void close_fds_except(int keep1, int keep2);

/* Set by the SIGTERM/SIGINT handler of the server. */
extern volatile sig_atomic_t g_stop;
/* The signal mask to use while sleeping in ppoll: the server keeps SIGTERM and SIGINT
 * blocked except while it waits, so a signal can never slip between "check the flag"
 * and "go to sleep" (that is what ppoll's mask argument is for). */
extern sigset_t g_wait_mask;
int wait_fds(struct pollfd *fds, int nfds, int timeout_ms);
long long now_ms(void);

/* Give a freshly forked child a clean signal state before it execs a program:
 * the signal mask and ignored signals survive execve, handlers do not. */
void reset_signals_for_exec(void);

#endif
