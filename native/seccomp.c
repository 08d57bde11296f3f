/* seccomp.c - a filter on system calls, written by hand in classic BPF.
 *
 * seccomp(SECCOMP_SET_MODE_FILTER) hands the kernel a small program that it runs on
 * every system call the process (and everything it starts) makes. The program reads
 * a struct seccomp_data - the ABI the call came in through (arch), the call's number
 * in that ABI and its six arguments - and returns what to do: allow, fail with an
 * errno, log, send SIGSYS, hand it to a tracer, or kill. libseccomp writes these
 * programs for runc; here each instruction is spelled out, the way libseccomp lays
 * them out:
 *
 *   ld  [4]                      A = the ABI (AUDIT_ARCH_*)
 *   jeq #AUDIT_ARCH_I386, 0, 1   one jump per ABI the profile lists, to its section
 *   ja  i386
 *   ret KILL_THREAD              an ABI nobody listed: its numbers mean other calls
 *   x86_64:
 *   ld  [0]                      A = the system call number
 *   jgt #450, 0, 1               above every call the rules name: a call newer than
 *   ret ERRNO(ENOSYS)              the profile, which says "no such call" (runc's stub)
 *   jeq #83 (mkdir), 0, 1        a rule without conditions: this call? its action
 *   ret ERRNO(EPERM)
 *   jeq #135 (personality), 0, 5 a rule with conditions: each compares one half of
 *   ld  [20] ; args[0] high       an argument (BPF is 32-bit), a failed one goes on
 *   jeq #0, 0, 2                   to the next rule for the call
 *   ld  [16] ; args[0] low
 *   jeq #8, 0, 1
 *   ret ALLOW
 *   ret ERRNO(EPERM)             the default action
 *
 * x86_64 and x32 share AUDIT_ARCH_X86_64 (x32 numbers have bit 30 set), so that arch
 * goes to a small dispatch on the number first. i386's socket and IPC calls may also
 * come through socketcall(CALL, ...) and ipc(CALL, ...): a rule on socket adds one on
 * socketcall with CALL (args[0]) == 1, as libseccomp does. For a 32-bit ABI (i386,
 * x32) only the low half of an argument is compared, as libseccomp does.
 *
 * How rules combine, as runc and libseccomp combine them: a rule whose action is the
 * default's is left out; a call with a rule without conditions takes that rule's
 * action; otherwise its rules are tried in the profile's order and the first whose
 * conditions all hold decides, else the default action. The names are looked up in
 * each ABI's table (syscalls.c); a name an ABI does not have is skipped there.
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

#define X32_SYSCALL_BIT 0x40000000U
/* What a call through an ABI the filter does not list gets: libseccomp's default
 * "bad arch" action, SCMP_ACT_KILL (the thread). */
#define BAD_ARCH SECCOMP_RET_KILL_THREAD

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
	case SC_TRACE: return SECCOMP_RET_TRACE | ((uint32_t)err & SECCOMP_RET_DATA);
	}
	return SECCOMP_RET_KILL_PROCESS;
}

bool seccomp_action_available(enum sc_act act)
{
	uint32_t a = ret_value(act, 0) & SECCOMP_RET_ACTION_FULL;
	/* SECCOMP_GET_ACTION_AVAIL: 0 when this kernel knows the action (Linux 4.14). */
	return syscall(SYS_seccomp, SECCOMP_GET_ACTION_AVAIL, 0, &a) == 0;
}

bool seccomp_flag_available(unsigned flag)
{
	/* How libseccomp asks: with a NULL program, a flag the kernel knows gets EFAULT
	 * (it went on to read the program), one it does not know EINVAL. */
	return syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, flag, NULL) < 0 && errno == EFAULT;
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

static void load(struct prog *p, uint32_t offset) { emit(p, BPF_LD | BPF_W | BPF_ABS, 0, 0, offset); }
static void ret(struct prog *p, uint32_t value) { emit(p, BPF_RET | BPF_K, 0, 0, value); }
/* ja: the one jump with 32 bits of distance (the conditional ones have 8). */
static void jump(struct prog *p, uint32_t distance) { emit(p, BPF_JMP | BPF_JA, 0, 0, distance); }
static void jeq(struct prog *p, uint32_t k, unsigned jt, unsigned jf) { emit(p, BPF_JMP | BPF_JEQ | BPF_K, (uint8_t)jt, (uint8_t)jf, k); }

