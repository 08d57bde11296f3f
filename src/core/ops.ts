// Argument and result shapes of the core's ops, as native/PROTOCOL.md defines them.

export const NAMESPACES = ['pid', 'uts', 'mnt', 'ipc', 'net', 'user', 'cgroup'] as const;
export type NamespaceName = (typeof NAMESPACES)[number];

export type Propagation = 'private' | 'slave' | 'shared' | 'unbindable';

/** A container made by clone, or any process by pid. */
export type Target = { ct: string } | { pid: number };

// ---- the op catalog ----

/** Where a network op acts (PROTOCOL.md, "Where an op acts"), and its second namespace. */
const WHERE = ['ct', 'pid', 'netns'] as const;
const PEER = ['peer_ct', 'peer_pid', 'peer_netns'] as const;
const TO = ['to_ct', 'to_pid', 'to_netns'] as const;
/** A cgroup op's group. */
const GROUP = ['cgroup', 'parent'] as const;

/** Every op of the core and the arguments it reads. The core's own catalog is its
 *  `hello` reply (`ops`), made from native/serve.c's and puppet.c's dispatch tables;
 *  this is the copy the lessons' table is built from (src/lessons/ops.ts), and
 *  test/unit/op-catalog.test.ts checks it, the client, the lessons, the REPL's
 *  completion and native/PROTOCOL.md against a running core. */
export const OP_ARGS = {
  hello: [],
  clone: ['ns', 'cgroup', 'cgroup_parent'],
  idmap: ['ct', 'uid', 'gid', 'setgroups'],
  signal: ['ct', 'pid', 'sig'],
  wait: ['ct', 'pid', 'timeout_ms'],
  join: ['ct', 'pid', 'ns', 'argv', 'env', 'cwd', 'capture', 'timeout_ms'],
  probe: ['ct', 'pid', 'what'],
  destroy: ['ct'],
  list: [],
  // inside the container
  sethostname: ['ct', 'name'],
  setdomainname: ['ct', 'name'],
  propagation: ['ct', 'path', 'mode', 'recursive'],
  mount: ['ct', 'type', 'target', 'source', 'options', 'readonly', 'recursive', 'lower', 'upper', 'work', 'mkdir'],
  umount: ['ct', 'target', 'detach'],
  readonly: ['ct', 'target'],
  masked_paths: ['ct', 'paths'],
  readonly_paths: ['ct', 'paths'],
  devices: ['ct', 'root'],
  device_node: ['ct', 'path', 'type', 'major', 'minor', 'mode', 'uid', 'gid', 'source'],
  pivot_root: ['ct', 'root'],
  chroot: ['ct', 'root'],
  chdir: ['ct', 'path'],
  spawn: ['ct', 'argv', 'env', 'cwd', 'stdin', 'timeout_ms'],
  caps: ['ct', 'keep', 'drop', 'ambient'],
  no_new_privs: ['ct'],
  apparmor_exec: ['ct', 'profile'],
  seccomp: ['ct', 'rules', 'default'],
  user: ['ct', 'uid', 'gid', 'groups'],
  exec: ['ct', 'stdio', 'argv', 'env', 'cwd'],
  // networking
  netns_add: ['name'],
  netns_del: ['netns'],
  veth_add: [...WHERE, 'name', 'peer', ...PEER],
  bridge_add: [...WHERE, 'name'],
  vxlan_add: [...WHERE, 'name', 'vni', 'local', 'remote', 'dstport', 'dev'],
  link_up: [...WHERE, 'dev'],
  link_down: [...WHERE, 'dev'],
  link_move: [...WHERE, 'dev', 'name', ...TO],
  link_rename: [...WHERE, 'dev', 'name'],
  link_master: [...WHERE, 'dev', 'master'],
  link_del: [...WHERE, 'dev'],
  addr_add: [...WHERE, 'dev', 'addr'],
  route_add: [...WHERE, 'dst', 'via', 'dev'],
  sysctl: [...WHERE, 'key', 'value'],
  net_dump: [...WHERE],
  nat_masquerade: [...WHERE, 'table', 'source', 'exclude_dev', 'tool'],
  nat_dnat: [...WHERE, 'table', 'port', 'to', 'proto', 'localhost', 'daddr', 'tool'],
  nat_del: [...WHERE, 'table', 'tool'],
  net_isolate: [...WHERE, 'table', 'bridge', 'isolate', 'subnet', 'icc', 'tool'],
  // cgroups
  cgroup_layout: [],
  cgroup_plan: [...GROUP, 'controllers'],
  cgroup_create: [...GROUP, 'controllers'],
  cgroup_set: [...GROUP, 'file', 'value', 'controller'],
  cgroup_get: [...GROUP, 'file', 'controller'],
  cgroup_freeze: [...GROUP, 'timeout_ms'],
  cgroup_thaw: [...GROUP, 'timeout_ms'],
  cgroup_kill: [...GROUP, 'timeout_ms'],
  cgroup_remove: [...GROUP, 'timeout_ms'],
  cgroup_devices: [...GROUP, 'rules'],
} as const satisfies Record<string, readonly string[]>;

