// The words of a Containerfile instruction, as Docker reads them: quotes, escapes and
// $VARIABLES. Docker does this itself, before any shell runs (RUN, CMD and ENTRYPOINT
// in shell form are left to the shell): so `WORKDIR $HOME/app` uses the ENV or ARG
// named HOME, and `COPY "my file" /x` in JSON form is one word.
//
//   'single quotes'   everything literal
//   "double quotes"   $VAR expanded; \ escapes $ " \ and the escape character
//   \X                X, literally (the escape character is \ or, by a directive, `)
//   $NAME ${NAME}     the value, or nothing when it is not set
//   ${NAME:-word}     word when NAME is unset or empty
//   ${NAME:+word}     word when NAME is set and not empty, else nothing
//   ${NAME-word} ${NAME+word}   the same, where only "unset" counts
//
// A word that cannot be read (an unclosed quote, `${` without `}`) is a WordError: the
// parser turns it into an error naming the file and line.

import { build as t } from '../text/index.ts';

export class WordError extends Error {}

export type Vars = ReadonlyMap<string, string>;

interface Options {
  escape: string;
  /** Split at unquoted blanks (ENV, LABEL, EXPOSE): several words; else one. */
  split: boolean;
}

const NAME_START = /[A-Za-z_]/;
const NAME_CHAR = /[A-Za-z0-9_]/;

class Lexer {
  private i = 0;
  private words: string[] = [];
  private word = '';
  /** Whether the current word has begun (an empty "" is still a word). */
  private started = false;

  constructor(private text: string, private vars: Vars, private opts: Options) {}

  run(): string[] {
    const { text } = this;
    while (this.i < text.length) {
      const c = text[this.i]!;
      if (this.opts.split && /\s/.test(c)) {
        this.end();
        this.i++;
      } else if (c === this.opts.escape) {
        // A trailing escape stays literal (there is nothing to escape).
        this.add(this.i + 1 < text.length ? text[this.i + 1]! : c);
        this.i += 2;
      } else if (c === "'") {
        this.single();
      } else if (c === '"') {
        this.double();
      } else if (c === '$') {
        this.add(this.dollar());
      } else {
        this.add(c);
        this.i++;
      }
    }
    this.end();
    return this.words;
  }

  private add(s: string): void {
    this.word += s;
    this.started = true;
  }

  private end(): void {
    if (this.started) this.words.push(this.word);
    this.word = '';
    this.started = false;
  }

  private single(): void {
    const close = this.text.indexOf("'", this.i + 1);
    if (close < 0) throw new WordError(t.unclosedQuote('single', this.text));
    this.add(this.text.slice(this.i + 1, close));
    this.i = close + 1;
  }

  private double(): void {
    const { text } = this;
    this.started = true;
    for (this.i++; this.i < text.length; ) {
      const c = text[this.i]!;
      if (c === '"') {
        this.i++;
        return;
      }
      if (c === this.opts.escape && this.i + 1 < text.length && ['$', '"', '\\', this.opts.escape].includes(text[this.i + 1]!)) {
        this.add(text[this.i + 1]!);
        this.i += 2;
      } else if (c === '$') {
        this.add(this.dollar());
      } else {
        this.add(c);
        this.i++;
      }
    }
    throw new WordError(t.unclosedQuote('double', text));
  }

  /** At a '$': the expansion, and i moved past it. A '$' that starts no name is literal. */
  private dollar(): string {
    const { text } = this;
    const next = text[this.i + 1];
    if (next === '{') return this.braced();
    if (next === undefined || !NAME_START.test(next)) {
      this.i++;
      return '$';
    }
    let j = this.i + 1;
    while (j < text.length && NAME_CHAR.test(text[j]!)) j++;
    const name = text.slice(this.i + 1, j);
    this.i = j;
    return this.vars.get(name) ?? '';
  }

  private braced(): string {
    const { text } = this;
    let j = this.i + 2;
    while (j < text.length && NAME_CHAR.test(text[j]!)) j++;
    const name = text.slice(this.i + 2, j);
    if (!name || !NAME_START.test(name)) throw new WordError(t.badVariable(text));
    if (text[j] === '}') {
      this.i = j + 1;
      return this.vars.get(name) ?? '';
    }
    const m = /^(:?)([-+])/.exec(text.slice(j));
    if (!m) throw new WordError(t.badVariableForm(name, text));
    // The word inside may hold quotes and more variables: find its closing brace.
    let depth = 1;
    let k = j + m[0].length;
    const start = k;
    for (; k < text.length && depth > 0; k++) {
      if (text[k] === this.opts.escape) k++;
      else if (text[k] === '{') depth++;
      else if (text[k] === '}') depth--;
    }
    if (depth > 0) throw new WordError(t.unclosedVariable(`${name}${m[0]}`, text));
    const inner = text.slice(start, k - 1);
    this.i = k;
    const value = this.vars.get(name);
    const unset = value === undefined || (m[1] === ':' && value === '');
    const word = () => new Lexer(inner, this.vars, { ...this.opts, split: false }).run()[0] ?? '';
    if (m[2] === '-') return unset ? word() : value!;
    return unset ? '' : word();
  }
}

/** One word: quotes removed, escapes and variables applied (WORKDIR, USER, a COPY path). */
export function expandWord(text: string, vars: Vars, escape = '\\'): string {
  return new Lexer(text, vars, { escape, split: false }).run()[0] ?? '';
}

/** Words split at unquoted blanks, each expanded (ENV a=1 "b=2 3", EXPOSE 80 443). */
export function expandWords(text: string, vars: Vars, escape = '\\'): string[] {
  return new Lexer(text, vars, { escape, split: true }).run();
}

/** Words split at unquoted blanks with quotes and escapes kept, nothing expanded:
 *  how ENV and LABEL find their NAME=VALUE pairs before expanding each. */
export function rawWords(text: string, escape = '\\'): string[] {
  const words: string[] = [];
  let word = '';
  let quote: string | undefined;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (!quote && /\s/.test(c)) {
      if (word) words.push(word);
      word = '';
      continue;
    }
    word += c;
    if (c === escape && quote !== "'" && i + 1 < text.length) word += text[++i]!;
    else if (quote === c) quote = undefined;
    else if (!quote && (c === '"' || c === "'")) quote = c;
  }
  if (quote) throw new WordError(t.unclosedQuote(quote === '"' ? 'double' : 'single', text));
  if (word) words.push(word);
  return words;
}

/** A raw word NAME=VALUE split at its first = outside quotes ('"b c"="d e"' ->
 *  ['"b c"', '"d e"']); undefined when it has none. Each half is still to be expanded. */
export function splitPair(word: string, escape = '\\'): [string, string] | undefined {
  let quote: string | undefined;
  for (let i = 0; i < word.length; i++) {
    const c = word[i]!;
    if (c === escape && quote !== "'") i++;
    else if (quote === c) quote = undefined;
    else if (!quote && (c === '"' || c === "'")) quote = c;
    else if (!quote && c === '=') return i > 0 ? [word.slice(0, i), word.slice(i + 1)] : undefined;
  }
  return undefined;
}
