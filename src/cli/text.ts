// Every word the command line says to a person, in one place, so a translation can
// follow without touching code.

import type { Distrust } from '../ledger/trust.ts';

export const VERSION = '0.1.0';

export const USAGE = `boxlab ${VERSION} — learn how containers work, one kernel step at a time

Usage:
  boxlab                      open the lab (terminal UI)
  boxlab --present [LESSON]   the lab for a projector: one step per screen, no notes
  boxlab list [--json]        list the lessons
  boxlab lesson ID [--yes] [--markdown|--json]
                              run a lesson as plain text (--yes solves its tasks)
  boxlab run [OPTIONS] -- CMD [ARG...]
                              run a whole container from the same core ops
  boxlab rootfs [DIR] [--force] [--from busybox|host]
                              build the minimal rootfs 'run' uses (offline)
  boxlab state PID [--view LIST] [--json]
                              show the kernel state views of any process
  boxlab build [-f FILE] [-t NAME] [--target STAGE] [--no-cache] DIR
                              build an image from a Containerfile, each RUN in
                              a real container (see 'boxlab build --help')
  boxlab image VERB ...       OCI images: build, ls, inspect, unpack, commit,
                              push, pull, registry (see 'boxlab image --help')
  boxlab engine [--json]      a sandboxed Docker engine until Ctrl-C (see
                              'boxlab engine --help')
  boxlab doctor [--json]      what this machine can do, chapter by chapter
  boxlab cleanup [--dry-run] [--json]
                              remove what a killed boxlab left behind
  boxlab --version | --help

Run 'boxlab COMMAND --help' for a command's options.`;

export const RUN_USAGE = `Usage: boxlab run [OPTIONS] -- CMD [ARG...]

Runs CMD in a new container: every namespace, an overlay over the rootfs (the rootfs
itself is never written), pivot_root, /proc and a minimal /dev; confined as Docker
confines one by default: 14 capabilities kept, the rest dropped, and Docker's masked
and read-only paths in /proc and /sys (those this kernel has). No seccomp filter yet.

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
  --net MODE          none: its own network namespace, loopback only (the default)
                      host: the host's network (no network namespace)
                      bridge: eth0 on the host's bridge bl0, a private /24, NAT out
  -p, --publish HOSTPORT:CTPORT[/tcp|udp]
                      with --net bridge: the host's port leads to the container's
                      (also on 127.0.0.1 for tcp); repeatable
  --cap-add CAP       keep CAP as well (SYS_ADMIN, NET_ADMIN, ...; the CAP_ prefix and
                      the case are optional); ALL: every one boxlab can give; repeatable
  --cap-drop CAP      drop CAP from Docker's default set; ALL: keep only the added
                      ones; repeatable
  --privileged        every capability boxlab can give, nothing masked or read-only
  --security-opt no-new-privileges
                      set no_new_privs: setuid programs and file capabilities give
                      the command nothing more
  --bundle DIR        run an OCI bundle (DIR/config.json and its rootfs) with boxcore's
                      OCI runtime, as 'boxcore run' does; no other options then

Resources (Docker's names and units; the container gets a cgroup of its own):
  --memory SIZE       memory limit (512m, 1g; at least 6m)
  --memory-swap SIZE  memory + swap (-1: unlimited swap); needs --memory
  --memory-reservation SIZE
                      soft limit, kept under memory pressure
  --cpus N            CPU time, in CPUs (0.5: half of one)
  --cpu-shares N      relative CPU weight (default 1024)
  --cpuset-cpus LIST  the CPUs it may run on (0-1,3)
  --pids-limit N      most processes at once (-1: unlimited)
  --device-read-bps DEV:RATE, --device-write-bps DEV:RATE
                      bytes per second to/from a block device (/dev/sda:1mb or 8:0:1mb)
  --device-read-iops DEV:N, --device-write-iops DEV:N
                      I/O operations per second
  --oom-score-adj N   -1000..1000: how willingly the OOM killer picks it
  --cgroup-parent PATH
                      where its group goes: /PATH from the root of each cgroup tree,
                      PATH beneath boxlab's own group (the default place)
  --explain           print the table of these flags and the files they write,
                      and for the flags given the exact files and values on this
                      machine, then the capabilities, masked and read-only paths
                      the container would get here; exit without running anything

The exit status is CMD's (128+N when a signal N killed it); 125 means boxlab itself
could not make the container.`;

export const LAB_USAGE = `Usage: boxlab [--present [LESSON]] [--trust DIR]

Opens the lab. --present is for workshops: one step per screen, a large state panel,
a step counter, speaker notes hidden; it opens LESSON straight away. Press ? in the
lab for its keys. Needs a terminal; for scripts use 'boxlab lesson ID --yes'.
Colour is off with NO_COLOR, --no-color or TERM=dumb. Progress and settings are kept in
$XDG_STATE_HOME/boxlab (~/.local/state/boxlab; under sudo, the invoking user's).

--trust DIR runs lessons from DIR when BOXLAB_LESSONS points there (lessons outside
the built-in course run only so, and only if no one but you or root can change them).`;

export const LIST_USAGE = `Usage: boxlab list [--json] [--trust DIR]

Lists the lessons: id, title, and whether they need root.

--trust DIR runs lessons from DIR when BOXLAB_LESSONS points there (lessons outside
the built-in course run only so, and only if no one but you or root can change them).`;

export const LESSON_USAGE = `Usage: boxlab lesson ID [--yes] [--markdown|--json] [--until N] [--trust DIR]

Runs a lesson straight through as plain text: prose, commands, syscalls, the state
before and after, and the diff. --yes solves its tasks with their solutions; the exit
status is 0 only if every check passes. --markdown writes a handout, --json an event
stream. --until N stops after step N and keeps the lesson's containers until Ctrl-C, so
you can look at them from another terminal (boxlab state PID).

--trust DIR runs lessons from DIR when BOXLAB_LESSONS points there (lessons outside
the built-in course run only so, and only if no one but you or root can change them).`;

export const DOCTOR_USAGE = `Usage: boxlab doctor [--json] [--trust DIR]

Tells what this machine can do for the course: kernel, cgroup layout and controllers,
privileges, user namespaces, overlayfs, loop devices, netfilter, KVM, runc/crun, mount
propagation, WSL or a container as host; then, chapter by chapter, whether the lessons
will run here and if not, why and what to do. Exit status 0 means the whole course can
run.

--trust DIR runs lessons from DIR when BOXLAB_LESSONS points there (lessons outside
the built-in course run only so, and only if no one but you or root can change them).`;

