// `boxlab logs [-f] [--since T] [--until T] [--tail N] [-t] CONTAINER`: what a detached
// container wrote, from its json-file log, as `docker logs` shows it: its stdout lines
// on stdout, its stderr lines on stderr; -t puts the time in front, with nine digits.
// -f follows the log until the container stops.
import { followLog, readLog, type LogEntry } from '../runtime/logs/reader.ts';
import { findContainer, listContainers, logPath, readRecord, statusOf, StoreError } from '../runtime/detached/store.ts';
import { formatTime, parseTime } from '../runtime/detached/time.ts';
import { cli, containers as t } from '../text/index.ts';
import { parseOptions, UsageError } from './args.ts';

function print(e: LogEntry, timestamps: boolean): void {
  const out = e.stream === 'stderr' ? process.stderr : process.stdout;
  out.write(timestamps ? `${formatTime(e.time, true)} ${e.log}` : e.log);
}

export async function logsCommand(args: string[]): Promise<number> {
  const { options, rest } = parseOptions(args, {
    help: { value: false, short: 'h' }, follow: { value: false, short: 'f' }, since: { value: true }, until: { value: true },
    tail: { value: true, short: 'n' }, timestamps: { value: false, short: 't' },
  }, { stopAtWord: false });
  if (options.help) {
    console.log(cli.usage.logs);
    return 0;
  }
  if (rest.length !== 1) throw new UsageError(t.needsOneContainer('logs'));
  const when = (flag: string) => {
    const text = options[flag] as string | undefined;
    if (text === undefined) return undefined;
    const ns = parseTime(text);
    if (ns === undefined) throw new UsageError(t.logs.badTime(`--${flag}`, text));
    return ns;
  };
  const since = when('since');
  const until = when('until');
  const tailText = options.tail as string | undefined;
  if (tailText !== undefined && tailText !== 'all' && !/^\d+$/.test(tailText)) throw new UsageError(t.logs.badTail(tailText));
  const tail = tailText === undefined || tailText === 'all' ? undefined : Number(tailText);
  const timestamps = options.timestamps === true;

  let c;
  try {
    c = findContainer(listContainers().containers, rest[0]!);
  } catch (err) {
    if (!(err instanceof StoreError)) throw err;
    console.error(cli.error(err.message));
    return 1;
  }
  const path = logPath(c.dir, c.id);
  const o = { tail, since, until };
  const { entries, current } = readLog(path, c.log.maxFiles, o);
  for (const e of entries) print(e, timestamps);
  if (!options.follow) {
    current?.close();
    return 0;
  }
  // Follow while it runs (Docker ends a follow when the container stops).
  const running = () => {
    try {
      return ['running', 'paused'].includes(statusOf(readRecord(c.dir)));
    } catch {
      return false;
    }
  };
  await followLog(path, current, { since, until }, (e) => print(e, timestamps), running);
  return 0;
}
