// Connection tracking for TCP (a middlebox view of the RFC 793 / RFC 9293 state machine, seen from both
// directions), UDP and ICMP/ICMPv6 echo flows, with idle expiry and a hard cap with least-recently-seen
// eviction, so a flood of spoofed sources cannot grow it beyond its cap.
//
// What `onPacket(p)` returns (read this if you write a detector)
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
import * as packet from '../decode/packet.js';
import { formatIpv4, ipv6TextHash } from '../decode/addr.js';
import * as portNames from './port-names.js';

// The packet constants (and helpers) as this module's own consts: V8's optimizing compiler folds a
// module's const into the code, but reads an imported binding from its cell and tests it for the hole at
// every use (six or so instructions each, on every packet).
const { IPPROTO_ICMP, IPPROTO_ICMPV6, IPPROTO_TCP, IPPROTO_UDP, LAYER_ICMP, LAYER_ICMPV6, LAYER_TCP, LAYER_UDP } = packet;
const { TCP_ACK, TCP_FIN, TCP_RST, TCP_SYN } = packet;
const { portRank, serviceName } = portNames;

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
  /**
   * Told about every flow that leaves the table, with why and the packet time (EVE flow records). It is
   * called from inside onPacket and onTick, so it must not call back into the tracker, and it runs only
   * when a flow ends, never per packet.
   */
  onEnd?: (flow: ConnectionInfo, reason: FlowEndReason, now: number) => void;
}

/**
 * Why a flow left the table: idle past its timeout; pushed out by the cap; its 4-tuple taken by a new
 * connection (a SYN after it closed); or still open when the capture ended (endAll()).
 */
export type FlowEndReason = 'timeout' | 'evicted' | 'reused' | 'shutdown';

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
  /** The connection was established at some point (handshake completed, or the responder answered). */
  established: boolean;
}

/** What one packet did to its flow. One object, reused by every call: copyUpdate() what you keep. */
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

