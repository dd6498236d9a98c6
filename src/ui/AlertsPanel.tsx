// Alerts panel: newest first, one line each, coloured by severity (type, count, source, message).
import React from 'react';
import { Text } from 'ink';
import type { Alert, Severity } from '../alert/types.js';
import { Line, Panel } from './Panel.js';
import { fmtInt, fmtIsoClock, safe } from './format.js';

/** Colours per severity: CRITICAL is a red tag on white text, HIGH red, WARNING yellow, LOW cyan. */
export const SEVERITY_STYLE: Record<Severity, { color: string; tagBg?: string; tagColor?: string; bold?: boolean }> = {
  CRITICAL: { color: 'redBright', tagBg: 'red', tagColor: 'whiteBright', bold: true },
  HIGH: { color: 'red', bold: true },
  WARNING: { color: 'yellow' },
  LOW: { color: 'cyan' },
};

const SHORT: Record<Severity, string> = { CRITICAL: 'CRIT', HIGH: 'HIGH', WARNING: 'WARN', LOW: 'LOW' };

/** Source (and destination when known) of an alert, escaped. */
function who(a: Alert): string {
  const src = a.src_ip ? safe(a.src_ip) : '';
  const dst = a.dst_ip ? safe(a.dst_ip) : '';
  if (src && dst) return `${src} → ${dst}`;
  return src || dst || '-';
}

/**
 * The message without a leading address that the line already shows in its source column
 * ("10.99.0.1 promoted to malicious: ..." after "MALICIOUS_IP 10.99.0.1" reads "promoted to malicious: ...").
 */
export function messageAfter(shown: string, message: string): string {
  const m = safe(message);
  if (shown === '-' || shown.includes(' → ')) return m;
  return m.startsWith(`${shown} `) ? m.slice(shown.length + 1) : m;
}

export function AlertsPanel({
  alerts,
  counts,
  width,
  height,
  selectedId = null,
  sortNote = '',
}: {
  alerts: readonly Alert[];
  counts: Record<Severity, number>;
  width: number;
  height: number;
  /** The alert chosen with ↑/↓ (Enter shows its evidence); the list scrolls to keep it in view. */
  selectedId?: string | null;
  /** How the list is ordered, when not newest first. */
  sortNote?: string;
}): React.JSX.Element {
  const wide = width >= 70;
  const room = Math.max(0, height - 1);
  const total = counts.CRITICAL + counts.HIGH + counts.WARNING + counts.LOW;
  // The title sums the alerts by severity: "Alerts 4 (1 CRITICAL, 1 HIGH, 2 LOW)".
  const parts = (['CRITICAL', 'HIGH', 'WARNING', 'LOW'] as const).filter((s) => counts[s] > 0);
  const noteText = (total > 0 ? `${fmtInt(total)} (${parts.map((s) => `${fmtInt(counts[s])} ${s}`).join(', ')})` : '') + (sortNote ? ` ${sortNote}` : '');
  const note =
    total > 0 ? (
      <Text>
        <Text bold>{fmtInt(total)}</Text>
        <Text dimColor> (</Text>
        {parts.map((s, i) => (
          <Text key={s} color={SEVERITY_STYLE[s].color}>
            {i > 0 ? ', ' : ''}
            {fmtInt(counts[s])} {s}
          </Text>
        ))}
        <Text dimColor>){sortNote ? ` ${sortNote}` : ''}</Text>
      </Text>
    ) : undefined;
  const sel = selectedId === null ? -1 : alerts.findIndex((a) => a.id === selectedId);
  const offset = sel >= room ? sel - room + 1 : 0;
  const shown = alerts.slice(offset, offset + room);
  return (
    <Panel title="Alerts" note={note} noteWidth={noteText.length} width={width} height={height} color={counts.CRITICAL > 0 || counts.HIGH > 0 ? 'red' : 'cyan'}>
      {shown.length === 0 ? (
        <Line dim>No alerts</Line>
      ) : (
        shown.map((a) => {
          const st = SEVERITY_STYLE[a.severity] ?? SEVERITY_STYLE.LOW;
          const tag = wide ? a.severity.padEnd(8) : SHORT[a.severity] ?? safe(a.severity);
          return (
            <Line key={a.id}>
              {a.id === selectedId ? <Text inverse>▶</Text> : null}
              <Text dimColor>{fmtIsoClock(a.timestamp)} </Text>
              <Text color={st.tagColor ?? st.color} backgroundColor={st.tagBg} bold={st.bold}>
                {tag}
              </Text>
              <Text color={st.color} bold={st.bold}>
                {' '}
                {safe(a.type)}
              </Text>
              {a.count > 1 ? <Text color={st.color}> ×{fmtInt(a.count)}</Text> : null}
              <Text> {who(a)}</Text>
              <Text color={st.color}> {messageAfter(who(a), a.message)}</Text>
            </Line>
          );
        })
      )}
    </Panel>
  );
}
