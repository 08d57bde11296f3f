// --restart no|on-failure[:N]|always|unless-stopped, and the back-off between restarts,
// as Docker's restart manager (moby, restartmanager/restartmanager.go) decides them: a
// delay of 100 ms before the first restart, doubled before each next one, at most one
// minute; a container that ran for 10 s or more starts over from 100 ms. The supervisor
// asks after every exit; a container stopped by hand is never restarted.
//
// unless-stopped and always differ in Docker only when the daemon itself restarts
// (always brings back a container that was stopped by hand); boxlab has no daemon to
// restart, so here they behave alike.
import { containers as t } from '../../text/index.ts';

export type RestartName = 'no' | 'on-failure' | 'always' | 'unless-stopped';

export interface RestartPolicy {
  name: RestartName;
  /** on-failure:N: at most N restarts (0: no limit) */
  maxRetries: number;
}

export const NO_RESTART: RestartPolicy = { name: 'no', maxRetries: 0 };

const NAMES: readonly RestartName[] = ['no', 'on-failure', 'always', 'unless-stopped'];

export class RestartError extends Error {}

/** "on-failure:3" -> { name: 'on-failure', maxRetries: 3 }. */
export function parseRestart(text: string): RestartPolicy {
  const [name, count, ...more] = text.split(':');
  if (!(NAMES as readonly string[]).includes(name!) || more.length) throw new RestartError(t.restart.badPolicy(text));
  if (count === undefined) return { name: name as RestartName, maxRetries: 0 };
  if (name !== 'on-failure') throw new RestartError(t.restart.countOnlyOnFailure(text, name!));
  if (!/^\d+$/.test(count) || Number(count) > 1_000_000) throw new RestartError(t.restart.badCount(text));
  return { name: 'on-failure', maxRetries: Number(count) };
}

/** Docker's constants: the first delay, the factor, the ceiling, and how long a run must
 *  last for the delay to start over. */
export const BACKOFF = { firstMs: 100, factor: 2, maxMs: 60_000, resetAfterMs: 10_000 } as const;

/** One container's restart decisions: pure, so the tests can drive it with any exit. */
export class RestartManager {
  /** Restarts so far (Docker's RestartCount). */
  count = 0;
  private delayMs = 0;

  constructor(readonly policy: RestartPolicy) {}

  /** After an exit with CODE of a run that lasted RAN ms: the delay before the next
   *  start, or undefined when the container stays down. */
  next(code: number, manuallyStopped: boolean, ranMs: number): number | undefined {
    const p = this.policy;
    if (p.name === 'no' || manuallyStopped) return undefined;
    if (ranMs >= BACKOFF.resetAfterMs) this.delayMs = 0;
    this.delayMs = this.delayMs === 0 ? BACKOFF.firstMs : Math.min(this.delayMs * BACKOFF.factor, BACKOFF.maxMs);
    const restart = p.name === 'on-failure'
      ? code !== 0 && (p.maxRetries === 0 || this.count < p.maxRetries)
      : true;
    if (!restart) return undefined;
    this.count += 1;
    return this.delayMs;
  }
}
