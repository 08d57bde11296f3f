// `boxlab run`: parse the flags, make the container, pass signals on, return CMD's status.
import { CoreError, NAMESPACES, type NamespaceName } from '../core/index.ts';
import { blName, Ledger, LeftBehindError } from '../ledger/index.ts';
import { Container, DEFAULT_ENV, optionErrors, parseVolume, validateSpec, type RunSpec } from '../runtime/container.ts';
import { defaultRootfsDir, ensureDefaultRootfs } from '../runtime/rootfs.ts';
import { rootlessIds } from '../runtime/rootless.ts';
import { NET_MODES, NetworkError, parsePublish, type NetMode } from '../runtime/network.ts';
import { HostNetError } from '../ledger/host-net.ts';
import { NETWORK_NAME } from '../ledger/networks.ts';
import { containerNameError } from '../runtime/networks.ts';
import { cgroupOptionSpecs, FlagError, parseLimits } from '../runtime/cgroup-flags.ts';
import { explainSecurity, parseSecurity, securityOptionSpecs } from '../runtime/security.ts';
import { deviceCgroupHere, deviceOptionSpecs, explainDevices, parseDevices } from '../runtime/devices.ts';
import { AppArmorError, explainMac } from '../runtime/apparmor.ts';
import { detachOptionSpecs, parseDetach, type DetachOptions } from '../runtime/detached/options.ts';
import { reserveName, StoreError } from '../runtime/detached/store.ts';
import { parseOptions, UsageError } from './args.ts';
import { closeLedger } from './lifecycle.ts';
import { cli, runtime } from '../text/index.ts';

/** boxlab's own failure to make the container, as Docker reports it. */
const EXIT_RUNTIME = 125;

export function parseNamespaces(list: string): NamespaceName[] {
  const names = list.split(',').map((s) => s.trim()).filter(Boolean);
  for (const n of names) {
    if (!(NAMESPACES as readonly string[]).includes(n)) {
      throw new UsageError(cli.unknownNamespace(n, NAMESPACES));
    }
  }
  return [...new Set(names)] as NamespaceName[];
}

export function parseRunArgs(args: string[]): (RunSpec & { explain?: boolean; detach?: DetachOptions }) | 'help' {
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
    network: { value: true },
    name: { value: true },
    publish: { value: true, short: 'p', repeat: true },
    ...cgroupOptionSpecs(),
    ...securityOptionSpecs(),
    ...deviceOptionSpecs(),
    ...detachOptionSpecs(),
    explain: { value: false },
  });
  if (o.help) return 'help';
  let limits, security, devices, detach;
  try {
    limits = parseLimits(o);
    security = parseSecurity(o);
    devices = parseDevices(o);
    detach = parseDetach(o, o.user === true);
  } catch (err) {
    if (err instanceof FlagError) throw new UsageError(err.message);
    throw err;
  }
  const rootless = o.user === true;
  if (o.net !== undefined && o.network !== undefined) throw new UsageError(runtime.net.bothNetFlags);
  const asked = (o.net ?? o.network) as string | undefined;
  // Not one of the networks every host has: a user-defined network's name.
  const network = asked !== undefined && !(NET_MODES as readonly string[]).includes(asked) ? asked : undefined;
  if (network !== undefined && !NETWORK_NAME.test(network)) throw new UsageError(runtime.net.badMode(network));
  const name = o.name as string | undefined;
  const badName = name === undefined ? undefined : containerNameError(name);
  if (badName) throw new UsageError(badName);
  // --net host: the host's network, so no network namespace (unless --ns says otherwise).
  const ns = o.ns ? parseNamespaces(o.ns as string) : NAMESPACES.filter((n) => n !== 'user' && !(n === 'net' && asked === 'host'));
  // Without --net, --ns decides: with net it is 'none', without it the host's.
  const net = network ? 'network' : asked ?? (ns.includes('net') ? 'none' : 'host');
  let publish;
  try {
    publish = ((o.publish as string[] | undefined) ?? []).map(parsePublish);
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  if (rootless && !ns.includes('user')) ns.push('user');
  for (const e of (o.env as string[] | undefined) ?? []) {
    if (!e.includes('=')) throw new UsageError(cli.badEnv(e));
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
    ...(network ? { network } : {}),
    ...(name ? { name } : {}),
    publish,
    limits,
    security,
    devices,
    ...(o.explain ? { explain: true } : {}),
    detach,
  };
}

/** What the person asked is wrong (flags that contradict, a path that is not there):
 *  nothing was made. The exit status of every usage error. */
const EXIT_USAGE = 2;

/** The signals `boxlab run` answers for its container: the exit status after one is
 *  128+N, as a shell reports a command it interrupted. */
const SIGNALS: Partial<Record<NodeJS.Signals, number>> = { SIGINT: 2, SIGTERM: 15, SIGHUP: 1 };

/** The first of SIGNALS to arrive, from the moment the run begins: a Ctrl-C while the
 *  rootfs is built or the container is made stops the run there, and unwinds. */
