// Every word about containers that outlive `boxlab run -d` (src/runtime/detached,
// src/runtime/logs and the commands ps, stop, rm, logs, stats): their flags, their
// states as Docker names them, and what goes wrong.

export const containers = {
  /** Docker's units.HumanDuration: how long ago, in words. */
  humanDuration: (ms: number): string => {
    const seconds = Math.floor(ms / 1000);
    if (seconds < 1) return 'Less than a second';
    if (seconds === 1) return '1 second';
    if (seconds < 60) return `${seconds} seconds`;
    const minutes = Math.floor(seconds / 60);
    if (minutes === 1) return 'About a minute';
    if (minutes < 60) return `${minutes} minutes`;
    const hours = Math.round(ms / 3_600_000);
    if (hours === 1) return 'About an hour';
    if (hours < 48) return `${hours} hours`;
    if (hours < 24 * 7 * 2) return `${Math.floor(hours / 24)} days`;
    if (hours < 24 * 30 * 2) return `${Math.floor(hours / 24 / 7)} weeks`;
    if (hours < 24 * 365 * 2) return `${Math.floor(hours / 24 / 30)} months`;
    return `${Math.floor(ms / 3_600_000 / 24 / 365)} years`;
  },

  needsContainer: (command: string) => `boxlab ${command} needs at least one container: a name, an ID or the start of one (boxlab ps -a lists them)`,
  needsOneContainer: (command: string) => `boxlab ${command} needs one container: a name, an ID or the start of one (boxlab ps -a lists them)`,

  /** boxlab run's flags for detached containers (options.ts) */
  flags: {
    badName: (name: string) => `--name ${name}: a name is 2 to 128 characters, letters, digits, _ . and -, starting with a letter or digit (as Docker's)`,
    needsDetach: (flag: string) => `${flag} is for a container that outlives the command: add -d (boxlab run -d ${flag} ...)`,
    rmAndRestart: '--rm and --restart contradict each other: a container removed when it exits cannot be restarted',
    detachRootless: '-d with --user is not supported yet: a rootless container runs only while boxlab run does',
  },

  restart: {
    badPolicy: (text: string) => `--restart ${text}: choose no, on-failure[:MAX-RETRIES], always or unless-stopped`,
    countOnlyOnFailure: (text: string, name: string) => `--restart ${text}: only on-failure takes a count of retries (${name} restarts without end)`,
    badCount: (text: string) => `--restart ${text}: the count of retries is a whole number (on-failure:3)`,
  },

  health: {
    needsCmd: (flag: string) => `--${flag} needs --health-cmd: the command that tells whether the container is healthy (exit 0: healthy)`,
    emptyCmd: '--health-cmd is empty: give a shell command, e.g. --health-cmd "wget -q -O- http://127.0.0.1/ || exit 1"',
    badDuration: (flag: string, text: string) => `--${flag} ${text}: expected a duration such as 30s, 1m30s or 500ms (at least 1ms; 0 for the default)`,
    badRetries: (text: string) => `--health-retries ${text}: expected a whole number of failures in a row (0 for the default, 3)`,
    timedOut: (duration: string, output: string) => `Health check exceeded timeout (${duration})${output ? `: ${output}` : ''}`,
  },

  logs: {
    badMaxSize: (text: string) => `--log-opt max-size=${text}: expected a size such as 10k, 20m or 1g (decimal, as Docker's: 10k is 10000 bytes)`,
    badMaxFile: (text: string) => `--log-opt max-file=${text}: expected a number of files from 1 to 1000`,
    noCompress: (text: string) => `--log-opt compress=${text}: compressed log files are not written here (compress=false is the default)`,
    unknownOpt: (key: string) => `--log-opt ${key}: unknown option of the json-file log driver; max-size and max-file are known`,
    fileNeedsSize: '--log-opt max-file needs max-size: files are rotated only when one reaches max-size',
    badTime: (flag: string, text: string) =>
      `${flag} ${text}: expected a time (2026-01-02T15:04:05Z, 2026-01-02, a Unix time such as 1767366245) or a duration back from now (10m, 1h30m)`,
    badTail: (text: string) => `--tail ${text}: expected a number of lines, or all`,
  },

  /** container.json and the state directory (store.ts) */
  store: {
    notOurs: (path: string, why: string) => `skipped ${path}: ${why}, and boxlab reads only what no one else can change`,
    notPlainFile: 'it is not a regular file of yours that only you can write',
    unreadable: (file: string, code: string) => `cannot read ${file} (${code})`,
    tooBig: (file: string, max: number) => `skipped ${file}: larger than ${max >> 20} MiB, which no supervisor writes`,
    malformed: (file: string) => `skipped ${file}: not a container record boxlab wrote (a field is missing or has a wrong type)`,
    rootNotOurs: (root: string, why: string) => `not reading the containers in ${root}: ${why}`,
    ambiguous: (ref: string, ids: string[]) => `${ref} is the start of the IDs of ${ids.length} containers (${ids.join(', ')}): give more of it`,
    noSuch: (ref: string) => `no such container: ${ref} (boxlab ps -a lists them)`,
    nameInUse: (name: string, id?: string) => id
      ? `the name "${name}" is in use by container ${id}: choose another --name, or remove that one (boxlab rm -f ${name})`
      : `the name "${name}" is in use by a boxlab run that is running: choose another --name`,
  },

  control: {
    pathTooLong: (path: string, max: number) => `the control socket ${path} is longer than ${max} bytes, which a Unix socket cannot be: choose a shorter BOXLAB_STATE_DIR`,
    badRequest: 'not a request this supervisor knows',
    badReply: 'the supervisor answered something that is not a reply',
    noAnswer: (seconds: number) => `the supervisor did not answer within ${seconds} s`,
    unreachable: (code: string) => `cannot reach the supervisor (${code})`,
    stillRunning: (name: string) => `cannot remove container ${name}: it is running. Stop it first (boxlab stop ${name}), or force it (boxlab rm -f ${name})`,
  },

  supervisor: {
    badHandoff: 'the supervisor was not handed a container to run (it is started by boxlab run -d, not by hand)',
  },

  launch: {
    noAnswer: (seconds: number) => `the container's supervisor did not say within ${seconds} s whether it started; boxlab ps -a shows what became of it`,
    badAnswer: "the container's supervisor answered something that is not an answer",
    ended: (how: string) => `the container's supervisor ended (${how}) before it said whether the container started`,
  },

  stop: {
    badTime: (text: string) => `--time ${text}: expected whole seconds to wait before SIGKILL (0 to 86400)`,
    dead: (name: string) => `container ${name} is dead: its supervisor was killed, so nothing runs; boxlab rm ${name} (or boxlab cleanup) removes what it left`,
    noSupervisor: (name: string, why: string) => `cannot tell container ${name}'s supervisor: ${why}`,
    stillThere: (name: string, pid: number) => `container ${name}'s supervisor (pid ${pid}) is still there after 30 s; boxlab ps -a shows it`,
    cleanupFailed: (name: string, errors: string[]) => `could not remove everything container ${name} left: ${errors.join('; ')}`,
  },

  ps: {
    head: ['CONTAINER ID', 'IMAGE', 'COMMAND', 'CREATED', 'STATUS', 'RESTARTS', 'PORTS', 'NAMES'],
    ago: (duration: string) => `${duration} ago`,
    /** Docker's status words (container/state.go). */
    status: {
      up: (duration: string, health?: string) => `Up ${duration}${health ? ` (${health === 'starting' ? 'health: starting' : health})` : ''}`,
      paused: (duration: string) => `Up ${duration} (Paused)`,
      restarting: (code: number, duration: string) => `Restarting (${code}) ${duration} ago`,
      exited: (code: number, duration: string) => `Exited (${code}) ${duration} ago`,
      created: 'Created',
      dead: 'Dead',
      removing: 'Removal In Progress',
    },
  },

  stats: {
    head: ['CONTAINER ID', 'NAME', 'CPU %', 'MEM USAGE / LIMIT', 'MEM %', 'NET I/O', 'BLOCK I/O', 'PIDS'],
    /** The cells of a container that is not running. */
    none: ['--', '-- / --', '--', '-- / --', '-- / --', '--'],
  },
};
