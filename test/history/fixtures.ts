// Alerts for history tests, shaped exactly as the funnel hands them to sinks.
import type { Alert, AlertType, Severity } from '../../src/alert/types.js';

let n = 0;

export function mkAlert(p: Partial<Alert> & { type?: AlertType; severity?: Severity; at?: string } = {}): Alert {
  const ts = p.at ?? p.timestamp ?? '2026-10-30T12:00:00.000Z';
  const a: Alert = {
    id: p.id ?? `1700000000000-${++n}`,
    timestamp: ts,
    type: p.type ?? 'SYN_SCAN',
    severity: p.severity ?? 'HIGH',
    message: p.message ?? 'SYN scan from 203.0.113.9: 120 ports',
    src_ip: p.src_ip ?? '203.0.113.9',
    dst_ip: p.dst_ip ?? '192.0.2.10',
    details: p.details ?? { ports: [22, 80, 443] },
    count: p.count ?? 1,
    last_seen: p.last_seen ?? ts,
  };
  if (p.src_port !== undefined) a.src_port = p.src_port;
  if (p.dst_port !== undefined) a.dst_port = p.dst_port;
  if (p.proto !== undefined) a.proto = p.proto;
  if (p.community_id !== undefined) a.community_id = p.community_id;
  return a;
}
