// Host safety for the network ops a lesson (or a learner at the REPL) sends to the core.
// - A network op may act in a container's network namespace, or in one the lab made,
//   never in the host's, which a container cloned without `net` shares.
// - The named network namespaces a lesson makes ("a host" of the networking lessons,
//   `netns_add bl-...`) are each written in the lesson's ledger scope before the core
//   makes it, so the end of the lesson, a reset, Ctrl-C or `boxlab cleanup` after a
//   SIGKILL removes it (`ip netns del`). Net ops may act only in namespaces this lesson
//   made: a name of another boxlab's, or a typo of one, is refused before the core is asked.
import { existsSync, readlinkSync } from 'node:fs';
import { CoreError, type CoreReply } from '../core/index.ts';
import type { Ledger } from '../ledger/index.ts';
import { isBlName } from '../ledger/resources.ts';
import { NETNS_DIR } from '../kernel/views/net.ts';
import { lessons as text } from '../text/index.ts';
import type { Containers, Guard, OpArgs } from './gateway.ts';
import { OPS } from './ops.ts';

/** The arguments that name a network namespace by name. */
const NETNS_ARGS = ['netns', 'peer_netns', 'to_netns'];

/** The network namespace link of a process, or '' when it cannot be read. */
function nsLink(pid: number): string {
  try { return readlinkSync(`/proc/${pid}/ns/net`); } catch { return ''; }
}

/** A network op may act in a container's (or a lab-made) network namespace, never in
 *  the host's, which a container without `net` shares. */
export class HostNetworkGuard implements Guard {
  constructor(private containers: Containers) {}

  before(op: string, args: OpArgs): undefined {
    if (!OPS[op]?.net) return undefined;
    const own = nsLink(process.pid);
    for (const prefix of ['', 'peer_', 'to_']) {
      const ct = args[`${prefix}ct`];
      const pid = typeof ct === 'string' ? this.containers.pidOf(ct) : args[`${prefix}pid`];
      if (typeof pid !== 'number' || nsLink(pid) !== own) continue;
      throw new CoreError(op, { kind: 'state', message: text.hostNetwork(op, typeof ct === 'string' ? ct : text.processNamed(pid)), hint: text.hostNetworkHint });
    }
    return undefined;
  }
}

export class LessonNamespaces implements Guard {
  /** Name -> its ledger entry. */
  private made = new Map<string, number>();

  constructor(private ledger: Ledger, private scope: () => string) {}

  /** A fresh lesson (start, reset): the ledger scope that held the old ones is unwound. */
  clear(): void { this.made.clear(); }

  /** Net ops act only in this lesson's namespaces; netns_add is written down before the
   *  core makes it, and kept or crossed out once it answered; netns_del crosses it out. */
  before(op: string, args: OpArgs): ((reply: CoreReply) => void) | undefined {
    if (OPS[op]?.net) this.assertOwn(op, args);
    if (op === 'netns_add') {
      const entry = this.record(op, args.name);
      return (reply) => this.settle(String(args.name), entry, reply.ok);
    }
    if (op === 'netns_del') return (reply) => { if (reply.ok) this.deleted(String(args.netns)); };
    return undefined;
  }

  /** Before netns_add: write it down. Returns what `settle` needs once the core answered. */
  private record(op: string, name: unknown): number {
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
  private settle(name: string, entry: number, ok: boolean): void {
    if (ok) this.made.set(name, entry);
    else this.ledger.forget(entry);
  }

  /** After a successful netns_del: gone, crossed out. */
  private deleted(name: string): void {
    const entry = this.made.get(name);
    if (entry === undefined) return;
    this.made.delete(name);
    this.ledger.forget(entry);
  }

  /** Host safety: a named namespace an op acts in must be one this lesson made. */
  private assertOwn(op: string, args: OpArgs): void {
    for (const key of NETNS_ARGS) {
      const name = args[key];
      if (name === undefined || (typeof name === 'string' && this.made.has(name))) continue;
      throw new CoreError(op, { kind: 'state', message: text.netnsNotOurs(op, String(name)), hint: text.netnsNotOursHint([...this.made.keys()]) });
    }
  }
}
