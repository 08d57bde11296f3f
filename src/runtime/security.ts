// What a `boxlab run` container may do once it runs, decided as Docker decides it: the
// capabilities it keeps, the /proc and /sys paths it masks or makes read-only, and
// no_new_privs; and Docker's flags that change them (--cap-add, --cap-drop,
// --privileged, --security-opt no-new-privileges). `boxlab run` applies it with the
// core's ops (confine), and oci.ts writes the same into config.json.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import type { Core } from '../core/index.ts';
import { CAPABILITIES, CAP_LAST_CAP, capabilityName } from '../kernel/views/ids.ts';
import { suggest } from '../text/suggest.ts';
import { runtime } from '../text/index.ts';
import { FlagError } from './cgroup-flags.ts';
import { macHost, parseAppArmorOpt } from './apparmor.ts';

export interface Security {
  /** --privileged: every capability boxlab can give, nothing masked or read-only. */
  privileged: boolean;
  /** --cap-add / --cap-drop, as CAP_ names, or ALL. */
  capAdd: string[];
  capDrop: string[];
  /** --security-opt no-new-privileges */
  noNewPrivileges: boolean;
  /** --security-opt apparmor=PROFILE: unconfined, a loaded profile's name, or a file
   *  of one (a path); absent, the default where the host has AppArmor (apparmor.ts). */
  apparmor?: string;
}

/** Docker's default capabilities (moby, daemon/pkg/oci/caps/defaults.go): what ordinary
 *  software does as root, without what reaches the whole machine (SYS_ADMIN, NET_ADMIN,
 *  SYS_MODULE, SYS_TIME, SYS_PTRACE...). */
export const DOCKER_CAPS = [
  'CAP_CHOWN', 'CAP_DAC_OVERRIDE', 'CAP_FSETID', 'CAP_FOWNER', 'CAP_MKNOD', 'CAP_NET_RAW', 'CAP_SETGID',
  'CAP_SETUID', 'CAP_SETFCAP', 'CAP_SETPCAP', 'CAP_NET_BIND_SERVICE', 'CAP_SYS_CHROOT', 'CAP_KILL', 'CAP_AUDIT_WRITE',
] as const;

/** Docker's linux.maskedPaths (moby, daemon/pkg/oci/defaults.go): runc's list, plus
 *  /proc/interrupts and powercap (their counters leak what other processes do). */
export const DOCKER_MASKED_PATHS = [
  '/proc/acpi', '/proc/asound', '/proc/interrupts', '/proc/kcore', '/proc/keys', '/proc/latency_stats',
  '/proc/sched_debug', '/proc/scsi', '/proc/timer_list', '/proc/timer_stats', '/sys/devices/virtual/powercap',
  '/sys/firmware',
] as const;

/** Docker's (and runc's) linux.readonlyPaths: settings and commands for the whole machine. */
export const DOCKER_READONLY_PATHS = ['/proc/bus', '/proc/fs', '/proc/irq', '/proc/sys', '/proc/sysrq-trigger'] as const;

const ALL = 'ALL';

export function securityOptionSpecs() {
  return {
    'cap-add': { value: true, repeat: true },
    'cap-drop': { value: true, repeat: true },
    privileged: { value: false },
    'security-opt': { value: true, repeat: true },
  } as const;
}

/** A --cap-add/--cap-drop word as Docker takes it: SYS_ADMIN, cap_sys_admin, ALL. */
function capFlag(flag: string, word: string): string {
  if (word.toUpperCase() === ALL) return ALL;
  const name = capabilityName(word);
  if (!name) {
    const bare = word.toUpperCase().replace(/^CAP_/, '');
    throw new FlagError(runtime.security.unknownCap(flag, word, suggest(bare, [...CAPABILITIES.map((c) => c.slice(4)), ALL])));
  }
  return name;
}

/** --security-opt: Docker's no-new-privileges, no-new-privileges:true|false (or =),
 *  apparmor=PROFILE; label=... (SELinux) is explained and refused. */
function securityOpt(word: string, sec: { noNewPrivileges: boolean; apparmor?: string }): void {
  const nnp = /^no-new-privileges(?:[:=](true|false))?$/.exec(word);
  if (nnp) {
    sec.noNewPrivileges = nnp[1] !== 'false';
    return;
  }
  const apparmor = parseAppArmorOpt(word);
  if (apparmor !== undefined) {
    sec.apparmor = apparmor;
    return;
  }
  if (/^label[=:]/.test(word)) throw new FlagError(runtime.mac.label(word, macHost().selinux));
  throw new FlagError(runtime.security.badSecurityOpt(word));
}

/** Parse the security flags of the parsed options; throws FlagError naming the flag. */
export function parseSecurity(o: Record<string, string | string[] | boolean | undefined>): Security {
  const list = (key: string) => (o[key] as string[] | undefined) ?? [];
  const opts: { noNewPrivileges: boolean; apparmor?: string } = { noNewPrivileges: false };
  for (const word of list('security-opt')) securityOpt(word, opts);
  return {
    privileged: o.privileged === true,
    capAdd: [...new Set(list('cap-add').map((w) => capFlag('--cap-add', w)))],
    capDrop: [...new Set(list('cap-drop').map((w) => capFlag('--cap-drop', w)))],
    noNewPrivileges: opts.noNewPrivileges,
    ...(opts.apparmor !== undefined ? { apparmor: opts.apparmor } : {}),
  };
}

/** The highest capability this kernel knows. */
function capLastCap(): number {
  try {
    return Number(readFileSync('/proc/sys/kernel/cap_last_cap', 'utf8'));
  } catch {
    return CAP_LAST_CAP;
  }
}

