// SYNFloodDetector: the rate of half-open TCP SYNs (RFC 4987), per destination host, so that a flood
// from random spoofed sources (`hping3 --rand-source`) is caught, and per source, for one source
// flooding many hosts.
//
// Knobs (settings.yaml, `thresholds`):
//   syn_flood   100   half-open SYNs per second (a sliding one-second window)
// Severity by the multiple of the threshold the rate reaches: WARNING from 1x, HIGH from 3x, CRITICAL
// from 10x. The rate is estimated over the time the window's SYNs actually span (at least 20 ms), so
// a flood running at 10x is CRITICAL from its first alert instead of climbing through three alerts.
//
// Half-open: a SYN whose handshake the initiator completes (its ACK to the SYN/ACK) is taken back out
// of the window, so a crawler's many quick successful connections are no flood. A flood hits few
// ports: SYNs spread over many ports (an nmap SYN scan, 1 SYN per port) are a scan, not a flood, so a
// window only counts as flood-shaped when it averages at least 4 SYNs per destination port. The
// alert is keyed by the victim (per-destination) or the flooder (per-source); a single-source flood
// is reported once, by destination. State is capped and expires by packet time.
//
// A decoy scan is no flood: a SYN that copies one from another source within COPY_MS (same target,
// target port, source port and sequence number, as nmap -D sends each probe once per decoy) is not
// counted again, up to MAX_COPIES copies (beyond that identical spoofed SYNs are a flood after all), and
// SYNs from the sources of a known decoy scan (DetectorContext.decoyMember) are not counted.
import type { Settings } from '../config/schema.js';
import type { Packet } from '../decode/packet.js';
import * as packet from '../decode/packet.js';
import type { Severity } from '../alert/types.js';
import type { Detector, DetectorContext, FlowFacts, Raise } from './types.js';
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

const WINDOW_MS = 1000;
const MAX_DST = 4096;
const MAX_SRC = 8192;
/** Slots of the table of SYNs waiting for their handshake's ACK: 2^16. */
const MAX_PENDING_BITS = 16;
/** Distinct sources (or destinations) remembered per flood, for the evidence. */
const MAX_PEERS = 1024;
/**
 * Slots a state's peer set starts with (8 peers before it grows): on the bench's benign 1 M mix 600 of the
 * 700 states passed 4 peers, each growth a new table. Not more: see TARGET_SLOTS in connection-flood.
 */
const PEER_SLOTS = 16;
const UPDATE_MS = 1000;
/** A flood episode ends after this long below the threshold. */
const QUIET_MS = 10_000;
/** Shortest time span a rate is estimated over (s): 100 SYNs in 1 ms is not 100000 SYN/s. */
const MIN_SPAN_S = 0.02;
const SEVERITIES: Severity[] = ['WARNING', 'HIGH', 'CRITICAL'];
/** Slots of the table of recent SYNs that decoy copies are recognised by. */
const COPY_SLOTS = 4096;
/** A copy comes within this many ms of the SYN it copies. */
const COPY_MS = 1000;
/** Copies of one SYN not counted (nmap takes at most 128 decoys). */
const MAX_COPIES = 128;

interface FloodState {
  ip: string;
  /** Per-source state: its bucket in srcIn (the top 16 bits of the source's addrHash); -1 per destination. */
  bucket: number;
  counter: WindowCounter;
  /** Time of the first SYN since the window was last empty (for the rate's time span). */
  burstStart: number;
  /** Tumbling one-second shape check: SYNs and distinct ports in the current second. */
  tumbleStart: number;
  tumbleSyns: number;
  tumblePorts: KeySet;
  shapeOk: boolean;
  peers: KeySet;
  ports: PortCounts;
  total: number;
  first: number;
  lastAbove: number;
  level: number;
  peakRate: number;
  lastRaise: number;
  last: number;
}

