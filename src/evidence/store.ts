// Evidence per alert: the packets of each alert's episode (the probes and answers of a scan, the request
// of a payload alert, the first packets of a flood) and the flows they belong to, kept within a fixed
// memory budget, plus, for a file source, where every one of those packets is in the file.
//
// How a packet is found to belong to an alert: an open alert watches its addresses (the source and
// destination pair when it names both, else the one it names). The engine hands every packet to
// onPacket(); a packet whose addresses no open alert watches costs two reads of a count of watched keys
// per bucket (a Map lookup of a number only when its bucket holds one) and nothing else (no allocation). Packets that came before the alert was raised (the first probes of a
// scan) are taken from a lookback ring of the newest frames, searched once when the alert opens.
//
// Budgets (settings `evidence`, defaults in src/config/schema.ts):
// - per alert: the first `per_alert_packets` packets and `per_alert_kb` KiB are kept. The start of an
//   episode is what explains it (the handshake, the request, the first probes); later packets are
//   counted, and for a file source their positions are still recorded (up to `file_index_per_alert`).
// - in total: all kept packets share one arena of `total_mb` MiB; when it is full, the oldest packets of
//   any alert are evicted first.
// - alerts: at most `max_alerts` alerts have evidence; the oldest closed one is forgotten first.
// An alert's episode stays open while its alert keeps being updated, and for the type's suppression
// interval after (the funnel's rule), then it closes and `onClose` is told (the history stores it).
// No I/O of its own (a capture file's frames are read back through the FrameReader its caller gives) and
// no clock: time is packet time.
import type { RawPacket } from '../capture/types.js';
import type { Alert, AlertType } from '../alert/types.js';
import { decodePacket, ipv6TextHash, parseIpv4, Packet } from '../decode/index.js';
import * as decode from '../decode/index.js';
import { communityIdAndFlowId, protoNumber, type FlowUpdate } from '../flow/index.js';
import { ALERT_ADDRESSES } from '../alert/address-text.js';
import { FrameRing } from './frame-ring.js';
import { LookbackIndex } from './lookback-index.js';

// Module-local copies of the layer bits onPacket tests on every packet: V8 reads an imported binding through
// its module cell, with a hole check, at every use in optimized code; a module-local const is a constant there.
const { LAYER_FRAGMENT, LAYER_REASSEMBLED } = decode;

export interface EvidenceOptions {
  /** Frames in the lookback ring and its size in bytes. */
  lookbackPackets: number;
  lookbackBytes: number;
  /** How far back (ms of packet time) before an alert's first detection the lookback is searched. */
  lookbackMs: number;
  perAlertPackets: number;
  perAlertBytes: number;
  totalBytes: number;
  maxAlerts: number;
  /** File positions recorded per alert and for all alerts (file sources), beyond the packets kept in memory. */
  fileIndexPerAlert: number;
  fileIndexTotal: number;
  flowsPerAlert: number;
  /** How long an episode stays open after its alert's last update (the funnel's suppression interval). */
  holdMs: (type: AlertType) => number;
  /** The capture file the packets come from (null for live capture or stdin): evidence can be read back from it. */
  sourceFile: string | null;
  /**
   * Reads the capture file from an offset (RawPacket.fileOffset). Given (a regular file), the lookback
   * ring keeps only where each frame is, not a copy of every packet's bytes: the frames an alert takes
   * are read back when it opens. Absent: every frame is copied (live capture, stdin, tests).
   */
  readFrame?: FrameReader | null;
  /** Told when an alert's episode closes (and, at closeAll(), for every open one). */
  onClose?: (ev: AlertEvidence) => void;
}

/**
 * Reads up to `length` bytes of the capture file at `fileOffset` into `into` (from its start) and returns
 * how many it read (fewer at the end of the file, 0 when it cannot).
 */
export type FrameReader = (fileOffset: number, into: Uint8Array, length: number) => number;

/** Bytes of the file read at once for a lookback without bytes: an alert's frames lie close together. */
const READ_WINDOW = 256 << 10;
const NO_BYTES = new Uint8Array(0);

/** One flow an alert involved, as kept with its evidence. */
export interface EvidenceFlow {
  proto: string;
  src: string;
  srcPort: number;
  dst: string;
  dstPort: number;
  community_id: string;
  /** EVE's flow_id for the same flow (src/flow/community-id.ts flowIdOf). */
  flow_id: number;
  /** Connection state after the newest kept packet (the connection tracker's name). */
  state: string;
  packets: number;
  bytes: number;
  /** ms, packet time */
  first: number;
  last: number;
}


