// The one shape every detector has: built from settings and a raise function, fed packets and time.
import type { Packet } from '../decode/packet.js';
import type { Detection, FoldNew } from '../alert/types.js';

/**
 * Hands a detection to the alert funnel. Detectors never log, print or notify themselves. `foldNew`, when
 * the funnel offers it, folds a detection over its storm budget from its facts alone (see FoldNew).
 */
export type Raise = ((d: Detection) => void) & { foldNew?: FoldNew };

export interface Detector {
  readonly name: string;
  /**
   * The packet kinds (PK_* bits of packet-kinds.ts) this detector does anything with; absent: every
   * packet. The engine calls onPacket only for a packet of at least one wanted kind, so these bits must
   * match the detector's own first early return exactly (test/detect/packet-kinds.test.ts checks it).
   */
  readonly wants?: number;
  /**
   * Sees every decoded packet (of a wanted kind). Its time is `p.ts`, packet time in ms (never the wall
   * clock), read from the packet rather than passed beside it: V8 boxes a double passed to a call it does
   * not inline into a new heap number, once per packet per call. For the same reason a detector hands the
   * time on to its own helpers in a field or as the packet, not as a number argument, on the packet path.
   */
  onPacket(p: Packet): void;
  /** Sees time pass when the wire is quiet, to expire state. */
  onTick?(now: number): void;
  /**
   * The capture ended (or NetGuard is exiting): raise the evidence updates held back by a detector's
   * one-update-per-second limit, so each alert's final record has all of it. Called once, at the end.
   */
  finish?(now: number): void;
  /** Bounded-state introspection for tests, the bench and the menu (sizes of maps, learning status...). */
  status?(): Record<string, unknown>;
  /**
   * Called once by an engine that runs its connection tracker on every packet before the detectors,
   * with that tracker; a detector may use it to skip work the tracker shows to be unneeded, with the
   * same results. A detector never given one does all the work itself.
   */
  followFlows?(flows: FlowFacts): void;
}

/** What the connection tracker (src/flow/connection-tracker.ts) tells detectors about the packet being handled. */
export interface FlowFacts {
  /**
   * False only when no TCP SYN from p's sender to its receiver (this 4-tuple, this direction) can be
   * waiting in a handshake table for its ACK: that side sent a pure ACK since its last SYN. True (look
   * it up) when unsure, and for any packet other than the one the tracker handled last.
   */
  synMayPend(p: Packet): boolean;
}

/**
 * Facts the detectors of one createDetectors() set share, filled in by the detector that owns each:
 * a scan sent from decoy addresses is one DECOY_SCAN, so the per-source scan and flood detectors ask
 * before raising. Absent when a detector runs alone (tests, `only`).
 */
export interface DetectorContext {
  /** Set by the decoy-scan detector: true when (source, target) is a member of a decoy scan. */
  decoyMember?: (src4: number, src6: string, dst4: number, dst6: string) => boolean;
}
