// A one-line look at this machine for the home screen: kernel, cgroup layout, who we run
// as, whether the core is built. Tiny and local on purpose; `boxlab doctor` says more.
import { existsSync, readFileSync } from 'node:fs';
import { release, userInfo } from 'node:os';
import { boxcorePath } from '../core/index.ts';
import { cgroupLayout, type CgroupLayout } from '../doctor/checks.ts';
import { text } from './text.ts';

export type { CgroupLayout } from '../doctor/checks.ts';
export { cgroupLayout };

export interface MachineSummary { kernel: string; cgroup: CgroupLayout; root: boolean; user: string; core: boolean }

export function machineSummary(): MachineSummary {
  const sudoUser = process.env.SUDO_USER;
  return {
    kernel: release(),
    cgroup: cgroupLayout(),
    root: process.getuid?.() === 0,
    user: sudoUser ?? safeUser(),
    core: existsSync(boxcorePath()),
  };
}

export function summaryLine(s: MachineSummary = machineSummary()): string {
  const cg = { v2: text.cgroupV2, v1: text.cgroupV1, hybrid: text.cgroupHybrid, none: text.cgroupNone }[s.cgroup];
  return text.summary(s.kernel, cg, s.root ? text.asRoot : text.asUser(s.user), s.core ? text.coreBuilt : text.coreMissing);
}

function safeRead(f: string): string {
  try { return readFileSync(f, 'utf8'); } catch { return ''; }
}
function safeUser(): string {
  try { return userInfo().username; } catch { return String(process.getuid?.() ?? '?'); }
}