export const STATE_USAGE = `Usage: boxlab state PID [--view LIST] [--json]

Prints kernel state views of process PID: ns, proc, ids, uts, mounts, fs, ipc, net,
cgroup (default: all).`;

export const ROOTFS_USAGE = `Usage: boxlab rootfs [DIR] [--force] [--from busybox|host]

Builds a minimal root filesystem offline: a static busybox if the host has one, else
the host's own programs with the libraries they load. Default DIR: the cache that
'boxlab run' uses.`;

export const IMAGE_USAGE = `Usage: boxlab image VERB ...

OCI images, made and read by boxlab's own code. LAYOUT is an OCI image layout
directory (oci-layout, index.json, blobs/sha256/...), which skopeo and umoci read too;
REF names an image in it (app:1), or is a manifest digest.

  build LAYOUT REF DIR... [--cmd 'SHELL COMMAND'] [--env K=V]...
          an image whose layers are the DIRs, base first (made if LAYOUT is missing)
  ls LAYOUT [--json]
          the images of a layout
  inspect LAYOUT REF [--json]
          its manifest, config and layers, and where each blob is
  unpack LAYOUT REF DEST [--flat]
          layer N into DEST/N, as overlay lower directories: .wh.NAME becomes a
          whiteout (character device 0/0), .wh..wh..opq the xattr
          trusted.overlay.opaque=y; prints the lowerdir. --flat applies every layer
          to DEST itself, deleting what the whiteouts name. Setuid/setgid bits and
          device nodes are kept only beneath a directory closed to other users
          (chmod 700), else cleared or left out, each named.
  commit LAYOUT FROM UPPER REF
          a new image: FROM's layers and one more made of UPPER, a container's
          overlay upper directory (whiteouts become .wh. files)
  save LAYOUT REF FILE [--name REPO:TAG]
          the image as one tar file in the format of docker save (a
          docker-archive), which docker load reads; named REPO:TAG (default REF)
  push LAYOUT REF HOST:PORT/NAME[:TAG] [--authfile FILE]
          send an image to a registry on loopback (the registry HTTP API); the login
          comes from FILE or $REGISTRY_AUTH_FILE (containers-auth.json, as skopeo reads)
  pull HOST:PORT/NAME[:TAG] LAYOUT [REF] [--authfile FILE]
          fetch one into a layout (REF defaults to NAME:TAG)
  registry
          run a registry on 127.0.0.1 (Debian's docker-registry) until Ctrl-C; it
          takes nothing without a login made for the run (it prints the files)

unpack and commit need root: whiteouts are device nodes and overlay's marks are
trusted.* xattrs. Registries must be on this machine's loopback.`;

export const CLEANUP_USAGE = `Usage: boxlab cleanup [--dry-run] [--json]

Removes what boxlab processes that are no longer running left on this machine, as
their ledgers list it (never anything else). Safe while another boxlab runs.`;

export const msg = {
  needsTerminal: "boxlab: the lab needs a terminal (stdin and stdout); for scripts use 'boxlab lesson ID --yes'",
  noLessons: (root: string, fromEnv: boolean) =>
    `no lessons in ${root}: a lesson is a file NN-chapter/NN-lesson.md there${fromEnv ? "; BOXLAB_LESSONS points there: unset it for the course's own lessons" : ''}`,
  noArguments: (command: string, words: string[]) => `unexpected ${words.join(' ')}: boxlab ${command} takes no arguments (see boxlab ${command} --help)`,
  unknownCommand: (c: string) => `boxlab: unknown command '${c}'. Run 'boxlab --help' for the list.`,
  needsRoot: (what: string) =>
    `boxlab ${what} needs root: namespaces, mounts and cgroups are privileged. Run it with sudo, or use --user for a rootless container.`,
  notLinux: 'boxlab teaches the Linux kernel and runs only on Linux. On macOS or Windows, use a Linux VM (for example with multipass or WSL 2).',
  coreGone: 'the runtime core ended before the container did (it was killed, or it crashed): the run stops here, and what it made on the host is taken away.',
  buildingRootfs: (dir: string) => `boxlab: building the default rootfs in ${dir} (once)...`,
  rootfsBuilt: (dir: string, source: string, n: number) => `rootfs ready in ${dir} (${source}, ${n} programs)`,
  noPid: (pid: string) => `no such process: ${pid}. Give the pid of a running process, as the host sees it.`,
  cleanupNothing: 'nothing to clean up: no ledger of a dead boxlab remains.',
  cleanupNotRoot: (dir: string) => `you are not root, so only your own ledgers (${dir}) were read: what boxlab left as root is listed in /run/boxlab/ledger; sudo boxlab cleanup removes it.`,
  rootfsNotBuilt: (dir: string, exists: boolean) =>
    `BOXLAB_ROOTFS=${dir} is not a boxlab rootfs${exists ? '' : ' (it does not exist)'}: build one there with boxlab rootfs ${dir}, or unset BOXLAB_ROOTFS to use the cache`,
  rootfsCannotWrite: (dir: string, code: string) =>
    `cannot make the rootfs in ${dir} (${code === 'EACCES' || code === 'EPERM' ? 'permission denied' : code === 'EROFS' ? 'read-only filesystem' : code}): build it where you can write, with boxlab rootfs DIR, and point boxlab at it with BOXLAB_ROOTFS=DIR (or set XDG_CACHE_HOME)`,
  cleanupLive: (pids: number[]) => `left alone: the ledgers of running boxlab processes ${pids.join(', ')}.`,
  cleanupDone: (n: number) => `removed ${n} resource${n === 1 ? '' : 's'}.`,
  cleanupWould: (n: number) => `would remove ${n} resource${n === 1 ? '' : 's'} (dry run: nothing changed).`,
};

