// The registry HTTP API (the OCI distribution spec, once Docker's Registry API v2):
// how images travel. A registry stores the same three kinds of thing as a layout,
// blobs by digest and manifests by digest or tag, behind a few URLs:
//
//   GET  /v2/                                  is this a registry? (200, or 401: log in)
//   HEAD /v2/NAME/blobs/DIGEST                 has it this blob? (200 / 404)
//   GET  /v2/NAME/blobs/DIGEST                 a blob (config or layer)
//   POST /v2/NAME/blobs/uploads/               start an upload: 202, Location: URL
//   PUT  URL?digest=DIGEST  (the bytes)        finish it in one go: 201
//   PUT  /v2/NAME/manifests/TAG                a manifest, named TAG: 201
//   GET  /v2/NAME/manifests/TAG|DIGEST         a manifest (Accept: the media types wanted)
//   GET  /v2/NAME/tags/list                    the tags of NAME
//
// Push sends the blobs first and the manifest last, so a manifest never names a blob the
// registry lacks; pull reads them in the opposite order. Every blob is checked against
// its digest on arrival, on both sides: that is what makes a registry trustworthy
// without trusting the network.
//
// boxlab talks only to registries on this machine's loopback (the lab's rule: its
// traffic never leaves the machine), over plain HTTP.
import { readFileSync } from 'node:fs';
import { isDigest, sha256, verify, type Digest } from './digest.ts';
import type { Layout } from './layout.ts';
import { MEDIA, checkConfig, checkManifest, parseJson, type Descriptor } from './oci.ts';
import { images as words } from '../text/index.ts';

export interface RegistryRef {
  /** http://HOST:PORT */
  base: string;
  name: string;
  tag: string;
}

/** One request and its answer, for the learner to read. */
export interface Exchange {
  method: string;
  path: string;
  status: number;
  note?: string;
}

class RegistryError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RegistryError';
  }
}

const NAME = /^[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*)*$/;
const TAG = /^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$/;

function isLoopback(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '');
  return h === 'localhost' || h === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h);
}

/** [http://]HOST:PORT/NAME[:TAG], the way docker names a remote image. */
export function parseRegistryRef(text: string): RegistryRef {
  const m = /^(?:http:\/\/)?((?:\[[0-9a-fA-F:]+\]|[A-Za-z0-9.-]+)(?::\d{1,5})?)\/(.+)$/.exec(text);
  if (!m) throw new RegistryError(`${text}: expected HOST:PORT/NAME[:TAG], e.g. 127.0.0.1:5000/lab/app:1`);
  const hostPort = m[1]!;
  const host = hostPort.replace(/:\d+$/, '');
  if (!isLoopback(host)) {
    throw new RegistryError(words.notLoopback(text));
  }
  const path = m[2]!;
  const colon = path.lastIndexOf(':');
  const name = colon > path.lastIndexOf('/') ? path.slice(0, colon) : path;
  const tag = colon > path.lastIndexOf('/') ? path.slice(colon + 1) : 'latest';
  if (!NAME.test(name)) throw new RegistryError(words.badRepository(text, name));
  if (!TAG.test(tag)) throw new RegistryError(`${text}: "${tag}" is not a tag (letters, digits, . _ -; at most 128)`);
  return { base: `http://${hostPort}`, name, tag };
}

/** The most boxlab takes from a registry in one answer: a manifest, or a blob (a layer
 *  as stored, gzipped). A registry on loopback is still someone else's program. */
const MAX_MANIFEST_BYTES = 4 * 2 ** 20;
const MAX_BLOB_BYTES = 2 ** 30;

/** The body, read as it arrives and refused once past `max` bytes. */
async function boundedBody(res: Response, max: number, what: string): Promise<Buffer> {
  const declared = Number(res.headers.get('content-length') ?? 0);
  if (declared > max) throw new RegistryError(words.answerTooBig(what, declared, max));
  const chunks: Buffer[] = [];
  let got = 0;
  for await (const chunk of res.body ?? []) {
    got += chunk.length;
    if (got > max) throw new RegistryError(words.answerGrewTooBig(what, max));
    chunks.push(Buffer.from(chunk));
  }
  return Buffer.concat(chunks);
}

async function errorText(res: Response): Promise<string> {
  const body = await res.text().catch(() => '');
  try {
    const errors = (JSON.parse(body) as { errors?: { code?: string; message?: string }[] }).errors ?? [];
    if (errors.length) return errors.map((e) => `${e.code ?? ''} ${e.message ?? ''}`.trim()).join('; ');
  } catch { /* not the registry's JSON */ }
  return body.trim().slice(0, 200) || res.statusText;
}

