/* protocol.c - reading request lines, and building replies. */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "errors.h"
#include "protocol.h"

/* ------------------------------------------------------------------ lines */

void linereader_init(struct linereader *lr, int fd, size_t limit, bool recv_fds)
{
	memset(lr, 0, sizeof *lr);
	lr->fd = fd;
	lr->limit = limit;
	lr->recv_fds = recv_fds;
	lr->passed_fd = -1;
}

void linereader_free(struct linereader *lr)
{
	free(lr->buf);
	if (lr->passed_fd >= 0)
		close(lr->passed_fd);
	lr->buf = NULL;
	lr->passed_fd = -1;
}

/* One read() - or recvmsg(), when a descriptor may come along with the bytes. */
static ssize_t fill(struct linereader *lr, char *dst, size_t room)
{
	if (!lr->recv_fds)
		return read(lr->fd, dst, room);
	union {
		struct cmsghdr h;
		char space[CMSG_SPACE(sizeof(int))];
	} ctl;
	struct iovec iov = { .iov_base = dst, .iov_len = room };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl.space,
			      .msg_controllen = sizeof ctl.space };
	/* SCM_RIGHTS: the kernel installs a copy of the sender's descriptor in this
	 * process; MSG_CMSG_CLOEXEC keeps it from leaking into programs we exec. */
	ssize_t n = recvmsg(lr->fd, &msg, MSG_CMSG_CLOEXEC);
	if (n > 0) {
		for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
			if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) {
				int fd;
				memcpy(&fd, CMSG_DATA(c), sizeof fd);
				if (lr->passed_fd >= 0)
					close(lr->passed_fd);
				lr->passed_fd = fd;
			}
		}
	}
	return n;
}

int line_read(struct linereader *lr, char **line, size_t *len, int timeout_ms)
{
	for (;;) {
		char *begin = lr->buf + lr->start;
		size_t avail = lr->len - lr->start;
		char *nl = avail ? memchr(begin, '\n', avail) : NULL;
		if (nl) {
			size_t l = (size_t)(nl - begin);
			lr->start += l + 1;
			if (lr->skipping) {
				lr->skipping = false;
				continue;
			}
			if (lr->limit && l > lr->limit)
				return LINE_TOO_LONG;
			*nl = 0;
			*line = begin;
			*len = l;
			return LINE_OK;
		}
		if (lr->skipping) {
			lr->start = lr->len = 0;
		} else if (lr->limit && avail > lr->limit) {
			/* Too long: say so now, and throw away the rest up to the newline. */
			lr->skipping = true;
			lr->start = lr->len = 0;
			return LINE_TOO_LONG;
		}
		if (lr->eof) {
			if (lr->len > lr->start && !lr->skipping) {
				/* A last line without '\n' still counts. */
				if (lr->len == lr->cap)
					lr->buf = xrealloc(lr->buf, ++lr->cap);
				lr->buf[lr->len] = 0;
				*line = lr->buf + lr->start;
				*len = lr->len - lr->start;
				lr->start = lr->len;
				return LINE_OK;
			}
			return LINE_EOF;
		}
		if (lr->start > 0) {
			memmove(lr->buf, lr->buf + lr->start, lr->len - lr->start);
			lr->len -= lr->start;
			lr->start = 0;
		}
		if (lr->cap - lr->len < 16384) {
			lr->cap = lr->cap ? lr->cap * 2 : 65536;
			lr->buf = xrealloc(lr->buf, lr->cap);
		}
		struct pollfd pfd = { .fd = lr->fd, .events = POLLIN };
		int w = wait_fds(&pfd, 1, timeout_ms);
		if (w == -2)
			return LINE_STOP;
		if (w == 0) {
			errno = ETIMEDOUT;
			return LINE_ERROR;
		}
		if (w < 0)
			return LINE_ERROR;
		ssize_t n = fill(lr, lr->buf + lr->len, lr->cap - lr->len - 1);
		if (n < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			if (errno == ECONNRESET) {
				lr->eof = true;
				continue;
			}
			return LINE_ERROR;
		}
		if (n == 0)
			lr->eof = true;
		lr->len += (size_t)n;
	}
}

