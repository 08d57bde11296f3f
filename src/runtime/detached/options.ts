// The flags of `boxlab run` for a container that outlives the command: -d, --name,
// --restart, the health flags, --log-opt and --rm, as Docker names and checks them.
import { FlagError } from '../cgroup-flags.ts';
import { containers as t } from '../../text/index.ts';
import { HealthError, HEALTH_FLAGS, parseHealth, type HealthConfig } from './health.ts';
import { LogOptionError, DEFAULT_LOG_OPTIONS, parseLogOptions, type LogOptions } from '../logs/jsonfile.ts';
import { NO_RESTART, parseRestart, RestartError, type RestartPolicy } from './restart.ts';
import { NAME } from './store.ts';

export interface DetachOptions {
  detach: boolean;
  name?: string;
  restart: RestartPolicy;
  health?: HealthConfig;
  log: LogOptions;
  /** --rm: everything goes when the container exits */
  autoRemove: boolean;
}

export function detachOptionSpecs() {
  return {
    detach: { value: false, short: 'd' },
    name: { value: true },
    restart: { value: true },
    rm: { value: false },
    'log-opt': { value: true, repeat: true },
    ...Object.fromEntries(HEALTH_FLAGS.map((f) => [f, { value: true }])),
  } as Record<string, { value: boolean; short?: string; repeat?: boolean }>;
}

/** The flags above, checked; throws FlagError naming the flag and what to give. */
export function parseDetach(o: Record<string, unknown>, rootless: boolean): DetachOptions {
  const detach = o.detach === true;
  const name = o.name as string | undefined;
  if (name !== undefined && !NAME.test(name)) throw new FlagError(t.flags.badName(name));
  let restart = NO_RESTART;
  let health: HealthConfig | undefined;
  let log = DEFAULT_LOG_OPTIONS;
  try {
    if (o.restart !== undefined) restart = parseRestart(o.restart as string);
    health = parseHealth(o);
    if (o['log-opt'] !== undefined) log = parseLogOptions(o['log-opt'] as string[]);
  } catch (err) {
    if (err instanceof RestartError || err instanceof HealthError || err instanceof LogOptionError) throw new FlagError(err.message);
    throw err;
  }
  const autoRemove = o.rm === true;
  // What only a container that outlives the command has: said, not ignored. (--rm
  // without -d is what boxlab run does anyway: everything goes when it ends.)
  if (!detach) {
    const needs = [o.restart !== undefined && '--restart', health && '--health-cmd', o['log-opt'] !== undefined && '--log-opt'].find(Boolean);
    if (needs) throw new FlagError(t.flags.needsDetach(needs));
  }
  if (autoRemove && restart.name !== 'no') throw new FlagError(t.flags.rmAndRestart);
  if (detach && rootless) throw new FlagError(t.flags.detachRootless);
  return { detach, ...(name ? { name } : {}), restart, ...(health ? { health } : {}), log, autoRemove };
}
