// `boxlab build`: a Containerfile's stages, one instruction at a time.
//
// Instructions that only change the image's config (ENV, CMD, USER, LABEL...) change
// it and make no layer. Those that change files make one, each the upper directory of
// an overlay over the layers made so far:
//   RUN      a real container runs the command (run-step.ts)
//   COPY/ADD files from the context or another stage are written in (copy.ts)
//   WORKDIR, VOLUME  the directory is made, if the image has none (no layer otherwise)
// Each of these is looked up in the cache first (cache.ts): a hit reuses the layer
// (and says so), a miss makes it and remembers it. Only the stages the target needs
// are built. Every resource is in the ledger before it exists (workspace.ts).
import { closeSync, fstatSync, readFileSync } from 'node:fs';
import { posix } from 'node:path';
import { thenCleanUp, type Ledger } from '../ledger/index.ts';
import { DEFAULT_ENV, addLayer, createdTime } from '../images/image.ts';
import { LayoutError, type Image, type Layout } from '../images/layout.ts';
import { FormatError, ociArchitecture, type ImageConfig } from '../images/oci.ts';
import type { Limits } from '../runtime/cgroup-flags.ts';
import { build as t } from '../text/index.ts';
import { BuildCache, cacheKey, chainId } from './cache.ts';
import { CopyError, isUrl, place } from './copy.ts';
import { Dir, OutsideError } from './fsroot.ts';
import { Ignore, IgnoreError, parseIgnore } from './ignore.ts';
import { parseContainerfile, type Containerfile, type Instruction, type Stage } from './parser.ts';
import { runInContainer } from './run-step.ts';
import { SourceError, digestSources, readSources, type SourceTree } from './sources.ts';
import {
  StepError, applyArg, applyConfig, commandOf, copyState, createdBy, emptyState, expand, runEnv, workdirOf, type StageState,
} from './state.ts';
import { UserError, resolveIds } from './users.ts';
import { BuildError, Workspace, type LayerRef, type Mounted } from './workspace.ts';
import { expandWord, WordError } from './words.ts';
import { WriteError, ensureDir } from './writer.ts';

export type StepResult = 'cached' | 'built' | 'config';

export type BuildEvent =
  | { kind: 'step'; n: number; total: number; stage: number; stages: number; stageName?: string; ins: Instruction }
  | { kind: 'output'; line: string; stream: 'stdout' | 'stderr' }
  | { kind: 'done'; n: number; ms: number; result: StepResult; layer?: { digest: string; size: number } }
  | { kind: 'image'; ref?: string; digest: string; layout: string; layers: number };

export interface BuildRequest {
  /** The Containerfile's name in messages, and its text. */
  file: string;
  text: string;
  context: string;
  layout: Layout;
  tag?: string;
  target?: string;
  noCache: boolean;
  buildArgs: ReadonlyMap<string, string>;
  limits?: Limits;
  onEvent: (e: BuildEvent) => void;
}

const IGNORE_FILE = '.dockerignore';

/** The stages the target needs: itself, and what it takes FROM or COPYs --from,
 *  transitively. A name with a $ in it could be any earlier stage. */
export function neededStages(cf: Containerfile, target: number): Set<number> {
  const byName = (word: string, before: number): number[] => {
    if (word.includes('$')) return cf.stages.slice(0, before).map((s) => s.index);
    const w = word.toLowerCase();
    const i = /^\d+$/.test(w) ? Number(w) : cf.stages.findIndex((s) => s.name === w);
    return i >= 0 && i < before ? [i] : [];
  };
  const need = new Set<number>();
  const visit = (i: number) => {
    if (need.has(i)) return;
    need.add(i);
    const s = cf.stages[i]!;
    for (const j of byName(s.image, i)) visit(j);
    for (const ins of s.steps) if (ins.flags.from) for (const j of byName(ins.flags.from, i)) visit(j);
  };
  visit(target);
  return need;
}

/** The .dockerignore of the context, read through its directory (bounded). */
function readIgnore(context: Dir): Ignore {
  const st = context.lstat(IGNORE_FILE);
  if (!st?.isFile()) return new Ignore([]);
  const fd = context.openFile(IGNORE_FILE);
  try {
    if (fstatSync(fd).size > 1 << 20) throw new IgnoreError(t.ignoreTooBig(1 << 20));
    return new Ignore(parseIgnore(readFileSync(fd, 'utf8')));
  } finally {
    closeSync(fd);
  }
}

