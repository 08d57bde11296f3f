// `boxlab lesson ID [--yes] [--markdown|--json]`: a lesson without a terminal UI.
// Runs every stop in order and prints what happened. Exit 0 only when every step ran and
// every check and task passed; --yes applies each task's solution (a learner is not
// there to do it). Exit 2: the lesson cannot run here (bad file, no root, no core).
import type { Writable } from 'node:stream';
import { Chalk } from 'chalk';
import { CoreError } from '../core/index.ts';
import { cli, ui as text } from '../text/index.ts';
import { hintsFor } from '../lessons/expect.ts';
import { kernel } from '../lessons/kernel.ts';
import { findLesson, summarize } from '../lessons/loader.ts';
import { failure, type CheckResult, type LogEntry, type StepResult } from '../lessons/port.ts';
import { LessonError, type Stop } from '../lessons/schema.ts';
import { substitute } from '../lessons/scope.ts';
import { LessonSession } from '../lessons/session.ts';
import { parseOptions, UsageError } from './args.ts';
import { applyTrust, TRUST_OPTION } from './lab.ts';
import { closeLedger } from './lifecycle.ts';

export interface PlainOptions {
  yes: boolean;
  format: 'text' | 'markdown' | 'json';
  color: boolean;
  out: Writable;
  /** Width for the state tables (default 100). */
  width?: number;
  /** Stop after this step (1-based) and hold the lesson's containers until a signal,
   *  so they can be looked at from another terminal (boxlab state PID). */
  until?: number;
}

export async function lessonCommand(args: string[], color: boolean): Promise<number> {
  const { options, rest } = parseOptions(args, {
    help: { value: false, short: 'h' }, yes: { value: false, short: 'y' }, markdown: { value: false }, json: { value: false }, until: { value: true },
    ...TRUST_OPTION,
  }, { stopAtWord: false });
  if (options.help) {
    console.log(cli.usage.lesson);
    return 0;
  }
  await applyTrust(options);
  if (rest.length !== 1) throw new UsageError(cli.lessonId);
  if (options.markdown && options.json) throw new UsageError(cli.markdownOrJson);
  const until = options.until === undefined ? undefined : Number(options.until);
  if (until !== undefined && !(Number.isInteger(until) && until > 0)) throw new UsageError(cli.badUntil(String(options.until)));
  const format = options.json ? 'json' : options.markdown ? 'markdown' : 'text';
  return runLessonPlain(rest[0]!, { yes: options.yes === true, format, color: color && format === 'text', out: process.stdout, width: process.stdout.columns ?? 100, until });
}

interface StopReport {
  index: number;
  kind: Stop['kind'];
  title: string;
  ok: boolean;
  log: LogEntry[];
  output?: string;
  error?: StepResult['error'];
  check?: CheckResult;
  hint?: string;
  solved?: boolean;
  diff?: string;
  /** Skipped: the programs of its `requires:` this machine lacks. */
  skipped?: string[];
}

const watched = new WeakSet<Writable>();
const readerGone = new WeakSet<Writable>();

function watchForReaderGone(stream: Writable): void {
  if (watched.has(stream)) return;
  watched.add(stream);
  stream.on('error', () => readerGone.add(stream));
}

