// The help overlay (`?`): every key the dashboard understands.
import React from 'react';
import { Box, Text } from 'ink';
import { Line, Panel } from './Panel.js';

export const KEY_HELP: ReadonlyArray<readonly [string, string]> = [
  ['p', 'pause / resume the display (capture and detection go on)'],
  ['f', 'cycle the protocol filter ALL → TCP → UDP → ICMP (feed and connections)'],
  ['e', 'export the packets held to a new capture-YYYYmmdd-HHMMSS.pcap'],
  ['r', 'custom rules: ↑/↓ select, space/enter toggle, R or l reload rules.yaml'],
  ['h', 'alert history (SQLite): ↑↓ PgUp PgDn scroll, / search, s severity, esc or h close'],
  ['c', 'clear the alerts list'],
  ['↑ ↓ enter', "alerts: choose one; enter shows its evidence (↑↓ scroll packets, w write its pcap, u update, esc back)"],
  ['tab', 'move ↑↓ and o between the alerts, connections and talkers panels (◆ marks the one)'],
  ['o', 'order the chosen panel (alerts: newest, severity, count; connections: recent, packets, bytes, age)'],
  ['/', 'display filter for the feed and connections: ip.addr == 10.0.0.0/8 and not port == 22'],
  ['?', 'this help'],
  ['esc', 'close an overlay'],
  ['q', 'quit (Ctrl+C too)'],
];

export function HelpOverlay({ width, height, exportPath }: { width: number; height: number; exportPath: string }): React.JSX.Element {
  return (
    <Panel title="Help" note="? or esc to close" width={width} height={height} color="yellow">
      {KEY_HELP.map(([k, d]) => (
        <Line key={k}>
          <Text bold color="yellow">
            {'  '}
            {k.padEnd(5)}
          </Text>
          <Text>{k === 'e' ? `export the packets held to ${exportPath}` : d}</Text>
        </Line>
      ))}
      <Box height={1} />
      <Line dim>
        {'  '}Panels: Statistics, Alerts (newest first, by severity colour), Active connections, Top talkers, Live packet
        feed.
      </Line>
      <Line dim>{'  '}Severity colours: CRITICAL red tag, HIGH red, WARNING yellow, LOW cyan.</Line>
    </Panel>
  );
}
