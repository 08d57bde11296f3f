// Images on the real kernel and a real registry, as root: boxlab writes a layout and
// skopeo and umoci (other people's code) read it back and agree on every digest;
// whiteouts unpacked into lower directories hide files in a real overlay mount; a
// container's upper directory committed and unpacked again gives the container's tree;
// push and pull go through Debian's docker-registry on 127.0.0.1, which skopeo reads.
// Every test leaves the host as it found it: no mount, no process, no bl- directory.
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { Core, repoRoot } from '../../src/core/index.ts';
import { snapshot } from '../../src/kernel/index.ts';
import { kernel as words } from '../../src/text/index.ts';
import { Ledger } from '../../src/ledger/index.ts';
import { sha256 } from '../../src/images/digest.ts';
import { buildImage, commitImage } from '../../src/images/image.ts';
import { readLayer } from '../../src/images/layer.ts';
import { Layout } from '../../src/images/layout.ts';
import { credentialsFor, parseRegistryRef, pullImage, pushImage, type Exchange } from '../../src/images/registry.ts';
import { startRegistry } from '../../src/images/registry-server.ts';
import { getXattr, OPAQUE_XATTR } from '../../src/images/special.ts';
import { lowerdirOf, unpackImage } from '../../src/images/unpack.ts';
import { fingerprint, isRoot, type HostFingerprint } from '../helpers/host.ts';
import { testRootfs } from '../helpers/rootfs.ts';
import { tree as lines } from '../helpers/tree.ts';

/** File times count here: a commit must keep them. */
const tree = (root: string) => lines(root, { fileTimes: true });

let rootfs: Awaited<ReturnType<typeof testRootfs>>;
let work: string;
let before: HostFingerprint;
let core: Core | undefined;

/** docker-registry processes of the lab (their config is in a bl-registry- directory). */
function registryProcesses(): string[] {
  return readdirSync('/proc').filter((n) => /^\d+$/.test(n)).flatMap((pid) => {
    try {
      const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ');
      return cmd.includes('/bl-registry-') ? [`${pid} ${cmd}`] : [];
    } catch {
      return [];
    }
  });
}

beforeAll(async () => { if (isRoot) rootfs = await testRootfs(); }, 120_000);
afterAll(async () => { await rootfs?.remove(); });
beforeEach(() => {
  before = fingerprint();
  work = mkdtempSync(join(tmpdir(), 'bl-images-'));
});
/** The registry's processes once SIGKILL has had time to land (a Go program with many
 *  threads takes some milliseconds to die). */
async function registriesLeft(): Promise<string[]> {
  for (let i = 0; i < 40 && registryProcesses().length; i++) await new Promise((r) => setTimeout(r, 50));
  return registryProcesses();
}

afterEach(async () => {
  await core?.close();
  core = undefined;
  rmSync(work, { recursive: true, force: true });
  expect(fingerprint()).toEqual(before);
  expect(await registriesLeft()).toEqual([]);
});

const skopeo = (...args: string[]) => execFileSync('skopeo', args, { encoding: 'utf8' });

/** An app layer over the rootfs, and a second layer that deletes: a plain whiteout
 *  (etc/.wh.hostname, app/.wh.old.log) and an opaque directory (app/data). */
function twoLayerImage(layout: Layout) {
  const app = join(work, 'app');
  mkdirSync(join(app, 'app/data'), { recursive: true });
  writeFileSync(join(app, 'app/config'), 'port = 8080\n');
  writeFileSync(join(app, 'app/old.log'), 'old entries\n');
  writeFileSync(join(app, 'app/data/a'), 'a\n');
  writeFileSync(join(app, 'app/data/b'), 'b\n');
  const del = join(work, 'delete');
  mkdirSync(join(del, 'etc'), { recursive: true });
  mkdirSync(join(del, 'app/data'), { recursive: true });
  writeFileSync(join(del, 'etc/.wh.hostname'), '');
  writeFileSync(join(del, 'app/.wh.old.log'), '');
  writeFileSync(join(del, 'app/data/.wh..wh..opq'), '');
  writeFileSync(join(del, 'app/data/c'), 'c\n');
  return buildImage(layout, 'app:1', [rootfs.dir, app, del]);
}

