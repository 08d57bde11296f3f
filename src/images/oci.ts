// The OCI image format's JSON documents (image-spec v1.1): what each field means and
// which ones a document must have. Three documents point at each other by digest:
//
//   index.json ──> manifest ──> config   (os, architecture, Cmd/Env, rootfs.diff_ids)
//                     └──────> layers[] (tar+gzip blobs, base layer first)
//
// A descriptor (mediaType, digest, size) is how one names another: the digest makes
// the reference tamper-evident, the size lets a reader refuse an oversized blob before
// reading it, the media type says how to read it.
import { isDigest, type Digest } from './digest.ts';
import { images as text } from '../text/index.ts';

export const MEDIA = {
  index: 'application/vnd.oci.image.index.v1+json',
  manifest: 'application/vnd.oci.image.manifest.v1+json',
  config: 'application/vnd.oci.image.config.v1+json',
  layer: 'application/vnd.oci.image.layer.v1.tar',
  layerGzip: 'application/vnd.oci.image.layer.v1.tar+gzip',
  // Docker's own (schema 2) names for the same shapes, which registries also serve.
  dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
  dockerConfig: 'application/vnd.docker.container.image.v1+json',
  dockerLayerGzip: 'application/vnd.docker.image.rootfs.diff.tar.gzip',
} as const;

/** The annotation that gives a manifest in index.json its name (the "tag" of a layout). */
export const REF_NAME = 'org.opencontainers.image.ref.name';

export interface Descriptor {
  mediaType: string;
  digest: Digest;
  size: number;
  annotations?: Record<string, string>;
  platform?: { architecture: string; os: string };
}

export interface Manifest {
  schemaVersion: 2;
  mediaType?: string;
  config: Descriptor;
  layers: Descriptor[];
  annotations?: Record<string, string>;
}

export interface Index {
  schemaVersion: 2;
  mediaType?: string;
  manifests: Descriptor[];
}

export interface ImageConfig {
  created?: string;
  author?: string;
  architecture: string;
  os: string;
  /** What a runtime should run, and how: the base of the OCI runtime's config.json. */
  config?: {
    User?: string;
    Env?: string[];
    Entrypoint?: string[];
    Cmd?: string[];
    WorkingDir?: string;
    Labels?: Record<string, string>;
    /** "80/tcp": {} for each port EXPOSE names. */
    ExposedPorts?: Record<string, Record<string, never>>;
    /** "/data": {} for each VOLUME. */
    Volumes?: Record<string, Record<string, never>>;
    /** SHELL: Docker's own field (not in the OCI spec), the shell of shell-form commands. */
    Shell?: string[];
  };
  /** diff_ids: the digests of the layers *uncompressed*, base first. They name the
   *  filesystem changes themselves, however the blobs happen to be compressed. */
  rootfs: { type: 'layers'; diff_ids: Digest[] };
  history?: { created?: string; created_by?: string; comment?: string; empty_layer?: boolean }[];
}

export class FormatError extends Error {
  constructor(readonly what: string, message: string) {
    super(text.inDocument(what, message));
    this.name = 'FormatError';
  }
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function checkDescriptor(what: string, d: unknown): Descriptor {
  if (!isObject(d)) throw new FormatError(what, text.descriptorNotObject);
  if (typeof d.mediaType !== 'string' || !d.mediaType) throw new FormatError(what, text.noMediaType);
  if (!isDigest(d.digest)) throw new FormatError(what, text.badDigest(JSON.stringify(d.digest)));
  if (!Number.isSafeInteger(d.size) || (d.size as number) < 0) throw new FormatError(what, text.noSize);
  return d as unknown as Descriptor;
}

export function parseJson(what: string, bytes: Buffer | string): unknown {
  try {
    return JSON.parse(bytes.toString());
  } catch (err) {
    throw new FormatError(what, text.notJson((err as Error).message));
  }
}

export function checkManifest(what: string, v: unknown): Manifest {
  if (!isObject(v)) throw new FormatError(what, text.manifestNotObject);
  if (v.schemaVersion !== 2) throw new FormatError(what, text.schemaVersion);
  if (v.mediaType !== undefined && v.mediaType !== MEDIA.manifest && v.mediaType !== MEDIA.dockerManifest) {
    throw new FormatError(what, text.notManifest(JSON.stringify(v.mediaType)));
  }
  checkDescriptor(`${what} config`, v.config);
  if (!Array.isArray(v.layers)) throw new FormatError(what, text.layersNotArray);
  v.layers.forEach((l, i) => checkDescriptor(`${what} layer ${i + 1}`, l));
  return v as unknown as Manifest;
}

export function checkIndex(what: string, v: unknown): Index {
  if (!isObject(v)) throw new FormatError(what, text.indexNotObject);
  if (v.schemaVersion !== 2) throw new FormatError(what, text.schemaVersion);
  if (!Array.isArray(v.manifests)) throw new FormatError(what, text.manifestsNotArray);
  v.manifests.forEach((m, i) => checkDescriptor(`${what} manifest ${i + 1}`, m));
  return v as unknown as Index;
}

export function checkConfig(what: string, v: unknown): ImageConfig {
  if (!isObject(v)) throw new FormatError(what, text.configNotObject);
  if (typeof v.architecture !== 'string' || typeof v.os !== 'string') throw new FormatError(what, text.noPlatform);
  const rootfs = v.rootfs;
  if (!isObject(rootfs) || rootfs.type !== 'layers' || !Array.isArray(rootfs.diff_ids) || !rootfs.diff_ids.every(isDigest)) {
    throw new FormatError(what, text.badRootfs);
  }
  return v as unknown as ImageConfig;
}

/** The architecture name Go (and so the OCI spec) uses for this machine's. */
export function ociArchitecture(arch: string = process.arch): string {
  const names: Record<string, string> = { x64: 'amd64', arm64: 'arm64', arm: 'arm', ia32: '386', ppc64: 'ppc64le', s390x: 's390x', riscv64: 'riscv64' };
  return names[arch] ?? arch;
}

/** JSON as the blobs are written: compact, so the digest is of exactly these bytes. */
export function canonicalJson(v: unknown): Buffer {
  return Buffer.from(JSON.stringify(v));
}
