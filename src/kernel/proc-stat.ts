// /proc/PID/stat, read in one place. Its second field, the command name in parentheses,
// may itself hold spaces and parentheses, so the fields after it are split after the
// last ')'. proc(5) numbers the fields from 1: 3 is the state, 4 the parent pid, 22 the
// start time in clock ticks since boot (with the pid, what names one process for good:
// a pid alone is reused after the process dies).
import { readFileSync } from 'node:fs';

export interface ProcStat {
  /** R, S, D, Z, T, t, X, I */
  state: string;
  ppid: number;
  /** start time in clock ticks, as written (it may exceed a safe integer) */
  start?: string;
}

export function parseStat(text: string): ProcStat {
  const fields = text.slice(text.lastIndexOf(')') + 2).trim().split(/\s+/);
  return { state: fields[0] ?? '', ppid: Number(fields[1] ?? 0), start: fields[19] };
}

/** The process's stat now, or undefined when it is gone (or cannot be read). */
export function readStat(pid: number): ProcStat | undefined {
  if (!Number.isInteger(pid) || pid <= 0) return undefined;
  try {
    return parseStat(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return undefined;
  }
}
