// The configs real tools write (test/oci/configs/, README.md there says how each was
// made), each run through create -> start -> stopped -> delete under boxcore and under
// runc: what the process sees inside must be the same. Only what must change to run
// here is changed: the rootfs, the program (a probe), no terminal, a bind source that
// named the tool's own scratch files, and ctr's cgroupsPath (at the root of the
// hierarchy; here it goes beneath this test's own cgroup, as the lab's rules require).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fingerprint, isRoot, type HostFingerprint } from '../helpers/host.ts';
import { testRootfs } from '../helpers/rootfs.ts';
import { BOXCORE, createWithLog, hasRunc, removeDir, runtime, scratch, until, type Config } from './helpers.ts';

const CONFIGS = join(import.meta.dirname, 'configs');
const CORPUS = ['runc-spec.json', 'runc-spec-rootless.json', 'crun-spec.json', 'ctr-oci-spec.json', 'buildah-run.json'];

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
  for (const rt of ['boxcore', 'runc']) {
    const root = join(work, rt);
    expect(existsSync(root) ? readdirSync(root) : [], `${rt} left containers`).toEqual([]);
  }
  removeDir(work);
  await rootfs.remove();
  // runc 1.1 leaves the parent of ctr's cgroupsPath it made; it has this file's prefix.
  for (const tree of readdirSync('/sys/fs/cgroup')) {
    const found = spawnSync('find', [join('/sys/fs/cgroup', tree), '-maxdepth', '4', '-type', 'd', '-name', `${PREFIX}ctr`], { encoding: 'utf8' });
    for (const dir of found.stdout.split('\n').filter(Boolean)) rmdirSync(dir);
  }
  expect(fingerprint()).toEqual(before);
});

/** The tool's config with only what must change to run here changed. */
function bundleOf(file: string, dir: string, id: string): string {
  const c = JSON.parse(readFileSync(join(CONFIGS, file), 'utf8')) as Config;
  c.root.path = rootfs.dir;
  c.process.args = ['/bin/sh', '-c', PROBE];
  // ctr run adds the image's environment to its spec; a busybox image has this PATH.
  c.process.env ??= ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'];
  c.process.terminal = false;
  if (c.linux.cgroupsPath) c.linux.cgroupsPath = `${PREFIX}ctr/${id}`;
  for (const m of c.mounts as { source?: string; type?: string }[]) {
    if (m.type !== 'bind' || !m.source?.startsWith('/var/tmp/buildah')) continue;
    // buildah's own files for the container (hostname, .containerenv): made here.
    m.source = join(dir, 'files', m.source.split('/').slice(4).join('/'));
    mkdirSync(join(m.source, '..'), { recursive: true });
    writeFileSync(m.source, m.source.endsWith('hostname') ? `${c.hostname}\n` : '');
  }
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
