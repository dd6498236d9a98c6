// The detection engine's public surface: every detector's factory and the standard list of them.
import type { Settings } from '../config/schema.js';
import type { Detector, DetectorContext, Raise } from './types.js';
import { createScanDetector } from './scan.js';
import { createPortSweepDetector } from './port-sweep.js';
import { createSynFloodDetector } from './syn-flood.js';
import { createConnectionFloodDetector } from './connection-flood.js';
import { createTrafficBaseline, type TrafficBaseline } from './traffic-baseline.js';
import { createPayloadInspector } from './payload-inspection.js';
import { createSuspiciousPortDetector } from './suspicious-port.js';
import { createDecodeAnomalyDetector } from './decode-anomaly.js';
import { createDecoyScanDetector } from './decoy-scan.js';
import { createDistributedScanDetector } from './distributed-scan.js';

export type { Detector, DetectorContext, Raise } from './types.js';
export { PK_ALL, PK_EVENTS, PK_IP, PK_TCP, PK_TCP_DATA, PK_TCP_SYN, packetKinds } from './packet-kinds.js';
export { createDecoyScanDetector, type DecoyScanDetector } from './decoy-scan.js';
export { createDistributedScanDetector, type DistributedScanDetector } from './distributed-scan.js';
export { createScanDetector, type ScanDetector } from './scan.js';
export { createPortSweepDetector } from './port-sweep.js';
export { createSynFloodDetector } from './syn-flood.js';
export { createConnectionFloodDetector } from './connection-flood.js';
export { createTrafficBaseline, type TrafficBaseline } from './traffic-baseline.js';
export { createPayloadInspector, inspectRequest, inspectText, normalize, parseRequest } from './payload-inspection.js';
export { createSuspiciousPortDetector } from './suspicious-port.js';
export { createDecodeAnomalyDetector } from './decode-anomaly.js';
export { DEFAULT_THRESHOLDS, thresholds, type Thresholds } from './thresholds.js';

/**
 * Detector names, as `Detector.name`, in the order createDetectors returns them (and sees each packet):
 * decoy-scan first, so that the scan and flood detectors know a decoy scan's sources before they raise.
 */
export const DETECTOR_NAMES = [
  'decoy-scan',
  'scan',
  'distributed-scan',
  'port-sweep',
  'syn-flood',
  'connection-flood',
  'traffic-baseline',
  'payload',
  'suspicious-port',
  'decode-anomaly',
] as const;
export type DetectorName = (typeof DETECTOR_NAMES)[number];

const FACTORIES: Record<DetectorName, (s: Settings, r: Raise, ctx: DetectorContext) => Detector> = {
  'decoy-scan': createDecoyScanDetector,
  scan: createScanDetector,
  'distributed-scan': createDistributedScanDetector,
  'port-sweep': createPortSweepDetector,
  'syn-flood': createSynFloodDetector,
  'connection-flood': createConnectionFloodDetector,
  'traffic-baseline': createTrafficBaseline,
  payload: createPayloadInspector,
  'suspicious-port': createSuspiciousPortDetector,
  'decode-anomaly': createDecodeAnomalyDetector,
};

/**
 * Builds the standard detectors. Call `onPacket(p)` on each for every decoded packet (its time in `p.ts`,
 * ms) and `onTick(now)` about once a second (also when the wire is quiet) so unanswered probes and
 * idle state expire. `opts.only` / `opts.disable` choose detectors by name.
 */
export function createDetectors(
  settings: Settings,
  raise: Raise,
  opts: { only?: readonly DetectorName[]; disable?: readonly DetectorName[] } = {},
): Detector[] {
  const ctx: DetectorContext = {};
  return DETECTOR_NAMES.filter((n) => (opts.only ? opts.only.includes(n) : true) && !opts.disable?.includes(n)).map(
    (n) => FACTORIES[n](settings, raise, ctx),
  );
}

/** The traffic baseline among a detector list (for BaselineStatus: menu option 20, the dashboard). */
export function findTrafficBaseline(detectors: readonly Detector[]): TrafficBaseline | undefined {
  return detectors.find((d): d is TrafficBaseline => d.name === 'traffic-baseline' && 'baseline' in d);
}
