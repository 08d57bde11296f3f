export { Ledger, LeftBehindError, readLedger, thenCleanUp, type Entry } from './ledger.ts';
export { cleanup, describeEntry, type CleanupReport, type CleanupItem } from './cleanup.ts';
export { stateRoot, ledgerDir, blName } from './paths.ts';
export { processStartTime } from './proc.ts';
export type { Resource } from './resources.ts';