/** Why boxlab will not trust a place (src/ledger/trust.ts), in words. */
function distrustWords(d: Distrust): string {
  const me = process.geteuid?.() ?? 0;
  switch (d.why) {
    case 'missing': return `${d.path} does not exist`;
    case 'link': return `${d.path} is a symbolic link`;
    case 'not-dir': return `${d.path} is not a directory`;
    case 'not-file': return `${d.path} is not a regular file`;
    case 'not-plain': return `${d.path} is not a plain absolute path (no ., .., // or trailing /)`;
    case 'owner': return `${d.path} belongs to uid ${d.uid}, not to you (uid ${me})${me === 0 ? '' : ' or root'}`;
    case 'writable': return `${d.path} has mode ${d.mode.toString(8).padStart(4, '0')}: ${d.mode & 0o022 ? 'others can write it' : 'others can read it'}`;
  }
}

/** How to make a place trusted again, by what is wrong with it. */
function distrustFix(d: Distrust): string {
  switch (d.why) {
    case 'owner': return `remove it if a stranger made it (sudo rm -rf ${d.path}), or choose a directory of your own`;
    case 'writable': return d.mode & 0o022 ? `chmod go-w ${d.path}` : `chmod 700 ${d.path}`;
    case 'link': return `name the real path (realpath ${d.path})`;
    default: return 'choose a directory of your own';
  }
}

export const safetyText = {
  distrust: distrustWords,
  stateRoot: (root: string, d: Distrust) =>
    `will not keep ledgers (the lists of what to remove after a crash) in ${root}: ${distrustWords(d)}, ` +
    `so another user could forge what boxlab removes. ${distrustFix(d)}; or set BOXLAB_STATE_DIR to a directory of yours with mode 0700.`,
  ledgerWrite: (file: string, code: string, message: string) =>
    `cannot write the ledger ${file}: ${code === 'ENOSPC' ? 'no space left on device' : message}. boxlab writes down what it makes before making it, so nothing was made. ` +
    `Free space there, or set BOXLAB_STATE_DIR to a directory on another filesystem.`,
  leftBehind: (reasons: string[]) =>
    `could not remove what it made: ${reasons.join('; ')} (it stays in the ledger: boxlab cleanup tries again)`,
  ledgerFile: (file: string, d: Distrust) => `left alone: the ledger ${file}, since ${distrustWords(d)}; remove it by hand if you know it`,
  ledgerTooBig: (file: string, max: number) => `left alone: the ledger ${file} is larger than ${max >> 20} MiB, which no boxlab writes; remove it by hand if you know it`,
  rootfsPlace: (dir: string, d: Distrust) =>
    `boxlab will not build a rootfs in ${dir}: ${distrustWords(d)}, and root builds only where no one else can write. ` +
    `Build it in a directory owned by root (the default is /var/cache/boxlab/rootfs), or run boxlab rootfs as the user who owns the directory.`,
  lessonsUntrusted: (root: string) =>
    `the lessons in ${root} are not the built-in course, and a lesson runs its commands ${process.geteuid?.() === 0 ? 'as root' : 'as you'}. ` +
    `If you trust them, say so: --trust ${root}`,
  lessonsDistrusted: (root: string, d: Distrust) =>
    `the lessons in ${root} are not safe to run: ${distrustWords(d)}, so someone other than you or root could change what they run. ` +
    `Lesson files, their directories and the directories above must be owned by you or root and writable by no one else: ${d.why === 'writable' ? `chmod go-w ${d.path}` : d.why === 'owner' ? `chown ${process.geteuid?.() === 0 ? 'root' : process.geteuid?.()} ${d.path}, or copy the lessons somewhere of yours` : 'copy them somewhere of yours'}.`,
};

export const imageText = {
  unknownVerb: (v: string) => `boxlab image: unknown verb '${v}'. Run 'boxlab image --help' for the list.`,
  needsVerb: "boxlab image needs a verb: build, ls, inspect, unpack, commit, save, push, pull or registry ('boxlab image --help')",
  wrongArgs: (verb: string, usage: string) => `boxlab image ${verb}: expected ${usage}`,
  needsRoot: (verb: string) => `boxlab image ${verb} needs root: whiteouts are device nodes (mknod needs CAP_MKNOD) and overlay's opaque mark is a trusted.* xattr (CAP_SYS_ADMIN). Run it with sudo.`,
  noDir: (dir: string) => `${dir} is not a directory: name a directory to make the layer of`,
  notEmpty: (dir: string) => `${dir} exists and is not empty: unpack into a new directory`,
  badEnv: (text: string) => `--env ${text}: expected K=V`,
  layerLine: (n: number, digest: string, size: number, diffId: string, stored: boolean, dir: string) =>
    `layer ${n}  ${digest}  ${size} bytes${stored ? '' : ' (already stored)'}\n         diff_id ${diffId}  from ${dir}`,
  skipped: (paths: string[]) => `left out (tar cannot hold sockets): ${paths.join(', ')}`,
  configLine: (digest: string, size: number) => `config   ${digest}  ${size} bytes`,
  manifestLine: (digest: string, size: number) => `manifest ${digest}  ${size} bytes`,
  named: (ref: string, layout: string) => `named ${ref} in ${layout}/index.json`,
  lsHead: ['REF', 'MANIFEST', 'LAYERS', 'SIZE'],
  lsEmpty: (layout: string) => `${layout} holds no image yet`,
  unpacked: (n: number, dir: string, written: number, whiteouts: string[], opaque: string[]) =>
    `layer ${n} -> ${dir}: ${written} members${whiteouts.length ? `; whiteouts: ${whiteouts.join(' ')}` : ''}${opaque.length ? `; opaque: ${opaque.join(' ')}` : ''}`,
  flatUnpacked: (n: number, dir: string, written: number, whiteouts: string[], opaque: string[]) =>
    `layer ${n} applied to ${dir}: ${written} members${whiteouts.length ? `; deleted: ${whiteouts.join(' ')}` : ''}${opaque.length ? `; emptied: ${opaque.join(' ')}` : ''}`,
  lowerdir: (dirs: string[]) => `lowerdir=${dirs.join(':')}`,
  withheld: (n: number, member: string, what: 'setid' | 'device', detail: string, dest: string) =>
    `boxlab: layer ${n}, member ${member}: ${what === 'setid' ? `setuid/setgid bits cleared (${detail})` : `${detail} device node left out`}: ` +
    `other users can reach ${dest}, and could use it to become root; unpack beneath a directory only you can open (chmod 700) to keep it`,
  exchange: (method: string, path: string, status: number, note?: string) => `  ${method.padEnd(4)} ${path} -> ${status}${note ? `  (${note})` : ''}`,
  pushed: (ref: string, to: string, uploaded: number, present: number, digest: string) =>
    `pushed ${ref} to ${to}: ${uploaded} blob${uploaded === 1 ? '' : 's'} uploaded, ${present} already there; manifest ${digest}`,
  pulled: (from: string, ref: string, layout: string, fetched: number, present: number, digest: string) =>
    `pulled ${from} as ${ref} into ${layout}: ${fetched} blob${fetched === 1 ? '' : 's'} fetched, ${present} already there; manifest ${digest}`,
  saved: (ref: string, file: string, size: number, name: string) => `saved ${ref} to ${file} (${size} bytes, a docker-archive named ${name}): docker load -i ${file}`,
  registryUp: (address: string, dir: string, authFile: string, netrc: string) =>
    `registry on http://${address} (storage in ${dir}/data). Ctrl-C stops it and removes its storage.\n` +
    `It takes nothing without its login, made for this run and readable by root only:\n` +
    `  boxlab image push --authfile ${authFile} LAYOUT REF ${address}/NAME:TAG\n` +
    `  skopeo inspect --tls-verify=false --authfile ${authFile} docker://${address}/NAME:TAG\n` +
    `  curl --netrc-file ${netrc} http://${address}/v2/_catalog`,
  registryDied: 'the registry exited by itself',
  inspect: {
    image: 'image', manifest: 'manifest', config: 'config', platform: 'platform', created: 'created',
    cmd: 'cmd', env: 'env', layers: 'layers (base first; digest of the blob, then diff_id of its tar)', blob: 'blob',
  },
};