static void append(struct prog *to, const struct prog *from)
{
	for (size_t i = 0; i < from->n; i++)
		emit(to, from->f[i].code, from->f[i].jt, from->f[i].jf, from->f[i].k);
}

#define NR_OFFSET ((uint32_t)offsetof(struct seccomp_data, nr))
#define ARCH_OFFSET ((uint32_t)offsetof(struct seccomp_data, arch))

/* The offsets of an argument's two 32-bit halves in struct seccomp_data (little-endian). */
static uint32_t arg_lo(unsigned i) { return (uint32_t)(offsetof(struct seccomp_data, args) + 8 * i); }
static uint32_t arg_hi(unsigned i) { return arg_lo(i) + 4; }

/* Instructions a condition takes (see emit_arg). */
static unsigned arg_len(const struct sc_arg *a, bool wide)
{
	if (!wide)
		return a->op == SC_MASKED_EQ ? 3 : 2;
	return a->op == SC_MASKED_EQ ? 6 : (a->op == SC_EQ || a->op == SC_NE) ? 4 : 5;
}

/* One comparison, the 64-bit ones out of 32-bit halves: the high halves decide unless
 * they are equal. fail is the jump, from the last instruction of this condition, to
 * the next rule. On a 32-bit ABI only the low half is compared. */
static void emit_arg(struct prog *p, const struct sc_arg *a, unsigned fail, bool wide)
{
	uint32_t vhi = (uint32_t)(a->value >> 32), vlo = (uint32_t)a->value;
	/* MASKED_EQ compares against valueTwo & value, as libseccomp masks it. */
	uint64_t d = a->value2 & a->value;
	uint32_t dhi = (uint32_t)(d >> 32), dlo = (uint32_t)d;
	const uint16_t JGT = BPF_JMP | BPF_JGT | BPF_K, JGE = BPF_JMP | BPF_JGE | BPF_K;
	unsigned f = fail; /* from the last instruction; earlier ones add their distance */
	if (wide) {
		switch (a->op) {
		case SC_EQ:
			load(p, arg_hi(a->index));
			jeq(p, vhi, 0, f + 2);
			break;
		case SC_NE:
			load(p, arg_hi(a->index));
			jeq(p, vhi, 0, 2); /* high halves differ: holds */
			break;
		case SC_GT:
		case SC_GE:
			load(p, arg_hi(a->index));
			emit(p, JGT, 3, 0, vhi);
			jeq(p, vhi, 0, f + 2);
			break;
		case SC_LT:
		case SC_LE:
			load(p, arg_hi(a->index));
			emit(p, JGE, 0, 3, vhi);
			jeq(p, vhi, 0, f + 2);
			break;
		case SC_MASKED_EQ:
			load(p, arg_hi(a->index));
			emit(p, BPF_ALU | BPF_AND | BPF_K, 0, 0, vhi);
			jeq(p, dhi, 0, f + 3);
			break;
		}
	}
	load(p, arg_lo(a->index));
	switch (a->op) {
	case SC_EQ: jeq(p, vlo, 0, f); break;
	case SC_NE: jeq(p, vlo, f, 0); break;
	case SC_GT: emit(p, JGT, 0, (uint8_t)f, vlo); break;
	case SC_GE: emit(p, JGE, 0, (uint8_t)f, vlo); break;
	case SC_LT: emit(p, JGE, (uint8_t)f, 0, vlo); break;
	case SC_LE: emit(p, JGT, (uint8_t)f, 0, vlo); break;
	case SC_MASKED_EQ:
		emit(p, BPF_ALU | BPF_AND | BPF_K, 0, 0, vlo);
		jeq(p, dlo, 0, f);
		break;
	}
}

/* A MASKED_EQ whose mask leaves nothing to compare (in the halves this ABI compares)
 * always holds: libseccomp leaves it out, and so does this. */
static bool tautology(const struct sc_arg *a, bool wide)
{
	return a->op == SC_MASKED_EQ && (wide ? a->value : (uint32_t)a->value) == 0;
}

/* A rule as it applies in one ABI: the call's number there, and the conditions. */
struct entry {
	unsigned nr;
	const struct sc_rule *rule;
	struct sc_arg args[6];
	unsigned nargs;
	size_t order; /* the rule's place in the profile: sorting keeps it */
};

