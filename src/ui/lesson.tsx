// The lesson screen: the prose of the step on screen, the step list, the kernel state
// panel (changes, before | after, or pictures), the syscall log, a message line and the
// key bar - or the REPL's prompt. Every region gets a fixed number of lines from the
// terminal's size (lessonLayout), so a frame is never taller than the screen.
import React, { useEffect, useReducer, useRef, useState } from 'react';
import { Box, Text, useInput, type Key } from 'ink';
import chalk from 'chalk';
import type { Lesson } from '../lessons/schema.ts';
import type { LessonSession, StepResult } from '../lessons/session.ts';
import { failure } from '../lessons/session.ts';
import { kernel as defaultKernel, type KernelApi } from '../lessons/kernel.ts';
import type { Snapshot, ViewName } from '../kernel/types.ts';
import { complete } from './complete.ts';
import { EXIT_CTRL_C, lessonAction, splitKeys, type LessonAction } from './keys.ts';
import { editLine, EMPTY_LINE, historyAdd, historyMove, historyOf, type History, type LineState } from './line-edit.ts';
import { markdownLines } from './markdown.ts';
import { logLines, panelLines, STATUS_ICON, stepListLines, windowLines, type PanelMode } from './panel.ts';
import { hasPicture } from './pictures/index.ts';
import type { LessonProgress } from './progress.ts';
import type { Settings } from './settings.ts';
import { text } from './text.ts';
import { Lines, type Size } from './lines.tsx';

export interface LessonScreenProps {
  lesson: Lesson;
  size: Size;
  /** lines the screen may use */
  height: number;
  present: boolean;
  openSession: (lesson: Lesson) => Promise<LessonSession>;
  /** Give the terminal to a shell inside the container (pid on the host); returns when
   *  it exits. Absent where there is no terminal to give (tests). */
  shell?: (pid: number) => void;
  settings: Settings;
  saveSettings: (change: Partial<Settings>) => void;
  saveProgress: (id: string, p: Omit<LessonProgress, 'at'>) => void;
  /** Drawn instead of the lesson while it covers it (the help); keys go to it then. */
  cover?: React.ReactNode;
  onHelp: () => void;
  onBack: () => void;
  onQuit: (code?: number) => void;
  kernel?: KernelApi;
}

export interface LessonLayout {
  wide: boolean;
  body: number;
  left: number;
  right: number;
  prose: number;
  list: number;
  state: number;
  log: number;
}

/** How many lines and columns each region gets. Wide terminals put the prose and step
 *  list beside the state panel and log; narrow ones stack prose, state and log; the
 *  presenter's screen is mostly state panel. */
export function lessonLayout(size: Size, height: number, present: boolean, stops: number): LessonLayout {
  const body = Math.max(3, height - 3); // header, message line, key bar
  const cols = size.cols;
  if (present) {
    const prose = Math.max(2, Math.floor(body / 4));
    const log = Math.min(4, Math.max(1, Math.floor(body / 6)));
    return { wide: false, body, left: cols, right: cols, prose, list: 0, log, state: Math.max(1, body - prose - log) };
  }
  if (cols >= 100) {
    const left = Math.floor(cols * 0.45);
    const list = Math.min(stops, Math.max(3, Math.floor(body / 4)));
    const log = Math.max(3, Math.floor(body / 3));
    return { wide: true, body, left, right: cols - left - 2, prose: Math.max(1, body - list - 1), list, log, state: Math.max(1, body - log) };
  }
  const prose = Math.max(2, Math.floor(body * 0.35));
  const log = Math.max(1, Math.floor(body * 0.2));
  return { wide: false, body, left: cols, right: cols, prose, list: 0, log, state: Math.max(1, body - prose - log) };
}

/** State read by key handlers: several keys may arrive in one chunk, before React has
 *  re-rendered, so what they change is kept in refs as well. */
function useRefState<T>(initial: T): [T, (v: T) => void, React.MutableRefObject<T>] {
  const [value, setValue] = useState<T>(initial);
  const ref = useRef<T>(value);
  const set = (v: T) => { ref.current = v; setValue(v); };
  return [value, set, ref];
}

