// Making images: `build` stacks directories as layers; `commit` puts a container's
// changes (its overlay upper directory) on top of an image it ran from, as `docker
// commit` does. Either way the steps are the same: each directory becomes a layer blob,
// the config lists the layers' diff_ids, the manifest lists the blobs, index.json
// names the manifest.
import { basename } from 'node:path';
import { entriesFromDir, layerBlob } from './layer.ts';
import type { Digest } from './digest.ts';
import { checkRefName, type Image, type Layout } from './layout.ts';
import { ociArchitecture, type Descriptor, type ImageConfig } from './oci.ts';

export const DEFAULT_ENV = ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'];

export interface NewLayer {
  dir: string;
  descriptor: Descriptor;
  diffId: Digest;
  /** whether the blob was new to the layout (false: the same bytes were there already) */
  stored: boolean;
  skipped: string[];
}

/** The time an image says it was made. SOURCE_DATE_EPOCH (the reproducible-builds
 *  convention) fixes it, so the same inputs give the same config digest. */
export function createdTime(): string {
  const epoch = process.env.SOURCE_DATE_EPOCH;
  const ms = epoch && /^\d+$/.test(epoch) ? Number(epoch) * 1000 : Date.now();
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** Tar and store one directory as a layer. */
export function addLayer(layout: Layout, dir: string): NewLayer {
  const { entries, skipped } = entriesFromDir(dir);
  const blob = layerBlob(entries);
  const stored = !layout.hasBlob(blob.descriptor.digest);
  layout.writeBlob(blob.gzip);
  return { dir, descriptor: blob.descriptor, diffId: blob.diffId, stored, skipped };
}

export interface BuildOptions {
  cmd?: string[];
  env?: string[];
}

/** An image whose layers are DIRS, the first the base. */
export function buildImage(layout: Layout, ref: string, dirs: string[], opts: BuildOptions = {}): { image: Image; layers: NewLayer[] } {
  checkRefName(ref); // before any blob is written
  const created = createdTime();
  const layers = dirs.map((d) => addLayer(layout, d));
  const config: ImageConfig = {
    created,
    architecture: ociArchitecture(),
    os: 'linux',
    config: { Env: [...DEFAULT_ENV, ...(opts.env ?? [])], Cmd: opts.cmd ?? ['/bin/sh'] },
    rootfs: { type: 'layers', diff_ids: layers.map((l) => l.diffId) },
    history: layers.map((l) => ({ created, created_by: `boxlab image build: ${basename(l.dir)}` })),
  };
  return { image: layout.putImage(ref, config, layers.map((l) => l.descriptor)), layers };
}

/** A new image: FROM's layers plus one made of UPPER, a container's overlay upper dir. */
export function commitImage(layout: Layout, from: string, upper: string, ref: string): { image: Image; base: Image; layer: NewLayer } {
  checkRefName(ref);
  const base = layout.image(from);
  const layer = addLayer(layout, upper);
  const created = createdTime();
  const config: ImageConfig = {
    ...base.config,
    created,
    rootfs: { type: 'layers', diff_ids: [...base.config.rootfs.diff_ids, layer.diffId] },
    history: [...(base.config.history ?? []), { created, created_by: `boxlab image commit: ${upper}` }],
  };
  return { image: layout.putImage(ref, config, [...base.manifest.layers, layer.descriptor]), base, layer };
}
