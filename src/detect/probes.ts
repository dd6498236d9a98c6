// Probe tracker: classifies TCP/UDP packets as scan probes and resolves each probe's outcome from the
// target's answer (RST, SYN/ACK, ICMP unreachable tied back through the quoted header, RFC 792 and
// RFC 4443), from a later data exchange, or from silence: the response-aware evidence that Snort 3's
// port_scan uses, shared by the scan and sweep detectors.
//
// A probe is identified by (source, target, transport, target port); the source port is left out so
// that retransmissions and parallel connections fold into one record. Outcomes:
//   closed      the target answered RST or ICMP port unreachable
//   unanswered  nothing came back within probe_timeout, or an ICMP "prohibited/unreachable" came back
//   torn        the port answered (SYN/ACK) but the prober tore the connection down without data
//   stealth     a FIN, NULL or XMAS probe: no normal stack sends these, so the probe itself is evidence
//   success     data flowed (or a UDP reply came): a real conversation, which is never scan evidence
// Every record has a cap and an expiry by packet time.
import {
  IPPROTO_ICMP,
  IPPROTO_ICMPV6,
  IPPROTO_TCP,
  IPPROTO_UDP,
  LAYER_ICMP,
  LAYER_ICMPV6,
  LAYER_TCP,
  LAYER_UDP,
  TCP_ACK,
  TCP_FIN,
  TCP_PSH,
  TCP_RST,
  TCP_SYN,
  TCP_URG,
  type IpAddr,
  type Packet,
} from '../decode/packet.js';
import { BoundedMap } from './util.js';

/** Probe kinds; the index is also the position in KIND_TYPES. */
export const K_SYN = 0;
export const K_CONNECT = 1;
export const K_FIN = 2;
export const K_XMAS = 3;
export const K_NULL = 4;
export const K_ACK = 5;
export const K_MAIMON = 6;
export const K_UDP = 7;
export const KIND_COUNT = 8;
export const KIND_TYPES = [
  'SYN_SCAN',
  'CONNECT_SCAN',
  'FIN_SCAN',
  'XMAS_SCAN',
  'NULL_SCAN',
  'ACK_SCAN',
  'MAIMON_SCAN',
  'UDP_SCAN',
] as const;
export const KIND_NAMES = ['SYN', 'connect', 'FIN', 'XMAS', 'NULL', 'ACK', 'Maimon', 'UDP'] as const;

/** Probe states. */
const S_PENDING = 0;
/** SYN answered by SYN/ACK. */
const S_OPEN = 1;
/** The prober completed the handshake (connect()). */
const S_ESTABLISHED = 2;
const S_RESOLVED = 3;
const S_SUCCESS = 4;

export type Outcome = 'closed' | 'unanswered' | 'torn' | 'stealth' | 'success' | 'transit';

export interface ProbeRec {
  src: IpAddr;
  dst: IpAddr;
  /** IPPROTO_TCP or IPPROTO_UDP. */
  proto: number;
  port: number;
  kind: number;
  state: number;
  /** Packet time of the probe that opened this record. */
  probeTs: number;
  last: number;
  /** True while this probe is counted as scan evidence. */
  counted: boolean;
}

export interface ProbeEvents {
  /** A new probe left the source (not a retransmission). */
  onProbe?(r: ProbeRec, now: number): void;
  /**
   * The probe's outcome changed. `delta` is +1 when it became scan evidence, -1 when evidence was
   * withdrawn (data flowed after all), 0 for more evidence on an already counted probe.
   */
  onOutcome?(r: ProbeRec, outcome: Outcome, delta: number, now: number): void;
}

export interface ProbeTrackerOptions {
  /** ms without an answer before a probe counts as unanswered. */
  timeoutMs: number;
  /** Most probe records held. */
  cap?: number;
  /** ms a record lives after its last activity. */
  idleMs?: number;
}

const FLAGS6 = TCP_FIN | TCP_SYN | TCP_RST | TCP_PSH | TCP_ACK | TCP_URG;
const XMAS = TCP_FIN | TCP_PSH | TCP_URG;

function isMulticastOrBroadcast(a: IpAddr): boolean {
  if (typeof a === 'number') return a >>> 28 === 0xe || a === 0xffffffff || (a & 0xff) === 0xff;
  return a.startsWith('ff');
}

export class ProbeTracker {
  readonly recs: BoundedMap<string, ProbeRec>;
  private readonly timeoutMs: number;
  private readonly idleMs: number;
  /** Probes waiting for an answer, oldest first: [rec, probeTs]. */
  private queue: Array<[ProbeRec, number]> = [];
  private qHead = 0;
  private readonly qCap: number;
  private lastSweep = 0;