/** A plain copy of an update, every field an own property: what to keep past the tracker's next call. */
export function copyUpdate(u: FlowUpdate): FlowUpdate {
  return {
    seq: u.seq, proto: u.proto, isNew: u.isNew, initiatorIsSrc: u.initiatorIsSrc, prevState: u.prevState, state: u.state,
    established: u.established, handshakeCompleted: u.handshakeCompleted, closed: u.closed, reset: u.reset,
    resetByInitiator: u.resetByInitiator, rejected: u.rejected, unreachable: u.unreachable, midstream: u.midstream,
    packetsOut: u.packetsOut, packetsIn: u.packetsIn, bytesOut: u.bytesOut, bytesIn: u.bytesIn, payloadOut: u.payloadOut,
    payloadIn: u.payloadIn, start: u.start, durationMs: u.durationMs,
  };
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

// Storage. Flows live in typed arrays, one slot per flow: a 128-byte record in one ArrayBuffer, seen as
// 32 int32 (the first 12 used) and as 16 doubles (the last 10 used), so a flow's fields share a pair
// of adjacent cache lines. The garbage collector never traces them, and a lookup touches the index
// word and that record only, instead of an object graph spread over the heap (measured: the object
// layout cost more in GC than in lookups under the benchmark's 77k flows). Slot numbers (>= 0) are
// the handles; -1 means none.

/** Int32 view: stride 32 per record (bytes 0-47 used). */
const IS = 32;
const I_HASH = 0;
const I_PROTO = 1;
const I_STATE = 2;
/**
 * Initiator (a) and responder (b) IPv4 addresses as int32. An IPv6 flow keeps its two texts in the
 * tracker's `v6Texts` pairs instead: I_A4 holds the pair's number, I_B4 is 0.
 */
const I_A4 = 3;
const I_B4 = 4;
/** Initiator port << 16 | responder port (for ICMP echo both are the echo id). */
const I_PORTS = 5;
const I_FLAGS = 6;
/** Which side sent the last FIN seen: 1 = A, 2 = B. */
const I_LASTFIN = 7;
/** LRU list neighbours: prev is more recent, next less recent. */
const I_PREV = 8;
const I_NEXT = 9;
/** ACK number (as int32) that acknowledges A's / B's FIN, valid when F_FINACK_A / F_FINACK_B is set. */
const I_FINACK_A = 10;
const I_FINACK_B = 11;
const F_V6 = 1;
const F_ESTABLISHED = 2;
const F_MIDSTREAM = 4;
const F_FINACK_A = 8;
const F_FINACK_B = 16;
/**
 * No handshake SYN of side A's (B's) can be waiting for its ACK in the flood detectors' handshake tables:
 * the side has sent a pure ACK (which those detectors look up) since its last SYN. Clear (the safe
 * answer: look it up) whenever a record is made or reset; see synMayPend().
 */
const F_ACKED_A = 32;
const F_ACKED_B = 64;

/** Float64 view: stride 16 per record; indices 6-15 (bytes 48-127). Counters and times can pass 2^31. */
const DS = 16;
// A side's counter, then the other side's (account() relies on each B right after its A).
const D_PKTS_A = 6;
const D_PKTS_B = 7;
const D_BYTES_A = 8;
const D_BYTES_B = 9;
const D_PAY_A = 10;
const D_PAY_B = 11;
/** Times are ms since the tracker's first packet (see ConnectionTracker.epoch), with the packets' fraction (microseconds and below). */
const D_LAST = 12;
/** Packet time of the last move to the head of the LRU list (at most once per TOUCH_MS). */
const D_TOUCHED = 13;
const D_START = 14;
const D_SEQ = 15;
/** Bytes per record. */
const RECORD = 128;

/**
 * A flow moves to the head of the LRU list at most once per this many ms of packet time: relinking on
 * every packet costs several cache misses on neighbouring entries, and second granularity is plenty
 * for idle expiry and eviction.
 */
const TOUCH_MS = 1000;

function protoName(proto: number): FlowProto {
  return proto === IPPROTO_TCP ? 'TCP' : proto === IPPROTO_UDP ? 'UDP' : proto === IPPROTO_ICMP ? 'ICMP' : 'ICMPv6';
}

/**
 * ConnectionTracker's FlowUpdate: the flags of what the packet did are fields, set while it is
 * processed; the flow's counters, state and times are getters that read its record in the tracker's
 * typed arrays. Valid until the tracker's next call, like the object it replaces; copyUpdate() (not a
 * spread, which sees no getters) keeps one. Own accessors per instance, which a spread would copy,
 * made V8 keep the object in slow dictionary mode: the warm bench pass ran 19% slower.
 */
class FlowUpdateView implements FlowUpdate {
  isNew = false;
  initiatorIsSrc = true;
  handshakeCompleted = false;
  closed = false;
  reset = false;
  resetByInitiator = false;
  rejected = false;
  unreachable = false;
  // The tracker's record arrays, its epoch and the flow's slot (point()): private, so not copied by a spread.
  #ints: Int32Array = new Int32Array(IS);
  #dbls: Float64Array = new Float64Array(DS);
  #epoch = 0;
  #c = 0;
  /**
   * The state number before this packet (prevState is its name): a small integer stored per packet where
   * the name, a string, was a pointer store with its write barrier.
   */
  #prev = 0;

  get prevState(): string {
    return STATE_NAMES[this.#prev];
  }

  get seq(): number {
    return this.#dbls[this.#c * DS + D_SEQ];
  }
  get proto(): FlowProto {
    return protoName(this.#ints[this.#c * IS + I_PROTO]);
  }
  get state(): string {
    return STATE_NAMES[this.#ints[this.#c * IS + I_STATE]];
  }
  get established(): boolean {
    return (this.#ints[this.#c * IS + I_FLAGS] & F_ESTABLISHED) !== 0;
  }
  get midstream(): boolean {
    return (this.#ints[this.#c * IS + I_FLAGS] & F_MIDSTREAM) !== 0;
  }
  get packetsOut(): number {
    return this.#dbls[this.#c * DS + D_PKTS_A];
  }
  get packetsIn(): number {
    return this.#dbls[this.#c * DS + D_PKTS_B];
  }
  get bytesOut(): number {
    return this.#dbls[this.#c * DS + D_BYTES_A];
  }
  get bytesIn(): number {
    return this.#dbls[this.#c * DS + D_BYTES_B];
  }
  get payloadOut(): number {
    return this.#dbls[this.#c * DS + D_PAY_A];
  }
  get payloadIn(): number {
    return this.#dbls[this.#c * DS + D_PAY_B];
  }
  get start(): number {
    return this.#epoch + this.#dbls[this.#c * DS + D_START];
  }
  get durationMs(): number {
    return this.#dbls[this.#c * DS + D_LAST] - this.#dbls[this.#c * DS + D_START];
  }

  /** Every field as an own property (JSON.stringify sees only those). */
  toJSON(): FlowUpdate {
    return copyUpdate(this);
  }

  /**
   * The tracker's record arrays, set when they are made or grown: given with every point() they were two
   * pointer stores, with their write barriers, per packet.
   */
  setRecords(ints: Int32Array, dbls: Float64Array): void {
    this.#ints = ints;
    this.#dbls = dbls;
  }

  /** Points the view at flow c of the tracker's records (set by setRecords; its epoch by setEpoch). */
  point(c: number): void {
    this.#c = c;
  }

  /** Starts the update for a packet: the flow's state number before it, and whether it made the flow. */
  begin(prev: number, isNew: boolean): void {
    this.#prev = prev;
    this.isNew = isNew;
  }

  /**
   * The tracker's epoch, set once when it is fixed: passed with every point() it was boxed into a new
   * heap number per packet (a double given to a function V8 does not inline).
   */
  setEpoch(epoch: number): void {
    this.#epoch = epoch;
  }
}

/** murmur3's 32-bit finalizer: spreads the bits of a 32-bit value. */
function fmix(h: number): number {
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return h ^ (h >>> 16);
}

function addrHash(a: IpAddr): number {
  return typeof a === 'number' ? a | 0 : ipv6TextHash(a);
}

/** flowHash for IPv4 ends given as int32 (the same value as flowHash gives). */
function flowHash4(proto: number, s4: number, sp: number, d4: number, dp: number): number {
  const ha = fmix(s4 ^ Math.imul(sp + 1, 0x9e3779b1));
  const hb = fmix(d4 ^ Math.imul(dp + 1, 0x9e3779b1));
  return fmix(((ha + hb) | 0) ^ Math.imul(proto, 0x27d4eb2d));
}

/** flowHash for IPv6 ends given by their ipv6TextHash (the same value as flowHash gives for the texts). */
function flowHash6(proto: number, hs: number, sp: number, hd: number, dp: number): number {
  const ha = fmix(hs ^ Math.imul(sp + 1, 0x9e3779b1));
  const hb = fmix(hd ^ Math.imul(dp + 1, 0x9e3779b1));
  return fmix(((ha + hb) | 0) ^ Math.imul(proto, 0x27d4eb2d));
}

/** Direction-independent hash of a flow key: both ends hashed alone, then combined by addition. */
function flowHash(proto: number, src: IpAddr, sp: number, dst: IpAddr, dp: number): number {
  const ha = fmix(addrHash(src) ^ Math.imul(sp + 1, 0x9e3779b1));
  const hb = fmix(addrHash(dst) ^ Math.imul(dp + 1, 0x9e3779b1));
  return fmix(((ha + hb) | 0) ^ Math.imul(proto, 0x27d4eb2d));
}

/**
 * Slots allocated up front (they double up to the cap beyond it). Allocating them all at once costs no
 * resident memory until a slot is first used (the pages are zero-filled on demand), while growing by
 * doubling copied every record several times (measured: ~100 ms per million packets of the bench).
 */
const INITIAL_SLOTS = 131072;

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
  private readonly onEnd: ((flow: ConnectionInfo, reason: FlowEndReason, now: number) => void) | null;

  // Per-slot records (see Storage above); they grow by doubling up to `cap` slots.
  private ints: Int32Array;
  private dbls: Float64Array;
  /**
   * IPv6 flows' initiator and responder texts, a pair per IPv6 flow (pair k at 2k, 2k + 1; the flow's
   * I_A4 holds k), reused through `v6Free`: sized by the IPv6 flows at once, not by the slots. Two
   * arrays of a text per slot (131,072 each, made with the tracker) were 2 MB of the heap, the
   * largest allocation site of the bench's benign run (6% of its bytes), for the few flows that are IPv6.
   */
  private readonly v6Texts: string[] = [];
  private readonly v6Free: number[] = [];
  /** Slots allocated so far, and those ever handed out (the rest are untouched). */
  private slots: number;
  private used = 0;
  /** Slots of removed flows, reused for new ones. */
  private readonly free: number[] = [];
  /**
   * Hash index: linear probing with backward-shift deletion (no tombstones); 0 = empty, else slot + 1
   * in the low `slotMask` bits and the flow hash's bits above them (`tagMask`) as a tag. A probe whose
   * tag differs from the hash it looks for is passed over without reading that flow's record: on the
   * bench's benign mix one probe in five was such a collision, each a record read (a cache miss)
   * for nothing. Which flow a lookup returns is unchanged: equal hashes have equal tags.
   */
  private readonly index: Int32Array;
  private readonly mask: number;
  private readonly slotMask: number;
  private readonly tagMask: number;
  // LRU list: head = most recently touched.
  private head = -1;
  private tail = -1;
  private count = 0;
  private seqCounter = 0;
  private nextSweep = -Infinity;
  /** Packet time of the first packet (whole ms): times inside the records are ms since it. */
  private epoch = Number.NaN;
  /**
   * relTime's last answer, the packet's time, which the helpers of onPacket and onTick read here rather
   * than as an argument: a double passed to a function V8 does not inline is boxed into a new heap
   * number (measured: one per packet, 17 bytes a packet on the bench's benign mix); a double field is
   * written in place.
   */
  private rtNow = 0;

  private readonly closedRing: ConnectionInfo[] = [];
  private closedPos = 0;

  private created = 0;
  private evicted = 0;
  private expired = 0;
  private closedTotal = 0;

  /** The update onPacket returns: event flags set per packet, the rest read from the flow's record. */
  private readonly u = new FlowUpdateView();

  /**
   * Whether the flow find4 / find6 found last matched the packet's own direction (its source is the
   * flow's initiator end): the same answer as fromA() for that packet, since the forward match is tried
   * first (a flow whose two ends are equal matches both ways, and fromA says true). Set by the lookup
   * that compared the ends already, instead of a call comparing them again on every packet.
   */
  private foundFwd = true;

  /** Packet number (Packet.n) of the last TCP packet noteHandshake() saw, and synMayPend()'s answer for it. */
  private synN = -1;
  private synPending = true;

  constructor(opts: ConnectionTrackerOptions = {}) {
    this.cap = Math.max(1, Math.floor(opts.maxConnections ?? 100_000));
    this.tcpIdleMs = opts.tcpIdleMs ?? 300_000;
    this.tcpHalfOpenMs = opts.tcpHalfOpenMs ?? 30_000;
    this.tcpClosingMs = opts.tcpClosingMs ?? 60_000;
    this.closedLingerMs = opts.closedLingerMs ?? 10_000;
    this.udpIdleMs = opts.udpIdleMs ?? 60_000;
    this.icmpIdleMs = opts.icmpIdleMs ?? 30_000;
    this.closedKeep = Math.max(0, Math.floor(opts.closedKeep ?? 1000));
    this.onEnd = opts.onEnd ?? null;
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
    this.index = new Int32Array(size);
    this.mask = size - 1;
    // Bits to hold slot + 1 <= cap; a cap too large to leave tag bits gets no tags (tagMask 0).
    const slotBits = 32 - Math.clz32(this.cap);
    this.slotMask = slotBits >= 31 ? -1 : (1 << slotBits) - 1;
    this.tagMask = ~this.slotMask;
    this.slots = Math.min(this.cap, INITIAL_SLOTS);
    const buf = new ArrayBuffer(this.slots * RECORD);
    this.ints = new Int32Array(buf);
    this.dbls = new Float64Array(buf);
    this.u.setRecords(this.ints, this.dbls);
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
  onPacket(p: Packet): FlowUpdate | null {
    const now = p.ts;
    if (now >= this.nextSweep) this.onTick(now);
    // relTime() written out: a call V8 does not inline would box the time, once per packet.
    if (this.epoch !== this.epoch) this.setEpoch(now);
    const rt = now - this.epoch;
    this.rtNow = rt;
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
      if (isRequest || isReply) return this.onEcho(p, v6 ? IPPROTO_ICMPV6 : IPPROTO_ICMP, isRequest);
      if ((v6 ? t === 1 : t === 3) && p.icmpQuoted.present) return this.onUnreachable(p);
      return null;
    } else {
      return null;
    }
    // The packet's int32 / text address fields, not the ipSrc accessor (which boxes IPv4 numbers from
    // 128.0.0.0 up); the IpAddr form is made only when a flow is created.
    const v6 = p.ip6Src !== '';
    const s4 = p.ip4Src;
    const d4 = p.ip4Dst;
    const s6 = p.ip6Src;
    const d6 = p.ip6Dst;
    const hash = v6 ? flowHash6(proto, p.ip6SrcHash, sp, p.ip6DstHash, dp) : flowHash4(proto, s4, sp, d4, dp);
    const found = v6 ? this.find6(hash, proto, s6, sp, d6, dp) : this.find4(hash, proto, s4, sp, d4, dp);
    if (proto === IPPROTO_TCP) {
      const flags = p.tcpFlags;
      if (found < 0) {
        if (flags & TCP_RST) return null;
        const c = this.create(hash, proto);
        this.initTcp(c, p, sp, dp, flags);
        this.resetUpdate(0, true);
        const fromA = this.fromA(c, v6, s4, s6, sp);
        this.noteHandshake(c, p, flags, fromA);
        return this.account(c, p, fromA);
      }
      const c = found;
      const fromA = this.foundFwd;
      const state = this.ints[c * IS + I_STATE];
      if (isClosedState(state) && (flags & (TCP_SYN | TCP_ACK | TCP_RST)) === TCP_SYN) {
        // A new SYN on the 4-tuple of a closed connection starts a new connection.
        this.ended(c, 'reused', now);
        this.retire(c);
        this.resetConn(c, proto);
        this.initTcp(c, p, sp, dp, flags);
        this.created++;
        this.resetUpdate(0, true);
        this.touch(c);
        this.noteHandshake(c, p, flags, true);
        return this.account(c, p, true);
      }
      this.resetUpdate(state, false);
      this.tcpTransition(c, p, flags, fromA);
      if (rt - this.dbls[c * DS + D_TOUCHED] >= TOUCH_MS) this.touch(c);
      return this.account(c, p, fromA);
    }
    // UDP
    if (found < 0) {
      const c = this.create(hash, proto);
      this.setEnds(c, s4, s6, sp, d4, d6, dp);
      this.ints[c * IS + I_STATE] = S_UNREPLIED;
      this.resetUpdate(0, true);
      return this.account(c, p, true);
    }
    const c = found;
    const fromA = this.foundFwd;
    const o = c * IS;
    this.resetUpdate(this.ints[o + I_STATE], false);
    if (!fromA && this.ints[o + I_STATE] === S_UNREPLIED) {
      this.ints[o + I_STATE] = S_REPLIED;
      this.ints[o + I_FLAGS] |= F_ESTABLISHED;
    }
    if (rt - this.dbls[c * DS + D_TOUCHED] >= TOUCH_MS) this.touch(c);
    return this.account(c, p, fromA);
  }

  /**
   * Whether a handshake SYN from packet p's sender to its receiver (this 4-tuple, this direction) may
   * still be waiting in the flood detectors' handshake tables, which they look up for every ACK: false
   * only when p is the TCP packet this tracker handled last and that side's latest SYN, if any, came
   * before a pure ACK of its own (flags ACK without SYN, FIN or RST: a packet on which every detector
   * that keeps such a table looks its SYN up and takes it out), all within the current life of the flow.
   * A new or reused flow record starts with both sides unknown (true), so a flow evicted or expired
   * between a SYN and its ACK, or a 4-tuple reused, still gets the lookup. The engine gives the tracker
   * to the detectors, which it runs after it on every packet (Detector.followFlows).
   */
  synMayPend(p: Packet): boolean {
    return p.n !== this.synN || this.synPending;
  }

  /** Notes, for synMayPend(), a TCP packet of flow c from side A (fromA) or B, after its state transition. */
  private noteHandshake(c: number, p: Packet, flags: number, fromA: boolean): void {
    const o = c * IS + I_FLAGS;
    const ints = this.ints;
    const f = ints[o];
    const bit = fromA ? F_ACKED_A : F_ACKED_B;
    this.synN = p.n;
    this.synPending = (f & bit) === 0;
    const kind = flags & (TCP_SYN | TCP_ACK | TCP_RST | TCP_FIN);
    if (kind === TCP_ACK) ints[o] = f | bit;
    // Any SYN without ACK may have been recorded (the detectors record those with neither RST nor FIN).
    else if ((flags & (TCP_SYN | TCP_ACK)) === TCP_SYN) ints[o] = f & ~bit;
  }

  /** Expires idle flows. Called from onPacket once per second of packet time, and by the engine when the wire is quiet. */
  onTick(now: number): void {
    this.nextSweep = now + 1000;
    const rt = this.relTime(now);
    let c = this.tail;
    while (c >= 0) {
      // List order is by touch time, and a flow is touched at most TOUCH_MS before its last packet:
      // once a flow was touched within the shortest timeout, everything nearer the head is too recent.
      if (rt - this.dbls[c * DS + D_TOUCHED] < this.minTimeout) break;
      const before = this.ints[c * IS + I_PREV];
      if (rt - this.dbls[c * DS + D_LAST] >= this.timeoutOf(c)) {
        this.expired++;
        this.ended(c, 'timeout', now);
        this.remove(c);
      }
      c = before;
    }
  }

  /**
   * Tells onEnd about every flow still in the table, as ending at `now` for the reason 'shutdown' (the
   * capture is over). The table is left as it is, for the views; call it once, when the run ends.
   */
  endAll(now: number): void {
    if (this.onEnd === null) return;
    for (let c = this.tail; c >= 0; c = this.ints[c * IS + I_PREV]) this.ended(c, 'shutdown', now);
  }

  /** Tells the onEnd listener, if any, that flow c ends for `reason` at packet time `now`. */
  private ended(c: number, reason: FlowEndReason, now: number): void {
    if (this.onEnd !== null) this.onEnd(this.info(c), reason, now);
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
    for (let c = this.head; c >= 0; c = this.ints[c * IS + I_NEXT]) {
      if (this.dbls[c * DS + D_SEQ] === seq) return this.info(c);
    }
    return this.closedRing.find((i) => i.id === id);
  }

  /** The `limit` most recently seen table entries that are (closed) or are not (open) closed. */
  private listTable(closed: boolean, limit: number): ConnectionInfo[] {
    const picked: number[] = [];
    for (let c = this.head; c >= 0; c = this.ints[c * IS + I_NEXT]) {
      if (isClosedState(this.ints[c * IS + I_STATE]) === closed) picked.push(c);
    }
    // The list is ordered by touch time (second granularity); order exactly by last packet time.
    picked.sort((x, y) => this.dbls[y * DS + D_LAST] - this.dbls[x * DS + D_LAST]);
    if (picked.length > limit) picked.length = limit;
    return picked.map((c) => this.info(c));
  }

  /**
   * Packet time as ms since the tracker's first packet (see `epoch`), keeping the fraction: a flow's
   * start and end are shown (EVE flow records) to the microsecond, as Suricata shows them.
   */
  private relTime(now: number): number {
    if (this.epoch !== this.epoch) this.setEpoch(now);
    const rt = now - this.epoch;
    this.rtNow = rt;
    return rt;
  }

  /** The epoch from the first time seen (packet or tick). */
  private setEpoch(now: number): void {
    this.epoch = Math.floor(now);
    this.u.setEpoch(this.epoch);
  }

  // ---------------------------------------------------------------------------------------------------

  /** True when the packet's source (given as int32 or text, and port) is flow c's initiator end. */
  private fromA(c: number, v6: boolean, s4: number, s6: string, sp: number): boolean {
    const o = c * IS;
    if (this.ints[o + I_PORTS] >>> 16 !== sp) return false;
    return v6 ? this.v6Texts[2 * this.ints[o + I_A4]] === s6 : this.ints[o + I_A4] === s4;
  }

  /** True when (addr, port) is flow c's initiator end. */
  private isInitiator(c: number, addr: IpAddr, port: number): boolean {
    const o = c * IS;
    if (this.ints[o + I_PORTS] >>> 16 !== port) return false;
    const v6 = (this.ints[o + I_FLAGS] & F_V6) !== 0;
    return typeof addr === 'number' ? !v6 && this.ints[o + I_A4] === (addr | 0) : v6 && this.v6Texts[2 * this.ints[o + I_A4]] === addr;
  }

  /** Gives back flow c's IPv6 text pair (its texts cleared, so they can be collected) and clears its IPv6 mark. */
  private dropV6(c: number): void {
    const o = c * IS;
    const k = this.ints[o + I_A4];
    this.v6Texts[2 * k] = this.v6Texts[2 * k + 1] = '';
    this.v6Free.push(k);
    this.ints[o + I_FLAGS] &= ~F_V6;
    this.ints[o + I_A4] = 0;
  }

  /**
   * Sets a flow's initiator (a) and responder (b) ends, as the packet's int32 and text address fields
   * (IPv6 when the text is not ''): the ipSrc accessor's IPv4 number would be a new heap number per flow
   * from 128.0.0.0 up.
   */
  private setEnds(c: number, a4: number, a6: string, pa: number, b4: number, b6: string, pb: number): void {
    const ints = this.ints;
    const o = c * IS;
    ints[o + I_PORTS] = (pa << 16) | pb;
    if (a6 === '') {
      if ((ints[o + I_FLAGS] & F_V6) !== 0) this.dropV6(c);
      ints[o + I_A4] = a4 | 0;
      ints[o + I_B4] = b4 | 0;
    } else {
      // A flow that is IPv6 already (a 4-tuple reused, its ends maybe swapped) keeps its pair.
      let k: number;
      if ((ints[o + I_FLAGS] & F_V6) !== 0) k = ints[o + I_A4];
      else {
        k = this.v6Free.length > 0 ? (this.v6Free.pop() as number) : this.v6Texts.length >> 1;
        ints[o + I_FLAGS] |= F_V6;
      }
      if (2 * k === this.v6Texts.length) this.v6Texts.push(a6, b6);
      else {
        this.v6Texts[2 * k] = a6;
        this.v6Texts[2 * k + 1] = b6;
      }
      ints[o + I_A4] = k;
      ints[o + I_B4] = 0;
    }
  }

  private onEcho(p: Packet, proto: number, isRequest: boolean): FlowUpdate {
    const now = this.rtNow;
    const id = icmpEchoId(p);
    // The same IPv4 / IPv6 lookups as TCP and UDP (the generic find and flowHash, by IpAddr, were two
    // more functions for the optimizing compiler to build, for a few percent of the packets).
    const v6 = p.ip6Src !== '';
    const s4 = p.ip4Src;
    const s6 = p.ip6Src;
    const hash = v6 ? flowHash6(proto, p.ip6SrcHash, id, p.ip6DstHash, id) : flowHash4(proto, s4, id, p.ip4Dst, id);
    const found = v6 ? this.find6(hash, proto, s6, id, p.ip6Dst, id) : this.find4(hash, proto, s4, id, p.ip4Dst, id);
    if (found < 0) {
      const c = this.create(hash, proto);
      // A reply seen first (capture started late): its destination sent the request.
      if (isRequest) this.setEnds(c, s4, s6, id, p.ip4Dst, p.ip6Dst, id);
      else this.setEnds(c, p.ip4Dst, p.ip6Dst, id, s4, s6, id);
      const o = c * IS;
      this.ints[o + I_STATE] = isRequest ? S_UNREPLIED : S_REPLIED;
      if (!isRequest) this.ints[o + I_FLAGS] |= F_ESTABLISHED | F_MIDSTREAM;
      this.resetUpdate(0, true);
      return this.account(c, p, isRequest);
    }
    const c = found;
    const o = c * IS;
    const fromA = this.foundFwd;
    this.resetUpdate(this.ints[o + I_STATE], false);
    if (!fromA && !isRequest && this.ints[o + I_STATE] === S_UNREPLIED) {
      this.ints[o + I_STATE] = S_REPLIED;
      this.ints[o + I_FLAGS] |= F_ESTABLISHED;
    }
    if (now - this.dbls[c * DS + D_TOUCHED] >= TOUCH_MS) this.touch(c);
    return this.account(c, p, fromA);
  }

  /** An ICMP destination unreachable quoting a tracked flow's packet closes that flow. */
  private onUnreachable(p: Packet): FlowUpdate | null {
    const now = this.rtNow;
    const q = p.icmpQuoted;
    if (q.proto !== IPPROTO_TCP && q.proto !== IPPROTO_UDP) return null;
    const hash = flowHash(q.proto, q.src, q.srcPort, q.dst, q.dstPort);
    const c = this.find(hash, q.proto, q.src, q.srcPort, q.dst, q.dstPort);
    if (c < 0) return null;
    const o = c * IS;
    const state = this.ints[o + I_STATE];
    this.resetUpdate(state, false);
    // Only the initiator's packets are probes worth reporting; and only a flow not yet answered or
    // established is refused by an unreachable (a late error for a live connection is ignored).
    const quotedFromA = this.isInitiator(c, q.src, q.srcPort);
    if (quotedFromA && (state === S_UNREPLIED || state === S_SYN_SENT)) {
      this.ints[o + I_STATE] = S_UNREACHABLE;
      this.closedTotal++;
      const u = this.u;
      u.closed = true;
      u.unreachable = true;
    }
    const d = c * DS;
    if (now - this.dbls[d + D_TOUCHED] >= TOUCH_MS) this.touch(c);
    // Counted as a packet towards the initiator; no payload of the flow.
    this.dbls[d + D_LAST] = now;
    this.dbls[d + D_PKTS_B]++;
    this.dbls[d + D_BYTES_B] += p.len;
    return this.fill(c, false);
  }

  private initTcp(c: number, p: Packet, sp: number, dp: number, flags: number): void {
    const ints = this.ints;
    const o = c * IS;
    let srcIsA = true;
    let state: number;
    let midstream = false;
    if ((flags & (TCP_SYN | TCP_ACK)) === TCP_SYN) {
      state = S_SYN_SENT;
    } else if ((flags & (TCP_SYN | TCP_ACK)) === (TCP_SYN | TCP_ACK)) {
      // We missed the SYN: the sender of the SYN/ACK is the responder.
      state = S_SYN_RECEIVED;
      srcIsA = false;
      midstream = true;
    } else if (flags & TCP_ACK) {
      // Picked up mid-stream (capture started late): guess the client by its port.
      state = S_ESTABLISHED;
      midstream = true;
      const rs = portRank(sp, true);
      const rd = portRank(dp, true);
      srcIsA = rs === rd ? sp >= dp : rs < rd;
      if (flags & TCP_FIN) state = S_FIN_WAIT;
    } else {
      // FIN, NULL, XMAS or URG/PSH-only first packet: not a way to open a connection.
      state = S_INVALID;
    }
    ints[o + I_STATE] = state;
    if (srcIsA) this.setEnds(c, p.ip4Src, p.ip6Src, sp, p.ip4Dst, p.ip6Dst, dp);
    else this.setEnds(c, p.ip4Dst, p.ip6Dst, dp, p.ip4Src, p.ip6Src, sp);
    // established = false; midstream as decided above; the v6 bit from setEnds stays.
    ints[o + I_FLAGS] = (ints[o + I_FLAGS] & F_V6) | (midstream ? F_MIDSTREAM : 0);
    ints[o + I_LASTFIN] = 0;
    if (state === S_FIN_WAIT) {
      ints[o + (srcIsA ? I_FINACK_A : I_FINACK_B)] = (p.tcpSeq + p.payloadLen + 1) | 0;
      ints[o + I_FLAGS] |= srcIsA ? F_FINACK_A : F_FINACK_B;
      ints[o + I_LASTFIN] = srcIsA ? 1 : 2;
    }
  }

  /** Moves flow c's state for a TCP packet of a known flow, and notes the packet for synMayPend(). */
  private tcpTransition(c: number, p: Packet, flags: number, fromA: boolean): void {
    // Noted first, inside this call rather than in a second one from onPacket (V8 inlines neither there:
    // its inlining budget is spent): noteHandshake reads and sets only the F_ACKED bits, which the
    // transition below leaves alone, and reads the flags word before the transition does.
    this.noteHandshake(c, p, flags, fromA);
    const u = this.u;
    const ints = this.ints;
    const o = c * IS;
    const s = ints[o + I_STATE];
    const f = ints[o + I_FLAGS];
    const established = (f & F_ESTABLISHED) !== 0;
    if (flags & TCP_RST) {
      if (isClosedState(s)) return;
      u.rejected = !fromA && (s === S_SYN_SENT || s === S_SYN_RECEIVED) && !established;
      ints[o + I_STATE] = S_RESET;
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
        if (syn && !ack && fromA) ints[o + I_STATE] = S_SYN_SENT;
        return;
      case S_SYN_SENT:
        // SYN/ACK from the responder, or a simultaneous open (RFC 9293 §3.5).
        if (syn && !fromA) ints[o + I_STATE] = S_SYN_RECEIVED;
        return;
      case S_SYN_RECEIVED:
        if (fromA && ack && !syn) {
          ints[o + I_STATE] = S_ESTABLISHED;
          ints[o + I_FLAGS] = f | F_ESTABLISHED;
          u.handshakeCompleted = true;
          if (fin) this.onFin(c, p, fromA);
        }
        return;
      case S_ESTABLISHED:
        if ((f & F_MIDSTREAM) !== 0 && !established && ack && this.dbls[c * DS + (fromA ? D_PKTS_B : D_PKTS_A)] > 0) ints[o + I_FLAGS] = f | F_ESTABLISHED;
        if (fin) this.onFin(c, p, fromA);
        return;
      case S_FIN_WAIT:
      case S_CLOSE_WAIT: {
        if ((f & F_MIDSTREAM) !== 0 && !established && ack && this.dbls[c * DS + (fromA ? D_PKTS_B : D_PKTS_A)] > 0) ints[o + I_FLAGS] = f | F_ESTABLISHED;
        const closerIsA = ints[o + I_LASTFIN] === 1;
        if (fin) {
          if (fromA !== closerIsA) this.onFin(c, p, fromA);
        } else if (s === S_FIN_WAIT && ack && fromA !== closerIsA && this.acksFin(c, p, closerIsA)) {
          ints[o + I_STATE] = S_CLOSE_WAIT;
        }
        return;
      }
      case S_LAST_ACK: {
        // The last FIN is acknowledged by the other side: the connection is closed.
        const lastIsA = ints[o + I_LASTFIN] === 1;
        if (ack && fromA !== lastIsA && this.acksFin(c, p, lastIsA)) {
          ints[o + I_STATE] = S_CLOSED;
          u.closed = true;
          this.closedTotal++;
        }
        return;
      }
      default:
        return;
    }
  }

  private onFin(c: number, p: Packet, fromA: boolean): void {
    const ints = this.ints;
    const o = c * IS;
    const finAck = (p.tcpSeq + p.payloadLen + 1) >>> 0;
    ints[o + (fromA ? I_FINACK_A : I_FINACK_B)] = finAck | 0;
    ints[o + I_FLAGS] |= fromA ? F_FINACK_A : F_FINACK_B;
    const side = fromA ? 1 : 2;
    const s = ints[o + I_STATE];
    if (s === S_ESTABLISHED) {
      ints[o + I_STATE] = S_FIN_WAIT;
      ints[o + I_LASTFIN] = side;
    } else if ((s === S_FIN_WAIT || s === S_CLOSE_WAIT) && ints[o + I_LASTFIN] !== side) {
      ints[o + I_STATE] = S_LAST_ACK;
      ints[o + I_LASTFIN] = side;
    }
  }

  /** True when the packet's ACK number acknowledges the FIN of side A (finOfA) or B. */
  private acksFin(c: number, p: Packet, finOfA: boolean): boolean {
    const o = c * IS;
    if ((this.ints[o + I_FLAGS] & (finOfA ? F_FINACK_A : F_FINACK_B)) === 0) return false;
    return (p.tcpAck | 0) === this.ints[o + (finOfA ? I_FINACK_A : I_FINACK_B)];
  }

  private timeoutOf(c: number): number {
    const s = this.ints[c * IS + I_STATE];
    const proto = this.ints[c * IS + I_PROTO];
    if (s === S_CLOSED || s === S_RESET || s === S_UNREACHABLE) return this.closedLingerMs;
    if (proto === IPPROTO_TCP) {
      if (s === S_ESTABLISHED) return this.tcpIdleMs;
      if (s === S_FIN_WAIT || s === S_CLOSE_WAIT || s === S_LAST_ACK) return this.tcpClosingMs;
      return this.tcpHalfOpenMs;
    }
    return proto === IPPROTO_UDP ? this.udpIdleMs : this.icmpIdleMs;
  }

  /** Clears the update's event flags for a packet of a flow whose state was `prev` (0 for a new flow). */
  private resetUpdate(prev: number, isNew: boolean): void {
    const u = this.u;
    u.begin(prev, isNew);
    u.handshakeCompleted = false;
    u.closed = false;
    u.reset = false;
    u.resetByInitiator = false;
    u.rejected = false;
    u.unreachable = false;
  }

  private account(c: number, p: Packet, fromA: boolean): FlowUpdate {
    const now = this.rtNow;
    const d = this.dbls;
    // Each B counter sits right after its A counter: one set of adds at the side's offset, a branch
    // fewer and half the bytecode (onPacket's inlining budget goes to find4, flowHash4 and this).
    const o = c * DS + (fromA ? 0 : 1);
    d[o + D_PKTS_A]++;
    d[o + D_BYTES_A] += p.len;
    d[o + D_PAY_A] += p.payloadLen;
    d[c * DS + D_LAST] = now;
    return this.fill(c, fromA);
  }

  /**
   * The update for flow c: the view points at its record (its counters, state and times are read from
   * there when asked; the engine never asks, and filling them per packet was 4% of decode plus flow
   * state on the bench). The callers have set the flow's D_LAST to the packet's time, which the
   * update's durationMs reads.
   */
  private fill(c: number, fromA: boolean): FlowUpdate {
    const u = this.u;
    u.point(c);
    u.initiatorIsSrc = fromA;
    return u;
  }

  private find(hash: number, proto: number, src: IpAddr, sp: number, dst: IpAddr, dp: number): number {
    if (typeof src === 'number') return this.find4(hash, proto, src | 0, sp, (dst as number) | 0, dp);
    return this.find6(hash, proto, src, sp, dst as string, dp);
  }

  /** The slot of an IPv4 flow (`s4`, `d4` as int32) in either direction, or -1. */
  private find4(hash: number, proto: number, s4: number, sp: number, d4: number, dp: number): number {
    const fwd = (sp << 16) | dp;
    const rev = (dp << 16) | sp;
    const index = this.index;
    const ints = this.ints;
    const mask = this.mask;
    const tagMask = this.tagMask;
    const slotMask = this.slotMask;
    // The step is taken before the first slot too, so it has type feedback before the first collision.
    for (let i = (hash & mask) - 1; ; ) {
      i = (i + 1) & mask;
      const e = index[i];
      if (e === 0) return -1;
      if (((e ^ hash) & tagMask) !== 0) continue;
      const c = (e & slotMask) - 1;
      const o = c * IS;
      if (ints[o + I_HASH] !== hash || ints[o + I_PROTO] !== proto || (ints[o + I_FLAGS] & F_V6) !== 0) continue;
      const a4 = ints[o + I_A4];
      const b4 = ints[o + I_B4];
      const ports = ints[o + I_PORTS];
      if (a4 === s4 && b4 === d4 && ports === fwd) {
        this.foundFwd = true;
        return c;
      }
      if (a4 === d4 && b4 === s4 && ports === rev) {
        this.foundFwd = false;
        return c;
      }
    }
  }

  /** The slot of an IPv6 flow in either direction, or -1. */
  private find6(hash: number, proto: number, s6: string, sp: number, d6: string, dp: number): number {
    const fwd = (sp << 16) | dp;
    const rev = (dp << 16) | sp;
    const index = this.index;
    const ints = this.ints;
    const mask = this.mask;
    const tagMask = this.tagMask;
    const slotMask = this.slotMask;
    // The step is taken before the first slot too, so it has type feedback before the first collision.
    for (let i = (hash & mask) - 1; ; ) {
      i = (i + 1) & mask;
      const e = index[i];
      if (e === 0) return -1;
      if (((e ^ hash) & tagMask) !== 0) continue;
      const c = (e & slotMask) - 1;
      const o = c * IS;
      if (ints[o + I_HASH] !== hash || ints[o + I_PROTO] !== proto || (ints[o + I_FLAGS] & F_V6) === 0) continue;
      const ports = ints[o + I_PORTS];
      if (ports !== fwd && ports !== rev) continue;
      const k = 2 * ints[o + I_A4];
      const a6 = this.v6Texts[k];
      const b6 = this.v6Texts[k + 1];
      if (a6 === s6 && b6 === d6 && ports === fwd) {
        this.foundFwd = true;
        return c;
      }
      if (a6 === d6 && b6 === s6 && ports === rev) {
        this.foundFwd = false;
        return c;
      }
    }
  }

  /** Doubles the slot records (up to the cap). */
  private grow(): void {
    const slots = Math.min(this.cap, this.slots * 2);
    const buf = new ArrayBuffer(slots * RECORD);
    const ints = new Int32Array(buf);
    ints.set(this.ints);
    this.ints = ints;
    this.dbls = new Float64Array(buf);
    this.u.setRecords(ints, this.dbls);
    this.slots = slots;
  }

  /** Takes a slot for a new flow (evicting if full), links it at the LRU head and indexes it. */
  private create(hash: number, proto: number): number {
    if (this.count >= this.cap) this.evictOne();
    let c: number;
    if (this.free.length > 0) c = this.free.pop() as number;
    else {
      if (this.used >= this.slots) this.grow();
      c = this.used++;
    }
    const o = c * IS;
    this.ints[o + I_HASH] = hash;
    this.ints[o + I_FLAGS] = 0;
    this.resetConn(c, proto);
    const index = this.index;
    const mask = this.mask;
    // The step is taken before the first slot too (type feedback before the first collision).
    let i = (hash & mask) - 1;
    do i = (i + 1) & mask;
    while (index[i] !== 0);
    index[i] = (c + 1) | (hash & this.tagMask);
    const ints = this.ints;
    ints[o + I_PREV] = -1;
    ints[o + I_NEXT] = this.head;
    if (this.head >= 0) ints[this.head * IS + I_PREV] = c;
    this.head = c;
    if (this.tail < 0) this.tail = c;
    // Stamped one TOUCH_MS early, so the flow's next packet goes through touch(), which finds it at or
    // near the head. That way onPacket's touch() call is made within the first packets, before onPacket
    // is optimized: made first a second of packet time later, it threw the compiled code away
    // (--trace-deopt). The expiry sweep only ever reads this stamp to stop early, and an older stamp
    // never stops it sooner.
    this.dbls[c * DS + D_TOUCHED] = this.rtNow - TOUCH_MS;
    this.count++;
    this.created++;
    return c;
  }

  /** Clears a slot for a new flow; the caller sets addresses, ports and state. */
  private resetConn(c: number, proto: number): void {
    const now = this.rtNow;
    const ints = this.ints;
    const d = this.dbls;
    const o = c * IS;
    const od = c * DS;
    d[od + D_SEQ] = ++this.seqCounter;
    ints[o + I_PROTO] = proto;
    ints[o + I_STATE] = 0;
    d[od + D_START] = now;
    d[od + D_LAST] = now;
    d[od + D_PKTS_A] = d[od + D_PKTS_B] = d[od + D_BYTES_A] = d[od + D_BYTES_B] = d[od + D_PAY_A] = d[od + D_PAY_B] = 0;
    ints[o + I_LASTFIN] = 0;
    ints[o + I_FLAGS] &= F_V6; // established, midstream and the FIN acks cleared
  }

  /**
   * Makes room: prefers, among the 16 least recently seen flows, one that never got established
   * (half-open SYNs, unanswered UDP, probes) or is already closed, like Linux conntrack's early drop;
   * otherwise the least recently seen one.
   */
  private evictOne(): void {
    const rt = this.rtNow;
    const ints = this.ints;
    let victim = this.tail;
    let c = this.tail;
    for (let k = 0; k < 16 && c >= 0; k++, c = ints[c * IS + I_PREV]) {
      if ((ints[c * IS + I_FLAGS] & F_ESTABLISHED) === 0 || isClosedState(ints[c * IS + I_STATE])) {
        victim = c;
        break;
      }
    }
    if (victim < 0) return;
    this.evicted++;
    this.ended(victim, 'evicted', this.epoch + rt);
    this.remove(victim);
  }

  /** Unlinks and unindexes a flow; a closed or established one is listed in the closed ring first. */
  private remove(c: number): void {
    this.retire(c);
    const ints = this.ints;
    // Unindex with backward-shift deletion (linear probing keeps no tombstones).
    const index = this.index;
    const mask = this.mask;
    const slotMask = this.slotMask;
    let i = (ints[c * IS + I_HASH] & mask) - 1;
    do i = (i + 1) & mask;
    while ((index[i] & slotMask) !== c + 1);
    let j = i;
    for (;;) {
      j = (j + 1) & mask;
      const v = index[j];
      if (v === 0) break;
      const k = ints[((v & slotMask) - 1) * IS + I_HASH] & mask;
      // Move v back to i unless its home k lies cyclically in (i, j].
      const inRange = i <= j ? k > i && k <= j : k > i || k <= j;
      if (!inRange) {
        index[i] = v;
        i = j;
      }
    }
    index[i] = 0;
    const o = c * IS;
    const pv = ints[o + I_PREV];
    const nx = ints[o + I_NEXT];
    if (pv >= 0) ints[pv * IS + I_NEXT] = nx;
    else this.head = nx;
    if (nx >= 0) ints[nx * IS + I_PREV] = pv;
    else this.tail = pv;
    ints[o + I_PREV] = ints[o + I_NEXT] = -1;
    if ((ints[o + I_FLAGS] & F_V6) !== 0) this.dropV6(c);
    this.free.push(c);
    this.count--;
  }

  /** Keeps a listing of a flow that is leaving (or being replaced) if it closed or was a real connection. */
  private retire(c: number): void {
    if (this.closedKeep === 0) return;
    if (!isClosedState(this.ints[c * IS + I_STATE]) && (this.ints[c * IS + I_FLAGS] & F_ESTABLISHED) === 0) return;
    const info = this.info(c);
    info.closed = true;
    if (this.closedRing.length < this.closedKeep) this.closedRing.push(info);
    else {
      this.closedRing[this.closedPos] = info;
      this.closedPos = (this.closedPos + 1) % this.closedKeep;
    }
  }

  /** Moves a flow to the head of the LRU list. */
  private touch(c: number): void {
    const now = this.rtNow;
    this.dbls[c * DS + D_TOUCHED] = now;
    if (this.head === c) return;
    const ints = this.ints;
    const o = c * IS;
    const pv = ints[o + I_PREV]; // not the head, so it has a predecessor
    const nx = ints[o + I_NEXT];
    ints[pv * IS + I_NEXT] = nx;
    if (nx >= 0) ints[nx * IS + I_PREV] = pv;
    else this.tail = pv;
    ints[o + I_PREV] = -1;
    ints[o + I_NEXT] = this.head;
    ints[this.head * IS + I_PREV] = c;
    this.head = c;
  }

  private info(c: number): ConnectionInfo {
    const ints = this.ints;
    const d = this.dbls;
    const o = c * IS;
    const od = c * DS;
    const proto = ints[o + I_PROTO];
    const v6 = (ints[o + I_FLAGS] & F_V6) !== 0;
    const state = ints[o + I_STATE];
    const pb = ints[o + I_PORTS] & 0xffff;
    return {
      id: String(d[od + D_SEQ]),
      proto: protoName(proto),
      src: v6 ? this.v6Texts[2 * ints[o + I_A4]] : formatIpv4(ints[o + I_A4] >>> 0),
      srcPort: proto === IPPROTO_TCP || proto === IPPROTO_UDP ? ints[o + I_PORTS] >>> 16 : 0,
      dst: v6 ? this.v6Texts[2 * ints[o + I_A4] + 1] : formatIpv4(ints[o + I_B4] >>> 0),
      dstPort: proto === IPPROTO_TCP || proto === IPPROTO_UDP ? pb : 0,
      service: proto === IPPROTO_TCP ? serviceName(pb, 'tcp') : proto === IPPROTO_UDP ? serviceName(pb, 'udp') : '',
      state: STATE_NAMES[state],
      packetsOut: d[od + D_PKTS_A],
      packetsIn: d[od + D_PKTS_B],
      bytesOut: d[od + D_BYTES_A],
      bytesIn: d[od + D_BYTES_B],
      start: this.epoch + d[od + D_START],
      last: this.epoch + d[od + D_LAST],
      closed: isClosedState(state),
      established: (ints[o + I_FLAGS] & F_ESTABLISHED) !== 0,
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
