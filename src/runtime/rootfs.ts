// `boxlab rootfs`: a minimal root filesystem built offline from what the host has.
// A static busybox is the whole userland in one file; without one, the host's own
// programs are copied with the shared libraries they load (found with ldd).
// Nothing is downloaded.
import { execFileSync } from 'node:child_process';
import {
  accessSync, chmodSync, constants, copyFileSync, existsSync, lstatSync, mkdirSync, openSync, readFileSync, readSync,
  closeSync, readlinkSync, realpathSync, renameSync, rmSync, symlinkSync, writeFileSync,
} from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { repoRoot } from '../core/binary.ts';
import { stateRoot, type Ledger } from '../ledger/index.ts';
import { describeDistrust, distrust } from '../ledger/trust.ts';
import { ledger as ledgerText, runtime } from '../text/index.ts';

const MARKER = '.boxlab-rootfs';

interface Recipe { programs: string[]; dirs: string[]; files: Record<string, string> }

export function defaultRootfsDir(): string {
  if (process.env.BOXLAB_ROOTFS) return process.env.BOXLAB_ROOTFS;
  if (process.getuid?.() === 0) return '/var/cache/boxlab/rootfs';
  if (process.env.XDG_CACHE_HOME) return join(process.env.XDG_CACHE_HOME, 'boxlab', 'rootfs');
  // A user without a home (nobody's is /nonexistent) keeps it with its runtime state.
  const home = homedir();
  return existsSync(home) ? join(home, '.cache', 'boxlab', 'rootfs') : join(stateRoot(), 'rootfs');
}

function isBuiltRootfs(dir: string): boolean {
  return existsSync(join(dir, MARKER));
}

/** The rootfs used when none is named: the cache, built on first use. One that
 *  BOXLAB_ROOTFS names must be built already: boxlab makes no directory where a
 *  variable happens to point (a typo must not become /no/such on the host). */
export async function ensureDefaultRootfs(ledger: Ledger, onBuild: (dir: string) => void = () => {}): Promise<string> {
  const dir = defaultRootfsDir();
  if (isBuiltRootfs(dir)) return dir;
  if (process.env.BOXLAB_ROOTFS) throw new Error(runtime.rootfsNotBuilt(dir, existsSync(dir)));
  onBuild(dir);
  await buildRootfs(dir, ledger);
  return dir;
}

/** True for an ELF file with no PT_INTERP program header: it needs no dynamic loader. */
export function isStaticElf(path: string): boolean {
  const fd = openSync(path, 'r');
  try {
    const head = Buffer.alloc(64);
    readSync(fd, head, 0, 64, 0);
    if (head.readUInt32BE(0) !== 0x7f454c46 || head[4] !== 2) return false; // ELF64 only
    const phoff = Number(head.readBigUInt64LE(0x20));
    const phentsize = head.readUInt16LE(0x36);
    const phnum = head.readUInt16LE(0x38);
    const ph = Buffer.alloc(phentsize * phnum);
    readSync(fd, ph, 0, ph.length, phoff);
    for (let i = 0; i < phnum; i++) if (ph.readUInt32LE(i * phentsize) === 3 /* PT_INTERP */) return false;
    return true;
  } finally {
    closeSync(fd);
  }
}

export function findStaticBusybox(): string | undefined {
  for (const p of ['/bin/busybox', '/usr/bin/busybox', '/usr/bin/busybox-static']) {
    try {
      if (existsSync(p) && isStaticElf(realpathSync(p))) return p;
    } catch { /* unreadable: try the next */ }
  }
  return undefined;
}

export interface BuiltRootfs { dir: string; source: 'busybox' | 'host'; programs: string[] }

