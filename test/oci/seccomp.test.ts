// Docker's default seccomp profile under boxcore and under runc, call by call: the same
// bundle, the same system calls made for real by a small static program (sysprobe.c),
// once through the x86_64 ABI (and x32's numbers) and once built -m32 through i386's.
// Each call's outcome (allowed, or the errno it got) must be the same under both
// runtimes, and the calls the profile decides are checked by name so that two equally
// wrong filters cannot pass.
import { spawnSync } from 'node:child_process';
import { copyFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fingerprint, isRoot, type HostFingerprint } from '../helpers/host.ts';
import { testRootfs } from '../helpers/rootfs.ts';
import { BOXCORE, endSideBySide, hasRunc, makeBundle, runtime, scratch, type Config } from './helpers.ts';

const PROFILE = join(import.meta.dirname, 'configs', 'moby-seccomp-default.json');
const PROBE_SOURCE = join(import.meta.dirname, 'sysprobe.c');
const X32 = 0x40000000;

interface MobyRule {
  names: string[]; action: string; errnoRet?: number; args?: unknown[];
  includes?: { caps?: string[]; arches?: string[]; minKernel?: string };
  excludes?: { caps?: string[]; arches?: string[] };
}

/** The profile as Docker puts it in a config.json on an x86_64 machine (moby's
 *  setupSeccomp): x86_64 with its sub-architectures, and the rules whose includes and
 *  excludes (capabilities, architectures, kernel version) hold for this container. */
export function mobySeccomp(caps: string[]): Config {
  const p = JSON.parse(readFileSync(PROFILE, 'utf8')) as { defaultAction: string; defaultErrnoRet: number;
    archMap: { architecture: string; subArchitectures: string[] }[]; syscalls: MobyRule[] };
  const x86 = p.archMap.find((a) => a.architecture === 'SCMP_ARCH_X86_64')!;
  const [major, minor] = spawnSync('uname', ['-r'], { encoding: 'utf8' }).stdout.split('.').map(Number);
  const kernelAtLeast = (v: string) => { const [a, b] = v.split('.').map(Number); return major! > a! || (major === a && minor! >= b!); };
  const holds = (r: MobyRule) =>
    (r.includes?.caps ?? []).every((c) => caps.includes(c)) && (r.includes?.arches ?? ['amd64']).includes('amd64') &&
    (!r.includes?.minKernel || kernelAtLeast(r.includes.minKernel)) &&
    !(r.excludes?.caps ?? []).some((c) => caps.includes(c)) && !(r.excludes?.arches ?? []).includes('amd64');
  return {
    defaultAction: p.defaultAction,
    defaultErrnoRet: p.defaultErrnoRet,
    architectures: [x86.architecture, ...x86.subArchitectures],
    syscalls: p.syscalls.filter(holds).map(({ names, action, errnoRet, args }) => ({ names, action, errnoRet, args })),
  };
}

/** The calls made, by ABI: [what it is, the call's numbers and arguments]. */
const CALLS: Record<'x86_64' | 'i386', [string, string][]> = {
  x86_64: [
    ['getuid allowed', '102'],
    ['personality(PER_LINUX) allowed by its argument', '135,0'],
    ['personality(0xffffffff) allowed by its argument', '135,4294967295'],
    ['personality(1) refused by its argument', '135,1'],
    ['socket(AF_UNIX) allowed by its argument', '41,1,1,0'],
    ['socket(AF_VSOCK) refused by its argument', '41,40,1,0'],
    ['clone3 refused with ENOSYS (errnoRet)', '435'],
    ['acct refused without CAP_SYS_PACCT', '163'],
    ['kexec_load refused by the default action', '246'],
    ['unshare refused without CAP_SYS_ADMIN', '272,67108864'],
    ['a number past every table gets ENOSYS', '1000'],
    ['x32 getuid: the filter allows it (the kernel may not have x32)', `${X32 | 102}`],
    ['x32 personality(1) refused by its argument', `${X32 | 135},1`],
    ['x32 kexec_load refused by the default action', `${X32 | 246}`],
  ],
  i386: [
    ['getuid32 allowed', '199'],
    ['personality(PER_LINUX) allowed by its argument', '136,0'],
    ['personality(1) refused by its argument', '136,1'],
    ['socket(AF_UNIX) allowed by its argument', '359,1,1,0'],
    ['socket(AF_VSOCK) refused by its argument', '359,40,1,0'],
    ['clone3 refused with ENOSYS (errnoRet)', '435'],
    ['acct refused without CAP_SYS_PACCT', '51'],
    ['kexec_load refused by the default action', '283'],
    ['getgid32 allowed (a name only i386 has)', '200'],
  ],
};

