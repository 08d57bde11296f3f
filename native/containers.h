/* containers.h - the table of containers the server made.
 *
 * serve.c adds a container when clone makes one and drops it at destroy; the ops of
 * join.c and net.c find a container's pid here by name. The table knows nothing of
 * forwarding or of the protocol's ops: it is only the book of who is who.
 */
#ifndef BOXCORE_CONTAINERS_H
#define BOXCORE_CONTAINERS_H

#include <stdbool.h>
#include <sys/types.h>

#include "protocol.h"

enum ct_state { CT_PUPPET, CT_EXEC, CT_EXITED };

struct container {
	bool used;
	char name[16];
	pid_t pid;      /* as the host sees it */
	int mask;       /* namespaces it was cloned with */
	int sock;       /* our end of the socketpair; -1 once the puppet is gone */
	struct linereader lr;
	enum ct_state state;
	bool reaped;    /* its exit status was collected */
	int status;
	pid_t relay;    /* pty relay, or 0 */
};

/* A new entry "cN" for a puppet reached over sock. */
struct container *ct_add(pid_t pid, int mask, int sock);
/* The puppet's socket is closed: nothing more can be forwarded to it. */
void ct_puppet_gone(struct container *c);
/* Forget an entry (its puppet must be gone). */
void ct_drop(struct container *c);

struct container *ct_by_pid(pid_t pid);
/* Walk the table: ct_next(NULL) is the first entry, NULL after the last. */
struct container *ct_next(struct container *c);
/* Free the table once every entry is dropped (the server's end). */
void ct_table_free(void);

/* The container named by the request's "ct"; a usage or state error when there is none. */
struct container *ct_need(struct reply *r, const struct request *q);
/* The process an op is about: "ct" (a container) or "pid". -1 with an error in r. */
pid_t target_pid(struct reply *r, const struct request *q, bool allow_reaped);
/* The host pid of a container by name, or -1 when there is none (or it was reaped). */
pid_t ct_pid_by_name(const char *name);

#endif
