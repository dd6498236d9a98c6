// PortSweepDetector: horizontal scans, one source probing one port across many hosts (PORT_SWEEP, as
// `nmap -p 22 10.0.0.0/24` does), and ICMP echo requests across many hosts (ICMP_SWEEP, `nmap -sn`,
// `fping -g`).
//
// Knobs (settings.yaml, `thresholds`):
//   port_sweep          5   distinct hosts one source probes on one port within port_sweep_window
//   icmp_sweep         10   distinct hosts one source pings within port_sweep_window
//   port_sweep_window  60   seconds of both sliding windows
//   probe_timeout       5   seconds without an answer before a probe counts as unanswered
//
// Response-aware like the scan detector (probes.ts): a host counts when the probe to it was refused
// (RST, ICMP unreachable), went unanswered, or was answered but dropped without data. Browsing many
// web servers on port 443 is successful conversations, so it is never a sweep. Echo requests count as
// sent (a ping sweep is visible from its requests alone). One alert per source and type, evidence
// (ports, hosts) growing; state is capped and expires by packet time.
import type { Settings } from '../config/schema.js';
import { IPPROTO_ICMP, IPPROTO_ICMPV6, LAYER_ICMP, LAYER_ICMPV6, type IpAddr, type Packet } from '../decode/packet.js';
import type { Detector, Raise } from './types.js';
import { ProbeTracker } from './probes.js';
import { BoundedMap, iso, ipText, thresholds } from './util.js';

const MAX_KEYS = 8192;
/** Most hosts remembered per (source, port) or per pinging source. */
const MAX_HOSTS = 1024;
const UPDATE_MS = 1000;

interface SweepState {
  src: string;
  /** "TCP/22", "UDP/161", or "ICMP" */
  what: string;
  port: number;
  proto: string;
  /** Host -> last time it was probed, oldest first. */
  hosts: Map<string | number, number>;
  first: number;
  last: number;
  probes: number;
  raised: boolean;
  lastRaise: number;
  changed: boolean;
}

export function createPortSweepDetector(settings: Settings, raise: Raise): Detector {
  const t = thresholds(settings);
  const windowMs = t.port_sweep_window * 1000;
  const states = new BoundedMap<string, SweepState>(MAX_KEYS);
  let lastFlush = 0;
  let lastSweep = 0;

  const stateOf = (key: string, src: IpAddr, what: string, proto: string, port: number, now: number): SweepState => {
    let s = states.get(key);
    if (s && now - s.last > windowMs) {
      states.delete(key);
      s = undefined;
    }
    if (!s) {
      s = {
        src: ipText(src),
        what,
        port,
        proto,
        hosts: new Map(),
        first: now,
        last: now,
        probes: 0,
        raised: false,
        lastRaise: 0,
        changed: false,
      };
      states.set(key, s);
    }
    return s;
  };

  const report = (s: SweepState, now: number): void => {
    const icmp = s.what === 'ICMP';
    s.raised = true;
    s.lastRaise = now;
    s.changed = false;
    const hosts = Array.from(s.hosts.keys()).slice(0, 50).map((h) => ipText(h));
    raise({
      type: icmp ? 'ICMP_SWEEP' : 'PORT_SWEEP',
      severity: 'WARNING',
      message: icmp
        ? `ICMP sweep from ${s.src}: echo requests to ${s.hosts.size} hosts`
        : `Port sweep from ${s.src}: ${s.what} on ${s.hosts.size} hosts`,
      ts: now,
      key: s.src,
      src_ip: s.src,
      dst_port: icmp ? undefined : s.port,
      proto: s.proto,
      details: {
        ...(icmp ? {} : { port: s.port, ports: [s.port] }),
        hosts_seen: s.hosts.size,
        hosts,
        probes: s.probes,
        first_seen: iso(s.first),
        last_seen: iso(s.last),
        window_s: t.port_sweep_window,
      },
    });
  };

  const add = (s: SweepState, host: string | number, now: number, threshold: number): void => {
    s.hosts.delete(host);
    if (s.hosts.size < MAX_HOSTS) s.hosts.set(host, now);
    for (const [h, ts] of s.hosts) {
      if (ts >= now - windowMs) break;
      s.hosts.delete(h);
    }
    s.last = now;
    s.changed = true;
    if (!s.raised) {
      if (s.hosts.size >= threshold) report(s, now);
    } else if (now - s.lastRaise >= UPDATE_MS) {
      report(s, now);
    }
  };

  const tracker = new ProbeTracker(
    {
      onOutcome(r, _o, delta, now) {
        if (delta <= 0) return; // withdrawn evidence stays in the window; success never counts
        const proto = r.proto === 6 ? 'TCP' : 'UDP';
        const key = `${r.src}|${proto}|${r.port}`;
        const s = stateOf(key, r.src, `${proto}/${r.port}`, proto, r.port, now);
        s.probes++;
        add(s, r.dst, now, t.port_sweep);
      },
    },
    { timeoutMs: t.probe_timeout * 1000 },
  );

  return {
    name: 'port-sweep',
    onPacket(p: Packet, now: number): void {
      tracker.onPacket(p, now);
      if (p.layers & (LAYER_ICMP | LAYER_ICMPV6)) {
        const echo =
          (p.ipProto === IPPROTO_ICMP && p.icmpType === 8) || (p.ipProto === IPPROTO_ICMPV6 && p.icmpType === 128);
        if (echo) {
          const key = `${p.ipSrc}|ICMP`;
          const s = stateOf(key, p.ipSrc, 'ICMP', p.ipProto === IPPROTO_ICMP ? 'ICMP' : 'ICMPv6', 0, now);
          s.probes++;
          const d = p.ipDst;
          // Broadcast and multicast pings are one request to many hosts, not a sweep of them.
          const group = typeof d === 'number' ? d >>> 28 === 0xe || (d & 0xff) === 0xff : d.startsWith('ff');
          if (!group) add(s, d, now, t.icmp_sweep);
        }
      }
      if (now - lastFlush >= UPDATE_MS) {
        lastFlush = now;
        for (const s of states.values()) if (s.raised && s.changed && now - s.lastRaise >= UPDATE_MS) report(s, now);
      }
      if (now - lastSweep >= 30_000) {
        lastSweep = now;
        states.sweep((s) => now - s.last > windowMs);
      }
    },
    onTick(now: number): void {
      tracker.expire(now);
      for (const s of states.values()) if (s.raised && s.changed) report(s, now);
      states.sweep((s) => now - s.last > windowMs);
    },
    status() {
      return { sweeps: states.size, probes: tracker.size() };
    },
  };
}
