// The core's ops as lessons and the REPL name them: which arguments each takes, of what
// type, and how a typed line (`mount tmpfs /mnt`) maps onto them. native/PROTOCOL.md is
// the source; this table only knows enough to refuse a bad lesson early and to parse
// what a learner types. Running an op is always the same: send it to the core as is.
import { NAMESPACES } from '../core/index.ts';
import { CAPABILITIES, capabilityName } from '../kernel/views/ids.ts';
import { text } from '../ui/text.ts';
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

/** The arguments that name a network namespace (`prefix`: peer_, to_). */
const where = (prefix = ''): Record<string, ArgType> => ({ [`${prefix}ct`]: 'string', [`${prefix}pid`]: 'int', [`${prefix}netns`]: 'string' });
const WHERE = where();
const NET: Partial<OpSpec> = { net: true };
const needs = (feature: Feature): Partial<OpSpec> => ({ net: true, feature: () => feature });
/** A cgroup op acts on a group, not on a container. */
const CG: Partial<OpSpec> = { ct: false };
const GROUP: Record<string, ArgType> = { cgroup: 'string', parent: 'string' };
const GROUP_ARGS: Record<string, ArgType> = { ...GROUP, controllers: 'strings' };

const op = (usage: string, args: Record<string, ArgType>, required: string[], positional: string[], more: Partial<OpSpec> = {}): OpSpec =>
  ({ usage, args, required, positional, ct: true, ...more });

