// Address helpers: IPv4/IPv6/MAC formatting and parsing (RFC 5952 text for IPv6), CIDR matching, and
// escaping of wire text for terminals.
import type { IpAddr } from './packet.js';

export function formatIpv4(n: number): string {
  return `${n >>> 24}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`;
}

/** Formats an IpAddr (IPv4 number or IPv6 text) for display. */
export function formatIp(a: IpAddr): string {
  return typeof a === 'number' ? formatIpv4(a) : a;
}

export function formatMac(m: number): string {
  const hi = Math.floor(m / 0x100000000);
  const lo = m >>> 0;
  const b = [(hi >>> 8) & 255, hi & 255, lo >>> 24, (lo >>> 16) & 255, (lo >>> 8) & 255, lo & 255];
  return b.map((x) => x.toString(16).padStart(2, '0')).join(':');
}

/** Scratch for formatIpv6Bytes: at most 8 words of 4 digits and 7 colons (39 bytes). */
const v6Buf = new Uint8Array(40);
const HEX_DIGITS = Uint8Array.from('0123456789abcdef', (c) => c.charCodeAt(0));

/** Reads 16 bytes at `off` as an IPv6 address in RFC 5952 canonical text. */
export function formatIpv6Bytes(b: Uint8Array, off: number): string {
  // Built without temporary arrays: this runs for every IPv6 address not in the cache below.
  // IPv4-mapped addresses (::ffff:a.b.c.d) keep their dotted tail, as tshark and RFC 5952 §5 show them.
  let zeroHead = true;
  for (let i = 0; i < 10; i++) {
    if (b[off + i] !== 0) {
      zeroHead = false;
      break;
    }
  }
  if (zeroHead && b[off + 10] === 0xff && b[off + 11] === 0xff) {
    return `::ffff:${b[off + 12]}.${b[off + 13]}.${b[off + 14]}.${b[off + 15]}`;
  }
  // Longest run of two or more zero words becomes "::" (first one on ties), RFC 5952 §4.2.
  let bestStart = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (b[off + 2 * i] !== 0 || b[off + 2 * i + 1] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && b[off + 2 * j] === 0 && b[off + 2 * j + 1] === 0) j++;
    if (j - i > bestLen) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  // The text is written as bytes and made one flat string in one copy: concatenating eight hex words
  // built a tree of small strings (measured: ~1 us per address, most of it for DNS AAAA answers).
  const t = v6Buf;
  let at = 0;
  for (let i = 0; i < 8; i++) {
    if (i === bestStart) {
      t[at++] = 0x3a;
      t[at++] = 0x3a;
      i += bestLen - 1;
      continue;
    }
    if (at > 0 && t[at - 1] !== 0x3a) t[at++] = 0x3a;
    const w = (b[off + 2 * i] << 8) | b[off + 2 * i + 1];
    if (w >= 0x1000) t[at++] = HEX_DIGITS[w >> 12];
    if (w >= 0x100) t[at++] = HEX_DIGITS[(w >> 8) & 15];
    if (w >= 0x10) t[at++] = HEX_DIGITS[(w >> 4) & 15];
    t[at++] = HEX_DIGITS[w & 15];
  }
  return latin1(t, 0, at);
}

// A direct-mapped cache of recently formatted IPv6 addresses: the same hosts recur packet after packet,
// and a hit costs four word compares instead of building a string. It also hands out the same string
// object for the same address, so later equality checks end at the pointer compare.
const V6_CACHE_BITS = 12;
const V6_CACHE_MASK = (1 << V6_CACHE_BITS) - 1;
const v6Keys = new Int32Array(4 << V6_CACHE_BITS);
const v6Text: string[] = new Array<string>(1 << V6_CACHE_BITS).fill('');
const v6Hash = new Int32Array(1 << V6_CACHE_BITS);

/**
 * The hash of an IPv6 address's text that flow and host tables use: FNV-1a over its last 16 characters
 * and its length. The tail (the interface id) is what varies between hosts of one network, and entries
 * are compared in full anyway. The decoder hands it out with the text (Packet.ip6SrcHash), computed
 * once per address in the cache below, so the tables need not walk the characters per packet.
 */
