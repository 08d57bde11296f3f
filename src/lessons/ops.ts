// The core's ops as lessons and the REPL name them: which arguments each takes, of what
// type, and how a typed line (`mount tmpfs /mnt`) maps onto them. The arguments are the
// core's own catalog (OP_ARGS in src/core/ops.ts, checked against the core's `hello`);
// this table adds only what lessons need to refuse a bad lesson early and to parse what
// a learner types. Running an op is always the same: send it to the core as is.
import { NAMESPACES, OP_ARGS, type OpArg, type OpName } from '../core/index.ts';
import { CAPABILITIES, capabilityName } from '../kernel/views/ids.ts';
import { suggest } from '../text/suggest.ts';
import { lessons as text } from '../text/index.ts';
import type { ViewName } from '../kernel/types.ts';
import type { Feature } from './schema.ts';

export type ArgType = 'string' | 'int' | 'bool' | 'strings' | 'ns';

export interface OpSpec {
  /** Arguments by name. `ct` is filled in from the session when an op needs one. */
  args: Record<string, ArgType>;
  required: string[];
  /** The op works on a container: `ct` defaults to the session's current one. */
  ct: boolean;
  /** REPL: positional words in order; the last may take the rest of the line. */
  positional: string[];
  rest?: boolean;
  /** One line for help and completion. */
  usage: string;
  /** A network op: it must act in a network namespace the lab made. */
  net?: boolean;
  /** What is wrong with the arguments as a whole, beyond their types: [what, fix]. */
  check?: (args: Record<string, unknown>) => [string, string] | undefined;
  /** What of the op's result is shown under a step, when more than a command's output. */
  shows?: (result: Record<string, unknown>) => string | undefined;
  /** The kernel feature the op cannot work without (a link kind, a filesystem, NAT): a
   *  lesson that uses the op must name it in `features`, so that the doctor's verdict
   *  on the lesson is what running it finds (the loader refuses one that does not). */
  feature?: (args: Record<string, unknown>) => Feature | undefined;
}

/** The type of each argument, by name (a name has one type in every op but those in
 *  TYPES_OF). With the core's catalog (OP_ARGS) it gives each op's arguments; a new
 *  argument of the core needs its type here, or this does not compile. */
const ARG_TYPES: Record<OpArg<OpName>, ArgType> = {
  ct: 'string', pid: 'int', netns: 'string', peer_ct: 'string', peer_pid: 'int', peer_netns: 'string',
  to_ct: 'string', to_pid: 'int', to_netns: 'string',
  ns: 'ns', cgroup: 'string', cgroup_parent: 'string', uid: 'string', gid: 'string', setgroups: 'string',
  sig: 'string', timeout_ms: 'int', argv: 'strings', env: 'strings', cwd: 'string', capture: 'bool', what: 'strings',
  name: 'string', path: 'string', mode: 'string', recursive: 'bool', type: 'string', target: 'string', source: 'string',
  options: 'string', readonly: 'bool', lower: 'strings', upper: 'string', work: 'string', mkdir: 'bool', detach: 'bool',
  paths: 'strings', root: 'string', stdin: 'string', stdio: 'string', keep: 'strings', drop: 'strings', ambient: 'strings',
  rules: 'strings', default: 'string', groups: 'strings',
  peer: 'string', vni: 'int', local: 'string', remote: 'string', dstport: 'int', dev: 'string', master: 'string',
  addr: 'string', dst: 'string', via: 'string', key: 'string', value: 'string', table: 'string', exclude_dev: 'string',
  port: 'int', to: 'string', proto: 'string', localhost: 'bool', tool: 'string',
  parent: 'string', controllers: 'strings', file: 'string', controller: 'string',
};

const NET: Partial<OpSpec> = { net: true };
const needs = (feature: Feature): Partial<OpSpec> => ({ net: true, feature: () => feature });
/** A cgroup op acts on a group, not on a container. */
const CG: Partial<OpSpec> = { ct: false };

/** Where an op gives a name another type: idmap's uid and gid are map text, user's are ids. */
const TYPES_OF: Partial<Record<OpName, Partial<Record<OpArg<OpName>, ArgType>>>> = { user: { uid: 'int', gid: 'int' } };

/** An op as lessons and the REPL use it: its arguments are the core's (OP_ARGS). */
const op = (name: OpName, usage: string, required: string[], positional: string[], more: Partial<OpSpec> = {}): OpSpec =>
  ({ usage, args: Object.fromEntries(OP_ARGS[name].map((a) => [a, TYPES_OF[name]?.[a] ?? ARG_TYPES[a]])), required, positional, ct: true, ...more });

