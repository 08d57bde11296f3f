// The build cache: a step that would make the same layer again reuses the one made
// before, as BuildKit does. Its key is what decides the layer:
//
//   the parent: the chain of layers below (chain ID: each diff_id folded into the
//               digest of those before it, so the same layer on another base differs)
//   the step:   the instruction as expanded ("RUN make", "COPY --chown=1 a /b") and
//               what it runs with (RUN: environment, user, working directory, shell)
//   the inputs: COPY and ADD: the digest of every file they read (sources.ts)
//
// Change any of them and the key changes: that step misses, and every step after it,
// since their parent changed. An entry is a small JSON file in the image layout,
// LAYOUT/boxlab-build-cache/<key>.json, naming the layer blob (stored in the layout).
import { existsSync, mkdirSync, openSync, closeSync, fstatSync, readSync, renameSync, writeFileSync, constants } from 'node:fs';
import { join } from 'node:path';
import { digestHex, isDigest, sha256, type Digest } from '../images/digest.ts';
import type { Layout } from '../images/layout.ts';
import type { Descriptor } from '../images/oci.ts';

const CACHE_DIR = 'boxlab-build-cache';

/** A cache entry is a few hundred bytes; anything larger is not one. */
const MAX_ENTRY_BYTES = 64 << 10;

/** The chain ID of a stack of layers (image-spec config.md): base first. */
export function chainId(diffIds: readonly Digest[]): string {
  let chain = '';
  for (const d of diffIds) chain = chain ? sha256(`${chain} ${d}`) : d;
  return chain;
}

export interface CacheKeyParts {
  parent: string;
  step: string;
  /** What the step runs with (RUN), or where it writes (COPY): anything that changes the layer. */
  context?: Record<string, unknown>;
  /** The digest of the files a COPY or ADD read. */
  inputs?: string;
}

export function cacheKey(parts: CacheKeyParts): Digest {
  return sha256(JSON.stringify({ v: 1, ...parts }));
}

/** What a step made: a layer, or nothing (a RUN that changed no file), and when: a
 *  build that hits the cache all the way gives the same image, time included. */
export interface CachedLayer {
  layer?: { descriptor: Descriptor; diffId: Digest };
  created?: string;
}

export class BuildCache {
  private readonly dir: string;

  constructor(private layout: Layout) {
    this.dir = join(layout.dir, CACHE_DIR);
  }

  private file(key: Digest): string {
    return join(this.dir, `${digestHex(key)}.json`);
  }

  /** The entry for KEY, if there is one whose blob the layout still has. A damaged
   *  entry counts as a miss (it is rewritten when the step runs). */
  get(key: Digest): CachedLayer | undefined {
    const path = this.file(key);
    if (!existsSync(path)) return undefined;
    let text: string;
    const fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW);
    try {
      const size = fstatSync(fd).size;
      if (size > MAX_ENTRY_BYTES) return undefined;
      const buf = Buffer.alloc(size);
      readSync(fd, buf, 0, size, 0);
      text = buf.toString('utf8');
    } finally {
      closeSync(fd);
    }
    try {
      const v = JSON.parse(text) as { key?: unknown; created?: unknown; layer?: { descriptor?: Descriptor; diffId?: unknown } | null };
      if (v.key !== key) return undefined;
      const created = typeof v.created === 'string' && /^\d{4}-\d\d-\d\dT[\d:.]+Z$/.test(v.created) ? { created: v.created } : {};
      if (!v.layer) return created;
      const { descriptor, diffId } = v.layer;
      if (!descriptor || !isDigest(descriptor.digest) || !Number.isSafeInteger(descriptor.size) || typeof descriptor.mediaType !== 'string' || !isDigest(diffId)) return undefined;
      if (!this.layout.hasBlob(descriptor.digest)) return undefined;
      return { layer: { descriptor: { mediaType: descriptor.mediaType, digest: descriptor.digest, size: descriptor.size }, diffId }, ...created };
    } catch {
      return undefined;
    }
  }

  put(key: Digest, made: CachedLayer): void {
    mkdirSync(this.dir, { recursive: true, mode: 0o755 });
    const tmp = join(this.dir, `bl-${process.pid}-${digestHex(key).slice(0, 12)}.tmp`);
    writeFileSync(tmp, JSON.stringify({ key, created: made.created, layer: made.layer ?? null }) + '\n', { mode: 0o644 });
    renameSync(tmp, this.file(key));
  }
}
