// DecodeAnomalyDetector: turns the decoder's events (malformed or truncated headers, bad checksums,
// DNS pointer loops, fragment overlaps; names in src/decode/events.ts) into DECODE_ANOMALY alerts.
//
// No knobs. Aggregated per source address and event name: the first occurrence raises (LOW), repeats
// update the same alert's count at most once a second of packet time. State is capped and expires; it
// lives in a fixed table (AddrTable) keyed by the source's number or text and the event name, so a flood
// of malformed packets builds no strings until an alert is raised.
import type { Settings } from '../config/schema.js';
import type { Packet } from '../decode/packet.js';
import type { Detector, Raise } from './types.js';
import { PK_EVENTS } from './packet-kinds.js';
import { AddrTable, EpisodeCounts } from './state/index.js';
import { addrText, iso, protoName } from './format.js';

const MAX_KEYS = 4096;
const UPDATE_MS = 1000;
const IDLE_MS = 600_000;

export function createDecodeAnomalyDetector(_settings: Settings, raise: Raise): Detector {
  // Key (source, event name, has an IP layer); the first packet's destination and protocol are kept.
  const tab = new AddrTable(MAX_KEYS);
  const n = tab.slots;
  const ep = new EpisodeCounts(tab, UPDATE_MS, IDLE_MS);
  const dst: Array<string | undefined> = new Array<string | undefined>(n).fill(undefined);
  const proto: string[] = new Array<string>(n).fill('');
  const clear = (s: number): void => {
    dst[s] = undefined;
  };

  const report = (s: number, now: number): void => {
    const src = tab.x(s) === 1 ? addrText(tab.a4(s), tab.a6(s)) : '';
    const event = tab.b6(s);
    const c = ep.count[s];
    ep.reportedAt(s, now);
    raise({
      type: 'DECODE_ANOMALY',
      severity: 'LOW',
      message: `Malformed packet${src ? ` from ${src}` : ''}: ${event}${c > 1 ? ` (${c} times)` : ''}`,
      ts: now,
      key: `${src}|${event}`,
      src_ip: src || undefined,
      dst_ip: dst[s],
      proto: proto[s],
      details: { event, packets: c, first_seen: iso(ep.first[s]), last_seen: iso(ep.last[s]) },
    });
  };

  return {
    name: 'decode-anomaly',
    wants: PK_EVENTS,
    onPacket(p: Packet): void {
      const now = p.ts;
      const evs = p.events;
      if (evs.length === 0) return;
      const ip = p.ipVersion ? 1 : 0;
      const a4 = ip ? p.ip4Src : 0;
      const a6 = ip ? p.ip6Src : '';
      for (let i = 0; i < evs.length; i++) {
        const ev = evs[i];
        let s = tab.find(a4, a6, 0, ev, ip);
        // New, or back after IDLE_MS: a fresh episode (an idle one is reused in place).
        const fresh = ep.isFresh(s, now);
        if (s < 0) s = tab.insert(a4, a6, 0, ev, ip);
        tab.touched[s] = now;
        if (fresh) {
          ep.start(s, now);
          dst[s] = ip ? addrText(p.ip4Dst, p.ip6Dst) : undefined;
          proto[s] = protoName(p);
          report(s, now);
        } else if (ep.repeat(s, now)) {
          report(s, now);
        }
      }
      ep.sweep(now, clear);
    },
    onTick(now: number): void {
      for (const s of ep.due()) report(s, now);
      ep.sweep(now, clear, true);
    },
    status() {
      return { tracked: tab.count, maxTracked: tab.slots, evicted: tab.evicted };
    },
  };
}