export const netText = {
  badPublish: (text: string) => `-p ${text}: expected HOSTPORT:CTPORT or HOSTPORT:CTPORT/tcp|udp, ports 1-65535 (e.g. -p 8080:80)`,
  badMode: (mode: string) => `--net ${mode}: choose none, host or bridge`,
  publishNeedsBridge: '-p needs --net bridge: only the bridge network has a port to publish through',
  bridgeNeedsRoot: '--net bridge needs root: it adds a bridge, NAT rules and a sysctl on the host (--user cannot)',
  netNsConflict: (mode: string) => mode === 'host'
    ? "--net host shares the host's network: leave net out of --ns"
    : `--net ${mode} needs a network namespace: add net to --ns`,
  samePortTwice: (port: number) => `-p: host port ${port} is published twice`,
  noFreeSubnet: 'no private /24 is free: every candidate in 10.88.x, 172.18-31.x and 192.168.x collides with a route of this host',
  bridgeWithoutAddress: (name: string) => `the bridge ${name} exists but has no IPv4 address: it is not one boxlab made, or it is being taken down; try again, or delete it (ip link del ${name})`,
  subnetFull: (subnet: string) => `every address of ${subnet} is leased to a running container`,
  portInUse: (port: number) => `host port ${port} is in use on 127.0.0.1: another program (or another container) listens there; choose another -p`,
};

export const securityText = {
  unknownCap: (flag: string, word: string, hint: string) =>
    `${flag} ${word}: unknown capability${hint}; name one as capabilities(7) does (SYS_ADMIN, NET_ADMIN, SYS_PTRACE, ...; the CAP_ prefix and the case are optional), or ALL`,
  badSecurityOpt: (word: string) =>
    `--security-opt ${word}: boxlab run knows only no-new-privileges (or no-new-privileges:true|false); seccomp, apparmor and label profiles are not supported`,
  capNotHeld: (cap: string) =>
    `--cap-add ${cap.slice(4)}: boxlab itself does not hold ${cap} (it is not in its bounding set: grep CapBnd /proc/self/status), so no container it makes can; leave the flag out, or run boxlab where it holds ${cap}`,
  capNotInKernel: (cap: string, last: number) =>
    `--cap-add ${cap.slice(4)}: this kernel knows capabilities 0 to ${last} only (/proc/sys/kernel/cap_last_cap) and ${cap} is newer; leave the flag out, or use a newer kernel`,

  explainTitle: "What the container may do: Docker's defaults, changed by --cap-add, --cap-drop,\n--privileged and --security-opt; these steps run in this order after pivot_root:",
  explainStep: (op: string, what: string) => `  ${op.padEnd(15)} ${what}`,
  explainPaths: (present: string[], absent: string[]) =>
    `${present.join(' ') || 'none here'}${absent.length ? ` (not on this kernel, skipped: ${absent.join(' ')})` : ''}`,
  explainPrivilegedNone: 'none (--privileged)',
  explainNnpOn: 'prctl(PR_SET_NO_NEW_PRIVS, 1): setuid programs and file capabilities give nothing more',
  explainNnpOff: 'not set (--security-opt no-new-privileges sets it)',
  explainCaps: (privileged: boolean, names: string, mask: string) => privileged
    ? `nothing dropped (--privileged): ${names} (CapEff ${mask})`
    : `keep ${names} (CapEff ${mask}); every other capability leaves all five sets`,
  explainNoCaps: 'none',
  explainNoSeccomp: 'none: boxlab run loads no filter yet (Docker loads its default profile here, last)',
  explainCannot: (message: string) => `  It could not run here: ${message}`,
};

