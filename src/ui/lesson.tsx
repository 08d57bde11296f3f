// The lesson screen: the prose of the step on screen, the step list, the kernel state
// panel (changes, before | after, or pictures), the syscall log, the message (wrapped,
// never cut: a hint holds the command to type) and the key bar - or the REPL's prompt,
// or a prediction's. Every region gets a fixed number of lines from the terminal's size
// (lessonLayout), so a frame is never taller than the screen. A step with a prediction
// asks it before it runs (keys 1-9, or a number); a challenge runs its setup as it
// opens and keeps it folded until it is solved (learn.ts).
import React, { useCallback, useEffect, useRef, useState, useSyncExternalStore } from 'react';
import { Box, Text, useInput, type Key } from 'ink';
import chalk from 'chalk';
import type { Lesson } from '../lessons/schema.ts';
import { failure, type LessonPort, type LessonState, type StepResult } from '../lessons/port.ts';
import { abbreviate, shortNames, substitute } from '../lessons/scope.ts';
import { kernel as defaultKernel, type KernelApi } from '../lessons/kernel.ts';
import type { Snapshot, ViewName } from '../kernel/types.ts';
import { complete } from './complete.ts';
import { EXIT_CTRL_C, KEY_BAR, KEY_LABELS, lessonAction, splitKeys, type LessonAction } from './keys.ts';
import { wrapStyled } from './draw.ts';
import { editLine, EMPTY_LINE, historyAdd, historyMove, historyOf, type History, type LineState } from './line-edit.ts';
import { markdownLines } from './markdown.ts';
import { legendLines, logLines, panelLines, STATUS_ICON, stepListLines, windowLines, type PanelMode } from './panel.ts';
import { hasPicture } from './pictures/index.ts';
import { lessonRecord, type LessonProgress } from './progress.ts';
import { challengeSolved, hintLines, predictionLines, predictionMessage, setupFolded, setupSteps, shownLog, shownStops, statementLines } from './learn.ts';
import type { Settings } from './settings.ts';
import { lessons as engineText, ui as text } from '../text/index.ts';
import { Lines, type Size } from './lines.tsx';

export interface LessonScreenProps {
  lesson: Lesson;
  size: Size;
  /** lines the screen may use */
  height: number;
  present: boolean;
  /** Show the lessons' speaker notes (a presenter's own screen: --notes, or N). */
  notes?: boolean;
  /** Where the learner got to last time: offered to resume there. */
  resume?: LessonProgress;
  openSession: (lesson: Lesson) => Promise<LessonPort>;
  /** Give the terminal to a shell inside the container (pid on the host), with `env`
   *  set; returns when it exits. Absent where there is no terminal to give (tests). */
  shell?: (pid: number, env: Record<string, string>) => void;
  settings: Settings;
  saveSettings: (change: Partial<Settings>) => void;
  saveProgress: (id: string, p: Omit<LessonProgress, 'at'>) => void;
  /** Drawn instead of the lesson while it covers it (the help); keys go to it then. */
  cover?: React.ReactNode;
  onHelp: () => void;
  onBack: () => void;
  /** The chapter's last lesson is done and the learner asked for the chapter's end. */
  onChapterEnd?: () => void;
  onQuit: (code?: number) => void;
  kernel?: KernelApi;
}

export interface LessonLayout {
  wide: boolean;
  body: number;
  left: number;
  right: number;
  prose: number;
  /** the prose's width: a readable measure, never the whole of a wide screen */
  measure: number;
  list: number;
  state: number;
  log: number;
}

/** About as many columns as a line of a book: prose wider than this is hard to read,
 *  on a projector most of all. */
export const PROSE_MEASURE = 80;

/** `total` lines for regions wanting these shares, each at least one line (while
 *  there are lines), adding up to exactly `total`. */
function share(total: number, shares: number[]): number[] {
  const out = shares.map((s) => Math.max(1, Math.floor(total * s)));
  while (out.reduce((a, b) => a + b, 0) > total && out.some((n) => n > 1)) out[out.indexOf(Math.max(...out))]! -= 1;
  out.push(Math.max(0, total - out.reduce((a, b) => a + b, 0)));
  return out;
}

