/* security.h - what a process may do once it runs: capabilities and no_new_privs
 * (caps.c), a seccomp filter of system calls (seccomp.c) over the system call tables
 * of each ABI (syscalls.c), and the AppArmor profile of the next exec (lsm.c). The
 * serve ops caps, no_new_privs and seccomp (done by the puppet) and the OCI runtime
 * both use them.
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

/* ---- syscalls.c: the ABIs a process on this machine enters the kernel through ---- */

struct sc_abi {
	const char *name;    /* "x86_64" "i386" "x32" */
	const char *scmp;    /* as seccomp profiles (libseccomp) name it: SCMP_ARCH_X86_64 */
	uint32_t audit_arch; /* seccomp_data.arch: AUDIT_ARCH_X86_64 (x32's too) */
	uint32_t nr_bit;     /* set in every number of the ABI: x32's __X32_SYSCALL_BIT */
	bool wide;           /* 64-bit arguments (libseccomp compares only the low half of the others') */
	bool multiplexed;    /* i386: socketcall and ipc carry the socket and System V IPC calls */
};
/* sc_abi_find's answers: an ABI of this build; one of another kind of machine (its
 * calls never reach this kernel); one this kernel could run but this build has no
 * table for; a name libseccomp does not have. */
enum { SC_ABI_OK, SC_ABI_FOREIGN, SC_ABI_NO_TABLE, SC_ABI_UNKNOWN };
int sc_abi_find(const char *scmp, const struct sc_abi **abi);
const struct sc_abi *sc_abi_native(void);
int sc_number(const struct sc_abi *abi, const char *name); /* nr_bit included; -1: not in this ABI */
const char *sc_name(const struct sc_abi *abi, unsigned nr); /* NULL: no such number */
int sc_count(const struct sc_abi *abi);                    /* how many the table has */
/* i386's socket and IPC calls: 1 with socketcall's or ipc's number in *via and the
 * call's number (its first argument) in *call; 0 for every other call. */
int sc_multiplexed(const struct sc_abi *abi, const char *name, int *via, unsigned *call);

/* ---- lsm.c ---- */

/* The AppArmor profile the next execve(2) puts the puppet under ("exec PROFILE" into
 * /proc/self/attr/apparmor/exec, or /proc/self/attr/exec before Linux 5.8). */
int op_apparmor_exec(const struct request *q, struct reply *r);

/* ---- seccomp.c ---- */

enum sc_act { SC_ALLOW, SC_ERRNO, SC_KILL_THREAD, SC_KILL_PROCESS, SC_TRAP, SC_LOG, SC_TRACE };

/* One condition on an argument: arg[index] OP value (MASKED_EQ: arg & value == value2). */
enum sc_op { SC_EQ, SC_NE, SC_LT, SC_LE, SC_GT, SC_GE, SC_MASKED_EQ };
struct sc_arg {
	unsigned index;
	enum sc_op op;
	uint64_t value, value2;
};

struct sc_rule {
	const char *name;   /* the system call, looked up in each ABI's table */
	enum sc_act act;
	int err;            /* SC_ERRNO, SC_TRACE: the errno (the tracer's data) */
	struct sc_arg args[6];
	unsigned nargs;     /* all must hold */
	bool inert;         /* the default's own action: left out of the filter, as runc leaves it,
			     * but its call still counts for the ENOSYS rule */
};

#define SC_MAX_ABIS 4
struct seccomp_spec {
	enum sc_act def;
	int def_err;
	const struct sc_abi *abis[SC_MAX_ABIS]; /* the ABIs the filter lets in; none: the native one */
	size_t nabis;
	bool enosys[SC_MAX_ABIS]; /* abis[i]'s calls numbered above every call the rules name in
				   * it fail with ENOSYS, not the default action (runc's stub) */
	struct sc_rule *rules;
	size_t n;
	unsigned flags;     /* SECCOMP_FILTER_FLAG_* */
};

int seccomp_load(struct reply *r, const struct seccomp_spec *s);
void seccomp_spec_free(struct seccomp_spec *s);
/* Does this kernel have the action (SECCOMP_GET_ACTION_AVAIL) / the filter flag? */
bool seccomp_action_available(enum sc_act act);
bool seccomp_flag_available(unsigned flag);

int op_seccomp(const struct request *q, struct reply *r);

#endif
