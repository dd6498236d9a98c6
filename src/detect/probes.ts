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
//
// Records live in a fixed-size table (AddrTable, state/addr-table.ts) with their fields in typed arrays,
// and the probes waiting for an answer in a fixed ring: a probe costs no string key, no object and no
// Map entry, so a spoofed flood of a million one-probe sources allocates nothing here. Consumers get the
// record's slot and read its fields (src4/src6, dst4/dst6, proto, port, kind) from the tracker.
import type { Packet } from '../decode/packet.js';
import * as pk from '../decode/packet.js';
import * as codes from './probe-codes.js';
import { AddrTable } from './state/index.js';
import * as state from './state/index.js';
import { addrText } from './format.js';

export { K_SYN, K_CONNECT, K_FIN, K_XMAS, K_NULL, K_ACK, K_MAIMON, K_UDP, KIND_COUNT, KIND_TYPES, KIND_NAMES } from './probe-codes.js';
export { O_CLOSED, O_UNANSWERED, O_TORN, O_STEALTH, O_SUCCESS, O_TRANSIT } from './probe-codes.js';

// The constants this file's code uses, as module-local copies: optimized code reads an imported or
// exported binding through its module cell and tests it for the temporal dead zone at every use (V8
// does not fold it), and folds a local const to its value. tcp() used some twenty per TCP packet.
const {
  IPPROTO_ICMP, IPPROTO_ICMPV6, IPPROTO_TCP, IPPROTO_UDP, LAYER_ICMP, LAYER_ICMPV6, LAYER_TCP, LAYER_UDP,
  TCP_ACK, TCP_FIN, TCP_PSH, TCP_RST, TCP_SYN, TCP_URG,
} = pk;
const {
  K_SYN, K_CONNECT, K_FIN, K_XMAS, K_NULL, K_ACK, K_MAIMON, K_UDP, O_CLOSED, O_UNANSWERED, O_TORN, O_STEALTH,
  O_SUCCESS, O_TRANSIT,
} = codes;
const { packetAddrHash } = state;

/** Probe states. */
const S_PENDING = 0;
/** SYN answered by SYN/ACK. */
const S_OPEN = 1;
/** The prober completed the handshake (connect()). */
const S_ESTABLISHED = 2;
const S_RESOLVED = 3;
const S_SUCCESS = 4;

/** Offsets of a record's fields in ProbeTracker.f8 (4 per record). */
const F_KIND = 0;
const F_STATE = 1;
const F_COUNTED = 2;

/**
 * What a RST from the target makes of a probe not yet a success, by (state << 1) | counted: closed when
 * still pending or already counted, torn when it had been answered or completed, nothing (-1) otherwise.
 */
const RST_OUTCOME = Int8Array.of(
  O_CLOSED, O_CLOSED, // S_PENDING
  O_TORN, O_CLOSED, // S_OPEN
  O_TORN, O_CLOSED, // S_ESTABLISHED
  -1, O_CLOSED, // S_RESOLVED
);

/** What an event handler reads of a probe record: the tracker itself, or a shared tracker's copy (shared-probes.ts). */
export interface ProbeRecords {
  /**
   * Packet time (ms) of the event being handled: the handlers read it here, a field written in place,
   * because a double passed as an argument to a call V8 does not inline is a new heap number per call.
   */
  readonly now: number;
  /** Probe kind (K_*). */
  kindOf(slot: number): number;
  /** Source, target, transport and target port of a record. */
  src4(slot: number): number;
  src6(slot: number): string;
  dst4(slot: number): number;
  dst6(slot: number): string;
  /** (proto << 16) | port, as the record is keyed. */
  key(slot: number): number;
  /** IPPROTO_TCP or IPPROTO_UDP. */
  proto(slot: number): number;
  port(slot: number): number;
}

