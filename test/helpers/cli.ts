// The bundled CLI as a person runs it, from the kernel tests: `boxlab run` to its end
// without blocking vitest's worker, and long runs a test holds open and ends when it
// decides.
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { repoRoot } from '../../src/core/index.ts';

export const CLI = join(repoRoot(), 'dist', 'boxlab.mjs');

export interface Ran { code: number | null; stdout: string; stderr: string }

/** `boxlab run --rootfs ROOTFS ARGS...` to its end: its status and output. Spawned, not
 *  spawnSync'ed, so the worker keeps answering vitest's runner meanwhile. */
export async function runBoxlab(rootfs: string, args: string[], timeout = 90_000): Promise<Ran> {
  const child = spawn('node', [CLI, 'run', '--rootfs', rootfs, ...args], { stdio: ['ignore', 'pipe', 'pipe'], timeout });
  const { done } = watch(child, 'close');
  const { code, out, err } = await done;
  return { code, stdout: out, stderr: err };
}

/** A process's output collected as it comes: out() and err() so far, and done when it
 *  ends (its 'exit', or 'close' once its output is read too). */
export function watch(child: ChildProcess, end: 'exit' | 'close' = 'exit') {
  let out = '';
  let err = '';
  child.stdout!.on('data', (d: Buffer) => { out += d.toString(); });
  child.stderr!.on('data', (d: Buffer) => { err += d.toString(); });
  const done = new Promise<{ code: number | null; out: string; err: string }>((r) => child.once(end, (code: number | null) => r({ code, out, err })));
  return { out: () => out, err: () => err, done };
}

/** What a test left running ends: SIGTERM to each, and its exit awaited. */
export async function stopAll(running: ChildProcess[]): Promise<void> {
  for (const c of running.splice(0)) {
    if (c.exitCode === null && c.signalCode === null) {
      c.kill('SIGTERM');
      await new Promise((r) => c.once('exit', r));
    }
  }
}