class Interrupt {
  signal?: NodeJS.Signals;
  /** The container, once there is one, gets the signal passed on. */
  forward?: (sig: NodeJS.Signals) => void;
  private handler = (sig: NodeJS.Signals) => {
    if (!this.signal) this.signal = sig;
    this.forward?.(sig);
  };
  constructor() { for (const s of Object.keys(SIGNALS)) process.on(s, this.handler); }
  get status(): number | undefined { return this.signal ? 128 + SIGNALS[this.signal]! : undefined; }
  dispose(): void { for (const s of Object.keys(SIGNALS)) process.off(s, this.handler); }
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
    const rootless = spec.rootless !== undefined;
    const devices = explainDevices(spec.devices, spec.security.privileged, rootless);
    const mac = explainMac(spec.security.apparmor, spec.security.privileged, rootless);
    console.log([await explainText(spec.limits ?? {}, blName('run')), '', ...security, '', ...devices, '', ...mac, '', runtime.cgroup.explainNothing].join('\n'));
    return 0;
  }
  if (process.getuid!() !== 0 && !spec.rootless) {
    console.error(cli.needsRoot('run'));
    return EXIT_RUNTIME;
  }
  const interrupt = new Interrupt();
  const ledger = Ledger.open();
  try {
    let errors = optionErrors(spec);
    if (!errors.length && spec.rootfs === defaultRootfsDir()) await ensureDefaultRootfs(ledger, (dir) => console.error(cli.buildingRootfs(dir)));
    if (!errors.length) errors = validateSpec(spec);
    if (errors.length) {
      for (const e of errors) console.error(cli.runError(e));
      return EXIT_USAGE;
    }
    if (!spec.rootless && !deviceCgroupHere()) console.error(cli.runError(runtime.devices.noController));
    if (interrupt.status !== undefined) return interrupt.status;
    if (spec.detach?.detach) return await (await import('./run-detached.ts')).runDetached(spec, spec.detach, ledger, interrupt);
    // A name is held while the run lasts, so no detached container takes it meanwhile.
    if (spec.detach?.name) {
      try {
        await reserveName(ledger, spec.detach.name);
      } catch (err) {
        if (!(err instanceof StoreError)) throw err;
        console.error(cli.runError(err.message));
        return EXIT_RUNTIME;
      }
    }
    return await runContainer(spec, ledger, interrupt);
  } finally {
    // What could not be removed stays in the ledger, for boxlab cleanup: say so.
    await closeLedger('run', ledger);
    interrupt.dispose();
  }
}

async function runContainer(spec: RunSpec, ledger: Ledger, interrupt: Interrupt): Promise<number> {
  let box: Container | undefined;
  let forwarded = false;
  let killed = false;
  // Ctrl-C reaches the whole foreground process group, container included; SIGTERM and
  // SIGHUP reach only us. Either way the container gets it; an init without a handler
  // ignores it, so it gets SIGKILL a second later (or at once on a second signal).
  interrupt.forward = (sig) => {
    if (!box) return;
    if (forwarded) {
      killed = true;
      return void box.signal('KILL');
    }
    forwarded = true;
    void box.signal(sig.replace('SIG', ''));
    setTimeout(() => { killed = true; void box?.signal('KILL'); }, 1000).unref();
  };
  try {
    box = await Container.create(spec, ledger, { stdio: 'inherit' });
    if (interrupt.status) return interrupt.status;
    await box.prepare(spec, ledger);
    if (interrupt.status) return interrupt.status;
    await box.exec(spec);
    const end = await box.wait();
    // The command's own status, unless it ended because we stopped it for the person.
    return interrupt.status !== undefined && (killed || end.signaled) ? interrupt.status : end.code;
  } catch (err) {
    // The same Ctrl-C stopped the core (it is in the terminal's process group) or the
    // run was cut short: the person's signal is the answer, not the core's complaint.
    // The core's reply and node's signal arrive together, in either order: a moment
    // lets the signal be heard before the error is judged.
    if (interrupt.status === undefined && err instanceof CoreError) await new Promise((r) => setTimeout(r, 50));
    if (interrupt.status !== undefined) return interrupt.status;
    if (err instanceof NetworkError || err instanceof HostNetError || err instanceof AppArmorError) {
      console.error(cli.runError(err.message));
      return EXIT_RUNTIME;
    }
    if (err instanceof CoreError) {
      console.error(cli.runError(err.describe()));
      if (err.op === 'exec' && err.errno === 'ENOENT') return 127;
      if (err.op === 'exec' && err.errno === 'EACCES') return 126;
      if (!box?.core.alive) console.error(cli.runError(cli.coreGone));
      return EXIT_RUNTIME;
    }
    throw err;
  } finally {
    interrupt.forward = undefined;
    // What stop could not remove stays in the ledger: closeLedger above names it, and
    // the command's own status stands.
    await box?.stop(ledger).catch((err: unknown) => { if (!(err instanceof LeftBehindError)) throw err; });
  }
}
