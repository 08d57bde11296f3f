// `boxlab run -d`: the container goes on after this command returns, kept by a
// supervisor of its own (src/runtime/detached/supervisor.ts). This prints its ID, as
// `docker run -d` does, or why it could not start (the supervisor then undid it all).
import { resolve } from 'node:path';
import type { Ledger } from '../ledger/index.ts';
import type { RunSpec } from '../runtime/container.ts';
import { launchDetached } from '../runtime/detached/launch.ts';
import type { DetachOptions } from '../runtime/detached/options.ts';
import { cli } from '../text/index.ts';

/** What run.ts's signal handling offers: the status a signal asks for, and a hook. */
interface Interrupt {
  readonly status?: number;
  forward?: (sig: NodeJS.Signals) => void;
}

export async function runDetached(spec: RunSpec, detach: DetachOptions, ledger: Ledger, interrupt: Interrupt): Promise<number> {
  // The supervisor works from /: every path it is given must stand on its own.
  const launch = launchDetached({ ...spec, rootfs: resolve(spec.rootfs) }, detach, ledger);
  // Ctrl-C before the container runs: the supervisor undoes the start, and ends.
  interrupt.forward = () => void launch.abandon();
  try {
    const r = await launch.reply;
    if (r.ok) {
      console.log(r.id);
      return 0;
    }
    if (interrupt.status !== undefined) return interrupt.status;
    console.error(cli.runError(r.message));
    return r.status;
  } finally {
    interrupt.forward = undefined;
  }
}
