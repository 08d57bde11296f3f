// boxlab build and buildah (other people's builder) build the same Containerfiles; the
// root filesystems that come out are compared file by file (type, mode, owner,
// content, link targets; each image's layers applied in order, whiteouts deleting
// what they name) and the image configs field by field. buildah reads its base image
// from the OCI layout boxlab wrote, so nothing is pulled.
//
// buildah runs as root in a mount namespace of its own (unshare), with its storage,
// run state and temporary files in this test's directory, the vfs driver (no overlay
// mounts), and a tmpfs over /var/lib there (its blob cache, /var/lib/containers/cache,
// would be written otherwise): nothing of it stays on the host.
//
// One difference is known and left out: buildah 1.28 (chroot isolation) leaves in
// the image the mount points its RUN containers needed (/dev /proc /sys /run, and
// empty /etc/hostname, /etc/hosts, /etc/resolv.conf), where BuildKit and boxlab take
// them out again. They are dropped from buildah's tree when empty, and must not be in
// boxlab's. (And buildah makes a VOLUME's directory when a RUN follows it, BuildKit
// does not: the cases put VOLUME last.)
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { build } from '../../src/build/executor.ts';
import { blName, Ledger } from '../../src/ledger/index.ts';
import { Layout, type Image } from '../../src/images/layout.ts';
import { unpackImage } from '../../src/images/unpack.ts';
import { which } from '../../src/runtime/programs.ts';
import { findStaticBusybox } from '../../src/runtime/rootfs.ts';
import { fingerprint, isRoot, type HostFingerprint } from '../helpers/host.ts';
import { tree } from '../helpers/tree.ts';
import { BASE_FILE, busyboxContext } from '../helpers/build.ts';

let shared: string;
let layout: Layout;
let before: HostFingerprint;
let work: string;

/** The config fields the issue names, as both builders write them. Two differences
 *  are left out: buildah adds a label with its own version (io.buildah.version), and
 *  an ENV that sets a variable again moves it to the end of Env in buildah, where
 *  Docker (and boxlab) replace it where it was: Env is compared as a set. */
function fields(image: Image) {
  const c = image.config.config ?? {};
  const { 'io.buildah.version': _ours, ...labels } = c.Labels ?? {};
  return {
    Env: [...(c.Env ?? [])].sort(), Cmd: c.Cmd, Entrypoint: c.Entrypoint, WorkingDir: c.WorkingDir || undefined, User: c.User || undefined,
    ExposedPorts: c.ExposedPorts, Labels: Object.keys(labels).length ? labels : undefined,
  };
}

function flatTree(from: Layout, image: Image): string[] {
  const dest = mkdtempSync(join(work, 'flat-'));
  unpackImage(from, image, dest, 'flat');
  return tree(dest);
}

const STUBS = /^(dev|proc|sys|run) 40000 |^etc\/(hostname|hosts|resolv\.conf) 100000 .* e3b0c44298fc1c14$/;

/** buildah's tree without its empty mount points. */
function withoutStubs(lines: string[]): string[] {
  const empty = (dir: string) => !lines.some((l) => l.startsWith(`${dir}/`));
  return lines.filter((l) => !(STUBS.test(l) && (!l.includes(' 40000 ') || empty(l.split(' ')[0]!))));
}

async function boxlabBuild(ctx: string, text: string, tag: string): Promise<Image> {
  // The default ledger, as `boxlab build` has: what the build makes is in /run/boxlab,
  // where the host fingerprint sees it; close() names anything it could not remove.
  const ledger = Ledger.open();
  try {
    return await build({ file: 'Containerfile', text, context: ctx, layout, tag, noCache: false, buildArgs: new Map(), onEvent: () => undefined }, ledger, blName('peer'));
  } finally {
    expect(await ledger.close()).toEqual([]);
  }
}

/** buildah bud, then push into an OCI layout of its own; returns that layout's image. */
function buildahBuild(ctx: string, text: string): { layout: Layout; image: Image } {
  const dir = mkdtempSync(join(work, 'buildah-'));
  const storage = join(dir, 'storage');
  mkdirSync(join(dir, 'tmp'), { recursive: true });
  writeFileSync(join(dir, 'storage.conf'), `[storage]\ndriver = "vfs"\ngraphroot = "${storage}/root"\nrunroot = "${storage}/run"\n`);
  writeFileSync(join(ctx, 'Containerfile.buildah'), text);
  const env = { ...process.env, CONTAINERS_STORAGE_CONF: join(dir, 'storage.conf'), TMPDIR: join(dir, 'tmp'), BUILDAH_FORMAT: 'oci', BUILDAH_ISOLATION: 'chroot' };
  const buildah = (...args: string[]) => {
    const argv = ['buildah', '--root', `${storage}/root`, '--runroot', `${storage}/run`, '--storage-driver', 'vfs', ...args];
    const r = spawnSync('unshare', ['--mount', '--propagation', 'private', 'sh', '-c', 'mount -t tmpfs bl-buildah /var/lib && exec "$@"', 'sh', ...argv], { encoding: 'utf8', env, cwd: dir });
    if (r.status !== 0) throw new Error(`buildah ${args.join(' ')}: ${r.stderr}`);
    return r.stdout;
  };
  // The base image boxlab wrote, read by buildah from the layout (its image ID).
  const base = buildah('pull', '--quiet', `oci:${layout.dir}:base:1`).trim().split('\n').pop()!;
  buildah('bud', '--isolation', 'chroot', '--build-arg', `BASE=${base}`, '-f', join(ctx, 'Containerfile.buildah'), '-t', 'peer', ctx);
  buildah('push', 'peer', `oci:${join(dir, 'oci')}:peer`);
  rmSync(join(ctx, 'Containerfile.buildah'));
  const theirs = Layout.open(join(dir, 'oci'));
  return { layout: theirs, image: theirs.image('peer') };
}