/* --------------------------------------------------------------- requests */

int request_parse(struct request *q, const char *line, size_t len, struct reply *r)
{
	char why[160];
	memset(q, 0, sizeof *q);
	q->line = line;
	q->line_len = len;
	if (json_parse_object(line, len, &q->obj, why, sizeof why) < 0)
		return fail_protocol(r, "the request is not a JSON object: %s", why);
	const struct jvalue *id = json_get(&q->obj, "id");
	if (id && id->type == J_INT) {
		q->id = r->id = id->i;
		q->has_id = r->has_id = true;
	}
	const struct jvalue *op = json_get(&q->obj, "op");
	if (!op)
		return fail_protocol(r, "the request has no \"op\"");
	if (op->type != J_STRING || op->has_nul)
		return fail_usage(r, usage_example(NULL), "\"op\" must be a string, not %s", json_type_name(op->type));
	q->op = op->str;
	r->op = op->str;
	return 0;
}

void request_free(struct request *q)
{
	json_free(&q->obj);
	q->op = NULL;
}

bool arg_present(const struct request *q, const char *key)
{
	const struct jvalue *v = json_get(&q->obj, key);
	return v && v->type != J_NULL;
}

/* Is word one of the space-separated words of list? */
static bool listed(const char *list, const char *word)
{
	size_t wl = strlen(word);
	for (const char *p = list; *p;) {
		size_t l = strcspn(p, " ");
		if (l == wl && strncmp(p, word, l) == 0)
			return true;
		p += l;
		p += strspn(p, " ");
	}
	return false;
}

const struct op_entry *op_find(const struct op_entry *table, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(table[i].name, name) == 0)
			return &table[i];
	return NULL;
}

void op_arg_names(const char *args, struct strv *out)
{
	for (const char *p = args ? args : ""; *p;) {
		p += strspn(p, " ");
		size_t l = strcspn(p, " ");
		if (!l)
			break;
		char *word = xstrndup(p, l);
		bool seen = false;
		for (size_t i = 0; i < out->n && !seen; i++)
			seen = strcmp(out->v[i], word) == 0;
		if (seen)
			free(word);
		else
			strv_push(out, word);
		p += l;
	}
}

const struct jvalue *arg_value(struct reply *r, const struct request *q, const char *key, bool required, int *rc)
{
	*rc = 0;
	if (q->args && !listed(q->args, key)) {
		/* A mistake in boxcore itself: the op reads an argument its table entry does
		 * not list, so hello's catalog would be wrong about it. */
		*rc = fail_protocol(r, "boxcore bug: op \"%s\" reads argument \"%s\", which its entry in the op table "
				    "does not list", q->op, key);
		return NULL;
	}
	const struct jvalue *v = json_get(&q->obj, key);
	if (!v || v->type == J_NULL) {
		if (required)
			*rc = fail_usage(r, usage_example(q->op), "missing argument \"%s\"", key);
		return NULL;
	}
	return v;
}

static int wrong_type(struct reply *r, const struct request *q, const char *key, const char *want, const struct jvalue *v)
{
	return fail_usage(r, usage_example(q->op), "argument \"%s\" must be %s, not %s", key, want, json_type_name(v->type));
}

int arg_str(struct reply *r, const struct request *q, const char *key, bool required, const char **out)
{
	int rc;
	const struct jvalue *v = arg_value(r, q, key, required, &rc);
	if (!v)
		return rc;
	if (v->type != J_STRING)
		return wrong_type(r, q, key, "a string", v);
	if (v->has_nul)
		return fail_usage(r, usage_example(q->op), "argument \"%s\" contains a NUL character, which no path or name can hold", key);
	*out = v->str;
	return 0;
}

int arg_int(struct reply *r, const struct request *q, const char *key, bool required, long long *out)
{
	int rc;
	const struct jvalue *v = arg_value(r, q, key, required, &rc);
	if (!v)
		return rc;
	if (v->type != J_INT)
		return wrong_type(r, q, key, "an integer", v);
	*out = v->i;
	return 0;
}

