// Unit tests of the image formats: tar (against GNU tar, both ways), digests, the OCI
// documents and the layout on disk. No kernel objects, no root needed.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync, symlinkSync, linkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DigestMismatch, sha256, verify } from '../../src/images/digest.ts';
import { Layout, LayoutError } from '../../src/images/layout.ts';
import { FormatError, MEDIA, REF_NAME, checkConfig, checkManifest } from '../../src/images/oci.ts';
import { UnpackError, applyLayer } from '../../src/images/unpack.ts';
import { dockerArchive } from '../../src/images/archive.ts';
import { layerBlob } from '../../src/images/layer.ts';
import { TarError, normalizePath, paxRecord, readTar, writeTar, type TarEntry } from '../../src/images/tar.ts';

const scratch: string[] = [];
function tmp(): string {
  const d = mkdtempSync(join(tmpdir(), 'bl-images-test-'));
  scratch.push(d);
  return d;
}
afterEach(() => { for (const d of scratch.splice(0)) rmSync(d, { recursive: true, force: true }); });

const base = { uid: 0, gid: 0, mtime: 1_700_000_000 };
const longDir = `${'d'.repeat(60)}/${'e'.repeat(60)}`; // 121 bytes: needs ustar's prefix
const veryLong = `${'x'.repeat(120)}/${'y'.repeat(120)}/file`; // fits neither field: pax

const sample: TarEntry[] = [
  { ...base, path: 'etc', type: 'dir', mode: 0o755 },
  { ...base, path: 'etc/hosts', type: 'file', mode: 0o644, data: Buffer.from('127.0.0.1 localhost\n') },
  { ...base, path: 'etc/link', type: 'symlink', mode: 0o777, linkname: 'hosts' },
  { ...base, path: 'etc/hard', type: 'hardlink', mode: 0o644, linkname: 'etc/hosts' },
  { ...base, path: 'etc/.wh.motd', type: 'file', mode: 0, data: Buffer.alloc(0) },
  { ...base, path: 'dev', type: 'dir', mode: 0o755 },
  { ...base, path: 'dev/null', type: 'char', mode: 0o666, devmajor: 1, devminor: 3 },
  { ...base, path: 'dev/fifo', type: 'fifo', mode: 0o600 },
  { ...base, path: 'bin', type: 'dir', mode: 0o755, uid: 1000, gid: 1000 },
  { ...base, path: 'bin/su', type: 'file', mode: 0o4755, data: Buffer.from('#!/bin/sh\n') },
  { ...base, path: longDir, type: 'dir', mode: 0o700 },
  { ...base, path: veryLong, type: 'file', mode: 0o600, data: Buffer.alloc(1500, 7) },
  { ...base, path: 'etc/longlink', type: 'symlink', mode: 0o777, linkname: `/${'z'.repeat(150)}` },
  { ...base, path: 'big-ids', type: 'file', mode: 0o644, uid: 3_000_000, gid: 3_000_001, data: Buffer.from('x') },
];

