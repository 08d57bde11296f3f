/* caps.c - capabilities and no_new_privs: what root inside a container may still do.
 *
 * The kernel splits root's power into ~40 capabilities (CAP_SYS_ADMIN, CAP_NET_ADMIN,
 * CAP_KILL, ...), and a process carries five sets of them (grep Cap /proc/self/status):
 *   bounding     the most it can ever get back, even by exec'ing a setuid program
 *   permitted    what it has; effective: what the kernel checks right now
 *   inheritable  what may pass through exec to programs marked to take it
 *   ambient      what passes through exec to any program (as non-root, too)
 * Runtimes shrink all five to a short list. The order matters: the bounding set needs
 * CAP_SETPCAP to shrink, and a change of uid away from 0 empties permitted and
 * effective unless PR_SET_KEEPCAPS was set first.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <linux/capability.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "boxcore.h"
#include "errors.h"
#include "security.h"

static const char *const names[] = {
	"CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_DAC_READ_SEARCH", "CAP_FOWNER", "CAP_FSETID", "CAP_KILL",
	"CAP_SETGID", "CAP_SETUID", "CAP_SETPCAP", "CAP_LINUX_IMMUTABLE", "CAP_NET_BIND_SERVICE",
	"CAP_NET_BROADCAST", "CAP_NET_ADMIN", "CAP_NET_RAW", "CAP_IPC_LOCK", "CAP_IPC_OWNER",
	"CAP_SYS_MODULE", "CAP_SYS_RAWIO", "CAP_SYS_CHROOT", "CAP_SYS_PTRACE", "CAP_SYS_PACCT",
	"CAP_SYS_ADMIN", "CAP_SYS_BOOT", "CAP_SYS_NICE", "CAP_SYS_RESOURCE", "CAP_SYS_TIME",
	"CAP_SYS_TTY_CONFIG", "CAP_MKNOD", "CAP_LEASE", "CAP_AUDIT_WRITE", "CAP_AUDIT_CONTROL",
	"CAP_SETFCAP", "CAP_MAC_OVERRIDE", "CAP_MAC_ADMIN", "CAP_SYSLOG", "CAP_WAKE_ALARM",
	"CAP_BLOCK_SUSPEND", "CAP_AUDIT_READ", "CAP_PERFMON", "CAP_BPF", "CAP_CHECKPOINT_RESTORE",
};
#define NAMES (int)(sizeof names / sizeof names[0])

int cap_number(const char *name)
{
	if (strncasecmp(name, "CAP_", 4) == 0)
		name += 4;
	for (int i = 0; i < NAMES; i++)
		if (strcasecmp(names[i] + 4, name) == 0)
			return i;
	return -1;
}

/* 5 -> "CAP_KILL", as capabilities(7) names it; NULL for a number it has no name for. */
static const char *cap_name(int cap)
{
	return cap >= 0 && cap < NAMES ? names[cap] : NULL;
}

int cap_last(void)
{
	static int last = -1;
	if (last < 0) {
		FILE *f = fopen("/proc/sys/kernel/cap_last_cap", "re");
		if (!f || fscanf(f, "%d", &last) != 1 || last < 0 || last > 63)
			last = NAMES - 1;
		if (f)
			fclose(f);
	}
	return last;
}

/* The capabilities in set, joined by sep: CAP_KILL|CAP_CHOWN as strace prints a set,
 * or cap_kill,cap_chown (lower) as capsh takes a list. An unnamed one is its number. */
static const char *caps_join(struct reply *r, uint64_t set, char sep, bool lower, const char *none)
{
	struct buf b = { 0 };
	buf_put(&b, "", 0);
	for (int i = 0; i <= cap_last(); i++) {
		if (!(set & (1ULL << i)))
			continue;
		if (b.len)
			buf_putc(&b, sep);
		if (!cap_name(i))
			buf_printf(&b, "%d", i);
		else
			for (const char *p = cap_name(i); *p; p++)
				buf_putc(&b, lower ? (char)tolower((unsigned char)*p) : *p);
	}
	const char *s = r_printf(r, "%s", b.len ? b.s : none);
	buf_free(&b);
	return s;
}

const char *caps_text(struct reply *r, uint64_t set) { return caps_join(r, set, '|', false, "0"); }

/* "cap_kill,cap_chown" for capsh. */
static const char *capsh_list(struct reply *r, uint64_t set) { return caps_join(r, set, ',', true, ""); }