export const ociText = {
  bridgeHasNoConfig: '--net bridge has no config.json equivalent: a runtime is handed a network namespace, it does not make one',
  noBundle: (dir: string) => `bundle ${dir} does not exist: a bundle is a directory with config.json and the root filesystem`,
  noConfig: (dir: string) => `bundle ${dir} has no config.json: 'boxcore spec --bundle ${dir}' writes a default one`,
  bundleAlone: (word: string) => `${word}: with --bundle the container is what config.json says; give no other options or command`,
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
  groupsGo: (where: string) => `groups go beneath ${where}`,
  none: 'none',
  cgroupFix: 'mount cgroup2 at /sys/fs/cgroup (mount -t cgroup2 none /sys/fs/cgroup), or boot with systemd',
  noCgroupLayout: (wants: string[]) => `needs cgroup ${wants.join(' or ')}, which this machine does not mount`,
  cgroupLayoutFix: (wants: string[]) => `boot with ${wants.includes('v2') ? 'systemd.unified_cgroup_hierarchy=1 (cgroup v2)' : 'systemd.unified_cgroup_hierarchy=0 (cgroup v1)'}, or use a machine that has it`,
  userns: 'user namespaces',
  usernsOk: (sysctls: string) => `an unprivileged user made one (tried as nobody)${sysctls ? `; ${sysctls}` : ''}`,
  usernsBlocked: (sysctls: string, said: string) => `an unprivileged user cannot make one${sysctls ? ` (${sysctls})` : ''}${said ? `: ${said}` : ''}`,
  usernsFix: (why: string) => why ? `sysctl -w ${why.replace(/=.*/, '')}=${why.startsWith('user.') ? '15000' : why.includes('apparmor') ? '0' : '1'} (as root) allows them` : 'check the kernel was built with CONFIG_USER_NS, and that no security module forbids them',
  overlay: 'overlayfs',
  overlayOk: (asRoot: boolean, usernsTried: boolean, inUserns: boolean) =>
    `${asRoot ? 'mounted (tried in a throwaway mount namespace)' : 'in the kernel'}; ${!usernsTried ? 'inside a user namespace: not tried (no unshare or setpriv)' : inUserns ? 'mountable inside a user namespace too' : 'not mountable inside a user namespace (needs Linux 5.11+)'}`,
  overlayMissing: (said: string) => `an overlay could not be mounted${said ? `: ${said}` : ''}`,
  overlayFix: 'use a kernel built with CONFIG_OVERLAY_FS (every distribution kernel has it), or modprobe overlay',
  overlayNotInUserns: 'overlayfs cannot be mounted inside a user namespace here',
  overlayUsernsFix: 'Linux 5.11 or later mounts overlayfs in a user namespace; run this lesson there, or as root',
  loop: 'loop devices',
  loopOk: (n: number) => `/dev/loop-control opens; ${n} loop device${n === 1 ? '' : 's'} in /dev; losetup found`,
  loopMissing: 'no usable /dev/loop-control: the io throttling lesson needs a loop device',
  loopFix: 'modprobe loop (as root); in a container, the outer runtime must pass /dev/loop-control in',
  loopNoLosetup: 'losetup is not installed: the lab attaches loop devices with it',
  loopLosetupFix: 'apt-get install mount (losetup is part of util-linux)',
  netfilter: 'netfilter',
  netfilterIs: (tool: string, version: string, backend: string, tried: boolean, ok: boolean) =>
    `the lab uses ${tool} (${version || tool}, ${backend} backend)${tried ? (ok ? '; a masquerade rule was made in a throwaway network namespace' : '; a masquerade rule could not be made') : ''}`,
  netfilterMissing: 'neither nft nor iptables is installed: the NAT lessons need one',
  netfilterFix: 'apt-get install nftables (or iptables)',
  netfilterNatFix: 'the kernel needs nf_tables and its nat module (modprobe nft_chain_nat nft_masq), or use iptables-legacy',
  links: 'network links',
  linksOk: (kinds: string[]) => `${kinds.join(', ')}: each made in a throwaway network namespace`,
  linksMissing: (kinds: string[]) => `the kernel did not make a ${kinds.join(' or ')} link`,
  linksFix: (kinds: string[]) => `use a kernel with ${kinds.map((k) => `CONFIG_${k.toUpperCase()}`).join(', ')} (modprobe ${kinds.join(' ')})`,
  linksNotTried: 'not tried: a network namespace needs root or a user namespace (and unshare)',
  noIp: 'ip (iproute2) is not installed',
  noIpFix: 'apt-get install iproute2',
  seccomp: 'seccomp',
  seccompOk: (actions: string) => `filters supported${actions ? ` (actions: ${actions})` : ''}`,
  noSeccomp: 'this kernel has no seccomp',
  seccompFix: 'use a kernel built with CONFIG_SECCOMP_FILTER (every distribution kernel has it)',
  kvmOk: '/dev/kvm exists (nested virtualisation may still hang: the cgroup-v2 tests use software emulation)',
  kvmMissing: 'no /dev/kvm: the cgroup-v2 test rig runs under software emulation, which works, slower',
  peers: 'runc / crun',
  peersFix: 'apt-get install runc crun, to run the same bundle under another runtime in the runtime chapter',
  engine: 'Docker engine',
  engineOk: (version: string) => `${version}: the engine lessons start it in namespaces of their own`,
  engineNotChecked: 'the Docker engine was not looked for',
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
  noProgram: (program: string, pkg: string) => `${program} is not installed: apt-get install ${pkg}`,
  namespaceFix: (ns: string) => `use a kernel built with CONFIG_${({ uts: 'UTS_NS', pid: 'PID_NS', mnt: 'NAMESPACES', ipc: 'IPC_NS', net: 'NET_NS', user: 'USER_NS', cgroup: 'CGROUPS' } as Record<string, string>)[ns] ?? `${ns.toUpperCase()}_NS`}`,
  lessonNeedsRoot: 'needs root',
  lessonNeedsUserns: 'needs unprivileged user namespaces (a rootless lesson runs its core as an ordinary user, even under sudo)',
  lessonsBroken: 'lessons that do not load',
  statusMark: { ok: 'ok', warn: '!!', missing: 'NO' },
  chapterRuns: 'runs here',
  chapterBlocked: 'will not run here',
  fullCourse: 'The whole course can run on this machine.',
  partCourse: 'Part of the course cannot run here; see above for why and what to do.',
};