int arg_bool(struct reply *r, const struct request *q, const char *key, bool *out)
{
	int rc;
	const struct jvalue *v = arg_value(r, q, key, false, &rc);
	if (!v)
		return rc;
	if (v->type != J_BOOL)
		return wrong_type(r, q, key, "true or false", v);
	*out = v->b;
	return 0;
}

int arg_strv(struct reply *r, const struct request *q, const char *key, bool required, char ***out, size_t *n)
{
	int rc;
	const struct jvalue *v = arg_value(r, q, key, required, &rc);
	if (!v)
		return rc;
	if (v->type != J_STRARR)
		return wrong_type(r, q, key, "an array of strings", v);
	if (v->has_nul)
		return fail_usage(r, usage_example(q->op), "argument \"%s\" contains a NUL character", key);
	*out = v->arr.v;
	*n = v->arr.n;
	return 0;
}

/* ---------------------------------------------------------------- replies */

void reply_init(struct reply *r, const char *op)
{
	memset(r, 0, sizeof *r);
	r->op = op ? op : "";
	buf_put(&r->result, "", 0);
	buf_put(&r->shell, "", 0);
}

void reply_free(struct reply *r)
{
	buf_free(&r->result);
	strv_free(&r->syscalls);
	buf_free(&r->shell);
	buf_free(&r->message);
	buf_free(&r->explain);
	buf_free(&r->hint);
	strv_free(&r->arena);
}

const char *r_printf(struct reply *r, const char *fmt, ...)
{
	struct buf b = { 0 };
	va_list ap;
	va_start(ap, fmt);
	buf_vprintf(&b, fmt, ap);
	va_end(ap);
	buf_put(&b, "", 0);
	strv_push(&r->arena, b.s);
	return b.s;
}

bool g_log_off;

const char *q_str(struct reply *r, const char *s)
{
	if (!s)
		return "NULL";
	if (g_log_off)
		return "";
	struct buf b = { 0 };
	buf_c_string(&b, s, strlen(s));
	strv_push(&r->arena, b.s);
	return b.s;
}

const char *sh_word(struct reply *r, const char *s)
{
	if (g_log_off)
		return "";
	struct buf b = { 0 };
	buf_shell_word(&b, s ? s : "");
	buf_put(&b, "", 0);
	strv_push(&r->arena, b.s);
	return b.s;
}

long log_call(struct reply *r, long ret, const char *fmt, ...)
{
	if (!r || g_log_off) /* a quiet call (no reply), or nobody reads the log */
		return ret;
	int saved = errno;
	struct buf b = { 0 };
	va_list ap;
	va_start(ap, fmt);
	buf_vprintf(&b, fmt, ap);
	va_end(ap);
	if (ret < 0)
		buf_printf(&b, " = -1 %s (%s)", errno_name(saved), strerror(saved));
	else
		buf_printf(&b, " = %ld", ret);
	strv_push(&r->syscalls, b.s);
	errno = saved;
	return ret;
}

void log_line(struct reply *r, const char *fmt, ...)
{
	if (g_log_off)
		return;
	int saved = errno;
	struct buf b = { 0 };
	va_list ap;
	va_start(ap, fmt);
	buf_vprintf(&b, fmt, ap);
	va_end(ap);
	buf_put(&b, "", 0);
	strv_push(&r->syscalls, b.s);
	errno = saved;
}

void shell_step(struct reply *r, const char *fmt, ...)
{
	if (g_log_off)
		return;
	va_list ap;
	if (r->shell.len > 0)
		buf_puts(&r->shell, " && ");
	va_start(ap, fmt);
	buf_vprintf(&r->shell, fmt, ap);
	va_end(ap);
}

