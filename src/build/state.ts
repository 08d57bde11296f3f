// What a stage has become so far: its layers, the image config its instructions
// wrote (ENV, CMD, USER...), its history, and the ARGs in scope. The instructions that
// only change the config are here, as functions of the state: they make no layer.
import { posix } from 'node:path';
import { DEFAULT_ENV } from '../images/image.ts';
import type { ImageConfig } from '../images/oci.ts';
import { build as t } from '../text/index.ts';
import type { Instruction } from './parser.ts';
import type { LayerRef } from './workspace.ts';
import { WordError, expandWord, expandWords, rawWords, splitPair, type Vars } from './words.ts';

export type RunConfig = NonNullable<ImageConfig['config']>;
export type History = NonNullable<ImageConfig['history']>[number];

const DEFAULT_SHELL = ['/bin/sh', '-c'];

export interface StageState {
  layers: LayerRef[];
  config: RunConfig;
  history: History[];
  /** ARGs declared in this stage, with their values. */
  args: Map<string, string>;
  /** Has this stage set CMD? (ENTRYPOINT clears an inherited CMD, not its own.) */
  cmdSet: boolean;
  /** The base image's platform, kept in the result. */
  architecture?: string;
  os?: string;
  /** When the newest layer was made (a cached one: when it was first made). */
  created?: string;
}

/** An error in one instruction: FILE:LINE first, as the parser's. */
export class StepError extends Error {
  constructor(readonly ins: Instruction, message: string) {
    super(`${ins.file}:${ins.line}: ${ins.keyword}: ${message}`);
    this.name = 'StepError';
  }
}

export function emptyState(): StageState {
  return { layers: [], config: {}, history: [], args: new Map(), cmdSet: false };
}

/** A copy to start another stage FROM: layers shared, the rest copied. */
export function copyState(s: StageState): StageState {
  return {
    layers: [...s.layers],
    config: structuredClone(s.config),
    history: [...s.history],
    args: new Map(),
    cmdSet: false,
    architecture: s.architecture,
    os: s.os,
    created: s.created,
  };
}

function envMap(config: RunConfig): Map<string, string> {
  const m = new Map<string, string>();
  for (const kv of config.Env ?? []) {
    const eq = kv.indexOf('=');
    if (eq > 0) m.set(kv.slice(0, eq), kv.slice(eq + 1));
  }
  return m;
}

/** The variables an instruction may use: the stage's ARGs, then ENV (which wins). */
function varsOf(s: StageState): Vars {
  return new Map([...s.args, ...envMap(s.config)]);
}

/** The environment of a RUN: the image's Env (PATH by default), then the ARGs that
 *  no ENV overrides (a build argument is in RUN's environment, not in the image). */
export function runEnv(s: StageState): string[] {
  const env = envMap(s.config);
  if (!env.has('PATH')) env.set('PATH', DEFAULT_ENV[0]!.slice('PATH='.length));
  const out = [...env].map(([k, v]) => `${k}=${v}`);
  for (const [k, v] of s.args) if (!env.has(k)) out.push(`${k}=${v}`);
  return out;
}

/** Expand with the stage's variables; a bad word is an error of this instruction. */
export function expand(s: StageState, ins: Instruction, text: string, escape: string, words: 'one' | 'many'): string[] {
  try {
    return words === 'one' ? [expandWord(text, varsOf(s), escape)] : expandWords(text, varsOf(s), escape);
  } catch (err) {
    if (err instanceof WordError) throw new StepError(ins, err.message);
    throw err;
  }
}

/** NAME=VALUE pairs of ENV and LABEL (or the old form NAME VALUE), expanded with the
 *  variables as they were before this instruction. */
function pairs(s: StageState, ins: Instruction, escape: string): [string, string][] {
  const words = rawWords(ins.text, escape);
  const vars = varsOf(s);
  const one = (w: string) => {
    try {
      return expandWord(w, vars, escape);
    } catch (err) {
      if (err instanceof WordError) throw new StepError(ins, err.message);
      throw err;
    }
  };
  if (!splitPair(words[0]!, escape)) {
    const rest = ins.text.slice(ins.text.indexOf(words[0]!) + words[0]!.length).trim();
    return [[one(words[0]!), one(rest)]];
  }
  return words.map((w) => {
    const [name, value] = splitPair(w, escape)!;
    return [one(name), one(value)];
  });
}

