// The sandboxed Docker engine on the real kernel, as root: dockerd started in a
// network and mount namespace of the lab's, an image boxlab built given to it with
// `docker load` (nothing pulled), `docker run` printing what the image says, and the
// container's cgroup beneath the lab's group; then stopped, or SIGKILLed mid-way and
// cleaned up by `boxlab cleanup`. Each time the host fingerprint must be as before,
// and what the fingerprint does not cover but dockerd would touch is checked too:
// cgroups of any name at the top of each hierarchy, Docker's and containerd's default
// directories, and the root key limit dockerd raises.
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { repoRoot } from '../../src/core/index.ts';
import { build } from '../../src/build/executor.ts';
import { DockerEngine, enginePrograms } from '../../src/engine/docker.ts';
import { dockerArchive } from '../../src/images/archive.ts';
import { Layout } from '../../src/images/layout.ts';
import { blName, Ledger } from '../../src/ledger/index.ts';
import { findStaticBusybox } from '../../src/runtime/rootfs.ts';
import { parseLesson } from '../../src/lessons/loader.ts';
import { closeProcessLedger, LessonSession } from '../../src/lessons/session.ts';
import { busyboxContext } from '../helpers/build.ts';
import { fingerprint, isRoot, settledFingerprint, type HostFingerprint } from '../helpers/host.ts';

let shared: string;
let archive: string;
let before: HostFingerprint;
let extrasBefore: string[];

/** What dockerd would change that the fingerprint does not look at. */
function hostExtras(): string[] {
  const out: string[] = [];
  for (const line of readFileSync('/proc/self/mountinfo', 'utf8').split('\n').filter(Boolean)) {
    const f = line.split(' ');
    const type = f[f.indexOf('-') + 1];
    if (type !== 'cgroup' && type !== 'cgroup2') continue;
    // Every group two levels down, whatever its name (Docker's is "docker").
    const walk = (dir: string, depth: number) => {
      let names: string[] = [];
      try { names = readdirSync(dir, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name); } catch { return; }
      for (const n of names) {
        out.push(`cgroup ${dir}/${n}`);
        if (depth < 2) walk(`${dir}/${n}`, depth + 1);
      }
    };
    walk(f[4]!, 0);
  }
  for (const p of ['/run/containerd', '/run/docker', '/run/docker.sock', '/var/run/docker', '/var/lib/docker', '/var/lib/containerd', '/opt/containerd', '/etc/docker/key.json']) {
    out.push(`${p} ${existsSync(p)}`);
  }
  out.push(`root_maxkeys ${readFileSync('/proc/sys/kernel/keys/root_maxkeys', 'utf8').trim()}`);
  return out.sort();
}

/** Processes of Docker's (dockerd, containerd, shims) marked as a boxlab's. */
function engineProcesses(): string[] {
  return readdirSync('/proc').filter((n) => /^\d+$/.test(n)).flatMap((pid) => {
    try {
      const comm = readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
      if (!/^(dockerd|containerd|containerd-shim|docker-proxy)/.test(comm)) return [];
      const env = readFileSync(`/proc/${pid}/environ`, 'latin1');
      return /(?:^|\0)BOXLAB_OWNER=/.test(env) ? [`${pid} ${comm}`] : [];
    } catch {
      return [];
    }
  });
}

async function settled<T>(read: () => T, want: T, ms = 5000): Promise<T> {
  let now = read();
  for (const end = Date.now() + ms; JSON.stringify(now) !== JSON.stringify(want) && Date.now() < end; now = read()) await new Promise((r) => setTimeout(r, 100));
  return now;
}

const ready = isRoot && !('missing' in enginePrograms()) && !!findStaticBusybox();

