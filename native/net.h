/* net.h - what net.c and nat.c share: which network namespace an op acts in, and
 * running a piece of an op inside it.
 */
#ifndef BOXCORE_NET_H
#define BOXCORE_NET_H

#include <limits.h>
#include <stdbool.h>
#include <sys/types.h>

#include "protocol.h"

/* Lab-made named network namespaces live here, as `ip netns` keeps them. */
#define NETNS_DIR "/run/netns"
#define NETNS_PREFIX "bl-"

/* A network namespace named in a request: a container ("ct"), any process ("pid"),
 * a lab-made named one ("netns"), or none of those: the server's own. */
struct netns_target {
	enum { NT_SELF, NT_PID, NT_NAMED } kind;
	pid_t pid;
	const char *name;     /* NT_NAMED */
	char path[PATH_MAX];  /* /proc/PID/ns/net or /run/netns/NAME */
	const char *ip;       /* how `ip` is told: "ip", "ip -n bl-h1", "nsenter -t 42 -n ip" */
	const char *run;      /* the prefix for any other command: "", "ip netns exec bl-h1 " */
	const char *where;    /* for messages: "the server's network namespace", "netns bl-h1" */
	const char *as_dest;  /* how `ip link ... netns X` names it: "bl-h1" or "42" */
};

/* Read the target from the request. prefix "" reads ct/pid/netns; "peer_" reads
 * peer_ct/peer_pid/peer_netns, and so on. *given says whether any was present. */
int net_target(struct reply *r, const struct request *q, const char *prefix, struct netns_target *t, bool *given);

/* Run fn in the target namespace: in a forked helper that setns()es there, or in
 * the server itself for NT_SELF. */
int net_run(struct reply *r, const struct netns_target *t, int (*fn)(struct reply *hr, void *ctx), void *ctx);

#endif
