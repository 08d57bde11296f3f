// Every word the command line says to a person, in one place, so a translation can
// follow without touching code.

export const VERSION = '0.1.0';

export const USAGE = `boxlab ${VERSION} — learn how containers work, one kernel step at a time

Usage:
  boxlab                      open the lab (terminal UI)
  boxlab list [--json]        list the lessons
  boxlab lesson ID [--yes] [--markdown|--json]
                              run a lesson as plain text (--yes solves its tasks)
  boxlab run [OPTIONS] -- CMD [ARG...]
                              run a whole container from the same core ops
  boxlab rootfs [DIR] [--force] [--from busybox|host]
                              build the minimal rootfs 'run' uses (offline)
  boxlab state PID [--view LIST] [--json]
                              show the kernel state views of any process
  boxlab doctor [--json]      what this machine can do, chapter by chapter
  boxlab cleanup [--dry-run] [--json]
                              remove what a killed boxlab left behind
  boxlab --version | --help

Run 'boxlab COMMAND --help' for a command's options.`;

export const RUN_USAGE = `Usage: boxlab run [OPTIONS] -- CMD [ARG...]

Runs CMD in a new container: every namespace, an overlay over the rootfs (the rootfs
itself is never written), pivot_root, /proc and a minimal /dev.

Options:
  --rootfs DIR        root filesystem (default: the cached one, built if missing)
  --hostname NAME     hostname inside (needs uts)
  --ns LIST           namespaces, comma separated, from pid,uts,mnt,ipc,net,user,cgroup
                      (default: all but user; --user adds user)
  --user              rootless: root inside is an unprivileged user outside
  -v, --volume SRC:DST[:ro]
                      bind-mount a host path into the container
  --tmpfs DST         mount a fresh tmpfs at DST
  --read-only         mount the container's root read-only
  -e, --env K=V       set an environment variable (repeatable)

The exit status is CMD's (128+N when a signal N killed it); 125 means boxlab itself
could not make the container.`;

export const LAB_USAGE = `Usage: boxlab [--present]

Opens the lab. --present is for workshops: one step per screen, a large state panel,
speaker notes hidden. Needs a terminal; for scripts use 'boxlab lesson ID --yes'.`;

export const LIST_USAGE = `Usage: boxlab list [--json]

Lists the lessons: id, title, and whether they need root.`;

export const LESSON_USAGE = `Usage: boxlab lesson ID [--yes] [--markdown|--json] [--until N]

Runs a lesson straight through as plain text: prose, commands, syscalls, the state
before and after, and the diff. --yes solves its tasks with their solutions; the exit
status is 0 only if every check passes. --markdown writes a handout, --json an event
stream. --until N stops after step N and keeps the lesson's containers until Ctrl-C, so
you can look at them from another terminal (boxlab state PID).`;

export const DOCTOR_USAGE = `Usage: boxlab doctor [--json]

Tells what this machine can do for the course: kernel, cgroup layout and controllers,
privileges, user namespaces, overlayfs, loop devices, netfilter, KVM, runc/crun, mount
propagation, WSL or a container as host; then, chapter by chapter, whether the lessons
will run here and if not, why and what to do. Exit status 0 means the whole course can
run.`;

export const STATE_USAGE = `Usage: boxlab state PID [--view LIST] [--json]

Prints kernel state views of process PID: ns, proc, ids, uts, mounts, fs, ipc
(default: all).`;

export const ROOTFS_USAGE = `Usage: boxlab rootfs [DIR] [--force] [--from busybox|host]

Builds a minimal root filesystem offline: a static busybox if the host has one, else
the host's own programs with the libraries they load. Default DIR: the cache that
'boxlab run' uses.`;

export const CLEANUP_USAGE = `Usage: boxlab cleanup [--dry-run] [--json]

Removes what boxlab processes that are no longer running left on this machine, as
their ledgers list it (never anything else). Safe while another boxlab runs.`;

export const msg = {
  unknownCommand: (c: string) => `boxlab: unknown command '${c}'. Run 'boxlab --help' for the list.`,
  needsRoot: (what: string) =>
    `boxlab ${what} needs root: namespaces, mounts and cgroups are privileged. Run it with sudo, or use --user for a rootless container.`,
  notLinux: 'boxlab teaches the Linux kernel and runs only on Linux. On macOS or Windows, use a Linux VM (for example with multipass or WSL 2).',
  buildingRootfs: (dir: string) => `boxlab: building the default rootfs in ${dir} (once)...`,
  rootfsBuilt: (dir: string, source: string, n: number) => `rootfs ready in ${dir} (${source}, ${n} programs)`,
  noPid: (pid: string) => `no such process: ${pid}. Give the pid of a running process, as the host sees it.`,
  cleanupNothing: 'nothing to clean up: no ledger of a dead boxlab remains.',
  cleanupLive: (pids: number[]) => `left alone: the ledgers of running boxlab processes ${pids.join(', ')}.`,
  cleanupDone: (n: number) => `removed ${n} resource${n === 1 ? '' : 's'}.`,
  cleanupWould: (n: number) => `would remove ${n} resource${n === 1 ? '' : 's'} (dry run: nothing changed).`,
};

