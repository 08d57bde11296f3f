/* seccomp.c - a filter on system calls, written by hand in classic BPF.
 *
 * seccomp(SECCOMP_SET_MODE_FILTER) hands the kernel a small program that it runs on
 * every system call the process (and everything it starts) makes. The program reads
 * a struct seccomp_data - the architecture, the call's number and its six arguments -
 * and returns what to do: allow, fail with an errno, log, send SIGSYS, or kill.
 * libseccomp writes these programs for runc; here each instruction is spelled out:
 *
 *   ld  [4]                      A = the architecture the call came in with
 *   jeq #AUDIT_ARCH_X86_64, 1, 0
 *   ret KILL_PROCESS             another ABI (a 32-bit call) would use other numbers
 *   ld  [0]                      A = the system call number
 *   jge #0x40000000, -> KILL     x32 calls: the same numbers with bit 30 set
 *   jeq #83 (mkdir), 0, 1        one block per rule: not this call? next block
 *   ret ERRNO(EPERM)
 *   ...
 *   ret ALLOW                    the default action
 *
 * The syscall names and numbers come from the kernel headers at build time
 * (syscalls.h, made by the Makefile).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "boxcore.h"
#include "errors.h"
#include "security.h"

static const struct {
	const char *name;
	int nr;
} syscall_table[] = {
#include "syscalls.h"
};

#if defined(__x86_64__)
#define SECCOMP_ARCH AUDIT_ARCH_X86_64
#define SECCOMP_ARCH_NAME "AUDIT_ARCH_X86_64"
#elif defined(__aarch64__)
#define SECCOMP_ARCH AUDIT_ARCH_AARCH64
#define SECCOMP_ARCH_NAME "AUDIT_ARCH_AARCH64"
#else
#error "seccomp.c knows x86_64 and aarch64"
#endif
#define X32_SYSCALL_BIT 0x40000000U

int syscall_number(const char *name)
{
	for (size_t i = 0; i < sizeof syscall_table / sizeof syscall_table[0]; i++)
		if (strcmp(syscall_table[i].name, name) == 0)
			return syscall_table[i].nr;
	return -1;
}

int syscall_count(void)
{
	return (int)(sizeof syscall_table / sizeof syscall_table[0]);
}

/* 83 -> "mkdir" on x86_64: the table's name for a number, or NULL. */
static const char *syscall_name(int nr)
{
	for (size_t i = 0; i < sizeof syscall_table / sizeof syscall_table[0]; i++)
		if (syscall_table[i].nr == nr)
			return syscall_table[i].name;
	return NULL;
}

/* "allow" "kill" "kill_process" "kill_thread" "trap" "log", or an errno name (EPERM):
 * 0, or -1 when the word is none of those. */
static int sc_action_word(const char *word, enum sc_act *act, int *err)
{
	static const struct {
		const char *word;
		enum sc_act act;
	} words[] = {
		{ "allow", SC_ALLOW }, { "kill", SC_KILL_THREAD }, { "kill_thread", SC_KILL_THREAD },
		{ "kill_process", SC_KILL_PROCESS }, { "trap", SC_TRAP }, { "log", SC_LOG },
	};
	for (size_t i = 0; i < sizeof words / sizeof words[0]; i++) {
		if (strcmp(word, words[i].word) == 0) {
			*act = words[i].act;
			return 0;
		}
	}
	int e = errno_number(word);
	if (e <= 0)
		return -1;
	*act = SC_ERRNO;
	*err = e;
	return 0;
}

static uint32_t ret_value(enum sc_act act, int err)
{
	switch (act) {
	case SC_ALLOW: return SECCOMP_RET_ALLOW;
	case SC_ERRNO: return SECCOMP_RET_ERRNO | ((uint32_t)err & SECCOMP_RET_DATA);
	case SC_KILL_THREAD: return SECCOMP_RET_KILL_THREAD;
	case SC_KILL_PROCESS: return SECCOMP_RET_KILL_PROCESS;
	case SC_TRAP: return SECCOMP_RET_TRAP;
	case SC_LOG: return SECCOMP_RET_LOG;
	}
	return SECCOMP_RET_KILL_PROCESS;
}

