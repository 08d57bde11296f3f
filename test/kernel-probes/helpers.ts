// Live-test helpers: start a process in new namespaces with util-linux unshare, find
// the process that ends up running the command, and take everything down again.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';

export const isRoot = process.getuid?.() === 0;

export function have(cmd: string): boolean {
  return ['/usr/bin', '/bin', '/usr/sbin', '/sbin'].some((d) => existsSync(`${d}/${cmd}`));
}

export interface Started {
  /** the unshare process node spawned */
  parent: ChildProcess;
  /** the process running the command (with --fork: unshare's child) */
  pid: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function read(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}

/** Wait until `pid` runs `comm` (its exec is done, so every mount before it is made). */
async function waitComm(pid: number, comm: string, timeoutMs = 5000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (read(`/proc/${pid}/comm`).trim() === comm) return;
    await sleep(20);
  }
  throw new Error(`pid ${pid} did not become ${comm}`);
}

/**
 * Run `unshare ARGS...`; with `fork` the command is unshare's child, found through
 * /proc/PID/task/PID/children. --kill-child makes the kernel kill the child should the
 * test die without its afterEach.
 */
export async function startUnshare(args: string[], opts: { fork: boolean; comm: string }): Promise<Started> {
  const full = opts.fork ? ['--fork', '--kill-child', ...args] : args;
  const parent = spawn('unshare', full, { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  parent.stderr?.on('data', (b: Buffer) => (stderr += b.toString()));
  await new Promise<void>((resolve, reject) => {
    parent.once('spawn', resolve);
    parent.once('error', reject);
  });
  const started: Started = { parent, pid: parent.pid! };
  running.push(started);
  if (opts.fork) {
    const end = Date.now() + 5000;
    let child = 0;
    while (!child && Date.now() < end) {
      child = Number(read(`/proc/${parent.pid}/task/${parent.pid}/children`).trim().split(/\s+/)[0] || 0);
      if (!child) {
        if (parent.exitCode !== null) throw new Error(`unshare ${full.join(' ')} exited: ${stderr}`);
        await sleep(10);
      }
    }
    if (!child) throw new Error(`unshare ${full.join(' ')} made no child: ${stderr}`);
    started.pid = child;
  }
  await waitComm(started.pid, opts.comm);
  return started;
}

const running: Started[] = [];
const extra: number[] = [];

/** Remember another pid to kill at teardown. */
export function track(pid: number): void {
  extra.push(pid);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return !read(`/proc/${pid}/stat`).includes(') Z ');
  } catch {
    return false;
  }
}

/** SIGKILL everything started and wait until every pid is gone. The processes inside
 *  go first, so each unshare sees its child die, reaps it and exits by itself (nothing
 *  is orphaned to pid 1); an unshare still there after a moment is killed too. */
export async function killAll(): Promise<void> {
  const started = running.splice(0);
  const kill = (pid: number) => {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      /* already gone */
    }
  };
  // extra processes first, and a moment for their parents (ours) to reap them
  const extras = extra.splice(0);
  extras.forEach(kill);
  const reaped = Date.now() + 1000;
  while (extras.some((pid) => existsSync(`/proc/${pid}`)) && Date.now() < reaped) await sleep(10);
  const inner = [...extras, ...started.map((s) => s.pid).filter((pid) => !started.some((s) => s.parent.pid === pid))];
  inner.forEach(kill);
  const exited = (p: ChildProcess) => p.exitCode !== null || p.signalCode !== null;
  await Promise.all(
    started.map(async ({ parent }) => {
      if (exited(parent)) return;
      const done = new Promise((r) => parent.once('exit', r));
      const timer = setTimeout(() => kill(parent.pid!), 2000);
      if (started.some((s) => s.pid === parent.pid)) kill(parent.pid!);
      await done;
      clearTimeout(timer);
    }),
  );
  const pids = [...inner, ...started.map((s) => s.parent.pid!)];
  const end = Date.now() + 5000;
  while (pids.some(alive) && Date.now() < end) await sleep(20);
  const left = pids.filter(alive);
  if (left.length) throw new Error(`processes left behind: ${left.join(' ')}`);
}

export function run(cmd: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) =>
    execFile(cmd, args, { encoding: 'utf8', timeout: 10_000 }, (err, stdout, stderr) =>
      err ? reject(new Error(`${cmd} ${args.join(' ')}: ${stderr || err.message}`)) : resolve(stdout),
    ),
  );
}
