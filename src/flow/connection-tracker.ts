// Connection tracking for TCP (a middlebox view of the RFC 793 / RFC 9293 state machine, seen from both
// directions), UDP and ICMP/ICMPv6 echo flows, with idle expiry and a hard cap with least-recently-seen
// eviction, so a flood of spoofed sources cannot grow it beyond its cap.
//
// What `onPacket(p, now)` returns (read this if you write a detector)
// -------------------------------------------------------------------
// `null` when the packet belongs to no flow: not TCP/UDP/ICMP echo, an IP fragment without its transport
// header, a TCP RST for a connection we do not know (we never create flows from RSTs, so RST backscatter
// cannot fill the table), or an ICMP error that quotes no tracked flow.
//
// Otherwise one REUSED `FlowUpdate` object (copy what you keep; the next call overwrites it):
//   seq                 numeric id of the connection (ConnectionInfo.id is String(seq))
//   proto               'TCP' | 'UDP' | 'ICMP' | 'ICMPv6'
//   isNew               this packet created the flow (also when a SYN reuses the 4-tuple of a closed one)
//   initiatorIsSrc      the packet travels initiator -> responder (false for replies and ICMP errors)
//   prevState, state    state names before and after this packet (see STATE below)
//   established         the connection has been established at some point: its three-way handshake
//                       completed, or (picked up mid-stream) the responder answered with a non-RST ACK
//   handshakeCompleted  THIS packet completed the three-way handshake (the initiator's ACK after SYN/ACK)
//   closed              THIS packet closed the flow (RST, the final ACK after both FINs, or an ICMP
//                       unreachable quoting it); stays false for later packets of a closed flow
//   reset               THIS packet is the RST that closed it; `resetByInitiator` says which side sent it
//   rejected            THIS packet is a RST from the responder answering a SYN (SYN_SENT -> RESET):
//                       the port is closed. Half-open SYNs are flows whose state is still SYN_SENT.
//   unreachable         THIS packet is an ICMP/ICMPv6 destination-unreachable quoting the flow's
//                       initiator packet (a closed UDP port, or a filtered TCP SYN)
//   midstream           the flow was first seen after its start (no SYN), so its initiator is a guess
//   packetsOut/In, bytesOut/In   totals so far, Out = initiator -> responder; bytes are frame lengths
//   payloadOut/In       application payload bytes so far (TCP/UDP data), to tell data-carrying
//                       connections from connect-and-close probes
//   start, durationMs   first packet time and time since then
//
// So: a half-open SYN is isNew && state === 'SYN_SENT'; a completed handshake is handshakeCompleted; an
// immediate teardown (connect scan) is closed && established && payloadOut === 0 && payloadIn === 0;
// a closed port is rejected.
//
// States. TCP: SYN_SENT, SYN_RECEIVED, ESTABLISHED, FIN_WAIT (one side sent FIN), CLOSE_WAIT (that FIN was
// acknowledged, the other side has not closed yet), LAST_ACK (both sides sent FIN, waiting for the last
// ACK), CLOSED (the last FIN was acknowledged), RESET (RST seen), UNREACHABLE (ICMP error), INVALID (first
// packet was neither SYN nor ACK: a FIN, NULL or XMAS probe). UDP and ICMP echo: UNREPLIED, REPLIED,
// UNREACHABLE.
//
// Keys. Flows live in an open-addressing hash table over typed arrays, keyed by a symmetric hash of
// (address, port) of both ends plus the protocol, so both directions find the same entry with one probe
// sequence and IPv4 lookups build no strings. IPv6 addresses (already strings in Packet) are hashed by
// their characters. Entries are compared field by field, never by a composite string.
import type { IpAddr, Packet } from '../decode/packet.js';
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
  TCP_RST,
  TCP_SYN,
} from '../decode/packet.js';
import { formatIp } from '../decode/addr.js';
import { portRank, serviceName } from './port-names.js';

export type FlowProto = 'TCP' | 'UDP' | 'ICMP' | 'ICMPv6';

export interface ConnectionTrackerOptions {
  /** Most flows tracked at once; a new flow beyond it evicts a least-recently-seen one. Default 100000. */
  maxConnections?: number;
  /** Idle time after which an established TCP connection is forgotten, ms. Default 300000 (5 min). */
  tcpIdleMs?: number;
  /** Idle time for half-open (SYN_SENT, SYN_RECEIVED) and INVALID TCP flows, ms. Default 30000. */
  tcpHalfOpenMs?: number;
  /** Idle time for TCP flows in FIN_WAIT, CLOSE_WAIT, LAST_ACK, ms. Default 60000. */
  tcpClosingMs?: number;
  /** How long a closed flow (CLOSED, RESET, UNREACHABLE) stays in the table for late packets, ms. Default 10000. */
  closedLingerMs?: number;
  /** Idle time for UDP flows, ms. Default 60000. */
  udpIdleMs?: number;
  /** Idle time for ICMP echo flows, ms. Default 30000. */
  icmpIdleMs?: number;
  /** Closed connections kept for listing after they leave the table. Default 1000. */
  closedKeep?: number;
}

