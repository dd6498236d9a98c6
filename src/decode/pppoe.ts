// PPPoE session stage (RFC 2516 §4): a 6-byte header, then a PPP protocol number (RFC 1661) saying
// IPv4 (0x0021) or IPv6 (0x0057). Common on DSL uplinks and mirror ports in front of them.
import type { Packet } from './packet.js';
import { EV_PPPOE_TOO_SHORT } from './events.js';
import { u16 } from './bytes.js';
import { decodeIpv4 } from './ipv4.js';
import { decodeIpv6 } from './ipv6.js';
import type { Reassembler } from './reassembly.js';

export const ETHERTYPE_PPPOE_SESSION = 0x8864;
export const PPP_IPV4 = 0x0021;
export const PPP_IPV6 = 0x0057;

export function decodePppoeSession(p: Packet, off: number, end: number, reasm: Reassembler | null): boolean {
  if (end - off < 8) {
    p.events.push(EV_PPPOE_TOO_SHORT);
    return false;
  }
  const b = p.data;
  // The PPPoE length covers the PPP protocol field and payload; bytes after it are link padding.
  const stop = Math.min(end, off + 6 + u16(b, off + 4));
  const proto = u16(b, off + 6);
  if (proto === PPP_IPV4) return decodeIpv4(p, off + 8, stop, reasm);
  if (proto === PPP_IPV6) return decodeIpv6(p, off + 8, stop, reasm);
  return false;
}
