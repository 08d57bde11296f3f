// The container's processes as a tree, each with its PID outside (the host's) and
// inside (its own namespace's), read from NSpid in /proc/PID/status.
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

export interface TreeProc { outside: number; inside: number; ppid: number; name: string }

function field(status: string, name: string): string {
  return status.split('\n').find((l) => l.startsWith(name + ':'))?.slice(name.length + 1).trim() ?? '';
}

/** Every process in the same PID namespace as `pid` (nested ones included via NSpid). */
export function containerProcs(pid: number): TreeProc[] {
  let ns: string;
  try { ns = readlinkSync(`/proc/${pid}/ns/pid`); } catch { return []; }
  const depth = (s: string) => field(s, 'NSpid').split(/\s+/).length;
  let rootDepth: number;
  try { rootDepth = depth(readFileSync(`/proc/${pid}/status`, 'utf8')); } catch { return []; }
  const out: TreeProc[] = [];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const st = readFileSync(`/proc/${d}/status`, 'utf8');
      const ids = field(st, 'NSpid').split(/\s+/).map(Number);
      if (ids.length < rootDepth) continue;
      if (ids.length === rootDepth && readlinkSync(`/proc/${d}/ns/pid`) !== ns) continue;
      out.push({ outside: Number(d), inside: ids[rootDepth - 1] ?? 0, ppid: Number(field(st, 'PPid')), name: field(st, 'Name') });
    } catch { /* gone meanwhile, or not ours to read */ }
  }
  // Keep the tree rooted at pid: a process belongs if its parent chain reaches pid.
  const byPid = new Map(out.map((p) => [p.outside, p]));
  const belongs = (p: TreeProc): boolean => {
    for (let q: TreeProc | undefined = p, n = 0; q && n < 64; q = byPid.get(q.ppid), n++) if (q.outside === pid) return true;
    return false;
  };
  return out.filter(belongs);
}

/** Lines like "└─ 4243 → 2  sh". */
export function treeLines(pid: number, header: (outside: string, inside: string) => string): string[] {
  const procs = containerProcs(pid);
  if (!procs.length) return [];
  const kids = new Map<number, TreeProc[]>();
  for (const p of procs) kids.set(p.ppid, [...(kids.get(p.ppid) ?? []), p]);
  const lines = [header('outside', 'inside')];
  const walk = (p: TreeProc, prefix: string, last: boolean, top: boolean) => {
    lines.push(`${prefix}${top ? '' : last ? '└─ ' : '├─ '}${String(p.outside).padStart(7)} → ${String(p.inside).padEnd(5)} ${p.name}`);
    const c = (kids.get(p.outside) ?? []).sort((a, b) => a.outside - b.outside);
    c.forEach((k, i) => walk(k, top ? '' : prefix + (last ? '   ' : '│  '), i === c.length - 1, false));
  };
  const root = procs.find((p) => p.outside === pid);
  if (root) walk(root, '', true, true);
  return lines;
}