export const cgroupText = {
  badSize: (flag: string, text: string) => `${flag} ${text}: expected a size such as 512m, 1g or 1048576 (units b, k, m, g, t, p; binary)`,
  badInteger: (flag: string, text: string, min: number, max: number) => `${flag} ${text}: expected a whole number from ${min} to ${max}`,
  noDevice: (flag: string, path: string) => `${flag}: ${path} does not exist; name a block device (/dev/sda) or give MAJ:MIN (8:0)`,
  notBlockDevice: (flag: string, path: string) => `${flag}: ${path} is not a block device; lsblk lists them`,
  badDeviceRate: (flag: string, text: string) => `${flag} ${text}: expected DEVICE:RATE, such as /dev/sda:1mb or 8:0:1mb (iops: a count, /dev/sda:100)`,
  memoryTooSmall: (flag: string, text: string) => `${flag} ${text}: the smallest memory limit is 6m (as Docker's)`,
  sizeTooLarge: (flag: string, text: string, max: string) => `${flag} ${text}: larger than the largest size boxlab takes, ${max}`,
  badDeviceNumber: (flag: string, text: string) => `${flag} ${text}: a device number is MAJOR:MINOR with MAJOR at most 4095 and MINOR at most 1048575 (lsblk shows them)`,
  badCpus: (flag: string, text: string, max: number) => `${flag} ${text}: expected a number of CPUs from 0.01 to ${max} (this machine has ${max})`,
  badCpuList: (flag: string, text: string) => `${flag} ${text}: expected CPU numbers and ranges, such as 0, 0-1 or 0,2-3`,
  badParent: (flag: string, text: string) => `${flag} ${text}: expected a cgroup path of plain names, such as /bl-lab or bl-lab/bl-web`,
  swapNeedsMemory: '--memory-swap needs --memory: it is the limit of memory and swap together',
  swapBelowMemory: '--memory-swap must be at least --memory: it counts memory and swap together (equal means no swap)',
  rootless: '--user cannot have cgroup limits: making cgroups needs root (or a group delegated to you)',

  /** The table's VALUE and NOTE columns, by flag. */
  flagValue: {
    memory: 'SIZE: 512m, 1g',
    'memory-swap': 'SIZE, or -1',
    'memory-reservation': 'SIZE',
    cpus: 'CPUs: 0.5, 2',
    'cpu-shares': '2..262144',
    'cpuset-cpus': 'LIST: 0-1,3',
    'pids-limit': 'N, or -1',
    'device-read-bps': 'DEV:SIZE',
    'device-write-bps': 'DEV:SIZE',
    'device-read-iops': 'DEV:N',
    'device-write-iops': 'DEV:N',
    'oom-score-adj': '-1000..1000',
    'cgroup-parent': '/PATH or PATH',
  } as Record<string, string>,
  flagNote: {
    'memory-swap': 'v2 counts swap alone: swap.max = memory-swap - memory',
    cpus: 'quota = N x period; period 100000 us',
    'cpu-shares': 'v2 weight as runc converts it',
    'cpuset-cpus': 'v1: cpuset.mems is copied from the parent',
    'pids-limit': '-1 or 0 writes "max"',
    'device-read-bps': 'DEV: /dev/PATH or MAJ:MIN',
    'oom-score-adj': 'not a cgroup file: the init\'s, inherited',
    'cgroup-parent': 'default: beneath boxlab\'s own group',
  } as Record<string, string>,

  explainTitle: "Docker's resource flags and the files boxlab writes for them",
  explainHead: ['FLAG', 'VALUE', 'CGROUP V1 (and hybrid)', 'CGROUP V2', 'NOTE'],
  explainMachine: (layout: string, version: number) => `This machine: ${layout} (cgroup v${version} files).`,
  explainNoFlags: 'No resource flag given: boxlab run makes no cgroup. Add flags to see the files and values they would write here.',
  explainGroup: (name: string, dirs: string[]) => `The container's group would be ${name}:\n${dirs.map((d) => `  ${d}`).join('\n')}`,
  explainCreate: (dirs: string[]) => `made with: ${dirs.map((d) => `mkdir ${d}`).join('; ')}`,
  explainEnable: (path: string, controllers: string) => `enabling for its children: echo ${controllers.split(' ').map((c) => '+' + c).join(' ')} > ${path}/cgroup.subtree_control`,
  explainWrites: 'and these writes, in this order:',
  explainWrite: (flag: string, path: string, value: string) =>
    `  ${flag.padEnd(20)} echo ${/^[\w.:\/+-]+$/.test(value) ? value : `'${value}'`} > ${path}`,
  explainCannot: (message: string, hint: string) => `It could not be made here: ${message}${hint ? `\n  ${hint}` : ''}`,
  explainNothing: 'Nothing was made or changed.',

  // cgroupReport(): remarks for boxlab doctor
  reportHybrid: 'hybrid: the controllers are in v1 trees; boxlab makes its groups there (the v2 tree at /sys/fs/cgroup/unified has none of them)',
  reportMissing: (names: string[]) => `not available here: ${names.join(' ')} (the flags that need them fail with a clear error)`,
  reportInternal: (dir: string) => `${dir} holds processes, so cgroup v2 will not hand controllers to groups beneath it: limits need --cgroup-parent /bl-lab, or boxlab run in a delegated scope (systemd-run --scope -p Delegate=yes)`,
  reportNoCloneInto: 'this kernel is older than 5.7: no clone3 CLONE_INTO_CGROUP; the init is moved into its group right after clone instead',
  reportNoKill: 'this kernel is older than 5.14: no cgroup.kill; a group is killed by freezing it and killing each process',
};

export const BUILD_USAGE = `Usage: boxlab build [OPTIONS] DIR

Builds an image from a Containerfile (or Dockerfile) with DIR as the build context,
into an OCI image layout. Each RUN runs in a real container over the layers made so
far (its overlay upper directory becomes the next layer); COPY and ADD write into an
overlay the same way. Steps whose inputs did not change reuse their layer (the cache).
Nothing is downloaded: FROM names an image of the layout, or scratch.

Options:
  -f, --file FILE     the Containerfile (default: DIR/Containerfile, else DIR/Dockerfile)
  -t, --tag NAME      name the image NAME in the layout (app:1)
  --target STAGE      build up to the stage FROM ... AS STAGE (and what it needs)
  --no-cache          make every layer again (the cache is still written)
  --build-arg K=V     the value of ARG K (repeatable)
  --layout DIR        the OCI image layout to read FROM images from and write into
                      (default: $BOXLAB_IMAGES, else ${'/var/lib/boxlab/images'} as root,
                      ~/.local/share/boxlab/images otherwise)
  --memory, --cpus, --pids-limit, ... as for boxlab run: limits for each RUN

Instructions: FROM [AS], RUN, COPY [--from=STAGE|IMAGE] [--chown=U:G], ADD [--chown=U:G]
(local files and tar archives), ENV, ARG, WORKDIR, USER, LABEL, EXPOSE, VOLUME,
ENTRYPOINT, CMD, SHELL. .dockerignore in DIR hides files from COPY and ADD.`;