/** What is kept for one alert. */
export class AlertEvidence {
  readonly slot: number;
  readonly id: string;
  readonly type: AlertType;
  /** Watched addresses: a (always) and b (when the alert names both ends). */
  readonly a: { key: number; text: string };
  readonly b: { key: number; text: string } | null;
  /** For an alert about one service (a payload alert, a suspicious port): its port; -1 matches any port. */
  readonly port: number;
  open = true;
  firstTs: number;
  lastTs: number;
  /** Packets that belonged to the episode, kept or not. */
  seen = 0;
  /** Packets kept in memory now, and their bytes. */
  kept = 0;
  bytes = 0;
  /** Kept packets evicted later by the total budget. */
  evicted = 0;
  /** Packets not kept because the alert's own budget was full. */
  overBudget = 0;
  /** Packets that came from the lookback ring (before the alert was raised). */
  fromLookback = 0;
  /**
   * File offsets of every packet of the episode (file sources), in capture order: reading the file again
   * and taking the packets at these offsets gives them all back (src/evidence/read-back.ts).
   */
  index: Float64Array | null;
  indexed = 0;
  /** Packets whose position could not be recorded (index full). */
  indexDropped = 0;
  /** The flows of the kept packets, in order of their first packet (at most flows_per_alert). */
  readonly flows: EvidenceFlow[] = [];
  /** The flows by a number made from both ends (see flowOf). */
  readonly flowIndex = new Map<number, { proto: number; s: number; sp: number; d: number; dp: number; flow: EvidenceFlow }[]>();
  /** Kept packets whose flow is not listed because the list was full. */
  flowsDropped = 0;

  constructor(slot: number, alert: Alert, a: { key: number; text: string }, b: { key: number; text: string } | null, file: boolean) {
    this.slot = slot;
    this.id = alert.id;
    this.type = alert.type;
    this.a = a;
    this.b = b;
    this.port = PORT_SCOPED.has(alert.type) && alert.dst_port !== undefined ? alert.dst_port : -1;
    this.firstTs = Date.parse(alert.timestamp);
    this.lastTs = Date.parse(alert.last_seen);
    this.index = file ? new Float64Array(64) : null;
  }

  /** Whether the file index holds every packet of the episode (so the file gives them all back). */
  get indexComplete(): boolean {
    return this.index !== null && this.indexDropped === 0 && this.indexed === this.seen;
  }
}

/**
 * Types about one service: their episode is the traffic to that port between the two hosts, not
 * everything else the hosts exchanged (a scan's alerts keep every port).
 */
const PORT_SCOPED: ReadonlySet<AlertType> = new Set<AlertType>(['SQL_INJECTION', 'DIRECTORY_TRAVERSAL', 'SUSPICIOUS_PORT']);

/** The key a watch table uses for an address: IPv4 as int32, IPv6 as the decoder's text hash. */
function addrKey(text: string): { key: number; text: string } | null {
  const v4 = parseIpv4(text);
  if (v4 !== null) return { key: v4 | 0, text: '' };
  if (text.includes(':')) return { key: ipv6TextHash(text), text };
  return null;
}

/**
 * Whether a record of source key s and destination key d is a packet of an alert's host a (or, when the
 * alert names a pair, between a and b). IPv6 keys are hashes: a collision can only add a packet of another
 * host pair, never lose one.
 */
function namesHosts(a: { key: number }, b: { key: number } | null, s: number, d: number): boolean {
  return b === null ? s === a.key || d === a.key : (s === a.key && d === b.key) || (s === b.key && d === a.key);
}

const NO_OWNER = -1;
/** Buckets of the lookback's address index at most (32 KiB of heads): chains are walked once per alert opened. */
const LOOKBACK_BUCKETS = 4096;
/** Flows whose ids flowIds keeps made. */
const FLOW_ID_CACHE = 4096;

