// The `members` JSON of a folded row, written as UTF-8 bytes one folded alert at a time, as it is folded.
//
// Why bytes as they come: a storm folds tens of thousands of alerts a second, and each group of FOLDED_BATCH
// waits up to the history's flush interval for its write. Kept as values (a number array and an array of
// address strings per group), every young-generation collection of a storm copied the strings the arrays
// held, and each write made the group's arrays into a string of about 70 KB (JSON.stringify) that SQLite
// then took as UTF-8 all the same. Here a member is its JSON text the moment it is folded; the write binds
// the bytes (the history's insert casts them to TEXT, so the row holds the same text as before).
//
// The text is what JSON.stringify gives for the array of member arrays (FOLDED_FIELDS in order): numbers
// as JSON writes them (null for NaN and infinities), strings quoted and escaped as JSON.stringify does
// (printable ASCII is copied byte for byte; a member with any other text goes through JSON.stringify),
// null for absent.
//
// The process's first COLD_MEMBERS members are each one JSON.stringify of the member array, written into
// the buffer as UTF-8: folds that come now and then (a few hundred SUSPICIOUS_PORT in a million ordinary
// packets) run this code before V8 compiles it, where the seventy-odd byte stores of a member cost about
// 18 us against about 5 for the two native calls. A storm's members after those go through the byte writer.

/**
 * Bytes of a new buffer: a whole group of IPv4 members (FOLDED_BATCH of at most about 85 bytes each); it
 * doubles when a group needs more. At 64 KiB a storm's groups of about 65 KB each grew near their end
 * (a copy, 192 KiB allocated per group, and code first run deep into a storm).
 */
const INITIAL_BYTES = 96 * 1024;
/** Most bytes a number takes in JSON (String(-Number.MAX_VALUE) and the like, "null" included). */
const NUMBER_MAX = 25;
const OPEN = 0x5b; // [
const CLOSE = 0x5d; // ]
const COMMA = 0x2c;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const NULL_BYTES = [0x6e, 0x75, 0x6c, 0x6c]; // null
/** Members the process writes through JSON.stringify before the byte writer takes over (see the header). */
const COLD_MEMBERS = 2048;
let coldLeft = COLD_MEMBERS;

/** For tests: how many of the next members (of any FoldedMembers) go through JSON.stringify. */
export function setColdMembers(n: number): void {
  coldLeft = n;
}

export class FoldedMembers {
  private buf: Buffer;
  /** Bytes written: the opening bracket and the members so far (the closing bracket is added by bytes()). */
  private len = 1;
  /** Members written. */
  n = 0;
  /**
   * The last member's time and severity and where their text (`ts,"severity",`) is in the buffer: a storm folds
   * about a hundred alerts of one severity per ms, and copying those bytes is cheaper than writing them again.
   * headLen 0: none to copy.
   */
  private lastTs = NaN;
  private lastSeverity = '';
  private headAt = 0;
  private headLen = 0;
  /**
   * The last member's destination, destination port and protocol and where their text (`,"dst",port,"proto"]`)
   * is: a storm's alerts are all about one victim. tailLen 0: none to copy.
   */
  private lastDst: string | undefined;
  private lastDstPort: number | undefined;
  private lastProto: string | undefined;
  private tailAt = 0;
  private tailLen = 0;

  constructor(bytes = INITIAL_BYTES) {
    this.buf = Buffer.allocUnsafe(Math.max(16, bytes));
    this.buf[0] = OPEN;
  }

  /** Empties it for the next group (the buffer is kept; the bytes of the last member are gone). */
  reset(): void {
    this.len = 1;
    this.n = 0;
    this.headLen = 0;
    this.tailLen = 0;
  }

  /**
   * Appends one member: [ts, severity, src_ip, src_port, dst_ip, dst_port, proto] (absent ones null). Written in
   * one pass with the position in a local (a field stored per byte cost about as much as the byte), the head
   * and tail copied from the previous member when they are the same, and anything but printable ASCII text
   * through JSON.stringify (addJson).
   */
  add(ts: number, severity: string, src: string | undefined, srcPort: number | undefined, dst: string | undefined, dstPort: number | undefined, proto: string | undefined): void {
    if (coldLeft > 0) {
      coldLeft--;
      this.addJson(ts, severity, src, srcPort, dst, dstPort, proto);
      return;
    }
    const start = this.len;
    // Room for the member with every text printable ASCII (a byte a character): brackets, six commas, three numbers, four texts.
    this.room(9 + 3 * NUMBER_MAX + textRoom(severity) + textRoom(src) + textRoom(dst) + textRoom(proto));
    const buf = this.buf;
    let p = start;
    if (this.n > 0) buf[p++] = COMMA;
    buf[p++] = OPEN;
    if (this.headLen > 0 && ts === this.lastTs && severity === this.lastSeverity) p = copyBytes(buf, p, this.headAt, this.headLen);
    else {
      const at = p;
      p = putNum(buf, p, ts);
      buf[p++] = COMMA;
      p = putText(buf, p, severity);
      if (p < 0) return this.escaped(start, ts, severity, src, srcPort, dst, dstPort, proto);
      buf[p++] = COMMA;
      this.lastTs = ts;
      this.lastSeverity = severity;
      this.headAt = at;
      this.headLen = p - at;
    }
    p = putText(buf, p, src);
    if (p < 0) return this.escaped(start, ts, severity, src, srcPort, dst, dstPort, proto);
    buf[p++] = COMMA;
    p = putNum(buf, p, srcPort);
    if (this.tailLen > 0 && dst === this.lastDst && dstPort === this.lastDstPort && proto === this.lastProto) p = copyBytes(buf, p, this.tailAt, this.tailLen);
    else {
      const at = p;
      buf[p++] = COMMA;
      p = putText(buf, p, dst);
      if (p < 0) return this.escaped(start, ts, severity, src, srcPort, dst, dstPort, proto);
      buf[p++] = COMMA;
      p = putNum(buf, p, dstPort);
      buf[p++] = COMMA;
      p = putText(buf, p, proto);
      if (p < 0) return this.escaped(start, ts, severity, src, srcPort, dst, dstPort, proto);
      buf[p++] = CLOSE;
      this.lastDst = dst;
      this.lastDstPort = dstPort;
      this.lastProto = proto;
      this.tailAt = at;
      this.tailLen = p - at;
    }
    this.len = p;
    this.n++;
  }

