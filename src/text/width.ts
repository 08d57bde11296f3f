// How many terminal columns a piece of text takes: one for ASCII and the narrow symbols
// the lab draws with (box drawing, arrows, ✓ ✗ ▸ ·), two for East Asian Wide and
// Fullwidth characters (Chinese, Japanese, Korean, fullwidth punctuation), and for
// anything else (emoji, combining marks, rarer scripts) what the string-width package
// says. The lab's lines are nearly all of the first two kinds, and string-width splits
// every line into graphemes with Intl.Segmenter: some 0.3 ms a line, and 50 ms for the
// first call. Ink measures every line of every frame (src/ui/string-width.ts puts this
// function in string-width's place); tables, panels and wrapped prose measure with it
// too, so a Chinese label keeps its column. test/ui/string-width.test.ts holds every
// character counted here to string-width's own answer.
import realStringWidth, { type Options } from '../../node_modules/string-width/index.js';

/** Code point ranges (inclusive) of characters one column wide and one code unit long. */
export const NARROW_RANGES: readonly [number, number][] = [
  [0x20, 0x7e], // ASCII
  [0xa0, 0xac], [0xae, 0xff], // Latin-1 (not the soft hyphen)
  [0x2010, 0x2027], // dashes, quotes, bullet, ellipsis
  [0x2190, 0x2193], // arrows
  [0x2212, 0x2212], // minus
  [0x2500, 0x259f], // box drawing, blocks
  [0x25b2, 0x25c5], // triangles
  [0x2713, 0x2713], [0x2717, 0x2717], // ✓ ✗
];

/** Code point ranges (inclusive) of East Asian Wide and Fullwidth characters, two
 *  columns each, one code unit long (the Basic Multilingual Plane). Left out, for
 *  string-width to answer: the combining marks among them (U+302A-302D, U+3099-309A)
 *  and the Hangul fillers, which take no column. */
export const WIDE_RANGES: readonly [number, number][] = [
  [0x1100, 0x115e], // Hangul Jamo, leading consonants
  [0x2e80, 0x2e99], [0x2e9b, 0x2ef3], // CJK radicals
  [0x2f00, 0x2fd5], // Kangxi radicals
  [0x2ff0, 0x3029], [0x302e, 0x303e], // ideographic description, CJK symbols and punctuation (、。「」)
  [0x3041, 0x3096], [0x309b, 0x30ff], // Hiragana, Katakana
  [0x3105, 0x312f], [0x3131, 0x3163], [0x3165, 0x318e], [0x3190, 0x31e5], // Bopomofo, Hangul compatibility Jamo, Kanbun, CJK strokes
  [0x31ef, 0x321e], [0x3220, 0x3247], [0x3250, 0xa48c], // enclosed CJK, CJK Extension A, CJK Unified Ideographs (中文), Yi
  [0xa490, 0xa4c6], [0xa960, 0xa97c], // Yi radicals, Hangul Jamo extended
  [0xac00, 0xd7a3], // Hangul syllables
  [0xf900, 0xfaff], // CJK compatibility ideographs
  [0xfe30, 0xfe52], [0xfe54, 0xfe66], // CJK compatibility forms, small forms
  [0xff01, 0xff60], [0xffe0, 0xffe6], // fullwidth forms (，：（）！？)
];

/** Columns of each code unit below 0x10000: 1 narrow, 2 wide, 0 not known here. */
const columns = new Uint8Array(0x10000);
for (const [lo, hi] of NARROW_RANGES) columns.fill(1, lo, hi + 1);
for (const [lo, hi] of WIDE_RANGES) columns.fill(2, lo, hi + 1);

// CSI (colours, cursor) and OSC (links) sequences, as chalk and ink write them.
const ANSI = /\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)/g; // eslint-disable-line no-control-regex

/** The columns `input` takes on a terminal, colour escapes left out; string-width's
 *  answer for every string, its options included. */
export function textWidth(input: string, options?: Options): number {
  if (typeof input !== 'string' || options?.countAnsiEscapeCodes || options?.ambiguousIsNarrow === false) return realStringWidth(input, options);
  const text = input.includes('\x1b') ? input.replace(ANSI, '') : input;
  let width = 0;
  for (let i = 0; i < text.length; i++) {
    const w = columns[text.charCodeAt(i)]!;
    if (!w) return realStringWidth(input, options);
    width += w;
  }
  return width;
}

/** Columns of one character (a code point, as `for...of` gives them). */
export function charWidth(ch: string): number {
  return (ch.length === 1 && columns[ch.charCodeAt(0)]) || realStringWidth(ch);
}

/** `s` padded with spaces to `width` columns (as String.padEnd pads to a length). */
export function padEndWidth(s: string, width: number): string {
  return s + ' '.repeat(Math.max(0, width - textWidth(s)));
}

/** `s` padded at the start to `width` columns. */
export function padStartWidth(s: string, width: number): string {
  return ' '.repeat(Math.max(0, width - textWidth(s))) + s;
}

/** The longest start of `s` (no escapes in it) that fits in `width` columns: a wide
 *  character that would straddle the edge is left out whole. */
export function sliceWidth(s: string, width: number): string {
  let used = 0;
  let out = '';
  for (const ch of s) {
    const w = charWidth(ch);
    if (used + w > width) break;
    out += ch;
    used += w;
  }
  return out;
}
