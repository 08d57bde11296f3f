// `boxlab stats [-a] [--no-stream] [--json] [CONTAINER...]`: Docker's columns, read from
// the kernel every second (src/kernel/stats.ts says from which files). Without names,
// the running containers (-a: all, those not running with dashes); live until Ctrl-C,
// redrawn in place on a terminal; --no-stream prints one table, from two samples a
// second apart (CPU % is a rate); --json prints one object per container and sample.
import { computeStats, formatStats, readSample, type Stats, type StatsSample } from '../kernel/stats.ts';
import { isSameProcessAlive } from '../ledger/proc.ts';
import { findContainer, listContainers, shortId, StoreError, type Listed } from '../runtime/detached/store.ts';
import { formatTime, nowNs } from '../runtime/detached/time.ts';
import { cli, containers as t } from '../text/index.ts';
import { parseOptions } from './args.ts';
import { table } from './table.ts';

/** Docker's refresh: a sample a second. */
const INTERVAL_MS = 1000;

interface Row { c: Listed; stats?: Stats }

const live = (c: Listed) => (c.status === 'running' || c.status === 'paused') && isSameProcessAlive(c.state.pid, c.state.pidStart);

export function statsTable(rows: Row[]): string[] {
  const cells = rows.map(({ c, stats }) => {
    const f = stats && formatStats(stats);
    return [shortId(c.id), c.name, ...(f ? [f.cpu, f.mem, f.memPercent, f.net, f.block, f.pids] : t.stats.none)];
  });
  return table([t.stats.head, ...cells]);
}

function statsJson({ c, stats }: Row): string {
  return JSON.stringify({
    id: c.id, name: c.name, time: formatTime(nowNs()), running: !!stats,
    ...(stats ? {
      cpuPercent: stats.cpuPercent, memUsage: stats.memUsage, memLimit: stats.memLimit, memPercent: stats.memPercent,
      netRx: stats.netRx, netTx: stats.netTx, blockRead: stats.blkRead, blockWrite: stats.blkWrite, pids: stats.pids,
    } : {}),
  });
}

export async function statsCommand(args: string[]): Promise<number> {
  const { options, rest } = parseOptions(args, {
    help: { value: false, short: 'h' }, all: { value: false, short: 'a' }, 'no-stream': { value: false }, json: { value: false },
  }, { stopAtWord: false });
  if (options.help) {
    console.log(cli.usage.stats);
    return 0;
  }
  const pick = (): Listed[] => {
    const { containers } = listContainers();
    if (rest.length) return rest.map((ref) => findContainer(containers, ref));
    return options.all ? containers : containers.filter((c) => c.status === 'running' || c.status === 'paused');
  };
  try {
    pick();
  } catch (err) {
    if (!(err instanceof StoreError)) throw err;
    console.error(cli.error(err.message));
    return 1;
  }
  const last = new Map<string, StatsSample>();
  const round = async (): Promise<Row[]> => {
    let list: Listed[];
    try { list = pick(); } catch { list = []; } // one named was removed meanwhile
    const rows: Row[] = [];
    for (const c of list) {
      const cur = live(c) ? await readSample(c.state.pid).catch(() => undefined) : undefined;
      rows.push({ c, ...(cur ? { stats: computeStats(last.get(c.id), cur) } : {}) });
      if (cur) last.set(c.id, cur);
      else last.delete(c.id);
    }
    return rows;
  };
  const show = (rows: Row[]) => {
    if (options.json) for (const r of rows) console.log(statsJson(r));
    else if (process.stdout.isTTY && !options['no-stream']) process.stdout.write(`\x1b[2J\x1b[H${statsTable(rows).join('\n')}\n`);
    else console.log(statsTable(rows).join('\n') + (options['no-stream'] ? '' : '\n'));
  };
  await round(); // the first sample: a CPU rate needs a second one
  for (;;) {
    await new Promise((r) => setTimeout(r, INTERVAL_MS));
    show(await round());
    if (options['no-stream']) return 0;
  }
}