export const OPS: Record<string, OpSpec> = {
  hello: op('hello', {}, [], [], { ct: false, shows: (r) => text.shownHello(String(r.version), String(r.kernel), r.syscalls) }),
  clone: op('clone pid,uts,mnt,ipc,net,user,cgroup [cgroup=GROUP] [cgroup_parent=PARENT]', { ns: 'ns', cgroup: 'string', cgroup_parent: 'string' }, ['ns'], ['ns'], { ct: false }),
  idmap: op('idmap uid=MAP gid=MAP [setgroups=deny]', { ct: 'string', uid: 'string', gid: 'string', setgroups: 'string' }, [], []),
  signal: op('signal SIG', { ct: 'string', pid: 'int', sig: 'string' }, ['sig'], ['sig']),
  wait: op('wait [timeout_ms=N]', { ct: 'string', pid: 'int', timeout_ms: 'int' }, [], []),
  join: op('join CMD [ARG...]', { ct: 'string', pid: 'int', ns: 'ns', argv: 'strings', env: 'strings', cwd: 'string', capture: 'bool', timeout_ms: 'int' }, ['argv'], ['argv'], { rest: true }),
  probe: op('probe uts,ipc', { pid: 'int', what: 'strings' }, ['what'], ['what'], { ct: false }),
  destroy: op('destroy', { ct: 'string' }, [], []),
  list: op('list', {}, [], [], { ct: false }),
  sethostname: op('sethostname NAME', { ct: 'string', name: 'string' }, ['name'], ['name']),
  setdomainname: op('setdomainname NAME', { ct: 'string', name: 'string' }, ['name'], ['name']),
  propagation: op('propagation private|slave|shared|unbindable [PATH]', { ct: 'string', path: 'string', mode: 'string', recursive: 'bool' }, ['mode'], ['mode', 'path']),
  mount: op('mount TYPE TARGET [SOURCE] [OPTIONS]', {
    ct: 'string', type: 'string', target: 'string', source: 'string', options: 'string', readonly: 'bool',
    recursive: 'bool', lower: 'strings', upper: 'string', work: 'string', mkdir: 'bool',
  }, ['type', 'target'], ['type', 'target', 'source', 'options'], { feature: (a) => (a.type === 'overlay' ? 'overlay' : undefined) }),
  umount: op('umount TARGET', { ct: 'string', target: 'string', detach: 'bool' }, ['target'], ['target']),
  readonly: op('readonly TARGET', { ct: 'string', target: 'string' }, ['target'], ['target']),
  devices: op('devices ROOT', { ct: 'string', root: 'string' }, ['root'], ['root']),
  pivot_root: op('pivot_root ROOT', { ct: 'string', root: 'string' }, ['root'], ['root']),
  chroot: op('chroot ROOT', { ct: 'string', root: 'string' }, ['root'], ['root']),
  chdir: op('chdir PATH', { ct: 'string', path: 'string' }, ['path'], ['path']),
  spawn: op('spawn CMD [ARG...]', { ct: 'string', argv: 'strings', env: 'strings', cwd: 'string', stdin: 'string', timeout_ms: 'int' }, ['argv'], ['argv'], { rest: true }),
  exec: op('exec CMD [ARG...]', { ct: 'string', argv: 'strings', env: 'strings', cwd: 'string', stdio: 'string' }, ['argv'], ['argv'], { rest: true }),
  // Security (PROTOCOL.md "Security"): inside ops that shrink what the container's
  // programs may do, for good; and the OCI runtime's masked and read-only paths.
  caps: op('caps keep=CAP,...|drop=CAP,... [ambient=CAP,...]', { ct: 'string', keep: 'strings', drop: 'strings', ambient: 'strings' }, [], [], { check: checkCaps, shows: showCaps }),
  no_new_privs: op('no_new_privs', { ct: 'string' }, [], []),
  user: op('user uid=UID gid=GID [groups=G,...]', { ct: 'string', uid: 'int', gid: 'int', groups: 'strings' }, ['uid', 'gid'], []),
  seccomp: op('seccomp NAME[:ACTION],... [default=ACTION]', { ct: 'string', rules: 'strings', default: 'string' }, ['rules'], ['rules'], { check: checkSeccomp, shows: showProgram }),
  masked_paths: op('masked_paths PATH,...', { ct: 'string', paths: 'strings' }, ['paths'], ['paths'], { check: checkPaths, shows: showPaths('masked') }),
  readonly_paths: op('readonly_paths PATH,...', { ct: 'string', paths: 'strings' }, ['paths'], ['paths'], { check: checkPaths, shows: showPaths('readonly') }),
  // Networking (PROTOCOL.md "Networking"). Where an op acts: `ct`, `pid` or `netns`; in a
  // lesson it defaults to the session's container, and the session refuses a container
  // that shares the host's network namespace (net: true).
  veth_add: op('veth_add NAME PEER [peer_ct=CT|peer_netns=NS]', { ...WHERE, name: 'string', peer: 'string', ...where('peer_') }, ['name', 'peer'], ['name', 'peer'], needs('veth')),
  bridge_add: op('bridge_add NAME', { ...WHERE, name: 'string' }, ['name'], ['name'], needs('bridge')),
  vxlan_add: op('vxlan_add NAME vni=N local=IP remote=IP [dstport=4789] [dev=DEV]', {
    ...WHERE, name: 'string', vni: 'int', local: 'string', remote: 'string', dstport: 'int', dev: 'string',
  }, ['name', 'vni'], ['name'], needs('vxlan')),
  link_up: op('link_up DEV', { ...WHERE, dev: 'string' }, ['dev'], ['dev'], NET),
  link_down: op('link_down DEV', { ...WHERE, dev: 'string' }, ['dev'], ['dev'], NET),
  link_move: op('link_move DEV to_ct=CT|to_netns=NS [name=NEW]', { ...WHERE, dev: 'string', name: 'string', ...where('to_') }, ['dev'], ['dev'], NET),
  link_rename: op('link_rename DEV NAME', { ...WHERE, dev: 'string', name: 'string' }, ['dev', 'name'], ['dev', 'name'], NET),
  link_master: op('link_master DEV BRIDGE', { ...WHERE, dev: 'string', master: 'string' }, ['dev', 'master'], ['dev', 'master'], NET),
  link_del: op('link_del DEV', { ...WHERE, dev: 'string' }, ['dev'], ['dev'], NET),
  addr_add: op('addr_add DEV ADDR/PREFIX', { ...WHERE, dev: 'string', addr: 'string' }, ['dev', 'addr'], ['dev', 'addr'], NET),
  route_add: op('route_add DST [via=GW] [dev=DEV]', { ...WHERE, dst: 'string', via: 'string', dev: 'string' }, ['dst'], ['dst'], NET),
  sysctl: op('sysctl KEY VALUE', { ...WHERE, key: 'string', value: 'string' }, ['key', 'value'], ['key', 'value'], NET),
  nat_masquerade: op('nat_masquerade TABLE SOURCE exclude_dev=BRIDGE', {
    ...WHERE, table: 'string', source: 'string', exclude_dev: 'string', tool: 'string',
  }, ['table', 'source'], ['table', 'source'], needs('netfilter')),
  nat_dnat: op('nat_dnat TABLE PORT IP:PORT [proto=tcp]', {
    ...WHERE, table: 'string', port: 'int', to: 'string', proto: 'string', localhost: 'bool', tool: 'string',
  }, ['table', 'port', 'to'], ['table', 'port', 'to'], needs('netfilter')),
  nat_del: op('nat_del TABLE', { ...WHERE, table: 'string', tool: 'string' }, ['table'], ['table'], NET),

  // Lab-made named network namespaces: "a host" of the networking lessons. The session
  // writes each one in the lesson's ledger scope before the core makes it, and lets net
  // ops (netns=, peer_netns=, to_netns=) act only in the ones this lesson made.
  netns_add: op('netns_add bl-NAME', { name: 'string' }, ['name'], ['name'], { ct: false }),
  netns_del: op('netns_del bl-NAME', { netns: 'string' }, ['netns'], ['netns'], { ct: false, net: true }),
  // Cgroups (PROTOCOL.md "Cgroups"). A group is `cgroup` (one bl- name) beneath `parent`
  // (the lab's own group when absent); the session lets a lesson make and change only
  // its own groups, and writes each into its ledger before it is made (cgroup-guard.ts).
  cgroup_layout: op('cgroup_layout', {}, [], [], CG),
  cgroup_plan: op('cgroup_plan GROUP [parent=PARENT] [controllers=memory,pids]', GROUP_ARGS, ['cgroup'], ['cgroup'], CG),
  cgroup_create: op('cgroup_create GROUP [parent=PARENT] [controllers=memory,pids]', GROUP_ARGS, ['cgroup'], ['cgroup'], CG),
  cgroup_set: op('cgroup_set GROUP FILE VALUE [controller=pids]', { ...GROUP, file: 'string', value: 'string', controller: 'string' }, ['cgroup', 'file', 'value'], ['cgroup', 'file', 'value'], CG),
  cgroup_get: op('cgroup_get GROUP FILE [controller=pids]', { ...GROUP, file: 'string', controller: 'string' }, ['cgroup', 'file'], ['cgroup', 'file'], { ...CG, shows: (r) => String(r.value ?? '').trimEnd() }),
  cgroup_freeze: op('cgroup_freeze GROUP', { ...GROUP, timeout_ms: 'int' }, ['cgroup'], ['cgroup'], CG),
  cgroup_thaw: op('cgroup_thaw GROUP', { ...GROUP, timeout_ms: 'int' }, ['cgroup'], ['cgroup'], CG),
  cgroup_kill: op('cgroup_kill GROUP', { ...GROUP, timeout_ms: 'int' }, ['cgroup'], ['cgroup'], CG),
  cgroup_remove: op('cgroup_remove GROUP', { ...GROUP, timeout_ms: 'int' }, ['cgroup'], ['cgroup'], CG),
};

