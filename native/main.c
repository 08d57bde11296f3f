/* main.c - boxcore's command line.
 *
 *   boxcore serve [--fds IN,OUT]
 *   boxcore enter PID [--ns LIST] [--] CMD [ARG...]
 *   boxcore probe PID WHAT
 *   boxcore mknod PATH c|b|p MAJOR MINOR MODE | xattr get|set PATH NAME [VALUE]
 *   boxcore rmtree [--owner UID] PATH | writefile --as UID:GID PATH
 *   boxcore --version | --help
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "boxcore.h"
#include "oci.h"
#include "serve.h"

static const char usage[] =
	"usage: boxcore serve [--fds IN,OUT]      serve requests, one JSON object per line\n"
	"       boxcore enter PID [--ns LIST] [--] CMD [ARG...]\n"
	"                                         join PID's namespaces and run CMD on this terminal\n"
	"       boxcore probe PID WHAT            print PID's uts and/or ipc view as JSON (WHAT: uts,ipc)\n"
	"       boxcore mknod PATH c|b|p MAJOR MINOR MODE\n"
	"       boxcore xattr get PATH NAME | xattr set PATH NAME VALUE\n"
	"                                         the special files and overlay marks of image layers\n"
	"       boxcore rmtree [--owner UID] PATH  remove a tree without following a link (hostfs.c)\n"
	"       boxcore writefile --as UID:GID PATH\n"
	"                                         write stdin to PATH as that user, atomically\n"
	"       boxcore --version | --help\n"
	"\n"
	"As an OCI runtime, with runc's arguments (see native/PROTOCOL.md, \"OCI runtime\"):\n"
	"       boxcore [--root DIR] [--debug] [--log FILE] COMMAND\n"
	"         create [-b BUNDLE] [--pid-file F] [--console-socket S] ID    start ID    state ID\n"
	"         kill [-a] ID [SIGNAL]    delete [-f] ID    pause ID    resume ID    list [-f json] [-q]\n"
	"         run [-b BUNDLE] [--pid-file F] [--console-socket S] [-d] [--keep] ID\n"
	"         exec [--cwd D] [-e K=V] [-t] [-u UID[:GID]] [-p process.json] [-d] ID [CMD ARG...]\n"
	"         spec [-b BUNDLE] [--rootless]      write a default config.json\n"
	"\n"
	"serve reads requests on fd 0 and writes replies on fd 1; with --fds IN,OUT it uses\n"
	"those fds and leaves 0, 1, 2 to the containers. See native/PROTOCOL.md.\n"
	"LIST and namespaces: pid uts mnt ipc net user cgroup (comma separated).\n";

static int parse_fds(const char *s, int *in, int *out)
{
	char *end;
	long a = strtol(s, &end, 10);
	if (end == s || *end != ',')
		return -1;
	const char *p = end + 1;
	long b = strtol(p, &end, 10);
	if (end == p || *end != 0 || a < 0 || b < 0 || a > 65535 || b > 65535)
		return -1;
	/* Both must be open descriptors. */
	if (fcntl((int)a, F_GETFD) < 0 || fcntl((int)b, F_GETFD) < 0)
		return -2;
	*in = (int)a;
	*out = (int)b;
	return 0;
}

static int cmd_serve(int argc, char **argv)
{
	bool fds_mode = false;
	int req_fd = 0, rep_fd = 1;
	if (argc == 4 && strcmp(argv[2], "--fds") == 0) {
		int rc = parse_fds(argv[3], &req_fd, &rep_fd);
		if (rc == -2) {
			fprintf(stderr, "boxcore serve: --fds %s: not an open file descriptor\n", argv[3]);
			return 2;
		}
		if (rc < 0) {
			fprintf(stderr, "boxcore serve: --fds wants IN,OUT (two numbers), not \"%s\"\n", argv[3]);
			return 2;
		}
		fds_mode = true;
	} else if (argc != 2) {
		fputs(usage, stderr);
		return 2;
	}
	if (core_init(fds_mode, req_fd, rep_fd) < 0)
		return 1;
	return serve_main();
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fputs(usage, stderr);
		return 2;
	}
	const char *cmd = argv[1];
	if (strcmp(cmd, "--version") == 0 || strcmp(cmd, "-V") == 0) {
		printf("boxcore %s\n", BOXCORE_VERSION);
		return 0;
	}
	if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0 || strcmp(cmd, "help") == 0) {
		fputs(usage, stdout);
		return 0;
	}
	if (strcmp(cmd, "serve") == 0)
		return cmd_serve(argc, argv);
	if (strcmp(cmd, "enter") == 0)
		return cli_enter(argc, argv);
	if (strcmp(cmd, "probe") == 0)
		return cli_probe(argc, argv);
	if (strcmp(cmd, "mknod") == 0)
		return cli_mknod(argc, argv);
	if (strcmp(cmd, "xattr") == 0)
		return cli_xattr(argc, argv);
	if (strcmp(cmd, "rmtree") == 0)
		return cli_rmtree(argc, argv);
	if (strcmp(cmd, "writefile") == 0)
		return cli_writefile(argc, argv);
	/* The OCI runtime's commands, after its global options (oci.c). */
	if (oci_is_command(cmd) || strncmp(cmd, "--", 2) == 0) {
		int i = oci_global_opts(argc, argv);
		if (i < 0)
			return 2;
		if (i < argc && oci_is_command(argv[i]))
			return oci_main(argc, argv, i);
		if (i < argc)
			cmd = argv[i];
	}
	fprintf(stderr, "boxcore: unknown command \"%s\"\n", cmd);
	fputs(usage, stderr);
	return 2;
}
