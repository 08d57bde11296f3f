// Lessons run by the built CLI, for tests that stop them part way.
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { repoRoot } from '../../src/core/binary.ts';

export const cli = join(repoRoot(), 'dist', 'boxlab.mjs');

/** Start `boxlab lesson ID --yes --until K`; resolve once it says it holds after step K
 *  (its containers still up), reject if it ends before. */
export async function holdAt(id: string, k: number, env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1' }): Promise<ChildProcess> {
  const child = spawn('node', [cli, 'lesson', id, '--yes', '--until', String(k)], { stdio: ['ignore', 'pipe', 'pipe'], env });
  let out = '';
  await new Promise<void>((resolve, reject) => {
    const onData = (d: Buffer) => {
      out += d.toString();
      if (out.includes(`holding after step ${k} `)) resolve();
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => reject(new Error(`lesson ${id} ended (${code}) before step ${k}:\n${out}`)));
  });
  return child;
}
