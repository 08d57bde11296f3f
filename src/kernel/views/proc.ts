// proc: the processes of the target's pid namespace, as a tree.
//
// A process is in the namespace when its /proc/N/ns/pid inode equals the target's
// (processes of nested, deeper pid namespaces have their own inode and are left out).
// NSpid in /proc/N/status lists the pid in every namespace from the reader's down to
// the process's own: its last field is the pid inside.
//
// Row key: "<pid inside>@<start time>". The pid inside is what the lesson talks about
// and is unique within the namespace; the start time (field 22 of /proc/N/stat, clock
// ticks since boot) tells a reused pid from the process that had it before, so a
// process that exits and a new one that gets its number show as removed + added rather
// than one "changed" row. Neither changes when a process execs or is reparented, so
// those show as "changed" (command, ppid), which is what happened. A key built from the
// chain of parent pids would turn a reparented orphan into removed + added instead.
import { readlinkSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { parseStat } from '../proc-stat.ts';
import { assertAlive, isDenied, isGone, nsInode, parseNsLink, procPath, readProc, type ProbeTarget } from '../probe.ts';
import type { Row, View } from '../types.ts';
import { kernel as words } from '../../text/index.ts';

export interface ProcInfo {
  /** pid as the reader (the host) sees it */
  hostPid: number;
  /** NSpid: the pid in each namespace, reader's first, the process's own last */
  nspid: number[];
  /** parent pid as the reader sees it */
  ppid: number;
  comm: string;
  /** argv, empty for kernel threads and zombies */
  argv: string[];
  /** "S (sleeping)" */
  state: string;
  /** start time in clock ticks after boot */
  start: string;
}

/** "Key:\tvalue" lines of /proc/PID/status. */
export function parseStatus(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const i = line.indexOf(':');
    if (i <= 0) continue;
    out[line.slice(0, i)] = line.slice(i + 1).trim();
  }
  return out;
}

/** Field 22 of /proc/PID/stat: start time in clock ticks. */
export function parseStartTime(statText: string): string {
  return parseStat(statText).start ?? '0';
}

/** NUL-separated /proc/PID/cmdline -> argv. */
export function parseCmdline(text: string): string[] {
  const parts = text.split('\0');
  if (parts.at(-1) === '') parts.pop();
  return parts;
}

export function procInfoFrom(hostPid: number, status: string, stat: string, cmdline: string): ProcInfo {
  const s = parseStatus(status);
  const nspid = (s.NSpid ?? String(hostPid)).split(/\s+/).filter(Boolean).map(Number);
  return {
    hostPid,
    nspid,
    ppid: Number(s.PPid ?? 0),
    comm: s.Name ?? '',
    argv: parseCmdline(cmdline),
    state: s.State ?? '?',
    start: parseStartTime(stat),
  };
}

function insidePid(p: ProcInfo): number {
  return p.nspid.at(-1) ?? p.hostPid;
}

function commandOf(p: ProcInfo): string {
  return p.argv.length ? p.argv.join(' ') : `[${p.comm}]`;
}

/** Pure: tree order rows. Roots are processes whose parent is not in the list; children
 *  follow their parent, each level in pid order; the command is indented by depth. */
export function procRows(procs: ProcInfo[]): Row[] {
  const byHost = new Map(procs.map((p) => [p.hostPid, p]));
  const children = new Map<number, ProcInfo[]>();
  const roots: ProcInfo[] = [];
  for (const p of procs) {
    const parent = byHost.get(p.ppid);
    if (parent && parent !== p) {
      const list = children.get(parent.hostPid) ?? [];
      list.push(p);
      children.set(parent.hostPid, list);
    } else roots.push(p);
  }
  const order = (a: ProcInfo, b: ProcInfo) => insidePid(a) - insidePid(b);
  const rows: Row[] = [];
  const seen = new Set<number>();
  const visit = (p: ProcInfo, depth: number) => {
    if (seen.has(p.hostPid)) return;
    seen.add(p.hostPid);
    const parent = byHost.get(p.ppid);
    rows.push({
      key: `${insidePid(p)}@${p.start}`,
      cells: {
        pid: String(insidePid(p)),
        hostPid: String(p.hostPid),
        // the parent as seen inside; 0 when it is outside the namespace (as ps shows)
        ppid: String(parent && parent !== p ? insidePid(parent) : 0),
        command: '  '.repeat(depth) + commandOf(p),
        state: p.state,
      },
    });
    for (const c of (children.get(p.hostPid) ?? []).sort(order)) visit(c, depth + 1);
  };
  for (const r of roots.sort(order)) visit(r, 0);
  return rows;
}