describe.runIf(ready)('a sandboxed Docker engine', () => {
  beforeAll(async () => {
    shared = mkdtempSync(join(tmpdir(), 'bl-enginetest-'));
    // The state root of this file's own: the engine's and the builder's bl- directories
    // go there, beside the ledgers (join(shared, 'ledger...')), whose root it is - a
    // ledger removes only what is beneath its own root.
    chmodSync(shared, 0o755);
    process.env.BOXLAB_STATE_DIR = shared;
    const layout = Layout.create(join(shared, 'oci'));
    const ctx = busyboxContext(join(shared, 'ctx'));
    const ledger = Ledger.open();
    try {
      await build({
        file: 'Containerfile', context: ctx, layout, tag: 'hello:1', noCache: false, buildArgs: new Map(), onEvent: () => undefined,
        text: 'FROM scratch\nCOPY busybox /bin/busybox\nRUN ["/bin/busybox", "--install", "-s", "/bin"]\nCMD ["echo", "hello from an image boxlab built"]',
      }, ledger, blName('engine-test'));
    } finally {
      expect(await ledger.close()).toEqual([]);
    }
    archive = join(shared, 'hello.tar');
    writeFileSync(archive, dockerArchive(layout, 'hello:1'));
  }, 120_000);
  afterAll(() => {
    delete process.env.BOXLAB_STATE_DIR;
    if (shared) rmSync(shared, { recursive: true, force: true });
  });
  beforeEach(() => {
    before = fingerprint();
    extrasBefore = hostExtras();
  });
  afterEach(async () => {
    expect(await settledFingerprint(before, 10_000)).toEqual(before);
    expect(await settled(hostExtras, extrasBefore)).toEqual(extrasBefore);
    expect(await settled(engineProcesses, [])).toEqual([]);
  });

  it('starts, loads an image boxlab built, runs it in a cgroup beneath the lab\'s, and stops leaving nothing', async () => {
    // The default ledger, as `boxlab engine` has: the engine's directory is in /run/boxlab.
    const ledger = Ledger.open();
    const engine = await DockerEngine.start(ledger);
    try {
      const info = await engine.docker(['info', '--format', '{{.Driver}} {{.CgroupDriver}} {{.DockerRootDir}}']);
      expect(info.stdout.trim()).toBe(`overlay2 cgroupfs ${engine.dir}/data`);
      const loaded = await engine.docker(['load', '-i', archive]);
      expect(loaded.stdout).toMatch(/Loaded image: hello:1/);
      const run = await engine.docker(['run', '--rm', 'hello:1']);
      expect(run).toMatchObject({ code: 0, stdout: 'hello from an image boxlab built\n' });
      // A container's cgroup is beneath the lab's group, in every hierarchy.
      const detached = await engine.docker(['run', '-d', 'hello:1', 'sleep', '300']);
      expect(detached.code).toBe(0);
      const pid = (await engine.docker(['inspect', '-f', '{{.State.Pid}}', detached.stdout.trim()])).stdout.trim();
      const groups = readFileSync(`/proc/${pid}/cgroup`, 'utf8').trim().split('\n').map((l) => l.split(':').slice(2).join(':'));
      for (const g of groups) expect(g).toContain(`/${engine.group.parent}/`);
      // Its network is Docker's, in dockerd's namespace: docker0 is not on the host.
      expect(readdirSync('/sys/class/net')).not.toContain('docker0');
      const links = spawnSync('nsenter', [`--net=${engine.netns}`, 'ip', '-o', 'link'], { encoding: 'utf8' }).stdout;
      expect(links).toMatch(/docker0/);
    } finally {
      await engine.stop();
      expect(await ledger.close()).toEqual([]);
    }
  }, 180_000);

  it('dockerd SIGKILLed with a container running, then boxlab cleanup, leaves nothing', async () => {
    const cli = join(repoRoot(), 'dist', 'boxlab.mjs');
    const state = join(shared, blName('state'));
    mkdirSync(state);
    const env = { ...process.env, NO_COLOR: '1', BOXLAB_STATE_DIR: state };
    const child = spawn('node', [cli, 'engine', '--json'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (b: Buffer) => { stderr += b.toString(); });
    const line = await new Promise<string>((resolve, reject) => {
      createInterface({ input: child.stdout }).once('line', resolve);
      child.once('exit', () => reject(new Error(`boxlab engine exited: ${stderr}`)));
    });
    const info = JSON.parse(line) as { socket: string; docker: string; pid: number };
    const docker = (...args: string[]) => spawnSync(info.docker, ['--host', `unix://${info.socket}`, ...args], { encoding: 'utf8', env: { ...process.env, DOCKER_CONFIG: join(state, 'client') } });
    expect(docker('load', '-i', archive).status).toBe(0);
    expect(docker('run', '-d', 'hello:1', 'sleep', '300').status).toBe(0);
    expect(engineProcesses().length).toBeGreaterThanOrEqual(2); // dockerd, containerd, a shim

    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    const cleanup = spawnSync('node', [cli, 'cleanup'], { env, encoding: 'utf8' });
    expect(cleanup.status, cleanup.stdout + cleanup.stderr).toBe(0);
    expect(cleanup.stdout).toMatch(/removed \d+ resources/);
    expect(readdirSync(state).filter((n) => n.startsWith('bl-'))).toEqual([]);
    rmSync(state, { recursive: true, force: true });
  }, 180_000);

  /** A lesson file's text: front matter, then blocks. */
  const lessonText = (id: string, blocks: string[]) => ['---', `id: ${id}`, 'title: T', 'chapter: C', 'summary: S', 'needs: root', 'features: [docker]', '---', ...blocks].join('\n');

  it('${docker}: a lesson that uses it gets an engine of its own, which its commands reach; reset and close stop it', async () => {
    const plain = await LessonSession.open(parseLesson(lessonText('no-engine', ['```check', 'title: t', 'shell: "true"', 'exit: 0', '```']), 'no-engine.md'));
    try {
      expect(plain.state.vars.docker).toBe('');
      expect(engineProcesses()).toEqual([]);
    } finally {
      await plain.close();
    }
    const s = await LessonSession.open(parseLesson(lessonText('engine', [
      '```step', 'title: the client and ctr reach the engine', 'shell: |',
      '  docker info --format "{{.DockerRootDir}}"', '  ctr namespaces ls > /dev/null && echo ctr answers', '  cat ${docker}/dockerd.pid', 'views: []', '```',
    ]), 'engine.md'));
    const dirs: string[] = [];
    try {
      dirs.push(s.state.vars.docker!);
      expect(s.state.vars.docker).toMatch(/\/bl-docker-[\d-]+$/);
      const st = await s.runStop(0);
      expect(st.status, st.step?.error?.message).toBe('done');
      const [root, ns, pid] = st.step!.output!.split('\n');
      expect(root).toBe(`${s.state.vars.docker}/data`);
      expect(ns).toBe('ctr answers');
      expect(readFileSync(`/proc/${pid}/comm`, 'utf8').trim()).toBe('dockerd');
      await s.reset();
      dirs.push(s.state.vars.docker!);
      expect(dirs[1]).not.toBe(dirs[0]);
      expect(existsSync(dirs[0]!)).toBe(false);
      expect(existsSync(`/proc/${pid}`)).toBe(false);
      expect((await s.runStop(0)).status).toBe('done');
    } finally {
      await s.close();
      await closeProcessLedger();
    }
    expect(dirs.filter((d) => existsSync(d))).toEqual([]);
  }, 180_000);

  it('${docker}: the lesson SIGKILLed with a container running, then boxlab cleanup, leaves nothing', async () => {
    const cli = join(repoRoot(), 'dist', 'boxlab.mjs');
    const state = join(shared, blName('state'));
    const lessons = join(shared, blName('lessons'));
    mkdirSync(state);
    chmodSync(state, 0o755);
    mkdirSync(join(lessons, '01-c'), { recursive: true });
    writeFileSync(join(lessons, '01-c', '01-engine.md'), lessonText('engine-kill', [
      'The engine is in ${docker}.', '```step', 'title: a container', `shell: docker load -i ${archive} && docker run -d hello:1 sleep 300`, 'views: []', '```',
      '```check', 'title: t', 'shell: "true"', 'exit: 0', '```',
    ]));
    const env = { ...process.env, NO_COLOR: '1', BOXLAB_STATE_DIR: state, BOXLAB_LESSONS: lessons };
    const child = spawn('node', [cli, 'lesson', 'engine-kill', '--yes', '--until', '1', '--trust', lessons], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stderr.on('data', (b: Buffer) => { out += b.toString(); });
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (b: Buffer) => { out += b.toString(); if (/holding after step 1/.test(out)) resolve(); });
      child.once('exit', () => reject(new Error(`boxlab lesson exited: ${out}`)));
    });
    expect(engineProcesses().length).toBeGreaterThanOrEqual(3); // dockerd, containerd, a shim

    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    const cleanup = spawnSync('node', [cli, 'cleanup'], { env, encoding: 'utf8' });
    expect(cleanup.status, cleanup.stdout + cleanup.stderr).toBe(0);
    expect(readdirSync(state).filter((n) => n.startsWith('bl-'))).toEqual([]);
    rmSync(state, { recursive: true, force: true });
    rmSync(lessons, { recursive: true, force: true });
  }, 180_000);
});