export class EvidenceStore {
  readonly opts: EvidenceOptions;
  /** The newest frames of all traffic: owner is unused, srcKey/dstKey say whom they involve. */
  private readonly lookback: FrameRing;
  /** The lookback's records by address key (collectHits walks an alert's address instead of the ring). */
  private readonly lbIndex: LookbackIndex;
  /** Kept packets of all alerts: owner is the alert's slot. */
  private readonly kept: FrameRing;
  private readonly alerts = new Map<string, AlertEvidence>();
  private readonly bySlot = new Map<number, AlertEvidence>();
  /** Open alerts by watched address key. */
  private readonly watch = new Map<number, AlertEvidence[]>();
  /**
   * Keys in `watch` per bucket of the lookback index (bucketOf): onPacket looks a packet's address up in
   * `watch` only when its bucket has one. With an alert open nearly all the time, the two Map lookups of
   * every packet were a builtin call each, for a few dozen watched keys among thousands of addresses.
   */
  private readonly watchedIn: Int32Array;
  private readonly scratch = new Packet();
  /**
   * A window of the capture file read for a lookback without bytes, [winOff, winOff + winLen): the
   * frames an alert takes come in file order, most within a few hundred KiB of each other, so one read
   * serves many (one read per frame was a system call per packet of a flood's victim).
   */
  private win: Uint8Array = NO_BYTES;
  /**
   * -Infinity, not -1, before the first read: the offsets stored here come from a Float64Array as doubles,
   * and a field first given a small integer that later gets a double changes the store's hidden class,
   * which threw away the optimized code of the packet path that uses the store (Engine.handle among it).
   */
  private winOff = Number.NEGATIVE_INFINITY;
  private winLen = 0;
  /** Alerts opened during the current packet, whose earlier packets are still to be taken from the lookback. */
  private readonly pending: AlertEvidence[] = [];
  /** fromLookback's records of an alert's hosts, newest first (reused). */
  private hits = new Int32Array(0);
  /**
   * The ports of lookback records as fromLookback decoded them, valid for the drainPending call (drainRound)
   * and frame number (portsN) they were noted in: the storm alerts raised at the end of a run, one per type
   * and all about one victim, each read and decoded the same thousands of frames to learn their ports.
   */
  private drainRound = 0;
  /**
   * The ports of each lookback record as the engine decoded its packet (-1: an IP fragment, whose ports a
   * decode of the frame alone does not give): an alert about one service whose own budget is full needs only
   * to know whether a record is of its port, and a storm alert raised at the end of a run, about its victim,
   * read back and decoded thousands of frames for that.
   */
  private readonly lbSrcPort: Int32Array;
  private readonly lbDstPort: Int32Array;
  /**
   * The IP protocol of each lookback record of IPv4 whose frame alone decodes as the engine decoded it (not a
   * fragment), -1 for others: with its ports and its addresses (its keys), the flow of a record an alert
   * keeps, without reading the frame back from the file and decoding it again (the storm's first alerts,
   * each taking its source's earlier packets, did both for every one). IPv6 records are decoded for their
   * address texts (their keys are hashes).
   */
  private readonly lbProto4: Int32Array;
  private portsRound = new Int32Array(0);
  /**
   * What the last lookback walk of this drain collected into `hits` (see collectHits): the drain it ran in,
   * the host keys it looked for, how far back it went, how many records it found, and whether a record
   * older than `walkSince` ended it (else the chain or ring ended first). The storm alerts raised at the end
   * of a run all name the victim alone, and each walked the same 20,000 records for the same hits.
   */
  private walkRound = -1;
  // NaN (a double, equal to nothing) until the first walk: keys pass a small integer's range and times are
  // doubles, and a field that starts as a small integer and later holds a double changes the store's map.
  private walkA = Number.NaN;
  private walkB = Number.NaN;
  private walkHasB = false;
  private walkSince = Number.NaN;
  private walkHits = 0;
  private walkCut = false;
  private walkOrdered = false;
  private portsN = new Float64Array(0);
  private portsSrc = new Int32Array(0);
  private portsDst = new Int32Array(0);
  /** Community ID and flow_id by flow, for flowIds (see there). */
  private readonly flowIdCache = new Map<string, { cid: string; fid: number }>();
  private nextSlot = 1;
  private openCount = 0;
  /** File offsets recorded for all alerts (bounded by fileIndexTotal). */
  private indexTotal = 0;
  /** Alerts whose evidence was forgotten (max_alerts). */
  forgotten = 0;

  constructor(opts: EvidenceOptions) {
    this.opts = opts;
    this.lookback = new FrameRing(opts.lookbackBytes, opts.lookbackPackets, null, !opts.readFrame);
    this.lbIndex = new LookbackIndex(this.lookback.capacity, Math.min(LOOKBACK_BUCKETS, this.lookback.capacity));
    this.watchedIn = new Int32Array(this.lbIndex.buckets);
    this.lbSrcPort = new Int32Array(this.lookback.capacity);
    this.lbDstPort = new Int32Array(this.lookback.capacity);
    this.lbProto4 = new Int32Array(this.lookback.capacity);
    // A record slot per 64 bytes of arena at most: the smallest frames are about that size. Like the
    // lookback, the kept ring of a file source keeps where each frame is, not a copy (packets() reads the
    // frames back): the budget's accounting and evictions are the same, and an alert's earlier packets are
    // then kept without reading them back from the file at all (see lbProto4).
    this.kept = new FrameRing(
      opts.totalBytes,
      Math.max(16, Math.ceil(opts.totalBytes / 64)),
      (owner, caplen) => {
        const ev = this.bySlot.get(owner);
        if (ev) {
          ev.kept--;
          ev.bytes -= caplen;
          ev.evicted++;
        }
      },
      !opts.readFrame,
    );
  }

  /** Bytes held by kept packets (never more than total_mb). */
  get bytesKept(): number {
    return this.kept.bytesHeld;
  }

  get packetsKept(): number {
    return this.kept.size;
  }

  get alertCount(): number {
    return this.alerts.size;
  }

  get openAlerts(): number {
    return this.openCount;
  }

