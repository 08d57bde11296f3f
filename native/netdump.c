/* netdump.c - reading one network namespace whole, as plain rows: its links, their
 * addresses, the main routing table, the neighbour (ARP/NDP) cache, and which
 * generation its nf_tables ruleset is at.
 *
 * This is what `ip -d link`, `ip addr`, `ip route`, `ip neigh` print, read the way
 * they read it: one rtnetlink dump request each (NLM_F_DUMP), answered by the kernel
 * with one message per object. The lab's net view reads every namespace it shows
 * before and after each step, so it asks here rather than running those programs.
 *
 * The ruleset itself is not decoded (that is nft's job, and a big one); its
 * generation is enough for the reader to know whether the text it printed last
 * time still holds: nf_tables counts every committed change per namespace.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <net/if_arp.h>
#include <linux/if_bridge.h>
#include <linux/if_link.h>
#include <linux/neighbour.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "boxcore.h"
#include "net.h"
#include "netlink.h"

#ifndef SO_NETNS_COOKIE
#define SO_NETNS_COOKIE 71
#endif

/* A namespace with more than this many of one kind is cut short (and says so). */
#define DUMP_MAX_ROWS 4096

/* ------------------------------------------------------------ names */

struct name_of {
	int value;
	const char *name;
};

static const char *name_in(const struct name_of *table, size_t n, int value)
{
	for (size_t i = 0; i < n; i++)
		if (table[i].value == value)
			return table[i].name;
	return NULL;
}
#define NAME_IN(table, value) name_in(table, sizeof table / sizeof table[0], value)

/* What `ip link` calls a link's hardware type (ARPHRD_*, linux/if_arp.h). */
static const struct name_of link_types[] = {
	{ ARPHRD_ETHER, "ether" },	 { ARPHRD_LOOPBACK, "loopback" }, { ARPHRD_NONE, "none" },
	{ ARPHRD_TUNNEL, "ipip" },	 { ARPHRD_TUNNEL6, "tunnel6" },	  { ARPHRD_SIT, "sit" },
	{ ARPHRD_IPGRE, "gre" },	 { 823 /* ARPHRD_IP6GRE */, "gre6" },	  { ARPHRD_PPP, "ppp" },
	{ ARPHRD_VOID, "void" },	 { ARPHRD_IEEE80211, "ieee802.11" }, { ARPHRD_INFINIBAND, "infiniband" },
	{ ARPHRD_CAN, "can" },		 { ARPHRD_RAWIP, "rawip" },
};

/* IFLA_OPERSTATE (RFC 2863), as `ip link` prints it. */
static const char *const oper_states[] = { "UNKNOWN", "NOTPRESENT", "DOWN", "LOWERLAYERDOWN", "TESTING", "DORMANT", "UP" };

/* A bridge port's spanning-tree state (BR_STATE_*). */
static const char *const port_states[] = { "disabled", "listening", "learning", "forwarding", "blocking" };

/* Who added a route (rtm_protocol), as /etc/iproute2/rt_protos names them. */
static const struct name_of route_protocols[] = {
	{ RTPROT_UNSPEC, "unspec" }, { RTPROT_REDIRECT, "redirect" }, { RTPROT_KERNEL, "kernel" },
	{ RTPROT_BOOT, "boot" },     { RTPROT_STATIC, "static" },     { RTPROT_GATED, "gated" },
	{ RTPROT_RA, "ra" },	     { RTPROT_MRT, "mrt" },	      { RTPROT_ZEBRA, "zebra" },
	{ RTPROT_BIRD, "bird" },     { RTPROT_DNROUTED, "dnrouted" }, { RTPROT_XORP, "xorp" },
	{ RTPROT_NTK, "ntk" },	     { RTPROT_DHCP, "dhcp" },	      { 18, "keepalived" },
	{ 42, "babel" },	     { 99, "openr" },		      { 186, "bgp" },
	{ 187, "isis" },	     { 188, "ospf" },		      { 189, "rip" },
	{ 192, "eigrp" },
};

/* How far an address or route reaches (rtm_scope, ifa_scope). */
static const struct name_of scopes[] = {
	{ RT_SCOPE_UNIVERSE, "global" }, { RT_SCOPE_SITE, "site" }, { RT_SCOPE_LINK, "link" },
	{ RT_SCOPE_HOST, "host" },	 { RT_SCOPE_NOWHERE, "nowhere" },
};

