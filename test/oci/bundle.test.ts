// `boxlab run --bundle DIR` (boxcore's OCI runtime behind boxlab's ledger), and
// configFromRunSpec: the config.json that makes the container `boxlab run` makes.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, readlinkSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { repoRoot } from '../../src/core/index.ts';
import { ledgerDir } from '../../src/ledger/index.ts';
import { parseRunArgs } from '../../src/cli/run.ts';
import { configFromRunSpec, ociRoot } from '../../src/runtime/oci.ts';
import type { RunSpec } from '../../src/runtime/container.ts';
import { DOCKER_MASKED_PATHS } from '../../src/runtime/security.ts';
import { fingerprint, isRoot, type HostFingerprint } from '../helpers/host.ts';
import { testRootfs } from '../helpers/rootfs.ts';
import { makeBundle, pidAlive, removeDir, scratch, until } from './helpers.ts';

const cli = join(repoRoot(), 'dist', 'boxlab.mjs');
let rootfs: Awaited<ReturnType<typeof testRootfs>>;
let work: string;
let before: HostFingerprint;
let children: number[];

const ours = () => (existsSync(ociRoot()) ? readdirSync(ociRoot()) : []).filter((n) => children.some((pid) => n.startsWith(`bl-oci-${pid}-`)));

let rootExisted = true;
beforeAll(async () => {
  rootExisted = existsSync(ociRoot());
  if (isRoot) rootfs = await testRootfs('busybox');
});
afterAll(async () => {
  await rootfs?.remove();
  // boxcore makes its state root (/run/boxcore) on first use and keeps it, as runc keeps
  // /run/runc; one these tests made goes again when it is empty.
  if (!rootExisted && existsSync(ociRoot()) && readdirSync(ociRoot()).length === 0) rmdirSync(ociRoot());
});
beforeEach(() => {
  children = [];
  before = fingerprint();
  work = scratch('ocib');
});
afterEach(() => {
  removeDir(work);
  expect(ours()).toEqual([]);
  expect(fingerprint()).toEqual(before);
  for (const pid of children) expect(existsSync(join(ledgerDir(), `bl-${pid}.jsonl`))).toBe(false);
});

function boxlab(args: string[]) {
  const child = spawn('node', [cli, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1' } });
  children.push(child.pid!);
  let stdout = '', stderr = '';
  child.stdout.on('data', (d) => { stdout += d; });
  child.stderr.on('data', (d) => { stderr += d; });
  const done = new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) =>
    child.once('close', (code) => resolve({ code, stdout, stderr })));
  return { child, done };
}

describe.runIf(isRoot)('boxlab run --bundle', () => {
  it('runs the bundle with boxcore, returns its status, and leaves nothing', async () => {
    const b = makeBundle(join(work, 'b'), rootfs.dir, (c) => { c.process.args = ['sh', '-c', 'hostname; echo $$; exit 9']; });
    const r = await boxlab(['run', '--bundle', b]).done;
    expect(r).toMatchObject({ code: 9, stdout: 'boxcore\n1\n' });
  });

  it('says what is wrong with a bundle, and takes no other options', async () => {
    expect((await boxlab(['run', '--bundle', join(work, 'none')]).done)).toMatchObject({ code: 125, stderr: expect.stringContaining('does not exist') });
    const b = makeBundle(join(work, 'b'), rootfs.dir, (c) => { c.linux.intelRdt = { closID: 'x' }; });
    expect((await boxlab(['run', '--bundle', b]).done).stderr).toContain('config.json: linux.intelRdt is not supported by boxcore');
    expect((await boxlab(['run', '--bundle', b, '--hostname', 'x']).done)).toMatchObject({ code: 2, stderr: expect.stringContaining('--hostname: with --bundle') });
  });

  it('passes SIGTERM on to the container, which ends; nothing is left', async () => {
    const b = makeBundle(join(work, 'b'), rootfs.dir, (c) => {
      c.process.args = ['sh', '-c', 'trap "echo bye; exit 3" TERM; echo up; while :; do sleep 0.05; done'];
    });
    const run = boxlab(['run', '--bundle', b]);
    let out = '';
    run.child.stdout!.on('data', (d) => { out += d; });
    await until(() => out.includes('up'));
    run.child.kill('SIGTERM');
    expect(await run.done).toMatchObject({ code: 3, stdout: 'up\nbye\n' });
  });

  it('after a SIGKILL, boxlab cleanup deletes the container the ledger names', async () => {
    const b = makeBundle(join(work, 'b'), rootfs.dir, (c) => { c.process.args = ['sh', '-c', 'echo up; sleep 1000']; });
    const run = boxlab(['run', '--bundle', b]);
    let out = '';
    run.child.stdout!.on('data', (d) => { out += d; });
    await until(() => out.includes('up'));
    const [id] = ours();
    const { pid } = JSON.parse(readFileSync(join(ociRoot(), id!, 'state.json'), 'utf8')) as { pid: number };
    run.child.kill('SIGKILL');
    // ('exit', not 'close': boxcore run and the container still hold its pipes.)
    await new Promise((r) => run.child.once('exit', r));
    expect(pidAlive(pid)).toBe(true); // the container outlives boxlab, like runc's
    const cleanup = spawnSync('node', [cli, 'cleanup'], { encoding: 'utf8' });
    expect(cleanup.status).toBe(0);
    expect(cleanup.stdout).toContain(`container ${id} of boxcore`);
    await until(() => !pidAlive(pid));
    await until(() => ours().length === 0);
  });
});

