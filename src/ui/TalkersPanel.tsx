// Top talkers panel: the busiest addresses by bytes and by packets, each with a proportional bar.
import React from 'react';
import { Text } from 'ink';
import type { TalkerView } from '../engine/types.js';
import { Line, Panel } from './Panel.js';
import { bar, fit, fmtBytes, fmtInt, safe } from './format.js';

function Rows({
  talkers,
  value,
  label,
  n,
  width,
  color,
}: {
  talkers: readonly TalkerView[];
  value: (t: TalkerView) => number;
  label: (t: TalkerView) => string;
  n: number;
  width: number;
  color: string;
}): React.JSX.Element[] {
  const shown = talkers.slice(0, n);
  const max = shown.reduce((m, t) => Math.max(m, value(t)), 0);
  // The count is never cut ("1,234,567 pk" whole): its column is as wide as the longest one, and the
  // bar, then the address, give up the room.
  const wVal = Math.max(6, ...shown.map((t) => label(t).length));
  const wIp = Math.max(7, Math.min(Math.max(7, ...shown.map((t) => safe(t.ip).length)), Math.floor(width * 0.45), width - wVal - 5));
  const wBar = Math.max(1, width - wIp - wVal - 2);
  return shown.map((t) => {
    const b = bar(value(t), max, wBar);
    return (
      <Line key={t.ip}>
        <Text>{fit(safe(t.ip), wIp)} </Text>
        <Text color={color}>{b.filled}</Text>
        <Text dimColor>{b.empty}</Text>
        <Text> {fit(label(t), wVal, 'right')}</Text>
      </Line>
    );
  });
}

export function TalkersPanel({
  byBytes,
  byPackets,
  width,
  height,
  note,
}: {
  byBytes: readonly TalkerView[];
  byPackets: readonly TalkerView[];
  width: number;
  height: number;
  /** Focus, order and scroll position, when set (the dashboard's keys). */
  note?: string;
}): React.JSX.Element {
  const room = Math.max(0, height - 1);
  // Two sub-lists, each a heading plus rows; bytes gets the odd line.
  const nBytes = Math.max(0, Math.ceil(room / 2) - 1);
  const nPackets = Math.max(0, Math.floor(room / 2) - 1);
  return (
    <Panel title="Top talkers" note={note || undefined} width={width} height={height}>
      <Line dim>by bytes</Line>
      {byBytes.length === 0 ? <Line dim> none yet</Line> : Rows({ talkers: byBytes, value: (t) => t.bytes, label: (t) => fmtBytes(t.bytes), n: nBytes, width, color: 'green' })}
      {nPackets > 0 ? <Line dim>by packets</Line> : null}
      {nPackets > 0
        ? byPackets.length === 0
          ? <Line dim> none yet</Line>
          : Rows({ talkers: byPackets, value: (t) => t.packets, label: (t) => `${fmtInt(t.packets)} pk`, n: nPackets, width, color: 'blue' })
        : null}
    </Panel>
  );
}
