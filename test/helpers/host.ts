// What the host looks like from the lab's point of view: a before/after fingerprint that
// kernel tests compare, so a test that leaks a mount, a process or a ledger entry fails.
import { readdirSync, readFileSync, existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { ledgerDir, stateRoot } from '../../src/ledger/index.ts';

export interface HostFingerprint {
  mounts: string[];
  processes: string[];
  ledgers: string[];
  stateDirs: string[];
  cgroups: string[];
}

/** Mount points and types of this process's mount namespace (ids change; points don't). */
function mounts(): string[] {
  return readFileSync('/proc/self/mountinfo', 'utf8').trim().split('\n').map((line) => {
    const f = line.split(' ');
    const sep = f.indexOf('-');
    return `${f[4]} ${f[sep + 1]} ${f[sep + 2]}`;
  }).sort();
}

/** The boxcore processes this test process started (Core.start marks them with
 *  BOXLAB_OWNER), and those of any boxlab it ran as a child: none may outlive a test.
 *  Another boxlab running beside the tests has its own mark and is not counted. */
function processes(): string[] {
  const out: string[] = [];
  const ours = new Set([String(process.pid)]);
  for (const pid of readdirSync('/proc').filter((n) => /^\d+$/.test(n))) {
    try {
      const comm = readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
      if (!comm.startsWith('boxcore')) continue;
      const owner = /(?:^|\0)BOXLAB_OWNER=(\d+)/.exec(readFileSync(`/proc/${pid}/environ`, 'latin1'))?.[1];
      if (owner === undefined || ours.has(owner) || isOurDescendantOrGone(Number(owner))) out.push(`${pid} ${comm}`);
    } catch { /* exited while we looked */ }
  }
  return out;
}

/** An owner that is gone left its core behind; one that is our child is ours. */
function isOurDescendantOrGone(owner: number): boolean {
  try {
    const stat = readFileSync(`/proc/${owner}/stat`, 'utf8');
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    return ppid === process.pid;
  } catch {
    return true;
  }
}

function list(dir: string, filter: (n: string) => boolean): string[] {
  return existsSync(dir) ? readdirSync(dir).filter(filter).map((n) => join(dir, n)).sort() : [];
}

/** The lab's cgroups (bl-NAME-PID-N) made by this process or a child of it, or left
 *  by one that is gone: beneath each tree's root and our own group, in every tree. */
export function cgroups(): string[] {
  const own = new Map<string, string>(); // "cpu,cpuacct" (v2: "") -> our group's path
  for (const line of readFileSync('/proc/self/cgroup', 'utf8').split('\n').filter(Boolean)) {
    const [, list = '', ...path] = line.split(':');
    own.set(list, path.join(':'));
  }
  const found = new Set<string>();
  const walk = (dir: string) => {
    for (const name of list(dir, (n) => n.startsWith('bl-'))) {
      const owner = /^bl-(?:[a-z]+-)*(\d+)-\d+$/.exec(name.slice(name.lastIndexOf('/') + 1))?.[1];
      try {
        if (!statSync(name).isDirectory()) continue;
      } catch { continue; }
      if (owner && (Number(owner) === process.pid || isOurDescendantOrGone(Number(owner)))) found.add(name);
      walk(name);
    }
  };
  for (const line of readFileSync('/proc/self/mountinfo', 'utf8').split('\n').filter(Boolean)) {
    const f = line.split(' ');
    const sep = f.indexOf('-');
    const type = f[sep + 1];
    if ((type !== 'cgroup' && type !== 'cgroup2') || !f[4]!.startsWith('/sys/fs/cgroup')) continue;
    const opts = (f[sep + 3] ?? '').split(',');
    const mine = type === 'cgroup2' ? own.get('') : [...own.entries()].find(([l]) => l && l.split(',').every((c) => opts.includes(c)))?.[1];
    walk(f[4]!);
    if (mine && mine !== '/') walk(join(f[4]!, mine));
  }
  return [...found].sort();
}

export function fingerprint(): HostFingerprint {
  return {
    mounts: mounts(),
    processes: processes(),
    ledgers: list(ledgerDir(), (n) => n.startsWith('bl-')),
    stateDirs: list(stateRoot(), (n) => n.startsWith('bl-')),
    cgroups: cgroups(),
  };
}

export const isRoot = process.getuid?.() === 0;
