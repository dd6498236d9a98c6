// The EVE `stats` record (Suricata's stats event: uptime, capture, decoder and flow counters, under
// the names of Suricata's etc/schema.json "stats" object), written every outputs.eve.stats_interval
// seconds of packet time and once at exit.
import {
  LAYER_ARP, LAYER_ICMP, LAYER_ICMPV6, LAYER_IPV4, LAYER_IPV6, LAYER_TCP, LAYER_UDP, LAYER_VLAN, type Packet,
} from '../../decode/packet.js';

/** Kernel counters of a live capture (pcap_stats), as the capture source reports them. */
export interface CaptureCounters {
  /** Packets the kernel received (pcap_stats ps_recv). */
  kernel_packets: number;
  /** Packets the kernel dropped for lack of buffer space (ps_drop). */
  kernel_drops: number;
  /** Packets the interface or its driver dropped (ps_ifdrop), where known. */
  kernel_ifdrops?: number;
}

/** Flow table counters: flows created since start, and flows in the table now. */
export interface FlowCounters {
  total: number;
  active: number;
}

/** LINKTYPE numbers counted under Suricata's link-layer decoder names. */
const LINK_ETHERNET = 1;
const LINK_NULL = 0;
const LINK_LOOP = 108;
const LINK_SLL = 113;
const LINK_SLL2 = 276;
const LINK_RAW = new Set([12, 14, 101, 228, 229]);

/** Decoder counters of every packet the sink is shown (Suricata's decoder.* names). */
export class DecoderCounters {
  pkts = 0;
  bytes = 0;
  invalid = 0;
  ethernet = 0;
  null = 0;
  sll = 0;
  sll2 = 0;
  raw = 0;
  vlan = 0;
  arp = 0;
  ipv4 = 0;
  ipv6 = 0;
  tcp = 0;
  udp = 0;
  icmpv4 = 0;
  icmpv6 = 0;
  maxPktSize = 0;

  count(p: Packet): void {
    this.pkts++;
    this.bytes += p.len;
    if (p.len > this.maxPktSize) this.maxPktSize = p.len;
    if (p.events.length > 0) this.invalid++;
    const lt = p.linkType;
    if (lt === LINK_ETHERNET) this.ethernet++;
    else if (lt === LINK_SLL) this.sll++;
    else if (lt === LINK_SLL2) this.sll2++;
    else if (lt === LINK_NULL || lt === LINK_LOOP) this.null++;
    else if (LINK_RAW.has(lt)) this.raw++;
    const l = p.layers;
    if (l & LAYER_VLAN) this.vlan++;
    if (l & LAYER_ARP) this.arp++;
    if (l & LAYER_IPV4) this.ipv4++;
    if (l & LAYER_IPV6) this.ipv6++;
    if (l & LAYER_TCP) this.tcp++;
    if (l & LAYER_UDP) this.udp++;
    if (l & LAYER_ICMP) this.icmpv4++;
    if (l & LAYER_ICMPV6) this.icmpv6++;
  }

  /** The decoder object of the stats record. */
  toEve(): Record<string, number> {
    return {
      pkts: this.pkts,
      bytes: this.bytes,
      invalid: this.invalid,
      ipv4: this.ipv4,
      ipv6: this.ipv6,
      ethernet: this.ethernet,
      arp: this.arp,
      raw: this.raw,
      null: this.null,
      sll: this.sll,
      sll2: this.sll2,
      tcp: this.tcp,
      udp: this.udp,
      icmpv4: this.icmpv4,
      icmpv6: this.icmpv6,
      vlan: this.vlan,
      avg_pkt_size: this.pkts ? Math.floor(this.bytes / this.pkts) : 0,
      max_pkt_size: this.maxPktSize,
    };
  }
}

/**
 * The stats object: uptime (whole seconds of packet time since the first packet), capture (only when
 * the source reports kernel counters), decoder, and flow (when the caller has the flow table's counters).
 */
export function statsObject(uptimeS: number, decoder: DecoderCounters, flows: FlowCounters | null, capture: CaptureCounters | null): Record<string, unknown> {
  const stats: Record<string, unknown> = { uptime: Math.max(0, Math.floor(uptimeS)) };
  if (capture) {
    const c: Record<string, number> = { kernel_packets: capture.kernel_packets, kernel_drops: capture.kernel_drops };
    if (capture.kernel_ifdrops !== undefined) c.kernel_ifdrops = capture.kernel_ifdrops;
    stats.capture = c;
  }
  stats.decoder = decoder.toEve();
  if (flows) stats.flow = { total: flows.total, active: flows.active };
  return stats;
}
