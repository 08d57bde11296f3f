// The terminal lab: home (chapters, lessons, progress) and the lesson screen (prose, the
// step list, the kernel state panel, the syscall log, the REPL). Every region is cut to
// a line budget computed from the terminal's size, so a frame is never taller than the
// screen (ink would clear and redraw it on each update: flicker).
import React, { useEffect, useReducer, useRef, useState } from 'react';
import { Box, Text, useApp, useInput, useStdout } from 'ink';
import chalk from 'chalk';
import type { Lesson, LessonError } from '../lessons/schema.ts';
import type { LessonSession, StepResult } from '../lessons/session.ts';
import { failure } from '../lessons/session.ts';
import { completeOp } from '../lessons/ops.ts';
import { kernel, type KernelApi } from '../lessons/kernel.ts';
import { markdownLines } from './markdown.ts';
import { treeLines } from './proctree.ts';
import { loadProgress, saveProgress, type Progress } from './progress.ts';
import { text } from './text.ts';

export interface AppProps {
  lessons: Lesson[];
  errors: LessonError[];
  summary: string;
  present?: boolean;
  openSession: (lesson: Lesson) => Promise<LessonSession>;
  /** Give the terminal to `fn` (a shell), then take it back. */
  suspend?: (fn: () => void) => void;
  /** Runs `boxcore enter PID -- /bin/sh` with the terminal. */
  enterShell?: (pid: number) => void;
  progress?: { load: () => Progress; save: typeof saveProgress };
  /** Called as the app exits (after every session is closed). */
  onExit?: () => void;
}

interface Size { cols: number; rows: number }

function useSize(): Size {
  const { stdout } = useStdout();
  const read = (): Size => ({ cols: stdout.columns || 80, rows: stdout.rows || 24 });
  const [size, setSize] = useState(read);
  useEffect(() => {
    const on = () => setSize(read());
    stdout.on('resize', on);
    return () => { stdout.off('resize', on); };
  }, [stdout]);
  return size;
}

/** Exactly `height` lines (padded or cut), each cut to the box's width by ink. */
function Lines({ lines, height, width }: { lines: string[]; height: number; width: number }) {
  const shown = lines.slice(0, Math.max(0, height));
  while (shown.length < height) shown.push(' ');
  return (
    <Box flexDirection="column" width={width} height={height} overflow="hidden">
      {shown.map((l, i) => <Text key={i} wrap="truncate-end">{l === '' ? ' ' : l}</Text>)}
    </Box>
  );
}

export function App(props: AppProps) {
  const { exit } = useApp();
  const size = useSize();
  const [lesson, setLesson] = useState<Lesson | undefined>(() => (props.present && props.lessons.length === 1 ? props.lessons[0] : undefined));
  const [help, setHelp] = useState(false);
  const progressApi = props.progress ?? { load: loadProgress, save: saveProgress };
  const [progress, setProgress] = useState<Progress>(() => progressApi.load());

  const quit = () => { props.onExit?.(); exit(); };
  useInput((input, key) => { if (key.ctrl && input === 'c') quit(); else setHelp(false); }, { isActive: help });

  const height = Math.max(4, size.rows - 1); // one line spare: a full-height frame makes ink clear the screen
  if (help) return <Help size={size} height={height} />;
  if (lesson) {
    return (
      <LessonScreen
        key={lesson.meta.id}
        {...props}
        lesson={lesson}
        size={size}
        height={height}
        onHelp={() => setHelp(true)}
        onBack={() => { setProgress(progressApi.load()); setLesson(undefined); }}
        onQuit={quit}
        saveProgress={progressApi.save}
      />
    );
  }
  return <Home {...props} progressMap={progress} size={size} height={height} onOpen={setLesson} onHelp={() => setHelp(true)} onQuit={quit} />;
}

// ------------------------------------------------------------------ help

function Help({ size, height }: { size: Size; height: number }) {
  const lines = [chalk.bold(text.helpTitle), '', ...text.help.map(([k, v]) => `  ${chalk.bold(k.padEnd(3))} ${v}`)];
  return <Lines lines={lines} height={height} width={size.cols} />;
}

// ------------------------------------------------------------------ home