export type OpName = keyof typeof OP_ARGS;
/** The arguments of one op, as a union of their names. */
export type OpArg<O extends OpName> = (typeof OP_ARGS)[O][number];

/** syscalls: how many system calls the core's seccomp table names (its build's kernel headers).
 *  ops: the op catalog, each op with the names of the arguments it reads. */
export interface Hello { version: string; pid: number; kernel: string; syscalls: number; ops: Record<string, string[]> }

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

/** net_dump: one network namespace as plain rows (what ip link/addr/route/neigh show). */
export interface NetDump {
  links: DumpLink[];
  addrs: DumpAddr[];
  /** the main table, IPv4 then IPv6 */
  routes: DumpRoute[];
  neighbours: DumpNeighbour[];
  /** never the same for two namespaces while the machine runs (SO_NETNS_COOKIE) */
  netns_cookie?: string;
  /** nf_tables counts each committed change of the ruleset: the same number, the same rules */
  nft_generation?: number;
  /** more than 4096 of one kind: the rest left out */
  truncated?: boolean;
}

export interface DumpLink {
  ifindex: number;
  name: string;
  /** veth, bridge, vxlan... (IFLA_INFO_KIND); absent for a plain device */
  kind?: string;
  /** the hardware type: ether, loopback, none... */
  type: string;
  up: boolean;
  /** has a carrier (IFF_RUNNING) */
  running: boolean;
  operstate?: string;
  mtu?: number;
  mac?: string;
  /** the bridge it is a port of, and the port's state (forwarding...) */
  master?: string;
  port_state?: string;
  /** a veth's other end: by name when in this namespace, else by index and netns id */
  peer?: string;
  peer_ifindex?: number;
  peer_netnsid?: number;
  vxlan?: { id?: number; local?: string; remote?: string; group?: string; port?: number; dev?: string };
}

export interface DumpAddr { ifindex: number; dev: string; family: 'inet' | 'inet6'; local?: string; prefixlen: number; scope: string }

export interface DumpRoute {
  family: 'inet' | 'inet6';
  type: string;
  /** as ip prints it: default, an address alone (a host route), or address/length */
  dst: string;
  dst_len: number;
  gateway?: string;
  dev?: string;
  protocol: string;
  scope: string;
  prefsrc?: string;
  metric?: number;
}

export interface DumpNeighbour { dev: string; family: 'inet' | 'inet6'; dst?: string; lladdr?: string; state: string }

export type NatTool = 'nft' | 'iptables';

/** daddr: only what the namespace itself sends to that address (127.0.0.11), instead of
 *  what arrives for any of its own addresses. */
export interface DnatSpec { port: number; to: string; proto?: 'tcp' | 'udp'; localhost?: boolean; daddr?: string }

/** What net_isolate keeps apart: BRIDGE from each link (or NAME* pattern) of isolate;
 *  with icc false, also the containers on BRIDGE (SUBNET) from each other. */
export interface IsolateSpec { bridge: string; isolate: string[]; subnet?: string; icc?: boolean }

/** A device node made in the container (device_node): the host device's type and numbers. */
export interface DeviceNodeSpec { path: string; type: 'c' | 'b'; major: number; minor: number; mode?: string; uid?: number; gid?: number; source?: string }

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

/** cgroup_devices: the rules folded into a default and its exceptions, as the kernel keeps them. */
export interface CgroupDevices {
  path: string;
  default: 'deny' | 'allow';
  exceptions: string[];
  /** v1: devices.list after the writes, one line each */
  list?: string[];
  /** v2: the BPF program, one line per instruction, and the ids attached to the group */
  instructions?: number;
  program?: string[];
  attached?: number[];
}
