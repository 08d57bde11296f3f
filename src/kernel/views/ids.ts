// ids: who the target is. User namespace id maps (/proc/PID/uid_map, gid_map,
// setgroups), its uids and gids, capabilities (effective and bounding sets, decoded)
// and the two one-way doors: no_new_privs and seccomp.
import { readFile } from 'node:fs/promises';
import { assertAlive, readProc, type ProbeTarget } from '../probe.ts';
import type { Row, View } from '../types.ts';
import { kernel as words } from '../../text/index.ts';
import { parseStatus } from './proc.ts';

/** Capability numbers, from include/uapi/linux/capability.h. */
export const CAPABILITIES = [
  'CAP_CHOWN', //              0
  'CAP_DAC_OVERRIDE', //       1
  'CAP_DAC_READ_SEARCH', //    2
  'CAP_FOWNER', //             3
  'CAP_FSETID', //             4
  'CAP_KILL', //               5
  'CAP_SETGID', //             6
  'CAP_SETUID', //             7
  'CAP_SETPCAP', //            8
  'CAP_LINUX_IMMUTABLE', //    9
  'CAP_NET_BIND_SERVICE', //  10
  'CAP_NET_BROADCAST', //     11
  'CAP_NET_ADMIN', //         12
  'CAP_NET_RAW', //           13
  'CAP_IPC_LOCK', //          14
  'CAP_IPC_OWNER', //         15
  'CAP_SYS_MODULE', //        16
  'CAP_SYS_RAWIO', //         17
  'CAP_SYS_CHROOT', //        18
  'CAP_SYS_PTRACE', //        19
  'CAP_SYS_PACCT', //         20
  'CAP_SYS_ADMIN', //         21
  'CAP_SYS_BOOT', //          22
  'CAP_SYS_NICE', //          23
  'CAP_SYS_RESOURCE', //      24
  'CAP_SYS_TIME', //          25
  'CAP_SYS_TTY_CONFIG', //    26
  'CAP_MKNOD', //             27
  'CAP_LEASE', //             28
  'CAP_AUDIT_WRITE', //       29
  'CAP_AUDIT_CONTROL', //     30
  'CAP_SETFCAP', //           31
  'CAP_MAC_OVERRIDE', //      32
  'CAP_MAC_ADMIN', //         33
  'CAP_SYSLOG', //            34
  'CAP_WAKE_ALARM', //        35
  'CAP_BLOCK_SUSPEND', //     36
  'CAP_AUDIT_READ', //        37
  'CAP_PERFMON', //           38
  'CAP_BPF', //               39
  'CAP_CHECKPOINT_RESTORE', // 40
] as const;

export const CAP_LAST_CAP = CAPABILITIES.length - 1;

/** "CAP_KILL", "kill", "net_bind_service": as capabilities(7) names them, prefix and case optional. */
export function capabilityName(word: string): string | undefined {
  const full = (/^cap_/i.test(word) ? word : `CAP_${word}`).toUpperCase();
  return (CAPABILITIES as readonly string[]).includes(full) ? full : undefined;
}

/** Short name as capsh and the lessons write it: CAP_NET_RAW -> "net_raw". */
function capName(bit: number): string {
  const full = CAPABILITIES[bit];
  return full ? full.slice(4).toLowerCase() : `cap_${bit}`;
}

/** Hex mask ("00000000a80425fb") -> capability numbers, ascending. */
export function capBits(hex: string): number[] {
  let mask = BigInt(`0x${hex.trim() || '0'}`);
  const bits: number[] = [];
  for (let bit = 0; mask > 0n; bit++, mask >>= 1n) if (mask & 1n) bits.push(bit);
  return bits;
}

export function decodeCaps(hex: string): string[] {
  return capBits(hex).map(capName);
}

/**
 * Words for a mask: "all" when every capability up to lastCap is set, "none" for 0,
 * "all except x y" when only a few are missing from an otherwise full set (easier to
 * read than 38 names), else the names.
 */
export function describeCaps(hex: string, lastCap: number = CAP_LAST_CAP): string {
  const bits = new Set(capBits(hex));
  if (bits.size === 0) return words.idsCapsNone;
  const missing: number[] = [];
  for (let b = 0; b <= lastCap; b++) if (!bits.has(b)) missing.push(b);
  const extra = [...bits].filter((b) => b > lastCap);
  if (missing.length === 0 && extra.length === 0) return words.idsCapsAll;
  if (missing.length <= 8 && missing.length * 4 <= bits.size && extra.length === 0) {
    return words.idsCapsAllExcept(missing.map(capName).join(' '));
  }
  return [...bits].sort((a, b) => a - b).map(capName).join(' ');
}

