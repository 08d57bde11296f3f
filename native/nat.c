/* nat.c - address translation: masquerade (containers reach out with the host's
 * address) and DNAT (a port of the host leads to a port of a container), the two
 * rules behind Docker's bridge network and its published ports.
 *
 * Netfilter is programmed with nftables (`nft`) where the machine has it, else with
 * iptables: the core runs the tool, in the target's network namespace, and the reply
 * shows the command. The rules of one user live in a table of their own (nft), or in
 * three chains of their own that the built-in chains jump to (iptables), so taking
 * them all away again is one step and touches nothing else.
 *
 *   nft:      table ip NAME { chain prerouting, output (dnat); chain postrouting (snat) }
 *   iptables: -t nat chains NAME-PRE, NAME-OUT, NAME-POST, jumped to from PREROUTING,
 *             OUTPUT and POSTROUTING
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "boxcore.h"
#include "errors.h"
#include "net.h"

#define TOOL_OUTPUT_CAP (256 * 1024)
#define MAX_CMDS 12

enum tool { NFT, IPTABLES };

struct natop {
	struct netns_target t;
	enum tool tool;
	char nft[PATH_MAX], iptables[PATH_MAX], iptables_save[PATH_MAX];
	const char *table;
	/* the commands to run, in order: argv arrays */
	char *cmds[MAX_CMDS][24];
	int ncmds;
	int nchains; /* iptables: the first commands, which make T's chains */
	/* nat_dnat: refuse a port that is already published */
	long long port;
	const char *proto;
};

static const char *const tool_dirs[] = { "/usr/sbin", "/sbin", "/usr/bin", "/bin", "/usr/local/sbin" };

static bool find_tool(const char *name, char *out, size_t len)
{
	for (size_t i = 0; i < sizeof tool_dirs / sizeof tool_dirs[0]; i++) {
		snprintf(out, len, "%s/%s", tool_dirs[i], name);
		if (access(out, X_OK) == 0)
			return true;
	}
	return false;
}

/* Run a tool and collect what it prints (stdout and stderr together). Returns its
 * exit status (0 = success), or -1 when it could not be run. */
static int run_tool(struct reply *r, const char *path, char *const argv[], struct buf *out)
{
	/* One pipe for what the tool prints, one for a failed execve's report. */
	int pipes[2][2];
	if (pipes_open(pipes, 2) < 0)
		return fail_sys(r, errno, NULL, NULL, "pipe for %s", argv[0]);
	int *pipefd = pipes[0], *ex = pipes[1];
	/* fork(2) a child to become the tool: PR_SET_PDEATHSIG ties its life to ours,
	 * stdin is /dev/null, stdout and stderr both go into the pipe we read. */
	pid_t pid = fork();
	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		dup2(g_cfg.null_fd, 0);
		dup2(pipefd[1], 1);
		dup2(pipefd[1], 2);
		/* execve: become the tool, in the namespace this helper joined - nft's
		 * own netlink socket then talks to that namespace's netfilter. */
		execve(path, argv, default_env());
		exec_report_and_exit(ex[1], 'e', errno);
	}
	int e = errno;
	log_call(r, pid, "fork()");
	close(pipefd[1]);
	close(ex[1]);
	if (pid < 0) {
		close(pipefd[0]), close(ex[0]);
		return fail_sys(r, e, NULL, NULL, "fork for %s", argv[0]);
	}
	char b[4096];
	ssize_t n;
	while ((n = read(pipefd[0], b, sizeof b)) > 0 || (n < 0 && errno == EINTR))
		if (n > 0 && out->len < TOOL_OUTPUT_CAP)
			buf_put(out, b, (size_t)n);
	close(pipefd[0]);
	struct exec_failure f = { 0, 0 };
	bool failed = exec_report_read(ex[0], &f);
	close(ex[0]);
	log_exec_outcome(r, failed, &f, NULL, path, argv, default_env());
	int status = 0;
	/* The tool's exit status says whether the rules went in. */
	pid_t w = waitpid(pid, &status, 0);
	log_call(r, w, "wait4(%d, %s, 0, NULL)", (int)pid, q_wstatus(r, status));
	if (failed)
		return fail_sys(r, f.err, exec_variant(f.err, path), path, "run %s", path);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* ------------------------------------------------------------ commands */