  /** A member with a text to escape or encode: what add() wrote of it taken back, then written by addJson. */
  private escaped(start: number, ts: number, severity: string, src: string | undefined, srcPort: number | undefined, dst: string | undefined, dstPort: number | undefined, proto: string | undefined): void {
    this.len = start;
    this.addJson(ts, severity, src, srcPort, dst, dstPort, proto);
  }

  /** add() through JSON.stringify of the member array (absent fields, NaN and infinities are null there too). */
  private addJson(ts: number, severity: string, src: string | undefined, srcPort: number | undefined, dst: string | undefined, dstPort: number | undefined, proto: string | undefined): void {
    const json = JSON.stringify([ts, severity, src, srcPort, dst, dstPort, proto]);
    // At most three UTF-8 bytes per UTF-16 unit (a lone surrogate is escaped to ASCII), and a comma.
    this.room(3 * json.length + 1);
    if (this.n > 0) this.buf[this.len++] = COMMA;
    this.len += this.buf.write(json, this.len, 'utf8');
    // The byte writer copies the previous member's head and tail only from where it wrote them.
    this.headLen = 0;
    this.tailLen = 0;
    this.n++;
  }

  /** The JSON text so far, closed, as bytes (a view of the buffer: valid until the next add or reset). */
  bytes(): Buffer {
    this.room(1);
    this.buf[this.len] = CLOSE;
    return this.buf.subarray(0, this.len + 1);
  }

  /** The JSON text so far, closed (for tests and reading back). */
  text(): string {
    return this.bytes().toString('utf8');
  }

  /** At least `k` bytes free after `len`. */
  private room(k: number): void {
    if (this.len + k <= this.buf.length) return;
    let cap = this.buf.length * 2;
    while (cap < this.len + k) cap *= 2;
    const next = Buffer.allocUnsafe(cap);
    this.buf.copy(next, 0, 0, this.len);
    this.buf = next;
  }
}

/** Bytes a text takes in add()'s room when it is printable ASCII: its characters and two quotes, or null. */
function textRoom(s: string | undefined): number {
  return s === undefined ? 4 : s.length + 2;
}

/**
 * Copies `len` bytes from `from` (an earlier member's) to `p`; the position after them. copyWithin, a call
 * into V8's C++ and a memmove, costs fewer instructions than a loop of byte loads and stores already for
 * the twenty-odd bytes of a head or tail (a storm-like harness under cachegrind: about 2.4 k instructions
 * a member with the loop, 1.7 k with copyWithin).
 */
function copyBytes(buf: Buffer, p: number, from: number, len: number): number {
  buf.copyWithin(p, from, from + len);
  return p + len;
}

/** `null` at `p`; the position after it. */
function putNull(buf: Buffer, p: number): number {
  for (let i = 0; i < 4; i++) buf[p + i] = NULL_BYTES[i];
  return p + 4;
}

/** A number as JSON.stringify writes it, at `p` (room for NUMBER_MAX bytes is there); the position after it. */
function putNum(buf: Buffer, p: number, x: number | undefined): number {
  if (x === undefined || !Number.isFinite(x)) return putNull(buf, p);
  if (x >= 0 && Number.isSafeInteger(x)) {
    if (x <= 0x7fffffff) return putInt(buf, p, x, 0);
    // Times (ms since 1970, past 2^31): the digits above the last nine, then those nine, in int32 steps
    // (a double's % is a call into the runtime, and a time has thirteen digits).
    const hi = Math.floor(x / 1e9);
    if (hi <= 0x7fffffff) return putInt(buf, putInt(buf, p, hi, 0), x - hi * 1e9, 9);
  }
  // Negative, fractional or past 2^53: JSON writes a finite number as String() does (-0 as 0).
  const s = String(x);
  for (let i = 0; i < s.length; i++) buf[p + i] = s.charCodeAt(i);
  return p + s.length;
}

/** An int32 `x` >= 0 in decimal at `p`, padded with zeros to `width` digits (room is there); the position after it. */
function putInt(buf: Buffer, p: number, x: number, width: number): number {
  let digits = 1;
  for (let t = x; t >= 10; t = (t / 10) | 0) digits++;
  if (digits < width) digits = width;
  const end = p + digits;
  let q = end;
  let t = x | 0;
  for (let i = 0; i < digits; i++) {
    buf[--q] = 0x30 + (t % 10);
    t = (t / 10) | 0;
  }
  return end;
}

/**
 * A text as JSON.stringify writes it, or null when absent, at `p` (room for its characters and quotes is
 * there); the position after it, or -1 for a text with anything but printable ASCII other than `"` and `\`
 * (to escape or encode: JSON.stringify's business).
 */
function putText(buf: Buffer, p: number, s: string | undefined): number {
  if (s === undefined) return putNull(buf, p);
  buf[p++] = QUOTE;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20 || c > 0x7e || c === QUOTE || c === BACKSLASH) return -1;
    buf[p++] = c;
  }
  buf[p++] = QUOTE;
  return p;
}
