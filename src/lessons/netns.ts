// The named network namespaces a lesson makes ("a host" of the networking lessons,
// `netns_add bl-...`): each is written in the lesson's ledger scope before the core makes
// it, so the end of the lesson, a reset, Ctrl-C or `boxlab cleanup` after a SIGKILL
// removes it (`ip netns del`). Net ops may act only in namespaces this lesson made: a
// name of another boxlab's, or a typo of one, is refused before the core is asked.
import { existsSync } from 'node:fs';
import { CoreError } from '../core/index.ts';
import type { Ledger } from '../ledger/index.ts';
import { isBlName } from '../ledger/resources.ts';
import { NETNS_DIR } from '../kernel/views/net.ts';
import { text } from '../ui/text.ts';

/** The arguments that name a network namespace by name. */
const NETNS_ARGS = ['netns', 'peer_netns', 'to_netns'];

export class LessonNamespaces {
  /** Name -> its ledger entry. */
  private made = new Map<string, number>();

  constructor(private ledger: Ledger, private scope: () => string) {}

  /** A fresh lesson (start, reset): the ledger scope that held the old ones is unwound. */
  clear(): void { this.made.clear(); }

  /** Before netns_add: write it down. Returns what `settle` needs once the core answered. */
  record(op: string, name: unknown): number {
    // A bl- name of plain characters: the ledger refuses to remove any other.
    if (typeof name !== 'string' || !isBlName(name)) {
      throw new CoreError(op, { kind: 'usage', message: text.netnsName(String(name)), hint: text.netnsNameHint });
    }
    if (this.made.has(name)) throw new CoreError(op, { kind: 'state', message: text.netnsTwice(name) });
    // rmdir: the first namespace may make /run/netns; the ledger then takes it away
    // again once it is empty.
    return this.ledger.record({ kind: 'netns', name, rmdir: !existsSync(NETNS_DIR) }, this.scope()).id;
  }

  /** After netns_add: keep it, or cross it out (a failed op has undone itself, and a
   *  name that was taken is someone else's namespace: never removed by us). */
  settle(name: string, entry: number, ok: boolean): void {
    if (ok) this.made.set(name, entry);
    else this.ledger.forget(entry);
  }

  /** After a successful netns_del: gone, crossed out. */
  deleted(name: string): void {
    const entry = this.made.get(name);
    if (entry === undefined) return;
    this.made.delete(name);
    this.ledger.forget(entry);
  }

  /** Host safety: a named namespace an op acts in must be one this lesson made. */
  assertOwn(op: string, args: Record<string, unknown>): void {
    for (const key of NETNS_ARGS) {
      const name = args[key];
      if (name === undefined || (typeof name === 'string' && this.made.has(name))) continue;
      throw new CoreError(op, { kind: 'state', message: text.netnsNotOurs(op, String(name)), hint: text.netnsNotOursHint([...this.made.keys()]) });
    }
  }
}
