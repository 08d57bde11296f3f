// `boxlab cleanup [--dry-run] [--json]`: undo what dead boxlab processes left.
import { existsSync } from 'node:fs';
import { cleanup, describeEntry, ledgerDir } from '../ledger/index.ts';
import { networkNames } from '../ledger/networks.ts';
import { listContainers } from '../runtime/detached/store.ts';
import { parseOptions, UsageError } from './args.ts';
import { cli } from '../text/index.ts';

export async function cleanupCommand(args: string[]): Promise<number> {
  const { options, rest } = parseOptions(args, { help: { value: false, short: 'h' }, 'dry-run': { value: false }, json: { value: false } }, { stopAtWord: false });
  if (options.help) {
    console.log(cli.usage.cleanup);
    return 0;
  }
  if (rest.length) throw new UsageError(cli.noArguments('cleanup', rest));
  const dryRun = options['dry-run'] === true;
  const report = await cleanup({ dryRun });
  const failed = report.items.filter((i) => i.error);
  const bad = failed.length + report.ledgersRefused.length;
  // A live supervisor's ledger is its own, left alone like any live boxlab's: a detached
  // container runs on until rm, and cleanup says which ones do.
  const detached = listContainers().containers.filter((c) => c.status !== 'dead' && report.liveOwners.includes(c.supervisor.pid)).map((c) => c.name);
  if (options.json) {
    console.log(JSON.stringify({ dryRun, ...report, detached }, null, 2));
    return bad ? 1 : 0;
  }
  for (const item of report.items) {
    const what = describeEntry(item.entry);
    const status = item.error ? cli.cleanupFailed(item.error) : dryRun ? cli.cleanupWouldRemove : cli.cleanupRemoved;
    console.log(cli.cleanupLine(status, what, item.owner));
  }
  for (const r of report.ledgersRefused) console.log(r.error);
  if (report.liveOwners.length) console.log(cli.cleanupLive(report.liveOwners));
  if (detached.length) console.log(cli.cleanupDetached(detached));
  if (report.items.length === 0 && !report.ledgersRefused.length) console.log(cli.cleanupNothing);
  // Networks are defined by a person, as Docker's are: cleanup keeps them, and says so.
  const networks = networkNames();
  if (networks.length) console.log(cli.cleanupNetworksKept(networks));
  if (process.getuid?.() !== 0 && existsSync('/run/boxlab/ledger')) console.log(cli.cleanupNotRoot(ledgerDir()));
  else console.log(dryRun ? cli.cleanupWould(report.items.length - failed.length) : cli.cleanupDone(report.items.length - failed.length));
  return bad ? 1 : 0;
}
