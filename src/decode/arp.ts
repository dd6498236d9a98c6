// ARP for IPv4 over Ethernet (RFC 826): operation, sender and target protocol addresses.
import { LAYER_ARP, type Packet } from './packet.js';
import { EV_ARP_TOO_SHORT, EV_ARP_UNSUPPORTED } from './events.js';
import { u16, u32 } from './bytes.js';

export const ARP_REQUEST = 1;
export const ARP_REPLY = 2;
const ARP_ETH_IPV4_LEN = 28;

export function decodeArp(p: Packet, off: number, end: number): boolean {
  const b = p.data;
  if (end - off < 8) {
    p.events.push(EV_ARP_TOO_SHORT);
    return false;
  }
  // Only Ethernet (hardware type 1, 6-byte addresses) carrying IPv4 (0x0800, 4-byte addresses).
  if (u16(b, off) !== 1 || u16(b, off + 2) !== 0x0800 || b[off + 4] !== 6 || b[off + 5] !== 4) {
    p.events.push(EV_ARP_UNSUPPORTED);
    return false;
  }
  if (end - off < ARP_ETH_IPV4_LEN) {
    p.events.push(EV_ARP_TOO_SHORT);
    return false;
  }
  p.arpOp = u16(b, off + 6);
  p.arpSenderIp = u32(b, off + 14);
  p.arpTargetIp = u32(b, off + 24);
  p.layers |= LAYER_ARP;
  p.payloadOff = off + ARP_ETH_IPV4_LEN;
  p.payloadLen = 0;
  return false; // nothing above ARP
}
