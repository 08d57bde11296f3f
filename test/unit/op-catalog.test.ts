// One op catalog. The core says which ops it has and which arguments each reads (its
// `hello` reply, made from native/serve.c's and puppet.c's dispatch tables, whose
// argument readers refuse a name the table does not list). Everything else that
// names ops must agree with it: the copy the lessons' table is built from (OP_ARGS),
// the typed client, the lessons' table, the REPL's completion and native/PROTOCOL.md.
// Starting the core and asking hello changes nothing on the host.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Core, OP_ARGS, repoRoot, type CoreReply } from '../../src/core/index.ts';
import { NOT_IN_LESSONS, OP_NAMES, OPS } from '../../src/lessons/ops.ts';
import { complete } from '../../src/ui/complete.ts';

let catalog: Record<string, string[]>;
let core: Core;

beforeAll(async () => {
  core = await Core.start();
  catalog = (await core.hello()).ops;
});

afterAll(async () => {
  await core?.close();
});

const sorted = (names: Iterable<string>) => [...names].sort();

describe('the core', () => {
  it('lists its ops and their arguments in hello', () => {
    expect(catalog.mount).toContain('target');
    expect(catalog.mount).toContain('ct'); // the server's part of an inside op
    expect(Object.keys(catalog).some((op) => op.startsWith('_'))).toBe(false); // the puppet's internal ops stay inside
  });
});

describe('src/core/ops.ts OP_ARGS', () => {
  it('is the core catalog: the same ops, the same arguments in the same order', () => {
    expect(OP_ARGS).toEqual(catalog);
  });
});

