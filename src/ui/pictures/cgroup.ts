// The container's control groups as a picture, from the cgroup view's rows: the path
// from the tree's root down to the group, and under the group its limits with what it
// uses as bars (memory, pids), the CPU share it may take and took, and the events that
// count trouble (OOM kills, forks refused). cgroup v1 has a tree per controller; trees
// that put the group at the same path are drawn once.
import chalk from 'chalk';
import type { Row, RowChange } from '../../kernel/types.ts';
import { bar } from '../draw.ts';
import { kernel as words, ui as text } from '../../text/index.ts';
import type { PictureRow } from './rows.ts';

interface Group { path: string; trees: string[]; files: Map<string, { row: Row; change: RowChange }> }

/** Groups in view order, the rows after each group row being its files. */
export function cgroupModel(rows: PictureRow[]): Group[] {
  const groups: Group[] = [];
  let current: Group | undefined;
  for (const { row, change } of rows) {
    if (change === 'removed') continue;
    if (row.key.startsWith('group:')) {
      const path = row.cells.value ?? '';
      const tree = row.cells.file ?? '';
      current = groups.find((g) => g.path === path);
      if (current) current.trees.push(tree);
      else groups.push((current = { path, trees: [tree], files: new Map() }));
    } else current?.files.set(row.key, { row, change });
  }
  return groups;
}

const num = (s: string | undefined) => (s !== undefined && /^\d+$/.test(s.trim()) ? Number(s) : undefined);

function value(g: Group, ...keys: string[]): { value: string; meaning: string; change: RowChange } | undefined {
  for (const k of keys) {
    const f = g.files.get(k);
    if (f) return { value: f.row.cells.value ?? '', meaning: f.row.cells.meaning ?? '', change: f.change };
  }
  return undefined;
}

const unlimited = (v: { value: string; meaning: string }) => v.value === 'max' || v.meaning === words.cgroupMeanings.unlimited;

/** "[████░░░░]  684 KiB of 64 MiB", or the usage alone when there is no limit. */
function usageLine(used: { value: string; meaning: string } | undefined, limit: { value: string; meaning: string } | undefined, barWidth: number): string | undefined {
  if (!used && !limit) return undefined;
  const u = used ? used.meaning || used.value : '?';
  if (!limit || unlimited(limit)) return `${chalk.dim(bar(0, barWidth).replace(/░/g, '·'))}  ${text.picture.cgUsedNoLimit(u)}`;
  const share = (num(used?.value) ?? 0) / (num(limit.value) || 1);
  const paintBar = share >= 0.9 ? chalk.red : share >= 0.6 ? chalk.yellow : chalk.green;
  return `${paintBar(bar(share, barWidth))}  ${text.picture.cgUsedOf(u, limit.meaning || limit.value)}`;
}

function cpuLine(g: Group): string | undefined {
  const p = text.picture;
  let limit: string | undefined;
  const v2 = value(g, 'cpu.max');
  if (v2) limit = v2.meaning;
  const quota = num(value(g, 'cpu.cfs_quota_us')?.value);
  const period = num(value(g, 'cpu.cfs_period_us')?.value);
  if (!v2 && period) limit = quota ? words.cgroupMeanings.cpus(quota / period) : words.cgroupMeanings.unlimited;
  const usec = num(value(g, 'cpu.stat:usage_usec')?.value);
  const nsec = num(value(g, 'cpuacct.usage')?.value);
  const used = usec !== undefined ? usec / 1e6 : nsec !== undefined ? nsec / 1e9 : undefined;
  const throttled = num(value(g, 'cpu.stat:nr_throttled')?.value);
  if (limit === undefined && used === undefined) return undefined;
  return [limit !== undefined ? p.cgCpuLimit(limit) : '', used !== undefined ? p.cgCpuUsed(used) : '', throttled ? chalk.yellow(p.cgThrottled(throttled)) : '']
    .filter(Boolean).join(' · ');
}

/** Events worth a look, the non-zero ones standing out. */
function eventsLine(g: Group): string {
  const keys = ['memory.events:oom_kill', 'memory.oom_control:oom_kill', 'memory.events:max', 'memory.failcnt', 'pids.events:max'];
  const parts: string[] = [];
  for (const k of keys) {
    const f = g.files.get(k);
    if (!f) continue;
    const n = f.row.cells.value ?? '0';
    const name = (f.row.cells.file ?? k).replace(/^(\S+) /, '$1:');
    parts.push(n === '0' ? chalk.dim(`${name} 0`) : chalk.red.bold(`${name} ${n}`));
  }
  return parts.join('  ');
}

/** The path from the root down to the group: long paths keep their start and end. */
function pathLines(path: string): string[] {
  const parts = path.split('/').filter(Boolean);
  const shown = parts.length > 4 ? [parts[0]!, text.picture.cgElided(parts.length - 3), ...parts.slice(-2)] : parts;
  const lines = ['/'];
  shown.forEach((seg, i) => lines.push(`${'   '.repeat(i)}└─ ${i === shown.length - 1 ? chalk.bold(seg) : seg}`));
  return lines;
}

export function cgroupPicture(rows: PictureRow[], width: number): string[] {
  const p = text.picture;
  const barWidth = Math.max(5, Math.min(24, width - 44));
  const out: string[] = [];
  for (const g of cgroupModel(rows)) {
    if (out.length) out.push('');
    out.push(chalk.bold(g.trees.includes('v2') ? p.cgV2 : p.cgV1(g.trees)));
    const path = pathLines(g.path);
    out.push(...path.slice(0, -1), `${path.at(-1)!}  ${chalk.dim(p.cgThisGroup)}`);
    const pad = ' '.repeat(3 * Math.max(0, path.length - 2) + 3);
    const label = (name: string, body: string | undefined) => (body ? out.push(`${pad}${name.padEnd(8)} ${body}`) : 0);
    label(p.cgMemory, usageLine(value(g, 'memory.current', 'memory.usage_in_bytes'), value(g, 'memory.max', 'memory.limit_in_bytes'), barWidth));
    label(p.cgPids, usageLine(value(g, 'pids.current'), value(g, 'pids.max'), barWidth));
    label(p.cgCpu, cpuLine(g));
    const cpus = value(g, 'cpuset.cpus', 'cpuset.cpus.effective');
    label(p.cgCpuset, cpus?.value ? p.cgCpusetIs(cpus.value) : undefined);
    const frozen = value(g, 'cgroup.freeze', 'freezer.state');
    label(p.cgFreezer, frozen ? (frozen.value === '1' || frozen.value === 'FROZEN' ? chalk.cyan(p.cgFrozen) : p.cgThawed) : undefined);
    label(p.cgEvents, eventsLine(g) || undefined);
    label(p.cgProcs, value(g, 'cgroup.procs')?.meaning);
    const limits = [...g.files.values()].filter((f) => f.change !== 'same' && f.row.cells.kind === words.cgroupKinds.limit);
    if (limits.length) out.push(`${pad}${chalk.bold(p.cgSetNow(limits.map((f) => `${f.row.cells.file}=${f.row.cells.value}`)))}`);
  }
  return out;
}
