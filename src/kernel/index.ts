// Kernel state views: probes that read /proc into plain data, snapshots, diffs, and a
// plain-text renderer. See DESIGN.md "Kernel state views".
export * from './types.ts';
export {
  boxcoreEnter,
  defaultEnter,
  nsenterEnter,
  parseEnterOutput,
  parseNsLink,
  type EnterFn,
  type EnterResult,
  type EnterWhat,
  type Probe,
  type ProbeTarget,
} from './probe.ts';
export { snapshot, probeFor, failedView, sharedEnter, type SnapshotOptions } from './snapshot.ts';
export { diff, diffView, diffRows, changedCells, countChanges } from './diff.ts';
export { renderView, renderSnapshot, renderViewDiff, renderDiff, truncate, fitWidths, type RenderOptions } from './render.ts';
export { words, useWords, columnTitle, type Words } from './words.ts';

export { nsProbe, nsRows, readNsInodes, NS_TYPES, type NsType, type NsInodes } from './views/ns.ts';
export {
  procProbe,
  procRows,
  procInfoFrom,
  parseStatus,
  parseStartTime,
  parseCmdline,
  descendants,
  insidePid,
  commandOf,
  type ProcInfo,
} from './views/proc.ts';
export {
  idsProbe,
  idsRows,
  idMapRows,
  parseIdMap,
  capBits,
  capName,
  decodeCaps,
  describeCaps,
  CAPABILITIES,
  CAP_LAST_CAP,
  type IdMapLine,
  type IdsInput,
} from './views/ids.ts';
export { utsProbe, utsRows, hostUts, type UtsNames } from './views/uts.ts';
export {
  mountsProbe,
  mountRows,
  mountKeys,
  mountSignature,
  mountsNotInHost,
  parseMountinfo,
  parseMountinfoLine,
  parsePropagation,
  describePropagation,
  unescapeOctal,
  type MountInfo,
  type Propagation,
} from './views/mounts.ts';
export {
  fsProbe,
  fsViewFromDirs,
  fsRows,
  layerRows,
  layerOf,
  type LayerRole,
  overlayChanges,
  overlayMounts,
  parseOverlayOptions,
  splitLowerdir,
  isWhiteout,
  type FsChange,
  type FsChangeKind,
  type FsEntryKind,
  type FsProbeOptions,
  type OverlayChanges,
  type OverlayDirs,
  type OverlayLayers,
} from './views/fs.ts';
export { ipcProbe, ipcRows, ipcCounts, ipcKeyHex, parseSysvipc, readOwnIpc, IPC_KINDS, type IpcKind, type IpcTables } from './views/ipc.ts';
export { netProbe, netRows, natRules, parseNetOutput, readNetNamespace, namedNamespaces, type IpLink, type IpRoute, type NetNamespace } from './views/net.ts';
export { cgroupProbe, cgroupRows, cgroupDirs, cgroupMeaning, parseFlatKeyed, type CgroupDir } from './views/cgroup.ts';
