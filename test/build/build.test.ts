// boxlab build on the real kernel, as root: each instruction (RUN in a real container,
// USER switching ids, COPY --chown, ADD of an archive, WORKDIR, multi-stage COPY
// --from), the cache (hits, misses, and what breaks it), .dockerignore, paths and
// symlinks that try to leave the context, and bad files refused with FILE:LINE while
// nothing changes. Every test leaves the host as it found it.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { repoRoot } from '../../src/core/index.ts';
import { build, type BuildEvent, type BuildRequest } from '../../src/build/executor.ts';
import { StepError } from '../../src/build/state.ts';
import { blName, Ledger } from '../../src/ledger/index.ts';
import { readLayer } from '../../src/images/layer.ts';
import { Layout, type Image } from '../../src/images/layout.ts';
import { unpackImage } from '../../src/images/unpack.ts';
import { findStaticBusybox } from '../../src/runtime/rootfs.ts';
import { fingerprint, isRoot, type HostFingerprint } from '../helpers/host.ts';
import { tree } from '../helpers/tree.ts';
import { BASE_FILE, busyboxContext } from '../helpers/build.ts';

let shared: string;
let layout: Layout;
let work: string;
let ctx: string;
let before: HostFingerprint;

async function runBuild(text: string, opts: Partial<BuildRequest> = {}): Promise<{ image: Image; events: BuildEvent[] }> {
  const events: BuildEvent[] = [];
  // The default ledger, as `boxlab build` has: what the build makes is in /run/boxlab,
  // where the host fingerprint sees it; close() names anything it could not remove.
  const ledger = Ledger.open();
  try {
    const image = await build({
      file: 'Containerfile', text, context: ctx, layout, noCache: false, buildArgs: new Map(), onEvent: (e) => events.push(e), ...opts,
    }, ledger, blName('test-build'));
    return { image, events };
  } finally {
    expect(await ledger.close()).toEqual([]);
  }
}

/** Each step's result, in order: config, built or cached. */
const results = (events: BuildEvent[]) => events.flatMap((e) => (e.kind === 'done' ? [e.result] : []));
const output = (events: BuildEvent[]) => events.flatMap((e) => (e.kind === 'output' ? [e.line] : []));

function flat(image: Image): string {
  const dest = mkdtempSync(join(work, 'flat-'));
  unpackImage(layout, image, dest, 'flat');
  return dest;
}

async function failure(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (err) {
    if (err instanceof StepError) return err.message;
    throw err;
  }
  throw new Error('expected the build to fail');
}

const hasBusybox = !!findStaticBusybox();