/** "80", "80/udp", "8000-8002/tcp" -> "80/tcp", ...: ExposedPorts' keys. */
export function exposedPorts(word: string): string[] {
  const m = /^(\d+)(?:-(\d+))?(?:\/(tcp|udp|sctp))?$/i.exec(word);
  if (!m) throw new Error(t.badPort(word));
  const from = Number(m[1]);
  const to = m[2] ? Number(m[2]) : from;
  if (from < 1 || to > 65535 || to < from || to - from > 1024) throw new Error(t.badPort(word));
  const proto = (m[3] ?? 'tcp').toLowerCase();
  return Array.from({ length: to - from + 1 }, (_, i) => `${from + i}/${proto}`);
}

/** A command in shell form runs through the shell SHELL names (or /bin/sh -c). */
export function commandOf(s: StageState, ins: Instruction): string[] {
  return ins.json ?? [...(s.config.Shell ?? DEFAULT_SHELL), ins.text];
}

/** WORKDIR's path: relative ones go on from the working directory so far. */
export function workdirOf(s: StageState, path: string): string {
  return posix.normalize(posix.isAbsolute(path) ? path : posix.join(s.config.WorkingDir || '/', path)).replace(/(.)\/$/, '$1');
}

/** Apply an instruction that only changes the config; returns what history says. */
export function applyConfig(s: StageState, ins: Instruction, escape: string): void {
  const c = s.config;
  switch (ins.keyword) {
    case 'ENV': {
      const env = envMap(c);
      for (const [k, v] of pairs(s, ins, escape)) env.set(k, v);
      c.Env = [...env].map(([k, v]) => `${k}=${v}`);
      break;
    }
    case 'LABEL':
      c.Labels = { ...(c.Labels ?? {}), ...Object.fromEntries(pairs(s, ins, escape)) };
      break;
    case 'USER':
      c.User = expand(s, ins, ins.text, escape, 'one')[0]!;
      break;
    case 'EXPOSE':
      try {
        for (const w of expand(s, ins, ins.text, escape, 'many')) for (const p of exposedPorts(w)) c.ExposedPorts = { ...(c.ExposedPorts ?? {}), [p]: {} };
      } catch (err) {
        if (err instanceof StepError) throw err;
        throw new StepError(ins, (err as Error).message);
      }
      break;
    case 'VOLUME': {
      const paths = ins.json ?? expand(s, ins, ins.text, escape, 'many');
      for (const p of paths) {
        if (!p.trim()) throw new StepError(ins, t.emptyVolume);
        c.Volumes = { ...(c.Volumes ?? {}), [p]: {} };
      }
      break;
    }
    case 'CMD':
      if (!ins.json && !ins.text) throw new StepError(ins, t.needsArguments('CMD', t.usage.CMD));
      c.Cmd = commandOf(s, ins);
      s.cmdSet = true;
      break;
    case 'ENTRYPOINT':
      if (!ins.json && !ins.text) throw new StepError(ins, t.needsArguments('ENTRYPOINT', t.usage.ENTRYPOINT));
      c.Entrypoint = commandOf(s, ins);
      // An inherited CMD was the base image's default argument list: it goes (Docker's rule).
      if (!s.cmdSet) delete c.Cmd;
      break;
    case 'SHELL':
      c.Shell = ins.json!;
      break;
    default:
      throw new Error(t.notConfig(ins.keyword));
  }
}

/** ARG NAME[=DEFAULT]...: the value given with --build-arg, else the default, else the
 *  value of a global ARG of that name (before the first FROM). */
export function applyArg(s: StageState, ins: Instruction, escape: string, given: ReadonlyMap<string, string>, globals: ReadonlyMap<string, string>): void {
  for (const w of rawWords(ins.text, escape)) {
    const eq = w.indexOf('=');
    const name = eq < 0 ? w : w.slice(0, eq);
    let value = given.get(name);
    if (value === undefined && eq >= 0) value = expand(s, ins, w.slice(eq + 1), escape, 'one')[0]!;
    value ??= globals.get(name);
    if (value !== undefined) s.args.set(name, value);
    else s.args.delete(name);
  }
}

/** History's created_by, as Docker writes it. */
export function createdBy(ins: Instruction): string {
  return ins.keyword === 'RUN' ? `RUN ${ins.json ? JSON.stringify(ins.json) : `/bin/sh -c ${ins.text}`}` : `${ins.keyword} ${ins.text}`;
}
