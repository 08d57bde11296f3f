// The ledger: every host resource the lab makes is written down before it is made,
// and crossed out after it is gone. If boxlab dies before crossing it out (SIGKILL, a
// crash, a power cut), `boxlab cleanup` finds the ledger of a dead owner and undoes
// what it lists, and nothing else.
//
// On disk: one append-only JSON-lines file per boxlab process, in ledgerDir():
//   {"owner":{"pid":123,"start":"98765"}}               first line: who owns it
//   {"add":{"id":1,"kind":"dir","path":"/run/boxlab/bl-..."}}   before making it
//   {"done":1}                                           after removing it
// Appends of one short line are atomic, so a concurrent reader never sees half a line.
import { appendFileSync, closeSync, constants, fstatSync, lstatSync, mkdirSync, openSync, readFileSync, rmdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { ledger as t } from '../text/index.ts';
import { ledgerDir } from './paths.ts';
import { processStartTime } from './proc.ts';
import { removeResource, type Resource } from './resources.ts';
import { describeDistrust, distrust, distrustFix, type Wanted } from './trust.ts';

export type Entry = Resource & { id: number; scope?: string };

export class Ledger {
  private nextId = 1;
  private live = new Map<number, Entry>();

  private constructor(readonly file: string, private dir: string, private ownerStart: string) {}

  /** Its state root, the directory above the ledger directory: the only place a path in
   *  this ledger may point (resources.ts refuses any other), so whatever the lab makes
   *  and records here is made here. */
  get root(): string { return dirname(this.dir); }

  /** One open ledger per directory and process: every part of boxlab that opens it gets
   *  the same one, so no part can truncate another's entries. */
  private static opened = new Map<string, Ledger>();

  /** Open this process's ledger (cheap to call again: it returns the open one). */
  static open(dir = ledgerDir()): Ledger {
    const open = Ledger.opened.get(dir);
    if (open) return open;
    const file = join(dir, `bl-${process.pid}.jsonl`);
    const owner = { pid: process.pid, start: processStartTime(process.pid) };
    // Another boxlab closing may remove the empty directories between our mkdir and
    // our write (see close): then make them again.
    for (let tries = 0; ; tries++) {
      makeLedgerDir(dir);
      try {
        writeFileSync(file, JSON.stringify({ owner }) + '\n', { mode: 0o600 });
        break;
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (code === 'ENOENT' && tries < 3) continue;
        // A full disk leaves the file made and empty: it goes, and the error says where.
        rmSync(file, { force: true });
        throw ledgerWriteError(file, err);
      }
    }
    const ledger = new Ledger(file, dir, owner.start);
    Ledger.opened.set(dir, ledger);
    return ledger;
  }

  /** Write the resource down, then make it. If making it fails, the entry is crossed out. */
  async track<T>(resource: Resource, make: () => Promise<T> | T, scope?: string): Promise<T> {
    const entry = this.record(resource, scope);
    try {
      return await make();
    } catch (err) {
      // It may be half made (a directory created, then a failure): undo what exists.
      await this.release(entry.id);
      throw err;
    }
  }

  /** Write the resource down before making it yourself; returns the entry to release. */
  record(resource: Resource, scope?: string): Entry {
    const entry: Entry = { ...resource, id: this.nextId++, scope };
    this.append({ add: entry });
    this.live.set(entry.id, entry);
    return entry;
  }

  /** After a write that failed (a full disk may leave part of a line), the next line
   *  starts on a line of its own, so a torn line never swallows the entry after it. */
  private torn = false;

  private append(rec: object): void {
    try {
      appendFileSync(this.file, (this.torn ? '\n' : '') + JSON.stringify(rec) + '\n');
      this.torn = false;
    } catch (err) {
      this.torn = true;
      throw ledgerWriteError(this.file, err);
    }
  }

  /** Remove the resource (if it still exists) and cross it out. */
  async release(id: number): Promise<void> {
    const entry = this.live.get(id);
    if (!entry) return;
    await removeResource(entry, { root: this.root, ownerStart: this.ownerStart });
    this.forget(id);
  }

  /** Cross out without removing: for a resource that something else already removed. */
  forget(id: number): void {
    if (!this.live.delete(id)) return;
    this.append({ done: id });
  }

  /** Remove everything (or one scope's) in reverse order of making. Errors are collected,
   *  not thrown midway, so one stuck resource does not keep the rest on the host. */
  async unwind(scope?: string): Promise<Error[]> {
    const errors: Error[] = [];
    const entries = [...this.live.values()].filter((e) => scope === undefined || e.scope === scope).reverse();
    for (const e of entries) {
      try {
        await this.release(e.id);
      } catch (err) {
        errors.push(err as Error);
      }
    }
    return errors;
  }

  /** Unwind one scope (a container, a build) and throw if anything could not be
   *  removed: the part of boxlab that made it must hear of it, never carry on as if the
   *  host were clean. What failed stays in the ledger, for close() and `boxlab cleanup`. */
  async unwindOrThrow(scope: string): Promise<void> {
    const errors = await this.unwind(scope);
    if (errors.length) throw new LeftBehindError(errors);
  }

  entries(): Entry[] { return [...this.live.values()]; }

  /** Unwind everything and delete the ledger file itself. */
  async close(): Promise<Error[]> {
    const errors = await this.unwind();
    if (this.live.size === 0) {
      rmSync(this.file, { force: true });
      removeEmptyStateRoot(this.dir);
    }
    Ledger.opened.delete(this.dir);
    return errors;
  }
}

/** What an unwind could not remove, each with the reason. */
export class LeftBehindError extends Error {
  constructor(readonly errors: Error[]) {
    super(t.leftBehind(errors.map((e) => e.message)));
  }
}

/** BODY, then CLEANUP however BODY ends. When both fail, BODY's error is the one thrown:
 *  it says why the work stopped, and what CLEANUP could not remove stays in the ledger,
 *  whose close() names it. When only CLEANUP fails (something left behind), its error
 *  is thrown, so work that leaves something on the host never looks done. */
export async function thenCleanUp<T>(body: () => Promise<T>, cleanup: () => Promise<void>): Promise<T> {
  let result: T;
  try {
    result = await body();
  } catch (err) {
    await cleanup().catch(() => undefined);
    throw err;
  }
  await cleanup();
  return result;
}

/** The most a ledger file may hold: a long session writes some thousands of lines. */
const LEDGER_MAX = 16 << 20;

/** Read a ledger file that must be ours: a regular file (never a link: O_NOFOLLOW),
 *  owned by this user, writable by no one else, of a size a boxlab writes. */
function readOwnLedger(file: string): string {
  const fd = openSync(file, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  try {
    const st = fstatSync(fd);
    const me = process.geteuid?.() ?? 0;
    if (!st.isFile()) throw new Error(t.ledgerFile(file, describeDistrust({ path: file, why: 'not-file' })));
    if (st.uid !== me) throw new Error(t.ledgerFile(file, describeDistrust({ path: file, why: 'owner', uid: st.uid })));
    if (st.mode & 0o022) throw new Error(t.ledgerFile(file, describeDistrust({ path: file, why: 'writable', mode: st.mode & 0o7777 })));
    if (st.size > LEDGER_MAX) throw new Error(t.ledgerTooBig(file, LEDGER_MAX));
    return readFileSync(fd, 'utf8');
  } finally {
    closeSync(fd);
  }
}

/** What a ledger file says is still live: entries added and not crossed out. */
export function readLedger(file: string): { owner?: { pid: number; start: string }; live: Entry[] } {
  const live = new Map<number, Entry>();
  let owner: { pid: number; start: string } | undefined;
  for (const line of readOwnLedger(file).split('\n')) {
    if (!line.trim()) continue;
    let rec: { owner?: typeof owner; add?: Entry; done?: number };
    try {
      rec = JSON.parse(line);
    } catch {
      continue; // a torn last line from a crash mid-write: the entry before it still counts
    }
    if (rec === null || typeof rec !== 'object') continue;
    if (rec.owner) owner = rec.owner;
    if (rec.add) live.set(rec.add.id, rec.add);
    if (rec.done !== undefined) live.delete(rec.done);
  }
  return { owner, live: [...live.values()] };
}

/** Refuse a state root or ledger directory that is not the caller's alone. */
function assertOwnDir(path: string, wanted: Wanted): void {
  const problem = distrust(path, wanted);
  if (problem) throw new Error(t.stateRoot(path, describeDistrust(problem), distrustFix(problem)));
}

/** Make the state root and its ledger directory when missing, then refuse them unless
 *  they are the caller's alone: a ledger says what boxlab removes, so whoever can write
 *  there decides it. Root's state root may be searchable by all (mode 0755: a rootless
 *  core reaches its overlay directories through it); the ledger directory is 0700. */
export function makeLedgerDir(dir: string): void {
  const root = dirname(dir);
  // One that is there already is judged before anything is made in it (mkdir follows
  // a link, and fails on a dangling one).
  if (lstatSync(root, { throwIfNoEntry: false })) assertOwnDir(root, { mine: true });
  mkdirSync(root, { recursive: true, mode: process.geteuid?.() === 0 ? 0o755 : 0o700 });
  assertOwnDir(root, { mine: true });
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  assertOwnDir(dir, { mine: true, private: true });
}

/** The ledger directory, if it exists, checked as makeLedgerDir checks it. */
export function checkLedgerDir(dir: string): void {
  assertOwnDir(dirname(dir), { mine: true });
  assertOwnDir(dir, { mine: true, private: true });
}

/** An error writing a ledger, with its path and what to do (Node's says only "write"). */
function ledgerWriteError(file: string, err: unknown): Error {
  const e = err as NodeJS.ErrnoException;
  return new Error(t.ledgerWrite(file, e.code ?? '', e.message ?? String(err)));
}

/** The default ledger directory and state root (/run/boxlab, or boxlab-UID in the
 *  user's runtime dir) are the lab's: once empty (no other boxlab has a ledger, no
 *  container its state) they go too, so the host is left as it was. rmdir refuses a
 *  directory that is not empty. A directory given to boxlab (BOXLAB_STATE_DIR, a
 *  caller's own) is left to whoever gave it. */
export function removeEmptyStateRoot(dir: string): void {
  if (process.env.BOXLAB_STATE_DIR || dir !== ledgerDir()) return;
  for (const d of [dir, dirname(dir)]) {
    try { rmdirSync(d); } catch { return; }
  }
}
