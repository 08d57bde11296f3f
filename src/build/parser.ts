// A Containerfile (Dockerfile) read into stages of instructions, each with the line it
// starts on, so every error can say FILE:LINE.
//
// The file's grammar, as Docker's parser has it:
//   - parser directives first (`# escape=\``, `# syntax=...`), before anything else;
//   - comment lines start with #, also between the lines of one instruction;
//   - an instruction ends with its line, unless the line ends with the escape
//     character (\ by default): then the next line continues it;
//   - INSTRUCTION [--flag=value...] ARGS, the instruction's name in any case;
//   - ARGS in JSON (exec) form ["a", "b"] when they read as a JSON array of strings,
//     else as text (shell form, or words).
//   - FROM starts a stage (FROM IMAGE [AS NAME]); only ARG may come before the first.
// Nothing is expanded here ($VARIABLES depend on what runs before): the executor
// expands each instruction when it reaches it (words.ts). The shape of every
// instruction is checked here, so a bad file is refused before anything is built.
import { suggest } from '../text/suggest.ts';
import { build as t } from '../text/index.ts';
import { WordError, rawWords, splitPair } from './words.ts';

const INSTRUCTIONS = ['FROM', 'RUN', 'COPY', 'ADD', 'ENV', 'ARG', 'WORKDIR', 'USER', 'LABEL', 'EXPOSE', 'VOLUME', 'ENTRYPOINT', 'CMD', 'SHELL'] as const;
export type Keyword = (typeof INSTRUCTIONS)[number];

/** Docker's instructions that boxlab build does not do: refused by name. */
const NOT_DONE = ['ONBUILD', 'HEALTHCHECK', 'STOPSIGNAL', 'MAINTAINER'];

/** The flags each instruction takes (--name=value). */
const FLAGS: Partial<Record<Keyword, readonly string[]>> = { COPY: ['from', 'chown'], ADD: ['chown'] };

/** Bounds on what is read: a Containerfile is a small text file. */
export const LIMITS = { bytes: 1 << 20, instructions: 4096, stages: 128 };

export interface Instruction {
  keyword: Keyword;
  /** Where it starts: FILE:LINE in every message about it. */
  file: string;
  line: number;
  /** The text after the keyword and its flags, continuation lines joined. */
  text: string;
  flags: Record<string, string>;
  /** The JSON (exec) form's strings, when the text is one. */
  json?: string[];
  /** The instruction as written (continuations joined): what history and cache keys say. */
  source: string;
}

export interface Stage {
  /** 0, 1, ...: COPY --from=N names a stage by its number too. */
  index: number;
  /** FROM ... AS NAME, in lower case. */
  name?: string;
  /** The FROM instruction: its text is the image (expanded with the global ARGs). */
  from: Instruction;
  /** The image word as written (before expansion). */
  image: string;
  steps: Instruction[];
}

export interface Containerfile {
  file: string;
  /** The escape character: \ or ` (the escape directive). */
  escape: string;
  /** ARG instructions before the first FROM: their values serve the FROM lines. */
  globalArgs: Instruction[];
  stages: Stage[];
}

export class BuildFileError extends Error {
  constructor(readonly file: string, readonly line: number, message: string) {
    super(`${file}:${line}: ${message}`);
    this.name = 'BuildFileError';
  }
}

const DIRECTIVE = /^#\s*([A-Za-z][A-Za-z0-9_-]*)\s*=\s*(.*?)\s*$/;
const KNOWN_DIRECTIVES = ['escape', 'syntax', 'check'];

