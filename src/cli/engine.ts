// `boxlab engine`: a sandboxed Docker engine (src/engine/docker.ts) until Ctrl-C or
// SIGTERM, which stop it and remove everything it made. Meanwhile its docker client
// line is printed: images come from `boxlab image save` and `docker load`.
import { constants } from 'node:os';
import { Ledger, LeftBehindError } from '../ledger/index.ts';
import { DockerEngine, EngineError } from '../engine/docker.ts';
import { parseOptions, UsageError } from './args.ts';
import { closeLedger } from './lifecycle.ts';
import { cli, engine as t } from '../text/index.ts';

export async function engineCommand(args: string[]): Promise<number> {
  const { options, rest } = parseOptions(args, { help: { value: false, short: 'h' }, json: { value: false } }, { stopAtWord: false });
  if (options.help) {
    console.log(cli.usage.engine);
    return 0;
  }
  if (rest.length) throw new UsageError(cli.noArguments('engine', rest));
  if (process.getuid?.() !== 0) {
    console.error(t.needsRoot);
    return 1;
  }
  const ledger = Ledger.open();
  let engine: DockerEngine | undefined;
  let stopping: Promise<void> | undefined;
  const stop = () => (stopping ??= (async () => {
    // What stop could not remove stays in the ledger, and closeLedger names it.
    await engine?.stop().catch((err: unknown) => { if (!(err instanceof LeftBehindError)) throw err; });
    await closeLedger('engine', ledger);
  })());
  const signals: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
  const onSignal = (sig: NodeJS.Signals) => void stop().finally(() => process.exit(128 + constants.signals[sig]));
  for (const s of signals) process.on(s, onSignal);
  try {
    engine = await DockerEngine.start(ledger);
    const info = { pid: engine.pid, socket: engine.socket, dir: engine.dir, netns: engine.netns, docker: engine.programs.docker };
    console.log(options.json ? JSON.stringify(info) : t.running(info));
    await new Promise(() => undefined); // until a signal
    return 0;
  } catch (err) {
    if (err instanceof EngineError) {
      console.error(t.error(err.message));
      return 1;
    }
    throw err;
  } finally {
    await stop();
    for (const s of signals) process.off(s, onSignal);
  }
}
