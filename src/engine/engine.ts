// The engine: one packet goes source -> decode -> flow state -> detectors -> alert funnel, synchronously.
//
// It owns the reused Packet struct, the reassembler, the trackers and the detector list, advances
// detector time from packet timestamps (and from tick() when a live wire is quiet), and publishes the
// snapshot views read. Nothing here waits for I/O: sinks queue their own writes.
import type { RawPacket } from '../capture/types.js';
import { Packet, Reassembler } from '../decode/index.js';
import * as decode from '../decode/index.js';
import { ConnectionTracker, DnsTracker, ProtocolStatistics, communityId, protoNumber, type ConnectionInfo, type FlowEndReason } from '../flow/index.js';
import type { Detector, Raise } from '../detect/types.js';
import * as kindsModule from '../detect/packet-kinds.js';
import type { Alert, AlertSink, Detection, FoldNew, Severity } from '../alert/types.js';
import { SEVERITIES } from '../alert/types.js';
import type { AlertEvidenceView, AlertHistoryQuery, BaselineStatus, CaptureCounters, ConnectionView, EngineControl, PacketLine, RuleNote, RuleView, Snapshot } from './types.js';
import { PacketHistory } from './history.js';
import { packetLine } from './packet-line.js';
import { evidenceView, exportAlertPcap } from './evidence-view.js';
import type { EvidenceStore } from '../evidence/index.js';

// Module-local copies of the functions handle() calls on every packet: V8 reads an imported binding through its
// module cell, with a hole check and a compare against the function it expects, at every call in optimized
// code; a module-local const is a constant there.
const { decodePacket } = decode;
const { PK_ALL, packetKinds } = kindsModule;

/** The alert funnel as the engine uses it (src/alert/funnel.ts). */
export interface FunnelPart {
  raise(d: Detection): Alert | null;
  recent(n?: number): Alert[];
  summary(): { total: number; byType: Record<string, number>; bySeverity: Record<string, number>; bySource: Record<string, number>; storm?: { folded: number; foldedByType: Record<string, number>; storms: number } };
  clear(): void;
  addSink(s: AlertSink): void;
  /** Asks for a detection's community_id only when it is needed (see AlertFunnel.setFlowIds). */
  setFlowIds?(fill: (d: Detection) => void): void;
  /** Folds a detection over its storm budget without its Detection (raise sites ask first; see FoldNew). */
  foldNew?: FoldNew;
  onTick?(now: number): void;
}

/** The custom rule engine as the engine uses it (src/rules/). */
export interface RulesPart {
  /** Sees every decoded packet; `p.ts` is its time (see Detector.onPacket). */
  onPacket(p: Packet): void;
  onTick?(now: number): void;
  list(): RuleView[];
  toggle(name: string): boolean | null;
  reload(): { ok: boolean; message: string };
  /** What the last toggles did to the rules file beyond the rule (a copy made, a save that failed). */
  takeNotes?(): RuleNote[];
}

/** IP reputation as the engine uses it (src/reputation/): scores alerts, may promote to MALICIOUS_IP. */
export interface ReputationPart {
  /** `fold`: the funnel's foldNew, tried before a promotion's Detection is made. */
  onAlert(a: Pick<Alert, 'type' | 'src_ip'>, now: number, fold?: FoldNew): Detection | null;
  decay?(now: number): void;
}

export interface EngineOptions {
  /** Interface name or file path, for the views. */
  source: string;
  live: boolean;
  filter: string;
  /** Frames kept for the feed, the menu and export (display.packet_history_size); 0 when nothing shows them. */
  historySize: number;
  funnel: FunnelPart;
  /** Built with the engine's raise(): call engine.raise from them. */
  detectors?: (raise: (d: Detection) => void) => Detector[];
  rules?: (raise: (d: Detection) => void) => RulesPart | null;
  reputation?: ReputationPart | null;
  /** Baseline learning status for views (the TrafficBaseline detector's status). */
  baseline?: () => BaselineStatus | null;
  /** Called with each decoded packet after detection (EVE dns/http records); must not block. */
  packetTaps?: Array<(p: Packet) => void>;
  /** Writes the held packets to a pcap file (src/capture writer); returns how many were written. */
  writePcap?: (path: string, packets: RawPacket[]) => Promise<number>;
  /** Kernel drop count, where the source knows it. */
  drops?: () => number | null;
  /** The live capture's kernel counters, where the source has them (they cost nothing to ask: read ~1/s). */
  captureStats?: () => CaptureCounters | null;
  /** Whether the source has ended (a file read to its end, a capture stopped), for the views. */
  ended?: () => boolean;
  maxConnections?: number;
  /** Told about every flow that leaves the connection table, and, at endFlows(), those still in it (EVE flow records). */
  onFlowEnd?: (flow: ConnectionInfo, reason: FlowEndReason, now: number) => void;
  /** Queries the stored alert history (src/history); absent or null when history is off. */
  alertHistory?: ((q: AlertHistoryQuery) => Alert[]) | null;
  /** Keeps each alert's packets and flows (src/evidence); absent or null when evidence.enabled is off. */
  evidence?: EvidenceStore | null;
  /** The capture filter of a file source, to read an alert's packets back from the file the same way. */
  fileFilter?: string;
}

