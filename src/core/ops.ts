// Argument and result shapes of the core's ops, as native/PROTOCOL.md defines them.

export const NAMESPACES = ['pid', 'uts', 'mnt', 'ipc', 'net', 'user', 'cgroup'] as const;
export type NamespaceName = (typeof NAMESPACES)[number];

export type Propagation = 'private' | 'slave' | 'shared' | 'unbindable';

/** A container made by clone, or any process by pid. */
export type Target = { ct: string } | { pid: number };

/** syscalls: how many system calls the core's seccomp table names (its build's kernel headers). */
export interface Hello { version: string; pid: number; kernel: string; syscalls: number }

export interface Cloned { ct: string; pid: number }

export interface MountSpec {
  type: 'proc' | 'sysfs' | 'tmpfs' | 'bind' | 'overlay' | 'devpts' | 'mqueue';
  target: string;
  source?: string;
  options?: string;
  readonly?: boolean;
  recursive?: boolean;
  lower?: string[];
  upper?: string;
  work?: string;
  mkdir?: boolean;
}

export interface SpawnOptions { env?: string[]; cwd?: string; stdin?: string; timeout_ms?: number }

export interface ExecOptions { env?: string[]; cwd?: string; stdio?: 'inherit' | 'null' | 'pty' }

export interface JoinOptions { ns?: NamespaceName[]; env?: string[]; cwd?: string; capture?: boolean; timeout_ms?: number }

/** How a process ended. `code` is the shell's view: status, or 128 + signal. */
export interface Finished {
  code: number;
  exited?: boolean;
  status?: number;
  signaled?: boolean;
  signal?: number;
  name?: string;
  stdout?: string;
  stderr?: string;
}

/** A process run to its end with its output kept (spawn, join with capture). */
export interface Captured extends Finished { stdout: string; stderr: string }

export interface Probed {
  uts?: { hostname: string; domainname: string };
  ipc?: { msg: string; sem: string; shm: string };
}

/** masked_paths, readonly_paths: what was covered, and what this kernel does not have. */
export interface PathsProtected { done: string[]; absent: string[] }

export interface Listed { ct: string; pid: number; ns: NamespaceName[]; state: 'puppet' | 'exec' | 'exited' }

// ---- security (native/PROTOCOL.md, "Security") ----

/** Capability names as in capabilities(7) ("CAP_KILL"; the prefix and case are optional). */
export type CapsChange = ({ keep: string[] } | { drop: string[] }) & { ambient?: string[] };

export interface CapsResult { effective: string[]; bounding: string[]; ambient: string[] }

/** The filter as loaded: its length and one line per BPF instruction. */
export interface SeccompResult { instructions: number; program: string[] }

// ---- networking (native/PROTOCOL.md, "Networking") ----

/** The network namespace an op acts in: a container, any process, a lab-made named
 *  namespace, or {} for the core's own (the host's). */
export type NetTarget = { ct: string } | { pid: number } | { netns: string } | Record<string, never>;

export interface NetnsAdded { netns: string; path: string; made_dir: boolean }

/** vni: the VXLAN network identifier (not "id": that is the request's own). */
export interface VxlanSpec { name: string; vni: number; local?: string; remote?: string; dstport?: number; dev?: string }

export interface RouteSpec { dst: string; via?: string; dev?: string }

export interface SysctlSet { key: string; old: string; value: string }

export type NatTool = 'nft' | 'iptables';

export interface DnatSpec { port: number; to: string; proto?: 'tcp' | 'udp'; localhost?: boolean }

export interface NatDone { tool: NatTool; table: string }

// ---- cgroups (native/PROTOCOL.md, "Cgroups") ----

export type CgroupLayoutName = 'v1' | 'v2' | 'hybrid';

/** One cgroup tree: v1 has one per controller (or a few co-mounted), v2 one for all. */
export interface CgroupTree { version: 1 | 2; controllers: string; mount: string; own: string }

export interface CgroupLayout {
  layout: CgroupLayoutName;
  root: string;
  /** hybrid: where the (empty) v2 tree is mounted */
  unified?: string;
  hierarchies: CgroupTree[];
  /** comma separated: v1 the trees' controllers, v2 what the server's own group is offered */
  controllers: string;
}

/** A group named by `cgroup` (one plain name) and `parent` (absolute: from each tree's
 *  root; relative: beneath the core's own group; absent: the core's own group). */
export interface CgroupRef { cgroup: string; parent?: string }

export interface CgroupPlan {
  layout: CgroupLayoutName;
  /** the group's directory in each tree */
  groups: { version: 1 | 2; controllers: string; path: string }[];
  /** directories create makes, top down (missing bl- parents, then the group) */
  create: string[];
  /** v2: the controllers the group gets */
  controllers: string[];
  /** v2: cgroup.subtree_control writes, top down (controllers space separated) */
  enable: { path: string; controllers: string }[];
}
