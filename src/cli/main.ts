#!/usr/bin/env -S node --max-semi-space-size=2
// (A young generation of 2 MB semi-spaces, not V8's 16: the lab allocates little that
// lives, and its peak RSS running a lesson drops from some 126 MB to 100 MB for no
// measurable cost in speed. `npm start` passes the same flag; npm run bench times both.)
// The boxlab command line. Each command's module is loaded only when it is asked for,
// so `boxlab --version` and `boxlab list` never pay for ink and React.
import { takeLanguageOption, UsageError } from './args.ts';
import { cleanUpOnSignals } from './lifecycle.ts';
import { cli } from '../text/index.ts';
import { speak } from './language.ts';
import { VERSION } from './version.ts';
import { suggest } from '../text/suggest.ts';

/** The commands, for a did-you-mean after a typo (`boxlab lsit`). */
const COMMANDS = ['list', 'lesson', 'run', 'state', 'rootfs', 'build', 'engine', 'image', 'doctor', 'cleanup', 'help'];

/** NO_COLOR, --no-color, TERM=dumb and a non-terminal stdout all mean plain text.
 *  chalk ignores NO_COLOR, so FORCE_COLOR=0 is set before anything loads it. */
function decideColor(args: string[]): boolean {
  const off = 'NO_COLOR' in process.env || args.includes('--no-color') || process.env.TERM === 'dumb' || !process.stdout.isTTY;
  if (off) process.env.FORCE_COLOR = '0';
  return !off;
}

async function main(argv: string[]): Promise<number> {
  const { lang: langFlag, rest: withoutLang } = takeLanguageOption(argv);
  const lang = speak(langFlag);
  const color = decideColor(withoutLang);
  const args = withoutLang.filter((a) => a !== '--no-color');
  const [command, ...rest] = args;
  if (process.platform !== 'linux') {
    console.error(cli.notLinux);
    return 1;
  }
  // The lab decides once it has read its settings; every other command has decided.
  if (command !== undefined && command !== '--present') process.env.BOXLAB_LANG = lang;
  switch (command) {
    case undefined:
    case '--present':
    case '--notes':
      return (await import('./lab.ts')).tuiCommand(args, langFlag);
    case 'list':
      return (await import('./lab.ts')).listCommand(rest);
    case 'progress':
      return (await import('./progress.ts')).progressCommand(rest);
    case 'lesson':
      cleanUpOnSignals();
      return (await import('./lesson.ts')).lessonCommand(rest, color);
    case '--version':
    case '-V':
      console.log(cli.version(VERSION));
      return 0;
    case '--help':
    case '-h':
    case 'help':
      console.log(cli.usage.main(VERSION));
      return 0;
    case 'run':
      return (await import('./run.ts')).runCommand(rest);
    case 'state':
      return (await import('./state.ts')).stateCommand(rest, color);
    case 'rootfs':
      cleanUpOnSignals();
      return (await import('./rootfs.ts')).rootfsCommand(rest);
    case 'build':
      return (await import('./build.ts')).buildCommand(rest);
    case 'engine':
      return (await import('./engine.ts')).engineCommand(rest);
    case 'image':
      cleanUpOnSignals();
      return (await import('./image.ts')).imageCommand(rest);
    case 'doctor':
      return (await import('./doctor.ts')).doctorCommand(rest);
    case 'network':
      return (await import('./network.ts')).networkCommand(rest);
    case 'cleanup':
      return (await import('./cleanup.ts')).cleanupCommand(rest);
    case 'ps':
      return (await import('./ps.ts')).psCommand(rest);
    case 'stop':
      return (await import('./stop.ts')).stopCommand(rest);
    case 'rm':
      return (await import('./stop.ts')).rmCommand(rest);
    case 'logs':
      return (await import('./logs.ts')).logsCommand(rest);
    case 'stats':
      cleanUpOnSignals();
      return (await import('./stats.ts')).statsCommand(rest);
    case '__supervise':
      // A detached container's supervisor (boxlab run -d starts it; not for people).
      process.exit(await (await import('../runtime/detached/supervisor.ts')).runSupervisor(process.stdin, process.stdout));
    default:
      console.error(cli.unknownCommand(command, suggest(command, COMMANDS)));
      return 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => { process.exitCode = code; },
  (err: unknown) => {
    if (err instanceof UsageError) {
      console.error(cli.error(err.message));
      process.exitCode = 2;
      return;
    }
    // A person needs the message; a developer can ask for the stack.
    const e = err as Error;
    console.error(cli.error(String(process.env.BOXLAB_DEBUG ? e.stack : e.message ?? e)));
    process.exitCode = 1;
  },
);
