// Where detached containers keep their state, and reading it back. Each has a directory
// in the state root (root's /run/boxlab), made and owned by its supervisor and in the
// supervisor's ledger, so it goes with the supervisor (rm) or after it (cleanup):
//
//   bl-ct-SHORTID/                 mode 0700
//     container.json               what it is and how it is doing (written by the
//                                  supervisor only, replaced whole by a rename)
//     ctl.sock                     the supervisor's control socket (stop, remove)
//     ID-json.log[.1 ...]          its output (src/runtime/logs)
//     upper/                       its overlay upper directory, kept across restarts
//   bl-name-NAME/                  empty: held by the container named NAME (mkdir is the
//                                  lock that makes names unique)
//
// The command line reads what a supervisor wrote, so it is hostile until checked: the
// state root must pass the ledger's trust check, each directory must be the caller's
// and closed to others, container.json a regular file of the caller's, at most 1 MiB,
// and every field of the expected type and range, or the container is not listed and
// the reason is said.
import { closeSync, constants, fstatSync, lstatSync, mkdirSync, openSync, readdirSync, readFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { cgroupDirs } from '../../kernel/views/cgroup.ts';
import { describeDistrust, distrust } from '../../ledger/trust.ts';
import { stateRoot, type Ledger } from '../../ledger/index.ts';
import { isSameProcessAlive } from '../../ledger/proc.ts';
import { containers as t } from '../../text/index.ts';
import type { HealthConfig, HealthState } from './health.ts';
import type { RestartPolicy } from './restart.ts';
import type { LogOptions } from '../logs/jsonfile.ts';

/** What the supervisor writes: Docker's statuses, less those the reader works out
 *  (dead: the supervisor is gone; paused: the group is frozen). */
export type WrittenStatus = 'created' | 'running' | 'restarting' | 'exited' | 'removing';
export type Status = WrittenStatus | 'dead' | 'paused';

export interface ContainerRecord {
  id: string;
  name: string;
  /** epoch ms */
  created: number;
  /** the rootfs it runs (boxlab run has no images) */
  image: string;
  argv: string[];
  restart: RestartPolicy;
  health?: HealthConfig;
  log: LogOptions;
  autoRemove: boolean;
  ports: string[];
  supervisor: { pid: number; start: string };
  state: {
    status: WrittenStatus;
    /** the init's pid as the host sees it, and its start time; 0 when not running */
    pid: number;
    pidStart: string;
    /** epoch ms; 0: never */
    startedAt: number;
    finishedAt: number;
    exitCode: number;
    restartCount: number;
    health?: HealthState;
    /** why the last start failed ('' when it did not) */
    error: string;
  };
}

/** A container as the command line sees it: the record, its status worked out, and where. */
export interface Listed extends ContainerRecord {
  status: Status;
  dir: string;
}

export const CONTAINER_PREFIX = 'bl-ct-';
export const NAME_PREFIX = 'bl-name-';
const MAX_RECORD = 1 << 20;
/** Docker's container names. */
export const NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]{1,127}$/;
const ID = /^[0-9a-f]{64}$/;

export const shortId = (id: string) => id.slice(0, 12);
export const containerDir = (id: string, root = stateRoot()) => join(root, CONTAINER_PREFIX + shortId(id));
export const nameDir = (name: string, root = stateRoot()) => join(root, NAME_PREFIX + name);
export const recordFile = (dir: string) => join(dir, 'container.json');
export const controlSocket = (dir: string) => join(dir, 'ctl.sock');
export const logPath = (dir: string, id: string) => join(dir, `${id}-json.log`);

export function newId(): string {
  return randomBytes(32).toString('hex');
}

export class StoreError extends Error {}

// ---------------------------------------------------------------- checking