  /** Preallocated bytes: the lookback and kept arenas (each only when it holds the bytes: not for a file source). */
  get arenaBytes(): number {
    return this.lookback.arenaBytes + this.kept.arenaBytes;
  }

  get(id: string): AlertEvidence | undefined {
    if (this.pending.length > 0) this.drainPending();
    return this.alerts.get(id);
  }

  /**
   * A packet after detection: remembered in the lookback ring, and kept for every open alert it
   * belongs to. `flow` is what the connection tracker said about it (state and counts), or null.
   */
  onPacket(raw: RawPacket, p: Packet, n: number, flow: FlowUpdate | null): void {
    if (this.pending.length > 0) this.drainPending();
    if (p.ipVersion === 0) return;
    const s = p.ip6Src !== '' ? p.ip6SrcHash : p.ip4Src;
    const d = p.ip6Dst !== '' ? p.ip6DstHash : p.ip4Dst;
    const ix = this.lbIndex;
    const hs = ix.bucketOf(s);
    const hd = ix.bucketOf(d);
    if (this.watchedIn[hs] !== 0) {
      const ls = this.watch.get(s);
      if (ls !== undefined) for (let i = 0; i < ls.length; i++) if (this.matches(ls[i], p, s, d)) this.take(ls[i], raw, p, n, flow, s, d);
    }
    if (d !== s && this.watchedIn[hd] !== 0) {
      const ld = this.watch.get(d);
      if (ld !== undefined) for (let i = 0; i < ld.length; i++) if (this.matches(ld[i], p, s, d)) this.take(ld[i], raw, p, n, flow, s, d);
    }
    const r = this.lookback.add(raw, n, NO_OWNER, s, d);
    ix.addIn(r, hs, hd, raw.ts);
    // A fragment's ports (none, or its datagram's when it completed one) are not what its frame decodes to alone.
    const frag = (p.layers & (LAYER_FRAGMENT | LAYER_REASSEMBLED)) !== 0;
    this.lbSrcPort[r] = frag ? -1 : p.srcPort;
    this.lbDstPort[r] = frag ? -1 : p.dstPort;
    this.lbProto4[r] = frag || p.ip6Src !== '' ? -1 : p.ipProto;
  }

  private matches(ev: AlertEvidence, p: Packet, s: number, d: number): boolean {
    if (ev.port >= 0 && p.srcPort !== ev.port && p.dstPort !== ev.port) return false;
    const a = ev.a;
    const b = ev.b;
    if (b === null) return (s === a.key && (a.text === '' || a.text === p.ip6Src)) || (d === a.key && (a.text === '' || a.text === p.ip6Dst));
    if (s === a.key && d === b.key) return a.text === '' || (a.text === p.ip6Src && b.text === p.ip6Dst);
    if (s === b.key && d === a.key) return a.text === '' || (b.text === p.ip6Src && a.text === p.ip6Dst);
    return false;
  }

  private take(ev: AlertEvidence, raw: RawPacket, p: Packet | null, n: number, flow: FlowUpdate | null, s: number, d: number): void {
    // Asked first: counting the packet does not change it.
    const over = this.overBudget(ev, raw.caplen);
    this.count(ev, raw.ts, raw.fileOffset ?? -1, over);
    if (!over) {
      this.keep(ev, raw, n, s, d);
      if (p !== null) this.flowOf(ev, p.ipProto, p.srcPort, p.dstPort, p.ip4Src, p.ip6Src, p.ip4Dst, p.ip6Dst, raw, flow, s, d);
    }
  }

  /**
   * A packet of ev's episode, kept or not: seen, its time, where it is in the file, and whether it was past
   * the alert's own budget. Written without a branch of its own for the rare over-budget case: the
   * lookback of the alerts raised at the end of a run is the first to take that case, and a store first
   * reached there threw away and recompiled the optimized lookback code (9-21 ms a time) at every end.
   */
  private count(ev: AlertEvidence, ts: number, off: number, over: boolean): void {
    ev.seen++;
    if (ts > ev.lastTs) ev.lastTs = ts;
    this.index(ev, off);
    ev.overBudget += over ? 1 : 0;
  }

  /** A packet kept for ev (within its own budget): into the kept ring (its caller adds its flow: flowOf). */
  private keep(ev: AlertEvidence, raw: RawPacket, n: number, s: number, d: number): void {
    this.kept.add(raw, n, ev.slot, s, d);
    ev.kept++;
    ev.bytes += Math.min(raw.caplen, this.kept.arenaSize);
  }

  /** Whether a packet of `caplen` bytes is past the alert's own budget (counted, not kept). */
  private overBudget(ev: AlertEvidence, caplen: number): boolean {
    return ev.kept + ev.evicted >= this.opts.perAlertPackets || ev.bytes + caplen > this.opts.perAlertBytes;
  }

