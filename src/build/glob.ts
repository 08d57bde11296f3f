// Go's filepath.Match patterns (what Docker uses for COPY sources and .dockerignore),
// as regular expressions, with .dockerignore's ** besides:
//   *      any run of characters but /        ?   one character but /
//   [a-z]  one of a class ([^a-z] or [!a-z]: none of it)
//   **     any number of whole directories, none included (**/*.log, docs/**)
//   \X     X itself

export class GlobError extends Error {
  constructor(readonly pattern: string) {
    super(pattern);
  }
}

const escapeRe = (c: string) => c.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');

export function globRegex(pattern: string): RegExp {
  let re = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '*') {
      if (pattern[i + 1] === '*') {
        i++;
        // "**/" at a boundary: any directories, or none; a final "**": anything.
        if (pattern[i + 1] === '/') {
          i++;
          re += '(?:.*/)?';
        } else {
          re += '.*';
        }
      } else {
        re += '[^/]*';
      }
    } else if (c === '?') {
      re += '[^/]';
    } else if (c === '[') {
      const close = pattern.indexOf(']', i + 2);
      if (close < 0) throw new GlobError(pattern);
      let body = pattern.slice(i + 1, close);
      if (body.startsWith('!') || body.startsWith('^')) body = `^${body.slice(1)}`;
      re += `[${body.replace(/\\/g, '\\\\')}]`;
      i = close;
    } else if (c === '\\' && i + 1 < pattern.length) {
      re += escapeRe(pattern[++i]!);
    } else {
      re += escapeRe(c);
    }
  }
  return new RegExp(`^${re}$`, 's');
}

/** Does the pattern have anything to match (is it not a plain path)? */
export const hasMagic = (pattern: string) => /[*?[]/.test(pattern);