const TICK_MS = 1000;

/** A detector's onPacket, called with the detector as `this`. */
type PacketFn = (this: Detector, p: Packet) => void;

/** A tracked connection as views list it, with its Community ID (TCP and UDP). */
function connectionView(c: ConnectionInfo): ConnectionView {
  return {
    id: c.id,
    proto: c.proto,
    src: c.src,
    srcPort: c.srcPort,
    dst: c.dst,
    dstPort: c.dstPort,
    service: c.service,
    state: c.state,
    packets: c.packetsOut + c.packetsIn,
    bytes: c.bytesOut + c.bytesIn,
    start: c.start,
    last: c.last,
    communityId: c.proto === 'TCP' || c.proto === 'UDP' ? communityId(c.proto === 'TCP' ? 6 : 17, c.src, c.dst, c.srcPort, c.dstPort) || undefined : undefined,
  };
}

/** Sets a detection's community_id from its 5-tuple, when it has one and none was given. */
function withCommunityId(d: Detection): void {
  if (!d.community_id && d.src_ip && d.dst_ip && d.src_port !== undefined && d.dst_port !== undefined) {
    const proto = protoNumber(d.proto);
    if (proto !== null) d.community_id = communityId(proto, d.src_ip, d.dst_ip, d.src_port, d.dst_port) || undefined;
  }
}

export class Engine implements EngineControl {
  readonly flows: ConnectionTracker;
  readonly dns = new DnsTracker();
  readonly stats = new ProtocolStatistics();
  readonly history: PacketHistory;
  readonly detectors: Detector[];
  readonly rules: RulesPart | null;
  readonly funnel: FunnelPart;
  readonly evidence: EvidenceStore | null;
  private readonly pkt = new Packet();
  private readonly reasm = new Reassembler();
  private readonly listeners = new Set<(a: Alert) => void>();
  private readonly taps: Array<(p: Packet) => void>;
  /**
   * Per set of packet kinds (packetKinds()), the detectors that want one of them, in list order, built on
   * first use: their onPacket functions and, side by side, the detectors themselves as receivers. The
   * packet loop loads each function from an array instead of reading `onPacket` off a dozen detector
   * objects of different shapes, a megamorphic property load per detector per packet (about 2% of a
   * cold run's instructions, counted with cachegrind).
   */
  private readonly dispatchFns: Array<PacketFn[] | null> = new Array<PacketFn[] | null>(PK_ALL + 1).fill(null);
  private readonly dispatchDets: Array<Detector[] | null> = new Array<Detector[] | null>(PK_ALL + 1).fill(null);
  private n = 0;
  private decodeErrors = 0;
  private firstTs = 0;
  private lastTs = 0;
  private nextTick = 0;
  /** historySize > 0: some view shows the held packets. */
  private readonly holdPackets: boolean;
  private readonly lazyFlowIds: boolean;
  /** EngineControl.alertHistory: only there when a history is configured, so views can say it is off. */
  declare readonly alertHistory?: (q: AlertHistoryQuery) => Alert[];