static void cmd(struct reply *r, struct natop *o, const char *first, ...)
{
	va_list ap;
	char **argv = o->cmds[o->ncmds++];
	int n = 0;
	argv[n++] = (char *)first;
	va_start(ap, first);
	const char *a;
	while ((a = va_arg(ap, const char *)) != NULL && n < 23)
		argv[n++] = (char *)r_printf(r, "%s", a);
	va_end(ap);
	argv[n] = NULL;
}

/* iptables: the chains of table T, and the jumps to them. */
static const char *chain(struct reply *r, const struct natop *o, const char *suffix)
{
	return r_printf(r, "%s-%s", o->table, suffix);
}

/* The commands that make T and its chains. nft: `add` leaves what exists alone, so
 * they go in front of every change; iptables: they run only when T is missing (see
 * nat_rules_in_ns), and o->nchains says how many there are. */
static void ensure_commands(struct reply *r, struct natop *o, struct buf *nft_script)
{
	if (o->tool == NFT) {
		/* Priority -100 is "dstnat"; nft before 1.0.7 accepts that name for the
		 * prerouting hook only. */
		buf_printf(nft_script,
			   "add table ip %s; "
			   "add chain ip %s prerouting { type nat hook prerouting priority dstnat; }; "
			   "add chain ip %s output { type nat hook output priority -100; }; "
			   "add chain ip %s postrouting { type nat hook postrouting priority srcnat; }",
			   o->table, o->table, o->table, o->table);
		return;
	}
	cmd(r, o, "iptables", "-t", "nat", "-N", chain(r, o, "PRE"), NULL);
	cmd(r, o, "iptables", "-t", "nat", "-N", chain(r, o, "OUT"), NULL);
	cmd(r, o, "iptables", "-t", "nat", "-N", chain(r, o, "POST"), NULL);
	/* Like Docker: only packets for the host's own addresses are considered. */
	cmd(r, o, "iptables", "-t", "nat", "-A", "PREROUTING", "-m", "addrtype", "--dst-type", "LOCAL", "-j", chain(r, o, "PRE"), NULL);
	cmd(r, o, "iptables", "-t", "nat", "-A", "OUTPUT", "-m", "addrtype", "--dst-type", "LOCAL", "-j", chain(r, o, "OUT"), NULL);
	cmd(r, o, "iptables", "-t", "nat", "-A", "POSTROUTING", "-j", chain(r, o, "POST"), NULL);
	o->nchains = o->ncmds;
}

static void delete_commands(struct reply *r, struct natop *o)
{
	if (o->tool == NFT) {
		cmd(r, o, "nft", r_printf(r, "delete table ip %s", o->table), NULL);
		return;
	}
	cmd(r, o, "iptables", "-t", "nat", "-D", "PREROUTING", "-m", "addrtype", "--dst-type", "LOCAL", "-j", chain(r, o, "PRE"), NULL);
	cmd(r, o, "iptables", "-t", "nat", "-D", "OUTPUT", "-m", "addrtype", "--dst-type", "LOCAL", "-j", chain(r, o, "OUT"), NULL);
	cmd(r, o, "iptables", "-t", "nat", "-D", "POSTROUTING", "-j", chain(r, o, "POST"), NULL);
	for (int i = 0; i < 3; i++) {
		const char *c = chain(r, o, (const char *[]){ "PRE", "OUT", "POST" }[i]);
		cmd(r, o, "iptables", "-t", "nat", "-F", c, NULL);
		cmd(r, o, "iptables", "-t", "nat", "-X", c, NULL);
	}
}

static const char *tool_path(struct natop *o, const char *name)
{
	return strcmp(name, "nft") == 0 ? o->nft : strcmp(name, "iptables-save") == 0 ? o->iptables_save : o->iptables;
}

/* What undoes one iptables command that worked: -A by -D, -N by -X. */
static bool undo_of(char *const argv[], char *out[24])
{
	int i = 0;
	bool found = false;
	for (; argv[i] && i < 23; i++) {
		out[i] = argv[i];
		if (strcmp(argv[i], "-A") == 0)
			out[i] = "-D", found = true;
		else if (strcmp(argv[i], "-N") == 0)
			out[i] = "-X", found = true;
	}
	out[i] = NULL;
	return found;
}