static void set_error(struct reply *r, const char *kind, const char *hint, const char *fmt, va_list ap)
{
	r->failed = true;
	r->kind = kind;
	r->err = 0;
	buf_reset(&r->message);
	buf_reset(&r->explain);
	buf_reset(&r->hint);
	buf_vprintf(&r->message, fmt, ap);
	if (hint)
		buf_puts(&r->hint, hint);
}

int fail_protocol(struct reply *r, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	set_error(r, "protocol", "one JSON object per line, at most 65536 bytes, with an \"op\": {\"op\":\"hello\"}", fmt, ap);
	va_end(ap);
	return -1;
}

int fail_usage(struct reply *r, const char *hint, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	set_error(r, "usage", hint, fmt, ap);
	va_end(ap);
	return -1;
}

int fail_state(struct reply *r, const char *hint, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	set_error(r, "state", hint, fmt, ap);
	va_end(ap);
	return -1;
}

int fail_timeout(struct reply *r, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	set_error(r, "timeout", "give a larger timeout_ms, or signal the process", fmt, ap);
	va_end(ap);
	return -1;
}

/* Copy text, replacing each "{path}" with path. */
static void fill_template(struct buf *out, const char *text, const char *path)
{
	const char *p = text;
	for (;;) {
		const char *hole = strstr(p, "{path}");
		if (!hole) {
			buf_puts(out, p);
			return;
		}
		buf_put(out, p, (size_t)(hole - p));
		buf_puts(out, path ? path : "the path");
		p = hole + 6;
	}
}

int fail_sys(struct reply *r, int err, const char *variant, const char *path, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	set_error(r, "syscall", NULL, fmt, ap);
	va_end(ap);
	buf_printf(&r->message, ": %s", strerror(err));
	r->err = err;
	struct advice a = advice_for(r->op, err, variant);
	fill_template(&r->explain, a.explain, path);
	fill_template(&r->hint, a.hint, path);
	return -1;
}

void reply_to_json(const struct reply *r, struct buf *out)
{
	struct buf o = { 0 };
	buf_put(&o, "", 0);
	if (r->has_id)
		json_member_int(&o, "id", r->id);
	json_member_str(&o, "op", r->op);
	json_member_bool(&o, "ok", !r->failed);
	if (!r->failed) {
		buf_puts(&o, ",\"result\":{");
		buf_puts(&o, buf_str((struct buf *)&r->result));
		buf_putc(&o, '}');
	} else {
		struct buf e = { 0 };
		buf_put(&e, "", 0);
		json_member_str(&e, "kind", r->kind);
		if (r->err) {
			json_member_str(&e, "errno", errno_name(r->err));
			json_member_int(&e, "code", r->err);
		}
		json_member_str(&e, "message", buf_str((struct buf *)&r->message));
		if (r->explain.len)
			json_member_str(&e, "explain", r->explain.s);
		if (r->hint.len)
			json_member_str(&e, "hint", r->hint.s);
		buf_puts(&o, ",\"error\":{");
		buf_puts(&o, buf_str(&e));
		buf_putc(&o, '}');
		buf_free(&e);
	}
	json_member_strv(&o, "syscalls", r->syscalls.v, r->syscalls.n);
	json_member_str(&o, "shell", buf_str((struct buf *)&r->shell));
	buf_putc(out, '{');
	buf_puts(out, buf_str(&o));
	buf_puts(out, "}\n");
	buf_free(&o);
}

void reply_to_wire(const struct reply *r, struct buf *out)
{
	struct buf o = { 0 };
	buf_put(&o, "", 0);
	json_member_str(&o, "result", buf_str((struct buf *)&r->result));
	json_member_strv(&o, "syscalls", r->syscalls.v, r->syscalls.n);
	json_member_str(&o, "shell", buf_str((struct buf *)&r->shell));
	json_member_bool(&o, "failed", r->failed);
	if (r->failed) {
		json_member_str(&o, "kind", r->kind);
		json_member_int(&o, "err", r->err);
		json_member_str(&o, "message", buf_str((struct buf *)&r->message));
		json_member_str(&o, "explain", buf_str((struct buf *)&r->explain));
		json_member_str(&o, "hint", buf_str((struct buf *)&r->hint));
	}
	if (r->pending)
		json_member_bool(&o, "pending", true);
	if (r->exec_line)
		json_member_str(&o, "exec", r->exec_line);
	buf_putc(out, '{');
	buf_puts(out, buf_str(&o));
	buf_puts(out, "}\n");
	buf_free(&o);
}