/* ------------------------------------------------------------ assembling */

struct prog {
	struct sock_filter *f;
	size_t n, cap;
};

static void emit(struct prog *p, uint16_t code, uint8_t jt, uint8_t jf, uint32_t k)
{
	if (p->n == p->cap) {
		p->cap = p->cap ? p->cap * 2 : 64;
		p->f = xrealloc(p->f, p->cap * sizeof *p->f);
	}
	p->f[p->n++] = (struct sock_filter)BPF_JUMP(code, k, jt, jf);
}

/* The offsets of an argument's two 32-bit halves in struct seccomp_data. */
static uint32_t arg_lo(unsigned i) { return (uint32_t)(offsetof(struct seccomp_data, args) + 8 * i); }
static uint32_t arg_hi(unsigned i) { return arg_lo(i) + 4; }

/* Instructions a condition takes (see emit_arg). */
static unsigned arg_len(const struct sc_arg *a)
{
	return a->op == SC_MASKED_EQ ? 6 : (a->op == SC_EQ || a->op == SC_NE) ? 4 : 5;
}

/* One 64-bit comparison out of 32-bit ones: the high halves decide unless equal.
 * fail is the jump, from the last instruction of this condition, to the next block. */
static void emit_arg(struct prog *p, const struct sc_arg *a, unsigned fail)
{
	uint32_t vhi = (uint32_t)(a->value >> 32), vlo = (uint32_t)a->value;
	const uint16_t LD = BPF_LD | BPF_W | BPF_ABS;
	unsigned f = fail; /* from the last instruction; earlier ones add their distance */
	switch (a->op) {
	case SC_EQ:
		emit(p, LD, 0, 0, arg_hi(a->index));
		emit(p, BPF_JMP | BPF_JEQ | BPF_K, 0, (uint8_t)(f + 2), vhi);
		emit(p, LD, 0, 0, arg_lo(a->index));
		emit(p, BPF_JMP | BPF_JEQ | BPF_K, 0, (uint8_t)f, vlo);
		break;
	case SC_NE:
		emit(p, LD, 0, 0, arg_hi(a->index));
		emit(p, BPF_JMP | BPF_JEQ | BPF_K, 0, 2, vhi); /* high halves differ: holds */
		emit(p, LD, 0, 0, arg_lo(a->index));
		emit(p, BPF_JMP | BPF_JEQ | BPF_K, (uint8_t)f, 0, vlo);
		break;
	case SC_GT:
	case SC_GE:
		emit(p, LD, 0, 0, arg_hi(a->index));
		emit(p, BPF_JMP | BPF_JGT | BPF_K, 3, 0, vhi);
		emit(p, BPF_JMP | BPF_JEQ | BPF_K, 0, (uint8_t)(f + 2), vhi);
		emit(p, LD, 0, 0, arg_lo(a->index));
		emit(p, BPF_JMP | (a->op == SC_GT ? BPF_JGT : BPF_JGE) | BPF_K, 0, (uint8_t)f, vlo);
		break;
	case SC_LT:
	case SC_LE:
		emit(p, LD, 0, 0, arg_hi(a->index));
		emit(p, BPF_JMP | BPF_JGE | BPF_K, 0, 3, vhi);
		emit(p, BPF_JMP | BPF_JEQ | BPF_K, 0, (uint8_t)(f + 2), vhi);
		emit(p, LD, 0, 0, arg_lo(a->index));
		emit(p, BPF_JMP | (a->op == SC_LT ? BPF_JGE : BPF_JGT) | BPF_K, (uint8_t)f, 0, vlo);
		break;
	case SC_MASKED_EQ: {
		uint32_t dhi = (uint32_t)(a->value2 >> 32), dlo = (uint32_t)a->value2;
		emit(p, LD, 0, 0, arg_hi(a->index));
		emit(p, BPF_ALU | BPF_AND | BPF_K, 0, 0, vhi);
		emit(p, BPF_JMP | BPF_JEQ | BPF_K, 0, (uint8_t)(f + 3), dhi);
		emit(p, LD, 0, 0, arg_lo(a->index));
		emit(p, BPF_ALU | BPF_AND | BPF_K, 0, 0, vlo);
		emit(p, BPF_JMP | BPF_JEQ | BPF_K, 0, (uint8_t)f, dlo);
		break;
	}
	}
}