export function createSynFloodDetector(settings: Settings, raise: Raise, ctx?: DetectorContext): Detector {
  const thr = thresholds(settings).syn_flood;
  // Keyed by AddrKey (IPv4 as int32): no boxed number per lookup.
  const perDst = new BoundedMap<AddrKey, FloodState>(MAX_DST);
  // Per-source states by bucket (the top 16 bits of the address hash, as the sketch counts them): a
  // source whose bucket holds none has no state, which answers a spoofed flood's every new source
  // without the two Map lookups of perSrc.has().
  const srcIn = new Uint16Array(65536);
  // States taken out (swept, or evicted from perSrc), made anew for new destinations and sources with
  // their peer and port sets emptied: those grew with each new state (a flood's peers, 1024 at most).
  // Not those perDst evicts, which lastDst may still hold.
  const spare: FloodState[] = [];
  const perSrc = new BoundedMap<AddrKey, FloodState>(MAX_SRC, (s) => {
    srcIn[s.bucket]--;
    if (spare.length < MAX_DST) spare.push(s);
  });
  // Initiator 4-tuple -> SYN time, to take completed handshakes back out: a fixed hash table (slot by
  // hash, a second hash as fingerprint), so a flood allocates nothing; a collision forgets a SYN.
  const pending = new HandshakeTable(MAX_PENDING_BITS);
  // The engine's connection tracker, when given: it tells which ACKs can have no SYN in `pending`.
  let flows: FlowFacts | undefined;
  let lastSweep = 0;
  // Per-source state is only made for sources that send a few SYNs within a second: a spoofed flood's
  // million one-SYN sources cost one counter bump each in this fixed table, not an object each.
  const sketch = new Uint16Array(65536);
  let sketchSec = -1;
  const gate = Math.max(1, Math.floor(thr / 4));
  // The last destination's state, so a flood against one host costs no map lookup per SYN (and no
  // boxed address). Cleared whenever perDst may have dropped it.
  let lastDst: FloodState | undefined;
  let lastDst4 = 0;
  let lastDst6 = '';
  // Recent SYNs by (target, ports, sequence number): fingerprint, time, source hash, copies seen.
  const copyFp = new Int32Array(COPY_SLOTS);
  const copyTs = new Float64Array(COPY_SLOTS);
  const copySrc = new Int32Array(COPY_SLOTS);
  const copyN = new Uint8Array(COPY_SLOTS);
  // The helpers of the SYN path take the packet and read its time (p.ts) themselves: a time passed as a
  // number argument to a call V8 does not inline is boxed into a new heap number, per SYN.
  /** True when this SYN (source hash ha, target hash hb) copies a recent one from another source. */
  const isCopy = (p: Packet, ha: number, hb: number): boolean => {
    const now = p.ts;
    const h = Math.imul(hb ^ Math.imul(p.tcpSeq | 0, 0x9e3779b1) ^ ((p.srcPort << 16) | p.dstPort), 0x85ebca6b);
    const slot = (h ^ (h >>> 15)) & (COPY_SLOTS - 1);
    const fp = Math.imul(h ^ (p.tcpSeq | 0), 0x27d4eb2f) | 1;
    if (copyFp[slot] === fp && now - copyTs[slot] <= COPY_MS && copySrc[slot] !== ha) {
      if (copyN[slot] >= MAX_COPIES) return false;
      copyN[slot]++;
      return true;
    }
    copyFp[slot] = fp;
    copyTs[slot] = now;
    copySrc[slot] = ha;
    copyN[slot] = 0;
    return false;
  };

  const stateOf = (m: BoundedMap<AddrKey, FloodState>, ip: AddrKey, bucket: number, p: Packet): FloodState => {
    const s = m.get(ip);
    return s !== undefined ? s : newState(m, ip, bucket, p);
  };

  /** A new state for `ip`, not in `m` yet, added to it. */
  const newState = (m: BoundedMap<AddrKey, FloodState>, ip: AddrKey, bucket: number, p: Packet): FloodState => {
    const now = p.ts;
    const old = spare.pop();
    const s: FloodState = old !== undefined ? renew(old, ip, bucket, now) : {
      ip: keyText(ip),
      bucket,
      counter: new WindowCounter(WINDOW_MS, 10),
      burstStart: now,
      // One second back, so the state's first SYN takes the tumbling second's rollover (which leaves a
      // new state as it is): the rollover's code then has type feedback from the first SYNs, where its
      // first run a second of packet time later threw away the compiled SYN path (--trace-deopt).
      tumbleStart: now - WINDOW_MS,
      tumbleSyns: 0,
      tumblePorts: new KeySet(),
      shapeOk: false,
      peers: new KeySet(PEER_SLOTS),
      ports: new PortCounts(64),
      total: 0,
      first: now,
      // Double zeros (-0; V8 has no small-integer -0) for the fields that later take times and rates:
      // from a small 0, the first flood's values moved every state to a new hidden class, and the
      // compiled packet path was thrown away.
      lastAbove: -0,
      level: -1,
      peakRate: -0,
      lastRaise: -0,
      last: now,
    };
    if (bucket >= 0) srcIn[bucket]++;
    m.set(ip, s);
    return s;
  };

  /** A spare state as newState makes one (the window counter made anew: it has no reset). */
  const renew = (s: FloodState, ip: AddrKey, bucket: number, now: number): FloodState => {
    s.ip = keyText(ip);
    s.bucket = bucket;
    s.counter = new WindowCounter(WINDOW_MS, 10);
    s.burstStart = now;
    s.tumbleStart = now - WINDOW_MS;
    s.tumbleSyns = 0;
    s.tumblePorts.clear();
    s.shapeOk = false;
    s.peers.clear();
    s.ports.clear();
    s.total = 0;
    s.first = now;
    s.lastAbove = -0;
    s.level = -1;
    s.peakRate = -0;
    s.lastRaise = -0;
    s.last = now;
    return s;
  };

  /** Counts a SYN (the peer is the packet's source when counting by destination, else its destination). */
  const count = (s: FloodState, p: Packet, byDst: boolean): void => {
    const now = p.ts;
    const port = p.dstPort;
    if (now - s.tumbleStart >= WINDOW_MS) {
      // Every store and compare made on each rollover, the first included (see tumbleStart in newState).
      const syns = s.tumbleSyns;
      const shaped = syns >= 4 * s.tumblePorts.size;
      s.shapeOk = syns >= 20 ? shaped : s.shapeOk;
      s.tumbleStart = now;
      s.tumbleSyns = 0;
      s.tumblePorts.clear();
    }
    s.tumbleSyns++;
    if (s.tumblePorts.size < 1024) s.tumblePorts.addInt(port);
    if (s.counter.total(now) === 0) s.burstStart = now;
    s.counter.add(now);
    s.last = now;
    if (s.level >= 0 && now - s.lastAbove > QUIET_MS) {
      // The previous episode is over.
      s.level = -1;
      s.total = 0;
      s.peakRate = 0;
      s.peers.clear();
      s.ports.clear();
      s.first = now;
    }
    if (s.level < 0 && s.total === 0) s.first = now;
    s.total++;
    if (s.peers.size < MAX_PEERS) {
      // The peer's AddrKey (addrKey: the IPv6 text, else the IPv4 int), added by type.
      const a6 = byDst ? p.ip6Src : p.ip6Dst;
      if (a6 !== '') s.peers.addText(a6);
      else s.peers.addInt(byDst ? p.ip4Src : p.ip4Dst);
    }
    s.ports.bump(port);
  };

  const shape = (s: FloodState): boolean =>
    s.tumbleSyns >= 20 ? s.tumbleSyns >= 4 * s.tumblePorts.size : s.shapeOk;

  /** Returns true when this state is (still) flooding and was reported. */
  const evaluate = (s: FloodState, byDst: boolean, p: Packet): boolean => {
    const now = p.ts;
    const n = s.counter.total(now);
    if (n < thr || !shape(s)) return false;
    const span = Math.min(1, Math.max(MIN_SPAN_S, (now - s.burstStart) / 1000));
    const rate = n / span;
    const mult = rate / thr;
    // 2 from 10x the threshold, 1 from 3x: both compares on every evaluation, so a flood first seen at
    // 10x that later drops below it finds type feedback for the second (it deoptimized the SYN path).
    const level = (mult >= 10 ? 1 : 0) + (mult >= 3 ? 1 : 0);
    s.lastAbove = now;
    if (rate > s.peakRate) s.peakRate = rate;
    if (level > s.level || now - s.lastRaise >= UPDATE_MS) {
      if (level > s.level) s.level = level;
      s.lastRaise = now;
      report(s, byDst, n, rate, now);
    }
    return true;
  };

  const report = (s: FloodState, byDst: boolean, halfOpen: number, rate: number, now: number): void => {
    const ports = s.ports.top(10);
    const single = s.peers.size === 1 ? keyText(s.peers.first as AddrKey) : undefined;
    const severity = SEVERITIES[s.level];
    raise({
      type: 'SYN_FLOOD',
      severity,
      message: byDst
        ? `SYN flood against ${s.ip}${ports.length === 1 ? `:${ports[0]}` : ''}: ${Math.round(rate)} half-open SYN/s from ${s.peers.size >= MAX_PEERS ? `${MAX_PEERS}+` : s.peers.size} source(s)`
        : `SYN flood from ${s.ip}: ${Math.round(rate)} half-open SYN/s to ${s.peers.size} host(s)`,
      ts: now,
      key: byDst ? `dst:${s.ip}` : `src:${s.ip}`,
      src_ip: byDst ? single : s.ip,
      dst_ip: byDst ? s.ip : single,
      dst_port: ports.length === 1 ? ports[0] : undefined,
      proto: 'TCP',
      details: {
        rate: Math.round(rate),
        peak_rate: Math.round(s.peakRate),
        half_open_in_window: halfOpen,
        threshold: thr,
        multiple: Math.round((rate / thr) * 10) / 10,
        syns: s.total,
        [byDst ? 'sources' : 'targets']: s.peers.size,
        spoofed_sources: byDst && s.peers.size > 1,
        ports,
        first_seen: iso(s.first),
        last_seen: iso(now),
      },
    });
  };

  const expire = (now: number): void => {
    lastSweep = now;
    pending.expire(now, 30_000);
    lastDst = undefined;
    perDst.sweep((s) => {
      if (now - s.last <= 2 * QUIET_MS) return false;
      if (spare.length < MAX_DST) spare.push(s);
      return true;
    });
    perSrc.sweep((s) => {
      if (now - s.last <= 2 * QUIET_MS) return false;
      srcIn[s.bucket]--;
      if (spare.length < MAX_DST) spare.push(s);
      return true;
    });
  };

  return {
    name: 'syn-flood',
    wants: PK_TCP,
    onPacket(p: Packet): void {
      if (!(p.layers & LAYER_TCP)) return;
      const f = p.tcpFlags & (TCP_SYN | TCP_ACK | TCP_RST | TCP_FIN);
      if (f === TCP_SYN) synPacket(p);
      else if (f === TCP_ACK && pending.count > 0 && (flows === undefined || flows.synMayPend(p))) ackPacket(p);
      // One call with the time, so it is boxed only when the sweep is due (a value passed in two
      // branches is boxed once ahead of both, on every packet).
      const now = p.ts;
      if (now - lastSweep >= 5000) expire(now);
    },
    onTick: expire,
    status() {
      return { destinations: perDst.size, sources: perSrc.size, pendingSyns: pending.count };
    },
    followFlows(f: FlowFacts): void {
      flows = f;
    },
  };

  /** A SYN: counted for its destination, and for its source once the sketch says it sends several. */
  function synPacket(p: Packet): void {
    const ha = addrHash(p.ip4Src, p.ip6Src);
    const hb = addrHash(p.ip4Dst, p.ip6Dst);
    if (isCopy(p, ha, hb) || ctx?.decoyMember?.(p.ip4Src, p.ip6Src, p.ip4Dst, p.ip6Dst) === true) return;
    const now = p.ts;
    pending.add(ha, p.srcPort, hb, p.dstPort, p);
    let d = lastDst;
    if (d === undefined || p.ip4Dst !== lastDst4 || p.ip6Dst !== lastDst6) {
      d = stateOf(perDst, addrKey(p.ip4Dst, p.ip6Dst), -1, p);
      lastDst = d;
      lastDst4 = p.ip4Dst;
      lastDst6 = p.ip6Dst;
    }
    count(d, p, true);
    const sec = Math.floor(now / 1000);
    if (sec !== sketchSec) {
      sketch.fill(0);
      sketchSec = sec;
    }
    const h = ha >>> 16;
    if (sketch[h] < 65535) sketch[h]++;
    let s: FloodState | undefined;
    if (srcIn[h] > 0 || sketch[h] >= gate) {
      // One lookup for both ways in (the source has a state; the sketch lets it have one): it first runs at
      // the first source the sketch lets in, where a perSrc.has() first run later threw away the compiled
      // SYN path on the attack-heavy mix.
      const src = addrKey(p.ip4Src, p.ip6Src);
      s = perSrc.get(src);
      if (s === undefined && sketch[h] >= gate) s = newState(perSrc, src, h, p);
    }
    if (s) count(s, p, false);
    // By destination first: a single-source flood of one host is one alert, keyed by the victim.
    if (!evaluate(d, true, p) && s) evaluate(s, false, p);
  }

  /** An ACK that may complete a handshake: its SYN is no longer half-open. */
  function ackPacket(p: Packet): void {
    const ha = addrHash(p.ip4Src, p.ip6Src);
    const slot = pending.find(ha, p.srcPort, addrHash(p.ip4Dst, p.ip6Dst), p.dstPort);
    if (slot >= 0) {
      // Handshake completed: not half-open. The SYN's time stays in the table until both counters took it
      // out (never read into a number: see removeAt).
      const times = pending.times;
      const i = pending.timeIndex(slot);
      perDst.get(addrKey(p.ip4Dst, p.ip6Dst))?.counter.removeAt(times, i);
      // A source whose bucket holds no state has none (as on the SYN path): no lookup.
      if (srcIn[ha >>> 16] > 0) perSrc.get(addrKey(p.ip4Src, p.ip6Src))?.counter.removeAt(times, i);
      pending.remove(slot);
    }
  }
}
