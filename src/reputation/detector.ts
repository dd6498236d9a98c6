// Raises BLACKLISTED_IP for traffic from or to a blacklisted address and MALICIOUS_IP for traffic with an
// address on the known-malicious list, aggregated per address: one detection when it is first seen, then
// at most one per REPEAT_MS of packet time carrying the packet count since (the funnel folds them).
import type { Detection } from '../alert/types.js';
import { formatIp } from '../decode/addr.js';
import { LAYER_ICMP, LAYER_ICMPV6, LAYER_TCP, LAYER_UDP, type IpAddr, type Packet } from '../decode/packet.js';
import type { Detector, Raise } from '../detect/types.js';
import { LIST_BLACK, LIST_MALICIOUS, type IpReputation } from './reputation.js';

/** Packet time between repeated detections for the same address. */
export const REPEAT_MS = 60_000;
/** Addresses remembered for aggregation. */
export const MAX_LISTED_SEEN = 10_000;

interface Seen {
  last: number;
  packets: number;
}

function proto(p: Packet): string | undefined {
  if (p.layers & LAYER_TCP) return 'TCP';
  if (p.layers & LAYER_UDP) return 'UDP';
  if (p.layers & LAYER_ICMPV6) return 'ICMPv6';
  if (p.layers & LAYER_ICMP) return 'ICMP';
  return undefined;
}

export function createReputationDetector(rep: IpReputation, raise: Raise): Detector {
  const seen = new Map<string, Seen>();

  // Reads the time from the packet: a number argument is boxed per call, and ahead of all four calls.
  const hit = (p: Packet, addr: IpAddr, bit: number, dir: 'src' | 'dst'): void => {
    const now = p.ts;
    const type = bit === LIST_BLACK ? 'BLACKLISTED_IP' : 'MALICIOUS_IP';
    const ip = formatIp(addr);
    const k = `${type}|${ip}`;
    let s = seen.get(k);
    if (s) {
      s.packets++;
      if (now - s.last < REPEAT_MS) return;
    } else {
      if (seen.size >= MAX_LISTED_SEEN) {
        for (const [kk, v] of seen) if (now - v.last >= REPEAT_MS) seen.delete(kk);
        if (seen.size >= MAX_LISTED_SEEN) {
          const first = seen.keys().next();
          if (!first.done) seen.delete(first.value);
        }
      }
      s = { last: now, packets: 1 };
      seen.set(k, s);
    }
    const list = bit === LIST_BLACK ? rep.blacklist : rep.maliciousList;
    const ports = (p.layers & (LAYER_TCP | LAYER_UDP)) !== 0;
    const d: Detection = {
      type,
      severity: 'HIGH',
      message: `Traffic ${dir === 'src' ? 'from' : 'to'} ${bit === LIST_BLACK ? 'blacklisted' : 'known malicious'} address ${ip} (${list.label}: ${list.match(addr)})`,
      ts: now,
      key: ip,
      src_ip: formatIp(p.ipSrc),
      dst_ip: formatIp(p.ipDst),
      src_port: ports ? p.srcPort : undefined,
      dst_port: ports ? p.dstPort : undefined,
      proto: proto(p),
      details: { address: ip, direction: dir, list: list.label, entry: list.match(addr), packets: s.packets },
    };
    s.last = now;
    s.packets = 0;
    raise(d);
  };

  return {
    name: 'reputation',
    onPacket(p: Packet): void {
      if (p.ipVersion === 0 || !rep.hasLists) return;
      const sb = rep.lists(p.ipSrc);
      const db = rep.lists(p.ipDst);
      if (sb & LIST_BLACK) hit(p, p.ipSrc, LIST_BLACK, 'src');
      if (db & LIST_BLACK) hit(p, p.ipDst, LIST_BLACK, 'dst');
      if (sb & LIST_MALICIOUS) hit(p, p.ipSrc, LIST_MALICIOUS, 'src');
      if (db & LIST_MALICIOUS) hit(p, p.ipDst, LIST_MALICIOUS, 'dst');
    },
    onTick(now: number): void {
      for (const [k, v] of seen) if (now - v.last >= REPEAT_MS * 10) seen.delete(k);
    },
    status(): Record<string, unknown> {
      return { listedSeen: seen.size, tracked: rep.tracked, blacklist: rep.blacklist.size, whitelist: rep.whitelist.size, malicious: rep.maliciousList.size };
    },
  };
}
