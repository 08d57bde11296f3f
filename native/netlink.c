/* netlink.c - a small rtnetlink helper (see netlink.h).
 *
 * `ip link add`, `ip addr add` and `ip route add` each send one rtnetlink message
 * and read the kernel's ack; this file does the same and logs both, so a reply shows
 * exactly what went to the kernel and what came back.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <net/if.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "errors.h"
#include "netlink.h"

#ifndef NETLINK_EXT_ACK
#define NETLINK_EXT_ACK 11
#endif
#ifndef NLM_F_ACK_TLVS
#define NLM_F_ACK_TLVS 0x200
#endif
#ifndef NLM_F_CAPPED
#define NLM_F_CAPPED 0x100
#endif

static const struct {
	int type;
	const char *name;
} msg_types[] = {
	{ RTM_NEWLINK, "RTM_NEWLINK" }, { RTM_DELLINK, "RTM_DELLINK" }, { RTM_GETLINK, "RTM_GETLINK" },
	{ RTM_NEWADDR, "RTM_NEWADDR" }, { RTM_DELADDR, "RTM_DELADDR" }, { RTM_GETADDR, "RTM_GETADDR" },
	{ RTM_NEWROUTE, "RTM_NEWROUTE" }, { RTM_DELROUTE, "RTM_DELROUTE" }, { RTM_GETROUTE, "RTM_GETROUTE" },
	{ RTM_GETNEIGH, "RTM_GETNEIGH" },
	{ NFT_GETGEN, "NFNL_SUBSYS_NFTABLES<<8|NFT_MSG_GETGEN" },
	{ (NFNL_SUBSYS_NFTABLES << 8) | NFT_MSG_NEWGEN, "NFNL_SUBSYS_NFTABLES<<8|NFT_MSG_NEWGEN" },
};

static const char *type_name(int type)
{
	for (size_t i = 0; i < sizeof msg_types / sizeof msg_types[0]; i++)
		if (msg_types[i].type == type)
			return msg_types[i].name;
	return "?";
}

static void flags_text(struct buf *b, int flags)
{
	static const struct {
		int flag;
		const char *name;
	} names[] = {
		/* NLM_F_DUMP first: it is two bits (ROOT|MATCH), one of them EXCL's. */
		{ NLM_F_DUMP, "NLM_F_DUMP" }, { NLM_F_REQUEST, "NLM_F_REQUEST" }, { NLM_F_ACK, "NLM_F_ACK" },
		{ NLM_F_EXCL, "NLM_F_EXCL" }, { NLM_F_CREATE, "NLM_F_CREATE" },
	};
	bool first = true;
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
		if ((flags & names[i].flag) == names[i].flag) {
			buf_printf(b, "%s%s", first ? "" : "|", names[i].name);
			flags &= ~names[i].flag;
			first = false;
		}
	}
	if (flags || first)
		buf_printf(b, "%s%#x", first ? "" : "|", flags);
}

/* ------------------------------------------------------------ building */

static bool need_comma;

void nl_begin(struct nlmsg *m, int type, int flags, const void *body, size_t len)
{
	memset(&m->u, 0, sizeof m->u);
	memset(&m->text, 0, sizeof m->text);
	m->u.h.nlmsg_len = NLMSG_LENGTH(len);
	m->u.h.nlmsg_type = (unsigned short)type;
	m->u.h.nlmsg_flags = (unsigned short)flags;
	memcpy(NLMSG_DATA(&m->u.h), body, len);
	need_comma = false; /* the header is written when the message is sent */
}

void nl_free(struct nlmsg *m)
{
	buf_free(&m->text);
}

void nl_note(struct nlmsg *m, const char *fmt, ...)
{
	va_list ap;
	if (need_comma)
		buf_puts(&m->text, ", ");
	va_start(ap, fmt);
	buf_vprintf(&m->text, fmt, ap);
	va_end(ap);
	need_comma = true;
}

void nl_attr(struct nlmsg *m, int type, const void *data, size_t len)
{
	size_t at = NLMSG_ALIGN(m->u.h.nlmsg_len);
	if (at + RTA_SPACE(len) > sizeof m->u.raw)
		return; /* never with the messages this core builds */
	struct rtattr *a = (struct rtattr *)(m->u.raw + at);
	a->rta_type = (unsigned short)type;
	a->rta_len = (unsigned short)RTA_LENGTH(len);
	if (len)
		memcpy(RTA_DATA(a), data, len);
	m->u.h.nlmsg_len = (uint32_t)(at + RTA_SPACE(len));
}