type Check = (v: unknown) => boolean;
const isStr = (max = 4096): Check => (v) => typeof v === 'string' && v.length <= max;
const isInt = (min: number, max: number): Check => (v) => Number.isInteger(v) && (v as number) >= min && (v as number) <= max;
const isNum: Check = (v) => typeof v === 'number' && Number.isFinite(v) && v >= 0;
const isList = (each: Check, max: number): Check => (v) => Array.isArray(v) && v.length <= max && v.every(each);
const isObj = (fields: Record<string, Check>, optional: string[] = []): Check => (v) =>
  !!v && typeof v === 'object' && !Array.isArray(v) &&
  Object.entries(fields).every(([k, c]) => (optional.includes(k) && (v as Record<string, unknown>)[k] === undefined) || c((v as Record<string, unknown>)[k]));
const oneOf = (...xs: unknown[]): Check => (v) => xs.includes(v);

const result = isObj({ start: isNum, end: isNum, exitCode: isInt(-1, 255), output: isStr(8192) });
const RECORD: Check = isObj({
  id: (v) => typeof v === 'string' && ID.test(v),
  name: (v) => typeof v === 'string' && NAME.test(v),
  created: isNum,
  image: isStr(),
  argv: isList(isStr(), 4096),
  restart: isObj({ name: oneOf('no', 'on-failure', 'always', 'unless-stopped'), maxRetries: isInt(0, 1_000_000) }),
  health: isObj({ cmd: isStr(), intervalMs: isNum, timeoutMs: isNum, retries: isInt(1, 1_000_000), startPeriodMs: isNum, startIntervalMs: isNum }),
  log: isObj({ maxSize: (v) => v === -1 || isInt(1, Number.MAX_SAFE_INTEGER)(v), maxFiles: isInt(1, 1000) }),
  autoRemove: (v) => typeof v === 'boolean',
  ports: isList(isStr(64), 1024),
  supervisor: isObj({ pid: isInt(2, 2 ** 22), start: (v) => typeof v === 'string' && /^\d+$/.test(v) }),
  state: isObj({
    status: oneOf('created', 'running', 'restarting', 'exited', 'removing'),
    pid: isInt(0, 2 ** 22),
    pidStart: (v) => typeof v === 'string' && /^\d*$/.test(v),
    startedAt: isNum,
    finishedAt: isNum,
    exitCode: isInt(-1, 255),
    restartCount: isInt(0, Number.MAX_SAFE_INTEGER),
    health: isObj({ status: oneOf('starting', 'healthy', 'unhealthy'), failingStreak: isInt(0, Number.MAX_SAFE_INTEGER), log: isList(result, 5) }),
    error: isStr(),
  }, ['health']),
}, ['health']);

/** A directory of the caller's that no one else may enter (a container's), or why not. */
function privateDirProblem(dir: string): string | undefined {
  const st = lstatSync(dir, { throwIfNoEntry: false });
  const me = process.geteuid?.() ?? 0;
  if (!st) return describeDistrust({ path: dir, why: 'missing' });
  if (st.isSymbolicLink()) return describeDistrust({ path: dir, why: 'link' });
  if (!st.isDirectory()) return describeDistrust({ path: dir, why: 'not-dir' });
  if (st.uid !== me) return describeDistrust({ path: dir, why: 'owner', uid: st.uid });
  if (st.mode & 0o077) return describeDistrust({ path: dir, why: 'writable', mode: st.mode & 0o7777 });
  return undefined;
}

