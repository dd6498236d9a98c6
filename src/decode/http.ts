// HTTP/1.x message heads (RFC 9112): request line or status line, then header fields up to the empty
// line. Recognised by content on any TCP port; a cheap check of the first bytes comes before any string.
//
// One walk over the bytes finds what decoding itself must decide (is it HTTP, the status,
// Content-Length, where the body starts, the decode events) and where every part of the head is: the
// request or status line's pieces and each header field's name and trimmed value, as offsets into the
// bytes (HttpHead). No string is made then: a field's text is cut from the bytes the first time anything
// asks for it (a rule on http.uri, an alert, EVE, --dump-packets), and the payload inspector reads the
// offsets and the bytes themselves. On the packet path the head is the Packet's own reused one and its
// offsets point into the packet's buffer, so an HTTP packet allocates nothing until a string is wanted.
// (A string of the head per message, parsed again into strings when a detector or rule read a field,
// was about a quarter of what the full pipeline allocated per packet on the bench's benign mix.)
import { TextMemo } from './text-memo.js';
import type { HttpMessage } from './packet.js';
import { EV_HTTP_BAD_CONTENT_LENGTH, EV_HTTP_HEADER_TOO_LONG, EV_HTTP_TOO_MANY_HEADERS } from './events.js';

// The limits as module-local consts, exported under their names below: V8 reads an exported binding through its
// module cell, with a hole check, at every use in optimized code (walkHead's loop among them); a module-local
// const is a constant there.
/** Header fields kept per message; more is a resource-exhaustion attempt. */
const MAX_HEADERS = 128;
/** Bytes of the head looked at; request lines and headers beyond this are not decoded. */
const MAX_HEAD = 16384;
export const MAX_HTTP_HEADERS = MAX_HEADERS;
export const MAX_HTTP_HEAD = MAX_HEAD;

const METHODS = ['GET', 'POST', 'HEAD', 'PUT', 'DELETE', 'OPTIONS', 'PATCH', 'CONNECT', 'TRACE', 'PROPFIND', 'PROPPATCH', 'MKCOL', 'COPY', 'MOVE', 'LOCK', 'UNLOCK'];
const METHOD_BYTES = METHODS.map((m) => Array.from(m, (c) => c.charCodeAt(0)));

function startsWith(b: Uint8Array, off: number, end: number, s: number[]): boolean {
  if (end - off < s.length) return false;
  for (let i = 0; i < s.length; i++) if (b[off + i] !== s[i]) return false;
  return true;
}

const HTTP1 = Array.from('HTTP/1.', (c) => c.charCodeAt(0));

/**
 * The cheap check: does the payload start with "<METHOD> " or "HTTP/1."? Returns the method's index in
 * METHODS, -2 for a response, -1 for neither.
 */
export function httpStart(b: Uint8Array, off: number, end: number): number {
  if (end - off < 8) return -1;
  const c = b[off];
  if (c === 0x48 && startsWith(b, off, end, HTTP1)) return -2; // 'H'
  // First letters of the methods: G P H D O C T M L U.
  if (c < 0x43 || c > 0x55) return -1;
  for (let i = 0; i < METHOD_BYTES.length; i++) {
    const m = METHOD_BYTES[i];
    // The space must be inside the payload: the bytes after `end` belong to whatever follows in the buffer.
    if (m[0] === c && off + m.length < end && startsWith(b, off, end, m) && b[off + m.length] === 0x20) return i;
  }
  return -1;
}

function isTrimByte(c: number): boolean {
  return c === 0x20 || (c >= 0x09 && c <= 0x0d) || c === 0xa0;
}

/** Offset of the CR of the first CRLF CRLF in [from, end) (where the head's last line ends), or -1. */
function indexOfBlankLine(b: Uint8Array, from: number, end: number): number {
  for (let i = from; i < end - 3; i++) {
    if (b[i] === 0x0d && b[i + 1] === 0x0a && b[i + 2] === 0x0d && b[i + 3] === 0x0a) return i;
  }
  return -1;
}

function indexOfCrlf(b: Uint8Array, from: number, end: number): number {
  for (let i = from; i < end - 1; i++) if (b[i] === 0x0d && b[i + 1] === 0x0a) return i;
  return -1;
}

/** Line ends found by decodeHttp's first pass: request line, MAX_HTTP_HEADERS headers, the empty line. */
const CRLF_CAP = MAX_HEADERS + 2;
const crlfAt = new Int32Array(CRLF_CAP + 1);
/** What scanLines found besides the count: the CR of the empty line's CRLF (-1: none), and whether crlfAt filled up. */
let scanBlank = -1;
let scanOverflow = false;