export const OP_NAMES = Object.keys(OPS);

// ---------------------------------------------------------------- security arguments

/** A value still holding `${name}` is checked once the session has filled it in (by the core). */
const unresolved = (v: string) => /\$\{\w+\}/.test(v);

function checkCaps(args: Record<string, unknown>): [string, string] | undefined {
  const usage = `write it like: ${OPS.caps!.usage}`;
  if (('keep' in args) === ('drop' in args)) return ['op caps needs exactly one of "keep" (the capabilities to keep) or "drop" (those to take away)', usage];
  for (const key of ['keep', 'drop', 'ambient']) {
    for (const word of (args[key] as string[] | undefined) ?? []) {
      if (unresolved(word) || capabilityName(word)) continue;
      return [`argument ${key} of op caps: unknown capability "${word}"${suggest(word.toUpperCase().replace(/^(CAP_)?/, 'CAP_'), CAPABILITIES)}`,
        'capability names as in capabilities(7): CAP_CHOWN, CAP_KILL, net_bind_service ... (the CAP_ prefix and the case are optional)'];
    }
  }
  return undefined;
}

/** Seccomp actions besides an errno name (PROTOCOL.md). */
const SECCOMP_ACTIONS = ['allow', 'kill', 'kill_thread', 'kill_process', 'trap', 'log'];
const actionOk = (a: string) => SECCOMP_ACTIONS.includes(a) || /^E[A-Z0-9]+$/.test(a);
const SECCOMP_FIX = 'rules are NAME (fails with EPERM) or NAME:ACTION, e.g. mkdir, uname:ENOSYS, reboot:kill; actions: ' +
  `${SECCOMP_ACTIONS.join(', ')} or an errno name (EPERM, ENOSYS, ...)`;

