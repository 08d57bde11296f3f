/* uts.c - the UTS namespace: hostname and NIS domain name.
 *
 * "UTS" is the utsname structure uname(2) returns. A UTS namespace gives the
 * container its own nodename and domainname; the host's stay as they were.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "boxcore.h"

int uts_set_hostname(struct reply *r, const char *name)
{
	size_t len = strlen(name);
	/* sethostname changes the nodename of this process's UTS namespace;
	 * `hostname box` is the shell's way. */
	shell_step(r, "hostname %s", sh_word(r, name));
	if (log_call(r, sethostname(name, len), "sethostname(%s, %zu)", q_str(r, name), len) < 0)
		return fail_sys(r, errno, NULL, name, "sethostname %s", name);
	return 0;
}

int uts_set_domainname(struct reply *r, const char *name)
{
	size_t len = strlen(name);
	/* The NIS domain name, the other half of UTS; `domainname lab` in a shell. */
	shell_step(r, "domainname %s", sh_word(r, name));
	if (log_call(r, setdomainname(name, len), "setdomainname(%s, %zu)", q_str(r, name), len) < 0)
		return fail_sys(r, errno, NULL, name, "setdomainname %s", name);
	return 0;
}

int op_sethostname(const struct request *q, struct reply *r)
{
	const char *name = NULL;
	if (arg_str(r, q, "name", true, &name) < 0)
		return -1;
	return uts_set_hostname(r, name);
}

int op_setdomainname(const struct request *q, struct reply *r)
{
	const char *name = NULL;
	if (arg_str(r, q, "name", true, &name) < 0)
		return -1;
	return uts_set_domainname(r, name);
}