export const buildText = {
  // the Containerfile
  fileTooBig: (n: number) => `the Containerfile is larger than ${n} bytes; boxlab build reads no more`,
  binaryFile: 'the Containerfile holds NUL bytes: it is not a text file',
  directiveTwice: (name: string) => `the parser directive ${name} is given twice; give it once, at the top`,
  badEscape: (v: string) => `escape=${v}: the escape character must be \\ or \``,
  tooManyInstructions: (n: number) => `more than ${n} instructions; boxlab build reads no more`,
  tooManyStages: (n: number) => `more than ${n} stages (FROM lines); boxlab build reads no more`,
  notDone: (word: string) => `${word} is a Dockerfile instruction boxlab build does not do; remove it (the instructions it does: FROM RUN COPY ADD ENV ARG WORKDIR USER LABEL EXPOSE VOLUME ENTRYPOINT CMD SHELL)`,
  unknownInstruction: (word: string, hint: string) => `unknown instruction ${word}${hint}; an instruction line starts with FROM, RUN, COPY, ADD, ENV, ARG, WORKDIR, USER, LABEL, EXPOSE, VOLUME, ENTRYPOINT, CMD or SHELL`,
  unknownFlag: (keyword: string, flag: string, allowed: readonly string[]) =>
    allowed.length ? `${keyword} --${flag}: boxlab build knows only ${allowed.map((f) => `--${f}`).join(' and ')} for ${keyword}` : `${keyword} takes no flag (--${flag}); remove it`,
  flagNeedsValue: (keyword: string, flag: string) => `${keyword} --${flag} needs a value: --${flag}=VALUE`,
  flagTwice: (keyword: string, flag: string) => `${keyword} --${flag} is given twice`,
  needsArguments: (keyword: string, usage: string) => `${keyword} needs arguments: ${usage}`,
  oneWord: (keyword: string, usage: string) => `${keyword} takes one word: ${usage}`,
  usage: {
    FROM: 'FROM IMAGE [AS NAME] (an image of the layout, a stage, or scratch)',
    RUN: 'RUN COMMAND, or RUN ["PROGRAM", "ARG", ...]',
    COPY: 'COPY [--from=STAGE|IMAGE] [--chown=USER[:GROUP]] SRC... DEST',
    ADD: 'ADD [--chown=USER[:GROUP]] SRC... DEST',
    ENV: 'ENV NAME=VALUE ...',
    ARG: 'ARG NAME[=DEFAULT]',
    WORKDIR: 'WORKDIR PATH',
    USER: 'USER USER[:GROUP]',
    LABEL: 'LABEL NAME=VALUE ...',
    EXPOSE: 'EXPOSE PORT[/tcp|udp] ...',
    VOLUME: 'VOLUME PATH ..., or VOLUME ["PATH", ...]',
    ENTRYPOINT: 'ENTRYPOINT ["PROGRAM", "ARG", ...], or ENTRYPOINT COMMAND',
    CMD: 'CMD ["PROGRAM", "ARG", ...], or CMD COMMAND',
    SHELL: 'SHELL ["PROGRAM", "ARG", ...]',
  },
  badFrom: 'FROM takes an image and, optionally, AS NAME: FROM IMAGE [AS NAME]',
  badStageName: (name: string) => `"${name}" is not a stage name: letters, digits, - _ and ., starting with a letter`,
  badArg: (word: string) => `ARG ${word}: expected NAME or NAME=DEFAULT (a name of letters, digits and _)`,
  needsValue: (keyword: string, name: string) => `${keyword} ${name} has no value: ${keyword} ${name}=VALUE`,
  badPair: (keyword: string, pair: string) => `${keyword}: "${pair}" is not NAME=VALUE (quote values with spaces: NAME="a b")`,
  noHeredoc: 'heredocs (<<EOF) are not supported: put the script in a file of the context and COPY it, or join the lines with &&',
  shellJson: 'SHELL needs the JSON form: SHELL ["/bin/sh", "-c"]',
  stageTwice: (name: string) => `a stage named ${name} exists already: give each FROM ... AS a name of its own`,
  beforeFrom: (keyword: string) => `${keyword} comes before the first FROM: only ARG may`,
  noFrom: 'there is no FROM: a Containerfile starts with FROM IMAGE (or FROM scratch)',
  // words, sources and paths
  unclosedQuote: (kind: 'single' | 'double', text: string) => `a ${kind} quote is not closed: ${text}`,
  badVariable: (text: string) => `\${ must be followed by a variable name: ${text}`,
  badVariableForm: (name: string, text: string) => `\${${name}... is not closed, or uses a form other than \${NAME}, \${NAME:-word}, \${NAME:+word}: ${text}`,
  unclosedVariable: (start: string, text: string) => `\${${start}... is not closed with }: ${text}`,
  ignoreTooBig: (n: number) => `.dockerignore is larger than ${n} bytes`,
  ignoreTooMany: (n: number) => `.dockerignore has more than ${n} patterns`,
  ignoreBadClass: (pattern: string) => `.dockerignore: "${pattern}": a [ class is not closed`,
  badPattern: (pattern: string) => `${pattern}: a [ class is not closed`,
  leavesContext: (pattern: string, shown: string) => `${pattern} leaves ${shown} (".."): COPY and ADD read only what is inside it`,
  changedWhileRead: (shown: string) => `${shown} changed while it was read; build again`,
  sourceTooBig: (shown: string, n: number) => `${shown}: more than ${n} bytes to copy in one step`,
  sourceTooMany: (shown: string, n: number) => `${shown}: more than ${n} files to copy in one step`,
  noMatch: (pattern: string, shown: string) => `${pattern} matches nothing in ${shown} (or .dockerignore excludes it)`,
  noSource: (pattern: string, shown: string) => `${pattern} is not in ${shown} (or .dockerignore excludes it, or it is a symbolic link to something that is not)`,
  notCopyable: (pattern: string, shown: string) => `${pattern} in ${shown} is a socket, a FIFO or a device: COPY copies files, directories and symbolic links`,
  notSingleName: (name: string) => `not a single name: ${JSON.stringify(name)}`,
  tooDeep: (path: string, n: number) => `${path}: more than ${n} components`,
  tooManyLinks: (path: string, n: number) => `${path}: more than ${n} symbolic links on the way`,
  notRegular: (name: string) => `${name} is not a regular file`,
  notADirectory: (path: string) => `${path} is in the image and is not a directory`,
  badHardlink: (path: string, link: string) => `archive member ${path} is a hard link to ${link}, which the archive did not make before it`,
  badArchive: (name: string, why: string) => `${name} looks like a compressed tar archive but cannot be read: ${why}`,
  needsProgram: (name: string, program: string, pkg: string) => `ADD ${name}: unpacking it needs ${program} (apt-get install ${pkg})`,
  memberLeaves: (name: string, member: string) => `archive ${name}: member ${member} leaves the destination ("..")`,
  manyNeedDir: (dest: string) => `with more than one source the destination must be a directory ending in /: ${dest}/`,
  noUrl: (src: string) => `${src}: ADD from a URL is not supported, boxlab builds offline; download it into the context and ADD it from there`,
  contextShown: 'the build context',
  stageShown: (name: string) => `stage ${name}`,
  imageShown: (ref: string) => `image ${ref}`,
  // users
  dbTooBig: (kind: string, n: number) => `the image's /etc/${kind} is larger than ${n} bytes`,
  badUser: (spec: string) => `"${spec}" is not USER[:GROUP] (names or numbers)`,
  noSuchUser: (user: string) => `no user ${user} in the image's /etc/passwd: add it first (RUN adduser ...), or give a number`,
  noSuchGroup: (group: string) => `no group ${group} in the image's /etc/group: add it first, or give a number`,
  // steps
  badPort: (word: string) => `EXPOSE ${word}: expected PORT, PORT/tcp, PORT/udp or FROM-TO/PROTO with ports 1-65535`,
  emptyVolume: 'VOLUME: a path is empty',
  noTarget: (target: string, names: string[]) => `--target ${target}: no stage is named so${names.length ? `; the stages: ${names.join(', ')}` : ' (no stage has a name: FROM IMAGE AS NAME gives one)'}`,
  noBase: (image: string, layout: string, why: string) =>
    `FROM ${image}: ${why}. boxlab build takes FROM images from its layout (${layout}) and downloads nothing: build it there first (boxlab build -t ${image} ...), pull it (boxlab image pull HOST:PORT/NAME ${layout}), or use FROM scratch`,
  noFromSource: (from: string, layout: string) => `--from=${from}: no stage is named so, and ${layout} has no image ${from}`,
  fromLater: (from: string) => `--from=${from}: a stage can copy only from stages before it`,
  runFailed: (argv: string[], code: number) => `${JSON.stringify(argv)} exited with status ${code}${code > 128 ? ` (killed by signal ${code - 128})` : ''}`,
  diffIdMismatch: (digest: string, got: string, want: string) => `layer ${digest} hashes to ${got}, but the image says ${want}: the layout is damaged`,
  tooManyLayers: (n: number) => `${n} layers are more than one overlay mount can stack here; fewer RUN, COPY and ADD steps (join commands with &&) make fewer layers`,
  // the command line
  noContext: (dir: string) => `${dir} is not a directory: the build context is a directory (boxlab build [OPTIONS] DIR)`,
  needsContext: 'boxlab build needs a context directory: boxlab build [OPTIONS] DIR',
  noFile: (dir: string) => `no Containerfile or Dockerfile in ${dir}: write one, or name it with -f FILE`,
  cannotRead: (file: string, why: string) => `cannot read ${file}: ${why}`,
  badBuildArg: (text: string) => `--build-arg ${text}: expected NAME=VALUE`,
  needsRoot: 'boxlab build needs root: each RUN is a container (namespaces, mounts, cgroups), and layers hold whiteouts (device nodes) and overlay xattrs. Run it with sudo.',
  // progress, as docker build shows it
  stepLine: (n: number, total: number, stage: number, stages: number, name: string | undefined, source: string) =>
    `STEP ${n}/${total}${stages > 1 ? ` [stage ${stage + 1}/${stages}${name ? ` ${name}` : ''}]` : ''}: ${source}`,
  outputLine: (line: string) => `  | ${line}`,
  doneLine: (result: 'cached' | 'built' | 'config', seconds: string, layer?: { digest: string; size: string }) =>
    `  --> ${result === 'cached' ? 'CACHED' : result === 'built' ? 'DONE' : 'config'} ${seconds}s${layer ? `  layer ${layer.digest} ${layer.size}` : result === 'config' ? '' : '  (no change: no layer)'}`,
  imageLine: (ref: string | undefined, digest: string, layout: string, layers: number) =>
    `${ref ? `named ${ref}` : 'unnamed (no -t)'}: manifest ${digest}, ${layers} layer${layers === 1 ? '' : 's'}, in ${layout}`,
  failed: (what: string) => `boxlab build: ${what}`,
  stopped: (sig: string) => `stopped by ${sig}; what the build made is removed (the layers and cache entries it finished stay in the layout)`,
};

