// `boxlab` (the terminal lab): load the lessons, look at the machine, render the app on
// the alternate screen, and make sure that however it ends (q, Ctrl-C, SIGTERM, SIGHUP,
// a crash) every lesson session is closed: the core kills its containers and the
// ledger scope is unwound. The container shell (s) borrows the terminal meanwhile.
import { spawnSync } from 'node:child_process';
import { render, type Instance } from 'ink';
import { msg } from '../cli/text.ts';
import { boxcorePath } from '../core/index.ts';
import { loadAll } from '../lessons/loader.ts';
import { LessonSession, closeProcessLedger } from '../lessons/session.ts';
import type { Lesson } from '../lessons/schema.ts';
import { App } from './app.tsx';
import { machineSummary, summaryLines } from './summary.ts';
import { text } from './text.ts';

const ALT_ON = '\x1b[?1049h\x1b[2J\x1b[H';
const ALT_OFF = '\x1b[?1049l';
const SHOW_CURSOR = '\x1b[?25h';
const HIDE_CURSOR = '\x1b[?25l';

export interface TuiOptions { present?: boolean; lesson?: string }

export async function runTui(opts: TuiOptions = {}): Promise<number> {
  if (!process.stdin.isTTY || !process.stdout.isTTY) {
    process.stderr.write(msg.needsTerminal + '\n');
    return 2;
  }
  const { lessons, errors } = await loadAll();
  if (opts.lesson && !lessons.some((l) => l.meta.id === opts.lesson)) {
    process.stderr.write(text.unknownLesson(opts.lesson, lessons.map((l) => l.meta.id)) + '\n');
    return 2;
  }
  const machine = machineSummary(lessons);

  const sessions = new Set<LessonSession>();
  const openSession = async (lesson: Lesson) => {
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

  process.stdout.write(ALT_ON);
  const [facts, notHere] = summaryLines(machine);
  app = render(
    <App
      lessons={lessons}
      errors={errors}
      summary={[facts, notHere]}
      blocked={new Map(machine.blocked.map((v) => [v.id, v.why]))}
      present={opts.present}
      initialLesson={opts.lesson}
      openSession={openSession}
      shell={shell}
    />,
    { exitOnCtrlC: false, patchConsole: true },
  );
  // A closed terminal (SIGHUP) fails every write with EIO: the lab still unwinds, and
  // writes nothing more.
  let hungUp = false;
  const ignore = () => undefined;
  process.stdout.on('error', ignore);
  process.stdin.on('error', ignore);
  let code = 0;
  const onSignal = (sig: NodeJS.Signals) => {
    if (sig === 'SIGINT' && Date.now() < shellUntil) return; // meant for the container shell
    hungUp ||= sig === 'SIGHUP';
    code = sig === 'SIGTERM' ? 143 : sig === 'SIGHUP' ? 129 : 130;
    void closeAll().finally(() => app?.unmount());
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  process.on('SIGHUP', onSignal);
  try {
    await app.waitUntilExit();
  } catch {
    code = 1;
  } finally {
    await closeAll();
    await closeProcessLedger();
    process.off('SIGTERM', onSignal);
    process.off('SIGINT', onSignal);
    process.off('SIGHUP', onSignal);
    if (!hungUp) process.stdout.write(ALT_OFF + SHOW_CURSOR);
  }
  // With the terminal gone, node's own exit would try to restore its modes and abort
  // on EIO: everything is unwound already, so end the way a hangup ends a process.
  if (hungUp) process.kill(process.pid, 'SIGHUP');
  return code;
}