export interface IdMapLine {
  inside: number;
  outside: number;
  count: number;
}

/** /proc/PID/uid_map or gid_map: lines "INSIDE OUTSIDE COUNT". */
export function parseIdMap(text: string): IdMapLine[] {
  return text
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)
    .map((l) => {
      const [inside = 0, outside = 0, count = 0] = l.split(/\s+/).map(Number);
      return { inside, outside, count };
    });
}

function range(start: number, count: number): string {
  return count === 1 ? String(start) : `${start}-${start + count - 1}`;
}

/** Pure: one row per map line; an empty map (a fresh user namespace) is one row. */
export function idMapRows(name: 'uid_map' | 'gid_map', text: string): Row[] {
  const lines = parseIdMap(text);
  if (lines.length === 0) {
    return [{ key: `${name}:1`, cells: { item: name, value: words.idsMapEmpty, meaning: words.idsMapEmptyMeaning } }];
  }
  return lines.map((l, i) => ({
    key: `${name}:${i + 1}`,
    cells: {
      item: name,
      value: `${l.inside} ${l.outside} ${l.count}`,
      meaning:
        l.inside === 0 && l.outside === 0 && l.count === 4294967295
          ? words.idsMapIdentity
          : words.idsMapRange(range(l.inside, l.count), range(l.outside, l.count)),
    },
  }));
}

export interface IdsInput {
  status: string;
  uidMap: string;
  gidMap: string;
  /** "allow" or "deny"; undefined on kernels without the file */
  setgroups?: string;
  /** /proc/sys/kernel/cap_last_cap */
  lastCap?: number;
}

/** Pure: every row of the ids view. */
export function idsRows(input: IdsInput): Row[] {
  const s = parseStatus(input.status);
  const row = (key: string, value: string, meaning: string): Row => ({
    key,
    cells: { item: words.idsItems[key] ?? key, value, meaning },
  });
  const rows: Row[] = [...idMapRows('uid_map', input.uidMap), ...idMapRows('gid_map', input.gidMap)];
  if (input.setgroups !== undefined) {
    const v = input.setgroups.trim();
    rows.push(row('setgroups', v, words.idsSetgroups[v] ?? ''));
  }
  const ids = (v: string | undefined) => (v ?? '').split(/\s+/).filter(Boolean).join(' ');
  rows.push(row('uid', ids(s.Uid), words.idsUidGid));
  rows.push(row('gid', ids(s.Gid), words.idsUidGid));
  rows.push(row('groups', ids(s.Groups) || words.idsGroupsNone, ''));
  for (const [key, field] of [['capeff', 'CapEff'], ['capbnd', 'CapBnd']] as const) {
    const hex = s[field] ?? '0';
    rows.push(row(key, hex, describeCaps(hex, input.lastCap)));
  }
  const nnp = s.NoNewPrivs ?? '0';
  rows.push(row('nonewprivs', nnp, words.idsNoNewPrivs[nnp] ?? ''));
  const sec = s.Seccomp ?? '0';
  const filters = s.Seccomp_filters;
  const secMeaning = [words.idsSeccomp[sec] ?? sec, sec === '2' && filters ? words.idsSeccompFilters(filters) : '']
    .filter(Boolean)
    .join(', ');
  rows.push(row('seccomp', sec, secMeaning));
  return rows;
}

async function optional(read: Promise<string>): Promise<string | undefined> {
  try {
    return await read;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

export async function idsProbe(target: ProbeTarget): Promise<View> {
  await assertAlive(target.pid);
  const [status, uidMap, gidMap, setgroups, lastCap] = await Promise.all([
    readProc(target.pid, 'status'),
    readProc(target.pid, 'uid_map'),
    readProc(target.pid, 'gid_map'),
    optional(readProc(target.pid, 'setgroups')),
    optional(readFile('/proc/sys/kernel/cap_last_cap', 'utf8')),
  ]);
  return {
    name: 'ids',
    title: words.titles.ids,
    columns: ['item', 'value', 'meaning'],
    rows: idsRows({ status, uidMap, gidMap, setgroups, lastCap: lastCap ? Number(lastCap) : undefined }),
  };
}
