/* syscalls.c - the system calls of each ABI a process on this machine can use.
 *
 * A process enters the kernel through an ABI, and each ABI numbers the calls its own
 * way: mkdir is 83 for an x86_64 program, 39 for an i386 one (a 32-bit binary, through
 * int 0x80 or sysenter), and 83 | 0x40000000 for an x32 one (64-bit registers, 32-bit
 * pointers: the same entry as x86_64, told apart by bit 30 of the number). seccomp
 * hands a filter the ABI as seccomp_data.arch (AUDIT_ARCH_*) and the number in that
 * ABI's numbering, so a filter that names calls must check the arch first and look the
 * names up in the right table. The tables come from the kernel headers at build time
 * (syscalls_*.h, made by the Makefile); seccomp profiles name the ABIs as libseccomp
 * does (SCMP_ARCH_X86_64).
 *
 * i386 also has two old "multiplexer" calls: socketcall(CALL, ARGS) carries socket,
 * bind, connect ... (CALL 1-20, <linux/net.h>) and ipc(CALL, ...) carries semop, msgget,
 * shmat ... (CALL 1-24, <linux/ipc.h>). Since Linux 4.3 those have direct numbers too,
 * but programs built for older kernels still go through the multiplexer, so a rule on
 * "socket" must also catch socketcall(1, ...): seccomp.c adds that, as libseccomp does.
 */
#define _GNU_SOURCE
#include <linux/audit.h>
#include <string.h>

#include "security.h"

struct entry {
	const char *name;
	int nr;
};

static const struct entry native_table[] = {
#include "syscalls_native.h"
};
#if defined(__x86_64__)
static const struct entry i386_table[] = {
#include "syscalls_i386.h"
	{ NULL, -1 } /* the table may be empty on a machine without the header */
};
static const struct entry x32_table[] = {
#include "syscalls_x32.h"
	{ NULL, -1 }
};
#endif

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))
#define X32_SYSCALL_BIT 0x40000000U

struct table {
	const struct entry *v;
	size_t n;
};

/* The ABIs of this build, the native one first, each with its table. */
static const struct {
	struct sc_abi abi;
	struct table t;
} abis[] = {
#if defined(__x86_64__)
	{ { "x86_64", "SCMP_ARCH_X86_64", AUDIT_ARCH_X86_64, 0, true, false }, { native_table, COUNT(native_table) } },
	{ { "i386", "SCMP_ARCH_X86", AUDIT_ARCH_I386, 0, false, true }, { i386_table, COUNT(i386_table) - 1 } },
	{ { "x32", "SCMP_ARCH_X32", AUDIT_ARCH_X86_64, X32_SYSCALL_BIT, false, false }, { x32_table, COUNT(x32_table) - 1 } },
#elif defined(__aarch64__)
	{ { "aarch64", "SCMP_ARCH_AARCH64", AUDIT_ARCH_AARCH64, 0, true, false }, { native_table, COUNT(native_table) } },
#else
#error "syscalls.c knows x86_64 and aarch64"
#endif
};

/* Every SCMP_ARCH_ name libseccomp (and so runc) takes, by family: a kernel runs the
 * ABIs of its own family only, so a profile's entries for another family can never
 * match a call here (runc's filters carry them as dead code; boxcore leaves them out). */
static const struct {
	const char *scmp, *family;
} arch_names[] = {
	{ "SCMP_ARCH_X86", "x86" }, { "SCMP_ARCH_X86_64", "x86" }, { "SCMP_ARCH_X32", "x86" },
	{ "SCMP_ARCH_ARM", "arm" }, { "SCMP_ARCH_AARCH64", "arm" },
	{ "SCMP_ARCH_MIPS", "mips" }, { "SCMP_ARCH_MIPS64", "mips" }, { "SCMP_ARCH_MIPS64N32", "mips" },
	{ "SCMP_ARCH_MIPSEL", "mips" }, { "SCMP_ARCH_MIPSEL64", "mips" }, { "SCMP_ARCH_MIPSEL64N32", "mips" },
	{ "SCMP_ARCH_PPC", "ppc" }, { "SCMP_ARCH_PPC64", "ppc" }, { "SCMP_ARCH_PPC64LE", "ppc" },
	{ "SCMP_ARCH_S390", "s390" }, { "SCMP_ARCH_S390X", "s390" },
	{ "SCMP_ARCH_PARISC", "parisc" }, { "SCMP_ARCH_PARISC64", "parisc" },
	{ "SCMP_ARCH_RISCV64", "riscv" },
};
#if defined(__x86_64__)
#define FAMILY "x86"
#else
#define FAMILY "arm"
#endif