static const char *wire_str(const struct jobject *o, const char *key)
{
	const struct jvalue *v = json_get(o, key);
	return (v && v->type == J_STRING) ? v->str : "";
}

int reply_merge_wire(struct reply *r, const char *line, size_t len, bool *pending, char **exec_line)
{
	struct jobject o;
	char why[160];
	if (json_parse_object(line, len, &o, why, sizeof why) < 0)
		return -1;
	const struct jvalue *sys = json_get(&o, "syscalls");
	if (sys && sys->type == J_STRARR)
		for (size_t i = 0; i < sys->arr.n; i++)
			strv_push_copy(&r->syscalls, sys->arr.v[i]);
	const char *shell = wire_str(&o, "shell");
	if (*shell) {
		if (r->shell.len)
			buf_puts(&r->shell, " && ");
		buf_puts(&r->shell, shell);
	}
	const struct jvalue *p = json_get(&o, "pending");
	*pending = p && p->type == J_BOOL && p->b;
	if (exec_line) {
		const struct jvalue *e = json_get(&o, "exec");
		*exec_line = (e && e->type == J_STRING) ? xstrdup(e->str) : NULL;
	}
	const struct jvalue *failed = json_get(&o, "failed");
	if (failed && failed->type == J_BOOL && failed->b) {
		const char *kind = wire_str(&o, "kind");
		static const char *const kinds[] = { "protocol", "usage", "state", "syscall", "timeout" };
		r->failed = true;
		r->kind = "syscall";
		for (size_t i = 0; i < 5; i++)
			if (strcmp(kind, kinds[i]) == 0)
				r->kind = kinds[i];
		const struct jvalue *err = json_get(&o, "err");
		r->err = (err && err->type == J_INT) ? (int)err->i : 0;
		buf_reset(&r->message);
		buf_reset(&r->explain);
		buf_reset(&r->hint);
		buf_puts(&r->message, wire_str(&o, "message"));
		buf_puts(&r->explain, wire_str(&o, "explain"));
		buf_puts(&r->hint, wire_str(&o, "hint"));
	} else if (!*pending) {
		const char *result = wire_str(&o, "result");
		if (*result) {
			if (r->result.len)
				buf_putc(&r->result, ',');
			buf_puts(&r->result, result);
		}
	}
	json_free(&o);
	return 0;
}

void result_wait_status(struct buf *result, int status)
{
	if (WIFEXITED(status)) {
		json_member_int(result, "code", WEXITSTATUS(status));
		json_member_bool(result, "exited", true);
		json_member_int(result, "status", WEXITSTATUS(status));
	} else if (WIFSIGNALED(status)) {
		int sig = WTERMSIG(status);
		const char *name = signal_name(sig);
		json_member_int(result, "code", 128 + sig);
		json_member_bool(result, "exited", false);
		json_member_bool(result, "signaled", true);
		json_member_int(result, "signal", sig);
		if (name) {
			char full[16];
			snprintf(full, sizeof full, "SIG%s", name);
			json_member_str(result, "name", full);
		}
	}
}

const char *q_wstatus(struct reply *r, int status)
{
	if (WIFEXITED(status))
		return r_printf(r, "[{WIFEXITED(s) && WEXITSTATUS(s) == %d}]", WEXITSTATUS(status));
	if (WIFSIGNALED(status)) {
		const char *name = signal_name(WTERMSIG(status));
		return r_printf(r, "[{WIFSIGNALED(s) && WTERMSIG(s) == SIG%s%s}]", name ? name : "?",
				WCOREDUMP(status) ? " && WCOREDUMP(s)" : "");
	}
	return r_printf(r, "[%#x]", status);
}
