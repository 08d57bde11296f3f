// `boxlab` (the terminal lab): load the lessons, render the app, and make sure that
// however it ends (q, Ctrl-C, SIGTERM, a crash) every lesson session is closed: the core
// kills its containers and the ledger scope is unwound.
import { spawnSync } from 'node:child_process';
import React from 'react';
import { render } from 'ink';
import { boxcorePath } from '../core/index.ts';
import { loadAll } from '../lessons/loader.ts';
import { LessonSession, closeProcessLedger } from '../lessons/session.ts';
import type { Lesson } from '../lessons/schema.ts';
import { App } from './app.tsx';
import { summaryLine } from './summary.ts';

const ALT_ON = '\x1b[?1049h\x1b[2J\x1b[H';
const ALT_OFF = '\x1b[?1049l';

export async function runTui(opts: { present?: boolean } = {}): Promise<number> {
  if (!process.stdin.isTTY || !process.stdout.isTTY) {
    process.stderr.write('boxlab: the lab needs a terminal; for scripts use: boxlab lesson ID --yes\n');
    return 2;
  }
  const { lessons, errors } = await loadAll();
  const sessions = new Set<LessonSession>();
  const openSession = async (lesson: Lesson) => {
    const s = await LessonSession.open(lesson);
    sessions.add(s);
    s.onEvent((e) => { if (e.type === 'closed') sessions.delete(s); });
    return s;
  };
  const closeAll = () => Promise.all([...sessions].map((s) => s.close()));

  const suspend = (fn: () => void) => {
    // ink is idle while fn runs (spawnSync blocks the event loop): give the terminal away.
    process.stdin.setRawMode?.(false);
    process.stdout.write(ALT_OFF + '\x1b[?25h');
    try {
      fn();
    } finally {
      process.stdout.write(ALT_ON);
      process.stdin.setRawMode?.(true);
    }
  };
  const enterShell = (pid: number) => {
    process.stdout.write(`\n${'—'.repeat(20)}\n`);
    spawnSync(boxcorePath(), ['enter', String(pid), '--', '/bin/sh'], { stdio: 'inherit', env: { ...process.env, PS1: 'box# ' } });
  };

  process.stdout.write(ALT_ON);
  const app = render(
    <App lessons={lessons} errors={errors} summary={summaryLine()} present={opts.present} openSession={openSession} suspend={suspend} enterShell={enterShell} />,
    { exitOnCtrlC: false, patchConsole: true },
  );
  let code = 0;
  const onSignal = (sig: NodeJS.Signals) => {
    code = sig === 'SIGTERM' ? 143 : 130;
    void closeAll().finally(() => app.unmount());
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
    process.stdout.write(ALT_OFF);
  }
  return code;
}