static void build(struct prog *p, const struct seccomp_spec *s)
{
	const uint16_t LD = BPF_LD | BPF_W | BPF_ABS;
	/* Wrong architecture: the numbers below would mean other calls. */
	emit(p, LD, 0, 0, (uint32_t)offsetof(struct seccomp_data, arch));
	emit(p, BPF_JMP | BPF_JEQ | BPF_K, 1, 0, SECCOMP_ARCH);
	emit(p, BPF_RET | BPF_K, 0, 0, SECCOMP_RET_KILL_PROCESS);
	emit(p, LD, 0, 0, (uint32_t)offsetof(struct seccomp_data, nr));
#if defined(__x86_64__)
	emit(p, BPF_JMP | BPF_JGE | BPF_K, 0, 1, X32_SYSCALL_BIT);
	emit(p, BPF_RET | BPF_K, 0, 0, SECCOMP_RET_KILL_PROCESS);
#endif
	for (size_t i = 0; i < s->n; i++) {
		const struct sc_rule *rule = &s->rules[i];
		/* The block: [ld nr] jeq nr; conditions; ret. A failed test jumps past it. */
		unsigned len = 1;
		for (unsigned k = 0; k < rule->nargs; k++)
			len += arg_len(&rule->args[k]);
		emit(p, BPF_JMP | BPF_JEQ | BPF_K, 0, (uint8_t)len, (uint32_t)rule->nr);
		unsigned left = len; /* instructions after the jeq, the ret included */
		for (unsigned k = 0; k < rule->nargs; k++) {
			left -= arg_len(&rule->args[k]);
			emit_arg(p, &rule->args[k], left);
		}
		emit(p, BPF_RET | BPF_K, 0, 0, ret_value(rule->act, rule->err));
		if (rule->nargs) /* the conditions loaded arguments into A: the number again */
			emit(p, LD, 0, 0, (uint32_t)offsetof(struct seccomp_data, nr));
	}
	emit(p, BPF_RET | BPF_K, 0, 0, ret_value(s->def, s->def_err));
}

/* ------------------------------------------------------------ reading it back */

static const char *ret_text(struct reply *r, uint32_t k)
{
	switch (k & SECCOMP_RET_ACTION_FULL) {
	case SECCOMP_RET_ALLOW: return "ALLOW";
	case SECCOMP_RET_KILL_PROCESS: return "KILL_PROCESS";
	case SECCOMP_RET_KILL_THREAD: return "KILL_THREAD";
	case SECCOMP_RET_TRAP: return "TRAP";
	case SECCOMP_RET_LOG: return "LOG";
	case SECCOMP_RET_ERRNO: return r_printf(r, "ERRNO(%s)", errno_name((int)(k & SECCOMP_RET_DATA)));
	}
	return r_printf(r, "%#x", k);
}

static const char *k_text(struct reply *r, uint32_t k, bool nr)
{
	if (k == SECCOMP_ARCH)
		return SECCOMP_ARCH_NAME;
	if (nr && syscall_name((int)k))
		return r_printf(r, "%u (%s)", k, syscall_name((int)k));
	return r_printf(r, "%#x", k);
}

/* The program as a person reads it, one line per instruction (like bpf_dbg). */
static void disassemble(struct reply *r, const struct prog *p, struct strv *out)
{
	bool a_is_nr = false;
	for (size_t i = 0; i < p->n; i++) {
		const struct sock_filter *f = &p->f[i];
		const char *line;
		switch (BPF_CLASS(f->code)) {
		case BPF_LD:
			a_is_nr = f->k == offsetof(struct seccomp_data, nr);
			line = r_printf(r, "ld [%u]%s", f->k,
					a_is_nr ? " ; nr" : f->k == offsetof(struct seccomp_data, arch) ? " ; arch"
					: r_printf(r, " ; args[%u] %s", (f->k - 16) / 8, (f->k % 8) ? "high" : "low"));
			break;
		case BPF_ALU:
			line = r_printf(r, "and #%#x", f->k);
			break;
		case BPF_JMP: {
			const char *op = BPF_OP(f->code) == BPF_JEQ ? "jeq" : BPF_OP(f->code) == BPF_JGT ? "jgt" : "jge";
			line = r_printf(r, "%s #%s, %u, %u", op, k_text(r, f->k, a_is_nr), f->jt, f->jf);
			break;
		}
		default:
			line = r_printf(r, "ret %s", ret_text(r, f->k));
		}
		strv_push_copy(out, r_printf(r, "%3zu  %s", i, line));
	}
}

