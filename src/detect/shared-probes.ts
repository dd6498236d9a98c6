// One probe tracker for every detector of a set that asks for one with the same options (scan,
// distributed-scan and port-sweep by default), instead of three trackers doing the same lookups on
// every packet.
//
// Why the events are replayed rather than handed to every detector at once: with a tracker each, the
// scan detector saw all of a packet's probe events (and raised its alerts) before the next detector
// saw any. The first member drives the tracker and handles events as they come; the others get the
// same events, in the same order, when their own onPacket()/onTick() reaches the point where their
// tracker used to run, so alerts come out in exactly the order separate trackers gave. Each logged
// event keeps a copy of the record's fields as they were when it happened (a later probe in the same
// packet may change or replace the record), so a member reads what its own tracker would have held.
import type { Packet } from '../decode/packet.js';
import type { DetectorContext } from './types.js';
import { PROBE_CAP, PROBE_IDLE_MS, ProbeTracker, type ProbeEvents, type ProbeRecords, type ProbeTrackerOptions } from './probes.js';

/** What a detector drives and asks of its probe tracker, whether its own or shared. */
export interface ProbeSource {
  /** The packet's time is p.ts. */
  onPacket(p: Packet): void;
  expire(now: number): void;
  /** Probe records held. */
  size(): number;
  /** Probes waiting for an answer. */
  pending(): number;
}

const EV_PROBE = 0;
const EV_OUTCOME = 1;

/** Events of one step (a packet or a tick) with a copy of their records' fields: read as ProbeRecords by slot = event index. */
class EventLog implements ProbeRecords {
  len = 0;
  /** The time of the event being replayed (ProbeRecords.now), set from `time` before each handler call. */
  now = 0;
  private type = new Uint8Array(64);
  private outcome = new Int8Array(64);
  private delta = new Int8Array(64);
  private kind = new Uint8Array(64);
  private k = new Int32Array(64 * 3);
  /** Each event's time; handed to the handlers in `now`, a field, so reading it here boxes nothing. */
  private time = new Float64Array(64);
  private a6s: string[] = [];
  private b6s: string[] = [];

  push(type: number, t: ProbeTracker, slot: number, o: number, delta: number): void {
    if (this.len === this.type.length) this.grow();
    const i = this.len++;
    this.type[i] = type;
    this.outcome[i] = o;
    this.delta[i] = delta;
    this.kind[i] = t.kindOf(slot);
    this.k[3 * i] = t.src4(slot);
    this.k[3 * i + 1] = t.dst4(slot);
    this.k[3 * i + 2] = t.key(slot);
    this.a6s[i] = t.src6(slot);
    this.b6s[i] = t.dst6(slot);
    this.time[i] = t.now;
  }

  private grow(): void {
    const n = this.type.length * 2;
    const type = new Uint8Array(n);
    type.set(this.type);
    this.type = type;
    const kind = new Uint8Array(n);
    kind.set(this.kind);
    this.kind = kind;
    const outcome = new Int8Array(n);
    outcome.set(this.outcome);
    this.outcome = outcome;
    const delta = new Int8Array(n);
    delta.set(this.delta);
    this.delta = delta;
    const k = new Int32Array(n * 3);
    k.set(this.k);
    this.k = k;
    const time = new Float64Array(n);
    time.set(this.time);
    this.time = time;
  }

  /** Hands events [from, len) to one member's handlers. */
  replay(ev: ProbeEvents, from: number): void {
    for (let i = from; i < this.len; i++) {
      this.now = this.time[i];
      if (this.type[i] === EV_PROBE) ev.onProbe?.(this, i);
      else ev.onOutcome?.(this, i, this.outcome[i], this.delta[i]);
    }
  }

  clear(): void {
    // The IPv6 texts are dropped with the events, so the log holds no strings between steps.
    for (let i = 0; i < this.len; i++) {
      this.a6s[i] = '';
      this.b6s[i] = '';
    }
    this.len = 0;
  }

