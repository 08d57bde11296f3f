// .dockerignore: which files of the build context COPY and ADD may not see.
//
// One pattern a line; # starts a comment line; blank lines are nothing. A pattern is
// a path relative to the context (a leading / means the same), matched as Go's
// filepath.Match does, plus ** (glob.ts). A pattern that matches a directory excludes
// everything beneath it. A pattern that starts with ! brings back what an earlier one
// excluded; the last pattern to match a path decides. (Docker also sends the Containerfile and .dockerignore to the daemon
// when they are excluded, but COPY cannot see them: the same here.)
import { posix } from 'node:path';
import { build as t } from '../text/index.ts';
import { GlobError, globRegex } from './glob.ts';

export interface IgnorePattern {
  /** The line as written, for messages. */
  text: string;
  line: number;
  negate: boolean;
  regex: RegExp;
}

export class IgnoreError extends Error {}

/** Bounds: a .dockerignore is a short list. */
const IGNORE_LIMITS = { bytes: 1 << 20, patterns: 10_000 };

function regexOf(pattern: string): RegExp {
  try {
    return globRegex(pattern);
  } catch (err) {
    if (err instanceof GlobError) throw new IgnoreError(t.ignoreBadClass(pattern));
    throw err;
  }
}

/** The patterns of a .dockerignore's text. */
export function parseIgnore(text: string): IgnorePattern[] {
  if (Buffer.byteLength(text) > IGNORE_LIMITS.bytes) throw new IgnoreError(t.ignoreTooBig(IGNORE_LIMITS.bytes));
  const patterns: IgnorePattern[] = [];
  text.split('\n').forEach((raw, n) => {
    const line = raw.replace(/\r$/, '').trim();
    if (!line || line.startsWith('#')) return;
    const negate = line.startsWith('!');
    let p = (negate ? line.slice(1) : line).trim();
    p = posix.normalize(p).replace(/^(\/)+/, '').replace(/\/+$/, '');
    if (p === '.' || p === '') return; // "." would be the whole context: Docker ignores it
    patterns.push({ text: line, line: n + 1, negate, regex: regexOf(p) });
  });
  if (patterns.length > IGNORE_LIMITS.patterns) throw new IgnoreError(t.ignoreTooMany(IGNORE_LIMITS.patterns));
  return patterns;
}

export class Ignore {
  constructor(readonly patterns: IgnorePattern[]) {}

  /** Is the context path REL ('a/b/c', no leading /) excluded? A pattern matching
   *  one of its parent directories counts as matching it. */
  excludes(rel: string): boolean {
    if (!this.patterns.length || rel === '') return false;
    const parts = rel.split('/');
    const prefixes = parts.map((_, i) => parts.slice(0, i + 1).join('/'));
    let excluded = false;
    for (const p of this.patterns) {
      if (prefixes.some((prefix) => p.regex.test(prefix))) excluded = !p.negate;
    }
    return excluded;
  }

  /** May an excluded directory still hold a path some ! pattern brings back? Then a
   *  walk must look inside it. */
  get hasExceptions(): boolean {
    return this.patterns.some((p) => p.negate);
  }
}
