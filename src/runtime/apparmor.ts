// Mandatory access control for `boxlab run`, as Docker does it: where the host runs
// AppArmor, every container gets a profile - the lab's default, bl-default-..., made
// like Docker's docker-default - unless --privileged or --security-opt apparmor=...
// says otherwise. `apparmor=unconfined` runs it without one, `apparmor=NAME` under a
// profile the host has loaded already, and `apparmor=FILE` (a path) under the profile
// in FILE, which the lab loads for the run with apparmor_parser and removes after it.
// Every profile the lab loads is named bl-... and in the ledger before it is loaded.
// The core puts the container's program under the profile at exec (apparmor_exec).
//
// Where the kernel has no AppArmor, a profile asked for is refused by name, saying
// why. SELinux, the other way Linux distributions confine containers (with labels, not
// paths), is detected and explained: boxlab sets no labels.
import { execFile, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import type { Core } from '../core/index.ts';
import { blName, type Ledger } from '../ledger/index.ts';
import { APPARMOR_FS, loadedProfiles } from '../ledger/apparmor.ts';
import { runtime } from '../text/index.ts';
import { which } from './programs.ts';

/** The mandatory access control of this machine, as the kernel says it. */
export interface MacHost {
  /** AppArmor is on: enabled in the kernel, and among the active LSMs. */
  apparmor: boolean;
  /** securityfs is mounted, so profiles can be listed and loaded. */
  securityfs: boolean;
  /** apparmor_parser, where it is installed. */
  parser?: string;
  /** SELinux is on. */
  selinux: boolean;
  /** The active LSMs, in order (/sys/kernel/security/lsm), when securityfs tells. */
  lsms?: string[];
}

const read = (path: string) => { try { return readFileSync(path, 'utf8').trim(); } catch { return undefined; } };

export function macHost(): MacHost {
  const lsmText = read('/sys/kernel/security/lsm');
  const lsms = lsmText?.split(',').filter(Boolean);
  // The module's parameter says whether AppArmor was enabled at boot (apparmor=1, or
  // the kernel's default); the LSM list whether it is one of those active.
  const enabled = read('/sys/module/apparmor/parameters/enabled') === 'Y';
  return {
    apparmor: enabled && (lsms === undefined || lsms.includes('apparmor')),
    securityfs: existsSync(APPARMOR_FS),
    parser: which('apparmor_parser'),
    selinux: existsSync('/sys/fs/selinux/enforce') || (lsms?.includes('selinux') ?? false),
    lsms,
  };
}

/** --security-opt apparmor=X (or apparmor:X, as Docker also takes it). */
export function parseAppArmorOpt(word: string): string | undefined {
  const m = /^apparmor[=:](.+)$/.exec(word);
  return m ? m[1] : undefined;
}

/** What the container gets: none, a profile loaded already, or one the lab loads. */
export type Profile = { kind: 'none' } | { kind: 'loaded'; name: string } | { kind: 'file'; path: string } | { kind: 'default' };

/** Docker's rule: the option wins; --privileged runs unconfined; else the default where
 *  the host has AppArmor (not for a rootless run: loading a profile needs root). */
export function profileFor(asked: string | undefined, privileged: boolean, rootless: boolean, host: MacHost): Profile {
  if (asked === 'unconfined') return { kind: 'none' };
  if (asked?.includes('/')) return { kind: 'file', path: asked };
  if (asked) return { kind: 'loaded', name: asked };
  return privileged || rootless || !host.apparmor || !host.securityfs || !host.parser ? { kind: 'none' } : { kind: 'default' };
}

/** What is wrong with the profile asked for, here, before anything is made. */
export function appArmorErrors(asked: string | undefined, rootless: boolean, host: MacHost = macHost()): string[] {
  const t = runtime.mac;
  if (asked === undefined || asked === 'unconfined') return [];
  if (!host.apparmor) return [t.noAppArmor(asked, host.lsms, host.selinux)];
  if (!host.securityfs) return [t.noSecurityfs(asked)];
  const profile = profileFor(asked, false, rootless, host);
  if (profile.kind === 'loaded') return loadedProfiles().includes(profile.name) ? [] : [t.notLoaded(profile.name)];
  if (rootless) return [t.fileNeedsRoot(asked)];
  if (!host.parser) return [t.noParser(asked)];
  try {
    if (!statSync(asked).isFile()) return [t.notAFile(asked)];
  } catch {
    return [t.noFile(asked)];
  }
  const named = profileNames(asked, host.parser);
  return typeof named === 'string' ? [named] : [];
}

/** The one profile a file holds (apparmor_parser --names), which must be named bl-...
 *  and not be loaded already; or what is wrong with it. */
function profileNames(path: string, bin: string): { name: string } | string {
  const t = runtime.mac;
  const r = spawnSync(bin, ['--names', path], { encoding: 'utf8', timeout: 30_000, maxBuffer: 1 << 20 });
  if (r.status !== 0) return t.parserFailed(`--names ${path}`, (r.stderr || String(r.error ?? '')).trim());
  const names = r.stdout.split('\n').filter(Boolean);
  if (names.length !== 1) return t.oneProfile(path, names);
  const name = names[0]!;
  if (!/^bl-[\w.-]+$/.test(name)) return t.notBlProfile(path, name);
  if (loadedProfiles().includes(name)) return t.alreadyLoaded(path, name);
  return { name };
}

/** apparmor_parser with ARGS, TEXT on its stdin; its stdout, or an error with its stderr. */
function parser(args: string[], text?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile(which('apparmor_parser') ?? 'apparmor_parser', args, { maxBuffer: 1 << 20 }, (err, stdout, stderr) =>
      err ? reject(new AppArmorError(runtime.mac.parserFailed(args.join(' '), String(stderr).trim() || err.message))) : resolve(String(stdout)));
    child.stdin!.end(text ?? '');
  });
}

