// The terminal lab: the home screen (chapters, lessons, progress, what this machine can
// do), a lesson's screen, and the help over either. The app never uses more lines than
// the terminal has, follows its size as it changes, and on the way out closes every
// lesson session (the core kills its containers; the ledger scope is unwound).
import { lazy, Suspense, useEffect, useState } from 'react';
import { Text, useApp, useInput, useStdout } from 'ink';
import type { Lesson, LessonError, LessonSummary } from '../lessons/schema.ts';
import type { LessonPort } from '../lessons/port.ts';
import type { KernelApi } from '../lessons/kernel.ts';
import { ChapterEnd } from './chapter-end.tsx';
import { Help } from './help.tsx';
import { Home } from './home.tsx';
import type { Size } from './lines.tsx';
import { chapterRecords, loadProgress, saveProgress, type Progress } from './progress.ts';
import { DEFAULT_SETTINGS, loadSettings, saveSettings, type Settings } from './settings.ts';
import { language, LANGUAGE_TAGS, ui as text, useLanguage, type Language } from '../text/index.ts';
import { EXIT_CTRL_C } from './keys.ts';

/** The lesson screen, and with it the engine, the kernel probes and the Markdown
 *  renderer: loaded when first needed, so the home screen is up before they are. The
 *  lab asks for it as soon as the home screen is drawn (preloadLessonScreen), so a
 *  lesson opens without waiting. */
const lessonScreenModule = () => import('./lesson.tsx');
export const preloadLessonScreen = (): Promise<unknown> => lessonScreenModule();
const LessonScreen = lazy(() => lessonScreenModule().then((m) => ({ default: m.LessonScreen })));

export interface AppProps {
  /** The lessons the home screen lists: known from their front matter at first; once
   *  every lesson is loaded, only those that load (the others are in `errors`). */
  lessons: LessonSummary[];
  errors: LessonError[];
  /** the machine in one line, and what will not run on it */
  summary: [string, string];
  /** why each lesson that cannot run here cannot, by id */
  blocked?: Map<string, string[]>;
  /** the lab runs as root (default: whether this process does): a lesson that needs
   *  root is refused up front otherwise, with what to do */
  root?: boolean;
  present?: boolean;
  /** show the lessons' speaker notes (a presenter's own screen) */
  notes?: boolean;
  /** open this lesson straight away */
  initialLesson?: Lesson;
  /** The whole lesson, every block checked, to open it (rejects with its LessonError). */
  loadLesson: (id: string) => Promise<Lesson>;
  openSession: (lesson: Lesson) => Promise<LessonPort>;
  /** Give the terminal to a shell in the container with host pid `pid` (with `env`
   *  set), until it exits. */
  shell?: (pid: number, env: Record<string, string>) => void;
  progress?: { load: () => Progress; save: typeof saveProgress };
  settings?: { load: () => Settings; save: (change: Partial<Settings>) => Settings };
  kernel?: KernelApi;
  /** Called as the app exits (after every session is closed). */
  /** The lab is done: 0 for q, 130 for Ctrl-C (as a shell reports an interrupted command). */
  onExit?: (code: number) => void;
  /** The lab speaks another language now (L on the home screen): list the lessons in it. */
  onLanguage?: (lang: Language) => void;
}

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

export function App(props: AppProps) {
  const { exit } = useApp();
  const size = useSize();
  const progressApi = props.progress ?? { load: loadProgress, save: saveProgress };
  const settingsApi = props.settings ?? { load: loadSettings, save: saveSettings };
  const [settings, setSettings] = useState<Settings>(() => ({ ...DEFAULT_SETTINGS, ...settingsApi.load() }));
  const [lesson, setLesson] = useState<Lesson | undefined>(props.initialLesson);
  const [notice, setNotice] = useState<string>();
  const [help, setHelp] = useState(false);
  const [progress, setProgress] = useState<Progress>(() => progressApi.load());
  /** The chapter whose end screen is up: its last lesson, just done. */
  const [ended, setEnded] = useState<Lesson>();

  const quit = (code = 0) => { props.onExit?.(code); exit(); };
  const remember = (change: Partial<Settings>) => setSettings(settingsApi.save(change));
  useInput((input, key) => { if (key.ctrl && input === 'c') quit(EXIT_CTRL_C); else setHelp(false); }, { isActive: help });

  // One line spare: a frame as tall as the screen makes ink clear and redraw it (flicker).
  const height = Math.max(4, size.rows - 1);
  const open = (l: LessonSummary) => {
    remember({ lastLesson: l.id });
    if (l.needs === 'root' && !(props.root ?? process.getuid?.() === 0)) { setNotice(text.lessonNeedsRoot(l.title)); return; }
    props.loadLesson(l.id).then(
      (full) => { setNotice(undefined); setLesson(full); },
      (err: unknown) => setNotice(text.lessonBroken((err as Error).message)),
    );
  };
  // L: the next language the lab speaks, saved with the settings; the lessons are
  // listed again in it (a lesson without a fresh translation stays English).
  const switchLanguage = () => {
    const next = LANGUAGE_TAGS[(LANGUAGE_TAGS.indexOf(language()) + 1) % LANGUAGE_TAGS.length]!;
    useLanguage(next);
    process.env.BOXLAB_LANG = next; // the boxlab commands a lesson runs speak it too
    remember({ lang: next });
    props.onLanguage?.(next);
  };
  const helpScreen = help ? <Help size={size} height={height} /> : undefined;
  if (lesson) {
    // Under the help the lesson stays mounted: its session (and containers) live on.
    return (
      <Suspense fallback={<Text>{text.starting}</Text>}>
        <LessonScreen
          key={lesson.meta.id}
          lesson={lesson}
          size={size}
          height={height}
          present={props.present === true}
          notes={props.notes}
          resume={progress[lesson.meta.id]}
          openSession={props.openSession}
          shell={props.shell}
          settings={settings}
          saveSettings={remember}
          saveProgress={progressApi.save}
          kernel={props.kernel}
          cover={helpScreen}
          onHelp={() => setHelp(true)}
          onBack={() => { setProgress(progressApi.load()); setLesson(undefined); }}
          onChapterEnd={() => { setProgress(progressApi.load()); setEnded(lesson); setLesson(undefined); }}
          onQuit={quit}
        />
      </Suspense>
    );
  }
  if (ended && !helpScreen) {
    const record = chapterRecords(props.lessons, progress).find((c) => c.number === ended.chapterNumber);
    return <ChapterEnd lesson={ended} record={record} size={size} height={height} onClose={() => setEnded(undefined)} onQuit={quit} />;
  }
  return helpScreen ?? (
    <Home
      lessons={props.lessons}
      errors={props.errors}
      summary={props.summary}
      notice={notice}
      blocked={props.blocked ?? new Map()}
      progress={progress}
      selected={settings.lastLesson}
      size={size}
      height={height}
      onOpen={open}
      onLanguage={switchLanguage}
      onHelp={() => setHelp(true)}
      onQuit={quit}
    />
  );
}