export const ENGINE_USAGE = `Usage: boxlab engine [--json]

Starts a Docker engine of the lab's own (Debian's dockerd and the containerd it
starts) in a network and a mount namespace the lab made, with its data, sockets and
state in a bl- directory and its containers' cgroups beneath a bl- group, so the
host's network, firewall, mounts and cgroups do not change. It runs until Ctrl-C or
SIGTERM, which stop it and remove all of it (after a SIGKILL: boxlab cleanup).
Nothing is pulled: give it images with boxlab image save and docker load.`;

export const engineText = {
  needsRoot: 'boxlab engine needs root: dockerd makes namespaces, mounts, cgroups and firewall rules. Run it with sudo.',
  running: (i: { pid: number; socket: string; dir: string; netns: string; docker: string }) =>
    `dockerd runs as pid ${i.pid} in its own network namespace (${i.netns}); state in ${i.dir}.\n`
    + `Use it with: ${i.docker} -H unix://${i.socket} ...\nCtrl-C stops it and removes everything it made.`,
  missing: (program: string, pkg: string) => `${program} is not installed: the engine lessons run Debian's Docker engine (apt-get install ${pkg})`,
  exitedAtStart: (log: string, last: string) => `dockerd exited while starting (its log: ${log})${last ? `: ${last}` : ''}`,
  noAnswer: (seconds: number, log: string, last: string) => `dockerd did not answer on its socket within ${seconds} s (its log: ${log})${last ? `: ${last}` : ''}`,
};
