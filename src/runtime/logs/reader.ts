// Reading a json-file log back, as `docker logs` does: the rotated files oldest first,
// then the current one; --tail N keeps the last N lines, --since and --until keep those
// whose time is within; -f goes on reading the current file as it grows, and across a
// rotation (the file at the path is a new one: the rest of the old one is read first).
//
// The files are hostile until read: each is opened without following a link, must be
// a regular file, and each line must be a JSON object with a string log, a stream of
// stdout or stderr and an RFC 3339 time, at most MAX_RECORD bytes; anything else is
// skipped (a line cut short by a crash, a file changed by hand).
import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs';
import { logFiles, MAX_LINE, type Stream } from './jsonfile.ts';
import { parseTime } from '../detached/time.ts';

export interface LogEntry {
  stream: Stream;
  log: string;
  /** nanoseconds since the epoch */
  time: bigint;
  /** the time as the file has it */
  timeText: string;
}

export interface ReadOptions {
  /** the last N lines (undefined: all) */
  tail?: number;
  since?: bigint;
  until?: bigint;
}

/** A record is one message of at most MAX_LINE bytes, escaped (at most 6 bytes each,
 *  \uXXXX), with its keys and time. */
const MAX_RECORD = MAX_LINE * 6 + 256;
const RFC3339_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/;

/** One line of a log file, checked; undefined when it is not a record. */
export function parseRecord(line: string): LogEntry | undefined {
  if (line.length > MAX_RECORD) return undefined;
  let v: unknown;
  try { v = JSON.parse(line); } catch { return undefined; }
  if (!v || typeof v !== 'object' || Array.isArray(v)) return undefined;
  const { log, stream, time } = v as Record<string, unknown>;
  if (typeof log !== 'string' || (stream !== 'stdout' && stream !== 'stderr') || typeof time !== 'string' || !RFC3339_UTC.test(time)) return undefined;
  const ns = parseTime(time);
  return ns === undefined ? undefined : { stream, log, time: ns, timeText: time };
}

/** An open file read from an offset onwards, in whole lines. */
export class LineSource {
  private rest = '';
  private decoder = new TextDecoder('utf-8');
  readonly ino: number;

  private constructor(private fd: number, public offset: number) {
    this.ino = fstatSync(fd).ino;
  }

  /** Open PATH (a regular file, never through a link); undefined when it is not there. */
  static open(path: string): LineSource | undefined {
    let fd: number;
    try {
      fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
    } catch {
      return undefined;
    }
    if (!fstatSync(fd).isFile()) {
      closeSync(fd);
      return undefined;
    }
    return new LineSource(fd, 0);
  }

  /** The whole lines written since the last read. */
  lines(): string[] {
    const out: string[] = [];
    const buf = Buffer.alloc(64 * 1024);
    for (;;) {
      const n = readSync(this.fd, buf, 0, buf.length, this.offset);
      if (n <= 0) break;
      this.offset += n;
      const text = this.rest + this.decoder.decode(buf.subarray(0, n), { stream: true });
      const parts = text.split('\n');
      this.rest = parts.pop()!;
      // A "line" with no end in sight is no record: dropped, not kept growing.
      if (this.rest.length > MAX_RECORD) this.rest = '';
      out.push(...parts);
    }
    return out;
  }

  close(): void {
    closeSync(this.fd);
  }
}

const within = (e: LogEntry, o: ReadOptions) => (o.since === undefined || e.time >= o.since) && (o.until === undefined || e.time <= o.until);

/** What the log holds now. The current file is opened first, so a rotation while the
 *  older ones are read cannot make a file count twice; `follow` carries on from it. */
export function readLog(path: string, maxFiles: number, o: ReadOptions = {}): { entries: LogEntry[]; current?: LineSource } {
  const current = LineSource.open(path);
  let entries: LogEntry[] = [];
  const take = (lines: string[]) => {
    for (const line of lines) {
      const e = parseRecord(line);
      if (!e) continue;
      entries.push(e);
      // --tail: keep no more than needed (a log may be large), trimmed in batches.
      if (o.tail !== undefined && entries.length > 2 * o.tail + 1024) entries = entries.slice(-o.tail);
    }
  };
  for (const file of logFiles(path, maxFiles).slice(1).reverse()) {
    const src = LineSource.open(file);
    if (!src) continue;
    if (src.ino !== current?.ino) take(src.lines());
    src.close();
  }
  if (current) take(current.lines());
  if (o.tail !== undefined) entries = o.tail === 0 ? [] : entries.slice(-o.tail);
  return { entries: entries.filter((e) => within(e, o)), current };
}

/** -f: call EMIT with every new record, every POLL ms, until KEEP_GOING says stop (then
 *  what was written until that moment is read). From `from` (readLog's current file),
 *  or from the start of the file at PATH. */
export async function followLog(path: string, from: LineSource | undefined, o: ReadOptions, emit: (e: LogEntry) => void,
  keepGoing: () => boolean, pollMs = 100): Promise<void> {
  let src = from;
  const drain = () => {
    for (const line of src?.lines() ?? []) {
      const e = parseRecord(line);
      if (e && within(e, o)) emit(e);
    }
  };
  try {
    for (;;) {
      const going = keepGoing();
      drain();
      // Rotated (or made, or started again): the file at the path is another one now.
      const next = LineSource.open(path);
      if (next && next.ino !== src?.ino) {
        drain();
        src?.close();
        src = next;
        drain();
      } else {
        next?.close();
      }
      if (!going) return;
      if (o.until !== undefined && BigInt(Date.now()) * 1_000_000n > o.until) return;
      await new Promise((r) => setTimeout(r, pollMs));
    }
  } finally {
    src?.close();
  }
}
