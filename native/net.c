/* net.c - network namespaces and what is in them: named namespaces, links (veth,
 * bridge, VXLAN), moving and renaming links, addresses, routes, and sysctls.
 *
 * Every op speaks rtnetlink (netlink.c), the way `ip` does, and its reply shows the
 * `ip ...` command that does the same. An op names the namespace it acts in with
 * "ct", "pid" or "netns" (see net.h); without one it acts in the server's own.
 *
 * Acting in another network namespace takes a helper process: the server forks, the
 * child calls setns(CLONE_NEWNET) and does the work there. Why not setns in the
 * server itself? setns moves the calling process, and the server must stay where it
 * is: its next request may be about another namespace, and a netlink socket talks to
 * the namespace it was made in. A child that goes away afterwards leaves nothing to
 * undo. `ip -n NAME ...` and `nsenter -t PID -n ip ...` do the same dance.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/if_link.h>
#include <linux/veth.h>
#include <net/if.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "boxcore.h"
#include "errors.h"
#include "net.h"
#include "netlink.h"
#include "containers.h"

#define NET_HELPER_TIMEOUT_MS 10000

/* Sysctls an op may change in the server's own network namespace (the host's):
 * only what `boxlab run --net bridge` needs, and the lab records the old value in
 * its ledger first. Everything else is for namespaces the lab made. */
static const char *const host_sysctls[] = { "net.ipv4.ip_forward" };

/* ------------------------------------------------------------ targets */

