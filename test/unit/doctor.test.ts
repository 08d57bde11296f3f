// boxlab doctor: its parsers on recorded /proc text (test/fixtures/proc), its lesson
// verdicts on made-up findings, and the real probes on this machine.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../../src/core/index.ts';
import { allChecks, cgroupLayout, FEATURE_NEEDS, judgeLesson, type Check } from '../../src/doctor/index.ts';
import { kernelFix, KERNEL_NEEDS } from '../../src/doctor/kernel.ts';
import { checkCgroups, hostKind, iptablesBackend, rootPropagation, usernsBlocker } from '../../src/doctor/checks.ts';
import { kernelAtLeast } from '../../src/kernel/release.ts';
import { FEATURES, type LessonSummary } from '../../src/lessons/schema.ts';
import { loadAll, summarize } from '../../src/lessons/loader.ts';
import { machineChecks } from '../../src/ui/summary.ts';

const fixture = (name: string) => readFileSync(join(repoRoot(), 'test', 'fixtures', 'proc', name), 'utf8');
const isRoot = process.getuid?.() === 0;

// mountinfo as three kinds of host print it (trimmed to the lines that decide).
const V2 = '30 23 0:26 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:4 - cgroup2 cgroup2 rw,nsdelegate,memory_recursiveprot\n';
const HYBRID = [
  '25 21 0:22 / /sys/fs/cgroup ro,nosuid,nodev,noexec shared:9 - tmpfs tmpfs ro,mode=755',
  '26 25 0:23 / /sys/fs/cgroup/unified rw,nosuid,nodev,noexec,relatime shared:10 - cgroup2 cgroup2 rw,nsdelegate',
  '28 25 0:25 / /sys/fs/cgroup/memory rw,nosuid,nodev,noexec,relatime shared:12 - cgroup cgroup rw,memory',
].join('\n');
const V1 = [
  '25 21 0:22 / /sys/fs/cgroup ro,nosuid,nodev,noexec shared:9 - tmpfs tmpfs ro,mode=755',
  '28 25 0:25 / /sys/fs/cgroup/memory rw,nosuid,nodev,noexec,relatime shared:12 - cgroup cgroup rw,memory',
].join('\n');

