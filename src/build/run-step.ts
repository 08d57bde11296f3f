// RUN: a real container over the layers built so far, made as `boxlab run` makes one
// (src/runtime/container.ts: namespaces, an overlay, /proc, /dev, pivot_root, Docker's
// capabilities), whose overlay upper directory is the new layer. The command's output
// is passed on line by line; its exit status decides whether the build goes on.
//
// The container has its own network namespace with loopback only (nothing is fetched
// while building), its stdin at end of file, its working directory made if missing,
// and runs as USER when one is set (the `user` op: setgroups, setresgid, setresuid).
// The mount points the container needed and the image did not have (/proc, /sys,
// /dev made in the upper directory) are taken out again, as BuildKit and buildah do:
// they are not what the command wrote.
import { lstatSync, readdirSync, rmdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { NAMESPACES } from '../core/index.ts';
import { thenCleanUp, type Ledger } from '../ledger/index.ts';
import { Container, type RunSpec } from '../runtime/container.ts';
import type { Limits } from '../runtime/cgroup-flags.ts';
import { Dir } from './fsroot.ts';
import { resolveIds } from './users.ts';
import { ensureDir } from './writer.ts';

export interface RunRequest {
  argv: string[];
  env: string[];
  cwd: string;
  user?: string;
  lowers: string[];
  upper: string;
  limits?: Limits;
  /** Each line the command writes (stdout and stderr). */
  onOutput: (line: string, stream: 'stdout' | 'stderr') => void;
}

/** The mount points a container makes at the top of its root. */
const STUBS = ['proc', 'sys', 'dev'];

/** Is NAME in the image the lowers make (the first lower that says anything decides:
 *  a whiteout means deleted)? */
function inLowers(lowers: string[], name: string): boolean {
  for (const dir of lowers) {
    try {
      const st = lstatSync(join(dir, name));
      return !(st.isCharacterDevice() && st.rdev === 0);
    } catch { /* not in this layer */ }
  }
  return false;
}

/** Remove the empty mount points the container made that the image did not have. */
function removeStubs(upper: string, lowers: string[]): void {
  for (const name of STUBS) {
    const path = join(upper, name);
    try {
      if (!inLowers(lowers, name) && lstatSync(path).isDirectory() && readdirSync(path).length === 0) rmdirSync(path);
    } catch { /* not made */ }
  }
}

/** A line longer than this is passed on in pieces: a command that prints without
 *  newlines must not grow the build's memory. */
const MAX_LINE = 64 << 10;

function lines(stream: Readable | null, which: 'stdout' | 'stderr', onOutput: RunRequest['onOutput']): Promise<void> {
  if (!stream) return Promise.resolve();
  return new Promise((resolve) => {
    let rest = '';
    stream.setEncoding('utf8');
    stream.on('data', (chunk: string) => {
      rest += chunk;
      let nl: number;
      while ((nl = rest.indexOf('\n')) >= 0 || rest.length > MAX_LINE) {
        const end = nl >= 0 && nl <= MAX_LINE ? nl : MAX_LINE;
        onOutput(rest.slice(0, end), which);
        rest = rest.slice(end + (end === nl ? 1 : 0));
      }
    });
    stream.once('close', () => {
      if (rest) onOutput(rest, which);
      resolve();
    });
  });
}

/** Run the command; resolves with its exit code (128+N for signal N). */
export async function runInContainer(req: RunRequest, ledger: Ledger): Promise<number> {
  const spec: RunSpec = {
    rootfs: req.lowers[0]!,
    lowers: req.lowers,
    upper: req.upper,
    argv: req.argv,
    cwd: req.cwd,
    ns: NAMESPACES.filter((n) => n !== 'user'),
    hostname: 'boxlab-build',
    volumes: [],
    tmpfs: [],
    readOnly: false,
    env: req.env,
    net: 'none',
    limits: req.limits,
    security: { privileged: false, capAdd: [], capDrop: [], noNewPrivileges: false },
  };
  const box = await Container.create(spec, ledger, { stdio: 'pipe' });
  const done = [lines(box.core.stdout, 'stdout', req.onOutput), lines(box.core.stderr, 'stderr', req.onOutput)];
  box.core.stdin?.end();
  return thenCleanUp(async () => {
    await box.prepare(spec, ledger);
    // After pivot_root the container's root is the merged overlay: the host reaches it
    // through /proc/PID/root, and resolves the user and the working directory there.
    const root = Dir.open(`/proc/${box.pid}/root`);
    let ids;
    try {
      ids = req.user ? resolveIds(root, req.user, 'run') : undefined;
      ensureDir(root, req.cwd);
    } finally {
      root.close();
    }
    if (ids && (ids.uid !== 0 || ids.gid !== 0 || ids.groups.length)) await box.core.user(box.ct!, ids);
    if (!spec.env.some((e) => e.startsWith('HOME='))) spec.env = [...spec.env, `HOME=${ids?.home ?? '/root'}`];
    await box.exec(spec);
    return (await box.wait()).code;
  }, async () => {
    try {
      await box.stop(ledger);
    } finally {
      await Promise.race([Promise.all(done), new Promise((r) => setTimeout(r, 1000).unref())]);
      removeStubs(req.upper, req.lowers);
    }
  });
}
