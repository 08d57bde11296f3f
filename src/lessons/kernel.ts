// The lab's one door to the kernel probes (src/kernel): the engine and the UI call these
// and never read /proc for a view themselves.
import { diff, renderDiff, renderSnapshot, snapshot } from '../kernel/index.ts';
import type { Snapshot, SnapshotDiff, ViewName } from '../kernel/types.ts';

export interface RenderOptions { color: boolean; onlyChanges?: boolean; width?: number }

export interface KernelApi {
  snapshot(pid: number, views: ViewName[]): Promise<Snapshot>;
  diff(before: Snapshot, after: Snapshot): SnapshotDiff;
  renderSnapshot(s: Snapshot, opts: RenderOptions): string;
  renderDiff(d: SnapshotDiff, opts: RenderOptions): string;
}

const api: KernelApi = {
  snapshot: (pid, views) => snapshot(pid, views),
  diff,
  renderSnapshot,
  renderDiff,
};

/** Async so a test (or a future lazy load) can swap it without touching callers. */
export async function kernel(): Promise<KernelApi> {
  return api;
}
