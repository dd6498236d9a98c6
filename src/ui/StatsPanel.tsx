// Statistics panel: totals, rates with a sparkline of the recent packet rate (or, once the source has
// ended, the run's average), per-protocol counts, decode errors and the kernel's capture counters,
// uptime, source and capture filter, and the traffic baseline's state.
import React from 'react';
import { Text } from 'ink';
import type { CaptureCounters, StatsView } from '../engine/types.js';
import { Line, Panel } from './Panel.js';
import { fmtBits, fmtBytes, fmtInt, fmtRate, fmtUptime, safe, sparkline } from './format.js';

/** Protocols in the order they are listed; others follow by packet count. */
const PROTO_ORDER = ['TCP', 'UDP', 'ICMP', 'ICMPv6', 'ARP', 'DNS', 'HTTP', 'Other'];

interface StatLine {
  /** Lower is more important: when the panel is short, the highest numbers go first. */
  rank: number;
  node: React.ReactNode;
}

/** Share of the packets the kernel received that reached NetGuard, as "99.98%" (never rounded up to 100%). */
export function capturedShare(c: CaptureCounters): string {
  if (c.kernel_packets <= 0) return '-';
  const kept = Math.max(0, c.kernel_packets - c.kernel_drops);
  if (kept === c.kernel_packets) return '100%';
  const pct = Math.floor((10000 * kept) / c.kernel_packets) / 100;
  return `${pct.toFixed(2)}%`;
}

/** Packets per second and bits per second over the whole run (packet time), or null when it spans no time. */
function averageRate(stats: StatsView): { pps: number; bps: number } | null {
  const secs = (stats.now - stats.startedAt) / 1000;
  if (stats.packets === 0 || stats.startedAt <= 0 || !(secs > 0)) return null;
  return { pps: stats.packets / secs, bps: (stats.bytes * 8) / secs };
}

export function StatsPanel({ stats, capture = null, width, height }: { stats: StatsView; capture?: CaptureCounters | null; width: number; height: number }): React.JSX.Element {
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
  // Once the source has ended the last second's rate would stay on screen for ever: say it ended, and
  // give the run's average instead (the sparkline keeps the history).
  const avg = stats.ended ? averageRate(stats) : null;
  const endText = stats.live ? 'capture stopped' : 'end of file';
  const endedLong = avg ? `${endText}, average ${fmtRate(avg.pps)} pkt/s  ${fmtBits(avg.bps)} ` : `${endText} `;
  // A narrow panel keeps the average packet rate and leaves out the bit rate.
  const endedText = avg && 5 + endedLong.length > inner ? `${endText}, avg ${fmtRate(avg.pps)} pkt/s ` : endedLong;
  const rateText = stats.ended ? endedText : `${fmtRate(stats.pps)} pkt/s  ${fmtBits(stats.bps)} `;
  const spark = sparkline(stats.rateHistory, Math.max(0, Math.min(30, inner - 6 - rateText.length)));
  const b = stats.baseline;
  // "Drops 12 of 200,000 received (99.99% captured)" where it fits, else the short "Errors 3  Drops
  // 12/200,000 99.99%", so the share still shows on a narrow panel.
  const longCapture = capture
    ? `Errors ${fmtInt(stats.decodeErrors)} decode  Drops ${fmtInt(stats.drops ?? 0)} of ${fmtInt(capture.kernel_packets)} received (${capturedShare(capture)} captured)` +
      (capture.kernel_ifdrops > 0 ? ` +${fmtInt(capture.kernel_ifdrops)} by iface` : '')
    : '';
  const wide = longCapture.length <= inner;
  const captureWords = wide ? { of: ' of ', received: ' received (', captured: ' captured)' } : { of: '/', received: ' ', captured: '' };

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
          <Text bold color={stats.ended ? 'yellow' : undefined}>
            {rateText}
          </Text>
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
          <Text color={stats.decodeErrors > 0 ? 'yellow' : undefined}>
            {fmtInt(stats.decodeErrors)}
            {capture && !wide ? '' : ' decode'}
          </Text>
          <Text dimColor>  Drops </Text>
          <Text color={stats.drops ? 'red' : undefined}>{stats.drops === null ? 'n/a' : fmtInt(stats.drops)}</Text>
          {capture ? (
            <>
              <Text dimColor>{captureWords.of}</Text>
              <Text>{fmtInt(capture.kernel_packets)}</Text>
              <Text dimColor>{captureWords.received}</Text>
              <Text color={capture.kernel_drops > 0 ? 'red' : 'green'}>{capturedShare(capture)}</Text>
              <Text dimColor>{captureWords.captured}</Text>
              {capture.kernel_ifdrops > 0 ? <Text color="red"> +{fmtInt(capture.kernel_ifdrops)} by iface</Text> : null}
            </>
          ) : null}
        </>
      ),
    },
    {
      rank: 4,
      node: (
        <>
          <Text dimColor>Uptime </Text>
          {/* Before the first packet there is no start time: now - 0 would read as decades. */}
          {stats.packets === 0 || stats.startedAt <= 0 ? (
            <Text dimColor>{stats.live ? 'waiting for the first packet' : '0s'}</Text>
          ) : (
            <Text>{fmtUptime(stats.now - stats.startedAt)}</Text>
          )}
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