export function targetIndex(cf: Containerfile, target?: string): number {
  if (target === undefined) return cf.stages.length - 1;
  const i = cf.stages.findIndex((s) => s.name === target.toLowerCase());
  if (i < 0) throw new BuildError(t.noTarget(target, cf.stages.flatMap((s) => (s.name ? [s.name] : []))));
  return i;
}

class Builder {
  private states: (StageState | undefined)[] = [];
  private n = 0;
  private total = 0;
  private cache: BuildCache;
  private created = createdTime();
  private globals = new Map<string, string>();

  constructor(private req: BuildRequest, private cf: Containerfile, private ws: Workspace, private context: SourceTree, private ledger: Ledger) {
    this.cache = new BuildCache(req.layout);
  }

  async run(): Promise<Image> {
    const target = targetIndex(this.cf, this.req.target);
    const need = neededStages(this.cf, target);
    this.total = [...need].reduce((n, i) => n + 1 + this.cf.stages[i]!.steps.length, 0);
    // Global ARGs (before the first FROM) serve the FROM lines, and stage ARGs of the same name.
    const top = emptyState();
    for (const ins of this.cf.globalArgs) applyArg(top, ins, this.cf.escape, this.req.buildArgs, new Map());
    this.globals = top.args;
    for (const stage of this.cf.stages.slice(0, target + 1)) {
      if (need.has(stage.index)) this.states[stage.index] = await this.stage(stage);
    }
    return this.writeImage(this.states[target]!);
  }

  private async timed(ins: Instruction, stage: Stage, fn: () => Promise<{ result: StepResult; layer?: LayerRef }>): Promise<void> {
    const n = ++this.n;
    this.req.onEvent({ kind: 'step', n, total: this.total, stage: stage.index, stages: this.cf.stages.length, stageName: stage.name, ins });
    const start = performance.now();
    const { result, layer } = await fn();
    const ms = performance.now() - start;
    this.req.onEvent({ kind: 'done', n, ms, result, ...(layer ? { layer: { digest: layer.descriptor.digest, size: layer.descriptor.size } } : {}) });
  }

  private async stage(stage: Stage): Promise<StageState> {
    let state = emptyState();
    await this.timed(stage.from, stage, async () => {
      state = this.from(stage);
      return { result: 'config' };
    });
    for (const ins of stage.steps) {
      await this.timed(ins, stage, () => this.step(state, ins));
    }
    return state;
  }

  private from(stage: Stage): StageState {
    const ins = stage.from;
    let image: string;
    try {
      image = expandWord(stage.image, this.globals, this.cf.escape);
    } catch (err) {
      if (err instanceof WordError) throw new StepError(ins, err.message);
      throw err;
    }
    // An image from nothing gets PATH, as BuildKit and buildah give it.
    if (image.toLowerCase() === 'scratch') return { ...emptyState(), config: { Env: [...DEFAULT_ENV] } };
    const earlier = this.cf.stages.slice(0, stage.index).find((s) => s.name === image.toLowerCase());
    if (earlier) return copyState(this.states[earlier.index]!);
    let base: Image;
    try {
      base = this.req.layout.image(image);
    } catch (err) {
      if (err instanceof LayoutError || err instanceof FormatError) throw new StepError(ins, t.noBase(image, this.req.layout.dir, err.message));
      throw err;
    }
    return {
      ...emptyState(),
      layers: base.manifest.layers.map((descriptor, i) => ({ descriptor, diffId: base.config.rootfs.diff_ids[i]! })),
      config: structuredClone(base.config.config ?? {}),
      history: [...(base.config.history ?? [])],
      architecture: base.config.architecture,
      os: base.config.os,
      created: base.config.created,
    };
  }

  private async step(state: StageState, ins: Instruction): Promise<{ result: StepResult; layer?: LayerRef }> {
    try {
      switch (ins.keyword) {
        case 'ARG':
          applyArg(state, ins, this.cf.escape, this.req.buildArgs, this.globals);
          return { result: 'config' };
        case 'RUN':
          return await this.runStep(state, ins);
        case 'COPY':
        case 'ADD':
          return await this.copyStep(state, ins);
        case 'WORKDIR':
          return await this.workdirStep(state, ins);
        case 'VOLUME':
          return await this.volumeStep(state, ins);
        default:
          applyConfig(state, ins, this.cf.escape);
          state.history.push({ created: state.created ?? this.created, created_by: createdBy(ins), empty_layer: true });
          return { result: 'config' };
      }
    } catch (err) {
      if (err instanceof StepError) throw err;
      if ([SourceError, CopyError, WriteError, UserError, OutsideError, IgnoreError, BuildError].some((E) => err instanceof E)) throw new StepError(ins, (err as Error).message);
      throw err;
    }
  }

