// The width of a line on the terminal, for ink (the bundle puts this module in place of
// the string-width package: package.json's --alias). Ink measures every line of every
// frame with string-width, which splits text into graphemes with Intl.Segmenter: some
// 0.3 ms a line, and 50 ms for the first call, a good part of the lab's first frame.
// The lab's lines are nearly all ASCII and a few narrow symbols (box drawing, arrows,
// ✓ ✗ ▸ ·): those are one column each and counted here; anything else (CJK, emoji,
// combining marks) goes to string-width itself. test/ui/string-width.test.ts holds
// every character counted here to string-width's own answer.
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

const narrow = new Uint8Array(0x2800);
for (const [lo, hi] of NARROW_RANGES) narrow.fill(1, lo, hi + 1);

// CSI (colours, cursor) and OSC (links) sequences, as chalk and ink write them.
const ANSI = /\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)/g; // eslint-disable-line no-control-regex

export default function stringWidth(input: string, options?: Options): number {
  if (typeof input !== 'string' || options?.countAnsiEscapeCodes || options?.ambiguousIsNarrow === false) return realStringWidth(input, options);
  const text = input.includes('\x1b') ? input.replace(ANSI, '') : input;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= narrow.length || !narrow[c]) return realStringWidth(input, options);
  }
  return text.length;
}