describe('tar', () => {
  it('reads back what it writes, every member type, long names and big ids included', () => {
    const back = readTar(writeTar(sample));
    expect(back.map(({ data, ...rest }) => ({ ...rest, data: data?.toString('hex') }))).toEqual(
      sample.map(({ data, ...rest }) => ({ ...rest, data: rest.type === 'file' ? (data ?? Buffer.alloc(0)).toString('hex') : undefined })).map((e) => JSON.parse(JSON.stringify(e))),
    );
  });

  it('is a whole number of 512-byte blocks and ends in two zero blocks', () => {
    const tar = writeTar(sample);
    expect(tar.length % 512).toBe(0);
    expect(tar.subarray(tar.length - 1024).every((b) => b === 0)).toBe(true);
  });

  it('writes archives GNU tar lists and extracts the same', () => {
    const dir = tmp();
    writeFileSync(join(dir, 'l.tar'), writeTar(sample.filter((e) => e.type !== 'char' && e.type !== 'fifo')));
    const listed = execFileSync('tar', ['-tf', join(dir, 'l.tar')], { encoding: 'utf8' }).trim().split('\n');
    expect(listed).toContain(`${longDir}/`);
    expect(listed).toContain(veryLong);
    const verbose = execFileSync('tar', ['--numeric-owner', '-tvf', join(dir, 'l.tar')], { encoding: 'utf8' });
    expect(verbose).toMatch(/-rwsr-xr-x 0\/0 +10 .* bin\/su/);
    expect(verbose).toMatch(/3000000\/3000001/);
    expect(verbose).toContain(`etc/longlink -> /${'z'.repeat(150)}`);
    expect(verbose).toContain('etc/hard link to etc/hosts');
    mkdirSync(join(dir, 'x'));
    execFileSync('tar', ['-xf', join(dir, 'l.tar'), '-C', join(dir, 'x')]);
    expect(readFileSync(join(dir, 'x', veryLong))).toEqual(Buffer.alloc(1500, 7));
    expect(readFileSync(join(dir, 'x', 'etc/hard'), 'utf8')).toBe('127.0.0.1 localhost\n');
  });

  it.each(['gnu', 'pax', 'ustar'])('reads what GNU tar writes (--format=%s)', (format) => {
    const dir = tmp();
    const src = join(dir, 'src');
    const deep = format === 'ustar' ? longDir : veryLong.replace(/\/file$/, '');
    mkdirSync(join(src, deep), { recursive: true });
    writeFileSync(join(src, deep, 'f'), 'hello');
    symlinkSync('f', join(src, deep, 's'));
    linkSync(join(src, deep, 'f'), join(src, 'h'));
    execFileSync('tar', [`--format=${format}`, '-cf', join(dir, 'g.tar'), '-C', src, '.']);
    const entries = readTar(readFileSync(join(dir, 'g.tar')));
    const byPath = new Map(entries.map((e) => [e.path, e]));
    expect(byPath.get(`${deep}/s`)).toMatchObject({ type: 'symlink', linkname: 'f' });
    // Whichever of the two names of the inode tar met first holds the data; the other links to it.
    const pair = [byPath.get('h'), byPath.get(`${deep}/f`)];
    const file = pair.find((e) => e?.type === 'file');
    const hard = pair.find((e) => e?.type === 'hardlink');
    expect(file?.data?.toString()).toBe('hello');
    expect(hard?.linkname).toBe(file?.path);
    expect(byPath.get('')?.type).toBe('dir'); // "./"
  });

  it('refuses a damaged header with the byte offset', () => {
    const tar = writeTar(sample.slice(0, 2));
    tar[512 + 5] = tar[512 + 5]! ^ 0xff; // the second header's name
    expect(() => readTar(tar)).toThrow(TarError);
    expect(() => readTar(tar)).toThrow(/at byte 512: header checksum mismatch/);
  });

  it('refuses a truncated archive', () => {
    const tar = writeTar([{ ...base, path: 'f', type: 'file', mode: 0o644, data: Buffer.alloc(2000) }]);
    expect(() => readTar(tar.subarray(0, 1024))).toThrow(/truncated/);
  });

  it('counts a pax record length including its own digits', () => {
    expect(paxRecord('path', 'a')).toBe('9 path=a\n');
    const r = paxRecord('path', 'p'.repeat(91)); // 98 bytes without the length: 100 with 2 digits -> 3 digits
    expect(Buffer.byteLength(r)).toBe(Number(r.split(' ')[0]));
    expect(r.startsWith('101 ')).toBe(true);
  });

  it('normalizes member paths', () => {
    expect(normalizePath('./a/b/')).toBe('a/b');
    expect(normalizePath('/a//b')).toBe('a/b');
    expect(normalizePath('./')).toBe('');
  });
});

describe('digests', () => {
  it('are sha256 of the bytes', () => {
    expect(sha256('')).toBe('sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    expect(sha256('abc')).toBe(`sha256:${execFileSync('sha256sum', { input: 'abc', encoding: 'utf8' }).split(' ')[0]}`);
  });

  it('catch a changed byte', () => {
    const blob = Buffer.from('layer');
    const d = sha256(blob);
    blob[0] = 0x4c;
    expect(() => verify('blob', blob, d)).toThrow(DigestMismatch);
  });
});

describe('OCI documents', () => {
  const desc = { mediaType: MEDIA.config, digest: sha256('{}'), size: 2 };
  it('accept a well-formed manifest and config', () => {
    expect(checkManifest('m', { schemaVersion: 2, mediaType: MEDIA.manifest, config: desc, layers: [] }).layers).toEqual([]);
    expect(checkConfig('c', { architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [sha256('')] } }).os).toBe('linux');
  });

  it.each([
    [{ schemaVersion: 1, config: desc, layers: [] }, /schemaVersion must be 2/],
    [{ schemaVersion: 2, config: { ...desc, digest: 'md5:00' }, layers: [] }, /not sha256/],
    [{ schemaVersion: 2, config: { ...desc, size: -1 }, layers: [] }, /no size/],
    [{ schemaVersion: 2, mediaType: MEDIA.index, config: desc, layers: [] }, /not an image manifest/],
    [{ schemaVersion: 2, config: desc }, /layers must be an array/],
  ])('refuse a bad manifest: %j', (doc, message) => {
    expect(() => checkManifest('m', doc)).toThrow(FormatError);
    expect(() => checkManifest('m', doc)).toThrow(message);
  });

  it('refuse a config without rootfs diff_ids', () => {
    expect(() => checkConfig('c', { architecture: 'amd64', os: 'linux', rootfs: { type: 'layers' } })).toThrow(/diff_ids/);
  });
});