/** A connection as shown to views. `src` is the initiator; Out counts initiator -> responder. */
export interface ConnectionInfo {
  id: string;
  proto: FlowProto;
  src: string;
  srcPort: number;
  dst: string;
  dstPort: number;
  /** Service name of the responder's port ("ssh", "https"; "" when unknown or ICMP). */
  service: string;
  state: string;
  packetsOut: number;
  packetsIn: number;
  bytesOut: number;
  bytesIn: number;
  /** ms, packet time */
  start: number;
  last: number;
  closed: boolean;
}

/** What one packet did to its flow. One object, reused by every call: copy what you keep. */
export interface FlowUpdate {
  seq: number;
  proto: FlowProto;
  isNew: boolean;
  initiatorIsSrc: boolean;
  prevState: string;
  state: string;
  established: boolean;
  handshakeCompleted: boolean;
  closed: boolean;
  reset: boolean;
  resetByInitiator: boolean;
  rejected: boolean;
  unreachable: boolean;
  midstream: boolean;
  packetsOut: number;
  packetsIn: number;
  bytesOut: number;
  bytesIn: number;
  payloadOut: number;
  payloadIn: number;
  start: number;
  durationMs: number;
}

/** Counters for the bench, the menu and tests. */
export interface ConnectionTrackerCounters {
  size: number;
  cap: number;
  /** Flows created since start. */
  created: number;
  /** Flows removed by the cap. */
  evicted: number;
  /** Flows removed by idle expiry (including closed flows whose linger ended). */
  expired: number;
  /** Flows that reached a closed state. */
  closedTotal: number;
  /** Closed connections held for listing (ring). */
  closedKept: number;
}

// State numbers; names in STATE_NAMES.
const S_SYN_SENT = 1;
const S_SYN_RECEIVED = 2;
const S_ESTABLISHED = 3;
const S_FIN_WAIT = 4;
const S_CLOSE_WAIT = 5;
const S_LAST_ACK = 6;
const S_CLOSED = 7;
const S_RESET = 8;
const S_UNREACHABLE = 9;
const S_INVALID = 10;
const S_UNREPLIED = 11;
const S_REPLIED = 12;

export const STATE_NAMES: readonly string[] = [
  'NONE',
  'SYN_SENT',
  'SYN_RECEIVED',
  'ESTABLISHED',
  'FIN_WAIT',
  'CLOSE_WAIT',
  'LAST_ACK',
  'CLOSED',
  'RESET',
  'UNREACHABLE',
  'INVALID',
  'UNREPLIED',
  'REPLIED',
];

function isClosedState(s: number): boolean {
  return s === S_CLOSED || s === S_RESET || s === S_UNREACHABLE;
}

/**
 * One tracked flow. Pooled and reused. Fields used on every packet come first, so they share the
 * object's first cache lines.
 */
class Conn {
  hash = 0;
  proto = 0;
  /**
   * Initiator (a) and responder (b) ends as compared on the packet path: IPv4 as int32 (a small integer
   * compares in one instruction; a mixed number|string field would need a generic comparison), IPv6
   * as text. For ICMP echo both ports are the echo id.
   */
  v6 = false;
  a4 = 0;
  pa = 0;
  b4 = 0;
  pb = 0;
  state = 0;
  last = 0;
  /** Packet time of the last move to the head of the LRU list (at most once per TOUCH_MS). */
  touched = 0;
  pktsA = 0;
  pktsB = 0;
  bytesA = 0;
  bytesB = 0;
  payA = 0;
  payB = 0;
  established = false;
  midstream = false;
  seq = 0;
  start = 0;
  a6 = '';
  b6 = '';
  /** ACK number that acknowledges A's / B's FIN; -1 before that FIN. */
  finAckA = -1;
  finAckB = -1;
  /** Which side sent the last FIN seen: 1 = A, 2 = B. */
  lastFinBy = 0;
  /** The ends as IpAddr, for display. */
  a: IpAddr = 0;
  b: IpAddr = 0;
  /** LRU list neighbours: prev is more recent, next less recent. */
  prev: Conn | null = null;
  next: Conn | null = null;
}

