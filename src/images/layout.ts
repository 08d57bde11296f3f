// The OCI image layout: images as plain files in a directory (image-spec
// image-layout.md), which skopeo, umoci, buildah and containerd can all read.
//
//   DIR/oci-layout               {"imageLayoutVersion": "1.0.0"}: "this is a layout"
//   DIR/index.json               an image index: the manifests, each named by the
//                                annotation org.opencontainers.image.ref.name
//   DIR/blobs/sha256/<hex>       every blob, named by the sha256 of its bytes
//
// Blobs are never changed in place: a new content is a new name. So writing one is
// "write a temporary file, rename it to its digest" (a reader sees the whole blob or
// none), and writing a blob that is there already costs nothing.
import { existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { digestHex, isDigest, sha256, verify, type Digest } from './digest.ts';
import {
  FormatError, MEDIA, REF_NAME, canonicalJson, checkConfig, checkIndex, checkManifest, parseJson,
  type Descriptor, type ImageConfig, type Index, type Manifest,
} from './oci.ts';
import { images as text } from '../text/index.ts';

const LAYOUT_VERSION = '1.0.0';

/** An image as a layout holds it: the manifest's descriptor, the manifest, its config. */
export interface Image {
  ref?: string;
  descriptor: Descriptor;
  manifest: Manifest;
  config: ImageConfig;
}

export class LayoutError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LayoutError';
  }
}

let tmpCounter = 0;

export class Layout {
  private constructor(readonly dir: string) {}

  /** Open DIR as a layout, making an empty one there if DIR is missing or empty. */
  static create(dir: string): Layout {
    const layout = new Layout(dir);
    if (existsSync(join(dir, 'oci-layout'))) return Layout.open(dir);
    mkdirSync(join(dir, 'blobs', 'sha256'), { recursive: true });
    writeFileSync(join(dir, 'oci-layout'), JSON.stringify({ imageLayoutVersion: LAYOUT_VERSION }) + '\n');
    layout.writeIndex({ schemaVersion: 2, mediaType: MEDIA.index, manifests: [] });
    return layout;
  }

  /** Open an existing layout; a clear error when DIR is not one. */
  static open(dir: string): Layout {
    const marker = join(dir, 'oci-layout');
    if (!existsSync(marker)) {
      throw new LayoutError(text.notLayout(dir));
    }
    const v = parseJson(marker, readFileSync(marker)) as { imageLayoutVersion?: unknown };
    if (v?.imageLayoutVersion !== LAYOUT_VERSION) {
      throw new LayoutError(text.layoutVersion(marker, JSON.stringify(v?.imageLayoutVersion), LAYOUT_VERSION));
    }
    return new Layout(dir);
  }

  blobPath(d: Digest): string {
    return join(this.dir, 'blobs', 'sha256', digestHex(d));
  }

  hasBlob(d: Digest): boolean {
    return existsSync(this.blobPath(d));
  }

  /** Store bytes under their digest; returns it. */
  writeBlob(bytes: Buffer): { digest: Digest; size: number } {
    const digest = sha256(bytes);
    const path = this.blobPath(digest);
    if (!existsSync(path)) {
      // Synchronous write and rename: no other code of this process runs in between,
      // and a crash leaves at most a bl- temporary file, never a half blob under a digest.
      const tmp = join(this.dir, 'blobs', `bl-${process.pid}-${++tmpCounter}.tmp`);
      writeFileSync(tmp, bytes);
      renameSync(tmp, path);
    }
    return { digest, size: bytes.length };
  }

  /** A blob's bytes, checked against its digest (and size, when known). */
  readBlob(d: Digest, size?: number): Buffer {
    const path = this.blobPath(d);
    if (!existsSync(path)) throw new LayoutError(`${this.dir}: blob ${d} is missing (no file ${path})`);
    if (size !== undefined && statSync(path).size !== size) {
      throw new LayoutError(text.blobSize(path, size, statSync(path).size));
    }
    const bytes = readFileSync(path);
    verify(path, bytes, d);
    return bytes;
  }

  /** Store a JSON document as a blob and describe it. */
  writeJson(mediaType: string, doc: unknown): Descriptor {
    return { mediaType, ...this.writeBlob(canonicalJson(doc)) };
  }

