// However a command ends (Ctrl-C, SIGTERM, a closed terminal), everything it made goes:
// every core is closed, which kills its containers, and the process's ledger is unwound.
// `boxlab run` and the terminal UI handle their signals themselves (they forward them
// to a container, or redraw first); every other command uses this.
import { Core } from '../core/index.ts';
import { Ledger } from '../ledger/index.ts';
import { cli, ledger as ledgerText } from '../text/index.ts';

const SIGNALS = { SIGINT: 2, SIGTERM: 15, SIGHUP: 1 } as const;

/** Close the process's ledger: everything it lists is removed. What cannot be stays in
 *  it, for `boxlab cleanup`, and is named on stderr, one line each: nothing is ever left
 *  on the host in silence. Returns how many stay. */
export async function closeLedger(command?: string, ledger = Ledger.open()): Promise<number> {
  const errors = await ledger.close();
  for (const e of errors) console.error(cli.commandError(command, ledgerText.leftBehind([e.message])));
  return errors.length;
}

async function shutdown(): Promise<void> {
  await Core.closeAll();
  await closeLedger();
}

export function cleanUpOnSignals(): void {
  for (const [name, number] of Object.entries(SIGNALS)) {
    process.once(name, () => {
      void shutdown().finally(() => process.exit(128 + number));
    });
  }
}
