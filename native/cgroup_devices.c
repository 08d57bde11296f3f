/* cgroup_devices.c - the device controller: which devices a group's processes may
 * open and mknod.
 *
 * A device node is only a name for a driver: whoever may open /dev/sda reads the whole
 * disk, whatever else the node's owner and mode say. So besides the file permissions,
 * the kernel checks every open(2) and mknod(2) of a device node against a list the
 * group's cgroup holds. Runtimes use it to give a container /dev/null and its
 * terminals, and no disk. The list comes as the OCI runtime spec writes it
 * (linux.resources.devices): rules that allow or deny some access - r read, w write,
 * m mknod - to some devices - a (all), c (character) or b (block), a major and a
 * minor number, each or any - taken in order: for each device and each access, the
 * last rule that names it decides. Before the first rule every device is denied, as
 * in runc: a list [allow c 1:3 rwm] allows /dev/null and nothing else.
 *
 * The kernel keeps the same thing in either cgroup version: a default, and exceptions
 * to it. It matches them this way (security/device_cgroup.c):
 *
 *   default deny   an access is allowed when one exception names the device and all
 *                  the access asked for (open(O_RDWR) asks r and w at once, mknod m)
 *   default allow  an access is denied when an exception names the device and any of
 *                  the access asked for
 *
 * and it is told it in two languages:
 *
 *   cgroup v1  the devices controller's files, one rule per write(2):
 *                echo a > devices.deny            deny everything, forget exceptions
 *                echo 'c 1:3 rwm' > devices.allow  an exception: /dev/null
 *              (or `echo a > devices.allow`, then exceptions in devices.deny);
 *              devices.list shows what the group allows.
 *   cgroup v2  no files: a BPF program of type BPF_PROG_TYPE_CGROUP_DEVICE, attached
 *              to the group's directory with bpf(BPF_PROG_ATTACH), runs on each open
 *              and mknod and returns 1 (allow) or 0 (the call fails with EPERM). It is
 *              freed with the group. (Rules given again replace the old: v1's "a"
 *              forgets them, and on v2 the old program is detached once the new one
 *              is attached.)
 *
 * So the rules are first folded into a default and exceptions (dev_policy_apply, what
 * runc's devices emulator does), then written out in the language of the machine:
 *
 *   a rule of type a     the new default; every earlier rule is forgotten.
 *   a rule against the   an exception. (Default deny: where two exceptions overlap,
 *     default            say c 1:* r and c 1:3 w, the overlap gets one of its own
 *                        with both, c 1:3 rw: the kernel grants r and w at once only
 *                        from one exception.)
 *   a rule the same way  takes its access back from the exceptions it covers. One it
 *     as the default     covers in part - it denies c 1:3 w where an exception allows
 *                        c 1:* rwm - would need a hole cut in it; neither v1 nor runc
 *                        can, and the rule is refused, by name.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/bpf.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "boxcore.h"
#include "errors.h"

#define DEV_RWM (DEV_READ | DEV_WRITE | DEV_MKNOD)
#define MAX_EXCEPTIONS 256 /* 8 BPF instructions each, well within the verifier's limits */

/* ------------------------------------------------------------ rules as text */

static int parse_number(const char *s, size_t n, long max, long *out)
{
	if (n == 1 && *s == '*') {
		*out = -1;
		return 0;
	}
	long v = 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9' || (v = v * 10 + (s[i] - '0')) > max)
			return -1;
	}
	*out = v;
	return n ? 0 : -1;
}

static int parse_access(const char *s, unsigned *out)
{
	*out = 0;
	for (; *s; s++) {
		if (*s == 'r')
			*out |= DEV_READ;
		else if (*s == 'w')
			*out |= DEV_WRITE;
		else if (*s == 'm')
			*out |= DEV_MKNOD;
		else
			return -1;
	}
	return *out ? 0 : -1;
}