  /** Records where a packet of the episode is in the capture file (`off` -1: not from a file). */
  private index(ev: AlertEvidence, off: number): void {
    if (ev.index === null) return;
    if (off < 0 || ev.indexed >= this.opts.fileIndexPerAlert || this.indexTotal >= this.opts.fileIndexTotal) {
      ev.indexDropped++;
      return;
    }
    let ix = ev.index;
    if (ev.indexed === ix.length) {
      const grown = new Float64Array(Math.min(ix.length * 2, this.opts.fileIndexPerAlert));
      grown.set(ix);
      ix = ev.index = grown;
    }
    ix[ev.indexed++] = off;
    this.indexTotal++;
  }

  /**
   * Adds a kept packet to its alert's flow list (only kept packets: bounded work per alert). Flows are
   * found by a number made from both ends (the same in either direction), so a packet of a known flow
   * makes no string; text is made once per new flow. The packet's fields come one by one (a decoded
   * Packet's, or a lookback record's: see lbProto4): proto, ports, and its addresses as a Packet has them.
   */
  private flowOf(
    ev: AlertEvidence,
    proto: number,
    sp: number,
    dp: number,
    src4: number,
    src6: string,
    dst4: number,
    dst6: string,
    raw: RawPacket,
    flow: FlowUpdate | null,
    s: number,
    d: number,
  ): void {
    const a = s ^ Math.imul(sp + 1, 0x9e3779b1);
    const b = d ^ Math.imul(dp + 1, 0x9e3779b1);
    const key = (a ^ b ^ Math.imul(proto + 1, 0x85ebca6b)) | 0;
    let f: EvidenceFlow | undefined;
    const list = ev.flowIndex.get(key);
    if (list !== undefined) {
      for (let i = 0; i < list.length; i++) {
        const k = list[i];
        if (k.proto === proto && ((k.s === s && k.sp === sp && k.d === d && k.dp === dp) || (k.s === d && k.sp === dp && k.d === s && k.dp === sp))) {
          f = k.flow;
          break;
        }
      }
    }
    if (f === undefined) {
      if (ev.flows.length >= this.opts.flowsPerAlert) {
        ev.flowsDropped++;
        return;
      }
      const name = proto === 6 ? 'TCP' : proto === 17 ? 'UDP' : proto === 1 ? 'ICMP' : proto === 58 ? 'ICMPv6' : String(proto);
      // The addresses' shared texts (alert/address-text.ts): a flood's victim and its sources are in flow
      // after flow of every alert about them, and each new flow made its two texts again.
      const src = ALERT_ADDRESSES.text(src4, src6);
      const dst = ALERT_ADDRESSES.text(dst4, dst6);
      // The initiator is the source when the tracker says so (or when it does not know). Chosen field by
      // field, not through an array destructured (made per new flow where this code is not optimized).
      const swap = flow !== null && !flow.initiatorIsSrc;
      f = {
        proto: name,
        src: swap ? dst : src,
        srcPort: swap ? dp : sp,
        dst: swap ? src : dst,
        dstPort: swap ? sp : dp,
        // Filled in when someone looks (flowIds()): two SHA-1 digests per flow are not for the packet path.
        community_id: '',
        flow_id: 0,
        state: '',
        packets: 0,
        bytes: 0,
        first: raw.ts,
        last: raw.ts,
      };
      ev.flows.push(f);
      const k = { proto, s, sp, d, dp, flow: f };
      if (list !== undefined) list.push(k);
      else ev.flowIndex.set(key, [k]);
    }
    f.packets++;
    f.bytes += raw.len;
    if (raw.ts > f.last) f.last = raw.ts;
    if (flow !== null) f.state = flow.state;
  }

  /** A new alert: opens its episode, takes its earlier packets from the lookback ring. */
  openAlert(alert: Alert): void {
    if (this.alerts.has(alert.id)) return;
    const src = alert.src_ip ? addrKey(alert.src_ip) : null;
    const dst = alert.dst_ip ? addrKey(alert.dst_ip) : null;
    const a = src ?? dst;
    if (a === null) return; // nothing to match packets by (a traffic surge over all hosts)
    const b = src !== null ? dst : null;
    if (this.alerts.size >= this.opts.maxAlerts) this.forgetOldest();
    const ev = new AlertEvidence(this.nextSlot++, alert, a, b, this.opts.sourceFile !== null);
    this.alerts.set(ev.id, ev);
    this.bySlot.set(ev.slot, ev);
    const list = this.watch.get(a.key);
    if (list) list.push(ev);
    else {
      this.watch.set(a.key, [ev]);
      this.watchedIn[this.lbIndex.bucketOf(a.key)]++;
    }
    this.openCount++;
    // The lookback is searched at the next packet or tick, not now: the alert is raised from inside a
    // detector while the current packet is being processed, and decoding earlier packets here (for their
    // ports and flows) would disturb the decoder's lazily read HTTP and DNS text of the current one.
    this.pending.push(ev);
  }

