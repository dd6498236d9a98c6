// A titled panel of fixed size: a title rule on top, then content lines cut to the panel's width.
import React from 'react';
import { Box, Text } from 'ink';

export interface PanelProps {
  title: string;
  /** After the title (counts, filter); plain text is dimmed. */
  note?: React.ReactNode;
  /** Characters the note takes, when it is not plain text. */
  noteWidth?: number;
  width: number;
  height: number;
  color?: string;
  children?: React.ReactNode;
}

export function Panel({ title, note, noteWidth, width, height, color = 'cyan', children }: PanelProps): React.JSX.Element {
  const nw = typeof note === 'string' ? [...note].length : (noteWidth ?? 0);
  const used = 3 + [...title].length + (note ? nw + 1 : 0);
  const rule = '─'.repeat(Math.max(0, width - used));
  return (
    <Box flexDirection="column" width={width} height={height} overflow="hidden" flexShrink={0}>
      <Text wrap="truncate-end">
        <Text color={color}>─ </Text>
        <Text color={color} bold>
          {title}
        </Text>
        <Text color={color}> </Text>
        {typeof note === 'string' && note ? <Text dimColor>{note} </Text> : null}
        {note && typeof note !== 'string' ? (
          <>
            {note}
            <Text> </Text>
          </>
        ) : null}
        <Text color={color}>{rule}</Text>
      </Text>
      {children}
    </Box>
  );
}

/** One content line, cut (never wrapped) at the panel's edge. */
export function Line({ children, dim }: { children?: React.ReactNode; dim?: boolean }): React.JSX.Element {
  return (
    <Text wrap="truncate-end" dimColor={dim}>
      {children}
    </Text>
  );
}