export function ipv6TextHash(s: string): number {
  let h = 0x811c9dc5 ^ s.length;
  for (let i = s.length > 16 ? s.length - 16 : 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h;
}

/** ipv6TextHash of the text that formatIpv6Cached returned last. */
export let lastIpv6Hash = 0;

/**
 * formatIpv6Bytes through a small cache (bounded: 4096 entries, the newest address wins a slot); sets
 * lastIpv6Hash. `dv`, when given, is a DataView over the same bytes as `b` (the same offsets).
 */
export function formatIpv6Cached(b: Uint8Array, off: number, dv: DataView | null = null): string {
  // The four words through a DataView over the same bytes when the caller has one (the decoder does).
  const w0 = dv !== null ? dv.getInt32(off) : (b[off] << 24) | (b[off + 1] << 16) | (b[off + 2] << 8) | b[off + 3];
  const w1 = dv !== null ? dv.getInt32(off + 4) : (b[off + 4] << 24) | (b[off + 5] << 16) | (b[off + 6] << 8) | b[off + 7];
  const w2 = dv !== null ? dv.getInt32(off + 8) : (b[off + 8] << 24) | (b[off + 9] << 16) | (b[off + 10] << 8) | b[off + 11];
  const w3 = dv !== null ? dv.getInt32(off + 12) : (b[off + 12] << 24) | (b[off + 13] << 16) | (b[off + 14] << 8) | b[off + 15];
  let h = Math.imul(w0 ^ Math.imul(w1, 0x9e3779b1), 0x85ebca6b) ^ Math.imul(w2 ^ Math.imul(w3, 0xc2b2ae35), 0x27d4eb2d);
  h ^= h >>> 15;
  h = Math.imul(h, 0x2c1b3c6d);
  h ^= h >>> 12;
  const slot = h & V6_CACHE_MASK;
  const k = slot << 2;
  const t = v6Text[slot];
  if (t !== '' && v6Keys[k] === w0 && v6Keys[k + 1] === w1 && v6Keys[k + 2] === w2 && v6Keys[k + 3] === w3) {
    lastIpv6Hash = v6Hash[slot];
    return t;
  }
  const text = formatIpv6Bytes(b, off);
  v6Keys[k] = w0;
  v6Keys[k + 1] = w1;
  v6Keys[k + 2] = w2;
  v6Keys[k + 3] = w3;
  v6Text[slot] = text;
  lastIpv6Hash = v6Hash[slot] = ipv6TextHash(text);
  return text;
}

/** Parses dotted-quad IPv4 text to its number, or null. */
export function parseIpv4(s: string): number | null {
  // Four dot-separated parts of one to three ASCII digits (leading zeros allowed), each at most 255;
  // read char by char, since splitting made an array and four strings per call (every alert's and
  // evidence row's flow id parses its addresses).
  const len = s.length;
  if (len < 7 || len > 15) return null;
  let n = 0;
  let v = 0;
  let digits = 0;
  let parts = 0;
  for (let i = 0; i <= len; i++) {
    const c = i < len ? s.charCodeAt(i) : 0x2e;
    if (c === 0x2e) {
      if (digits === 0 || v > 255 || parts === 4) return null;
      n = n * 256 + v;
      parts++;
      v = 0;
      digits = 0;
    } else if (c >= 0x30 && c <= 0x39) {
      if (++digits > 3) return null;
      v = v * 10 + (c - 0x30);
    } else {
      return null;
    }
  }
  return parts === 4 ? n >>> 0 : null;
}

/**
 * The address of an IPv4 text in normal form, as formatIp writes one (four decimal numbers of 0-255
 * without leading zeros, joined by dots, nothing else), as an int32; else null. One number per text, so
 * such texts are distinct exactly when their numbers are.
 */
export function normalIpv4(s: string): number | null {
  const n = s.length;
  if (n < 7 || n > 15) return null;
  let addr = 0;
  let parts = 0;
  let i = 0;
  for (;;) {
    const start = i;
    let v = 0;
    while (i < n) {
      const c = s.charCodeAt(i);
      if (c < 48 || c > 57) break;
      v = v * 10 + (c - 48);
      i++;
    }
    const len = i - start;
    if (len === 0 || len > 3 || v > 255 || (len > 1 && s.charCodeAt(start) === 48)) return null;
    addr = ((addr << 8) | v) | 0;
    if (++parts === 4) return i === n ? addr : null;
    if (i === n || s.charCodeAt(i) !== 46) return null;
    i++;
  }
}

/**
 * Whether `s` is an IPv4 address in normal form (normalIpv4): parseIp would give the address and
 * formatIp the same text back.
 */
export function isNormalIpv4(s: string): boolean {
  return normalIpv4(s) !== null;
}

/** Scratch for isNormalIpv6: the address read. */
const normBytes = new Uint8Array(16);

/**
 * Whether `s` is IPv6 text in the RFC 5952 form formatIpv6Bytes writes (what the decoders give): then
 * parseIp would give `s` back unchanged. Read into a scratch buffer and written out again (the
 * reputation score asks for every new address it scores), so no array or string is made but the one
 * compared.
 */
export function isNormalIpv6(s: string): boolean {
  const n = s.length;
  return n >= 2 && n <= 45 && readIpv6(s, normBytes) && formatIpv6Bytes(normBytes, 0) === s;
}

/** Parses IPv6 text (with "::" and an optional dotted IPv4 tail) to 16 bytes, or null. */
export function parseIpv6(s: string): Uint8Array | null {
  const out = new Uint8Array(16);
  return readIpv6(s, out) ? out : null;
}

/** Scratch for readIpv6: the words before and after "::". */
const headWords = new Uint16Array(8);
const tailWords = new Uint16Array(8);

/**
 * Reads IPv6 text into `out` (16 bytes) character by character; false when `s` is not an address.
 * Taken: eight colon-separated words of one to four hex digits (either case), or fewer with one "::"
 * standing for at least one zero word, and optionally an IPv4 dotted quad (parseIpv4) as the last two
 * words. Not taken: zones, brackets, spaces, a second "::", a single leading or trailing colon.
 */
function readIpv6(s: string, out: Uint8Array): boolean {
  const n = s.length;
  if (n === 0) return false;
  // The dotted tail: whatever follows the last colon, when the text holds a dot.
  let end = n;
  let v4 = -1;
  if (s.indexOf('.') >= 0) {
    const colon = s.lastIndexOf(':');
    if (colon < 0) return false;
    const a = parseIpv4(s.slice(colon + 1));
    if (a === null) return false;
    v4 = a >>> 0;
    // "x::a.b.c.d" keeps its "::"; "x:a.b.c.d" ends its words at x.
    end = colon > 0 && s.charCodeAt(colon - 1) === 0x3a ? colon + 1 : colon;
  }
  // Words before "::" go to headWords, after it to tailWords (all of them when there is no "::").
  let heads = 0;
  let tails = 0;
  let gap = false;
  let w = 0;
  let digits = 0;
  for (let i = 0; i <= end; i++) {
    const c = i < end ? s.charCodeAt(i) : 0x3a;
    if (c === 0x3a) {
      if (i + 1 < end && s.charCodeAt(i + 1) === 0x3a) {
        // "::": only once; the word before it, if any, ends here.
        if (gap || (i + 2 < end && s.charCodeAt(i + 2) === 0x3a)) return false;
        if (digits > 0) {
          if (heads === 8) return false;
          headWords[heads++] = w;
        } else if (i > 0) return false;
        gap = true;
        w = 0;
        digits = 0;
        i++;
        continue;
      }
      if (digits === 0) {
        // End of text right after "::" (or the empty text before a dotted tail's "::") is fine; any
        // other empty word (":1", "1:", "1::2:") is not.
        if (i === end && gap && i >= 2 && s.charCodeAt(i - 1) === 0x3a && s.charCodeAt(i - 2) === 0x3a) break;
        return false;
      }
      if (gap) {
        if (tails === 8) return false;
        tailWords[tails++] = w;
      } else {
        if (heads === 8) return false;
        headWords[heads++] = w;
      }
      w = 0;
      digits = 0;
      continue;
    }
    const v = c >= 0x30 && c <= 0x39 ? c - 0x30 : c >= 0x61 && c <= 0x66 ? c - 0x57 : c >= 0x41 && c <= 0x46 ? c - 0x37 : -1;
    if (v < 0 || ++digits > 4) return false;
    w = (w << 4) | v;
  }
  const dotted = v4 >= 0 ? 2 : 0;
  const zeros = 8 - dotted - heads - tails;
  if (gap ? zeros < 1 : zeros !== 0) return false;
  let k = 0;
  for (let j = 0; j < heads; j++, k += 2) {
    out[k] = headWords[j] >> 8;
    out[k + 1] = headWords[j] & 255;
  }
  for (let j = 0; j < zeros; j++, k += 2) out[k] = out[k + 1] = 0;
  for (let j = 0; j < tails; j++, k += 2) {
    out[k] = tailWords[j] >> 8;
    out[k + 1] = tailWords[j] & 255;
  }
  if (dotted) {
    out[12] = v4 >>> 24;
    out[13] = (v4 >>> 16) & 255;
    out[14] = (v4 >>> 8) & 255;
    out[15] = v4 & 255;
  }
  return true;
}

/** Parses IPv4 or IPv6 text to an IpAddr (IPv6 normalised to RFC 5952), or null when it is not an address. */
export function parseIp(s: string): IpAddr | null {
  const t = s.trim();
  const v4 = parseIpv4(t);
  if (v4 !== null) return v4;
  const v6 = parseIpv6(t);
  return v6 ? formatIpv6Bytes(v6, 0) : null;
}

/**
 * IPv6 texts already parsed by a CIDR match, and their bytes: a rule such as `src_ip in [fc00::/7, ::1]`
 * tests every IPv6 packet, and parsing the text again each time was 5% of `--batch -r` on a mix with
 * 8% IPv6. Cleared when full, so a flood of distinct addresses cannot grow it.
 */
const v6Parsed = new Map<string, Uint8Array | null>();
const V6_PARSED_MAX = 4096;

function parseIpv6Cached(s: string): Uint8Array | null {
  let b = v6Parsed.get(s);
  if (b === undefined) {
    b = parseIpv6(s);
    if (v6Parsed.size >= V6_PARSED_MAX) v6Parsed.clear();
    v6Parsed.set(s, b);
  }
  return b;
}

/** A parsed CIDR block; match() tests an IpAddr. */
export interface Cidr {
  readonly text: string;
  readonly version: 4 | 6;
  match(a: IpAddr): boolean;
}

/** Parses "10.0.0.0/8", "2001:db8::/32" or a bare address (a /32 or /128), or returns null. */
export function parseCidr(s: string): Cidr | null {
  const t = s.trim();
  const slash = t.indexOf('/');
  const addrText = slash >= 0 ? t.slice(0, slash) : t;
  const lenText = slash >= 0 ? t.slice(slash + 1) : null;
  if (lenText !== null && !/^\d{1,3}$/.test(lenText)) return null;
  const v4 = parseIpv4(addrText);
  if (v4 !== null) {
    const bits = lenText === null ? 32 : Number(lenText);
    if (bits > 32) return null;
    const mask = bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
    const net = (v4 & mask) >>> 0;
    return { text: t, version: 4, match: (a) => typeof a === 'number' && ((a & mask) >>> 0) === net };
  }
  const v6 = parseIpv6(addrText);
  if (!v6) return null;
  const bits = lenText === null ? 128 : Number(lenText);
  if (bits > 128) return null;
  return {
    text: t,
    version: 6,
    match: (a) => {
      if (typeof a === 'number') return false;
      const b = parseIpv6Cached(a);
      if (!b) return false;
      let left = bits;
      for (let i = 0; i < 16 && left > 0; i++, left -= 8) {
        const m = left >= 8 ? 0xff : (0xff << (8 - left)) & 0xff;
        if ((b[i] & m) !== (v6[i] & m)) return false;
      }
      return true;
    },
  };
}

/**
 * Makes text from the wire safe to show in a terminal or log line: control characters, DEL, C1
 * controls and backslash are written as escapes (\n, \t, \xNN, \u{NNNN}), so a DNS name or HTTP
 * header cannot move the cursor, change colours or clear the screen.
 */
export function escapeText(s: string): string {
  // Fast path: nothing to escape.
  if (!/[\x00-\x1f\x7f-\x9f\\\u2028\u2029\u200b-\u200f\u202a-\u202e\u2066-\u2069]/.test(s)) return s;
  let out = '';
  for (const ch of s) {
    const c = ch.codePointAt(0) ?? 0;
    if (ch === '\\') out += '\\\\';
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (c < 0x20 || c === 0x7f) out += '\\x' + c.toString(16).padStart(2, '0');
    else if ((c >= 0x80 && c <= 0x9f) || c === 0x2028 || c === 0x2029 || (c >= 0x200b && c <= 0x200f) || (c >= 0x202a && c <= 0x202e) || (c >= 0x2066 && c <= 0x2069))
      out += `\\u{${c.toString(16)}}`;
    else out += ch;
  }
  return out;
}

// Node's native Latin-1 decoder (what Buffer#toString('latin1') calls), used directly on a Uint8Array
// so no Buffer object is made. Absent on other runtimes; then the chunked fallback below is used.
type Latin1Slice = (this: Uint8Array, start: number, end: number) => string;
const nativeLatin1: Latin1Slice | null = (() => {
  const f = (globalThis as { Buffer?: { prototype?: { latin1Slice?: unknown } } }).Buffer?.prototype?.latin1Slice;
  if (typeof f !== 'function') return null;
  try {
    const probe = new Uint8Array([0x41, 0xe9, 0x80, 0x00]);
    return (f as Latin1Slice).call(probe, 0, 4) === 'A\u00e9\u0080\u0000' ? (f as Latin1Slice) : null;
  } catch {
    return null;
  }
})();

/** The bytes of text made by latin1() (one byte per char): a decoder's own copy of wire bytes, read back. */
export function latin1Bytes(s: string): Uint8Array {
  const b = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) b[i] = s.charCodeAt(i);
  return b;
}

/** Decodes bytes as Latin-1 text (one char per byte), the safe reading of wire text before escaping. */
export function latin1(b: Uint8Array, off: number, len: number): string {
  const end = Math.min(b.length, off + len);
  if (end - off <= 8) {
    let s = '';
    for (let i = off; i < end; i++) s += String.fromCharCode(b[i]);
    return s;
  }
  // One native copy instead of a string concatenation per byte (HTTP heads, DNS names).
  if (nativeLatin1 !== null) return nativeLatin1.call(b, off, end);
  let s = '';
  for (let i = off; i < end; i += 8192) {
    const chunk = b.subarray(i, Math.min(end, i + 8192));
    s += String.fromCharCode.apply(null, chunk as unknown as number[]);
  }
  return s;
}