/* "allow c 1:3 rwm", "deny b 8:* r", "deny a" (also "deny a *:* rwm"). */
int dev_rule_parse(const char *text, struct dev_rule *d)
{
	char verdict[8] = "", type[4] = "", numbers[32] = "", access[8] = "rwm";
	int end = 0;
	int n = sscanf(text, "%7s %3s %n%31s %7s %n", verdict, type, &end, numbers, access, &end);
	if (n < 2 || text[end] || strlen(type) != 1 || (n == 3))
		return -1;
	memset(d, 0, sizeof *d);
	d->major = d->minor = -1;
	if (strcmp(verdict, "allow") != 0 && strcmp(verdict, "deny") != 0)
		return -1;
	d->allow = verdict[0] == 'a';
	d->type = type[0];
	if (d->type != 'a' && d->type != 'c' && d->type != 'b')
		return -1;
	if (parse_access(access, &d->access) < 0)
		return -1;
	if (n == 2)
		return d->type == 'a' ? 0 : -1; /* only "a" stands alone */
	const char *colon = strchr(numbers, ':');
	if (!colon || parse_number(numbers, (size_t)(colon - numbers), 4095, &d->major) < 0 ||
	    parse_number(colon + 1, strlen(colon + 1), 1048575, &d->minor) < 0)
		return -1;
	/* "a" is the whole table at once: it has no numbers and no partial access. */
	if (d->type == 'a' && (d->major >= 0 || d->minor >= 0 || d->access != DEV_RWM))
		return -1;
	return 0;
}

/* The kernel's words for the devices and access of a rule: "c 1:3 rwm", "b 8:* r". */
const char *dev_rule_text(const struct dev_rule *d, char *out, size_t len)
{
	char major[24] = "*", minor[24] = "*";
	if (d->major >= 0)
		snprintf(major, sizeof major, "%ld", d->major);
	if (d->minor >= 0)
		snprintf(minor, sizeof minor, "%ld", d->minor);
	snprintf(out, len, "%c %s:%s %s%s%s", d->type, major, minor, d->access & DEV_READ ? "r" : "",
		 d->access & DEV_WRITE ? "w" : "", d->access & DEV_MKNOD ? "m" : "");
	return out;
}

/* ------------------------------------------------------------ folding rules */

/* Do a and b name the same devices? */
static bool same_devices(const struct dev_rule *a, const struct dev_rule *b)
{
	return a->type == b->type && a->major == b->major && a->minor == b->minor;
}

/* Does a name every device b names? (-1 is "any".) */
static bool covers(const struct dev_rule *a, const struct dev_rule *b)
{
	return a->type == b->type && (a->major < 0 || a->major == b->major) && (a->minor < 0 || a->minor == b->minor);
}

/* The devices both a and b name, if there are any: c 1:* and c *:3 share c 1:3. */
static bool overlap(const struct dev_rule *a, const struct dev_rule *b, struct dev_rule *both)
{
	if (a->type != b->type || (a->major >= 0 && b->major >= 0 && a->major != b->major) ||
	    (a->minor >= 0 && b->minor >= 0 && a->minor != b->minor))
		return false;
	*both = *a;
	both->major = a->major >= 0 ? a->major : b->major;
	both->minor = a->minor >= 0 ? a->minor : b->minor;
	return true;
}

/* An exception to the default, merged into one for the same devices. */
static int add_exception(struct dev_policy *p, const struct dev_rule *e)
{
	for (size_t i = 0; i < p->n; i++)
		if (same_devices(&p->ex[i], e)) {
			p->ex[i].access |= e->access;
			return 0;
		}
	if (p->n >= MAX_EXCEPTIONS)
		return -1;
	p->ex = xrealloc(p->ex, (p->n + 1) * sizeof *p->ex);
	p->ex[p->n] = *e;
	p->ex[p->n].allow = !p->allow_all;
	p->n++;
	return 0;
}

