// Map keys and 32-bit hashes of addresses, for detector state keyed by IPv4 numbers or IPv6 text.
import type { IpAddr } from '../../decode/packet.js';

/** Map key for an address (IPv4 numbers and IPv6 text never collide: "v4:" is implied by the type). */
export function ipKey(a: IpAddr): string | number {
  return a;
}

/** 32-bit hash of an address (IPv4 number or IPv6 text). */
export function hashIp(a: IpAddr): number {
  if (typeof a === 'number') return Math.imul(a ^ (a >>> 15), 0x9e3779b1) >>> 0;
  let h = 0x811c9dc5;
  for (let i = 0; i < a.length; i++) h = Math.imul(h ^ a.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

/** 32-bit hash of an address given as the packet keeps it: IPv4 as int32 `a4`, IPv6 as text `a6` ('' for IPv4). */
export function addrHash(a4: number, a6: string): number {
  if (a6 === '') return Math.imul(a4 ^ (a4 >>> 15), 0x9e3779b1);
  let h = 0x811c9dc5;
  for (let i = 0; i < a6.length; i++) h = Math.imul(h ^ a6.charCodeAt(i), 0x01000193);
  return h;
}

/** addrHash of the absent address (0, ''), the second address of a key that has one address. */
export const NO_ADDR_HASH = addrHash(0, '');
