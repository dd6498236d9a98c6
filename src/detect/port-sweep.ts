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
//
// State per (source, service) lives in a fixed table (AddrTable) with its counters in typed arrays; the
// first host is kept inline and the host map is only made at the second distinct host, so a spoofed
// flood's one-probe sources allocate nothing.
import type { Settings } from '../config/schema.js';
import type { Packet } from '../decode/packet.js';
import * as pk from '../decode/packet.js';
import type { Detector, DetectorContext, Raise } from './types.js';
import { probeSource } from './shared-probes.js';
import * as state from './state/index.js';
import { addrText, iso } from './format.js';
import { thresholds } from './thresholds.js';

// Module-local copies of the constants the packet path uses: optimized code reads an imported binding
// through its module cell and tests it for the temporal dead zone at every use (V8 does not fold it),
// and folds a local const to its value.
const { IPPROTO_ICMP, IPPROTO_ICMPV6, IPPROTO_TCP, LAYER_ICMP, LAYER_ICMPV6 } = pk;
const { AddrTable, addrHash, NO_ADDR_HASH } = state;

const MAX_KEYS = 8192;
/** Most hosts remembered per (source, port) or per pinging source. */
const MAX_HOSTS = 1024;
const UPDATE_MS = 1000;
/** The service part of an ICMP sweep's key (TCP and UDP use (proto << 16) | port). */
const SVC_ICMP = IPPROTO_ICMP << 16;
/** Display protocol by code. */
const PROTO_NAMES = ['TCP', 'UDP', 'ICMP', 'ICMPv6'] as const;