int dev_policy_apply(struct dev_policy *p, const struct dev_rule *rule, const char **why, struct dev_rule *hole)
{
	*why = NULL;
	hole->type = 0;
	if (rule->type == 'a') {
		/* Every device, every access: the new default, and nothing excepted. */
		free(p->ex);
		p->ex = NULL;
		p->n = 0;
		p->allow_all = rule->allow;
		return 0;
	}
	if (rule->allow != p->allow_all) {
		size_t before = p->n;
		/* Default deny: an overlap of two allowed sets gets one exception with both
		 * r and w, so that open(O_RDWR) finds them in one (mknod asks m alone). */
		for (size_t i = 0; i < before && !p->allow_all; i++) {
			struct dev_rule both;
			unsigned rw = (p->ex[i].access | rule->access) & (DEV_READ | DEV_WRITE);
			if (!overlap(&p->ex[i], rule, &both) || !(rw & ~p->ex[i].access) || !(rw & ~rule->access))
				continue;
			both.access = rw;
			if (add_exception(p, &both) < 0)
				goto too_many;
		}
		if (add_exception(p, rule) < 0)
			goto too_many;
		return 0;
	too_many:
		*why = "makes more than 256 exceptions, more than boxcore writes";
		return -1;
	}
	/* The same way as the default: take the access back from what the rule covers,
	 * after checking nothing needs a hole cut into it. */
	for (size_t i = 0; i < p->n; i++) {
		struct dev_rule both;
		if (!covers(rule, &p->ex[i]) && overlap(rule, &p->ex[i], &both) && (p->ex[i].access & rule->access)) {
			*hole = p->ex[i];
			*why = rule->allow ? "would cut a hole in a deny of more devices, which the device cgroup cannot do"
					   : "would cut a hole in an allow of more devices, which the device cgroup cannot do";
			return -1;
		}
	}
	size_t kept = 0;
	for (size_t i = 0; i < p->n; i++) {
		if (covers(rule, &p->ex[i]))
			p->ex[i].access &= ~rule->access;
		if (p->ex[i].access)
			p->ex[kept++] = p->ex[i];
	}
	p->n = kept;
	return 0;
}

void dev_policy_free(struct dev_policy *p)
{
	free(p->ex);
	memset(p, 0, sizeof *p);
}

/* The order runc writes them in: by major, minor and type, "any" first. */
static int by_number(const void *pa, const void *pb)
{
	const struct dev_rule *a = pa, *b = pb;
	if (a->major != b->major)
		return a->major < b->major ? -1 : 1;
	if (a->minor != b->minor)
		return a->minor < b->minor ? -1 : 1;
	return a->type - b->type;
}

/* ------------------------------------------------------------ cgroup v1: files */

static int write_v1(struct reply *r, const char *dir, const struct dev_policy *p)
{
	const char *reset = r_printf(r, "%s/%s", dir, p->allow_all ? "devices.allow" : "devices.deny");
	const char *except = r_printf(r, "%s/%s", dir, p->allow_all ? "devices.deny" : "devices.allow");
	/* "a" sets the group's default and forgets its exceptions: from here on the group
	 * allows (denies) every device but those written next. No process is in the group
	 * yet, so none sees the moment in between. */
	shell_step(r, "echo a > %s", sh_word(r, reset));
	if (cg_write(r, reset, "a") < 0)
		return fail_sys(r, errno, "devices_v1", reset, "write a to %s", reset);
	/* One exception per write: the kernel parses each write as one rule. */
	char text[64];
	for (size_t i = 0; i < p->n; i++) {
		dev_rule_text(&p->ex[i], text, sizeof text);
		shell_step(r, "echo %s > %s", sh_word(r, text), sh_word(r, except));
		if (cg_write(r, except, text) < 0)
			return fail_sys(r, errno, "devices_v1", except, "write %s to %s", text, except);
	}
	/* devices.list: what the kernel now allows, read back (runc checks it too). With
	 * default allow it says only "a *:* rwm": the denied exceptions are not listed. */
	const char *list = r_printf(r, "%s/devices.list", dir);
	shell_step(r, "cat %s", sh_word(r, list));
	struct buf got = { 0 };
	if (cg_read(r, list, &got) < 0) {
		buf_free(&got);
		return fail_sys(r, errno, NULL, list, "read %s", list);
	}
	struct strv lines = { 0 };
	for (const char *s = buf_str(&got); *s;) {
		size_t l = strcspn(s, "\n");
		if (l)
			strv_push(&lines, xstrndup(s, l));
		s += l;
		s += strspn(s, "\n");
	}
	buf_free(&got);
	json_member_strv(&r->result, "list", lines.v, lines.n);
	bool same = p->allow_all ? lines.n == 1 && strcmp(lines.v[0], "a *:* rwm") == 0 : lines.n == p->n;
	for (size_t i = 0; same && !p->allow_all && i < p->n; i++)
		same = strcmp(lines.v[i], dev_rule_text(&p->ex[i], text, sizeof text)) == 0;
	strv_free(&lines);
	if (!same)
		return fail_state(r, state_hint("cg_devices_list"), "%s does not list what was written to the group", list);
	return 0;
}

/* ------------------------------------------------------------ cgroup v2: a BPF program */

