// Where a learner got to, per lesson, kept between runs in the invoking user's XDG state
// directory. Under sudo that is SUDO_USER's home, and the file is handed to that user,
// so root never leaves a file the person cannot edit or delete in their own home.
import { chownSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';

export interface LessonProgress { stop: number; total: number; done: boolean; at: string }
export type Progress = Record<string, LessonProgress>;

interface Owner { home: string; uid?: number; gid?: number }

function invokingUser(): Owner {
  const sudoUser = process.env.SUDO_USER;
  const uid = Number(process.env.SUDO_UID);
  const gid = Number(process.env.SUDO_GID);
  if (process.getuid?.() === 0 && sudoUser && Number.isInteger(uid) && uid > 0) {
    const home = homeOf(sudoUser) ?? `/home/${sudoUser}`;
    return { home, uid, gid: Number.isInteger(gid) ? gid : uid };
  }
  return { home: homedir() };
}

function homeOf(user: string): string | undefined {
  try {
    for (const line of readFileSync('/etc/passwd', 'utf8').split('\n')) {
      const f = line.split(':');
      if (f[0] === user && f[5]) return f[5];
    }
  } catch { /* no passwd: fall back */ }
  return undefined;
}

export function progressFile(): string {
  if (process.env.BOXLAB_PROGRESS) return process.env.BOXLAB_PROGRESS;
  const owner = invokingUser();
  // XDG_STATE_HOME is the invoking user's only when we were not started by sudo.
  const base = owner.uid === undefined && process.env.XDG_STATE_HOME ? process.env.XDG_STATE_HOME : join(owner.home, '.local', 'state');
  return join(base, 'boxlab', 'progress.json');
}

export function loadProgress(file = progressFile()): Progress {
  try {
    const data = JSON.parse(readFileSync(file, 'utf8')) as { lessons?: Progress };
    return data.lessons ?? {};
  } catch {
    return {};
  }
}

export function saveProgress(id: string, p: Omit<LessonProgress, 'at'>, file = progressFile()): void {
  try {
    const all = loadProgress(file);
    const prev = all[id];
    all[id] = { ...p, stop: Math.max(p.stop, prev?.stop ?? 0), done: p.done || !!prev?.done, at: new Date().toISOString() };
    const owner = invokingUser();
    const dir = dirname(file);
    const made = mkdirSync(dir, { recursive: true, mode: 0o700 });
    const tmp = `${file}.tmp-${process.pid}`;
    writeFileSync(tmp, JSON.stringify({ lessons: all }, null, 2) + '\n', { mode: 0o600 });
    if (owner.uid !== undefined) {
      // Hand every directory we made (from the first one created down) and the file to the user.
      if (made) {
        for (let d = dir; d.startsWith(made); d = dirname(d)) chownSync(d, owner.uid, owner.gid!);
      }
      chownSync(tmp, owner.uid, owner.gid!);
    }
    renameSync(tmp, file);
  } catch {
    /* progress is a convenience: never fail a lesson over it */
  }
}