static void add_entry(struct entry **e, size_t *n, unsigned nr, const struct sc_rule *rule, size_t order, bool wide)
{
	*e = xrealloc(*e, (*n + 1) * sizeof **e);
	struct entry *x = &(*e)[(*n)++];
	x->nr = nr;
	x->rule = rule;
	x->nargs = 0;
	for (unsigned k = 0; k < rule->nargs; k++)
		if (!tautology(&rule->args[k], wide))
			x->args[x->nargs++] = rule->args[k];
	x->order = order;
}

static int by_number(const void *a, const void *b)
{
	const struct entry *x = a, *y = b;
	if (x->nr != y->nr)
		return x->nr < y->nr ? -1 : 1;
	return x->order < y->order ? -1 : x->order > y->order;
}

/* The rules of one ABI, sorted by number. A multiplexed i386 call gets a second entry
 * on socketcall or ipc with args[0] == its CALL number (libseccomp puts that in place
 * of any condition on args[0] the rule had). */
static size_t abi_entries(const struct seccomp_spec *s, const struct sc_abi *abi, struct entry **out)
{
	struct entry *e = NULL;
	size_t n = 0;
	for (size_t i = 0; i < s->n; i++) {
		const struct sc_rule *rule = &s->rules[i];
		if (rule->inert)
			continue;
		int nr = sc_number(abi, rule->name), via;
		unsigned call;
		if (sc_multiplexed(abi, rule->name, &via, &call)) {
			add_entry(&e, &n, (unsigned)via, rule, i, abi->wide);
			struct entry *x = &e[n - 1];
			struct sc_arg first = { .index = 0, .op = SC_EQ, .value = call };
			bool had = false;
			for (unsigned k = 0; k < x->nargs; k++)
				if (x->args[k].index == 0) {
					x->args[k] = first;
					had = true;
				}
			if (!had) {
				memmove(&x->args[1], &x->args[0], sizeof x->args[0] * (x->nargs < 6 ? x->nargs : 5));
				x->args[0] = first;
				x->nargs += x->nargs < 6;
			}
		}
		if (nr >= 0)
			add_entry(&e, &n, (unsigned)nr, rule, i, abi->wide);
	}
	qsort(e, n, sizeof *e, by_number);
	*out = e;
	return n;
}

/* The highest number the rules name in this ABI (inert ones too, as runc counts
 * them), or 0 when they name none there. */
static unsigned highest_named(const struct seccomp_spec *s, const struct sc_abi *abi)
{
	unsigned top = 0;
	for (size_t i = 0; i < s->n; i++) {
		int nr = sc_number(abi, s->rules[i].name);
		if (nr >= 0 && (unsigned)nr > top)
			top = (unsigned)nr;
	}
	return top;
}

/* The entries [i, end) of one number, and the action of its first rule without
 * conditions, if it has one. */
static size_t group_end(const struct entry *e, size_t n, size_t i, const struct entry **plain)
{
	size_t end = i;
	*plain = NULL;
	for (; end < n && e[end].nr == e[i].nr; end++)
		if (!*plain && e[end].nargs == 0)
			*plain = &e[end];
	return end;
}

/* The order libseccomp tries a call's rules in. It keeps them as a tree of
 * comparisons, one level per argument, each level sorted: a later argument first, then
 * EQ, NE and MASKED_EQ before LT and LE before GT and GE, then the larger value first
 * (the smaller for LT and LE); the first comparison that holds decides. Rules sorted by
 * their first comparison and tried in turn give the same answer, except where rules
 * for one call share a first comparison and part ways later (the tree then never
 * goes back to try a sibling of a comparison that held). */
static const struct sc_arg *first_arg(const struct entry *x)
{
	const struct sc_arg *f = &x->args[0];
	for (unsigned k = 1; k < x->nargs; k++)
		if (x->args[k].index < f->index)
			f = &x->args[k];
	return f;
}

static int op_rank(enum sc_op op)
{
	return op == SC_LT || op == SC_LE ? 2 : op == SC_GT || op == SC_GE ? 1 : 3;
}

