// `boxlab ps [-a] [-q] [--json]`: the detached containers, as `docker ps` lists them:
// running ones (restarting and paused count), or all with -a; Docker's states and
// status words, and how often each was restarted.
import { listContainers, shortId, type Listed } from '../runtime/detached/store.ts';
import { formatTime, msToNs } from '../runtime/detached/time.ts';
import { cli, containers as t } from '../text/index.ts';
import { parseOptions, UsageError } from './args.ts';
import { table } from './table.ts';

const UP: Listed['status'][] = ['running', 'restarting', 'paused'];

/** Docker's STATUS column (container/state.go, State.String). */
export function statusText(c: Listed, now = Date.now()): string {
  const s = c.state;
  const w = t.ps.status;
  switch (c.status) {
    case 'running': return w.up(t.humanDuration(now - s.startedAt), s.health?.status);
    case 'paused': return w.paused(t.humanDuration(now - s.startedAt));
    case 'restarting': return w.restarting(s.exitCode, t.humanDuration(now - s.finishedAt));
    case 'exited': return w.exited(s.exitCode, t.humanDuration(now - s.finishedAt));
    case 'created': return w.created;
    case 'dead': return w.dead;
    case 'removing': return w.removing;
  }
}

/** Docker's COMMAND column: the command, cut to 20 characters, quoted. */
function commandText(argv: string[]): string {
  const cmd = argv.join(' ');
  return JSON.stringify([...cmd].length > 20 ? `${[...cmd].slice(0, 19).join('')}…` : cmd);
}

export async function psCommand(args: string[]): Promise<number> {
  const { options, rest } = parseOptions(args, {
    help: { value: false, short: 'h' }, all: { value: false, short: 'a' }, quiet: { value: false, short: 'q' }, json: { value: false },
  }, { stopAtWord: false });
  if (options.help) {
    console.log(cli.usage.ps);
    return 0;
  }
  if (rest.length) throw new UsageError(cli.noArguments('ps', rest));
  const { containers, problems } = listContainers();
  for (const p of problems) console.error(cli.error(p));
  const shown = options.all ? containers : containers.filter((c) => UP.includes(c.status));
  if (options.quiet) {
    for (const c of shown) console.log(shortId(c.id));
  } else if (options.json) {
    console.log(JSON.stringify(shown.map((c) => ({
      id: c.id, name: c.name, image: c.image, command: c.argv, created: formatTime(msToNs(c.created)),
      state: c.status, status: statusText(c), exitCode: c.state.exitCode, restartCount: c.state.restartCount,
      restartPolicy: c.restart, health: c.state.health ?? null, pid: c.state.pid, ports: c.ports,
      startedAt: c.state.startedAt ? formatTime(msToNs(c.state.startedAt)) : '', finishedAt: c.state.finishedAt ? formatTime(msToNs(c.state.finishedAt)) : '',
      supervisor: c.supervisor.pid, error: c.state.error,
    })), null, 2));
  } else {
    const rows = shown.map((c) => [shortId(c.id), c.image, commandText(c.argv), t.ps.ago(t.humanDuration(Date.now() - c.created)),
      statusText(c), String(c.state.restartCount), c.ports.join(', '), c.name]);
    for (const line of table([t.ps.head, ...rows])) console.log(line);
  }
  return problems.length ? 1 : 0;
}
