// A snapshot: the views a step names, read for one process at one moment. Probes run
// concurrently; one that fails becomes a view holding a note that says what failed, so
// a snapshot never throws because of one view.
import { defaultEnter, messageOf, type EnterFn, type EnterWhat, type Probe, type ProbeTarget } from './probe.ts';
import type { Snapshot, View, ViewName } from './types.ts';
import { VIEW_NAMES } from './types.ts';
import { fsProbe, type FsProbeOptions } from './views/fs.ts';
import { idsProbe } from './views/ids.ts';
import { ipcProbe } from './views/ipc.ts';
import { cgroupProbe } from './views/cgroup.ts';
import { netProbe } from './views/net.ts';
import { mountsProbe } from './views/mounts.ts';
import { nsProbe } from './views/ns.ts';
import { procProbe } from './views/proc.ts';
import { utsProbe } from './views/uts.ts';
import { kernel as words } from '../text/index.ts';

export interface SnapshotOptions {
  /** reference process for "host" comparisons (default 1) */
  hostPid?: number;
  /** reads uts/ipc from inside the target's namespaces (default: boxcore probe) */
  enter?: EnterFn;
  fs?: FsProbeOptions;
  /** replace or add probes (tests, future views) */
  probes?: Partial<Record<ViewName, Probe>>;
  /** other processes whose namespaces belong in views that span several (net) */
  neighbours?: ProbeTarget['neighbours'];
  /** reads a network namespace over rtnetlink (default: a core started for the probe) */
  netDump?: ProbeTarget['netDump'];
}

function probeFor(name: ViewName, opts: SnapshotOptions = {}): Probe {
  const custom = opts.probes?.[name];
  if (custom) return custom;
  switch (name) {
    case 'ns':
      return nsProbe;
    case 'proc':
      return procProbe;
    case 'ids':
      return idsProbe;
    case 'uts':
      return utsProbe;
    case 'mounts':
      return mountsProbe;
    case 'fs':
      return (t) => fsProbe(t, opts.fs);
    case 'ipc':
      return ipcProbe;
    case 'net':
      return netProbe;
    case 'cgroup':
      return cgroupProbe;
  }
}

/** One enter call serves every view of a snapshot: the first request asks for all the
 *  kinds the snapshot's views need, later ones share its answer. */
export function sharedEnter(enter: EnterFn, kinds: EnterWhat[]): EnterFn {
  let pending: { pid: number; result: ReturnType<EnterFn> } | undefined;
  return (pid, what) => {
    if (pending && pending.pid === pid && what.every((w) => kinds.includes(w))) return pending.result;
    const all = [...new Set([...kinds, ...what])];
    const result = enter(pid, all);
    pending = { pid, result };
    return result;
  };
}

function failedView(name: ViewName, err: unknown): View {
  return {
    name,
    // `satisfies`: a catalog without a title for every view does not compile.
    title: (words.titles satisfies Record<ViewName, string>)[name],
    columns: [],
    rows: [],
    notes: [words.probeFailed(name, messageOf(err))],
  };
}

export async function snapshot(pid: number, views: readonly ViewName[], opts: SnapshotOptions = {}): Promise<Snapshot> {
  const names = [...new Set(views)].filter((v) => (VIEW_NAMES as readonly string[]).includes(v));
  const kinds = names.filter((v): v is EnterWhat => v === 'uts' || v === 'ipc');
  const target: ProbeTarget = {
    pid,
    ...(opts.hostPid !== undefined ? { hostPid: opts.hostPid } : {}),
    ...(opts.neighbours?.length ? { neighbours: opts.neighbours } : {}),
    ...(opts.netDump ? { netDump: opts.netDump } : {}),
    enter: sharedEnter(opts.enter ?? defaultEnter, kinds),
  };
  const takenAt = Date.now();
  const results = await Promise.all(
    names.map(async (name) => {
      try {
        return await probeFor(name, opts)(target);
      } catch (err) {
        return failedView(name, err);
      }
    }),
  );
  const out: Snapshot = { pid, takenAt, views: {} };
  for (const v of results) out.views[v.name] = v;
  return out;
}