describe.runIf(isRoot)('images, read back by skopeo and umoci, on a real overlay', () => {
  it('writes a layout that skopeo and umoci read, with the same digests', () => {
    const layout = Layout.create(join(work, 'oci'));
    const { image } = twoLayerImage(layout);
    const raw = execFileSync('skopeo', ['inspect', '--raw', `oci:${layout.dir}:app:1`]);
    expect(sha256(raw)).toBe(image.descriptor.digest);
    const info = JSON.parse(skopeo('inspect', `oci:${layout.dir}:app:1`)) as { Digest: string; Layers: string[]; Os: string };
    expect(info.Digest).toBe(image.descriptor.digest);
    expect(info.Layers).toEqual(image.manifest.layers.map((l) => l.digest));
    const config = execFileSync('skopeo', ['inspect', '--config', '--raw', `oci:${layout.dir}:app:1`]);
    expect(sha256(config)).toBe(image.manifest.config.digest);
    expect(JSON.parse(config.toString()).rootfs.diff_ids).toEqual(image.config.rootfs.diff_ids);
    // GNU tar reads the layer blob, and its diff_id is the sha256 of the tar inside.
    const blob = layout.blobPath(image.manifest.layers[2]!.digest);
    expect(execFileSync('tar', ['-tzf', blob], { encoding: 'utf8' }).split('\n')).toEqual(expect.arrayContaining(['etc/.wh.hostname', 'app/data/.wh..wh..opq', 'app/data/c']));
    expect(sha256(execFileSync('gzip', ['-dc', blob]))).toBe(image.config.rootfs.diff_ids[2]);

    // umoci checks every digest as it unpacks, and applies the whiteouts: its tree is
    // the one boxlab's flat unpack makes.
    execFileSync('umoci', ['unpack', '--image', `${layout.dir}:app:1`, join(work, 'bundle')], { stdio: 'ignore' });
    unpackImage(layout, image, join(work, 'flat'), 'flat');
    const theirs = tree(join(work, 'bundle', 'rootfs'));
    expect(tree(join(work, 'flat'))).toEqual(theirs);
    expect(theirs.some((l) => l.startsWith('etc/hostname '))).toBe(false);
    expect(theirs.filter((l) => l.startsWith('app/data/')).map((l) => l.split(' ')[0])).toEqual(['app/data/c']);
  });

  it('unpacks .wh. entries into whiteouts and opaque directories, and an overlay mount hides what they delete', async () => {
    const layout = Layout.create(join(work, 'oci'));
    const { image } = twoLayerImage(layout);
    const layers = unpackImage(layout, image, join(work, 'lowers'), 'overlay');
    expect(layers[2]).toMatchObject({ whiteouts: ['/app/old.log', '/etc/hostname'], opaque: ['/app/data'] });
    const wh = lstatSync(join(work, 'lowers/3/etc/hostname'));
    expect([wh.isCharacterDevice(), wh.rdev]).toEqual([true, 0]);
    expect(getXattr(join(work, 'lowers/3/app/data'), OPAQUE_XATTR)).toBe('y');
    expect(readdirSync(join(work, 'lowers/2/app/data')).sort()).toEqual(['a', 'b']); // the layer below is untouched

    core = await Core.start();
    const { ct, pid } = await core.clone(['mnt']);
    await core.propagation(ct, 'private');
    for (const d of ['upper', 'work', 'merged']) mkdirSync(join(work, d));
    await core.mount(ct, { type: 'overlay', target: join(work, 'merged'), lower: lowerdirOf(layers), upper: join(work, 'upper'), work: join(work, 'work') });
    const merged = `/proc/${pid}/root${work}/merged`;
    // The fs view marks the whiteouts of the lower layers (1 = top in lowerdir).
    const fs = (await snapshot(pid, ['fs'])).views.fs!;
    expect(fs.rows.filter((r) => r.cells.mark === words.fsLowerMark(1)).map((r) => r.cells.path)).toEqual([`${work}/merged/app/old.log`, `${work}/merged/etc/hostname`]);
    expect(readdirSync(join(merged, 'etc'))).not.toContain('hostname');
    expect(readdirSync(join(merged, 'etc'))).toContain('hosts');
    expect(readdirSync(join(merged, 'app')).sort()).toEqual(['config', 'data']);
    expect(readdirSync(join(merged, 'app/data'))).toEqual(['c']);
    // The mounted union is the tree the whiteouts describe: umoci's flat unpack.
    execFileSync('umoci', ['unpack', '--image', `${layout.dir}:app:1`, join(work, 'bundle')], { stdio: 'ignore' });
    expect(tree(merged)).toEqual(tree(join(work, 'bundle', 'rootfs')));
  });

  it('commits an upper dir into a layer and a new image; unpacking it gives the container\'s tree', async () => {
    const layout = Layout.create(join(work, 'oci'));
    const { image: base } = twoLayerImage(layout);
    const layers = unpackImage(layout, base, join(work, 'lowers'), 'overlay');
    core = await Core.start();
    const { ct, pid } = await core.clone(['mnt']);
    await core.propagation(ct, 'private');
    for (const d of ['upper', 'work', 'merged']) mkdirSync(join(work, d));
    const m = join(work, 'merged');
    await core.mount(ct, { type: 'overlay', target: m, lower: lowerdirOf(layers), upper: join(work, 'upper'), work: join(work, 'work') });
    const changed = await core.join({ pid }, ['/bin/sh', '-c', [
      `echo new > ${m}/app/new`, `echo 'port = 9090' > ${m}/app/config`, `rm ${m}/etc/hosts`,
      `rm -rf ${m}/app/data`, `mkdir ${m}/app/data`, `echo z > ${m}/app/data/z`, `ln -s config ${m}/app/link`,
    ].join(' && ')]);
    expect(changed.code).toBe(0);

    const { image, layer } = commitImage(layout, 'app:1', join(work, 'upper'), 'app:2');
    expect(image.manifest.layers.slice(0, 3)).toEqual(base.manifest.layers); // the old layers, shared
    expect(image.config.rootfs.diff_ids).toEqual([...base.config.rootfs.diff_ids, layer.diffId]);
    expect(image.config.history?.length).toBe(4);
    const names = readLayer(layout.readBlob(layer.descriptor.digest)).entries.map((e) => e.path);
    expect(names).toEqual(expect.arrayContaining(['app/new', 'app/config', 'etc/.wh.hosts', 'app/data', 'app/data/.wh..wh..opq', 'app/data/z', 'app/link']));
    // Whiteouts before their siblings, the opaque marker right after its directory.
    expect(names.indexOf('etc/.wh.hosts')).toBeLessThan(names.findIndex((n) => n.startsWith('etc/') && !n.includes('.wh.')) >>> 0);
    expect(names.indexOf('app/data/.wh..wh..opq')).toBe(names.indexOf('app/data') + 1);

    const want = tree(`/proc/${pid}/root${m}`);
    unpackImage(layout, image, join(work, 'flat'), 'flat');
    expect(tree(join(work, 'flat'))).toEqual(want);
    execFileSync('umoci', ['unpack', '--image', `${layout.dir}:app:2`, join(work, 'bundle')], { stdio: 'ignore' });
    expect(tree(join(work, 'bundle', 'rootfs'))).toEqual(want);
    // And as overlay lowers again, in a second container.
    const again = unpackImage(layout, image, join(work, 'lowers2'), 'overlay');
    const c2 = await core.clone(['mnt']);
    await core.propagation(c2.ct, 'private');
    for (const d of ['upper2', 'work2', 'merged2']) mkdirSync(join(work, d));
    await core.mount(c2.ct, { type: 'overlay', target: join(work, 'merged2'), lower: lowerdirOf(again), upper: join(work, 'upper2'), work: join(work, 'work2') });
    expect(tree(`/proc/${c2.pid}/root${work}/merged2`)).toEqual(want);
  });

  it('pushes to and pulls from docker-registry on 127.0.0.1, and skopeo reads what boxlab pushed', async () => {
    const layout = Layout.create(join(work, 'oci'));
    const { image } = twoLayerImage(layout);
    const ledger = Ledger.open(); // the default, as the lessons' registry has: in /run/boxlab
    const registry = await startRegistry(ledger);
    try {
      expect(registry.address).toMatch(/^127\.0\.0\.1:\d+$/);
      const seen: Exchange[] = [];
      const login = { user: registry.login.user, password: registry.login.password };
      const pushed = await pushImage(layout, 'app:1', parseRegistryRef(`${registry.address}/lab/app:1`), (e) => seen.push(e), login);
      expect(pushed).toEqual({ digest: image.descriptor.digest, uploaded: 4, present: 0 });
      // The protocol as the spec has it: check, then per blob HEAD 404, POST 202, PUT 201; the manifest last.
      expect(seen.map((e) => `${e.method} ${e.status}`)).toEqual(['GET 200', ...Array(4).fill(['HEAD 404', 'POST 202', 'PUT 201']).flat(), 'PUT 201']);
      const again = await pushImage(layout, 'app:1', parseRegistryRef(`${registry.address}/lab/app:stable`), undefined, login);
      expect(again).toMatchObject({ uploaded: 0, present: 4 });

      const auth = ['--authfile', registry.login.authFile];
      const info = JSON.parse(skopeo('inspect', '--tls-verify=false', ...auth, `docker://${registry.address}/lab/app:1`)) as { Digest: string; Layers: string[] };
      expect(info.Digest).toBe(image.descriptor.digest);
      expect(info.Layers).toEqual(image.manifest.layers.map((l) => l.digest));
      skopeo('copy', '--src-tls-verify=false', ...auth, `docker://${registry.address}/lab/app:stable`, `oci:${join(work, 'copied')}:app`);
      expect(sha256(execFileSync('skopeo', ['inspect', '--raw', `oci:${join(work, 'copied')}:app`]))).toBe(image.descriptor.digest);

      const pulledLayout = Layout.create(join(work, 'pulled'));
      const pulled = await pullImage(parseRegistryRef(`${registry.address}/lab/app:1`), () => pulledLayout, 'app:1', undefined, login);
      expect(pulled).toEqual({ digest: image.descriptor.digest, fetched: 4, present: 0 });
      const back = pulledLayout.image('app:1');
      expect(back.manifest).toEqual(image.manifest);
      expect(back.config).toEqual(image.config);
      // A blob the layout has is not fetched again.
      expect(await pullImage(parseRegistryRef(`${registry.address}/lab/app:stable`), () => pulledLayout, 'app:stable', undefined, login)).toMatchObject({ fetched: 0, present: 4 });
      const untouched = join(work, 'untouched');
      await expect(pullImage(parseRegistryRef(`${registry.address}/lab/none:1`), () => Layout.create(untouched), 'x:1', undefined, login)).rejects.toThrow(/has no manifest lab\/none:1/);
      expect(existsSync(untouched)).toBe(false); // a pull that cannot start makes no layout
    } finally {
      await registry.stop();
      expect(await ledger.close()).toEqual([]);
    }
    expect(registryProcesses()).toEqual([]);
  }, 60_000);

  it('takes nothing from another local user: no login, no push, no tag; the login is root\'s alone', async () => {
    const layout = Layout.create(join(work, 'oci'));
    twoLayerImage(layout);
    const ledger = Ledger.open(); // the default, as the lessons' registry has: in /run/boxlab
    const registry = await startRegistry(ledger);
    try {
      const { authFile, netrcFile } = registry.login;
      for (const f of [authFile, netrcFile]) expect(statSync(f).mode & 0o077, `${f} is root's alone`).toBe(0);
      expect(statSync(dirname(authFile)).mode & 0o077).toBe(0);
      const asNobody = (cmd: string) => spawnSync('su', ['-s', '/bin/sh', 'nobody', '-c', cmd], { encoding: 'utf8', timeout: 20_000 });
      const api = `http://${registry.address}/v2`;
      // Uploads, tags and reads, each as another user would try them: all 401.
      const tries = [
        `curl -s -o /dev/null -w '%{http_code}' -X POST ${api}/lab/app/blobs/uploads/`,
        `curl -s -o /dev/null -w '%{http_code}' -X PUT -H 'Content-Type: application/vnd.oci.image.manifest.v1+json' --data-binary '{}' ${api}/lab/app/manifests/1`,
        `curl -s -o /dev/null -w '%{http_code}' ${api}/_catalog`,
      ];
      for (const cmd of tries) expect(asNobody(cmd).stdout, cmd).toBe('401');
      expect(asNobody(`cat ${authFile} ${netrcFile}`).status, 'nobody cannot read the login').not.toBe(0);
      // boxlab image push without the login is refused, saying how to log in.
      await expect(pushImage(layout, 'app:1', parseRegistryRef(`${registry.address}/lab/app:1`))).rejects.toThrow(/wants a login \(401\): pass --authfile FILE/);
      // With it (the auth file, as the CLI and skopeo read it), it goes through.
      const login = credentialsFor(authFile, registry.address)!;
      expect(await pushImage(layout, 'app:1', parseRegistryRef(`${registry.address}/lab/app:1`), undefined, login)).toMatchObject({ uploaded: 4 });
      expect(execFileSync('curl', ['-s', '--netrc-file', netrcFile, `${api}/lab/app/tags/list`], { encoding: 'utf8' })).toContain('"1"');
      expect(asNobody(`curl -s -o /dev/null -w '%{http_code}' ${api}/lab/app/manifests/1`).stdout).toBe('401');
    } finally {
      await registry.stop();
      expect(await ledger.close()).toEqual([]);
    }
  }, 60_000);

  // The registry lesson's registry is a process and a directory of the lab: however the
  // lesson ends, both go (SIGTERM unwinds the ledger; after SIGKILL the registry dies of
  // PR_SET_PDEATHSIG and `boxlab cleanup` removes its storage).
  it('the registry lesson, stopped by SIGTERM or SIGKILL mid-way, leaves no registry behind', async () => {
    const cli = join(repoRoot(), 'dist', 'boxlab.mjs');
    // A state root of its own, so `boxlab cleanup` sees this lesson's ledger and no other.
    const state = join(work, 'state');
    mkdirSync(state);
    const env = { ...process.env, NO_COLOR: '1', BOXLAB_ROOTFS: rootfs.dir, BOXLAB_STATE_DIR: state };
    const leftovers = () => [...readdirSync(state).filter((n) => n.startsWith('bl-')), ...readdirSync(join(state, 'ledger'))];
    const holdAt = async (k: number): Promise<ChildProcess> => {
      const child = spawn('node', [cli, 'lesson', 'registry', '--yes', '--until', String(k)], { stdio: ['ignore', 'pipe', 'pipe'], env });
      let out = '';
      await new Promise<void>((resolve, reject) => {
        child.stdout!.on('data', (d: Buffer) => { out += d.toString(); if (out.includes(`holding after step ${k} `)) resolve(); });
        child.once('exit', (code) => reject(new Error(`the lesson ended (${code}) before step ${k}:\n${out}`)));
      });
      return child;
    };
    const exited = (c: ChildProcess) => new Promise<number | null>((r) => c.once('exit', (code) => r(code)));
    const term = await holdAt(3);
    expect(registryProcesses()).toHaveLength(1);
    term.kill('SIGTERM');
    expect(await exited(term)).toBe(143);
    expect(await registriesLeft()).toEqual([]);
    expect(leftovers()).toEqual([]);

    const killed = await holdAt(3);
    killed.kill('SIGKILL');
    await exited(killed);
    expect(await registriesLeft()).toEqual([]); // PR_SET_PDEATHSIG
    expect(leftovers().some((n) => n.startsWith('bl-registry-'))).toBe(true);
    const clean = spawnSync('node', [cli, 'cleanup'], { encoding: 'utf8', env });
    expect(clean.status, clean.stdout + clean.stderr).toBe(0);
    expect(clean.stdout).toMatch(/bl-registry-/);
    expect(leftovers()).toEqual([]);
  }, 90_000);
});
