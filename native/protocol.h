/* protocol.h - requests in, replies out (see PROTOCOL.md).
 *
 * A reply collects, while an op runs: the syscalls it made (strace style), the shell
 * command a person would type, the result members, and at most one error.
 */
#ifndef BOXCORE_PROTOCOL_H
#define BOXCORE_PROTOCOL_H

#include <stdbool.h>
#include <stddef.h>

#include "json.h"
#include "util.h"

#define MAX_LINE 65536

/* ---- reading lines ---- */

enum { LINE_OK, LINE_EOF, LINE_TOO_LONG, LINE_ERROR, LINE_STOP };

struct linereader {
	int fd;
	size_t limit;       /* 0: no limit */
	bool recv_fds;      /* use recvmsg and keep an fd passed with SCM_RIGHTS */
	int passed_fd;      /* -1, or the last fd received */
	char *buf;
	size_t len, cap;
	size_t start;       /* where the unread data begins */
	bool skipping;      /* discarding the rest of a too-long line */
	bool eof;
};

void linereader_init(struct linereader *lr, int fd, size_t limit, bool recv_fds);
void linereader_free(struct linereader *lr);
/* The line (without '\n', NUL-terminated) stays valid until the next call. */
int line_read(struct linereader *lr, char **line, size_t *len, int timeout_ms);

/* ---- requests ---- */

struct request {
	struct jobject obj;
	const char *op;
	const char *args; /* the arguments the op's table entry lists (NULL: unchecked) */
	long long id;
	bool has_id;
	const char *line; /* the raw text, forwarded to the puppet as it is */
	size_t line_len;
};

/* ---- replies ---- */

struct reply {
	const char *op;
	long long id;
	bool has_id;
	struct buf result; /* members of the result object, without braces */
	struct strv syscalls;
	struct buf shell;
	bool failed;
	const char *kind; /* protocol usage state syscall timeout */
	int err;
	struct buf message, explain, hint;
	struct strv arena; /* strings made for formatting, freed with the reply */
	bool pending;      /* puppet only: "execve comes next" */
	const char *exec_line; /* puppet only: the execve that comes next (arena string) */
};

/* ---- dispatch tables ----
 *
 * The server (serve.c) and the puppet (puppet.c) each find an op's function in a table
 * of these. args lists, space separated, every argument the function reads: the
 * server's hello returns the tables as the core's op catalog, and the argument
 * readers below refuse a name the entry does not list, so the list cannot drift
 * from the code. */
struct op_entry {
	const char *name;
	int (*fn)(const struct request *q, struct reply *r);
	const char *args;
	bool inside; /* serve.c: the puppet does it; its own entry adds the arguments */
};
const struct op_entry *op_find(const struct op_entry *table, size_t n, const char *name);
/* Append each word of an entry's args to out, skipping those already there. */
void op_arg_names(const char *args, struct strv *out);

void reply_init(struct reply *r, const char *op);
void reply_free(struct reply *r);

/* Parse a line into a request. On failure fills a protocol/usage error in r. */
int request_parse(struct request *q, const char *line, size_t len, struct reply *r);
void request_free(struct request *q);

/* Arguments. Each returns 0 (found, or absent and optional: *out keeps its default),
 * or -1 with a usage error in r naming the argument. */
int arg_str(struct reply *r, const struct request *q, const char *key, bool required, const char **out);
int arg_int(struct reply *r, const struct request *q, const char *key, bool required, long long *out);
int arg_bool(struct reply *r, const struct request *q, const char *key, bool *out);
int arg_strv(struct reply *r, const struct request *q, const char *key, bool required, char ***out, size_t *n);
bool arg_present(const struct request *q, const char *key);
/* Any value, for an argument that takes more than one type ("sig": a name or a number):
 * NULL when absent or null (*rc -1 when it was required, with the error in r). */
const struct jvalue *arg_value(struct reply *r, const struct request *q, const char *key, bool required, int *rc);

/* Whether replies keep a syscall log and a shell line at all. serve always does (the
 * lessons show them); the OCI command line prints them only with --debug or --log, so
 * without those it turns them off, and nobody spends time formatting text nobody
 * reads (it was a good part of the runtime's own CPU time). Set once, at the start:
 * the container's init, a fork, inherits it. */
extern bool g_log_off;

/* The syscall log. log_call (r may be NULL: a quiet call, logged nowhere) appends "TEXT = ret" or "TEXT = -1 ENAME (message)" using
 * errno, and leaves errno as it found it, so it can sit right after the call. */
long log_call(struct reply *r, long ret, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void log_line(struct reply *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Strace-quoted string ("..." or NULL) and shell-quoted word, valid until reply_free. */
const char *q_str(struct reply *r, const char *s);
const char *sh_word(struct reply *r, const char *s);
const char *r_printf(struct reply *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Add a command to the shell line, joined to the previous one by " && ". */
void shell_step(struct reply *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Errors. All return -1 so an op can `return fail_...(...)`. */
int fail_protocol(struct reply *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int fail_usage(struct reply *r, const char *hint, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
int fail_state(struct reply *r, const char *hint, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
int fail_timeout(struct reply *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* A syscall failed with err. message = context + ": " + strerror(err); explain and
 * hint come from errors.c for (r->op, err, variant), with {path} replaced by path. */
int fail_sys(struct reply *r, int err, const char *variant, const char *path, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));

/* The reply as the client reads it: one JSON line. */
void reply_to_json(const struct reply *r, struct buf *out);
/* Puppet -> server: a flat object our own parser reads back (result travels as text). */
void reply_to_wire(const struct reply *r, struct buf *out);
/* Merge a puppet's wire reply into r (syscalls and shell appended, result and error
 * taken over). Returns 0, or -1 when the text is not a wire reply. */
int reply_merge_wire(struct reply *r, const char *line, size_t len, bool *pending, char **exec_line);

/* strace's picture of a wait status: [{WIFEXITED(s) && WEXITSTATUS(s) == 3}] */
const char *q_wstatus(struct reply *r, int status);

/* Result helper: the members describing how a process ended (wait status). */
void result_wait_status(struct buf *result, int status);

#endif
