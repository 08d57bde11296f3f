// Is a process still the one we recorded? A pid alone can be reused after the process
// dies; the pid plus its start time (field 22 of /proc/PID/stat) cannot. And a process
// that was killed but not yet reaped by its parent (a zombie, state Z; X while it is
// being reaped) still has its /proc entry: it is dead all the same.
import { readStat } from '../kernel/proc-stat.ts';

/** The process's start time, or '' when it is gone. */
export function processStartTime(pid: number): string {
  return readStat(pid)?.start ?? '';
}

export function isSameProcessAlive(pid: number, start: string): boolean {
  const now = readStat(pid);
  return !!now && now.start !== undefined && now.start !== '' && now.start === start && now.state !== 'Z' && now.state !== 'X';
}

/** Did the process that started at START begin no earlier than the one at SINCE? A
 *  boxlab records only processes it started itself, so all of them began after it. */
export function startedSince(start: string, since: string): boolean {
  return /^\d+$/.test(start) && /^\d+$/.test(since) && BigInt(start) >= BigInt(since);
}