/** Parse the text of a Containerfile; FILE is the name its errors give. */
export function parseContainerfile(text: string, file: string): Containerfile {
  if (Buffer.byteLength(text) > LIMITS.bytes) throw new BuildFileError(file, 1, t.fileTooBig(LIMITS.bytes));
  if (text.includes('\0')) throw new BuildFileError(file, 1, t.binaryFile);
  const lines = text.replace(/^\uFEFF/, '').split('\n').map((l) => l.replace(/\r$/, ''));
  let escape = '\\';
  let i = 0;
  // Directives: only at the very top, each once; the first other line ends them.
  const seen = new Set<string>();
  for (; i < lines.length; i++) {
    const m = DIRECTIVE.exec(lines[i]!);
    if (!m || !KNOWN_DIRECTIVES.includes(m[1]!.toLowerCase())) break;
    const name = m[1]!.toLowerCase();
    if (seen.has(name)) throw new BuildFileError(file, i + 1, t.directiveTwice(name));
    seen.add(name);
    if (name === 'escape') {
      if (m[2] !== '\\' && m[2] !== '`') throw new BuildFileError(file, i + 1, t.badEscape(m[2]!));
      escape = m[2]!;
    }
  }

  const instructions: Instruction[] = [];
  const isComment = (l: string) => /^\s*#/.test(l);
  const continues = new RegExp(`${escape === '\\' ? '\\\\' : '`'}[ \\t]*$`);
  for (; i < lines.length; i++) {
    const first = lines[i]!;
    if (!first.trim() || isComment(first)) continue;
    const start = i + 1;
    let joined = first;
    while (continues.test(joined)) {
      joined = joined.replace(continues, '');
      // Comment and empty lines inside a continued instruction are skipped.
      while (i + 1 < lines.length && (isComment(lines[i + 1]!) || !lines[i + 1]!.trim())) i++;
      if (i + 1 >= lines.length) break;
      joined += lines[++i]!;
    }
    instructions.push(readInstruction(joined.trim(), file, start, escape));
    if (instructions.length > LIMITS.instructions) throw new BuildFileError(file, start, t.tooManyInstructions(LIMITS.instructions));
  }
  return intoStages(instructions, file, escape);
}

function readInstruction(line: string, file: string, lineNo: number, escape: string): Instruction {
  const fail = (message: string) => new BuildFileError(file, lineNo, message);
  const m = /^(\S+)\s*([\s\S]*)$/.exec(line)!;
  const word = m[1]!.toUpperCase();
  if (NOT_DONE.includes(word)) throw fail(t.notDone(word));
  if (!(INSTRUCTIONS as readonly string[]).includes(word)) throw fail(t.unknownInstruction(m[1]!, suggest(word, INSTRUCTIONS)));
  const keyword = word as Keyword;
  let rest = m[2]!;
  const flags: Record<string, string> = {};
  // Flags: leading words --name=value (COPY --from=build --chown=app).
  for (;;) {
    const f = /^--([A-Za-z][A-Za-z0-9-]*)(?:=(\S*))?(?:\s+|$)/.exec(rest);
    if (!f) break;
    const allowed = FLAGS[keyword] ?? [];
    if (!allowed.includes(f[1]!)) throw fail(t.unknownFlag(keyword, f[1]!, allowed));
    if (f[2] === undefined || f[2] === '') throw fail(t.flagNeedsValue(keyword, f[1]!));
    if (f[1]! in flags) throw fail(t.flagTwice(keyword, f[1]!));
    flags[f[1]!] = f[2];
    rest = rest.slice(f[0].length);
  }
  const text = rest.trim();
  const instruction: Instruction = { keyword, file, line: lineNo, text, flags, source: line, ...jsonForm(text) };
  checkShape(instruction, fail, escape);
  return instruction;
}

/** ["a", "b"]: the exec form, when the text is a JSON array of strings and nothing else. */
function jsonForm(text: string): { json?: string[] } {
  if (!text.startsWith('[')) return {};
  try {
    const v: unknown = JSON.parse(text);
    if (Array.isArray(v) && v.every((s) => typeof s === 'string')) return { json: v as string[] };
  } catch { /* not JSON: shell form, as Docker reads `RUN [ -f x ]` */ }
  return {};
}

/** What each instruction needs, checked before anything runs. */
function checkShape(ins: Instruction, fail: (m: string) => Error, escape: string): void {
  const { keyword, text, json } = ins;
  const words = () => {
    try {
      return rawWords(text, escape);
    } catch (err) {
      if (err instanceof WordError) throw fail(err.message);
      throw err;
    }
  };
  if (!text && !['CMD', 'ENTRYPOINT'].includes(keyword)) throw fail(t.needsArguments(keyword, t.usage[keyword]));
  switch (keyword) {
    case 'FROM': {
      const w = words();
      if (!(w.length === 1 || (w.length === 3 && w[1]!.toUpperCase() === 'AS'))) throw fail(t.badFrom);
      if (w.length === 3 && !/^[a-zA-Z][a-zA-Z0-9_.-]*$/.test(w[2]!)) throw fail(t.badStageName(w[2]!));
      return;
    }
    case 'ARG':
      for (const w of words()) if (!/^[A-Za-z_][A-Za-z0-9_]*(=[\s\S]*)?$/.test(w)) throw fail(t.badArg(w));
      return;
    case 'ENV':
    case 'LABEL': {
      const w = words();
      if (!splitPair(w[0]!, escape)) {
        // The old form: ENV NAME VALUE... (LABEL too), the value the rest of the line.
        if (w.length < 2) throw fail(t.needsValue(keyword, w[0]!));
        return;
      }
      for (const pair of w) if (!splitPair(pair, escape)) throw fail(t.badPair(keyword, pair));
      return;
    }
    case 'RUN':
      if (json && json.length === 0) throw fail(t.needsArguments(keyword, t.usage[keyword]));
      if (/<<[-~]?["']?[A-Za-z_]/.test(text) && !json) throw fail(t.noHeredoc);
      return;
    case 'SHELL':
      if (!json || json.length === 0) throw fail(t.shellJson);
      return;
    case 'COPY':
    case 'ADD': {
      const n = json ? json.length : words().length;
      if (n < 2) throw fail(t.needsArguments(keyword, t.usage[keyword]));
      return;
    }
    case 'VOLUME':
      if (json && json.length === 0) throw fail(t.needsArguments(keyword, t.usage[keyword]));
      return;
    case 'USER':
      if (words().length !== 1) throw fail(t.oneWord(keyword, t.usage[keyword]));
      return;
    default:
      words(); // quotes must close
  }
}

function intoStages(instructions: Instruction[], file: string, escape: string): Containerfile {
  const globalArgs: Instruction[] = [];
  const stages: Stage[] = [];
  for (const ins of instructions) {
    if (ins.keyword === 'FROM') {
      const w = rawWords(ins.text, escape);
      const name = w[2]?.toLowerCase();
      if (name && stages.some((s) => s.name === name)) throw new BuildFileError(file, ins.line, t.stageTwice(name));
      stages.push({ index: stages.length, name, from: ins, image: w[0]!, steps: [] });
      if (stages.length > LIMITS.stages) throw new BuildFileError(file, ins.line, t.tooManyStages(LIMITS.stages));
    } else if (!stages.length) {
      if (ins.keyword !== 'ARG') throw new BuildFileError(file, ins.line, t.beforeFrom(ins.keyword));
      globalArgs.push(ins);
    } else {
      stages.at(-1)!.steps.push(ins);
    }
  }
  if (!stages.length) throw new BuildFileError(file, Math.max(1, instructions.at(-1)?.line ?? 1), t.noFrom);
  return { file, escape, globalArgs, stages };
}
