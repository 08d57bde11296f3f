// Health checks as Docker runs them (moby, daemon/health.go): a command run inside the
// container every --health-interval (the first one an interval after the start); exit
// 0 is healthy, anything else - or taking longer than --health-timeout - a failure.
// The state starts as "starting"; one success makes it "healthy"; --health-retries
// failures in a row make it "unhealthy". Failures within --health-start-period of the
// start do not count while the state is still "starting" (the service may still be
// warming up); there the checks come every --health-start-interval. The last five
// results are kept, each with at most 4096 bytes of output. Docker only reports the
// state: an unhealthy container is not restarted for it.
//
// This file is the pure part (options, the state after each result, when the next
// check is due); the supervisor runs the command (by setns, as `join` does).
import { containers as t } from '../../text/index.ts';
import { formatDuration, parseDuration } from './time.ts';

export interface HealthConfig {
  /** run as /bin/sh -c CMD (Docker's CMD-SHELL) */
  cmd: string;
  intervalMs: number;
  timeoutMs: number;
  retries: number;
  startPeriodMs: number;
  startIntervalMs: number;
}

export type HealthStatus = 'starting' | 'healthy' | 'unhealthy';

export interface HealthResult {
  /** epoch ms */
  start: number;
  end: number;
  /** -1: it could not run, or ran out of time */
  exitCode: number;
  output: string;
}

export interface HealthState {
  status: HealthStatus;
  failingStreak: number;
  log: HealthResult[];
}

/** Docker's defaults (daemon/health.go). */
export const HEALTH_DEFAULTS = { intervalMs: 30_000, timeoutMs: 30_000, retries: 3, startPeriodMs: 0, startIntervalMs: 5_000 } as const;
const MAX_LOG = 5;
export const MAX_OUTPUT = 4096;

export class HealthError extends Error {}

/** The flags and their durations, as `boxlab run` names them. */
const DURATIONS = {
  'health-interval': 'intervalMs',
  'health-timeout': 'timeoutMs',
  'health-start-period': 'startPeriodMs',
  'health-start-interval': 'startIntervalMs',
} as const;

export const HEALTH_FLAGS = ['health-cmd', 'health-retries', ...Object.keys(DURATIONS)] as const;

/** The health flags of the parsed options; undefined when none is given. */
export function parseHealth(o: Record<string, unknown>): HealthConfig | undefined {
  const given = HEALTH_FLAGS.filter((f) => o[f] !== undefined);
  if (!given.length) return undefined;
  const cmd = o['health-cmd'] as string | undefined;
  if (cmd === undefined) throw new HealthError(t.health.needsCmd(given[0]!));
  if (!cmd.trim()) throw new HealthError(t.health.emptyCmd);
  const config: HealthConfig = { cmd, ...HEALTH_DEFAULTS };
  for (const [flag, key] of Object.entries(DURATIONS)) {
    const text = o[flag] as string | undefined;
    if (text === undefined) continue;
    const ms = parseDuration(text);
    // Docker: 0 means the default; anything else at least a millisecond.
    if (ms === undefined || ms < 0 || (ms > 0 && ms < 1)) throw new HealthError(t.health.badDuration(flag, text));
    if (ms > 0) config[key] = ms;
  }
  const retries = o['health-retries'] as string | undefined;
  if (retries !== undefined) {
    if (!/^\d+$/.test(retries) || Number(retries) > 1_000_000) throw new HealthError(t.health.badRetries(retries));
    if (Number(retries) > 0) config.retries = Number(retries);
  }
  return config;
}

export function initialHealth(): HealthState {
  return { status: 'starting', failingStreak: 0, log: [] };
}

/** The state after one result; STARTED is when the container started (epoch ms). */
export function afterResult(state: HealthState, r: HealthResult, config: HealthConfig, started: number): HealthState {
  const log = [...state.log, r].slice(-MAX_LOG);
  if (r.exitCode === 0) return { status: 'healthy', failingStreak: 0, log };
  const warmingUp = state.status === 'starting' && r.start - started < config.startPeriodMs;
  if (warmingUp) return { ...state, log };
  const failingStreak = state.failingStreak + 1;
  return { status: failingStreak >= config.retries ? 'unhealthy' : state.status, failingStreak, log };
}

/** How long until the next check, ELAPSED ms after the start: the start period's
 *  remainder when that is sooner than an interval, the start interval while starting
 *  within it, else the interval (Docker's getInterval). */
export function nextCheckIn(config: HealthConfig, elapsed: number, status: HealthStatus): number {
  if (elapsed >= config.startPeriodMs) return config.intervalMs;
  const remaining = config.startPeriodMs - elapsed;
  if (remaining < config.intervalMs) return remaining;
  return status === 'starting' ? config.startIntervalMs : config.intervalMs;
}

/** Output kept of one check: 4096 bytes, then "...". */
export function keepOutput(text: string): string {
  const bytes = Buffer.from(text);
  return bytes.length <= MAX_OUTPUT ? text : `${bytes.subarray(0, MAX_OUTPUT).toString()}...`;
}

/** What a check that ran out of time leaves as its output. */
export function timeoutOutput(timeoutMs: number, output: string): string {
  return t.health.timedOut(formatDuration(timeoutMs), output);
}