export interface ProbeEvents {
  /**
   * A new probe left the source (not a retransmission). `slot` is its record in `t`, to be read during
   * the call only; `t.now` is the time.
   */
  onProbe?(t: ProbeRecords, slot: number): void;
  /**
   * The probe's outcome (O_*) changed. `delta` is +1 when it became scan evidence, -1 when evidence
   * was withdrawn (data flowed after all), 0 for more evidence on an already counted probe. `t.now` is the time.
   */
  onOutcome?(t: ProbeRecords, slot: number, outcome: number, delta: number): void;
  /**
   * True when onOutcome does nothing for an outcome with delta 0 (no evidence counted or withdrawn):
   * a shared tracker (shared-probes.ts) then keeps no copy of those events for this handler.
   */
  readonly evidenceOnly?: boolean;
}

export interface ProbeTrackerOptions {
  /** ms without an answer before a probe counts as unanswered. */
  timeoutMs: number;
  /** Most probe records held (and most probes waiting for an answer); PROBE_CAP when absent. */
  cap?: number;
  /** ms a record lives after its last activity; PROBE_IDLE_MS when absent. */
  idleMs?: number;
}

export const PROBE_CAP = 65536;
/** The packet at which the queue's expiry first runs its loop body on a stale entry (warmUp). */
const WARM_PACKETS = 64;
export const PROBE_IDLE_MS = 600_000;

const FLAGS6 = TCP_FIN | TCP_SYN | TCP_RST | TCP_PSH | TCP_ACK | TCP_URG;
const XMAS = TCP_FIN | TCP_PSH | TCP_URG;

function isMulticastOrBroadcast(a4: number, a6: string): boolean {
  if (a6 === '') return a4 >>> 28 === 0xe || a4 === -1 || (a4 & 0xff) === 0xff;
  return a6.startsWith('ff');
}

export class ProbeTracker implements ProbeRecords {
  /** The records' keys: (source, target, (proto << 16) | port). */
  readonly recs: AddrTable;
  /** Per record, side by side (one cache line for a bucket): kind, state, counted (1 while the probe
   *  counts as scan evidence), unused. */
  private readonly f8: Uint8Array;
  /** Per record: last activity (packet time). */
  private readonly lastTs: Float64Array;
  /** Sequence number of the record's current probe (ties a waiting-queue entry to it). */
  private readonly seq: Uint32Array;
  private seqNext = 0;
  private readonly timeoutMs: number;
  private readonly idleMs: number;
  /** Probes waiting for an answer, oldest first: a ring of (slot, seq, probe time). */
  private readonly qSlot: Int32Array;
  private readonly qSeq: Uint32Array;
  private readonly qTs: Float64Array;
  private qHead = 0;
  private qLen = 0;
  private lastSweep = 0;
  /** Packets until warmUp() queues its entry (0: done). */
  private warmIn = WARM_PACKETS;
  /** Packet time of the packet or tick being handled (ProbeRecords.now); the methods below read it here. */
  now = 0;

  constructor(
    private readonly ev: ProbeEvents,
    opts: ProbeTrackerOptions,
  ) {
    const cap = opts.cap ?? PROBE_CAP;
    this.timeoutMs = opts.timeoutMs;
    this.idleMs = opts.idleMs ?? PROBE_IDLE_MS;
    this.recs = new AddrTable(cap);
    const n = this.recs.slots;
    this.f8 = new Uint8Array(n * 4);
    this.lastTs = new Float64Array(n);
    this.seq = new Uint32Array(n);
    this.qSlot = new Int32Array(cap);
    this.qSeq = new Uint32Array(cap);
    this.qTs = new Float64Array(cap);
  }

