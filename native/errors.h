/* errors.h - every word boxcore says to a person lives in errors.c.
 *
 * errno names (EINVAL), and for an (op, errno) pair a plain explanation of why the
 * kernel said no and a hint of what to do. A "variant" picks a more specific text when
 * the op found out more (pivot_root's EINVAL: not a mount point, a shared mount, or the
 * initramfs). "{path}" in a text is replaced by the path the op worked on.
 */
#ifndef BOXCORE_ERRORS_H
#define BOXCORE_ERRORS_H

struct advice {
	const char *explain;
	const char *hint;
};

const char *errno_name(int err);
int errno_number(const char *name); /* "EPERM" -> 1; -1 when unknown */

/* Signal names without the SIG prefix ("TERM"), and back: "TERM", "SIGTERM", "term"
 * or "15" give 15; -1 when unknown. */
const char *signal_name(int sig);
int signal_number(const char *name);

/* Plain words for a failed syscall. Never returns NULL fields: empty strings instead. */
struct advice advice_for(const char *op, int err, const char *variant);

/* Text for usage and state errors, keyed by a short name. */
const char *usage_example(const char *op);
const char *state_hint(const char *what);

/* The accepted values of an enumerated argument, for usage hints. */
#define NS_ACCEPTED "pid uts mnt ipc net user cgroup"
#define MOUNT_TYPES_ACCEPTED "proc sysfs tmpfs bind overlay devpts mqueue"
#define PROPAGATION_ACCEPTED "private slave shared unbindable"
#define STDIO_ACCEPTED "inherit null pty"

#endif
