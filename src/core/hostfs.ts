// Removing and writing where another user can write (native/hostfs.c). Node has no
// openat2, no unlinkat on a directory fd and no setresuid for one call, and a path
// name in a user's directory is the user's to swap for a link at any moment; so root
// never removes or writes there by path. The core does it: `boxcore rmtree` by
// directory fds without following a link (the directories of the user a tree was
// handed to emptied as that user),
// `boxcore writefile --as` after becoming the user. Each costs a process start, a
// few milliseconds.
import { execFile, spawnSync } from 'node:child_process';
import { promisify } from 'node:util';
import { boxcorePath } from './binary.ts';
import { core as text } from '../text/index.ts';

const run = promisify(execFile);

/** The core's own words about what failed (a line per path, joined), else the error's. */
function reason(err: unknown): string {
  const e = err as { stderr?: string; message?: string };
  return (e.stderr ?? '').trim().split('\n').join('; ') || e.message || String(err);
}

/** Remove PATH and everything beneath it, never following a link nor leaving its
 *  filesystem; OWNER's directories (the user PATH was handed to) are emptied as OWNER.
 *  A PATH already gone is fine. Throws with what could not be removed. */
export async function removeTree(path: string, owner?: number): Promise<void> {
  try {
    await run(boxcorePath(), ['rmtree', ...(owner === undefined ? [] : ['--owner', String(owner)]), path]);
  } catch (err) {
    throw new Error(reason(err));
  }
}

/** Write FILE (and its missing directories, mode 0700) as uid:gid, atomically: a
 *  temporary file of mode 0600 renamed over it. Throws with the core's reason. */
export function writeFileAs(file: string, data: string, uid: number, gid: number): void {
  const r = spawnSync(boxcorePath(), ['writefile', '--as', `${uid}:${gid}`, file], { input: data, encoding: 'utf8' });
  if (r.error) throw r.error;
  if (r.status !== 0) throw new Error(r.stderr.trim() || text.writefileExited(r.status));
}
