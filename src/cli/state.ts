// `boxlab state PID`: the kernel state views of any process, as text or JSON.
import { existsSync } from 'node:fs';
import { renderSnapshot, snapshot } from '../kernel/index.ts';
import { VIEW_NAMES, type ViewName } from '../kernel/types.ts';
import { parseOptions, UsageError } from './args.ts';
import { cli } from '../text/index.ts';

function parseViews(list: string): ViewName[] {
  const names = list.split(',').map((s) => s.trim()).filter(Boolean);
  for (const n of names) {
    if (!(VIEW_NAMES as readonly string[]).includes(n)) throw new UsageError(cli.unknownView(n, VIEW_NAMES));
  }
  return names as ViewName[];
}

export async function stateCommand(args: string[], color: boolean): Promise<number> {
  const { options, rest } = parseOptions(args, { help: { value: false, short: 'h' }, view: { value: true }, json: { value: false } }, { stopAtWord: false });
  if (options.help) {
    console.log(cli.usage.state);
    return 0;
  }
  if (rest.length !== 1 || !/^\d+$/.test(rest[0]!)) throw new UsageError(cli.statePid);
  const pid = Number(rest[0]);
  if (!existsSync(`/proc/${pid}`)) {
    console.error(cli.stateError(cli.noPid(rest[0]!)));
    return 1;
  }
  const views = options.view ? parseViews(options.view as string) : [...VIEW_NAMES];
  const snap = await snapshot(pid, views);
  if (options.json) console.log(JSON.stringify(snap, null, 2));
  else console.log(renderSnapshot(snap, { color, width: process.stdout.columns ?? 120 }));
  return 0;
}