export const doctorText = {
  kernel: 'kernel',
  kernelOld: 'boxlab is tested on Linux 5.10 and later; some lessons may fail on older kernels',
  root: 'privileges',
  isRoot: 'root: the whole course can run',
  notRoot: 'not root: only the rootless lessons can run',
  rootFix: 'run boxlab with sudo for the full course',
  cgroup: 'cgroups',
  layouts: { v1: 'cgroup v1', v2: 'cgroup v2 (unified)', hybrid: 'hybrid (v1 controllers, v2 at /sys/fs/cgroup/unified)', none: 'no cgroup filesystem mounted' },
  controllers: 'controllers',
  none: 'none',
  cgroupFix: 'mount cgroup2 at /sys/fs/cgroup (mount -t cgroup2 none /sys/fs/cgroup), or boot with systemd',
  userns: 'user namespaces',
  usernsOk: (max: string) => `an unprivileged user can make one (max_user_namespaces=${max})`,
  usernsBlocked: (why: string) => `an unprivileged user cannot make one${why ? ` (${why})` : ''}`,
  usernsFix: (why: string) => why ? `sysctl -w ${why.replace(/=.*/, '')}=${why.includes('apparmor') ? '0' : '1'} (as root) enables them` : 'check the kernel was built with CONFIG_USER_NS',
  overlay: 'overlayfs',
  overlayOk: (loaded: boolean, inUserns: boolean) => `${loaded ? 'loaded' : 'available as a module'}${inUserns ? '; mountable inside a user namespace (5.11+)' : '; not inside a user namespace before 5.11'}`,
  overlayMissing: 'overlayfs is not in this kernel',
  overlayFix: 'use a kernel built with CONFIG_OVERLAY_FS (every distribution kernel has it)',
  loop: 'loop devices',
  loopMissing: 'no /dev/loop-control: the io throttling lesson needs a loop device',
  loopFix: 'modprobe loop (as root)',
  netfilter: 'netfilter',
  netfilterMissing: 'neither nft nor iptables is installed: the NAT lessons need one',
  netfilterFix: 'apt-get install nftables (or iptables)',
  kvmOk: '/dev/kvm exists (nested virtualisation may still hang: the cgroup-v2 tests use software emulation)',
  kvmMissing: 'no /dev/kvm: the cgroup-v2 test rig runs under software emulation, which works, slower',
  peers: 'runc / crun',
  peersFix: 'apt-get install runc crun, to run the same bundle under another runtime in the runtime chapter',
  propagation: 'propagation of /',
  propagationIs: (mode: string) => `${mode}${mode === 'shared' ? ' (systemd makes / shared; containers make their copy private first, and the lessons show why)' : ''}`,
  host: 'host',
  wsl: 'WSL: a Linux kernel under Windows',
  wslFix: 'WSL 2 runs most lessons; cgroup and network lessons may differ from a real Linux host',
  inContainer: 'running inside a container: the outer runtime may forbid namespaces, mounts or cgroups',
  inContainerFix: 'run boxlab on the host or in a VM for the full course',
  bareHost: 'a Linux host (not WSL, no container marker found)',
  core: 'core',
  coreMissing: (path: string) => `the core is not built${path ? ` (${path})` : ''}`,
  coreFix: 'npm run build (needs a C compiler: apt-get install build-essential)',
  noNamespace: (ns: string) => `this kernel has no ${ns} namespace`,
  noCgroups: 'no cgroup filesystem is mounted',
  noVeth: 'the veth driver is not in this kernel',
  noSeccomp: 'this kernel has no seccomp',
  lessonNeedsRoot: 'needs root',
  lessonNeedsUserns: 'needs unprivileged user namespaces',
  oneLine: (kernel: string, layout: string, root: boolean) => `Linux ${kernel} · ${layout} · ${root ? 'root' : 'not root'}`,
  statusMark: { ok: 'ok', warn: '!!', missing: 'NO' },
  chapterRuns: 'runs here',
  chapterBlocked: 'will not run here',
  fullCourse: 'The whole course can run on this machine.',
  partCourse: 'Part of the course cannot run here; see above for why and what to do.',
};
