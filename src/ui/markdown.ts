// Lesson prose for the terminal: marked.lexer() tokens turned into lines we wrap
// ourselves, so the UI knows exactly how tall the prose is (ink redraws the whole screen
// when a frame outgrows it) and bold/italic/code work inside list items too.
import chalk from 'chalk';
import { marked, type Token, type Tokens } from 'marked';
import { charWidth, padEndWidth, sliceWidth, textWidth } from '../text/width.ts';

const BR = '\u2028'; // a hard line break; soft newlines in a paragraph are spaces

interface Seg { t: string; style?: (s: string) => string }

function inline(tokens: Token[] | undefined, style?: (s: string) => string): Seg[] {
  const out: Seg[] = [];
  for (const tok of tokens ?? []) {
    switch (tok.type) {
      case 'strong': out.push(...inline((tok as Tokens.Strong).tokens, compose(style, chalk.bold))); break;
      case 'em': out.push(...inline((tok as Tokens.Em).tokens, compose(style, chalk.italic))); break;
      case 'codespan': out.push({ t: unescape((tok as Tokens.Codespan).text), style: compose(style, chalk.cyan) }); break;
      case 'link': out.push(...inline((tok as Tokens.Link).tokens, compose(style, chalk.underline))); break;
      case 'br': out.push({ t: BR }); break;
      case 'text': {
        const t = tok as Tokens.Text;
        if (t.tokens) out.push(...inline(t.tokens, style));
        else out.push({ t: unescape(t.text), style });
        break;
      }
      default: out.push({ t: unescape((tok as { text?: string }).text ?? tok.raw), style });
    }
  }
  return out;
}

function compose(a: ((s: string) => string) | undefined, b: (s: string) => string): (s: string) => string {
  return a ? (s) => a(b(s)) : b;
}

function unescape(s: string): string {
  return s.replace(/&amp;/g, '&').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&#39;/g, "'");
}

/** A character a line may break before and after without a space: an East Asian wide
 *  one (Chinese is written without spaces between words). */
const isWide = (ch: string) => charWidth(ch) === 2;

/** Punctuation that must not start a line (，。、；：？！）」…): it stays with the
 *  character before it, as Chinese typesetting keeps it. */
const NO_LINE_START = /^[，。、；：？！）」』】》〉”’％…,.;:?!)\]}]$/;

/** The pieces a line may break between: runs of spaces, words of narrow text, and each
 *  wide character on its own, with the closing punctuation that follows it. */
function pieces(t: string): string[] {
  const out: string[] = [];
  for (const part of t.split(/(\u2028|[ \t\n\r]+)/)) {
    if (!part) continue;
    if (part === BR || /^[ \t\n\r]+$/.test(part)) { out.push(part); continue; }
    let word = '';
    let wideWord = false; // `word` is one wide character (and punctuation after it)
    for (const ch of part) {
      if (word && NO_LINE_START.test(ch)) { word += ch; continue; }
      const wide = isWide(ch);
      if (word && (wide || wideWord)) { out.push(word); word = ''; }
      word += ch;
      wideWord = wide;
    }
    if (word) out.push(word);
  }
  return out;
}

function lastChar(s: string): string {
  return [...s].at(-1) ?? '';
}

/** Word-wrap styled segments to `width` terminal columns (a Chinese character takes
 *  two). Narrow text breaks at spaces; Chinese text between any two characters, and a
 *  soft line break between two Chinese characters is no space at all. */
function wrap(segs: Seg[], width: number, first = '', rest = first): string[] {
  const lines: string[] = [];
  let line = first;
  let len = textWidth(first);
  const restLen = textWidth(rest);
  const words: Seg[] = [];
  for (const s of segs) {
    for (const part of pieces(s.t)) words.push({ t: part, style: s.style });
  }
  const flush = () => { lines.push(line.trimEnd()); line = rest; len = restLen; };
  let prev = ''; // the last character placed, to see whether a space belongs between
  words.forEach((w, i) => {
    if (w.t === BR) { flush(); prev = ''; return; }
    if (/^[ \t\n\r]+$/.test(w.t)) {
      const next = words[i + 1]?.t[0] ?? '';
      const joinsChinese = /[\n\r]/.test(w.t) && isWide(prev) && isWide(next);
      if (!joinsChinese && len > restLen && len < width) { line += ' '; len += 1; }
      return;
    }
    const wlen = textWidth(w.t);
    if (len + wlen > width && len > restLen) flush();
    let t = w.t;
    // a word wider than a whole line is cut where the line ends
    while (textWidth(t) > width - len && width - restLen > 1) {
      const head = sliceWidth(t, width - len);
      if (head) { line += w.style ? w.style(head) : head; t = t.slice(head.length); }
      flush();
    }
    line += w.style ? w.style(t) : t;
    len += textWidth(t);
    prev = lastChar(w.t);
  });
  if (len > restLen || lines.length === 0) lines.push(line.trimEnd());
  return lines;
}

