// ipc: System V message queues, semaphore sets and shared memory segments in the
// target's ipc namespace. /proc/sysvipc/{msg,sem,shm} list the objects of the reader's
// own ipc namespace, so unless the target shares ours, `enter` reads them from inside.
// The host's (boxlab's own namespace) are only counted, in a note.
import { readFile } from 'node:fs/promises';
import { assertAlive, defaultEnter, nsInode, type ProbeTarget } from '../probe.ts';
import type { Row, View } from '../types.ts';
import { kernel as words } from '../../text/index.ts';

const IPC_KINDS = ['msg', 'sem', 'shm'] as const;
export type IpcKind = (typeof IPC_KINDS)[number];
export type IpcTables = Record<IpcKind, string>;

/** A /proc/sysvipc/* table: a header line naming the columns, then one line per object. */
export function parseSysvipc(text: string): Record<string, string>[] {
  const lines = text.split('\n').filter((l) => l.trim() !== '');
  const header = lines.shift()?.trim().split(/\s+/) ?? [];
  return lines.map((line) => {
    const f = line.trim().split(/\s+/);
    const row: Record<string, string> = {};
    header.forEach((name, i) => {
      row[name] = f[i] ?? '';
    });
    return row;
  });
}

/** The kernel prints the key as a signed decimal; ipcs shows it as 0x%08x. */
export function ipcKeyHex(key: string): string {
  return `0x${(Number(key) >>> 0).toString(16).padStart(8, '0')}`;
}

const ID_FIELD: Record<IpcKind, string> = { msg: 'msqid', sem: 'semid', shm: 'shmid' };

function detail(kind: IpcKind, r: Record<string, string>): string {
  if (kind === 'msg') return words.ipcMsgDetail(r.qnum ?? '?', r.cbytes ?? '?');
  if (kind === 'sem') return words.ipcSemDetail(r.nsems ?? '?');
  return words.ipcShmDetail(r.size ?? '?', r.nattch ?? '?');
}

/** Pure: rows keyed "msg:KEY:ID" (KEY in hex, as ipcs prints it). */
export function ipcRows(tables: IpcTables): Row[] {
  const rows: Row[] = [];
  for (const kind of IPC_KINDS) {
    for (const r of parseSysvipc(tables[kind])) {
      const key = ipcKeyHex(r.key ?? '0');
      const id = r[ID_FIELD[kind]] ?? '?';
      rows.push({
        key: `${kind}:${key}:${id}`,
        cells: {
          kind: words.ipcKinds[kind] ?? kind,
          key,
          id,
          perms: r.perms ?? '',
          uid: r.uid ?? '',
          detail: detail(kind, r),
        },
      });
    }
  }
  return rows;
}

export function ipcCounts(tables: IpcTables): Record<IpcKind, number> {
  return {
    msg: parseSysvipc(tables.msg).length,
    sem: parseSysvipc(tables.sem).length,
    shm: parseSysvipc(tables.shm).length,
  };
}

async function readOwnIpc(): Promise<IpcTables> {
  const read = (k: IpcKind) => readFile(`/proc/sysvipc/${k}`, 'utf8').catch(() => '');
  const [msg, sem, shm] = await Promise.all([read('msg'), read('sem'), read('shm')]);
  return { msg, sem, shm };
}

export async function ipcProbe(target: ProbeTarget): Promise<View> {
  await assertAlive(target.pid);
  const [theirs, ours, host] = await Promise.all([nsInode(target.pid, 'ipc'), nsInode('self', 'ipc'), readOwnIpc()]);
  const notes: string[] = [];
  let inside: IpcTables;
  if (theirs === ours) {
    inside = host;
    notes.push(words.ipcShared);
  } else {
    const got = await (target.enter ?? defaultEnter)(target.pid, ['ipc']);
    if (!got.ipc) throw new Error(words.readerGaveNothing('ipc'));
    inside = got.ipc;
    const c = ipcCounts(inside);
    const h = ipcCounts(host);
    notes.push(words.ipcCounts(words.ipcInside, c.msg, c.sem, c.shm));
    notes.push(words.ipcCounts(words.ipcHost, h.msg, h.sem, h.shm));
    if (got.via) notes.push(words.readVia(got.via));
  }
  return {
    name: 'ipc',
    title: words.titles.ipc,
    columns: ['kind', 'key', 'id', 'perms', 'uid', 'detail'],
    rows: ipcRows(inside),
    notes,
  };
}
