export { runLessonPlain, listLessons, type PlainOptions } from './plain.ts';
export { loadLesson, loadAll, findLesson, lessonFiles, lessonsRoot, parseLesson, summarize } from './loader.ts';
export { LessonSession, processLedger, closeProcessLedger, type LessonEvent, type StepResult, type CheckResult, type LogEntry, type StopState } from './session.ts';
export { LessonError, type Lesson, type LessonSummary, type Stop } from './schema.ts';
export { OPS, OP_NAMES, parseOpLine, completeOp } from './ops.ts';
