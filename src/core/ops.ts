// Argument and result shapes of the core's ops, as native/PROTOCOL.md defines them.

export const NAMESPACES = ['pid', 'uts', 'mnt', 'ipc', 'net', 'user', 'cgroup'] as const;
export type NamespaceName = (typeof NAMESPACES)[number];

export type Propagation = 'private' | 'slave' | 'shared' | 'unbindable';

/** A container made by clone, or any process by pid. */
export type Target = { ct: string } | { pid: number };

export interface Hello { version: string; pid: number; kernel: string }

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

export interface Listed { ct: string; pid: number; ns: NamespaceName[]; state: 'puppet' | 'exec' | 'exited' }