void nl_attr_str(struct nlmsg *m, int type, const char *name, const char *s)
{
	nl_attr(m, type, s, strlen(s) + 1);
	nl_note(m, "%s=", name);
	buf_c_string(&m->text, s, strlen(s));
}

void nl_attr_u32(struct nlmsg *m, int type, const char *name, uint32_t v)
{
	nl_attr(m, type, &v, sizeof v);
	nl_note(m, "%s=%u", name, v);
}

void nl_attr_addr(struct nlmsg *m, int type, const char *name, int family, const void *addr, const char *shown)
{
	nl_attr(m, type, addr, family == AF_INET6 ? 16 : 4);
	nl_note(m, "%s=%s", name, shown);
}

void nl_raw(struct nlmsg *m, const void *data, size_t len)
{
	size_t at = NLMSG_ALIGN(m->u.h.nlmsg_len);
	if (at + NLMSG_ALIGN(len) > sizeof m->u.raw)
		return;
	memcpy(m->u.raw + at, data, len);
	m->u.h.nlmsg_len = (uint32_t)(at + NLMSG_ALIGN(len));
}

struct rtattr *nl_nest(struct nlmsg *m, int type, const char *name)
{
	struct rtattr *a = (struct rtattr *)(m->u.raw + NLMSG_ALIGN(m->u.h.nlmsg_len));
	nl_attr(m, type, NULL, 0);
	nl_note(m, "%s={", name);
	need_comma = false;
	return a;
}

void nl_nest_end(struct nlmsg *m, struct rtattr *nest)
{
	nest->rta_len = (unsigned short)(m->u.raw + m->u.h.nlmsg_len - (char *)nest);
	buf_puts(&m->text, "}");
	need_comma = true;
}

/* ------------------------------------------------------------ talking */

int nl_open(struct reply *r)
{
	/* A netlink socket belongs to the network namespace of the process that made
	 * it: every request sent on it acts there. That is why ops that act in another
	 * namespace make the socket after setns(). */
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	if (log_call(r, fd, "socket(AF_NETLINK, SOCK_RAW|SOCK_CLOEXEC, NETLINK_ROUTE)") < 0)
		return fail_sys(r, errno, NULL, NULL, "open a netlink socket");
	/* Extended acks: on failure the kernel adds a sentence saying what it disliked. */
	int one = 1;
	log_call(r, setsockopt(fd, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof one),
		 "setsockopt(%d, SOL_NETLINK, NETLINK_EXT_ACK, [1], 4)", fd);
	return fd;
}

static unsigned int next_seq = 1;

static int send_msg(struct reply *r, int fd, struct nlmsg *m)
{
	m->u.h.nlmsg_seq = next_seq++;
	struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };
	/* sendto: the whole request in one datagram to the kernel (nl_pid 0). */
	ssize_t n = sendto(fd, m->u.raw, m->u.h.nlmsg_len, 0, (struct sockaddr *)&kernel, sizeof kernel);
	struct buf hdr = { 0 };
	buf_printf(&hdr, "[{nlmsg_type=%s, nlmsg_flags=", type_name(m->u.h.nlmsg_type));
	flags_text(&hdr, m->u.h.nlmsg_flags);
	log_call(r, n, "sendto(%d, %s}, %s], %u, 0, {sa_family=AF_NETLINK, nl_pid=0}, 12)", fd, hdr.s, buf_str(&m->text),
		 m->u.h.nlmsg_len);
	buf_free(&hdr);
	return n < 0 ? -1 : 0;
}

/* The kernel's own words from an extended ack (NLMSGERR_ATTR_MSG), if any. */
static const char *ext_ack_msg(struct nlmsghdr *h)
{
	if (!(h->nlmsg_flags & NLM_F_ACK_TLVS))
		return NULL;
	struct nlmsgerr *e = NLMSG_DATA(h);
	size_t off = sizeof *e;
	if (!(h->nlmsg_flags & NLM_F_CAPPED))
		off += e->msg.nlmsg_len - NLMSG_HDRLEN; /* the request is echoed back */
	if (NLMSG_HDRLEN + off > h->nlmsg_len)
		return NULL;
	struct rtattr *a = (struct rtattr *)((char *)e + NLMSG_ALIGN(off));
	int left = (int)(h->nlmsg_len - NLMSG_HDRLEN - NLMSG_ALIGN(off));
	for (; RTA_OK(a, left); a = RTA_NEXT(a, left))
		if (a->rta_type == 1 /* NLMSGERR_ATTR_MSG */)
			return RTA_DATA(a);
	return NULL;
}

