// IEEE 802.1Q VLAN tags and 802.1ad (QinQ) service tags, stacked in any number up to a bound.
import { LAYER_VLAN, type Packet } from './packet.js';
import { EV_VLAN_TOO_MANY, EV_VLAN_TOO_SHORT } from './events.js';

export const ETHERTYPE_VLAN = 0x8100;
export const ETHERTYPE_QINQ = 0x88a8;
/** Pre-standard QinQ tag some switches still send. */
export const ETHERTYPE_QINQ_OLD = 0x9100;
/** More tags than any real network stacks; beyond this the frame is treated as hostile. */
export const MAX_VLAN_TAGS = 8;

function isVlanType(t: number): boolean {
  return t === ETHERTYPE_VLAN || t === ETHERTYPE_QINQ || t === ETHERTYPE_QINQ_OLD;
}

/**
 * While p.etherType is a VLAN tag type, reads the 4-byte tag at `off` (TCI then the inner type), records
 * the 12-bit VLAN id and moves on. Returns the offset after the last tag, or -1.
 */
export function decodeVlanTags(p: Packet, off: number, end: number): number {
  const dv = p.dv;
  while (isVlanType(p.etherType)) {
    if (p.vlanIds.length >= MAX_VLAN_TAGS) {
      p.events.push(EV_VLAN_TOO_MANY);
      return -1;
    }
    if (end - off < 4) {
      p.events.push(EV_VLAN_TOO_SHORT);
      return -1;
    }
    p.vlanIds.push(dv.getUint16(off) & 0x0fff);
    p.layers |= LAYER_VLAN;
    p.etherType = dv.getUint16(off + 2);
    off += 4;
  }
  return off;
}