  /** A step that makes a layer: from the cache, or by MAKE writing into a new upper dir. */
  private async layerStep(state: StageState, ins: Instruction, key: ReturnType<typeof cacheKey>, make: (dirs: { upper: string; work: string }) => Promise<void>): Promise<{ result: StepResult; layer?: LayerRef }> {
    const history = (empty: boolean, created: string) => {
      state.created = created;
      state.history.push({ created, created_by: createdBy(ins), ...(empty ? { empty_layer: true } : {}) });
    };
    const hit = this.req.noCache ? undefined : this.cache.get(key);
    if (hit) {
      const layer = hit.layer ? { ...hit.layer } : undefined;
      if (layer) state.layers.push(layer);
      history(!layer, hit.created ?? this.created);
      return { result: 'cached', layer };
    }
    const dirs = this.ws.newLayer();
    await make(dirs);
    if (Workspace.isEmpty(dirs.upper)) {
      this.cache.put(key, { created: this.created });
      history(true, this.created);
      return { result: 'built' };
    }
    const made = addLayer(this.req.layout, dirs.upper);
    const layer: LayerRef = { diffId: made.diffId, descriptor: made.descriptor, dir: dirs.upper };
    state.layers.push(layer);
    this.cache.put(key, { layer: { descriptor: made.descriptor, diffId: made.diffId }, created: this.created });
    history(false, this.created);
    return { result: 'built', layer };
  }

  private parent(state: StageState): string {
    return chainId(state.layers.map((l) => l.diffId));
  }

  private async runStep(state: StageState, ins: Instruction) {
    const argv = commandOf(state, ins);
    const env = runEnv(state);
    const cwd = state.config.WorkingDir || '/';
    const user = state.config.User || undefined;
    const key = cacheKey({ parent: this.parent(state), step: `RUN ${JSON.stringify(argv)}`, context: { env, cwd, user: user ?? null } });
    return this.layerStep(state, ins, key, async ({ upper }) => {
      const code = await runInContainer({
        argv, env, cwd, user, upper,
        lowers: this.ws.lowers(this.req.layout, state.layers),
        limits: this.req.limits,
        onOutput: (line, stream) => this.req.onEvent({ kind: 'output', line, stream }),
      }, this.ledger);
      if (code !== 0) throw new StepError(ins, t.runFailed(argv, code));
    });
  }

  /** Mount the root filesystem of an earlier stage, or of an image of the layout, for COPY --from. */
  private async sourceOf(from: string, stage: number, ins: Instruction): Promise<{ tree: SourceTree; mounted: Mounted }> {
    const i = /^\d+$/.test(from) ? Number(from) : this.cf.stages.findIndex((s) => s.name === from.toLowerCase());
    let layers: LayerRef[];
    let shown: string;
    if (i >= 0) {
      if (i >= stage) throw new StepError(ins, t.fromLater(from));
      layers = this.states[i]!.layers;
      shown = t.stageShown(this.cf.stages[i]!.name ?? String(i));
    } else {
      let image: Image;
      try {
        image = this.req.layout.image(from);
      } catch (err) {
        if (err instanceof LayoutError || err instanceof FormatError) throw new StepError(ins, t.noFromSource(from, this.req.layout.dir));
        throw err;
      }
      layers = image.manifest.layers.map((descriptor, k) => ({ descriptor, diffId: image.config.rootfs.diff_ids[k]! }));
      shown = t.imageShown(from);
    }
    const mounted = await this.ws.mount(this.ws.lowers(this.req.layout, layers));
    return { tree: { root: mounted.root, shown, keepOwners: true }, mounted };
  }