static const struct name_of route_types[] = {
	{ RTN_UNICAST, "unicast" },   { RTN_LOCAL, "local" },	    { RTN_BROADCAST, "broadcast" },
	{ RTN_ANYCAST, "anycast" },   { RTN_MULTICAST, "multicast" }, { RTN_BLACKHOLE, "blackhole" },
	{ RTN_UNREACHABLE, "unreachable" }, { RTN_PROHIBIT, "prohibit" }, { RTN_THROW, "throw" },
	{ RTN_NAT, "nat" },
};

/* A neighbour entry's state (NUD_*, linux/neighbour.h): one bit each. */
static const struct name_of nud_states[] = {
	{ NUD_INCOMPLETE, "INCOMPLETE" }, { NUD_REACHABLE, "REACHABLE" }, { NUD_STALE, "STALE" },
	{ NUD_DELAY, "DELAY" },		  { NUD_PROBE, "PROBE" },	  { NUD_FAILED, "FAILED" },
	{ NUD_NOARP, "NOARP" },		  { NUD_PERMANENT, "PERMANENT" },
};

static const char *family_name(int family)
{
	return family == AF_INET ? "inet" : family == AF_INET6 ? "inet6" : NULL;
}

/* ------------------------------------------------------------ the rows */

/* The links come first and are kept: addresses, routes and neighbours name their
 * link by index, and a link names its bridge (master) and veth peer by index. */
struct link {
	int index;
	char name[IFNAMSIZ];
	struct buf row;   /* the members of its JSON object, but for the names of others */
	struct buf vxlan; /* a VXLAN's members (its "vxlan" object), but for its dev */
	bool is_vxlan;
	int master;	/* IFLA_MASTER: the bridge it is a port of */
	int peer;	/* IFLA_LINK: a veth's other end (in this namespace unless peer_netnsid) */
	bool peer_elsewhere;
	int vxlan_dev;	/* IFLA_VXLAN_LINK: the link a VXLAN sends through */
};

struct dump {
	struct reply *r;
	struct link *links;
	size_t nlinks, cap;
	struct buf addrs, routes, neighbours; /* JSON arrays' insides */
	size_t naddrs, nroutes, nneighbours;
	bool truncated;
	long long generation; /* nf_tables; -1 when unknown */
};

static const char *link_name(const struct dump *d, int index)
{
	for (size_t i = 0; i < d->nlinks; i++)
		if (d->links[i].index == index)
			return d->links[i].name;
	return NULL;
}

/* Start the next element of a JSON array's inside, or say it is full. */
static bool next_row(struct dump *d, struct buf *list, size_t *count)
{
	if (*count >= DUMP_MAX_ROWS) {
		d->truncated = true;
		return false;
	}
	if ((*count)++)
		buf_putc(list, ',');
	return true;
}

static void member_addr(struct buf *o, const char *key, int family, const void *addr)
{
	char text[INET6_ADDRSTRLEN];
	if (inet_ntop(family, addr, text, sizeof text))
		json_member_str(o, key, text);
}

static void member_name(struct buf *o, const char *key, const char *name, int value)
{
	if (name)
		json_member_str(o, key, name);
	else
		json_member_int(o, key, value);
}

/* Every attribute of a message's tail, by type (the last one of a type wins). */
#define ATTRS_MAX 64
static void attrs_of(struct rtattr *a, int len, struct rtattr *tb[ATTRS_MAX])
{
	memset(tb, 0, sizeof(struct rtattr *) * ATTRS_MAX);
	for (; RTA_OK(a, len); a = RTA_NEXT(a, len))
		if ((a->rta_type & NLA_TYPE_MASK) < ATTRS_MAX)
			tb[a->rta_type & NLA_TYPE_MASK] = a;
}

static uint32_t attr_u32(const struct rtattr *a) { return *(const uint32_t *)RTA_DATA(a); }

/* ------------------------------------------------------------ links */

/* IFLA_INFO_DATA of a VXLAN: its network id, its ends and the UDP port. A unicast
 * "group" is the remote end of a point-to-point tunnel (ip says "remote"). */
