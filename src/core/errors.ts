// Typed failures of the core. Every one carries what the core said: the errno, a plain
// explanation and a hint, plus the syscalls it made before failing. The core explains in
// English; the explanation and hint are kept in the language the lab speaks.
import { core as words } from '../text/index.ts';

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
    this.explain = info.explain && words.advice(info.explain);
    this.hint = info.hint && words.advice(info.hint);
    this.syscalls = syscalls;
    this.shell = shell;
  }

  /** Message, explanation and hint on separate lines, the way a person reads them. */
  describe(): string {
    const lines = [`${this.op}: ${this.message}${this.errno ? ` (${this.errno})` : ''}`];
    if (this.explain) lines.push(words.why(this.explain));
    if (this.hint) lines.push(words.tryThis(this.hint));
    return lines.join('\n');
  }
}
