// Map keys and 32-bit hashes of addresses, for detector state keyed by IPv4 numbers or IPv6 text.
import type { IpAddr } from '../../decode/packet.js';

/**
 * Slots (a power of two) of the memo of IPv6 text hashes addrHash keeps: the detectors hash the same few
 * IPv6 addresses packet after packet (both ends of every IPv6 packet in the probe tracker, again in the
 * scan, sweep, decoy and flood detectors), and the hash is a multiply per character, 20 to 39 of them.
 */
const TEXT_MEMO_SLOTS = 256;

/** FNV-1a's offset basis as an int32 (0x811c9dc5 | 0): the same bits, so the hash stays an int32 throughout. */
const FNV_BASIS = -2128831035;

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

// The memo: the texts hashed last, by a slot chosen from the length and two characters, and their
// hashes. The decoder hands out one string object per address (its own cache), so a hit usually ends at
// the pointer compare; a text with equal characters in another object hits too, after comparing them.
const memoText: string[] = new Array<string>(TEXT_MEMO_SLOTS).fill('');
const memoHash = new Int32Array(TEXT_MEMO_SLOTS);

/** FNV-1a of a non-empty text (IPv6 as the packet keeps it, or another text key), through the memo. */
function textHash(s: string): number {
  const n = s.length;
  // The last character and the middle one vary between the hosts of one network (the middle one is the
  // only one when n is 1).
  const slot = (n * 17 + s.charCodeAt(n - 1) * 5 + s.charCodeAt(n >> 1)) & (TEXT_MEMO_SLOTS - 1);
  if (memoText[slot] === s) return memoHash[slot];
  return hashIntoMemo(s, slot);
}

/**
 * A memo miss: FNV-1a of `s`, kept in `slot`. Out of textHash(), which is inlined at every address hash
 * of the detectors: most IPv6 texts hit the memo, and the loop is then compiled once here, not into each.
 */
function hashIntoMemo(s: string, slot: number): number {
  let h = FNV_BASIS;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  memoText[slot] = s;
  memoHash[slot] = h;
  return h;
}

/**
 * 32-bit hash of an address given as the packet keeps it: IPv4 as int32 `a4`, IPv6 as text `a6` ('' for
 * IPv4). An int32 either way: FNV-1a of the text from the int32 form of its offset basis (the first
 * multiply takes it modulo 2^32 anyway), so callers' code keeps the hashes as int32, not doubles.
 */
export function addrHash(a4: number, a6: string): number {
  if (a6 === '') return Math.imul(a4 ^ (a4 >>> 15), 0x9e3779b1);
  return textHash(a6);
}

/** addrHash of the absent address (0, ''), the second address of a key that has one address. */
export const NO_ADDR_HASH = addrHash(0, '');
