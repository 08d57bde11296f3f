// The lesson screen: the prose of the step on screen, the step list, the kernel state
// panel (changes, before | after, or pictures), the syscall log, a message line and the
// key bar - or the REPL's prompt. Every region gets a fixed number of lines from the
// terminal's size (lessonLayout), so a frame is never taller than the screen.
import React, { useCallback, useEffect, useRef, useState, useSyncExternalStore } from 'react';
import { Box, Text, useInput, type Key } from 'ink';
import chalk from 'chalk';
import type { Lesson } from '../lessons/schema.ts';
import { failure, type LessonPort, type LessonState, type StepResult } from '../lessons/port.ts';
import { substitute } from '../lessons/scope.ts';
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
import { lessons as engineText, ui as text } from '../text/index.ts';
import { Lines, type Size } from './lines.tsx';

export interface LessonScreenProps {
  lesson: Lesson;
  size: Size;
  /** lines the screen may use */
  height: number;
  present: boolean;
  openSession: (lesson: Lesson) => Promise<LessonPort>;
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

/** What the screen itself shows, beside the lesson's state: key handlers read it from
 *  the ref (several keys may arrive in one chunk, before React has re-rendered). */
interface Screen {
  /** the stop on screen (-1: before the first) */
  viewing: number;
  mode: PanelMode;
  pictures: boolean;
  message: string;
  closing: boolean;
  /** what the state panel shows: a step's result, the REPL's, the container shell's */
  panel?: StepResult;
  /** a fresh reading of the panel's views (pictures are drawn live) */
  live?: Snapshot;
  /** the REPL's line while it is open */
  repl: LineState | null;
  history: History;
  confirmReset: boolean;
  proseAt: number;
  panelAt: number;
}

function useScreen(initial: () => Screen): [Screen, (change: Partial<Screen>) => void, React.MutableRefObject<Screen>] {
  const [screen, setScreen] = useState(initial);
  const ref = useRef(screen);
  const update = useCallback((change: Partial<Screen>) => { ref.current = { ...ref.current, ...change }; setScreen(ref.current); }, []);
  return [screen, update, ref];
}

/** The lesson's latest published state (undefined until it has started). */
function useLessonState(port: LessonPort | undefined): LessonState | undefined {
  const subscribe = useCallback((changed: () => void) => {
    const stop = port?.onEvent(changed);
    return () => { stop?.(); };
  }, [port]);
  return useSyncExternalStore(subscribe, () => port?.state);
}

export function LessonScreen(props: LessonScreenProps) {
  const { lesson, size, height, present } = props;
  const [port, setPort] = useState<LessonPort>();
  const portRef = useRef<LessonPort>(undefined);
  const state = useLessonState(port);
  const [k, setK] = useState<KernelApi | undefined>(props.kernel);
  const [screen, update, screenRef] = useScreen(() => ({
    viewing: -1, mode: props.settings.panel, pictures: props.settings.pictures, message: text.starting, closing: false,
    repl: null, history: historyOf(props.settings.history), confirmReset: false, proseAt: 0, panelAt: 0,
  }));
  const busyRef = useRef(true);
  const { viewing, mode, pictures, panel, live, repl, proseAt, panelAt } = screen;
  // The session's: on this machine, blocks for another cgroup layout are left out.
  const stops = state ? state.lesson.stops : lesson.stops;

  const say = (message: string) => update({ message });
  const setPanel = (r: StepResult | undefined) => update({ panel: r, live: undefined, panelAt: 0 });

  useEffect(() => {
    let alive = true;
    if (!props.kernel) void defaultKernel().then(setK);
    props.openSession(lesson).then(
      (s) => {
        portRef.current = s;
        if (!alive) { void s.close(); return; }
        setPort(s);
        say(text.notStarted);
        busyRef.current = false;
      },
      (err: unknown) => { say(chalk.red(text.lessonError(failure(err).message))); busyRef.current = false; },
    );
    return () => { alive = false; void portRef.current?.close(); };
  }, []);

  const stop = viewing >= 0 ? stops[viewing] : undefined;
  const st = viewing >= 0 ? state?.stops[viewing] : undefined;
  const sub = (s: string) => (state ? substitute(s, state.vars, true) : s);

  // A task waiting for the learner is re-checked every two seconds, quietly.
  useEffect(() => {
    if (!port || !stop || stop.kind !== 'task' || st?.status !== 'waiting') return;
    const t = setInterval(() => {
      if (busyRef.current) return;
      void port.recheck(viewing).then((r) => { if (r?.pass) { say(chalk.green(text.taskPassed)); save(); } });
    }, 2000);
    return () => clearInterval(t);
  }, [port, viewing, st?.status]);

  // Pictures are drawn live while they show the lab's latest step: the views with a
  // picture are read again every two seconds (memory climbing, a process appearing).
  const liveViews = (panel?.after ? (Object.keys(panel.after.views) as ViewName[]) : []).filter(hasPicture);
  useEffect(() => {
    if (!pictures || !port || !liveViews.length || viewing !== state?.current) return;
    const t = setInterval(() => {
      if (busyRef.current || screenRef.current.closing) return;
      void port.observe(liveViews).then((snap) => { if (snap && !screenRef.current.closing) update({ live: snap }); });
    }, 2000);
    return () => clearInterval(t);
  }, [pictures, port, panel, viewing, liveViews.join()]);

  const save = () => {
    const now = portRef.current?.state;
    if (!now) return;
    const total = now.lesson.stops.length;
    props.saveProgress(lesson.meta.id, { stop: now.current + 1, total, done: now.current === total - 1 && now.passed });
  };

  const describe = (r: StepResult | undefined): string => {
    if (!r) return '';
    if (r.ok) return chalk.green(text.stepDone);
    const e = r.error;
    return chalk.red(`${text.stepFailed}: ${e?.message ?? ''}`) + (e?.explain ? `  ${text.why(e.explain)}` : '') + (e?.hint ? `  ${text.tryThis(e.hint)}` : '');
  };

  /** What the check (or task) i found, in the message line. */
  const checkMessage = (now: LessonState, i: number): string => {
    const t = now.lesson.stops[i]!;
    const c = now.stops[i]?.check;
    if (!c) return '';
    const title = substitute(t.title, now.vars, true);
    if (c.pass) return chalk.green(text.plainCheckPass(title, c.measured ? c.found : undefined));
    const detail = `${text.found(c.found ?? c.error ?? text.nothingFound)}; ${text.expected(c.expected)}`;
    return t.kind === 'task' ? chalk.yellow(`${text.taskWaiting}  ${detail}`) : chalk.red(text.checkFailedBecause(title, detail));
  };

  /** What stop i came to, in the message line. */
  const stopMessage = (now: LessonState, i: number): string => {
    const s = now.stops[i];
    if (s?.status === 'skipped') return chalk.yellow(text.skipped(s.missing ?? []));
    return now.lesson.stops[i]!.kind === 'step' ? describe(s?.step) : checkMessage(now, i);
  };

  /** One thing at a time: a key that comes while the lab works is ignored. */
  const act = async (fn: (s: LessonPort) => Promise<void>) => {
    const s = portRef.current;
    if (busyRef.current || !s || screenRef.current.closing) return;
    busyRef.current = true;
    try { await fn(s); } catch (err) { say(chalk.red(failure(err).message)); } finally { busyRef.current = false; }
  };

  /** Put stop i on screen. A check or task has no state of its own to show: the panel
   *  keeps the state as the last step before it left it. */
  const show = (now: LessonState, i: number) => {
    let j = i;
    while (j > 0 && !now.stops[j]?.step) j--;
    update({ viewing: i, panel: now.stops[j]?.step, live: undefined, panelAt: 0, proseAt: 0 });
  };

  const next = () => act(async (s) => {
    const v = screenRef.current.viewing;
    const now = s.state;
    if (v < now.current) {
      show(now, v + 1);
      say(stopMessage(now, v + 1));
      return;
    }
    const cur = now.current >= 0 ? now.lesson.stops[now.current] : undefined;
    if (cur?.kind === 'task' && !['passed', 'skipped'].includes(now.stops[now.current]?.status ?? '')) { say(chalk.yellow(text.mustFinishTask)); return; }
    const i = now.current + 1;
    if (i >= now.lesson.stops.length) { say(chalk.green(text.lessonDone)); return; }
    say(text.running(substitute(now.lesson.stops[i]!.title, now.vars, true)));
    await s.runStop(i);
    show(s.state, i);
    say(stopMessage(s.state, i));
    save();
  });

  const prev = () => {
    const s = portRef.current;
    const v = screenRef.current.viewing;
    if (!s || busyRef.current) return;
    if (v <= 0) { say(text.atFirstStop); return; }
    show(s.state, v - 1);
    say(text.viewingPast(v, s.state.current + 1));
  };

  /** Check the stop on screen again (after the learner acted), if it is a check or task. */
  const recheckShown = async (s: LessonPort, onlyTask = false) => {
    const v = screenRef.current.viewing;
    const kind = v >= 0 ? s.state.lesson.stops[v]!.kind : 'step';
    if (kind === 'step' || (onlyTask && kind !== 'task')) return false;
    await s.recheck(v);
    return true;
  };

  const check = () => act(async (s) => {
    if (!(await recheckShown(s))) return;
    say(checkMessage(s.state, screenRef.current.viewing));
    save();
  });

  const hint = () => {
    const s = portRef.current;
    const v = screenRef.current.viewing;
    say(s && stops[v]?.kind === 'task' ? chalk.yellow(text.hint(s.hint(v))) : engineText.noHint);
  };

  const solve = () => act(async (s) => {
    const v = screenRef.current.viewing;
    const t = s.state.lesson.stops[v];
    if (!t || t.kind !== 'task') return;
    if (!t.solution) { say(text.noSolution); return; }
    const r = await s.solve(v);
    setPanel(r);
    say(r?.ok ? `${text.solvedWith} ${checkMessage(s.state, v)}` : describe(r));
    save();
  });

  const reset = () => act(async (s) => {
    say(text.closing);
    await s.reset();
    update({ viewing: -1, panel: undefined, live: undefined, panelAt: 0, proseAt: 0, message: text.resetDone });
  });

  const openShell = () => act(async (s) => {
    const pid = Number(s.state.vars.pid);
    if (!(pid > 0)) { say(text.shellNoContainer); return; }
    if (!props.shell || !k) return;
    // Read the state before and after: the panel shows what the learner changed inside.
    const views = s.state.lastViews;
    const before = await s.observe(views);
    props.shell(pid);
    const after = await s.observe(views);
    setPanel({ ok: true, before, after, diff: before && after ? k.diff(before, after) : undefined, log: [] });
    say(text.shellBack);
    if (await recheckShown(s)) {
      say(checkMessage(s.state, screenRef.current.viewing));
      save();
    }
  });

  const runRepl = (line: string) => act(async (s) => {
    if (!line.trim()) return;
    const history = historyAdd(screenRef.current.history, line);
    update({ history });
    props.saveSettings({ history: history.lines });
    const r = await s.repl(line);
    setPanel(r);
    say(r.ok ? chalk.green(text.replOk(line.trim().split(/\s+/)[0]!)) : describe(r));
    if (await recheckShown(s, true)) {
      if (s.state.stops[screenRef.current.viewing]?.check?.pass) say(chalk.green(text.taskPassed));
      save();
    }
  });

  const leave = async (all: boolean) => {
    if (screenRef.current.closing) return;
    update({ closing: true, message: text.closing });
    await portRef.current?.close();
    if (all) props.onQuit(EXIT_CTRL_C); else props.onBack();
  };

  // ---------------------------------------------------------------- keys
  const layout = lessonLayout(size, height, present, stops.length);
  /** How far the prose and the panel can scroll, as last drawn. */
  const scrollMax = useRef({ prose: 0, panel: 0 });
  const scroll = (which: 'prose' | 'panel', by: number) => {
    const at = which === 'prose' ? 'proseAt' : 'panelAt';
    update({ [at]: Math.max(0, Math.min(scrollMax.current[which], screenRef.current[at] + by)) });
  };

  const replKey = (input: string, key: Key) => {
    const { repl: line, history } = screenRef.current;
    if (!line) return;
    if (key.escape) { update({ repl: null, message: '' }); return; }
    if (key.return) { update({ repl: EMPTY_LINE, history: { ...history, pos: history.lines.length } }); void runRepl(line.text); return; }
    if (key.tab) {
      const now = portRef.current?.state;
      const c = complete(line, { containers: [...(now?.containers ?? [])], netns: k?.labNetns() ?? [], vars: now?.vars ?? {} });
      update({ repl: { text: c.text, cursor: c.cursor } });
      if (c.candidates.length) say(text.replCandidates(c.candidates));
      return;
    }
    if (key.upArrow || key.downArrow) {
      const m = historyMove(history, line.text, key.upArrow ? -1 : 1);
      update({ history: m.history, repl: { text: m.text, cursor: m.text.length } });
      return;
    }
    const edited = editLine(line, input, key);
    if (edited) update({ repl: edited });
  };

  const lessonKey = (a: LessonAction) => {
    const now = screenRef.current;
    switch (a) {
      case 'next': void next(); break;
      case 'prev': prev(); break;
      case 'check': void check(); break;
      case 'hint': hint(); break;
      case 'solve': void solve(); break;
      case 'reset':
        if (portRef.current && !busyRef.current) update({ confirmReset: true, message: chalk.yellow(text.resetConfirm) });
        break;
      case 'diff': {
        // From pictures, d goes back to the tables as they were; among tables it toggles.
        const m = now.pictures ? now.mode : now.mode === 'diff' ? 'side' : 'diff';
        update({ mode: m, pictures: false });
        props.saveSettings({ panel: m, pictures: false });
        break;
      }
      case 'picture': { const p = !now.pictures; update({ pictures: p, live: undefined }); props.saveSettings({ pictures: p }); break; }
      case 'shell': void openShell(); break;
      case 'repl': if (portRef.current) update({ repl: EMPTY_LINE, message: text.replHelp }); break;
      case 'help': props.onHelp(); break;
      case 'quit': void leave(false); break;
      case 'up': scroll('prose', -3); break;
      case 'down': scroll('prose', 3); break;
      case 'pageUp': scroll('panel', -Math.max(1, layout.state - 2)); break;
      case 'pageDown': scroll('panel', Math.max(1, layout.state - 2)); break;
    }
  };

  useInput((input, key) => {
    for (const [i, kk] of splitKeys(input, key)) {
      if (screenRef.current.closing) return;
      if (kk.ctrl && i === 'c') { void leave(true); return; }
      if (screenRef.current.repl !== null) { replKey(i, kk); continue; }
      if (screenRef.current.confirmReset) {
        update({ confirmReset: false });
        if (i === 'x') void reset(); else say(text.resetKept);
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
  const strip = stops.map((_, i) => (i === viewing ? text.selected : STATUS_ICON[state?.stops[i]?.status ?? 'pending'])).join('');
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

  const region = (lines: string[], at: number, h: number, which: 'prose' | 'panel') => {
    scrollMax.current[which] = Math.max(0, lines.length - h);
    return windowLines(lines, at, h).lines;
  };
  const proseLines = (w: number) => region(prose(w), proseAt, layout.prose, 'prose');
  const stateLines = (w: number) =>
    region(k ? panelLines({ result: panel, live, mode, pictures, width: w, kernel: k }) : [text.noState], panelAt, layout.state, 'panel');
  const log = (h: number) => {
    const lines = logLines(state?.log ?? []);
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
          <Lines lines={stepListLines(stops, state?.stops, viewing, sub).slice(listStart)} height={layout.list} width={layout.left} />
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
      <Text wrap="truncate-end">{(screen.closing ? text.closing : screen.message) || ' '}</Text>
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
