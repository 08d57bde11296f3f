// Where the lab keeps what it remembers between runs (progress, settings, REPL history):
// the invoking user's XDG state directory, $XDG_STATE_HOME/boxlab or
// ~/.local/state/boxlab. Under sudo that is SUDO_USER's home: a place that user can
// change at any moment (a file or a directory swapped for a link to /etc/shadow). So
// root never writes there itself: the core writes as that user (boxcore writefile),
// and every directory made and file written is theirs. Root reads only files that
// user owns, never through a link.
import { closeSync, constants, fstatSync, mkdirSync, openSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { writeFileAs } from '../core/hostfs.ts';
import { ui as text } from '../text/index.ts';

interface Owner { home: string; uid?: number; gid?: number }

/** The person behind the lab: SUDO_USER when root was reached through sudo. */
function invokingUser(): Owner {
  const sudoUser = process.env.SUDO_USER;
  const uid = Number(process.env.SUDO_UID);
  const gid = Number(process.env.SUDO_GID);
  if (process.getuid?.() === 0 && sudoUser && Number.isInteger(uid) && uid > 0) {
    return { home: homeOf(sudoUser) ?? `/home/${sudoUser}`, uid, gid: Number.isInteger(gid) ? gid : uid };
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

/** The lab's state directory. BOXLAB_STATE_DIR names it outright (tests, odd setups). */
export function stateDir(): string {
  if (process.env.BOXLAB_STATE_DIR) return process.env.BOXLAB_STATE_DIR;
  const owner = invokingUser();
  // XDG_STATE_HOME is the invoking user's only when we were not started by sudo.
  const base = owner.uid === undefined && process.env.XDG_STATE_HOME ? process.env.XDG_STATE_HOME : join(owner.home, '.local', 'state');
  return join(base, 'boxlab');
}

/** The most a state file may hold (settings keep 200 history lines). */
const STATE_FILE_MAX = 1 << 20;

/** A state file's text. Under sudo only a regular file of the invoking user's, opened
 *  without following a link: root must not read a root-only file the user linked
 *  there (its text would come back in the user's own file). */
function readStateFile(file: string): string {
  const owner = invokingUser();
  const fd = openSync(file, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  try {
    const st = fstatSync(fd);
    if (!st.isFile() || st.size > STATE_FILE_MAX || (owner.uid !== undefined && st.uid !== owner.uid)) throw new Error(text.notStateFile);
    return readFileSync(fd, 'utf8');
  } finally {
    closeSync(fd);
  }
}

export function readJson<T>(file: string): T | undefined {
  try {
    return JSON.parse(readStateFile(file)) as T;
  } catch {
    return undefined;
  }
}

/** Write a JSON file atomically (a temporary file renamed over it), mode 0600, and any
 *  missing directory 0700. Under sudo the core does it as the invoking user, so
 *  everything is theirs and no link they planted can lead elsewhere. Throws on failure. */
export function writeJsonOwned(file: string, data: unknown): void {
  const text = JSON.stringify(data, null, 2) + '\n';
  const owner = invokingUser();
  if (owner.uid !== undefined) return writeFileAs(resolve(file), text, owner.uid, owner.gid!);
  // Our own directory: nothing here is anyone else's to swap.
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  const tmp = `${file}.tmp-${process.pid}`;
  writeFileSync(tmp, text, { mode: 0o600 });
  renameSync(tmp, file);
}
