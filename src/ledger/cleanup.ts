// `boxlab cleanup`: undo what dead boxlab processes left, from their ledgers alone.
// A ledger whose owner still runs belongs to a live boxlab: it is left alone, which is
// what makes cleanup safe while another boxlab is running.
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { checkLedgerDir, readLedger, removeEmptyStateRoot, type Entry } from './ledger.ts';
import { ledgerDir } from './paths.ts';
import { isSameProcessAlive } from './proc.ts';
import { assertRemovable, removeResource, type Place } from './resources.ts';
import { leaveHostNet } from './host-net.ts';
import { ledger as ledgerText } from '../text/index.ts';

export interface CleanupItem {
  ledger: string;
  owner: number;
  entry: Entry;
  removed: boolean;
  error?: string;
}

export interface CleanupReport {
  items: CleanupItem[];
  ledgersRemoved: string[];
  /** Ledger files not read at all (not ours, a link, too large), and why. */
  ledgersRefused: { ledger: string; error: string }[];
  liveOwners: number[];
}

/** ONLY: the ledger files to read (bl-PID.jsonl names), when not every one
 *  (`boxlab rm` of a container whose supervisor was killed reads the supervisor's). */
export async function cleanup({ dryRun = false, dir = ledgerDir(), only }: { dryRun?: boolean; dir?: string; only?: string[] } = {}): Promise<CleanupReport> {
  const report: CleanupReport = { items: [], ledgersRemoved: [], ledgersRefused: [], liveOwners: [] };
  if (!existsSync(dir)) return report;
  // A ledger directory someone else can write is someone else's list: refused whole.
  checkLedgerDir(dir);
  for (const name of readdirSync(dir).filter((n) => n.startsWith('bl-') && n.endsWith('.jsonl') && (!only || only.includes(n))).sort()) {
    const file = join(dir, name);
    let ledger: ReturnType<typeof readLedger>;
    try {
      ledger = readLedger(file);
    } catch (err) {
      report.ledgersRefused.push({ ledger: file, error: (err as Error).message });
      continue;
    }
    const { owner, live } = ledger;
    if (owner && isSameProcessAlive(owner.pid, owner.start)) {
      report.liveOwners.push(owner.pid);
      continue;
    }
    // A ledger without its owner line names no process that cleanup could vouch for.
    const place: Place = { root: dirname(dir), ownerStart: owner?.start ?? '' };
    let failed = 0;
    // Newest first: a mount inside a directory goes before the directory.
    for (const entry of [...live].reverse()) {
      const item: CleanupItem = { ledger: file, owner: owner?.pid ?? 0, entry, removed: false };
      try {
        // Every entry is checked before anything is done, in a dry run too.
        assertRemovable(entry, place);
        if (!dryRun) {
          await removeResource(entry, place);
          item.removed = true;
        }
      } catch (err) {
        item.error = (err as Error).message;
        failed += 1;
      }
      report.items.push(item);
    }
    if (!dryRun && failed === 0) {
      rmSync(file, { force: true });
      report.ledgersRemoved.push(file);
    }
  }
  // The host's shared bridge network is the host's, not one state root's: what dead
  // runs left there (with this state root or another) goes once no live run holds it.
  if (!dryRun && process.getuid?.() === 0) await leaveHostNet();
  if (!dryRun) removeEmptyStateRoot(dir);
  return report;
}

export function describeEntry(e: Entry): string {
  const t = ledgerText.entry;
  switch (e.kind) {
    case 'dir': return t.dir(e.path, e.user);
    case 'process': return t.process(e.pid);
    case 'mount': return t.mount(e.path);
    case 'cgroup': return t.cgroup(e.path);
    case 'loop': return t.loop(e.file);
    case 'link': return t.link(e.name, e.netns);
    case 'netns': return t.netns(e.name);
    case 'sysctl': return t.sysctl(e.path, e.restore.trim());
    case 'net-share': return t.netShare(e.holder);
    case 'oci': return t.oci(e.name, e.root);
    case 'oci-root': return t.ociRoot(e.path);
    case 'nat': return t.nat(e.table, e.tool, e.netns);
    case 'apparmor': return t.apparmor(e.name);
  }
}