describe('doctor parsers', () => {
  it('tells the cgroup layouts apart as runc does', () => {
    expect(cgroupLayout(V2)).toBe('v2');
    expect(cgroupLayout(HYBRID)).toBe('hybrid');
    expect(cgroupLayout(V1)).toBe('v1');
    expect(cgroupLayout('22 1 0:5 / /proc rw - proc proc rw\n')).toBe('none');
  });

  it('reports the core\'s look at the cgroups: layout, controllers, where groups go, and what is in the way', () => {
    const v2 = { layout: 'v2' as const, controllers: ['cpuset', 'cpu', 'io', 'memory', 'pids'], parent: '/sys/fs/cgroup', notes: [], problems: [] };
    expect(checkCgroups(v2)).toMatchObject({
      status: 'ok', detail: 'cgroup v2 (unified); controllers: cpuset cpu io memory pids', more: ['groups go beneath /sys/fs/cgroup'],
    });
    const session = { ...v2, parent: '/sys/fs/cgroup/user.slice/session-1.scope', problems: ['/sys/fs/cgroup/user.slice/session-1.scope holds processes'] };
    expect(checkCgroups(session)).toMatchObject({ status: 'warn', fix: session.problems[0] });
    expect(checkCgroups({ layout: 'none', controllers: [], parent: '', notes: [], problems: ['no cgroup filesystem'] }))
      .toMatchObject({ status: 'missing', detail: 'no cgroup filesystem mounted; controllers: none' });
  });

  it('compares kernel versions', () => {
    expect(kernelAtLeast(5, 10, '6.1.0-26-amd64')).toBe(true);
    expect(kernelAtLeast(5, 11, '5.10.0-1-amd64')).toBe(false);
    expect(kernelAtLeast(5, 10, '5.10.0')).toBe(true);
    expect(kernelAtLeast(5, 11, '5.15.153.1-microsoft-standard-WSL2')).toBe(true);
  });

  it('names the sysctl that blocks unprivileged user namespaces', () => {
    expect(usernsBlocker({ 'user.max_user_namespaces': '63478' })).toBe('');
    expect(usernsBlocker({ 'user.max_user_namespaces': '0' })).toBe('user.max_user_namespaces=0');
    expect(usernsBlocker({ 'user.max_user_namespaces': '100', 'kernel.unprivileged_userns_clone': '0' })).toBe('kernel.unprivileged_userns_clone=0');
    expect(usernsBlocker({ 'user.max_user_namespaces': '100', 'kernel.apparmor_restrict_unprivileged_userns': '1' })).toBe('kernel.apparmor_restrict_unprivileged_userns=1');
  });

  it("reads iptables' backend from its version line", () => {
    expect(iptablesBackend('iptables v1.8.9 (nf_tables)')).toBe('nf_tables');
    expect(iptablesBackend('iptables v1.8.7 (legacy)')).toBe('legacy');
    expect(iptablesBackend('iptables v1.4.21')).toBeUndefined();
  });

  it('reads the propagation of / from mountinfo', () => {
    expect(rootPropagation(fixture('mountinfo.host'))).toBe('private');
    expect(rootPropagation(fixture('mountinfo.handmade'))).toBe('shared');
    expect(rootPropagation('40 1 8:1 / / rw master:1 - ext4 /dev/sda1 rw\n')).toBe('slave');
  });

  it('tells WSL, a container and a host apart', () => {
    expect(hostKind(fixture('version.wsl2'), { files: [] })).toBe('wsl');
    expect(hostKind(fixture('version.host'), { files: ['/.dockerenv'] })).toBe('container');
    expect(hostKind(fixture('version.host'), { files: [], pid1Environ: 'PATH=/bin\0container=podman\0' })).toBe('container');
    expect(hostKind(fixture('version.host'), { files: [], pid1Cgroup: '0::/system.slice/docker-0123abcd.scope\n' })).toBe('container');
    expect(hostKind(fixture('version.host'), { files: [], pid1Cgroup: '0::/init.scope\n' })).toBe('host');
  });
});

/** Findings as a machine might have them: everything there, then one thing taken away. */
function machine(change: (c: Record<string, Check>) => void = () => {}): Check[] {
  const ok = (id: string, facts: Record<string, boolean> = {}): Check => ({ id, title: id, status: 'ok', detail: `${id} here`, facts });
  const c: Record<string, Check> = {
    core: ok('core'),
    cgroup: ok('cgroup', { v1: true, v2: true }),
    userns: ok('userns', { unprivileged: true }),
    overlay: ok('overlay', { mount: true, userns: true }),
    loop: ok('loop', { usable: true }),
    netfilter: ok('netfilter', { nat: true }),
    links: ok('links', { tried: true, veth: true, bridge: true, vxlan: true }),
    seccomp: ok('seccomp', { filter: true }),
    engine: ok('engine'),
  };
  change(c);
  return Object.values(c);
}

const lesson = (over: Partial<LessonSummary>): LessonSummary => ({
  id: 'x', title: 'X', chapter: 'c', chapterNumber: 1, number: 1, summary: '', needs: 'root', features: [], file: '', steps: 1, checks: 0, tasks: 0, ...over,
});

