// boxcore as an OCI runtime, through its command line, on the real kernel: the
// lifecycle create -> start -> stopped -> delete, kill, exec, run, the refusals. Each
// test leaves the host as it found it (mounts, processes, ledgers, state and cgroups).
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, readdirSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isRoot } from '../helpers/host.ts';
import {
  BOXCORE, bc, createWithLog, makeBundle, newId, pidAlive, root, rootfs, state, until, useOciBed, work, type Config,
} from './helpers.ts';

useOciBed('ocil');
let bundles = 0;

/** A bundle running sh -c SCRIPT. */
function bundle(script: string, edit: (c: Config) => void = () => {}): string {
  return makeBundle(join(work, `bundle${++bundles}`), rootfs.dir, (c) => {
    c.process.args = ['sh', '-c', script];
    edit(c);
  });
}

const nsOf = (pid: number | 'self', ns: string) => readlinkSync(`/proc/${pid}/ns/${ns}`);

describe.runIf(isRoot)('boxcore as an OCI runtime: the lifecycle', () => {
  it('refuses create without an id, and makes nothing', () => {
    const b = bundle('true');
    const r = bc('create', '--bundle', b);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/container id is missing/);
    expect(existsSync(root)).toBe(false);
  });

  it('moves created -> running -> stopped, with the pid of an init in its own namespaces', async () => {
    const id = newId();
    const log = join(work, 'out.log');
    const b = bundle('echo started; exec sleep 1000');
    const r = createWithLog(BOXCORE, root, ['create', '--bundle', b, id], log);
    expect(r.status, r.stderr).toBe(0);

    const created = state(root, id);
    expect(created).toMatchObject({ ociVersion: expect.stringMatching(/^1\./), id, status: 'created', bundle: b });
    expect(pidAlive(created.pid)).toBe(true);
    // The init waits in the container's namespaces, PID 1 of its own PID namespace,
    // and has not run the program yet.
    expect(nsOf(created.pid, 'pid')).not.toBe(nsOf('self', 'pid'));
    expect(nsOf(created.pid, 'mnt')).not.toBe(nsOf('self', 'mnt'));
    expect(readFileSync(`/proc/${created.pid}/status`, 'utf8')).toMatch(/^NSpid:\s+\d+\s+1$/m);
    expect(readFileSync(log, 'utf8')).toBe('');

    expect(bc('start', id).status).toBe(0);
    const running = state(root, id);
    expect(running).toMatchObject({ status: 'running', pid: created.pid });
    await until(() => readFileSync(log, 'utf8').includes('started'));
    // The init became the program: same pid, now sleep.
    await until(() => readFileSync(`/proc/${created.pid}/cmdline`, 'utf8').split('\0')[0] === 'sleep');

    expect(bc('kill', id, 'KILL').status).toBe(0);
    await until(() => state(root, id).status === 'stopped');
    expect(state(root, id).pid).toBe(0);
    // A stopped container has no process to signal: an error, as runc's "container not running".
    const late = bc('kill', id, 'TERM');
    expect(late.status).not.toBe(0);
    expect(late.stderr).toMatch(/stopped|not running/);
    expect(bc('delete', id).status).toBe(0);
    expect(existsSync(join(root, id))).toBe(false);
    expect(bc('state', id).stderr).toMatch(/does not exist/);
  });

  it('refuses a second container with the same id, and leaves the first as it was', () => {
    const id = newId();
    const b = bundle('sleep 1000');
    expect(createWithLog(BOXCORE, root, ['create', '--bundle', b, id], join(work, 'log')).status).toBe(0);
    const first = state(root, id);
    const again = createWithLog(BOXCORE, root, ['create', '--bundle', b, id], join(work, 'log2'));
    expect(again.status).toBe(1);
    expect(readFileSync(join(work, 'log2'), 'utf8')).toMatch(/already exists/);
    expect(state(root, id)).toEqual(first);
    expect(bc('delete', id).status).toBe(0); // a created container goes without --force
    expect(pidAlive(first.pid)).toBe(false);
  });

  it('starts once: a second start says the container is running', () => {
    const id = newId();
    expect(createWithLog(BOXCORE, root, ['create', '--bundle', bundle('sleep 1000'), id], join(work, 'log')).status).toBe(0);
    expect(bc('start', id).status).toBe(0);
    const r = bc('start', id);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/is running, not created/);
  });

  it('kill sends the signal the container handles', async () => {
    const id = newId();
    const log = join(work, 'log');
    // PID 1 of a namespace gets only the signals it has a handler for.
    const b = bundle('trap "echo got TERM; exit 7" TERM; echo ready; while :; do sleep 0.05; done');
    expect(createWithLog(BOXCORE, root, ['create', '--bundle', b, id], log).status).toBe(0);
    expect(bc('start', id).status).toBe(0);
    await until(() => readFileSync(log, 'utf8').includes('ready'));
    expect(bc('kill', id, 'TERM').status).toBe(0);
    await until(() => state(root, id).status === 'stopped');
    expect(readFileSync(log, 'utf8')).toContain('got TERM');
    const bad = bc('kill', id, 'NOSUCH');
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/unknown signal/);
  });

  it('delete refuses a running container; delete --force kills it and everything in it', async () => {
    const id = newId();
    const b = bundle('sleep 1000 & sleep 1000');
    expect(createWithLog(BOXCORE, root, ['create', '--bundle', b, id], join(work, 'log')).status).toBe(0);
    expect(bc('start', id).status).toBe(0);
    const { pid } = state(root, id);
    const refused = bc('delete', id);
    expect(refused.status).toBe(1);
    expect(refused.stderr).toMatch(/is running/);
    expect(pidAlive(pid)).toBe(true);
    const children = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).map(Number);
    expect(children.length).toBe(1);

    expect(bc('delete', '--force', id).status).toBe(0);
    expect(pidAlive(pid)).toBe(false);
    await until(() => !pidAlive(children[0]!));
    expect(existsSync(join(root, id))).toBe(false);
  });

  it('pause freezes the container\'s cgroup and resume thaws it; a paused one goes with delete --force', async () => {
    const id = newId();
    const log = join(work, 'log');
    const b = bundle('i=0; while :; do i=$((i+1)); echo $i > /dev/shm/count; sleep 0.01; done');
    expect(createWithLog(BOXCORE, root, ['create', '--bundle', b, id], log).status).toBe(0);
    expect(bc('start', id).status).toBe(0);
    const { pid } = state(root, id);
    expect(readFileSync(`/proc/${pid}/cgroup`, 'utf8')).toMatch(new RegExp(`/${id}$`, 'm'));
    expect(bc('resume', id).stderr).toMatch(/is running, not paused/);
    expect(bc('pause', id).status).toBe(0);
    expect(state(root, id).status).toBe('paused');
    // Frozen: the loop does not go on.
    const count = () => readFileSync(`/proc/${pid}/root/dev/shm/count`, 'utf8');
    const first = count();
    await new Promise((r) => setTimeout(r, 200));
    expect(count()).toBe(first);
    expect(bc('resume', id).status).toBe(0);
    expect(state(root, id).status).toBe('running');
    await until(() => count() !== first);
    expect(bc('pause', id).status).toBe(0);
    expect(bc('delete', '--force', id).status).toBe(0);
    expect(pidAlive(pid)).toBe(false);
  });

  it('applies linux.resources to the cgroup, and a limit the kernel refuses undoes everything', () => {
    const id = newId();
    // (pids/pids.max in a v1 tree, pids.max on cgroup v2)
    const b = bundle('cat /sys/fs/cgroup/pids/pids.max 2>/dev/null || cat /sys/fs/cgroup/pids.max', (c) => {
      c.linux.resources = { pids: { limit: 7 } };
      c.linux.namespaces.push({ type: 'cgroup' }); // so the spec's cgroup mount shows its own group
    });
    const ok = bc('run', '--bundle', b, id);
    expect(ok.stdout, ok.stderr).toBe('7\n');
    const bad = bundle('true', (c) => { c.linux.resources = { cpu: { cpus: '9999' } }; });
    const r = bc('run', '--bundle', bad, newId());
    expect(r.status).toBe(125);
    expect(r.stderr).toMatch(/cpuset\.cpus/);
  });

  it('exec runs a program in the running container, with its status', () => {
    const id = newId();
    const b = bundle('sleep 1000', (c) => { c.hostname = 'inside'; });
    expect(createWithLog(BOXCORE, root, ['create', '--bundle', b, id], join(work, 'log')).status).toBe(0);
    expect(bc('start', id).status).toBe(0);
    const r = bc('exec', '--env', 'X=42', id, 'sh', '-c', 'echo $(hostname) $X $$; grep -c . /proc/1/cmdline; exit 5');
    expect(r.status).toBe(5);
    expect(r.stdout.split('\n')[0]).toMatch(/^inside 42 \d+$/);
    // The program joined the container's cgroup too.
    expect(bc('exec', id, 'cat', '/proc/self/cgroup').stdout).toMatch(new RegExp(`/${id}$`, 'm'));
    const asUser = bc('exec', '--user', '1000:1000', id, 'id');
    expect(asUser.stdout.trim()).toBe('uid=1000 gid=1000');
    const missing = bc('exec', id, 'no-such-program');
    expect(missing.status).toBe(127);
    expect(missing.stderr).toMatch(/no-such-program is not in the container's root/);
  });

  it('run makes, starts, waits for and deletes the container: its status is the program\'s', () => {
    const id = newId();
    const r = bc('run', '--bundle', bundle('hostname; echo $$; exit 3', (c) => { c.hostname = 'box'; }), id);
    expect(r.status).toBe(3);
    expect(r.stdout).toBe('box\n1\n');
    expect(existsSync(join(root, id))).toBe(false);
  });

  it('run --detach leaves it running (with a pid file); run --keep keeps a stopped one', () => {
    const id = newId();
    const pidFile = join(work, 'pid');
    const r = createWithLog(BOXCORE, root, ['run', '--detach', '--pid-file', pidFile, '--bundle', bundle('sleep 1000'), id], join(work, 'log'));
    expect(r.status).toBe(0);
    const s = state(root, id);
    expect(s.status).toBe('running');
    expect(readFileSync(pidFile, 'utf8')).toBe(String(s.pid));
    expect(bc('delete', '--force', id).status).toBe(0);
    const kept = newId();
    expect(bc('run', '--keep', '--bundle', bundle('exit 0'), kept).status).toBe(0);
    expect(state(root, kept).status).toBe('stopped');
    expect(bc('delete', kept).status).toBe(0);
  });

  it('run says why the program could not start: 127 when it is missing', () => {
    const id = newId();
    const b = bundle('true', (c) => { c.process.args = ['/no/such/program']; });
    const r = bc('run', '--bundle', b, id);
    expect(r.status).toBe(127);
    expect(r.stderr).toMatch(/execve \/no\/such\/program/);
    expect(existsSync(join(root, id))).toBe(false);
  });

  it('refuses a field it does not support, by name, and makes nothing', () => {
    const b = bundle('true', (c) => { c.linux.intelRdt = { closID: 'bl' }; });
    const r = bc('run', '--bundle', b, newId());
    expect(r.status).toBe(125);
    expect(r.stderr).toContain('config.json: linux.intelRdt is not supported by boxcore');
    expect(existsSync(root) ? readdirSync(root) : []).toEqual([]);
  });

  it.runIf(!existsSync('/sys/module/apparmor/parameters/enabled') && !existsSync('/sys/fs/selinux'))(
    'refuses an AppArmor profile or SELinux label on a host without that module, by name', () => {
      const cases: [(c: Config) => void, RegExp][] = [
        [(c) => { c.process.apparmorProfile = 'docker-default'; }, /process\.apparmorProfile "docker-default": this machine does not run AppArmor/],
        [(c) => { c.process.selinuxLabel = 'system_u:system_r:container_t:s0'; }, /process\.selinuxLabel .*does not run SELinux/],
        [(c) => { c.linux.mountLabel = 'system_u:object_r:container_file_t:s0'; }, /linux\.mountLabel .*does not run SELinux/],
      ];
      for (const [edit, message] of cases) {
        const r = bc('run', '--bundle', bundle('true', edit), newId());
        expect(r.status).toBe(125);
        expect(r.stderr).toMatch(message);
      }
      expect(existsSync(root) ? readdirSync(root) : []).toEqual([]);
    });

  it('says what is wrong with a config, naming the field, and makes nothing', () => {
    const cases: [string, (c: Config) => void, RegExp][] = [
      ['no args', (c) => { c.process.args = []; }, /process\.args is missing or empty/],
      ['a string uid', (c) => { c.process.user.uid = 'root'; }, /process\.user\.uid must be a whole number, not a string/],
      ['an unknown capability', (c) => { c.process.capabilities.bounding.push('CAP_FLY'); }, /process\.capabilities\.bounding: unknown capability "CAP_FLY"/],
      ['an unknown rlimit', (c) => { c.process.rlimits = [{ type: 'RLIMIT_FUN', soft: 1, hard: 1 }]; }, /process\.rlimits\[0\]\.type: unknown limit "RLIMIT_FUN"/],
      ['an unknown namespace', (c) => { c.linux.namespaces.push({ type: 'time' }); }, /linux\.namespaces\[5\]\.type: unknown or unsupported namespace "time"/],
      ['a namespace twice', (c) => { c.linux.namespaces.push({ type: 'pid' }); }, /the pid namespace is listed twice/],
      ['maps without a user namespace', (c) => { c.linux.uidMappings = [{ containerID: 0, hostID: 1000, size: 1 }]; }, /need a new user namespace/],
      ['a seccomp agent', (c) => { c.linux.seccomp = { defaultAction: 'SCMP_ACT_ALLOW', listenerPath: '/run/agent.sock' }; }, /linux\.seccomp\.listenerPath: .*not something boxcore does/],
      ['kernel.hostname as a sysctl', (c) => { c.linux.sysctl = { 'kernel.hostname': 'x' }; }, /kernel\.hostname conflicts with the "hostname" field/],
      ['an unknown architecture', (c) => { c.linux.seccomp = { defaultAction: 'SCMP_ACT_ALLOW', architectures: ['SCMP_ARCH_FLY'] }; }, /architectures\[0\]: "SCMP_ARCH_FLY" is not an architecture/],
      ['an unknown comparison', (c) => { c.linux.seccomp = { defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['getpid'], action: 'SCMP_ACT_ERRNO', args: [{ index: 0, value: 1, op: 'SCMP_CMP_FLY' }] }] }; }, /unknown comparison "SCMP_CMP_FLY"/],
      ['a seccomp notify', (c) => { c.linux.seccomp = { defaultAction: 'SCMP_ACT_NOTIFY' }; }, /defaultAction: SCMP_ACT_NOTIFY hands calls to a seccomp agent .* which boxcore does not do/],
      ['systemd cgroupsPath', (c) => { c.linux.cgroupsPath = 'system.slice:boxcore:x'; }, /slice:prefix:name form/],
      ['swap below memory', (c) => { c.linux.resources = { memory: { limit: 100 << 20, swap: 50 << 20 } }; }, /memory plus swap/],
      ['not JSON', () => {}, /is not JSON: expected a value at line 1, column 1/],
    ];
    for (const [what, edit, message] of cases) {
      const b = bundle('true', edit);
      if (what === 'not JSON') writeFileSync(join(b, 'config.json'), '}');
      const r = bc('run', '--bundle', b, newId());
      expect(r.status, what).toBe(125);
      expect(r.stderr, what).toMatch(message);
      expect(r.stderr, what).toMatch(/\n  try: /);
    }
    expect(existsSync(root) ? readdirSync(root) : []).toEqual([]);
  });

  it('makes the missing parents of a cgroupsPath, and removes them on delete', () => {
    const name = `bl-ocil-${process.pid}-parent`;
    const made = () => spawnSync('find', ['/sys/fs/cgroup', '-maxdepth', '5', '-type', 'd', '-name', name], { encoding: 'utf8' })
      .stdout.split('\n').filter(Boolean);
    const id = newId();
    const b = bundle('cat /proc/self/cgroup', (c) => { c.linux.cgroupsPath = `${name}/child`; });
    expect(createWithLog(BOXCORE, root, ['create', '--bundle', b, id], join(work, 'log')).status).toBe(0);
    expect(made().length).toBeGreaterThan(0);
    expect(bc('start', id).status).toBe(0);
    expect(bc('delete', '--force', id).status).toBe(0);
    expect(made()).toEqual([]);
  });

  it('takes linux.resources.memory.kernel with a warning, as runc does: the kernel has no such limit now', () => {
    const r = bc('run', '--bundle', bundle('true', (c) => { c.linux.resources = { memory: { kernel: 64 << 20, kernelTCP: 16 << 20 } }; }), newId());
    expect(r.status).toBe(0);
    expect(r.stderr).toMatch(/warning: linux\.resources\.memory\.kernel: kernel memory limits are ignored/);
  });

  it('applies rootfsPropagation unbindable, personality, ioPriority and scheduler to the program', () => {
    const r = bc('run', '--bundle', bundle(
      'awk \'$5 == "/" { print $7 }\' /proc/self/mountinfo; uname -m; ionice; cut -d" " -f19,41 /proc/self/stat',
      (c) => {
        c.linux.rootfsPropagation = 'unbindable';
        c.linux.personality = { domain: 'LINUX32' };
        c.process.ioPriority = { class: 'IOPRIO_CLASS_IDLE', priority: 0 };
        c.process.scheduler = { policy: 'SCHED_BATCH', nice: 5 };
      }), newId());
    expect(r.stderr).toBe('');
    // mountinfo's optional field, uname under linux32, ionice's class, then nice and
    // policy (SCHED_BATCH is 3) from /proc/self/stat.
    expect(r.stdout).toBe('unbindable\ni686\nidle\n5 3\n');
  });

  it('leaves out an ambient capability the kernel cannot raise, and says so', () => {
    const b = bundle('grep CapAmb /proc/self/status', (c) => { c.process.capabilities.ambient = ['CAP_KILL']; });
    const r = bc('run', '--bundle', b, newId());
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/CapAmb:\s+0000000000000000/);
    expect(r.stderr).toMatch(/warning: process\.capabilities\.ambient: CAP_KILL is not also permitted and inheritable/);
  });

  it('refuses what would change the host: no mount namespace, a host sysctl', () => {
    const noMnt = bundle('true', (c) => { c.linux.namespaces = c.linux.namespaces.filter((x: { type: string }) => x.type !== 'mount'); });
    expect(bc('run', '--bundle', noMnt, newId()).stderr).toMatch(/no mount namespace of the container's own/);
    const sysctl = bundle('true', (c) => { c.linux.sysctl = { 'kernel.panic': '1' }; });
    expect(bc('run', '--bundle', sysctl, newId()).stderr).toMatch(/kernel.panic is not namespaced/);
    const escape = bundle('true', (c) => { c.mounts.push({ destination: '/../etc', type: 'tmpfs', source: 'tmpfs' }); });
    expect(bc('run', '--bundle', escape, newId()).stderr).toMatch(/must be an absolute path without \.\./);
  });

  it('keeps mounts inside the rootfs even through a symlink that points at the host', () => {
    const id = newId();
    const rootCopy = join(work, 'rootfs');
    execFileSync('cp', ['-a', rootfs.dir, rootCopy]);
    execFileSync('ln', ['-s', '/etc', join(rootCopy, 'hostetc')]);
    const b = makeBundle(join(work, 'b-link'), rootCopy, (c) => {
      c.process.args = ['sh', '-c', 'ls /etc/bl-marker-dir && echo inside'];
      c.mounts.push({ destination: '/hostetc/bl-marker-dir', type: 'tmpfs', source: 'tmpfs' });
    });
    const r = bc('run', '--bundle', b, id);
    expect(r.stdout).toBe('inside\n');
    // The tmpfs went to ROOTFS/etc/bl-marker-dir, not to the host's /etc.
    expect(existsSync('/etc/bl-marker-dir')).toBe(false);
    expect(existsSync(join(rootCopy, 'etc', 'bl-marker-dir'))).toBe(true);
  });

  it('takes a mount away again, with the directories made for it, when its propagation call fails', () => {
    const rootCopy = join(work, 'rootfs-prop');
    execFileSync('cp', ['-a', rootfs.dir, rootCopy]);
    // Two propagation types at once: the bind mount works, then the kernel refuses the
    // propagation call (EINVAL: it takes exactly one type).
    const b = makeBundle(join(work, 'b-prop'), rootCopy, (c) => {
      c.mounts.push({ destination: '/bl-made/deeper', type: 'bind', source: work, options: ['rbind', 'shared', 'private'] });
    });
    const r = bc('run', '--bundle', b, newId());
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/make \S*bl-made\/deeper/);
    // The directories were made in the bundle's rootfs, on the host's disk: gone again.
    expect(existsSync(join(rootCopy, 'bl-made'))).toBe(false);
  });

  it('runs rootless: an unprivileged user, a user namespace, the state under XDG_RUNTIME_DIR', () => {
    chmodSync(work, 0o755);
    const xdg = join(work, 'xdg');
    mkdirSync(xdg);
    chownSync(xdg, 65534, 65534);
    const b = makeBundle(join(work, 'rootless'), rootfs.dir, (c) => {
      c.process.args = ['sh', '-c', 'id -u; cat /proc/self/uid_map; ls /dev/null'];
      c.linux.namespaces.push({ type: 'user' });
      c.linux.namespaces = c.linux.namespaces.filter((n: { type: string }) => n.type !== 'network');
      // What runc spec --rootless leaves out: sysfs (no network namespace of its own),
      // cgroups and their resources (nothing delegated), and gid=5 for devpts (not mapped).
      c.mounts = c.mounts.filter((m: { type: string }) => m.type !== 'sysfs' && m.type !== 'cgroup');
      delete c.linux.resources;
      for (const m of c.mounts) if (m.type === 'devpts') m.options = m.options.filter((o: string) => o !== 'gid=5');
      c.linux.uidMappings = [{ containerID: 0, hostID: 65534, size: 1 }];
      c.linux.gidMappings = [{ containerID: 0, hostID: 65534, size: 1 }];
    });
    const r = spawnSync('setpriv', ['--reuid', '65534', '--regid', '65534', '--clear-groups', BOXCORE, 'run', '--bundle', b, newId()],
      { encoding: 'utf8', env: { ...process.env, XDG_RUNTIME_DIR: xdg } });
    expect(r.stderr).toBe('');
    expect(r.stdout.split('\n').slice(0, 2).map((l) => l.trim().split(/\s+/).join(' '))).toEqual(['0', '0 65534 1']);
    expect(readdirSync(join(xdg, 'boxcore'))).toEqual([]);
  });

  it('lists its containers, and spec never overwrites a config', () => {
    const id = newId();
    expect(createWithLog(BOXCORE, root, ['create', '--bundle', bundle('sleep 1000'), id], join(work, 'log')).status).toBe(0);
    const list = JSON.parse(bc('list', '--format', 'json').stdout) as { id: string; status: string }[];
    expect(list.map((c) => [c.id, c.status])).toEqual([[id, 'created']]);
    expect(bc('list', '-q').stdout).toBe(`${id}\n`);
    const dir = join(work, 'spec');
    spawnSync('mkdir', [dir]);
    expect(spawnSync(BOXCORE, ['spec', '--bundle', dir]).status).toBe(0);
    writeFileSync(join(dir, 'config.json'), '{"mine": true}');
    const again = spawnSync(BOXCORE, ['spec', '--bundle', dir], { encoding: 'utf8' });
    expect(again.status).toBe(1);
    expect(again.stderr).toMatch(/exists already/);
    expect(readFileSync(join(dir, 'config.json'), 'utf8')).toBe('{"mine": true}');
  });
});
