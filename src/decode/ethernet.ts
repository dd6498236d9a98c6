// Ethernet II (IEEE 802.3 framing with an EtherType, RFC 894): destination, source, type; 802.1Q/802.1ad
// tags after the addresses are handled by vlan.ts.
import { LAYER_ETH, type Packet } from './packet.js';
import { EV_ETH_TOO_SHORT } from './events.js';
import { mac48, u16 } from './bytes.js';
import { decodeVlanTags } from './vlan.js';
import { setPayload } from './bytes.js';

export const ETH_HEADER_LEN = 14;

/** Decodes the Ethernet header at `off`; sets etherType and the payload range; false when decoding stops here. */
export function decodeEthernet(p: Packet, off: number, end: number): boolean {
  if (end - off < ETH_HEADER_LEN) {
    p.events.push(EV_ETH_TOO_SHORT);
    return false;
  }
  const b = p.data;
  p.ethDst = mac48(b, off);
  p.ethSrc = mac48(b, off + 6);
  p.layers |= LAYER_ETH;
  p.etherType = u16(b, off + 12);
  return setPayload(p, decodeVlanTags(p, off + ETH_HEADER_LEN, end), end);
}
