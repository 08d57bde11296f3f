// Every word the command line (src/cli) says to a person: each command's usage, and
// what it answers.

export const cli = {
  usage: {
    main: (version: string) => `boxlab ${version} — learn how containers work, one kernel step at a time

Usage:
  boxlab                      open the lab (terminal UI)
  boxlab --present [LESSON]   the lab for a projector: one step per screen, no notes
  boxlab --notes [LESSON]     the lab with the speaker notes (a presenter's screen)
  boxlab list [--json]        list the lessons and challenges
  boxlab progress [--json]    your progress, chapter by chapter
  boxlab lesson ID [--yes] [--markdown|--json]
                              run a lesson as plain text (--yes solves its tasks)
  boxlab run [OPTIONS] -- CMD [ARG...]
                              run a whole container from the same core ops
                              (-d: in the background, kept by a supervisor)
  boxlab ps [-a] [--json]     the containers running in the background
  boxlab logs [-f] [--tail N] [--since T] CONTAINER
                              what one wrote (its json-file log)
  boxlab stats [--no-stream] [--json] [CONTAINER...]
                              CPU, memory, network, block I/O and PIDs, live
  boxlab stop [-t SECS] CONTAINER... / boxlab rm [-f] CONTAINER...
                              stop one (SIGTERM, then SIGKILL), remove one
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
  boxlab network create|ls|rm|inspect
                              user-defined bridge networks, with names that
                              containers on them resolve (see 'boxlab network --help')
  boxlab doctor [--json]      what this machine can do, chapter by chapter
  boxlab cleanup [--dry-run] [--json]
                              remove what a killed boxlab left behind
  boxlab --version | --help

Every command takes --lang en|zh-CN (the language; else BOXLAB_LANG, else the locale).
Run 'boxlab COMMAND --help' for a command's options.`,
    run: `Usage: boxlab run [OPTIONS] -- CMD [ARG...]

Runs CMD in a new container: every namespace, an overlay over the rootfs (the rootfs
itself is never written), pivot_root, /proc and a minimal /dev; confined as Docker
confines one by default: 14 capabilities kept, the rest dropped, Docker's masked and
read-only paths in /proc and /sys (those this kernel has), a device cgroup allowing
only Docker's devices, and where the kernel runs AppArmor a profile like Docker's
docker-default. No seccomp filter yet.

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
  (or --network)      host: the host's network (no network namespace)
                      bridge: eth0 on the host's bridge bl0, a private /24, NAT out
                      NETWORK: eth0 on a network of 'boxlab network create', where
                      containers find each other by --name (DNS at 127.0.0.11)
  --name NAME         the container's name: what others on its network look up
  -p, --publish HOSTPORT:CTPORT[/tcp|udp]
                      with --net bridge or NETWORK: the host's port leads to the
                      container's (also on 127.0.0.1 for tcp); repeatable
  --cap-add CAP       keep CAP as well (SYS_ADMIN, NET_ADMIN, ...; the CAP_ prefix and
                      the case are optional); ALL: every one boxlab can give; repeatable
  --cap-drop CAP      drop CAP from Docker's default set; ALL: keep only the added
                      ones; repeatable
  --privileged        every capability boxlab can give, nothing masked or read-only
  --security-opt no-new-privileges
                      set no_new_privs: setuid programs and file capabilities give
                      the command nothing more
  --security-opt apparmor=PROFILE
                      unconfined; the name of a profile the host has loaded; or the
                      path of a profile file (its profile named bl-...), loaded for
                      the run and removed after it. Refused where the kernel has no
                      AppArmor
  --device HOST[:CONTAINER][:rwm]
                      give the container the host's device node (at CONTAINER, under
                      /dev; default the same path) and the right to open it
                      (r read, w write, m mknod; default rwm); repeatable
  --device-cgroup-rule 'TYPE MAJOR:MINOR PERMS'
                      allow more in the device cgroup ('b 7:* rw'); repeatable
  --bundle DIR        run an OCI bundle (DIR/config.json and its rootfs) with boxcore's
                      OCI runtime, as 'boxcore run' does; no other options then
  --name NAME         name the container (unique; boxlab ps, logs, stop, rm take it)
  --rm                remove everything when it ends (what boxlab run does anyway;
                      with -d: the container goes when it exits)

In the background (Docker's flags; see 'boxlab ps', 'logs', 'stats', 'stop', 'rm'):
  -d, --detach        run it in the background and print its ID: a supervisor process
                      of its own keeps it, its output and its exit status
  --restart POLICY    no (the default), on-failure[:MAX-RETRIES], always or
                      unless-stopped; restarts wait 100 ms, doubled each time up to a
                      minute, back to 100 ms after a run of 10 s
  --health-cmd CMD    a shell command run inside every --health-interval (30s); exit 0
                      is healthy, --health-retries (3) failures in a row unhealthy
  --health-interval D, --health-timeout D (30s), --health-start-period D (0s),
  --health-start-interval D (5s), --health-retries N
                      durations as Go writes them: 500ms, 30s, 1m30s
  --log-opt max-size=SIZE, --log-opt max-file=N
                      rotate its json-file log at SIZE (10k, 20m: decimal), keeping
                      N files (ID-json.log, .1, ...)

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
could not make the container.`,
    lab: `Usage: boxlab [--present] [--notes] [LESSON] [--trust DIR] [--lang en|zh-CN]

Opens the lab (at LESSON, when one is named). --present is for workshops: one step
per screen at a readable measure, a large state panel, a step counter, the whole key
bar; it is drawn for 80x24 and 120x30 projectors and anything larger. Speaker notes
(the lessons' notes for a trainer) show only with --notes, or once N is pressed:
never to a learner alone, nor on the screen the room sees. Press ? in the lab for
its keys. Needs a terminal; for scripts use 'boxlab lesson ID --yes'.
Colour is off with NO_COLOR, --no-color or TERM=dumb. Progress and settings are kept in
$XDG_STATE_HOME/boxlab (~/.local/state/boxlab; under sudo, the invoking user's).
Language: --lang, else BOXLAB_LANG, else the one chosen with L on the home screen
(saved), else the locale.

--trust DIR runs lessons from DIR when BOXLAB_LESSONS points there (lessons outside
the built-in course run only so, and only if no one but you or root can change them).`,
    list: `Usage: boxlab list [--json] [--trust DIR]

Lists the lessons and challenges: id, title, whether they need root, and which are
challenges ("kind": "challenge" in the JSON).

--trust DIR runs lessons from DIR when BOXLAB_LESSONS points there (lessons outside
the built-in course run only so, and only if no one but you or root can change them).`,
    lesson: `Usage: boxlab lesson ID [--yes] [--markdown|--json] [--until N] [--trust DIR]

Runs a lesson straight through as plain text: prose, commands, syscalls, the state
before and after, and the diff. --yes solves its tasks with their solutions, each
task checked first (one that passes before anything was done fails the run); the exit
status is 0 only if every check passes. A prediction is shown with its answer.
--markdown writes a handout, --json an event stream (JSON lines, one event per line). --until N stops after step N and keeps the lesson's containers until Ctrl-C, so
you can look at them from another terminal (boxlab state PID).

--trust DIR runs lessons from DIR when BOXLAB_LESSONS points there (lessons outside
the built-in course run only so, and only if no one but you or root can change them).`,
    progress: `Usage: boxlab progress [--json] [--trust DIR]

Your progress, chapter by chapter: lessons and challenges done, tasks solved without
hints (or after a hint, or with the solution), and predictions right (your first guess
at each). Read from the lab's progress file ($XDG_STATE_HOME/boxlab/progress.json;
under sudo, the invoking user's).

--trust DIR runs lessons from DIR when BOXLAB_LESSONS points there (lessons outside
the built-in course run only so, and only if no one but you or root can change them).`,
    doctor: `Usage: boxlab doctor [--json] [--trust DIR]

Tells what this machine can do for the course: kernel, cgroup layout and controllers,
privileges, user namespaces, overlayfs, loop devices, netfilter, KVM, runc/crun, mount
propagation, WSL or a container as host; then, chapter by chapter, whether the lessons
will run here and if not, why and what to do. Exit status 0 means the whole course can
run.

--trust DIR runs lessons from DIR when BOXLAB_LESSONS points there (lessons outside
the built-in course run only so, and only if no one but you or root can change them).`,
    state: `Usage: boxlab state PID [--view LIST] [--json]

Prints kernel state views of process PID: ns, proc, ids, uts, mounts, fs, ipc, net,
cgroup (default: all).`,
    rootfs: `Usage: boxlab rootfs [DIR] [--force] [--from busybox|host]

Builds a minimal root filesystem offline: a static busybox if the host has one, else
the host's own programs with the libraries they load. Default DIR: the cache that
'boxlab run' uses.`,
    image: `Usage: boxlab image VERB ...

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
trusted.* xattrs. Registries must be on this machine's loopback.`,
    build: `Usage: boxlab build [OPTIONS] DIR

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
ENTRYPOINT, CMD, SHELL. .dockerignore in DIR hides files from COPY and ADD.`,
    engine: `Usage: boxlab engine [--json]

Starts a Docker engine of the lab's own (Debian's dockerd and the containerd it
starts) in a network and a mount namespace the lab made, with its data, sockets and
state in a bl- directory and its containers' cgroups beneath a bl- group, so the
host's network, firewall, mounts and cgroups do not change. It runs until Ctrl-C or
SIGTERM, which stop it and remove all of it (after a SIGKILL: boxlab cleanup).
Nothing is pulled: give it images with boxlab image save and docker load.`,
    network: `Usage: boxlab network create [--subnet CIDR] [-o|--opt KEY=VALUE] NAME
       boxlab network ls [--json] [-q]
       boxlab network rm NAME...
       boxlab network inspect NAME...

User-defined bridge networks, as Docker's. Each has a bridge of its own (bl-br-ID) and
a private subnet that overlaps no route of the host (or --subnet's), masquerade out,
and rules that keep it apart from every other lab bridge (nft list ruleset shows
them). Containers join one with boxlab run --net NAME (or --network NAME), and find
each other by --name: their /etc/resolv.conf points at 127.0.0.11, which a DNAT in
the container's network namespace sends to a resolver of the run, answering the
names of the network's running containers (NAME, or NAME.NETWORK) and no others.
Names elsewhere are not forwarded: the lab's traffic stays on this machine.

A network stays defined until 'boxlab network rm'; its bridge and rules are in the
kernel only while containers use it (the first in makes them, the last out removes
them), and rm is refused while a container runs on it.

Options of create:
  --subnet CIDR       the network's subnet (default: a free private /24)
  -o, --opt icc=false the containers of the network may not reach each other (the
                      gateway and the world they still reach); Docker's
                      com.docker.network.bridge.enable_icc=false works too
  -d, --driver bridge the only driver there is`,
    ps: `Usage: boxlab ps [-a] [-q] [--json]

Lists the containers started with boxlab run -d that are running (restarting and
paused ones too): ID, rootfs, command, when it was made, its status as Docker words it
(Up 5 minutes (healthy), Restarting (1) 2 seconds ago, Exited (0) 1 minute ago, Dead:
its supervisor was killed), how often it was restarted, ports and name.

  -a, --all     every container, stopped ones too
  -q, --quiet   only the IDs
  --json        everything, as JSON (states: created, running, restarting, paused,
                exited, dead)`,
    stop: `Usage: boxlab stop [-t SECS] CONTAINER...

Stops each container: SIGTERM to its init, then SIGKILL after SECS seconds (default
10). It stays, exited, until boxlab rm; no restart policy brings it back. A container's
init ignores signals it has no handler for (PID 1 of its namespace), so a shell without
a trap waits for the SIGKILL.`,
    rm: `Usage: boxlab rm [-f] CONTAINER...

Removes each stopped container: its supervisor ends and takes its logs, directories,
cgroup and network away. -f removes a running one too (SIGKILL). A dead container (its
supervisor was killed) is removed from its supervisor's ledger, as boxlab cleanup would.`,
    logs: `Usage: boxlab logs [-f] [--since T] [--until T] [-n|--tail N] [-t] CONTAINER

Prints what the container wrote, from its json-file log: its stdout on stdout, its
stderr on stderr.

  -f, --follow      go on printing what it writes, until it stops
  --since T         only lines from T on: a time (2026-01-02T15:04:05Z, a Unix time)
                    or a duration back from now (10m, 1h30m)
  --until T         only lines up to T
  -n, --tail N      only the last N lines (all: every line)
  -t, --timestamps  each line after its time (RFC 3339, nanoseconds)`,
    stats: `Usage: boxlab stats [-a] [--no-stream] [--json] [CONTAINER...]

Shows what each running container uses, as docker stats does, read every second from
its cgroup (cpuacct.usage or cpu.stat; memory usage less inactive file cache;
blkio or io.stat; pids.current) and its network namespace (/proc/PID/net/dev, lo left
out). CPU % is of one CPU (two busy CPUs: 200%).

  -a, --all     stopped containers too
  --no-stream   one table (from two samples a second apart), then exit
  --json        one JSON object per container and sample, numbers in bytes`,
    cleanup: `Usage: boxlab cleanup [--dry-run] [--json]

Removes what boxlab processes that are no longer running left on this machine, as
their ledgers list it (never anything else). Safe while another boxlab runs.`,
  },

  noArguments: (command: string, words: string[]) => `unexpected ${words.join(' ')}: boxlab ${command} takes no arguments (see boxlab ${command} --help)`,
  unknownCommand: (c: string, didYouMean = '') => `boxlab: unknown command '${c}'${didYouMean}. Run 'boxlab --help' for the list.`,
  needsRoot: (what: string) =>
    `boxlab ${what} needs root: namespaces, mounts and cgroups are privileged. Run it with sudo, or use --user for a rootless container.`,
  coreGone: 'the runtime core ended before the container did (it was killed, or it crashed): the run stops here, and what it made on the host is taken away.',
  notLinux: 'boxlab teaches the Linux kernel and runs only on Linux. On macOS or Windows, use a Linux VM (for example with multipass or WSL 2).',
  buildingRootfs: (dir: string) => `boxlab: building the default rootfs in ${dir} (once)...`,
  rootfsBuilt: (dir: string, source: string, n: number) => `rootfs ready in ${dir} (${source}, ${n} programs)`,
  noPid: (pid: string) => `no such process: ${pid}. Give the pid of a running process, as the host sees it.`,
  cleanupNothing: 'nothing to clean up: no ledger of a dead boxlab remains.',
  cleanupNotRoot: (dir: string) => `you are not root, so only your own ledgers (${dir}) were read: what boxlab left as root is listed in /run/boxlab/ledger; sudo boxlab cleanup removes it.`,
  cleanupNetworksKept: (names: string[]) => `kept: the networks ${names.join(', ')}, defined until boxlab network rm NAME (their bridges are in the kernel only while containers use them).`,
  cleanupLive: (pids: number[]) => `left alone: the ledgers of running boxlab processes ${pids.join(', ')}.`,
  cleanupDetached: (names: string[]) => `left alone: detached containers whose supervisors run (${names.join(', ')}); boxlab rm -f NAME ends one and removes everything it made.`,
  cleanupDone: (n: number) => `removed ${n} resource${n === 1 ? '' : 's'}.`,
  cleanupWould: (n: number) => `would remove ${n} resource${n === 1 ? '' : 's'} (dry run: nothing changed).`,

  /** boxlab image */
  // every command
  version: (version: string) => `boxlab ${version}`,
  /** An error, as the command line says it. */
  error: (message: string) => `boxlab: ${message}`,
  needsRootFor: (what: string, why: string) => `boxlab ${what} needs root: ${why}. Run it with sudo.`,
  network: {
    whyRoot: "networks are the host's shared state under /run/boxlab/net, and their bridges and rules are the host's",
    unknownVerb: (verb: string) => `boxlab network ${verb}: not a network command; choose create, ls, rm or inspect (boxlab network --help)`,
    createOneName: 'boxlab network create takes one NAME (boxlab network create [--subnet CIDR] [--opt icc=false] NAME)',
    onlyBridge: (driver: string) => `--driver ${driver}: boxlab makes bridge networks only`,
    rmWhich: 'boxlab network rm NAME...: name the networks to remove',
    inspectWhich: 'boxlab network inspect NAME...: name the networks to show',
    noSuch: (name: string) => `there is no network ${name} (boxlab network ls lists them)`,
    table: (rows: { id: string; name: string; subnet: string; icc: boolean; bridge?: string; containers: number }[]) => {
      const head = ['NETWORK ID', 'NAME', 'DRIVER', 'SUBNET', 'ICC', 'BRIDGE', 'CONTAINERS'];
      const body = rows.map((r) => [r.id, r.name, 'bridge', r.subnet, r.icc ? 'on' : 'off', r.bridge ?? '(none: no container)', String(r.containers)]);
      const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
      return [head, ...body].map((cells) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!))).join('  ')).join('\n');
    },
  },
  unknownOption: (arg: string) => `unknown option ${arg}`,
  needsValue: (arg: string) => `option ${arg} needs a value`,
  unexpected: (words: string[]) => `unexpected ${words.join(' ')}; run 'boxlab --help'`,
  badLanguage: (where: string, value: string, known: readonly string[]) =>
    `${where} ${value}: boxlab speaks ${known.join(' and ')}; choose one`,

  // boxlab lesson, state, rootfs, run --bundle, cleanup
  lessonId: "expected one lesson ID: boxlab lesson ID [--yes]; 'boxlab list' shows them",
  markdownOrJson: 'choose one of --markdown and --json',
  badUntil: (given: string) => `--until ${given}: expected a step number (1, 2, ...)`,
  unknownView: (name: string, views: readonly string[]) => `unknown view '${name}': choose from ${views.join(',')}`,
  statePid: 'expected one PID (a number): boxlab state PID [--view LIST] [--json]',
  stateError: (message: string) => `boxlab state: ${message}`,
  rootfsOneDir: (words: string[]) => `expected at most one DIR, got ${words.join(' ')}`,
  rootfsFrom: (from: string) => `--from ${from}: choose busybox or host`,
  bundleNeedsDir: '--bundle needs a directory',
  runError: (message: string) => `boxlab run: ${message}`,
  /** An error of one command (of boxlab itself without one). */
  commandError: (command: string | undefined, message: string) => `boxlab${command ? ` ${command}` : ''}: ${message}`,
  unknownNamespace: (name: string, names: readonly string[]) => `unknown namespace '${name}' in --ns: choose from ${names.join(',')}`,
  badEnv: (text: string) => `-e ${text}: expected K=V`,
  cleanupFailed: (error: string) => `failed: ${error}`,
  cleanupWouldRemove: 'would remove',
  cleanupRemoved: 'removed',
  cleanupLine: (status: string, what: string, owner: number) => `${status.padEnd(12)} ${what}  (left by boxlab ${owner})`,

  // boxlab list, progress
  listLine: (id: string, title: string, needs: string, challenge: boolean) => `${id}  ${title}  (${needs}${challenge ? ', challenge' : ''})`,
  progressChapter: (chapter: string, done: number, total: number) => `${chapter}: ${done}/${total} lessons done`,
  progressChallenges: (done: number, total: number) => `${done}/${total} challenge${total === 1 ? '' : 's'} solved`,
  progressTasks: (clean: number, solved: number) => `${clean}/${solved} tasks solved without hints`,
  progressPredictions: (right: number, answered: number) => `${right}/${answered} predictions right`,
  progressFile: (file: string) => `(from ${file})`,
  progressNone: "No progress yet: open the lab ('boxlab') and start a lesson.",

  image: {
    unknownVerb: (v: string) => `boxlab image: unknown verb '${v}'. Run 'boxlab image --help' for the list.`,
    needsVerb: "boxlab image needs a verb: build, ls, inspect, unpack, commit, save, push, pull or registry ('boxlab image --help')",
    wrongArgs: (verb: string, usage: string, got: string[]) => `boxlab image ${verb}: expected ${usage}; got ${got.length ? got.join(' ') : 'nothing'}`,
    verbUsage: (verb: string, usage: string) => `Usage: boxlab image ${verb} ${usage}\n\n${cli.usage.image}`,
    noOption: (verb: string, option: string, usage: string) => `boxlab image ${verb} has no option --${option}; usage: boxlab image ${verb} ${usage}`,
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
      blobLine: (digest: string, size: number, mediaType?: string) => `${digest}  ${size} bytes${mediaType ? `  ${mediaType}` : ''}`,
    },
  },
};
