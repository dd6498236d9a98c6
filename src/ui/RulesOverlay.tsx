// The rules overlay (`r`): the custom rules with their state; toggle one, or reload rules.yaml.
import React from 'react';
import { Text } from 'ink';
import type { RuleView } from '../engine/types.js';
import { SEVERITY_STYLE } from './AlertsPanel.js';
import { Line, Panel } from './Panel.js';
import { fit, fmtInt, safe } from './format.js';

export function RulesOverlay({
  rules,
  selected,
  width,
  height,
  error = null,
}: {
  rules: readonly RuleView[];
  selected: number;
  width: number;
  height: number;
  /** Why the last reload failed (lines: what, file:line:col and reason, the source line, the caret), or null. */
  error?: string | null;
}): React.JSX.Element {
  // The reason wraps so no sentence is cut; the source line and its caret stay one line each, aligned.
  const errorLines = error ? error.split('\n').map((l) => safe(l)) : [];
  const errorRows = errorLines.reduce((n, l, i) => n + (i === 1 ? Math.max(1, Math.ceil(l.length / Math.max(1, width - 4))) : 1), 0);
  const room = Math.max(1, height - 3 - errorRows);
  // Scroll so that the selected rule stays in view.
  const first = Math.max(0, Math.min(selected - Math.floor(room / 2), rules.length - room));
  const shown = rules.slice(first, first + room);
  const wName = Math.min(32, Math.max(12, Math.floor(width * 0.3)));
  return (
    <Panel title="Custom rules" note={`${rules.length} │ ↑↓ select  space toggle  R reload  esc close`} width={width} height={height} color="magenta">
      {errorLines.map((l, i) => (
        <Text key={`error-${i}`} color="red" bold={i === 0} wrap={i === 1 ? 'wrap' : 'truncate-end'}>
          {l}
        </Text>
      ))}
      <Line dim>
        {'    '}
        {fit('NAME', wName)} {fit('SEVERITY', 8)} {fit('THRESHOLD', 12)} {fit('MATCHES', 8, 'right')} CONDITION
      </Line>
      {rules.length === 0 ? (
        <Line dim>  No custom rules loaded (rules.yaml)</Line>
      ) : (
        shown.map((r, i) => {
          const idx = first + i;
          const sel = idx === selected;
          return (
            <Line key={`${idx}-${r.name}`}>
              <Text inverse={sel}>{sel ? '›' : ' '}</Text>
              <Text color={r.enabled ? 'green' : 'gray'}>{r.enabled ? '[x]' : '[ ]'}</Text>
              <Text inverse={sel} bold={sel}>
                {fit(safe(r.name), wName)}
              </Text>
              <Text> </Text>
              <Text color={SEVERITY_STYLE[r.severity]?.color}>{fit(safe(r.severity), 8)}</Text>
              <Text> {fit(`${fmtInt(r.threshold)} / ${fmtInt(r.window)}s`, 12)}</Text>
              <Text> {fit(fmtInt(r.matches), 8, 'right')}</Text>
              <Text dimColor={!r.enabled}> {safe(r.condition)}</Text>
            </Line>
          );
        })
      )}
      {rules[selected] && rules[selected].description ? <Line dim>  {safe(rules[selected].description)}</Line> : null}
    </Panel>
  );
}