  private async copyStep(state: StageState, ins: Instruction) {
    const one = (w: string) => expand(state, ins, w, this.cf.escape, 'one')[0]!;
    const args = (ins.json ?? ins.text.split(/\s+/)).map(one);
    const srcs = args.slice(0, -1);
    const dest = args.at(-1)!;
    if (ins.keyword === 'ADD') for (const s of srcs) if (isUrl(s)) throw new StepError(ins, t.noUrl(s));
    const chown = ins.flags.chown !== undefined ? one(ins.flags.chown) : undefined;
    const from = ins.flags.from !== undefined ? one(ins.flags.from) : undefined;
    const destAbs = `${posix.join(dest.startsWith('/') ? '/' : state.config.WorkingDir || '/', dest)}${dest.endsWith('/') && dest !== '/' ? '/' : ''}`;
    const stageIndex = this.cf.stages.findIndex((s) => s.steps.includes(ins));
    const source = from === undefined ? { tree: this.context, mounted: undefined } : await this.sourceOf(from, stageIndex, ins);
    try {
      const sources = readSources(source.tree, srcs);
      const key = cacheKey({
        parent: this.parent(state),
        step: `${ins.keyword} ${JSON.stringify({ from: from ?? null, chown: chown ?? null, srcs, dest: destAbs })}`,
        inputs: digestSources(sources),
      });
      return await this.layerStep(state, ins, key, async (dirs) => {
        const m = await this.ws.mount(this.ws.lowers(this.req.layout, state.layers), dirs);
        try {
          const owner = chown === undefined ? undefined : resolveIds(m.root, chown, 'chown');
          place(m.root, sources, { dest: destAbs, chown: owner, unpack: ins.keyword === 'ADD' });
        } finally {
          await m.close();
        }
      });
    } finally {
      await source.mounted?.close();
    }
  }

  /** WORKDIR makes its directory when the image has none, owned by USER (as BuildKit
   *  and buildah make it). */
  private async workdirStep(state: StageState, ins: Instruction) {
    const path = workdirOf(state, expand(state, ins, ins.text, this.cf.escape, 'one')[0]!);
    state.config.WorkingDir = path;
    const user = state.config.User || undefined;
    const key = cacheKey({ parent: this.parent(state), step: `WORKDIR ${path}`, context: { user: user ?? null } });
    return this.layerStep(state, ins, key, async (dirs) => {
      const m = await this.ws.mount(this.ws.lowers(this.req.layout, state.layers), dirs);
      try {
        ensureDir(m.root, path, user ? resolveIds(m.root, user, 'chown') : undefined);
      } finally {
        await m.close();
      }
    });
  }

  /** VOLUME names mount points in the config, and makes their directories where the
   *  image has none (0755, root's), as buildah does. */
  private async volumeStep(state: StageState, ins: Instruction) {
    const before = new Set(Object.keys(state.config.Volumes ?? {}));
    applyConfig(state, ins, this.cf.escape);
    const paths = Object.keys(state.config.Volumes ?? {}).filter((p) => !before.has(p)).map((p) => workdirOf(state, p));
    const key = cacheKey({ parent: this.parent(state), step: `VOLUME ${JSON.stringify(paths)}` });
    return this.layerStep(state, ins, key, async (dirs) => {
      const m = await this.ws.mount(this.ws.lowers(this.req.layout, state.layers), dirs);
      try {
        for (const p of paths) ensureDir(m.root, p);
      } finally {
        await m.close();
      }
    });
  }

  private writeImage(state: StageState): Image {
    const config: ImageConfig = {
      created: state.created ?? this.created,
      architecture: state.architecture ?? ociArchitecture(),
      os: state.os ?? 'linux',
      config: state.config,
      rootfs: { type: 'layers', diff_ids: state.layers.map((l) => l.diffId) },
      history: state.history,
    };
    const layers = state.layers.map((l) => l.descriptor);
    const { layout, tag } = this.req;
    let image: Image;
    if (tag) {
      image = layout.putImage(tag, config, layers);
    } else {
      image = layout.storeImage(config, layers);
      layout.addUnnamed(image.descriptor);
    }
    this.req.onEvent({ kind: 'image', ref: tag, digest: image.descriptor.digest, layout: layout.dir, layers: layers.length });
    return image;
  }
}

/** Build the image the request describes; every resource it makes is gone when it
 *  returns or throws. */
export async function build(req: BuildRequest, ledger: Ledger, scope: string): Promise<Image> {
  const cf = parseContainerfile(req.text, req.file);
  targetIndex(cf, req.target); // an unknown --target is named before anything is made
  const root = Dir.open(req.context);
  try {
    const ignore = readIgnore(root);
    const context: SourceTree = {
      root, shown: t.contextShown, keepOwners: false,
      hidden: (rel) => ignore.excludes(rel),
      lookInsideHidden: ignore.hasExceptions,
    };
    const ws = await Workspace.create(ledger, scope);
    // A build that leaves something behind fails, saying what.
    return await thenCleanUp(() => new Builder(req, cf, ws, context, ledger).run(), () => ws.close());
  } finally {
    root.close();
  }
}
