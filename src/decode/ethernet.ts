// Ethernet II (IEEE 802.3 framing with an EtherType, RFC 894): destination, source, type; 802.1Q/802.1ad
// tags after the addresses are handled by vlan.ts.
import type { Packet } from './packet.js';
import * as packetConsts from './packet.js';
import { EV_ETH_TOO_SHORT } from './events.js';
import * as vlan from './vlan.js';
import * as bytes from './bytes.js';

// Module-local copies of the constants and helpers the decoder uses on every packet: V8 reads an imported or
// exported binding through its module cell, with a hole check, at every use in optimized code; a module-local
// const is a constant there.
const { setPayload } = bytes;
const { decodeVlanTags } = vlan;
const { LAYER_ETH } = packetConsts;

const HEADER_LEN = 14;
export const ETH_HEADER_LEN = HEADER_LEN;

/** Decodes the Ethernet header at `off`; sets etherType and the payload range; false when decoding stops here. */
export function decodeEthernet(p: Packet, off: number, end: number): boolean {
  if (end - off < HEADER_LEN) {
    p.events.push(EV_ETH_TOO_SHORT);
    return false;
  }
  const dv = p.dv;
  // Written out rather than through mac48(): a 48-bit value returned from a call is boxed as a heap
  // number on every packet, while computed in place it goes straight into the packet's double field.
  // Three 32-bit words hold both addresses (the middle one split between them): four reads where five were.
  const w1 = dv.getUint32(off + 4);
  p.ethDst = dv.getUint32(off) * 0x10000 + (w1 >>> 16);
  p.ethSrc = (w1 & 0xffff) * 0x100000000 + dv.getUint32(off + 8);
  p.layers |= LAYER_ETH;
  p.etherType = dv.getUint16(off + 12);
  return setPayload(p, decodeVlanTags(p, off + HEADER_LEN, end), end);
}
