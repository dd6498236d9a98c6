// Drill-down from the alerts panel: ↑/↓ choose an alert, `o` orders the list (newest, severity, count),
// Enter opens its evidence (packets, flows), where ↑/↓ scroll the packets, `u` re-reads it and `w`
// writes its pcap.
import path from 'node:path';
import { useCallback, useRef, useState } from 'react';
import type { Key } from 'ink';
import type { Alert } from '../alert/types.js';
import type { AlertEvidenceView, EngineControl } from '../engine/types.js';
import type { StatusMessage } from './Footer.js';
import { fmtInt } from './format.js';

export type AlertOrder = 'newest' | 'severity' | 'count';
const ORDERS: AlertOrder[] = ['newest', 'severity', 'count'];
const RANK: Record<string, number> = { LOW: 0, WARNING: 1, HIGH: 2, CRITICAL: 3 };

/** The alerts in the chosen order (a copy; newest first within equal keys). */
export function orderAlerts(alerts: readonly Alert[], order: AlertOrder): Alert[] {
  const out = alerts.slice();
  if (order === 'severity') out.sort((a, b) => (RANK[b.severity] ?? 0) - (RANK[a.severity] ?? 0));
  else if (order === 'count') out.sort((a, b) => b.count - a.count);
  return out;
}

/** A file name for an alert's pcap: its id with anything unsafe for a path replaced. */
export function alertPcapName(id: string): string {
  return `alert-${id.replace(/[^A-Za-z0-9._-]/g, '_')}.pcap`;
}

export interface AlertDrill {
  selectedId: string | null;
  order: AlertOrder;
  /** The alert whose evidence is open, with the evidence as read when it was opened (or refreshed). */
  open: { alert: Alert; evidence: AlertEvidenceView | null } | null;
  offset: number;
  /** Keys while the alerts panel is in front: 'open' when Enter opened an alert's evidence, 'used', or 'not mine'. */
  panelKey(input: string, key: Key, alerts: readonly Alert[]): 'open' | 'used' | 'not mine';
  /** Keys while the evidence is open; 'close' when it should close. */
  evidenceKey(input: string, key: Key, room: number): 'close' | 'stay';
}

/** `exportDir`: where an alert's pcap is written (-l/--log-dir; default the working directory). */
export function useAlertDrill(control: EngineControl, setMessage: (m: StatusMessage) => void, exportDir = '.'): AlertDrill {
  // Refs as well as state: several keys can arrive in one read, each must see the previous one's effect.
  const selRef = useRef<string | null>(null);
  const [selectedId, setSel] = useState<string | null>(null);
  const [order, setOrderState] = useState<AlertOrder>('newest');
  const orderRef = useRef<AlertOrder>('newest');
  const openRef = useRef<AlertDrill['open']>(null);
  const [open, setOpenState] = useState<AlertDrill['open']>(null);
  const offRef = useRef(0);
  const [offset, setOffState] = useState(0);
  const writing = useRef(false);

  const select = (id: string | null): void => {
    selRef.current = id;
    setSel(id);
  };
  const setOpen = (o: AlertDrill['open']): void => {
    openRef.current = o;
    setOpenState(o);
  };
  const setOffset = (n: number): void => {
    offRef.current = n;
    setOffState(n);
  };

  const writePcap = useCallback(() => {
    const o = openRef.current;
    if (!o || writing.current) return;
    if (!control.exportAlertPcap) {
      setMessage({ text: 'This view cannot write pcaps', kind: 'error' });
      return;
    }
    writing.current = true;
    const target = path.resolve(exportDir, alertPcapName(o.alert.id));
    setMessage({ text: `Writing the packets of alert ${o.alert.id} to ${target}…`, kind: 'info' });
    control
      .exportAlertPcap(o.alert.id, target)
      .then(
        (r) => setMessage({ text: `Wrote ${fmtInt(r.count)} packet${r.count === 1 ? '' : 's'} of alert ${o.alert.id} to ${r.path}${r.from === 'file' ? ' (read back from the capture file)' : ''}`, kind: 'ok' }),
        (e: unknown) => setMessage({ text: `Pcap not written: ${(e as Error).message ?? String(e)}`, kind: 'error' }),
      )
      .finally(() => {
        writing.current = false;
      });
  }, [control, setMessage, exportDir]);

  const panelKey = (input: string, key: Key, alerts: readonly Alert[]): 'open' | 'used' | 'not mine' => {
    const list = orderAlerts(alerts, orderRef.current);
    const at = selRef.current === null ? -1 : list.findIndex((a) => a.id === selRef.current);
    if (key.downArrow) {
      if (list.length > 0) select(list[Math.min(list.length - 1, at + 1)].id);
      return 'used';
    }
    if (key.upArrow) {
      if (list.length > 0) select(list[Math.max(0, at - 1)].id);
      return 'used';
    }
    if (input === 'o') {
      const next = ORDERS[(ORDERS.indexOf(orderRef.current) + 1) % ORDERS.length];
      orderRef.current = next;
      setOrderState(next);
      return 'used';
    }
    if (key.return) {
      const a = at >= 0 ? list[at] : list[0];
      if (!a) return 'used';
      select(a.id);
      setOffset(0);
      setOpen({ alert: a, evidence: control.alertEvidence ? control.alertEvidence(a.id) : null });
      return 'open';
    }
    return 'not mine';
  };

  const evidenceKey = (input: string, key: Key, room: number): 'close' | 'stay' => {
    const o = openRef.current;
    if (!o) return 'close';
    const n = o.evidence?.packets.length ?? 0;
    const max = Math.max(0, n - room);
    if (key.escape || key.return) {
      setOpen(null);
      return 'close';
    }
    if (key.downArrow) setOffset(Math.min(max, offRef.current + 1));
    else if (key.upArrow) setOffset(Math.max(0, offRef.current - 1));
    else if (key.pageDown) setOffset(Math.min(max, offRef.current + room));
    else if (key.pageUp) setOffset(Math.max(0, offRef.current - room));
    else if (input === 'w') writePcap();
    else if (input === 'u') setOpen({ alert: o.alert, evidence: control.alertEvidence ? control.alertEvidence(o.alert.id) : null });
    return 'stay';
  };

  return { selectedId, order, open, offset, panelKey, evidenceKey };
}