  constructor(
    private readonly ev: ProbeEvents,
    opts: ProbeTrackerOptions,
  ) {
    this.timeoutMs = opts.timeoutMs;
    this.recs = new BoundedMap(opts.cap ?? 65536);
    this.qCap = opts.cap ?? 65536;
    this.idleMs = opts.idleMs ?? 600_000;
  }

  private key(src: IpAddr, dst: IpAddr, proto: number, port: number): string {
    return `${src}>${dst}>${proto}>${port}`;
  }

  private outcome(r: ProbeRec, o: Outcome, now: number): void {
    let delta = 0;
    if (o === 'success' || o === 'transit') {
      r.state = S_SUCCESS;
      if (r.counted) {
        r.counted = false;
        delta = -1;
      }
    } else {
      if (o !== 'stealth') r.state = S_RESOLVED;
      if (!r.counted) {
        r.counted = true;
        delta = 1;
      }
    }
    r.last = now;
    this.ev.onOutcome?.(r, o, delta, now);
  }

  private newProbe(src: IpAddr, dst: IpAddr, proto: number, port: number, kind: number, now: number): void {
    const k = this.key(src, dst, proto, port);
    let r = this.recs.get(k);
    if (r) {
      if (r.state === S_SUCCESS) {
        r.last = now;
        return; // a port this source really talks to: never a probe
      }
      const settled = r.state === S_RESOLVED || (r.counted && r.kind >= K_FIN && r.kind <= K_NULL);
      // Same kind soon again: a retransmission. A different kind, or the same long after: a new probe.
      if (r.kind === kind && (!settled || now - r.last < 2 * this.timeoutMs)) {
        r.last = now;
        return;
      }
      r.kind = kind;
      r.state = S_PENDING;
      r.probeTs = now;
      r.last = now;
      r.counted = false;
    } else {
      r = { src, dst, proto, port, kind, state: S_PENDING, probeTs: now, last: now, counted: false };
      this.recs.set(k, r);
    }
    this.ev.onProbe?.(r, now);
    if (kind >= K_FIN && kind <= K_NULL) {
      this.outcome(r, 'stealth', now);
    } else {
      if (this.queue.length - this.qHead >= this.qCap) this.qHead++;
      this.queue.push([r, now]);
    }
  }

  /** Turns probes that waited longer than the timeout into "unanswered" evidence. */
  expire(now: number): void {
    const q = this.queue;
    while (this.qHead < q.length && q[this.qHead][1] + this.timeoutMs <= now) {
      const [r, t] = q[this.qHead++];
      if (r.probeTs !== t) continue;
      // ACK and Maimon probes are only evidence when answered (RST): silence is what ordinary
      // mid-stream ACKs get too. A SYN/ACK left dangling (prober never completed nor reset) is half-open.
      if (r.state === S_PENDING && r.kind !== K_ACK && r.kind !== K_MAIMON) this.outcome(r, 'unanswered', now);
      else if (r.state === S_OPEN) this.outcome(r, 'torn', now);
    }
    if (this.qHead > 4096 && this.qHead * 2 > q.length) {
      this.queue = q.slice(this.qHead);
      this.qHead = 0;
    }
    if (now - this.lastSweep >= 30_000) {
      this.lastSweep = now;
      this.recs.sweep((r) => now - r.last > this.idleMs);
    }
  }

  onPacket(p: Packet, now: number): void {
    this.expire(now);
    const l = p.layers;
    if (l & LAYER_TCP) this.tcp(p, now);
    else if (l & LAYER_UDP) this.udp(p, now);
    else if (l & (LAYER_ICMP | LAYER_ICMPV6)) this.icmp(p, now);
  }

