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
// (printable ASCII is copied byte for byte; anything else goes through JSON.stringify), null for absent.
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
  /** The last member's time and where its text is in the buffer (a storm folds about a hundred alerts per ms). */
  private lastTs = NaN;
  private lastTsAt = 0;
  private lastTsLen = 0;

  constructor(bytes = INITIAL_BYTES) {
    this.buf = Buffer.allocUnsafe(Math.max(16, bytes));
    this.buf[0] = OPEN;
  }

  /** Empties it for the next group (the buffer is kept). */
  reset(): void {
    this.len = 1;
    this.n = 0;
    this.lastTs = NaN;
  }

  /** Appends one member: [ts, severity, src_ip, src_port, dst_ip, dst_port, proto] (absent ones null). */
  add(ts: number, severity: string, src: string | undefined, srcPort: number | undefined, dst: string | undefined, dstPort: number | undefined, proto: string | undefined): void {
    if (coldLeft > 0) {
      coldLeft--;
      this.addJson(ts, severity, src, srcPort, dst, dstPort, proto);
      return;
    }
    this.room(2 + NUMBER_MAX + 1);
    const buf = this.buf;
    if (this.n > 0) buf[this.len++] = COMMA;
    buf[this.len++] = OPEN;
    if (ts === this.lastTs) {
      for (let i = 0, from = this.lastTsAt; i < this.lastTsLen; i++) buf[this.len++] = buf[from + i];
    } else {
      const at = this.len;
      this.num(ts);
      this.lastTs = ts;
      this.lastTsAt = at;
      this.lastTsLen = this.len - at;
    }
    buf[this.len++] = COMMA;
    // str() may move the buffer: `this.buf` after it.
    this.str(severity);
    this.room(1);
    this.buf[this.len++] = COMMA;
    this.str(src);
    this.between(srcPort);
    this.str(dst);
    this.between(dstPort);
    this.str(proto);
    this.room(1);
    this.buf[this.len++] = CLOSE;
    this.n++;
  }

  /** add() through JSON.stringify of the member array (absent fields, NaN and infinities are null there too). */
  private addJson(ts: number, severity: string, src: string | undefined, srcPort: number | undefined, dst: string | undefined, dstPort: number | undefined, proto: string | undefined): void {
    const json = JSON.stringify([ts, severity, src, srcPort, dst, dstPort, proto]);
    // At most three UTF-8 bytes per UTF-16 unit (a lone surrogate is escaped to ASCII), and a comma.
    this.room(3 * json.length + 1);
    if (this.n > 0) this.buf[this.len++] = COMMA;
    this.len += this.buf.write(json, this.len, 'utf8');
    // The byte writer copies the previous member's time only from where it wrote it.
    this.lastTs = NaN;
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

  /** A number as JSON.stringify writes it (room for NUMBER_MAX bytes is there). */
  private num(x: number | undefined): void {
    const buf = this.buf;
    if (x === undefined || !Number.isFinite(x)) {
      this.nullText();
      return;
    }
    if (x >= 0 && Number.isSafeInteger(x)) {
      if (x <= 0x7fffffff) {
        this.int(x, 0);
        return;
      }
      // Times (ms since 1970, past 2^31): the digits above the last nine, then those nine, in int32 steps
      // (a double's % is a call into the runtime, and a time has thirteen digits).
      const hi = Math.floor(x / 1e9);
      if (hi <= 0x7fffffff) {
        this.int(hi, 0);
        this.int(x - hi * 1e9, 9);
        return;
      }
    }
    // Negative, fractional or past 2^53: JSON writes a finite number as String() does (-0 as 0).
    const s = String(x);
    for (let i = 0; i < s.length; i++) buf[this.len++] = s.charCodeAt(i);
  }

  /** A number between two commas (the field after a string and before the next). */
  private between(x: number | undefined): void {
    this.room(NUMBER_MAX + 2);
    this.buf[this.len++] = COMMA;
    this.num(x);
    this.buf[this.len++] = COMMA;
  }

  /** An int32 `x` >= 0 in decimal, padded with zeros to `width` digits (room is there). */
  private int(x: number, width: number): void {
    let digits = 1;
    for (let t = x; t >= 10; t = (t / 10) | 0) digits++;
    if (digits < width) digits = width;
    const buf = this.buf;
    let p = this.len + digits;
    this.len = p;
    let t = x | 0;
    for (let i = 0; i < digits; i++) {
      buf[--p] = 0x30 + (t % 10);
      t = (t / 10) | 0;
    }
  }

  private nullText(): void {
    const buf = this.buf;
    for (let i = 0; i < 4; i++) buf[this.len++] = NULL_BYTES[i];
  }

  /** A string as JSON.stringify writes it, or null when absent. */
  private str(s: string | undefined): void {
    if (s === undefined) {
      this.room(4);
      this.nullText();
      return;
    }
    this.room(s.length + 2);
    const buf = this.buf;
    const at = this.len;
    let p = at;
    buf[p++] = QUOTE;
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i);
      if (c < 0x20 || c > 0x7e || c === QUOTE || c === BACKSLASH) {
        // Something to escape or encode: JSON.stringify's text, as UTF-8 (its escapes leave no lone surrogate).
        const json = JSON.stringify(s);
        this.room(3 * json.length);
        this.len = at + this.buf.write(json, at, 'utf8');
        return;
      }
      buf[p++] = c;
    }
    buf[p++] = QUOTE;
    this.len = p;
  }
}