  /** Probe kind (K_*) of a record. */
  kindOf(slot: number): number {
    return this.f8[(slot << 2) + F_KIND];
  }
  /** Last activity of a record (packet time). */
  lastOf(slot: number): number {
    return this.lastTs[slot];
  }
  /** Source, target, transport and target port of a record. */
  src4(slot: number): number {
    return this.recs.a4(slot);
  }
  src6(slot: number): string {
    return this.recs.a6(slot);
  }
  dst4(slot: number): number {
    return this.recs.b4(slot);
  }
  dst6(slot: number): string {
    return this.recs.b6(slot);
  }
  key(slot: number): number {
    return this.recs.x(slot);
  }
  /** IPPROTO_TCP or IPPROTO_UDP. */
  proto(slot: number): number {
    return this.recs.x(slot) >>> 16;
  }
  port(slot: number): number {
    return this.recs.x(slot) & 0xffff;
  }
  srcText(slot: number): string {
    return addrText(this.recs.a4(slot), this.recs.a6(slot));
  }
  dstText(slot: number): string {
    return addrText(this.recs.b4(slot), this.recs.b6(slot));
  }

  private outcome(r: number, o: number): void {
    // -1: no outcome (the queue's expiry calls this for every entry it takes; see expireDue).
    if (o < 0) return;
    // The counted flag is 0 or 1, so the change is a subtraction: no branch first taken late (a success
    // after a counted outcome) that would cost a recompilation of the detectors that inline this.
    const f8 = this.f8;
    const ci = (r << 2) + F_COUNTED;
    const counted = f8[ci];
    let delta: number;
    if (o === O_SUCCESS || o === O_TRANSIT) {
      f8[(r << 2) + F_STATE] = S_SUCCESS;
      f8[ci] = 0;
      delta = 0 - counted;
    } else {
      if (o !== O_STEALTH) f8[(r << 2) + F_STATE] = S_RESOLVED;
      f8[ci] = 1;
      delta = 1 - counted;
    }
    this.lastTs[r] = this.now;
    this.ev.onOutcome?.(this, r, o, delta);
  }

  /** A probe of key (a, b, x); ha and hb are addrHash of a and of b (AddrTable.findH). */
  private newProbe(ha: number, hb: number, a4: number, a6: string, b4: number, b6: string, x: number, kind: number): void {
    const now = this.now;
    const f8 = this.f8;
    const lastTs = this.lastTs;
    let r = this.recs.findH(ha, hb, a4, a6, b4, b6, x);
    if (r >= 0) {
      // Computed for every repeat, before the test for a successful port (most repeats on ordinary
      // traffic), so these operations have type feedback early: the first repeat of a probe still
      // waiting, late in a run, deoptimized this method.
      const st = f8[(r << 2) + F_STATE];
      const k = f8[(r << 2) + F_KIND];
      // K_FIN <= k <= K_NULL with both bounds tested (no short circuit), so each compare has feedback:
      // the two cannot both be false (K_FIN < K_NULL), so their equality is their conjunction.
      const stealthKind = (k >= K_FIN) === (k <= K_NULL);
      const settled = st === S_RESOLVED || (f8[(r << 2) + F_COUNTED] === 1 && stealthKind);
      const soon = now - lastTs[r] < 2 * this.timeoutMs;
      // Same kind soon again: a retransmission. A different kind, or the same long after: a new probe.
      const repeat = k === kind && (!settled || soon);
      // A port this source really talks to is never a probe; a retransmission is the probe it repeats.
      // (One statement for both: the first retransmission, late in a run, finds type feedback.)
      if (st === S_SUCCESS || repeat) {
        lastTs[r] = now;
        return;
      }
    } else {
      r = this.recs.insertH(ha, hb, a4, a6, b4, b6, x);
      this.recs.touched[r] = now;
    }
    this.f8[(r << 2) + F_KIND] = kind;
    this.f8[(r << 2) + F_STATE] = S_PENDING;
    this.lastTs[r] = now;
    this.f8[(r << 2) + F_COUNTED] = 0;
    const seq = (this.seqNext = (this.seqNext + 1) >>> 0);
    this.seq[r] = seq;
    this.ev.onProbe?.(this, r);
    if (kind >= K_FIN && kind <= K_NULL) {
      this.outcome(r, O_STEALTH);
    } else {
      const cap = this.qSlot.length;
      if (this.qLen === cap) {
        // Full: the oldest waiting probe is dropped (it never resolves as unanswered).
        this.qHead = this.qHead + 1 === cap ? 0 : this.qHead + 1;
        this.qLen--;
      }
      // The wrap-around without a branch: the first wrap comes only after cap probes (it deoptimized this).
      const end = this.qHead + this.qLen;
      const i = end - (end >= cap ? cap : 0);
      this.qSlot[i] = r;
      this.qSeq[i] = seq;
      this.qTs[i] = now;
      this.qLen++;
    }
  }