  constructor(private readonly opts: EngineOptions) {
    this.flows = new ConnectionTracker({ maxConnections: opts.maxConnections, onEnd: opts.onFlowEnd });
    this.history = new PacketHistory(opts.historySize);
    this.holdPackets = opts.historySize > 0;
    this.funnel = opts.funnel;
    this.evidence = opts.evidence ?? null;
    this.lazyFlowIds = typeof this.funnel.setFlowIds === 'function';
    this.funnel.setFlowIds?.(withCommunityId);
    const ev = this.evidence;
    // An alert folded into a storm alert still scores its source, as it would have raised.
    this.funnel.addSink({ name: 'engine', onAlert: (a) => this.onNewAlert(a), onUpdate: ev ? (a) => ev.updateAlert(a) : undefined, onFolded: (d) => this.scoreFolded(d) });
    const raise: Raise = (d: Detection): void => this.raise(d);
    if (this.lazyFlowIds && this.funnel.foldNew) raise.foldNew = this.funnel.foldNew;
    this.detectors = opts.detectors ? opts.detectors(raise) : [];
    // handle() runs the tracker on every packet before the detectors, as followFlows asks.
    for (const d of this.detectors) d.followFlows?.(this.flows);
    this.rules = opts.rules ? opts.rules(raise) : null;
    this.taps = opts.packetTaps ?? [];
    const query = opts.alertHistory;
    if (query) this.alertHistory = (q: AlertHistoryQuery): Alert[] => query(q);
  }

  /** Hands a detection to the funnel; a new alert also feeds the reputation score and the listeners. */
  raise(d: Detection): void {
    // A funnel that asks for flow ids itself gets them only for the detections it makes alerts of.
    if (!this.lazyFlowIds) withCommunityId(d);
    this.funnel.raise(d);
  }

  /** A new alert (not a fold into an existing one): listeners, then the source's reputation score. */
  private onNewAlert(alert: Alert): void {
    this.evidence?.openAlert(alert);
    for (const l of this.listeners) l(alert);
    const promoted = this.opts.reputation?.onAlert(alert, Date.parse(alert.last_seen) || this.lastTs, this.funnel.foldNew);
    if (promoted) this.raise(promoted);
  }

  private scoreFolded(d: Detection): void {
    const promoted = this.opts.reputation?.onAlert(d, d.ts, this.funnel.foldNew);
    if (promoted) this.raise(promoted);
  }

  /** Processes one packet: the hot path. */
  handle(raw: RawPacket): void {
    const n = ++this.n;
    const now = raw.ts;
    if (this.firstTs === 0) this.firstTs = now;
    // The engine's clock (ticks, expiry, what views show as now) only moves forward, even if a file has
    // out-of-order timestamps; each stage below gets the packet's own time.
    if (now > this.lastTs) this.lastTs = now;
    const p = decodePacket(raw, n, this.pkt, this.reasm);
    if (p.events.length > 0) this.decodeErrors++;
    // Every stage reads the packet's time as p.ts, a field written in place: passed as an argument to a
    // call V8 does not inline, a double is boxed into a new heap number (16 bytes a packet).
    this.stats.onPacket(p);
    const flow = this.flows.onPacket(p);
    this.dns.onPacket(p);
    const kinds = packetKinds(p);
    const fns = this.dispatchFns[kinds] ?? this.detectorsFor(kinds);
    const dets = this.dispatchDets[kinds]!;
    for (let i = 0; i < fns.length; i++) fns[i].call(dets[i], p);
    if (this.rules) this.rules.onPacket(p);
    for (let i = 0; i < this.taps.length; i++) this.taps[i](p);
    if (this.evidence !== null) this.evidence.onPacket(raw, p, n, flow);
    if (this.holdPackets) this.history.push(n, raw);
    if (this.lastTs >= this.nextTick) this.tick(this.lastTs);
  }

  /**
   * The detectors a packet of these kinds goes to, in the order of the list (which decides the order
   * of their alerts): those that want every packet and those that want one of its kinds.
   */
  private detectorsFor(kinds: number): PacketFn[] {
    const list = this.detectors.filter((d) => d.wants === undefined || (d.wants & kinds) !== 0);
    const fns = list.map((d) => d.onPacket);
    this.dispatchDets[kinds] = list;
    this.dispatchFns[kinds] = fns;
    return fns;
  }

  /** Advances time for expiry and rate windows; called per second of packet time, and by a timer when live. */
  tick(now: number): void {
    if (now < this.lastTs) now = this.lastTs;
    this.lastTs = now;
    this.nextTick = now + TICK_MS;
    this.reasm.expire(now);
    this.flows.onTick(now);
    this.dns.onTick(now);
    this.stats.onTick(now);
    for (const d of this.detectors) d.onTick?.(now);
    this.rules?.onTick?.(now);
    this.funnel.onTick?.(now);
    this.evidence?.onTick(now);
    this.opts.reputation?.decay?.(now);
  }

  get packets(): number {
    return this.n;
  }