describe('doctor verdicts', () => {
  it('has a way to judge every feature a lesson may name', () => {
    expect(Object.keys(FEATURE_NEEDS).sort()).toEqual([...FEATURES].sort());
  });

  it('names the modules and config options of every feature the kernel may lack (kernel-needs.json)', () => {
    for (const [feature, needs] of Object.entries(KERNEL_NEEDS)) {
      expect(FEATURES, feature).toContain(feature);
      expect(needs.modules.length + (needs.boot?.length ?? 0), feature).toBeGreaterThan(0);
      for (const c of needs.config) expect(c).toMatch(/^CONFIG_[A-Z0-9_]+$/);
    }
    expect(Object.keys(KERNEL_NEEDS).sort()).toEqual(['bridge', 'docker', 'loop', 'netfilter', 'overlay', 'veth', 'vxlan']);
    expect(kernelFix('netfilter', 'iptables')).toContain('nft_masq nft_fib_ipv4 nft_compat xt_addrtype');
    // A feature switched on at boot (AppArmor, for a lesson to come) has no module to load.
    const booted = { seccomp: { modules: [], boot: ['apparmor=1', 'security=apparmor'], config: ['CONFIG_SECURITY_APPARMOR'] } };
    expect(kernelFix('seccomp', 'nft', booted)).toBe('boot a kernel built with CONFIG_SECURITY_APPARMOR with apparmor=1 security=apparmor on its command line');
  });

  it.runIf(isRoot)('passes a lesson whose needs the machine meets', () => {
    expect(judgeLesson(lesson({ features: [...FEATURES] }), machine())).toMatchObject({ ok: true, why: [], fix: [] });
  });

  it('says why a lesson will not run, and what to do', () => {
    const noBridge = judgeLesson(lesson({ features: ['bridge', 'veth'] }), machine((c) => { c.links!.facts!.bridge = false; }));
    expect(noBridge.ok).toBe(false);
    expect(noBridge.why).toEqual(['the kernel cannot make bridge links here: its driver (CONFIG_BRIDGE) is neither built in nor loaded']);
    expect(noBridge.fix).toEqual(['load its module on the host, as root: modprobe bridge; or use a kernel built with CONFIG_BRIDGE']);
    const noNat = judgeLesson(lesson({ features: ['netfilter'] }), machine((c) => { c.netfilter = { ...c.netfilter!, status: 'warn', fix: kernelFix('netfilter'), facts: { nat: false } }; }));
    expect(noNat.fix[0]).toMatch(/^load the modules on the host, as root: modprobe -a nf_tables nft_chain_nat .*; or use a kernel built with CONFIG_NF_TABLES, /);
    const notTried = judgeLesson(lesson({ features: ['bridge'] }), machine((c) => { c.links!.facts = { tried: false }; c.links!.fix = 'run boxlab with sudo for the full course'; }));
    expect(notTried.why).toEqual(['not tried: a network namespace needs root or a user namespace (and unshare)']);
    const noCore = judgeLesson(lesson({}), machine((c) => { c.core!.status = 'missing'; }));
    expect(noCore.why).toContain('the core is not built');
    expect(noCore.fix).toContain('npm run build (needs a C compiler: apt-get install build-essential)');
  });

  it('names the package when the Docker engine is missing', () => {
    const v = judgeLesson(lesson({ features: ['docker'] }), machine((c) => {
      c.engine = { id: 'engine', title: 'Docker engine', status: 'warn', detail: 'dockerd is not installed: apt-get install docker.io', fix: 'apt-get install docker.io' };
    }));
    expect(v).toMatchObject({ ok: false, why: ['dockerd is not installed: apt-get install docker.io'], fix: ['apt-get install docker.io'] });
  });

  it('judges the Docker engine by what dockerd needs too: a bridge and NAT for docker0', () => {
    const bridgeless = machine((c) => { c.links!.facts!.bridge = false; });
    const noBridge = judgeLesson(lesson({ features: ['docker'] }), bridgeless);
    expect(noBridge).toMatchObject({ ok: false, why: judgeLesson(lesson({ features: ['bridge'] }), bridgeless).why });
    expect(noBridge.why[0]).toMatch(/bridge/);
    const noNat = judgeLesson(lesson({ features: ['docker'] }), machine((c) => { c.netfilter = { ...c.netfilter!, status: 'warn', detail: 'no NAT here', facts: { nat: false } }; }));
    expect(noNat).toMatchObject({ ok: false, why: ['no NAT here'] });
  });

  it('judges a rootless lesson by unprivileged user namespaces, even as root', () => {
    const blocked = machine((c) => { c.userns = { ...c.userns!, status: 'warn', fix: 'sysctl -w user.max_user_namespaces=15000 (as root) allows them', facts: { unprivileged: false } }; });
    const v = judgeLesson(lesson({ needs: 'rootless', features: ['ns-user'] }), blocked);
    expect(v.ok).toBe(false);
    expect(v.fix).toContain('sysctl -w user.max_user_namespaces=15000 (as root) allows them');
    const noOverlay = judgeLesson(lesson({ needs: 'rootless', features: ['overlay'] }), machine((c) => { c.overlay!.facts!.userns = false; }));
    expect(noOverlay.why).toEqual(['overlayfs cannot be mounted inside a user namespace here']);
    // As root, the same machine runs a root lesson's overlay.
    if (isRoot) expect(judgeLesson(lesson({ features: ['overlay'] }), machine((c) => { c.overlay!.facts!.userns = false; })).ok).toBe(true);
  });

  it('reads cgroup-v1 and cgroup-v2 as the layouts a lesson runs on: one of them must be here', () => {
    const v2only = machine((c) => { c.cgroup!.facts = { v1: false, v2: true }; });
    expect(judgeLesson(lesson({ features: ['cgroup-v1', 'cgroup-v2'] }), v2only).why).toEqual([]);
    expect(judgeLesson(lesson({ features: ['cgroup-v1'] }), v2only).why).toEqual(['needs cgroup v1, which this machine does not mount']);
    expect(judgeLesson(lesson({ features: ['cgroup-v2'] }), v2only).why).toEqual([]);
  });
});