/* Is the table there? nft: list it; iptables: list its POST chain. */
static int table_exists(struct reply *r, struct natop *o)
{
	struct buf out = { 0 };
	char *nft[] = { "nft", "list", "table", "ip", (char *)o->table, NULL };
	char *ipt[] = { "iptables", "-t", "nat", "-S", (char *)chain(r, o, "POST"), NULL };
	int rc = o->tool == NFT ? run_tool(r, o->nft, nft, &out) : run_tool(r, o->iptables, ipt, &out);
	buf_free(&out);
	return rc < 0 ? -1 : rc == 0;
}

/* Refuse a port some table of this namespace already sends somewhere: the first
 * rule would win and the second would silently do nothing. */
static int check_published(struct reply *r, struct natop *o)
{
	struct buf out = { 0 };
	char *nft[] = { "nft", "list", "ruleset", NULL };
	char *ipt[] = { "iptables-save", "-t", "nat", NULL };
	int rc = o->tool == NFT ? run_tool(r, o->nft, nft, &out) : run_tool(r, o->iptables_save, ipt, &out);
	if (rc != 0) {
		buf_free(&out);
		return rc < 0 ? -1 : 0; /* nothing to list */
	}
	buf_put(&out, "", 0);
	const char *needle = o->tool == NFT ? r_printf(r, "%s dport %lld ", o->proto, o->port)
					    : r_printf(r, "--dport %lld ", o->port);
	const char *table = "";
	int result = 0;
	for (char *line = strtok(out.s, "\n"); line; line = strtok(NULL, "\n")) {
		while (*line == ' ' || *line == '\t')
			line++;
		if (strncmp(line, "table ", 6) == 0)
			table = r_printf(r, "%.*s", (int)strcspn(line, "{") - 1, line);
		bool proto_ok = o->tool == NFT || strstr(line, r_printf(r, "-p %s ", o->proto));
		if (strstr(line, needle) && strstr(line, o->tool == NFT ? "dnat" : "DNAT") && proto_ok) {
			result = fail_state(r, state_hint("published"), "port %lld/%s is already published in %s: %s%s%s", o->port,
					    o->proto, o->t.where, line, *table ? " (" : "", *table ? r_printf(r, "%s)", table) : "");
			break;
		}
	}
	buf_free(&out);
	return result;
}

/* Words nft and iptables print when the kernel itself lacks what a rule needs (a
 * table type, a chain type, an expression, a match or target module), rather than
 * when the rule is wrong: then the reply names the modules instead of the tool. */
static bool kernel_lacks(const char *said)
{
	static const char *const signs[] = {
		"Operation not supported",  /* nft: no such expression (masq, fib, nat) */
		"Protocol not supported",   /* nft: no nf_tables at all (no nfnetlink subsystem) */
		"No such file or directory", /* nft: chain type nat unknown, as the table is new */
		"do you need to insmod",    /* iptables: no nat table */
		"missing kernel module",    /* iptables: an extension the kernel lacks */
		"Couldn't load",            /* iptables: a match or target the kernel lacks */
	};
	for (size_t i = 0; i < sizeof signs / sizeof signs[0]; i++)
		if (strstr(said, signs[i]))
			return true;
	return false;
}

/* The shell line: every command that runs, joined. */
static void nat_shell(struct reply *r, struct natop *o)
{
	for (int i = 0; i < o->ncmds; i++)
		shell_step(r, "%s%s", o->t.run, argv_shell(r, o->cmds[i]));
}

static int nat_in_ns(struct reply *hr, void *ctx)
{
	struct natop *o = ctx;
	nat_shell(hr, o);
	if (o->port && check_published(hr, o) < 0)
		return -1;
	for (int i = 0; i < o->ncmds; i++) {
		struct buf out = { 0 };
		int rc = run_tool(hr, tool_path(o, o->cmds[i][0]), o->cmds[i], &out);
		if (rc != 0) {
			if (rc > 0) {
				buf_put(&out, "", 0);
				const char *hint = state_hint(kernel_lacks(out.s) ? "nat_kernel" : "nat_tool");
				out.s[strcspn(out.s, "\n")] = 0;
				fail_state(hr, hint, "%s exited with status %d: %s", o->cmds[i][0], rc, out.s);
			}
			buf_free(&out);
			/* Undo the iptables commands that worked (one nft run is one
			 * transaction: it did all or nothing). */
			for (int k = i - 1; k >= 0 && o->tool == IPTABLES; k--) {
				char *undo[24];
				struct buf ignored = { 0 };
				if (undo_of(o->cmds[k], undo))
					run_tool(hr, o->iptables, undo, &ignored);
				buf_free(&ignored);
			}
			return -1;
		}
		buf_free(&out);
	}
	json_member_str(&hr->result, "tool", o->tool == NFT ? "nft" : "iptables");
	json_member_str(&hr->result, "table", o->table);
	return 0;
}

