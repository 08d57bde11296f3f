// `boxlab` (the terminal lab): draw the home screen from what is known at once (the
// lessons' front matter, the machine's /proc), then fill in the rest as it arrives (every
// lesson loaded and checked, the machine's tried features), on the alternate screen;
// and make sure that however it ends (q, Ctrl-C, SIGTERM, SIGHUP, a crash) every lesson
// session is closed: the core kills its containers and the ledger scope is unwound.
// The container shell (s) borrows the terminal meanwhile.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { render, type Instance } from 'ink';
import { boxcorePath } from '../core/binary.ts';
import { readStat } from '../kernel/proc-stat.ts';
import { Core } from '../core/client.ts';
import { Ledger } from '../ledger/ledger.ts';
import type { Check } from '../doctor/checks.ts';
import { loadSources, parseLesson, readIndex, summarize } from '../lessons/loader.ts';
import { LessonError, type Lesson } from '../lessons/schema.ts';
import type { LessonSession } from '../lessons/session.ts';
import { App, preloadLessonScreen } from './app.tsx';
import { machineChecks, machineSummary, summaryLines } from './summary.ts';
import { cli, ledger as ledgerText, ui as text } from '../text/index.ts';

/** SIGKILL every child of this process with its process group (a step's command runs
 *  in a group of its own): what a session was waiting for when the lab had to stop. */
function killChildren(): void {
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    if (readStat(Number(pid))?.ppid !== process.pid) continue;
    try { process.kill(-Number(pid), 'SIGKILL'); } catch { try { process.kill(Number(pid), 'SIGKILL'); } catch { /* gone */ } }
  }
}

/** How long a signal waits for the lesson sessions to close by themselves. */
const STOP_DEADLINE_MS = 5000;

const ALT_ON = '\x1b[?1049h\x1b[2J\x1b[H';
const ALT_OFF = '\x1b[?1049l';
const SHOW_CURSOR = '\x1b[?25h';
const HIDE_CURSOR = '\x1b[?25l';

/** The lesson engine: loaded with the first lesson opened (the home screen needs none of it). */
const engine = () => import('../lessons/session.ts');

export interface TuiOptions { present?: boolean; lesson?: string }

