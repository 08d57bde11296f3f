/* layerfs.c - the two filesystem calls an image layer needs that Node cannot make.
 *
 *   boxcore mknod PATH c|b|p MAJOR MINOR MODE
 *   boxcore xattr get PATH NAME
 *   boxcore xattr set PATH NAME VALUE
 *
 * Unpacking a layer for overlayfs turns a `.wh.NAME` tar entry into a whiteout, which
 * is a character device with device number 0/0, and `.wh..wh..opq` into the extended
 * attribute trusted.overlay.opaque="y" on its directory; committing a container's
 * upper directory reads them back. Layers also carry ordinary device nodes and FIFOs
 * (a rootfs's /dev). These are mknod(2), lsetxattr(2) and lgetxattr(2); the lab's
 * image code (src/images/) runs them through these commands.
 *
 * Exit status: 0 done (get prints the value on stdout); 1 get: the file has no such
 * attribute (ENODATA); 2 wrong arguments, or the kernel said no (the message says why).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "boxcore.h"

static int number(const char *s, int base, unsigned long max, unsigned long *out)
{
	char *end;
	errno = 0;
	unsigned long v = strtoul(s, &end, base);
	if (errno || end == s || *end || v > max)
		return -1;
	*out = v;
	return 0;
}

int cli_mknod(int argc, char **argv)
{
	unsigned long major, minor, mode;
	const char *type = argc == 7 ? argv[3] : "";
	if (argc != 7 || strlen(type) != 1 || !strchr("cbp", type[0]) || number(argv[4], 10, 0xfffff, &major) ||
	    number(argv[5], 10, 0xfffff, &minor) || number(argv[6], 8, 07777, &mode)) {
		fputs("usage: boxcore mknod PATH c|b|p MAJOR MINOR MODE (MODE in octal; a whiteout is: c 0 0 0)\n",
		      stderr);
		return 2;
	}
	mode_t kind = type[0] == 'b' ? S_IFBLK : type[0] == 'p' ? S_IFIFO : S_IFCHR;
	/* A special file names a device by its major and minor numbers (none for a FIFO).
	 * 0/0 is no device at all: overlayfs reads a character device 0/0 in a layer as
	 * "this name was deleted". Making a device node needs CAP_MKNOD (root). */
	if (mknod(argv[2], kind | (mode_t)mode, makedev(major, minor)) < 0) {
		fprintf(stderr, "boxcore mknod %s: %s%s\n", argv[2], strerror(errno),
			errno == EPERM ? " (making device nodes needs root: CAP_MKNOD)" : "");
		return 2;
	}
	/* The umask took bits off the mode: set it exactly (not for a FIFO's sake only). */
	if (chmod(argv[2], (mode_t)mode) < 0) {
		fprintf(stderr, "boxcore mknod %s: chmod: %s\n", argv[2], strerror(errno));
		return 2;
	}
	return 0;
}

int cli_xattr(int argc, char **argv)
{
	bool get = argc == 5 && strcmp(argv[2], "get") == 0;
	bool set = argc == 6 && strcmp(argv[2], "set") == 0;
	if (!get && !set) {
		fputs("usage: boxcore xattr get PATH NAME | boxcore xattr set PATH NAME VALUE\n", stderr);
		return 2;
	}
	const char *path = argv[3], *name = argv[4];
	/* The l- calls act on a symbolic link itself, never on what it points to: a layer
	 * must not reach outside its directory through a link. trusted.* attributes need
	 * CAP_SYS_ADMIN; overlayfs keeps its marks there (user.overlay.* with userxattr). */
	if (set) {
		const char *value = argv[5];
		if (lsetxattr(path, name, value, strlen(value), 0) < 0) {
			fprintf(stderr, "boxcore xattr set %s %s: %s%s\n", path, name, strerror(errno),
				errno == EPERM ? " (trusted.* attributes need root: CAP_SYS_ADMIN)" : "");
			return 2;
		}
		return 0;
	}
	char value[4096];
	ssize_t n = lgetxattr(path, name, value, sizeof value);
	if (n < 0 && errno == ENODATA)
		return 1;
	if (n < 0) {
		fprintf(stderr, "boxcore xattr get %s %s: %s\n", path, name, strerror(errno));
		return 2;
	}
	fwrite(value, 1, (size_t)n, stdout);
	return 0;
}
