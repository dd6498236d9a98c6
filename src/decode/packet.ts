// The decoded packet: one reusable, flat struct that every decoder fills and every later stage reads.
//
// Why flat and reused: the hot path decodes millions of packets a second, so it allocates nothing for
// the common layers (Ethernet, IP, TCP, UDP, ICMP). Addresses are kept as numbers (IPv4 as an unsigned
// 32-bit integer, MAC as a 48-bit integer) and formatted only when shown. IPv6 addresses are kept as
// their RFC 5952 text, since no number type holds 128 bits cheaply. DNS and HTTP, which are rarer and
// variable-sized, are allocated objects. Anything kept after the packet is processed must be copied
// (strings and numbers are safe; `data`, `frame` and `view` are reused).
//
// Storage of addresses (measured with the benchmark): a field holding number|string keeps a number at
// or above 2^31 (every IPv4 address from 128.0.0.0) as a separately allocated heap number, one or two
// allocations per packet. So IPv4 lives in int32 fields (ip4Src/ip4Dst, small integers stored inline)
// and IPv6 text in string fields (ip6Src/ip6Dst); `ipSrc`/`ipDst` are accessors that give the usual
// IpAddr (IPv4 as an unsigned number). The DataView `view` is made only when someone asks for it.
import { ipv6TextHash } from './addr.js';
import { HttpHead } from './http.js';
import { DnsView } from './dns.js';

/** An IP address: IPv4 as an unsigned 32-bit number, IPv6 as its RFC 5952 text. */
export type IpAddr = number | string;

/**
 * Zero as a heap number (V8 has no small-integer -0), the first value of the fields that hold numbers
 * past 2^31 (times, MAC addresses, TCP sequence numbers, quoted IPv4 addresses): V8 then gives them
 * double storage in the first Packet's hidden class. Started at a small 0, the first large value moved
 * Packets to a new class, and a Packet made before the first packet (the evidence store's scratch one)
 * kept the old class until its first use, hundreds of thousands of packets into a run, where it threw
 * the compiled decoder away ("wrong map"). reset() stores a small 0 into them, which keeps the storage.
 */
const DOUBLE_ZERO = -0;

/** Bits of Packet.layers: which headers were decoded successfully. */
export const LAYER_ETH = 1 << 0;
export const LAYER_VLAN = 1 << 1;
export const LAYER_SLL = 1 << 2;
export const LAYER_NULL = 1 << 3;
export const LAYER_ARP = 1 << 4;
export const LAYER_IPV4 = 1 << 5;
export const LAYER_IPV6 = 1 << 6;
export const LAYER_TCP = 1 << 7;
export const LAYER_UDP = 1 << 8;
export const LAYER_ICMP = 1 << 9;
export const LAYER_ICMPV6 = 1 << 10;
export const LAYER_DNS = 1 << 11;
export const LAYER_HTTP = 1 << 12;
/** The packet is an IP fragment that did not (yet) complete a datagram: no transport layer. */
export const LAYER_FRAGMENT = 1 << 13;
/** The transport layer was decoded from a reassembled datagram (this packet completed it). */
export const LAYER_REASSEMBLED = 1 << 14;

/** TCP flag bits (RFC 793, RFC 3168 for ECE/CWR). */
export const TCP_FIN = 0x01;
export const TCP_SYN = 0x02;
export const TCP_RST = 0x04;
export const TCP_PSH = 0x08;
export const TCP_ACK = 0x10;
export const TCP_URG = 0x20;
export const TCP_ECE = 0x40;
export const TCP_CWR = 0x80;

/** IP protocol numbers. */
export const IPPROTO_ICMP = 1;
export const IPPROTO_TCP = 6;
export const IPPROTO_UDP = 17;
export const IPPROTO_ICMPV6 = 58;

export interface DnsQuestion {
  name: string;
  type: number;
  class: number;
}

export interface DnsRecord {
  name: string;
  type: number;
  class: number;
  ttl: number;
  /** Rendered rdata: "1.2.3.4", "2001:db8::1", a name, "10 mail.example.com" (MX), quoted TXT strings, hex for unknown types. */
  data: string;
}

export interface DnsMessage {
  id: number;
  /** The header's whole flags word (QR, opcode, AA, TC, RD, RA, Z, AD, CD, rcode), as on the wire. */
  flags: number;
  qr: boolean;
  opcode: number;
  aa: boolean;
  tc: boolean;
  rd: boolean;
  ra: boolean;
  rcode: number;
  questions: DnsQuestion[];
  answers: DnsRecord[];
  authorities: DnsRecord[];
  additionals: DnsRecord[];
}

/**
 * An HTTP/1.x message head. decodeHttp's messages read kind, status, contentLength and the body's place
 * off the bytes, and parse the other fields from their own copy of the head when one is first read (so
 * they stay right after the packet's buffer is reused; see decode/http.ts).
 */
