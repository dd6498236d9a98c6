// Turns one EVE line a sensor put into Redis into what the history stores: its sensor (EVE `host`), event
// type, time and, for alert records, the NetGuard alert (from alert.metadata's netguard_* keys, or Suricata's `alert`).
import { ALERT_TYPES, type Alert, type AlertType, type FinalReason, type Severity } from '../alert/types.js';
import type { RemoteRecord } from '../history/index.js';

/** Suricata's severity (1 most severe) back to NetGuard's levels, the inverse of EVE_SEVERITY. */
const FROM_EVE_SEVERITY: Record<number, Severity> = { 1: 'CRITICAL', 2: 'HIGH', 3: 'WARNING', 4: 'LOW' };
const SEVERITY_NAMES = new Set<string>(['LOW', 'WARNING', 'HIGH', 'CRITICAL']);
const FINAL_REASONS = new Set<string>(['timeout', 'escalated', 'evicted', 'end', 'cleared']);

/** EVE's "2026-11-20T12:00:00.123456+0000" as ms (Date.parse wants the offset with a colon). */
export function parseEveTime(ts: unknown): number {
  if (typeof ts !== 'string') return NaN;
  return Date.parse(ts.replace(/([+-]\d{2})(\d{2})$/, '$1:$2'));
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);
const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);

/** The first string of one alert.metadata key (every metadata value is an array of strings). */
function meta(md: Obj | null, key: string): string | undefined {
  const v = md?.[key];
  return Array.isArray(v) && typeof v[0] === 'string' && v[0] !== '' ? v[0] : undefined;
}

/** Evidence keys alertMetadata() writes for every alert, not from the alert's details. */
const FIXED_KEYS = new Set(['netguard_id', 'netguard_type', 'netguard_severity', 'netguard_message', 'netguard_count', 'netguard_last_seen', 'netguard_final', 'netguard_final_reason']);

/**
 * The alert's details back from alert.metadata's netguard_* keys (lists of strings, as written): a
 * one-item list becomes its string, a number-looking one its number; Suricata records get their signature.
 */
function detailsOf(md: Obj | null, alert: Obj): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  let any = false;
  for (const [k, v] of Object.entries(md ?? {})) {
    if (!k.startsWith('netguard_') || FIXED_KEYS.has(k) || !Array.isArray(v)) continue;
    any = true;
    const vals = v.map((x) => (typeof x === 'string' && /^-?\d+(\.\d+)?$/.test(x) ? Number(x) : x));
    out[k.slice('netguard_'.length)] = vals.length === 1 ? vals[0] : vals;
  }
  if (any || md?.netguard_id) return out;
  return { signature_id: alert.signature_id, signature: alert.signature, category: alert.category };
}

/**
 * The NetGuard alert an EVE alert record carries (NetGuard's own fields are alert.metadata's netguard_*
 * keys, see alertMetadata in alert/sinks/eve.ts); a Suricata record without them becomes a CUSTOM_RULE
 * alert named by its signature. Null when it is not an alert record.
 */
export function eveToAlert(rec: Obj, ms: number): Alert | null {
  if (rec.event_type !== 'alert' || !isObj(rec.alert)) return null;
  const al = rec.alert;
  const md = isObj(al.metadata) ? al.metadata : null;
  const iso = new Date(Number.isNaN(ms) ? 0 : Math.floor(ms)).toISOString();
  const sevName = meta(md, 'netguard_severity');
  const typeName = meta(md, 'netguard_type');
  const count = Number(meta(md, 'netguard_count'));
  const a: Alert = {
    id: meta(md, 'netguard_id') ?? String(num(al.signature_id) ?? 0),
    timestamp: iso,
    type: typeName && (ALERT_TYPES as readonly string[]).includes(typeName) ? (typeName as AlertType) : 'CUSTOM_RULE',
    severity: sevName && SEVERITY_NAMES.has(sevName) ? (sevName as Severity) : (FROM_EVE_SEVERITY[num(al.severity) ?? 3] ?? 'WARNING'),
    message: meta(md, 'netguard_message') ?? str(al.signature) ?? 'EVE alert',
    details: detailsOf(md, al),
    count: Number.isInteger(count) && count > 0 ? count : 1,
    last_seen: meta(md, 'netguard_last_seen') ?? iso,
  };
  // The alert's final record (its episode closed): the same id again with the final evidence.
  if (meta(md, 'netguard_final') === 'true') {
    a.final = true;
    const why = meta(md, 'netguard_final_reason');
    if (why && FINAL_REASONS.has(why)) a.final_reason = why as FinalReason;
  }
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
