// Every word the runtime (src/runtime: boxlab run, the rootfs, sandbox hosts) says:
// bad flags and what to write instead, what --explain prints, and why a container
// could not be made here.

export const runtime = {
  // boxlab run's spec (container.ts)
  noRootfs: (dir: string) => `rootfs ${dir} is not a directory: build one with 'boxlab rootfs ${dir}' or point --rootfs at one`,
  noCommand: 'no command given: boxlab run [OPTIONS] -- CMD [ARG...]',
  hostnameNeedsUts: '--hostname needs a UTS namespace: add uts to --ns',
  needsMnt: 'boxlab run needs a mount namespace (mnt) so the container\'s mounts never touch the host',
  noVolumeSource: (source: string) => `volume source ${source} does not exist on the host`,
  volumeNotAbsolute: (target: string) => `volume target ${target} must be an absolute path inside the container`,
  tmpfsNotAbsolute: (target: string) => `--tmpfs ${target} must be an absolute path inside the container`,
  badVolume: (text: string) => `-v ${text}: expected SRC:DST or SRC:DST:ro`,
  rootfsNotOurs: (dir: string) => `${dir} exists and is not a boxlab rootfs; choose another directory or remove it`,
  noBusybox: 'no static busybox on this host (apt-get install busybox-static)',
  notSubnet: (subnet: string) => `not an IPv4 subnet: ${subnet}`,
  rootfsNotBuilt: (dir: string, exists: boolean) =>
    `BOXLAB_ROOTFS=${dir} is not a boxlab rootfs${exists ? '' : ' (it does not exist)'}: build one there with boxlab rootfs ${dir}, or unset BOXLAB_ROOTFS to use the cache`,
  rootfsCannotWrite: (dir: string, code: string) =>
    `cannot make the rootfs in ${dir} (${code === 'EACCES' || code === 'EPERM' ? 'permission denied' : code === 'EROFS' ? 'read-only filesystem' : code}): build it where you can write, with boxlab rootfs DIR, and point boxlab at it with BOXLAB_ROOTFS=DIR (or set XDG_CACHE_HOME)`,

  /** --net, -p and the bridge network (network.ts) */
  net: {
    badPublish: (text: string) => `-p ${text}: expected HOSTPORT:CTPORT or HOSTPORT:CTPORT/tcp|udp, ports 1-65535 (e.g. -p 8080:80)`,
    badMode: (mode: string) => `--net ${mode}: choose none, host, bridge, or the name of a network (letters, digits and _ . -; boxlab network ls lists them)`,
    publishNeedsBridge: '-p needs --net bridge (or --net NETWORK, a user-defined network): only a bridge has a port to publish through',
    bridgeNeedsRoot: '--net bridge needs root: it adds a bridge, NAT rules and a sysctl on the host (--user cannot)',
    netNsConflict: (mode: string) => mode === 'host'
      ? "--net host shares the host's network: leave net out of --ns"
      : `--net ${mode} needs a network namespace: add net to --ns`,
    samePortTwice: (port: number) => `-p: host port ${port} is published twice`,
    noFreeSubnet: 'no private /24 is free: every candidate in 10.88.x, 172.18-31.x and 192.168.x collides with a route of this host',
    bridgeWithoutAddress: (name: string) => `the bridge ${name} exists but has no IPv4 address: it is not one boxlab made, or it is being taken down; try again, or delete it (ip link del ${name})`,
    subnetFull: (subnet: string) => `every address of ${subnet} is leased to a running container`,
    portInUse: (port: number) => `host port ${port} is in use on 127.0.0.1: another program (or another container) listens there; choose another -p`,
    noNetwork: (name: string) => `--net ${name}: there is no network ${name} (boxlab network ls lists them; boxlab network create ${name} makes it)`,
    bothNetFlags: '--net and --network are the same option: give one',
  },

  /** user-defined networks (networks.ts) and their resolver */
  networks: {
    badName: (name: string) => `network name ${JSON.stringify(name)}: use letters, digits and _ . - (starting with a letter or digit), at most 64`,
    reservedName: (name: string) => `network name ${name}: ${name} is one of the networks every host has (none, host, bridge); choose another`,
    badContainerName: (name: string) => `--name ${JSON.stringify(name)}: use letters, digits and _ . - (starting with a letter or digit), at most 63`,
    badOption: (opt: string, keys: string[]) => `--opt ${opt}: boxlab knows ${keys.map((k) => `${k}=true|false`).join(' and ')} (whether the network's containers may talk to each other)`,
    badSubnet: (subnet: string) => `--subnet ${subnet}: expected an IPv4 subnet with its prefix length, /8 to /29 (e.g. 10.89.0.0/24)`,
    notNetworkAddress: (subnet: string, network: string) => `--subnet ${subnet}: the address is not the subnet's own (its host bits are not 0): did you mean ${network}?`,
    overlap: (subnet: string, what: string) => `--subnet ${subnet} overlaps ${what}: its containers could not be told apart from what is there; choose another subnet, or leave --subnet out and boxlab picks a free one`,
    takenByRoute: (cidr: string) => `the host's route to ${cidr}`,
    takenByBridge: (bridge: string) => `${bridge}'s subnet (boxlab run --net bridge)`,
    takenByNetwork: (name: string) => `the network ${name}`,
    exists: (name: string) => `a network named ${name} exists already (boxlab network inspect ${name})`,
    noNetwork: (name: string) => `there is no network ${name} (boxlab network ls lists them)`,
    inUse: (name: string, on: string[]) => `network ${name} has ${on.length} running container${on.length === 1 ? '' : 's'} on it (${on.join(', ')}): stop ${on.length === 1 ? 'it' : 'them'} first`,
    nameTaken: (name: string, network: string) => `--name ${name}: a running container on network ${network} has that name already; choose another`,
  },

  /** --device, --device-cgroup-rule and the device cgroup (devices.ts) */
  devices: {
    badDevice: (text: string) => `--device ${text}: expected HOST[:CONTAINER][:PERMS], e.g. --device /dev/loop3 or --device /dev/loop3:/dev/xvda:r`,
    badPerms: (text: string, perms: string) => `--device ${text}: permissions ${perms} are not some of r (read), w (write) and m (mknod)`,
    notAbsolute: (text: string, host: string) => `--device ${text}: ${host} is not an absolute path to a device node on the host`,
    notUnderDev: (text: string, container: string) =>
      `--device ${text}: ${container} must be a plain path under /dev (the container's /dev is a fresh tmpfs, the only place boxlab makes nodes); e.g. /dev/xvda`,
    badRule: (text: string) => `--device-cgroup-rule ${text}: expected TYPE MAJOR:MINOR PERMS (TYPE c or b, MAJOR and MINOR a number or *, PERMS some of rwm; e.g. 'b 7:* rwm'), or a`,
    needsRoot: '--device and --device-cgroup-rule need root: the device cgroup is made on the host, and a rootless container gets none (leave out --user)',
    noSuchDevice: (host: string) => `--device ${host}: there is no such file on the host (ls -l ${host})`,
    notADevice: (host: string) => `--device ${host}: not a character or block device (ls -l ${host} shows c or b first for one)`,
    sameTargetTwice: (container: string) => `--device: ${container} is given twice in the container`,
    noController: "this machine's cgroup v1 has no devices controller (no devices line in /proc/cgroups): the container is not confined to Docker's device list",
    explainTitle: 'Devices: every device denied, then these rules of the device cgroup (v1 devices.allow, v2 a BPF program), in order:',
    explainRule: (rule: string) => `  ${rule}`,
    explainNode: (host: string, container: string, perms: string) => `  node ${container} made like the host's ${host} (${perms})`,
    explainRootless: '  none: a rootless container gets no device cgroup; its user namespace already keeps it from making device nodes',
    explainUnreadable: '  (a --device node cannot be read here)',
  },

  /** AppArmor and SELinux (apparmor.ts) */
  mac: {
    noAppArmor: (asked: string, lsms: string[] | undefined, selinux: boolean) =>
      `--security-opt apparmor=${asked}: this kernel does not run AppArmor (${lsms ? `the active security modules are ${lsms.join(', ')}` : '/sys/module/apparmor/parameters/enabled is not Y'})${selinux ? '; it runs SELinux, which confines with labels, not profiles' : ''}. ` +
      'Boot a kernel with AppArmor (apparmor=1 security=apparmor on its command line; Debian\'s kernels have it on), or leave the option out',
    noSecurityfs: (asked: string) =>
      `--security-opt apparmor=${asked}: AppArmor is on but securityfs is not mounted, so no profile can be listed or loaded: mount -t securityfs securityfs /sys/kernel/security`,
    notLoaded: (name: string) =>
      `--security-opt apparmor=${name}: no profile of that name is loaded (cat /sys/kernel/security/apparmor/profiles lists them). Load it with apparmor_parser -r FILE, or give the file's path: --security-opt apparmor=./FILE`,
    fileNeedsRoot: (path: string) => `--security-opt apparmor=${path}: loading a profile needs root (leave out --user, or name a profile loaded already)`,
    noParser: (path: string) => `--security-opt apparmor=${path}: apparmor_parser is not installed (apt-get install apparmor)`,
    noFile: (path: string) => `--security-opt apparmor=${path}: there is no such file`,
    notAFile: (path: string) => `--security-opt apparmor=${path}: not a regular file`,
    oneProfile: (path: string, names: string[]) =>
      `--security-opt apparmor=${path}: the file must hold exactly one profile, and it holds ${names.length}${names.length ? ` (${names.join(', ')})` : ''}`,
    notBlProfile: (path: string, name: string) =>
      `--security-opt apparmor=${path}: its profile is named ${name}; the lab loads only profiles named bl-... (so it never replaces one of the host's): rename it, e.g. profile bl-${name} { ... }`,
    alreadyLoaded: (path: string, name: string) =>
      `--security-opt apparmor=${path}: a profile named ${name} is loaded already (by another run, or by hand): name this one differently, or use the loaded one with --security-opt apparmor=${name}`,
    parserFailed: (args: string, why: string) => `apparmor_parser ${args} failed: ${why}`,
    label: (word: string, selinux: boolean) => selinux
      ? `--security-opt ${word}: this host runs SELinux, which confines containers by labels (system_u:system_r:container_t:s0:c1,c2 on the processes, container_file_t on their files; ls -Z, ps -Z show them), but boxlab sets no labels: leave the option out`
      : `--security-opt ${word}: label= sets SELinux labels, and this host does not run SELinux (no /sys/fs/selinux)${''}: leave the option out`,
    explainTitle: 'Mandatory access control (an LSM checks each access against a policy, whatever the capabilities):',
    explainNoAppArmor: (lsms: string[] | undefined) =>
      `  apparmor_exec   none: this kernel does not run AppArmor${lsms ? ` (active: ${lsms.join(', ')})` : ''}`,
    explainDefault: '  apparmor_exec   bl-default-...: a profile like Docker\'s docker-default, loaded for this run (apparmor_parser) and removed after it',
    explainLoaded: (name: string) => `  apparmor_exec   ${name}, loaded already`,
    explainFile: (path: string) => `  apparmor_exec   the profile in ${path}, loaded for this run and removed after it`,
    explainNone: (unconfined: boolean, privileged: boolean, rootless: boolean, securityfs: boolean, parser: boolean) =>
      `  apparmor_exec   none: ${unconfined ? 'apparmor=unconfined' : privileged ? '--privileged runs unconfined' : rootless ? 'a rootless run loads no profile' : !securityfs ? 'securityfs is not mounted' : !parser ? 'apparmor_parser is not installed (apt-get install apparmor)' : 'unconfined'}`,
    explainCannot: (e: string) => `  (cannot run: ${e})`,
    explainSelinuxOn: '  SELinux is on here; boxlab sets no labels, so the container runs with boxlab\'s own (ps -Z shows it)',
    explainSelinuxOff: '  SELinux: not on this host',
  },

  /** capabilities, no_new_privs, masked paths (security.ts) */
  security: {
    unknownCap: (flag: string, word: string, hint: string) =>
      `${flag} ${word}: unknown capability${hint}; name one as capabilities(7) does (SYS_ADMIN, NET_ADMIN, SYS_PTRACE, ...; the CAP_ prefix and the case are optional), or ALL`,
    badSecurityOpt: (word: string) =>
      `--security-opt ${word}: boxlab run knows no-new-privileges (or no-new-privileges:true|false) and apparmor=PROFILE; seccomp profiles are not supported`,
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
  },

  /** OCI bundles (oci.ts) */
  oci: {
    bridgeHasNoConfig: '--net bridge has no config.json equivalent: a runtime is handed a network namespace, it does not make one',
    noBundle: (dir: string) => `bundle ${dir} does not exist: a bundle is a directory with config.json and the root filesystem`,
    noConfig: (dir: string) => `bundle ${dir} has no config.json: 'boxcore spec --bundle ${dir}' writes a default one`,
    bundleAlone: (word: string) => `${word}: with --bundle the container is what config.json says; give no other options or command`,
  },

  /** Docker's resource flags and the cgroup files they write (cgroup-flags.ts, cgroups.ts) */
  cgroup: {
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
    /** The table's file columns, where more than the file's name. */
    flagFile: {
      'cpu-shares': { v2: 'cpu.weight (1024 -> 100, log curve)' },
      'cgroup-parent': { v1: '(where the group is made)', v2: '(where the group is made)' },
    } as Record<string, { v1?: string; v2?: string }>,
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
  },
};