/**
 * A flow moves to the head of the LRU list at most once per this many ms of packet time: relinking on
 * every packet costs several cache misses on neighbouring entries, and second granularity is plenty
 * for idle expiry and eviction.
 */
const TOUCH_MS = 1000;

function protoName(proto: number): FlowProto {
  return proto === IPPROTO_TCP ? 'TCP' : proto === IPPROTO_UDP ? 'UDP' : proto === IPPROTO_ICMP ? 'ICMP' : 'ICMPv6';
}

/** Sets a flow's initiator (a) and responder (b) ends. */
function setEnds(c: Conn, a: IpAddr, pa: number, b: IpAddr, pb: number): void {
  c.a = a;
  c.b = b;
  c.pa = pa;
  c.pb = pb;
  if (typeof a === 'number') {
    c.v6 = false;
    c.a4 = a | 0;
    c.b4 = (b as number) | 0;
    c.a6 = c.b6 = '';
  } else {
    c.v6 = true;
    c.a6 = a;
    c.b6 = b as string;
    c.a4 = c.b4 = 0;
  }
}

/** True when (addr, port) is the flow's initiator end. */
function isInitiator(c: Conn, addr: IpAddr, port: number): boolean {
  if (c.pa !== port) return false;
  return typeof addr === 'number' ? !c.v6 && c.a4 === (addr | 0) : c.v6 && c.a6 === addr;
}

/** murmur3's 32-bit finalizer: spreads the bits of a 32-bit value. */
function fmix(h: number): number {
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return h ^ (h >>> 16);
}

function addrHash(a: IpAddr): number {
  if (typeof a === 'number') return a | 0;
  // FNV-1a over the last 16 characters of the IPv6 text and its length: the tail (interface id) is
  // what varies between hosts of one network, and entries are compared in full anyway.
  let h = 0x811c9dc5 ^ a.length;
  for (let i = a.length > 16 ? a.length - 16 : 0; i < a.length; i++) h = Math.imul(h ^ a.charCodeAt(i), 0x01000193);
  return h;
}

/** Direction-independent hash of a flow key: both ends hashed alone, then combined by addition. */
function flowHash(proto: number, src: IpAddr, sp: number, dst: IpAddr, dp: number): number {
  const ha = fmix(addrHash(src) ^ Math.imul(sp + 1, 0x9e3779b1));
  const hb = fmix(addrHash(dst) ^ Math.imul(dp + 1, 0x9e3779b1));
  return fmix(((ha + hb) | 0) ^ Math.imul(proto, 0x27d4eb2d));
}


export class ConnectionTracker {
  private readonly cap: number;
  private readonly tcpIdleMs: number;
  private readonly tcpHalfOpenMs: number;
  private readonly tcpClosingMs: number;
  private readonly closedLingerMs: number;
  private readonly udpIdleMs: number;
  private readonly icmpIdleMs: number;
  private readonly closedKeep: number;
  private readonly minTimeout: number;

  // Hash index of flows, linear probing with backward-shift deletion (no tombstones); null = empty.
  private readonly index: Array<Conn | null>;
  private readonly mask: number;
  /** Conn objects of removed flows, reused for new ones. */
  private readonly pool: Conn[] = [];
  // LRU list: head = most recently touched.
  private head: Conn | null = null;
  private tail: Conn | null = null;
  private count = 0;
  private seqCounter = 0;
  private nextSweep = -Infinity;
  /**
   * Times inside Conn are whole ms since the first packet: small integers live inside the object,
   * while a full epoch time (a double) is a separate boxed number, one more cache miss per packet.
   */
  private epoch = Number.NaN;

  private readonly closedRing: ConnectionInfo[] = [];
  private closedPos = 0;

  private created = 0;
  private evicted = 0;
  private expired = 0;
  private closedTotal = 0;

  private readonly u: FlowUpdate = {
    seq: 0,
    proto: 'TCP',
    isNew: false,
    initiatorIsSrc: true,
    prevState: 'NONE',
    state: 'NONE',
    established: false,
    handshakeCompleted: false,
    closed: false,
    reset: false,
    resetByInitiator: false,
    rejected: false,
    unreachable: false,
    midstream: false,
    packetsOut: 0,
    packetsIn: 0,
    bytesOut: 0,
    bytesIn: 0,
    payloadOut: 0,
    payloadIn: 0,
    start: 0,
    durationMs: 0,
  };