function Home(props: AppProps & { progressMap: Progress; size: Size; height: number; onOpen: (l: Lesson) => void; onHelp: () => void; onQuit: () => void }) {
  const { lessons, size, height } = props;
  const [sel, setSel] = useState(0);
  useInput((input, key) => {
    if (input === 'q' || (key.ctrl && input === 'c')) props.onQuit();
    else if (input === '?') props.onHelp();
    else if (key.downArrow || input === 'j') setSel((s) => Math.min(lessons.length - 1, s + 1));
    else if (key.upArrow || input === 'k') setSel((s) => Math.max(0, s - 1));
    else if (key.return && lessons[sel]) props.onOpen(lessons[sel]!);
  });

  const list: string[] = [];
  let selLine = 0;
  let chapter = -1;
  lessons.forEach((l, i) => {
    if (l.chapterNumber !== chapter) {
      chapter = l.chapterNumber;
      if (list.length) list.push('');
      list.push(chalk.bold(text.chapter(l.chapterNumber, l.meta.chapter)));
    }
    const p = props.progressMap[l.meta.id];
    const badge = p?.done ? chalk.green(text.progressDone) : p ? chalk.yellow(text.progressStarted(p.stop, p.total)) : chalk.dim(text.progressNew);
    const needs = l.meta.needs === 'root' ? text.needsRoot : text.runsRootless;
    const line = `${i === sel ? '▸' : ' '} ${String(l.number).padStart(2, '0')} ${l.meta.title}  ${badge}  ${chalk.dim(`${needs} · ${l.meta.summary}`)}`;
    if (i === sel) selLine = list.length;
    list.push(i === sel ? chalk.inverse(line) : line);
  });
  if (!lessons.length) list.push(text.noLessons);
  if (props.errors.length) {
    list.push('', chalk.red(text.brokenLessons(props.errors.length)), ...props.errors.map((e) => chalk.red('  ' + e.message)));
  }
  const bodyHeight = height - 4;
  const start = Math.max(0, Math.min(selLine - Math.floor(bodyHeight / 2), list.length - bodyHeight));
  return (
    <Box flexDirection="column" width={size.cols} height={height}>
      <Text wrap="truncate-end">{chalk.bold(text.app)} — {text.tagline}</Text>
      <Text wrap="truncate-end" dimColor>{props.summary}</Text>
      <Text> </Text>
      <Lines lines={list.slice(start)} height={bodyHeight} width={size.cols} />
      <Text wrap="truncate-end" dimColor>{text.homeKeys}</Text>
    </Box>
  );
}

// ------------------------------------------------------------------ lesson

type PanelMode = 'diff' | 'side' | 'tree';

interface LessonProps extends AppProps {
  lesson: Lesson;
  size: Size;
  height: number;
  onHelp: () => void;
  onBack: () => void;
  onQuit: () => void;
  saveProgress: typeof saveProgress;
}

const ICON: Record<string, string> = { pending: '·', running: '…', done: '✓', passed: '✓', failed: '✗', waiting: '?' };