/* Our own sets: capget(2) for effective, permitted, inheritable; the bounding and
 * ambient sets one capability at a time through prctl(2). */
static int caps_read(struct reply *r, struct capsets *c)
{
	struct __user_cap_header_struct hdr = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct d[2];
	memset(c, 0, sizeof *c);
	memset(d, 0, sizeof d);
	/* capget reads the permitted, effective and inheritable sets (pid 0: this one). */
	if (log_call(r, syscall(SYS_capget, &hdr, d), "capget({_LINUX_CAPABILITY_VERSION_3, 0}, {...})") < 0)
		return fail_sys(r, errno, NULL, NULL, "capget");
	c->effective = d[0].effective | (uint64_t)d[1].effective << 32;
	c->permitted = d[0].permitted | (uint64_t)d[1].permitted << 32;
	c->inheritable = d[0].inheritable | (uint64_t)d[1].inheritable << 32;
	/* The bounding and ambient sets are asked one capability at a time. */
	for (int i = 0; i <= cap_last(); i++) {
		if (prctl(PR_CAPBSET_READ, i, 0, 0, 0) == 1)
			c->bounding |= 1ULL << i;
		if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_IS_SET, i, 0, 0) == 1)
			c->ambient |= 1ULL << i;
	}
	return 0;
}

int caps_drop_bounding(struct reply *r, uint64_t keep)
{
	uint64_t drop = 0;
	for (int i = 0; i <= cap_last(); i++)
		/* prctl(PR_CAPBSET_READ) asks whether one capability is still in the bounding set:
		 * only those still there need dropping. */
		if (!(keep & (1ULL << i)) && prctl(PR_CAPBSET_READ, i, 0, 0, 0) == 1)
			drop |= 1ULL << i;
	if (!drop)
		return 0;
	shell_step(r, "capsh --drop=%s --", capsh_list(r, drop));
	for (int i = 0; i <= cap_last(); i++) {
		if (!(drop & (1ULL << i)))
			continue;
		/* PR_CAPBSET_DROP takes one capability out of the bounding set, for good:
		 * nothing (not even a setuid-root program) brings it back. Needs CAP_SETPCAP. */
		if (log_call(r, prctl(PR_CAPBSET_DROP, i, 0, 0, 0), "prctl(PR_CAPBSET_DROP, %s)", cap_name(i)) < 0)
			return fail_sys(r, errno, "bounding", NULL, "drop %s from the bounding set", cap_name(i));
	}
	return 0;
}

int caps_keep(struct reply *r, bool on)
{
	/* PR_SET_KEEPCAPS: keep the permitted set when setresuid moves all uids away from
	 * 0 (the effective set is still emptied; capset sets it again). It is cleared by
	 * execve, and runc clears it right after the switch. */
	if (log_call(r, prctl(PR_SET_KEEPCAPS, on ? 1 : 0, 0, 0, 0), "prctl(PR_SET_KEEPCAPS, %d)", on ? 1 : 0) < 0)
		return fail_sys(r, errno, NULL, NULL, "prctl(PR_SET_KEEPCAPS)");
	return 0;
}

int caps_set(struct reply *r, const struct capsets *c)
{
	struct __user_cap_header_struct hdr = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct d[2];
	memset(d, 0, sizeof d);
	for (int k = 0; k < 2; k++) {
		d[k].effective = (uint32_t)(c->effective >> (32 * k));
		d[k].permitted = (uint32_t)(c->permitted >> (32 * k));
		d[k].inheritable = (uint32_t)(c->inheritable >> (32 * k));
	}
	struct buf sh = { 0 };
	buf_puts(&sh, "capsh --caps=\"=");
	if (c->effective)
		buf_printf(&sh, " %s+e", capsh_list(r, c->effective));
	if (c->permitted)
		buf_printf(&sh, " %s+p", capsh_list(r, c->permitted));
	if (c->inheritable)
		buf_printf(&sh, " %s+i", capsh_list(r, c->inheritable));
	buf_putc(&sh, '"');
	if (c->ambient)
		buf_printf(&sh, " --addamb=%s", capsh_list(r, c->ambient));
	shell_step(r, "%s --", sh.s);
	buf_free(&sh);

	/* capset sets permitted, effective and inheritable at once. A process may only
	 * lower permitted; effective and inheritable must stay within it (inheritable
	 * within the bounding set too, without CAP_SETPCAP). */
	if (log_call(r, syscall(SYS_capset, &hdr, d), "capset({_LINUX_CAPABILITY_VERSION_3, 0}, {effective=%s, permitted=%s, inheritable=%s})",
		     caps_text(r, c->effective), caps_text(r, c->permitted), caps_text(r, c->inheritable)) < 0)
		return fail_sys(r, errno, "capset", NULL, "capset");

	/* Ambient capabilities survive execve of an ordinary program, even as non-root;
	 * each must be in both permitted and inheritable. */
	if (log_call(r, prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0), "prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0)") < 0)
		return fail_sys(r, errno, NULL, NULL, "clear the ambient set");
	for (int i = 0; i <= cap_last(); i++) {
		if (!(c->ambient & (1ULL << i)))
			continue;
		if (log_call(r, prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, i, 0, 0), "prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, %s)",
			     cap_name(i)) < 0)
			return fail_sys(r, errno, "ambient", cap_name(i), "raise %s in the ambient set", cap_name(i));
	}
	return 0;
}