  kindOf(i: number): number {
    return this.kind[i];
  }
  src4(i: number): number {
    return this.k[3 * i];
  }
  dst4(i: number): number {
    return this.k[3 * i + 1];
  }
  key(i: number): number {
    return this.k[3 * i + 2];
  }
  src6(i: number): string {
    return this.a6s[i];
  }
  dst6(i: number): string {
    return this.b6s[i];
  }
  proto(i: number): number {
    return this.k[3 * i + 2] >>> 16;
  }
  port(i: number): number {
    return this.k[3 * i + 2] & 0xffff;
  }
}

/** A tracker and the detectors that share it, in the order they see packets. */
class ProbeHub {
  readonly tracker: ProbeTracker;
  private readonly members: ProbeEvents[] = [];
  /** Per member (index >= 1): events of the log it has had. */
  private readonly cursor: number[] = [];
  private readonly log = new EventLog();
  /**
   * Which events the members after the first handle, so only those are copied into the log: new
   * probes, outcomes that change evidence (delta != 0), other outcomes. Skipping an event nobody
   * replays changes nothing: a member's handler would have returned without doing anything. (With
   * the default set, scan alone handles new probes and successful conversations, about one event
   * in every ten packets of ordinary traffic.)
   */
  private logProbes = false;
  private logChanges = false;
  private logOthers = false;

  constructor(readonly optionsKey: string, opts: ProbeTrackerOptions) {
    this.tracker = new ProbeTracker(
      {
        onProbe: (t, slot) => {
          this.members[0].onProbe?.(t, slot);
          if (this.logProbes) this.log.push(EV_PROBE, this.tracker, slot, 0, 0);
        },
        onOutcome: (t, slot, o, delta) => {
          this.members[0].onOutcome?.(t, slot, o, delta);
          if (delta !== 0 ? this.logChanges : this.logOthers) this.log.push(EV_OUTCOME, this.tracker, slot, o, delta);
        },
      },
      opts,
    );
  }

  join(ev: ProbeEvents): ProbeSource {
    const k = this.members.length;
    this.members.push(ev);
    this.cursor.push(0);
    if (k > 0) {
      if (ev.onProbe !== undefined) this.logProbes = true;
      if (ev.onOutcome !== undefined) {
        this.logChanges = true;
        if (ev.evidenceOnly !== true) this.logOthers = true;
      }
    }
    const tracker = this.tracker;
    // The first member drives the tracker itself.
    if (k === 0) return tracker;
    const catchUp = (): void => this.catchUp(k);
    return { onPacket: catchUp, expire: catchUp, size: () => tracker.size(), pending: () => tracker.pending() };
  }

  private catchUp(k: number): void {
    // Nothing logged since the log was last emptied (most packets): every cursor is 0 already. The replay
    // is out of line, so the members' packet paths that inline this test do not each compile it.
    if (this.log.len !== 0) this.replayTo(k);
  }

  /** Hands member k the events logged since its cursor; empties the log once every member has had them. */
  private replayTo(k: number): void {
    const log = this.log;
    if (this.cursor[k] < log.len) log.replay(this.members[k], this.cursor[k]);
    this.cursor[k] = log.len;
    // Every member has had every event: the log starts again empty.
    for (let i = 1; i < this.cursor.length; i++) if (this.cursor[i] !== log.len) return;
    log.clear();
    for (let i = 1; i < this.cursor.length; i++) this.cursor[i] = 0;
  }
}

const hubs = new WeakMap<DetectorContext, ProbeHub[]>();

/**
 * The probe tracker a detector drives: shared with the other detectors of its set (`ctx`) that ask with
 * the same options, else its own. Members see packets in the order they joined, which is the order the
 * engine calls them.
 */
export function probeSource(ctx: DetectorContext | undefined, ev: ProbeEvents, opts: ProbeTrackerOptions): ProbeSource {
  if (ctx === undefined) return new ProbeTracker(ev, opts);
  const key = `${opts.timeoutMs}/${opts.cap ?? PROBE_CAP}/${opts.idleMs ?? PROBE_IDLE_MS}`;
  let list = hubs.get(ctx);
  if (list === undefined) hubs.set(ctx, (list = []));
  let hub = list.find((h) => h.optionsKey === key);
  if (hub === undefined) list.push((hub = new ProbeHub(key, opts)));
  return hub.join(ev);
}