/**
 * One pass over the head at [off, limit) that puts the line ends (the CR of each CRLF) into crlfAt up to
 * the empty line, and returns how many; a head with more lines than crlfAt holds stops there
 * (scanOverflow) and its empty line is looked for on its own. The line ends and the empty line cost one
 * pass instead of two.
 */
function scanLines(b: Uint8Array, off: number, limit: number): number {
  let lines = 0;
  scanBlank = -1;
  scanOverflow = false;
  for (let i = off; i < limit - 1; i++) {
    if (b[i] === 0x0d && b[i + 1] === 0x0a) {
      if (lines > 0 && crlfAt[lines - 1] === i - 2) {
        scanBlank = i - 2;
        crlfAt[lines++] = i;
        break;
      }
      if (lines === CRLF_CAP) {
        scanOverflow = true;
        break;
      }
      crlfAt[lines++] = i;
      i++;
    }
  }
  if (scanOverflow) scanBlank = indexOfBlankLine(b, off, limit);
  return lines;
}

const NAME_HOST = Array.from('host', (c) => c.charCodeAt(0));
const NAME_USER_AGENT = Array.from('user-agent', (c) => c.charCodeAt(0));
const NAME_CONTENT_TYPE = Array.from('content-type', (c) => c.charCodeAt(0));
const NAME_CONTENT_LENGTH = Array.from('content-length', (c) => c.charCodeAt(0));

/** Whether the header name at `off` (of the lower-case name's length) is `lower`, ignoring ASCII case. */
function nameIs(b: Uint8Array, off: number, lower: number[]): boolean {
  for (let i = 0; i < lower.length; i++) {
    const c = b[off + i];
    if ((c >= 0x41 && c <= 0x5a ? c | 0x20 : c) !== lower[i]) return false;
  }
  return true;
}

/**
 * The value of the decimal digits at [from, to) of `b` (/^\d{1,15}$/), or -1 for anything else. Read off
 * the bytes: Number() of the header's text went through a runtime call that hashed the string first
 * (measured: about 1% of decode plus flow state, for two numbers per HTTP message).
 */
function decimalAt(b: Uint8Array, from: number, to: number): number {
  if (to - from < 1 || to - from > 15) return -1;
  let v = 0;
  for (let i = from; i < to; i++) {
    const c = b[i];
    if (c < 0x30 || c > 0x39) return -1;
    v = v * 10 + (c - 0x30);
  }
  return v;
}

/**
 * The status code of a status line's rest at [from, to) of `b` ("200", or "200 " and a reason with no CR
 * or LF: /^(\d{3})(?: (.*))?$/), or -1 when it is not one.
 */
function statusAt(b: Uint8Array, from: number, to: number): number {
  if (to - from < 3) return -1;
  let v = 0;
  for (let i = from; i < from + 3; i++) {
    const c = b[i];
    if (c < 0x30 || c > 0x39) return -1;
    v = v * 10 + (c - 0x30);
  }
  if (to - from === 3) return v;
  if (b[from + 3] !== 0x20) return -1;
  for (let i = from + 4; i < to; i++) if (b[i] === 0x0a || b[i] === 0x0d) return -1;
  return v;
}

/** An empty buffer for a head that has decoded nothing yet. */
const NO_BYTES = new Uint8Array(0);
/** Offsets kept per header field in HttpHead.fields: name start, name end (its colon, or the line end), value start, value end. */
const FIELD_WORDS = 4;
export const FIELD_INTS = FIELD_WORDS;

/** The texts of HTTP heads (URIs, header names and values) by their bytes: most come again and again. */
const headTexts = new TextMemo(1024, 128);
const HTTP_1_1 = 'HTTP/1.1';
const HTTP_1_0 = 'HTTP/1.0';

/**
 * The one walk over the head at [off, end) (`kind`: httpStart's answer) into `h`: the status, Content-Length,
 * where the body starts, the decode events, and the offsets of every part of the head. False when a
 * response's status line holds no status (then it is no HTTP).
 */