describe.runIf(isRoot)('doctor on this machine', () => {
  it('checks every fact it promises, each with a finding, and a fix for what is missing', async () => {
    const checks = await allChecks();
    expect(checks.map((c) => c.id)).toEqual(['kernel', 'root', 'core', 'cgroup', 'userns', 'overlay', 'loop', 'netfilter', 'links', 'seccomp', 'kvm', 'peers', 'engine', 'propagation', 'host']);
    for (const c of checks) {
      expect(c.detail.length).toBeGreaterThan(0);
      if (c.status !== 'ok' && c.id !== 'kvm') expect(c.fix).toBeTruthy();
    }
    // What can only be known by trying was tried, in namespaces that are gone again.
    const byId = new Map(checks.map((c) => [c.id, c]));
    expect(byId.get('overlay')!.detail).toMatch(/tried in a throwaway mount namespace|could not be mounted/);
    expect(byId.get('links')!.detail).toMatch(/throwaway network namespace|did not make/);
    expect(byId.get('userns')!.detail).toMatch(/tried as nobody|cannot make one/);
    expect(byId.get('cgroup')!.detail).toContain(cgroupLayout() === 'none' ? 'no cgroup' : 'controllers');
  });

  it("the home screen's verdicts, from its quicker checks, are the doctor's", async () => {
    const { lessons } = await loadAll();
    const [home, full] = await Promise.all([machineChecks(), allChecks()]);
    const verdict = (l: LessonSummary, checks: Check[]) => { const v = judgeLesson(l, checks); return { id: v.id, ok: v.ok, why: v.why }; };
    for (const l of lessons.map(summarize)) expect(verdict(l, home), l.id).toEqual(verdict(l, full));
  });

  it('prints a report and says by its exit status whether the course can run', () => {
    const r = spawnSync('node', [join(repoRoot(), 'dist', 'boxlab.mjs'), 'doctor', '--json'], { encoding: 'utf8' });
    const report = JSON.parse(r.stdout);
    expect(r.status).toBe(report.fullCourse ? 0 : 1);
    expect(report.chapters.length).toBeGreaterThan(0);
    expect(report.lessonErrors).toEqual([]);
    for (const ch of report.chapters) for (const l of ch.lessons) expect(l.ok || (l.why.length > 0 && l.fix.length === l.why.length)).toBe(true);
  });
});
