// ConnectionFloodDetector: too many new TCP connections from one source in a short window (an HTTP
// hammering client, `ab`, a brute-forcer opening connection after connection).
//
// Knobs (settings.yaml, `thresholds`):
//   connection_flood          50   completed connections one source opens within the window
//   connection_flood_window   10   seconds of the sliding window
//
// A connection counts when its three-way handshake completes (RFC 793: SYN, SYN/ACK, then the
// initiator's ACK). Attempts that never complete are the SYN flood and scan detectors' business, so a
// spoofed SYN flood or an nmap scan of closed ports does not also raise this. One alert per source
// and episode (WARNING), its evidence updated at most once a second. State is capped and expires.
import type { Settings } from '../config/schema.js';
import type { Packet } from '../decode/packet.js';
import * as packet from '../decode/packet.js';
import type { Detector, FlowFacts, Raise } from './types.js';
import { PK_TCP } from './packet-kinds.js';
import { BoundedMap, HandshakeTable, KeySet, PortCounts, WindowCounter } from './state/index.js';
import * as state from './state/index.js';
import { iso, keyText, type AddrKey } from './format.js';
import * as format from './format.js';
import { thresholds } from './thresholds.js';

// The packet constants (and helpers) as this module's own consts: V8's optimizing compiler folds a
// module's const into the code, but reads an imported binding from its cell and tests it for the hole at
// every use (six or so instructions each, on every packet).
const { LAYER_TCP, TCP_ACK, TCP_FIN, TCP_RST, TCP_SYN } = packet;
const { addrHash } = state;
const { addrKey } = format;

const MAX_SOURCES = 8192;
const UPDATE_MS = 1000;
/**
 * Slots a source's target set starts with (8 targets before it grows): on the bench's benign 1 M mix 2,989
 * of 3,300 sources with counts passed 4 targets, each growth a new table. Not more: past 16 slots (64
 * bytes) V8 keeps a typed array's bytes off its heap, a slower allocation (a start at 32 slots: attack-heavy
 * 1 M +27 M instructions in builtins).
 */
const TARGET_SLOTS = 16;

/** A source's counts, made at its second connection (or when it raises): most sources connect once per window. */
interface SourceCounts {
  counter: WindowCounter;
  ports: PortCounts;
  targets: KeySet;
}

interface SourceState {
  /** The source's text, made when it first raises (a brute-force pool brings a new source per connection). */
  ip: string;
  counts: SourceCounts | null;
  /** The first connection's port and target, which the counts start from when they are made. */
  port0: number;
  target0: AddrKey;
  total: number;
  first: number;
  last: number;
  raised: boolean;
  lastRaise: number;
}

