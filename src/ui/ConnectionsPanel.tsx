// Active connections panel: endpoints with service names, state, packets, bytes and age.
import React from 'react';
import { Text } from 'ink';
import type { ConnectionView } from '../engine/types.js';
import { passesFilter, type ProtoFilter } from './filter.js';
import { Line, Panel } from './Panel.js';
import { endpoint, fit, fmtAge, fmtBytes, fmtInt, safe } from './format.js';

const STATE_COLOR: Record<string, string> = {
  ESTABLISHED: 'green',
  SYN_SENT: 'yellow',
  SYN_RECEIVED: 'yellow',
  CLOSED: 'gray',
  RESET: 'red',
};

/** Short names for narrow panels, as `ss` prints them. */
const STATE_SHORT: Record<string, string> = {
  ESTABLISHED: 'ESTAB',
  SYN_RECEIVED: 'SYN_RCVD',
  CLOSE_WAIT: 'CLOSE_WT',
  TIME_WAIT: 'TIME_WT',
};

export function ConnectionsPanel({
  connections,
  filter,
  now,
  width,
  height,
  extraNote = '',
}: {
  connections: readonly ConnectionView[];
  filter: ProtoFilter;
  now: number;
  width: number;
  height: number;
  /** Focus, order, scroll position and display filter, when set (the dashboard's keys). */
  extraNote?: string;
}): React.JSX.Element {
  const matching = connections.filter((c) => passesFilter(filter, c.proto));
  // Wide panels get a column header; narrow or short ones put units in the cells instead.
  const header = width >= 90 && height >= 5;
  const room = Math.max(0, height - 1 - (header ? 1 : 0));
  const shown = matching.slice(0, room);
  const wide = width >= 90;
  const wState = wide ? 12 : 8;
  const wPk = header ? 6 : 9;
  const wBytes = 7;
  const wAge = 5;
  const wProto = 5;
  const wEnds = Math.max(10, width - wProto - wState - wPk - wBytes - wAge - 5);
  const note = `${fmtInt(matching.length)}${filter === 'ALL' ? '' : ` ${filter}`}${extraNote ? ` ${extraNote}` : ''}`;
  return (
    <Panel title="Active connections" note={note} width={width} height={height}>
      {header ? (
        <Line dim>
          {fit('PROTO', wProto)} {fit('ENDPOINTS', wEnds)} {fit('STATE', wState)} {fit('PKTS', wPk, 'right')} {fit('BYTES', wBytes, 'right')}{' '}
          {fit('AGE', wAge, 'right')}
        </Line>
      ) : null}
      {shown.length === 0 ? (
        <Line dim>No active {filter === 'ALL' ? '' : `${filter} `}connections</Line>
      ) : (
        shown.map((c) => {
          const svc = c.service ? ` ${safe(c.service)}` : '';
          const ends = `${endpoint(c.src, c.srcPort)} → ${endpoint(c.dst, c.dstPort)}${svc}`;
          const state = safe(c.state);
          const shownState = wide ? state : (STATE_SHORT[state] ?? state);
          return (
            <Line key={c.id}>
              <Text>{fit(safe(c.proto), wProto)} </Text>
              <Text>{fit(ends, wEnds)} </Text>
              <Text color={STATE_COLOR[state]}>{fit(shownState, wState)} </Text>
              <Text>{fit(header ? fmtInt(c.packets) : `${fmtInt(c.packets)} pk`, wPk, 'right')} </Text>
              <Text>{fit(fmtBytes(c.bytes), wBytes, 'right')} </Text>
              <Text dimColor>{fit(fmtAge(now - c.start), wAge, 'right')}</Text>
            </Line>
          );
        })
      )}
    </Panel>
  );
}