static void vxlan_info(struct link *l, struct rtattr *data)
{
	struct rtattr *tb[ATTRS_MAX];
	attrs_of(RTA_DATA(data), (int)RTA_PAYLOAD(data), tb);
	struct buf *o = &l->vxlan;
	l->is_vxlan = true;
	buf_put(o, "", 0);
	if (tb[IFLA_VXLAN_ID])
		json_member_int(o, "id", attr_u32(tb[IFLA_VXLAN_ID]));
	if (tb[IFLA_VXLAN_GROUP] && attr_u32(tb[IFLA_VXLAN_GROUP])) {
		bool multicast = IN_MULTICAST(ntohl(attr_u32(tb[IFLA_VXLAN_GROUP])));
		member_addr(o, multicast ? "group" : "remote", AF_INET, RTA_DATA(tb[IFLA_VXLAN_GROUP]));
	} else if (tb[IFLA_VXLAN_GROUP6] && !IN6_IS_ADDR_UNSPECIFIED((struct in6_addr *)RTA_DATA(tb[IFLA_VXLAN_GROUP6]))) {
		bool multicast = IN6_IS_ADDR_MULTICAST((struct in6_addr *)RTA_DATA(tb[IFLA_VXLAN_GROUP6]));
		member_addr(o, multicast ? "group" : "remote", AF_INET6, RTA_DATA(tb[IFLA_VXLAN_GROUP6]));
	}
	if (tb[IFLA_VXLAN_LOCAL] && attr_u32(tb[IFLA_VXLAN_LOCAL]))
		member_addr(o, "local", AF_INET, RTA_DATA(tb[IFLA_VXLAN_LOCAL]));
	else if (tb[IFLA_VXLAN_LOCAL6] && !IN6_IS_ADDR_UNSPECIFIED((struct in6_addr *)RTA_DATA(tb[IFLA_VXLAN_LOCAL6])))
		member_addr(o, "local", AF_INET6, RTA_DATA(tb[IFLA_VXLAN_LOCAL6]));
	if (tb[IFLA_VXLAN_PORT])
		json_member_int(o, "port", ntohs(*(uint16_t *)RTA_DATA(tb[IFLA_VXLAN_PORT])));
	if (tb[IFLA_VXLAN_LINK])
		l->vxlan_dev = (int)attr_u32(tb[IFLA_VXLAN_LINK]);
}

/* IFLA_LINKINFO: what kind of link (veth, bridge, vxlan...), and for a bridge's port
 * its spanning-tree state. */
static void link_info(struct link *l, struct rtattr *info)
{
	struct rtattr *tb[ATTRS_MAX];
	attrs_of(RTA_DATA(info), (int)RTA_PAYLOAD(info), tb);
	if (tb[IFLA_INFO_KIND]) {
		const char *kind = RTA_DATA(tb[IFLA_INFO_KIND]);
		json_member_strn(&l->row, "kind", kind, strnlen(kind, RTA_PAYLOAD(tb[IFLA_INFO_KIND])));
		if (strcmp(kind, "vxlan") == 0 && tb[IFLA_INFO_DATA])
			vxlan_info(l, tb[IFLA_INFO_DATA]);
	}
	if (tb[IFLA_INFO_SLAVE_KIND] && strcmp(RTA_DATA(tb[IFLA_INFO_SLAVE_KIND]), "bridge") == 0 && tb[IFLA_INFO_SLAVE_DATA]) {
		struct rtattr *port[ATTRS_MAX];
		attrs_of(RTA_DATA(tb[IFLA_INFO_SLAVE_DATA]), (int)RTA_PAYLOAD(tb[IFLA_INFO_SLAVE_DATA]), port);
		if (port[IFLA_BRPORT_STATE]) {
			unsigned state = *(uint8_t *)RTA_DATA(port[IFLA_BRPORT_STATE]);
			if (state < sizeof port_states / sizeof port_states[0])
				json_member_str(&l->row, "port_state", port_states[state]);
		}
	}
}

