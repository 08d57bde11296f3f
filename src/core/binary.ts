// Where the native core lives. The CLI runs either bundled (dist/boxlab.mjs) or from
// source (src/core/*.ts under vitest); both sit one or two levels below the repo root.
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 4; i++) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'native'))) return dir;
    dir = resolve(dir, '..');
  }
  return process.cwd();
}

/** The boxcore binary: $BOXCORE if set, else native/boxcore of this checkout. */
export function boxcorePath(): string {
  return process.env.BOXCORE ?? join(repoRoot(), 'native', 'boxcore');
}
