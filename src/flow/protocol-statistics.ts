// Traffic statistics in packet time: packets and bytes per protocol, top talkers, top server ports,
// and per-second packet and byte rates for the last minute (the seed's net_statistics).
import type { IpAddr, Packet } from '../decode/packet.js';
import * as packet from '../decode/packet.js';
import { formatIp } from '../decode/addr.js';
import * as portNames from './port-names.js';
import { kthSmallest } from './order-statistic.js';

// The packet constants (and helpers) as this module's own consts: V8's optimizing compiler folds a
// module's const into the code, but reads an imported binding from its cell and tests it for the hole at
// every use (six or so instructions each, on every packet).
const { LAYER_ARP, LAYER_DNS, LAYER_HTTP, LAYER_ICMP, LAYER_ICMPV6, LAYER_TCP, LAYER_UDP } = packet;
const { portRank, serviceName } = portNames;

export interface ProtocolStatisticsOptions {
  /** Hosts counted for top talkers; beyond it the least active half is dropped. Default 10000. */
  maxHosts?: number;
}

/**
 * Protocol buckets. TCP, UDP, ICMP, ICMPv6, ARP and Other partition the packets (they add up to the
 * total); DNS and HTTP count again the TCP/UDP packets that carry them.
 */
export const PROTOCOL_NAMES = ['TCP', 'UDP', 'ICMP', 'ICMPv6', 'ARP', 'DNS', 'HTTP', 'Other'] as const;
export type ProtocolName = (typeof PROTOCOL_NAMES)[number];

const P_TCP = 0;
const P_UDP = 1;
const P_ICMP = 2;
const P_ICMPV6 = 3;
const P_ARP = 4;
const P_DNS = 5;
const P_HTTP = 6;
const P_OTHER = 7;

/** Seconds of per-second history kept (60 shown, one being filled, spare): a power of two, see ringSlot. */
const RING = 64;

/**
 * A second's bucket in the ring: its remainder modulo RING, non-negative, for any whole number of
 * seconds (ToInt32 keeps the residue modulo 2^32, a multiple of RING, also past 2^31 and below 0). The
 * seconds are doubles of unknown range, for which `%` is a floating-point remainder (x87 `fprem` on x64):
 * twice per packet, it was a fair share of the statistics' per-packet instructions.
 */
function ringSlot(sec: number): number {
  return sec & (RING - 1);
}

interface HostStat {
  packets: number;
  bytes: number;
}

/**
 * Home slot of an IPv4 address (or of an IPv6 address's hash): murmur3's finalizer, so every input bit reaches the low bits. (A single
 * multiply only moves bits upwards; spoofed sources in arithmetic progression, as a flood tool makes them,
 * then filled runs of neighbouring slots and linear probing crawled along them: measured 1.6 s of 3.6 s
 * on the bench's million-source flood.)
 */