export interface HttpMessage {
  kind: 'request' | 'response';
  /** Request line. */
  method: string | null;
  uri: string | null;
  /** "HTTP/1.1" */
  version: string;
  /** Response line. */
  status: number | null;
  reason: string | null;
  /** Common headers, raw (unescaped) as on the wire; null when absent. */
  host: string | null;
  userAgent: string | null;
  contentType: string | null;
  contentLength: number | null;
  /** Every header in order, names as sent. */
  headers: Array<[string, string]>;
  /** Offset and length of the body bytes present in this packet (relative to Packet.data). */
  bodyOff: number;
  bodyLen: number;
}

/** ICMP/ICMPv6 error messages quote the datagram that caused them (RFC 792, RFC 4443). */
export interface IcmpQuoted {
  present: boolean;
  ipVersion: number;
  src: IpAddr;
  dst: IpAddr;
  proto: number;
  /** 0 when the quote is too short to hold the ports. */
  srcPort: number;
  dstPort: number;
}

export class Packet {
  /** 1-based frame number in the source. */
  n = 0;
  /** Capture time, ms since epoch. */
  ts = DOUBLE_ZERO;
  len = 0;
  caplen = 0;
  linkType = 0;
  ifIndex = 0;
  /**
   * The buffer the captured frame is in, from frameOff for caplen bytes (the source's read buffer, or
   * the frame alone). Reused: copy to keep.
   */
  frame: Uint8Array = new Uint8Array(0);
  frameOff = 0;
  /**
   * The bytes the offsets below refer to: the frame's buffer (so the Ethernet header is at frameOff),
   * or, for a packet that completed an IP reassembly, the reassembled IP datagram (then ipOffset is 0).
   */
  data: Uint8Array = new Uint8Array(0);
  /**
   * A DataView over `data` (the same offsets), kept in step with it by setData: the decoders read
   * multi-byte fields through it, one bounds-checked load where four byte loads and shifts were
   * (measured ~2.4x faster for the IPv4 and TCP header words). Made once per buffer: a reader that
   * refills one buffer gets one for the whole capture.
   */
  dv: DataView = new DataView(new ArrayBuffer(0));
  private dvOf: Uint8Array | null = null;
  /** Sets `data` and, for a buffer not seen last, `dv`. */
  setData(d: Uint8Array): void {
    this.data = d;
    if (d !== this.dvOf) {
      this.dv = new DataView(d.buffer, d.byteOffset, d.byteLength);
      this.dvOf = d;
    }
  }
  /** A DataView over `data`, made on first use (for readers outside the decoders). */
  get view(): DataView {
    const d = this.data;
    let v = this.viewCache;
    if (v === null || v.buffer !== d.buffer || v.byteOffset !== d.byteOffset || v.byteLength !== d.byteLength) {
      v = new DataView(d.buffer, d.byteOffset, d.byteLength);
      this.viewCache = v;
    }
    return v;
  }
  set view(v: DataView) {
    this.viewCache = v;
  }
  private viewCache: DataView | null = null;
  /** LAYER_* bits. */
  layers = 0;

  // Link layer
  ethSrc = DOUBLE_ZERO;
  ethDst = DOUBLE_ZERO;
  /** EtherType (or SLL protocol) of the payload after any VLAN tags. */
  etherType = 0;
  /** VLAN ids, outermost first (802.1ad then 802.1Q). Reused array. */
  vlanIds: number[] = [];

  // ARP (IPv4 over Ethernet only)
  arpOp = 0;
  arpSenderIp = 0;
  arpTargetIp = 0;

  // Network layer
  /** 0 when there is no IP layer. */
  ipVersion = 0;
  /** IPv4 source/destination as a signed int32 (`>>> 0` gives the unsigned value); 0 when IPv6 or none. */
  ip4Src = 0;
  ip4Dst = 0;
  /** IPv6 source/destination as RFC 5952 text; '' when the addresses are IPv4 (or there is no IP layer). */
  ip6Src = '';
  ip6Dst = '';
  /** ipv6TextHash of ip6Src / ip6Dst (0 with IPv4), for hash tables keyed by the address. */
  ip6SrcHash = 0;
  ip6DstHash = 0;
  /** Source address: IPv4 as an unsigned number, IPv6 as text (0 when there is no IP layer). */
  get ipSrc(): IpAddr {
    return this.ip6Src !== '' ? this.ip6Src : this.ip4Src >>> 0;
  }
  set ipSrc(a: IpAddr) {
    if (typeof a === 'number') {
      this.ip4Src = a | 0;
      this.ip6Src = '';
      this.ip6SrcHash = 0;
    } else {
      this.ip4Src = 0;
      this.ip6Src = a;
      this.ip6SrcHash = ipv6TextHash(a);
    }
  }
  /** Destination address: IPv4 as an unsigned number, IPv6 as text (0 when there is no IP layer). */
  get ipDst(): IpAddr {
    return this.ip6Dst !== '' ? this.ip6Dst : this.ip4Dst >>> 0;
  }
  set ipDst(a: IpAddr) {
    if (typeof a === 'number') {
      this.ip4Dst = a | 0;
      this.ip6Dst = '';
      this.ip6DstHash = 0;
    } else {
      this.ip4Dst = 0;
      this.ip6Dst = a;
      this.ip6DstHash = ipv6TextHash(a);
    }
  }
  /** Transport protocol (after IPv6 extension headers). */
  ipProto = 0;
  /** TTL, or hop limit for IPv6. */
  ipTtl = 0;
  /** IPv4 total length, or IPv6 40 + payload length. */
  ipLen = 0;
  ipHeaderLen = 0;
  ipId = 0;
  /** IPv4: true if the header checksum verifies; IPv6: always true. */
  ipChecksumOk = true;
  ipOffset = 0;