export function LessonScreen(props: LessonScreenProps) {
  const { lesson, size, height, present } = props;
  const [session, setSession] = useState<LessonSession>();
  // The session's: on this machine, blocks for another cgroup layout are left out.
  const stops = session ? session.stops : lesson.stops;
  const [k, setK] = useState<KernelApi | undefined>(props.kernel);
  const [, bump] = useReducer((x: number) => x + 1, 0);
  const [viewing, setViewing, viewingRef] = useRefState(-1);
  const [mode, setMode, modeRef] = useRefState<PanelMode>(props.settings.panel);
  const [pictures, setPictures, picturesRef] = useRefState(props.settings.pictures);
  const [message, setMessage] = useState<string>(text.starting);
  const busyRef = useRef(true);
  const [closing, setClosing, closingRef] = useRefState(false);
  const [panel, setPanelState] = useState<StepResult>();
  const [live, setLive] = useState<Snapshot>();
  const [repl, setRepl, replRef] = useRefState<LineState | null>(null);
  const historyRef = useRef<History>(historyOf(props.settings.history));
  const [, setConfirmReset, confirmRef] = useRefState(false);
  const [proseAt, setProseAt, proseRef] = useRefState(0);
  const [panelAt, setPanelAt, panelRef] = useRefState(0);
  const sessionRef = useRef<LessonSession>(undefined);

  const setPanel = (r: StepResult | undefined) => { setPanelState(r); setLive(undefined); setPanelAt(0); };

  useEffect(() => {
    let alive = true;
    if (!props.kernel) void defaultKernel().then(setK);
    props.openSession(lesson).then(
      (s) => {
        sessionRef.current = s;
        if (!alive) { void s.close(); return; }
        s.onEvent(() => bump());
        setSession(s);
        setMessage(text.notStarted);
        busyRef.current = false;
      },
      (err: unknown) => { setMessage(chalk.red(text.lessonError(failure(err).message))); busyRef.current = false; },
    );
    return () => { alive = false; void sessionRef.current?.close(); };
  }, []);

  const stop = viewing >= 0 ? stops[viewing] : undefined;
  const st = session && viewing >= 0 ? session.state[viewing] : undefined;
  const sub = (s: string) => (session ? session.subst(s, true) : s);

  // A task waiting for the learner is re-checked every two seconds, quietly.
  useEffect(() => {
    if (!session || !stop || stop.kind !== 'task' || st?.status !== 'waiting') return;
    const t = setInterval(() => {
      if (busyRef.current) return;
      void session.recheck(viewing).then((r) => { if (r?.pass) { setMessage(chalk.green(text.taskPassed)); save(); } });
    }, 2000);
    return () => clearInterval(t);
  }, [session, viewing, st?.status]);

  // Pictures are drawn live while they show the lab's latest step: the views with a
  // picture are read again every two seconds (memory climbing, a process appearing).
  const liveViews = (panel?.after ? (Object.keys(panel.after.views) as ViewName[]) : []).filter(hasPicture);
  useEffect(() => {
    if (!pictures || !session || !k || !liveViews.length || viewing !== session.current) return;
    const t = setInterval(() => {
      if (busyRef.current || closingRef.current) return;
      void k.snapshot(session.viewPid, liveViews, session.neighbours).then((snap) => { if (!closingRef.current) setLive(snap); }, () => undefined);
    }, 2000);
    return () => clearInterval(t);
  }, [pictures, session, k, panel, viewing, liveViews.join()]);

  const save = () => {
    const s = sessionRef.current;
    if (!s) return;
    props.saveProgress(lesson.meta.id, { stop: s.current + 1, total: stops.length, done: s.current === stops.length - 1 && s.passed });
  };

  const describe = (r: StepResult | undefined): string => {
    if (!r) return '';
    if (r.ok) return chalk.green(text.stepDone);
    const e = r.error;
    return chalk.red(`${text.stepFailed}: ${e?.message ?? ''}`) + (e?.explain ? `  ${text.why(e.explain)}` : '') + (e?.hint ? `  ${text.tryThis(e.hint)}` : '');
  };

  const checkMessage = (i: number): string => {
    const s = sessionRef.current!;
    const c = s.state[i]?.check;
    const t = stops[i]!;
    if (!c) return '';
    if (c.pass) return chalk.green(text.plainCheckPass(sub(t.title), c.measured ? c.found : undefined));
    const detail = `${text.found(c.found ?? c.error ?? text.nothingFound)}; ${text.expected(c.expected)}`;
    return t.kind === 'task' ? chalk.yellow(`${text.taskWaiting}  ${detail}`) : chalk.red(`✗ ${sub(t.title)} — ${detail}`);
  };

  /** One thing at a time: a key that comes while the lab works is ignored. */
  const act = async (fn: (s: LessonSession) => Promise<void>) => {
    const s = sessionRef.current;
    if (busyRef.current || !s || closingRef.current) return;
    busyRef.current = true;
    try { await fn(s); } catch (err) { setMessage(chalk.red(failure(err).message)); } finally { busyRef.current = false; bump(); }
  };

  /** Put stop i on screen. A check or task has no state of its own to show: the panel
   *  keeps the state as the last step before it left it. */
  const show = (i: number) => {
    const s = sessionRef.current!;
    setViewing(i);
    let j = i;
    while (j > 0 && !s.state[j]?.step) j--;
    setPanel(s.state[j]?.step);
    setProseAt(0);
  };

  const next = () => act(async (s) => {
    const v = viewingRef.current;
    if (v < s.current) {
      show(v + 1);
      const sv = s.state[v + 1];
      setMessage(sv?.status === 'skipped' ? chalk.yellow(text.skipped(sv.missing ?? [])) : s.stops[v + 1]?.kind === 'step' ? describe(sv?.step) : checkMessage(v + 1));
      return;
    }
    const cur = s.current >= 0 ? stops[s.current] : undefined;
    if (cur?.kind === 'task' && !['passed', 'skipped'].includes(s.state[s.current]?.status ?? '')) { setMessage(chalk.yellow(text.mustFinishTask)); return; }
    const i = s.current + 1;
    if (i >= stops.length) { setMessage(chalk.green(text.lessonDone)); return; }
    setMessage(text.running(sub(stops[i]!.title)));
    const r = await s.runStop(i);
    show(i);
    setMessage(r.status === 'skipped' ? chalk.yellow(text.skipped(r.missing ?? [])) : stops[i]!.kind === 'step' ? describe(r.step) : checkMessage(i));
    save();
  });

  const prev = () => {
    const s = sessionRef.current;
    const v = viewingRef.current;
    if (!s || busyRef.current) return;
    if (v <= 0) { setMessage(text.atFirstStop); return; }
    show(v - 1);
    setMessage(text.viewingPast(v, s.current + 1));
  };

  const check = () => act(async (s) => {
    const v = viewingRef.current;
    if (v < 0 || stops[v]!.kind === 'step') return;
    await s.recheck(v);
    setMessage(checkMessage(v));
    save();
  });

  const hint = () => {
    const s = sessionRef.current;
    const v = viewingRef.current;
    setMessage(s && stops[v]?.kind === 'task' ? chalk.yellow(text.hint(s.hint(v))) : text.noHint);
  };

  const solve = () => act(async (s) => {
    const v = viewingRef.current;
    const t = stops[v];
    if (!t || t.kind !== 'task') return;
    if (!t.solution) { setMessage(text.noSolution); return; }
    const r = await s.solve(v);
    setPanel(r);
    setMessage(r?.ok ? `${text.solvedWith} ${checkMessage(v)}` : describe(r));
    save();
  });

  const reset = () => act(async (s) => {
    setMessage(text.closing);
    await s.reset();
    setViewing(-1);
    setPanel(undefined);
    setProseAt(0);
    setMessage(text.resetDone);
  });

  const openShell = () => act(async (s) => {
    const pid = Number(s.vars.pid);
    if (!(pid > 0)) { setMessage(text.shellNoContainer); return; }
    if (!props.shell || !k) return;
    // Read the state before and after: the panel shows what the learner changed inside.
    const views = s.lastViews;
    const before = await k.snapshot(s.viewPid, views, s.neighbours).catch(() => undefined);
    props.shell(pid);
    const after = await k.snapshot(s.viewPid, views, s.neighbours).catch(() => undefined);
    setPanel({ ok: true, before, after, diff: before && after ? k.diff(before, after) : undefined, log: [] });
    setMessage(text.shellBack);
    const v = viewingRef.current;
    if (v >= 0 && stops[v]!.kind !== 'step') {
      await s.recheck(v);
      setMessage(checkMessage(v));
      save();
    }
  });

  const runRepl = (line: string) => act(async (s) => {
    if (!line.trim()) return;
    historyRef.current = historyAdd(historyRef.current, line);
    props.saveSettings({ history: historyRef.current.lines });
    const r = await s.repl(line);
    setPanel(r);
    setMessage(r.ok ? chalk.green(text.replOk(line.trim().split(/\s+/)[0]!)) : describe(r));
    const v = viewingRef.current;
    if (v >= 0 && stops[v]!.kind === 'task') {
      await s.recheck(v);
      if (s.state[v]?.check?.pass) setMessage(chalk.green(text.taskPassed));
      save();
    }
  });

  const leave = async (all: boolean) => {
    if (closingRef.current) return;
    setClosing(true);
    setMessage(text.closing);
    await sessionRef.current?.close();
    if (all) props.onQuit(EXIT_CTRL_C); else props.onBack();
  };

  // ---------------------------------------------------------------- keys
  const layout = lessonLayout(size, height, present, stops.length);
  const proseMax = useRef(0);
  const panelMax = useRef(0);
  const scroll = (set: (n: number) => void, ref: React.MutableRefObject<number>, max: number, by: number) =>
    set(Math.max(0, Math.min(max, ref.current + by)));

  const replKey = (input: string, key: Key) => {
    const line = replRef.current!;
    if (key.escape) { setRepl(null); setMessage(''); return; }
    if (key.return) { setRepl(EMPTY_LINE); historyRef.current = { ...historyRef.current, pos: historyRef.current.lines.length }; void runRepl(line.text); return; }
    if (key.tab) {
      const s = sessionRef.current;
      const c = complete(line, { containers: s?.containerNames ?? [], netns: k?.labNetns() ?? [], vars: s?.vars ?? {} });
      setRepl({ text: c.text, cursor: c.cursor });
      if (c.candidates.length) setMessage(text.replCandidates(c.candidates));
      return;
    }
    if (key.upArrow || key.downArrow) {
      const m = historyMove(historyRef.current, line.text, key.upArrow ? -1 : 1);
      historyRef.current = m.history;
      setRepl({ text: m.text, cursor: m.text.length });
      return;
    }
    const edited = editLine(line, input, key);
    if (edited) setRepl(edited);
  };

  const lessonKey = (a: LessonAction) => {
    switch (a) {
      case 'next': void next(); break;
      case 'prev': prev(); break;
      case 'check': void check(); break;
      case 'hint': hint(); break;
      case 'solve': void solve(); break;
      case 'reset':
        if (sessionRef.current && !busyRef.current) { setConfirmReset(true); setMessage(chalk.yellow(text.resetConfirm)); }
        break;
      case 'diff': {
        // From pictures, d goes back to the tables as they were; among tables it toggles.
        const m = picturesRef.current ? modeRef.current : modeRef.current === 'diff' ? 'side' : 'diff';
        setMode(m);
        setPictures(false);
        props.saveSettings({ panel: m, pictures: false });
        break;
      }
      case 'picture': { const p = !picturesRef.current; setPictures(p); setLive(undefined); props.saveSettings({ pictures: p }); break; }
      case 'shell': void openShell(); break;
      case 'repl': if (sessionRef.current) { setRepl(EMPTY_LINE); setMessage(text.replHelp); } break;
      case 'help': props.onHelp(); break;
      case 'quit': void leave(false); break;
      case 'up': scroll(setProseAt, proseRef, proseMax.current, -3); break;
      case 'down': scroll(setProseAt, proseRef, proseMax.current, 3); break;
      case 'pageUp': scroll(setPanelAt, panelRef, panelMax.current, -Math.max(1, layout.state - 2)); break;
      case 'pageDown': scroll(setPanelAt, panelRef, panelMax.current, Math.max(1, layout.state - 2)); break;
    }
  };

  useInput((input, key) => {
    for (const [i, kk] of splitKeys(input, key)) {
      if (closingRef.current) return;
      if (kk.ctrl && i === 'c') { void leave(true); return; }
      if (replRef.current !== null) { replKey(i, kk); continue; }
      if (confirmRef.current) {
        setConfirmReset(false);
        if (i === 'x') void reset(); else setMessage(text.resetKept);
        continue;
      }
      const a = lessonAction(i, kk);
      if (a) lessonKey(a);
    }
  }, { isActive: !props.cover });
  if (props.cover) return <>{props.cover}</>;

  // ---------------------------------------------------------------- layout
  const { cols } = size;
  const counter = text.stepOf(Math.max(0, viewing + 1), stops.length);
  const strip = stops.map((_, i) => (i === viewing ? text.selected : STATUS_ICON[session?.state[i]?.status ?? 'pending'])).join('');
  const header = present
    ? `${chalk.bold(lesson.meta.title)}   ${chalk.bold.inverse(` ${text.presentCounter(Math.max(0, viewing + 1), stops.length)} `)}`
    : `${chalk.bold(lesson.meta.title)} ${chalk.dim('·')} ${text.chapter(lesson.chapterNumber, lesson.meta.chapter)} ${chalk.dim('·')} ${chalk.bold(counter)}${layout.wide ? '' : `  ${strip}`}`;

  const prose = (w: number): string[] => {
    const s = stop ?? stops[0];
    if (!s) return [];
    const lines = [chalk.bold(`${stop ? STATUS_ICON[st?.status ?? 'pending'] + ' ' : ''}${text.kinds[s.kind]}: ${sub(s.title)}`), ''];
    lines.push(...markdownLines(sub(s.prose), w));
    if (viewing === stops.length - 1 && lesson.outro && st?.status !== 'pending') lines.push('', ...markdownLines(sub(lesson.outro), w));
    if (!present && stop?.notes.length) lines.push('', chalk.dim(text.notesTitle + ':'), ...stop.notes.flatMap((n) => markdownLines(sub(n), w).map((l) => chalk.dim(l))));
    return lines;
  };

  const region = (lines: string[], at: number, h: number, max: React.MutableRefObject<number>) => {
    max.current = Math.max(0, lines.length - h);
    return windowLines(lines, at, h).lines;
  };
  const proseLines = (w: number) => region(prose(w), proseAt, layout.prose, proseMax);
  const stateLines = (w: number) =>
    region(k ? panelLines({ result: panel, live, mode, pictures, width: w, kernel: k }) : [text.noState], panelAt, layout.state, panelMax);
  const log = (h: number) => {
    const lines = logLines(session?.log ?? []);
    return [chalk.bold(text.logTitle), ...(lines.length ? windowLines(lines, -1, h - 1).lines : [text.logEmpty])];
  };

  let content: React.ReactNode;
  if (layout.wide) {
    const listStart = Math.max(0, Math.min(viewing - Math.floor(layout.list / 2), stops.length - layout.list));
    content = (
      <Box flexDirection="row" height={layout.body}>
        <Box flexDirection="column" width={layout.left}>
          <Lines lines={proseLines(layout.left - 1)} height={layout.prose} width={layout.left} />
          <Lines lines={[chalk.dim('─'.repeat(layout.left - 1))]} height={1} width={layout.left} />
          <Lines lines={stepListLines(stops, session?.state, viewing, sub).slice(listStart)} height={layout.list} width={layout.left} />
        </Box>
        <Lines lines={Array.from({ length: layout.body }, () => chalk.dim('│'))} height={layout.body} width={2} />
        <Box flexDirection="column" width={layout.right}>
          <Lines lines={stateLines(layout.right)} height={layout.state} width={layout.right} />
          <Lines lines={log(layout.log)} height={layout.log} width={layout.right} />
        </Box>
      </Box>
    );
  } else {
    content = (
      <Box flexDirection="column" height={layout.body}>
        <Lines lines={proseLines(cols)} height={layout.prose} width={cols} />
        <Lines lines={stateLines(cols)} height={layout.state} width={cols} />
        <Lines lines={log(layout.log)} height={layout.log} width={cols} />
      </Box>
    );
  }

  const prompt = repl ? `${text.replPrompt}${cursorAt(repl)}` : undefined;
  return (
    <Box flexDirection="column" width={cols} height={height}>
      <Text wrap="truncate-end">{header}</Text>
      {content}
      <Text wrap="truncate-end">{(closing ? text.closing : message) || ' '}</Text>
      <Text wrap="truncate-end" dimColor={!prompt}>{prompt ?? (present ? text.presentKeys : text.lessonKeys)}</Text>
    </Box>
  );
}

/** The line with its cursor drawn: inverse where there is colour, a bar where not. */
function cursorAt(l: LineState): string {
  const before = l.text.slice(0, l.cursor);
  const at = l.text[l.cursor];
  if (chalk.level === 0) return `${before}▏${l.text.slice(l.cursor)}`;
  return `${before}${chalk.inverse(at ?? ' ')}${at === undefined ? '' : l.text.slice(l.cursor + 1)}`;
}