/* The program is eBPF: eleven 64-bit registers, r1 pointing at the context on entry,
 * r0 the verdict at exit. The context is struct bpf_cgroup_dev_ctx:
 *
 *   u32 access_type    the device type (BPF_DEVCG_DEV_BLOCK 1, CHAR 2) in the low 16
 *                      bits, the access asked for (MKNOD 1, READ 2, WRITE 4) above
 *   u32 major, minor
 *
 *   0: r2 = *(u32 *)(r1 + 0)       r2 = the type
 *   1: w2 &= 0xffff
 *   2: r3 = *(u32 *)(r1 + 0)       r3 = the access asked for
 *   3: w3 >>= 16
 *   4: r4 = *(u32 *)(r1 + 4)       r4 = major
 *   5: r5 = *(u32 *)(r1 + 8)       r5 = minor
 *   then one block per exception:  not this type, access, major or minor? next block
 *      if r2 != 0x2 goto pc+4      ; c 1:3 rwm
 *      if r4 != 0x1 goto pc+3
 *      if r5 != 0x3 goto pc+2
 *      w0 = 1                      the exception's verdict
 *      exit
 *   and last the default:  w0 = 0; exit
 *
 * (the words are bpftool's, `bpftool prog dump xlated`). Exceptions never overlap in
 * verdict, so their order does not matter. */
struct prog {
	struct bpf_insn *v;
	const char **note;
	size_t n, cap;
};

static void prog_free(struct prog *p)
{
	free(p->v);
	free(p->note);
}

static void emit(struct prog *p, uint8_t code, uint8_t dst, uint8_t src, int16_t off, int32_t imm, const char *note)
{
	if (p->n == p->cap) {
		p->cap = p->cap ? p->cap * 2 : 64;
		p->v = xrealloc(p->v, p->cap * sizeof *p->v);
		p->note = xrealloc(p->note, p->cap * sizeof *p->note);
	}
	p->v[p->n] = (struct bpf_insn){ .code = code, .dst_reg = dst, .src_reg = src, .off = off, .imm = imm };
	p->note[p->n++] = note;
}

#define LDX_W (BPF_LDX | BPF_W | BPF_MEM)
#define ALU32_K(op) (BPF_ALU | (op) | BPF_K)
#define JMP_K(op) (BPF_JMP | (op) | BPF_K)

/* One exception: the tests, each jumping past the block when it fails, then the
 * verdict. Default deny allows when the exception holds all the access asked for;
 * default allow denies when it holds any of it. */
static void emit_exception(struct reply *r, struct prog *p, const struct dev_rule *e, bool allow_all)
{
	char text[64];
	const char *note = r_printf(r, "%s %s", e->allow ? "allow" : "deny", dev_rule_text(e, text, sizeof text));
	bool access = e->access != DEV_RWM; /* rwm holds any request, whole or in part */
	int len = 1 + (access ? 3 : 0) + (e->major >= 0) + (e->minor >= 0) + 2;
	int at = 0; /* instructions of this block emitted so far */
#define PAST (int16_t)(len - ++at) /* from the next instruction to the end of the block */
	emit(p, JMP_K(BPF_JNE), BPF_REG_2, 0, PAST, e->type == 'b' ? BPF_DEVCG_DEV_BLOCK : BPF_DEVCG_DEV_CHAR, note);
	if (access) {
		at += 2;
		emit(p, BPF_ALU | BPF_MOV | BPF_X, BPF_REG_1, BPF_REG_3, 0, 0, NULL);
		emit(p, ALU32_K(BPF_AND), BPF_REG_1, 0, 0, (int32_t)e->access, NULL);
		if (allow_all) /* none of it held: next block */
			emit(p, JMP_K(BPF_JEQ), BPF_REG_1, 0, PAST, 0, NULL);
		else           /* not all of it held: next block */
			emit(p, BPF_JMP | BPF_JNE | BPF_X, BPF_REG_1, BPF_REG_3, PAST, 0, NULL);
	}
	if (e->major >= 0)
		emit(p, JMP_K(BPF_JNE), BPF_REG_4, 0, PAST, (int32_t)e->major, NULL);
	if (e->minor >= 0)
		emit(p, JMP_K(BPF_JNE), BPF_REG_5, 0, PAST, (int32_t)e->minor, NULL);
#undef PAST
	emit(p, BPF_ALU | BPF_MOV | BPF_K, BPF_REG_0, 0, 0, e->allow ? 1 : 0, NULL);
	emit(p, BPF_JMP | BPF_EXIT, 0, 0, 0, 0, NULL);
}

