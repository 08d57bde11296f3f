// Every word the lesson engine (src/lessons) says: why it refuses an op, what a step
// shows of an op's result, hints of its own; and what is wrong in a lesson file or a
// REPL line, with how to fix it.

export const lessons = {
  noLessons: (root: string, fromEnv: boolean) =>
    `no lessons in ${root}: a lesson is a file NN-chapter/NN-lesson.md there${fromEnv ? "; BOXLAB_LESSONS points there: unset it for the course's own lessons" : ''}`,

  // the session
  noContainer: 'No container yet: run the step that clones one first.',
  pidFileEmpty: (what: string) => `pid: ${what} holds no process id`,
  exitCode: (code: number) => `exit status ${code}`,
  exitStatus: (command: string, code: number) => `${command}: exit status ${code}`,
  coreNotRunning: 'the core is not running',
  /** A reply that failed without saying why. */
  opFailed: 'failed',
  noHint: 'No hint for what the lab sees right now.',
  loopNeedsRoot: 'this lesson makes a loop device (${loop}), which needs root',
  cgroupNoLayout: (why: string) => `this lesson depends on the machine's cgroup layout, and the core could not read it: ${why}`,
  noStop: (i: number) => `no stop ${i}`,

  // what a step shows of an op's result (ops.ts)
  shownNone: '-',
  shownCaps: (effective: string, bounding: string, ambient: string) => `effective: ${effective}\nbounding:  ${bounding}\nambient:   ${ambient}`,
  shownPaths: (kind: 'masked' | 'readonly', done: string, absent: string) => `${kind === 'masked' ? 'masked' : 'read-only'}: ${done}\nnot on this kernel: ${absent}`,
  shownHello: (version: string, kernel: string, syscalls: unknown) => `boxcore ${version} on Linux ${kernel}; its seccomp table names ${syscalls} system calls`,

  // a step that expects the kernel to refuse (fails: ERRNO)
  refused: (errno: string, message: string) => `refused, as expected: ${errno} (${message})`,
  notRefused: (errno: string) => `expected the kernel to refuse with ${errno}, but the step succeeded`,
  refusedOther: (errno: string, got: string, message: string) => `expected ${errno}, the kernel said ${got}: ${message}`,

  // host safety: the network (netns.ts)
  hostNetwork: (op: string, where: string) => `${op}: ${where} shares the host's network namespace, and the lab never changes the host's network`,
  processNamed: (pid: number) => `pid ${pid}`,
  hostNetworkHint: 'clone a container with its own network namespace (clone net) and run the op there',
  netnsName: (name: string) => `"${name}" is not a name for a lab-made network namespace`,
  netnsNameHint: 'name it bl-SOMETHING, e.g. netns_add bl-host',
  netnsTwice: (name: string) => `this lesson made the network namespace ${name} already`,
  netnsNotOurs: (op: string, name: string) => `${op}: ${name} is not a network namespace this lesson made, and the lab acts only in its own`,
  netnsNotOursHint: (own: string[]) => (own.length ? `this lesson's namespaces: ${own.join(', ')}` : 'make one first: netns_add bl-NAME'),

  // host safety: cgroups (cgroup-guard.ts)
  cgroupNotBl: (name: string) => `the lab names the groups it makes bl-...; "${name}" is not such a name`,
  cgroupNotBlHint: 'use the lesson\'s own name ${cgroup}, or another that starts with bl-',
  cgroupParentAbsolute: (parent: string) => `parent "${parent}" leaves the lab's own group: a lesson makes groups only beneath it`,
  cgroupParentHint: 'leave parent out (the lab\'s own group), or name one of the lesson\'s groups, e.g. parent=${cgroup}',
  cgroupNotOurs: (group: string) => `${group} is not one of this lesson's groups, and the lab changes only groups it made`,
  cgroupNotOursHint: 'make the group first with cgroup_create (e.g. cgroup_create ${cgroup}), then act on it',
  cgroupPidNotOurs: (pid: string) => `"${pid}" is not a process of this lesson: the lab moves only its own containers' processes into its groups`,
  cgroupPidHint: 'move the container\'s init (${pid}) or a process started inside it',

  // the op table (ops.ts): an op of a lesson, or a REPL line
  opUnknown: (name: string, suggestion: string) => `unknown op "${name}"${suggestion}`,
  opUseOneOf: (names: readonly string[]) => `use one of: ${names.join(', ')}`,
  opNoArg: (op: string, arg: string, suggestion: string) => `op ${op} has no argument "${arg}"${suggestion}`,
  opArgsAre: (args: string[]) => `its arguments are: ${args.join(', ') || 'none'}`,
  opArgType: (arg: string, op: string, type: string) => `argument ${arg} of op ${op} must be ${type}`,
  opNeedsArg: (op: string, arg: string) => `op ${op} needs the argument "${arg}"`,
  opAddArg: (usage: string) => `add it under args:, e.g. ${usage}`,
  opWriteLike: (usage: string) => `write it like: ${usage}`,
  argString: 'a string',
  argInt: 'an integer',
  argBool: 'true or false',
  argStrings: 'a list of strings',
  argNamespaces: (names: readonly string[]) => `a list of namespaces (${names.join(', ')})`,
  argNotNamespace: (names: readonly string[], name: string) => `a list of namespaces (${names.join(', ')}); "${name}" is not one`,
  opCapsKeepOrDrop: 'op caps needs exactly one of "keep" (the capabilities to keep) or "drop" (those to take away)',
  opUnknownCap: (arg: string, word: string, suggestion: string) => `argument ${arg} of op caps: unknown capability "${word}"${suggestion}`,
  opCapNames: 'capability names as in capabilities(7): CAP_CHOWN, CAP_KILL, net_bind_service ... (the CAP_ prefix and the case are optional)',
  opNotARule: (rule: string) => `argument rules of op seccomp: "${rule}" is not a rule`,
  opUnknownAction: (action: string, rule: string, suggestion: string) => `argument rules of op seccomp: unknown action "${action}" in "${rule}"${suggestion}`,
  opUnknownDefault: (action: string, suggestion: string) => `argument default of op seccomp: unknown action "${action}"${suggestion}`,
  opSeccompFix: (actions: string[]) => `rules are NAME (fails with EPERM) or NAME:ACTION, e.g. mkdir, uname:ENOSYS, reboot:kill; actions: ${actions.join(', ')} or an errno name (EPERM, ENOSYS, ...)`,
  opPathNotAbsolute: (path: string) => `path "${path}" is not absolute`,
  opPathsFix: 'give paths as the container sees them, e.g. /proc/kcore,/sys/firmware',
  replEmpty: 'empty line',
  replTooManyWords: (op: string, usage: string) => `too many words for ${op}; usage: ${usage}`,
  replBad: (what: string, usage: string) => `${what} — usage: ${usage}`,
};