  constructor(opts: ConnectionTrackerOptions = {}) {
    this.cap = Math.max(1, Math.floor(opts.maxConnections ?? 100_000));
    this.tcpIdleMs = opts.tcpIdleMs ?? 300_000;
    this.tcpHalfOpenMs = opts.tcpHalfOpenMs ?? 30_000;
    this.tcpClosingMs = opts.tcpClosingMs ?? 60_000;
    this.closedLingerMs = opts.closedLingerMs ?? 10_000;
    this.udpIdleMs = opts.udpIdleMs ?? 60_000;
    this.icmpIdleMs = opts.icmpIdleMs ?? 30_000;
    this.closedKeep = Math.max(0, Math.floor(opts.closedKeep ?? 1000));
    this.minTimeout = Math.min(
      this.tcpIdleMs,
      this.tcpHalfOpenMs,
      this.tcpClosingMs,
      this.closedLingerMs,
      this.udpIdleMs,
      this.icmpIdleMs,
    );
    let size = 16;
    while (size < this.cap * 2) size *= 2;
    this.index = new Array<Conn | null>(size).fill(null);
    this.mask = size - 1;
  }

  /** Flows in the table (active and lingering closed ones). */
  get size(): number {
    return this.count;
  }

  counters(): ConnectionTrackerCounters {
    return {
      size: this.count,
      cap: this.cap,
      created: this.created,
      evicted: this.evicted,
      expired: this.expired,
      closedTotal: this.closedTotal,
      closedKept: this.closedRing.length,
    };
  }

  /** Feeds one decoded packet; see the top of this file for what comes back. */
  onPacket(p: Packet, now: number): FlowUpdate | null {
    if (now >= this.nextSweep) this.onTick(now);
    const rt = this.relTime(now);
    const layers = p.layers;
    let proto: number;
    let sp: number;
    let dp: number;
    if (layers & LAYER_TCP) {
      proto = IPPROTO_TCP;
      sp = p.srcPort;
      dp = p.dstPort;
    } else if (layers & LAYER_UDP) {
      proto = IPPROTO_UDP;
      sp = p.srcPort;
      dp = p.dstPort;
    } else if (layers & (LAYER_ICMP | LAYER_ICMPV6)) {
      const v6 = (layers & LAYER_ICMPV6) !== 0;
      const t = p.icmpType;
      const isRequest = v6 ? t === 128 : t === 8;
      const isReply = v6 ? t === 129 : t === 0;
      if (isRequest || isReply) return this.onEcho(p, rt, v6 ? IPPROTO_ICMPV6 : IPPROTO_ICMP, isRequest);
      if ((v6 ? t === 1 : t === 3) && p.icmpQuoted.present) return this.onUnreachable(p, rt);
      return null;
    } else {
      return null;
    }
    const src = p.ipSrc;
    const dst = p.ipDst;
    const hash = flowHash(proto, src, sp, dst, dp);
    const found = this.find(hash, proto, src, sp, dst, dp);
    if (proto === IPPROTO_TCP) {
      const flags = p.tcpFlags;
      if (found === null) {
        if (flags & TCP_RST) return null;
        const c = this.create(hash, proto, rt);
        this.initTcp(c, p, src, sp, dst, dp, flags);
        this.resetUpdate('NONE', true);
        return this.account(c, p, rt, isInitiator(c, src, sp));
      }
      const c = found;
      const fromA = isInitiator(c, src, sp);
      if (isClosedState(c.state) && (flags & (TCP_SYN | TCP_ACK | TCP_RST)) === TCP_SYN) {
        // A new SYN on the 4-tuple of a closed connection starts a new connection.
        this.retire(c);
        this.resetConn(c, proto, rt);
        this.initTcp(c, p, src, sp, dst, dp, flags);
        this.created++;
        this.resetUpdate('NONE', true);
        this.touch(c, rt);
        return this.account(c, p, rt, true);
      }
      this.resetUpdate(STATE_NAMES[c.state], false);
      this.tcpTransition(c, p, flags, fromA);
      if (rt - c.touched >= TOUCH_MS) this.touch(c, rt);
      return this.account(c, p, rt, fromA);
    }
    // UDP
    if (found === null) {
      const c = this.create(hash, proto, rt);
      setEnds(c, src, sp, dst, dp);
      c.state = S_UNREPLIED;
      this.resetUpdate('NONE', true);
      return this.account(c, p, rt, true);
    }
    const c = found;
    const fromA = isInitiator(c, src, sp);
    this.resetUpdate(STATE_NAMES[c.state], false);
    if (!fromA && c.state === S_UNREPLIED) {
      c.state = S_REPLIED;
      c.established = true;
    }
    if (rt - c.touched >= TOUCH_MS) this.touch(c, rt);
    return this.account(c, p, rt, fromA);
  }

