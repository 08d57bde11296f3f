// mounts: the target's mount table, from /proc/PID/mountinfo (proc(5)):
//
//   36 35 98:0 /mnt1 /mnt2 rw,noatime master:1 - ext3 /dev/root rw,errors=continue
//   (1)(2) (3)   (4)   (5)      (6)       (7)  (8) (9)    (10)        (11)
//
// (1) mount id (2) parent id (3) st_dev major:minor (4) root of the mount within its
// filesystem (5) mount point, relative to the process's root (6) per-mount options
// (7) zero or more optional fields tag[:value] (8) "-" (9) filesystem type
// (10) source (11) per-superblock options. Space, tab, newline and backslash in
// (4) (5) (10) (11) are written as octal escapes (\040 \011 \012 \134).
import { assertAlive, nsInode, readProc, readReference, type ProbeTarget } from '../probe.ts';
import type { Row, View } from '../types.ts';
import { kernel as words } from '../../text/index.ts';

export interface Propagation {
  /** peer group this mount shares events with (shared:N) */
  shared?: number;
  /** peer group it receives events from (master:N): a slave mount */
  master?: number;
  /** propagate_from:N, the nearest dominant peer group visible to this process */
  propagateFrom?: number;
  unbindable: boolean;
}

export interface MountInfo {
  id: number;
  parentId: number;
  major: number;
  minor: number;
  /** the directory of the filesystem mounted here (not "/" for a bind mount of a subdir) */
  root: string;
  mountPoint: string;
  /** per-mount options, e.g. "rw,nosuid,relatime" */
  options: string;
  /** optional fields as written: ["shared:1", "master:2"] */
  optional: string[];
  propagation: Propagation;
  fsType: string;
  source: string;
  /** per-superblock options, escapes decoded */
  superOptions: string;
  /** per-superblock options exactly as in the file (escapes kept), for parsers that
   *  must split on separators before decoding (overlay lowerdir) */
  superRaw: string;
}

/** Decode mountinfo's octal escapes: "\040" -> " ". */
export function unescapeOctal(s: string): string {
  return s.replace(/\\([0-7]{3})/g, (_, oct: string) => String.fromCharCode(parseInt(oct, 8)));
}

function parsePropagation(optional: string[]): Propagation {
  const p: Propagation = { unbindable: false };
  for (const f of optional) {
    const [tag, value] = f.split(':');
    const n = Number(value);
    if (tag === 'shared') p.shared = n;
    else if (tag === 'master') p.master = n;
    else if (tag === 'propagate_from') p.propagateFrom = n;
    else if (tag === 'unbindable') p.unbindable = true;
  }
  return p;
}

/** "shared:1", "master:2", "shared:3 master:2", "unbindable" or "private". */
function describePropagation(m: Pick<MountInfo, 'optional' | 'propagation'>): string {
  const { shared, master, unbindable } = m.propagation;
  if (shared === undefined && master === undefined && !unbindable) return words.propagationPrivate;
  return m.optional.join(' ');
}

function parseMountinfoLine(line: string): MountInfo {
  const f = line.split(' ');
  const dash = f.indexOf('-', 6);
  if (f.length < 10 || dash < 0 || f.length < dash + 4) throw new Error(words.badMountinfo(line));
  const [major = 0, minor = 0] = (f[2] ?? '0:0').split(':').map(Number);
  const optional = f.slice(6, dash);
  const superRaw = f.slice(dash + 3).join(' ');
  return {
    id: Number(f[0]),
    parentId: Number(f[1]),
    major,
    minor,
    root: unescapeOctal(f[3] ?? ''),
    mountPoint: unescapeOctal(f[4] ?? ''),
    options: unescapeOctal(f[5] ?? ''),
    optional,
    propagation: parsePropagation(optional),
    fsType: unescapeOctal(f[dash + 1] ?? ''),
    source: unescapeOctal(f[dash + 2] ?? ''),
    superOptions: unescapeOctal(superRaw),
    superRaw,
  };
}

export function parseMountinfo(text: string): MountInfo[] {
  return text
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map(parseMountinfoLine);
}

/** Identity of a mount across mount namespaces. Mount ids differ in a copied namespace
 *  (CLONE_NEWNS copies every mount), so compare where it is, what it shows and from
 *  which filesystem instance: mount point, device, root within the fs, fs type. */
function mountSignature(m: MountInfo): string {
  return [m.mountPoint, `${m.major}:${m.minor}`, m.root, m.fsType].join('\0');
}

/** The mounts of `target` that the host's mount namespace does not have (a multiset
 *  difference, so a second mount stacked on the same place counts). */
export function mountsNotInHost(target: MountInfo[], host: MountInfo[]): MountInfo[] {
  const left = new Map<string, number>();
  for (const m of host) left.set(mountSignature(m), (left.get(mountSignature(m)) ?? 0) + 1);
  return target.filter((m) => {
    const sig = mountSignature(m);
    const n = left.get(sig) ?? 0;
    if (n > 0) {
      left.set(sig, n - 1);
      return false;
    }
    return true;
  });
}

/** Row keys: the mount point; the 2nd, 3rd... mount stacked on it gets "#2", "#3". */
export function mountKeys(mounts: MountInfo[]): string[] {
  const seen = new Map<string, number>();
  return mounts.map((m) => {
    const n = (seen.get(m.mountPoint) ?? 0) + 1;
    seen.set(m.mountPoint, n);
    return n === 1 ? m.mountPoint : `${m.mountPoint}#${n}`;
  });
}

/** Pure: rows of the mounts view; `fresh` are the mounts not in the host's namespace
 *  (omit it to leave the origin column empty). */
export function mountRows(mounts: MountInfo[], fresh?: Set<MountInfo>): Row[] {
  const keys = mountKeys(mounts);
  return mounts.map((m, i) => ({
    key: keys[i]!,
    cells: {
      target: m.mountPoint,
      fstype: m.fsType,
      source: m.source,
      options: m.options,
      propagation: describePropagation(m),
      origin: fresh === undefined ? '' : fresh.has(m) ? words.mountNew : words.mountFromHost,
      super: m.superOptions,
    },
  }));
}

export async function mountsProbe(target: ProbeTarget): Promise<View> {
  await assertAlive(target.pid);
  const [text, ns, ref] = await Promise.all([
    readProc(target.pid, 'mountinfo'),
    nsInode(target.pid, 'mnt'),
    readReference(target, async (pid) => ({ ns: await nsInode(pid, 'mnt'), text: await readProc(pid, 'mountinfo') })),
  ]);
  const mounts = parseMountinfo(text);
  const notes: string[] = [];
  let fresh: MountInfo[];
  if (ns === ref.value.ns) {
    fresh = [];
    notes.push(words.mountsShared);
  } else {
    fresh = mountsNotInHost(mounts, parseMountinfo(ref.value.text));
    notes.push(words.mountsCount(mounts.length, fresh.length));
  }
  return {
    name: 'mounts',
    title: words.titles.mounts,
    columns: ['target', 'fstype', 'source', 'options', 'propagation', 'origin', 'super'],
    rows: mountRows(mounts, new Set(fresh)),
    notes,
  };
}
