// An image as one tar file, the way `docker save` writes it and `docker load` reads
// it (the "docker-archive" format), made from an image of a layout:
//
//   manifest.json         [{"Config": "<hex>.json", "RepoTags": ["app:1"],
//                           "Layers": ["<hex>/layer.tar", ...]}]   base layer first
//   <hex>.json            the image config, the same bytes as in the layout: <hex>
//                         is its digest, which Docker shows as the image ID
//   <hex>/layer.tar       each layer's tar, uncompressed: <hex> is its diff_id
//
// Docker checks every layer against the config's diff_ids as it loads them, and
// names the image by RepoTags. This is how a Docker engine gets an image boxlab built
// without a registry.
import { gunzipSync } from 'node:zlib';
import { digestHex, sha256 } from './digest.ts';
import { GZIP_MAGIC } from './layer.ts';
import type { Layout } from './layout.ts';
import { FormatError } from './oci.ts';
import { writeTar, type TarEntry } from './tar.ts';
import { images as text } from '../text/index.ts';

/** The archive of image REF, tagged REPOTAG for Docker (default: REF). */
export function dockerArchive(layout: Layout, ref: string, repoTag = ref): Buffer {
  const image = layout.image(ref);
  const mtime = Math.floor(Date.parse(image.config.created ?? '1970-01-01T00:00:00Z') / 1000) || 0;
  const file = (path: string, data: Buffer): TarEntry => ({ path, type: 'file', mode: 0o644, uid: 0, gid: 0, mtime, data });
  const dir = (path: string): TarEntry => ({ path, type: 'dir', mode: 0o755, uid: 0, gid: 0, mtime });
  const configName = `${digestHex(image.manifest.config.digest)}.json`;
  const entries: TarEntry[] = [];
  const layers: string[] = [];
  image.manifest.layers.forEach((desc, i) => {
    const blob = layout.readBlob(desc.digest, desc.size);
    const tar = blob.subarray(0, 2).equals(GZIP_MAGIC) ? gunzipSync(blob) : blob;
    const diffId = sha256(tar);
    if (diffId !== image.config.rootfs.diff_ids[i]) throw new FormatError(text.imageNamed(ref), text.layerHashMismatch(i + 1, diffId, image.config.rootfs.diff_ids[i]!));
    const name = `${digestHex(diffId)}/layer.tar`;
    if (!layers.includes(name)) entries.push(dir(digestHex(diffId)), file(name, tar));
    layers.push(name);
  });
  entries.unshift(file(configName, layout.readBlob(image.manifest.config.digest, image.manifest.config.size)));
  entries.push(file('manifest.json', Buffer.from(JSON.stringify([{ Config: configName, RepoTags: [repoTag], Layers: layers }]))));
  return writeTar(entries);
}
