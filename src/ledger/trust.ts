// Whom a directory or file lets change it. Root's boxlab acts on what its ledgers say
// and runs what lessons say; a ledger or lesson that another user can write, or that
// sits in a directory another user can write (who could rename it away and put their
// own in its place), would let that user decide what root removes or runs. So before
// the lab trusts a place, every directory from / down to it must be owned by root or
// by the person running boxlab, and writable by no one else, except that a sticky
// directory such as /tmp may be writable by all: there only an entry's owner can
// rename or remove it. No component may be a symbolic link (the core's rmtree refuses
// one anyway: it resolves paths with RESOLVE_NO_SYMLINKS).
import { lstatSync, type Stats } from 'node:fs';
import { isAbsolute, normalize } from 'node:path';
import { ledger as t } from '../text/index.ts';

/** Why a place is not trusted: the path that failed, and what is wrong with it. */
export type Distrust =
  | { path: string; why: 'missing' | 'link' | 'not-dir' | 'not-file' | 'not-plain' }
  | { path: string; why: 'owner'; uid: number }
  | { path: string; why: 'writable'; mode: number };

/** What the place itself (the last component) must be. */
export interface Wanted {
  /** a regular file, not a directory */
  file?: boolean;
  /** owned by the caller: root's own is not enough (a state root, a ledger) */
  mine?: boolean;
  /** not even readable by others (mode 0700, a ledger directory) */
  private?: boolean;
}

const me = (): number => process.geteuid?.() ?? 0;

/** An absolute path with no empty, `.` or `..` component and no trailing slash: what
 *  the lab writes in its ledgers, and the only kind it acts on. */
export function isPlainPath(path: string): boolean {
  return isAbsolute(path) && path.length > 1 && normalize(path) === path && !path.endsWith('/');
}

function judge(path: string, st: Stats, last: boolean, wanted: Wanted): Distrust | undefined {
  if (st.isSymbolicLink()) return { path, why: 'link' };
  if (last && wanted.file) {
    if (!st.isFile()) return { path, why: 'not-file' };
  } else if (!st.isDirectory()) return { path, why: 'not-dir' };
  const ownerOk = last && wanted.mine ? st.uid === me() : st.uid === 0 || st.uid === me();
  if (!ownerOk) return { path, why: 'owner', uid: st.uid };
  // Group or others may write (or, for a private place, even look): refused, unless
  // it is a sticky directory on the way (like /tmp).
  const mask = last && wanted.private ? 0o077 : 0o022;
  const stickyOnTheWay = !last && (st.mode & 0o1000) !== 0;
  if ((st.mode & mask) !== 0 && !stickyOnTheWay) return { path, why: 'writable', mode: st.mode & 0o7777 };
  return undefined;
}

/** Why PATH is not the caller's (or root's) alone, or undefined when it is. */
export function distrust(path: string, wanted: Wanted = {}): Distrust | undefined {
  if (!isPlainPath(path) && path !== '/') return { path, why: 'not-plain' };
  const parts = path.split('/').filter(Boolean);
  const chain = ['/', ...parts.map((_, i) => '/' + parts.slice(0, i + 1).join('/'))];
  for (const [i, p] of chain.entries()) {
    const st = lstatSync(p, { throwIfNoEntry: false });
    if (!st) return { path: p, why: 'missing' };
    const problem = judge(p, st, i === chain.length - 1, wanted);
    if (problem) return problem;
  }
  return undefined;
}

/** Why a place is not trusted, in words. */
export function describeDistrust(d: Distrust): string {
  switch (d.why) {
    case 'missing': return t.distrust.missing(d.path);
    case 'link': return t.distrust.link(d.path);
    case 'not-dir': return t.distrust.notDir(d.path);
    case 'not-file': return t.distrust.notFile(d.path);
    case 'not-plain': return t.distrust.notPlain(d.path);
    case 'owner': return t.distrust.owner(d.path, d.uid, me());
    case 'writable': return t.distrust.writable(d.path, d.mode.toString(8).padStart(4, '0'), (d.mode & 0o022) !== 0);
  }
}

/** How to make a place trusted again, by what is wrong with it. */
export function distrustFix(d: Distrust): string {
  switch (d.why) {
    case 'owner': return t.trustFix.owner(d.path);
    case 'writable': return d.mode & 0o022 ? t.trustFix.othersWrite(d.path) : t.trustFix.othersRead(d.path);
    case 'link': return t.trustFix.link(d.path);
    default: return t.trustFix.other;
  }
}
