// Live packet feed: the newest packets, one line each (time, protocol, endpoints, length, info),
// honouring the protocol filter; newest at the bottom, as in tcpdump.
import React from 'react';
import { Text } from 'ink';
import type { PacketLine } from '../engine/types.js';
import { passesFilter, type ProtoFilter } from './filter.js';
import { Line, Panel } from './Panel.js';
import { endpoint, fit, fmtInt, fmtTime, safe } from './format.js';

const PROTO_COLOR: Record<string, string> = {
  TCP: 'green',
  UDP: 'blue',
  ICMP: 'magenta',
  ICMPV6: 'magenta',
  DNS: 'cyan',
  HTTP: 'yellow',
  ARP: 'gray',
};

export function PacketFeed({
  packets,
  filter,
  historySize,
  width,
  height,
  extraNote = '',
}: {
  packets: readonly PacketLine[];
  filter: ProtoFilter;
  historySize: number;
  width: number;
  height: number;
  /** The display filter, when one is set (`/`). */
  extraNote?: string;
}): React.JSX.Element {
  const room = Math.max(0, height - 1);
  const recent = historySize > 0 ? packets.slice(-historySize) : packets;
  const matching = recent.filter((p) => passesFilter(filter, p.proto, p.transport));
  const shown = matching.slice(-room);
  const wide = width >= 100;
  const wEnds = wide ? 48 : Math.max(20, Math.floor((width - 16) * 0.6));
  const note = `${fmtInt(matching.length)}/${fmtInt(recent.length)}${filter === 'ALL' ? '' : ` ${filter}`}${extraNote ? ` ${extraNote}` : ''}`;
  return (
    <Panel title="Live packet feed" note={note} width={width} height={height}>
      {shown.length === 0 ? (
        <Line dim>{recent.length === 0 ? 'Waiting for packets…' : `No ${filter} packets among the last ${fmtInt(recent.length)}`}</Line>
      ) : (
        shown.map((p) => {
          const proto = safe(p.proto);
          return (
            <Line key={p.n}>
              <Text dimColor>{wide ? fmtTime(p.ts) : fmtTime(p.ts).slice(0, 8)} </Text>
              <Text color={PROTO_COLOR[proto.toUpperCase()]}>{fit(proto, 6)} </Text>
              <Text>{fit(`${endpoint(p.src, p.srcPort)} → ${endpoint(p.dst, p.dstPort)}`, wEnds)} </Text>
              {wide ? <Text dimColor>{fit(String(p.len), 5, 'right')} </Text> : null}
              <Text>{safe(p.info)}</Text>
            </Line>
          );
        })
      )}
    </Panel>
  );
}