static int libseccomp_order(const void *a, const void *b)
{
	const struct entry *x = a, *y = b;
	const struct sc_arg *fx = first_arg(x), *fy = first_arg(y);
	if (fx->index != fy->index)
		return fx->index > fy->index ? -1 : 1;
	if (op_rank(fx->op) != op_rank(fy->op))
		return op_rank(fx->op) > op_rank(fy->op) ? -1 : 1;
	uint64_t dx = fx->op == SC_MASKED_EQ ? fx->value2 & fx->value : fx->value;
	uint64_t dy = fy->op == SC_MASKED_EQ ? fy->value2 & fy->value : fy->value;
	if (dx != dy)
		return (dx < dy) == (op_rank(fx->op) == 2) ? -1 : 1;
	if (x->nargs != y->nargs) /* the shorter rule wins where one extends the other */
		return x->nargs < y->nargs ? -1 : 1;
	return x->order < y->order ? -1 : x->order > y->order;
}

/* A call whose rules have conditions: jeq #nr, then one block per rule in libseccomp's
 * order, each jumping to the next when a condition fails, and the default action
 * after the last. */
static void emit_conditional(struct prog *p, struct entry *e, size_t i, size_t end, bool wide, uint32_t def)
{
	qsort(e + i, end - i, sizeof *e, libseccomp_order);
	struct prog body = { 0 };
	for (size_t k = i; k < end; k++) {
		unsigned len = 1;
		for (unsigned a = 0; a < e[k].nargs; a++)
			len += arg_len(&e[k].args[a], wide);
		unsigned left = len; /* instructions after this condition's last one, the ret included */
		for (unsigned a = 0; a < e[k].nargs; a++) {
			left -= arg_len(&e[k].args[a], wide);
			emit_arg(&body, &e[k].args[a], left, wide);
		}
		ret(&body, ret_value(e[k].rule->act, e[k].rule->err));
	}
	ret(&body, def);
	if (body.n <= 255) {
		jeq(p, e[i].nr, 0, (unsigned)body.n);
	} else {
		jeq(p, e[i].nr, 1, 0);
		jump(p, (uint32_t)body.n);
	}
	append(p, &body);
	free(body.f);
}

/* One ABI's section: the ENOSYS rule, then each call in turn. Calls in a row whose
 * plain rules share an action share one ret: jeq #a, to ret; jeq #b, to ret; ...;
 * ja over it. *rules_at: where the rules start (after the ENOSYS rule). */
static void emit_section(struct prog *p, const struct seccomp_spec *s, const struct sc_abi *abi, bool enosys,
			 size_t *rules_at)
{
	uint32_t def = ret_value(s->def, s->def_err);
	load(p, NR_OFFSET);
	unsigned top = enosys ? highest_named(s, abi) : 0;
	if (top) {
		emit(p, BPF_JMP | BPF_JGT | BPF_K, 0, 1, top);
		ret(p, SECCOMP_RET_ERRNO | ENOSYS);
	}
	*rules_at = p->n;
	struct entry *e;
	size_t n = abi_entries(s, abi, &e);
	for (size_t i = 0; i < n;) {
		const struct entry *plain;
		size_t end = group_end(e, n, i, &plain);
		if (!plain) {
			emit_conditional(p, e, i, end, abi->wide, def);
			i = end;
			continue;
		}
		/* A run of plain calls with the same action (at most 255: a jump's reach). */
		uint32_t act = ret_value(plain->rule->act, plain->rule->err);
		unsigned nrs[255], m = 0;
		while (i < n && m < 255) {
			size_t next = group_end(e, n, i, &plain);
			if (!plain || ret_value(plain->rule->act, plain->rule->err) != act)
				break;
			nrs[m++] = e[i].nr;
			i = next;
		}
		if (m == 1) {
			jeq(p, nrs[0], 0, 1);
		} else {
			for (unsigned t = 0; t < m; t++)
				jeq(p, nrs[t], m - t, 0);
			jump(p, 1);
		}
		ret(p, act);
	}
	ret(p, def);
	free(e);
}

/* A program laid out in sections: the dispatch on seccomp_data.arch, then one section
 * per ABI. Jumps between sections are ja's; their targets are known once every
 * section is assembled, so the sections are built first, the dispatch last. */
struct layout {
	const struct sc_abi *abi[SC_MAX_ABIS];
	struct prog sec[SC_MAX_ABIS];
	size_t rules_at[SC_MAX_ABIS];
	size_t n;
};

static int find_abi(const struct layout *l, const char *name)
{
	for (size_t i = 0; i < l->n; i++)
		if (strcmp(l->abi[i]->name, name) == 0)
			return (int)i;
	return -1;
}