describe('the OCI layout', () => {
  it('is oci-layout, index.json and blobs/sha256 named by digest', () => {
    const dir = join(tmp(), 'oci');
    const layout = Layout.create(dir);
    expect(JSON.parse(readFileSync(join(dir, 'oci-layout'), 'utf8'))).toEqual({ imageLayoutVersion: '1.0.0' });
    const { digest, size } = layout.writeBlob(Buffer.from('hello'));
    expect(readFileSync(join(dir, 'blobs', 'sha256', digest.slice(7)), 'utf8')).toBe('hello');
    expect(layout.writeBlob(Buffer.from('hello'))).toEqual({ digest, size }); // stored once
    layout.tag('app:1', { mediaType: MEDIA.manifest, digest, size });
    layout.tag('app:1', { mediaType: MEDIA.manifest, digest, size }); // a ref moves, never doubles
    const index = JSON.parse(readFileSync(join(dir, 'index.json'), 'utf8'));
    expect(index.manifests).toEqual([{ mediaType: MEDIA.manifest, digest, size, annotations: { [REF_NAME]: 'app:1' } }]);
  });

  it('finds a changed blob, and names what is missing', () => {
    const dir = join(tmp(), 'oci');
    const layout = Layout.create(dir);
    const { digest } = layout.writeBlob(Buffer.from('hello'));
    writeFileSync(layout.blobPath(digest), 'hellp');
    expect(() => layout.readBlob(digest)).toThrow(DigestMismatch);
    expect(() => layout.resolve('nope')).toThrow(/has no image named nope/);
    expect(() => Layout.open(tmp())).toThrow(LayoutError);
    expect(() => layout.tag('bad name', { mediaType: MEDIA.manifest, digest, size: 5 })).toThrow(/not a valid image name/);
  });
});

describe('the docker-archive (docker save/load)', () => {
  it('holds manifest.json, the config under its digest and each layer uncompressed under its diff_id', () => {
    const layout = Layout.create(join(tmp(), 'oci'));
    const layer = layerBlob(sample.slice(0, 3));
    layout.writeBlob(layer.gzip);
    const config = { architecture: 'amd64', os: 'linux', config: { Cmd: ['/bin/sh'] }, rootfs: { type: 'layers' as const, diff_ids: [layer.diffId] } };
    const image = layout.putImage('app:1', config, [layer.descriptor]);
    const members = readTar(dockerArchive(layout, 'app:1', 'lab/app:2'));
    const file = (path: string) => members.find((m) => m.path === path)?.data;
    const configName = `${image.manifest.config.digest.slice(7)}.json`;
    expect(JSON.parse(file('manifest.json')!.toString())).toEqual([{ Config: configName, RepoTags: ['lab/app:2'], Layers: [`${layer.diffId.slice(7)}/layer.tar`] }]);
    expect(sha256(file(configName)!)).toBe(image.manifest.config.digest);
    expect(sha256(file(`${layer.diffId.slice(7)}/layer.tar`)!)).toBe(layer.diffId);
    // GNU tar lists it, and reads the layer inside.
    const path = join(tmp(), 'app.tar');
    writeFileSync(path, dockerArchive(layout, 'app:1'));
    expect(execFileSync('tar', ['-tf', path], { encoding: 'utf8' }).split('\n')).toContain('manifest.json');
  });
});

describe('applying a layer', () => {
  it.each([
    [[{ ...base, path: '../escaped', type: 'file' as const, mode: 0o644, data: Buffer.from('x') }], /stay inside the layer/],
    [[
      { ...base, path: 'etc', type: 'symlink' as const, mode: 0o777, linkname: '/tmp' },
      { ...base, path: 'etc/escaped', type: 'file' as const, mode: 0o644, data: Buffer.from('x') },
    ], /is a symbolic link/],
    [[{ ...base, path: 'h', type: 'hardlink' as const, mode: 0o644, linkname: '../../etc/passwd' }], /stay inside the layer/],
  ])('refuses a member that would write outside the destination (%#)', (entries, message) => {
    const dest = join(tmp(), 'dest');
    mkdirSync(dest);
    expect(() => applyLayer(entries, dest, 'flat')).toThrow(UnpackError);
    expect(() => applyLayer(entries, join(tmp()), 'flat')).toThrow(message);
    expect(existsSync('/tmp/escaped')).toBe(false);
    expect(existsSync(join(dest, '..', 'escaped'))).toBe(false);
  });

  it('deletes what a flat layer whites out, before adding its own members', () => {
    const dest = tmp();
    applyLayer([
      { ...base, path: 'a', type: 'dir', mode: 0o755 },
      { ...base, path: 'a/old', type: 'file', mode: 0o644, data: Buffer.from('1') },
      { ...base, path: 'a/keep', type: 'file', mode: 0o644, data: Buffer.from('1') },
      { ...base, path: 'b', type: 'dir', mode: 0o755 },
      { ...base, path: 'b/x', type: 'file', mode: 0o644, data: Buffer.from('1') },
    ], dest, 'flat');
    const r = applyLayer([
      { ...base, path: 'b/y', type: 'file', mode: 0o644, data: Buffer.from('2') },
      { ...base, path: 'a/.wh.old', type: 'file', mode: 0, data: Buffer.alloc(0) },
      { ...base, path: 'b/.wh..wh..opq', type: 'file', mode: 0, data: Buffer.alloc(0) }, // after its sibling: still applied first
    ], dest, 'flat');
    expect(r).toMatchObject({ whiteouts: ['/a/old'], opaque: ['/b'] });
    expect(readdirSync(join(dest, 'a')).sort()).toEqual(['keep']);
    expect(readdirSync(join(dest, 'b')).sort()).toEqual(['y']);
  });
});
