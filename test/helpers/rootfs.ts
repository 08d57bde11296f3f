// One rootfs for a test file, built from the host's programs into a bl- temp dir and
// removed afterwards, so tests never depend on (or write) the user's cache.
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Ledger } from '../../src/ledger/index.ts';
import { buildRootfs } from '../../src/runtime/rootfs.ts';

export async function testRootfs(from: 'host' | 'busybox' = 'host'): Promise<{ dir: string; remove: () => Promise<void> }> {
  const base = mkdtempSync(join(tmpdir(), 'bl-rootfs-'));
  chmodSync(base, 0o755); // a rootless container's user must be able to read it
  const ledger = Ledger.open(join(base, 'ledger'));
  const dir = join(base, 'rootfs');
  await buildRootfs(dir, ledger, { from });
  return {
    dir,
    remove: async () => {
      await ledger.close();
      rmSync(base, { recursive: true, force: true });
    },
  };
}
