// What the host looks like from the lab's point of view: a before/after fingerprint that
// kernel tests compare, so a test that leaks a mount, a process or a ledger entry fails.
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { ledgerDir, stateRoot } from '../../src/ledger/index.ts';

export interface HostFingerprint {
  mounts: string[];
  processes: string[];
  ledgers: string[];
  stateDirs: string[];
}

/** Mount points and types of this process's mount namespace (ids change; points don't). */
function mounts(): string[] {
  return readFileSync('/proc/self/mountinfo', 'utf8').trim().split('\n').map((line) => {
    const f = line.split(' ');
    const sep = f.indexOf('-');
    return `${f[4]} ${f[sep + 1]} ${f[sep + 2]}`;
  }).sort();
}

/** Every boxcore process on the machine: there should be none between tests. */
function processes(): string[] {
  const out: string[] = [];
  for (const pid of readdirSync('/proc').filter((n) => /^\d+$/.test(n))) {
    try {
      const comm = readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
      if (comm.startsWith('boxcore')) out.push(`${pid} ${comm}`);
    } catch { /* exited while we looked */ }
  }
  return out;
}

function list(dir: string, filter: (n: string) => boolean): string[] {
  return existsSync(dir) ? readdirSync(dir).filter(filter).map((n) => join(dir, n)).sort() : [];
}

export function fingerprint(): HostFingerprint {
  return {
    mounts: mounts(),
    processes: processes(),
    ledgers: list(ledgerDir(), (n) => n.startsWith('bl-')),
    stateDirs: list(stateRoot(), (n) => n.startsWith('bl-')),
  };
}

export const isRoot = process.getuid?.() === 0;
