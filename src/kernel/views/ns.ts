// ns: which namespaces the target has of its own. Each /proc/PID/ns/TYPE is a magic
// link "TYPE:[INODE]"; two processes are in the same namespace exactly when the inodes
// are equal. The target is compared with the reference (host) process.
import { readlink } from 'node:fs/promises';
import { assertAlive, isGone, parseNsLink, procPath, readReference, type ProbeTarget } from '../probe.ts';
import type { Row, View } from '../types.ts';
import { kernel as words } from '../../text/index.ts';

const NS_TYPES = ['cgroup', 'ipc', 'mnt', 'net', 'pid', 'time', 'user', 'uts'] as const;

/** Inode per link name (the eight types plus pid_for_children, time_for_children);
 *  a type the kernel lacks is absent. */
export type NsInodes = Record<string, string>;

const LINKS = [...NS_TYPES, 'pid_for_children', 'time_for_children'];

async function readNsInodes(pid: number): Promise<NsInodes> {
  const out: NsInodes = {};
  await Promise.all(
    LINKS.map(async (name) => {
      try {
        out[name] = parseNsLink(await readlink(procPath(pid, 'ns', name)));
      } catch (err) {
        // ENOENT for a namespace type this kernel does not have; anything else
        // (the process is gone, access denied) is a real failure.
        if (isGone(err) && name !== 'pid') return;
        throw err;
      }
    }),
  );
  return out;
}

/** Pure: the ns view's rows and notes from two inode tables. */
export function nsRows(target: NsInodes, host: NsInodes): { rows: Row[]; notes: string[] } {
  const rows: Row[] = [];
  for (const type of NS_TYPES) {
    const inode = target[type];
    const hostInode = host[type];
    if (inode === undefined && hostInode === undefined) continue;
    const state = inode === undefined ? words.nsMissing : inode === hostInode ? words.nsShared : words.nsNew;
    rows.push({ key: type, cells: { type, inode: inode ?? '-', host: hostInode ?? '-', state } });
  }
  const notes: string[] = [];
  const pfc = target.pid_for_children;
  if (pfc !== undefined && target.pid !== undefined && pfc !== target.pid) notes.push(words.pidForChildren(target.pid, pfc));
  // the kernel answers ENOENT while the new namespace has no process (no child reaper)
  if (pfc === undefined && target.pid !== undefined && host.pid_for_children !== undefined) notes.push(words.pidForChildrenPending);
  const tfc = target.time_for_children;
  if (tfc !== undefined && target.time !== undefined && tfc !== target.time) notes.push(words.timeForChildren(target.time, tfc));
  return { rows, notes };
}

export async function nsProbe(target: ProbeTarget): Promise<View> {
  await assertAlive(target.pid);
  const [mine, ref] = await Promise.all([readNsInodes(target.pid), readReference(target, readNsInodes)]);
  const { rows, notes } = nsRows(mine, ref.value);
  return {
    name: 'ns',
    title: words.titles.ns,
    columns: ['type', 'inode', 'host', 'state'],
    rows,
    ...(notes.length ? { notes } : {}),
  };
}
