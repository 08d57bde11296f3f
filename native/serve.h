/* serve.h - what the server shares with join.c and main.c. */
#ifndef BOXCORE_SERVE_H
#define BOXCORE_SERVE_H

#include <stdbool.h>
#include <sys/types.h>

#include "protocol.h"

int serve_main(void);
/* The process an op is about: "ct" (a container) or "pid". -1 with an error in r. */
pid_t target_pid(struct reply *r, const struct request *q, bool allow_reaped);
/* The host pid of a container by name, or -1 when there is none (or it was reaped). */
pid_t ct_pid_by_name(const char *name);

/* join.c: host-side ops that run things inside existing namespaces. */
int op_join(const struct request *q, struct reply *r);
int op_probe(const struct request *q, struct reply *r);

/* SIGKILL every descendant of pid (the OCI runtime uses it for a container without
 * a PID namespace of its own). r may be NULL. */
void kill_descendants(struct reply *r, pid_t pid);

#endif