/* Common start: target, table name, tool. */
static int nat_start(const struct request *q, struct reply *r, struct natop *o)
{
	memset(o, 0, sizeof *o);
	const char *tool = NULL;
	if (net_target(r, q, "", &o->t, NULL) < 0 || arg_str(r, q, "table", true, &o->table) < 0 ||
	    arg_str(r, q, "tool", false, &tool) < 0)
		return -1;
	size_t l = strlen(o->table);
	if (strncmp(o->table, NETNS_PREFIX, 3) != 0 || l > 23 ||
	    strspn(o->table, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_") != l)
		return fail_usage(r, state_hint("nat_table"), "table: \"%s\" is not a lab table name", o->table);
	if (tool && strcmp(tool, "nft") != 0 && strcmp(tool, "iptables") != 0)
		return fail_usage(r, "accepted: nft iptables", "tool: \"%s\" is not nft or iptables", tool);
	bool have_nft = find_tool("nft", o->nft, sizeof o->nft);
	bool have_ipt = find_tool("iptables", o->iptables, sizeof o->iptables) &&
			find_tool("iptables-save", o->iptables_save, sizeof o->iptables_save);
	if (tool ? (strcmp(tool, "nft") == 0 ? !have_nft : !have_ipt) : (!have_nft && !have_ipt))
		return fail_state(r, state_hint("no_nat_tool"), "%s is not installed", tool ? tool : "neither nft nor iptables");
	o->tool = tool ? (strcmp(tool, "nft") == 0 ? NFT : IPTABLES) : (have_nft ? NFT : IPTABLES);
	return 0;
}


static int nat_rules_in_ns(struct reply *hr, void *ctx)
{
	struct natop *o = ctx;
	if (o->tool == IPTABLES) {
		int exists = table_exists(hr, o);
		if (exists < 0)
			return -1;
		if (exists) {
			/* The chains are there already: skip the commands that make them. */
			memmove(o->cmds, o->cmds + o->nchains, sizeof o->cmds[0] * (size_t)(o->ncmds - o->nchains));
			o->ncmds -= o->nchains;
		}
	}
	return nat_in_ns(hr, o);
}

/* nft: one run, one transaction - table, chains and rules, or nothing. */
static void nft_command(struct reply *r, struct natop *o, const char *rules)
{
	struct buf script = { 0 };
	ensure_commands(r, o, &script);
	buf_printf(&script, "; %s", rules);
	cmd(r, o, "nft", script.s, NULL);
	buf_free(&script);
}

static int nat_add(struct reply *r, struct natop *o)
{
	return net_run(r, &o->t, nat_rules_in_ns, o);
}

int op_nat_masquerade(const struct request *q, struct reply *r)
{
	struct natop o;
	const char *source = NULL, *out_not = NULL;
	if (nat_start(q, r, &o) < 0 || arg_str(r, q, "source", true, &source) < 0 ||
	    arg_str(r, q, "exclude_dev", false, &out_not) < 0)
		return -1;
	if (strspn(source, "0123456789./") != strlen(source) || !strchr(source, '/'))
		return fail_usage(r, usage_example("nat_masquerade"), "source: \"%s\" is not an IPv4 subnet (10.88.0.0/24)", source);
	if (out_not && (strlen(out_not) >= 16 || strpbrk(out_not, "\"'/ ")))
		return fail_usage(r, usage_example("nat_masquerade"), "exclude_dev: \"%s\" is not a link name", out_not);
	/* Masquerade: a packet from SOURCE leaving by any link but the bridge gets the
	 * address of the link it leaves by as its source, and the answers are
	 * translated back (conntrack remembers). That is how containers on a private
	 * subnet reach the world. */
	if (o.tool == NFT) {
		nft_command(r, &o, r_printf(r, "add rule ip %s postrouting ip saddr %s%s%s%s masquerade", o.table, source,
					    out_not ? " oifname != \"" : "", out_not ? out_not : "", out_not ? "\"" : ""));
	} else {
		ensure_commands(r, &o, NULL);
		if (out_not)
			cmd(r, &o, "iptables", "-t", "nat", "-A", chain(r, &o, "POST"), "-s", source, "!", "-o", out_not, "-j", "MASQUERADE", NULL);
		else
			cmd(r, &o, "iptables", "-t", "nat", "-A", chain(r, &o, "POST"), "-s", source, "-j", "MASQUERADE", NULL);
	}
	return nat_add(r, &o);
}

int op_nat_dnat(const struct request *q, struct reply *r)
{
	struct natop o;
	const char *to = NULL, *proto = "tcp";
	bool localhost = false;
	if (nat_start(q, r, &o) < 0 || arg_int(r, q, "port", true, &o.port) < 0 || arg_str(r, q, "to", true, &to) < 0 ||
	    arg_str(r, q, "proto", false, &proto) < 0 || arg_bool(r, q, "localhost", &localhost) < 0)
		return -1;
	if (o.port < 1 || o.port > 65535)
		return fail_usage(r, usage_example("nat_dnat"), "port: %lld is not a port (1-65535)", o.port);
	if (strcmp(proto, "tcp") != 0 && strcmp(proto, "udp") != 0)
		return fail_usage(r, "accepted: tcp udp", "proto: \"%s\" is not tcp or udp", proto);
	const char *colon = strrchr(to, ':');
	if (!colon || strspn(to, "0123456789.:") != strlen(to) || !colon[1] || atoi(colon + 1) < 1 || atoi(colon + 1) > 65535)
		return fail_usage(r, usage_example("nat_dnat"), "to: \"%s\" is not IPv4-ADDRESS:PORT (10.88.0.2:80)", to);
	const char *ip = r_printf(r, "%.*s", (int)(colon - to), to);
	const char *port = r_printf(r, "%lld", o.port);
	o.proto = proto;
	/* DNAT: a packet for PORT on one of this namespace's own addresses gets TO as
	 * its destination before routing, so it is routed on to the container.
	 * prerouting sees packets that come from outside; output, those this namespace
	 * sends itself. 127.0.0.1 is left out unless asked: a packet from 127.0.0.1 may
	 * only leave by a link with route_localnet=1, and its source must be
	 * masqueraded so the answer can come back. */
	if (o.tool == NFT) {
		struct buf rules = { 0 };
		buf_printf(&rules, "add rule ip %s prerouting fib daddr type local %s dport %s dnat to %s; ", o.table, proto, port, to);
		buf_printf(&rules, "add rule ip %s output %sfib daddr type local %s dport %s dnat to %s", o.table,
			   localhost ? "" : "ip daddr != 127.0.0.0/8 ", proto, port, to);
		if (localhost)
			buf_printf(&rules, "; add rule ip %s postrouting ip saddr 127.0.0.0/8 ip daddr %s masquerade", o.table, ip);
		nft_command(r, &o, rules.s);
		buf_free(&rules);
	} else {
		ensure_commands(r, &o, NULL);
		cmd(r, &o, "iptables", "-t", "nat", "-A", chain(r, &o, "PRE"), "-p", proto, "--dport", port, "-j", "DNAT",
		    "--to-destination", to, NULL);
		if (localhost) {
			cmd(r, &o, "iptables", "-t", "nat", "-A", chain(r, &o, "OUT"), "-p", proto, "--dport", port, "-j", "DNAT",
			    "--to-destination", to, NULL);
			cmd(r, &o, "iptables", "-t", "nat", "-A", chain(r, &o, "POST"), "-s", "127.0.0.0/8", "-d", ip, "-j",
			    "MASQUERADE", NULL);
		} else {
			cmd(r, &o, "iptables", "-t", "nat", "-A", chain(r, &o, "OUT"), "!", "-d", "127.0.0.0/8", "-p", proto,
			    "--dport", port, "-j", "DNAT", "--to-destination", to, NULL);
		}
	}
	return nat_add(r, &o);
}

static int nat_del_in_ns(struct reply *hr, void *ctx)
{
	struct natop *o = ctx;
	int exists = table_exists(hr, o);
	if (exists < 0)
		return -1;
	if (!exists)
		return fail_state(hr, state_hint("no_nat_table"), "there is no NAT table %s in %s", o->table, o->t.where);
	return nat_in_ns(hr, o);
}

int op_nat_del(const struct request *q, struct reply *r)
{
	struct natop o;
	if (nat_start(q, r, &o) < 0)
		return -1;
	delete_commands(r, &o);
	return net_run(r, &o.t, nat_del_in_ns, &o);
}
