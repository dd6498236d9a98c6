// Input checks for the menu's prompts: each turns typed text into a value or a one-line reason to ask again.
import { formatIp, parseCidr, parseIp } from '../../decode/addr.js';
import type { Alert, ConnectionRow, PacketRow, RuleView } from './backend.js';
import { DisplayFilterError, parseDisplayFilter } from '../../rules/display-filter.js';
import { safe } from './format.js';

export type Parsed<T> = { ok: true; value: T } | { ok: false; error: string };

/** Protocols a search may name even when the capture holds none of them. */
export const KNOWN_PROTOCOLS = ['TCP', 'UDP', 'ICMP', 'ICMPv6', 'ARP', 'DNS', 'HTTP', 'IPv4', 'IPv6', 'Other'];

/** An IPv4 or IPv6 address, returned in its canonical text (IPv6 per RFC 5952). */
export function parseIpInput(text: string): Parsed<string> {
  const t = text.trim();
  const ip = parseIp(t);
  if (ip === null) return { ok: false, error: `'${safe(t)}' is not an IP address; enter IPv4 like 192.0.2.1 or IPv6 like 2001:db8::1.` };
  return { ok: true, value: formatIp(ip) };
}

/** What options 15, 16 and 17 were told: add or remove one entry (an address or a CIDR block). */
export interface ListEdit {
  remove: boolean;
  /** The address (canonical) or block, as the list files accept it. */
  entry: string;
}

/** An address or CIDR block to add, or one to remove when it starts with "-" ("-198.51.100.7"). */
export function parseListInput(text: string): Parsed<ListEdit> {
  let t = text.trim();
  const remove = t.startsWith('-');
  if (remove) t = t.slice(1).trim();
  const ip = parseIp(t);
  if (ip !== null) return { ok: true, value: { remove, entry: formatIp(ip) } };
  if (t.includes('/') && parseCidr(t)) return { ok: true, value: { remove, entry: t } };
  return { ok: false, error: `'${safe(t)}' is not an IP address or CIDR block; enter one like 192.0.2.1, 2001:db8::1 or 198.51.100.0/24 (-ADDR removes one).` };
}

/** A TCP/UDP port number, 0 to 65535. */
export function parsePortInput(text: string): Parsed<number> {
  const t = text.trim();
  if (!/^\d+$/.test(t)) return { ok: false, error: `'${safe(t)}' is not a port number; enter a whole number from 0 to 65535.` };
  const n = Number(t);
  if (n > 65535) return { ok: false, error: `Port ${t} is out of range; enter a whole number from 0 to 65535.` };
  return { ok: true, value: n };
}

/** A protocol name, case-insensitive, returned in the spelling of `known`. */
export function parseProtocolInput(text: string, known: string[]): Parsed<string> {
  const t = text.trim();
  const hit = known.find((p) => p.toLowerCase() === t.toLowerCase());
  if (!hit) return { ok: false, error: `Unknown protocol '${safe(t)}'; choose one of: ${known.join(', ')}.` };
  return { ok: true, value: hit };
}

/** A rule by its number in the list (1-based, as option 22 shows it) or by its name (case-insensitive). */
export function parseRuleInput(text: string, rules: RuleView[]): Parsed<RuleView> {
  const t = text.trim();
  if (/^\d+$/.test(t)) {
    const i = Number(t);
    if (i >= 1 && i <= rules.length) return { ok: true, value: rules[i - 1] };
    return { ok: false, error: `There is no rule number ${t}; enter a number from 1 to ${rules.length} or a rule name.` };
  }
  const exact = rules.find((r) => r.name === t) ?? rules.find((r) => r.name.toLowerCase() === t.toLowerCase());
  if (exact) return { ok: true, value: exact };
  return { ok: false, error: `No rule named '${safe(t)}'; enter a number from 1 to ${rules.length} or a rule name (option 22 lists them).` };
}

/** A connection by its number in the list (1-based, as option 2 shows it) or by its id. */
export function parseConnectionInput(text: string, list: ConnectionRow[], byId: (id: string) => ConnectionRow | undefined): Parsed<ConnectionRow> {
  const t = text.trim();
  if (/^\d+$/.test(t)) {
    const i = Number(t);
    if (i >= 1 && i <= list.length) return { ok: true, value: list[i - 1] };
  }
  const c = list.find((x) => x.id === t) ?? byId(t);
  if (c) return { ok: true, value: c };
  return { ok: false, error: `No connection '${safe(t)}'; enter a number from 1 to ${list.length} or a connection id.` };
}

/** An alert by its number in option 18's list (1-based) or by its id. */
export function parseAlertInput(text: string, alerts: Alert[]): Parsed<Alert> {
  const t = text.trim();
  if (/^\d+$/.test(t)) {
    const i = Number(t);
    if (i >= 1 && i <= alerts.length) return { ok: true, value: alerts[i - 1] };
  }
  const a = alerts.find((x) => x.id === t);
  if (a) return { ok: true, value: a };
  return { ok: false, error: `No alert '${safe(t)}' among the ${alerts.length} newest; enter a number from 1 to ${alerts.length} or an alert id (netguard alerts --pcap ID reaches older ones).` };
}

/** A display filter typed after option 1 ("1 tcp and port 80"); errors point at the column. */
export function parseFilterArg(text: string): Parsed<(p: PacketRow) => boolean> {
  try {
    return { ok: true, value: parseDisplayFilter(text) };
  } catch (e) {
    if (e instanceof DisplayFilterError) return { ok: false, error: `Display filter: ${e.excerpt.split('\n').map((l) => safe(l)).join('\n')}` };
    throw e;
  }
}