int seccomp_load(struct reply *r, const struct seccomp_spec *s)
{
	struct prog p = { 0 };
	build(&p, s);
	struct strv lines = { 0 };
	disassemble(r, &p, &lines);
	json_member_int(&r->result, "instructions", (long long)p.n);
	json_member_strv(&r->result, "program", lines.v, lines.n);
	strv_free(&lines);

	struct sock_fprog prog = { .len = (unsigned short)p.n, .filter = p.f };
	/* No shell command puts a filter on a running process; systemd's
	 * SystemCallFilter= and bwrap --seccomp FD load one like this for a program. */
	shell_step(r, "systemd-run -p SystemCallFilter=... (a filter is loaded by the program itself)");
	/* seccomp(2) installs the filter on this thread (TSYNC: on all threads); it is
	 * inherited by children and kept across execve, and can never be removed. Without
	 * no_new_privs it needs CAP_SYS_ADMIN. */
	long rc = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, s->flags, &prog);
	log_call(r, rc, "seccomp(SECCOMP_SET_MODE_FILTER, %#x, {len=%zu, filter=%p})", s->flags, p.n, (void *)p.f);
	free(p.f);
	if (rc < 0)
		return fail_sys(r, errno, NULL, NULL, "seccomp(SECCOMP_SET_MODE_FILTER) with %zu instructions", p.n);
	return 0;
}

void seccomp_spec_free(struct seccomp_spec *s)
{
	free(s->rules);
	s->rules = NULL;
	s->n = 0;
}

/* ------------------------------------------------------------ the op */

int op_seccomp(const struct request *q, struct reply *r)
{
	const char *def = "allow";
	char **rules = NULL;
	size_t n = 0;
	if (arg_str(r, q, "default", false, &def) < 0 || arg_strv(r, q, "rules", true, &rules, &n) < 0)
		return -1;
	struct seccomp_spec s = { .def = SC_ALLOW };
	if (sc_action_word(def, &s.def, &s.def_err) < 0)
		return fail_usage(r, "an action: allow kill kill_process trap log, or an errno name such as EPERM",
				  "default: unknown action \"%s\"", def);
	s.rules = xmalloc((n ? n : 1) * sizeof *s.rules);
	for (size_t i = 0; i < n; i++) {
		/* "mkdir" (EPERM), "mkdir:ENOSYS", "reboot:kill" */
		char name[64];
		const char *colon = strchr(rules[i], ':');
		snprintf(name, sizeof name, "%.*s", colon ? (int)(colon - rules[i]) : (int)strlen(rules[i]), rules[i]);
		struct sc_rule *rule = &s.rules[s.n];
		memset(rule, 0, sizeof *rule);
		rule->act = SC_ERRNO;
		rule->err = EPERM;
		rule->nr = syscall_number(name);
		if (rule->nr < 0) {
			seccomp_spec_free(&s);
			return fail_usage(r, "system call names as in syscalls(2): mkdir unshare mount ...",
					  "rules: unknown system call \"%s\"", name);
		}
		if (colon && sc_action_word(colon + 1, &rule->act, &rule->err) < 0) {
			seccomp_spec_free(&s);
			return fail_usage(r, "NAME or NAME:ACTION, ACTION one of allow kill kill_process trap log or an errno name",
					  "rules: unknown action \"%s\" for %s", colon + 1, name);
		}
		s.n++;
	}
	int rc = seccomp_load(r, &s);
	seccomp_spec_free(&s);
	return rc;
}