/** The core's ops that lessons do not offer, and why (test/unit/op-catalog.test.ts). */
export const NOT_IN_LESSONS: Partial<Record<OpName, string>> = {
  cgroup_devices: 'the OCI runtime\'s device cgroup (boxcore create); no lesson drives it op by op',
};

export const OPS: Record<string, OpSpec> = {
  hello: op('hello', 'hello', [], [], { ct: false, shows: (r) => text.shownHello(String(r.version), String(r.kernel), r.syscalls) }),
  clone: op('clone', 'clone pid,uts,mnt,ipc,net,user,cgroup [cgroup=GROUP] [cgroup_parent=PARENT]', ['ns'], ['ns'], { ct: false }),
  idmap: op('idmap', 'idmap uid=MAP gid=MAP [setgroups=deny]', [], []),
  signal: op('signal', 'signal SIG', ['sig'], ['sig']),
  wait: op('wait', 'wait [timeout_ms=N]', [], []),
  join: op('join', 'join CMD [ARG...]', ['argv'], ['argv'], { rest: true }),
  probe: op('probe', 'probe uts,ipc', ['what'], ['what'], { ct: false }),
  destroy: op('destroy', 'destroy', [], []),
  list: op('list', 'list', [], [], { ct: false }),
  sethostname: op('sethostname', 'sethostname NAME', ['name'], ['name']),
  setdomainname: op('setdomainname', 'setdomainname NAME', ['name'], ['name']),
  propagation: op('propagation', 'propagation private|slave|shared|unbindable [PATH]', ['mode'], ['mode', 'path']),
  mount: op('mount', 'mount TYPE TARGET [SOURCE] [OPTIONS]', ['type', 'target'], ['type', 'target', 'source', 'options'], { feature: (a) => (a.type === 'overlay' ? 'overlay' : undefined) }),
  umount: op('umount', 'umount TARGET', ['target'], ['target']),
  readonly: op('readonly', 'readonly TARGET', ['target'], ['target']),
  devices: op('devices', 'devices ROOT', ['root'], ['root']),
  pivot_root: op('pivot_root', 'pivot_root ROOT', ['root'], ['root']),
  chroot: op('chroot', 'chroot ROOT', ['root'], ['root']),
  chdir: op('chdir', 'chdir PATH', ['path'], ['path']),
  spawn: op('spawn', 'spawn CMD [ARG...]', ['argv'], ['argv'], { rest: true }),
  exec: op('exec', 'exec CMD [ARG...]', ['argv'], ['argv'], { rest: true }),
  // Security (PROTOCOL.md "Security"): inside ops that shrink what the container's
  // programs may do, for good; and the OCI runtime's masked and read-only paths.
  caps: op('caps', 'caps keep=CAP,...|drop=CAP,... [ambient=CAP,...]', [], [], { check: checkCaps, shows: showCaps }),
  no_new_privs: op('no_new_privs', 'no_new_privs', [], []),
  user: op('user', 'user uid=UID gid=GID [groups=G,...]', ['uid', 'gid'], []),
  seccomp: op('seccomp', 'seccomp NAME[:ACTION],... [default=ACTION]', ['rules'], ['rules'], { check: checkSeccomp, shows: showProgram }),
  masked_paths: op('masked_paths', 'masked_paths PATH,...', ['paths'], ['paths'], { check: checkPaths, shows: showPaths('masked') }),
  readonly_paths: op('readonly_paths', 'readonly_paths PATH,...', ['paths'], ['paths'], { check: checkPaths, shows: showPaths('readonly') }),
  // Networking (PROTOCOL.md "Networking"). Where an op acts: `ct`, `pid` or `netns`; in a
  // lesson it defaults to the session's container, and the session refuses a container
  // that shares the host's network namespace (net: true).
  veth_add: op('veth_add', 'veth_add NAME PEER [peer_ct=CT|peer_netns=NS]', ['name', 'peer'], ['name', 'peer'], needs('veth')),
  bridge_add: op('bridge_add', 'bridge_add NAME', ['name'], ['name'], needs('bridge')),
  vxlan_add: op('vxlan_add', 'vxlan_add NAME vni=N local=IP remote=IP [dstport=4789] [dev=DEV]', ['name', 'vni'], ['name'], needs('vxlan')),
  link_up: op('link_up', 'link_up DEV', ['dev'], ['dev'], NET),
  link_down: op('link_down', 'link_down DEV', ['dev'], ['dev'], NET),
  link_move: op('link_move', 'link_move DEV to_ct=CT|to_netns=NS [name=NEW]', ['dev'], ['dev'], NET),
  link_rename: op('link_rename', 'link_rename DEV NAME', ['dev', 'name'], ['dev', 'name'], NET),
  link_master: op('link_master', 'link_master DEV BRIDGE', ['dev', 'master'], ['dev', 'master'], NET),
  link_del: op('link_del', 'link_del DEV', ['dev'], ['dev'], NET),
  addr_add: op('addr_add', 'addr_add DEV ADDR/PREFIX', ['dev', 'addr'], ['dev', 'addr'], NET),
  route_add: op('route_add', 'route_add DST [via=GW] [dev=DEV]', ['dst'], ['dst'], NET),
  sysctl: op('sysctl', 'sysctl KEY VALUE', ['key', 'value'], ['key', 'value'], NET),
  nat_masquerade: op('nat_masquerade', 'nat_masquerade TABLE SOURCE exclude_dev=BRIDGE', ['table', 'source'], ['table', 'source'], needs('netfilter')),
  nat_dnat: op('nat_dnat', 'nat_dnat TABLE PORT IP:PORT [proto=tcp]', ['table', 'port', 'to'], ['table', 'port', 'to'], needs('netfilter')),
  nat_del: op('nat_del', 'nat_del TABLE', ['table'], ['table'], NET),

  // Lab-made named network namespaces: "a host" of the networking lessons. The session
  // writes each one in the lesson's ledger scope before the core makes it, and lets net
  // ops (netns=, peer_netns=, to_netns=) act only in the ones this lesson made.
  netns_add: op('netns_add', 'netns_add bl-NAME', ['name'], ['name'], { ct: false }),
  netns_del: op('netns_del', 'netns_del bl-NAME', ['netns'], ['netns'], { ct: false, net: true }),
  // Cgroups (PROTOCOL.md "Cgroups"). A group is `cgroup` (one bl- name) beneath `parent`
  // (the lab's own group when absent); the session lets a lesson make and change only
  // its own groups, and writes each into its ledger before it is made (cgroup-guard.ts).
  cgroup_layout: op('cgroup_layout', 'cgroup_layout', [], [], CG),
  cgroup_plan: op('cgroup_plan', 'cgroup_plan GROUP [parent=PARENT] [controllers=memory,pids]', ['cgroup'], ['cgroup'], CG),
  cgroup_create: op('cgroup_create', 'cgroup_create GROUP [parent=PARENT] [controllers=memory,pids]', ['cgroup'], ['cgroup'], CG),
  cgroup_set: op('cgroup_set', 'cgroup_set GROUP FILE VALUE [controller=pids]', ['cgroup', 'file', 'value'], ['cgroup', 'file', 'value'], CG),
  cgroup_get: op('cgroup_get', 'cgroup_get GROUP FILE [controller=pids]', ['cgroup', 'file'], ['cgroup', 'file'], { ...CG, shows: (r) => String(r.value ?? '').trimEnd() }),
  cgroup_freeze: op('cgroup_freeze', 'cgroup_freeze GROUP', ['cgroup'], ['cgroup'], CG),
  cgroup_thaw: op('cgroup_thaw', 'cgroup_thaw GROUP', ['cgroup'], ['cgroup'], CG),
  cgroup_kill: op('cgroup_kill', 'cgroup_kill GROUP', ['cgroup'], ['cgroup'], CG),
  cgroup_remove: op('cgroup_remove', 'cgroup_remove GROUP', ['cgroup'], ['cgroup'], CG),
};

