// fs: what a container changed in its overlay filesystem, like `docker diff`.
//
// An overlay mount shows lower layers (read-only, top first) with an upper layer over
// them; every change lands in upper. So walking upper tells what changed:
//   - a character device 0/0 is a whiteout: the name was deleted (D);
//   - anything else that also exists in a lower layer at the same path was copied up
//     and modified (C); directories holding changes show as C too, as in docker diff;
//   - anything else is new (A);
//   - a directory with xattr trusted.overlay.opaque=y is opaque: it hides the lower
//     directory's contents entirely (rm -rf dir; mkdir dir).
//
// Opaque directories: Node has no xattr API and this module spawns nothing, so the
// xattr is only read through an `isOpaque` helper when the caller passes one. Without
// it, when the merged directory is readable, opacity is inferred: a directory whose
// lower layers hold a name that neither shows in the merged directory nor has a
// whiteout in upper must be opaque. Without either, opaque directories go unmarked and
// a note says so.
//
// The layer paths come from the mount's super options (lowerdir=, upperdir=, workdir=)
// and are as the mounter saw them. While the target's root is the host's root they are
// read through /proc/PID/root (so mounts private to its namespace are seen); after a
// pivot_root they are looked up on the host, where they usually are, since the core
// mounts the overlay before pivot_root.
import type { Dirent, Stats } from 'node:fs';
import { lstat, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { assertAlive, isGone, procPath, readProc, type ProbeTarget } from '../probe.ts';
import type { Row, View } from '../types.ts';
import { kernel as words } from '../../text/index.ts';
import { parseMountinfo, type MountInfo } from './mounts.ts';

export interface OverlayLayers {
  /** where the overlay is mounted, as the target sees it */
  mountPoint: string;
  /** lower layers, top first */
  lower: string[];
  /** data-only lower layers (after "::", or datadir+=) */
  data: string[];
  upper?: string;
  work?: string;
}

/** Split a raw (still octal-escaped) lowerdir= value into layers. Kernels print it in
 *  two ways: the string the mounter gave, where "\:" is a colon inside a path (the
 *  backslash shows as \134), or (6.5) each path with ':' escaped as \072. ':' separates
 *  layers, '::' starts the data-only layers. */
export function splitLowerdir(raw: string): { lower: string[]; data: string[] } {
  type Tok = { lit: string } | { sep: true };
  const toks: Tok[] = [];
  let i = 0;
  const next = (): string => {
    const m = /^\\([0-7]{3})/.exec(raw.slice(i));
    if (m) {
      i += 4;
      return String.fromCharCode(parseInt(m[1]!, 8));
    }
    return raw[i++]!;
  };
  while (i < raw.length) {
    if (raw[i] === ':') {
      toks.push({ sep: true });
      i++;
      continue;
    }
    const ch = next();
    // A backslash the mounter wrote escapes the character after it ("\:" "\\").
    if (ch === '\\' && i < raw.length) toks.push({ lit: next() });
    else toks.push({ lit: ch });
  }
  const lower: string[] = [];
  const data: string[] = [];
  let cur = '';
  let inData = false;
  let prevSep = false;
  for (const t of toks) {
    if ('sep' in t) {
      if (prevSep) inData = true; // "::"
      else (inData ? data : lower).push(cur);
      cur = '';
      prevSep = true;
    } else {
      cur += t.lit;
      prevSep = false;
    }
  }
  if (cur !== '' || toks.length) (inData ? data : lower).push(cur);
  return { lower: lower.filter(Boolean), data: data.filter(Boolean) };
}

const unoctal = (s: string) => s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));

/** Layers from an overlay mount's raw super options. */
export function parseOverlayOptions(superRaw: string, mountPoint = '/'): OverlayLayers {
  const out: OverlayLayers = { mountPoint, lower: [], data: [] };
  for (const opt of superRaw.split(',')) {
    const eq = opt.indexOf('=');
    const name = eq < 0 ? opt : opt.slice(0, eq);
    const value = eq < 0 ? '' : opt.slice(eq + 1);
    if (name === 'lowerdir') {
      const split = splitLowerdir(value);
      out.lower.push(...split.lower);
      out.data.push(...split.data);
    } else if (name === 'lowerdir+') out.lower.push(unoctal(value));
    else if (name === 'datadir+') out.data.push(unoctal(value));
    else if (name === 'upperdir') out.upper = unoctal(value);
    else if (name === 'workdir') out.work = unoctal(value);
  }
  return out;
}