  /** Turns probes that waited longer than the timeout into "unanswered" evidence (a tick: time passed without packets). */
  expire(now: number): void {
    this.now = now;
    this.expireDue();
  }

  /** expire() at this.now. */
  private expireDue(): void {
    const now = this.now;
    const cap = this.qSlot.length;
    while (this.qLen > 0 && this.qTs[this.qHead] + this.timeoutMs <= now) {
      const h = this.qHead;
      const r = this.qSlot[h];
      const seq = this.qSeq[h];
      // The wrap-around without a branch (the warm-up entry wraps; most entries do not).
      const next = h + 1;
      this.qHead = next - (next === cap ? cap : 0);
      this.qLen--;
      // Every test below is made for every entry and the outcome call made with -1 for none, so the
      // warm-up entry (warmUp) gives each its type feedback early: the first expiry, 5 s of packet time
      // into a run, otherwise threw away the compiled packet path (this is inlined into scan's onPacket).
      // A record replaced or probed again since: this queue entry is stale.
      const same = this.seq[r] === seq;
      const live = this.recs.isUsed(r) && same;
      // ACK and Maimon probes are only evidence when answered (RST): silence is what ordinary
      // mid-stream ACKs get too. A SYN/ACK left dangling (prober never completed nor reset) is half-open.
      const st = this.f8[(r << 2) + F_STATE];
      const k = this.f8[(r << 2) + F_KIND];
      // Neither ACK nor Maimon, both compares made: they cannot both be false (K_ACK !== K_MAIMON).
      const silenceCounts = (k !== K_ACK) === (k !== K_MAIMON);
      const pending = st === S_PENDING;
      const open = st === S_OPEN;
      this.outcome(r, !live ? -1 : pending && silenceCounts ? O_UNANSWERED : open ? O_TORN : -1);
    }
    if (now - this.lastSweep >= 30_000) {
      this.lastSweep = now;
      const recs = this.recs;
      if (recs.count > 0) {
        for (let r = 0; r < recs.slots; r++) if (recs.isUsed(r) && now - this.lastTs[r] > this.idleMs) recs.remove(r);
      }
    }
  }

  /**
   * Puts a stale entry (slot 0, sequence number 0, which no probe has, time -Infinity) at the head of the
   * queue at the WARM_PACKETS-th packet, so that packet's expiry runs the loop body once, early, when
   * the interpreter records type feedback (a function's first calls record none), and writes qHead, so
   * code compiled later does not take it for a constant. It changes no record.
   */
  private warmUp(): void {
    if (--this.warmIn !== 0 || this.qLen === this.qSlot.length) return;
    const cap = this.qSlot.length;
    const h = this.qHead === 0 ? cap - 1 : this.qHead - 1;
    this.qHead = h;
    this.qSlot[h] = 0;
    this.qSeq[h] = 0;
    this.qTs[h] = -Infinity;
    this.qLen++;
  }

  onPacket(p: Packet): void {
    this.now = p.ts;
    if (this.warmIn !== 0) this.warmUp();
    this.expireDue();
    const l = p.layers;
    if (l & LAYER_TCP) this.tcp(p);
    else if (l & LAYER_UDP) this.udp(p);
    else if (l & (LAYER_ICMP | LAYER_ICMPV6)) this.icmp(p);
  }

