// The doctor's verdict against what actually runs, on a kernel that lacks modules. Runs
// in the cgroup-v2 guest booted with BOXLAB_VM_WITHHOLD (test/vm/v2.sh withholds bridge,
// vxlan and nf_tables); elsewhere it is skipped, since no test may unload a module of the host.
//
// Every lesson whose features need a withheld module must be judged "will not run here"
// with the feature, the module to load and the config option named; every other lesson
// must be judged runnable. And running agrees: a lesson the doctor turns away fails at
// the kernel's refusal, which the core explains by name (modprobe bridge, CONFIG_BRIDGE)
// instead of "the kernel refused the call"; a lesson it passes, runs.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Core, repoRoot } from '../../src/core/index.ts';
import type { DoctorReport } from '../../src/doctor/index.ts';
import { KERNEL_NEEDS } from '../../src/doctor/kernel.ts';
import { loadAll, summarize } from '../../src/lessons/loader.ts';
import type { Feature } from '../../src/lessons/schema.ts';
import { failure } from '../helpers/core.ts';

const run = promisify(execFile);
const CLI = join(repoRoot(), 'dist', 'boxlab.mjs');
const withheld = (process.env.BOXLAB_VM_WITHHELD ?? '').split(/\s+/).filter(Boolean);
const inGuest = process.env.BOXLAB_VM === '1' && withheld.length > 0;

/** The features that lose a module they need (nft's own modules: the lab's default tool). */
const lost = (Object.entries(KERNEL_NEEDS) as [Feature, { modules: string[] }][])
  .filter(([, needs]) => needs.modules.some((m) => withheld.includes(m)))
  .map(([feature]) => feature);

const { lessons } = await loadAll();
const summaries = lessons.map(summarize);
const blocked = (features: Feature[]) => features.some((f) => lost.includes(f));

// The lessons keep their state under a root of this file's own, as test/course does.
const stateRoot = mkdtempSync(join(tmpdir(), 'bl-withheld-'));
const env = { ...process.env, FORCE_COLOR: '0', BOXLAB_STATE_DIR: stateRoot };
afterAll(() => rmSync(stateRoot, { recursive: true, force: true }));

describe.runIf(inGuest)(`on a kernel without ${withheld.join(', ') || '(nothing withheld)'}`, () => {
  let report: DoctorReport;
  let printed: string;
  beforeAll(async () => {
    const json = await run(process.execPath, [CLI, 'doctor', '--json'], { env }).catch((e: { stdout: string }) => e);
    report = JSON.parse(json.stdout) as DoctorReport;
    printed = (await run(process.execPath, [CLI, 'doctor'], { env }).catch((e: { stdout: string }) => e)).stdout;
  }, 120_000);

  it('withholds what the course needs: the test would prove nothing otherwise', () => {
    expect(lost).toEqual(expect.arrayContaining(['bridge']));
    expect(summaries.filter((l) => blocked(l.features)).length).toBeGreaterThan(0);
    expect(summaries.filter((l) => !blocked(l.features)).length).toBeGreaterThan(0);
  });

  it('judges every lesson that needs a withheld module "will not run here", and why; and no other', () => {
    const verdicts = report.chapters.flatMap((c) => c.lessons);
    expect(verdicts.map((v) => v.id).sort()).toEqual(summaries.map((l) => l.id).sort());
    for (const l of summaries) {
      const v = verdicts.find((x) => x.id === l.id)!;
      expect({ id: l.id, ok: v.ok, why: v.why }).toEqual({ id: l.id, ok: !blocked(l.features), why: blocked(l.features) ? expect.anything() : [] });
      if (!l.features.includes('bridge') || !lost.includes('bridge')) continue;
      expect(v.why).toContain('the kernel cannot make bridge links here: its driver (CONFIG_BRIDGE) is neither built in nor loaded');
      expect(v.fix).toContain('load its module on the host, as root: modprobe bridge; or use a kernel built with CONFIG_BRIDGE');
    }
    expect(report.fullCourse).toBe(false);
  });

  it('says so in the words a person reads', () => {
    expect(printed).toMatch(/^4\. Networking: will not run here$/m);
    expect(printed).toMatch(/^ {3}bridge: the kernel cannot make bridge links here: its driver \(CONFIG_BRIDGE\) is neither built in nor loaded$/m);
    expect(printed).toMatch(/-> load its module on the host, as root: modprobe bridge; or use a kernel built with CONFIG_BRIDGE$/m);
    expect(printed).toMatch(/^1\. Namespaces: runs here$/m);
  });

  it('a lesson it turns away fails at the kernel\'s refusal, explained by name', async () => {
    const r = await run(process.execPath, [CLI, 'lesson', 'bridge', '--yes'], { env }).catch((e: { code: number; stdout: string }) => e);
    expect('code' in r ? r.code : 0).not.toBe(0);
    expect(r.stdout).toContain('Unknown device type');
    expect(r.stdout).toContain('this kernel cannot make bridges: the bridge driver (CONFIG_BRIDGE) is neither built in nor loaded');
    expect(r.stdout).toContain('modprobe bridge');
    expect(r.stdout).not.toContain('the kernel refused the call');
  }, 300_000);

  it('a lesson it passes runs: the network namespace lesson needs veth only', async () => {
    expect(blocked(summaries.find((l) => l.id === 'net')!.features)).toBe(false);
    const r = await run(process.execPath, [CLI, 'lesson', 'net', '--yes', '--json'], { env, maxBuffer: 64 << 20 });
    expect(JSON.parse(r.stdout).ok).toBe(true);
  }, 600_000);

  it.each((['veth', 'bridge', 'vxlan'] as const).filter((k) => withheld.includes(k)))('a %s link the kernel cannot make is explained by name', async (kind) => {
    const core = await Core.start();
    try {
      await core.netnsAdd('bl-withheld');
      const args = { netns: 'bl-withheld', name: 'bl-x', ...(kind === 'veth' ? { peer: 'bl-y' } : kind === 'vxlan' ? { vni: 42 } : {}) };
      const err = await failure(core.call(`${kind}_add`, args));
      expect(err.errno).toBe('EOPNOTSUPP');
      expect(err.message).toContain('Unknown device type');
      expect(err.explain).toContain(`(CONFIG_${kind.toUpperCase()}) is neither built in nor loaded`);
      expect(err.hint).toContain(`modprobe ${kind}`);
    } finally {
      await core.call('netns_del', { netns: 'bl-withheld' }).catch(() => {});
      await core.close();
    }
  }, 120_000);

  it.runIf(withheld.includes('nf_tables'))('a NAT rule the kernel cannot make is explained by its modules', async () => {
    const core = await Core.start();
    try {
      await core.netnsAdd('bl-withheld');
      const err = await failure(core.natMasquerade({ netns: 'bl-withheld' }, 'bl-nat', '10.88.0.0/24'));
      // Without nf_tables there is no nfnetlink subsystem to talk to at all.
      expect(err.message).toMatch(/^nft exited with status \d+: .*Protocol not supported/);
      expect(err.hint).toContain('modprobe nf_tables nft_chain_nat');
      expect(err.hint).toContain('CONFIG_NF_TABLES');
    } finally {
      await core.call('netns_del', { netns: 'bl-withheld' }).catch(() => {});
      await core.close();
    }
  }, 120_000);
});