export const OP_NAMES = Object.keys(OPS);

// ---------------------------------------------------------------- security arguments

/** A value still holding `${name}` is checked once the session has filled it in (by the core). */
const unresolved = (v: string) => /\$\{\w+\}/.test(v);

function checkCaps(args: Record<string, unknown>): [string, string] | undefined {
  const usage = text.opWriteLike(OPS.caps!.usage);
  if (('keep' in args) === ('drop' in args)) return [text.opCapsKeepOrDrop, usage];
  for (const key of ['keep', 'drop', 'ambient']) {
    for (const word of (args[key] as string[] | undefined) ?? []) {
      if (unresolved(word) || capabilityName(word)) continue;
      return [text.opUnknownCap(key, word, suggest(word.toUpperCase().replace(/^(CAP_)?/, 'CAP_'), CAPABILITIES)), text.opCapNames];
    }
  }
  return undefined;
}

/** Seccomp actions besides an errno name (PROTOCOL.md). */
const SECCOMP_ACTIONS = ['allow', 'kill', 'kill_thread', 'kill_process', 'trap', 'log'];
const actionOk = (a: string) => SECCOMP_ACTIONS.includes(a) || /^E[A-Z0-9]+$/.test(a);

function checkSeccomp(args: Record<string, unknown>): [string, string] | undefined {
  for (const rule of args.rules as string[]) {
    if (unresolved(rule)) continue;
    const m = /^([a-z0-9_]+)(?::(.+))?$/.exec(rule);
    if (!m) return [text.opNotARule(rule), text.opSeccompFix(SECCOMP_ACTIONS)];
    if (m[2] !== undefined && !actionOk(m[2])) return [text.opUnknownAction(m[2], rule, suggest(m[2], SECCOMP_ACTIONS)), text.opSeccompFix(SECCOMP_ACTIONS)];
  }
  const def = args.default;
  if (typeof def === 'string' && !unresolved(def) && !actionOk(def)) return [text.opUnknownDefault(def, suggest(def, SECCOMP_ACTIONS)), text.opSeccompFix(SECCOMP_ACTIONS)];
  return undefined;
}

