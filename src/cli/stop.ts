// `boxlab stop [-t SECS] CONTAINER...` and `boxlab rm [-f] CONTAINER...`, as Docker's:
// stop sends the container's init SIGTERM, then SIGKILL after SECS (10 by default), and
// leaves it exited (no restart policy brings it back); rm removes an exited one - its
// supervisor ends and takes everything along - and with -f a running one too. Each
// CONTAINER (a name, an ID or a prefix of one) is printed as it is done, as Docker does.
import { cleanup } from '../ledger/index.ts';
import { isSameProcessAlive } from '../ledger/proc.ts';
import { askSupervisor } from '../runtime/detached/control.ts';
import { controlSocket, findContainer, listContainers, StoreError, type Listed } from '../runtime/detached/store.ts';
import { cli, containers as t } from '../text/index.ts';
import { parseOptions, UsageError } from './args.ts';

/** Docker's default grace time between SIGTERM and SIGKILL. */
const STOP_TIMEOUT_S = 10;
/** How long the supervisor may take to answer beyond the grace time. */
const SLACK_MS = 30_000;

/** Each container named, or the error for it; a failure does not stop the others. */
async function eachContainer(command: string, refs: string[], act: (c: Listed) => Promise<void>): Promise<number> {
  if (!refs.length) throw new UsageError(t.needsContainer(command));
  let failed = 0;
  for (const ref of refs) {
    try {
      await act(findContainer(listContainers().containers, ref));
      console.log(ref);
    } catch (err) {
      if (!(err instanceof StoreError)) throw err;
      console.error(cli.error(err.message));
      failed += 1;
    }
  }
  return failed ? 1 : 0;
}

async function ask(c: Listed, req: Parameters<typeof askSupervisor>[1], timeoutMs: number): Promise<void> {
  let reply;
  try {
    reply = await askSupervisor(controlSocket(c.dir), req, timeoutMs);
  } catch (err) {
    throw new StoreError(t.stop.noSupervisor(c.name, (err as Error).message));
  }
  if (!reply.ok) throw new StoreError(reply.error);
}

export async function stopCommand(args: string[]): Promise<number> {
  const { options, rest } = parseOptions(args, { help: { value: false, short: 'h' }, time: { value: true, short: 't' } }, { stopAtWord: false });
  if (options.help) {
    console.log(cli.usage.stop);
    return 0;
  }
  const time = options.time as string | undefined;
  if (time !== undefined && (!/^\d+$/.test(time) || Number(time) > 86400)) throw new UsageError(t.stop.badTime(time));
  const seconds = time === undefined ? STOP_TIMEOUT_S : Number(time);
  return eachContainer('stop', rest, async (c) => {
    if (c.status === 'dead') throw new StoreError(t.stop.dead(c.name));
    if (c.status === 'exited') return;
    await ask(c, { op: 'stop', timeoutS: seconds }, seconds * 1000 + SLACK_MS);
  });
}

/** Until the supervisor has ended (it removes the container's directory on its way). */
async function gone(c: Listed): Promise<void> {
  for (let i = 0; i < 600 && isSameProcessAlive(c.supervisor.pid, c.supervisor.start); i++) await new Promise((r) => setTimeout(r, 50));
  if (isSameProcessAlive(c.supervisor.pid, c.supervisor.start)) throw new StoreError(t.stop.stillThere(c.name, c.supervisor.pid));
}

export async function rmCommand(args: string[]): Promise<number> {
  const { options, rest } = parseOptions(args, { help: { value: false, short: 'h' }, force: { value: false, short: 'f' } }, { stopAtWord: false });
  if (options.help) {
    console.log(cli.usage.rm);
    return 0;
  }
  const force = options.force === true;
  return eachContainer('rm', rest, async (c) => {
    if (c.status === 'dead') {
      // Its supervisor was killed: what it left is in its ledger, for cleanup to undo.
      const report = await cleanup({ only: [`bl-${c.supervisor.pid}.jsonl`] });
      const failed = report.items.filter((i) => i.error);
      if (failed.length) throw new StoreError(t.stop.cleanupFailed(c.name, failed.map((i) => i.error!)));
      return;
    }
    if (!force && c.status !== 'exited') throw new StoreError(t.control.stillRunning(c.name));
    await ask(c, { op: 'remove', force }, SLACK_MS);
    await gone(c);
  });
}