export function overlayMounts(mounts: MountInfo[]): OverlayLayers[] {
  return mounts.filter((m) => m.fsType === 'overlay').map((m) => parseOverlayOptions(m.superRaw, m.mountPoint));
}

export type FsChangeKind = 'A' | 'C' | 'D';
export type FsEntryKind = 'file' | 'dir' | 'symlink' | 'whiteout' | 'other';

export interface FsChange {
  /** path inside the overlay, "/etc/hosts" */
  path: string;
  change: FsChangeKind;
  /** what the entry is (for D: what was deleted, when a lower layer still has it) */
  kind: FsEntryKind;
  opaque?: boolean;
}

export interface OverlayDirs {
  /** lower layers, top first, as paths readable by this process */
  lower: string[];
  upper: string;
  /** the merged directory, if readable: lets opaque directories be inferred */
  merged?: string;
  /** most entries to list (default 500) */
  limit?: number;
  /** reads trusted.overlay.opaque (or user.overlay.opaque) of a directory in upper;
   *  undefined = cannot tell */
  isOpaque?: (upperDir: string) => Promise<boolean | undefined>;
  /** paths inside the overlay ("/dev") where another mount sits on top: the merged
   *  directory there shows that mount, so opacity is not inferred from it */
  covered?: string[];
}

export interface OverlayChanges {
  changes: FsChange[];
  truncated: boolean;
  /** how opaque directories were found */
  opaque: 'helper' | 'inferred' | 'unknown';
}

function kindOf(st: Stats | Dirent): FsEntryKind {
  if (st.isDirectory()) return 'dir';
  if (st.isSymbolicLink()) return 'symlink';
  if (st.isFile()) return 'file';
  return 'other';
}

function isWhiteout(st: Stats): boolean {
  return st.isCharacterDevice() && st.rdev === 0;
}

async function lstatOrNull(p: string): Promise<Stats | null> {
  try {
    return await lstat(p);
  } catch (err) {
    if (isGone(err) || (err as NodeJS.ErrnoException).code === 'ENOTDIR') return null;
    throw err;
  }
}

async function names(dir: string): Promise<string[] | null> {
  try {
    return await readdir(dir);
  } catch {
    return null;
  }
}

/** Walk upper and classify every entry (sorted, depth first, bounded). */
export async function overlayChanges(dirs: OverlayDirs): Promise<OverlayChanges> {
  const limit = dirs.limit ?? 500;
  const changes: FsChange[] = [];
  let truncated = false;
  let usedHelper = false;
  let canInfer = false;
  if (dirs.merged !== undefined) canInfer = (await names(dirs.merged)) !== null;

  const inLower = async (rel: string): Promise<Stats | null> => {
    for (const layer of dirs.lower) {
      const st = await lstatOrNull(layer + rel);
      // A whiteout in a lower layer (an image's deletion) means the layers below it
      // have no such name either.
      if (st) return isWhiteout(st) ? null : st;
    }
    return null;
  };

  const opaque = async (rel: string): Promise<boolean> => {
    if (dirs.isOpaque) {
      const v = await dirs.isOpaque(dirs.upper + rel);
      if (v !== undefined) {
        usedHelper = true;
        return v;
      }
    }
    if (!canInfer || dirs.merged === undefined || dirs.covered?.includes(rel)) return false;
    const merged = new Set((await names(dirs.merged + rel)) ?? []);
    const upper = await names(dirs.upper + rel);
    const whiteouts = new Set<string>();
    for (const n of upper ?? []) {
      const st = await lstatOrNull(join(dirs.upper + rel, n));
      if (st && isWhiteout(st)) whiteouts.add(n);
    }
    for (const layer of dirs.lower) {
      for (const n of (await names(layer + rel)) ?? []) if (!merged.has(n) && !whiteouts.has(n)) return true;
    }
    return false;
  };

  const walk = async (rel: string, lowerVisible: boolean): Promise<void> => {
    const entries = (await names(dirs.upper + rel)) ?? [];
    entries.sort();
    for (const name of entries) {
      if (changes.length >= limit) {
        truncated = true;
        return;
      }
      const path = `${rel}/${name}`;
      const st = await lstatOrNull(dirs.upper + path);
      if (!st) continue;
      const lowerSt = lowerVisible ? await inLower(path) : null;
      if (isWhiteout(st)) {
        changes.push({ path, change: 'D', kind: lowerSt ? kindOf(lowerSt) : 'whiteout' });
        continue;
      }
      const change: FsChange = { path, change: lowerSt ? 'C' : 'A', kind: kindOf(st) };
      changes.push(change);
      if (st.isDirectory()) {
        const isOpq = lowerSt?.isDirectory() ? await opaque(path) : false;
        if (isOpq) change.opaque = true;
        await walk(path, lowerVisible && !isOpq && !!lowerSt?.isDirectory());
      }
    }
  };
  await walk('', true);
  const how = usedHelper ? 'helper' : canInfer ? 'inferred' : dirs.isOpaque ? 'helper' : 'unknown';
  return { changes, truncated, opaque: how };
}