export class AppArmorError extends Error {}

/**
 * The lab's default profile: Docker's docker-default (moby, profiles/apparmor/
 * template.go), under the lab's name. Everything a program ordinarily does is allowed
 * (files, network, capabilities the container still holds); what would reach the
 * host is not: writes to /proc's machine-wide files and /proc/sys (but kernel/shm*),
 * /proc/kcore and sysrq-trigger, mount, most of /sys, securityfs. A `deny` rule
 * refuses quietly (EACCES, no audit line), as Docker's does; `audit deny` would log.
 */
export function defaultProfile(name: string): string {
  return `#include <tunables/global>

profile ${name} flags=(attach_disconnected,mediate_deleted) {
  #include <abstractions/base>

  network,
  capability,
  file,
  umount,
  # the host's processes (boxlab, the core) may signal the container's
  signal (receive) peer=unconfined,
  # and the container's processes each other
  signal (send,receive) peer=${name},

  deny @{PROC}/* w,   # no writes to the files directly in /proc
  # nor beneath it, but in /proc/PID/ and /proc/sys/
  deny @{PROC}/{[^1-9],[^1-9][^0-9],[^1-9s][^0-9y][^0-9s],[^1-9][^0-9][^0-9][^0-9/]*}/** w,
  deny @{PROC}/sys/[^k]** w,  # /proc/sys but /proc/sys/kernel
  deny @{PROC}/sys/kernel/{?,??,[^s][^h][^m]**} w,  # and there only shm*
  deny @{PROC}/sysrq-trigger rwklx,
  deny @{PROC}/kcore rwklx,

  deny mount,

  deny /sys/[^f]*/** wklx,
  deny /sys/f[^s]*/** wklx,
  deny /sys/fs/[^c]*/** wklx,
  deny /sys/fs/c[^g]*/** wklx,
  deny /sys/fs/cg[^r]*/** wklx,
  deny /sys/firmware/** rwklx,
  deny /sys/devices/virtual/powercap/** rwklx,
  deny /sys/kernel/security/** rwklx,

  # ps inside may look at the container's own processes
  ptrace (trace,read,tracedby,readby) peer=${name},
}
`;
}

/** The profile's name, loading it first when the lab must (in the ledger first: a
 *  profile loaded stays in the kernel until removed). */
export async function loadProfile(ledger: Ledger, profile: Profile, scope?: string): Promise<string | undefined> {
  switch (profile.kind) {
    case 'none': return undefined;
    case 'loaded': return profile.name;
    case 'default': {
      const name = blName('default');
      await ledger.track({ kind: 'apparmor', name }, () => parser(['--skip-cache', '--add'], defaultProfile(name)), scope);
      return name;
    }
    case 'file': {
      const named = profileNames(profile.path, which('apparmor_parser') ?? 'apparmor_parser');
      if (typeof named === 'string') throw new AppArmorError(named);
      const { name } = named;
      await ledger.track({ kind: 'apparmor', name }, () => parser(['--skip-cache', '--add', profile.path]), scope);
      return name;
    }
  }
}

/** The container's program gets the profile at exec (the core's apparmor_exec). */
export async function applyAppArmor(core: Core, ct: string, ledger: Ledger, profile: Profile, scope?: string): Promise<string | undefined> {
  const name = await loadProfile(ledger, profile, scope);
  if (name) await core.apparmorExec(ct, name);
  return name;
}

/** For --explain: the profile this run would get, and SELinux. */
export function explainMac(asked: string | undefined, privileged: boolean, rootless: boolean): string[] {
  const t = runtime.mac;
  const host = macHost();
  const profile = profileFor(asked, privileged, rootless, host);
  const out = [t.explainTitle];
  if (!host.apparmor) out.push(t.explainNoAppArmor(host.lsms));
  else if (profile.kind === 'default') out.push(t.explainDefault);
  else if (profile.kind === 'loaded') out.push(t.explainLoaded(profile.name));
  else if (profile.kind === 'file') out.push(t.explainFile(profile.path));
  else out.push(t.explainNone(asked === 'unconfined', privileged, rootless, host.securityfs, host.parser !== undefined));
  for (const e of appArmorErrors(asked, rootless, host)) out.push(t.explainCannot(e));
  out.push(host.selinux ? t.explainSelinuxOn : t.explainSelinuxOff);
  return out;
}
