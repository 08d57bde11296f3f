// The fenced code blocks of a lesson file: the loader reads the engine's blocks from
// them, and a translation records, block by block, which English text it was made from.

/** `info`: what follows the language on the opening line (a translation's `from=`). */
export interface Fence { indent: string; marker: string; lang: string; info: string; close: number }

/** The fenced code block opening at line i, if one does: its indent, marker (``` or
 *  ~~~), info string, and the line index that closes it (-1: never closed). */
export function fenceAt(lines: string[], i: number): Fence | undefined {
  const m = /^(\s*)(`{3,}|~{3,})\s*([^\s`]*)\s*(.*)$/.exec(lines[i]!);
  if (!m) return undefined;
  const marker = m[2]!;
  let close = -1;
  for (let j = i + 1; j < lines.length; j++) {
    const t = lines[j]!.trim();
    if (t.startsWith(marker[0]!.repeat(marker.length)) && /^(`{3,}|~{3,})$/.test(t)) { close = j; break; }
  }
  return { indent: m[1]!, marker, lang: m[3]!, info: m[4]!.trim(), close };
}