/** Whiteouts inside lower layers: an image's layers unpacked for overlay, where each
 *  deletion of a layer is a whiteout hiding a name of the layers below it. The bottom
 *  layer is not walked (nothing is below it to hide, and it is usually the largest).
 *  `layer` is the position in lowerdir, 1 = top. At most `limit` entries are visited. */
async function lowerWhiteouts(lower: string[], limit = 5000): Promise<{ layer: number; path: string }[]> {
  const found: { layer: number; path: string }[] = [];
  let visited = 0;
  const walk = async (layer: number, root: string, rel: string): Promise<void> => {
    for (const name of ((await names(root + rel)) ?? []).sort()) {
      if (++visited > limit) return;
      const st = await lstatOrNull(`${root}${rel}/${name}`);
      if (!st) continue;
      if (isWhiteout(st)) found.push({ layer, path: `${rel}/${name}` });
      else if (st.isDirectory()) await walk(layer, root, `${rel}/${name}`);
    }
  };
  for (let i = 0; i < lower.length - 1; i++) await walk(i + 1, lower[i]!, '');
  return found;
}

function lowerWhiteoutRows(found: { layer: number; path: string }[], mountPoint = '/'): Row[] {
  return found.map((w) => {
    const path = mountPoint === '/' ? w.path : `${mountPoint.replace(/\/+$/, '')}${w.path}`;
    return { key: `${path} @lower${w.layer}`, cells: { change: words.fsChange.D ?? 'D', path, kind: words.fsKinds.whiteout ?? 'whiteout', mark: words.fsLowerMark(w.layer) } };
  });
}

/** Pure: rows keyed by the path as the target sees it (mount point + path in overlay). */
function fsRows(changes: FsChange[], mountPoint = '/'): Row[] {
  return changes.map((c) => {
    const path = mountPoint === '/' ? c.path : `${mountPoint.replace(/\/+$/, '')}${c.path}`;
    return {
      key: path,
      cells: {
        change: words.fsChange[c.change] ?? c.change,
        path,
        kind: words.fsKinds[c.kind] ?? c.kind,
        mark: c.opaque ? words.fsOpaque : '',
      },
    };
  });
}

export type LayerRole = 'merged' | 'upper' | 'work' | 'lower';

/** Pure: one row per layer of an overlay (merged, upper, work, lower top first), keyed
 *  `layer:ROLE:N:MOUNTPOINT`, so a picture can stack them and the mount that made them
 *  shows as added rows in a diff. Their change cell is empty: they are not changes. */
function layerRows(o: OverlayLayers): Row[] {
  const row = (role: LayerRole, i: number, path: string): Row => ({
    key: `layer:${role}:${i}:${o.mountPoint}`,
    cells: { change: '', path, kind: words.fsLayerKinds[role](i, o.lower.length), mark: '' },
  });
  return [
    row('merged', 0, o.mountPoint),
    ...(o.upper ? [row('upper', 0, o.upper)] : []),
    ...(o.work ? [row('work', 0, o.work)] : []),
    ...o.lower.map((l, i) => row('lower', i, l)),
  ];
}

