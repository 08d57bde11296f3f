// Typed failures of the core. Every one carries what the core said: the errno, a plain
// explanation and a hint, plus the syscalls it made before failing.

export type CoreErrorKind = 'protocol' | 'usage' | 'state' | 'syscall' | 'timeout' | 'exit';

export interface CoreErrorInfo {
  kind: CoreErrorKind;
  message: string;
  errno?: string;
  code?: number;
  explain?: string;
  hint?: string;
}

export class CoreError extends Error {
  readonly kind: CoreErrorKind;
  readonly op: string;
  readonly errno?: string;
  readonly code?: number;
  readonly explain?: string;
  readonly hint?: string;
  readonly syscalls: string[];
  readonly shell: string;

  constructor(op: string, info: CoreErrorInfo, syscalls: string[] = [], shell = '') {
    super(info.message);
    this.name = 'CoreError';
    this.op = op;
    this.kind = info.kind;
    this.errno = info.errno;
    this.code = info.code;
    this.explain = info.explain;
    this.hint = info.hint;
    this.syscalls = syscalls;
    this.shell = shell;
  }

  /** Message, explanation and hint on separate lines, the way a person reads them. */
  describe(): string {
    const lines = [`${this.op}: ${this.message}${this.errno ? ` (${this.errno})` : ''}`];
    if (this.explain) lines.push(`  why:  ${this.explain}`);
    if (this.hint) lines.push(`  try:  ${this.hint}`);
    return lines.join('\n');
  }
}
