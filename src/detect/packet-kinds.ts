// Packet kinds: the few facts a detector's first early return tests, computed once per packet so the
// engine calls a detector only with packets it does anything with (Detector.wants).
//
// A kind here must be exactly the condition a detector's onPacket returns early on, before it reads
// the packet or its time: a detector that declares `wants` must do nothing at all with a packet of no
// wanted kind, so skipping the call cannot change what it raises or when (its time-driven work, such
// as expiry and held-back updates, runs from onTick and from the packets it does get, as before).
import type { Packet } from '../decode/packet.js';
import * as packetConsts from '../decode/packet.js';

// Module-local copies of the constants packetKinds reads (it is inlined into Engine.handle): V8 reads an
// imported or exported binding through its module cell, with a hole check, at every use in optimized code;
// a module-local const is a constant there (a harness: 74 -> 23 instructions a call for six uses).
const { LAYER_TCP, TCP_ACK, TCP_RST, TCP_SYN } = packetConsts;
const TCP = 1 << 0;
const TCP_SYN_ONLY = 1 << 1;
const TCP_DATA = 1 << 2;
const EVENTS = 1 << 3;
const IP = 1 << 4;

/** A TCP segment, any flags. */
export const PK_TCP = TCP;
/** A TCP segment with SYN set and neither ACK nor RST (a connection attempt). */
export const PK_TCP_SYN = TCP_SYN_ONLY;
/** A TCP segment with payload and without RST. */
export const PK_TCP_DATA = TCP_DATA;
/** A packet the decoder raised events for (malformed, truncated, bad checksum...). */
export const PK_EVENTS = EVENTS;
/** An IPv4 or IPv6 packet. */
export const PK_IP = IP;
/** Every kind: the number of distinct kind sets is PK_ALL + 1. */
export const PK_ALL = (1 << 5) - 1;

/** The kinds (PK_* bits) of one decoded packet. */
export function packetKinds(p: Packet): number {
  let k = p.ipVersion !== 0 ? IP : 0;
  if (p.events.length !== 0) k |= EVENTS;
  if (p.layers & LAYER_TCP) {
    k |= TCP;
    const f = p.tcpFlags;
    if ((f & (TCP_SYN | TCP_ACK | TCP_RST)) === TCP_SYN) k |= TCP_SYN_ONLY;
    if (p.payloadLen !== 0 && (f & TCP_RST) === 0) k |= TCP_DATA;
  }
  return k;
}