/* One RTM_NEWLINK of the dump: a link. */
static void on_link(struct nlmsghdr *h, void *ctx)
{
	struct dump *d = ctx;
	struct ifinfomsg *ifi = NLMSG_DATA(h);
	if (h->nlmsg_type != RTM_NEWLINK)
		return;
	if (d->nlinks >= DUMP_MAX_ROWS) {
		d->truncated = true;
		return;
	}
	if (d->nlinks == d->cap) {
		d->cap = d->cap ? 2 * d->cap : 16;
		d->links = xrealloc(d->links, d->cap * sizeof *d->links);
	}
	struct link *l = &d->links[d->nlinks++];
	memset(l, 0, sizeof *l);
	l->index = ifi->ifi_index;
	buf_put(&l->row, "", 0);
	struct rtattr *tb[ATTRS_MAX];
	attrs_of(IFLA_RTA(ifi), (int)IFLA_PAYLOAD(h), tb);
	if (tb[IFLA_IFNAME])
		snprintf(l->name, sizeof l->name, "%s", (char *)RTA_DATA(tb[IFLA_IFNAME]));
	json_member_int(&l->row, "ifindex", l->index);
	json_member_str(&l->row, "name", l->name);
	const char *type = NAME_IN(link_types, ifi->ifi_type);
	json_member_str(&l->row, "type", type ? type : r_printf(d->r, "[%d]", ifi->ifi_type));
	/* IFF_UP: switched on (ip link set up); IFF_RUNNING: it has a carrier (a veth
	 * whose peer is up, a cable plugged in). ip prints "NO-CARRIER" for up without it. */
	json_member_bool(&l->row, "up", ifi->ifi_flags & IFF_UP);
	json_member_bool(&l->row, "running", ifi->ifi_flags & IFF_RUNNING);
	if (tb[IFLA_OPERSTATE]) {
		unsigned op = *(uint8_t *)RTA_DATA(tb[IFLA_OPERSTATE]);
		if (op < sizeof oper_states / sizeof oper_states[0])
			json_member_str(&l->row, "operstate", oper_states[op]);
	}
	if (tb[IFLA_MTU])
		json_member_int(&l->row, "mtu", attr_u32(tb[IFLA_MTU]));
	if (tb[IFLA_ADDRESS]) {
		/* The hardware address, aa:bb:cc:dd:ee:ff. */
		const unsigned char *mac = RTA_DATA(tb[IFLA_ADDRESS]);
		struct buf text = { 0 };
		for (size_t i = 0; i < RTA_PAYLOAD(tb[IFLA_ADDRESS]) && i < 32; i++)
			buf_printf(&text, "%s%02x", i ? ":" : "", mac[i]);
		json_member_str(&l->row, "mac", buf_str(&text));
		buf_free(&text);
	}
	if (tb[IFLA_MASTER])
		l->master = (int)attr_u32(tb[IFLA_MASTER]);
	/* Sent only when it is another link (or one in another namespace, which may
	 * have the same index there). */
	if (tb[IFLA_LINK] && attr_u32(tb[IFLA_LINK])) {
		l->peer = (int)attr_u32(tb[IFLA_LINK]);
		/* The other end is in another namespace: the kernel names that namespace by
		 * the id this one knows it by (ip netns list-id), allocating one if need be. */
		if (tb[IFLA_LINK_NETNSID]) {
			l->peer_elsewhere = true;
			json_member_int(&l->row, "peer_ifindex", l->peer);
			json_member_int(&l->row, "peer_netnsid", *(int32_t *)RTA_DATA(tb[IFLA_LINK_NETNSID]));
		}
	}
	if (tb[IFLA_LINKINFO])
		link_info(l, tb[IFLA_LINKINFO]);
}

/* The links as a JSON array, with the names of the links each one refers to. */
static void links_json(struct dump *d, struct buf *out)
{
	buf_putc(out, '[');
	for (size_t i = 0; i < d->nlinks; i++) {
		struct link *l = &d->links[i];
		if (l->master)
			member_name(&l->row, "master", link_name(d, l->master), l->master);
		if (l->peer && !l->peer_elsewhere) {
			json_member_int(&l->row, "peer_ifindex", l->peer);
			member_name(&l->row, "peer", link_name(d, l->peer), l->peer);
		}
		if (l->is_vxlan) {
			const char *dev = l->vxlan_dev ? link_name(d, l->vxlan_dev) : NULL;
			if (dev)
				json_member_str(&l->vxlan, "dev", dev);
			json_member_raw(&l->row, "vxlan", r_printf(d->r, "{%s}", buf_str(&l->vxlan)));
		}
		buf_printf(out, "%s{%s}", i ? "," : "", buf_str(&l->row));
	}
	buf_putc(out, ']');
}

/* ------------------------------------------------------------ addresses */

/* One RTM_NEWADDR: an address on a link. IFA_LOCAL is the link's own address;
 * IFA_ADDRESS the other end's on a point-to-point link, and the only one IPv6 sends. */
