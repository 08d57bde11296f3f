// Is a process still the one we recorded? A pid alone can be reused after the process
// dies; the pid plus its start time (field 22 of /proc/PID/stat) cannot.
import { readStat } from '../kernel/proc-stat.ts';

/** The process's start time, or '' when it is gone. */
export function processStartTime(pid: number): string {
  return readStat(pid)?.start ?? '';
}

export function isSameProcessAlive(pid: number, start: string): boolean {
  const now = processStartTime(pid);
  return now !== '' && now === start;
}