  /** Searches the lookback for alerts opened since the last call. */
  private drainPending(): void {
    const list = this.pending;
    // Ports decoded in this call are known for the rest of it (see portsOf).
    this.drainRound++;
    for (let i = 0; i < list.length; i++) if (this.alerts.get(list[i].id) === list[i]) this.fromLookback(list[i]);
    list.length = 0;
  }

  private fromLookback(ev: AlertEvidence): void {
    // Two methods: the walk is long enough to be compiled on the stack (OSR) during a call, and as one
    // method that compile also took the code after the walk (the decoder inlined) before it ever ran, which
    // then deoptimized and recompiled the whole (5-8 times a run, 9-17 ms each).
    const nHits = this.collectHits(ev);
    this.takeHits(ev, nHits);
  }

  /** Finds the lookback records of ev's hosts (into `hits`, newest first); returns how many. */
  private collectHits(ev: AlertEvidence): number {
    const lb = this.lookback;
    const since = ev.firstTs - this.opts.lookbackMs;
    // One walk from the newest back to the first record older than `since` collects the records of the
    // alert's hosts; they are then taken oldest first, so the alert's packets stay in capture order. (A walk
    // back to find the start and another forward over the same records was twice the work, for every alert
    // opened, over a ring of up to lookback_packets records.)
    const b = ev.b;
    if (this.walkRound === this.drainRound && this.walkA === ev.a.key && this.walkHasB === (b !== null) && (b === null || this.walkB === b.key)) {
      const shared = this.sharedHits(since);
      if (shared >= 0) return shared;
    }
    if (this.hits.length < lb.size) this.hits = new Int32Array(Math.max(lb.size, 2 * this.hits.length));
    // With times in order, the records before the first one older than `since` are those of the chain of
    // a's bucket before its first such record: every record of the alert names a.
    const ordered = this.lbIndex.ordered(lb.size);
    const n = ordered ? this.hitsByChain(ev, since) : this.hitsByRing(ev, since);
    this.walkRound = this.drainRound;
    this.walkA = ev.a.key;
    this.walkHasB = b !== null;
    this.walkB = b === null ? 0 : b.key;
    this.walkSince = since;
    this.walkHits = n;
    this.walkOrdered = ordered;
    return n;
  }

  /**
   * The hits of the last walk of this drain, for another alert of the same hosts looking back to `since`;
   * -1 when they are not its hits. The walk stops at the first record older than its `since` (walkCut), so
   * it holds exactly what a walk to `since` finds when the two agree, when it ended without a cut and
   * `since` is not later (nothing older was left to find), or, with the ring's times in order (newest
   * first, never increasing), as the prefix of hits no older than a later `since`.
   */
  private sharedHits(since: number): number {
    if (since === this.walkSince || (!this.walkCut && since < this.walkSince)) return this.walkHits;
    // Not a later `since` (an earlier one, or NaN on either side: no comparison holds): walk again.
    if (!(since > this.walkSince) || !this.walkOrdered) return -1;
    const lb = this.lookback;
    const hits = this.hits;
    let n = 0;
    while (n < this.walkHits && lb.ts[hits[n]] >= since) n++;
    return n;
  }

  /** collectHits over the chain of the alert's first address (the ring's times in order). */
  private hitsByChain(ev: AlertEvidence, since: number): number {
    const lb = this.lookback;
    const ix = this.lbIndex;
    const size = lb.size;
    const a = ev.a;
    const b = ev.b;
    const hits = this.hits;
    const h = ix.bucketOf(a.key);
    let nHits = 0;
    let cut = false;
    for (let v = ix.newest(h, size); v !== 0; v = ix.next(v, size)) {
      const r = ix.recordOf(v);
      if (lb.ts[r] < since) {
        cut = true;
        break;
      }
      const s = lb.srcKey[r];
      // A record whose two keys share the bucket is in its chain twice, by destination first: taken by source.
      if (ix.sideOf(v) === 1 && ix.bucketOf(s) === h) continue;
      if (namesHosts(a, b, s, lb.dstKey[r])) hits[nHits++] = r;
    }
    this.walkCut = cut;
    return nHits;
  }

  /** collectHits over every record of the ring, newest first (times out of order). */
  private hitsByRing(ev: AlertEvidence, since: number): number {
    const lb = this.lookback;
    const a = ev.a;
    const b = ev.b;
    const hits = this.hits;
    let nHits = 0;
    let cut = false;
    for (let i = lb.size - 1; i >= 0; i--) {
      const r = lb.at(i);
      if (lb.ts[r] < since) {
        cut = true;
        break;
      }
      const s = lb.srcKey[r];
      if (namesHosts(a, b, s, lb.dstKey[r])) hits[nHits++] = r;
    }
    this.walkCut = cut;
    return nHits;
  }