  /** Expires idle flows. Called from onPacket once per second of packet time, and by the engine when the wire is quiet. */
  onTick(now: number): void {
    this.nextSweep = now + 1000;
    const rt = this.relTime(now);
    let c = this.tail;
    while (c !== null) {
      // List order is by touch time, and a flow is touched at most TOUCH_MS before its last packet:
      // once a flow was touched within the shortest timeout, everything nearer the head is too recent.
      if (rt - c.touched < this.minTimeout) break;
      const before = c.prev;
      if (rt - c.last >= this.timeoutOf(c)) {
        this.expired++;
        this.remove(c);
      }
      c = before;
    }
  }

  /** Open flows (not closed), most recently seen first; at most `limit`. */
  active(limit = Infinity): ConnectionInfo[] {
    return this.listTable(false, limit);
  }

  /** Closed connections (still lingering in the table, then the kept ring), most recently seen first; at most `limit`. */
  closed(limit = Infinity): ConnectionInfo[] {
    const out = this.listTable(true, limit);
    out.push(...this.closedRing);
    out.sort((x, y) => y.last - x.last);
    return out.length > limit ? out.slice(0, limit) : out;
  }

  /** A connection by id, open or closed, while it is tracked or kept. */
  get(id: string): ConnectionInfo | undefined {
    const seq = Number(id);
    if (!Number.isInteger(seq) || seq <= 0) return undefined;
    for (let c = this.head; c !== null; c = c.next) {
      if (c.seq === seq) return this.info(c);
    }
    return this.closedRing.find((i) => i.id === id);
  }

  /** The `limit` most recently seen table entries that are (closed) or are not (open) closed. */
  private listTable(closed: boolean, limit: number): ConnectionInfo[] {
    const picked: Conn[] = [];
    for (let c = this.head; c !== null; c = c.next) {
      if (isClosedState(c.state) === closed) picked.push(c);
    }
    // The list is ordered by touch time (second granularity); order exactly by last packet time.
    picked.sort((x, y) => y.last - x.last);
    if (picked.length > limit) picked.length = limit;
    return picked.map((c) => this.info(c));
  }

  /** Packet time as whole ms since the tracker's first packet (see `epoch`). */
  private relTime(now: number): number {
    if (this.epoch !== this.epoch) this.epoch = Math.floor(now);
    return Math.floor(now - this.epoch);
  }

  // ---------------------------------------------------------------------------------------------------

  private onEcho(p: Packet, now: number, proto: number, isRequest: boolean): FlowUpdate {
    const id = icmpEchoId(p);
    const src = p.ipSrc;
    const dst = p.ipDst;
    const hash = flowHash(proto, src, id, dst, id);
    const found = this.find(hash, proto, src, id, dst, id);
    if (found === null) {
      const c = this.create(hash, proto, now);
      // A reply seen first (capture started late): its destination sent the request.
      if (isRequest) setEnds(c, src, id, dst, id);
      else setEnds(c, dst, id, src, id);
      c.state = isRequest ? S_UNREPLIED : S_REPLIED;
      c.established = !isRequest;
      c.midstream = !isRequest;
      this.resetUpdate('NONE', true);
      return this.account(c, p, now, isRequest);
    }
    const c = found;
    const fromA = isInitiator(c, src, id);
    this.resetUpdate(STATE_NAMES[c.state], false);
    if (!fromA && !isRequest && c.state === S_UNREPLIED) {
      c.state = S_REPLIED;
      c.established = true;
    }
    if (now - c.touched >= TOUCH_MS) this.touch(c, now);
    return this.account(c, p, now, fromA);
  }

  /** An ICMP destination unreachable quoting a tracked flow's packet closes that flow. */
  private onUnreachable(p: Packet, now: number): FlowUpdate | null {
    const q = p.icmpQuoted;
    if (q.proto !== IPPROTO_TCP && q.proto !== IPPROTO_UDP) return null;
    const hash = flowHash(q.proto, q.src, q.srcPort, q.dst, q.dstPort);
    const c = this.find(hash, q.proto, q.src, q.srcPort, q.dst, q.dstPort);
    if (c === null) return null;
    this.resetUpdate(STATE_NAMES[c.state], false);
    // Only the initiator's packets are probes worth reporting; and only a flow not yet answered or
    // established is refused by an unreachable (a late error for a live connection is ignored).
    const quotedFromA = isInitiator(c, q.src, q.srcPort);
    if (quotedFromA && (c.state === S_UNREPLIED || c.state === S_SYN_SENT)) {
      c.state = S_UNREACHABLE;
      this.closedTotal++;
      const u = this.u;
      u.closed = true;
      u.unreachable = true;
    }
    if (now - c.touched >= TOUCH_MS) this.touch(c, now);
    // Counted as a packet towards the initiator; no payload of the flow.
    c.last = now;
    c.pktsB++;
    c.bytesB += p.len;
    return this.fill(c, now, false);
  }