describe.runIf(isRoot && hasBusybox)('boxlab build, on the real kernel', () => {
  beforeAll(async () => {
    shared = mkdtempSync(join(tmpdir(), 'bl-buildtest-'));
    layout = Layout.create(join(shared, 'oci'));
    work = shared;
    ctx = busyboxContext(join(shared, 'basectx'));
    await runBuild(BASE_FILE, { tag: 'base:1' });
  }, 120_000);
  afterAll(() => { if (shared) rmSync(shared, { recursive: true, force: true }); });
  beforeEach(() => {
    before = fingerprint();
    work = mkdtempSync(join(shared, 'w-'));
    ctx = busyboxContext(join(work, 'ctx'));
  });
  afterEach(() => {
    rmSync(work, { recursive: true, force: true });
    expect(fingerprint()).toEqual(before);
  });

  it('does every instruction: RUN in a container, USER, ENV, ARG, WORKDIR, COPY --chown, ADD, LABEL, EXPOSE, VOLUME, CMD, ENTRYPOINT, SHELL', async () => {
    mkdirSync(join(ctx, 'files/sub'), { recursive: true });
    writeFileSync(join(ctx, 'files/a.txt'), 'a\n', { mode: 0o640 });
    writeFileSync(join(ctx, 'files/sub/run.sh'), '#!/bin/sh\necho run\n', { mode: 0o755 });
    symlinkSync('a.txt', join(ctx, 'files/link'));
    mkdirSync(join(work, 'arch/tree'), { recursive: true });
    writeFileSync(join(work, 'arch/tree/inside.txt'), 'from the archive\n');
    execFileSync('tar', ['-czf', join(ctx, 'bundle.tar.gz'), '--owner=7', '--group=8', '-C', join(work, 'arch'), 'tree']);
    writeFileSync(join(ctx, 'plain.txt'), 'plain\n');
    const { image, events } = await runBuild([
      'FROM base:1',
      'ARG GREETING=hello',
      'ENV APP=/app LEVEL="two words"',
      'LABEL org.example.name="demo app" version=1',
      'USER app',
      'WORKDIR $APP',
      'COPY --chown=app:staff files/ ./files/',
      'ADD bundle.tar.gz /opt/',
      'ADD plain.txt /opt/plain.txt',
      'RUN id -u > uid && id -G > gids && echo "$GREETING $LEVEL" > greeting && pwd > cwd && echo $HOME > home && echo to-the-log',
      'USER root',
      'RUN rm /opt/plain.txt',
      'SHELL ["/bin/sh", "-e", "-c"]',
      'EXPOSE 8080 53/udp',
      'VOLUME /data',
      'ENTRYPOINT ["/bin/sh"]',
      'CMD echo hi',
    ].join('\n'), { tag: 'app:1', buildArgs: new Map([['GREETING', 'hi there']]) });

    expect(output(events)).toContain('to-the-log');
    expect(image.config.config).toEqual({
      Env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', 'APP=/app', 'LEVEL=two words'],
      Labels: { 'org.example.name': 'demo app', version: '1' },
      WorkingDir: '/app',
      User: 'root',
      Shell: ['/bin/sh', '-e', '-c'],
      ExposedPorts: { '8080/tcp': {}, '53/udp': {} },
      Volumes: { '/data': {} },
      Entrypoint: ['/bin/sh'],
      Cmd: ['/bin/sh', '-e', '-c', 'echo hi'],
    });
    const root = flat(image);
    const t = tree(root);
    const line = (path: string) => t.find((l) => l.startsWith(`${path} `));
    // RUN ran as app (uid 1000, groups 1000 and staff's 50), in WORKDIR, with the ARG given.
    expect(readFileSync(join(root, 'app/uid'), 'utf8')).toBe('1000\n');
    expect(readFileSync(join(root, 'app/gids'), 'utf8').trim().split(' ').sort()).toEqual(['1000', '50']);
    expect(readFileSync(join(root, 'app/greeting'), 'utf8')).toBe('hi there two words\n');
    expect(readFileSync(join(root, 'app/cwd'), 'utf8')).toBe('/app\n');
    expect(readFileSync(join(root, 'app/home'), 'utf8')).toBe('/home/app\n');
    expect(line('app/uid')).toMatch(/ 100000 644 1000:1000 /);
    // WORKDIR made /app for the USER of the moment.
    expect(line('app')).toMatch(/ 40000 755 1000:1000$/);
    // COPY --chown: every file and directory copied is app:staff; modes and links kept.
    expect(line('app/files/a.txt')).toMatch(/ 100000 640 1000:50 /);
    expect(line('app/files/sub/run.sh')).toMatch(/ 100000 755 1000:50 /);
    expect(line('app/files/sub')).toMatch(/ 40000 755 1000:50$/);
    expect(line('app/files/link')).toMatch(/ 120000 777 1000:50 -> a.txt$/);
    // ADD unpacked the archive with its owners; the plain file was copied, then deleted.
    expect(readFileSync(join(root, 'opt/tree/inside.txt'), 'utf8')).toBe('from the archive\n');
    expect(line('opt/tree/inside.txt')).toMatch(/ 7:8 /);
    expect(existsSync(join(root, 'opt/plain.txt'))).toBe(false);
    // The deletion is a whiteout in the RUN's layer: the file still costs its bytes below.
    const paths = image.manifest.layers.map((l) => readLayer(layout.readBlob(l.digest)).entries.map((e) => e.path));
    expect(paths.at(-2)).toEqual(['opt', 'opt/.wh.plain.txt']);
    // VOLUME made its directory (the last layer), as buildah does.
    expect(paths.at(-1)).toEqual(['data']);
    // No mount point the RUN containers needed was left in the image.
    expect(t.filter((l) => /^(proc|sys|dev) /.test(l))).toEqual([]);
    expect(results(events).filter((r) => r !== 'config').length).toBe(7);
  }, 120_000);

  it('reuses cached layers, says so, and misses from the step whose inputs changed', async () => {
    const token = blName('cache');
    writeFileSync(join(ctx, 'one.txt'), `one ${token}\n`);
    writeFileSync(join(ctx, 'two.txt'), 'two\n');
    const file = ['FROM base:1', `RUN echo ${token} > /token`, 'COPY one.txt /one.txt', 'RUN cat /one.txt > /copy', 'COPY two.txt /two.txt', 'CMD ["cat", "/copy"]'].join('\n');
    const first = await runBuild(file);
    expect(results(first.events)).toEqual(['config', 'built', 'built', 'built', 'built', 'config']);
    const second = await runBuild(file);
    expect(results(second.events)).toEqual(['config', 'cached', 'cached', 'cached', 'cached', 'config']);
    expect(second.image.descriptor.digest).toBe(first.image.descriptor.digest);
    // A file's time is not part of the key; its content is.
    utimesSync(join(ctx, 'one.txt'), 1_000_000, 1_000_000);
    expect(results((await runBuild(file)).events)).toEqual(['config', 'cached', 'cached', 'cached', 'cached', 'config']);
    writeFileSync(join(ctx, 'one.txt'), `one, changed ${token}\n`);
    const changed = await runBuild(file);
    expect(results(changed.events)).toEqual(['config', 'cached', 'built', 'built', 'built', 'config']);
    expect(readFileSync(join(flat(changed.image), 'copy'), 'utf8')).toBe(`one, changed ${token}\n`);
    // Two instructions swapped: the first one that differs misses, and all after it.
    const swapped = ['FROM base:1', `RUN echo ${token} > /token`, 'COPY two.txt /two.txt', 'COPY one.txt /one.txt', 'RUN cat /one.txt > /copy'].join('\n');
    expect(results((await runBuild(swapped)).events)).toEqual(['config', 'cached', 'built', 'built', 'built']);
    // --no-cache makes them all again.
    expect(results((await runBuild(file, { noCache: true })).events)).toEqual(['config', 'built', 'built', 'built', 'built', 'config']);
  }, 180_000);

  it('builds only the stages the target needs, and COPY --from carries only what is copied', async () => {
    const file = [
      'FROM base:1 AS builder',
      'RUN mkdir -p /out && echo built > /out/app && echo junk > /junk',
      'FROM base:1 AS unused',
      'RUN exit 1',
      'FROM scratch',
      'COPY --from=builder /out /',
      'COPY --from=0 /bin/busybox /bin/busybox',
      'COPY --from=base:1 /etc/group /group',
    ].join('\n');
    const { image, events } = await runBuild(file);
    expect(tree(flat(image)).map((l) => l.split(' ')[0])).toEqual(['app', 'bin', 'bin/busybox', 'group']);
    // The unused stage (whose RUN fails) was never built.
    const steps = events.flatMap((e) => (e.kind === 'step' ? [e.ins.source] : []));
    expect(steps).not.toContain('RUN exit 1');
    const target = await runBuild(file, { target: 'builder' });
    expect(readFileSync(join(flat(target.image), 'junk'), 'utf8')).toBe('junk\n');
  }, 120_000);

  it('keeps to the context: .dockerignore, "..", and symlinks that point out resolve inside it', async () => {
    writeFileSync(join(ctx, '.dockerignore'), '*.secret\nlogs\n!logs/keep\n');
    writeFileSync(join(ctx, 'app.secret'), 'no\n');
    mkdirSync(join(ctx, 'logs'));
    writeFileSync(join(ctx, 'logs/keep'), 'kept\n');
    writeFileSync(join(ctx, 'logs/drop'), 'dropped\n');
    writeFileSync(join(work, 'outside'), 'outside\n');
    symlinkSync('/etc/hostname', join(ctx, 'hostname-link'));
    symlinkSync('/etc', join(ctx, 'etc-link'));
    mkdirSync(join(ctx, 'etc'));
    writeFileSync(join(ctx, 'etc/hostname'), 'the context\'s own\n');
    const { image } = await runBuild('FROM scratch\nCOPY . /ctx/\nCOPY hostname-link /h1\nCOPY etc-link/hostname /h2');
    const root = flat(image);
    const names = tree(root).map((l) => l.split(' ')[0]);
    expect(names).toContain('ctx/logs/keep');
    expect(names).not.toContain('ctx/logs/drop');
    expect(names).not.toContain('ctx/app.secret');
    // Symlinks inside a copied directory stay links; one named as a source is followed, inside the context.
    expect(tree(root).find((l) => l.startsWith('ctx/hostname-link '))).toMatch(/-> \/etc\/hostname$/);
    expect(readFileSync(join(root, 'h1'), 'utf8')).toBe('the context\'s own\n');
    expect(readFileSync(join(root, 'h2'), 'utf8')).toBe('the context\'s own\n');
    expect(await failure(runBuild('FROM scratch\n\nCOPY ../outside /x'))).toMatch(/^Containerfile:3: COPY: \.\.\/outside leaves the build context/);
    rmSync(join(ctx, 'etc'), { recursive: true });
    expect(await failure(runBuild('FROM scratch\nCOPY hostname-link /h'))).toMatch(/^Containerfile:2: COPY: hostname-link is not in the build context/);
    expect(await failure(runBuild('FROM scratch\nCOPY app.secret /s'))).toMatch(/^Containerfile:2: COPY: app.secret is not in the build context \(or \.dockerignore excludes it/);
  }, 120_000);

  it('passes a RUN\'s output on line by line, a line without end in bounded pieces', async () => {
    const { events } = await runBuild('FROM base:1\nRUN echo one && echo two >&2 && head -c 200000 /dev/zero | tr "\\0" x');
    const lines = output(events);
    expect(lines.slice(0, 2).sort()).toEqual(['one', 'two']);
    expect(lines.slice(2).map((l) => l.length)).toEqual([65536, 65536, 65536, 3392]);
  }, 60_000);

  for (const sig of ['SIGINT', 'SIGKILL'] as const) {
    it(`a build stopped by ${sig} in the middle of a RUN leaves nothing${sig === 'SIGKILL' ? ' once boxlab cleanup has run' : ''}`, async () => {
      const cli = join(repoRoot(), 'dist', 'boxlab.mjs');
      const state = join(work, 'state');
      mkdirSync(state);
      const env = { ...process.env, NO_COLOR: '1', BOXLAB_STATE_DIR: state };
      writeFileSync(join(ctx, 'Containerfile'), 'FROM base:1\nRUN echo started && sleep 60\n');
      const child = spawn('node', [cli, 'build', '--layout', layout.dir, ctx], { env, stdio: ['ignore', 'pipe', 'pipe'] });
      await new Promise<void>((resolve, reject) => {
        let out = '';
        child.stdout.on('data', (b: Buffer) => { out += b.toString(); if (out.includes('| started')) resolve(); });
        child.once('exit', () => reject(new Error(`the build ended early: ${out}`)));
      });
      expect(readdirSync(state).some((n) => n.startsWith('bl-build-'))).toBe(true);
      child.kill(sig);
      const code = await new Promise((r) => child.once('exit', (c, s) => r(c ?? s)));
      if (sig === 'SIGKILL') {
        expect(code).toBe('SIGKILL');
        const cleanup = spawnSync('node', [cli, 'cleanup'], { env, encoding: 'utf8' });
        expect(cleanup.status, cleanup.stdout + cleanup.stderr).toBe(0);
      } else {
        expect(code).toBe(130);
      }
      expect(readdirSync(state).filter((n) => n.startsWith('bl-'))).toEqual([]);
    }, 60_000);
  }

  it('a build that cannot remove what it made fails saying so, and boxlab cleanup removes it later', () => {
    const cli = join(repoRoot(), 'dist', 'boxlab.mjs');
    const state = join(work, 'state');
    mkdirSync(state);
    writeFileSync(join(ctx, 'Containerfile'), 'FROM base:1\nRUN echo started && sleep 1\n');
    // A mount on the build's directory while it runs (in a mount namespace of the
    // test's own, where boxlab runs too: the host's mount table never sees it): the
    // removal leaves a mount point in place, and the directory with it.
    const script = [
      `node ${cli} build --layout ${layout.dir} ${ctx} > ${work}/out 2> ${work}/err &`,
      'for i in $(seq 300); do grep -q "| started" ' + `${work}/out && break; sleep 0.1; done`,
      `mount -t tmpfs bl-stuck ${state}/bl-build-*/empty || exit 9`,
      'wait $!; echo "build $?"',
      `umount ${state}/bl-build-*/empty`,
      `node ${cli} cleanup > /dev/null; echo "cleanup $?"`,
      `ls -A ${state}`,
    ].join('\n');
    const r = spawnSync('unshare', ['--mount', '--propagation', 'private', 'sh', '-c', script], { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1', BOXLAB_STATE_DIR: state }, timeout: 60_000 });
    expect(r.stdout).toBe('build 1\ncleanup 0\nledger\n');
    // Said once, each thing once, on the way out.
    const err = readFileSync(join(work, 'err'), 'utf8');
    const dir = /bl-build-\d+-\d+/.exec(err)?.[0];
    expect(err).toBe(`boxlab build: could not remove what it made: boxcore rmtree: ${state}/${dir}/empty: a mount point (another filesystem): left in place; `
      + `boxcore rmtree: ${state}/${dir}: rmdir: Directory not empty (it stays in the ledger: boxlab cleanup tries again)\n`);
  }, 60_000);

  it('a failing RUN stops the build with FILE:LINE and its status, and leaves nothing', async () => {
    const { image: base } = await runBuild('FROM base:1\nLABEL x=1', { tag: 'kept:1' });
    const msg = await failure(runBuild('FROM base:1\nRUN echo partial > /p\nRUN echo going; exit 3', { tag: 'kept:1' }));
    expect(msg).toBe('Containerfile:3: RUN: ["/bin/sh","-c","echo going; exit 3"] exited with status 3');
    expect(layout.image('kept:1').descriptor.digest).toBe(base.descriptor.digest); // the name was not moved
    expect(await failure(runBuild('FROM base:1\nUSER nobody-here\nRUN true'))).toMatch(/^Containerfile:3: RUN: no user nobody-here in the image's \/etc\/passwd/);
    expect(await failure(runBuild('FROM none:1'))).toMatch(/^Containerfile:1: FROM: FROM none:1: .*has no image named none:1.*downloads nothing/);
    expect(await failure(runBuild('FROM scratch\nADD https://example.com/x /x'))).toMatch(/ADD from a URL is not supported/);
  }, 120_000);

  it('the command line refuses a bad Containerfile by FILE:LINE before it makes anything', () => {
    const cli = join(repoRoot(), 'dist', 'boxlab.mjs');
    writeFileSync(join(ctx, 'Containerfile'), 'FROM scratch\nCOPY busybox /bin/busybox\n\nHEALTHCHECK CMD true\n');
    const out = join(work, 'never');
    const r = spawnSync('node', [cli, 'build', '--layout', out, ctx], { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/Containerfile:4: HEALTHCHECK is a Dockerfile instruction boxlab build does not do/);
    expect(existsSync(out)).toBe(false);
    writeFileSync(join(ctx, 'Containerfile'), 'FROM scratch\nCOPY busybox /bin/busybox\nCMD ["/bin/busybox", "true"]\n');
    const target = spawnSync('node', [cli, 'build', '--layout', out, '-f', join(ctx, 'Containerfile'), '--target', 'nope', ctx], { encoding: 'utf8' });
    expect(target.stderr).toMatch(/--target nope: no stage is named so \(no stage has a name/);
    expect(existsSync(out)).toBe(false);
    const built = spawnSync('node', [cli, 'build', '--layout', join(work, 'oci'), '-t', 'cli:1', ctx], { encoding: 'utf8' });
    expect(built.stderr).toBe('');
    expect(built.stdout).toMatch(/STEP 1\/3: FROM scratch\n  --> config [\d.]+s\nSTEP 2\/3: COPY busybox \/bin\/busybox\n  --> (DONE|CACHED) [\d.]+s  layer sha256:[0-9a-f]{12} [\d.]+ [kM]?B\nSTEP 3\/3: CMD/);
    expect(built.stdout).toMatch(/named cli:1: manifest sha256:[0-9a-f]{64}, 1 layer, in /);
    expect(built.status).toBe(0);
  }, 60_000);
});
