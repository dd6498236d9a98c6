// How detectors write protocols, addresses, times and port samples into the detections they raise.
import { ALERT_ADDRESSES } from '../alert/address-text.js';
import { formatIp } from '../decode/addr.js';
import {
  IPPROTO_ICMP,
  IPPROTO_ICMPV6,
  IPPROTO_TCP,
  IPPROTO_UDP,
  type IpAddr,
  type Packet,
} from '../decode/packet.js';

/** Display name of the transport protocol of a packet. */
export function protoName(p: Packet): string {
  switch (p.ipProto) {
    case IPPROTO_TCP:
      return 'TCP';
    case IPPROTO_UDP:
      return 'UDP';
    case IPPROTO_ICMP:
      return 'ICMP';
    case IPPROTO_ICMPV6:
      return 'ICMPv6';
    default:
      return p.ipVersion ? `IP/${p.ipProto}` : 'Other';
  }
}

export function ipText(a: IpAddr): string {
  return formatIp(a);
}

let isoMs = NaN;
let isoText = '';
/**
 * Packet time as ISO 8601 (the only Date use: formatting a given time, never reading the clock). The
 * last result is reused for the same millisecond: a flood raises many alerts within one.
 */
export function iso(ms: number): string {
  const whole = Math.trunc(ms);
  if (whole !== isoMs) {
    isoText = new Date(whole).toISOString();
    isoMs = whole;
  }
  return isoText;
}

/**
 * An address as a Map or Set key: IPv4 as the packet's int32, IPv6 as its text; one key per address, as
 * with Packet.ipSrc. Packet.ipSrc gives IPv4 as an unsigned number, which from 128.0.0.0 up V8 keeps as
 * a heap-allocated double: a new object per call, and a slower hash in every Map and Set lookup. An
 * int32 is always a small integer.
 */
export type AddrKey = number | string;

export function addrKey(a4: number, a6: string): AddrKey {
  return a6 !== '' ? a6 : a4;
}

/** Display text of an AddrKey. */
export function keyText(k: AddrKey): string {
  return typeof k === 'number' ? formatIp(k >>> 0) : k;
}

/**
 * Display text of an address kept as (int32 IPv4, IPv6 text), from the table every detector shares
 * (alert/address-text.ts): an address named by several detections is one string, made once.
 */
export function addrText(a4: number, a6: string): string {
  return ALERT_ADDRESSES.text(a4, a6);
}
