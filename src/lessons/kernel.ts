// The lab's one door to the kernel probes (src/kernel): the engine and the UI call these
// and never read /proc for a view themselves.
import { diff, namedNamespaces, renderDiff, renderSnapshot, snapshot } from '../kernel/index.ts';
import type { Snapshot, SnapshotDiff, ViewName } from '../kernel/types.ts';

export interface RenderOptions { color: boolean; onlyChanges?: boolean; width?: number; abbreviate?: (s: string) => string }

export interface KernelApi {
  /** `neighbours`: the lesson's other containers, shown too by views that span
   *  namespaces (net). */
  snapshot(pid: number, views: ViewName[], neighbours?: { name: string; pid: number }[]): Promise<Snapshot>;
  diff(before: Snapshot, after: Snapshot): SnapshotDiff;
  renderSnapshot(s: Snapshot, opts: RenderOptions): string;
  renderDiff(d: SnapshotDiff, opts: RenderOptions): string;
  /** The lab-made named network namespaces (/run/netns/bl-*), for the REPL's completion. */
  labNetns(): string[];
}

const api: KernelApi = {
  snapshot: (pid, views, neighbours) => snapshot(pid, views, { neighbours }),
  diff,
  renderSnapshot,
  renderDiff,
  labNetns: () => namedNamespaces().map((n) => n.name),
};

/** Async so a test (or a future lazy load) can swap it without touching callers. */
export async function kernel(): Promise<KernelApi> {
  return api;
}