/** A user name and password for HTTP basic auth (the lab's registry wants one). */
export interface Credentials { user: string; password: string }

/** The credentials a containers-auth.json file (what podman, skopeo and buildah read and
 *  `boxlab image registry` writes) holds for HOST:PORT, if any. */
export function credentialsFor(authFile: string, hostPort: string): Credentials | undefined {
  let doc: { auths?: Record<string, { auth?: string }> };
  try {
    doc = JSON.parse(readFileSync(authFile, 'utf8'));
  } catch (err) {
    throw new RegistryError(words.badAuthFile(authFile, (err as NodeJS.ErrnoException).code ?? (err as Error).message));
  }
  const entry = doc.auths?.[hostPort] ?? doc.auths?.[`http://${hostPort}`];
  if (!entry?.auth) return undefined;
  const text = Buffer.from(entry.auth, 'base64').toString('utf8');
  const colon = text.indexOf(':');
  if (colon < 0) throw new RegistryError(words.badAuth(authFile, hostPort));
  return { user: text.slice(0, colon), password: text.slice(colon + 1) };
}

class RegistryClient {
  constructor(readonly base: string, private log: (e: Exchange) => void = () => undefined, private credentials?: Credentials) {}

  private async request(method: string, path: string, init: { headers?: Record<string, string>; body?: Buffer } = {}, note?: string): Promise<Response> {
    const url = new URL(path, this.base);
    if (!isLoopback(url.hostname)) throw new RegistryError(words.redirectedAway(url.host));
    let res: Response;
    try {
      // The login goes only to the registry named, never where a redirect points.
      const auth: Record<string, string> = this.credentials && url.host === new URL(this.base).host
        ? { authorization: `Basic ${Buffer.from(`${this.credentials.user}:${this.credentials.password}`).toString('base64')}` }
        : {};
      res = await fetch(url, { method, headers: { ...init.headers, ...auth }, body: init.body, redirect: 'manual' });
    } catch (err) {
      const cause = (err as { cause?: { code?: string } }).cause?.code ?? (err as Error).message;
      throw new RegistryError(words.noAnswer(method, url.href, cause));
    }
    // The upload URL carries the registry's opaque state: shown as "…", the digest in full.
    const query = decodeURIComponent(url.search).replace(/_state=[^&]*/, '_state=…');
    this.log({ method, path: url.pathname + query, status: res.status, note });
    return res;
  }

  /** GET /v2/: the API version the registry speaks. */
  async check(): Promise<string> {
    const res = await this.request('GET', '/v2/');
    await res.arrayBuffer();
    if (res.status === 401) {
      throw new RegistryError(this.credentials
        ? words.loginRefused(this.base)
        : words.loginWanted(this.base));
    }
    if (!res.ok) throw new RegistryError(`${this.base}/v2/ answered ${res.status}: not a registry`);
    return res.headers.get('docker-distribution-api-version') ?? 'registry/2.0';
  }

  async hasBlob(name: string, digest: Digest): Promise<boolean> {
    const res = await this.request('HEAD', `/v2/${name}/blobs/${digest}`);
    if (res.status === 200) return true;
    if (res.status === 404) return false;
    throw new RegistryError(`HEAD blob ${digest}: ${res.status}`);
  }

  async getBlob(name: string, desc: Descriptor): Promise<Buffer> {
    const res = await this.request('GET', `/v2/${name}/blobs/${desc.digest}`);
    if (!res.ok) throw new RegistryError(words.getBlobFailed(desc.digest, name, res.status, await errorText(res)));
    const bytes = await boundedBody(res, Math.min(desc.size, MAX_BLOB_BYTES), `blob ${desc.digest}`);
    if (bytes.length !== desc.size) throw new RegistryError(words.blobArrived(desc.digest, bytes.length, desc.size));
    verify(`blob ${desc.digest} from ${this.base}`, bytes, desc.digest);
    return bytes;
  }