/** container.json of DIR, read as a regular file of the caller's, bounded, and checked. */
export function readRecord(dir: string): ContainerRecord {
  const problem = privateDirProblem(dir);
  if (problem) throw new StoreError(t.store.notOurs(dir, problem));
  const file = recordFile(dir);
  let fd: number;
  try {
    fd = openSync(file, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (err) {
    throw new StoreError(t.store.unreadable(file, (err as NodeJS.ErrnoException).code ?? String(err)));
  }
  let text: string;
  try {
    const st = fstatSync(fd);
    if (!st.isFile() || st.uid !== (process.geteuid?.() ?? 0) || st.mode & 0o022) throw new StoreError(t.store.notOurs(file, t.store.notPlainFile));
    if (st.size > MAX_RECORD) throw new StoreError(t.store.tooBig(file, MAX_RECORD));
    text = readFileSync(fd, 'utf8');
  } finally {
    closeSync(fd);
  }
  let v: unknown;
  try { v = JSON.parse(text); } catch { throw new StoreError(t.store.malformed(file)); }
  if (!RECORD(v)) throw new StoreError(t.store.malformed(file));
  const rec = v as ContainerRecord;
  if (containerDir(rec.id, join(dir, '..')) !== dir) throw new StoreError(t.store.malformed(file));
  return rec;
}

/** Is the init's cgroup frozen (v2 cgroup.events "frozen 1", v1 freezer.state FROZEN)? */
function frozen(pid: number): boolean {
  let dirs;
  try {
    dirs = cgroupDirs(readFileSync(`/proc/${pid}/cgroup`, 'utf8'), readFileSync('/proc/self/mountinfo', 'utf8'));
  } catch {
    return false;
  }
  return dirs.some((d) => {
    const file = d.version === 2 ? 'cgroup.events' : d.controllers.includes('freezer') ? 'freezer.state' : undefined;
    if (!file) return false;
    try {
      const text = readFileSync(join(d.dir, file), 'utf8');
      return /^frozen 1$/m.test(text) || /^FROZEN/.test(text);
    } catch {
      return false;
    }
  });
}

/** The status a person sees: the supervisor's word, unless it is gone (dead) or the
 *  running container's group is frozen (paused). */
export function statusOf(rec: ContainerRecord): Status {
  if (!isSameProcessAlive(rec.supervisor.pid, rec.supervisor.start)) return 'dead';
  if (rec.state.status === 'running' && rec.state.pid && frozen(rec.state.pid)) return 'paused';
  return rec.state.status;
}

/** Every detached container in the state root, oldest first, and what could not be read. */
export function listContainers(root = stateRoot()): { containers: Listed[]; problems: string[] } {
  const out: Listed[] = [];
  const problems: string[] = [];
  const st = lstatSync(root, { throwIfNoEntry: false });
  if (!st) return { containers: out, problems };
  const bad = distrust(root, { mine: true });
  if (bad) return { containers: out, problems: [t.store.rootNotOurs(root, describeDistrust(bad))] };
  for (const name of readdirSync(root).filter((n) => /^bl-ct-[0-9a-f]{12}$/.test(n)).sort()) {
    const dir = join(root, name);
    try {
      const rec = readRecord(dir);
      out.push({ ...rec, status: statusOf(rec), dir });
    } catch (err) {
      // A container being made has no record yet: that is no problem to report.
      if (!(err instanceof StoreError && /ENOENT/.test(err.message))) problems.push((err as Error).message);
    }
  }
  return { containers: out.sort((a, b) => a.created - b.created), problems };
}

/** The container a person means: its name, its whole ID, or a prefix of one ID. */
export function findContainer(list: Listed[], ref: string): Listed {
  const byName = list.find((c) => c.name === ref);
  if (byName) return byName;
  const byId = /^[0-9a-f]+$/.test(ref) ? list.filter((c) => c.id.startsWith(ref)) : [];
  if (byId.length === 1) return byId[0]!;
  if (byId.length > 1) throw new StoreError(t.store.ambiguous(ref, byId.map((c) => shortId(c.id))));
  throw new StoreError(t.store.noSuch(ref));
}

/** Hold NAME for a container: mkdir of bl-name-NAME, which fails when another holds it
 *  (a detached container, or a `boxlab run --name` that runs). In the ledger first, and
 *  crossed out (not removed: it is the other's) when the name is taken. */
export async function reserveName(ledger: Ledger, name: string, scope?: string): Promise<void> {
  const dir = nameDir(name);
  const entry = ledger.record({ kind: 'dir', path: dir }, scope);
  try {
    mkdirSync(dir, { mode: 0o700 });
  } catch (err) {
    ledger.forget(entry.id);
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    const holder = listContainers().containers.find((c) => c.name === name);
    throw new StoreError(t.store.nameInUse(name, holder && shortId(holder.id)));
  }
}
