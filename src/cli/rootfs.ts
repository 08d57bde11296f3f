// `boxlab rootfs [DIR]`: build the minimal rootfs offline.
import { resolve } from 'node:path';
import { Ledger } from '../ledger/index.ts';
import { buildRootfs, defaultRootfsDir } from '../runtime/rootfs.ts';
import { parseOptions, UsageError } from './args.ts';
import { closeLedger } from './lifecycle.ts';
import { cli } from '../text/index.ts';

export async function rootfsCommand(args: string[]): Promise<number> {
  const { options, rest } = parseOptions(args, { help: { value: false, short: 'h' }, force: { value: false }, from: { value: true } }, { stopAtWord: false });
  if (options.help) {
    console.log(cli.usage.rootfs);
    return 0;
  }
  if (rest.length > 1) throw new UsageError(cli.rootfsOneDir(rest));
  const from = options.from as string | undefined;
  if (from !== undefined && from !== 'busybox' && from !== 'host') throw new UsageError(cli.rootfsFrom(from));
  const dir = rest[0] ? resolve(rest[0]) : defaultRootfsDir();
  const ledger = Ledger.open();
  try {
    const built = await buildRootfs(dir, ledger, { force: options.force === true, from });
    console.log(cli.rootfsBuilt(built.dir, built.source, built.programs.length));
    return 0;
  } finally {
    await closeLedger('rootfs', ledger);
  }
}
