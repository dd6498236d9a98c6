// SuspiciousPortDetector: connection attempts (TCP SYNs) to ports that are often attacked or should
// not be exposed: FTP, SSH, Telnet, SMB, RDP by default (PyNetGuard's port monitor).
//
// Knobs (settings.yaml, `thresholds`):
//   suspicious_ports   [21, 22, 23, 445, 3389]   destination ports that raise SUSPICIOUS_PORT (LOW)
//
// Aggregated per source and port: the first attempt raises, repeats update the same alert's count
// (at most once a second of packet time). State is capped and expires; it lives in a fixed table
// (AddrTable) with typed-array values, so a flood of spoofed SYNs to a listed port allocates only the
// alerts themselves.
import type { Settings } from '../config/schema.js';
import { LAYER_TCP, TCP_ACK, TCP_SYN, TCP_RST, type Packet } from '../decode/packet.js';
import type { Detector, Raise } from './types.js';
import { PK_TCP_SYN } from './packet-kinds.js';
import { AddrTable, EpisodeCounts } from './state/index.js';
import { addrText, iso } from './format.js';
import { thresholds } from './thresholds.js';

const MAX_KEYS = 8192;
const UPDATE_MS = 1000;
const IDLE_MS = 600_000;

/**
 * The episode key of a source and port: for an IPv4 source three code units made in one call, else the
 * address text and the port. Why: the key is only compared (the funnel's open episodes), never written, and
 * in an alert storm of spoofed SYNs to a listed port the text form (a port text, a concatenation, then a
 * flattened copy in the funnel) was made per source. An IPv6 key holds a '|' and is longer than three units,
 * so the two forms never meet.
 */
export function sourcePortKey(a4: number, a6: string, port: number, srcText: string): string {
  if (a6 === '') return String.fromCharCode(a4 >>> 16, a4 & 0xffff, port);
  return `${srcText}|${port}`;
}

export function createSuspiciousPortDetector(settings: Settings, raise: Raise): Detector {
  const ports = new Set(thresholds(settings).suspicious_ports);
  // Key (source, -, port); the first attempt's destination is kept for the alert.
  const tab = new AddrTable(MAX_KEYS);
  const n = tab.slots;
  const ep = new EpisodeCounts(tab, UPDATE_MS, IDLE_MS);
  const dst4 = new Int32Array(n);
  const dst6: string[] = new Array<string>(n).fill('');
  const clear = (s: number): void => {
    dst6[s] = '';
  };

  const report = (s: number, now: number): void => {
    const port = tab.x(s);
    const a4 = tab.a4(s);
    const a6 = tab.a6(s);
    const src = addrText(a4, a6);
    const dst = addrText(dst4[s], dst6[s]);
    const key = sourcePortKey(a4, a6, port, src);
    ep.reportedAt(s, now);
    // Over its storm budget (a flood of spoofed SYNs): folded from these facts, no message or details made.
    if (raise.foldNew?.('SUSPICIOUS_PORT', 'LOW', now, key, src, dst, undefined, port, 'TCP')) return;
    raise({
      type: 'SUSPICIOUS_PORT',
      severity: 'LOW',
      message: `Connection attempt from ${src} to suspicious port ${port} on ${dst}`,
      ts: now,
      key,
      src_ip: src,
      dst_ip: dst,
      dst_port: port,
      proto: 'TCP',
      details: { port, attempts: ep.count[s], first_seen: iso(ep.first[s]), last_seen: iso(ep.last[s]) },
    });
  };

  return {
    name: 'suspicious-port',
    wants: PK_TCP_SYN,
    onPacket(p: Packet): void {
      const now = p.ts;
      if (!(p.layers & LAYER_TCP) || (p.tcpFlags & (TCP_SYN | TCP_ACK | TCP_RST)) !== TCP_SYN) return;
      const port = p.dstPort;
      if (!ports.has(port)) return;
      let s = tab.find(p.ip4Src, p.ip6Src, 0, '', port);
      // New, or back after IDLE_MS: a fresh episode (an idle one is reused in place).
      const fresh = ep.isFresh(s, now);
      if (s < 0) s = tab.insert(p.ip4Src, p.ip6Src, 0, '', port);
      tab.touched[s] = now;
      if (fresh) {
        dst4[s] = p.ip4Dst;
        dst6[s] = p.ip6Dst;
      }
      // One call for the first event and the repeats, and one call site for their reports: the first
      // repeat comes late in a run, and code of its own, never run before, threw away the compiled path.
      if (ep.event(s, now, fresh)) report(s, now);
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
