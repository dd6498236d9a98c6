// Turns one EVE line a sensor put into Redis into what the history stores: its sensor (EVE `host`), event
// type, time and, for alert records, the NetGuard alert (from the `netguard` object, or Suricata's `alert`).
import { ALERT_TYPES, type Alert, type AlertType, type Severity } from '../alert/types.js';
import type { RemoteRecord } from '../history/index.js';

/** Suricata's severity (1 most severe) back to NetGuard's levels, the inverse of EVE_SEVERITY. */
const FROM_EVE_SEVERITY: Record<number, Severity> = { 1: 'CRITICAL', 2: 'HIGH', 3: 'WARNING', 4: 'LOW' };
const SEVERITY_NAMES = new Set<string>(['LOW', 'WARNING', 'HIGH', 'CRITICAL']);

/** EVE's "2026-11-20T12:00:00.123456+0000" as ms (Date.parse wants the offset with a colon). */
export function parseEveTime(ts: unknown): number {
  if (typeof ts !== 'string') return NaN;
  return Date.parse(ts.replace(/([+-]\d{2})(\d{2})$/, '$1:$2'));
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);
const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);

/** The NetGuard alert an EVE alert record carries; null when it is not an alert record. */
export function eveToAlert(rec: Obj, ms: number): Alert | null {
  if (rec.event_type !== 'alert' || !isObj(rec.alert)) return null;
  const ng = isObj(rec.netguard) ? rec.netguard : null;
  const iso = new Date(Number.isNaN(ms) ? 0 : ms).toISOString();
  const sevName = str(ng?.severity);
  const typeName = str(ng?.type);
  const a: Alert = {
    // A record from Suricata (no netguard object) is kept as a custom rule named by its signature.
    id: str(ng?.id) ?? String(num(rec.alert.signature_id) ?? 0),
    timestamp: iso,
    type: typeName && (ALERT_TYPES as readonly string[]).includes(typeName) ? (typeName as AlertType) : 'CUSTOM_RULE',
    severity: sevName && SEVERITY_NAMES.has(sevName) ? (sevName as Severity) : (FROM_EVE_SEVERITY[num(rec.alert.severity) ?? 3] ?? 'WARNING'),
    message: str(ng?.message) ?? str(rec.alert.signature) ?? 'EVE alert',
    details: isObj(ng?.details) ? ng.details : { signature_id: rec.alert.signature_id, signature: rec.alert.signature, category: rec.alert.category },
    count: num(ng?.count) ?? 1,
    last_seen: str(ng?.last_seen) ?? iso,
  };
  const src = str(rec.src_ip);
  const dst = str(rec.dest_ip);
  if (src) a.src_ip = src;
  if (dst) a.dst_ip = dst;
  const sp = num(rec.src_port);
  const dp = num(rec.dest_port);
  if (sp !== undefined) a.src_port = sp;
  if (dp !== undefined) a.dst_port = dp;
  const proto = str(rec.proto);
  if (proto) a.proto = proto === 'IPv6-ICMP' ? 'ICMPv6' : proto;
  const cid = str(rec.community_id);
  if (cid) a.community_id = cid;
  return a;
}

/**
 * One stream entry as a record to store. An entry that is not an EVE JSON object is still stored (event
 * type "invalid", the text as received), so that it is acknowledged once and counted, not redelivered forever.
 */
export function entryToRecord(stream: string, entryId: string, line: string, fallbackSensor: string): RemoteRecord {
  let rec: unknown;
  try {
    rec = JSON.parse(line);
  } catch {
    rec = null;
  }
  if (!isObj(rec)) return { stream, entryId, sensor: fallbackSensor, eventType: 'invalid', ts: 0, line };
  const ms = parseEveTime(rec.timestamp);
  const sensor = str(rec.host) ?? fallbackSensor;
  const eventType = str(rec.event_type) ?? 'unknown';
  const alert = eveToAlert(rec, ms);
  if (alert) alert.sensor = sensor;
  return { stream, entryId, sensor, eventType, ts: Number.isNaN(ms) ? 0 : ms, line, ...(alert ? { alert } : {}) };
}