  private initTcp(c: Conn, p: Packet, src: IpAddr, sp: number, dst: IpAddr, dp: number, flags: number): void {
    let srcIsA = true;
    if ((flags & (TCP_SYN | TCP_ACK)) === TCP_SYN) {
      c.state = S_SYN_SENT;
    } else if ((flags & (TCP_SYN | TCP_ACK)) === (TCP_SYN | TCP_ACK)) {
      // We missed the SYN: the sender of the SYN/ACK is the responder.
      c.state = S_SYN_RECEIVED;
      srcIsA = false;
      c.midstream = true;
    } else if (flags & TCP_ACK) {
      // Picked up mid-stream (capture started late): guess the client by its port.
      c.state = S_ESTABLISHED;
      c.midstream = true;
      const rs = portRank(sp, true);
      const rd = portRank(dp, true);
      srcIsA = rs === rd ? sp >= dp : rs < rd;
      if (flags & TCP_FIN) c.state = S_FIN_WAIT;
    } else {
      // FIN, NULL, XMAS or URG/PSH-only first packet: not a way to open a connection.
      c.state = S_INVALID;
    }
    if (srcIsA) setEnds(c, src, sp, dst, dp);
    else setEnds(c, dst, dp, src, sp);
    c.established = false;
    c.finAckA = -1;
    c.finAckB = -1;
    c.lastFinBy = 0;
    if (c.state === S_FIN_WAIT) {
      if (srcIsA) c.finAckA = (p.tcpSeq + p.payloadLen + 1) >>> 0;
      else c.finAckB = (p.tcpSeq + p.payloadLen + 1) >>> 0;
      c.lastFinBy = srcIsA ? 1 : 2;
    }
  }

  private tcpTransition(c: Conn, p: Packet, flags: number, fromA: boolean): void {
    const u = this.u;
    const s = c.state;
    if (flags & TCP_RST) {
      if (isClosedState(s)) return;
      u.rejected = !fromA && (s === S_SYN_SENT || s === S_SYN_RECEIVED) && !c.established;
      c.state = S_RESET;
      u.closed = true;
      u.reset = true;
      u.resetByInitiator = fromA;
      this.closedTotal++;
      return;
    }
    const syn = (flags & TCP_SYN) !== 0;
    const ack = (flags & TCP_ACK) !== 0;
    const fin = (flags & TCP_FIN) !== 0;
    switch (s) {
      case S_INVALID:
        if (syn && !ack && fromA) c.state = S_SYN_SENT;
        return;
      case S_SYN_SENT:
        // SYN/ACK from the responder, or a simultaneous open (RFC 9293 §3.5).
        if (syn && !fromA) c.state = S_SYN_RECEIVED;
        return;
      case S_SYN_RECEIVED:
        if (fromA && ack && !syn) {
          c.state = S_ESTABLISHED;
          c.established = true;
          u.handshakeCompleted = true;
          if (fin) this.onFin(c, p, fromA);
        }
        return;
      case S_ESTABLISHED:
        if (c.midstream && !c.established && ack && (fromA ? c.pktsB : c.pktsA) > 0) c.established = true;
        if (fin) this.onFin(c, p, fromA);
        return;
      case S_FIN_WAIT:
      case S_CLOSE_WAIT: {
        if (c.midstream && !c.established && ack && (fromA ? c.pktsB : c.pktsA) > 0) c.established = true;
        const closerIsA = c.lastFinBy === 1;
        if (fin) {
          if (fromA !== closerIsA) this.onFin(c, p, fromA);
        } else if (s === S_FIN_WAIT && ack && fromA !== closerIsA && p.tcpAck === (closerIsA ? c.finAckA : c.finAckB)) {
          c.state = S_CLOSE_WAIT;
        }
        return;
      }
      case S_LAST_ACK: {
        // The last FIN is acknowledged by the other side: the connection is closed.
        const lastIsA = c.lastFinBy === 1;
        if (ack && fromA !== lastIsA && p.tcpAck === (lastIsA ? c.finAckA : c.finAckB)) {
          c.state = S_CLOSED;
          u.closed = true;
          this.closedTotal++;
        }
        return;
      }
      default:
        return;
    }
  }

