/* containers.c - the table of containers the server made (containers.h). */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "containers.h"
#include "errors.h"

static struct container *cts;
static size_t ncts;
static int next_number = 1;

struct container *ct_add(pid_t pid, int mask, int sock)
{
	struct container *c = NULL;
	for (size_t i = 0; i < ncts; i++)
		if (!cts[i].used)
			c = &cts[i];
	if (!c) {
		cts = xrealloc(cts, (ncts + 1) * sizeof *cts);
		c = &cts[ncts++];
	}
	memset(c, 0, sizeof *c);
	c->used = true;
	snprintf(c->name, sizeof c->name, "c%d", next_number++);
	c->pid = pid;
	c->mask = mask;
	c->sock = sock;
	linereader_init(&c->lr, sock, 0, false);
	c->state = CT_PUPPET;
	return c;
}

void ct_puppet_gone(struct container *c)
{
	if (c->sock >= 0)
		close(c->sock);
	c->sock = -1;
	linereader_free(&c->lr);
}

void ct_drop(struct container *c)
{
	c->used = false;
}

static struct container *ct_find(const char *name)
{
	for (size_t i = 0; i < ncts; i++)
		if (cts[i].used && strcmp(cts[i].name, name) == 0)
			return &cts[i];
	return NULL;
}

struct container *ct_by_pid(pid_t pid)
{
	for (size_t i = 0; i < ncts; i++)
		if (cts[i].used && cts[i].pid == pid)
			return &cts[i];
	return NULL;
}

struct container *ct_next(struct container *c)
{
	for (size_t i = c ? (size_t)(c - cts) + 1 : 0; i < ncts; i++)
		if (cts[i].used)
			return &cts[i];
	return NULL;
}

void ct_table_free(void)
{
	free(cts);
	cts = NULL;
	ncts = 0;
}

struct container *ct_need(struct reply *r, const struct request *q)
{
	const char *name = NULL;
	if (arg_str(r, q, "ct", true, &name) < 0)
		return NULL;
	struct container *c = ct_find(name);
	if (!c)
		fail_state(r, state_hint("no_such_ct"), "no container named \"%s\"", name);
	return c;
}

pid_t ct_pid_by_name(const char *name)
{
	struct container *c = ct_find(name);
	return c && !c->reaped ? c->pid : -1;
}

pid_t target_pid(struct reply *r, const struct request *q, bool allow_reaped)
{
	long long pid = 0;
	if (arg_present(q, "ct")) {
		struct container *c = ct_need(r, q);
		if (!c)
			return -1;
		if (c->reaped && !allow_reaped) {
			fail_state(r, state_hint("reaped"), "container %s has exited (status collected)", c->name);
			return -1;
		}
		return c->pid;
	}
	if (!arg_present(q, "pid"))
		return fail_usage(r, state_hint("no_pid_or_ct"), "missing argument \"ct\" or \"pid\"");
	if (arg_int(r, q, "pid", true, &pid) < 0)
		return -1;
	if (pid <= 0 || pid > 4194304)
		return fail_usage(r, state_hint("no_pid_or_ct"), "pid must be a process id, not %lld", pid);
	return (pid_t)pid;
}
