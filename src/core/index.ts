export { Core, type CoreOptions, type CoreReply } from './client.ts';
export { CoreError, type CoreErrorInfo, type CoreErrorKind } from './errors.ts';
export * from './ops.ts';
export { boxcorePath, repoRoot } from './binary.ts';
