// USER and COPY --chown name users as Docker does: "app", "1000", "app:staff",
// "1000:50". Names are looked up in the image's own /etc/passwd and /etc/group (never
// the host's: the image's users are not the host's), read inside its root.
import { closeSync, fstatSync } from 'node:fs';
import { readFileSync } from 'node:fs';
import { build as t } from '../text/index.ts';
import { Dir, release, resolveIn } from './fsroot.ts';

export interface Ids { uid: number; gid: number; groups: number[]; /** passwd's home directory, for HOME */ home?: string }

export class UserError extends Error {}

/** /etc/passwd and /etc/group are small; a bigger one is not read. */
const MAX_DB_BYTES = 4 << 20;

const MAX_ID = 0xfffffffe;

interface Row { name: string; id: number; gid: number; members: string[]; home?: string }

/** The rows of passwd (name:x:uid:gid:...) or group (name:x:gid:members). */
export function parseDb(text: string, kind: 'passwd' | 'group'): Row[] {
  const rows: Row[] = [];
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const f = line.split(':');
    const id = Number(f[2]);
    if (!f[0] || !Number.isInteger(id)) continue;
    rows.push(kind === 'passwd'
      ? { name: f[0], id, gid: Number(f[3]) || 0, members: [], home: f[5] || undefined }
      : { name: f[0], id, gid: id, members: (f[3] ?? '').split(',').filter(Boolean) });
  }
  return rows;
}

function readDb(root: Dir | undefined, kind: 'passwd' | 'group'): Row[] {
  if (!root) return [];
  const found = resolveIn(root, `etc/${kind}`, { followLast: true });
  if (!found || found.name === undefined || !found.st.isFile()) {
    if (found) release(found, root);
    return [];
  }
  try {
    const fd = found.parent.openFile(found.name);
    try {
      if (fstatSync(fd).size > MAX_DB_BYTES) throw new UserError(t.dbTooBig(kind, MAX_DB_BYTES));
      return parseDb(readFileSync(fd, 'utf8'), kind);
    } finally {
      closeSync(fd);
    }
  } finally {
    release(found, root);
  }
}

const numeric = (s: string) => /^\d+$/.test(s) && Number(s) <= MAX_ID;

/** The ids SPEC names in the image whose root is ROOT (undefined: FROM scratch with
 *  nothing yet, where only numbers work).
 *  For USER (run): a user alone takes its primary group from passwd (0 when the uid
 *  has no entry), and its supplementary groups from group.
 *  For --chown (and the directories WORKDIR makes): a name alone takes its primary
 *  group from passwd; a number alone is the group's number too (Docker's rule, and
 *  buildah's). */
export function resolveIds(root: Dir | undefined, spec: string, use: 'run' | 'chown'): Ids {
  const [user = '', group] = spec.split(':');
  if (!user || group === '' || spec.split(':').length > 2) throw new UserError(t.badUser(spec));
  const passwd = numeric(user) && group !== undefined && numeric(group) ? [] : readDb(root, 'passwd');
  const entry = numeric(user) ? passwd.find((r) => r.id === Number(user)) : passwd.find((r) => r.name === user);
  if (!numeric(user) && !entry) throw new UserError(t.noSuchUser(user));
  const uid = numeric(user) ? Number(user) : entry!.id;
  let gid: number;
  const groups = group !== undefined && numeric(group) ? [] : readDb(root, 'group');
  if (group !== undefined) {
    const g = numeric(group) ? undefined : groups.find((r) => r.name === group);
    if (!numeric(group) && !g) throw new UserError(t.noSuchGroup(group));
    gid = numeric(group) ? Number(group) : g!.id;
  } else {
    gid = use === 'chown' && numeric(user) ? uid : entry?.gid ?? 0;
  }
  const extra = use === 'run' && group === undefined && entry
    ? groups.filter((g) => g.members.includes(entry.name) && g.id !== gid).map((g) => g.id)
    : [];
  return { uid, gid, groups: extra, home: entry?.home ?? (uid === 0 ? '/root' : '/') };
}