describe('the client (src/core/client.ts)', () => {
  /** A Core whose requests are recorded instead of sent. */
  function recording() {
    const sent: { op: string; args: Record<string, unknown> }[] = [];
    const fake = Object.create(Core.prototype) as Core;
    Object.defineProperty(fake, 'call', {
      value: async (op: string, args: object = {}): Promise<CoreReply> => {
        sent.push({ op, args: { ...args } });
        return { op, ok: true, result: { containers: [] }, syscalls: [], shell: '' };
      },
    });
    return { fake, sent };
  }

  // One call of each method, with every optional argument given, so each argument the
  // method can send is sent.
  const calls: Record<string, ((c: Core) => Promise<unknown>)[]> = {
    hello: [(c) => c.hello()],
    clone: [(c) => c.clone(['pid'], { cgroup: 'bl-a', parent: 'bl-p' })],
    idmap: [(c) => c.idmap('c1', { uid: '0 1000 1', gid: '0 1000 1', setgroups: 'deny' })],
    sethostname: [(c) => c.sethostname('c1', 'box')],
    setdomainname: [(c) => c.setdomainname('c1', 'lab')],
    propagation: [(c) => c.propagation('c1', 'private', '/', true)],
    mount: [(c) => c.mount('c1', { type: 'overlay', target: '/m', source: 'o', options: 'x', readonly: true, recursive: true, lower: ['/l'], upper: '/u', work: '/w', mkdir: true })],
    umount: [(c) => c.umount('c1', '/m', true)],
    readonly: [(c) => c.readonly('c1', '/')],
    maskedPaths: [(c) => c.maskedPaths('c1', ['/proc/kcore'])],
    readonlyPaths: [(c) => c.readonlyPaths('c1', ['/proc/sys'])],
    devices: [(c) => c.devices('c1', '/r')],
    deviceNode: [(c) => c.deviceNode('c1', { path: '/r/dev/loop3', type: 'b', major: 7, minor: 3, mode: '0660', uid: 0, gid: 6, source: '/dev/loop3' })],
    pivotRoot: [(c) => c.pivotRoot('c1', '/r')],
    chroot: [(c) => c.chroot('c1', '/r')],
    chdir: [(c) => c.chdir('c1', '/')],
    spawnInside: [(c) => c.spawnInside('c1', ['true'], { env: ['A=1'], cwd: '/', stdin: 'x', timeout_ms: 5 })],
    exec: [(c) => c.exec('c1', ['true'], { env: ['A=1'], cwd: '/', stdio: 'pty' })],
    signal: [(c) => c.signal({ ct: 'c1' }, 'TERM'), (c) => c.signal({ pid: 1 }, 9)],
    wait: [(c) => c.wait({ ct: 'c1' }, 5), (c) => c.wait({ pid: 1 })],
    join: [(c) => c.join({ ct: 'c1' }, ['true'], { ns: ['uts'], env: ['A=1'], cwd: '/', capture: true, timeout_ms: 5 }), (c) => c.join({ pid: 1 }, ['true'])],
    probe: [(c) => c.probe(1, ['uts', 'ipc'])],
    destroy: [(c) => c.destroy('c1')],
    list: [(c) => c.list()],
    caps: [(c) => c.caps('c1', { keep: ['CAP_KILL'], ambient: ['CAP_KILL'] }), (c) => c.caps('c1', { drop: ['CAP_KILL'] })],
    noNewPrivs: [(c) => c.noNewPrivs('c1')],
    apparmorExec: [(c) => c.apparmorExec('c1', 'bl-default')],
    seccomp: [(c) => c.seccomp('c1', ['mkdir'], 'allow')],
    user: [(c) => c.user('c1', { uid: 1000, gid: 1000, groups: [27] })],
    netnsAdd: [(c) => c.netnsAdd('bl-n')],
    netnsDel: [(c) => c.netnsDel('bl-n')],
    vethAdd: [(c) => c.vethAdd({ ct: 'c1' }, 'a', 'b', { netns: 'bl-n' }), (c) => c.vethAdd({ pid: 1 }, 'a', 'b', { ct: 'c1' }), (c) => c.vethAdd({ netns: 'bl-n' }, 'a', 'b', { pid: 1 })],
    bridgeAdd: [(c) => c.bridgeAdd({}, 'bl0')],
    vxlanAdd: [(c) => c.vxlanAdd({ netns: 'bl-n' }, { name: 'vx', vni: 1, local: '10.0.0.1', remote: '10.0.0.2', dstport: 4789, dev: 'eth0' })],
    linkUp: [(c) => c.linkUp({ ct: 'c1' }, 'lo')],
    linkDown: [(c) => c.linkDown({ ct: 'c1' }, 'lo')],
    linkMove: [(c) => c.linkMove({}, 'a', { ct: 'c1' }, 'eth0'), (c) => c.linkMove({}, 'a', { netns: 'bl-n' }), (c) => c.linkMove({}, 'a', { pid: 1 })],
    linkRename: [(c) => c.linkRename({ ct: 'c1' }, 'a', 'b')],
    linkMaster: [(c) => c.linkMaster({}, 'a', 'bl0'), (c) => c.linkMaster({}, 'a', null)],
    linkDel: [(c) => c.linkDel({}, 'a')],
    addrAdd: [(c) => c.addrAdd({ ct: 'c1' }, 'eth0', '10.0.0.2/24')],
    routeAdd: [(c) => c.routeAdd({ ct: 'c1' }, { dst: 'default', via: '10.0.0.1', dev: 'eth0' })],
    sysctl: [(c) => c.sysctl({ ct: 'c1' }, 'net.ipv4.ip_forward', '1')],
    netDump: [(c) => c.netDump({ ct: 'c1' }), (c) => c.netDump({ pid: 1 }), (c) => c.netDump({ netns: 'bl-n' })],
    natMasquerade: [(c) => c.natMasquerade({}, 'bl-t', '10.0.0.0/24', 'bl0', 'nft')],
    natDnat: [(c) => c.natDnat({}, 'bl-t', { port: 8080, to: '10.0.0.2:80', proto: 'tcp', localhost: true, daddr: '127.0.0.11' }, 'iptables')],
    natDel: [(c) => c.natDel({}, 'bl-t', 'nft')],
    netIsolate: [(c) => c.netIsolate({}, 'bl-t', { bridge: 'bl-br-1', isolate: ['bl0'], subnet: '10.0.0.0/24', icc: false }, 'nft')],
    cgroupLayout: [(c) => c.cgroupLayout()],
    cgroupPlan: [(c) => c.cgroupPlan({ cgroup: 'bl-a', parent: 'bl-p' }, ['memory'])],
    cgroupCreate: [(c) => c.cgroupCreate({ cgroup: 'bl-a', parent: 'bl-p' }, ['memory'])],
    cgroupSet: [(c) => c.cgroupSet({ cgroup: 'bl-a', parent: 'bl-p' }, 'pids.max', '5', 'pids')],
    cgroupGet: [(c) => c.cgroupGet({ cgroup: 'bl-a', parent: 'bl-p' }, 'pids.max', 'pids')],
    cgroupFreeze: [(c) => c.cgroupFreeze({ cgroup: 'bl-a', parent: 'bl-p' })],
    cgroupThaw: [(c) => c.cgroupThaw({ cgroup: 'bl-a', parent: 'bl-p' })],
    cgroupKill: [(c) => c.cgroupKill({ cgroup: 'bl-a', parent: 'bl-p' })],
    cgroupRemove: [(c) => c.cgroupRemove({ cgroup: 'bl-a', parent: 'bl-p' })],
    cgroupDevices: [(c) => c.cgroupDevices({ cgroup: 'bl-a', parent: 'bl-p' }, ['allow c 1:3 rwm'])],
  };
  /** Methods of Core that are not ops. */
  const plumbing = ['constructor', 'call', 'send', 'sendRaw', 'onLine', 'failAll', 'close', 'gone', 'stdin', 'stdout', 'stderr', 'alive'];

  it('has a call above for every method (a new method needs one)', () => {
    const methods = Object.getOwnPropertyNames(Core.prototype).filter((m) => !plumbing.includes(m));
    expect(sorted(methods)).toEqual(sorted(Object.keys(calls)));
  });

  it('sends only ops the core has, with only the arguments each reads, and covers every op', async () => {
    const { fake, sent } = recording();
    for (const fns of Object.values(calls)) for (const fn of fns) await fn(fake);
    for (const { op, args } of sent) {
      expect(Object.keys(catalog), `op ${op}`).toContain(op);
      for (const key of Object.keys(args)) expect(catalog[op], `argument ${key} of ${op}`).toContain(key);
    }
    expect(sorted(new Set(sent.map((s) => s.op)))).toEqual(sorted(Object.keys(catalog)));
  });
});

