// Is a process still the one we recorded? A pid alone can be reused after the process
// dies; the pid plus its start time (field 22 of /proc/PID/stat) cannot.
import { readFileSync } from 'node:fs';

export function processStartTime(pid: number): string {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces and parentheses: split after the last ')'.
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return rest[19] ?? '';
  } catch {
    return '';
  }
}

export function isSameProcessAlive(pid: number, start: string): boolean {
  const now = processStartTime(pid);
  return now !== '' && now === start;
}