/** How many lines and columns each region gets, below the header and above the message
 *  and key bar (`chrome`: their lines). Wide terminals put the prose and step list
 *  beside the state panel and log; narrow ones stack prose, state and log. The
 *  presenter's screen has no step list: at 140 columns and more the prose (at a
 *  readable measure) stands beside the panel, below that above it. */
export function lessonLayout(size: Size, height: number, present: boolean, stops: number, chrome = 2): LessonLayout {
  const body = Math.max(3, height - 1 - chrome);
  const cols = size.cols;
  if (present && cols >= 140) {
    const left = Math.min(PROSE_MEASURE + 2, Math.floor(cols * 0.45));
    const [log, state] = share(body, [0.25]) as [number, number];
    return { wide: true, body, left, right: cols - left - 2, prose: body, measure: left - 2, list: 0, log, state };
  }
  if (present) {
    const [prose, log, state] = share(body, [0.45, 0.15]) as [number, number, number];
    return { wide: false, body, left: cols, right: cols, prose, measure: Math.min(cols, PROSE_MEASURE), list: 0, log, state };
  }
  if (cols >= 100) {
    const left = Math.min(PROSE_MEASURE + 4, Math.floor(cols * 0.45));
    const list = Math.min(stops, Math.max(3, Math.floor(body / 4)), Math.max(0, body - 2));
    const [log, state] = share(body, [1 / 3]) as [number, number];
    return { wide: true, body, left, right: cols - left - 2, prose: Math.max(1, body - list - 1), measure: left - 1, list, log, state };
  }
  const [prose, log, state] = share(body, [0.35, 0.2]) as [number, number, number];
  return { wide: false, body, left: cols, right: cols, prose, measure: cols, list: 0, log, state };
}

/** What the screen itself shows, beside the lesson's state: key handlers read it from
 *  the ref (several keys may arrive in one chunk, before React has re-rendered). */
