/* oci_hooks.c - hooks: programs config.json names, which the runtime runs at fixed
 * points of a container's life, each with the container's state (JSON) on its stdin.
 *
 *   create   prestart, createRuntime   after the mounts, before pivot_root, run by
 *                                      boxcore in its own namespaces (a network hook
 *                                      can reach the container's by its pid)
 *            createContainer           the same moment, run by the container's init in
 *                                      the container's namespaces, before pivot_root
 *   start    startContainer            in the container, as its user, just before the
 *                                      program; the path is the container's
 *            poststart                 once the program runs, by boxcore
 *   delete   poststop                  once the container is gone, by boxcore
 *
 * boxcore runs the hooks of its own namespaces in the bundle directory (where runc
 * create and run work); createContainer runs in the rootfs, startContainer in the
 * program's working directory.
 *
 * A failing prestart, createRuntime, createContainer or startContainer hook stops the
 * operation and the container goes (with its poststop hooks); a failing poststart or
 * poststop hook is a warning. A hook runs to its end (or its timeout, then SIGKILL);
 * what it prints is kept and shown only when it fails, as runc does.
 */
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "errors.h"
#include "oci.h"

const char *oci_hook_name(enum oci_hook_kind kind)
{
	static const char *const names[HOOK_KINDS] = { "prestart", "createRuntime", "createContainer",
						       "startContainer", "poststart", "poststop" };
	return names[kind];
}

/* What a hook printed, for the message: stderr, else stdout, at most a line or two. */
static const char *output_text(struct reply *r, const struct capture *c)
{
	const struct buf *b = c->err.len ? &c->err : &c->out;
	if (!b->len)
		return "";
	size_t n = b->len;
	while (n && (b->s[n - 1] == '\n' || b->s[n - 1] == ' '))
		n--;
	if (n > 400)
		return r_printf(r, ": ...%.*s", 400, b->s + n - 400);
	return r_printf(r, ": %.*s", (int)n, b->s);
}

/* One hook: fork, exec, feed the state, wait. */
static int run_one(struct reply *r, const struct oci_hook *h, const char *where, const char *state, const char *cwd,
		   char *const *env_default)
{
	char *only[] = { (char *)h->path, NULL }, *none[] = { NULL };
	struct run_spec s = { .path = h->path, .argv = h->args.n ? h->args.v : only,
			      .env = h->has_env ? (h->env.n ? h->env.v : none) : env_default, .cwd = cwd, .input = state,
			      .timeout_ms = h->timeout ? h->timeout * 1000 : -1 };
	shell_step(r, "echo STATE | %s", argv_shell(r, s.argv));
	int status = 0;
	CLEANUP(capture_free) struct capture c;
	int rc = run_captured(r, &s, &status, &c);
	if (rc < 0) {
		/* chdir or execve failed: say which hook. */
		const char *why = r_printf(r, "%s (%s): %s", where, h->path, buf_str(&r->message));
		buf_reset(&r->message);
		buf_puts(&r->message, why);
		return -1;
	}
	if (rc == 1)
		return fail_state(r, state_hint("oci_hook"), "%s (%s) ran past its timeout of %d s and was killed%s", where,
				  h->path, h->timeout, output_text(r, &c));
	if (WIFSIGNALED(status))
		return fail_state(r, state_hint("oci_hook"), "%s (%s) was killed by SIG%s%s", where, h->path,
				  signal_name(WTERMSIG(status)) ? signal_name(WTERMSIG(status)) : "?", output_text(r, &c));
	if (WEXITSTATUS(status) != 0)
		return fail_state(r, state_hint("oci_hook"), "%s (%s) exited with status %d%s", where, h->path,
				  WEXITSTATUS(status), output_text(r, &c));
	return 0;
}

int oci_hooks_run(struct reply *r, const struct oci_hooks *h, enum oci_hook_kind kind, const char *state,
		  const char *cwd, char *const *env_default)
{
	const char *op = r->op;
	r->op = "hook";
	for (size_t i = 0; i < h->n[kind]; i++) {
		const char *where = r_printf(r, "hooks.%s[%zu]", oci_hook_name(kind), i);
		if (run_one(r, &h->v[kind][i], where, state, cwd, env_default) < 0)
			return -1;
	}
	r->op = op;
	return 0;
}

void oci_hooks_warn(const char *cmd, const struct oci_hooks *h, enum oci_hook_kind kind, const char *state,
		    const char *cwd, char *const *env_default)
{
	for (size_t i = 0; i < h->n[kind]; i++) {
		struct reply r;
		reply_init(&r, "hook");
		const char *where = r_printf(&r, "hooks.%s[%zu]", oci_hook_name(kind), i);
		if (run_one(&r, &h->v[kind][i], where, state, cwd, env_default) < 0)
			fprintf(stderr, "boxcore %s: warning: %s\n", cmd, buf_str(&r.message));
		reply_free(&r);
	}
}

void oci_hooks_free(struct oci_hooks *h)
{
	for (int k = 0; k < HOOK_KINDS; k++) {
		for (size_t i = 0; i < h->n[k]; i++) {
			strv_free(&h->v[k][i].args);
			strv_free(&h->v[k][i].env);
		}
		free(h->v[k]);
	}
	memset(h, 0, sizeof *h);
}
