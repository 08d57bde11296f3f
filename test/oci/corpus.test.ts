// The configs real tools write (test/oci/configs/, README.md there says how each was
// made), each run through create -> start -> stopped -> delete under boxcore and under
// runc: what the process sees inside must be the same. Only what must change to run
// here is changed: the rootfs, the program (a probe), no terminal, rlimits above what
// root may raise to here, bind sources and a
// network namespace that were the tool's own for its run, and a cgroupsPath (ctr's and
// podman's are at the root of the hierarchy; here it goes beneath this test's own
// cgroup, as the lab's rules require).
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fingerprint, isRoot, type HostFingerprint } from '../helpers/host.ts';
import { testRootfs } from '../helpers/rootfs.ts';
import { BOXCORE, createWithLog, endSideBySide, hasRunc, runtime, scratch, until, type Config } from './helpers.ts';

const CONFIGS = join(import.meta.dirname, 'configs');
const CORPUS = ['runc-spec.json', 'runc-spec-rootless.json', 'crun-spec.json', 'ctr-oci-spec.json', 'buildah-run.json',
  'podman-run.json'];

/** What the process prints about itself, one "key: value" a line. */
const PROBE = [
  'echo "ids: $(id -u) $(id -g) [$(id -G)]"',
  'grep -E "^(Cap(Inh|Prm|Eff|Bnd|Amb)|NoNewPrivs|Seccomp):" /proc/self/status | tr "\\t" " "',
  'echo "hostname: $(hostname)"',
  'echo "uid_map: $(cat /proc/self/uid_map | tr -s " ")"',
  // Mount point, filesystem type and per-mount options (ids and sources differ by run).
  'while read -r id parent dev root point opts rest; do echo "mount: $point ${rest#*- } $opts" | cut -d" " -f1-3,6; done < /proc/self/mountinfo',
  'echo "limits: $(ulimit -n) $(ulimit -Hn) $(ulimit -u)"',
  'env | sort | while read -r e; do echo "env: $e"; done',
  'echo "cwd: $(pwd)"',
  'echo "rootfs: $(touch /bl-probe 2>&1 && rm /bl-probe && echo written)"',
].join('\n');

let before: HostFingerprint;
let work: string;
let rootfs: Awaited<ReturnType<typeof testRootfs>>;
const PREFIX = `bl-ocic-${process.pid}-`;
const runnable = isRoot && hasRunc();

beforeAll(async () => {
  if (!runnable) return;
  before = fingerprint();
  work = scratch('ocic');
  rootfs = await testRootfs('busybox');
});

afterAll(async () => {
  if (!runnable) return;
  // runc 1.1 leaves the parent of the cgroupsPath it made here.
  await endSideBySide(work, rootfs, before, `${PREFIX}ctr`);
});

/** This process's hard limit of an RLIMIT_ type, from /proc/self/limits. */
function hardLimit(type: string): number {
  const names: Record<string, string> = { RLIMIT_NOFILE: 'Max open files', RLIMIT_NPROC: 'Max processes' };
  const line = readFileSync('/proc/self/limits', 'utf8').split('\n').find((l) => l.startsWith(names[type] ?? '?'));
  const hard = line?.slice(26).trim().split(/\s+/)[1];
  return !hard || hard === 'unlimited' ? Infinity : Number(hard);
}