int set_no_new_privs(struct reply *r)
{
	/* no_new_privs: from now on execve never grants privileges - setuid bits and file
	 * capabilities are ignored - for this process and all it starts. It cannot be
	 * unset. It also lets an unprivileged process install a seccomp filter. */
	shell_step(r, "setpriv --no-new-privs");
	if (log_call(r, prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), "prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)") < 0)
		return fail_sys(r, errno, NULL, NULL, "prctl(PR_SET_NO_NEW_PRIVS)");
	return 0;
}

/* ------------------------------------------------------------ the ops */

static int parse_caps(struct reply *r, const struct request *q, const char *key, uint64_t *set)
{
	char **v = NULL;
	size_t n = 0;
	*set = 0;
	if (arg_strv(r, q, key, false, &v, &n) < 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		int c = cap_number(v[i]);
		if (c < 0 || c > cap_last())
			return fail_usage(r, "capability names as in capabilities(7): CAP_CHOWN CAP_KILL CAP_NET_BIND_SERVICE "
					  "CAP_SYS_ADMIN ... (the CAP_ prefix and the case are optional)",
					  "%s: unknown capability \"%s\"", key, v[i]);
		*set |= 1ULL << c;
	}
	return 0;
}

static void result_set(struct reply *r, const char *key, uint64_t set)
{
	struct strv l = { 0 };
	for (int i = 0; i <= cap_last(); i++)
		if (set & (1ULL << i))
			strv_push_copy(&l, cap_name(i) ? cap_name(i) : r_printf(r, "%d", i));
	json_member_strv(&r->result, key, l.v, l.n);
	strv_free(&l);
}

int op_caps(const struct request *q, struct reply *r)
{
	uint64_t keep = 0, drop = 0, ambient = 0;
	bool has_keep = arg_present(q, "keep"), has_drop = arg_present(q, "drop");
	if (has_keep == has_drop)
		return fail_usage(r, usage_example("caps"), "caps needs one of \"keep\" or \"drop\" (an array of capability names)");
	if (parse_caps(r, q, "keep", &keep) < 0 || parse_caps(r, q, "drop", &drop) < 0 ||
	    parse_caps(r, q, "ambient", &ambient) < 0)
		return -1;
	struct capsets now, want;
	if (caps_read(r, &now) < 0)
		return -1;
	uint64_t mask = has_keep ? keep : ~drop;
	want.bounding = now.bounding & mask;
	want.effective = now.effective & mask;
	want.permitted = now.permitted & mask;
	want.inheritable = (now.inheritable & mask) | (ambient & want.permitted);
	want.ambient = ((now.ambient & mask) | ambient) & want.permitted;
	if (ambient & ~want.permitted)
		return fail_usage(r, "ambient capabilities must be among those kept", "ambient: %s is not kept",
				  caps_text(r, ambient & ~want.permitted));
	if (caps_drop_bounding(r, want.bounding) < 0 || caps_set(r, &want) < 0)
		return -1;
	result_set(r, "effective", want.effective);
	result_set(r, "bounding", want.bounding);
	result_set(r, "ambient", want.ambient);
	return 0;
}

int op_no_new_privs(const struct request *q, struct reply *r)
{
	(void)q;
	return set_no_new_privs(r);
}