static void on_addr(struct nlmsghdr *h, void *ctx)
{
	struct dump *d = ctx;
	struct ifaddrmsg *ifa = NLMSG_DATA(h);
	const char *family = family_name(ifa->ifa_family);
	if (h->nlmsg_type != RTM_NEWADDR || !family || !next_row(d, &d->addrs, &d->naddrs))
		return;
	struct rtattr *tb[ATTRS_MAX];
	attrs_of(IFA_RTA(ifa), (int)IFA_PAYLOAD(h), tb);
	struct rtattr *local = tb[IFA_LOCAL] ? tb[IFA_LOCAL] : tb[IFA_ADDRESS];
	struct buf o = { 0 };
	buf_put(&o, "", 0);
	json_member_int(&o, "ifindex", (int)ifa->ifa_index);
	member_name(&o, "dev", link_name(d, (int)ifa->ifa_index), (int)ifa->ifa_index);
	json_member_str(&o, "family", family);
	if (local)
		member_addr(&o, "local", ifa->ifa_family, RTA_DATA(local));
	json_member_int(&o, "prefixlen", ifa->ifa_prefixlen);
	member_name(&o, "scope", NAME_IN(scopes, ifa->ifa_scope), ifa->ifa_scope);
	buf_printf(&d->addrs, "{%s}", o.s);
	buf_free(&o);
}

/* ------------------------------------------------------------ routes */

/* One RTM_NEWROUTE, kept when it is in the main table (`ip route` shows that one;
 * the local table holds the host's own and broadcast addresses). */
static void on_route(struct nlmsghdr *h, void *ctx)
{
	struct dump *d = ctx;
	struct rtmsg *rt = NLMSG_DATA(h);
	const char *family = family_name(rt->rtm_family);
	if (h->nlmsg_type != RTM_NEWROUTE || !family || (rt->rtm_flags & RTM_F_CLONED))
		return;
	struct rtattr *tb[ATTRS_MAX];
	attrs_of(RTM_RTA(rt), (int)RTM_PAYLOAD(h), tb);
	unsigned table = tb[RTA_TABLE] ? attr_u32(tb[RTA_TABLE]) : rt->rtm_table;
	if (table != RT_TABLE_MAIN || !next_row(d, &d->routes, &d->nroutes))
		return;
	struct buf o = { 0 };
	buf_put(&o, "", 0);
	json_member_str(&o, "family", family);
	member_name(&o, "type", NAME_IN(route_types, rt->rtm_type), rt->rtm_type);
	/* The destination as ip prints it: "default", an address alone for a host
	 * route (/32, /128), else address/length. */
	int host_len = rt->rtm_family == AF_INET ? 32 : 128;
	char dst[INET6_ADDRSTRLEN] = "";
	if (tb[RTA_DST])
		inet_ntop(rt->rtm_family, RTA_DATA(tb[RTA_DST]), dst, sizeof dst);
	if (tb[RTA_DST] && rt->rtm_dst_len != host_len)
		json_member_str(&o, "dst", r_printf(d->r, "%s/%u", dst, rt->rtm_dst_len));
	else if (tb[RTA_DST])
		json_member_str(&o, "dst", dst);
	else if (rt->rtm_dst_len)
		json_member_str(&o, "dst", r_printf(d->r, "0/%u", rt->rtm_dst_len));
	else
		json_member_str(&o, "dst", "default");
	json_member_int(&o, "dst_len", rt->rtm_dst_len);
	if (tb[RTA_GATEWAY])
		member_addr(&o, "gateway", rt->rtm_family, RTA_DATA(tb[RTA_GATEWAY]));
	if (tb[RTA_OIF])
		member_name(&o, "dev", link_name(d, (int)attr_u32(tb[RTA_OIF])), (int)attr_u32(tb[RTA_OIF]));
	member_name(&o, "protocol", NAME_IN(route_protocols, rt->rtm_protocol), rt->rtm_protocol);
	member_name(&o, "scope", NAME_IN(scopes, rt->rtm_scope), rt->rtm_scope);
	if (tb[RTA_PREFSRC])
		member_addr(&o, "prefsrc", rt->rtm_family, RTA_DATA(tb[RTA_PREFSRC]));
	if (tb[RTA_PRIORITY])
		json_member_int(&o, "metric", attr_u32(tb[RTA_PRIORITY]));
	buf_printf(&d->routes, "{%s}", o.s);
	buf_free(&o);
}

/* ------------------------------------------------------------ neighbours */

/* One RTM_NEWNEIGH: what ARP (IPv4) or neighbour discovery (IPv6) learnt of an
 * address on a link. NOARP entries (multicast, loopback) are left out, as ip does. */
