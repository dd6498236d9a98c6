// The footer line: the result of the last action (export, toggle, reload, clear) or the key hints.
import React from 'react';
import { Box, Text } from 'ink';

export interface StatusMessage {
  text: string;
  kind: 'ok' | 'error' | 'info';
}

export function Footer({ message, width }: { message: StatusMessage | null; width: number }): React.JSX.Element {
  if (message) {
    const color = message.kind === 'ok' ? 'green' : message.kind === 'error' ? 'red' : 'yellow';
    // Cut in the middle, so a long path keeps its file name at the end.
    return (
      <Box width={width} height={1}>
        <Text wrap="truncate-middle" color={color}>
          {message.text}
        </Text>
      </Box>
    );
  }
  return (
    <Box width={width} height={1}>
      <Text wrap="truncate-end" dimColor>
        p pause  f filter  e export  r rules  h history  c clear alerts  ? help  q quit
      </Text>
    </Box>
  );
}