  /**
   * Takes the first nHits records of `hits` into ev, oldest first. A record past ev's own budget is only
   * counted (take() keeps nothing more of it): its bytes are neither read back nor decoded, whether the
   * ring holds them or they are in the file. One path for both cases, so that code first reached by the
   * alerts raised at the end of a run (the first whose budget fills) does not recompile this loop.
   */
  private takeHits(ev: AlertEvidence, nHits: number): void {
    const lb = this.lookback;
    const hits = this.hits;
    for (let h = nHits - 1; h >= 0; h--) {
      const r = hits[h];
      const s = lb.srcKey[r];
      const d = lb.dstKey[r];
      const n = lb.frameNumber(r);
      const over = this.overBudget(ev, lb.caplen[r]);
      let raw: RawPacket | null = null;
      let p: Packet | null = null;
      if (ev.port >= 0) {
        // An alert about one service takes only the frames of its port: known from the engine's decode of
        // the packet, or for a fragment from this drain's decode of its frame for another alert, or now.
        let sp = this.lbSrcPort[r];
        let dp = this.lbDstPort[r];
        if (sp < 0 && this.portsRound[r] === this.drainRound && this.portsN[r] === n) {
          sp = this.portsSrc[r];
          dp = this.portsDst[r];
        } else if (sp < 0) {
          raw = this.lookbackFrame(r);
          // A frame the file no longer gives back (changed under us) is left out, as one evicted would be.
          if (raw === null) continue;
          p = this.decodeLookback(raw, r, n);
          sp = p.srcPort;
          dp = p.dstPort;
        }
        if (sp !== ev.port && dp !== ev.port) continue;
      }
      const proto4 = this.lbProto4[r];
      if (!over && p === null) {
        // An IPv4 record that is no fragment is kept from its columns (see lbProto4); its bytes are read back
        // only for a kept ring that holds bytes (a file source's kept ring does not: see the constructor).
        if (proto4 < 0 || this.kept.holdsBytes) {
          raw = this.lookbackFrame(r);
          if (raw === null) continue;
        } else raw = lb.recordAround(r, NO_BYTES);
        if (proto4 < 0) p = this.decodeLookback(raw, r, n);
      }
      ev.fromLookback++;
      this.count(ev, lb.ts[r], lb.fileOffset[r], over);
      if (over || raw === null) continue;
      this.keep(ev, raw, n, s, d);
      if (p === null) this.flowOf(ev, proto4, this.lbSrcPort[r], this.lbDstPort[r], s, '', d, '', raw, null, s, d);
      else if (p.ipVersion !== 0) this.flowOf(ev, p.ipProto, p.srcPort, p.dstPort, p.ip4Src, p.ip6Src, p.ip4Dst, p.ip6Dst, raw, null, s, d);
    }
  }

  /**
   * Lookback record r (frame n) decoded again, for its ports and the flow list (the tracker's state at
   * that time is not known); its ports noted for the rest of this drain. Up to the transport layer only:
   * nothing here reads DNS or HTTP, and the HTTP head of every request an alert's lookback took (each
   * payload alert's own request) was parsed again (in a CPU profile of the storm capture's first 0.9 s,
   * while its first 901 alerts are raised, 4.8% of the samples, where the evidence store had 27%).
   */
  private decodeLookback(raw: RawPacket, r: number, n: number): Packet {
    const p = decodePacket(raw, n, this.scratch, null, false);
    this.notePorts(r, n, p);
    return p;
  }

  /** Remembers the ports of lookback record r (frame n) as decoded in this drain (see portsRound). */
  private notePorts(r: number, n: number, p: Packet): void {
    if (this.portsRound.length <= r) {
      const size = Math.max(r + 1, this.lookback.capacity);
      const grow = <T extends Int32Array | Float64Array>(old: T, make: (k: number) => T): T => {
        const x = make(size);
        x.set(old);
        return x;
      };
      this.portsRound = grow(this.portsRound, (k) => new Int32Array(k));
      this.portsN = grow(this.portsN, (k) => new Float64Array(k));
      this.portsSrc = grow(this.portsSrc, (k) => new Int32Array(k));
      this.portsDst = grow(this.portsDst, (k) => new Int32Array(k));
    }
    this.portsRound[r] = this.drainRound;
    this.portsN[r] = n;
    this.portsSrc[r] = p.srcPort;
    this.portsDst[r] = p.dstPort;
  }

  /** Lookback record r as a RawPacket: a view of the ring's copy, or its bytes read back from the file. */
  private lookbackFrame(r: number): RawPacket | null {
    const lb = this.lookback;
    if (lb.holdsBytes) return lb.rawOf(r, true);
    const bytes = this.fileBytes(lb.fileOffset[r], lb.caplen[r]);
    return bytes === null ? null : lb.recordAround(r, bytes);
  }

