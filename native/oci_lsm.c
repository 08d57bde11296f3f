/* oci_lsm.c - the Linux security modules a container's profile or label is for.
 *
 * AppArmor confines a program by a profile, SELinux by a label; either is set on a
 * process for its next execve by writing to /proc/self/attr/.../exec, and both
 * runtimes do it just before the container's program runs. A file system mounted for
 * the container gets SELinux's label as the context= mount option. None of this works
 * where the host does not run that module: then the config is refused by name, before
 * anything is made (runc fails the same configs, later). Which modules run, the way
 * runc asks: AppArmor says so in /sys/module/apparmor/parameters/enabled, SELinux by
 * having its filesystem (/sys/fs/selinux) mounted.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "errors.h"
#include "oci.h"

static bool first_char_is(const char *path, char c)
{
	char b = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	bool yes = fd >= 0 && read(fd, &b, 1) == 1 && b == c;
	if (fd >= 0)
		close(fd);
	return yes;
}

bool oci_lsm_apparmor(void)
{
	return first_char_is("/sys/module/apparmor/parameters/enabled", 'Y');
}

bool oci_lsm_selinux(void)
{
	return access("/sys/fs/selinux/enforce", R_OK) == 0;
}

const char *oci_lsm_running(struct reply *r)
{
	char list[256] = "";
	int fd = open("/sys/kernel/security/lsm", O_RDONLY | O_CLOEXEC);
	ssize_t n = fd >= 0 ? read(fd, list, sizeof list - 1) : -1;
	if (fd >= 0)
		close(fd);
	if (n > 0) {
		list[n] = 0;
		return r_printf(r, "this kernel runs %s", list);
	}
	return r_printf(r, "AppArmor is %s, SELinux %s", oci_lsm_apparmor() ? "on" : "off", oci_lsm_selinux() ? "on" : "off");
}

/* Write the attribute for the next execve of this thread. */
static int write_attr(struct reply *r, const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	ssize_t n = fd >= 0 ? write(fd, text, strlen(text)) : -1;
	int e = errno;
	log_call(r, n, "write(%s, %s)", q_str(r, path), q_str(r, text));
	if (fd >= 0)
		close(fd);
	if (n < 0)
		return fail_sys(r, e, NULL, path, "write %s to %s", text, path);
	return 0;
}

int oci_lsm_exec_profile(struct reply *r, const char *profile)
{
	/* AppArmor's own attribute directory (Linux 5.8+), else the shared one. */
	const char *path = access("/proc/self/attr/apparmor/exec", F_OK) == 0 ? "/proc/self/attr/apparmor/exec"
										: "/proc/self/attr/exec";
	shell_step(r, "aa-exec -p %s -- PROGRAM", sh_word(r, profile));
	return write_attr(r, path, r_printf(r, "exec %s", profile));
}

int oci_lsm_exec_label(struct reply *r, const char *label)
{
	shell_step(r, "runcon %s PROGRAM", sh_word(r, label));
	return write_attr(r, "/proc/self/attr/exec", label);
}
