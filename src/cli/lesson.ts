// `boxlab lesson ID [--yes] [--markdown|--json]`: a lesson without a terminal UI.
// Runs every stop in order and prints what happened (--json: one event per line,
// lesson-events.ts). Exit 0 only when every step ran and every check and task passed;
// --yes applies each task's solution (a learner is not there to do it), after checking
// the task first: a task whose check passes before anyone acted teaches nothing, and
// fails the run - so CI proves every task and challenge starts undone. A prediction is
// shown with its answer, never guessed; a challenge's setup is folded until its tasks
// are solved. Exit 2: the lesson cannot run here (bad file, no root, no core).
import type { Writable } from 'node:stream';
import { Chalk } from 'chalk';
import { CoreError } from '../core/index.ts';
import { cli, lessons as lessonText, ui as text } from '../text/index.ts';
import { hintsFor } from '../lessons/expect.ts';
import { kernel } from '../lessons/kernel.ts';
import { findLesson, summarize } from '../lessons/loader.ts';
import { failure, type CheckResult, type LogEntry, type StepResult } from '../lessons/port.ts';
import { LessonError, type LessonSummary, type Prediction } from '../lessons/schema.ts';
import { abbreviate, shortNames, substitute } from '../lessons/scope.ts';
import { LessonSession } from '../lessons/session.ts';
import { parseOptions, UsageError } from './args.ts';
import { applyTrust, TRUST_OPTION } from './lab.ts';
import { eventLine, type LessonRunEvent, type StopReport } from './lesson-events.ts';
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
  const emit = (e: LessonRunEvent) => { if (json) out(eventLine(e)); };
  const refuse = (message: string, lesson?: LessonSummary) => {
    if (json) emit({ type: 'error', error: message, ...(lesson ? { lesson } : {}) });
    else out(text.plainError(message));
    return 2;
  };

  let lesson;
  try {
    lesson = await findLesson(id);
  } catch (err) {
    return refuse(err instanceof LessonError ? err.message : (err as Error).message);
  }
  const summary = summarize(lesson);
  if (opts.until !== undefined && opts.until > lesson.stops.length) {
    return refuse(text.untilBeyond(opts.until, lesson.meta.id, lesson.stops.length), summary);
  }
  if (lesson.meta.needs === 'root' && process.getuid?.() !== 0) return refuse(text.needsRootLong, summary);

  let session: LessonSession;
  try {
    session = await LessonSession.open(lesson);
  } catch (err) {
    await closeLedger('lesson'); // the session took back what it made; its ledger goes too
    const f = failure(err);
    return refuse(err instanceof CoreError && err.kind === 'exit' ? `${f.message}${err.hint ? ` (${err.hint})` : ''}` : f.message, summary);
  }

  // The lesson as it runs here: blocks for another cgroup layout are left out.
  lesson = session.state.lesson;
  // Read by a person, the lab's long paths are short names ($LAB/upper), said once at
  // the top; a program reading --json gets them whole.
  const names = json ? [] : shortNames(session.state.vars);
  const short = (s: string) => abbreviate(s, names);
  const sub = (s: string, keepUnset = false) => short(substitute(s, session.state.vars, keepUnset));
  const k = await kernel();
  const reports: StopReport[] = [];
  const total = lesson.stops.length;
  const width = opts.width ?? 100;

  // Shown in English though another language was asked for: said once, before the lesson.
  const translation = lesson.translation;
  if (translation && translation.status !== 'fresh' && !json) {
    const notice = lessonText.translation.notice(translation.status, lessonText.translation.languageName(translation.lang));
    out(md ? `> ${notice}\n` : c.yellow(notice));
  }

  emit({ type: 'lesson', lesson: summary, lang: summary.lang, ...(translation ? { translation } : {}) });
  if (md) out(`# ${lesson.meta.title}\n\n_${text.chapter(lesson.chapterNumber, lesson.meta.chapter)}_ — ${lesson.meta.summary} (${text.runsAs(lesson.meta.needs)})\n`);
  else if (!json) out(c.bold(`${text.chapter(lesson.chapterNumber, lesson.meta.chapter)} — ${lesson.meta.title}`) + c.dim(` (${text.runsAs(lesson.meta.needs)})`));
  // What each short name stands for, as a line a reader can paste into a shell.
  for (const n of names) out(md ? `\`${text.plainShortName(n.name, n.path)}\`\n` : c.dim(text.plainShortName(n.name, n.path)));

  const printLog = (log: LogEntry[]) => {
    if (!log.length) return;
    if (md) {
      const calls = log.flatMap((e) => e.syscalls.map(short));
      if (calls.length) out('```text\n' + calls.join('\n') + '\n```');
      const shells = log.map((e) => short(e.shell)).filter(Boolean);
      if (shells.length) out('```sh\n' + shells.join('\n') + '\n```');
      return;
    }
    for (const e of log) {
      for (const s of e.syscalls) out('  ' + c.dim(short(s)));
      // A multi-line command keeps its lines together under the `$`.
      if (e.shell) out('  ' + c.cyan(text.shellLine(short(e.shell.trimEnd())).replace(/\n/g, '\n    ')));
    }
  };
  const printOutput = (s: string | undefined) => {
    if (s) out(md ? '```console\n' + short(s) + '\n```' : short(s).replace(/^/gm, '  '));
  };
  const printDiff = (r: StepResult): string | undefined => {
    if (!r.diff) return undefined;
    const d = k.renderDiff(r.diff, { color: opts.color && !md, onlyChanges: true, width, abbreviate: short });
    if (!json && d.trim()) out(md ? '```text\n' + d + '\n```' : d.replace(/^/gm, '  '));
    return d;
  };
  const printCheck = (title: string, r: CheckResult) => {
    const detail = short(`${text.found(r.found ?? r.error ?? text.nothingFound)}; ${text.expected(r.expected)}`);
    if (md) out(`- [${r.pass ? 'x' : ' '}] ${title}${r.pass ? '' : ` (${detail})`}`);
    else {
      out(r.pass ? c.green(text.plainCheckPass(title, r.measured ? short(r.found ?? '') : undefined)) : c.red(text.plainCheckFail(title)));
      if (!r.pass) out(`  ${detail}`);
    }
  };
  /** A prediction: the question before its step runs (the run does not guess)... */
  const printQuestion = (p: Prediction) => {
    if (md) out(`**${text.predictTitle}** ${sub(p.question, true)}\n`);
    else out(c.magenta(`${text.predictTitle} ${sub(p.question, true)}`));
    p.choices?.forEach((choice, n) => out(md ? `${n + 1}. ${sub(choice, true)}` : `  ${text.choice(n + 1, sub(choice, true))}`));
    if (md && p.choices) out('');
  };
  /** ... and its answer after: the step's output and diff have just shown it. */
  const printAnswer = (p: Prediction) => {
    const answer = text.predictAnswer(sub(p.answer), sub(p.why));
    out(md ? `<details><summary>${text.predictReveal}</summary>\n\n${answer}\n\n</details>\n` : c.magenta(answer));
  };
  /** A challenge's setup runs first and stays folded: it would give the fault away.
   *  What it did is shown at the end, once the tasks are solved. */
  const folded: { title: string; log: LogEntry[]; output?: string }[] = [];
  const printFolded = () => {
    if (!folded.length || json) return;
    out(md ? `\n<details><summary>${text.setupUnfolded}</summary>\n` : '\n' + c.bold(text.setupUnfolded));
    for (const f of folded) {
      out(md ? `\n#### ${f.title}\n` : c.bold(`  ${f.title}`));
      printLog(f.log);
      printOutput(f.output);
    }
    if (md) out('\n</details>');
  };

  let stopped = false;
  let left = 0;
  try {
    for (const stop of lesson.stops) {
      if (isGone()) { stopped = true; break; }
      const i = stop.index;
      const title = sub(stop.title);
      const setup = stop.kind === 'step' && stop.setup === true;
      const predict = stop.kind === 'step' ? stop.predict : undefined;
      if (!json && stop.prose) out('\n' + sub(stop.prose, true) + '\n');
      if (predict) {
        emit({ type: 'predict', index: i, question: sub(predict.question), ...(predict.choices ? { choices: predict.choices.map((x) => sub(x)) } : {}),
          answer: sub(predict.answer), ...(predict.tolerance !== undefined ? { tolerance: predict.tolerance } : {}), why: sub(predict.why) });
        if (!json) printQuestion(predict);
      }
      // A check's own ✓/✗ line names it; steps and tasks get a heading.
      const heading = setup ? text.plainSetup : title;
      if (!json && (md || stop.kind !== 'check')) out(md ? `### ${text.kinds[setup ? 'setup' : stop.kind]} ${i + 1}/${total}: ${heading}\n` : c.bold(text.plainStep(i + 1, total, heading)));
      const st = await session.runStop(i);
      const rep: StopReport = { index: i, kind: stop.kind, title, ok: false, log: [], ...(setup ? { setup: true as const } : {}) };
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
        if (setup && r.ok) folded.push({ title, log: r.log, output: r.output });
        else if (!json) {
          printLog(r.log);
          printOutput(r.output);
        }
        rep.diff = setup && r.ok ? undefined : printDiff(r);
        if (predict && !json) printAnswer(predict);
        if (!r.ok) {
          if (!json) {
            out(c.red(text.plainError(short(r.error?.message ?? text.stepFailed))));
            if (r.error?.explain) out('  ' + text.why(r.error.explain));
            if (r.error?.hint) out('  ' + text.tryThis(r.error.hint));
          }
          reports.push(rep);
          emit({ type: 'stop', ...rep });
          stopped = true;
          break;
        }
      } else if (stop.kind === 'check') {
        rep.check = st.check;
        rep.ok = st.check!.pass;
        if (!json) printCheck(title, st.check!);
      } else {
        // With --yes the check has just run before anything was done: a task that
        // passes already would pass whatever the learner did.
        const early = opts.yes && st.check!.pass;
        if (opts.yes) rep.before = st.check;
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
        rep.ok = check.pass && !early;
        if (early) rep.error = { message: text.passesBeforeActing };
        if (!check.pass) {
          const hint = hintsFor(stop, check, sub)[0];
          if (hint) rep.hint = sub(hint.text);
        }
        if (!json) {
          if (early) out(c.red(`${text.plainCheckFail(title)}: ${text.passesBeforeActing}`));
          else printCheck(title, check);
          if (!check.pass) {
            out('  ' + text.plainTaskTodo);
            if (rep.hint) out('  ' + text.plainHint(short(rep.hint)));
          }
        }
      }
      reports.push(rep);
      emit({ type: 'stop', ...rep });
      if (opts.until === i + 1) {
        const pid = session.state.vars.pid || '?';
        if (json) emit({ type: 'holding', step: i + 1, pid });
        else out(text.plainHolding(i + 1, pid));
        await new Promise(() => setInterval(() => undefined, 1 << 30)); // until a signal ends the process; its handler cleans up
      }
    }
    if (!json && !stopped && lesson.outro) out('\n' + sub(lesson.outro, true));
    if (!stopped && session.state.passed) printFolded();
  } finally {
    await session.close();
    // What could not be removed stays in the ledger (boxlab cleanup tries again): said
    // on stderr, and the lesson does not pass.
    left = await closeLedger('lesson');
  }

  const judged = reports.filter((r) => r.kind !== 'step');
  const passed = judged.filter((r) => r.ok).length;
  const skipped = judged.filter((r) => r.skipped).length;
  const allOk = !stopped && left === 0 && reports.length === total && reports.every((r) => r.ok);
  if (json) emit({ type: 'result', ok: allOk, passed, checks: judged.length, skipped });
  else {
    out('');
    out((allOk ? c.green : c.red)(text.plainResult(passed, lesson.stops.filter((s) => s.kind !== 'step').length, skipped)));
  }
  return allOk ? 0 : 1;
}
