// `boxlab build [-f FILE] [-t NAME] [--target STAGE] [--no-cache] DIR`: read the
// options and the Containerfile, check both before anything is made, then build
// (src/build/) and print each step as docker build does: the instruction, what the
// command printed, then CACHED or DONE with the time and the layer.
import { closeSync, existsSync, fstatSync, openSync, readFileSync, statSync } from 'node:fs';
import { constants, homedir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { Core } from '../core/index.ts';
import { blName, Ledger, LeftBehindError } from '../ledger/index.ts';
import { Layout, checkRefName } from '../images/layout.ts';
import { BuildFileError, LIMITS, parseContainerfile } from '../build/parser.ts';
import { build, targetIndex, type BuildEvent } from '../build/executor.ts';
import { StepError } from '../build/state.ts';
import { BuildError } from '../build/workspace.ts';
import { cgroupOptionSpecs, FlagError, parseLimits } from '../runtime/cgroup-flags.ts';
import { parseOptions, UsageError } from './args.ts';
import { closeLedger } from './lifecycle.ts';
import { build as t, cli } from '../text/index.ts';

/** Where images go when no --layout is given. */
function defaultLayoutDir(): string {
  if (process.env.BOXLAB_IMAGES) return process.env.BOXLAB_IMAGES;
  if (process.getuid?.() === 0) return '/var/lib/boxlab/images';
  return join(process.env.XDG_DATA_HOME ?? join(homedir(), '.local', 'share'), 'boxlab', 'images');
}

function size(bytes: number): string {
  if (bytes < 1000) return `${bytes} B`;
  if (bytes < 1e6) return `${(bytes / 1e3).toFixed(1)} kB`;
  return `${(bytes / 1e6).toFixed(1)} MB`;
}

/** The Containerfile: -f, else DIR/Containerfile, else DIR/Dockerfile. Read with a
 *  bound, before anything is made. */
function readContainerfile(context: string, file: string | undefined): { path: string; text: string } {
  const path = file ? resolve(file) : ['Containerfile', 'Dockerfile'].map((n) => join(context, n)).find((p) => existsSync(p));
  if (!path) throw new UsageError(t.noFile(context));
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (err) {
    throw new UsageError(t.cannotRead(path, (err as NodeJS.ErrnoException).code ?? (err as Error).message));
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) throw new UsageError(t.cannotRead(path, t.notRegularFile));
    if (st.size > LIMITS.bytes) throw new UsageError(`${path}:1: ${t.fileTooBig(LIMITS.bytes)}`);
    return { path, text: readFileSync(fd, 'utf8') };
  } finally {
    closeSync(fd);
  }
}

function printEvent(e: BuildEvent): void {
  switch (e.kind) {
    case 'step':
      console.log(t.stepLine(e.n, e.total, e.stage, e.stages, e.stageName, e.ins.source));
      break;
    case 'output':
      console.log(t.outputLine(e.line));
      break;
    case 'done':
      console.log(t.doneLine(e.result, (e.ms / 1000).toFixed(2), e.layer ? { digest: e.layer.digest.slice(0, 19), size: size(e.layer.size) } : undefined));
      break;
    case 'image':
      console.log(t.imageLine(e.ref, e.digest, e.layout, e.layers));
      break;
  }
}

export async function buildCommand(args: string[]): Promise<number> {
  const { options: o, rest } = parseOptions(args, {
    help: { value: false, short: 'h' },
    file: { value: true, short: 'f' },
    tag: { value: true, short: 't' },
    target: { value: true },
    'no-cache': { value: false },
    'build-arg': { value: true, repeat: true },
    layout: { value: true },
    ...cgroupOptionSpecs(),
  }, { stopAtWord: false });
  if (o.help) {
    console.log(cli.usage.build);
    return 0;
  }
  if (rest.length !== 1) throw new UsageError(t.needsContext);
  const context = resolve(rest[0]!);
  if (!existsSync(context) || !statSync(context).isDirectory()) throw new UsageError(t.noContext(context));
  const buildArgs = new Map<string, string>();
  for (const a of (o['build-arg'] as string[] | undefined) ?? []) {
    const eq = a.indexOf('=');
    if (eq < 1) throw new UsageError(t.badBuildArg(a));
    buildArgs.set(a.slice(0, eq), a.slice(eq + 1));
  }
  const tag = o.tag as string | undefined;
  if (tag !== undefined) {
    try {
      checkRefName(tag);
    } catch (err) {
      throw new UsageError(t.badTag((err as Error).message));
    }
  }
  let limits;
  try {
    limits = parseLimits(o);
  } catch (err) {
    if (err instanceof FlagError) throw new UsageError(err.message);
    throw err;
  }
  const { path, text } = readContainerfile(context, o.file as string | undefined);
  // Errors name the file as the person would type it: relative when it is below here.
  const rel = relative(process.cwd(), path);
  const shown = rel && !rel.startsWith('..') ? rel : path;
  try {
    // The whole file is checked before anything is made: a bad one changes nothing.
    targetIndex(parseContainerfile(text, shown), o.target as string | undefined);
  } catch (err) {
    if (err instanceof BuildFileError || err instanceof BuildError) {
      console.error(t.failed(err.message));
      return 1;
    }
    throw err;
  }
  if (process.getuid?.() !== 0) {
    console.error(t.needsRoot);
    return 1;
  }
  const layout = Layout.create(resolve((o.layout as string | undefined) ?? defaultLayoutDir()));
  const ledger = Ledger.open();
  // Ctrl-C, SIGTERM, a closed terminal: the cores are closed (the RUN in progress dies
  // with its core), the build fails where it is, and the ledger takes the rest away.
  let stoppedBy: NodeJS.Signals | undefined;
  const onSignal = (sig: NodeJS.Signals) => {
    if (stoppedBy) return;
    stoppedBy = sig;
    void Core.closeAll();
  };
  for (const s of SIGNALS) process.on(s, onSignal);
  let leftBehind: LeftBehindError | undefined;
  try {
    await build({
      file: shown, text, context, layout, tag, target: o.target as string | undefined,
      noCache: o['no-cache'] === true, buildArgs, limits, onEvent: printEvent,
    }, ledger, blName('build-steps'));
    return 0;
  } catch (err) {
    if (stoppedBy) {
      console.error(t.failed(t.stopped(stoppedBy)));
      return 128 + constants.signals[stoppedBy];
    }
    if (err instanceof StepError || err instanceof BuildFileError || err instanceof BuildError) {
      console.error(t.failed(err.message));
      return 1;
    }
    // The image is built, but not everything the build made could be removed: the
    // build fails, and closeLedger below names what stays.
    if (err instanceof LeftBehindError) {
      leftBehind = err;
      return 1;
    }
    throw err;
  } finally {
    // (Should its second try remove it all, the first one's words are still owed.)
    if (!(await closeLedger('build', ledger)) && leftBehind) console.error(t.failed(leftBehind.message));
    for (const s of SIGNALS) process.off(s, onSignal);
  }
}

const SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
