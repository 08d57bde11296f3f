/* netlink.h - a small rtnetlink helper: build a request, send it, read the answer.
 *
 * rtnetlink is how `ip` talks to the kernel: a message is a header (struct nlmsghdr),
 * a fixed body (ifinfomsg, ifaddrmsg, rtmsg) and attributes (type-length-value, some
 * nested). The kernel answers a request that asks for an ack with NLMSG_ERROR, whose
 * error field is 0 or a negative errno.
 */
#ifndef BOXCORE_NETLINK_H
#define BOXCORE_NETLINK_H

#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <stddef.h>
#include <stdint.h>

#include "protocol.h"

#define NL_BUFSIZE 8192

/* nf_tables' "which generation is the ruleset at" request (nfnetlink message type:
 * subsystem in the high byte, message in the low). */
#define NFT_GETGEN ((NFNL_SUBSYS_NFTABLES << 8) | NFT_MSG_GETGEN)

struct nlmsg {
	union {
		struct nlmsghdr h;
		char raw[NL_BUFSIZE];
	} u;
	struct buf text; /* how the syscall log shows the message: {RTM_NEWLINK, ...} */
};

/* Start a message: header (type, flags) and the fixed body that follows it. */
void nl_begin(struct nlmsg *m, int type, int flags, const void *body, size_t len);
void nl_free(struct nlmsg *m);
/* Attributes. Each also adds "NAME=value" to the message's text. */
void nl_attr(struct nlmsg *m, int type, const void *data, size_t len);
void nl_attr_str(struct nlmsg *m, int type, const char *name, const char *s);
void nl_attr_u32(struct nlmsg *m, int type, const char *name, uint32_t v);
void nl_attr_addr(struct nlmsg *m, int type, const char *name, int family, const void *addr, const char *shown);
/* Raw bytes (a fixed struct inside a nested attribute). */
void nl_raw(struct nlmsg *m, const void *data, size_t len);
/* A nested attribute: everything added until nl_nest_end goes inside it. */
struct rtattr *nl_nest(struct nlmsg *m, int type, const char *name);
void nl_nest_end(struct nlmsg *m, struct rtattr *nest);
/* Free text for the log ("ifi_index=3"). */
void nl_note(struct nlmsg *m, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* socket(AF_NETLINK, SOCK_RAW|SOCK_CLOEXEC, NETLINK_ROUTE) in the caller's network
 * namespace. -1 with an error in r. */
int nl_open(struct reply *r);
/* Send m and read the ack. Returns 0, or -1 with errno set to what the kernel said
 * (and *why, when not NULL, to the kernel's own words from the extended ack). */
int nl_talk(struct reply *r, int fd, struct nlmsg *m, const char **why);
/* nl_talk for a request the kernel answers before it acks (a GET of one thing): fn
 * is called with each answer. */
int nl_ask(struct reply *r, int fd, struct nlmsg *m, void (*fn)(struct nlmsghdr *h, void *ctx), void *ctx, const char **why);
/* Dump (NLM_F_DUMP) and call fn for each message of the answer. */
int nl_dump(struct reply *r, int fd, struct nlmsg *m, void (*fn)(struct nlmsghdr *h, void *ctx), void *ctx);

/* The interface index of a link by name in the network namespace of socket fd
 * (ioctl SIOCGIFINDEX, logged). 0 with errno set when there is none. */
int nl_ifindex(struct reply *r, int fd, const char *name);

#endif