/** What the container sees, for comparing two ways of making it. */
const PROBE = [
  'echo "hostname: $(hostname)"',
  'echo "ids: $(id -u) $(id -g)"',
  'grep -E "^(Cap[A-Za-z]+|NoNewPrivs):" /proc/self/status | tr "\\t" " "',
  // Masked paths read as nothing; a read-only /proc/sys refuses the write.
  `for p in ${DOCKER_MASKED_PATHS.join(' ')}; do
    if [ -d $p ]; then n=$(ls -A $p | wc -l); elif [ -e $p ]; then n=$(wc -c < $p); else continue; fi
    if [ $n = 0 ]; then echo "read $p: nothing"; else echo "read $p: something"; fi
  done`,
  'echo "sys write: $( { echo 1 > /proc/sys/net/ipv4/ip_forward; } 2>&1 | wc -l)"',
  'for n in cgroup ipc mnt net pid user uts; do echo "ns $n: $(readlink /proc/self/ns/$n)"; done',
  'while read -r line; do echo "mount: $line"; done < /proc/self/mountinfo',
  'echo "lo: $(cat /sys/class/net/lo/flags)"',
  'echo "pid: $$"',
  'echo "write: $(echo hi > /scratch/f && cat /scratch/f) $(cat /mnt/v/file)"',
  'env | sort | sed "s/^/env: /"',
].join('\n');

function normalise(out: string, dirs: string[]): string[] {
  const host = Object.fromEntries(['cgroup', 'ipc', 'mnt', 'net', 'pid', 'user', 'uts'].map((n) => [n, readlinkSync(`/proc/self/ns/${n}`)]));
  return out.split('\n').filter(Boolean).map((line) => {
    if (line.startsWith('ns ')) {
      const [key, value] = line.split(': ');
      return `${key}: ${value === host[key!.slice(3)] ? 'host' : 'new'}`;
    }
    if (line.startsWith('mount: ')) {
      const f = line.slice(7).split(' ');
      const sep = f.indexOf('-');
      let text = [f[3], f[4], f[5], f[sep + 1], f[sep + 2], f[sep + 3]].join(' ');
      for (const [i, d] of dirs.entries()) text = text.replaceAll(d, `DIR${i}`);
      return `mount: ${text}`;
    }
    return line;
  }).sort();
}