const struct sc_abi *sc_abi_native(void)
{
	return &abis[0].abi;
}

static const struct table *table_of(const struct sc_abi *abi)
{
	for (size_t i = 0; i < COUNT(abis); i++)
		if (&abis[i].abi == abi)
			return &abis[i].t;
	return NULL;
}

int sc_abi_find(const char *scmp, const struct sc_abi **abi)
{
	*abi = NULL;
	for (size_t i = 0; i < COUNT(abis); i++)
		if (strcmp(abis[i].abi.scmp, scmp) == 0) {
			if (abis[i].t.n == 0)
				return SC_ABI_NO_TABLE;
			*abi = &abis[i].abi;
			return SC_ABI_OK;
		}
	for (size_t i = 0; i < COUNT(arch_names); i++)
		if (strcmp(arch_names[i].scmp, scmp) == 0)
			return strcmp(arch_names[i].family, FAMILY) == 0 ? SC_ABI_NO_TABLE : SC_ABI_FOREIGN;
	return SC_ABI_UNKNOWN;
}

int sc_number(const struct sc_abi *abi, const char *name)
{
	const struct table *t = table_of(abi);
	for (size_t i = 0; t && i < t->n; i++)
		if (strcmp(t->v[i].name, name) == 0)
			return (int)((unsigned)t->v[i].nr | abi->nr_bit);
	return -1;
}

const char *sc_name(const struct sc_abi *abi, unsigned nr)
{
	const struct table *t = table_of(abi);
	if ((nr & X32_SYSCALL_BIT) != abi->nr_bit)
		return NULL;
	for (size_t i = 0; t && i < t->n; i++)
		if ((unsigned)t->v[i].nr == (nr & ~abi->nr_bit))
			return t->v[i].name;
	return NULL;
}

int sc_count(const struct sc_abi *abi)
{
	const struct table *t = table_of(abi);
	return t ? (int)t->n : 0;
}

/* socketcall's and ipc's CALL numbers (<linux/net.h> SYS_SOCKET..., <linux/ipc.h>
 * SEMOP...), in libseccomp's order. */
static const struct {
	const char *name;
	unsigned call;
} socket_calls[] = {
	{ "socket", 1 }, { "bind", 2 }, { "connect", 3 }, { "listen", 4 }, { "accept", 5 }, { "getsockname", 6 },
	{ "getpeername", 7 }, { "socketpair", 8 }, { "send", 9 }, { "recv", 10 }, { "sendto", 11 }, { "recvfrom", 12 },
	{ "shutdown", 13 }, { "setsockopt", 14 }, { "getsockopt", 15 }, { "sendmsg", 16 }, { "recvmsg", 17 },
	{ "accept4", 18 }, { "recvmmsg", 19 }, { "sendmmsg", 20 },
}, ipc_calls[] = {
	{ "semop", 1 }, { "semget", 2 }, { "semctl", 3 }, { "semtimedop", 4 }, { "msgsnd", 11 }, { "msgrcv", 12 },
	{ "msgget", 13 }, { "msgctl", 14 }, { "shmat", 21 }, { "shmdt", 22 }, { "shmget", 23 }, { "shmctl", 24 },
};

int sc_multiplexed(const struct sc_abi *abi, const char *name, int *via, unsigned *call)
{
	if (!abi->multiplexed)
		return 0;
	for (size_t i = 0; i < COUNT(socket_calls); i++)
		if (strcmp(socket_calls[i].name, name) == 0) {
			*via = sc_number(abi, "socketcall");
			*call = socket_calls[i].call;
			return *via >= 0;
		}
	for (size_t i = 0; i < COUNT(ipc_calls); i++)
		if (strcmp(ipc_calls[i].name, name) == 0) {
			*via = sc_number(abi, "ipc");
			*call = ipc_calls[i].call;
			return *via >= 0;
		}
	return 0;
}