static void on_neighbour(struct nlmsghdr *h, void *ctx)
{
	struct dump *d = ctx;
	struct ndmsg *nd = NLMSG_DATA(h);
	const char *family = family_name(nd->ndm_family);
	if (h->nlmsg_type != RTM_NEWNEIGH || !family || (nd->ndm_state & NUD_NOARP) ||
	    !next_row(d, &d->neighbours, &d->nneighbours))
		return;
	struct rtattr *tb[ATTRS_MAX];
	attrs_of((struct rtattr *)((char *)nd + NLMSG_ALIGN(sizeof *nd)), (int)(h->nlmsg_len - NLMSG_LENGTH(sizeof *nd)), tb);
	struct buf o = { 0 };
	buf_put(&o, "", 0);
	member_name(&o, "dev", link_name(d, nd->ndm_ifindex), nd->ndm_ifindex);
	json_member_str(&o, "family", family);
	if (tb[NDA_DST])
		member_addr(&o, "dst", nd->ndm_family, RTA_DATA(tb[NDA_DST]));
	if (tb[NDA_LLADDR]) {
		const unsigned char *mac = RTA_DATA(tb[NDA_LLADDR]);
		struct buf text = { 0 };
		for (size_t i = 0; i < RTA_PAYLOAD(tb[NDA_LLADDR]) && i < 32; i++)
			buf_printf(&text, "%s%02x", i ? ":" : "", mac[i]);
		json_member_str(&o, "lladdr", buf_str(&text));
		buf_free(&text);
	}
	struct buf state = { 0 };
	for (size_t i = 0; i < sizeof nud_states / sizeof nud_states[0]; i++)
		if (nd->ndm_state & nud_states[i].value)
			buf_printf(&state, "%s%s", state.len ? "," : "", nud_states[i].name);
	json_member_str(&o, "state", buf_str(&state));
	buf_free(&state);
	buf_printf(&d->neighbours, "{%s}", o.s);
	buf_free(&o);
}

/* ------------------------------------------------------------ nf_tables */

static void on_generation(struct nlmsghdr *h, void *ctx)
{
	struct dump *d = ctx;
	if (h->nlmsg_type != ((NFNL_SUBSYS_NFTABLES << 8) | NFT_MSG_NEWGEN))
		return;
	struct rtattr *tb[ATTRS_MAX];
	struct nfgenmsg *g = NLMSG_DATA(h);
	attrs_of((struct rtattr *)((char *)g + NLMSG_ALIGN(sizeof *g)), (int)(h->nlmsg_len - NLMSG_LENGTH(sizeof *g)), tb);
	if (tb[NFTA_GEN_ID])
		d->generation = ntohl(attr_u32(tb[NFTA_GEN_ID]));
}

/* The ruleset's generation: nf_tables counts every change committed in this
 * namespace (nft add, delete, flush...), so the same number means the same rules.
 * Unknown (-1) without nf_tables, or without CAP_NET_ADMIN here. */
static void nft_generation(struct reply *hr, struct dump *d)
{
	d->generation = -1;
	/* nfnetlink: the netlink family of netfilter; nf_tables is one of its subsystems. */
	CLEANUP(fd_close) int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_NETFILTER);
	if (log_call(hr, fd, "socket(AF_NETLINK, SOCK_RAW|SOCK_CLOEXEC, NETLINK_NETFILTER)") < 0)
		return;
	struct nfgenmsg g = { .nfgen_family = AF_UNSPEC, .version = NFNETLINK_V0, .res_id = htons(0) };
	struct nlmsg m;
	nl_begin(&m, NFT_GETGEN, NLM_F_REQUEST, &g, sizeof g);
	nl_note(&m, "{nfgen_family=AF_UNSPEC, version=NFNETLINK_V0, res_id=htons(0)}");
	nl_ask(hr, fd, &m, on_generation, d, NULL);
	nl_free(&m);
}

/* ------------------------------------------------------------ the op */

/* Dump one kind of object: an RTM_GET* request with NLM_F_DUMP and a header saying
 * which family (AF_UNSPEC: all). */