export async function runTui(opts: TuiOptions = {}): Promise<number> {
  if (!process.stdin.isTTY || !process.stdout.isTTY) {
    process.stderr.write(text.needsTerminal + '\n');
    return 2;
  }
  const index = await readIndex();
  let lessons = index.entries.map((e) => e.summary);
  let errors = index.errors;
  /** Lessons loaded in full, by id: all of them once loadSources is done. */
  const loaded = new Map<string, Lesson>();
  let checks: Check[] | undefined;
  let checksFailed: string | undefined;
  let draw = () => undefined as void;

  const loadLesson = async (id: string): Promise<Lesson> => {
    const known = loaded.get(id);
    if (known) return known;
    const entry = index.entries.find((e) => e.summary.id === id);
    if (!entry) throw new Error(text.unknownLesson(id, lessons.map((l) => l.id)));
    try {
      const lesson = parseLesson(entry.source.text, entry.source.file);
      loaded.set(id, lesson);
      return lesson;
    } catch (err) {
      // Known broken before loadSources got to it: off the list, and among the errors.
      if (err instanceof LessonError && !errors.some((e) => e.message === err.message)) {
        lessons = lessons.filter((l) => l.file !== err.file);
        errors = [...errors, err];
        draw();
      }
      throw err;
    }
  };

  let initialLesson: Lesson | undefined;
  if (opts.lesson) {
    if (!lessons.some((l) => l.id === opts.lesson)) {
      process.stderr.write(text.unknownLesson(opts.lesson, lessons.map((l) => l.id)) + '\n');
      return 2;
    }
    try {
      initialLesson = await loadLesson(opts.lesson);
    } catch (err) {
      process.stderr.write(text.error((err as Error).message) + '\n');
      return 2;
    }
  }

  const sessions = new Set<LessonSession>();
  let engineUsed = false;
  const openSession = async (lesson: Lesson) => {
    const { LessonSession } = await engine();
    engineUsed = true;
    const s = await LessonSession.open(lesson);
    sessions.add(s);
    s.onEvent((e) => { if (e.type === 'closed') sessions.delete(s); });
    return s;
  };
  const closeAll = () => Promise.all([...sessions].map((s) => s.close()));

  // The container shell. While it runs, node's event loop is blocked in spawnSync, so
  // nothing reads the terminal but the shell. Ctrl-C and Ctrl-Z there reach our process
  // group too: they are meant for the shell, so we ignore them until a moment after it
  // is gone (the signals are delivered to us only once the loop runs again).
  let shellUntil = 0;
  let app: Instance | undefined;
  const shell = (pid: number) => {
    shellUntil = Infinity;
    const ignore = () => undefined;
    process.on('SIGTSTP', ignore);
    process.on('SIGQUIT', ignore);
    process.stdin.setRawMode?.(false);
    process.stdout.write(ALT_OFF + SHOW_CURSOR + '\n' + text.shellHow(pid) + '\n');
    try {
      const r = spawnSync(boxcorePath(), ['enter', String(pid), '--', '/bin/sh', '-i'], { stdio: 'inherit', env: { ...process.env, PS1: text.shellPrompt } });
      if (r.error) process.stderr.write(text.shellFailed(r.error.message) + '\n');
    } finally {
      process.stdout.write(ALT_ON + HIDE_CURSOR);
      process.stdin.setRawMode?.(true);
      // ink thinks its last frame is still on screen: make it draw the next one whole.
      app?.clear();
      shellUntil = Date.now() + 500;
      setTimeout(() => { process.off('SIGTSTP', ignore); process.off('SIGQUIT', ignore); }, 500);
    }
  };

  /** The exit status: 0 for q, 130 for Ctrl-C, 128+N after signal N. */
  let code = 0;
  process.stdout.write(ALT_ON);
  const tree = () => {
    const machine = machineSummary(lessons, checks, checksFailed);
    return (
      <App
        lessons={lessons}
        errors={errors}
        summary={summaryLines(machine)}
        blocked={new Map(machine.blocked.map((v) => [v.id, v.why]))}
        present={opts.present}
        initialLesson={initialLesson}
        loadLesson={loadLesson}
        openSession={openSession}
        shell={shell}
        onExit={(c) => { code = c; }}
      />
    );
  };
  app = render(tree(), { exitOnCtrlC: false, patchConsole: true });
  // Once the app has ended, nothing may draw it again: ink's rerender after unmount
  // mounts a new tree, which takes stdin back into raw mode and keeps the lab alive
  // (what arrives late is the background loading below).
  let ended = false;
  const exited = app.waitUntilExit().finally(() => { ended = true; });
  draw = () => { if (!ended) app?.rerender(tree()); };

  // The home screen is up: now what takes a while. The machine's checks run in child
  // processes; every lesson is loaded and checked (a broken one leaves the list for the
  // errors below it); the lesson screen and the engine are loaded for the first lesson.
  machineChecks().then(
    (c) => { checks = c; draw(); },
    (err: unknown) => { checksFailed = (err as Error).message; draw(); },
  );
  let fatal: unknown;
  loadSources(index.sources).then(({ lessons: all, errors: broken }) => {
    loaded.clear();
    for (const l of all) if (!loaded.has(l.meta.id)) loaded.set(l.meta.id, l);
    lessons = all.map(summarize);
    errors = broken;
    draw();
  }, (err: unknown) => { fatal = err; ended = true; app?.unmount(); });
  void preloadLessonScreen().then(engine);

  // A closed terminal (SIGHUP) fails every write with EIO: the lab still unwinds, and
  // writes nothing more.
  let hungUp = false;
  const ignore = () => undefined;
  process.stdout.on('error', ignore);
  process.stdin.on('error', ignore);
  // A session closes after the step it is running (its queue): one waiting on a command
  // that never ends would keep the lab alive, idle, with its terminal gone. So a signal
  // gets a deadline, and a second signal none: then every core is killed (its containers
  // die with it) and the ledger unwound here, whatever the sessions are waiting for.
  let stopping = false;
  const stopNow = async () => {
    killChildren();
    await Core.closeAll();
    await Ledger.open().close();
    for (const s of ['SIGTERM', 'SIGINT', 'SIGHUP']) process.off(s, onSignal);
    if (hungUp) process.kill(process.pid, 'SIGHUP');
    process.stdout.write(ALT_OFF + SHOW_CURSOR);
    process.exit(code);
  };
  const onSignal = (sig: NodeJS.Signals) => {
    if (sig === 'SIGINT' && Date.now() < shellUntil) return; // meant for the container shell
    hungUp ||= sig === 'SIGHUP';
    code = sig === 'SIGTERM' ? 143 : sig === 'SIGHUP' ? 129 : 130;
    if (stopping) return void stopNow();
    stopping = true;
    setTimeout(() => void stopNow(), STOP_DEADLINE_MS).unref();
    void closeAll().finally(() => { ended = true; app?.unmount(); });
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  process.on('SIGHUP', onSignal);
  let left: Error[] = [];
  try {
    await exited;
  } catch {
    code = 1;
  } finally {
    await closeAll();
    if (engineUsed) left = await (await engine()).closeProcessLedger();
    process.off('SIGTERM', onSignal);
    process.off('SIGINT', onSignal);
    process.off('SIGHUP', onSignal);
    if (!hungUp) process.stdout.write(ALT_OFF + SHOW_CURSOR);
  }
  // With the terminal gone, node's own exit would try to restore its modes and abort
  // on EIO: everything is unwound already, so end the way a hangup ends a process.
  if (hungUp) process.kill(process.pid, 'SIGHUP');
  // What could not be removed stays in the ledger, for boxlab cleanup: said once the
  // screen is back, where it can be read.
  for (const e of left) console.error(cli.error(ledgerText.leftBehind([e.message])));
  if (fatal) throw fatal; // the screen is back: the message can be read
  return code;
}
