// uts: hostname and NIS domain name inside the target's uts namespace vs the host's.
// Nothing in /proc/PID shows another uts namespace's names: uname(2) and
// /proc/sys/kernel/{hostname,domainname} answer for the namespace of the caller. So
// unless the target shares our namespace, `enter` reads them from inside (setns).
// "Host" here is the namespace boxlab itself runs in.
import { readFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { assertAlive, defaultEnter, nsInode, type ProbeTarget } from '../probe.ts';
import type { Row, View } from '../types.ts';
import { kernel as words } from '../../text/index.ts';

export interface UtsNames {
  hostname: string;
  domainname: string;
}

/** Pure: two rows, hostname and domainname. */
export function utsRows(inside: UtsNames, host: UtsNames): Row[] {
  return (['hostname', 'domainname'] as const).map((field) => ({
    key: field,
    cells: {
      field: field === 'hostname' ? words.utsHostname : words.utsDomainname,
      inside: inside[field],
      host: host[field],
      state: inside[field] === host[field] ? words.utsSame : words.utsDiffers,
    },
  }));
}

async function hostUts(): Promise<UtsNames> {
  const domain = await readFile('/proc/sys/kernel/domainname', 'utf8').catch(() => '(none)');
  return { hostname: hostname(), domainname: domain.trim() };
}

export async function utsProbe(target: ProbeTarget): Promise<View> {
  await assertAlive(target.pid);
  const [theirs, ours, host] = await Promise.all([nsInode(target.pid, 'uts'), nsInode('self', 'uts'), hostUts()]);
  const notes: string[] = [];
  let inside: UtsNames;
  if (theirs === ours) {
    inside = host;
    notes.push(words.utsShared);
  } else {
    const got = await (target.enter ?? defaultEnter)(target.pid, ['uts']);
    if (!got.uts) throw new Error(words.readerGaveNothing('uts'));
    inside = { hostname: got.uts.hostname.trim(), domainname: got.uts.domainname.trim() };
    if (got.via) notes.push(words.readVia(got.via));
  }
  return {
    name: 'uts',
    title: words.titles.uts,
    columns: ['field', 'inside', 'host', 'state'],
    rows: utsRows(inside, host),
    ...(notes.length ? { notes } : {}),
  };
}