function checkSeccomp(args: Record<string, unknown>): [string, string] | undefined {
  for (const rule of args.rules as string[]) {
    if (unresolved(rule)) continue;
    const m = /^([a-z0-9_]+)(?::(.+))?$/.exec(rule);
    if (!m) return [`argument rules of op seccomp: "${rule}" is not a rule`, SECCOMP_FIX];
    if (m[2] !== undefined && !actionOk(m[2])) return [`argument rules of op seccomp: unknown action "${m[2]}" in "${rule}"${suggest(m[2], SECCOMP_ACTIONS)}`, SECCOMP_FIX];
  }
  const def = args.default;
  if (typeof def === 'string' && !unresolved(def) && !actionOk(def)) return [`argument default of op seccomp: unknown action "${def}"${suggest(def, SECCOMP_ACTIONS)}`, SECCOMP_FIX];
  return undefined;
}

function checkPaths(args: Record<string, unknown>): [string, string] | undefined {
  const bad = (args.paths as string[]).find((p) => !p.startsWith('/') && !unresolved(p));
  return bad === undefined ? undefined : [`path "${bad}" is not absolute`, 'give paths as the container sees them, e.g. /proc/kcore,/sys/firmware'];
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
export function checkArg(type: ArgType, value: unknown): string | undefined {
  switch (type) {
    case 'string': return typeof value === 'string' ? undefined : 'a string';
    case 'int': return Number.isInteger(value) || (typeof value === 'string' && /^\$\{\w+\}$/.test(value)) ? undefined : 'an integer';
    case 'bool': return typeof value === 'boolean' ? undefined : 'true or false';
    case 'strings': return Array.isArray(value) && value.every((v) => typeof v === 'string') ? undefined : 'a list of strings';
    case 'ns':
      if (!Array.isArray(value) || !value.every((v) => typeof v === 'string')) return `a list of namespaces (${NAMESPACES.join(', ')})`;
      for (const v of value) if (!NS_SET.has(v)) return `a list of namespaces (${NAMESPACES.join(', ')}); "${v}" is not one`;
      return undefined;
  }
}

/** What is wrong with an op and its arguments, as [what, fix], or undefined. */
export function validateOp(name: string, args: Record<string, unknown>): [string, string] | undefined {
  const spec = OPS[name];
  if (!spec) return [`unknown op "${name}"${suggest(name, OP_NAMES)}`, `use one of: ${OP_NAMES.join(', ')}`];
  for (const [k, v] of Object.entries(args)) {
    const type = spec.args[k];
    if (!type) return [`op ${name} has no argument "${k}"${suggest(k, Object.keys(spec.args))}`, `its arguments are: ${Object.keys(spec.args).join(', ') || 'none'}`];
    const bad = checkArg(type, v);
    if (bad) return [`argument ${k} of op ${name} must be ${bad}`, `write it like: ${spec.usage}`];
  }
  for (const r of spec.required) {
    if (!(r in args)) return [`op ${name} needs the argument "${r}"`, `add it under args:, e.g. ${spec.usage}`];
  }
  return spec.check?.(args);
}

/** Parse a REPL line: `clone pid,uts`, `mount tmpfs /mnt`, `sethostname name=box`. */
export function parseOpLine(line: string): { op: string; args: Record<string, unknown> } {
  const words = splitWords(line.trim());
  const name = words.shift();
  if (!name) throw new Error('empty line');
  const spec = OPS[name];
  if (!spec) throw new Error(`unknown op "${name}"${suggest(name, OP_NAMES)}`);
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
    if (!key) throw new Error(`too many words for ${name}; usage: ${spec.usage}`);
    const type = spec.args[key]!;
    if (spec.rest && positional.length === 0 && type === 'strings') {
      args[key] = words.slice(i);
      break;
    }
    args[key] = coerce(type, w);
  }
  const bad = validateOp(name, args);
  if (bad) throw new Error(`${bad[0]} — usage: ${spec.usage}`);
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

/** ` (did you mean X?)` when a close name exists, else ''. */
export function suggest(word: string, names: readonly string[]): string {
  let best: string | undefined;
  let bestD = 3;
  for (const n of names) {
    const d = distance(word, n);
    if (d < bestD) { bestD = d; best = n; }
  }
  return best && best !== word ? ` (did you mean "${best}"?)` : '';
}

export function distance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0]![j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      d[i]![j] = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
  }
  return d[a.length]![b.length]!;
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