  private tcp(p: Packet): void {
    const now = this.now;
    const f = p.tcpFlags & FLAGS6;
    const a4 = p.ip4Src;
    const a6 = p.ip6Src;
    const b4 = p.ip4Dst;
    const b6 = p.ip6Dst;
    const fwd = (IPPROTO_TCP << 16) | p.dstPort;
    const rev = (IPPROTO_TCP << 16) | p.srcPort;
    // Each address hashed once for every lookup below, either direction (every path makes at least one); an
    // IPv6 text's memo slot from the hash the decoder keeps beside it.
    const ha = packetAddrHash(a4, a6, p.ip6SrcHash);
    const hb = packetAddrHash(b4, b6, p.ip6DstHash);
    const recs = this.recs;
    // The kind of probe this packet starts (-1: none). Every case makes its probe through the one
    // newProbe call at the end, which every SYN reaches: the first FIN, NULL or XMAS probe, or the first
    // ACK that belongs to no known record, then finds type feedback there (each was a recompilation of
    // this method, inlined into the scan detector's onPacket).
    let kind = -1;
    if (f === TCP_SYN) {
      // OS connect() SYNs carry window scaling, SACK-permitted or timestamps; raw scanner SYNs
      // (nmap -sS, hping3) carry at most an MSS.
      const osStyle = p.tcpWscale >= 0 || p.tcpSackOk || p.tcpTsVal >= 0;
      kind = osStyle ? K_CONNECT : K_SYN;
    } else if (f === (TCP_SYN | TCP_ACK)) {
      const r = recs.findH(hb, ha, b4, b6, a4, a6, rev);
      if (r >= 0 && this.f8[(r << 2) + F_STATE] === S_PENDING && (this.f8[(r << 2) + F_KIND] === K_SYN || this.f8[(r << 2) + F_KIND] === K_CONNECT)) {
        this.f8[(r << 2) + F_STATE] = S_OPEN;
        this.lastTs[r] = now;
      }
      return;
    } else if (f === 0 || f === TCP_FIN || f === XMAS) {
      kind = f === 0 ? K_NULL : f === TCP_FIN ? K_FIN : K_XMAS;
    } else if (f & TCP_RST) {
      // From the target: the probed port is closed (or, for ACK/Maimon probes, unfiltered).
      const ans = recs.findH(hb, ha, b4, b6, a4, a6, rev);
      // Both cases end in the one outcome call below: a prober's first teardown, late in a run, then
      // finds type feedback there (its own call deoptimized this method).
      let r = ans;
      let o = -1;
      if (ans >= 0 && this.f8[(ans << 2) + F_STATE] !== S_SUCCESS) {
        // One table lookup for every state: a state first answered late has no untaken branch to
        // deoptimize on (the tracker is inlined into the scan detector's onPacket).
        o = RST_OUTCOME[(this.f8[(ans << 2) + F_STATE] << 1) | this.f8[(ans << 2) + F_COUNTED]];
      } else {
        // From the prober: tearing down a half-open (SYN scan) or just-completed (connect scan) handshake.
        r = recs.findH(ha, hb, a4, a6, b4, b6, fwd);
        if (r >= 0 && (this.f8[(r << 2) + F_STATE] === S_OPEN || this.f8[(r << 2) + F_STATE] === S_ESTABLISHED)) o = O_TORN;
      }
      if (o >= 0) this.outcome(r, o);
      return;
    } else if (p.payloadLen > 0) {
      // Data in either direction makes the conversation real.
      const a = recs.findH(ha, hb, a4, a6, b4, b6, fwd);
      if (a >= 0 && this.f8[(a << 2) + F_STATE] !== S_SUCCESS) this.outcome(a, O_SUCCESS);
      const b = recs.findH(hb, ha, b4, b6, a4, a6, rev);
      if (b >= 0 && this.f8[(b << 2) + F_STATE] !== S_SUCCESS) this.outcome(b, O_SUCCESS);
      return;
    } else if (f & TCP_ACK) {
      // The probe kind an ACK or FIN/ACK would start, tested for every ACK, so a settled port's first
      // ACK finds type feedback (no recompilation).
      const next = f === TCP_ACK ? K_ACK : f === (TCP_FIN | TCP_ACK) ? K_MAIMON : -1;
      const starts = next >= 0;
      const own = recs.findH(ha, hb, a4, a6, b4, b6, fwd);
      if (own >= 0) {
        const st = this.f8[(own << 2) + F_STATE];
        if (st === S_OPEN && !(f & TCP_FIN)) {
          // The prober completed the handshake: a full connect().
          this.f8[(own << 2) + F_STATE] = S_ESTABLISHED;
          if (this.f8[(own << 2) + F_KIND] === K_SYN) this.f8[(own << 2) + F_KIND] = K_CONNECT;
          this.lastTs[own] = now;
          return;
        }
        if (f & TCP_FIN && (st === S_OPEN || st === S_ESTABLISHED)) {
          this.outcome(own, O_TORN);
          return;
        }
        if (!starts || st !== S_RESOLVED) {
          this.lastTs[own] = now;
          return;
        }
        // An earlier probe of this port was settled; an ACK or FIN/ACK now is the next scan type.
      } else if (recs.findH(hb, ha, b4, b6, a4, a6, rev) >= 0) return; // part of a known conversation
      kind = next;
    }
    if (kind >= 0) this.newProbe(ha, hb, a4, a6, b4, b6, fwd, kind);
  }

