// Where the lab keeps what it remembers between runs (progress, settings, REPL history):
// the invoking user's XDG state directory, $XDG_STATE_HOME/boxlab or
// ~/.local/state/boxlab. Under sudo that is SUDO_USER's home, and every directory made
// and every file written there is handed to that user, so root never leaves a file the
// person cannot edit or delete in their own home.
import { chownSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';

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

export function readJson<T>(file: string): T | undefined {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as T;
  } catch {
    return undefined;
  }
}

/** Write a JSON file atomically (a temporary file renamed over it), mode 0600, owned by
 *  the invoking user, as is every directory made for it. Throws on failure. */
export function writeJsonOwned(file: string, data: unknown): void {
  const owner = invokingUser();
  const dir = dirname(file);
  const made = mkdirSync(dir, { recursive: true, mode: 0o700 });
  const tmp = `${file}.tmp-${process.pid}`;
  writeFileSync(tmp, JSON.stringify(data, null, 2) + '\n', { mode: 0o600 });
  if (owner.uid !== undefined) {
    // Every directory we made, from the first one created down, and the file.
    if (made) for (let d = dir; d.startsWith(made); d = dirname(d)) chownSync(d, owner.uid, owner.gid!);
    chownSync(tmp, owner.uid, owner.gid!);
  }
  renameSync(tmp, file);
}