function checkPaths(args: Record<string, unknown>): [string, string] | undefined {
  const bad = (args.paths as string[]).find((p) => !p.startsWith('/') && !unresolved(p));
  return bad === undefined ? undefined : [text.opPathNotAbsolute(bad), text.opPathsFix];
}

const list = (v: unknown) => (Array.isArray(v) && v.length ? v.join(' ') : text.shownNone);

function showCaps(r: Record<string, unknown>): string {
  return text.shownCaps(list(r.effective), list(r.bounding), list(r.ambient));
}

/** The BPF program the core built and loaded, one instruction a line. */
function showProgram(r: Record<string, unknown>): string | undefined {
  return Array.isArray(r.program) ? r.program.join('\n') : undefined;
}

function showPaths(kind: 'masked' | 'readonly'): (r: Record<string, unknown>) => string {
  return (r) => text.shownPaths(kind, list(r.done), list(r.absent));
}

/** What a step shows of an op's result: the op's own view of it, else what a command printed. */
export function shownResult(op: string, result: unknown): string {
  const r = (result ?? {}) as Record<string, unknown>;
  const own = OPS[op]?.shows?.(r);
  if (own !== undefined) return own;
  return `${typeof r.stdout === 'string' ? r.stdout : ''}${typeof r.stderr === 'string' ? r.stderr : ''}`.trimEnd();
}

const NS_SET = new Set<string>(NAMESPACES);

/** Check one argument's value against its type; returns what is wrong, or undefined. */
function checkArg(type: ArgType, value: unknown): string | undefined {
  switch (type) {
    case 'string': return typeof value === 'string' ? undefined : text.argString;
    case 'int': return Number.isInteger(value) || (typeof value === 'string' && /^\$\{\w+\}$/.test(value)) ? undefined : text.argInt;
    case 'bool': return typeof value === 'boolean' ? undefined : text.argBool;
    case 'strings': return Array.isArray(value) && value.every((v) => typeof v === 'string') ? undefined : text.argStrings;
    case 'ns':
      if (!Array.isArray(value) || !value.every((v) => typeof v === 'string')) return text.argNamespaces(NAMESPACES);
      for (const v of value) if (!NS_SET.has(v)) return text.argNotNamespace(NAMESPACES, v);
      return undefined;
  }
}

/** What is wrong with an op and its arguments, as [what, fix], or undefined. */
export function validateOp(name: string, args: Record<string, unknown>): [string, string] | undefined {
  const spec = OPS[name];
  if (!spec) return [text.opUnknown(name, suggest(name, OP_NAMES)), text.opUseOneOf(OP_NAMES)];
  for (const [k, v] of Object.entries(args)) {
    const type = spec.args[k];
    if (!type) return [text.opNoArg(name, k, suggest(k, Object.keys(spec.args))), text.opArgsAre(Object.keys(spec.args))];
    const bad = checkArg(type, v);
    if (bad) return [text.opArgType(k, name, bad), text.opWriteLike(spec.usage)];
  }
  for (const r of spec.required) {
    if (!(r in args)) return [text.opNeedsArg(name, r), text.opAddArg(spec.usage)];
  }
  return spec.check?.(args);
}