function LessonScreen(props: LessonProps) {
  const { lesson, size, height, present } = props;
  const [session, setSession] = useState<LessonSession>();
  const [k, setK] = useState<KernelApi>();
  const [, bump] = useReducer((x: number) => x + 1, 0);
  const [viewing, setViewing] = useState(-1);
  const [mode, setMode] = useState<PanelMode>('diff');
  const [message, setMessage] = useState<string>(text.starting);
  const [, setBusy] = useState(true);
  const busyRef = useRef(true);
  const [closing, setClosing] = useState(false);
  const [panel, setPanel] = useState<StepResult>();
  const [repl, setRepl] = useState<string | null>(null);
  const history = useRef<string[]>([]);
  const histPos = useRef(0);
  const sessionRef = useRef<LessonSession>(undefined);

  useEffect(() => {
    let alive = true;
    void kernel().then(setK);
    props.openSession(lesson).then(
      (s) => {
        sessionRef.current = s;
        if (!alive) { void s.close(); return; }
        s.onEvent(() => bump());
        setSession(s);
        setMessage(text.notStarted);
        busyRef.current = false;
        setBusy(false);
      },
      (err: unknown) => { setMessage(chalk.red(text.lessonError(failure(err).message))); busyRef.current = false; setBusy(false); },
    );
    return () => { alive = false; void sessionRef.current?.close(); };
  }, []);

  // The session's: on this machine, blocks for another cgroup layout are left out.
  const stops = session ? session.stops : lesson.stops;
  const stop = viewing >= 0 ? stops[viewing] : undefined;
  const st = session && viewing >= 0 ? session.state[viewing] : undefined;
  const sub = (s: string) => (session ? session.subst(s, true) : s);

  // A task waiting for the learner is re-checked every two seconds, quietly.
  useEffect(() => {
    if (!session || !stop || stop.kind !== 'task' || st?.status !== 'waiting') return;
    const t = setInterval(() => {
      void session.recheck(viewing).then((r) => { if (r?.pass) { setMessage(chalk.green(text.taskPassed)); save(); } });
    }, 2000);
    return () => clearInterval(t);
  }, [session, viewing, st?.status]);

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
    const s = session!;
    const c = s.state[i]?.check;
    const t = stops[i]!;
    if (!c) return '';
    if (c.pass) return chalk.green(text.plainCheckPass(sub(t.title), c.measured ? c.found : undefined));
    const detail = `${text.found(c.found ?? c.error ?? text.nothingFound)}; ${text.expected(c.expected)}`;
    return t.kind === 'task' ? chalk.yellow(`${text.taskWaiting}  ${detail}`) : chalk.red(`✗ ${sub(t.title)} — ${detail}`);
  };

  // Key handlers may run with the closure of an earlier render (ink re-subscribes them in
  // an effect), so "busy" is read from a ref, never from state.
  const act = async (fn: () => Promise<void>) => {
    if (busyRef.current) return;
    busyRef.current = true;
    setBusy(true);
    try { await fn(); } catch (err) { setMessage(chalk.red(failure(err).message)); } finally { busyRef.current = false; setBusy(false); }
  };

  const next = () => act(async () => {
    const s = sessionRef.current;
    if (!s) return;
    if (viewing < s.current) {
      const v = viewing + 1;
      setViewing(v);
      setPanel(s.state[v]?.step);
      setMessage(s.stops[v]?.kind === 'step' ? describe(s.state[v]?.step) : checkMessage(v));
      return;
    }
    const cur = s.current >= 0 ? stops[s.current] : undefined;
    if (cur?.kind === 'task' && s.state[s.current]?.status !== 'passed') { setMessage(chalk.yellow(text.mustFinishTask)); return; }
    const i = s.current + 1;
    if (i >= stops.length) { setMessage(chalk.green(text.lessonDone)); return; }
    setMessage(text.running(sub(stops[i]!.title)));
    const r = await s.runStop(i);
    setViewing(i);
    setPanel(r.step);
    setMessage(stops[i]!.kind === 'step' ? describe(r.step) : checkMessage(i));
    save();
  });

  const check = () => act(async () => {
    if (!session || !stop || stop.kind === 'step') return;
    await session.recheck(viewing);
    setMessage(checkMessage(viewing));
    save();
  });

  const solve = () => act(async () => {
    if (!session || !stop || stop.kind !== 'task') return;
    if (!stop.solution) { setMessage(text.noSolution); return; }
    const r = await session.solve(viewing);
    setPanel(r);
    setMessage(r?.ok ? `${text.solvedWith} ${checkMessage(viewing)}` : describe(r));
    save();
  });

  const reset = () => act(async () => {
    if (!session) return;
    await session.reset();
    setViewing(-1);
    setPanel(undefined);
    setMessage(text.resetDone);
  });

  const shell = () => {
    const pid = Number(session?.vars.pid);
    if (!session || !(pid > 0)) { setMessage(text.shellNoContainer); return; }
    if (!props.suspend || !props.enterShell) return;
    props.suspend(() => props.enterShell!(pid));
    setMessage(text.shellBack);
    if (stop && stop.kind !== 'step') void check();
  };

  const runRepl = (line: string) => act(async () => {
    if (!session || !line.trim()) return;
    history.current.push(line);
    histPos.current = history.current.length;
    const r = await session.repl(line);
    setPanel(r);
    setMessage(r.ok ? chalk.green(text.replOk(line.trim().split(/\s+/)[0]!)) : describe(r));
    if (stop && stop.kind === 'task') {
      await session.recheck(viewing);
      if (session.state[viewing]?.check?.pass) setMessage(chalk.green(text.taskPassed));
      save();
    }
  });

  const leave = async (all: boolean) => {
    setClosing(true);
    setMessage(text.closing);
    await sessionRef.current?.close();
    if (all) props.onQuit(); else props.onBack();
  };

  useInput((input, key) => {
    if (closing) return;
    if (key.ctrl && input === 'c') { void leave(true); return; }
    if (repl !== null) {
      // A paste (or a fast terminal) delivers several keys in one chunk: take them one by one.
      if (input.length > 1 && /[\r\n\t]/.test(input)) {
        let line = repl;
        for (const ch of input) {
          if (ch === '\r' || ch === '\n') { void runRepl(line); line = ''; }
          else if (ch === '\t') { const c = completeOp(line.trim()); if (c.length === 1 && !line.includes(' ')) line = c[0] + ' '; }
          else line += ch;
        }
        setRepl(line);
        return;
      }
      if (key.escape) setRepl(null);
      else if (key.return) { const l = repl; setRepl(''); void runRepl(l); }
      else if (key.tab) {
        const words = repl.trimStart().split(/\s+/);
        if (words.length === 1) {
          const c = completeOp(words[0] ?? '');
          if (c.length === 1) setRepl(c[0] + ' ');
          else if (c.length > 1) setMessage(c.join('  '));
        }
      } else if (key.upArrow) {
        histPos.current = Math.max(0, histPos.current - 1);
        setRepl(history.current[histPos.current] ?? repl);
      } else if (key.downArrow) {
        histPos.current = Math.min(history.current.length, histPos.current + 1);
        setRepl(history.current[histPos.current] ?? '');
      } else if (key.backspace || key.delete) setRepl(repl.slice(0, -1));
      else if (input && !key.ctrl && !key.meta) setRepl(repl + input);
      return;
    }
    switch (input) {
      case 'q': void leave(false); break;
      case 'n': void next(); break;
      case 'p':
        if (viewing > 0) { const v = viewing - 1; setViewing(v); setPanel(session?.state[v]?.step); setMessage(''); }
        break;
      case 'c': void check(); break;
      case 'h':
        if (session && stop?.kind === 'task') setMessage(chalk.yellow('💡 ' + session.hint(viewing)));
        else setMessage(text.noHint);
        break;
      case 'S': void solve(); break;
      case 'x': void reset(); break;
      case 'd': setMode((m) => (m === 'diff' ? 'side' : 'diff')); break;
      case 't': setMode((m) => (m === 'tree' ? 'diff' : 'tree')); break;
      case 's': if (!present) shell(); break;
      case ':': if (!present && session) { setRepl(''); histPos.current = history.current.length; } break;
      case '?': props.onHelp(); break;
    }
  });

  // ---------------------------------------------------------------- layout
  const { cols } = size;
  const title = stop ? sub(stop.title) : lesson.meta.title;
  const counter = text.stepOf(Math.max(0, viewing + 1), stops.length);
  const header = `${chalk.bold(lesson.meta.title)} ${chalk.dim('·')} ${text.chapter(lesson.chapterNumber, lesson.meta.chapter)} ${chalk.dim('·')} ${chalk.bold(counter)}`;
  const footer = repl !== null ? `${text.replPrompt}${repl}█` : message;
  const keys = repl !== null ? text.replHelp : present ? text.presentKeys : text.lessonKeys;
  const body = height - 3;

  const proseOf = (w: number) => {
    const s = stop ?? stops[0];
    const lines = [chalk.bold(`${stop ? ICON[st?.status ?? 'pending'] + ' ' : ''}${text.kinds[(s ?? stops[0]!).kind]}: ${stop ? title : sub(stops[0]!.title)}`), ''];
    lines.push(...markdownLines(sub(s?.prose ?? ''), w));
    if (viewing === stops.length - 1 && lesson.outro && session?.state[viewing]?.status !== 'pending') lines.push('', ...markdownLines(sub(lesson.outro), w));
    if (!present && stop?.notes.length) lines.push('', chalk.dim(text.notesTitle + ':'), ...stop.notes.flatMap((n) => markdownLines(n, w).map((l) => chalk.dim(l))));
    return lines;
  };

  const stateLines = (w: number, h: number): string[] => {
    const modeName = mode === 'diff' ? text.stateDiff : mode === 'side' ? text.stateSideBySide : text.stateTree;
    const out = [chalk.bold(`${text.stateTitle} — ${modeName}`)];
    if (mode === 'tree') {
      const pid = Number(session?.vars.pid);
      const t = pid > 0 ? treeLines(pid, () => chalk.dim(text.treeHeader)) : [];
      out.push(...(t.length ? t : [text.noTree]));
      return out;
    }
    if (!panel || !k) { out.push(text.noState); return out; }
    if (mode === 'diff') {
      if (!panel.diff) out.push(panel.output ? '' : text.noState);
      else {
        const d = k.renderDiff(panel.diff, { color: chalk.level > 0, onlyChanges: true, width: w });
        out.push(...(d.trim() ? d.split('\n') : [text.noChanges]));
      }
    } else {
      const half = Math.floor((w - 3) / 2);
      const a = panel.before ? k.renderSnapshot(panel.before, { color: chalk.level > 0, width: half }).split('\n') : [];
      const b = panel.after ? k.renderSnapshot(panel.after, { color: chalk.level > 0, width: half }).split('\n') : [];
      out.push(`${chalk.dim(text.before.padEnd(half))} │ ${chalk.dim(text.after)}`);
      for (let i = 0; i < Math.max(a.length, b.length); i++) out.push(`${padVisible(a[i] ?? '', half)} │ ${b[i] ?? ''}`);
    }
    if (panel.output) out.push('', ...panel.output.split('\n').map((l) => chalk.cyan(l)));
    return out.slice(0, h);
  };

  const logLines = (h: number): string[] => {
    const log = session?.log ?? [];
    const lines: string[] = [];
    for (const e of log) {
      for (const s of e.syscalls) lines.push(chalk.dim(s));
      if (e.shell) lines.push(chalk.cyan(text.shellLine(e.shell)));
      if (e.error) lines.push(chalk.red(e.error));
    }
    return [chalk.bold(text.logTitle), ...(lines.length ? lines.slice(-(h - 1)) : [text.logEmpty])];
  };

  const stepList = (h: number): string[] => {
    const rows = stops.map((s, i) => {
      const status = session?.state[i]?.status ?? 'pending';
      const line = `${ICON[status]} ${i + 1}. ${text.kinds[s.kind]}: ${sub(s.title)}`;
      return i === viewing ? chalk.inverse(line) : status === 'pending' ? chalk.dim(line) : line;
    });
    const start = Math.max(0, Math.min(viewing - Math.floor(h / 2), rows.length - h));
    return rows.slice(start, start + h);
  };

  let content: React.ReactNode;
  if (present) {
    const proseH = Math.max(3, Math.floor(body / 4));
    const logH = Math.min(4, Math.max(2, Math.floor(body / 6)));
    const stateH = body - proseH - logH;
    content = (
      <Box flexDirection="column" height={body}>
        <Lines lines={proseOf(cols)} height={proseH} width={cols} />
        <Lines lines={stateLines(cols, stateH)} height={stateH} width={cols} />
        <Lines lines={logLines(logH)} height={logH} width={cols} />
      </Box>
    );
  } else if (cols >= 100) {
    const left = Math.floor(cols * 0.45);
    const right = cols - left - 2;
    const listH = Math.min(stops.length, Math.max(3, Math.floor(body / 4)));
    const proseH = body - listH - 1;
    const logH = Math.max(3, Math.floor(body / 3));
    const stateH = body - logH;
    content = (
      <Box flexDirection="row" height={body}>
        <Box flexDirection="column" width={left}>
          <Lines lines={proseOf(left - 1)} height={proseH} width={left} />
          <Lines lines={[chalk.dim('─'.repeat(left - 1))]} height={1} width={left} />
          <Lines lines={stepList(listH)} height={listH} width={left} />
        </Box>
        <Lines lines={Array.from({ length: body }, () => chalk.dim('│'))} height={body} width={2} />
        <Box flexDirection="column" width={right}>
          <Lines lines={stateLines(right, stateH)} height={stateH} width={right} />
          <Lines lines={logLines(logH)} height={logH} width={right} />
        </Box>
      </Box>
    );
  } else {
    const proseH = Math.max(3, Math.floor(body * 0.35));
    const logH = Math.max(2, Math.floor(body * 0.25));
    const stateH = body - proseH - logH;
    content = (
      <Box flexDirection="column" height={body}>
        <Lines lines={proseOf(cols)} height={proseH} width={cols} />
        <Lines lines={stateLines(cols, stateH)} height={stateH} width={cols} />
        <Lines lines={logLines(logH)} height={logH} width={cols} />
      </Box>
    );
  }

  return (
    <Box flexDirection="column" width={cols} height={height}>
      <Text wrap="truncate-end">{header}</Text>
      {content}
      <Text wrap="truncate-end">{footer || ' '}</Text>
      <Text wrap="truncate-end" dimColor>{keys}</Text>
    </Box>
  );
}

function padVisible(s: string, w: number): string {
  // eslint-disable-next-line no-control-regex
  const visible = s.replace(/\x1b\[[0-9;]*m/g, '').length;
  return visible >= w ? s : s + ' '.repeat(w - visible);
}
