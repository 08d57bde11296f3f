// However a command ends (Ctrl-C, SIGTERM, a closed terminal), everything it made goes:
// every core is closed, which kills its containers, and the process's ledger is unwound.
// `boxlab run` and the terminal UI handle their signals themselves (they forward them
// to a container, or redraw first); every other command uses this.
import { Core } from '../core/index.ts';
import { Ledger } from '../ledger/index.ts';

const SIGNALS = { SIGINT: 2, SIGTERM: 15, SIGHUP: 1 } as const;

async function shutdown(): Promise<void> {
  await Core.closeAll();
  await Ledger.open().close();
}

export function cleanUpOnSignals(): void {
  for (const [name, number] of Object.entries(SIGNALS)) {
    process.once(name, () => {
      void shutdown().finally(() => process.exit(128 + number));
    });
  }
}
