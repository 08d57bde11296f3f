// Is a process still the one we recorded? A pid alone can be reused after the process
// dies; the pid plus its start time (field 22 of /proc/PID/stat) cannot. And a process
// that was killed but not yet reaped by its parent (a zombie, state Z; X while it is
// being reaped) still has its /proc entry: it is dead all the same.
import { readFileSync } from 'node:fs';

/** Fields 3 (state) and 22 (start time, in clock ticks since boot) of /proc/PID/stat. */
function statOf(pid: number): { state: string; start: string } | undefined {
  if (!Number.isInteger(pid) || pid <= 0) return undefined;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces and parentheses: split after the last ')'.
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { state: rest[0] ?? '', start: rest[19] ?? '' };
  } catch {
    return undefined;
  }
}

export function processStartTime(pid: number): string {
  return statOf(pid)?.start ?? '';
}

export function isSameProcessAlive(pid: number, start: string): boolean {
  const now = statOf(pid);
  return !!now && now.start !== '' && now.start === start && now.state !== 'Z' && now.state !== 'X';
}

/** Did the process that started at START begin no earlier than the one at SINCE? A
 *  boxlab records only processes it started itself, so all of them began after it. */
export function startedSince(start: string, since: string): boolean {
  return /^\d+$/.test(start) && /^\d+$/.test(since) && BigInt(start) >= BigInt(since);
}
