// The alert history overlay (`h`): alerts stored in SQLite (all runs), newest first, coloured by
// severity, scrolled with ↑/↓/PgUp/PgDn and narrowed with a search typed after `/`.
import React from 'react';
import { Box, Text } from 'ink';
import type { Alert } from '../alert/types.js';
import { SEVERITY_STYLE } from './AlertsPanel.js';
import { Line, Panel } from './Panel.js';
import { fit, fmtInt, fmtIsoDateTime, safe } from './format.js';
import { HISTORY_LIMIT, type HistoryState } from './use-alert-history.js';

/** Alert rows an overlay of `height` lines shows: all but the title, the column header and the status line. */
export function historyRoom(height: number): number {
  return Math.max(1, height - 3);
}

const SHORT_SEV: Record<string, string> = { CRITICAL: 'CRIT', HIGH: 'HIGH', WARNING: 'WARN', LOW: 'LOW' };

interface Columns {
  wide: boolean;
  time: number;
  sev: number;
  type: number;
  count: number;
  source: number;
}

function columns(width: number): Columns {
  const wide = width >= 110;
  return wide
    ? { wide, time: 19, sev: 8, type: 19, count: 6, source: Math.min(40, Math.max(24, Math.floor(width * 0.22))) }
    : { wide, time: 14, sev: 4, type: 16, count: 5, source: 15 };
}

/** "src → dst" on wide terminals, the source alone on narrow ones; escaped. */
function source(a: Alert, wide: boolean): string {
  const src = a.src_ip ? safe(a.src_ip) : '';
  const dst = a.dst_ip ? safe(a.dst_ip) : '';
  if (wide && src && dst) return `${src} → ${dst}`;
  return src || dst || '-';
}

function HistoryRow({ a, c }: { a: Alert; c: Columns }): React.JSX.Element {
  const st = SEVERITY_STYLE[a.severity] ?? SEVERITY_STYLE.LOW;
  const tag = c.wide ? a.severity : (SHORT_SEV[a.severity] ?? a.severity);
  return (
    <Line>
      <Text dimColor>{fmtIsoDateTime(a.timestamp, !c.wide)} </Text>
      <Text color={st.tagColor ?? st.color} backgroundColor={st.tagBg} bold={st.bold}>
        {fit(safe(tag), c.sev)}
      </Text>
      <Text color={st.color} bold={st.bold}>
        {' '}
        {fit(safe(a.type), c.type)}
      </Text>
      <Text color={st.color}> {fit(fmtInt(a.count), c.count, 'right')}</Text>
      <Text> {fit(source(a, c.wide), c.source)}</Text>
      <Text color={st.color}> {safe(a.message)}</Text>
    </Line>
  );
}

export function HistoryOverlay({ state, width, height }: { state: HistoryState; width: number; height: number }): React.JSX.Element {
  const room = historyRoom(height);
  const c = columns(width);
  const n = state.rows.length;
  const filters = [state.search ? `matching "${safe(state.search)}"` : '', state.severity ? `${state.severity} and above` : ''].filter(Boolean).join(', ');
  const count = !state.available || state.error ? '' : `${fmtInt(n)} alert${n === 1 ? '' : 's'}${n >= HISTORY_LIMIT ? ` (newest ${fmtInt(HISTORY_LIMIT)})` : ''}${filters ? ` ${filters}` : ''} │ `;
  const note = `${count}↑↓ PgUp PgDn scroll  / search  s severity  r re-read  esc close`;
  const shown = state.rows.slice(state.offset, state.offset + room);

  let body: React.ReactNode;
  if (!state.available) {
    body = (
      <>
        <Line> alert history is off (history.enabled)</Line>
        <Line dim> Set history.enabled: true in settings.yaml to store every alert in SQLite (history.db_file, default ./netguard.db).</Line>
      </>
    );
  } else if (state.error) {
    body = (
      <Line>
        <Text color="red"> alert history unavailable: {safe(state.error)}</Text>
      </Line>
    );
  } else if (n === 0) {
    body = <Line dim> {filters ? `No stored alerts ${filters}` : 'No alerts stored yet'}</Line>;
  } else {
    body = shown.map((a, i) => <HistoryRow key={`${state.offset + i}-${a.id}`} a={a} c={c} />);
  }

  let status: React.ReactNode;
  if (state.editing) {
    status = (
      <Line>
        <Text color="yellow" bold>
          Search:{' '}
        </Text>
        <Text>{safe(state.draft)}</Text>
        <Text inverse> </Text>
        <Text dimColor>  enter apply (empty clears)  esc cancel</Text>
      </Line>
    );
  } else if (state.available && !state.error && n > 0) {
    const last = Math.min(n, state.offset + room);
    status = (
      <Line dim>
        {' '}
        {fmtInt(state.offset + 1)}–{fmtInt(last)} of {fmtInt(n)}, newest first{last < n ? ' ↓ more' : ''}
        {state.offset > 0 ? ' ↑ newer' : ''}
      </Line>
    );
  } else {
    status = null;
  }

  return (
    <Panel title="Alert history" note={note} width={width} height={height} color="blue">
      <Line dim>
        {fit('TIME', c.time)} {fit('SEV', c.sev)} {fit('TYPE', c.type)} {fit('COUNT', c.count, 'right')} {fit('SOURCE', c.source)} MESSAGE
      </Line>
      <Box flexDirection="column" height={room} overflow="hidden" flexShrink={0}>
        {body}
      </Box>
      {status}
    </Panel>
  );
}
