import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../../src/core/index.ts';
import { allChecks, cgroupLayout, featureProblem, judgeLesson } from '../../src/doctor/index.ts';
import { checkCgroups, kernelAtLeast } from '../../src/doctor/checks.ts';

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

describe('doctor', () => {
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
  });

  it('checks every fact it promises, each with a finding', async () => {
    const checks = await allChecks();
    expect(checks.map((c) => c.id)).toEqual(['kernel', 'root', 'core', 'cgroup', 'userns', 'overlay', 'loop', 'netfilter', 'kvm', 'peers', 'propagation', 'host']);
    for (const c of checks) {
      expect(c.detail.length).toBeGreaterThan(0);
      if (c.status !== 'ok' && c.id !== 'kvm') expect(c.fix).toBeTruthy();
    }
  });

  it('judges a lesson by its needs and features', async () => {
    const checks = await allChecks();
    const lesson = { id: 'x', title: 'X', chapter: 'c', chapterNumber: 1, number: 1, summary: '', needs: 'root' as const, features: ['ns-uts' as const], file: '', steps: 0, checks: 0, tasks: 0 };
    expect(judgeLesson(lesson, checks).ok).toBe(process.getuid?.() === 0);
    expect(featureProblem('ns-uts', checks)).toBeUndefined();
    const noCore = checks.map((c) => (c.id === 'core' ? { ...c, status: 'missing' as const } : c));
    expect(judgeLesson(lesson, noCore).why).toContain('the core is not built');
  });

  it('prints a report and says by its exit status whether the course can run', () => {
    const r = spawnSync('node', [join(repoRoot(), 'dist', 'boxlab.mjs'), 'doctor', '--json'], { encoding: 'utf8' });
    const report = JSON.parse(r.stdout);
    expect(r.status).toBe(report.fullCourse ? 0 : 1);
    expect(report.chapters.length).toBeGreaterThan(0);
    for (const ch of report.chapters) for (const l of ch.lessons) expect(l.ok || l.why.length > 0).toBe(true);
  });
});
