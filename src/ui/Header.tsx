// The header line: title, capture source (live, file, or ended), PAUSED, the protocol filter and the snapshot's clock.
import React from 'react';
import { Box, Text } from 'ink';
import type { ProtoFilter } from './filter.js';
import { fmtClock, safe } from './format.js';

export interface HeaderProps {
  title: string;
  source: string;
  live: boolean;
  /** The source has ended (file read to its end, capture stopped). */
  ended?: boolean;
  paused: boolean;
  /** Alerts raised since the display was paused. */
  newWhilePaused: number;
  filter: ProtoFilter;
  ts: number;
  width: number;
}

export function Header({ title, source, live, ended = false, paused, newWhilePaused, filter, ts, width }: HeaderProps): React.JSX.Element {
  // What changes with the keys (PAUSED, the filter) comes first, so a narrow terminal cuts the source
  // path rather than them; a title that already names the source does not repeat it.
  const src = safe(source);
  const showSource = src !== '' && !title.includes(source);
  return (
    <Box width={width} height={1} flexDirection="row">
      <Box flexGrow={1} flexShrink={1} overflow="hidden">
        <Text wrap="truncate-end">
          <Text inverse bold color="cyan">
            {` ${safe(title)} `}
          </Text>
          {paused ? (
            <>
              <Text> </Text>
              <Text inverse bold color="yellow">
                {' PAUSED '}
              </Text>
              {newWhilePaused > 0 ? <Text color="yellow"> +{newWhilePaused} {newWhilePaused === 1 ? 'alert' : 'alerts'}</Text> : null}
            </>
          ) : null}
          <Text> Filter: </Text>
          <Text bold color={filter === 'ALL' ? undefined : 'yellow'}>
            {filter}
          </Text>
          <Text dimColor> │ </Text>
          {ended ? (
            <Text bold color="yellow">
              {live ? 'capture stopped' : 'end of file'}
            </Text>
          ) : (
            <Text>{live ? 'live' : 'file'}</Text>
          )}
          {showSource ? <Text bold> {src}</Text> : null}
        </Text>
      </Box>
      <Box flexShrink={0}>
        <Text bold> {fmtClock(ts)}</Text>
      </Box>
    </Box>
  );
}