  /** Upload a blob unless the registry has it: POST for an upload URL, then one PUT with
   *  the whole blob and its digest (a "monolithic" upload). */
  async pushBlob(name: string, bytes: Buffer): Promise<'present' | 'uploaded'> {
    const digest = sha256(bytes);
    if (await this.hasBlob(name, digest)) return 'present';
    const start = await this.request('POST', `/v2/${name}/blobs/uploads/`);
    await start.arrayBuffer();
    const location = start.headers.get('location');
    if (start.status !== 202 || !location) throw new RegistryError(`POST /v2/${name}/blobs/uploads/: ${start.status}, expected 202 with a Location`);
    const url = new URL(location, this.base);
    url.searchParams.set('digest', digest);
    const put = await this.request('PUT', url.pathname + url.search, {
      headers: { 'content-type': 'application/octet-stream', 'content-length': String(bytes.length) },
      body: bytes,
    }, `${bytes.length} bytes`);
    if (put.status !== 201) throw new RegistryError(words.putBlobFailed(digest, put.status, await errorText(put)));
    await put.arrayBuffer();
    return 'uploaded';
  }

  async putManifest(name: string, tag: string, bytes: Buffer, mediaType: string): Promise<Digest> {
    const res = await this.request('PUT', `/v2/${name}/manifests/${tag}`, { headers: { 'content-type': mediaType }, body: bytes }, mediaType);
    if (res.status !== 201) throw new RegistryError(words.putManifestFailed(name, tag, res.status, await errorText(res)));
    await res.arrayBuffer();
    const digest = res.headers.get('docker-content-digest') ?? '';
    if (digest && digest !== sha256(bytes)) throw new RegistryError(words.storedAs(digest, sha256(bytes)));
    return sha256(bytes);
  }

  async getManifest(name: string, ref: string): Promise<{ bytes: Buffer; mediaType: string; digest: Digest }> {
    const res = await this.request('GET', `/v2/${name}/manifests/${ref}`, { headers: { accept: [MEDIA.manifest, MEDIA.dockerManifest].join(', ') } });
    if (res.status === 404) throw new RegistryError(words.noManifest(this.base, name, ref));
    if (!res.ok) throw new RegistryError(words.getManifestFailed(name, ref, res.status, await errorText(res)));
    const bytes = await boundedBody(res, MAX_MANIFEST_BYTES, `manifest ${name}:${ref}`);
    const digest = sha256(bytes);
    const claimed = res.headers.get('docker-content-digest');
    if (isDigest(ref) && ref !== digest) verify(`manifest ${ref}`, bytes, ref);
    if (claimed && claimed !== digest) throw new RegistryError(words.manifestClaim(name, ref, claimed, digest));
    return { bytes, mediaType: res.headers.get('content-type')?.split(';')[0] ?? MEDIA.manifest, digest };
  }
}

/** Push the image REF of a layout: its layers, its config, then its manifest. */
export async function pushImage(layout: Layout, ref: string, to: RegistryRef, log?: (e: Exchange) => void, credentials?: Credentials): Promise<{ digest: Digest; uploaded: number; present: number }> {
  const client = new RegistryClient(to.base, log, credentials);
  await client.check();
  const image = layout.image(ref);
  let uploaded = 0;
  let present = 0;
  for (const desc of [...image.manifest.layers, image.manifest.config]) {
    const r = await client.pushBlob(to.name, layout.readBlob(desc.digest, desc.size));
    if (r === 'uploaded') uploaded += 1;
    else present += 1;
  }
  const manifestBytes = layout.readBlob(image.descriptor.digest, image.descriptor.size);
  const digest = await client.putManifest(to.name, to.tag, manifestBytes, image.descriptor.mediaType);
  return { digest, uploaded, present };
}

/** Pull FROM into a layout (blobs it has already are not fetched), named REF there.
 *  The layout is opened (or made) only once the registry has the manifest, so a pull
 *  that cannot start leaves the disk as it was. */
export async function pullImage(from: RegistryRef, openLayout: () => Layout, ref: string, log?: (e: Exchange) => void, credentials?: Credentials): Promise<{ digest: Digest; fetched: number; present: number }> {
  const client = new RegistryClient(from.base, log, credentials);
  await client.check();
  const m = await client.getManifest(from.name, from.tag);
  const manifest = checkManifest(`manifest ${from.name}:${from.tag}`, parseJson('manifest', m.bytes));
  const layout = openLayout();
  let fetched = 0;
  let present = 0;
  for (const desc of [manifest.config, ...manifest.layers]) {
    if (layout.hasBlob(desc.digest)) {
      present += 1;
      continue;
    }
    layout.writeBlob(await client.getBlob(from.name, desc));
    fetched += 1;
  }
  checkConfig(`config ${manifest.config.digest}`, parseJson('config', layout.readBlob(manifest.config.digest)));
  layout.writeBlob(m.bytes);
  layout.tag(ref, { mediaType: m.mediaType, digest: m.digest, size: m.bytes.length });
  return { digest: m.digest, fetched, present };
}
