// Kernel state views: probes that read /proc into plain data, snapshots, diffs, and a
// plain-text renderer. See DESIGN.md "Kernel state views".
export * from './types.ts';
export { boxcoreEnter, nsenterEnter, parseEnterOutput, parseNsLink, type EnterFn, type EnterWhat, type NetDumpFn, type Probe } from './probe.ts';
export { snapshot, sharedEnter, type SnapshotOptions } from './snapshot.ts';
export { diff, diffView, diffRows, countChanges } from './diff.ts';
export { renderView, renderSnapshot, renderViewDiff, renderDiff, wrapCell, fitWidths, columnTitle } from './render.ts';

export { nsProbe, nsRows } from './views/ns.ts';
export { procProbe, procRows, procInfoFrom, parseStatus, parseStartTime, parseCmdline, descendants, type ProcInfo } from './views/proc.ts';
export { idsProbe, idsRows, idMapRows, parseIdMap, capBits, decodeCaps, describeCaps, CAPABILITIES } from './views/ids.ts';
export { utsProbe, utsRows } from './views/uts.ts';
export { mountsProbe, mountRows, mountKeys, mountsNotInHost, parseMountinfo, unescapeOctal } from './views/mounts.ts';
export { fsProbe, fsViewFromDirs, layerOf, overlayChanges, overlayMounts, parseOverlayOptions, splitLowerdir } from './views/fs.ts';
export { ipcProbe, ipcRows, ipcCounts, ipcKeyHex, parseSysvipc } from './views/ipc.ts';
export { netRows, natRules, namedNamespaces, type NetNamespace } from './views/net.ts';
export { cgroupRows, cgroupDirs, cgroupMeaning, parseFlatKeyed } from './views/cgroup.ts';