function walkHead(b: Uint8Array, off: number, end: number, events: string[], kind: number, h: HttpHead): boolean {
  const limit = Math.min(end, off + MAX_HEAD);
  const lines = scanLines(b, off, limit);
  const overflow = scanOverflow;
  h.headEnd = scanBlank < 0 ? limit : scanBlank;
  let k = 0;
  let eol = lines > 0 ? crlfAt[k++] : -1;
  const lineEnd = eol < 0 ? limit : eol;
  h.lineStart = off;
  h.lineEnd = lineEnd;
  if (kind === -2) {
    let sp = off;
    while (sp < lineEnd && b[sp] !== 0x20) sp++;
    const status = sp < lineEnd ? statusAt(b, sp + 1, lineEnd) : -1;
    if (status < 0) return false;
    h.status = status;
    h.sp1 = sp;
  } else {
    // httpStart saw "<METHOD> ": the first space follows the method. The version is what follows the
    // last space when it starts with "HTTP/"; else (HTTP/0.9 style, a cut-off line) the rest is the URI.
    const sp1 = off + METHOD_BYTES[kind].length;
    let sp2 = lineEnd - 1;
    while (sp2 > sp1 && b[sp2] !== 0x20) sp2--;
    h.sp1 = sp1;
    h.sp2 = sp2 > sp1 && startsWith(b, sp2 + 1, lineEnd, HTTP_SLASH) ? sp2 : lineEnd;
  }
  if (eol < 0) {
    if (limit < end) events.push(EV_HTTP_HEADER_TOO_LONG);
    return true;
  }
  const f = h.fields;
  let pos = eol + 2;
  for (let count = 0; ; count++) {
    eol = k < lines ? crlfAt[k++] : overflow ? indexOfCrlf(b, pos, limit) : -1;
    if (eol < 0) {
      if (limit < end) events.push(EV_HTTP_HEADER_TOO_LONG);
      return true;
    }
    if (eol === pos) {
      h.bodyOff = eol + 2;
      h.bodyLen = end - h.bodyOff;
      return true;
    }
    if (count >= MAX_HEADERS) {
      events.push(EV_HTTP_TOO_MANY_HEADERS);
      return true;
    }
    let colon = pos;
    while (colon < eol && b[colon] !== 0x3a) colon++;
    // The value: its bytes [vs, ve) trimmed of what String.prototype.trim removes in Latin-1 (tab, LF,
    // VT, FF, CR, space, NBSP); empty for a line without a colon.
    let vs = colon < eol ? colon + 1 : eol;
    let ve = eol;
    while (vs < ve && isTrimByte(b[vs])) vs++;
    while (ve > vs && isTrimByte(b[ve - 1])) ve--;
    const at = count * FIELD_WORDS;
    f[at] = pos;
    f[at + 1] = colon;
    f[at + 2] = vs;
    f[at + 3] = ve;
    h.fieldCount = count + 1;
    // Only names of the four lengths below can match; they are compared in the bytes, case-folded, at
    // one compare site (the optimizing compiler copies an inlined loop per call site).
    const nl = colon - pos;
    const want = nl === 4 ? NAME_HOST : nl === 10 ? NAME_USER_AGENT : nl === 12 ? NAME_CONTENT_TYPE : nl === 14 ? NAME_CONTENT_LENGTH : null;
    if (want !== null && nameIs(b, pos, want)) {
      if (nl === 4) {
        if (h.hostAt < 0) h.hostAt = count;
      } else if (nl === 10) {
        if (h.userAgentAt < 0) h.userAgentAt = count;
      } else if (nl === 12) {
        if (h.contentTypeAt < 0) h.contentTypeAt = count;
      } else {
        const n = decimalAt(b, vs, ve);
        if (n >= 0) h.contentLength ??= n;
        else events.push(EV_HTTP_BAD_CONTENT_LENGTH);
      }
    }
    pos = eol + 2;
  }
}

const HTTP_SLASH = Array.from('HTTP/', (c) => c.charCodeAt(0));

/**
 * Decodes an HTTP/1.x message head at [off, end) of `b`; null when the payload is not HTTP. `known` is
 * httpStart's answer when the caller already has it. With `into` (the Packet's own head), the message
 * is that head, refilled, and its fields are read from `b` while it holds the packet; without, a new head
 * with its own copy of the head's bytes, which stays right after `b` is reused.
 */
export function decodeHttp(b: Uint8Array, off: number, end: number, events: string[], known?: number, into?: HttpHead): HttpHead | null {
  const kind = known ?? httpStart(b, off, end);
  if (kind === -1) return null;
  const h = into ?? new HttpHead();
  h.clear(kind, b, end);
  if (!walkHead(b, off, end, events, kind, h)) return null;
  if (into === undefined) h.ownCopy(off);
  return h;
}

/**
 * An HTTP message as decodeHttp gives it: the numbers are read off the bytes by the walk; the text
 * fields are cut from the bytes when first read (and kept until the head is refilled). The offsets of
 * the head's parts are public for readers that look at the bytes themselves (the payload inspector):
 * the byte at wire offset x is bytes[x - base].
 */
