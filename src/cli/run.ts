// `boxlab run`: parse the flags, make the container, pass signals on, return CMD's status.
import { CoreError, NAMESPACES, type NamespaceName } from '../core/index.ts';
import { blName, Ledger } from '../ledger/index.ts';
import { Container, DEFAULT_ENV, optionErrors, parseVolume, validateSpec, type RunSpec } from '../runtime/container.ts';
import { defaultRootfsDir, ensureDefaultRootfs } from '../runtime/rootfs.ts';
import { rootlessIds } from '../runtime/rootless.ts';
import { NET_MODES, NetworkError, parsePublish, type NetMode } from '../runtime/network.ts';
import { cgroupOptionSpecs, FlagError, parseLimits } from '../runtime/cgroup-flags.ts';
import { explainSecurity, parseSecurity, securityOptionSpecs } from '../runtime/security.ts';
import { parseOptions, UsageError } from './args.ts';
import { cli, runtime } from '../text/index.ts';

/** boxlab's own failure to make the container, as Docker reports it. */
const EXIT_RUNTIME = 125;

export function parseNamespaces(list: string): NamespaceName[] {
  const names = list.split(',').map((s) => s.trim()).filter(Boolean);
  for (const n of names) {
    if (!(NAMESPACES as readonly string[]).includes(n)) {
      throw new UsageError(`unknown namespace '${n}' in --ns: choose from ${NAMESPACES.join(',')}`);
    }
  }
  return [...new Set(names)] as NamespaceName[];
}

export function parseRunArgs(args: string[]): (RunSpec & { explain?: boolean }) | 'help' {
  const { options: o, rest } = parseOptions(args, {
    help: { value: false, short: 'h' },
    rootfs: { value: true },
    hostname: { value: true },
    ns: { value: true },
    user: { value: false },
    volume: { value: true, short: 'v', repeat: true },
    tmpfs: { value: true, repeat: true },
    'read-only': { value: false },
    env: { value: true, short: 'e', repeat: true },
    net: { value: true },
    publish: { value: true, short: 'p', repeat: true },
    ...cgroupOptionSpecs(),
    ...securityOptionSpecs(),
    explain: { value: false },
  });
  if (o.help) return 'help';
  let limits, security;
  try {
    limits = parseLimits(o);
    security = parseSecurity(o);
  } catch (err) {
    if (err instanceof FlagError) throw new UsageError(err.message);
    throw err;
  }
  const rootless = o.user === true;
  const asked = o.net as string | undefined;
  if (asked !== undefined && !(NET_MODES as readonly string[]).includes(asked)) throw new UsageError(runtime.net.badMode(asked));
  // --net host: the host's network, so no network namespace (unless --ns says otherwise).
  const ns = o.ns ? parseNamespaces(o.ns as string) : NAMESPACES.filter((n) => n !== 'user' && !(n === 'net' && asked === 'host'));
  // Without --net, --ns decides: with net it is 'none', without it the host's.
  const net = asked ?? (ns.includes('net') ? 'none' : 'host');
  let publish;
  try {
    publish = ((o.publish as string[] | undefined) ?? []).map(parsePublish);
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  if (rootless && !ns.includes('user')) ns.push('user');
  for (const e of (o.env as string[] | undefined) ?? []) {
    if (!e.includes('=')) throw new UsageError(`-e ${e}: expected K=V`);
  }
  let volumes;
  try {
    volumes = ((o.volume as string[] | undefined) ?? []).map(parseVolume);
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  return {
    rootfs: (o.rootfs as string | undefined) ?? defaultRootfsDir(),
    argv: rest,
    ns,
    hostname: o.hostname as string | undefined,
    volumes,
    tmpfs: (o.tmpfs as string[] | undefined) ?? [],
    readOnly: o['read-only'] === true,
    env: [...DEFAULT_ENV, ...((o.env as string[] | undefined) ?? [])],
    rootless: rootless ? rootlessIds() : undefined,
    net: net as NetMode,
    publish,
    limits,
    security,
    ...(o.explain ? { explain: true } : {}),
  };
}

export async function runCommand(args: string[]): Promise<number> {
  const bundle = await import('./run-bundle.ts');
  if (bundle.bundleArg(args) !== undefined) return bundle.runBundleCommand(args);
  const spec = parseRunArgs(args);
  if (spec === 'help') {
    console.log(cli.usage.run);
    return 0;
  }
  if (spec.explain) {
    const { explainText } = await import('../runtime/cgroups.ts');
    const security = explainSecurity(spec.security, spec.ns.includes('user'));
    console.log([await explainText(spec.limits ?? {}, blName('run')), '', ...security, '', runtime.cgroup.explainNothing].join('\n'));
    return 0;
  }
  if (process.getuid!() !== 0 && !spec.rootless) {
    console.error(cli.needsRoot('run'));
    return EXIT_RUNTIME;
  }
  const ledger = Ledger.open();
  try {
    let errors = optionErrors(spec);
    if (!errors.length && spec.rootfs === defaultRootfsDir()) await ensureDefaultRootfs(ledger, (dir) => console.error(cli.buildingRootfs(dir)));
    if (!errors.length) errors = validateSpec(spec);
    if (errors.length) {
      for (const e of errors) console.error(`boxlab run: ${e}`);
      return EXIT_RUNTIME;
    }
    return await runContainer(spec, ledger);
  } finally {
    await ledger.close();
  }
}

async function runContainer(spec: RunSpec, ledger: Ledger): Promise<number> {
  let box: Container | undefined;
  let stopping = false;
  // Ctrl-C reaches the whole foreground process group, container included; an init
  // without a handler ignores it, so a second chance: SIGKILL after a second.
  const onSignal = (sig: NodeJS.Signals) => {
    if (!box || stopping) return;
    stopping = true;
    void box.signal(sig.replace('SIG', ''));
    setTimeout(() => void box?.signal('KILL'), 1000).unref();
  };
  const signals: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
  for (const s of signals) process.on(s, onSignal);
  try {
    box = await Container.create(spec, ledger, { stdio: 'inherit' });
    await box.prepare(spec, ledger);
    await box.exec(spec);
    const end = await box.wait();
    return end.code;
  } catch (err) {
    if (err instanceof NetworkError) {
      console.error(`boxlab run: ${err.message}`);
      return EXIT_RUNTIME;
    }
    if (err instanceof CoreError) {
      console.error(`boxlab run: ${err.describe()}`);
      if (err.op === 'exec' && err.errno === 'ENOENT') return 127;
      if (err.op === 'exec' && err.errno === 'EACCES') return 126;
      return EXIT_RUNTIME;
    }
    throw err;
  } finally {
    for (const s of signals) process.off(s, onSignal);
    await box?.stop(ledger);
  }
}