static void build(struct reply *r, struct prog *p, const struct dev_policy *pol)
{
	emit(p, LDX_W, BPF_REG_2, BPF_REG_1, 0, 0, "the device type: 1 block, 2 character");
	emit(p, ALU32_K(BPF_AND), BPF_REG_2, 0, 0, 0xffff, NULL);
	emit(p, LDX_W, BPF_REG_3, BPF_REG_1, 0, 0, "the access asked for: 1 mknod, 2 read, 4 write");
	emit(p, ALU32_K(BPF_RSH), BPF_REG_3, 0, 0, 16, NULL);
	emit(p, LDX_W, BPF_REG_4, BPF_REG_1, 4, 0, "major");
	emit(p, LDX_W, BPF_REG_5, BPF_REG_1, 8, 0, "minor");
	for (size_t i = 0; i < pol->n; i++)
		emit_exception(r, p, &pol->ex[i], pol->allow_all);
	emit(p, BPF_ALU | BPF_MOV | BPF_K, BPF_REG_0, 0, 0, pol->allow_all ? 1 : 0,
	     pol->allow_all ? "no exception: allow" : "no exception: deny");
	emit(p, BPF_JMP | BPF_EXIT, 0, 0, 0, 0, NULL);
}

/* The program as bpftool prints it, one line per instruction. */
static void disassemble(struct reply *r, const struct prog *p, struct strv *out)
{
	for (size_t i = 0; i < p->n; i++) {
		const struct bpf_insn *x = &p->v[i];
		const char *op = BPF_OP(x->code) == BPF_JNE ? "!=" : "==";
		const char *line;
		if (x->code == LDX_W)
			line = r_printf(r, "r%d = *(u32 *)(r%d + %d)", x->dst_reg, x->src_reg, x->off);
		else if (x->code == ALU32_K(BPF_AND))
			line = r_printf(r, "w%d &= %#x", x->dst_reg, (unsigned)x->imm);
		else if (x->code == ALU32_K(BPF_RSH))
			line = r_printf(r, "w%d >>= %d", x->dst_reg, x->imm);
		else if (x->code == (BPF_ALU | BPF_MOV | BPF_X))
			line = r_printf(r, "w%d = w%d", x->dst_reg, x->src_reg);
		else if (x->code == (BPF_ALU | BPF_MOV | BPF_K))
			line = r_printf(r, "w%d = %d", x->dst_reg, x->imm);
		else if (BPF_CLASS(x->code) == BPF_JMP && BPF_SRC(x->code) == BPF_X && BPF_OP(x->code) != BPF_EXIT)
			line = r_printf(r, "if r%d %s r%d goto pc+%d", x->dst_reg, op, x->src_reg, x->off);
		else if (BPF_CLASS(x->code) == BPF_JMP && BPF_OP(x->code) != BPF_EXIT)
			line = r_printf(r, "if r%d %s %#x goto pc+%d", x->dst_reg, op, (unsigned)x->imm, x->off);
		else
			line = "exit";
		strv_push_copy(out, p->note[i] ? r_printf(r, "%3zu: %-28s ; %s", i, line, p->note[i])
					       : r_printf(r, "%3zu: %s", i, line));
	}
}

/* bpf(2) has no libc wrapper: every command goes through syscall(2), with the
 * attribute union and its size (the kernel checks that the unused part is zero). */
static long sys_bpf(int cmd, union bpf_attr *attr)
{
	return syscall(SYS_bpf, cmd, attr, sizeof *attr);
}

/* The ids of the device programs attached to the group itself (not those of the
 * groups above): `bpftool cgroup show DIR`. Their number, or -1. */
static int attached(struct reply *r, int fd, uint32_t *ids, uint32_t max)
{
	union bpf_attr qa;
	memset(&qa, 0, sizeof qa);
	qa.query.target_fd = (uint32_t)fd;
	qa.query.attach_type = BPF_CGROUP_DEVICE;
	qa.query.prog_ids = (uint64_t)(uintptr_t)ids;
	qa.query.prog_cnt = max;
	/* BPF_PROG_QUERY: the ids of the programs attached to this directory for one
	 * attach type. */
	long rc = sys_bpf(BPF_PROG_QUERY, &qa);
	log_call(r, rc, "bpf(BPF_PROG_QUERY, {target_fd=%d, attach_type=BPF_CGROUP_DEVICE, prog_cnt=%u}, %zu)", fd,
		 rc < 0 ? 0 : qa.query.prog_cnt, sizeof qa);
	return rc < 0 ? -1 : (int)(qa.query.prog_cnt < max ? qa.query.prog_cnt : max);
}

