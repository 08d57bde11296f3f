// `boxlab run --bundle DIR`: an OCI bundle through boxcore's OCI runtime (src/runtime/oci.ts).
import { resolve } from 'node:path';
import { Ledger } from '../ledger/index.ts';
import { bundleErrors, runBundle } from '../runtime/oci.ts';
import { UsageError } from './args.ts';
import { closeLedger } from './lifecycle.ts';
import { cli, runtime } from '../text/index.ts';

/** The DIR of --bundle DIR / --bundle=DIR among run's arguments (before any --), or undefined. */
export function bundleArg(args: string[]): string | undefined {
  for (let i = 0; i < args.length && args[i] !== '--'; i++) {
    if (args[i] === '--bundle') return args[i + 1] ?? '';
    if (args[i]!.startsWith('--bundle=')) return args[i]!.slice('--bundle='.length);
  }
  return undefined;
}

export async function runBundleCommand(args: string[]): Promise<number> {
  const dir = bundleArg(args)!;
  const others = args.filter((a, i) => !(a === '--bundle' || a.startsWith('--bundle=') || (i > 0 && args[i - 1] === '--bundle')));
  if (others.length) throw new UsageError(runtime.oci.bundleAlone(others[0]!));
  if (!dir) throw new UsageError(cli.bundleNeedsDir);
  const errors = bundleErrors(dir);
  if (errors.length) {
    for (const e of errors) console.error(cli.runError(e));
    return 125;
  }
  const ledger = Ledger.open();
  try {
    return await runBundle(resolve(dir), ledger);
  } finally {
    await closeLedger('run', ledger);
  }
}
