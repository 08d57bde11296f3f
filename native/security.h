/* security.h - what a process may do once it runs: capabilities and no_new_privs
 * (caps.c), a seccomp filter of system calls (seccomp.c), and the AppArmor profile
 * of the next exec (lsm.c). The serve ops caps,
 * no_new_privs and seccomp (done by the puppet) and the OCI runtime both use them.
 */
#ifndef BOXCORE_SECURITY_H
#define BOXCORE_SECURITY_H

#include <stdbool.h>
#include <stdint.h>

#include "protocol.h"

/* ---- caps.c ---- */

/* The five capability sets of a process, one bit per capability (bit N = cap N). */
struct capsets {
	uint64_t bounding, effective, permitted, inheritable, ambient;
};

int cap_number(const char *name);     /* "CAP_KILL", "kill", "cap_kill" -> 5; -1 unknown */
int cap_last(void);                   /* the highest this kernel knows (/proc/sys/kernel/cap_last_cap) */
const char *caps_text(struct reply *r, uint64_t set); /* "CAP_CHOWN|CAP_KILL" or "0" */

/* The steps, in the order runtimes take them (runc's finalizeNamespace):
 *   caps_drop_bounding -> caps_keep(true) -> ids_switch_user -> caps_keep(false) -> caps_set */
int caps_drop_bounding(struct reply *r, uint64_t keep);
int caps_keep(struct reply *r, bool on);                 /* PR_SET_KEEPCAPS */
int caps_set(struct reply *r, const struct capsets *c); /* capset + ambient */
int set_no_new_privs(struct reply *r);

int op_caps(const struct request *q, struct reply *r);
int op_no_new_privs(const struct request *q, struct reply *r);

/* ---- lsm.c ---- */

/* The AppArmor profile the next execve(2) puts the puppet under ("exec PROFILE" into
 * /proc/self/attr/apparmor/exec, or /proc/self/attr/exec before Linux 5.8). */
int op_apparmor_exec(const struct request *q, struct reply *r);

/* ---- seccomp.c ---- */

enum sc_act { SC_ALLOW, SC_ERRNO, SC_KILL_THREAD, SC_KILL_PROCESS, SC_TRAP, SC_LOG };

/* One condition on an argument: arg[index] OP value (MASKED_EQ: arg & value == value2). */
enum sc_op { SC_EQ, SC_NE, SC_LT, SC_LE, SC_GT, SC_GE, SC_MASKED_EQ };
struct sc_arg {
	unsigned index;
	enum sc_op op;
	uint64_t value, value2;
};

struct sc_rule {
	int nr;             /* system call number */
	enum sc_act act;
	int err;            /* SC_ERRNO */
	struct sc_arg args[6];
	unsigned nargs;     /* all must hold */
};

struct seccomp_spec {
	enum sc_act def;
	int def_err;
	struct sc_rule *rules;
	size_t n;
	unsigned flags;     /* SECCOMP_FILTER_FLAG_* */
};

int syscall_number(const char *name);   /* from the kernel headers, at build time */
int syscall_count(void);                /* how many the table has */
int seccomp_load(struct reply *r, const struct seccomp_spec *s);
void seccomp_spec_free(struct seccomp_spec *s);

int op_seccomp(const struct request *q, struct reply *r);

#endif
