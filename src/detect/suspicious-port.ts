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
import { AddrTable, addrText, iso, thresholds } from './util.js';

const MAX_KEYS = 8192;
const UPDATE_MS = 1000;
const IDLE_MS = 600_000;

export function createSuspiciousPortDetector(settings: Settings, raise: Raise): Detector {
  const ports = new Set(thresholds(settings).suspicious_ports);
  // Key (source, -, port); the first attempt's destination is kept for the alert.
  const tab = new AddrTable(MAX_KEYS);
  const n = tab.slots;
  const dst4 = new Int32Array(n);
  const dst6: string[] = new Array<string>(n).fill('');
  const attempts = new Float64Array(n);
  const reported = new Float64Array(n);
  const first = new Float64Array(n);
  const last = new Float64Array(n);
  const lastRaise = new Float64Array(n);
  let lastSweep = 0;

  const report = (s: number, now: number): void => {
    const port = tab.x(s);
    const src = addrText(tab.a4(s), tab.a6(s));
    const dst = addrText(dst4[s], dst6[s]);
    lastRaise[s] = now;
    reported[s] = attempts[s];
    raise({
      type: 'SUSPICIOUS_PORT',
      severity: 'LOW',
      message: `Connection attempt from ${src} to suspicious port ${port} on ${dst}`,
      ts: now,
      key: `${src}|${port}`,
      src_ip: src,
      dst_ip: dst,
      dst_port: port,
      proto: 'TCP',
      details: { port, attempts: attempts[s], first_seen: iso(first[s]), last_seen: iso(last[s]) },
    });
  };

  const sweep = (now: number): void => {
    if (tab.count === 0) return;
    for (let s = 0; s < n; s++) {
      if (tab.isUsed(s) && now - last[s] > IDLE_MS) {
        dst6[s] = '';
        tab.remove(s);
      }
    }
  };

  return {
    name: 'suspicious-port',
    onPacket(p: Packet, now: number): void {
      if (!(p.layers & LAYER_TCP) || (p.tcpFlags & (TCP_SYN | TCP_ACK | TCP_RST)) !== TCP_SYN) return;
      const port = p.dstPort;
      if (!ports.has(port)) return;
      let s = tab.find(p.ip4Src, p.ip6Src, 0, '', port);
      // New, or back after IDLE_MS: a fresh episode (an idle one is reused in place).
      const fresh = s < 0 || now - last[s] > IDLE_MS;
      if (s < 0) s = tab.insert(p.ip4Src, p.ip6Src, 0, '', port, now);
      tab.touched[s] = now;
      if (fresh) {
        dst4[s] = p.ip4Dst;
        dst6[s] = p.ip6Dst;
        attempts[s] = 1;
        reported[s] = 0;
        first[s] = now;
        last[s] = now;
        lastRaise[s] = 0;
        report(s, now);
      } else {
        attempts[s]++;
        last[s] = now;
        if (now - lastRaise[s] >= UPDATE_MS) report(s, now);
      }
      if (now - lastSweep >= 30_000) {
        lastSweep = now;
        sweep(now);
      }
    },
    onTick(now: number): void {
      if (tab.count > 0) {
        const due: number[] = [];
        for (let s = 0; s < n; s++) if (tab.isUsed(s) && attempts[s] !== reported[s]) due.push(s);
        for (const s of tab.byAge(due)) report(s, now);
      }
      sweep(now);
    },
    status() {
      return { tracked: tab.count, maxTracked: tab.slots, evicted: tab.evicted };
    },
  };
}
