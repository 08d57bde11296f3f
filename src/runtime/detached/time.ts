// Times and durations as Docker writes and reads them. A log line's time is RFC 3339
// with nanoseconds in UTC (Go's RFC3339Nano: trailing zeros dropped); `logs -t` prints
// it with all nine digits; durations are Go's (1m30s, 500ms); --since and --until take
// a duration back from now, a Unix time (1700000000.5) or an RFC 3339 date and time.
// Times are nanoseconds since the epoch, as bigints: a double holds only microseconds.

/** Nanoseconds per unit of a Go duration ("us", "µs" and "μs" are the same). */
const UNITS: Record<string, number> = { ns: 1, us: 1e3, 'µs': 1e3, 'μs': 1e3, ms: 1e6, s: 1e9, m: 60e9, h: 3600e9 };

/** "1m30s" -> 90000 (milliseconds), as Go's time.ParseDuration reads it; undefined when
 *  it is not one ("0" is, with no unit). */
export function parseDuration(text: string): number | undefined {
  const t = text.trim();
  if (t === '0') return 0;
  const sign = t.startsWith('-') ? -1 : 1;
  const body = t.replace(/^[-+]/, '');
  // One or more NUMBER UNIT pairs and nothing else: 1h30m, 1.5s, .5s.
  const pair = /(\d+\.?\d*|\.\d+)([a-zµμ]+)/y;
  let ns = 0;
  let at = 0;
  while (at < body.length) {
    pair.lastIndex = at;
    const m = pair.exec(body);
    const unit = m ? UNITS[m[2]!] : undefined;
    if (!m || unit === undefined) return undefined;
    ns += Number(m[1]) * unit;
    at = pair.lastIndex;
  }
  return body ? (sign * ns) / 1e6 : undefined;
}

/** 90000 -> "1m30s", as Go's Duration.String() writes it. */
export function formatDuration(ms: number): string {
  if (ms === 0) return '0s';
  const ns = Math.round(Math.abs(ms) * 1e6);
  const sign = ms < 0 ? '-' : '';
  if (ns < 1e3) return `${sign}${ns}ns`;
  if (ns < 1e6) return `${sign}${trim(ns / 1e3)}µs`;
  if (ns < 1e9) return `${sign}${trim(ns / 1e6)}ms`;
  const h = Math.floor(ns / 3600e9);
  const m = Math.floor((ns % 3600e9) / 60e9);
  const s = (ns % 60e9) / 1e9;
  return `${sign}${h ? `${h}h` : ''}${h || m ? `${m}m` : ''}${trim(s)}s`;
}

const trim = (n: number) => String(Number(n.toFixed(9)));

// ---------------------------------------------------------------- timestamps

const wallAtStart = BigInt(Date.now()) * 1_000_000n;
const monoAtStart = process.hrtime.bigint();

/** Now, in nanoseconds since the epoch: the wall clock at start plus the monotonic
 *  clock since, so two lines written in a row never go back in time. */
export function nowNs(): bigint {
  return wallAtStart + (process.hrtime.bigint() - monoAtStart);
}

export const msToNs = (ms: number): bigint => BigInt(Math.round(ms)) * 1_000_000n;
export const nsToMs = (ns: bigint): number => Number(ns / 1_000_000n);

/** RFC 3339 in UTC with nanoseconds: Go's RFC3339Nano (trailing zeros dropped), or with
 *  all nine digits (fixed: what `docker logs -t` prints). */
export function formatTime(ns: bigint, fixed = false): string {
  const seconds = ns / 1_000_000_000n;
  const frac = (ns % 1_000_000_000n).toString().padStart(9, '0');
  const base = new Date(Number(seconds) * 1000).toISOString().slice(0, 19);
  const digits = fixed ? frac : frac.replace(/0+$/, '');
  return `${base}${digits ? `.${digits}` : ''}Z`;
}

const RFC3339 = /^(\d{4}-\d{2}-\d{2})(?:[T ](\d{2}:\d{2}(?::\d{2})?)(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}:\d{2})?$/i;

/** A time as Docker's --since takes it: a Go duration back from `now`, a Unix time in
 *  seconds (with a fraction), or an RFC 3339 date, date and time, with or without a zone
 *  (without one: local time). Undefined when it is none of them. */
export function parseTime(text: string, now: bigint = nowNs()): bigint | undefined {
  const t = text.trim();
  const d = parseDuration(t);
  if (d !== undefined && /[a-zµμ]$/.test(t)) return now - msToNs(d);
  const unix = /^(\d+)(?:\.(\d{1,9}))?$/.exec(t);
  if (unix) return BigInt(unix[1]!) * 1_000_000_000n + BigInt((unix[2] ?? '').padEnd(9, '0') || '0');
  const m = RFC3339.exec(t);
  if (!m) return undefined;
  const clock = m[2] ? (m[2].length === 5 ? `${m[2]}:00` : m[2]) : '00:00:00';
  const ms = Date.parse(`${m[1]}T${clock}${m[4] ? m[4].toUpperCase() : ''}`);
  if (Number.isNaN(ms)) return undefined;
  return msToNs(ms) + BigInt((m[3] ?? '').padEnd(9, '0') || '0');
}
