/* lsm.c - mandatory access control: the AppArmor profile a container's program runs
 * under.
 *
 * Capabilities and seccomp say what root inside may do in general; a Linux Security
 * Module (LSM) such as AppArmor checks each access against a policy the host's
 * administrator loaded (apparmor_parser), by path: a profile may deny writes under
 * /proc/sys, mounts, or reading /etc/shadow, whatever the process's uid and
 * capabilities. A denial fails with EACCES, and the kernel logs an audit line
 * (apparmor="DENIED" operation="open" profile="..." name="..."). A process is put
 * under a profile when it execs: it writes "exec PROFILE" to its own
 * /proc/self/attr/apparmor/exec first (Linux 5.8 and later; older kernels have only
 * the file every LSM shares, /proc/self/attr/exec), and the next execve(2) makes the
 * change. That is what runc does for process.apparmorProfile, and `aa-exec -p
 * PROFILE CMD` from a shell.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "boxcore.h"
#include "errors.h"
#include "security.h"

/* A profile name as the lab passes it on: printable words, no space or newline (the
 * kernel reads up to the end of the write; a newline would end the command early). */
static bool profile_name_ok(const char *p)
{
	size_t n = strlen(p);
	if (n == 0 || n > 255)
		return false;
	for (size_t i = 0; i < n; i++)
		if (p[i] <= ' ' || p[i] > '~')
			return false;
	return true;
}

/* The profile the next execve(2) puts this process under. */
static int apparmor_exec(struct reply *r, const char *profile)
{
	static const char *const files[] = { "/proc/self/attr/apparmor/exec", "/proc/self/attr/exec" };
	const char *cmd = r_printf(r, "exec %s", profile);
	for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
		/* The per-LSM file where there is one: the shared one belongs to whichever
		 * LSM is the "major" one, which may not be AppArmor. */
		if (i > 0 && access("/proc/self/attr/apparmor", F_OK) == 0)
			break;
		int fd = open(files[i], O_WRONLY | O_CLOEXEC);
		log_call(r, fd, "openat(AT_FDCWD, %s, O_WRONLY|O_CLOEXEC)", q_str(r, files[i]));
		if (fd < 0 && errno == ENOENT && i == 0)
			continue;
		if (fd < 0)
			return fail_sys(r, errno, NULL, files[i], "open %s", files[i]);
		shell_step(r, "echo %s > %s", sh_word(r, cmd), files[i]);
		/* One write: the whole command. The kernel checks the profile exists and that
		 * this process may change to it when the write happens, not at exec. */
		ssize_t n = write(fd, cmd, strlen(cmd));
		int e = errno;
		log_call(r, n, "write(%d, %s, %zu)", fd, q_str(r, cmd), strlen(cmd));
		close(fd);
		if (n < 0)
			return fail_sys(r, e, NULL, profile, "set AppArmor profile %s for the next exec", profile);
		json_member_str(&r->result, "file", files[i]);
		return 0;
	}
	return fail_state(r, state_hint("no_apparmor"), "this kernel has no AppArmor (there is no /proc/self/attr/apparmor)");
}

int op_apparmor_exec(const struct request *q, struct reply *r)
{
	const char *profile = NULL;
	if (arg_str(r, q, "profile", true, &profile) < 0)
		return -1;
	if (!profile_name_ok(profile))
		return fail_usage(r, usage_example("apparmor_exec"), "profile: \"%s\" is not a profile name (printable, no spaces, at most 255 bytes)",
				  profile);
	return apparmor_exec(r, profile);
}
