// `boxlab network create|ls|rm|inspect`: user-defined bridge networks, as Docker's
// `docker network` names them (src/runtime/networks.ts).
import { HostNetError } from '../ledger/host-net.ts';
import { NetworkError } from '../runtime/network.ts';
import { createNetwork, networkReports, parseOptions as parseNetOptions, removeNetwork, type NetworkReport } from '../runtime/networks.ts';
import { parseOptions, UsageError } from './args.ts';
import { cli } from '../text/index.ts';

export async function networkCommand(args: string[]): Promise<number> {
  const [verb, ...rest] = args;
  if (verb === undefined || verb === '--help' || verb === '-h' || verb === 'help') {
    console.log(cli.usage.network);
    return verb === undefined ? 2 : 0;
  }
  if (process.getuid!() !== 0) {
    console.error(cli.needsRootFor('network', cli.network.whyRoot));
    return 1;
  }
  try {
    switch (verb) {
      case 'create': return await create(rest);
      case 'ls': case 'list': return await list(rest);
      case 'rm': case 'remove': return await remove(rest);
      case 'inspect': return await inspect(rest);
      default: throw new UsageError(cli.network.unknownVerb(verb));
    }
  } catch (err) {
    if (err instanceof NetworkError || err instanceof HostNetError) {
      console.error(cli.error(err.message));
      return 1;
    }
    throw err;
  }
}

async function create(args: string[]): Promise<number> {
  const { options: o, rest } = parseOptions(args, {
    help: { value: false, short: 'h' }, subnet: { value: true }, opt: { value: true, short: 'o', repeat: true }, driver: { value: true, short: 'd' },
  }, { stopAtWord: false });
  if (o.help) return help();
  if (rest.length !== 1) throw new UsageError(cli.network.createOneName);
  if (o.driver !== undefined && o.driver !== 'bridge') throw new UsageError(cli.network.onlyBridge(o.driver as string));
  let options: Record<string, string>;
  try {
    options = parseNetOptions((o.opt as string[] | undefined) ?? []);
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const def = await createNetwork(rest[0]!, { ...(o.subnet !== undefined ? { subnet: o.subnet as string } : {}), options });
  console.log(def.id);
  return 0;
}

async function list(args: string[]): Promise<number> {
  const { options: o, rest } = parseOptions(args, { help: { value: false, short: 'h' }, json: { value: false }, quiet: { value: false, short: 'q' } }, { stopAtWord: false });
  if (o.help) return help();
  if (rest.length) throw new UsageError(cli.noArguments('network ls', rest));
  const reports = await networkReports();
  if (o.json) console.log(JSON.stringify(reports.map(inspectJson), null, 2));
  else if (o.quiet) for (const r of reports) console.log(r.id);
  else console.log(cli.network.table(reports.map((r) => ({ id: r.id, name: r.name, subnet: r.subnet, icc: r.icc, bridge: r.bridge, containers: r.containers.length }))));
  return 0;
}

async function remove(args: string[]): Promise<number> {
  const { options: o, rest } = parseOptions(args, { help: { value: false, short: 'h' } }, { stopAtWord: false });
  if (o.help) return help();
  if (!rest.length) throw new UsageError(cli.network.rmWhich);
  let failed = 0;
  // Each one on its own, as docker network rm does: one that cannot go keeps no other.
  for (const name of rest) {
    try {
      await removeNetwork(name);
      console.log(name);
    } catch (err) {
      if (!(err instanceof NetworkError || err instanceof HostNetError)) throw err;
      console.error(cli.error(err.message));
      failed += 1;
    }
  }
  return failed ? 1 : 0;
}

async function inspect(args: string[]): Promise<number> {
  const { options: o, rest } = parseOptions(args, { help: { value: false, short: 'h' } }, { stopAtWord: false });
  if (o.help) return help();
  if (!rest.length) throw new UsageError(cli.network.inspectWhich);
  const reports = await networkReports();
  const missing = rest.filter((n) => !reports.some((r) => r.name === n || r.id === n));
  const found = rest.flatMap((n) => reports.filter((r) => r.name === n || r.id === n));
  console.log(JSON.stringify(found.map(inspectJson), null, 2));
  for (const n of missing) console.error(cli.error(cli.network.noSuch(n)));
  return missing.length ? 1 : 0;
}

/** Docker's field names, where it has them. */
function inspectJson(r: NetworkReport) {
  return {
    Name: r.name, Id: r.id, Created: r.created, Driver: 'bridge',
    IPAM: { Config: [{ Subnet: r.subnet, Gateway: r.gateway }] },
    Options: { 'com.docker.network.bridge.enable_icc': String(r.icc), 'com.docker.network.bridge.name': r.bridge ?? null },
    Containers: Object.fromEntries(r.containers.map((c) => [c.name ?? c.ip, { Name: c.name ?? '', IPv4Address: `${c.ip}/${r.subnet.split('/')[1]}` }])),
  };
}

function help(): number {
  console.log(cli.usage.network);
  return 0;
}