/** Parse a REPL line: `clone pid,uts`, `mount tmpfs /mnt`, `sethostname name=box`. */
export function parseOpLine(line: string): { op: string; args: Record<string, unknown> } {
  const words = splitWords(line.trim());
  const name = words.shift();
  if (!name) throw new Error(text.replEmpty);
  const spec = OPS[name];
  if (!spec) throw new Error(text.opUnknown(name, suggest(name, OP_NAMES)));
  const args: Record<string, unknown> = {};
  const positional = [...spec.positional];
  for (let i = 0; i < words.length; i++) {
    const w = words[i]!;
    const kv = /^([a-z_]+)=(.*)$/s.exec(w);
    if (kv && spec.args[kv[1]!] && !(spec.rest && positional.length === 1 && positional[0] === 'argv' && i > 0)) {
      args[kv[1]!] = coerce(spec.args[kv[1]!]!, kv[2]!);
      continue;
    }
    const key = positional.shift();
    if (!key) throw new Error(text.replTooManyWords(name, spec.usage));
    const type = spec.args[key]!;
    if (spec.rest && positional.length === 0 && type === 'strings') {
      args[key] = words.slice(i);
      break;
    }
    args[key] = coerce(type, w);
  }
  const bad = validateOp(name, args);
  if (bad) throw new Error(text.replBad(bad[0], spec.usage));
  return { op: name, args };
}

function coerce(type: ArgType, w: string): unknown {
  switch (type) {
    case 'int': return /^-?\d+$/.test(w) ? Number(w) : w;
    case 'bool': return w === 'true' || w === '1' || w === 'yes';
    case 'strings':
    case 'ns': return w === '' ? [] : w.split(',');
    default: return w;
  }
}

/** Words as a shell splits them: quotes may sit anywhere in a word, so both
 *  `"uid=0 1000 1"` and `uid="0 1000 1"` are one word. */
export function splitWords(s: string): string[] {
  const out: string[] = [];
  const re = /(?:"((?:[^"\\]|\\.)*)"|'([^']*)'|([^\s"']+))+/g;
  for (let m; (m = re.exec(s)); ) {
    let word = '';
    for (const part of m[0].matchAll(/"((?:[^"\\]|\\.)*)"|'([^']*)'|([^\s"']+)/g)) {
      word += part[1] !== undefined ? part[1].replace(/\\(.)/g, '$1') : part[2] ?? part[3]!;
    }
    out.push(word);
  }
  return out;
}

/** Op names that start with what was typed: for tab completion. */
export function completeOp(prefix: string): string[] {
  return OP_NAMES.filter((n) => n.startsWith(prefix));
}

// ------------------------------------------------------------------ REPL helpers

/** Values an argument takes, by argument name, where PROTOCOL.md lists them: what tab
 *  completion offers. (`ns`-typed arguments offer the namespaces; booleans true/false.) */
export const ARG_CHOICES: Record<string, readonly string[]> = {
  type: ['proc', 'sysfs', 'tmpfs', 'bind', 'overlay', 'devpts', 'mqueue'],
  mode: ['private', 'slave', 'shared', 'unbindable'],
  setgroups: ['deny', 'allow'],
  stdio: ['inherit', 'null', 'pty'],
  proto: ['tcp', 'udp'],
  tool: ['nft', 'iptables'],
  sig: ['TERM', 'KILL', 'INT', 'HUP', 'QUIT', 'USR1', 'USR2', 'STOP', 'CONT'],
  what: ['uts', 'ipc'],
  dst: ['default'],
  default: ['allow', 'kill', 'kill_process', 'trap', 'log', 'EPERM', 'ENOSYS'],
};

/** Where each mount type usually goes: the target completion offers after the type. */
export const MOUNT_TARGETS: Record<string, string> = {
  proc: '/proc', sysfs: '/sys', tmpfs: '/tmp', devpts: '/dev/pts', mqueue: '/dev/mqueue',
};

/** The kernel views an op changes, so the REPL's before/after diff shows them even
 *  when the step before it looked elsewhere. */
export const OP_VIEWS: Record<string, ViewName[]> = {
  clone: ['ns', 'proc'], idmap: ['ids'], signal: ['proc'], wait: ['proc'], join: ['proc'], destroy: ['proc'],
  sethostname: ['uts'], setdomainname: ['uts'],
  propagation: ['mounts'], mount: ['mounts'], umount: ['mounts'], readonly: ['mounts'], devices: ['mounts'],
  pivot_root: ['mounts'], chroot: ['mounts'], spawn: ['proc'], exec: ['proc'],
  caps: ['ids'], no_new_privs: ['ids'], user: ['ids'], seccomp: ['ids'], masked_paths: ['mounts'], readonly_paths: ['mounts'],
  netns_add: ['net'],
  ...Object.fromEntries(Object.entries(OPS).filter(([, s]) => s.net).map(([name]) => [name, ['net'] as ViewName[]])),
};