describe.runIf(isRoot)('configFromRunSpec', () => {
  /** The same flags through boxlab run and through the config.json configFromRunSpec
   *  writes for them: what each container sees, normalised and sorted. */
  async function both(flags: string[]) {
    const vol = join(work, 'vol');
    mkdirSync(vol);
    writeFileSync(join(vol, 'file'), 'from the host');
    const args = ['--rootfs', rootfs.dir, '--hostname', 'same', '--read-only', '-v', `${vol}:/mnt/v:ro`, '--tmpfs', '/scratch', ...flags, '--', 'sh', '-c', PROBE];

    const viaRun = await boxlab(['run', ...args]).done;
    expect(viaRun.code, viaRun.stderr).toBe(0);

    const spec = parseRunArgs(args) as RunSpec;
    const bundle = join(work, 'bundle');
    const overlay = { upper: join(bundle, 'upper'), work: join(bundle, 'work'), merged: join(bundle, 'merged') };
    for (const d of Object.values(overlay)) mkdirSync(d, { recursive: true });
    writeFileSync(join(bundle, 'config.json'), JSON.stringify(configFromRunSpec(spec, overlay)));
    const viaBundle = await boxlab(['run', '--bundle', bundle]).done;
    expect(viaBundle.code, viaBundle.stderr).toBe(0);

    // The overlay's own directories differ (boxlab's state dir, the bundle); so does the
    // environment's TERM, which each takes from whoever runs it.
    const runDirs = [/upperdir=([^,\s]+)/, /workdir=([^,\s]+)/].map((re) => re.exec(viaRun.stdout)?.[1] ?? 'none');
    const a = normalise(viaRun.stdout, runDirs), b = normalise(viaBundle.stdout, [overlay.upper, overlay.work]);
    expect(b).toEqual(a);
    return { lines: b, upper: overlay.upper };
  }
  const masks = (lines: string[]) => lines.filter((l) => / \/(proc|sys)\/\S+ /.test(l) && l.startsWith('mount: '));

  it('makes the container boxlab run makes: same namespaces, mounts, hostname, ids, capabilities, masks', async () => {
    const { lines: b, upper } = await both([]);
    expect(b).toContain('hostname: same');
    expect(b).toContain('pid: 1');
    expect(b).toContain('write: hi from the host');
    expect(b.filter((l) => /^mount: \/ \/ ro,.* overlay overlay rw,lowerdir=/.test(l)).length).toBe(1);
    // Docker's confinement, in both: its 14 capabilities, masked paths read empty, a
    // read-only /proc/sys (the write printed an error line).
    expect(b).toContain('CapEff: 00000000a80425fb');
    expect(b).toContain('CapBnd: 00000000a80425fb');
    expect(b).toContain('NoNewPrivs: 0');
    expect(b).toContain('sys write: 1');
    const read = b.filter((l) => l.startsWith('read '));
    expect(read.length).toBeGreaterThan(0);
    for (const l of read) expect(l).toMatch(/: nothing$/);
    expect(masks(b)).toEqual(expect.arrayContaining([expect.stringMatching(/^mount: \/sys \/proc\/sys ro,/)]));
    // The mount points were made in the overlay's upper directory, not in the rootfs.
    expect(readdirSync(upper).sort()).toEqual(['mnt', 'scratch']);
    expect(existsSync(join(rootfs.dir, 'scratch'))).toBe(false);
  });

  it('agrees on --cap-drop ALL --cap-add, no-new-privileges, and --privileged', async () => {
    const few = await both(['--cap-drop', 'ALL', '--cap-add', 'SYS_ADMIN', '--cap-add', 'kill', '--security-opt', 'no-new-privileges']);
    expect(few.lines).toContain('CapEff: 0000000000200020'); // bits 5 (kill) and 21 (sys_admin)
    expect(few.lines).toContain('NoNewPrivs: 1');
    removeDir(join(work, 'vol'));
    removeDir(join(work, 'bundle'));
    const all = await both(['--privileged']);
    const own = /^CapBnd:\s*(\S+)$/m.exec(readFileSync('/proc/self/status', 'utf8'))![1];
    expect(all.lines).toContain(`CapEff: ${own}`);
    expect(masks(all.lines)).toEqual([]);
    expect(all.lines.filter((l) => l.startsWith('read ')).length).toBeGreaterThan(0);
    for (const l of all.lines.filter((x) => x.startsWith('read /proc/timer_list'))) expect(l).toMatch(/: something$/);
    expect(all.lines).toContain('sys write: 0');
  });

  it('refuses --net bridge, which no config.json can express', () => {
    const spec = parseRunArgs(['--rootfs', rootfs.dir, '--net', 'bridge', '--', 'true']) as RunSpec;
    expect(() => configFromRunSpec(spec)).toThrow(/no config.json equivalent/);
  });
});
