// `boxlab cleanup [--dry-run] [--json]`: undo what dead boxlab processes left.
import { existsSync } from 'node:fs';
import { cleanup, describeEntry, ledgerDir } from '../ledger/index.ts';
import { parseOptions, UsageError } from './args.ts';
import { CLEANUP_USAGE, msg } from './text.ts';

export async function cleanupCommand(args: string[]): Promise<number> {
  const { options, rest } = parseOptions(args, { help: { value: false, short: 'h' }, 'dry-run': { value: false }, json: { value: false } }, { stopAtWord: false });
  if (options.help) {
    console.log(CLEANUP_USAGE);
    return 0;
  }
  if (rest.length) throw new UsageError(msg.noArguments('cleanup', rest));
  const dryRun = options['dry-run'] === true;
  const report = await cleanup({ dryRun });
  const failed = report.items.filter((i) => i.error);
  const bad = failed.length + report.ledgersRefused.length;
  if (options.json) {
    console.log(JSON.stringify({ dryRun, ...report }, null, 2));
    return bad ? 1 : 0;
  }
  for (const item of report.items) {
    const what = describeEntry(item.entry);
    const status = item.error ? `failed: ${item.error}` : dryRun ? 'would remove' : 'removed';
    console.log(`${status.padEnd(12)} ${what}  (left by boxlab ${item.owner})`);
  }
  for (const r of report.ledgersRefused) console.log(r.error);
  if (report.liveOwners.length) console.log(msg.cleanupLive(report.liveOwners));
  if (report.items.length === 0 && !report.ledgersRefused.length) console.log(msg.cleanupNothing);
  if (process.getuid?.() !== 0 && existsSync('/run/boxlab/ledger')) console.log(msg.cleanupNotRoot(ledgerDir()));
  else console.log(dryRun ? msg.cleanupWould(report.items.length - failed.length) : msg.cleanupDone(report.items.length - failed.length));
  return bad ? 1 : 0;
}