describe("the lessons' op table (src/lessons/ops.ts)", () => {
  it('offers every op of the core but the ones it names as left out, with the same arguments', () => {
    expect(sorted([...OP_NAMES, ...Object.keys(NOT_IN_LESSONS)])).toEqual(sorted(Object.keys(catalog)));
    for (const name of OP_NAMES) expect(sorted(Object.keys(OPS[name]!.args)), name).toEqual(sorted(catalog[name]!));
  });

  it('requires and takes positionally only arguments the op has', () => {
    for (const name of OP_NAMES) {
      for (const a of [...OPS[name]!.required, ...OPS[name]!.positional]) expect(catalog[name], `${name} ${a}`).toContain(a);
    }
  });
});

describe("the REPL's completion (src/ui/complete.ts)", () => {
  const ctx = { containers: ['c1'], netns: [], vars: {} };

  it('offers the lessons\' ops as the first word', () => {
    expect(sorted(complete({ text: '', cursor: 0 }, ctx).candidates)).toEqual(sorted(OP_NAMES));
  });

  it("offers each op's arguments by name, and no other", () => {
    for (const name of OP_NAMES) {
      const line = `${name} `;
      const done = complete({ text: line, cursor: line.length }, ctx);
      // One candidate is filled in at once; several are listed.
      const offered = done.candidates.length ? done.candidates : [done.text.slice(line.length)];
      const names = offered.filter((c) => c.endsWith('=')).map((c) => c.slice(0, -1));
      expect(sorted(names), name).toEqual(sorted(catalog[name]!));
    }
  });
});

describe('native/PROTOCOL.md', () => {
  const doc = readFileSync(join(repoRoot(), 'native', 'PROTOCOL.md'), 'utf8');
  const ops = doc.slice(doc.indexOf('\n## Ops'), doc.indexOf('\n## OCI runtime'));
  /** Each table row: the ops it names and the argument names its second column gives. */
  const rows = ops.split('\n').filter((l) => l.startsWith('| `')).map((line) => {
    const cells = line.split(/(?<!\\)\|/).map((c) => c.trim());
    const ticked = (cell: string) => [...cell.matchAll(/`([^`]+)`/g)].map((m) => m[1]!);
    const args = new Set(ticked(cells[2]!));
    // "where" and "peer's where": the network namespace arguments (PROTOCOL.md, "Where an op acts").
    if (/\bwhere\b/.test(cells[2]!)) for (const a of ['ct', 'pid', 'netns']) args.add(a);
    if (/peer's where/.test(cells[2]!)) for (const a of ['peer_ct', 'peer_pid', 'peer_netns']) args.add(a);
    return { ops: ticked(cells[1]!), args };
  });

  it('has a row for every op of the core, and for no other', () => {
    expect(sorted(rows.flatMap((r) => r.ops))).toEqual(sorted(Object.keys(catalog)));
  });

  it("names every argument an op reads in the op's row", () => {
    const missing: Record<string, string[]> = {};
    for (const row of rows) {
      for (const op of row.ops) {
        const left = catalog[op]!.filter((a) => !row.args.has(a));
        if (left.length) missing[op] = left;
      }
    }
    expect(missing).toEqual({});
  });
});
