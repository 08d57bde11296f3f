// The programs a lesson's commands run: `boxcore` is on their PATH (the lab's own core,
// so a lesson can write `boxcore spec` as a person would type it), and a block that
// needs a program this machine lacks (`requires: [runc]`) is skipped, and says so.
import { delimiter, dirname } from 'node:path';
import { boxcorePath } from '../core/binary.ts';
import { findProgram } from '../runtime/programs.ts';

/** PATH for a lesson's commands: the core's directory first, then the lab's own PATH. */
function commandPath(): string {
  return [dirname(boxcorePath()), process.env.PATH ?? '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'].join(delimiter);
}

/** The lab's environment with that PATH, and `extra` on top. */
export function commandEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  return { ...process.env, PATH: commandPath(), ...extra };
}

/** The environment as a request's `env` (K=V), for a command the core starts: only
 *  the variables a command may care about (a request line has a size limit), and
 *  BOXLAB_OWNER, which marks what it starts as this lab's, as Core.start marks the core. */
export function envList(env: NodeJS.ProcessEnv): string[] {
  const keep = (k: string) => /^(PATH|HOME|USER|LOGNAME|LANG|LC_\w+|TERM|TMPDIR|BOXCORE|BOXLAB_(?!OWNER)\w+|DOCKER_HOST|DOCKER_CONFIG|CONTAINERD_ADDRESS)$/.test(k);
  const list = Object.entries(env).flatMap(([k, v]) => (v === undefined || !keep(k) ? [] : [`${k}=${v}`]));
  return [...list, `BOXLAB_OWNER=${process.pid}`];
}


/** Those of `programs` no directory of the commands' PATH holds, in order. */
export function missingPrograms(programs: readonly string[]): string[] {
  if (!programs.length) return [];
  const path = commandPath();
  return programs.filter((p) => findProgram(p, path.split(delimiter)) === undefined);
}