  /** The capture file's `cap` bytes at `off`, as a view of the read window (valid until the next read), or null. */
  private fileBytes(off: number, cap: number): Uint8Array | null {
    const read = this.opts.readFrame;
    if (!read || off < 0) return null;
    if (off < this.winOff || off + cap > this.winOff + this.winLen) {
      if (this.win === NO_BYTES || this.win.length < cap) this.win = new Uint8Array(Math.max(cap, READ_WINDOW));
      this.winOff = off;
      this.winLen = Math.max(0, read(off, this.win, this.win.length));
      if (this.winLen < cap) return null;
    }
    const at = off - this.winOff;
    return this.win.subarray(at, at + cap);
  }

  /** The alert aggregated more evidence: its episode stays open longer. */
  updateAlert(alert: Alert): void {
    const ev = this.alerts.get(alert.id);
    if (!ev) return;
    const last = Date.parse(alert.last_seen);
    if (last > ev.lastTs) ev.lastTs = last;
  }

  /** Closes episodes whose alert has been quiet for the type's hold time (packet time). */
  onTick(now: number): void {
    if (this.pending.length > 0) this.drainPending();
    if (this.openCount === 0) return;
    for (const ev of this.alerts.values()) {
      if (ev.open && now - ev.lastTs > this.opts.holdMs(ev.type)) this.close(ev);
    }
  }

  private close(ev: AlertEvidence): void {
    ev.open = false;
    this.openCount--;
    const list = this.watch.get(ev.a.key);
    if (list) {
      const i = list.indexOf(ev);
      if (i >= 0) list.splice(i, 1);
      if (list.length === 0) {
        this.watch.delete(ev.a.key);
        this.watchedIn[this.lbIndex.bucketOf(ev.a.key)]--;
      }
    }
    this.opts.onClose?.(ev);
  }

  /** Closes every open episode (end of the run), telling onClose about each. */
  closeAll(): void {
    if (this.pending.length > 0) this.drainPending();
    for (const ev of this.alerts.values()) if (ev.open) this.close(ev);
  }

  private forgetOldest(): void {
    // The oldest closed alert goes first; when every alert is open, the oldest one.
    let victim: AlertEvidence | undefined;
    for (const ev of this.alerts.values()) {
      if (!ev.open) {
        victim = ev;
        break;
      }
    }
    victim ??= this.alerts.values().next().value;
    if (!victim) return;
    if (victim.open) this.close(victim);
    this.alerts.delete(victim.id);
    this.bySlot.delete(victim.slot);
    this.indexTotal -= victim.indexed;
    this.forgotten++;
  }

  /** The alert's flows with their Community ID and flow_id filled in (computed once, when first asked). */
  flowIds(ev: AlertEvidence): EvidenceFlow[] {
    for (const f of ev.flows) {
      if (f.community_id !== '') continue;
      const num = protoNumber(f.proto) ?? Number(f.proto);
      // A flow is often in the evidence of several alerts (a source's scan, payload and reputation alerts
      // all watch it): its two SHA-1 digests are made once (the cache is bounded; cleared when full).
      const key = `${num} ${f.src} ${f.srcPort} ${f.dst} ${f.dstPort}`;
      let ids = this.flowIdCache.get(key);
      if (ids === undefined) {
        // One SHA-1 for both ids (they are one digest read two ways).
        ids = communityIdAndFlowId(num, f.src, f.dst, f.srcPort, f.dstPort);
        if (ids.cid === '') ids.cid = '-';
        if (this.flowIdCache.size >= FLOW_ID_CACHE) this.flowIdCache.clear();
        this.flowIdCache.set(key, ids);
      }
      f.community_id = ids.cid;
      f.flow_id = ids.fid;
    }
    return ev.flows;
  }

  /**
   * The alert's kept packets in capture order, each a copy (for views and export). A file source's are read
   * back from the file; a frame it no longer gives back (the file changed under us) is left out.
   */
  packets(id: string): { n: number; raw: RawPacket }[] {
    const ev = this.get(id);
    if (!ev) return [];
    const out: { n: number; raw: RawPacket }[] = [];
    const k = this.kept;
    for (let i = 0; i < k.size; i++) {
      const r = k.at(i);
      if (k.owner[r] !== ev.slot) continue;
      const raw = k.holdsBytes ? k.rawOf(r, false) : this.readBack(k, r);
      if (raw !== null) out.push({ n: k.frameNumber(r), raw });
    }
    return out;
  }

  /** Record r of a ring without bytes, a copy of its frame read back from the file; null when it cannot be. */
  private readBack(ring: FrameRing, r: number): RawPacket | null {
    const bytes = this.fileBytes(ring.fileOffset[r], ring.caplen[r]);
    return bytes === null ? null : ring.recordAround(r, bytes.slice());
  }
}