int nl_ask(struct reply *r, int fd, struct nlmsg *m, void (*fn)(struct nlmsghdr *h, void *ctx), void *ctx, const char **why)
{
	if (why)
		*why = NULL;
	m->u.h.nlmsg_flags |= NLM_F_ACK;
	if (send_msg(r, fd, m) < 0)
		return -1;
	static char answer[NL_BUFSIZE];
	for (;;) {
		ssize_t n = recv(fd, answer, sizeof answer, 0);
		if (n < 0) {
			log_call(r, n, "recvfrom(%d, %p, %zu, 0, NULL, NULL)", fd, (void *)answer, sizeof answer);
			return -1;
		}
		struct nlmsghdr *h = (struct nlmsghdr *)answer;
		int left = (int)n;
		for (; NLMSG_OK(h, left); h = NLMSG_NEXT(h, left)) {
			if (h->nlmsg_seq != m->u.h.nlmsg_seq)
				continue;
			if (h->nlmsg_type != NLMSG_ERROR) {
				/* An answer before the ack (a GET request's reply). */
				if (fn) {
					log_call(r, n, "recvfrom(%d, [{nlmsg_type=%s}], %zu, 0, NULL, NULL)", fd, type_name(h->nlmsg_type), sizeof answer);
					fn(h, ctx);
				}
				continue;
			}
			int err = -((struct nlmsgerr *)NLMSG_DATA(h))->error;
			const char *msg = ext_ack_msg(h);
			struct buf t = { 0 };
			if (err)
				buf_printf(&t, "{error=-%s, msg=", errno_name(err));
			else
				buf_puts(&t, "{error=0");
			if (err && msg)
				buf_c_string(&t, msg, strlen(msg));
			else if (err)
				buf_puts(&t, "NULL");
			buf_putc(&t, '}');
			/* The kernel's answer: an NLMSG_ERROR message, error 0 being the ack. */
			log_call(r, n, "recvfrom(%d, [{nlmsg_type=NLMSG_ERROR}, %s], %zu, 0, NULL, NULL)", fd, t.s,
				 sizeof answer);
			buf_free(&t);
			if (err) {
				if (why && msg)
					*why = r_printf(r, "%s", msg);
				errno = err;
				return -1;
			}
			return 0;
		}
	}
}

int nl_talk(struct reply *r, int fd, struct nlmsg *m, const char **why)
{
	return nl_ask(r, fd, m, NULL, NULL, why);
}

int nl_dump(struct reply *r, int fd, struct nlmsg *m, void (*fn)(struct nlmsghdr *h, void *ctx), void *ctx)
{
	m->u.h.nlmsg_flags |= NLM_F_DUMP;
	if (send_msg(r, fd, m) < 0)
		return -1;
	static char answer[32768];
	for (;;) {
		ssize_t n = recv(fd, answer, sizeof answer, 0);
		if (n < 0) {
			log_call(r, n, "recvfrom(%d, %p, %zu, 0, NULL, NULL)", fd, (void *)answer, sizeof answer);
			return -1;
		}
		int count = 0;
		bool done = false;
		int err = 0;
		struct nlmsghdr *h = (struct nlmsghdr *)answer;
		int left = (int)n;
		for (; NLMSG_OK(h, left); h = NLMSG_NEXT(h, left)) {
			if (h->nlmsg_type == NLMSG_DONE) {
				done = true;
				break;
			}
			if (h->nlmsg_type == NLMSG_ERROR) {
				err = -((struct nlmsgerr *)NLMSG_DATA(h))->error;
				done = true;
				break;
			}
			count++;
			fn(h, ctx);
		}
		log_call(r, n, "recvfrom(%d, [%d messages%s], %zu, 0, NULL, NULL)", fd, count, done ? ", NLMSG_DONE" : "",
			 sizeof answer);
		if (err) {
			errno = err;
			return -1;
		}
		if (done)
			return 0;
	}
}

int nl_ifindex(struct reply *r, int fd, const char *name)
{
	struct ifreq ifr;
	memset(&ifr, 0, sizeof ifr);
	snprintf(ifr.ifr_name, sizeof ifr.ifr_name, "%s", name);
	/* What if_nametoindex(3) does: ask for the index of the link by name. Any
	 * socket will do; the answer is from the socket's network namespace. */
	int rc = ioctl(fd, SIOCGIFINDEX, &ifr);
	log_call(r, rc, "ioctl(%d, SIOCGIFINDEX, {ifr_name=%s%s})", fd, q_str(r, name),
		 rc == 0 ? r_printf(r, ", ifr_ifindex=%d", ifr.ifr_ifindex) : "");
	return rc < 0 ? 0 : ifr.ifr_ifindex;
}
