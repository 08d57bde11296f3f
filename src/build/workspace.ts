// A build's working area, one bl- directory under the state root, in the ledger before
// it exists and removed when the build ends, however it ends:
//
//   empty/      an empty directory: the lowest layer of FROM scratch (overlay needs one)
//   l/N/        a layer as an overlay directory: an upper dir a step wrote into (it
//               then IS the layer), or a layer blob unpacked (whiteouts as 0/0 devices,
//               opaque directories marked), reused as a lower by every later step
//   w/N/        overlay's work directory for l/N
//   m/N/        where a step's overlay is mounted (inside its container's mount
//               namespace only: the host's mount table never changes)
//
// Short names, because overlay's lowerdir= option is one page at most: with /run/boxlab
// an image can have some hundred layers.
//
// A step that writes files without running a program (COPY, ADD, WORKDIR) gets a
// container with a mount namespace and nothing else, from the build's own core: its
// overlay is reached from the host through /proc/PID/root, as `docker cp` does.
import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { Core } from '../core/index.ts';
import { blName, processStartTime, type Ledger } from '../ledger/index.ts';
import type { Digest } from '../images/digest.ts';
import { readLayer } from '../images/layer.ts';
import type { Layout } from '../images/layout.ts';
import type { Descriptor } from '../images/oci.ts';
import { applyLayer, reachableByOthers } from '../images/unpack.ts';
import { build as t } from '../text/index.ts';
import { Dir } from './fsroot.ts';

/** A layer of the image being built: in the layout, and maybe on disk here. */
export interface LayerRef {
  diffId: Digest;
  descriptor: Descriptor;
  /** Its overlay directory, once it has one (made by a step, or unpacked). */
  dir?: string;
}

/** overlay's mount options must fit one page (4096 bytes) with the rest of them. */
const MAX_LOWERDIR = 3800;

export class BuildError extends Error {}

export interface Mounted {
  /** The merged root, held open: every path is resolved inside it (fsroot.ts). */
  root: Dir;
  close: () => Promise<void>;
}

export class Workspace {
  private next = 0;

  private constructor(readonly dir: string, private core: Core, private ledger: Ledger, private scope: string) {}

  static async create(ledger: Ledger, scope: string): Promise<Workspace> {
    const dir = join(ledger.root, blName('build'));
    await ledger.track({ kind: 'dir', path: dir }, () => {
      for (const d of ['empty', 'l', 'w', 'm']) mkdirSync(join(dir, d), { recursive: true, mode: 0o755 });
    }, scope);
    const core = await Core.start({ stdio: 'ignore' });
    ledger.record({ kind: 'process', pid: core.pid, start: processStartTime(core.pid) }, scope);
    return new Workspace(dir, core, ledger, scope);
  }

  /** A new, empty layer directory and its work directory. */
  newLayer(): { upper: string; work: string } {
    const n = ++this.next;
    const upper = join(this.dir, 'l', String(n));
    const work = join(this.dir, 'w', String(n));
    mkdirSync(upper, { mode: 0o755 });
    mkdirSync(work, { mode: 0o700 });
    return { upper, work };
  }

  /** The layer's overlay directory, unpacking its blob the first time one is needed
   *  (a build that hits the cache all the way unpacks nothing). */
  private dirOf(layout: Layout, layer: LayerRef): string {
    if (layer.dir) return layer.dir;
    const { entries, diffId } = readLayer(layout.readBlob(layer.descriptor.digest, layer.descriptor.size));
    if (diffId !== layer.diffId) throw new BuildError(t.diffIdMismatch(layer.descriptor.digest, diffId, layer.diffId));
    const dir = join(this.dir, 'l', String(++this.next));
    mkdirSync(dir, { mode: 0o755 });
    // A layer's setuid files and device nodes stay only where no other user can reach them.
    applyLayer(entries, dir, 'overlay', { privileged: !reachableByOthers(dir) });
    layer.dir = dir;
    return dir;
  }

  /** lowerdir= for these layers (base first): the top first, the empty directory last. */
  lowers(layout: Layout, layers: LayerRef[]): string[] {
    const dirs = [...layers.map((l) => this.dirOf(layout, l)).reverse(), join(this.dir, 'empty')];
    if (dirs.join(':').length > MAX_LOWERDIR) throw new BuildError(t.tooManyLayers(layers.length));
    return dirs;
  }

  /** Mount LOWERS (and UPPER, writable, when given) in a container of their own; the
   *  merged root is handed over open. */
  async mount(lowers: string[], upper?: { upper: string; work: string }): Promise<Mounted> {
    const merged = join(this.dir, 'm', String(++this.next));
    mkdirSync(merged, { mode: 0o755 });
    const { ct, pid } = await this.core.clone(['mnt']);
    try {
      await this.core.propagation(ct, 'private');
      await this.core.mount(ct, { type: 'overlay', target: merged, lower: lowers, ...(upper ? { upper: upper.upper, work: upper.work } : {}), readonly: !upper });
      const root = Dir.open(`/proc/${pid}/root${merged}`);
      return {
        root,
        close: async () => {
          root.close();
          await this.core.destroy(ct);
        },
      };
    } catch (err) {
      await this.core.destroy(ct).catch(() => undefined);
      throw err;
    }
  }

  /** Did the step change nothing (its upper directory is empty)? */
  static isEmpty(dir: string): boolean {
    return !existsSync(dir) || readdirSync(dir).length === 0;
  }

  /** Remove everything: the core (and every container it made), then the directory.
   *  Throws LeftBehindError naming what could not be removed (it stays in the ledger). */
  async close(): Promise<void> {
    await this.core.close();
    await this.ledger.unwindOrThrow(this.scope);
  }
}