/** The tool's config with only what must change to run here changed. */
function bundleOf(file: string, dir: string, id: string): string {
  const c = JSON.parse(readFileSync(join(CONFIGS, file), 'utf8')) as Config;
  c.root.path = rootfs.dir;
  c.process.args = ['/bin/sh', '-c', PROBE];
  // ctr run adds the image's environment to its spec; a busybox image has this PATH.
  c.process.env ??= ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'];
  c.process.terminal = false;
  if (c.linux.cgroupsPath) c.linux.cgroupsPath = `${PREFIX}ctr/${id}`;
  for (const m of c.mounts as { source?: string; type?: string; destination: string }[]) {
    if (m.type !== 'bind' || !m.source || existsSync(m.source)) continue;
    // The tool's own files for the container (hostname, hosts, .containerenv, a /dev/shm
    // directory), gone with the tool's run: made here.
    m.source = join(dir, 'files', m.destination.replaceAll('/', '_'));
    mkdirSync(join(dir, 'files'), { recursive: true });
    if (m.destination === '/dev/shm') mkdirSync(m.source);
    else writeFileSync(m.source, m.destination === '/etc/hostname' ? `${c.hostname}\n` : '');
  }
  // podman sets RLIMIT_NOFILE to 1048576; raising a hard limit needs CAP_SYS_RESOURCE,
  // which the machine the tests run on may not give root: no higher than ours here.
  for (const l of (c.process.rlimits ?? []) as { type: string; soft: number; hard: number }[]) {
    const hard = hardLimit(l.type);
    l.hard = Math.min(l.hard, hard);
    l.soft = Math.min(l.soft, hard);
  }
  // podman's network namespace (made by podman for its run): a new one instead.
  c.linux.namespaces = c.linux.namespaces.map((n: { type: string; path?: string }) =>
    n.path && !existsSync(n.path) ? { type: n.type } : n);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'config.json'), JSON.stringify(c, null, 1));
  return dir;
}

/** create, start, wait for the program to end, delete: what it printed. */
async function lifecycle(rt: 'runc' | 'boxcore', bundle: string, id: string): Promise<string> {
  const bin = rt === 'runc' ? 'runc' : BOXCORE;
  const root = join(work, rt);
  const log = join(work, `${id}.log`);
  const created = createWithLog(bin, root, ['create', '--bundle', bundle, id], log);
  expect(created.status, `${rt} create: ${created.stderr}${readFileSync(log, 'utf8')}`).toBe(0);
  expect(runtime(bin, root, ['state', id]).stdout).toMatch(/"status": ?"created"/);
  expect(runtime(bin, root, ['start', id]).status).toBe(0);
  await until(() => /"status": ?"stopped"/.test(runtime(bin, root, ['state', id]).stdout));
  const deleted = runtime(bin, root, ['delete', id]);
  expect(deleted.status, deleted.stderr).toBe(0);
  return readFileSync(log, 'utf8').replace(/^boxcore create: warning.*\n/gm, '');
}

describe.runIf(runnable)('configs real tools write: the same under boxcore and runc', () => {
  it('crun-spec-rootless.json: a user namespace without mappings is refused, as runc refuses it', () => {
    // crun spec --rootless leaves the mappings out: crun fills them in from the user
    // who runs it. runc and boxcore need them in the config.
    const id = `${PREFIX}crun-rootless`;
    const bundle = bundleOf('crun-spec-rootless.json', join(work, id), id);
    for (const rt of ['runc', 'boxcore'] as const) {
      const r = runtime(rt === 'runc' ? 'runc' : BOXCORE, join(work, rt), ['create', '--bundle', bundle, id]);
      expect(r.status, rt).not.toBe(0);
      expect(r.stderr, rt).toMatch(/uid ?[mM]appings|uidMappings/);
    }
  });

  for (const file of CORPUS) {
    it(file, async () => {
      const seen: Record<string, string> = {};
      for (const rt of ['runc', 'boxcore'] as const) {
        const id = `${PREFIX}${file.replace('.json', '')}-${rt}`;
        seen[rt] = await lifecycle(rt, bundleOf(file, join(work, id), id), id);
      }
      const lines = (s: string) => s.split('\n').filter(Boolean).sort();
      expect(lines(seen.boxcore!)).toEqual(lines(seen.runc!));
      expect(seen.boxcore).toMatch(/^ids: /m);
      expect(seen.boxcore).toMatch(/^mount: \/proc proc /m);
    });
  }
});