  private udp(p: Packet): void {
    const a4 = p.ip4Src;
    const a6 = p.ip6Src;
    const b4 = p.ip4Dst;
    const b6 = p.ip6Dst;
    // A reply to an earlier datagram: the service answered.
    const ha = packetAddrHash(a4, a6, p.ip6SrcHash);
    const hb = packetAddrHash(b4, b6, p.ip6DstHash);
    const rep = this.recs.findH(hb, ha, b4, b6, a4, a6, (IPPROTO_UDP << 16) | p.srcPort);
    if (rep >= 0) {
      if (this.f8[(rep << 2) + F_STATE] !== S_SUCCESS) this.outcome(rep, O_SUCCESS);
      else this.lastTs[rep] = this.now;
      return;
    }
    if (isMulticastOrBroadcast(b4, b6)) return;
    this.newProbe(ha, hb, a4, a6, b4, b6, (IPPROTO_UDP << 16) | p.dstPort, K_UDP);
  }

  private icmp(p: Packet): void {
    const q = p.icmpQuoted;
    if (!q.present || (q.proto !== IPPROTO_TCP && q.proto !== IPPROTO_UDP)) return;
    const qs = q.src;
    const qd = q.dst;
    const r =
      typeof qs === 'number'
        ? this.recs.find(qs | 0, '', typeof qd === 'number' ? qd | 0 : 0, typeof qd === 'number' ? '' : qd, (q.proto << 16) | q.dstPort)
        : this.recs.find(0, qs, typeof qd === 'number' ? qd | 0 : 0, typeof qd === 'number' ? '' : qd, (q.proto << 16) | q.dstPort);
    if (r < 0 || this.f8[(r << 2) + F_STATE] === S_SUCCESS) return;
    const v6 = p.ipProto === IPPROTO_ICMPV6;
    const t = p.icmpType;
    const c = p.icmpCode;
    if (p.ipProto !== IPPROTO_ICMP && !v6) return;
    if ((!v6 && t === 3 && c === 3) || (v6 && t === 1 && c === 4)) {
      this.outcome(r, O_CLOSED);
    } else if ((!v6 && t === 3) || (v6 && t === 1)) {
      // Host/net unreachable or administratively prohibited: the probe got no service.
      this.outcome(r, O_UNANSWERED);
    } else if ((!v6 && t === 11) || (v6 && t === 3)) {
      // Time exceeded in transit: a traceroute, not a probe of the target's ports.
      this.outcome(r, O_TRANSIT);
    }
  }

  /** Probe records held. */
  size(): number {
    return this.recs.count;
  }
  /** Probes waiting for an answer. */
  pending(): number {
    return this.qLen;
  }
}
