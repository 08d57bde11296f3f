// Loop devices: a file the lab made (bl-...), attached as a block device. The device's
// name is only known once losetup has picked one, so the ledger records the backing
// file, and removal asks the kernel which loop devices hold that file.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** The loop devices backed by file, as `losetup -j FILE` lists them. */
async function loopDevicesOf(file: string): Promise<string[]> {
  const out = await run('losetup', ['-j', file]).then((r) => r.stdout, () => '');
  return out.split('\n').map((l) => l.split(':')[0]!).filter((d) => d.startsWith('/dev/loop'));
}

/** Detach every loop device backed by file (losetup -d DEVICE). */
export async function detachLoops(file: string): Promise<void> {
  for (const dev of await loopDevicesOf(file)) await run('losetup', ['-d', dev]).catch(() => undefined);
}