/** What each call must get: "ok", or the errno. */
const EXPECTED: Record<string, string> = {
  allowed: 'ok', 'allows it': 'ok', 'refused by its argument': 'err 1', ENOSYS: 'err 38', 'refused without': 'err 1',
  'default action': 'err 1',
};
const expectedOf = (what: string) => Object.entries(EXPECTED).find(([k]) => what.includes(k))?.[1];

let before: HostFingerprint;
let work: string;
let rootfs: Awaited<ReturnType<typeof testRootfs>>;
let n = 0;
const PREFIX = `bl-secc-${process.pid}-`;

/** gcc -m32 needs gcc-multilib; without it the i386 half is skipped, and says so. */
function build(out: string, m32: boolean): boolean {
  const r = spawnSync('gcc', ['-static', '-O2', ...(m32 ? ['-m32'] : []), '-o', out, PROBE_SOURCE], { encoding: 'utf8' });
  if (r.status !== 0 && m32) console.warn(`no i386 sysprobe (gcc -m32 needs gcc-multilib): ${r.stderr}`);
  return r.status === 0;
}

const runnable = isRoot && hasRunc();
let has32 = false;

beforeAll(async () => {
  if (!runnable) return;
  before = fingerprint();
  work = scratch('secc');
  rootfs = await testRootfs('busybox');
  expect(build(join(work, 'sysprobe64'), false)).toBe(true);
  has32 = build(join(work, 'sysprobe32'), true);
  copyFileSync(join(work, 'sysprobe64'), join(rootfs.dir, 'sysprobe64'));
  if (has32) copyFileSync(join(work, 'sysprobe32'), join(rootfs.dir, 'sysprobe32'));
});

afterAll(async () => {
  if (!runnable) return;
  await endSideBySide(work, rootfs, before);
});

/** Each call's outcome under a runtime, with a return value made "ok". */
function outcomes(rt: 'runc' | 'boxcore', bundle: string): string[] {
  const r = runtime(rt === 'runc' ? 'runc' : BOXCORE, join(work, rt), ['run', '--bundle', bundle, `${PREFIX}${++n}`]);
  expect(r.stderr.replace(/^boxcore run: warning.*\n/gm, ''), `${rt} said`).toBe('');
  expect(r.status, rt).toBe(0);
  return r.stdout.trim().split('\n').map((l) => l.replace(/^\S+ /, '').replace(/^ret -?\d+$/, 'ok'));
}

describe.runIf(runnable)("Docker's default seccomp profile: boxcore and runc, call by call", () => {
  for (const abi of ['x86_64', 'i386'] as const) {
    it(`${abi}: every call gets what it gets under runc, and what the profile says`, (ctx) => {
      if (abi === 'i386' && !has32) ctx.skip();
      const bundle = makeBundle(join(work, `bundle-${abi}`), rootfs.dir, (c) => {
        c.linux.seccomp = mobySeccomp(c.process.capabilities.bounding);
        c.process.args = [`/sysprobe${abi === 'i386' ? 32 : 64}`, 'call', ...CALLS[abi].map(([, call]) => call)];
      });
      const runc = outcomes('runc', bundle);
      const boxcore = outcomes('boxcore', bundle);
      const table = (o: string[]) => CALLS[abi].map(([what], i) => `${what}: ${o[i]}`);
      expect(table(boxcore)).toEqual(table(runc));
      for (const [i, [what]] of CALLS[abi].entries()) {
        const want = expectedOf(what);
        if (what.startsWith('x32 getuid')) expect(['ok', 'err 38']).toContain(boxcore[i]);
        else expect(`${what}: ${boxcore[i]}`).toBe(`${what}: ${want}`);
      }
    });
  }
});
