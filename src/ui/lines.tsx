// A region of the screen: exactly `height` lines (padded or cut), each cut to the
// region's width, so what is drawn never outgrows what the layout counted.
import { Box, Text } from 'ink';
import { cut } from './draw.ts';

export interface Size { cols: number; rows: number }

export function Lines({ lines, height, width }: { lines: string[]; height: number; width: number }) {
  // One row per line: a newline inside one would push the rest down. Each is cut to the
  // width here (draw.ts's cut: one pass) rather than by ink, whose truncation slices the
  // escapes of every long line (cli-truncate, slice-ansi), a good part of a frame; ink
  // still cuts what is wider than cut counted (wide characters).
  const shown = lines.slice(0, Math.max(0, height)).map((l) => (l === '' ? ' ' : cut(l.replaceAll('\n', ' '), width)));
  while (shown.length < height) shown.push(' ');
  // Not overflow="hidden": ink cuts every line of a clipped box once more (slice-ansi
  // on each, a good part of the first frame), and these cannot overflow: `height` rows
  // of one line each, each truncated to the width by its Text.
  return (
    <Box flexDirection="column" width={width} height={height}>
      {shown.map((l, i) => <Text key={i} wrap="truncate-end">{l}</Text>)}
    </Box>
  );
}