  /** Flows created since start and flows in the table now (the EVE stats record's flow counters). */
  flowCounters(): { total: number; active: number } {
    const c = this.flows.counters();
    return { total: c.created, active: c.size };
  }

  get errors(): number {
    return this.decodeErrors;
  }

  get firstTime(): number {
    return this.firstTs;
  }

  get now(): number {
    return this.lastTs;
  }

  /** Tells onFlowEnd about every flow still open, as ended by the end of the capture; call once, at the end. */
  endFlows(): void {
    this.flows.endAll(this.lastTs);
  }

  /** Re-decodes the held frames into feed lines (only the few a view shows, a few times a second). */
  packetLines(): PacketLine[] {
    const p = new Packet();
    const out: PacketLine[] = [];
    for (const h of this.history.list()) {
      decodePacket(h.raw, h.n, p, null);
      out.push(packetLine(p, h.n, h.raw.ts, h.raw.len));
    }
    return out;
  }

  snapshot(): Snapshot {
    const now = this.lastTs;
    const rate = this.stats.rate(now);
    const alerts = this.funnel.recent(200);
    const alertCounts = Object.fromEntries(SEVERITIES.map((s) => [s, 0])) as Record<Severity, number>;
    const sum = this.funnel.summary();
    const bySev = sum.bySeverity;
    for (const s of SEVERITIES) alertCounts[s] = bySev[s] ?? 0;
    const open = this.flows.active();
    const connections = open.sort((a, b) => b.last - a.last).slice(0, 200).map(connectionView);
    return {
      ts: now,
      stats: {
        packets: this.stats.packets,
        bytes: this.stats.bytes,
        pps: rate.pps,
        bps: rate.bps,
        rateHistory: this.stats.rateHistory(now),
        protocols: this.stats.protocols(),
        decodeErrors: this.decodeErrors,
        drops: this.opts.drops ? this.opts.drops() : null,
        startedAt: this.firstTs,
        now,
        source: this.opts.source,
        filter: this.opts.filter,
        live: this.opts.live,
        ended: this.opts.ended ? this.opts.ended() : false,
        baseline: this.opts.baseline ? this.opts.baseline() : null,
      },
      alerts,
      alertCounts,
      alertsFolded: sum.storm ? { folded: sum.storm.folded, storms: sum.storm.storms } : undefined,
      connections,
      closedConnections: this.flows.closed(200).map(connectionView),
      connectionCounts: { open: open.length, closed: this.flows.counters().closedTotal },
      topByBytes: this.stats.topTalkers(10, 'bytes'),
      topByPackets: this.stats.topTalkers(10, 'packets'),
      packets: this.packetLines(),
      rules: this.rules ? this.rules.list() : [],
      capture: this.opts.captureStats ? this.opts.captureStats() : null,
    };
  }

  async exportPcap(path: string): Promise<{ count: number; path: string }> {
    if (!this.opts.writePcap) throw new Error('export is not available');
    const held = this.history.list().map((h) => h.raw);
    const count = await this.opts.writePcap(path, held);
    return { count, path };
  }

  /** What is kept for one alert of this run (packets, flows, counts), or null when nothing is. */
  alertEvidence(id: string): AlertEvidenceView | null {
    return this.evidence ? evidenceView(this.evidence, id) : null;
  }

  /** Writes one alert's packets to a pcap file: read back from the capture file when it has them all, else those kept in memory. */
  async exportAlertPcap(id: string, path: string): Promise<{ count: number; path: string; from: 'file' | 'memory' }> {
    if (!this.opts.writePcap) throw new Error('export is not available');
    if (!this.evidence) throw new Error('no evidence is kept (evidence.enabled is off in the settings)');
    return exportAlertPcap(this.evidence, id, path, this.opts.writePcap, this.opts.fileFilter ?? '');
  }

  toggleRule(name: string): boolean | null {
    return this.rules ? this.rules.toggle(name) : null;
  }

  ruleNotes(): RuleNote[] {
    return this.rules?.takeNotes?.() ?? [];
  }

  reloadRules(): { ok: boolean; message: string } {
    return this.rules ? this.rules.reload() : { ok: false, message: 'no rules file is loaded' };
  }

  clearAlerts(): void {
    this.funnel.clear();
  }

  onAlert(cb: (a: Alert) => void): () => void {
    this.listeners.add(cb);
    return () => this.listeners.delete(cb);
  }
}