const CASES: { name: string; setup: (ctx: string) => void; file: string[] }[] = [
  {
    name: 'RUN, ENV, ARG, WORKDIR, USER, LABEL, EXPOSE, CMD',
    setup: () => undefined,
    file: [
      'ARG BASE=base:1', 'FROM $BASE', 'ARG WHO=world', 'ENV GREETING="hello there" PATH=/usr/bin:/bin',
      'WORKDIR /srv/app', 'RUN echo "$GREETING $WHO" > greeting && mkdir -p data && chmod 700 data && ln -s greeting link',
      'USER 1000:50', 'RUN touch /tmp/made-by-1000', 'USER root',
      'RUN rm /bin/vi && rm -rf /srv/app/data', 'LABEL a=1 "b c"="d e"', 'EXPOSE 80 443/tcp 53/udp', 'CMD ["cat", "greeting"]', 'VOLUME /data',
    ],
  },
  {
    name: 'COPY and ADD: files, directories, --chown, archives, links',
    setup: (ctx) => {
      mkdirSync(join(ctx, 'tree/deep'), { recursive: true });
      writeFileSync(join(ctx, 'tree/f.txt'), 'f\n', { mode: 0o640 });
      writeFileSync(join(ctx, 'tree/deep/x.sh'), 'x\n', { mode: 0o755 });
      symlinkSync('f.txt', join(ctx, 'tree/l'));
      writeFileSync(join(ctx, 'one.txt'), 'one\n', { mode: 0o600 });
      execFileSync('tar', ['-czf', join(ctx, 'a.tar.gz'), '--owner=3', '--group=4', '-C', join(ctx, 'tree'), '.']);
    },
    file: [
      'ARG BASE=base:1', 'FROM $BASE', 'COPY tree /copied', 'COPY tree/ /copied2/', 'COPY one.txt /etc/one', 'COPY one.txt tree/f.txt /multi/',
      'COPY --chown=1000:50 tree /owned', 'COPY --chown=app one.txt /owned-by-name',
      "RUN echo 'svc:x:2000:50::/:/bin/sh' >> /etc/passwd", 'COPY --chown=svc one.txt /a/b/svc', 'COPY --chown=svc:app one.txt /svc-app',
      'ADD a.tar.gz /unpacked/', 'ADD --chown=9:9 a.tar.gz /unpacked-chown/', 'ADD one.txt /added',
      'ENTRYPOINT ["/bin/sh", "-c"]', 'CMD ["ls"]',
    ],
  },
  {
    name: 'multi-stage: COPY --from a stage, FROM a stage, SHELL',
    setup: () => undefined,
    file: [
      'ARG BASE=base:1', 'FROM $BASE AS build', 'RUN mkdir /out && echo artifact > /out/app && chmod 750 /out/app',
      'FROM build AS second', 'SHELL ["/bin/sh", "-e", "-c"]', 'RUN echo second > /second',
      'FROM scratch', 'COPY --from=build /out/app /app', 'COPY --from=second /second /bin/busybox /', 'ENV A=1', 'USER 1000', 'WORKDIR /w',
    ],
  },
];

const hasPeer = !!which('buildah') && !!findStaticBusybox() && !!which('unshare');

describe.runIf(isRoot && hasPeer)('boxlab build and buildah build the same images', () => {
  beforeAll(async () => {
    // Lower case: buildah names what it pulls from a layout by the layout's path.
    shared = join(tmpdir(), blName('peer'));
    mkdirSync(shared, { mode: 0o700 });
    work = shared;
    layout = Layout.create(join(shared, 'oci'));
    await boxlabBuild(busyboxContext(join(shared, 'basectx')), BASE_FILE, 'base:1');
  }, 120_000);
  afterAll(() => { if (shared) rmSync(shared, { recursive: true, force: true }); });
  beforeEach(() => {
    before = fingerprint();
    work = mkdtempSync(join(shared, 'w-'));
  });
  afterEach(() => {
    rmSync(work, { recursive: true, force: true });
    expect(fingerprint()).toEqual(before);
  });

  for (const c of CASES) {
    it(c.name, async () => {
      const ctx = join(work, 'ctx');
      mkdirSync(ctx);
      c.setup(ctx);
      const text = c.file.join('\n');
      const ours = await boxlabBuild(ctx, text, `case:${CASES.indexOf(c)}`);
      const theirs = buildahBuild(ctx, text);
      const mine = flatTree(layout, ours);
      expect(mine.filter((l) => STUBS.test(l))).toEqual([]);
      expect(mine).toEqual(withoutStubs(flatTree(theirs.layout, theirs.image)));
      expect(fields(ours)).toEqual(fields(theirs.image));
    }, 180_000);
  }
});