function slotOf(ip: number): number {
  let h = Math.imul(ip ^ (ip >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return h ^ (h >>> 16);
}

/** Smallest table, in slots: a quiet network's hosts fit in a few cache lines. */
const MIN_SLOTS = 64;

/** Slots for `cap` hosts at most half full: a power of two. */
function slotsFor(cap: number): number {
  let size = MIN_SLOTS;
  while (size < cap * 2) size *= 2;
  return size;
}

/**
 * Per-host counters for IPv4 in typed arrays (open addressing on the address as an int32): a Map keyed
 * by addresses above 127.255.255.255 hashes a boxed number on every lookup, which cost more than all the
 * other statistics together. The addresses sit in their own Int32Array (16 to a cache line; 0 = empty,
 * the address 0.0.0.0 is kept in fields of its own), the [packets, bytes] of each slot in a Float64Array
 * of 16-byte records, which never cross a cache line. One 32-byte record per host ([key, packets, bytes,
 * -]) crossed a line at every odd slot, since a calloc'd block starts 16 bytes into a line, and its key
 * probe walked a table twice the size of the address array (the key load was 1.5% of a benign run's
 * CPU samples, a cache miss). The table starts small and doubles as hosts come: sized for maxHosts from
 * the start, it spread a few hundred hosts over a megabyte, and every lookup missed the cache.
 */
class V4Hosts {
  /** Address per slot (int32); 0 marks an empty slot. */
  private keys: Int32Array;
  /** [packets, bytes] per slot. */
  private cnt: Float64Array;
  private mask: number;
  /** The table doubles up to this many slots (maxHosts at most half full), so it stays small while hosts are few. */
  private readonly maxSlots: number;
  /** The host 0.0.0.0 (whose int32 is the empty mark): present, packets, bytes. */
  private zero = false;
  private zeroPackets = 0;
  private zeroBytes = 0;
  count = 0;

  constructor(cap: number) {
    this.maxSlots = slotsFor(cap);
    this.keys = new Int32Array(MIN_SLOTS);
    this.cnt = new Float64Array(MIN_SLOTS * 2);
    this.mask = MIN_SLOTS - 1;
  }

  /** Adds to an existing host (`ip` as int32); returns false when the host is not in the table. */
  add(ip: number, len: number): boolean {
    if (ip === 0) return this.addZero(len);
    const mask = this.mask;
    const keys = this.keys;
    for (let i = slotOf(ip) & mask; ; i = (i + 1) & mask) {
      const k = keys[i];
      if (k === ip) {
        const o = i << 1;
        this.cnt[o]++;
        this.cnt[o + 1] += len;
        return true;
      }
      if (k === 0) return false;
    }
  }

  private addZero(len: number): boolean {
    if (!this.zero) return false;
    this.zeroPackets++;
    this.zeroBytes += len;
    return true;
  }

  insert(ip: number, packets: number, bytes: number): void {
    if ((this.count + 1) * 2 > this.mask + 1 && this.mask + 1 < this.maxSlots) this.grow();
    this.put(ip, packets, bytes);
    this.count++;
  }

  private put(ip: number, packets: number, bytes: number): void {
    if (ip === 0) {
      this.zero = true;
      this.zeroPackets = packets;
      this.zeroBytes = bytes;
      return;
    }
    const mask = this.mask;
    const keys = this.keys;
    let i = slotOf(ip) & mask;
    while (keys[i] !== 0) i = (i + 1) & mask;
    keys[i] = ip;
    this.cnt[i << 1] = packets;
    this.cnt[(i << 1) + 1] = bytes;
  }

  private grow(): void {
    const oldKeys = this.keys;
    const oldCnt = this.cnt;
    const size = (this.mask + 1) * 2;
    this.keys = new Int32Array(size);
    this.cnt = new Float64Array(size * 2);
    this.mask = size - 1;
    for (let i = 0; i < oldKeys.length; i++) if (oldKeys[i] !== 0) this.put(oldKeys[i], oldCnt[i << 1], oldCnt[(i << 1) + 1]);
  }

  clear(): void {
    this.keys.fill(0);
    this.zero = false;
    this.count = 0;
  }

  /** Writes every host's byte count into `out` from `at`; returns the index after the last. */
  collectBytes(out: Float64Array, at: number): number {
    if (this.zero) out[at++] = this.zeroBytes;
    const keys = this.keys;
    for (let i = 0; i < keys.length; i++) if (keys[i] !== 0) out[at++] = this.cnt[(i << 1) + 1];
    return at;
  }

  /** Writes the unsigned addresses of the hosts with exactly `bytes` bytes into `out`; returns how many. */
  addressesWithBytes(bytes: number, out: Float64Array): number {
    let n = 0;
    if (this.zero && this.zeroBytes === bytes) out[n++] = 0;
    const keys = this.keys;
    for (let i = 0; i < keys.length; i++) if (keys[i] !== 0 && this.cnt[(i << 1) + 1] === bytes) out[n++] = keys[i] >>> 0;
    return n;
  }

  /**
   * Keeps hosts with more than `threshold` bytes, and those with exactly that many at addresses <= `tieCut`
   * (unsigned; -1 keeps none). The kept hosts wait in `scratch` ([address, packets, bytes] per host, room
   * for every host) while the table is emptied: no array per prune.
   */
  retain(threshold: number, tieCut: number, scratch: Float64Array): void {
    const keys = this.keys;
    const cnt = this.cnt;
    let n = 0;
    if (this.zero && (this.zeroBytes > threshold || (this.zeroBytes === threshold && 0 <= tieCut))) {
      scratch[0] = 0;
      scratch[1] = this.zeroPackets;
      scratch[2] = this.zeroBytes;
      n = 3;
    }
    for (let i = 0; i < keys.length; i++) {
      if (keys[i] === 0) continue;
      const b = cnt[(i << 1) + 1];
      const ip = keys[i] >>> 0;
      if (b > threshold || (b === threshold && ip <= tieCut)) {
        scratch[n] = ip;
        scratch[n + 1] = cnt[i << 1];
        scratch[n + 2] = b;
        n += 3;
      }
    }
    this.clear();
    for (let i = 0; i < n; i += 3) this.insert(scratch[i] | 0, scratch[i + 1], scratch[i + 2]);
  }

  entries(): Array<[IpAddr, HostStat]> {
    const out: Array<[IpAddr, HostStat]> = [];
    if (this.zero) out.push([0, { packets: this.zeroPackets, bytes: this.zeroBytes }]);
    const keys = this.keys;
    for (let i = 0; i < keys.length; i++) {
      if (keys[i] !== 0) out.push([keys[i] >>> 0, { packets: this.cnt[i << 1], bytes: this.cnt[(i << 1) + 1] }]);
    }
    return out;
  }

  /** The table's size in slots (for tests of its growth). */
  get slots(): number {
    return this.mask + 1;
  }
}

/**
 * Per-host counters for IPv6, the same way: open addressing on the address's ipv6TextHash (which the
 * decoder hands out with the text), then the text compared in full. A Map keyed by the text cost a
 * hash-table walk in a builtin per address (measured: ~1% of decode plus flow state on the bench).
 */
class V6Hosts {
  /** '' marks an empty slot. */
  private texts: string[];
  private hashes: Int32Array;
  /** [packets, bytes] per slot. */
  private rec: Float64Array;
  private mask: number;
  private readonly maxSlots: number;
  count = 0;

  constructor(cap: number) {
    this.maxSlots = slotsFor(cap);
    this.texts = new Array<string>(MIN_SLOTS).fill('');
    this.hashes = new Int32Array(MIN_SLOTS);
    this.rec = new Float64Array(MIN_SLOTS * 2);
    this.mask = MIN_SLOTS - 1;
  }

  /** Adds to an existing host; returns false when the host is not in the table. */
  add(ip: string, hash: number, len: number): boolean {
    const mask = this.mask;
    const texts = this.texts;
    for (let i = slotOf(hash) & mask; ; i = (i + 1) & mask) {
      const t = texts[i];
      if (t === '') return false;
      if (this.hashes[i] === hash && t === ip) {
        this.rec[i << 1]++;
        this.rec[(i << 1) + 1] += len;
        return true;
      }
    }
  }

  insert(ip: string, hash: number, packets: number, bytes: number): void {
    if ((this.count + 1) * 2 > this.mask + 1 && this.mask + 1 < this.maxSlots) this.grow();
    this.put(ip, hash, packets, bytes);
    this.count++;
  }

  private put(ip: string, hash: number, packets: number, bytes: number): void {
    const mask = this.mask;
    let i = slotOf(hash) & mask;
    while (this.texts[i] !== '') i = (i + 1) & mask;
    this.texts[i] = ip;
    this.hashes[i] = hash;
    this.rec[i << 1] = packets;
    this.rec[(i << 1) + 1] = bytes;
  }

  private grow(): void {
    const { texts, hashes, rec } = this;
    const size = (this.mask + 1) * 2;
    this.texts = new Array<string>(size).fill('');
    this.hashes = new Int32Array(size);
    this.rec = new Float64Array(size * 2);
    this.mask = size - 1;
    for (let i = 0; i < texts.length; i++) if (texts[i] !== '') this.put(texts[i], hashes[i], rec[i << 1], rec[(i << 1) + 1]);
  }

  clear(): void {
    this.texts.fill('');
    this.count = 0;
  }

  collectBytes(out: Float64Array, at: number): number {
    for (let i = 0; i < this.texts.length; i++) if (this.texts[i] !== '') out[at++] = this.rec[(i << 1) + 1];
    return at;
  }

  /** Texts of the hosts with exactly `bytes` bytes. */
  addressesWithBytes(bytes: number): string[] {
    const out: string[] = [];
    for (let i = 0; i < this.texts.length; i++) if (this.texts[i] !== '' && this.rec[(i << 1) + 1] === bytes) out.push(this.texts[i]);
    return out;
  }

  /** Keeps hosts with more than `threshold` bytes, and those with exactly that many whose text is in `ties`. */
  retain(threshold: number, ties: ReadonlySet<string>): void {
    const kept: Array<[string, number, number, number]> = [];
    for (let i = 0; i < this.texts.length; i++) {
      const t = this.texts[i];
      if (t === '') continue;
      const b = this.rec[(i << 1) + 1];
      if (b > threshold || (b === threshold && ties.has(t))) kept.push([t, this.hashes[i], this.rec[i << 1], b]);
    }
    this.clear();
    for (const [t, h, pk, b] of kept) this.insert(t, h, pk, b);
  }

  entries(): Array<[IpAddr, HostStat]> {
    const out: Array<[IpAddr, HostStat]> = [];
    for (let i = 0; i < this.texts.length; i++) {
      if (this.texts[i] !== '') out.push([this.texts[i], { packets: this.rec[i << 1], bytes: this.rec[(i << 1) + 1] }]);
    }
    return out;
  }
}

export class ProtocolStatistics {
  private readonly maxHosts: number;
  private totalPackets = 0;
  private totalBytes = 0;
  private readonly protoPackets = new Float64Array(8);
  private readonly protoBytes = new Float64Array(8);
  /** Packets whose server port is this port, for TCP and UDP: dense arrays, bounded by nature. */
  private readonly tcpPorts = new Float64Array(65536);
  private readonly udpPorts = new Float64Array(65536);
  private readonly v4Hosts: V4Hosts;
  private readonly v6Hosts: V6Hosts;
  private hostPrunes = 0;
  /**
   * Scratch of pruneHosts, made at the first prune (most captures never prune) and reused: every host's
   * byte count, then the tied IPv4 addresses, then the kept IPv4 hosts (three numbers each).
   */
  private pruneScratch: Float64Array | null = null;
  // Per-second ring: which second each bucket holds, and its counts.
  private readonly secStamp = new Float64Array(RING).fill(-1);
  private readonly secPackets = new Float64Array(RING);
  private readonly secBytes = new Float64Array(RING);
  /** Latest second seen (packet time), or -1 before the first packet. */
  private curSec = -1;

  constructor(opts: ProtocolStatisticsOptions = {}) {
    this.maxHosts = Math.max(2, Math.floor(opts.maxHosts ?? 10_000));
    this.v4Hosts = new V4Hosts(this.maxHosts);
    this.v6Hosts = new V6Hosts(this.maxHosts);
  }

  get packets(): number {
    return this.totalPackets;
  }

  get bytes(): number {
    return this.totalBytes;
  }

  /** Sizes of the bounded state, for the bench and tests. */
  counters(): { hosts: number; maxHosts: number; hostPrunes: number } {
    return { hosts: this.v4Hosts.count + this.v6Hosts.count, maxHosts: this.maxHosts, hostPrunes: this.hostPrunes };
  }

  onPacket(p: Packet): void {
    const len = p.len;
    this.totalPackets++;
    this.totalBytes += len;
    const layers = p.layers;
    let proto: number;
    if (layers & LAYER_TCP) proto = P_TCP;
    else if (layers & LAYER_UDP) proto = P_UDP;
    else if (layers & LAYER_ICMP) proto = P_ICMP;
    else if (layers & LAYER_ICMPV6) proto = P_ICMPV6;
    else if (layers & LAYER_ARP) proto = P_ARP;
    else proto = P_OTHER;
    this.protoPackets[proto]++;
    this.protoBytes[proto] += len;
    if (layers & LAYER_DNS) {
      this.protoPackets[P_DNS]++;
      this.protoBytes[P_DNS] += len;
    }
    if (layers & LAYER_HTTP) {
      this.protoPackets[P_HTTP]++;
      this.protoBytes[P_HTTP] += len;
    }
    if (proto === P_TCP || proto === P_UDP) {
      const sp = p.srcPort;
      const dp = p.dstPort;
      const tcp = proto === P_TCP;
      // The server port: the destination, unless the source looks more like a server's port (a reply).
      const port = portRank(sp, tcp) > portRank(dp, tcp) ? sp : dp;
      (tcp ? this.tcpPorts : this.udpPorts)[port]++;
    }
    if (p.ipVersion !== 0) {
      // The int32 / text fields, not the ipSrc accessor: an unsigned IPv4 number from 128.0.0.0 up
      // would be boxed on every call.
      if (p.ip6Src === '') {
        this.countHost4(p.ip4Src, len);
        if (p.ip4Dst !== p.ip4Src) this.countHost4(p.ip4Dst, len);
      } else {
        this.countHost6(p.ip6Src, p.ip6SrcHash, len);
        if (p.ip6Dst !== p.ip6Src) this.countHost6(p.ip6Dst, p.ip6DstHash, len);
      }
    }
    this.countSecond(p, len);
  }

  /** Advances the rate clock when no packets arrive. */
  onTick(now: number): void {
    this.advance(Math.floor(now / 1000));
  }

  protocols(): Record<ProtocolName, { packets: number; bytes: number }> {
    const out = {} as Record<ProtocolName, { packets: number; bytes: number }>;
    PROTOCOL_NAMES.forEach((name, i) => {
      out[name] = { packets: this.protoPackets[i], bytes: this.protoBytes[i] };
    });
    return out;
  }

  /** Hosts with the most traffic (sent plus received), most first. */
  topTalkers(n: number, by: 'bytes' | 'packets'): { ip: string; packets: number; bytes: number }[] {
    const all = this.allHosts();
    // Ties by address (IPv4 first, then IPv6 text), not by where the hash table happens to keep them.
    const byAddr = (a: IpAddr, b: IpAddr): number =>
      typeof a === 'number' ? (typeof b === 'number' ? a - b : -1) : typeof b === 'number' ? 1 : a < b ? -1 : a > b ? 1 : 0;
    all.sort(
      by === 'bytes'
        ? (a, b) => b[1].bytes - a[1].bytes || b[1].packets - a[1].packets || byAddr(a[0], b[0])
        : (a, b) => b[1].packets - a[1].packets || b[1].bytes - a[1].bytes || byAddr(a[0], b[0]),
    );
    return all.slice(0, Math.max(0, n)).map(([ip, h]) => ({ ip: formatIp(ip), packets: h.packets, bytes: h.bytes }));
  }

  /** Server ports with the most packets, most first. */
  topPorts(n: number): { port: number; proto: string; service: string; packets: number }[] {
    const out: { port: number; proto: string; service: string; packets: number }[] = [];
    for (const [arr, proto] of [
      [this.tcpPorts, 'tcp'],
      [this.udpPorts, 'udp'],
    ] as const) {
      for (let port = 0; port < 65536; port++) {
        if (arr[port] > 0) out.push({ port, proto: proto.toUpperCase(), service: serviceName(port, proto), packets: arr[port] });
      }
    }
    out.sort((a, b) => b.packets - a.packets || a.port - b.port);
    return out.slice(0, Math.max(0, n));
  }

  /** Packet and byte rate of the last full second before `now` (packet time). */
  rate(now: number): { pps: number; bps: number } {
    const sec = Math.floor(now / 1000) - 1;
    const i = ringSlot(sec);
    if (this.secStamp[i] !== sec) return { pps: 0, bps: 0 };
    return { pps: this.secPackets[i], bps: this.secBytes[i] };
  }

  /** Packets per second for the 60 full seconds before `now` (default: the latest packet's second), oldest first. */
  rateHistory(now?: number): number[] {
    const endSec = now === undefined ? this.curSec : Math.floor(now / 1000);
    const out: number[] = [];
    for (let sec = endSec - 60; sec < endSec; sec++) {
      const i = ringSlot(sec);
      out.push(sec >= 0 && this.secStamp[i] === sec ? this.secPackets[i] : 0);
    }
    return out;
  }

  /** `ip` is an IPv4 address as int32. */
  private countHost4(ip: number, len: number): void {
    if (this.v4Hosts.add(ip, len)) return;
    if (this.v4Hosts.count + this.v6Hosts.count >= this.maxHosts) this.pruneHosts();
    this.v4Hosts.insert(ip, 1, len);
  }

  /** `hash` is the address's ipv6TextHash. */
  private countHost6(ip: string, hash: number, len: number): void {
    if (this.v6Hosts.add(ip, hash, len)) return;
    if (this.v4Hosts.count + this.v6Hosts.count >= this.maxHosts) this.pruneHosts();
    this.v6Hosts.insert(ip, hash, 1, len);
  }

  private allHosts(): Array<[IpAddr, HostStat]> {
    const all = this.v4Hosts.entries();
    for (const e of this.v6Hosts.entries()) all.push(e);
    return all;
  }

  /**
   * Keeps the busier half of the hosts (by bytes): bounded memory, amortized O(1) per new host.
   * Done on typed arrays (order statistics by quickselect for the byte threshold and the last IPv4 tie
   * kept, where two sorts of every host's figure took about 3% of a spoofed flood's time; no per-host
   * objects): under a spoofed
   * flood it runs every maxHosts/2 new sources. Ties at the threshold (a flood: every source one packet)
   * keep IPv6 hosts first, by lowest text, then IPv4 by ascending address, never table order: keeping the
   * first half in slot order packed the survivors into one run of neighbouring slots, which every later
   * lookup then probed through (measured: ~200 probes per lookup).
   */
  private pruneHosts(): void {
    const v4 = this.v4Hosts;
    const v6 = this.v6Hosts;
    const n = v4.count + v6.count;
    const keep = n >> 1;
    // n <= maxHosts: a host is added only after a prune made room.
    const scratch = (this.pruneScratch ??= new Float64Array(this.maxHosts * 3));
    const bytes = scratch;
    v6.collectBytes(bytes, v4.collectBytes(bytes, 0));
    // The keep-th largest byte count (what a sort would put at n - keep); hosts above it stay, and
    // enough of those equal to it.
    const threshold = keep > 0 ? kthSmallest(bytes, n, n - keep) : Infinity;
    let above = 0;
    for (let i = 0; i < n; i++) if (bytes[i] > threshold) above++;
    let tiesLeft = keep - above;
    // IPv6 ties: the lowest texts, up to the half.
    const tied6 = tiesLeft > 0 ? v6.addressesWithBytes(threshold).sort().slice(0, tiesLeft) : [];
    tiesLeft -= tied6.length;
    // IPv4 ties: the lowest addresses, up to what is left of the half.
    let tieCut = -1;
    if (tiesLeft > 0) {
      const nTied = v4.addressesWithBytes(threshold, scratch);
      tieCut = nTied === 0 ? -1 : kthSmallest(scratch, nTied, Math.min(tiesLeft, nTied) - 1);
    }
    v4.retain(threshold, tieCut, scratch);
    v6.retain(threshold, new Set(tied6));
    this.hostPrunes++;
  }

  /** Counts p into its second; takes the packet for its time (a time passed as a number is boxed per call). */
  private countSecond(p: Packet, len: number): void {
    const sec = Math.floor(p.ts / 1000);
    if (sec !== this.curSec) this.advance(sec);
    if (sec < this.curSec - (RING - 1)) return; // too old to be in the ring
    const i = ringSlot(sec);
    if (this.secStamp[i] !== sec) return;
    this.secPackets[i]++;
    this.secBytes[i] += len;
  }

  /** Moves the clock to `sec`, starting empty buckets for every second in between. */
  private advance(sec: number): void {
    if (sec <= this.curSec) return;
    const from = this.curSec < 0 || sec - this.curSec > RING ? sec - RING + 1 : this.curSec + 1;
    for (let s = from; s <= sec; s++) {
      const i = ringSlot(s);
      this.secStamp[i] = s;
      this.secPackets[i] = 0;
      this.secBytes[i] = 0;
    }
    this.curSec = sec;
  }
}