function block(tok: Token, width: number, out: string[]): void {
  switch (tok.type) {
    case 'heading': {
      const h = tok as Tokens.Heading;
      out.push(...wrap(inline(h.tokens, h.depth <= 1 ? (s) => chalk.bold.underline(s) : chalk.bold), width));
      out.push('');
      break;
    }
    case 'paragraph':
      out.push(...wrap(inline((tok as Tokens.Paragraph).tokens), width));
      out.push('');
      break;
    case 'list': {
      const l = tok as Tokens.List;
      l.items.forEach((item, i) => {
        const bullet = l.ordered ? `${Number(l.start || 1) + i}. ` : '• ';
        const pad = ' '.repeat(bullet.length);
        const inner: string[] = [];
        for (const t of item.tokens) {
          if (t.type === 'text' || t.type === 'paragraph') inner.push(...wrap(inline((t as Tokens.Text).tokens ?? [{ type: 'text', raw: (t as Tokens.Text).text, text: (t as Tokens.Text).text } as Token]), width - bullet.length));
          else block(t, width - bullet.length, inner);
        }
        while (inner.at(-1) === '') inner.pop();
        inner.forEach((line, j) => out.push((j === 0 ? bullet : pad) + line));
      });
      out.push('');
      break;
    }
    case 'code':
      for (const line of (tok as Tokens.Code).text.split('\n')) out.push('  ' + chalk.cyan(line));
      out.push('');
      break;
    case 'blockquote': {
      const inner: string[] = [];
      for (const t of (tok as Tokens.Blockquote).tokens) block(t, width - 2, inner);
      while (inner.at(-1) === '') inner.pop();
      for (const line of inner) out.push(chalk.dim('│ ') + line);
      out.push('');
      break;
    }
    case 'table': {
      // Columns padded to their widest cell; a table wider than the screen becomes one
      // "header: cell" line per cell, so nothing is cut off.
      const t = tok as Tokens.Table;
      const cell = (c: Tokens.TableCell) => unescape(c.text.replace(/`/g, ''));
      const head = t.header.map(cell);
      const rows = t.rows.map((r) => r.map(cell));
      const widths = head.map((h, i) => Math.max(textWidth(h), ...rows.map((r) => textWidth(r[i] ?? ''))));
      if (widths.reduce((a, b) => a + b + 2, 0) <= width) {
        const line = (cells: string[]) => cells.map((c, i) => padEndWidth(c, widths[i]!)).join('  ').trimEnd();
        out.push(chalk.bold(line(head)), ...rows.map(line));
      } else {
        for (const r of rows) {
          r.forEach((c, i) => wrap([{ t: `${head[i]}: ${c}` }], width - 2).forEach((line, j) => out.push((i === 0 && j === 0 ? '• ' : '  ') + line)));
        }
      }
      out.push('');
      break;
    }
    case 'hr':
      out.push(chalk.dim('─'.repeat(Math.max(1, width))));
      break;
    case 'space':
      break;
    default:
      if ('text' in tok && typeof tok.text === 'string') out.push(...wrap([{ t: unescape(tok.text) }], width));
  }
}

/** Lesson Markdown as terminal lines (with colour escapes), each at most `width` wide. */
export function markdownLines(md: string, width: number): string[] {
  const out: string[] = [];
  const w = Math.max(10, width);
  for (const tok of marked.lexer(md)) block(tok, w, out);
  while (out.at(-1) === '') out.pop();
  return out;
}
