// The lab's one door to the kernel probes (src/kernel): the engine and the UI call these
// and never read /proc for a view themselves.
import { diff, namedNamespaces, renderDiff, renderSnapshot, snapshot } from '../kernel/index.ts';
import type { SnapshotOptions } from '../kernel/snapshot.ts';
import type { Snapshot, SnapshotDiff, ViewName } from '../kernel/types.ts';

export interface RenderOptions { color: boolean; onlyChanges?: boolean; width?: number; abbreviate?: (s: string) => string }

/** What a lesson gives the views beside the process: its other containers, and its
 *  core to read from inside namespaces (by default each view starts what it needs). */
export type ViewReaders = Pick<SnapshotOptions, 'neighbours' | 'enter' | 'netDump'>;

export interface KernelApi {
  /** `neighbours`: the lesson's other containers, shown too by views that span
   *  namespaces (net); `enter` and `netDump`: the lesson's core, reading inside them. */
  snapshot(pid: number, views: ViewName[], readers?: ViewReaders): Promise<Snapshot>;
  diff(before: Snapshot, after: Snapshot): SnapshotDiff;
  renderSnapshot(s: Snapshot, opts: RenderOptions): string;
  renderDiff(d: SnapshotDiff, opts: RenderOptions): string;
  /** The lab-made named network namespaces (/run/netns/bl-*), for the REPL's completion. */
  labNetns(): string[];
}

const api: KernelApi = {
  snapshot: (pid, views, readers) => snapshot(pid, views, readers),
  diff,
  renderSnapshot,
  renderDiff,
  labNetns: () => namedNamespaces().map((n) => n.name),
};

/** Async so a test (or a future lazy load) can swap it without touching callers. */
export async function kernel(): Promise<KernelApi> {
  return api;
}
