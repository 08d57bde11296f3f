// A region of the screen: exactly `height` lines (padded or cut), each cut to the
// region's width, so what is drawn never outgrows what the layout counted.
import { Box, Text } from 'ink';

export interface Size { cols: number; rows: number }

export function Lines({ lines, height, width }: { lines: string[]; height: number; width: number }) {
  const shown = lines.slice(0, Math.max(0, height));
  while (shown.length < height) shown.push(' ');
  return (
    <Box flexDirection="column" width={width} height={height} overflow="hidden">
      {shown.map((l, i) => <Text key={i} wrap="truncate-end">{l === '' ? ' ' : l}</Text>)}
    </Box>
  );
}
