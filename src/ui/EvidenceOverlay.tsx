// An alert's evidence (Enter on an alert): what the alert says, how many of its packets are kept, the
// flows it involved and its packets, scrolled with ↑/↓; `w` writes the alert's packets as a pcap.
import React from 'react';
import { Box, Text } from 'ink';
import type { Alert } from '../alert/types.js';
import type { AlertEvidenceView } from '../engine/types.js';
import { SEVERITY_STYLE } from './AlertsPanel.js';
import { Line, Panel } from './Panel.js';
import { endpoint, fit, fmtBytes, fmtInt, fmtIsoDateTime, fmtTime, safe } from './format.js';

/** Rows of packets the overlay shows in `height` lines. */
export function evidenceRoom(height: number, flows: number): number {
  return Math.max(1, height - 7 - Math.min(flows, 5));
}

export function EvidenceOverlay({
  alert,
  evidence,
  offset,
  width,
  height,
}: {
  alert: Alert;
  evidence: AlertEvidenceView | null;
  offset: number;
  width: number;
  height: number;
}): React.JSX.Element {
  const st = SEVERITY_STYLE[alert.severity] ?? SEVERITY_STYLE.LOW;
  const note = '↑↓ scroll packets  w write pcap  u update  esc close';
  const head = (
    <Line>
      <Text color={st.color} bold>
        {safe(alert.severity)} {safe(alert.type)}
      </Text>
      <Text dimColor> {fmtIsoDateTime(alert.timestamp)} ×{fmtInt(alert.count)} id {safe(alert.id)}</Text>
      <Text> {safe(alert.message)}</Text>
    </Line>
  );
  if (!evidence) {
    return (
      <Panel title="Alert evidence" note={note} width={width} height={height} color="magenta">
        {head}
        <Line dim> No packets are kept for this alert (it names no address, evidence.enabled is off, or its evidence was forgotten).</Line>
      </Panel>
    );
  }
  const e = evidence;
  const flows = e.flows.slice(0, 5);
  const room = evidenceRoom(height, e.flows.length);
  const shown = e.packets.slice(offset, offset + room);
  const where = e.sourceFile ? (e.complete ? `all ${fmtInt(e.indexed)} can be read back from ${safe(e.sourceFile)}` : `${fmtInt(e.indexed)} positions in ${safe(e.sourceFile)}`) : 'live: only the kept packets';
  return (
    <Panel title="Alert evidence" note={note} width={width} height={height} color="magenta">
      {head}
      <Line dim>
        {' '}
        {fmtInt(e.seen)} packets in the episode{e.open ? ' (open)' : ''}, {fmtInt(e.kept)} kept ({fmtBytes(e.bytes)}), {fmtInt(e.fromLookback)} from before the alert,{' '}
        {fmtInt(e.evicted)} evicted, {fmtInt(e.overBudget)} over the alert's budget
      </Line>
      <Line dim> {where}</Line>
      <Line>
        <Text bold> Flows {fmtInt(e.flows.length)}{e.flowsDropped > 0 ? '+' : ''}</Text>
        <Text dimColor>{e.flows.length > flows.length ? ` (first ${flows.length})` : ''}</Text>
      </Line>
      {flows.map((f, i) => (
        <Line key={`f${i}`}>
          {'  '}
          {fit(safe(f.proto), 6)} {fit(endpoint(f.src, f.srcPort), 24)} → {fit(endpoint(f.dst, f.dstPort), 24)} {fit(safe(f.state) || '-', 12)} {fit(fmtInt(f.packets), 6, 'right')} pkts{' '}
          {fit(fmtBytes(f.bytes), 8, 'right')} <Text dimColor>{safe(f.community_id)} flow_id {f.flow_id}</Text>
        </Line>
      ))}
      <Line>
        <Text bold> Packets</Text>
        <Text dimColor>
          {' '}
          {e.packets.length === 0 ? 'none held' : `${fmtInt(offset + 1)}–${fmtInt(Math.min(e.packets.length, offset + room))} of ${fmtInt(e.packets.length)}`}
        </Text>
      </Line>
      <Box flexDirection="column" height={room} overflow="hidden" flexShrink={0}>
        {shown.map((l) => (
          <Line key={`p${l.n}`}>
            <Text dimColor>{fit(String(l.n), 7, 'right')} {fmtTime(l.ts)} </Text>
            {fit(safe(l.proto), 6)} {fit(endpoint(l.src, l.srcPort), 24)} → {fit(endpoint(l.dst, l.dstPort), 24)} {fit(fmtInt(l.len), 6, 'right')} {safe(l.info)}
          </Line>
        ))}
      </Box>
    </Panel>
  );
}