  private onFin(c: Conn, p: Packet, fromA: boolean): void {
    const finAck = (p.tcpSeq + p.payloadLen + 1) >>> 0;
    if (fromA) c.finAckA = finAck;
    else c.finAckB = finAck;
    const side = fromA ? 1 : 2;
    if (c.state === S_ESTABLISHED) {
      c.state = S_FIN_WAIT;
      c.lastFinBy = side;
    } else if ((c.state === S_FIN_WAIT || c.state === S_CLOSE_WAIT) && c.lastFinBy !== side) {
      c.state = S_LAST_ACK;
      c.lastFinBy = side;
    }
  }

  private timeoutOf(c: Conn): number {
    const s = c.state;
    if (s === S_CLOSED || s === S_RESET || s === S_UNREACHABLE) return this.closedLingerMs;
    if (c.proto === IPPROTO_TCP) {
      if (s === S_ESTABLISHED) return this.tcpIdleMs;
      if (s === S_FIN_WAIT || s === S_CLOSE_WAIT || s === S_LAST_ACK) return this.tcpClosingMs;
      return this.tcpHalfOpenMs;
    }
    return c.proto === IPPROTO_UDP ? this.udpIdleMs : this.icmpIdleMs;
  }

  private resetUpdate(prevState: string, isNew: boolean): void {
    const u = this.u;
    u.isNew = isNew;
    u.prevState = prevState;
    u.handshakeCompleted = false;
    u.closed = false;
    u.reset = false;
    u.resetByInitiator = false;
    u.rejected = false;
    u.unreachable = false;
  }

  private account(c: Conn, p: Packet, now: number, fromA: boolean): FlowUpdate {
    if (fromA) {
      c.pktsA++;
      c.bytesA += p.len;
      c.payA += p.payloadLen;
    } else {
      c.pktsB++;
      c.bytesB += p.len;
      c.payB += p.payloadLen;
    }
    c.last = now;
    return this.fill(c, now, fromA);
  }

  private fill(c: Conn, now: number, fromA: boolean): FlowUpdate {
    const u = this.u;
    u.seq = c.seq;
    u.proto = protoName(c.proto);
    u.initiatorIsSrc = fromA;
    u.state = STATE_NAMES[c.state];
    u.established = c.established;
    u.midstream = c.midstream;
    u.packetsOut = c.pktsA;
    u.packetsIn = c.pktsB;
    u.bytesOut = c.bytesA;
    u.bytesIn = c.bytesB;
    u.payloadOut = c.payA;
    u.payloadIn = c.payB;
    u.start = this.epoch + c.start;
    u.durationMs = now - c.start;
    return u;
  }

  private find(hash: number, proto: number, src: IpAddr, sp: number, dst: IpAddr, dp: number): Conn | null {
    const index = this.index;
    const mask = this.mask;
    if (typeof src === 'number') {
      const s4 = src | 0;
      const d4 = (dst as number) | 0;
      for (let i = hash & mask; ; i = (i + 1) & mask) {
        const c = index[i];
        if (c === null) return null;
        if (c.hash !== hash || c.proto !== proto || c.v6) continue;
        if ((c.a4 === s4 && c.pa === sp && c.b4 === d4 && c.pb === dp) || (c.a4 === d4 && c.pa === dp && c.b4 === s4 && c.pb === sp)) return c;
      }
    }
    const d6 = dst as string;
    for (let i = hash & mask; ; i = (i + 1) & mask) {
      const c = index[i];
      if (c === null) return null;
      if (c.hash !== hash || c.proto !== proto || !c.v6) continue;
      if ((c.a6 === src && c.pa === sp && c.b6 === d6 && c.pb === dp) || (c.a6 === d6 && c.pa === dp && c.b6 === src && c.pb === sp)) return c;
    }
  }

  /** Takes a Conn for a new flow (evicting if full), links it at the LRU head and indexes it. */
  private create(hash: number, proto: number, now: number): Conn {
    if (this.count >= this.cap) this.evictOne();
    const c = this.pool.pop() ?? new Conn();
    c.hash = hash;
    this.resetConn(c, proto, now);
    const index = this.index;
    const mask = this.mask;
    let i = hash & mask;
    while (index[i] !== null) i = (i + 1) & mask;
    index[i] = c;
    c.prev = null;
    c.next = this.head;
    if (this.head !== null) this.head.prev = c;
    this.head = c;
    if (this.tail === null) this.tail = c;
    c.touched = now;
    this.count++;
    this.created++;
    return c;
  }

