// ICMPv6 neighbour discovery (RFC 4861: router and neighbour solicitation/advertisement, redirect) and
// multicast listener (RFC 2710, RFC 3810) conversations as flows, for EVE flow records: Suricata makes
// a flow of every ICMPv6 exchange, while NetGuard's connection table keeps only echo flows. Keyed by
// the two addresses and the message pair (a solicitation and its advertisement are one flow).
import { formatIp } from '../../decode/addr.js';
import { LAYER_ICMPV6, type Packet } from '../../decode/packet.js';

/** ICMPv6 types tracked here: MLD query/report/done (130-132), ND (133-137), MLDv2 report (143). */
const TRACKED = new Set([130, 131, 132, 133, 134, 135, 136, 137, 143]);
/** The reply each request type expects (Community ID's ICMPv6 pairs); others are one-way. */
const REPLY: Record<number, number> = { 133: 134, 135: 136, 130: 131 };
const REQUEST: Record<number, number> = { 134: 133, 136: 135, 131: 130 };

/** Conversations kept at once; beyond this the oldest is ended (as the connection table evicts). */
const MAX_FLOWS = 10_000;
/** Idle time after which a conversation ends, ms (the connection table's ICMP default). */
export const ICMP6_IDLE_MS = 30_000;

export interface Icmp6Flow {
  /** The initiator (sender of the first message) and the other end. */
  src: string;
  dst: string;
  type: number;
  code: number;
  /** The reply's type and code, when one came back (-1 before). */
  respType: number;
  respCode: number;
  pktsToServer: number;
  pktsToClient: number;
  bytesToServer: number;
  bytesToClient: number;
  /** Packet times, ms. */
  start: number;
  last: number;
}

export function tracksIcmp6(p: Packet): boolean {
  return (p.layers & LAYER_ICMPV6) !== 0 && TRACKED.has(p.icmpType);
}

export class Icmp6FlowTable {
  private readonly flows = new Map<string, Icmp6Flow>();

  /** Counts a tracked ICMPv6 packet (tracksIcmp6) into its conversation; returns a flow it pushed out, if any. */
  onPacket(p: Packet, now: number): Icmp6Flow | null {
    const src = formatIp(p.ipSrc);
    const dst = formatIp(p.ipDst);
    const t = p.icmpType;
    const req = REQUEST[t] ?? t;
    const [a, b] = src < dst ? [src, dst] : [dst, src];
    const key = REPLY[req] !== undefined ? `${a}|${b}|${req}` : `${src}|${dst}|${t}`;
    let f = this.flows.get(key);
    let evicted: Icmp6Flow | null = null;
    if (!f) {
      if (this.flows.size >= MAX_FLOWS) {
        const oldest = this.flows.keys().next().value as string;
        evicted = this.flows.get(oldest) ?? null;
        this.flows.delete(oldest);
      }
      f = { src, dst, type: t, code: p.icmpCode, respType: -1, respCode: -1, pktsToServer: 0, pktsToClient: 0, bytesToServer: 0, bytesToClient: 0, start: now, last: now };
      this.flows.set(key, f);
    } else {
      // Most recently seen last, so the first key is the one idle longest.
      this.flows.delete(key);
      this.flows.set(key, f);
    }
    if (src === f.src && t === f.type) {
      f.pktsToServer++;
      f.bytesToServer += p.len;
    } else {
      f.pktsToClient++;
      f.bytesToClient += p.len;
      if (f.respType < 0) {
        f.respType = t;
        f.respCode = p.icmpCode;
      }
    }
    if (now > f.last) f.last = now;
    return evicted;
  }

  /** Conversations idle for ICMP6_IDLE_MS at `now`, removed. */
  expire(now: number): Icmp6Flow[] {
    const out: Icmp6Flow[] = [];
    for (const [k, f] of this.flows) {
      if (now - f.last < ICMP6_IDLE_MS) break;
      out.push(f);
      this.flows.delete(k);
    }
    return out;
  }

  /** Every conversation still open (at the end of the capture), removed. */
  drain(): Icmp6Flow[] {
    const out = [...this.flows.values()];
    this.flows.clear();
    return out;
  }
}
