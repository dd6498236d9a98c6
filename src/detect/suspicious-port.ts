// SuspiciousPortDetector: connection attempts (TCP SYNs) to ports that are often attacked or should
// not be exposed: FTP, SSH, Telnet, SMB, RDP by default (PyNetGuard's port monitor).
//
// Knobs (settings.yaml, `thresholds`):
//   suspicious_ports   [21, 22, 23, 445, 3389]   destination ports that raise SUSPICIOUS_PORT (LOW)
//
// Aggregated per source and port: the first attempt raises, repeats update the same alert's count
// (at most once a second of packet time). State is capped and expires.
import type { Settings } from '../config/schema.js';
import { LAYER_TCP, TCP_ACK, TCP_SYN, TCP_RST, type Packet } from '../decode/packet.js';
import type { Detector, Raise } from './types.js';
import { BoundedMap, iso, ipText, thresholds } from './util.js';

const MAX_KEYS = 8192;
const UPDATE_MS = 1000;
const IDLE_MS = 600_000;

interface PortState {
  src: string;
  dst: string;
  attempts: number;
  first: number;
  last: number;
  lastRaise: number;
  reported: number;
}

export function createSuspiciousPortDetector(settings: Settings, raise: Raise): Detector {
  const ports = new Set(thresholds(settings).suspicious_ports);
  const states = new BoundedMap<string, PortState>(MAX_KEYS);
  let lastSweep = 0;

  const report = (s: PortState, port: number, now: number): void => {
    s.lastRaise = now;
    s.reported = s.attempts;
    raise({
      type: 'SUSPICIOUS_PORT',
      severity: 'LOW',
      message: `Connection attempt from ${s.src} to suspicious port ${port} on ${s.dst}`,
      ts: now,
      key: `${s.src}|${port}`,
      src_ip: s.src,
      dst_ip: s.dst,
      dst_port: port,
      proto: 'TCP',
      details: { port, attempts: s.attempts, first_seen: iso(s.first), last_seen: iso(s.last) },
    });
  };

  return {
    name: 'suspicious-port',
    onPacket(p: Packet, now: number): void {
      if (!(p.layers & LAYER_TCP) || (p.tcpFlags & (TCP_SYN | TCP_ACK | TCP_RST)) !== TCP_SYN) return;
      if (!ports.has(p.dstPort)) return;
      const k = `${p.ipSrc}|${p.dstPort}`;
      let s = states.get(k);
      if (s && now - s.last > IDLE_MS) s = undefined;
      if (!s) {
        s = { src: ipText(p.ipSrc), dst: ipText(p.ipDst), attempts: 0, first: now, last: now, lastRaise: 0, reported: 0 };
        states.set(k, s);
        s.attempts = 1;
        report(s, p.dstPort, now);
      } else {
        s.attempts++;
        s.last = now;
        if (now - s.lastRaise >= UPDATE_MS) report(s, p.dstPort, now);
      }
      if (now - lastSweep >= 30_000) {
        lastSweep = now;
        states.sweep((v) => now - v.last > IDLE_MS);
      }
    },
    onTick(now: number): void {
      for (const [k, s] of states) {
        if (s.attempts !== s.reported) report(s, Number(k.slice(k.lastIndexOf('|') + 1)), now);
      }
      states.sweep((v) => now - v.last > IDLE_MS);
    },
    status() {
      return { tracked: states.size };
    },
  };
}