/** The capabilities a container can be given at all. Root of a new user namespace
 *  holds every one the kernel knows (inside it: the kernel gives a new user namespace's
 *  first process a full bounding set); otherwise no more than boxlab's own bounding set
 *  (a machine that is itself a sandbox may hold some back). */
export function grantableCaps(userns: boolean): string[] {
  const known = CAPABILITIES.slice(0, capLastCap() + 1);
  if (userns) return [...known];
  const bnd = /^CapBnd:\s*([0-9a-f]+)$/m.exec(readFileSync('/proc/self/status', 'utf8'))?.[1] ?? '0';
  const mask = BigInt(`0x${bnd}`);
  return known.filter((_, bit) => (mask >> BigInt(bit)) & 1n);
}

/** What the container keeps, by Docker's rule (moby's TweakCapabilities): --privileged
 *  all; --cap-add ALL all but the dropped; --cap-drop ALL only the added; else the
 *  defaults less the dropped plus the added. Never more than grantable; in bit order. */
export function keptCaps(sec: Security, grantable: readonly string[]): string[] {
  let want: Set<string>;
  if (sec.privileged) want = new Set(grantable);
  else if (sec.capAdd.includes(ALL)) want = new Set(grantable.filter((c) => !sec.capDrop.includes(c)));
  else if (sec.capDrop.includes(ALL)) want = new Set(sec.capAdd);
  else want = new Set([...DOCKER_CAPS.filter((c) => !sec.capDrop.includes(c)), ...sec.capAdd]);
  return CAPABILITIES.filter((c) => want.has(c) && grantable.includes(c));
}

/** The kept set as /proc/PID/status prints it (CapEff of a root program after exec). */
export function capMask(caps: readonly string[]): string {
  let mask = 0n;
  for (const c of caps) mask |= 1n << BigInt((CAPABILITIES as readonly string[]).indexOf(c));
  return mask.toString(16).padStart(16, '0');
}

/** A --cap-add the container cannot have here: errors that name it and say why. */
export function securityErrors(sec: Security, userns: boolean): string[] {
  if (sec.privileged) return []; // Docker ignores --cap-add/--cap-drop with --privileged
  const grantable = grantableCaps(userns);
  const last = capLastCap();
  return sec.capAdd.filter((c) => c !== ALL && !grantable.includes(c)).map((c) =>
    (CAPABILITIES as readonly string[]).indexOf(c) > last ? runtime.security.capNotInKernel(c, last) : runtime.security.capNotHeld(c));
}

/** Docker's masked paths, and the per-CPU thermal_throttle directories it masks too
 *  (their counters tell what the machine's other processes do) where there are any. */
export function maskedPaths(sec: Security): string[] {
  if (sec.privileged) return [];
  const cpus = '/sys/devices/system/cpu';
  const throttle = existsSync(cpus)
    ? readdirSync(cpus).filter((n) => /^cpu\d+$/.test(n)).map((n) => `${cpus}/${n}/thermal_throttle`).filter((p) => existsSync(p))
    : [];
  return [...DOCKER_MASKED_PATHS, ...throttle];
}

export function readonlyPaths(sec: Security): string[] {
  return sec.privileged ? [] : [...DOCKER_READONLY_PATHS];
}

/**
 * The container's last steps before exec, after pivot_root and the hostname, in the
 * order runc takes them: read-only paths and masked paths (mounts, so while the init
 * still holds CAP_SYS_ADMIN), no_new_privs, then capabilities. A seccomp filter would
 * go last of all; boxlab run loads none yet. A path this kernel lacks is skipped.
 */
export async function confine(core: Core, ct: string, sec: Security, userns: boolean): Promise<void> {
  const ro = readonlyPaths(sec);
  if (ro.length) await core.readonlyPaths(ct, ro);
  const masked = maskedPaths(sec);
  if (masked.length) await core.maskedPaths(ct, masked);
  if (sec.noNewPrivileges) await core.noNewPrivs(ct);
  // --privileged keeps what the init holds (every grantable capability): nothing to drop.
  if (!sec.privileged) await core.caps(ct, { keep: keptCaps(sec, grantableCaps(userns)) });
}

/** For --explain: what confine would do here, step by step. */
export function explainSecurity(sec: Security, userns: boolean): string[] {
  const out = [runtime.security.explainTitle];
  const paths = (list: string[]) => {
    const absent = list.filter((p) => !existsSync(p));
    return runtime.security.explainPaths(list.filter((p) => existsSync(p)), absent);
  };
  out.push(runtime.security.explainStep('readonly_paths', sec.privileged ? runtime.security.explainPrivilegedNone : paths(readonlyPaths(sec))));
  out.push(runtime.security.explainStep('masked_paths', sec.privileged ? runtime.security.explainPrivilegedNone : paths(maskedPaths(sec))));
  out.push(runtime.security.explainStep('no_new_privs', sec.noNewPrivileges ? runtime.security.explainNnpOn : runtime.security.explainNnpOff));
  const kept = keptCaps(sec, grantableCaps(userns));
  const names = kept.map((c) => c.slice(4)).join(' ') || runtime.security.explainNoCaps;
  out.push(runtime.security.explainStep('caps', runtime.security.explainCaps(sec.privileged, names, capMask(kept))));
  out.push(runtime.security.explainStep('seccomp', runtime.security.explainNoSeccomp));
  for (const e of securityErrors(sec, userns)) out.push(runtime.security.explainCannot(e));
  return out;
}