  index(): Index {
    const path = join(this.dir, 'index.json');
    if (!existsSync(path)) throw new LayoutError(text.noIndex(this.dir));
    return checkIndex(path, parseJson(path, readFileSync(path)));
  }

  writeIndex(index: Index): void {
    const path = join(this.dir, 'index.json');
    const tmp = join(this.dir, `bl-${process.pid}-${++tmpCounter}.tmp`);
    writeFileSync(tmp, JSON.stringify(index, null, 2) + '\n');
    renameSync(tmp, path);
  }

  /** The images of index.json: name (when it has one) and descriptor. */
  refs(): { ref?: string; descriptor: Descriptor }[] {
    return this.index().manifests.map((d) => ({ ref: d.annotations?.[REF_NAME], descriptor: d }));
  }

  /** The manifest descriptor named REF (a ref name, or a manifest digest). */
  resolve(ref: string): Descriptor {
    const refs = this.refs();
    const found = isDigest(ref) ? refs.find((r) => r.descriptor.digest === ref) : refs.find((r) => r.ref === ref);
    if (!found) {
      const names = refs.map((r) => r.ref).filter(Boolean);
      throw new LayoutError(text.noImage(this.dir, ref, names));
    }
    return found.descriptor;
  }

  /** Name a manifest REF in index.json (a ref of that name moves to it). */
  tag(ref: string, manifest: Descriptor): void {
    checkRefName(ref);
    const index = this.index();
    const { annotations: _old, ...plain } = manifest;
    const named: Descriptor = { ...plain, annotations: { [REF_NAME]: ref } };
    index.manifests = [...index.manifests.filter((d) => d.annotations?.[REF_NAME] !== ref), named];
    this.writeIndex(index);
  }

  /** The image REF names: its manifest and config, each read and checked. */
  image(ref: string): Image {
    const descriptor = this.resolve(ref);
    const manifest = checkManifest(`manifest ${descriptor.digest}`, parseJson(descriptor.digest, this.readBlob(descriptor.digest, descriptor.size)));
    const config = checkConfig(`config ${manifest.config.digest}`, parseJson(manifest.config.digest, this.readBlob(manifest.config.digest, manifest.config.size)));
    if (config.rootfs.diff_ids.length !== manifest.layers.length) {
      throw new FormatError(text.imageNamed(ref), text.layerCount(manifest.layers.length, config.rootfs.diff_ids.length));
    }
    return { ref: isDigest(ref) ? undefined : ref, descriptor, manifest, config };
  }

  /** Write the config and a manifest over `layers` (blobs already stored), name it REF. */
  putImage(ref: string, config: ImageConfig, layers: Descriptor[]): Image {
    checkRefName(ref);
    const image = this.storeImage(config, layers);
    this.tag(ref, image.descriptor);
    return { ...image, ref };
  }

  /** Write the config and a manifest; index.json is not touched. */
  storeImage(config: ImageConfig, layers: Descriptor[]): Image {
    const configDesc = this.writeJson(MEDIA.config, config);
    const manifest: Manifest = { schemaVersion: 2, mediaType: MEDIA.manifest, config: configDesc, layers };
    return { descriptor: this.writeJson(MEDIA.manifest, manifest), manifest, config };
  }

  /** List a manifest in index.json without a name (an image built without -t, as
   *  Docker's <none>), once. */
  addUnnamed(manifest: Descriptor): void {
    const index = this.index();
    if (index.manifests.some((d) => d.digest === manifest.digest && !d.annotations?.[REF_NAME])) return;
    const { annotations: _old, ...plain } = manifest;
    index.manifests = [...index.manifests, plain];
    this.writeIndex(index);
  }
}

/** The spec's ref grammar (image-layout.md): components of [A-Za-z0-9] joined by
 *  separators [-._:@/+] (and "--"). */
export function checkRefName(ref: string): void {
  if (!/^[A-Za-z0-9]+(?:(?:[-._:@/+]|--)[A-Za-z0-9]+)*$/.test(ref)) {
    throw new LayoutError(text.badRef(ref));
  }
}
