// `boxlab image VERB ...`: OCI images with boxlab's own code (src/images/).
import { existsSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { Ledger } from '../ledger/index.ts';
import { dockerArchive } from '../images/archive.ts';
import { buildImage, commitImage } from '../images/image.ts';
import { Layout, checkRefName } from '../images/layout.ts';
import { credentialsFor, parseRegistryRef, pullImage, pushImage, type Credentials, type Exchange, type RegistryRef } from '../images/registry.ts';
import { startRegistry } from '../images/registry-server.ts';
import { lowerdirOf, unpackImage } from '../images/unpack.ts';
import { parseOptions, UsageError } from './args.ts';
import { closeLedger } from './lifecycle.ts';
import { cli } from '../text/index.ts';

const USAGES: Record<string, string> = {
  build: 'LAYOUT REF DIR... [--cmd COMMAND] [--env K=V]',
  ls: 'LAYOUT [--json]',
  inspect: 'LAYOUT REF [--json]',
  unpack: 'LAYOUT REF DEST [--flat]',
  commit: 'LAYOUT FROM UPPER REF',
  save: 'LAYOUT REF FILE [--name REPO:TAG]',
  push: 'LAYOUT REF HOST:PORT/NAME[:TAG] [--authfile FILE]',
  pull: 'HOST:PORT/NAME[:TAG] LAYOUT [REF] [--authfile FILE]',
  registry: '(no arguments)',
};

const SPEC = {
  help: { value: false, short: 'h' },
  json: { value: false },
  flat: { value: false },
  cmd: { value: true },
  env: { value: true, repeat: true },
  authfile: { value: true },
  name: { value: true },
} as const;

const isRoot = () => process.getuid?.() === 0;

function expectArgs(verb: string, rest: string[], min: number, max = min): void {
  if (rest.length < min || rest.length > max) throw new UsageError(cli.image.wrongArgs(verb, USAGES[verb]!, rest));
}

function requireDir(dir: string): string {
  const full = resolve(dir);
  if (!existsSync(full) || !statSync(full).isDirectory()) throw new UsageError(cli.image.noDir(full));
  return full;
}

function printExchange(e: Exchange): void {
  console.log(cli.image.exchange(e.method, e.path, e.status, e.note));
}

export async function imageCommand(args: string[]): Promise<number> {
  const [verb, ...words] = args;
  if (verb === undefined) throw new UsageError(cli.image.needsVerb);
  if (verb === '--help' || verb === '-h' || verb === 'help') {
    console.log(cli.usage.image);
    return 0;
  }
  if (!(verb in USAGES)) throw new UsageError(cli.image.unknownVerb(verb));
  const { options, rest } = parseOptions(words, SPEC, { stopAtWord: false });
  if (options.help) {
    console.log(cli.image.verbUsage(verb, USAGES[verb]!));
    return 0;
  }
  const allowed: Record<string, string[]> = { build: ['cmd', 'env'], ls: ['json'], inspect: ['json'], unpack: ['flat'], save: ['name'], push: ['authfile'], pull: ['authfile'] };
  for (const name of Object.keys(options)) {
    if (!(allowed[verb] ?? []).includes(name)) throw new UsageError(cli.image.noOption(verb, name, USAGES[verb]!));
  }
  switch (verb) {
    case 'build': return build(rest, options.cmd as string | undefined, (options.env as string[] | undefined) ?? []);
    case 'ls': return ls(rest, options.json === true);
    case 'inspect': return inspect(rest, options.json === true);
    case 'unpack': return unpack(rest, options.flat === true);
    case 'commit': return commit(rest);
    case 'save': return save(rest, options.name as string | undefined);
    case 'push': return push(rest, options.authfile as string | undefined);
    case 'pull': return pull(rest, options.authfile as string | undefined);
    default: return registry(rest);
  }
}

function build(rest: string[], cmd: string | undefined, env: string[]): number {
  if (rest.length < 3) expectArgs('build', rest, 3);
  const [layoutDir, ref, ...dirs] = rest as [string, string, ...string[]];
  for (const e of env) if (!/^[^=\s]+=/.test(e)) throw new UsageError(cli.image.badEnv(e));
  checkRefName(ref);
  const full = dirs.map(requireDir);
  const layout = Layout.create(resolve(layoutDir));
  const { image, layers } = buildImage(layout, ref, full, { cmd: cmd === undefined ? undefined : ['/bin/sh', '-c', cmd], env });
  layers.forEach((l, i) => {
    console.log(cli.image.layerLine(i + 1, l.descriptor.digest, l.descriptor.size, l.diffId, l.stored, l.dir));
    if (l.skipped.length) console.log(cli.image.skipped(l.skipped));
  });
  console.log(cli.image.configLine(image.manifest.config.digest, image.manifest.config.size));
  console.log(cli.image.manifestLine(image.descriptor.digest, image.descriptor.size));
  console.log(cli.image.named(ref, layout.dir));
  return 0;
}

function ls(rest: string[], json: boolean): number {
  expectArgs('ls', rest, 1);
  const layout = Layout.open(resolve(rest[0]!));
  const rows = layout.refs().map((r) => {
    const image = layout.image(r.ref ?? r.descriptor.digest);
    const size = image.manifest.layers.reduce((n, l) => n + l.size, image.manifest.config.size + image.descriptor.size);
    return { ref: r.ref ?? '', manifest: r.descriptor.digest, layers: image.manifest.layers.length, size };
  });
  if (json) {
    console.log(JSON.stringify(rows, null, 2));
    return 0;
  }
  if (!rows.length) {
    console.log(cli.image.lsEmpty(layout.dir));
    return 0;
  }
  const table = [cli.image.lsHead, ...rows.map((r) => [r.ref || '-', r.manifest, String(r.layers), String(r.size)])];
  const widths = cli.image.lsHead.map((_, c) => Math.max(...table.map((row) => row[c]!.length)));
  for (const row of table) console.log(row.map((cell, c) => cell.padEnd(widths[c]!)).join('  ').trimEnd());
  return 0;
}

function inspect(rest: string[], json: boolean): number {
  expectArgs('inspect', rest, 2);
  const layout = Layout.open(resolve(rest[0]!));
  const image = layout.image(rest[1]!);
  const blobs = {
    manifest: layout.blobPath(image.descriptor.digest),
    config: layout.blobPath(image.manifest.config.digest),
    layers: image.manifest.layers.map((l) => layout.blobPath(l.digest)),
  };
  if (json) {
    console.log(JSON.stringify({ ref: image.ref, descriptor: image.descriptor, manifest: image.manifest, config: image.config, blobs }, null, 2));
    return 0;
  }
  const w = cli.image.inspect;
  const line = (k: string, v: string) => console.log(`${k.padEnd(9)} ${v}`);
  line(w.image, image.ref ?? image.descriptor.digest);
  line(w.manifest, w.blobLine(image.descriptor.digest, image.descriptor.size, image.descriptor.mediaType));
  line(w.config, w.blobLine(image.manifest.config.digest, image.manifest.config.size));
  line(w.platform, `${image.config.os}/${image.config.architecture}`);
  if (image.config.created) line(w.created, image.config.created);
  if (image.config.config?.Cmd) line(w.cmd, JSON.stringify(image.config.config.Cmd));
  if (image.config.config?.Env) line(w.env, image.config.config.Env.join(' '));
  console.log(w.layers);
  image.manifest.layers.forEach((l, i) => {
    console.log(`  ${i + 1}  ${w.blobLine(l.digest, l.size, l.mediaType)}`);
    console.log(`     ${image.config.rootfs.diff_ids[i]}`);
  });
  return 0;
}

function unpack(rest: string[], flat: boolean): number {
  expectArgs('unpack', rest, 3);
  if (!flat && !isRoot()) throw new UsageError(cli.image.needsRoot('unpack'));
  const dest = resolve(rest[2]!);
  if (existsSync(dest) && readdirSync(dest).length && !flat) throw new UsageError(cli.image.notEmpty(dest));
  const layout = Layout.open(resolve(rest[0]!));
  const image = layout.image(rest[1]!);
  const layers = unpackImage(layout, image, dest, flat ? 'flat' : 'overlay');
  layers.forEach((l, i) => {
    console.log((flat ? cli.image.flatUnpacked : cli.image.unpacked)(i + 1, l.dir, l.written, l.whiteouts, l.opaque));
    for (const w of l.withheld) console.error(cli.image.withheld(i + 1, w.member, w.what, w.detail, dest));
  });
  if (!flat) console.log(cli.image.lowerdir(lowerdirOf(layers)));
  return 0;
}

function commit(rest: string[]): number {
  expectArgs('commit', rest, 4);
  if (!isRoot()) throw new UsageError(cli.image.needsRoot('commit'));
  const [layoutDir, from, upper, ref] = rest as [string, string, string, string];
  checkRefName(ref);
  const layout = Layout.open(resolve(layoutDir));
  const { image, layer } = commitImage(layout, from, requireDir(upper), ref);
  console.log(cli.image.layerLine(image.manifest.layers.length, layer.descriptor.digest, layer.descriptor.size, layer.diffId, layer.stored, layer.dir));
  if (layer.skipped.length) console.log(cli.image.skipped(layer.skipped));
  console.log(cli.image.configLine(image.manifest.config.digest, image.manifest.config.size));
  console.log(cli.image.manifestLine(image.descriptor.digest, image.descriptor.size));
  console.log(cli.image.named(ref, layout.dir));
  return 0;
}

function save(rest: string[], name: string | undefined): number {
  expectArgs('save', rest, 3);
  const [layoutDir, ref, file] = rest as [string, string, string];
  if (name !== undefined) checkRefName(name);
  const archive = dockerArchive(Layout.open(resolve(layoutDir)), ref, name ?? ref);
  writeFileSync(resolve(file), archive);
  console.log(cli.image.saved(ref, resolve(file), archive.length, name ?? ref));
  return 0;
}

/** The login for a registry: from --authfile, else $REGISTRY_AUTH_FILE (as podman and
 *  skopeo read it), else none. */
function login(ref: RegistryRef, authfile: string | undefined): Credentials | undefined {
  const file = authfile ?? process.env.REGISTRY_AUTH_FILE;
  return file ? credentialsFor(resolve(file), new URL(ref.base).host) : undefined;
}

async function push(rest: string[], authfile: string | undefined): Promise<number> {
  expectArgs('push', rest, 3);
  const to = parseRegistryRef(rest[2]!);
  const layout = Layout.open(resolve(rest[0]!));
  const r = await pushImage(layout, rest[1]!, to, printExchange, login(to, authfile));
  console.log(cli.image.pushed(rest[1]!, rest[2]!, r.uploaded, r.present, r.digest));
  return 0;
}

async function pull(rest: string[], authfile: string | undefined): Promise<number> {
  expectArgs('pull', rest, 2, 3);
  const from = parseRegistryRef(rest[0]!);
  const ref = rest[2] ?? `${from.name.split('/').pop()}:${from.tag}`;
  checkRefName(ref);
  const dir = resolve(rest[1]!);
  const r = await pullImage(from, () => Layout.create(dir), ref, printExchange, login(from, authfile));
  console.log(cli.image.pulled(rest[0]!, ref, dir, r.fetched, r.present, r.digest));
  return 0;
}

/** Runs until Ctrl-C or SIGTERM, which unwind the ledger (main.ts): the registry is
 *  killed and its storage removed. */
async function registry(rest: string[]): Promise<number> {
  expectArgs('registry', rest, 0);
  const ledger = Ledger.open();
  const running = await startRegistry(ledger);
  console.log(cli.image.registryUp(running.address, running.dir, running.login.authFile, running.login.netrcFile));
  await running.exited;
  await closeLedger('image registry', ledger);
  console.error(cli.error(cli.image.registryDied));
  return 1;
}