/* Rules given again replace the old ones, as a v1 group's "a" does: the programs that
 * were there before the new one go (BPF_PROG_GET_FD_BY_ID, then BPF_PROG_DETACH). The
 * new one is attached first, so the group is never without rules. */
static void detach_old(struct reply *r, int fd, const uint32_t *ids, int n)
{
	for (int i = 0; i < n; i++) {
		union bpf_attr id;
		memset(&id, 0, sizeof id);
		id.prog_id = ids[i];
		/* A program is detached by descriptor: BPF_PROG_GET_FD_BY_ID turns an id into one. */
		int prog = (int)sys_bpf(BPF_PROG_GET_FD_BY_ID, &id);
		log_call(r, prog, "bpf(BPF_PROG_GET_FD_BY_ID, {prog_id=%u}, %zu)", ids[i], sizeof id);
		if (prog < 0)
			continue; /* gone meanwhile */
		union bpf_attr de;
		memset(&de, 0, sizeof de);
		de.target_fd = (uint32_t)fd;
		de.attach_bpf_fd = (uint32_t)prog;
		de.attach_type = BPF_CGROUP_DEVICE;
		log_call(r, sys_bpf(BPF_PROG_DETACH, &de), "bpf(BPF_PROG_DETACH, {target_fd=%d, attach_bpf_fd=%d, "
			 "attach_type=BPF_CGROUP_DEVICE}, %zu)", fd, prog, sizeof de);
		log_call(r, close(prog), "close(%d)", prog);
	}
}

static int attach_v2(struct reply *r, const char *dir, const struct dev_policy *pol)
{
	CLEANUP(prog_free) struct prog p = { 0 };
	build(r, &p, pol);
	struct strv lines = { 0 };
	disassemble(r, &p, &lines);
	json_member_int(&r->result, "instructions", (long long)p.n);
	json_member_strv(&r->result, "program", lines.v, lines.n);
	strv_free(&lines);

	/* A person with the program compiled to an object file would type this; pinning
	 * is bpftool's way to hold it between the two commands. */
	shell_step(r, "bpftool prog load devices.o /sys/fs/bpf/bl-devices type cgroup/dev && bpftool cgroup attach %s "
		   "device pinned /sys/fs/bpf/bl-devices multi && rm /sys/fs/bpf/bl-devices", sh_word(r, dir));
	/* BPF_PROG_LOAD hands the instructions to the verifier, which proves the program
	 * reads only its context and always ends; it answers with a descriptor of the
	 * loaded program. The license only decides which kernel helpers it may call
	 * (none here). Needs CAP_BPF or CAP_SYS_ADMIN. */
	union bpf_attr load;
	memset(&load, 0, sizeof load);
	load.prog_type = BPF_PROG_TYPE_CGROUP_DEVICE;
	load.insns = (uint64_t)(uintptr_t)p.v;
	load.insn_cnt = (uint32_t)p.n;
	load.license = (uint64_t)(uintptr_t)"MIT";
	snprintf(load.prog_name, sizeof load.prog_name, "bl_devices");
	CLEANUP(fd_close) int prog = (int)sys_bpf(BPF_PROG_LOAD, &load);
	log_call(r, prog, "bpf(BPF_PROG_LOAD, {prog_type=BPF_PROG_TYPE_CGROUP_DEVICE, insn_cnt=%zu, insns=%p, "
		 "license=\"MIT\", prog_name=\"bl_devices\"}, %zu)", p.n, (void *)p.v, sizeof load);
	if (prog < 0) {
		/* Again with the verifier's log, for the reason. */
		int e = errno;
		char log[4096] = "";
		load.log_level = 1;
		load.log_buf = (uint64_t)(uintptr_t)log;
		load.log_size = sizeof log;
		if (sys_bpf(BPF_PROG_LOAD, &load) < 0 && *log)
			log_line(r, "(the verifier said: %.*s)", (int)strcspn(log, "\n"), log);
		return fail_sys(r, e, "bpf_load", dir, "load the device program (%zu instructions)", p.n);
	}

	/* Attached to the group's directory, the program runs for every process in the
	 * group and in the groups beneath it. BPF_F_ALLOW_MULTI: programs of the groups
	 * above run too, and a device must pass them all. */
	CLEANUP(fd_close) int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (log_call(r, fd, "openat(AT_FDCWD, %s, O_RDONLY|O_DIRECTORY|O_CLOEXEC)", q_str(r, dir)) < 0)
		return fail_sys(r, errno, NULL, dir, "open %s", dir);
	uint32_t ids[64];
	int old = attached(r, fd, ids, 64);
	union bpf_attr at;
	memset(&at, 0, sizeof at);
	at.target_fd = (uint32_t)fd;
	at.attach_bpf_fd = (uint32_t)prog;
	at.attach_type = BPF_CGROUP_DEVICE;
	at.attach_flags = BPF_F_ALLOW_MULTI;
	long rc = sys_bpf(BPF_PROG_ATTACH, &at);
	log_call(r, rc, "bpf(BPF_PROG_ATTACH, {target_fd=%d, attach_bpf_fd=%d, attach_type=BPF_CGROUP_DEVICE, "
		 "attach_flags=BPF_F_ALLOW_MULTI}, %zu)", fd, prog, sizeof at);
	if (rc < 0)
		return fail_sys(r, errno, "bpf_attach", dir, "attach the device program to %s", dir);
	detach_old(r, fd, ids, old);
	/* What the kernel now runs for the group itself: the new program's id. */
	int now = attached(r, fd, ids, 64);
	struct buf a = { 0 };
	buf_putc(&a, '[');
	for (int i = 0; i < now; i++)
		buf_printf(&a, "%s%u", i ? "," : "", ids[i]);
	buf_putc(&a, ']');
	json_member_raw(&r->result, "attached", a.s);
	buf_free(&a);
	/* The attachment holds the program now; our descriptors can go. The kernel frees
	 * the program when the group is removed. */
	log_call(r, close(prog), "close(%d)", prog);
	log_call(r, close(fd), "close(%d)", fd);
	prog = fd = -1;
	return 0;
}

