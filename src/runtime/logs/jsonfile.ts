// Docker's json-file log driver, written and read: one JSON object per line,
//   {"log":"hello\n","stream":"stdout","time":"2026-01-02T03:04:05.123456789Z"}
// in ID-json.log. With --log-opt max-size=SIZE, before a line is written to a file that
// has reached SIZE the file is rotated: with max-file=N (default 1) ID-json.log.N-2 ->
// .N-1, ..., ID-json.log -> .1, the oldest dropped; with max-file=1 the file is simply
// started again. So a file can pass max-size by one line, and at most N files exist
// (moby, daemon/logger/loggerutils/logfile.go). Sizes are decimal, as Docker's
// units.FromHumanSize reads them: 10k is 10000 bytes.
//
// The container's stdout and stderr are pipes the supervisor holds (the core's fds 1
// and 2, which the container inherits); each is cut into lines, a line longer than
// 16 KiB into pieces without a newline, as Docker's copier cuts them.
import { closeSync, constants, fstatSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { containers as t } from '../../text/index.ts';
import { formatTime, nowNs } from '../detached/time.ts';

export type Stream = 'stdout' | 'stderr';

export interface LogOptions {
  /** bytes; -1: no rotation */
  maxSize: number;
  maxFiles: number;
}

export const DEFAULT_LOG_OPTIONS: LogOptions = { maxSize: -1, maxFiles: 1 };

export class LogOptionError extends Error {}

const SIZE = /^(\d+(?:\.\d+)?) ?([kmgtp])?i?b?$/i;
const DECIMAL: Record<string, number> = { '': 1, k: 1e3, m: 1e6, g: 1e9, t: 1e12, p: 1e15 };

/** --log-opt KEY=VALUE, each: max-size, max-file (and compress=false, which is Docker's
 *  default; compressed files are not written here). */
export function parseLogOptions(opts: string[]): LogOptions {
  const o: LogOptions = { ...DEFAULT_LOG_OPTIONS };
  let fileGiven = false;
  for (const opt of opts) {
    const eq = opt.indexOf('=');
    const [key, value] = eq < 0 ? [opt, ''] : [opt.slice(0, eq), opt.slice(eq + 1)];
    if (key === 'max-size') {
      const m = SIZE.exec(value.trim());
      const n = m ? Math.floor(Number(m[1]) * DECIMAL[(m[2] ?? '').toLowerCase()]!) : NaN;
      if (!(n > 0) || n > Number.MAX_SAFE_INTEGER) throw new LogOptionError(t.logs.badMaxSize(value));
      o.maxSize = n;
    } else if (key === 'max-file') {
      if (!/^\d+$/.test(value) || Number(value) < 1 || Number(value) > 1000) throw new LogOptionError(t.logs.badMaxFile(value));
      o.maxFiles = Number(value);
      fileGiven = true;
    } else if (key === 'compress') {
      if (!/^(false|0|f)$/i.test(value)) throw new LogOptionError(t.logs.noCompress(value));
    } else {
      throw new LogOptionError(t.logs.unknownOpt(key));
    }
  }
  // Docker takes max-file without max-size and never rotates; it is said, not ignored.
  if (fileGiven && o.maxFiles > 1 && o.maxSize < 0) throw new LogOptionError(t.logs.fileNeedsSize);
  return o;
}

/** The files of a log, newest first: PATH, PATH.1, ... PATH.N-1. */
export function logFiles(path: string, maxFiles: number): string[] {
  return [path, ...Array.from({ length: Math.max(0, maxFiles - 1) }, (_, i) => `${path}.${i + 1}`)];
}

/** The writer: appends lines, rotating as Docker does. One per container, in the
 *  supervisor; the files are the supervisor's alone (mode 0600 in its 0700 directory). */
export class JsonFileWriter {
  private fd: number;
  private size: number;

  constructor(readonly path: string, readonly options: LogOptions) {
    this.fd = openSync(path, constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT | constants.O_NOFOLLOW, 0o600);
    this.size = fstatSync(this.fd).size;
  }

  /** One message: LINE as read (with its newline, unless it is a piece of a longer one). */
  write(stream: Stream, line: string, time: bigint = nowNs()): void {
    if (this.options.maxSize > 0 && this.size >= this.options.maxSize) this.rotate();
    const bytes = Buffer.from(JSON.stringify({ log: line, stream, time: formatTime(time) }) + '\n');
    let done = 0;
    while (done < bytes.length) done += writeSync(this.fd, bytes, done);
    this.size += bytes.length;
  }

  private rotate(): void {
    closeSync(this.fd);
    const files = logFiles(this.path, this.options.maxFiles);
    if (files.length > 1) {
      rmSync(files[files.length - 1]!, { force: true });
      for (let i = files.length - 1; i > 0; i--) {
        try { renameSync(files[i - 1]!, files[i]!); } catch { /* a file not there yet */ }
      }
    } else {
      rmSync(this.path, { force: true });
    }
    this.fd = openSync(this.path, constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT | constants.O_TRUNC | constants.O_NOFOLLOW, 0o600);
    this.size = 0;
  }

  close(): void {
    closeSync(this.fd);
  }
}

/** Docker's copier buffer: a line longer than this is logged in pieces. */
export const MAX_LINE = 16 * 1024;

/** Cuts a stream's bytes into log messages: each line with its newline, a line longer
 *  than MAX_LINE in pieces without one, and what is left at the end with a newline
 *  added (as json-file adds one to a last message). */
export class LineSplitter {
  private pending: Buffer = Buffer.alloc(0);
  private decoder = new TextDecoder('utf-8');

  constructor(private emit: (line: string) => void) {}

  push(chunk: Buffer): void {
    this.pending = this.pending.length ? Buffer.concat([this.pending, chunk]) : chunk;
    for (;;) {
      const nl = this.pending.indexOf(10);
      if (nl >= 0 && nl < MAX_LINE) {
        this.emit(this.text(this.pending.subarray(0, nl + 1)));
        this.pending = this.pending.subarray(nl + 1);
      } else if (this.pending.length >= MAX_LINE) {
        this.emit(this.text(this.pending.subarray(0, MAX_LINE)));
        this.pending = this.pending.subarray(MAX_LINE);
      } else {
        break;
      }
    }
  }

  end(): void {
    if (this.pending.length) this.emit(this.text(this.pending) + '\n');
    this.pending = Buffer.alloc(0);
  }

  /** Bytes as text; what is not UTF-8 becomes U+FFFD, as Go's JSON encoder writes it. */
  private text(bytes: Buffer): string {
    return this.decoder.decode(bytes);
  }
}