/* A jump from the dispatch at index pc to section k (at its rules when rules). */
static void jump_to(struct prog *p, const struct layout *l, const size_t *start, int k, bool rules)
{
	if (k < 0) {
		ret(p, BAD_ARCH);
		return;
	}
	size_t target = start[k] + (rules ? l->rules_at[k] : 0);
	jump(p, (uint32_t)(target - (p->n + 1)));
}

/* The dispatch, assembled twice: once to learn its length, once with the targets.
 * One jeq and ja per arch; AUDIT_ARCH_X86_64 (x86_64 and x32) goes to a block after
 * the others that looks at the number: x32 calls have bit 30 set. -1, what a tracer
 * sets to skip a call, has it set too: it goes where runc's stub sends it, to x32
 * when the filter has x32 (above every x32 call: ENOSYS), else to the x86_64 rules
 * past the ENOSYS rule (libseccomp's special case). */
static void emit_dispatch(struct prog *p, const struct layout *l, const size_t *start)
{
	int x64 = find_abi(l, "x86_64"), x32 = find_abi(l, "x32");
	bool shared = x64 >= 0 || x32 >= 0;
	size_t arches = shared;
	for (size_t i = 0; i < l->n; i++)
		arches += l->abi[i]->audit_arch != AUDIT_ARCH_X86_64;
	size_t block = 1 + 2 * arches + 1; /* ld, a jeq and ja each, ret */
	load(p, ARCH_OFFSET);
	for (size_t i = 0; i < l->n; i++) {
		if (l->abi[i]->audit_arch == AUDIT_ARCH_X86_64)
			continue;
		jeq(p, l->abi[i]->audit_arch, 0, 1);
		jump_to(p, l, start, (int)i, false);
	}
	if (shared) {
		jeq(p, AUDIT_ARCH_X86_64, 0, 1);
		jump(p, (uint32_t)(block - (p->n + 1)));
	}
	ret(p, BAD_ARCH);
	if (!shared)
		return;
	load(p, NR_OFFSET);
	jeq(p, 0xffffffffU, 0, 1);
	jump_to(p, l, start, x32 >= 0 ? x32 : x64, x32 < 0);
	emit(p, BPF_JMP | BPF_JSET | BPF_K, 0, 1, X32_SYSCALL_BIT);
	jump_to(p, l, start, x32, false);
	jump_to(p, l, start, x64, false);
}

static void build(struct prog *p, const struct seccomp_spec *s, struct layout *l)
{
	memset(l, 0, sizeof *l);
	/* The ABIs the filter lets in: the spec's, or this machine's own. */
	l->n = s->nabis ? s->nabis : 1;
	for (size_t i = 0; i < l->n; i++) {
		l->abi[i] = s->nabis ? s->abis[i] : sc_abi_native();
		emit_section(&l->sec[i], s, l->abi[i], s->nabis && s->enosys[i], &l->rules_at[i]);
	}
	size_t start[SC_MAX_ABIS];
	struct prog probe = { 0 };
	memset(start, 0, sizeof start);
	emit_dispatch(&probe, l, start);
	size_t at = probe.n;
	free(probe.f);
	for (size_t i = 0; i < l->n; i++) {
		start[i] = at;
		at += l->sec[i].n;
	}
	emit_dispatch(p, l, start);
	for (size_t i = 0; i < l->n; i++)
		append(p, &l->sec[i]);
}

static void layout_free(struct layout *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->sec[i].f);
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
	case SECCOMP_RET_TRACE: return r_printf(r, "TRACE(%u)", k & SECCOMP_RET_DATA);
	case SECCOMP_RET_ERRNO: return r_printf(r, "ERRNO(%s)", errno_name((int)(k & SECCOMP_RET_DATA)));
	}
	return r_printf(r, "%#x", k);
}

static const char *k_text(struct reply *r, uint32_t k, const struct sc_abi *abi, bool a_is_nr, bool a_is_arch)
{
	if (a_is_arch) {
		if (k == AUDIT_ARCH_X86_64)
			return "AUDIT_ARCH_X86_64";
		if (k == AUDIT_ARCH_I386)
			return "AUDIT_ARCH_I386";
		if (k == AUDIT_ARCH_AARCH64)
			return "AUDIT_ARCH_AARCH64";
	}
	if (a_is_nr && abi && sc_name(abi, k))
		return r_printf(r, "%u (%s)", k & ~abi->nr_bit, sc_name(abi, k));
	return r_printf(r, "%#x", k);
}