export function createConnectionFloodDetector(settings: Settings, raise: Raise): Detector {
  const t = thresholds(settings);
  const windowMs = t.connection_flood_window * 1000;
  /** Handshakes in progress: stage 1 after the SYN, 2 after the SYN/ACK. */
  const pending = new HandshakeTable(16);
  // Keyed by AddrKey (IPv4 as int32): no boxed number per lookup.
  const sources = new BoundedMap<AddrKey, SourceState>(MAX_SOURCES);
  // The engine's connection tracker, when given: it tells which ACKs can have no SYN in `pending`.
  let flows: FlowFacts | undefined;
  let lastSweep = 0;
  // States the sweep took out, made anew for the next new sources: a brute-force pool or a busy network
  // brings sources faster than they expire, and each new state was an object that lived a window long.
  const spare: SourceState[] = [];

  /**
   * The source's counts, made from its first connection when first asked for: the same counts as if they
   * had been kept from the start (one event at `first`, its port, its target).
   */
  const countsOf = (s: SourceState): SourceCounts => {
    let c = s.counts;
    if (c === null) {
      c = s.counts = { counter: new WindowCounter(windowMs, 10), ports: new PortCounts(32), targets: new KeySet(TARGET_SLOTS) };
      c.counter.add(s.first);
      c.ports.bump(s.port0);
      c.targets.add(s.target0);
    }
    return c;
  };

  /** A completed handshake of p's sender; takes the packet for its time (a number argument is boxed per call). */
  const established = (src: AddrKey, dst: AddrKey, dport: number, p: Packet): void => {
    const now = p.ts;
    let s = sources.get(src);
    if (s && s.raised && now - s.last > windowMs) {
      sources.delete(src); // the previous episode is over
      spare.push(s);
      s = undefined;
    }
    let c: SourceCounts;
    if (!s) {
      s = spare.pop();
      if (s === undefined) {
        // lastRaise a double zero (-0; V8 has no small-integer -0): from a small 0, the first alert's time
        // moved every state to a new field representation and threw away the compiled handshake path.
        s = { ip: '', counts: null, port0: dport, target0: dst, total: 1, first: now, last: now, raised: false, lastRaise: -0 };
      } else {
        // Every field as a new state has it (the counts are made anew: a window counter has no reset).
        s.ip = '';
        s.counts = null;
        s.port0 = dport;
        s.target0 = dst;
        s.total = 1;
        s.first = now;
        s.last = now;
        s.raised = false;
        s.lastRaise = -0;
      }
      sources.set(src, s);
      // One connection in the window reaches no threshold but 1 (a brute-force pool brings a new source
      // per connection): the counts wait for a second one.
      if (t.connection_flood > 1) return;
      c = countsOf(s);
    } else {
      c = countsOf(s);
      c.counter.add(now);
      s.total++;
      s.last = now;
      c.ports.bump(dport);
      if (c.targets.size < 256) c.targets.add(dst);
    }
    const n = c.counter.total(now);
    if ((!s.raised && n >= t.connection_flood) || (s.raised && now - s.lastRaise >= UPDATE_MS)) {
      s.raised = true;
      s.lastRaise = now;
      if (s.ip === '') s.ip = keyText(src);
      const ports = c.ports.top(10);
      const single = c.targets.size === 1 ? keyText(dst) : undefined;
      raise({
        type: 'CONNECTION_FLOOD',
        severity: 'WARNING',
        message: `Connection flood from ${s.ip}: ${n} connections in ${t.connection_flood_window}s`,
        ts: now,
        key: s.ip,
        src_ip: s.ip,
        dst_ip: single,
        dst_port: ports.length === 1 ? ports[0] : undefined,
        proto: 'TCP',
        details: {
          connections_in_window: n,
          connections: s.total,
          threshold: t.connection_flood,
          window_s: t.connection_flood_window,
          ports,
          targets: c.targets.size,
          first_seen: iso(s.first),
          last_seen: iso(now),
        },
      });
    }
  };

  const expire = (now: number): void => {
    lastSweep = now;
    pending.expire(now, 30_000);
    sources.sweep((s) => {
      if (now - s.last <= windowMs) return false;
      if (spare.length < MAX_SOURCES) spare.push(s);
      return true;
    });
  };

  return {
    name: 'connection-flood',
    wants: PK_TCP,
    onPacket(p: Packet): void {
      if (!(p.layers & LAYER_TCP)) return;
      const f = p.tcpFlags & (TCP_SYN | TCP_ACK | TCP_RST | TCP_FIN);
      if (f === TCP_SYN) {
        pending.add(addrHash(p.ip4Src, p.ip6Src), p.srcPort, addrHash(p.ip4Dst, p.ip6Dst), p.dstPort, p);
      } else if (f === (TCP_SYN | TCP_ACK)) {
        if (pending.count > 0) {
          const slot = pending.find(addrHash(p.ip4Dst, p.ip6Dst), p.dstPort, addrHash(p.ip4Src, p.ip6Src), p.srcPort);
          if (slot >= 0) pending.setStage(slot, 2);
        }
      } else if ((f & (TCP_ACK | TCP_SYN | TCP_RST)) === TCP_ACK && pending.count > 0 && (flows === undefined || flows.synMayPend(p))) {
        const slot = pending.find(addrHash(p.ip4Src, p.ip6Src), p.srcPort, addrHash(p.ip4Dst, p.ip6Dst), p.dstPort);
        if (slot >= 0) {
          const stage = pending.stageOf(slot);
          pending.remove(slot);
          if (stage === 2) established(addrKey(p.ip4Src, p.ip6Src), addrKey(p.ip4Dst, p.ip6Dst), p.dstPort, p);
        }
      }
      // The time read here, after the branches: a value passed in two branches is boxed once ahead of
      // both, on every packet; this one is boxed only when the sweep is due.
      const now = p.ts;
      if (now - lastSweep >= 5000) expire(now);
    },
    onTick: expire,
    status() {
      return { sources: sources.size, pendingHandshakes: pending.count };
    },
    followFlows(f: FlowFacts): void {
      flows = f;
    },
  };
}
