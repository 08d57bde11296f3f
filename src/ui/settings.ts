// What the lab remembers of how a person likes it, between runs: the state panel's mode,
// whether pictures are on, the REPL's history, the lesson last opened, the language. Kept beside the
// progress, in the invoking user's state directory, owned by them.
import { join } from 'node:path';
import { parseLanguage } from '../text/index.ts';
import { readJson, stateDir, writeJsonOwned } from './state-dir.ts';

export interface Settings {
  /** the state panel: changes only, or before | after */
  panel: 'diff' | 'side';
  /** draw the views that have a picture */
  pictures: boolean;
  /** REPL lines, oldest first */
  history: string[];
  /** the lesson the home screen selects on start */
  lastLesson?: string;
  /** the language chosen on the home screen (L): a tag of src/text's LANGUAGES */
  lang?: string;
}

export const DEFAULT_SETTINGS: Settings = { panel: 'diff', pictures: false, history: [] };

export function settingsFile(): string {
  return join(stateDir(), 'settings.json');
}

export function loadSettings(file = settingsFile()): Settings {
  const s = readJson<Partial<Settings>>(file) ?? {};
  return {
    panel: s.panel === 'side' ? 'side' : 'diff',
    pictures: s.pictures === true,
    history: Array.isArray(s.history) ? s.history.filter((l): l is string => typeof l === 'string').slice(-200) : [],
    ...(typeof s.lastLesson === 'string' ? { lastLesson: s.lastLesson } : {}),
    ...(typeof s.lang === 'string' && parseLanguage(s.lang) ? { lang: parseLanguage(s.lang) } : {}),
  };
}

/** Merge a change into the saved settings; a failure to save changes nothing else. */
export function saveSettings(change: Partial<Settings>, file = settingsFile()): Settings {
  const next = { ...loadSettings(file), ...change };
  try {
    writeJsonOwned(file, next);
  } catch {
    /* settings are a convenience */
  }
  return next;
}