/* The program as a person reads it, one line per instruction (like bpf_dbg): the
 * dispatch, then each ABI's section under its name. */
static void disassemble(struct reply *r, const struct prog *p, const struct layout *l, struct strv *out)
{
	bool a_is_nr = false, a_is_arch = false;
	const struct sc_abi *abi = NULL;
	size_t next = p->n, k = 0; /* where the next section starts */
	for (size_t i = 0; i < l->n; i++)
		next -= l->sec[i].n;
	for (size_t i = 0; i < p->n; i++) {
		if (i == next && k < l->n) {
			abi = l->abi[k];
			strv_push_copy(out, r_printf(r, "%s:", abi->name));
			next += l->sec[k++].n;
		}
		const struct sock_filter *f = &p->f[i];
		const char *line;
		switch (BPF_CLASS(f->code)) {
		case BPF_LD:
			a_is_nr = f->k == NR_OFFSET;
			a_is_arch = f->k == ARCH_OFFSET;
			line = r_printf(r, "ld [%u]%s", f->k, a_is_nr ? " ; nr" : a_is_arch ? " ; arch"
					: r_printf(r, " ; args[%u] %s", (f->k - 16) / 8, (f->k % 8) ? "high" : "low"));
			break;
		case BPF_ALU:
			line = r_printf(r, "and #%#x", f->k);
			break;
		case BPF_JMP: {
			if (BPF_OP(f->code) == BPF_JA) {
				line = r_printf(r, "ja +%u (-> %zu)", f->k, i + 1 + f->k);
				break;
			}
			const char *op = BPF_OP(f->code) == BPF_JEQ ? "jeq" : BPF_OP(f->code) == BPF_JGT ? "jgt"
					 : BPF_OP(f->code) == BPF_JGE ? "jge" : "jset";
			line = r_printf(r, "%s #%s, %u, %u", op, k_text(r, f->k, abi, a_is_nr && BPF_OP(f->code) == BPF_JEQ, a_is_arch),
					f->jt, f->jf);
			break;
		}
		default:
			line = r_printf(r, "ret %s", ret_text(r, f->k));
		}
		strv_push_copy(out, r_printf(r, "%4zu  %s", i, line));
	}
}

int seccomp_load(struct reply *r, const struct seccomp_spec *s)
{
	CLEANUP(mem_free) struct prog p = { 0 };
	struct layout l;
	build(&p, s, &l);
	struct strv lines = { 0 };
	disassemble(r, &p, &l, &lines);
	layout_free(&l);
	json_member_int(&r->result, "instructions", (long long)p.n);
	json_member_strv(&r->result, "program", lines.v, lines.n);
	strv_free(&lines);
	if (p.n > BPF_MAXINSNS)
		return fail_usage(r, state_hint("seccomp_too_long"), "the seccomp filter would take %zu instructions, and the "
				  "kernel takes at most %d", p.n, BPF_MAXINSNS);

	struct sock_fprog prog = { .len = (unsigned short)p.n, .filter = p.f };
	/* No shell command puts a filter on a running process; systemd's
	 * SystemCallFilter= and bwrap --seccomp FD load one like this for a program. */
	shell_step(r, "systemd-run -p SystemCallFilter=... (a filter is loaded by the program itself)");
	/* seccomp(2) installs the filter on this thread (TSYNC: on all threads); it is
	 * inherited by children and kept across execve, and can never be removed. Without
	 * no_new_privs it needs CAP_SYS_ADMIN. */
	long rc = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, s->flags, &prog);
	log_call(r, rc, "seccomp(SECCOMP_SET_MODE_FILTER, %#x, {len=%zu, filter=%p})", s->flags, p.n, (void *)p.f);
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
		const char *colon = strchr(rules[i], ':');
		struct sc_rule *rule = &s.rules[s.n];
		memset(rule, 0, sizeof *rule);
		rule->act = SC_ERRNO;
		rule->err = EPERM;
		/* The name outlives s.rules (freed before a message names it). */
		const char *name = colon ? r_printf(r, "%.*s", (int)(colon - rules[i]), rules[i]) : rules[i];
		rule->name = name;
		if (sc_number(sc_abi_native(), name) < 0) {
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