/* ------------------------------------------------------------ the rules of a group */

int cgroup_devices_apply(struct reply *r, const struct cg_ref *g, char *const *rules, size_t n)
{
	struct dev_policy p = { .allow_all = false };
	int rc = -1;
	for (size_t i = 0; i < n; i++) {
		struct dev_rule d, hole;
		const char *why;
		char text[64];
		if (dev_rule_parse(rules[i], &d) < 0) {
			fail_usage(r, state_hint("cg_device_rule"), "rules[%zu]: \"%s\" is not a device rule", i, rules[i]);
			goto out;
		}
		if (dev_policy_apply(&p, &d, &why, &hole) < 0) {
			fail_usage(r, state_hint("cg_device_hole"), "rules[%zu] (%s) %s%s%s", i, rules[i], why,
				   hole.type ? ": " : "", hole.type ? dev_rule_text(&hole, text, sizeof text) : "");
			goto out;
		}
	}
	qsort(p.ex, p.n, sizeof *p.ex, by_number);
	const char *dir;
	bool v2;
	if (cgroup_dir(r, g, "devices", &dir, &v2) < 0)
		goto out;
	json_member_str(&r->result, "path", dir);
	json_member_str(&r->result, "default", p.allow_all ? "allow" : "deny");
	struct strv ex = { 0 };
	char text[64];
	for (size_t i = 0; i < p.n; i++)
		strv_push_copy(&ex, r_printf(r, "%s %s", p.ex[i].allow ? "allow" : "deny", dev_rule_text(&p.ex[i], text, sizeof text)));
	json_member_strv(&r->result, "exceptions", ex.v, ex.n);
	strv_free(&ex);
	rc = v2 ? attach_v2(r, dir, &p) : write_v1(r, dir, &p);
out:
	dev_policy_free(&p);
	return rc;
}

/* ------------------------------------------------------------ the op */

int op_cgroup_devices(const struct request *q, struct reply *r)
{
	char **rules = NULL;
	size_t n = 0;
	struct cg_ref g = { 0 };
	if (arg_strv(r, q, "rules", true, &rules, &n) < 0 || arg_str(r, q, "cgroup", true, &g.name) < 0 ||
	    arg_str(r, q, "parent", false, &g.parent) < 0)
		return -1;
	return cgroup_devices_apply(r, &g, rules, n);
}