/** Build DIR atomically: into a bl- sibling first, renamed into place when complete. */
export async function buildRootfs(dir: string, ledger: Ledger, opts: { force?: boolean; from?: 'busybox' | 'host' } = {}): Promise<BuiltRootfs> {
  if (existsSync(dir) && !opts.force) {
    if (isBuiltRootfs(dir)) return JSON.parse(readFileSync(join(dir, MARKER), 'utf8')) as BuiltRootfs;
    throw new Error(runtime.rootfsNotOurs(dir));
  }
  try {
    mkdirSync(dirname(dir), { recursive: true, mode: 0o755 });
    // An existing directory mkdir does not complain of may still be closed to us: say
    // so now, before anything is recorded or made in it.
    accessSync(dirname(dir), constants.W_OK);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? '';
    if (['EACCES', 'EPERM', 'EROFS'].includes(code)) throw new Error(runtime.rootfsCannotWrite(dirname(dir), code));
    throw err;
  }
  // Root builds by path in the directory beside DIR: where anyone else can write, they
  // could swap a name in it for a link and have root write (or remove, with --force)
  // wherever it leads.
  const problem = process.geteuid?.() === 0 ? distrust(dirname(dir)) : undefined;
  if (problem) throw new Error(ledgerText.rootfsPlace(dirname(dir), describeDistrust(problem)));
  const tmp = join(dirname(dir), `bl-build-${process.pid}`);
  const entry = ledger.record({ kind: 'dir', path: tmp });
  try {
    rmSync(tmp, { recursive: true, force: true });
    const busybox = opts.from === 'host' ? undefined : findStaticBusybox();
    if (opts.from === 'busybox' && !busybox) throw new Error(runtime.noBusybox);
    const recipe = JSON.parse(readFileSync(join(repoRoot(), 'assets', 'rootfs.json'), 'utf8')) as Recipe;
    layout(tmp, recipe);
    const programs = busybox ? installBusybox(tmp, busybox) : installHostPrograms(tmp, recipe.programs);
    const built: BuiltRootfs = { dir, source: busybox ? 'busybox' : 'host', programs };
    writeFileSync(join(tmp, MARKER), JSON.stringify(built, null, 2) + '\n');
    if (opts.force) rmSync(dir, { recursive: true, force: true });
    renameSync(tmp, dir);
    ledger.forget(entry.id);
    return built;
  } catch (err) {
    await ledger.release(entry.id);
    throw err;
  }
}

/** The directories and small /etc files every container expects, and the host's
 *  merged-/usr symlinks (bin -> usr/bin) so paths from ldd resolve the same way. */
function layout(root: string, recipe: Recipe): void {
  mkdirSync(root, { recursive: true, mode: 0o755 });
  for (const link of ['bin', 'sbin', 'lib', 'lib32', 'lib64', 'libx32']) {
    const host = `/${link}`;
    if (existsSync(host) && lstatSync(host).isSymbolicLink()) {
      const to = readlinkSync(host);
      mkdirSync(join(root, to.replace(/^\//, '')), { recursive: true });
      symlinkSync(to, join(root, link));
    }
  }
  for (const d of recipe.dirs) mkdirSync(join(root, d), { recursive: true });
  chmodSync(join(root, 'tmp'), 0o1777);
  for (const [path, text] of Object.entries(recipe.files)) writeFileSync(join(root, path), text);
}

function installBusybox(root: string, busybox: string): string[] {
  mkdirSync(join(root, 'bin'), { recursive: true });
  copyFileSync(realpathSync(busybox), join(root, 'bin', 'busybox'));
  chmodSync(join(root, 'bin', 'busybox'), 0o755);
  const applets = execFileSync(busybox, ['--list'], { encoding: 'utf8' }).split('\n').filter(Boolean);
  for (const applet of applets) {
    const link = join(root, 'bin', applet);
    if (!existsSync(link)) symlinkSync('busybox', link);
  }
  return applets;
}

function which(name: string): string | undefined {
  for (const d of ['/usr/local/sbin', '/usr/local/bin', '/usr/sbin', '/usr/bin', '/sbin', '/bin']) {
    const p = join(d, name);
    if (existsSync(p)) return p;
  }
  return undefined;
}

/** Shared libraries a program loads, and its dynamic loader, as ldd lists them. */
function librariesOf(program: string): string[] {
  let out: string;
  try {
    out = execFileSync('ldd', [program], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  } catch {
    return []; // "not a dynamic executable": a static program or a script
  }
  return [...out.matchAll(/(?:=>\s*)?(\/\S+)\s+\(0x/g)].map((m) => m[1]!);
}

/** Copy a host file to the same place under root, through the host's directory links. */
function copyIn(root: string, path: string): void {
  const dest = join(root, realpathSync(dirname(path)), path.slice(path.lastIndexOf('/') + 1));
  if (existsSync(dest)) return;
  mkdirSync(dirname(dest), { recursive: true });
  copyFileSync(path, dest); // follows a file symlink: the container gets the content
  chmodSync(dest, lstatSync(realpathSync(path)).mode & 0o7777);
}

function installHostPrograms(root: string, names: string[]): string[] {
  const installed: string[] = [];
  for (const name of [...new Set(names)]) {
    const path = which(name);
    if (!path) continue;
    copyIn(root, path);
    for (const lib of librariesOf(path)) copyIn(root, lib);
    installed.push(name);
  }
  // The shell every container starts with: dash or bash as /bin/sh.
  if (!existsSync(join(root, 'bin', 'sh')) && installed.includes('bash')) symlinkSync('bash', join(root, 'usr', 'bin', 'sh'));
  return installed;
}
