/* sysprobe.c - what a seccomp filter does to each system call (test/oci/seccomp.test.ts).
 *
 *   sysprobe call NR[,A0,...,A5] ...   inside a container: each call made for real,
 *                                      through this binary's own ABI (built -m32 it is
 *                                      i386), in a child of its own, one line each:
 *                                      "NR ret 0", "NR err ERRNO" or "NR signal SIG"
 *
 * A number with bit 30 set (0x40000000|N) made from the x86_64 build is an x32 call:
 * the kernel runs the filter on it with AUDIT_ARCH_X86_64 even where it has no x32.
 * Built static, so it runs in any rootfs. Test code: it is not part of boxcore.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static int call(const char *spec)
{
	long v[7] = { 0 };
	int n = 0;
	char *copy = strdup(spec), *save = NULL;
	for (char *w = strtok_r(copy, ",", &save); w && n < 7; w = strtok_r(NULL, ",", &save))
		v[n++] = (long)strtoull(w, NULL, 0);
	free(copy);
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0) {
		errno = 0;
		long rc = syscall(v[0], v[1], v[2], v[3], v[4], v[5], v[6]);
		if (rc < 0)
			printf("%s err %d\n", spec, errno);
		else
			printf("%s ret %ld\n", spec, rc);
		fflush(stdout);
		_exit(0);
	}
	int status = 0;
	if (pid < 0 || waitpid(pid, &status, 0) < 0)
		return -1;
	if (WIFSIGNALED(status))
		printf("%s signal %d\n", spec, WTERMSIG(status));
	return 0;
}

int main(int argc, char **argv)
{
	if (argc >= 2 && strcmp(argv[1], "call") == 0) {
		setvbuf(stdout, NULL, _IOLBF, 0);
		for (int i = 2; i < argc; i++)
			if (call(argv[i]) < 0)
				return 1;
		return 0;
	}
	fprintf(stderr, "usage: sysprobe call NR[,A0,...] ...\n");
	return 2;
}
