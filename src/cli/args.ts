// A small option parser: options stop at `--` or at the first word that is not an option,
// so `boxlab run sh -c 'echo hi'` hands `-c` to sh, not to boxlab.
import { cli } from '../text/index.ts';

export interface OptionSpec {
  /** Long name without dashes -> takes a value? */
  [name: string]: { value: boolean; short?: string; repeat?: boolean };
}

export interface Parsed {
  options: Record<string, string | string[] | boolean>;
  rest: string[];
}

export class UsageError extends Error {}

export function parseOptions(args: string[], spec: OptionSpec, { stopAtWord = true } = {}): Parsed {
  const options: Parsed['options'] = {};
  const rest: string[] = [];
  const byShort = new Map(Object.entries(spec).filter(([, s]) => s.short).map(([n, s]) => [s.short!, n]));
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === '--') {
      rest.push(...args.slice(i + 1));
      break;
    }
    if (!arg.startsWith('-') || arg === '-') {
      if (stopAtWord) {
        rest.push(...args.slice(i));
        break;
      }
      rest.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    const rawName = arg.startsWith('--') ? arg.slice(2, eq > 0 ? eq : undefined) : arg.slice(1);
    const name = arg.startsWith('--') ? rawName : byShort.get(rawName);
    const s = name === undefined ? undefined : spec[name];
    if (!name || !s) throw new UsageError(cli.unknownOption(arg));
    if (!s.value) {
      options[name] = true;
      continue;
    }
    const value = eq > 0 && arg.startsWith('--') ? arg.slice(eq + 1) : args[++i];
    if (value === undefined) throw new UsageError(cli.needsValue(arg));
    if (s.repeat) options[name] = [...((options[name] as string[] | undefined) ?? []), value];
    else options[name] = value;
  }
  return { options, rest };
}