/** Pure: `root` and every process below it. */
export function descendants(procs: ProcInfo[], root: number): ProcInfo[] {
  const kids = new Map<number, ProcInfo[]>();
  for (const p of procs) kids.set(p.ppid, [...(kids.get(p.ppid) ?? []), p]);
  const out: ProcInfo[] = [];
  const want = [root];
  const seen = new Set<number>();
  while (want.length) {
    const pid = want.shift()!;
    if (seen.has(pid)) continue;
    seen.add(pid);
    const p = procs.find((x) => x.hostPid === pid);
    if (p) out.push(p);
    for (const c of kids.get(pid) ?? []) want.push(c.hostPid);
  }
  return out;
}

async function readProcInfo(pid: number): Promise<ProcInfo> {
  const [status, stat, cmdline] = await Promise.all([
    readProc(pid, 'status'),
    readProc(pid, 'stat'),
    readProc(pid, 'cmdline'),
  ]);
  return procInfoFrom(pid, status, stat, cmdline);
}

async function listPids(): Promise<number[]> {
  return (await readdir('/proc')).filter((n) => /^\d+$/.test(n)).map(Number);
}

export async function procProbe(target: ProbeTarget): Promise<View> {
  await assertAlive(target.pid);
  const [ns, ours] = await Promise.all([nsInode(target.pid, 'pid'), nsInode('self', 'pid')]);
  const notes: string[] = [];
  let denied = 0;
  let procs: ProcInfo[] = [];
  const all = await listPids();
  if (ns === ours) {
    // The host's own namespace would be every process on the machine: show the
    // target's subtree, which is what a lesson about this process is about.
    const infos = await Promise.all(all.map((pid) => readProcInfo(pid).catch(() => undefined)));
    procs = descendants(infos.filter((p): p is ProcInfo => p !== undefined), target.pid);
    notes.push(words.procSharedHost(target.pid));
  } else {
    const level = (await readProcInfo(target.pid)).nspid.length;
    const found = await Promise.all(
      all.map(async (pid) => {
        try {
          // A readlink for every process of the machine: done in place, not each a
          // trip through libuv's thread pool (hundreds of calls of microseconds).
          if (parseNsLink(readlinkSync(procPath(pid, 'ns', 'pid'))) !== ns) return undefined;
          return await readProcInfo(pid);
        } catch (err) {
          if (isGone(err)) return undefined;
          if (!isDenied(err)) throw err;
          // ns links need ptrace access; status does not. A process whose NSpid is of
          // another length lives in another pid namespace level: certainly not ours.
          const info = await readProcInfo(pid).catch(() => undefined);
          if (info && info.nspid.length !== level) return undefined;
          denied++;
          return undefined;
        }
      }),
    );
    procs = found.filter((p): p is ProcInfo => p !== undefined);
  }
  if (!procs.some((p) => p.hostPid === target.pid)) {
    // the target itself must be there; if it went away, say so loudly
    await readProcInfo(target.pid);
  }
  if (denied) notes.push(words.procInaccessible(denied));
  return {
    name: 'proc',
    title: words.titles.proc,
    columns: ['pid', 'hostPid', 'ppid', 'command', 'state'],
    rows: procRows(procs),
    ...(notes.length ? { notes } : {}),
  };
}