  // Transport layer (ports are 0 where the protocol has none)
  srcPort = 0;
  dstPort = 0;
  tcpSeq = DOUBLE_ZERO;
  tcpAck = DOUBLE_ZERO;
  /** Low 8 flag bits (TCP_*). */
  tcpFlags = 0;
  tcpWin = 0;
  tcpHeaderLen = 0;
  /** TCP options; -1 when absent. */
  tcpMss = -1;
  tcpWscale = -1;
  tcpSackOk = false;
  tcpTsVal = -1;
  tcpTsEcr = -1;
  udpLen = 0;
  icmpType = 0;
  icmpCode = 0;
  icmpQuoted: IcmpQuoted = { present: false, ipVersion: 0, src: DOUBLE_ZERO, dst: DOUBLE_ZERO, proto: 0, srcPort: 0, dstPort: 0 };

  /** Application payload (after the transport header), relative to data. */
  payloadOff = 0;
  payloadLen = 0;

  /**
   * The DNS message: decodePacket's is `dnsView`, which reads the packet's bytes, so, like `data`, it
   * holds this packet only until the next one is decoded; keepDns (decode/dns.ts) gives a lasting one.
   */
  dns: DnsMessage | null = null;
  /** The view decodePacket fills for a DNS message (`dns` is then this view). */
  readonly dnsView = new DnsView();
  http: HttpMessage | null = null;
  /**
   * The head decodePacket fills for an HTTP message (`http` is then this head): reused, its fields read
   * the packet's bytes, so, like `data`, it holds this packet only until the next one is decoded.
   */
  readonly httpHead = new HttpHead();

  /** Decode event names raised for this packet (e.g. "decode.ipv4.header_too_short"). Reused array. */
  events: string[] = [];

  /** Clears every field so the struct can take the next packet. */
  reset(): void {
    this.n = 0;
    this.ts = 0;
    this.len = 0;
    this.caplen = 0;
    this.frameOff = 0;
    this.linkType = 0;
    this.ifIndex = 0;
    this.resetDecoded();
  }

  /**
   * Clears the fields the decoders fill, not the frame's own (n, ts, len, caplen, frameOff, linkType,
   * ifIndex): decodePacket sets those right after, so clearing them too stored seven fields twice a packet.
   */
  resetDecoded(): void {
    this.layers = 0;
    this.ethSrc = 0;
    this.ethDst = 0;
    this.etherType = 0;
    // pop(), not `length = 0`: setting the length frees the backing store, so the next push would
    // allocate a new one (measured: one allocation per tagged packet); pop keeps it.
    while (this.vlanIds.length !== 0) this.vlanIds.pop();
    this.arpOp = 0;
    this.arpSenderIp = 0;
    this.arpTargetIp = 0;
    this.ipVersion = 0;
    this.ip4Src = 0;
    this.ip4Dst = 0;
    this.ip6Src = '';
    this.ip6Dst = '';
    this.ip6SrcHash = 0;
    this.ip6DstHash = 0;
    this.ipProto = 0;
    this.ipTtl = 0;
    this.ipLen = 0;
    this.ipHeaderLen = 0;
    this.ipId = 0;
    this.ipChecksumOk = true;
    this.ipOffset = 0;
    this.srcPort = 0;
    this.dstPort = 0;
    this.tcpSeq = 0;
    this.tcpAck = 0;
    this.tcpFlags = 0;
    this.tcpWin = 0;
    this.tcpHeaderLen = 0;
    this.tcpMss = -1;
    this.tcpWscale = -1;
    this.tcpSackOk = false;
    this.tcpTsVal = -1;
    this.tcpTsEcr = -1;
    this.udpLen = 0;
    this.icmpType = 0;
    this.icmpCode = 0;
    this.icmpQuoted.present = false;
    this.payloadOff = 0;
    this.payloadLen = 0;
    this.dns = null;
    this.http = null;
    while (this.events.length !== 0) this.events.pop();
  }
}
