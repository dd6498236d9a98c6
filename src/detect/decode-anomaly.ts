// DecodeAnomalyDetector: turns the decoder's events (malformed or truncated headers, bad checksums,
// DNS pointer loops, fragment overlaps; names in src/decode/events.ts) into DECODE_ANOMALY alerts.
//
// No knobs. Aggregated per source address and event name: the first occurrence raises (LOW), repeats
// update the same alert's count at most once a second of packet time. State is capped and expires.
import type { Settings } from '../config/schema.js';
import type { Packet } from '../decode/packet.js';
import type { Detector, Raise } from './types.js';
import { BoundedMap, iso, ipText, protoName } from './util.js';

const MAX_KEYS = 4096;
const UPDATE_MS = 1000;
const IDLE_MS = 600_000;

interface AnomalyState {
  src: string;
  event: string;
  count: number;
  reported: number;
  first: number;
  last: number;
  lastRaise: number;
  dst: string | undefined;
  proto: string;
}

export function createDecodeAnomalyDetector(_settings: Settings, raise: Raise): Detector {
  const states = new BoundedMap<string, AnomalyState>(MAX_KEYS);
  let lastSweep = 0;

  const report = (s: AnomalyState, now: number): void => {
    s.lastRaise = now;
    s.reported = s.count;
    raise({
      type: 'DECODE_ANOMALY',
      severity: 'LOW',
      message: `Malformed packet${s.src ? ` from ${s.src}` : ''}: ${s.event}${s.count > 1 ? ` (${s.count} times)` : ''}`,
      ts: now,
      key: `${s.src}|${s.event}`,
      src_ip: s.src || undefined,
      dst_ip: s.dst,
      proto: s.proto,
      details: { event: s.event, packets: s.count, first_seen: iso(s.first), last_seen: iso(s.last) },
    });
  };

  return {
    name: 'decode-anomaly',
    onPacket(p: Packet, now: number): void {
      const evs = p.events;
      if (evs.length === 0) return;
      const src = p.ipVersion ? ipText(p.ipSrc) : '';
      for (let i = 0; i < evs.length; i++) {
        const ev = evs[i];
        const k = `${src}|${ev}`;
        let s = states.get(k);
        if (s && now - s.last > IDLE_MS) s = undefined;
        if (!s) {
          s = { src, event: ev, count: 1, reported: 0, first: now, last: now, lastRaise: 0, dst: p.ipVersion ? ipText(p.ipDst) : undefined, proto: protoName(p) };
          states.set(k, s);
          report(s, now);
        } else {
          s.count++;
          s.last = now;
          if (now - s.lastRaise >= UPDATE_MS) report(s, now);
        }
      }
      if (now - lastSweep >= 30_000) {
        lastSweep = now;
        states.sweep((v) => now - v.last > IDLE_MS);
      }
    },
    onTick(now: number): void {
      for (const s of states.values()) if (s.count !== s.reported) report(s, now);
      states.sweep((v) => now - v.last > IDLE_MS);
    },
    status() {
      return { tracked: states.size };
    },
  };
}