static int dump_kind(struct reply *hr, int fd, int type, const void *body, size_t len, const char *note,
		     void (*fn)(struct nlmsghdr *h, void *ctx), struct dump *d)
{
	struct nlmsg m;
	nl_begin(&m, type, NLM_F_REQUEST, body, len);
	nl_note(&m, "%s", note);
	if (type == RTM_GETLINK) {
		/* Leave out each link's counters (IFLA_STATS64): nobody reads them here,
		 * and they are most of a link's message. */
		nl_attr_u32(&m, IFLA_EXT_MASK, "IFLA_EXT_MASK", RTEXT_FILTER_SKIP_STATS);
	}
	int rc = nl_dump(hr, fd, &m, fn, d);
	nl_free(&m);
	return rc;
}

static int dump_in_ns(struct reply *hr, void *ctx)
{
	struct netns_target *t = ctx;
	struct dump d = { .r = hr };
	CLEANUP(fd_close) int fd = nl_open(hr);
	if (fd < 0)
		return -1;
	/* The namespace's cookie: a number the kernel never gives another namespace
	 * while it runs (an inode number may come back once the namespace is gone). */
	uint64_t cookie = 0;
	socklen_t clen = sizeof cookie;
	int got = getsockopt(fd, SOL_SOCKET, SO_NETNS_COOKIE, &cookie, &clen);
	log_call(hr, got, "getsockopt(%d, SOL_SOCKET, SO_NETNS_COOKIE, [%llu], [8])", fd, (unsigned long long)cookie);

	struct ifinfomsg link = { .ifi_family = AF_UNSPEC };
	struct ifaddrmsg addr = { .ifa_family = AF_UNSPEC };
	struct rtmsg route4 = { .rtm_family = AF_INET, .rtm_table = RT_TABLE_MAIN };
	struct rtmsg route6 = { .rtm_family = AF_INET6, .rtm_table = RT_TABLE_MAIN };
	struct ndmsg neigh = { .ndm_family = AF_UNSPEC };
	int rc = -1;
	if (dump_kind(hr, fd, RTM_GETLINK, &link, sizeof link, "{ifi_family=AF_UNSPEC}", on_link, &d) < 0 ||
	    dump_kind(hr, fd, RTM_GETADDR, &addr, sizeof addr, "{ifa_family=AF_UNSPEC}", on_addr, &d) < 0 ||
	    dump_kind(hr, fd, RTM_GETROUTE, &route4, sizeof route4, "{rtm_family=AF_INET, rtm_table=RT_TABLE_MAIN}", on_route, &d) < 0 ||
	    dump_kind(hr, fd, RTM_GETROUTE, &route6, sizeof route6, "{rtm_family=AF_INET6, rtm_table=RT_TABLE_MAIN}", on_route, &d) < 0 ||
	    dump_kind(hr, fd, RTM_GETNEIGH, &neigh, sizeof neigh, "{ndm_family=AF_UNSPEC}", on_neighbour, &d) < 0) {
		fail_sys(hr, errno, NULL, NULL, "read %s over rtnetlink", t->where);
		goto out;
	}
	nft_generation(hr, &d);

	struct buf links = { 0 };
	links_json(&d, &links);
	json_member_raw(&hr->result, "links", links.s);
	buf_free(&links);
	json_member_raw(&hr->result, "addrs", r_printf(hr, "[%s]", buf_str(&d.addrs)));
	json_member_raw(&hr->result, "routes", r_printf(hr, "[%s]", buf_str(&d.routes)));
	json_member_raw(&hr->result, "neighbours", r_printf(hr, "[%s]", buf_str(&d.neighbours)));
	if (got == 0)
		json_member_str(&hr->result, "netns_cookie", r_printf(hr, "%llu", (unsigned long long)cookie));
	if (d.generation >= 0)
		json_member_int(&hr->result, "nft_generation", d.generation);
	if (d.truncated)
		json_member_bool(&hr->result, "truncated", true);
	rc = 0;
out:
	for (size_t i = 0; i < d.nlinks; i++) {
		buf_free(&d.links[i].row);
		buf_free(&d.links[i].vxlan);
	}
	free(d.links);
	buf_free(&d.addrs);
	buf_free(&d.routes);
	buf_free(&d.neighbours);
	return rc;
}

int op_net_dump(const struct request *q, struct reply *r)
{
	struct netns_target t;
	if (net_target(r, q, "", &t, NULL) < 0)
		return -1;
	shell_step(r, "%s -d link show && %s addr show && %s route show table main && %s -6 route show table main && %s neigh show",
		   t.ip, t.ip, t.ip, t.ip, t.ip);
	return net_run(r, &t, dump_in_ns, &t);
}