export class HttpHead implements HttpMessage {
  kind: 'request' | 'response' = 'request';
  status: number | null = null;
  contentLength: number | null = null;
  bodyOff = 0;
  bodyLen = 0;
  /** httpStart's answer: a METHODS index, or -2 for a response. */
  start = -1;
  /** The bytes the offsets below are into, and the wire offset of bytes[0]. */
  bytes: Uint8Array = NO_BYTES;
  base = 0;
  /** Wire offsets: the first line starts at `lineStart` and ends at `lineEnd`; the head's text ends at `headEnd`. */
  lineStart = 0;
  lineEnd = 0;
  headEnd = 0;
  /** Request: the space after the method, and the one before the version (lineEnd when there is no version). Response: the space after the version. */
  sp1 = 0;
  sp2 = 0;
  /** Header fields: FIELD_INTS wire offsets each (name start, name end, value start, value end). */
  fieldCount = 0;
  readonly fields = new Int32Array(MAX_HEADERS * FIELD_WORDS);
  /** The first Host, User-Agent and Content-Type field, or -1. */
  hostAt = -1;
  userAgentAt = -1;
  contentTypeAt = -1;
  /** Strings made so far (null: not yet). */
  private uriText: string | null = null;
  private hostText: string | null = null;
  private userAgentText: string | null = null;
  private headerList: Array<[string, string]> | null = null;

  /** Makes the head ready for a new message of httpStart kind `kind` in `b` ending at `end`. */
  clear(kind: number, b: Uint8Array, end: number): void {
    this.kind = kind === -2 ? 'response' : 'request';
    this.start = kind;
    this.status = null;
    this.contentLength = null;
    this.bodyOff = end;
    this.bodyLen = 0;
    this.bytes = b;
    this.base = 0;
    this.fieldCount = 0;
    this.hostAt = -1;
    this.userAgentAt = -1;
    this.contentTypeAt = -1;
    this.uriText = null;
    this.hostText = null;
    this.userAgentText = null;
    this.headerList = null;
  }

  /** Takes a copy of the head's bytes (from wire offset `off`), so the fields no longer need the caller's buffer. */
  ownCopy(off: number): void {
    this.bytes = this.bytes.slice(off, this.headEnd);
    this.base = off;
    this.lineStart = off;
  }

  /** Text of wire offsets [from, to). */
  text(from: number, to: number): string {
    return headTexts.text(this.bytes, from - this.base, to - from);
  }

  get method(): string | null {
    return this.start >= 0 ? METHODS[this.start] : null;
  }
  get uri(): string | null {
    if (this.start < 0) return null;
    return (this.uriText ??= this.text(this.sp1 + 1, this.sp2));
  }
  get version(): string {
    const from = this.start < 0 ? this.lineStart : this.sp2 + 1;
    const to = this.start < 0 ? this.sp1 : this.lineEnd;
    if (to - from === 8 && this.byteAt(from + 5) === 0x31 && this.byteAt(from + 6) === 0x2e) {
      // "HTTP/1.1" and "HTTP/1.0", nearly every message, without a new string.
      const minor = this.byteAt(from + 7);
      if (startsWith(this.bytes, from - this.base, to - this.base, HTTP_SLASH)) {
        if (minor === 0x31) return HTTP_1_1;
        if (minor === 0x30) return HTTP_1_0;
      }
    }
    return to > from ? this.text(from, to) : '';
  }
  get reason(): string | null {
    if (this.start >= 0) return null;
    return this.lineEnd - this.sp1 - 1 > 3 ? this.text(this.sp1 + 5, this.lineEnd) : '';
  }
  get host(): string | null {
    return this.hostAt < 0 ? null : (this.hostText ??= this.value(this.hostAt));
  }
  get userAgent(): string | null {
    return this.userAgentAt < 0 ? null : (this.userAgentText ??= this.value(this.userAgentAt));
  }
  get contentType(): string | null {
    return this.contentTypeAt < 0 ? null : this.value(this.contentTypeAt);
  }
  get headers(): Array<[string, string]> {
    if (this.headerList === null) {
      const list: Array<[string, string]> = [];
      for (let i = 0; i < this.fieldCount; i++) list.push([this.name(i), this.value(i)]);
      this.headerList = list;
    }
    return this.headerList;
  }

  /** Name of header field i, as sent. */
  name(i: number): string {
    const f = this.fields;
    return this.text(f[i * FIELD_WORDS], f[i * FIELD_WORDS + 1]);
  }
  /** Value of header field i, trimmed. */
  value(i: number): string {
    const f = this.fields;
    return this.text(f[i * FIELD_WORDS + 2], f[i * FIELD_WORDS + 3]);
  }

  private byteAt(x: number): number {
    return this.bytes[x - this.base];
  }

  /** Every field as an own property (JSON.stringify and spreading see only those). */
  toJSON(): HttpMessage {
    return plainHttp(this);
  }
}

/** Every field of an HTTP message as an own property of a plain object (for spreading, comparing, JSON). */
export function plainHttp(m: HttpMessage): HttpMessage {
  return {
    kind: m.kind, method: m.method, uri: m.uri, version: m.version, status: m.status, reason: m.reason,
    host: m.host, userAgent: m.userAgent, contentType: m.contentType, contentLength: m.contentLength,
    headers: m.headers, bodyOff: m.bodyOff, bodyLen: m.bodyLen,
  };
}
