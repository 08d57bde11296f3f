// `boxlab run -d`: start a supervisor in a session of its own (it outlives this
// command, no terminal signal reaches it), hand it the checked spec, and wait for its
// answer: the container's ID once it runs, or why it could not start. The supervisor
// is in this command's ledger until it answers; if this command is interrupted before
// then, it closes the supervisor's stdin, and the supervisor undoes the start and ends.
import { spawn } from 'node:child_process';
import { processStartTime, type Ledger } from '../../ledger/index.ts';
import { containers as t } from '../../text/index.ts';
import type { RunSpec } from '../container.ts';
import type { DetachOptions } from './options.ts';
import type { Handoff, HandoffReply } from './supervisor.ts';

/** The hidden command that makes a boxlab process a supervisor. */
export const SUPERVISE_COMMAND = '__supervise';

/** How long a start may take: a rootfs is ready by now, a container starts in well
 *  under a second (more under emulation, with a bridge network). */
const START_TIMEOUT_MS = 120_000;

/** An answer is a line of JSON: an ID, or a message. */
const MAX_ANSWER = 64 * 1024;

export interface Launch {
  reply: Promise<HandoffReply>;
  /** Give up the start (Ctrl-C): the supervisor undoes it; resolves when it has ended. */
  abandon: () => Promise<void>;
}

export function launchDetached(spec: RunSpec, detach: DetachOptions, ledger: Ledger): Launch {
  // The same program, bundled or not, as this one: node, its flags, the CLI's file.
  const child = spawn(process.execPath, [...process.execArgv, process.argv[1]!, SUPERVISE_COMMAND], {
    detached: true,
    stdio: ['pipe', 'pipe', process.env.BOXLAB_DEBUG ? 'inherit' : 'ignore'],
    cwd: '/',
  });
  const exited = new Promise<void>((r) => {
    if (child.exitCode !== null || child.signalCode !== null) r();
    else child.once('exit', () => r());
  });
  const entry = child.pid ? ledger.record({ kind: 'process', pid: child.pid, start: processStartTime(child.pid) }) : undefined;
  child.stdin!.on('error', () => undefined);
  const handoff: Handoff = { spec, detach };
  child.stdin!.write(JSON.stringify(handoff) + '\n');

  const reply = new Promise<HandoffReply>((resolve) => {
    let buf = '';
    const timer = setTimeout(() => resolve({ ok: false, message: t.launch.noAnswer(START_TIMEOUT_MS / 1000), status: 125 }), START_TIMEOUT_MS);
    child.stdout!.on('data', (d: Buffer) => {
      buf += d.toString();
      const nl = buf.indexOf('\n');
      if (nl < 0 && buf.length > MAX_ANSWER) resolve({ ok: false, message: t.launch.badAnswer, status: 125 });
      if (nl < 0) return;
      clearTimeout(timer);
      try {
        resolve(JSON.parse(buf.slice(0, nl)) as HandoffReply);
      } catch {
        resolve({ ok: false, message: t.launch.badAnswer, status: 125 });
      }
    });
    // 'close', not 'exit': its answer, written just before it ended, is read by then.
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ ok: false, message: t.launch.ended(signal ?? String(code)), status: 125 });
    });
  }).then(async (r) => {
    if (r.ok) {
      // Its own from now on: out of this ledger, and no pipe left that holds it to us.
      if (entry) ledger.forget(entry.id);
      child.stdin!.destroy();
      child.stdout!.destroy();
      child.unref();
    } else {
      await exited;
      if (entry) ledger.forget(entry.id);
    }
    return r;
  });

  const abandon = async () => {
    child.stdin!.end();
    await exited;
    if (entry) ledger.forget(entry.id);
  };
  return { reply, abandon };
}