interface Screen {
  /** the stop on screen (-1: before the first) */
  viewing: number;
  mode: PanelMode;
  pictures: boolean;
  /** what the lab says (may be several lines; drawn wrapped) */
  message: string;
  closing: boolean;
  /** what the state panel shows: a step's result, the REPL's, the container shell's */
  panel?: StepResult;
  /** the stop whose state the panel shows, when not the one on screen (it read none) */
  panelFrom?: number;
  /** speaker notes shown */
  notes: boolean;
  /** stops to run again to resume where the learner left off (0: not offered) */
  resumable: number;
  /** a fresh reading of the panel's views (pictures are drawn live) */
  live?: Snapshot;
  /** the REPL's line while it is open */
  repl: LineState | null;
  /** the step whose prediction the lab is asking, and the number typed so far */
  asking: { index: number; typed: string } | null;
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
    repl: null, asking: null, history: historyOf(props.settings.history), confirmReset: false, proseAt: 0, panelAt: 0,
    notes: props.notes === true, resumable: 0,
  }));
  const busyRef = useRef(true);
  const { viewing, mode, pictures, panel, live, repl, asking, proseAt, panelAt } = screen;
  // The session's: on this machine, blocks for another cgroup layout are left out.
  const stops = state ? state.lesson.stops : lesson.stops;

  const say = (message: string) => update({ message });
  const setPanel = (r: StepResult | undefined) => update({ panel: r, panelFrom: undefined, live: undefined, panelAt: 0 });

  useEffect(() => {
    let alive = true;
    if (!props.kernel) void defaultKernel().then(setK);
    props.openSession(lesson).then(
      (s) => {
        portRef.current = s;
        if (!alive) { void s.close(); return; }
        setPort(s);
        // Resume where the learner got to, if the lesson is the same length as then.
        const last = props.resume;
        const total = s.state.lesson.stops.length;
        const resumable = last && !last.done && last.total === total && last.stop > 1 && last.stop <= total ? last.stop : 0;
        // Shown in English though another language was asked for: said once, first.
        const tr = lesson.translation;
        const english = tr && tr.status !== 'fresh' ? chalk.yellow(engineText.translation.notice(tr.status, engineText.translation.languageName(tr.lang))) : undefined;
        update({ resumable, message: english ?? (resumable ? text.resumeOffer(resumable, total) : text.notStarted) });
        busyRef.current = false;
        void act(setUp);
      },
      (err: unknown) => { say(chalk.red(text.lessonError(failure(err).message))); busyRef.current = false; },
    );
    return () => { alive = false; void portRef.current?.close(); };
  }, []);

  const stop = viewing >= 0 ? stops[viewing] : undefined;
  const st = viewing >= 0 ? state?.stops[viewing] : undefined;
  // The lab's long paths as short names ($LAB/upper); what each is, under the panel.
  const names = shortNames(state?.vars ?? {});
  const short = (s: string) => abbreviate(s, names);
  /** A lesson's text with its ${variables} as stop i left them (the stop on screen by
   *  default): a second container does not change what an earlier check was about. */
  const sub = (s: string, i = viewing) => {
    const vars = (i >= 0 ? state?.stops[i]?.vars : undefined) ?? state?.vars;
    return short(vars ? substitute(s, vars, true) : s);
  };

  // A task waiting for the learner is re-checked every two seconds, quietly. Done from
  // elsewhere (a host shell), the panel shows the kernel as it is now.
  useEffect(() => {
    if (!port || !stop || stop.kind !== 'task' || st?.status !== 'waiting') return;
    const t = setInterval(() => {
      if (busyRef.current) return;
      void port.recheck(viewing).then(async (r) => {
        if (!r?.pass) return;
        await showNow(port, stop.views.length ? stop.views : port.state.lastViews);
        say(passedMessage(port.state));
        save();
      });
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

  /** The panel: the kernel now against what it showed, for `views`. */
  const showNow = async (s: LessonPort, views: readonly ViewName[]) => {
    const was = screenRef.current.panel?.after;
    const now = await s.observe(views);
    if (!now || !k) return;
    const before = was && { ...was, views: Object.fromEntries(views.filter((v) => was.views[v]).map((v) => [v, was.views[v]])) };
    setPanel({ ok: true, before, after: now, diff: before ? k.diff(before, now) : undefined, log: [] });
  };

  const save = () => {
    const now = portRef.current?.state;
    if (!now) return;
    const total = now.lesson.stops.length;
    props.saveProgress(lesson.meta.id, { stop: now.current + 1, total, done: now.current === total - 1 && now.passed, ...lessonRecord(now) });
  };

  /** A task passed: in a challenge whose last task it was, the setup unfolds. */
  const passedMessage = (now: LessonState) =>
    chalk.green(lesson.meta.kind === 'challenge' && challengeSolved(now) ? text.challengeSolved : text.taskPassed);

  /** A challenge sets its scene as it opens (and after a reset): its setup steps run, the
   *  state panel shows the state they left, not their diff (that would name the fault). */
  const setUp = async (s: LessonPort) => {
    const steps = setupSteps(s.state.lesson.stops);
    if (!steps.length) return;
    say(text.settingScene);
    for (const i of steps) {
      const st = await s.runStop(i);
      if (st.status === 'failed') { show(s.state, i); say(describe(st.step)); return; }
    }
    const now = await s.observe(s.state.lastViews);
    update({ viewing: steps.at(-1)!, panel: now && { ok: true, after: now, log: [] }, live: undefined, panelAt: 0, proseAt: 0 });
    say(text.sceneSet);
  };

  const describe = (r: StepResult | undefined): string => {
    if (!r) return '';
    if (r.ok) return chalk.green(text.stepDone);
    const e = r.error;
    return [chalk.red(`${text.stepFailed}: ${short(e?.message ?? '')}`), e?.explain && text.why(e.explain), e?.hint && text.tryThis(e.hint)].filter(Boolean).join('\n');
  };

  /** What the check (or task) i found, for the message. `asked`: the learner pressed c. */
  const checkMessage = (now: LessonState, i: number, asked = false): string => {
    const t = now.lesson.stops[i]!;
    const c = now.stops[i]?.check;
    if (!c) return '';
    const title = sub(t.title, i);
    if (c.pass) return t.kind === 'task' ? passedMessage(now) : chalk.green(text.plainCheckPass(title, c.measured ? c.found : undefined));
    const detail = short(`${text.found(c.found ?? c.error ?? text.nothingFound)}; ${text.expected(c.expected)}`);
    if (t.kind !== 'task') return chalk.red(text.checkFailedBecause(title, detail));
    return chalk.yellow(asked ? `${text.taskNotYet} ${detail}` : `${text.taskWaiting}\n${detail}`);
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

  /** Put stop i on screen. A check, a task or a step that reads no views has no state
   *  of its own to show: the panel shows the state as the last step before it left it
   *  (and what the stop printed). */
  const show = (now: LessonState, i: number) => {
    const hasState = (r: StepResult | undefined) => !!(r?.before || r?.after);
    let j = i;
    while (j > 0 && !hasState(now.stops[j]?.step)) j--;
    const own = now.stops[i]?.step;
    const left = now.stops[j]?.step;
    const borrowed = j !== i && hasState(left);
    const shown = borrowed ? { ...left!, ok: own?.ok ?? true, error: own?.error, output: own?.output, log: own?.log ?? [] } : own ?? left;
    update({ viewing: i, panel: shown, panelFrom: borrowed ? j : undefined, live: undefined, panelAt: 0, proseAt: 0 });
  };

  const next = () => act(async (s) => {
    update({ resumable: 0 });
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
    if (i >= now.lesson.stops.length) {
      if (lesson.meta.chapterEnd && props.onChapterEnd && now.passed) void leave(props.onChapterEnd);
      else say(chalk.green(lesson.meta.chapterEnd && props.onChapterEnd ? text.lessonDoneChapter : text.lessonDone));
      return;
    }
    const next = now.lesson.stops[i]!;
    // A prediction first: the learner commits to an answer, then the step runs.
    if (next.kind === 'step' && next.predict && !now.stops[i]?.prediction) {
      update({ asking: { index: i, typed: '' }, viewing: i, proseAt: 0 });
      say(next.predict.choices ? text.predictChoose(next.predict.choices.length) : text.predictType);
      return;
    }
    await runNext(s, i);
  });

  const runNext = async (s: LessonPort, i: number) => {
    say(text.running(substitute(s.state.lesson.stops[i]!.title, s.state.vars, true)));
    await s.runStop(i);
    show(s.state, i);
    const stop = s.state.lesson.stops[i]!;
    const guess = s.state.stops[i]?.prediction;
    const ran = s.state.stops[i]?.status === 'done';
    say(stop.kind === 'step' && stop.predict && guess && ran ? predictionMessage(stop.predict, guess, sub) : stopMessage(s.state, i));
    save();
  };

  /** The learner's answer to the prediction asked: recorded, then the step runs. */
  const answer = (input: string) => act(async (s) => {
    const a = screenRef.current.asking;
    const stop = a ? s.state.lesson.stops[a.index] : undefined;
    if (!a || stop?.kind !== 'step' || !stop.predict) return;
    if (!s.predict(a.index, input)) {
      say(chalk.yellow(stop.predict.choices ? text.predictNotAnswer(stop.predict.choices.length) : text.predictNotNumber));
      return;
    }
    update({ asking: null });
    await runNext(s, a.index);
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
    say(checkMessage(s.state, screenRef.current.viewing, true));
    save();
  });

  const hint = () => {
    const s = portRef.current;
    const v = screenRef.current.viewing;
    if (!s || stops[v]?.kind !== 'task') { say(engineText.noHint); return; }
    const h = s.hint(v);
    const last = h.of > 1 && h.level === h.of ? ` ${text.hintLast}` : '';
    say(chalk.yellow(text.hintOf(h.level, h.of, short(h.text)) + last));
  };

  /** Run the stops the learner reached last time again (a task the learner did then
   *  gets its solution), and show the last of them. Stops at a step that fails. */
  const resume = () => act(async (s) => {
    const target = Math.min(screenRef.current.resumable, s.state.lesson.stops.length);
    if (!target) return;
    update({ resumable: 0 });
    for (let i = 0; i < target; i++) {
      const stop = s.state.lesson.stops[i]!;
      say(text.resuming(i + 1, target, sub(stop.title, i)));
      let st = await s.runStop(i);
      if (i < target - 1 && stop.kind === 'task' && st.status === 'waiting' && stop.solution) {
        await s.solve(i);
        st = s.state.stops[i]!;
      }
      if (st.status === 'failed' && stop.kind === 'step' || (i < target - 1 && st.status === 'waiting')) {
        show(s.state, i);
        say(stopMessage(s.state, i));
        save();
        return;
      }
    }
    show(s.state, target - 1);
    say(`${chalk.green(text.resumed(target))}\n${stopMessage(s.state, target - 1)}`);
    save();
  });

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
    update({ viewing: -1, panel: undefined, panelFrom: undefined, live: undefined, panelAt: 0, proseAt: 0, resumable: 0, asking: null, message: text.resetDone });
    await setUp(s);
  });

  const openShell = () => act(async (s) => {
    const pid = Number(s.state.vars.pid);
    if (!(pid > 0)) { say(text.shellNoContainer); return; }
    if (!props.shell || !k) return;
    // Read the state before and after: the panel shows what the learner changed inside.
    const views = s.state.lastViews;
    const before = await s.observe(views);
    // The short names the lab shows paths with ($LAB) are set in the shell too.
    props.shell(pid, Object.fromEntries(shortNames(s.state.vars).map((n) => [n.name, n.path])));
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
    const v = screenRef.current.viewing;
    const passedBefore = s.state.stops[v]?.status === 'passed';
    const r = await s.repl(line);
    setPanel(r);
    const said = r.ok ? chalk.green(text.replOk(line.trim().split(/\s+/)[0]!)) : describe(r);
    say(said);
    if (await recheckShown(s, true)) {
      // The op's own answer stays: a failed op after the task passed is still said.
      if (!passedBefore && s.state.stops[v]?.check?.pass) say(`${said}\n${passedMessage(s.state)}`);
      save();
    }
  });

  /** Close the lesson (everything it made goes), then go where `then` leads. */
  const leave = async (then: () => void) => {
    if (screenRef.current.closing) return;
    update({ closing: true, message: text.closing });
    await portRef.current?.close();
    then();
  };

  /** A key while the lab asks a prediction: a choice's number, or a number typed and
   *  entered; esc leaves the step unrun (n asks again). */
  const askingKey = (input: string, key: Key) => {
    const a = screenRef.current.asking!;
    const stop = stops[a.index];
    if (stop?.kind !== 'step' || !stop.predict) return;
    const p = stop.predict;
    if (key.escape) {
      const s = portRef.current;
      update({ asking: null });
      if (s) show(s.state, s.state.current);
      say(text.predictLater);
    } else if (p.choices) {
      if (/^[1-9]$/.test(input)) void answer(input);
      else say(chalk.yellow(text.predictNotAnswer(p.choices.length)));
    } else if (key.return) void answer(a.typed);
    else if (key.backspace || key.delete) update({ asking: { ...a, typed: a.typed.slice(0, -1) } });
    else if (/^[-0-9.]$/.test(input)) update({ asking: { ...a, typed: a.typed + input } });
  };

  // ---------------------------------------------------------------- keys
  const { cols } = size;
  const hasNotes = stops.some((x) => x.notes.length > 0);
  // The message and the key bar first: the regions get what they leave.
  const messageLines = fitLines(wrapStyled((screen.closing ? text.closing : screen.message) || ' ', cols, '  '), Math.max(1, Math.floor(height / 4)));
  // A prediction asked before its step: its keys, or a prompt for a number.
  const predict = asking ? stops[asking.index] : undefined;
  const choices = predict?.kind === 'step' ? predict.predict?.choices : undefined;
  const prompt = repl ? `${text.replPrompt}${cursorAt(repl)}`
    : asking && !choices ? `${text.predictPrompt}${cursorAt({ text: asking.typed, cursor: asking.typed.length })}` : undefined;
  const keyBar = prompt ? [prompt]
    : asking && choices ? [text.predictKeys(choices.length)]
    : keyBarLines(cols, { resume: screen.resumable > 0, notes: hasNotes });
  const layout = lessonLayout(size, height, present, stops.length, messageLines.length + keyBar.length);
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
      case 'resume': if (now.resumable) void resume(); else say(text.noResume); break;
      case 'notes': update({ notes: !now.notes, message: hasNotes ? (now.notes ? text.notesHidden : text.notesShown) : text.noNotes }); break;
      case 'help': props.onHelp(); break;
      case 'quit': void leave(props.onBack); break;
      case 'up': scroll('prose', -3); break;
      case 'down': scroll('prose', 3); break;
      case 'pageUp': scroll('panel', -Math.max(1, layout.state - 2)); break;
      case 'pageDown': scroll('panel', Math.max(1, layout.state - 2)); break;
    }
  };

  useInput((input, key) => {
    for (const [i, kk] of splitKeys(input, key)) {
      if (screenRef.current.closing) return;
      if (kk.ctrl && i === 'c') { void leave(() => props.onQuit(EXIT_CTRL_C)); return; }
      if (screenRef.current.repl !== null) { replKey(i, kk); continue; }
      if (screenRef.current.asking !== null) {
        const a = lessonAction(i, kk);
        if (a === 'quit' || a === 'help') lessonKey(a); else askingKey(i, kk);
        continue;
      }
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
  // A challenge's setup is folded until it is solved: the step list and the log say
  // only that there was one.
  const folded = setupFolded(lesson, state);
  const listed = shownStops(stops, folded);
  const counter = text.stepOf(Math.max(0, viewing + 1), stops.length);
  const strip = stops.map((_, i) => (i === viewing ? text.selected : STATUS_ICON[state?.stops[i]?.status ?? 'pending'])).join('');
  const header = present
    ? `${chalk.bold(lesson.meta.title)}   ${chalk.bold.inverse(` ${text.presentCounter(Math.max(0, viewing + 1), stops.length)} `)}`
    : `${chalk.bold(lesson.meta.title)} ${chalk.dim('·')} ${text.chapter(lesson.chapterNumber, lesson.meta.chapter)} ${chalk.dim('·')} ${chalk.bold(counter)}${layout.wide ? '' : `  ${strip}`}`;

  const prose = (w: number): string[] => {
    const s = (stop ? listed[viewing] : undefined) ?? listed[0];
    if (!s) return [];
    const setup = s.kind === 'step' && s.setup === true;
    const lines = [...statementLines(lesson, viewing, w, sub), chalk.bold(`${stop ? STATUS_ICON[st?.status ?? 'pending'] + ' ' : ''}${text.kinds[setup ? 'setup' : s.kind]}: ${sub(s.title)}`), ''];
    // The prediction first, so the question (and its keys) is never below the fold.
    if (s.kind === 'step' && s.predict) lines.push(...predictionLines(s.predict, st, w, sub), '');
    // A folded setup step shows none of its own words, but the first one's prose is the
    // challenge's statement.
    if (!(setup && folded && s.index > 0)) lines.push(...markdownLines(sub(s.prose), w));
    if (s.kind === 'task') lines.push(...hintLines(st?.hints ?? [], w));
    if (viewing === stops.length - 1 && lesson.outro && st?.status !== 'pending') lines.push('', ...markdownLines(sub(lesson.outro), w));
    // Speaker notes are for the presenter, who asks for them (--notes, N): never for a
    // learner alone, nor on the screen the room sees.
    if (screen.notes && stop?.notes.length) lines.push('', chalk.dim(text.notesTitle + ':'), ...stop.notes.flatMap((n) => markdownLines(sub(n), w).map((l) => chalk.dim(l))));
    return lines;
  };

  const region = (lines: string[], at: number, h: number, which: 'prose' | 'panel') => {
    scrollMax.current[which] = Math.max(0, lines.length - h);
    return windowLines(lines, at, h).lines;
  };
  /** The prose at its measure; centred where the screen is much wider (a projector). */
  const proseLines = (w: number) => {
    const margin = ' '.repeat(Math.max(0, Math.floor((w - layout.measure) / 2)));
    return region(prose(Math.min(w, layout.measure)), proseAt, layout.prose, 'prose').map((l) => (l ? margin + l : l));
  };
  const panelNames = { abbreviate: short, legend: names };
  const stateLines = (w: number) =>
    region(k ? panelLines({ result: panel, live, mode, pictures, width: w, kernel: k, names: panelNames, leftBy: screen.panelFrom !== undefined ? screen.panelFrom + 1 : undefined }) : [text.noState], panelAt, layout.state, 'panel');
  const log = (h: number) => {
    const entries = logLines(shownLog(state?.log ?? [], folded), short);
    if (!entries.length) return [chalk.bold(text.logTitle), text.logEmpty];
    // The newest entries, then what their short names stand for; in a log too short for
    // both, the entries alone (the state panel says the names too).
    const legend = legendLines(entries, names);
    const withLegend = h - 1 - legend.length >= 3;
    const newest = windowLines(entries, -1, h - 1 - (withLegend ? legend.length : 0)).lines;
    return [chalk.bold(text.logTitle), ...newest, ...(withLegend ? legend : [])];
  };

  let content: React.ReactNode;
  if (layout.wide) {
    const listStart = Math.max(0, Math.min(viewing - Math.floor(layout.list / 2), stops.length - layout.list));
    content = (
      <Box flexDirection="row" height={layout.body}>
        <Box flexDirection="column" width={layout.left}>
          <Lines lines={proseLines(layout.left - 1)} height={layout.prose} width={layout.left} />
          {layout.list > 0 && <Lines lines={[chalk.dim('─'.repeat(layout.left - 1))]} height={1} width={layout.left} />}
          {layout.list > 0 && <Lines lines={stepListLines(listed, state?.stops, viewing, sub).slice(listStart)} height={layout.list} width={layout.left} />}
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

  return (
    <Box flexDirection="column" width={cols} height={height}>
      <Text wrap="truncate-end">{header}</Text>
      {content}
      <Lines lines={messageLines} height={messageLines.length} width={cols} />
      <Lines lines={prompt ? keyBar : keyBar.map((l) => chalk.dim(l))} height={keyBar.length} width={cols} />
    </Box>
  );
}

/** At most `max` lines; the last one says how many more there were. */
function fitLines(lines: string[], max: number): string[] {
  return lines.length <= max ? lines : [...lines.slice(0, max - 1), chalk.dim(text.moreBelow(lines.length - max + 1))];
}

/** The key bar: every key that works here, wrapped onto as many lines as it needs. */
export function keyBarLines(width: number, offered: { resume: boolean; notes: boolean }): string[] {
  const items = KEY_BAR.filter((a) => (a !== 'resume' || offered.resume) && (a !== 'notes' || offered.notes))
    .map((a) => text.keyBarItem(KEY_LABELS[a], text.keyBar[a]!));
  const lines: string[] = [];
  let line = '';
  for (const item of items) {
    const next = line ? line + text.keyBarGap + item : item;
    if (line && next.length > width) { lines.push(line); line = item; } else line = next;
  }
  if (line) lines.push(line);
  return lines;
}

/** The line with its cursor drawn: inverse where there is colour, a bar where not. */
function cursorAt(l: LineState): string {
  const before = l.text.slice(0, l.cursor);
  const at = l.text[l.cursor];
  if (chalk.level === 0) return `${before}▏${l.text.slice(l.cursor)}`;
  return `${before}${chalk.inverse(at ?? ' ')}${at === undefined ? '' : l.text.slice(l.cursor + 1)}`;
}
