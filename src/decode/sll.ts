// Linux "cooked" capture headers: SLL v1 (LINKTYPE_LINUX_SLL, 16 bytes) and SLL v2 (LINKTYPE_LINUX_SLL2,
// 20 bytes), as documented at https://www.tcpdump.org/linktypes/LINKTYPE_LINUX_SLL.html and ..._SLL2.html.
import { LAYER_SLL, type Packet } from './packet.js';
import { EV_SLL_TOO_SHORT } from './events.js';
import { u16 } from './bytes.js';
import { decodeVlanTags } from './vlan.js';
import { setPayload } from './bytes.js';

export const SLL_HEADER_LEN = 16;
export const SLL2_HEADER_LEN = 20;

/** SLL v1: packet type, ARPHRD type, address length, 8 address bytes, protocol (an EtherType). */
export function decodeSll(p: Packet, off: number, end: number): boolean {
  if (end - off < SLL_HEADER_LEN) {
    p.events.push(EV_SLL_TOO_SHORT);
    return false;
  }
  p.layers |= LAYER_SLL;
  p.etherType = u16(p.data, off + 14);
  return setPayload(p, decodeVlanTags(p, off + SLL_HEADER_LEN, end), end);
}

/** SLL v2: protocol first, then reserved, interface index, ARPHRD type, packet type, address length, address. */
export function decodeSll2(p: Packet, off: number, end: number): boolean {
  if (end - off < SLL2_HEADER_LEN) {
    p.events.push(EV_SLL_TOO_SHORT);
    return false;
  }
  p.layers |= LAYER_SLL;
  p.etherType = u16(p.data, off);
  return setPayload(p, decodeVlanTags(p, off + SLL2_HEADER_LEN, end), end);
}