static bool valid_netns_name(const char *name)
{
	return strncmp(name, NETNS_PREFIX, strlen(NETNS_PREFIX)) == 0 && strlen(name) < 64 &&
	       strspn(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.") == strlen(name);
}

int net_target(struct reply *r, const struct request *q, const char *prefix, struct netns_target *t, bool *given)
{
	memset(t, 0, sizeof *t);
	t->kind = NT_SELF;
	t->ip = "ip";
	t->run = "";
	t->where = "the server's network namespace";
	const char *k_ct = r_printf(r, "%sct", prefix), *k_pid = r_printf(r, "%spid", prefix),
		   *k_ns = r_printf(r, "%snetns", prefix);
	int n = arg_present(q, k_ct) + arg_present(q, k_pid) + arg_present(q, k_ns);
	if (given)
		*given = n > 0;
	if (n > 1)
		return fail_usage(r, state_hint("net_target"), "give one of \"%s\", \"%s\" or \"%s\", not several", k_ct, k_pid,
				  k_ns);
	if (n == 0)
		return 0;
	if (arg_present(q, k_ns)) {
		const char *name = NULL;
		if (arg_str(r, q, k_ns, true, &name) < 0)
			return -1;
		if (!valid_netns_name(name))
			return fail_usage(r, state_hint("netns_name"), "%s: \"%s\" is not the name of a lab-made network namespace",
					  k_ns, name);
		t->kind = NT_NAMED;
		t->name = name;
		snprintf(t->path, sizeof t->path, NETNS_DIR "/%s", name);
		struct stat st;
		if (stat(t->path, &st) < 0) {
			if (errno == ENOENT)
				return fail_state(r, state_hint("no_netns"), "no network namespace named \"%s\" (%s does not exist)",
						  name, t->path);
			return fail_sys(r, errno, "setns", t->path, "look at %s", t->path);
		}
		t->ip = r_printf(r, "ip -n %s", name);
		t->run = r_printf(r, "ip netns exec %s ", name);
		t->where = r_printf(r, "netns %s", name);
		t->as_dest = name;
		return 0;
	}
	long long pid = 0;
	if (arg_present(q, k_ct)) {
		const char *name = NULL;
		if (arg_str(r, q, k_ct, true, &name) < 0)
			return -1;
		pid = ct_pid_by_name(name);
		if (pid <= 0)
			return fail_state(r, state_hint("no_such_ct"), "no running container named \"%s\"", name);
		t->where = r_printf(r, "container %s", name);
	} else {
		if (arg_int(r, q, k_pid, true, &pid) < 0)
			return -1;
		if (pid <= 0 || pid > 4194304)
			return fail_usage(r, state_hint("net_target"), "%s must be a process id, not %lld", k_pid, pid);
		t->where = r_printf(r, "the network namespace of pid %lld", pid);
	}
	t->kind = NT_PID;
	t->pid = (pid_t)pid;
	snprintf(t->path, sizeof t->path, "/proc/%lld/ns/net", pid);
	struct stat st;
	if (stat(t->path, &st) < 0) {
		if (errno == ENOENT)
			return fail_state(r, state_hint("no_netns"), "process %lld is gone, and with it %s", pid, t->path);
		return fail_sys(r, errno, "setns", t->path, "look at %s", t->path);
	}
	t->ip = r_printf(r, "nsenter -t %lld -n ip", pid);
	t->run = r_printf(r, "nsenter -t %lld -n ", pid);
	t->as_dest = r_printf(r, "%lld", pid);
	return 0;
}

/* Is the target the network namespace the server itself is in (the host's)? */
static bool net_target_is_own(const struct netns_target *t)
{
	if (t->kind == NT_SELF)
		return true;
	struct stat a, b;
	return stat(t->path, &a) == 0 && stat("/proc/self/ns/net", &b) == 0 && a.st_ino == b.st_ino && a.st_dev == b.st_dev;
}

/* Open the namespace file of a target (for IFLA_NET_NS_FD), logged. */
static int net_open_ns(struct reply *r, const struct netns_target *t)
{
	const char *path = t->kind == NT_SELF ? "/proc/self/ns/net" : t->path;
	/* A namespace file is a handle on the namespace: the kernel takes it for
	 * setns() and for IFLA_NET_NS_FD ("move this link there"). */
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (log_call(r, fd, "openat(AT_FDCWD, %s, O_RDONLY|O_CLOEXEC)", q_str(r, path)) < 0)
		return fail_sys(r, errno, "setns", path, "open %s", path);
	return fd;
}

struct in_netns {
	const struct netns_target *t;
	int (*fn)(struct reply *hr, void *ctx);
	void *ctx;
};

static int enter_and_run(struct reply *hr, void *ctx)
{
	struct in_netns *w = ctx;
	if (w->t->kind == NT_PID) {
		/* A rootless server first joins the container's user namespace: that is
		 * where it holds CAP_NET_ADMIN over the container's network. */
		int mask = 1 << ns_index("net");
		if (geteuid() != 0 && ns_same(w->t->pid, "user") == 0)
			mask |= 1 << ns_index("user");
		if (ns_join(hr, w->t->pid, mask) < 0)
			return -1;
	} else {
		int fd = net_open_ns(hr, w->t);
		if (fd < 0)
			return -1;
		/* setns: from here on this helper - and any socket it opens - is in the
		 * target's network namespace (`ip netns exec NAME` is the shell's way). */
		int rc = (int)log_call(hr, setns(fd, CLONE_NEWNET), "setns(%d, CLONE_NEWNET)", fd);
		int e = errno;
		close(fd);
		if (rc < 0)
			return fail_sys(hr, e, "setns", w->t->path, "setns into %s", w->t->where);
	}
	return w->fn(hr, w->ctx);
}

int net_run(struct reply *r, const struct netns_target *t, int (*fn)(struct reply *hr, void *ctx), void *ctx)
{
	if (t->kind == NT_SELF)
		return fn(r, ctx);
	struct in_netns w = { t, fn, ctx };
	struct capture cap = { .in_fd = -1, .out_fd = -1, .err_fd = -1, .extra_fd = -1 };
	int none[2] = { -1, -1 };
	int rc = run_helper(r, enter_and_run, &w, &cap, none, NET_HELPER_TIMEOUT_MS);
	capture_free(&cap);
	return rc;
}

/* In the host's own network namespace the core touches only links the lab names:
 * bl0, bl1... (bridges) and bl-... (veth ends). eth0 of the host is never taken down,
 * renamed, moved or given an address by a lesson gone wrong. */
static bool lab_link_name(const char *name)
{
	if (strncmp(name, "bl-", 3) == 0)
		return true;
	return strncmp(name, "bl", 2) == 0 && name[2] && strspn(name + 2, "0123456789") == strlen(name + 2);
}

static int host_guard(struct reply *r, const struct netns_target *t, const char *name)
{
	if (name && net_target_is_own(t) && !lab_link_name(name))
		return fail_state(r, state_hint("host_link"), "%s is %s: the core changes only the lab's links there (bl0, bl-...), not %s",
				  t->where, t->kind == NT_SELF ? "the host's" : "the host's network namespace", name);
	return 0;
}

/* ------------------------------------------------------------ arguments */

/* A link name: what fits in IFNAMSIZ (16 bytes with the NUL), and no '/', ':' or
 * space (the kernel's dev_valid_name). */
static int arg_ifname(struct reply *r, const struct request *q, const char *key, bool required, const char **out)
{
	if (arg_str(r, q, key, required, out) < 0)
		return -1;
	const char *s = *out;
	if (!s)
		return 0;
	if (strlen(s) >= IFNAMSIZ)
		return fail_usage(r, state_hint("ifname"), "%s: \"%s\" is %zu bytes long; a link name is at most %d (IFNAMSIZ is %d, with the NUL)",
				  key, s, strlen(s), IFNAMSIZ - 1, IFNAMSIZ);
	if (!*s || strcmp(s, ".") == 0 || strcmp(s, "..") == 0 || strpbrk(s, "/: \t\n"))
		return fail_usage(r, state_hint("ifname"), "%s: \"%s\" is not a valid link name", key, s);
	return 0;
}

struct prefix {
	int family;
	unsigned char addr[16];
	int len;
	const char *text; /* as given */
};

/* "10.0.0.2/24", "fd00::2/64", or an address alone (a host route: /32, /128). */
static int parse_prefix(struct reply *r, const char *key, const char *text, bool allow_len, struct prefix *p)
{
	char host[INET6_ADDRSTRLEN + 8];
	const char *slash = strchr(text, '/');
	size_t hl = slash ? (size_t)(slash - text) : strlen(text);
	p->text = text;
	if (hl >= sizeof host)
		goto bad;
	memcpy(host, text, hl);
	host[hl] = 0;
	if (inet_pton(AF_INET, host, p->addr) == 1)
		p->family = AF_INET;
	else if (inet_pton(AF_INET6, host, p->addr) == 1)
		p->family = AF_INET6;
	else
		goto bad;
	int max = p->family == AF_INET ? 32 : 128;
	p->len = max;
	if (slash) {
		char *end;
		long l = strtol(slash + 1, &end, 10);
		if (!allow_len || !slash[1] || *end || l < 0 || l > max)
			goto bad;
		p->len = (int)l;
	}
	return 0;
bad:
	return fail_usage(r, state_hint(allow_len ? "prefix" : "address"), "%s: \"%s\" is not an %s", key, text,
			  allow_len ? "address with a prefix length (10.0.0.2/24, fd00::2/64)" : "IPv4 or IPv6 address");
}

/* ------------------------------------------------------------ netlink plumbing */

/* Send m; on failure fill r with the errno, the op's explanation and the kernel's
 * own words. subject fills {path} in the explanation. */
static int talk(struct reply *r, int fd, struct nlmsg *m, const char *variant, const char *subject, const char *what)
{
	const char *why = NULL;
	int rc = nl_talk(r, fd, m, &why);
	int e = errno;
	nl_free(m);
	if (rc == 0)
		return 0;
	if (why)
		return fail_sys(r, e, variant, subject, "%s (the kernel says: %s)", what, why);
	return fail_sys(r, e, variant, subject, "%s", what);
}

static int ifindex_or_fail(struct reply *r, int fd, const char *name, const char *where)
{
	int idx = nl_ifindex(r, fd, name);
	if (idx <= 0)
		fail_sys(r, ENODEV, "link", name, "no link named %s in %s", name, where);
	return idx;
}

/* ------------------------------------------------------------ named namespaces */

static bool made_netns_dir; /* this server made /run/netns, so it may take it away */

struct netns_add_ctx {
	const char *path;
};

static int netns_add_in_helper(struct reply *hr, void *ctx)
{
	struct netns_add_ctx *c = ctx;
	/* unshare(CLONE_NEWNET): this helper gets a new, empty network namespace (only
	 * a loopback link, down). */
	if (log_call(hr, unshare(CLONE_NEWNET), "unshare(CLONE_NEWNET)") < 0)
		return fail_sys(hr, errno, NULL, NULL, "unshare a network namespace");
	/* A namespace lives while something holds it: a process, an open fd, or a bind
	 * mount of its /proc/PID/ns file. The bind mount outlives this helper, and
	 * gives the namespace a name other programs (ip netns) know. */
	if (log_call(hr, mount("/proc/self/ns/net", c->path, "none", MS_BIND, NULL),
		     "mount(\"/proc/self/ns/net\", %s, \"none\", MS_BIND, NULL)", q_str(hr, c->path)) < 0)
		return fail_sys(hr, errno, NULL, c->path, "bind-mount the namespace on %s", c->path);
	return 0;
}

int op_netns_add(const struct request *q, struct reply *r)
{
	const char *name = NULL;
	if (arg_str(r, q, "name", true, &name) < 0)
		return -1;
	if (!valid_netns_name(name))
		return fail_usage(r, state_hint("netns_name"), "name: \"%s\" is not a lab network namespace name", name);
	const char *path = r_printf(r, NETNS_DIR "/%s", name);
	shell_step(r, "ip netns add %s", name);

	/* /run/netns is where `ip netns` looks. `ip netns add` also turns it into a
	 * shared mount of itself, so names propagate to other mount namespaces; the
	 * core does not, to keep the host's mount table as it was. */
	struct stat st;
	bool made_dir = false;
	if (stat(NETNS_DIR, &st) < 0) {
		if (log_call(r, mkdir(NETNS_DIR, 0755), "mkdir(\"" NETNS_DIR "\", 0755)") == 0)
			made_dir = true;
		else if (errno != EEXIST)
			return fail_sys(r, errno, NULL, NETNS_DIR, "mkdir " NETNS_DIR);
	}
	/* The mount point: an empty file (the namespace file is not a directory). */
	int fd = open(path, O_RDONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0);
	if (log_call(r, fd, "openat(AT_FDCWD, %s, O_RDONLY|O_CREAT|O_EXCL|O_CLOEXEC, 000)", q_str(r, path)) < 0) {
		int e = errno;
		if (made_dir)
			log_call(r, rmdir(NETNS_DIR), "rmdir(\"" NETNS_DIR "\")");
		return fail_sys(r, e, "netns", name, "create %s", path);
	}
	close(fd);
	struct netns_add_ctx c = { path };
	struct capture cap = { .in_fd = -1, .out_fd = -1, .err_fd = -1, .extra_fd = -1 };
	int none[2] = { -1, -1 };
	int rc = run_helper(r, netns_add_in_helper, &c, &cap, none, NET_HELPER_TIMEOUT_MS);
	capture_free(&cap);
	if (rc < 0) {
		/* Undo: no file, and no directory if we made it. */
		log_call(r, unlink(path), "unlink(%s)", q_str(r, path));
		if (made_dir)
			log_call(r, rmdir(NETNS_DIR), "rmdir(\"" NETNS_DIR "\")");
		return -1;
	}
	made_netns_dir |= made_dir;
	json_member_str(&r->result, "netns", name);
	json_member_str(&r->result, "path", path);
	json_member_bool(&r->result, "made_dir", made_dir);
	return 0;
}

int op_netns_del(const struct request *q, struct reply *r)
{
	struct netns_target t;
	if (!arg_present(q, "netns"))
		return fail_usage(r, usage_example("netns_del"), "missing argument \"netns\"");
	if (net_target(r, q, "", &t, NULL) < 0)
		return -1;
	shell_step(r, "ip netns del %s", t.name);
	/* Take the name away: the namespace itself ends when nothing else holds it
	 * (a process in it, an open fd). Its links go with it; a veth's other end too. */
	if (log_call(r, umount2(t.path, MNT_DETACH), "umount2(%s, MNT_DETACH)", q_str(r, t.path)) < 0)
		return fail_sys(r, errno, "netns", t.name, "unmount %s", t.path);
	if (log_call(r, unlink(t.path), "unlink(%s)", q_str(r, t.path)) < 0)
		return fail_sys(r, errno, "netns", t.name, "remove %s", t.path);
	if (made_netns_dir && rmdir(NETNS_DIR) == 0) {
		log_line(r, "rmdir(\"" NETNS_DIR "\") = 0");
		made_netns_dir = false;
	}
	return 0;
}

/* ------------------------------------------------------------ making links */

struct linkop {
	struct netns_target t;
	const char *name, *peer, *dev, *newname, *master, *kind;
	struct netns_target other; /* veth peer's namespace, or where a link moves */
	bool has_other;
	int up;                    /* -1 leave, 0 down, 1 up */
	/* vxlan */
	long long id, port;
	struct prefix local, remote;
	bool has_local, has_remote;
};

static void begin_link(struct nlmsg *m, int type, int flags, int index)
{
	struct ifinfomsg ifi = { .ifi_family = AF_UNSPEC, .ifi_index = index };
	nl_begin(m, type, NLM_F_REQUEST | flags, &ifi, sizeof ifi);
	nl_note(m, index ? "{ifi_family=AF_UNSPEC, ifi_index=%d}" : "{ifi_family=AF_UNSPEC}", index);
}

static int link_add_in_ns(struct reply *hr, void *ctx)
{
	struct linkop *o = ctx;
	int fd = nl_open(hr);
	if (fd < 0)
		return -1;
	int other_fd = -1, dev_index = 0;
	if (o->has_other && (other_fd = net_open_ns(hr, &o->other)) < 0)
		return -1;
	if (o->dev && (dev_index = ifindex_or_fail(hr, fd, o->dev, o->t.where)) <= 0)
		return -1;
	struct nlmsg m;
	/* RTM_NEWLINK with NLM_F_CREATE|NLM_F_EXCL: make a new link, and fail (EEXIST)
	 * rather than change one that has the name already. */
	begin_link(&m, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, 0);
	nl_attr_str(&m, IFLA_IFNAME, "IFLA_IFNAME", o->name);
	struct rtattr *info = nl_nest(&m, IFLA_LINKINFO, "IFLA_LINKINFO");
	nl_attr_str(&m, IFLA_INFO_KIND, "IFLA_INFO_KIND", o->kind);
	if (strcmp(o->kind, "veth") == 0) {
		/* A veth is two links made at once, joined like the ends of a cable: what
		 * goes in one comes out of the other. The peer is described by a second
		 * ifinfomsg, and may be made straight in another namespace. */
		struct rtattr *data = nl_nest(&m, IFLA_INFO_DATA, "IFLA_INFO_DATA");
		struct rtattr *peer = nl_nest(&m, VETH_INFO_PEER, "VETH_INFO_PEER");
		struct ifinfomsg pifi = { .ifi_family = AF_UNSPEC };
		nl_raw(&m, &pifi, sizeof pifi);
		nl_note(&m, "{ifi_family=AF_UNSPEC}");
		nl_attr_str(&m, IFLA_IFNAME, "IFLA_IFNAME", o->peer);
		if (other_fd >= 0)
			nl_attr_u32(&m, IFLA_NET_NS_FD, "IFLA_NET_NS_FD", (uint32_t)other_fd);
		nl_nest_end(&m, peer);
		nl_nest_end(&m, data);
	} else if (strcmp(o->kind, "vxlan") == 0) {
		/* VXLAN: Ethernet frames wrapped in UDP (port 4789) to another host; the
		 * VNI (id) keeps many overlays apart on one underlay. */
		struct rtattr *data = nl_nest(&m, IFLA_INFO_DATA, "IFLA_INFO_DATA");
		nl_attr_u32(&m, IFLA_VXLAN_ID, "IFLA_VXLAN_ID", (uint32_t)o->id);
		if (o->has_local) {
			bool v6 = o->local.family == AF_INET6;
			nl_attr_addr(&m, v6 ? IFLA_VXLAN_LOCAL6 : IFLA_VXLAN_LOCAL, v6 ? "IFLA_VXLAN_LOCAL6" : "IFLA_VXLAN_LOCAL",
				     o->local.family, o->local.addr, o->local.text);
		}
		if (o->has_remote) {
			/* A unicast "group" is the one remote end of a point-to-point tunnel. */
			bool v6 = o->remote.family == AF_INET6;
			nl_attr_addr(&m, v6 ? IFLA_VXLAN_GROUP6 : IFLA_VXLAN_GROUP, v6 ? "IFLA_VXLAN_GROUP6" : "IFLA_VXLAN_GROUP",
				     o->remote.family, o->remote.addr, o->remote.text);
		}
		if (dev_index)
			nl_attr_u32(&m, IFLA_VXLAN_LINK, "IFLA_VXLAN_LINK", (uint32_t)dev_index);
		uint16_t port = htons((uint16_t)o->port);
		nl_attr(&m, IFLA_VXLAN_PORT, &port, sizeof port);
		nl_note(&m, "IFLA_VXLAN_PORT=htons(%lld)", o->port);
		nl_nest_end(&m, data);
	}
	nl_nest_end(&m, info);
	int rc = talk(hr, fd, &m, o->kind, o->name, r_printf(hr, "create %s link %s in %s", o->kind, o->name, o->t.where));
	if (other_fd >= 0)
		close(other_fd);
	close(fd);
	if (rc == 0)
		json_member_str(&hr->result, "name", o->name);
	return rc;
}

static int link_add(const struct request *q, struct reply *r, const char *kind)
{
	struct linkop o = { .kind = kind, .up = -1, .port = 4789 };
	if (net_target(r, q, "", &o.t, NULL) < 0 || arg_ifname(r, q, "name", true, &o.name) < 0)
		return -1;
	if (strcmp(kind, "veth") == 0) {
		if (arg_ifname(r, q, "peer", true, &o.peer) < 0 || net_target(r, q, "peer_", &o.other, &o.has_other) < 0)
			return -1;
		shell_step(r, "%s link add %s type veth peer name %s%s%s", o.t.ip, o.name, o.peer,
			   o.has_other ? " netns " : "", o.has_other ? o.other.as_dest : "");
	} else if (strcmp(kind, "vxlan") == 0) {
		const char *local = NULL, *remote = NULL;
		if (arg_int(r, q, "vni", true, &o.id) < 0 || arg_int(r, q, "dstport", false, &o.port) < 0 ||
		    arg_str(r, q, "local", false, &local) < 0 || arg_str(r, q, "remote", false, &remote) < 0 ||
		    arg_ifname(r, q, "dev", false, &o.dev) < 0)
			return -1;
		if (o.id < 0 || o.id > 16777215)
			return fail_usage(r, usage_example("vxlan_add"), "vni: a VXLAN network identifier is 0-16777215 (24 bits), not %lld", o.id);
		if (o.port < 1 || o.port > 65535)
			return fail_usage(r, usage_example("vxlan_add"), "dstport: %lld is not a UDP port", o.port);
		if ((local && parse_prefix(r, "local", local, false, &o.local) < 0) ||
		    (remote && parse_prefix(r, "remote", remote, false, &o.remote) < 0))
			return -1;
		o.has_local = local != NULL;
		o.has_remote = remote != NULL;
		struct buf sh = { 0 };
		buf_printf(&sh, "%s link add %s type vxlan id %lld", o.t.ip, o.name, o.id);
		if (local)
			buf_printf(&sh, " local %s", local);
		if (remote)
			buf_printf(&sh, " remote %s", remote);
		buf_printf(&sh, " dstport %lld", o.port);
		if (o.dev)
			buf_printf(&sh, " dev %s", o.dev);
		shell_step(r, "%s", sh.s);
		buf_free(&sh);
	} else {
		shell_step(r, "%s link add %s type %s", o.t.ip, o.name, kind);
	}
	if (host_guard(r, &o.t, o.name) < 0 || (o.peer && host_guard(r, o.has_other ? &o.other : &o.t, o.peer) < 0))
		return -1;
	return net_run(r, &o.t, link_add_in_ns, &o);
}

int op_veth_add(const struct request *q, struct reply *r) { return link_add(q, r, "veth"); }
int op_bridge_add(const struct request *q, struct reply *r) { return link_add(q, r, "bridge"); }
int op_vxlan_add(const struct request *q, struct reply *r) { return link_add(q, r, "vxlan"); }

/* ------------------------------------------------------------ changing links */

static int link_set_in_ns(struct reply *hr, void *ctx)
{
	struct linkop *o = ctx;
	int fd = nl_open(hr);
	if (fd < 0)
		return -1;
	int rc = -1, other_fd = -1, master = 0;
	int index = ifindex_or_fail(hr, fd, o->dev, o->t.where);
	if (index <= 0)
		goto out;
	if (o->master && *o->master && (master = ifindex_or_fail(hr, fd, o->master, o->t.where)) <= 0)
		goto out;
	if (o->has_other && (other_fd = net_open_ns(hr, &o->other)) < 0)
		goto out;
	struct nlmsg m;
	/* RTM_NEWLINK on an existing index (no NLM_F_CREATE) changes that link. */
	begin_link(&m, RTM_NEWLINK, 0, index);
	struct ifinfomsg *ifi = NLMSG_DATA(&m.u.h);
	if (o->up >= 0) {
		/* Up or down is the IFF_UP flag; ifi_change says which flags to touch. */
		ifi->ifi_change = IFF_UP;
		ifi->ifi_flags = o->up ? IFF_UP : 0;
		nl_note(&m, "ifi_flags=%s, ifi_change=IFF_UP", o->up ? "IFF_UP" : "0");
	}
	if (o->newname)
		nl_attr_str(&m, IFLA_IFNAME, "IFLA_IFNAME", o->newname);
	if (o->master)
		nl_attr_u32(&m, IFLA_MASTER, "IFLA_MASTER", (uint32_t)master);
	if (other_fd >= 0)
		nl_attr_u32(&m, IFLA_NET_NS_FD, "IFLA_NET_NS_FD", (uint32_t)other_fd);
	const char *variant = o->has_other ? "move" : o->newname ? "rename" : o->master ? "master" : "link";
	rc = talk(hr, fd, &m, variant, o->dev, r_printf(hr, "change link %s in %s", o->dev, o->t.where));
out:
	if (other_fd >= 0)
		close(other_fd);
	close(fd);
	return rc;
}

static int link_del_in_ns(struct reply *hr, void *ctx)
{
	struct linkop *o = ctx;
	int fd = nl_open(hr);
	if (fd < 0)
		return -1;
	int rc = -1, index = ifindex_or_fail(hr, fd, o->dev, o->t.where);
	if (index > 0) {
		struct nlmsg m;
		/* RTM_DELLINK: the link goes, with its addresses and routes; deleting one
		 * end of a veth deletes the other too. */
		begin_link(&m, RTM_DELLINK, 0, index);
		rc = talk(hr, fd, &m, "link", o->dev, r_printf(hr, "delete link %s in %s", o->dev, o->t.where));
	}
	close(fd);
	return rc;
}

static int link_op_start(const struct request *q, struct reply *r, struct linkop *o)
{
	memset(o, 0, sizeof *o);
	o->up = -1;
	if (net_target(r, q, "", &o->t, NULL) < 0 || arg_ifname(r, q, "dev", true, &o->dev) < 0 || host_guard(r, &o->t, o->dev) < 0)
		return -1;
	return 0;
}

static int link_updown(const struct request *q, struct reply *r, int up)
{
	struct linkop o;
	if (link_op_start(q, r, &o) < 0)
		return -1;
	o.up = up;
	shell_step(r, "%s link set %s %s", o.t.ip, o.dev, up ? "up" : "down");
	return net_run(r, &o.t, link_set_in_ns, &o);
}

int op_link_up(const struct request *q, struct reply *r) { return link_updown(q, r, 1); }

/* The step for a process that is in a network namespace of its own: the OCI
 * runtime's init brings its loopback up itself (as runc's init does), with no
 * helper to fork into the namespace. No host guard: the caller made the namespace. */
int link_up_here(struct reply *r, const char *dev)
{
	struct linkop o = { .dev = dev, .up = 1 };
	o.t.kind = NT_SELF;
	o.t.where = "the container's network namespace";
	shell_step(r, "ip link set %s up", dev);
	return link_set_in_ns(r, &o);
}
int op_link_down(const struct request *q, struct reply *r) { return link_updown(q, r, 0); }

int op_link_move(const struct request *q, struct reply *r)
{
	struct linkop o;
	if (link_op_start(q, r, &o) < 0 || net_target(r, q, "to_", &o.other, &o.has_other) < 0 ||
	    arg_ifname(r, q, "name", false, &o.newname) < 0)
		return -1;
	if (!o.has_other)
		return fail_usage(r, usage_example("link_move"), "link_move needs where to: \"to_ct\", \"to_pid\" or \"to_netns\"");
	/* A link that changes namespace arrives down, without its addresses: they
	 * belonged to the namespace it left. */
	shell_step(r, "%s link set %s netns %s%s%s", o.t.ip, o.dev, o.other.as_dest, o.newname ? " name " : "",
		   o.newname ? o.newname : "");
	return net_run(r, &o.t, link_set_in_ns, &o);
}

int op_link_rename(const struct request *q, struct reply *r)
{
	struct linkop o;
	if (link_op_start(q, r, &o) < 0 || arg_ifname(r, q, "name", true, &o.newname) < 0 || host_guard(r, &o.t, o.newname) < 0)
		return -1;
	shell_step(r, "%s link set %s name %s", o.t.ip, o.dev, o.newname);
	return net_run(r, &o.t, link_set_in_ns, &o);
}

int op_link_master(const struct request *q, struct reply *r)
{
	struct linkop o;
	if (link_op_start(q, r, &o) < 0)
		return -1;
	if (!arg_present(q, "master"))
		return fail_usage(r, usage_example("link_master"), "missing argument \"master\" (a bridge, or \"\" to leave it)");
	if (arg_str(r, q, "master", true, &o.master) < 0 ||
	    (*o.master && (arg_ifname(r, q, "master", true, &o.master) < 0 || host_guard(r, &o.t, o.master) < 0)))
		return -1;
	/* Enslaving a link to a bridge makes it a port of the bridge: frames that come
	 * in on it are switched to the other ports. */
	if (*o.master)
		shell_step(r, "%s link set %s master %s", o.t.ip, o.dev, o.master);
	else
		shell_step(r, "%s link set %s nomaster", o.t.ip, o.dev);
	return net_run(r, &o.t, link_set_in_ns, &o);
}

int op_link_del(const struct request *q, struct reply *r)
{
	struct linkop o;
	if (link_op_start(q, r, &o) < 0)
		return -1;
	shell_step(r, "%s link del %s", o.t.ip, o.dev);
	return net_run(r, &o.t, link_del_in_ns, &o);
}

/* ------------------------------------------------------------ addresses */

struct addrop {
	struct netns_target t;
	const char *dev;
	struct prefix p;
	/* filled by the dump: who has the address already */
	char holder[IFNAMSIZ];
	int holder_index;
};

static void find_address(struct nlmsghdr *h, void *ctx)
{
	struct addrop *o = ctx;
	struct ifaddrmsg *ifa = NLMSG_DATA(h);
	if (h->nlmsg_type != RTM_NEWADDR || ifa->ifa_family != o->p.family || o->holder_index)
		return;
	int left = (int)IFA_PAYLOAD(h);
	for (struct rtattr *a = IFA_RTA(ifa); RTA_OK(a, left); a = RTA_NEXT(a, left)) {
		if ((a->rta_type == IFA_LOCAL || a->rta_type == IFA_ADDRESS) &&
		    memcmp(RTA_DATA(a), o->p.addr, o->p.family == AF_INET ? 4 : 16) == 0) {
			o->holder_index = (int)ifa->ifa_index;
			return;
		}
	}
}

/* The name of a link by index (what if_indextoname(3) does), logged. */
static void holder_name(struct reply *hr, int fd, int index, char name[IFNAMSIZ])
{
	struct ifreq ifr;
	memset(&ifr, 0, sizeof ifr);
	ifr.ifr_ifindex = index;
	int rc = ioctl(fd, SIOCGIFNAME, &ifr);
	log_call(hr, rc, "ioctl(%d, SIOCGIFNAME, {ifr_ifindex=%d, ifr_name=%s})", fd, index, q_str(hr, rc == 0 ? ifr.ifr_name : ""));
	snprintf(name, IFNAMSIZ, "%s", rc == 0 ? ifr.ifr_name : "?");
}

static int addr_add_in_ns(struct reply *hr, void *ctx)
{
	struct addrop *o = ctx;
	int fd = nl_open(hr);
	if (fd < 0)
		return -1;
	int rc = -1, index = ifindex_or_fail(hr, fd, o->dev, o->t.where);
	if (index <= 0)
		goto out;
	/* Is the address on any link of this namespace already? The kernel would
	 * accept it on a second link, and two links answering for one address is a
	 * mistake that shows much later; say so now (ip -o addr | grep ADDR). */
	struct ifaddrmsg dump = { .ifa_family = (unsigned char)o->p.family };
	struct nlmsg m;
	nl_begin(&m, RTM_GETADDR, NLM_F_REQUEST, &dump, sizeof dump);
	nl_note(&m, "{ifa_family=%s}", o->p.family == AF_INET ? "AF_INET" : "AF_INET6");
	int d = nl_dump(hr, fd, &m, find_address, o);
	nl_free(&m);
	if (d < 0) {
		fail_sys(hr, errno, NULL, NULL, "list the addresses in %s", o->t.where);
		goto out;
	}
	if (o->holder_index) {
		holder_name(hr, fd, o->holder_index, o->holder);
		fail_state(hr, state_hint("addr_used"), "address %s is already on link %s in %s", o->p.text, o->holder, o->t.where);
		goto out;
	}
	/* RTM_NEWADDR: put the address on the link. The kernel also adds the route to
	 * the link's subnet (proto kernel scope link), which is how the neighbours on
	 * that subnet become reachable. */
	struct ifaddrmsg ifa = { .ifa_family = (unsigned char)o->p.family, .ifa_prefixlen = (unsigned char)o->p.len,
				 .ifa_index = (unsigned)index };
	nl_begin(&m, RTM_NEWADDR, NLM_F_REQUEST | NLM_F_CREATE | NLM_F_EXCL, &ifa, sizeof ifa);
	nl_note(&m, "{ifa_family=%s, ifa_prefixlen=%d, ifa_index=%d}", o->p.family == AF_INET ? "AF_INET" : "AF_INET6", o->p.len,
		index);
	char shown[INET6_ADDRSTRLEN];
	inet_ntop(o->p.family, o->p.addr, shown, sizeof shown);
	nl_attr_addr(&m, IFA_LOCAL, "IFA_LOCAL", o->p.family, o->p.addr, shown);
	nl_attr_addr(&m, IFA_ADDRESS, "IFA_ADDRESS", o->p.family, o->p.addr, shown);
	rc = talk(hr, fd, &m, "addr", o->p.text, r_printf(hr, "add %s to %s in %s", o->p.text, o->dev, o->t.where));
out:
	close(fd);
	return rc;
}

int op_addr_add(const struct request *q, struct reply *r)
{
	struct addrop o;
	memset(&o, 0, sizeof o);
	const char *addr = NULL;
	if (net_target(r, q, "", &o.t, NULL) < 0 || arg_ifname(r, q, "dev", true, &o.dev) < 0 ||
	    arg_str(r, q, "addr", true, &addr) < 0 || parse_prefix(r, "addr", addr, true, &o.p) < 0 || host_guard(r, &o.t, o.dev) < 0)
		return -1;
	shell_step(r, "%s addr add %s dev %s", o.t.ip, addr, o.dev);
	return net_run(r, &o.t, addr_add_in_ns, &o);
}

/* ------------------------------------------------------------ routes */

struct routeop {
	struct netns_target t;
	struct prefix dst, via;
	bool has_via;
	const char *dev;
};

static int route_add_in_ns(struct reply *hr, void *ctx)
{
	struct routeop *o = ctx;
	int fd = nl_open(hr);
	if (fd < 0)
		return -1;
	int rc = -1, index = 0;
	if (o->dev && (index = ifindex_or_fail(hr, fd, o->dev, o->t.where)) <= 0)
		goto out;
	/* RTM_NEWROUTE into the main table. A route through a gateway has universe
	 * scope; one straight onto a link (no via) has link scope. */
	struct rtmsg rt = { .rtm_family = (unsigned char)o->dst.family, .rtm_dst_len = (unsigned char)o->dst.len,
			    .rtm_table = RT_TABLE_MAIN, .rtm_protocol = RTPROT_BOOT,
			    .rtm_scope = o->has_via ? RT_SCOPE_UNIVERSE : RT_SCOPE_LINK, .rtm_type = RTN_UNICAST };
	struct nlmsg m;
	nl_begin(&m, RTM_NEWROUTE, NLM_F_REQUEST | NLM_F_CREATE | NLM_F_EXCL, &rt, sizeof rt);
	nl_note(&m, "{rtm_family=%s, rtm_dst_len=%d, rtm_table=RT_TABLE_MAIN, rtm_protocol=RTPROT_BOOT, rtm_scope=%s, rtm_type=RTN_UNICAST}",
		o->dst.family == AF_INET ? "AF_INET" : "AF_INET6", o->dst.len, o->has_via ? "RT_SCOPE_UNIVERSE" : "RT_SCOPE_LINK");
	char shown[INET6_ADDRSTRLEN];
	if (o->dst.len) {
		inet_ntop(o->dst.family, o->dst.addr, shown, sizeof shown);
		nl_attr_addr(&m, RTA_DST, "RTA_DST", o->dst.family, o->dst.addr, shown);
	}
	if (o->has_via) {
		inet_ntop(o->via.family, o->via.addr, shown, sizeof shown);
		nl_attr_addr(&m, RTA_GATEWAY, "RTA_GATEWAY", o->via.family, o->via.addr, shown);
	}
	if (index)
		nl_attr_u32(&m, RTA_OIF, "RTA_OIF", (uint32_t)index);
	rc = talk(hr, fd, &m, "route", o->has_via ? o->via.text : o->dst.text,
		  r_printf(hr, "add route %s in %s", o->dst.text, o->t.where));
out:
	close(fd);
	return rc;
}

int op_route_add(const struct request *q, struct reply *r)
{
	struct routeop o;
	memset(&o, 0, sizeof o);
	const char *dst = NULL, *via = NULL;
	if (net_target(r, q, "", &o.t, NULL) < 0 || arg_str(r, q, "dst", true, &dst) < 0 ||
	    arg_str(r, q, "via", false, &via) < 0 || arg_ifname(r, q, "dev", false, &o.dev) < 0)
		return -1;
	if (!via && !o.dev)
		return fail_usage(r, usage_example("route_add"), "a route needs \"via\" (a gateway), \"dev\" (a link), or both");
	if (net_target_is_own(&o.t))
		return fail_state(r, state_hint("host_route"), "%s is the host's: the core adds no routes there", o.t.where);
	if (via && parse_prefix(r, "via", via, false, &o.via) < 0)
		return -1;
	o.has_via = via != NULL;
	if (strcmp(dst, "default") == 0) {
		o.dst.family = via ? o.via.family : AF_INET;
		o.dst.len = 0;
		o.dst.text = "default";
	} else if (parse_prefix(r, "dst", dst, true, &o.dst) < 0) {
		return -1;
	}
	if (via && o.via.family != o.dst.family)
		return fail_usage(r, usage_example("route_add"), "dst %s and via %s are not the same address family", dst, via);
	shell_step(r, "%s route add %s%s%s%s%s", o.t.ip, dst, via ? " via " : "", via ? via : "", o.dev ? " dev " : "",
		   o.dev ? o.dev : "");
	return net_run(r, &o.t, route_add_in_ns, &o);
}

/* ------------------------------------------------------------ sysctls */

struct sysctlop {
	struct netns_target t;
	const char *key, *value, *path;
};

static int read_small(struct reply *r, const char *path, char *out, size_t len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (log_call(r, fd, "openat(AT_FDCWD, %s, O_RDONLY|O_CLOEXEC)", q_str(r, path)) < 0)
		return -1;
	ssize_t n = read(fd, out, len - 1);
	int e = errno;
	log_call(r, n, "read(%d, %s, %zu)", fd, n > 0 ? q_str(r, r_printf(r, "%.*s", (int)n, out)) : "\"\"", len - 1);
	close(fd);
	if (n < 0) {
		errno = e;
		return -1;
	}
	out[n] = 0;
	out[strcspn(out, "\n")] = 0;
	return 0;
}

static int sysctl_in_ns(struct reply *hr, void *ctx)
{
	struct sysctlop *o = ctx;
	/* /proc/sys/net/ shows the network namespace of the process that opens the
	 * file: after setns, this helper reads and writes the target's values. */
	char old[256];
	if (read_small(hr, o->path, old, sizeof old) < 0)
		return fail_sys(hr, errno, "sysctl", o->key, "read %s", o->path);
	int fd = open(o->path, O_WRONLY | O_CLOEXEC);
	if (log_call(hr, fd, "openat(AT_FDCWD, %s, O_WRONLY|O_CLOEXEC)", q_str(hr, o->path)) < 0)
		return fail_sys(hr, errno, "sysctl", o->key, "open %s", o->path);
	ssize_t n = write(fd, o->value, strlen(o->value));
	int e = errno;
	log_call(hr, n, "write(%d, %s, %zu)", fd, q_str(hr, o->value), strlen(o->value));
	close(fd);
	if (n < 0)
		return fail_sys(hr, e, "sysctl", o->key, "write %s to %s", o->value, o->path);
	json_member_str(&hr->result, "key", o->key);
	json_member_str(&hr->result, "old", old);
	json_member_str(&hr->result, "value", o->value);
	return 0;
}

int op_sysctl(const struct request *q, struct reply *r)
{
	struct sysctlop o;
	memset(&o, 0, sizeof o);
	if (net_target(r, q, "", &o.t, NULL) < 0 || arg_str(r, q, "key", true, &o.key) < 0 ||
	    arg_str(r, q, "value", true, &o.value) < 0)
		return -1;
	/* Only net.ipv4.* and net.ipv6.* are sure to be per network namespace; the rest
	 * (kernel.*, vm.*, many net.core.*) would change the whole machine. */
	size_t kl = strlen(o.key);
	if ((strncmp(o.key, "net.ipv4.", 9) != 0 && strncmp(o.key, "net.ipv6.", 9) != 0) || kl > 200 ||
	    strspn(o.key, "abcdefghijklmnopqrstuvwxyz0123456789._-") != kl || strstr(o.key, ".."))
		return fail_usage(r, state_hint("sysctl_key"), "key: \"%s\" is not a per-namespace network sysctl", o.key);
	if (!*o.value || strlen(o.value) > 64 || strpbrk(o.value, "\n"))
		return fail_usage(r, usage_example("sysctl"), "value: give the value as a short string, such as \"1\"");
	if (net_target_is_own(&o.t)) {
		bool allowed = false;
		for (size_t i = 0; i < sizeof host_sysctls / sizeof host_sysctls[0]; i++)
			allowed |= strcmp(o.key, host_sysctls[i]) == 0;
		if (!allowed)
			return fail_state(r, state_hint("host_sysctl"), "%s is the host's: the core does not change %s there",
					  o.t.where, o.key);
	}
	char *path = xstrdup(r_printf(r, "/proc/sys/%s", o.key));
	for (char *p = path + 10; *p; p++)
		if (*p == '.')
			*p = '/';
	o.path = r_printf(r, "%s", path);
	free(path);
	shell_step(r, "%ssysctl -w %s=%s", o.t.run, o.key, sh_word(r, o.value));
	return net_run(r, &o.t, sysctl_in_ns, &o);
}
