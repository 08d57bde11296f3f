// Plain data for kernel state views: what a probe read, and how two readings differ.
// Probes fill these; renderers (text here, ink in the UI) only ever read them.

export const VIEW_NAMES = ['ns', 'proc', 'ids', 'uts', 'mounts', 'fs', 'ipc', 'net', 'cgroup'] as const;
export type ViewName = (typeof VIEW_NAMES)[number];

/** One line of a view. `key` is unique within the view and stable across snapshots,
 *  so the same thing read twice diffs as "changed", not "removed + added". */
export interface Row {
  key: string;
  cells: Record<string, string>;
}

export interface View {
  name: ViewName;
  title: string;
  /** Column order for display; every row's cells use these names. */
  columns: string[];
  rows: Row[];
  /** One-line remarks a person should see with the view ("no container yet"). */
  notes?: string[];
}

export interface Snapshot {
  /** The process the views were read for (host pid). */
  pid: number;
  takenAt: number;
  views: Partial<Record<ViewName, View>>;
}

export type RowChange = 'added' | 'removed' | 'changed' | 'same';

export interface RowDiff {
  key: string;
  change: RowChange;
  before?: Row;
  after?: Row;
  /** For 'changed': the cells whose value differs. */
  cells?: string[];
}

export interface ViewDiff {
  name: ViewName;
  title: string;
  columns: string[];
  rows: RowDiff[];
  /** The notes of the view after (or before, when the view is gone), so a failed read
   *  or a remark still shows when only the diff is displayed. */
  notes?: string[];
}

export interface SnapshotDiff {
  pid: number;
  views: ViewDiff[];
}