export function createPortSweepDetector(settings: Settings, raise: Raise, ctx?: DetectorContext): Detector {
  const t = thresholds(settings);
  const windowMs = t.port_sweep_window * 1000;
  // Sweeps: key (source, -, service); values by slot.
  const tab = new AddrTable(MAX_KEYS);
  const n = tab.slots;
  const protoCode = new Uint8Array(n);
  const first = new Float64Array(n);
  const last = new Float64Array(n);
  const lastRaise = new Float64Array(n);
  const probes = new Float64Array(n);
  const raised = new Uint8Array(n);
  const changed = new Uint8Array(n);
  // The first host, inline (int32 IPv4 or IPv6 text) with the time it was probed.
  const host4 = new Int32Array(n);
  const host6: string[] = new Array<string>(n).fill('');
  const hostTs = new Float64Array(n);
  const hasHost = new Uint8Array(n);
  /** Host -> last time it was probed, oldest first; made at the second distinct host (IPv4 as int32). */
  const hostMaps: Array<Map<number | string, number> | undefined> = new Array<Map<number | string, number> | undefined>(n).fill(undefined);
  let lastFlush = 0;
  let lastSweep = 0;

  const hostCount = (s: number): number => {
    const m = hostMaps[s];
    return m !== undefined ? m.size : hasHost[s];
  };

  const drop = (s: number): void => {
    hostMaps[s] = undefined;
    host6[s] = '';
    hasHost[s] = 0;
    tab.remove(s);
  };

  const stateOf = (a4: number, a6: string, svc: number, proto: number, now: number): number => {
    // The source hashed once for the lookup and the insert (an IPv6 text's hash is a loop).
    const ha = addrHash(a4, a6);
    let s = tab.findH(ha, NO_ADDR_HASH, a4, a6, 0, '', svc);
    if (s >= 0 && now - last[s] > windowMs) {
      drop(s);
      s = -1;
    }
    if (s < 0) {
      s = tab.insertH(ha, NO_ADDR_HASH, a4, a6, 0, '', svc);
      tab.touched[s] = now;
      protoCode[s] = proto;
      hostMaps[s] = undefined;
      host6[s] = '';
      hasHost[s] = 0;
      first[s] = now;
      last[s] = now;
      probes[s] = 0;
      raised[s] = 0;
      lastRaise[s] = 0;
      changed[s] = 0;
    }
    return s;
  };

  /**
   * Raises (or updates) sweep s's alert when `fire`. add() calls this for every probe it counts, so its
   * call site has type feedback before the first alert (the first alert's call deoptimized add).
   */
  const report = (s: number, now: number, fire: boolean): void => {
    if (!fire) return;
    const svc = tab.x(s);
    const icmp = svc === SVC_ICMP;
    const port = svc & 0xffff;
    const proto = PROTO_NAMES[protoCode[s]];
    const src = addrText(tab.a4(s), tab.a6(s));
    const count = hostCount(s);
    raised[s] = 1;
    lastRaise[s] = now;
    changed[s] = 0;
    const m = hostMaps[s];
    const hosts =
      m !== undefined
        ? Array.from(m.keys())
            .slice(0, 50)
            .map((h) => (typeof h === 'number' ? addrText(h, '') : h))
        : hasHost[s] === 1
          ? [addrText(host4[s], host6[s])]
          : [];
    raise({
      type: icmp ? 'ICMP_SWEEP' : 'PORT_SWEEP',
      severity: 'WARNING',
      message: icmp
        ? `ICMP sweep from ${src}: echo requests to ${count} hosts`
        : `Port sweep from ${src}: ${proto}/${port} on ${count} hosts`,
      ts: now,
      key: src,
      src_ip: src,
      dst_port: icmp ? undefined : port,
      proto,
      details: {
        ...(icmp ? {} : { port, ports: [port] }),
        hosts_seen: count,
        hosts,
        probes: probes[s],
        first_seen: iso(first[s]),
        last_seen: iso(last[s]),
        window_s: t.port_sweep_window,
      },
    });
  };

  const add = (s: number, h4: number, h6: string, now: number, threshold: number): void => {
    let m = hostMaps[s];
    if (m === undefined) {
      if (hasHost[s] === 0 || (host4[s] === h4 && host6[s] === h6)) {
        host4[s] = h4;
        host6[s] = h6;
        hostTs[s] = now;
        hasHost[s] = 1;
      } else {
        // A second distinct host: from here on a map (host -> last probe time, oldest first).
        m = new Map();
        m.set(host6[s] !== '' ? host6[s] : host4[s], hostTs[s]);
        hostMaps[s] = m;
        host6[s] = '';
        hasHost[s] = 0;
        tab.setPin(s, 1);
      }
    }
    if (m !== undefined) {
      const host: number | string = h6 !== '' ? h6 : h4;
      m.delete(host);
      if (m.size < MAX_HOSTS) m.set(host, now);
      for (const [h, ts] of m) {
        if (ts >= now - windowMs) break;
        m.delete(h);
      }
    }
    last[s] = now;
    tab.touched[s] = now;
    changed[s] = 1;
    // One call site for the first report and the updates, and the update test made for every probe: the
    // first update after the first alert then finds type feedback (each was a recompilation of add).
    const updateDue = now - lastRaise[s] >= UPDATE_MS;
    report(s, now, raised[s] === 0 ? hostCount(s) >= threshold : updateDue);
  };

  /** flush()'s due slots: the first `len` entries, sorted by age. */
  const dueList = new Int32Array(n);
  const byBorn = (i: number, j: number): number => tab.born[i] - tab.born[j];

  /** Reports sweeps whose evidence grew since their last report (at most once a second each), oldest first. */
  const flush = (now: number, throttle: boolean): void => {
    if (tab.count === 0) return;
    // Every test is made for every slot, and every slot number written but counted only when due; the
    // reports go through one call made at least once (firing nothing when none is due). The first flush
    // with a sweep to update, seconds into a run, then finds type feedback: its tests, its list and its
    // report call each deoptimized this. (n slots once a second of packet time: a few instructions each.)
    let len = 0;
    for (let s = 0; s < n; s++) {
      const used = tab.isUsed(s);
      const pending = (raised[s] & changed[s]) === 1;
      const waited = now - lastRaise[s] >= UPDATE_MS || !throttle;
      dueList[len] = s;
      len += used && pending && waited ? 1 : 0;
    }
    // Ages are unique (an insertion sequence number), so the order is the one byAge gave.
    dueList.subarray(0, len).sort(byBorn);
    for (let i = 0; i < len || i === 0; i++) report(dueList[i], now, i < len);
  };

  const sweep = (now: number): void => {
    if (tab.count === 0) return;
    for (let s = 0; s < n; s++) if (tab.isUsed(s) && now - last[s] > windowMs) drop(s);
  };

  /**
   * An ICMP packet: an echo request is a probe of its target. Takes the packet, and reads its time here:
   * a number argument is boxed into a heap number, and V8 boxes a value passed in two branches of
   * onPacket (this and upkeep) once ahead of both, on every packet.
   */
  const icmp = (p: Packet): void => {
    const v4 = p.ipProto === IPPROTO_ICMP;
    const echo = (v4 && p.icmpType === 8) || (p.ipProto === IPPROTO_ICMPV6 && p.icmpType === 128);
    if (!echo) return;
    const now = p.ts;
    const s = stateOf(p.ip4Src, p.ip6Src, SVC_ICMP, v4 ? 2 : 3, now);
    probes[s]++;
    const d4 = p.ip4Dst;
    const d6 = p.ip6Dst;
    // Broadcast and multicast pings are one request to many hosts, not a sweep of them.
    const group = d6 === '' ? d4 >>> 28 === 0xe || (d4 & 0xff) === 0xff : d6.startsWith('ff');
    if (!group) add(s, d4, d6, now, t.icmp_sweep);
  };

  /** onPacket's once-a-second work behind one call (see icmp). */
  const upkeep = (now: number): void => {
    if (now - lastFlush >= UPDATE_MS) {
      lastFlush = now;
      flush(now, true);
    }
    if (now - lastSweep >= 30_000) {
      lastSweep = now;
      sweep(now);
    }
  };

  const tracker = probeSource(
    ctx,
    {
      evidenceOnly: true,
      onOutcome(tr, r, _o, delta) {
        const now = tr.now;
        if (delta <= 0) return; // withdrawn evidence stays in the window; success never counts
        const proto = tr.proto(r);
        const s = stateOf(tr.src4(r), tr.src6(r), tr.key(r), proto === IPPROTO_TCP ? 0 : 1, now);
        probes[s]++;
        add(s, tr.dst4(r), tr.dst6(r), now, t.port_sweep);
      },
    },
    { timeoutMs: t.probe_timeout * 1000 },
  );

  return {
    name: 'port-sweep',
    onPacket(p: Packet): void {
      tracker.onPacket(p);
      if (p.layers & (LAYER_ICMP | LAYER_ICMPV6)) icmp(p);
      const now = p.ts;
      if (now - lastFlush >= UPDATE_MS || now - lastSweep >= 30_000) upkeep(now);
    },
    onTick(now: number): void {
      tracker.expire(now);
      flush(now, false);
      sweep(now);
    },
    status() {
      return { sweeps: tab.count, maxSweeps: tab.slots, evictedSweeps: tab.evicted, probes: tracker.size(), pendingProbes: tracker.pending() };
    },
  };
}
