// Before a cgroup the lab made can be removed, it must be empty. After a crash its
// processes may still be there, and on v1 a frozen one cannot even die of SIGKILL
// until it is thawed (its freezer group may be in another tree than this directory).
// The group is the lab's (a bl- directory in its ledger), and so is what is in it.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

function read(path: string): string {
  try { return readFileSync(path, 'utf8'); } catch { return ''; }
}

function write(path: string, text: string): void {
  try { writeFileSync(path, text); } catch { /* gone meanwhile */ }
}

/** Thaw a v1 freezer group that is frozen (echo THAWED > freezer.state). */
function thaw(dir: string): void {
  if (/^(FROZEN|FREEZING)/.test(read(join(dir, 'freezer.state')))) write(join(dir, 'freezer.state'), 'THAWED');
}

/** Thaw the group's processes, then SIGKILL them (cgroup.kill on v2). */
export function emptyCgroup(dir: string): void {
  if (!existsSync(dir)) return;
  if (existsSync(join(dir, 'cgroup.kill'))) {
    write(join(dir, 'cgroup.kill'), '1');
    return;
  }
  thaw(dir);
  for (const pid of read(join(dir, 'cgroup.procs')).split('\n').filter(Boolean)) {
    // Its freezer group, from /proc/PID/cgroup ("6:freezer:/bl-run-1-1"): a lab one only.
    const freezer = /^\d+:(?:[^:]*,)?freezer(?:,[^:]*)?:(.*\/bl-[^/]*)$/m.exec(read(`/proc/${pid}/cgroup`))?.[1];
    if (freezer) thaw(join('/sys/fs/cgroup/freezer', freezer));
    try { process.kill(Number(pid), 'SIGKILL'); } catch { /* exited */ }
  }
}
