// `boxlab rootfs [DIR]`: build the minimal rootfs offline.
import { resolve } from 'node:path';
import { Ledger } from '../ledger/index.ts';
import { buildRootfs, defaultRootfsDir } from '../runtime/rootfs.ts';
import { parseOptions, UsageError } from './args.ts';
import { closeLedger } from './lifecycle.ts';
import { msg, ROOTFS_USAGE } from './text.ts';

export async function rootfsCommand(args: string[]): Promise<number> {
  const { options, rest } = parseOptions(args, { help: { value: false, short: 'h' }, force: { value: false }, from: { value: true } }, { stopAtWord: false });
  if (options.help) {
    console.log(ROOTFS_USAGE);
    return 0;
  }
  if (rest.length > 1) throw new UsageError(`expected at most one DIR, got ${rest.join(' ')}`);
  const from = options.from as string | undefined;
  if (from !== undefined && from !== 'busybox' && from !== 'host') throw new UsageError(`--from ${from}: choose busybox or host`);
  const dir = rest[0] ? resolve(rest[0]) : defaultRootfsDir();
  const ledger = Ledger.open();
  try {
    const built = await buildRootfs(dir, ledger, { force: options.force === true, from });
    console.log(msg.rootfsBuilt(built.dir, built.source, built.programs.length));
    return 0;
  } finally {
    await closeLedger('rootfs', ledger);
  }
}