  /** Clears a pooled Conn for a new flow; the caller sets addresses, ports and state. */
  private resetConn(c: Conn, proto: number, now: number): void {
    c.seq = ++this.seqCounter;
    c.proto = proto;
    c.state = 0;
    c.start = now;
    c.last = now;
    c.pktsA = c.pktsB = c.bytesA = c.bytesB = c.payA = c.payB = 0;
    c.finAckA = c.finAckB = -1;
    c.lastFinBy = 0;
    c.established = false;
    c.midstream = false;
  }

  /**
   * Makes room: prefers, among the 16 least recently seen flows, one that never got established
   * (half-open SYNs, unanswered UDP, probes) or is already closed, like Linux conntrack's early drop;
   * otherwise the least recently seen one.
   */
  private evictOne(): void {
    let victim = this.tail;
    let c = this.tail;
    for (let k = 0; k < 16 && c !== null; k++, c = c.prev) {
      if (!c.established || isClosedState(c.state)) {
        victim = c;
        break;
      }
    }
    if (victim === null) return;
    this.evicted++;
    this.remove(victim);
  }

  /** Unlinks and unindexes a flow; a closed or established one is listed in the closed ring first. */
  private remove(c: Conn): void {
    this.retire(c);
    // Unindex with backward-shift deletion (linear probing keeps no tombstones).
    const index = this.index;
    const mask = this.mask;
    let i = c.hash & mask;
    while (index[i] !== c) i = (i + 1) & mask;
    let j = i;
    for (;;) {
      j = (j + 1) & mask;
      const v = index[j];
      if (v === null) break;
      const k = v.hash & mask;
      // Move v back to i unless its home k lies cyclically in (i, j].
      const inRange = i <= j ? k > i && k <= j : k > i || k <= j;
      if (!inRange) {
        index[i] = v;
        i = j;
      }
    }
    index[i] = null;
    const pv = c.prev;
    const nx = c.next;
    if (pv !== null) pv.next = nx;
    else this.head = nx;
    if (nx !== null) nx.prev = pv;
    else this.tail = pv;
    c.prev = c.next = null;
    c.a = c.b = 0;
    c.a6 = c.b6 = '';
    this.pool.push(c);
    this.count--;
  }

  /** Keeps a listing of a flow that is leaving (or being replaced) if it closed or was a real connection. */
  private retire(c: Conn): void {
    if (this.closedKeep === 0) return;
    if (!isClosedState(c.state) && !c.established) return;
    const info = this.info(c);
    info.closed = true;
    if (this.closedRing.length < this.closedKeep) this.closedRing.push(info);
    else {
      this.closedRing[this.closedPos] = info;
      this.closedPos = (this.closedPos + 1) % this.closedKeep;
    }
  }

  /** Moves a flow to the head of the LRU list. */
  private touch(c: Conn, now: number): void {
    c.touched = now;
    if (this.head === c) return;
    const pv = c.prev as Conn; // not the head, so it has a predecessor
    const nx = c.next;
    pv.next = nx;
    if (nx !== null) nx.prev = pv;
    else this.tail = pv;
    c.prev = null;
    c.next = this.head;
    (this.head as Conn).prev = c;
    this.head = c;
  }

  private info(c: Conn): ConnectionInfo {
    const proto = protoName(c.proto);
    return {
      id: String(c.seq),
      proto,
      src: formatIp(c.a),
      srcPort: c.proto === IPPROTO_TCP || c.proto === IPPROTO_UDP ? c.pa : 0,
      dst: formatIp(c.b),
      dstPort: c.proto === IPPROTO_TCP || c.proto === IPPROTO_UDP ? c.pb : 0,
      service: c.proto === IPPROTO_TCP ? serviceName(c.pb, 'tcp') : c.proto === IPPROTO_UDP ? serviceName(c.pb, 'udp') : '',
      state: STATE_NAMES[c.state],
      packetsOut: c.pktsA,
      packetsIn: c.pktsB,
      bytesOut: c.bytesA,
      bytesIn: c.bytesB,
      start: this.epoch + c.start,
      last: this.epoch + c.last,
      closed: isClosedState(c.state),
    };
  }
}

/**
 * The identifier of an ICMP/ICMPv6 echo (RFC 792, RFC 4443 §4.1): bytes 4-5 of the 8-byte ICMP header,
 * which ends where the decoder put the payload (so IPv6 extension headers need no walking here).
 */
export function icmpEchoId(p: Packet): number {
  const off = p.payloadOff - 4;
  const d = p.data;
  if (off < 0 || off + 2 > d.length) return 0;
  return (d[off] << 8) | d[off + 1];
}