export async function runLessonPlain(id: string, opts: PlainOptions): Promise<number> {
  const c = new Chalk({ level: opts.color ? 1 : 0 });
  // A reader that went away (`boxlab lesson x | head`) ends the lesson, cleanly: an
  // EPIPE must not kill the process before its containers and directories are gone.
  // One listener per stream, however many lessons write to it (the soak runs hundreds).
  watchForReaderGone(opts.out);
  const isGone = () => readerGone.has(opts.out);
  const out = (s = '') => { if (!isGone()) opts.out.write(s + '\n'); };
  const json = opts.format === 'json';
  const md = opts.format === 'markdown';

  let lesson;
  try {
    lesson = await findLesson(id);
  } catch (err) {
    const message = err instanceof LessonError ? err.message : (err as Error).message;
    if (json) out(JSON.stringify({ ok: false, error: message }));
    else out(text.plainError(message));
    return 2;
  }
  const summary = summarize(lesson);
  if (opts.until !== undefined && opts.until > lesson.stops.length) {
    const message = text.untilBeyond(opts.until, lesson.meta.id, lesson.stops.length);
    out(json ? JSON.stringify({ lesson: summary, ok: false, error: message }) : text.plainError(message));
    return 2;
  }
  if (lesson.meta.needs === 'root' && process.getuid?.() !== 0) {
    if (json) out(JSON.stringify({ lesson: summary, ok: false, error: text.needsRootLong }));
    else out(text.plainError(text.needsRootLong));
    return 2;
  }

  let session: LessonSession;
  try {
    session = await LessonSession.open(lesson);
  } catch (err) {
    await closeLedger('lesson'); // the session took back what it made; its ledger goes too
    const f = failure(err);
    const message = err instanceof CoreError && err.kind === 'exit' ? `${f.message}${err.hint ? ` (${err.hint})` : ''}` : f.message;
    if (json) out(JSON.stringify({ lesson: summary, ok: false, error: message }));
    else out(text.plainError(message));
    return 2;
  }

  // The lesson as it runs here: blocks for another cgroup layout are left out.
  lesson = session.state.lesson;
  const sub = (s: string, keepUnset = false) => substitute(s, session.state.vars, keepUnset);
  const k = await kernel();
  const reports: StopReport[] = [];
  const total = lesson.stops.length;
  const width = opts.width ?? 100;

  if (md) out(`# ${lesson.meta.title}\n\n_${text.chapter(lesson.chapterNumber, lesson.meta.chapter)}_ — ${lesson.meta.summary} (${text.runsAs(lesson.meta.needs)})\n`);
  else if (!json) out(c.bold(`${text.chapter(lesson.chapterNumber, lesson.meta.chapter)} — ${lesson.meta.title}`) + c.dim(` (${text.runsAs(lesson.meta.needs)})`));

  const printLog = (log: LogEntry[]) => {
    if (!log.length) return;
    if (md) {
      const calls = log.flatMap((e) => e.syscalls);
      if (calls.length) out('```text\n' + calls.join('\n') + '\n```');
      const shells = log.map((e) => e.shell).filter(Boolean);
      if (shells.length) out('```sh\n' + shells.join('\n') + '\n```');
      return;
    }
    for (const e of log) {
      for (const s of e.syscalls) out('  ' + c.dim(s));
      // A multi-line command keeps its lines together under the `$`.
      if (e.shell) out('  ' + c.cyan(text.shellLine(e.shell.trimEnd()).replace(/\n/g, '\n    ')));
    }
  };
  const printOutput = (s: string | undefined) => {
    if (s) out(md ? '```console\n' + s + '\n```' : s.replace(/^/gm, '  '));
  };
  const printDiff = (r: StepResult): string | undefined => {
    if (!r.diff) return undefined;
    const d = k.renderDiff(r.diff, { color: opts.color && !md, onlyChanges: true, width });
    if (!json && d.trim()) out(md ? '```text\n' + d + '\n```' : d.replace(/^/gm, '  '));
    return d;
  };
  const printCheck = (title: string, r: CheckResult) => {
    if (md) out(`- [${r.pass ? 'x' : ' '}] ${title}${r.pass ? '' : ` (${text.found(r.found ?? text.nothingFound)}; ${text.expected(r.expected)})`}`);
    else {
      out(r.pass ? c.green(text.plainCheckPass(title, r.measured ? r.found : undefined)) : c.red(text.plainCheckFail(title)));
      if (!r.pass) out(`  ${text.found(r.found ?? r.error ?? text.nothingFound)}; ${text.expected(r.expected)}`);
    }
  };

  let stopped = false;
  let left = 0;
  try {
    for (const stop of lesson.stops) {
      if (isGone()) { stopped = true; break; }
      const i = stop.index;
      const title = sub(stop.title);
      if (!json && stop.prose) out('\n' + sub(stop.prose, true) + '\n');
      // A check's own ✓/✗ line names it; steps and tasks get a heading.
      if (!json && (md || stop.kind !== 'check')) out(md ? `### ${text.kinds[stop.kind]} ${i + 1}/${total}: ${title}\n` : c.bold(text.plainStep(i + 1, total, title)));
      const st = await session.runStop(i);
      const rep: StopReport = { index: i, kind: stop.kind, title, ok: false, log: [] };
      if (st.status === 'skipped') {
        rep.ok = true;
        rep.skipped = st.missing;
        // A check has no heading of its own: name it here.
        const what = stop.kind === 'check' ? text.plainSkippedCheck(title, text.skipped(st.missing ?? [])) : `  ${text.skipped(st.missing ?? [])}`;
        if (!json) out(c.yellow(md ? `- ${what.trim()}` : what));
      } else if (stop.kind === 'step') {
        const r = st.step!;
        rep.ok = r.ok;
        rep.log = r.log;
        rep.output = r.output;
        rep.error = r.error;
        if (!json) {
          printLog(r.log);
          printOutput(r.output);
        }
        rep.diff = printDiff(r);
        if (!r.ok) {
          if (!json) {
            out(c.red(text.plainError(r.error?.message ?? text.stepFailed)));
            if (r.error?.explain) out('  ' + text.why(r.error.explain));
            if (r.error?.hint) out('  ' + text.tryThis(r.error.hint));
          }
          reports.push(rep);
          stopped = true;
          break;
        }
      } else if (stop.kind === 'check') {
        rep.check = st.check;
        rep.ok = st.check!.pass;
        if (!json) printCheck(title, st.check!);
      } else {
        if (!st.check!.pass && opts.yes && stop.solution) {
          const r = (await session.solve(i))!;
          rep.solved = true;
          rep.log = r.log;
          rep.output = r.output;
          if (!json) {
            out(c.yellow(text.plainSolved));
            printLog(r.log);
            printOutput(r.output);
          }
          rep.diff = printDiff(r);
        }
        const check = session.state.stops[i]!.check!;
        rep.check = check;
        rep.ok = check.pass;
        if (!check.pass) {
          const hint = hintsFor(stop, check, sub)[0];
          if (hint) rep.hint = sub(hint.text);
        }
        if (!json) {
          printCheck(title, check);
          if (!check.pass) {
            out('  ' + text.plainTaskTodo);
            if (rep.hint) out('  ' + text.plainHint(rep.hint));
          }
        }
      }
      reports.push(rep);
      if (opts.until === i + 1) {
        out(text.plainHolding(i + 1, session.state.vars.pid || '?'));
        await new Promise(() => setInterval(() => undefined, 1 << 30)); // until a signal ends the process; its handler cleans up
      }
    }
    if (!json && !stopped && lesson.outro) out('\n' + sub(lesson.outro, true));
  } finally {
    await session.close();
    // What could not be removed stays in the ledger (boxlab cleanup tries again): said
    // on stderr, and the lesson does not pass.
    left = await closeLedger('lesson');
  }

  const judged = reports.filter((r) => r.kind !== 'step');
  const passed = judged.filter((r) => r.ok).length;
  const allOk = !stopped && left === 0 && reports.length === total && reports.every((r) => r.ok);
  if (json) {
    out(JSON.stringify({ lesson: summary, ok: allOk, passed, checks: judged.length, stops: reports }, null, 2));
  } else {
    out('');
    const skipped = judged.filter((r) => r.skipped).length;
    out((allOk ? c.green : c.red)(text.plainResult(passed, lesson.stops.filter((s) => s.kind !== 'step').length, skipped)));
  }
  return allOk ? 0 : 1;
}
