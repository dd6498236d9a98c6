// Gives a test packet its time before a consumer sees it: every onPacket reads the time from p.ts.
import type { Packet } from '../../src/decode/packet.js';

/** Sets p's time (ms) and returns p, as the engine's decoder does for each packet. */
export function at<P extends Pick<Packet, 'ts'>>(p: P, ts: number): P {
  p.ts = ts;
  return p;
}