/** The layer a row names (from its key), or undefined for a change row. */
export function layerOf(row: Row): { role: LayerRole; index: number; mountPoint: string } | undefined {
  const m = /^layer:(merged|upper|work|lower):(\d+):(.*)$/s.exec(row.key);
  return m ? { role: m[1] as LayerRole, index: Number(m[2]), mountPoint: m[3]! } : undefined;
}

const FS_COLUMNS = ['change', 'path', 'kind', 'mark'];

function notesFor(result: OverlayChanges, limit: number): string[] {
  const notes: string[] = [];
  if (result.truncated) notes.push(words.fsLimit(limit));
  if (result.opaque === 'unknown') notes.push(words.fsOpaqueUnknown);
  else if (result.opaque === 'inferred' && result.changes.some((c) => c.opaque)) notes.push(words.fsOpaqueInferred);
  if (result.changes.length === 0) notes.push(words.fsEmpty);
  return notes;
}

/** The fs view for explicit directories (no process needed). */
export async function fsViewFromDirs(dirs: OverlayDirs & { mountPoint?: string }): Promise<View> {
  const result = await overlayChanges(dirs);
  return {
    name: 'fs',
    title: words.titles.fs,
    columns: FS_COLUMNS,
    rows: fsRows(result.changes, dirs.mountPoint ?? '/'),
    notes: notesFor(result, dirs.limit ?? 500),
  };
}

export interface FsProbeOptions {
  limit?: number;
  isOpaque?: OverlayDirs['isOpaque'];
}

async function sameFile(a: string, b: string): Promise<boolean> {
  try {
    const [x, y] = await Promise.all([stat(a), stat(b)]);
    return x.dev === y.dev && x.ino === y.ino;
  } catch {
    return false;
  }
}

/** The fs view of a process: every overlay mount in its mount namespace. */
export async function fsProbe(target: ProbeTarget, opts: FsProbeOptions = {}): Promise<View> {
  await assertAlive(target.pid);
  const mounts = parseMountinfo(await readProc(target.pid, 'mountinfo'));
  const overlays = overlayMounts(mounts);
  const view: View = { name: 'fs', title: words.titles.fs, columns: FS_COLUMNS, rows: [], notes: [] };
  if (overlays.length === 0) {
    view.notes!.push(words.fsNoOverlay);
    return view;
  }
  const root = procPath(target.pid, 'root');
  const hostRooted = await sameFile(root, '/');
  const resolveLayer = async (p: string): Promise<string | undefined> => {
    const candidates = hostRooted ? [root + p, p] : [p];
    for (const c of candidates) if (await lstatOrNull(c)) return c;
    return undefined;
  };
  for (const o of overlays) {
    view.rows.push(...layerRows(o));
    const resolvedLower = (await Promise.all(o.lower.map(resolveLayer))).filter((l): l is string => l !== undefined);
    view.rows.push(...lowerWhiteoutRows(await lowerWhiteouts(resolvedLower), o.mountPoint));
    if (!o.upper) {
      view.notes!.push(words.fsNoUpper(o.mountPoint));
      continue;
    }
    const upper = await resolveLayer(o.upper);
    if (!upper) {
      view.notes!.push(words.fsLayerMissing(o.upper));
      continue;
    }
    const lower: string[] = [];
    for (const l of o.lower) {
      const r = await resolveLayer(l);
      if (r) lower.push(r);
      else view.notes!.push(words.fsLayerMissing(l));
    }
    const limit = opts.limit ?? 500;
    const merged = root + (o.mountPoint === '/' ? '' : o.mountPoint);
    const base = o.mountPoint === '/' ? '' : o.mountPoint;
    const covered = mounts
      .filter((m) => m.mountPoint !== o.mountPoint && m.mountPoint.startsWith(`${base}/`))
      .map((m) => m.mountPoint.slice(base.length));
    const result = await overlayChanges({ lower, upper, merged, limit, isOpaque: opts.isOpaque, covered });
    view.rows.push(...fsRows(result.changes, o.mountPoint));
    view.notes!.push(...notesFor(result, limit));
  }
  return view;
}
