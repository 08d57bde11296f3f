// What a kernel feature of the course needs of the kernel: the modules that provide it
// and the config options that build it in. The table is plain JSON so that the
// cgroup-v2 test guest reads it too and loads exactly these modules for the lessons
// that name the feature (test/vm/course-kernel.mjs): a new chapter's feature gets its
// modules into the guest by a line here.
import table from './kernel-needs.json' with { type: 'json' };
import type { Feature } from '../lessons/schema.ts';
import { doctor as t } from '../text/index.ts';

export interface KernelNeeds {
  /** Modules to load (modprobe NAME), in the order a person would type them. */
  modules: string[];
  /** More modules when the lab programs netfilter with iptables instead of nft. */
  iptables?: string[];
  /** The config options that build the feature into a kernel. */
  config: string[];
  /** Kernel command line parameters the feature needs (apparmor=1). */
  boot?: string[];
}

/** Features that need nothing beyond what every kernel the course runs on has are absent. */
export const KERNEL_NEEDS: Partial<Record<Feature, KernelNeeds>> = table;

/** What to do about a missing feature: the modprobe line, else the config options. */
export function kernelFix(feature: Feature, tool: 'nft' | 'iptables' = 'nft', table = KERNEL_NEEDS): string {
  const needs = table[feature];
  if (!needs) return '';
  const modules = tool === 'iptables' ? [...needs.modules, ...(needs.iptables ?? [])] : needs.modules;
  // A feature switched on at boot (AppArmor: apparmor=1 security=apparmor) has no module.
  if (!modules.length) return t.kernelBootFix(needs.boot ?? [], needs.config);
  return t.kernelFix(modules, needs.config);
}

/** The config options behind a feature, for the words that say what is missing. */
export const configOf = (feature: Feature): string => (KERNEL_NEEDS[feature]?.config ?? []).join(', ');
