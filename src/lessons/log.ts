// The syscall log of a running lesson: each op (or command) with the syscalls it made
// and the shell command a person would type for the same. A step keeps its own entries;
// the lesson's log keeps the last 500 of everything but what checks read.
import type { LogEntry, LogSource } from './port.ts';

const KEEP = 500;

/** What a reply (or a command) says about itself. */
export interface Said { op: string; ok: boolean; syscalls?: string[]; shell?: string; error?: { message: string } }

export class SyscallLog {
  private list: readonly LogEntry[] = Object.freeze([]);

  /** `added` hears of every entry the lesson's log takes. */
  constructor(private added: (entry: LogEntry) => void) {}

  get entries(): readonly LogEntry[] { return this.list; }

  clear(): void { this.list = Object.freeze([]); }

  /** Write what happened into `into` (the step's own log) and, unless a check only
   *  read something, into the lesson's. */
  add(source: LogSource, said: Said, into: LogEntry[]): void {
    const entry: LogEntry = { source, op: said.op, ok: said.ok, syscalls: said.syscalls ?? [], shell: said.shell ?? '', error: said.error?.message, at: Date.now() };
    into.push(entry);
    if (source === 'check') return;
    this.list = Object.freeze([...this.list, entry].slice(-KEEP));
    this.added(entry);
  }
}
