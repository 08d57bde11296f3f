// Every word the learner reads from the lab (the terminal UI and the plain/markdown
// output of `boxlab lesson`), in one place, so a translation replaces this table and
// nothing else. Lesson prose lives in the lesson files; kernel view words in
// src/kernel/words.ts; lesson-author errors (file:line) in the loader.

export const text = {
  app: 'boxlab',
  tagline: 'how containers work, one kernel step at a time',

  // home
  homeTitle: 'Lessons',
  chapter: (n: number, name: string) => `Chapter ${n} · ${name}`,
  progressDone: 'done',
  progressStarted: (stop: number, total: number) => `${stop}/${total}`,
  progressNew: 'new',
  needsRoot: 'needs root',
  brokenLessons: (n: number) => `${n} lesson file(s) could not be loaded:`,
  noLessons: 'No lessons found.',
  homeKeys: '↑/↓ choose · enter open · ? help · q quit',

  // doctor summary
  summary: (kernel: string, cgroup: string, user: string, core: string) => `kernel ${kernel} · cgroup ${cgroup} · ${user} · core ${core}`,
  cgroupV2: 'v2',
  cgroupV1: 'v1',
  cgroupHybrid: 'hybrid (v1 + v2)',
  cgroupNone: 'none',
  asRoot: 'root',
  asUser: (name: string) => `user ${name} (rootless)`,
  coreBuilt: 'built',
  coreMissing: 'not built (make -C native)',

  // lesson screen
  stepOf: (i: number, n: number) => `step ${i}/${n}`,
  notStarted: 'Press n to run the first step.',
  kinds: { step: 'step', check: 'check', task: 'task' } as Record<string, string>,
  stateTitle: 'Kernel state',
  stateDiff: 'changes',
  stateSideBySide: 'before | after',
  stateTree: 'process tree',
  treeHeader: 'host pid → pid inside  name',
  noTree: 'No container processes to show yet.',
  closing: 'Removing what the lesson made…',
  lessonError: (m: string) => `Cannot start the lesson: ${m}`,
  back: 'q back',
  before: 'before',
  after: 'after',
  noState: 'No kernel state yet: run a step (n).',
  noChanges: 'Nothing changed in the views this step shows.',
  logTitle: 'Syscalls',
  logEmpty: 'The syscalls each op makes appear here.',
  shellLine: (cmd: string) => `$ ${cmd}`,
  notesTitle: 'Speaker notes',
  lessonKeys: 'n next · p prev · c check · h hint · S solve · x reset · d view · t tree · s shell · : ops · ? help · q quit',
  presentKeys: 'n next · p prev · c check · h hint · q quit',
  starting: 'Starting the core…',
  running: (title: string) => `Running: ${title}`,
  stepFailed: 'The step failed',
  stepDone: 'Done.',
  lessonDone: 'Lesson complete. Press q to go back.',
  allPassed: 'Every check passed.',
  taskWaiting: 'Your turn. The lab re-checks as you go; c checks now, h gives a hint, S applies the solution.',
  taskPassed: 'Task done.',
  taskNotYet: 'Not yet.',
  found: (v: string) => `found: ${v}`,
  expected: (v: string) => `expected: ${v}`,
  nothingFound: 'nothing',
  noHint: 'No hint for what the lab sees right now.',
  noSolution: 'This task has no solution to apply.',
  solvedWith: 'Applied the solution.',
  resetDone: 'Lesson reset: everything it made was removed and the core restarted.',
  noContainer: 'No container yet: run the step that clones one first.',
  shellNoContainer: 'No container to enter yet.',
  shellBack: 'Back from the container shell.',
  shellHow: (pid: number) => `Entering the container (pid ${pid}); type exit to come back.`,
  mustFinishTask: 'Finish the task first (c to check, h for a hint, S to apply the solution).',
  coreMissingLong: 'The native core is not built: run `make -C native` (or npm run build) and start again.',
  needsRootLong: 'This lesson needs root: run it with sudo.',

  // REPL
  replPrompt: ': ',
  replHelp: 'type a core op (tab completes, ↑/↓ history, enter runs, esc leaves)',
  replOk: (op: string) => `${op}: ok`,

  // help
  helpTitle: 'Keys',
  help: [
    ['n', 'run the next step (or move on after a task)'],
    ['p', 'go back one step to re-read it (nothing is undone)'],
    ['c', 'check now (tasks and checks)'],
    ['h', 'a hint for what the lab sees right now'],
    ['S', 'apply the task\'s solution'],
    ['x', 'reset the lesson: remove everything it made, start again'],
    ['d', 'state panel: changes only / before and after side by side'],
    ['t', 'process tree: PIDs inside vs outside the container'],
    ['s', 'a shell inside the container (exit to come back)'],
    [':', 'type core ops yourself (clone pid,uts · sethostname box · mount tmpfs /mnt)'],
    ['?', 'this help (any key closes it)'],
    ['q', 'back / quit (everything the lesson made is removed)'],
  ] as [string, string][],

  // plain output
  plainStep: (i: number, n: number, title: string) => `[${i}/${n}] ${title}`,
  plainCheckPass: (title: string) => `✓ ${title}`,
  plainCheckFail: (title: string) => `✗ ${title}`,
  plainHint: (t: string) => `hint: ${t}`,
  plainSolved: 'solution applied (--yes)',
  plainTaskTodo: 'task not done (run with --yes to apply its solution)',
  plainResult: (passed: number, total: number) => `${passed}/${total} checks passed`,
  plainError: (m: string) => `error: ${m}`,
  why: (m: string) => `why: ${m}`,
  tryThis: (m: string) => `try: ${m}`,
};

export type Text = typeof text;
