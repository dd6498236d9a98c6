// Map keys and 32-bit hashes of addresses, for detector state keyed by IPv4 numbers or IPv6 text.
import type { IpAddr } from '../../decode/packet.js';

/**
 * Bits of the slot number of the memo of IPv6 text hashes addrHash keeps (1,024 slots): the detectors hash
 * the same IPv6 addresses packet after packet (both ends of every IPv6 packet in the probe tracker, again in
 * the scan, sweep, decoy and flood detectors), and the hash is a multiply per character, 20 to 39 of them.
 * Sized for the hosts of a busy capture at once (the bench's benign mix keeps about a hundred IPv6 hosts
 * in play among its 400); a slot is a pointer and an int32.
 */
const TEXT_MEMO_BITS = 10;
const TEXT_MEMO_SLOTS = 1 << TEXT_MEMO_BITS;

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

// The memo: the texts hashed last, by a slot chosen from the length and the last four characters, and
// their hashes. The decoder hands out one string object per address (its own cache), so a hit usually ends
// at the pointer compare; a text with equal characters in another object hits too, after comparing them.
const memoText: string[] = new Array<string>(TEXT_MEMO_SLOTS).fill('');
const memoHash = new Int32Array(TEXT_MEMO_SLOTS);

/**
 * The memo slot of a non-empty text: its last four characters (those that tell the hosts of one network
 * apart) and its length, mixed by two multiplies whose top bits are the slot. The slot only decides which
 * texts share a place in the memo, never a hash. The last and the middle character, as it was, put the
 * bench's IPv6 hosts (2001:db8::1000 to ::112b and ::2000 to ::2063, whose middle is the constant '8') in
 * 16 slots, so nearly every lookup missed and hashed the whole text (about 500 instructions).
 */
export function textMemoSlot(s: string): number {
  const n = s.length;
  const c2 = n > 1 ? s.charCodeAt(n - 2) : 0;
  const c3 = n > 2 ? s.charCodeAt(n - 3) : 0;
  const c4 = n > 3 ? s.charCodeAt(n - 4) : 0;
  let h = Math.imul(s.charCodeAt(n - 1) ^ (c2 << 8) ^ (c3 << 16) ^ (c4 << 24), 0x9e3779b1);
  h ^= h >>> 16;
  return Math.imul(h ^ n, 0x85ebca6b) >>> (32 - TEXT_MEMO_BITS);
}

/** FNV-1a of a non-empty text (IPv6 as the packet keeps it, or another text key), through the memo. */
function textHash(s: string): number {
  const slot = textMemoSlot(s);
  if (memoText[slot] === s) return memoHash[slot];
  return memoize(s, slot);
}

/**
 * A memo miss: FNV-1a of `s`, kept in `slot`. Out of textHash(), which is inlined at every address hash
 * of the detectors: most IPv6 texts hit the memo, and the loop is then compiled once here, not into each.
 */
function memoize(s: string, slot: number): number {
  const n = s.length;
  let h = FNV_BASIS;
  for (let i = 0; i < n; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
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

/**
 * addrHash(a4, a6) of a packet's address, given with the hash the decoder keeps beside its IPv6 text
 * (Packet.ip6SrcHash / ip6DstHash, ipv6TextHash of the text; anything for IPv4): the memo slot is taken
 * from that hash, so a hit reads no character of the text. The probe tracker hashes both ends of every
 * IPv6 packet, and textMemoSlot's four characters, in a call its packet path did not inline, were about
 * 120 instructions a lookup. Same value as addrHash; only which memo slot the text uses differs.
 */
export function packetAddrHash(a4: number, a6: string, h6: number): number {
  if (a6 === '') return Math.imul(a4 ^ (a4 >>> 15), 0x9e3779b1);
  const slot = (h6 ^ (h6 >>> TEXT_MEMO_BITS)) & (TEXT_MEMO_SLOTS - 1);
  if (memoText[slot] === a6) return memoHash[slot];
  return memoize(a6, slot);
}

/** addrHash of the absent address (0, ''), the second address of a key that has one address. */
export const NO_ADDR_HASH = addrHash(0, '');