  private tcp(p: Packet, now: number): void {
    const f = p.tcpFlags & FLAGS6;
    const src = p.ipSrc;
    const dst = p.ipDst;
    if (f === TCP_SYN) {
      // OS connect() SYNs carry window scaling, SACK-permitted or timestamps; raw scanner SYNs
      // (nmap -sS, hping3) carry at most an MSS.
      const osStyle = p.tcpWscale >= 0 || p.tcpSackOk || p.tcpTsVal >= 0;
      this.newProbe(src, dst, IPPROTO_TCP, p.dstPort, osStyle ? K_CONNECT : K_SYN, now);
      return;
    }
    if (f === (TCP_SYN | TCP_ACK)) {
      const r = this.recs.get(this.key(dst, src, IPPROTO_TCP, p.srcPort));
      if (r && r.state === S_PENDING && (r.kind === K_SYN || r.kind === K_CONNECT)) {
        r.state = S_OPEN;
        r.last = now;
      }
      return;
    }
    if (f === 0 || f === TCP_FIN || f === XMAS) {
      this.newProbe(src, dst, IPPROTO_TCP, p.dstPort, f === 0 ? K_NULL : f === TCP_FIN ? K_FIN : K_XMAS, now);
      return;
    }
    if (f & TCP_RST) {
      // From the target: the probed port is closed (or, for ACK/Maimon probes, unfiltered).
      const ans = this.recs.get(this.key(dst, src, IPPROTO_TCP, p.srcPort));
      if (ans && ans.state !== S_SUCCESS) {
        if (ans.state === S_PENDING || ans.counted) this.outcome(ans, 'closed', now);
        else if (ans.state === S_OPEN || ans.state === S_ESTABLISHED) this.outcome(ans, 'torn', now);
        return;
      }
      // From the prober: tearing down a half-open (SYN scan) or just-completed (connect scan) handshake.
      const own = this.recs.get(this.key(src, dst, IPPROTO_TCP, p.dstPort));
      if (own && (own.state === S_OPEN || own.state === S_ESTABLISHED)) this.outcome(own, 'torn', now);
      return;
    }
    if (p.payloadLen > 0) {
      // Data in either direction makes the conversation real.
      const a = this.recs.get(this.key(src, dst, IPPROTO_TCP, p.dstPort));
      if (a && a.state !== S_SUCCESS) this.outcome(a, 'success', now);
      const b = this.recs.get(this.key(dst, src, IPPROTO_TCP, p.srcPort));
      if (b && b.state !== S_SUCCESS) this.outcome(b, 'success', now);
      return;
    }
    if (f & TCP_ACK) {
      const own = this.recs.get(this.key(src, dst, IPPROTO_TCP, p.dstPort));
      if (own) {
        if (own.state === S_OPEN && !(f & TCP_FIN)) {
          // The prober completed the handshake: a full connect().
          own.state = S_ESTABLISHED;
          if (own.kind === K_SYN) own.kind = K_CONNECT;
          own.last = now;
        } else if ((f & TCP_FIN) && (own.state === S_OPEN || own.state === S_ESTABLISHED)) {
          this.outcome(own, 'torn', now);
        } else if (own.state === S_RESOLVED && (f === TCP_ACK || f === (TCP_FIN | TCP_ACK))) {
          // An earlier probe of this port was settled; an ACK or FIN/ACK now is the next scan type.
          this.newProbe(src, dst, IPPROTO_TCP, p.dstPort, f === TCP_ACK ? K_ACK : K_MAIMON, now);
        } else {
          own.last = now;
        }
        return;
      }
      if (this.recs.has(this.key(dst, src, IPPROTO_TCP, p.srcPort))) return; // part of a known conversation
      if (f === TCP_ACK) this.newProbe(src, dst, IPPROTO_TCP, p.dstPort, K_ACK, now);
      else if (f === (TCP_FIN | TCP_ACK)) this.newProbe(src, dst, IPPROTO_TCP, p.dstPort, K_MAIMON, now);
    }
  }

  private udp(p: Packet, now: number): void {
    const src = p.ipSrc;
    const dst = p.ipDst;
    // A reply to an earlier datagram: the service answered.
    const rep = this.recs.get(this.key(dst, src, IPPROTO_UDP, p.srcPort));
    if (rep) {
      if (rep.state !== S_SUCCESS) this.outcome(rep, 'success', now);
      else rep.last = now;
      return;
    }
    if (isMulticastOrBroadcast(dst)) return;
    this.newProbe(src, dst, IPPROTO_UDP, p.dstPort, K_UDP, now);
  }

  private icmp(p: Packet, now: number): void {
    const q = p.icmpQuoted;
    if (!q.present || (q.proto !== IPPROTO_TCP && q.proto !== IPPROTO_UDP)) return;
    const r = this.recs.get(this.key(q.src, q.dst, q.proto, q.dstPort));
    if (!r || r.state === S_SUCCESS) return;
    const v6 = p.ipProto === IPPROTO_ICMPV6;
    const t = p.icmpType;
    const c = p.icmpCode;
    if (p.ipProto !== IPPROTO_ICMP && !v6) return;
    if ((!v6 && t === 3 && c === 3) || (v6 && t === 1 && c === 4)) {
      this.outcome(r, 'closed', now);
    } else if ((!v6 && t === 3) || (v6 && t === 1)) {
      // Host/net unreachable or administratively prohibited: the probe got no service.
      this.outcome(r, 'unanswered', now);
    } else if ((!v6 && t === 11) || (v6 && t === 3)) {
      // Time exceeded in transit: a traceroute, not a probe of the target's ports.
      this.outcome(r, 'transit', now);
    }
  }

  size(): number {
    return this.recs.size;
  }
  pending(): number {
    return this.queue.length - this.qHead;
  }
}
