// Statistics panel: totals, rates with a sparkline of the recent packet rate, per-protocol counts,
// decode errors and drops, uptime, source and capture filter, and the traffic baseline's state.
import React from 'react';
import { Text } from 'ink';
import type { StatsView } from '../engine/types.js';
import { Line, Panel } from './Panel.js';
import { fmtBits, fmtBytes, fmtInt, fmtRate, fmtUptime, safe, sparkline } from './format.js';

/** Protocols in the order they are listed; others follow by packet count. */
const PROTO_ORDER = ['TCP', 'UDP', 'ICMP', 'ICMPv6', 'ARP', 'DNS', 'HTTP', 'Other'];

interface StatLine {
  /** Lower is more important: when the panel is short, the highest numbers go first. */
  rank: number;
  node: React.ReactNode;
}

export function StatsPanel({ stats, width, height }: { stats: StatsView; width: number; height: number }): React.JSX.Element {
  const inner = width;
  const protos = Object.entries(stats.protocols)
    .filter(([, v]) => v.packets > 0)
    .sort((a, b) => {
      const ia = PROTO_ORDER.indexOf(a[0]);
      const ib = PROTO_ORDER.indexOf(b[0]);
      if (ia >= 0 && ib >= 0) return ia - ib;
      if (ia >= 0) return -1;
      if (ib >= 0) return 1;
      return b[1].packets - a[1].packets;
    });
  const protoText = protos.length ? protos.map(([k, v]) => `${safe(k)} ${fmtInt(v.packets)}`).join('  ') : 'none yet';
  const protoBytes = protos.map(([k, v]) => `${safe(k)} ${fmtBytes(v.bytes)}`).join('  ');
  const rateText = `${fmtRate(stats.pps)} pkt/s  ${fmtBits(stats.bps)} `;
  const spark = sparkline(stats.rateHistory, Math.max(0, Math.min(30, inner - 6 - rateText.length)));
  const b = stats.baseline;

  const lines: StatLine[] = [
    {
      rank: 0,
      node: (
        <>
          <Text dimColor>Packets </Text>
          <Text bold>{fmtInt(stats.packets)}</Text>
          <Text dimColor>  Bytes </Text>
          <Text bold>{fmtBytes(stats.bytes)}</Text>
        </>
      ),
    },
    {
      rank: 1,
      node: (
        <>
          <Text dimColor>Rate </Text>
          <Text bold>{rateText}</Text>
          <Text color="green">{spark}</Text>
        </>
      ),
    },
    {
      rank: 2,
      node: (
        <>
          <Text dimColor>Proto </Text>
          <Text>{protoText}</Text>
        </>
      ),
    },
    ...(protoBytes
      ? [
          {
            rank: 8,
            node: (
              <>
                <Text dimColor>Bytes </Text>
                <Text>{protoBytes}</Text>
              </>
            ),
          },
        ]
      : []),
    {
      rank: 3,
      node: (
        <>
          <Text dimColor>Errors </Text>
          <Text color={stats.decodeErrors > 0 ? 'yellow' : undefined}>{fmtInt(stats.decodeErrors)} decode</Text>
          <Text dimColor>  Drops </Text>
          <Text color={stats.drops ? 'red' : undefined}>{stats.drops === null ? 'n/a' : fmtInt(stats.drops)}</Text>
        </>
      ),
    },
    {
      rank: 4,
      node: (
        <>
          <Text dimColor>Uptime </Text>
          <Text>{fmtUptime(stats.now - stats.startedAt)}</Text>
        </>
      ),
    },
    {
      rank: 5,
      node: (
        <>
          <Text dimColor>{stats.live ? 'Iface ' : 'File '}</Text>
          <Text>{safe(stats.source) || '-'}</Text>
          <Text dimColor>  BPF </Text>
          <Text>{safe(stats.filter) || 'none'}</Text>
        </>
      ),
    },
    {
      rank: 6,
      node:
        b === null ? (
          <>
            <Text dimColor>Baseline </Text>
            <Text>off</Text>
          </>
        ) : b.learning ? (
          <>
            <Text dimColor>Baseline </Text>
            <Text color="yellow">learning {Math.round(b.progress * 100)}%</Text>
            <Text dimColor>
              {' '}
              ({Math.round(b.progress * b.windowSec)}/{b.windowSec}s)
            </Text>
          </>
        ) : (
          <>
            <Text dimColor>Baseline </Text>
            <Text color="green">ready</Text>
            <Text>
              {' '}
              {fmtRate(b.mean.pps)}±{fmtRate(b.stddev.pps)} pkt/s
            </Text>
          </>
        ),
    },
    ...(b && !b.learning && Object.keys(b.perProto).length
      ? [
          {
            rank: 9,
            node: (
              <>
                <Text dimColor>  per proto </Text>
                <Text>
                  {Object.entries(b.perProto)
                    .map(([k, v]) => `${safe(k)} ${fmtRate(v.mean)}±${fmtRate(v.stddev)}`)
                    .join('  ')}
                </Text>
              </>
            ),
          },
        ]
      : []),
  ];
  const room = Math.max(0, height - 1);
  const keep = new Set(
    [...lines]
      .sort((x, y) => x.rank - y.rank)
      .slice(0, room)
      .map((l) => l.rank),
  );
  return (
    <Panel title="Statistics" width={width} height={height}>
      {lines
        .filter((l) => keep.has(l.rank))
        .map((l) => (
          <Line key={l.rank}>{l.node}</Line>
        ))}
    </Panel>
  );
}
