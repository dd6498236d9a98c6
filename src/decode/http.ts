// HTTP/1.x message heads (RFC 9112): request line or status line, then header fields up to the empty
// line. Recognised by content on any TCP port; a cheap check of the first bytes comes before any string.
//
// Two passes, so that a packet nobody asks about costs no strings: decodeHttp reads the bytes for what
// decoding itself must decide (is it HTTP, the status, Content-Length, where the body starts, the decode
// events) and keeps the head as one string; the request line and the header fields are cut from that
// string the first time anything asks for one of them (HttpHead below). The flow trackers never do; a
// detector, a rule, EVE or --dump-packets does. Decoding the strings for every message was most of the
// allocation of decode plus flow state on the bench (measured: 6% of its time).
import { latin1, latin1Bytes } from './addr.js';
import type { HttpMessage } from './packet.js';
import { EV_HTTP_BAD_CONTENT_LENGTH, EV_HTTP_HEADER_TOO_LONG, EV_HTTP_TOO_MANY_HEADERS } from './events.js';

/** Header fields kept per message; more is a resource-exhaustion attempt. */
export const MAX_HTTP_HEADERS = 128;
/** Bytes of the head looked at; request lines and headers beyond this are not decoded. */
export const MAX_HTTP_HEAD = 16384;

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
const CRLF_CAP = MAX_HTTP_HEADERS + 2;
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

/** A fresh message with every field at its "absent" value; the walk fills it. */
function emptyMessage(kind: number, end: number): HttpMessage {
  return {
    kind: kind === -2 ? 'response' : 'request',
    method: null, uri: null, version: '', status: null, reason: null,
    host: null, userAgent: null, contentType: null, contentLength: null,
    headers: [], bodyOff: end, bodyLen: 0,
  };
}

/**
 * The one walk over the head at [off, end) (`kind`: httpStart's answer). It always finds what decoding
 * itself decides: that a response's status line holds a status (false when not: then it is no HTTP),
 * the status, Content-Length, where the body starts, and the decode events, into `msg`. With `build`, it
 * also cuts the request line and the header fields out of the head as strings (one native copy of the
 * head, slices of it). decodeHttp walks without building and parseHead with it, so the two cannot
 * disagree about anything but the strings.
 */
function walkHead(b: Uint8Array, off: number, end: number, events: string[], kind: number, msg: HttpMessage, build: boolean): boolean {
  const limit = Math.min(end, off + MAX_HTTP_HEAD);
  const lines = scanLines(b, off, limit);
  const overflow = scanOverflow;
  const text = build ? latin1(b, off, (scanBlank < 0 ? limit : scanBlank) - off) : '';
  let k = 0;
  let eol = lines > 0 ? crlfAt[k++] : -1;
  const lineEnd = eol < 0 ? limit : eol;
  if (kind === -2) {
    // "HTTP/1.1 200 OK": the version up to the first space, then a status and an optional reason.
    let sp = off;
    while (sp < lineEnd && b[sp] !== 0x20) sp++;
    const status = sp < lineEnd ? statusAt(b, sp + 1, lineEnd) : -1;
    if (status < 0) return false;
    msg.status = status;
    if (build) {
      msg.version = text.slice(0, sp - off);
      msg.reason = lineEnd - sp - 1 > 3 ? text.slice(sp + 5 - off, lineEnd - off) : '';
    }
  } else if (build) {
    const line = text.slice(0, lineEnd - off);
    const sp1 = line.indexOf(' ');
    const sp2 = line.lastIndexOf(' ');
    msg.method = line.slice(0, sp1);
    if (sp2 > sp1 && line.startsWith('HTTP/', sp2 + 1)) {
      msg.uri = line.slice(sp1 + 1, sp2);
      msg.version = line.slice(sp2 + 1);
    } else {
      // HTTP/0.9-style or a cut-off line: everything after the method is the URI.
      msg.uri = line.slice(sp1 + 1);
    }
  }
  // A head cut by the segment end is normal TCP; one longer than MAX_HTTP_HEAD is not.
  if (eol < 0) {
    if (limit < end) events.push(EV_HTTP_HEADER_TOO_LONG);
    return true;
  }
  let pos = eol + 2;
  for (let count = 0; ; count++) {
    eol = k < lines ? crlfAt[k++] : overflow ? indexOfCrlf(b, pos, limit) : -1;
    if (eol < 0) {
      if (limit < end) events.push(EV_HTTP_HEADER_TOO_LONG);
      return true;
    }
    if (eol === pos) {
      msg.bodyOff = eol + 2;
      msg.bodyLen = end - msg.bodyOff;
      return true;
    }
    if (count >= MAX_HTTP_HEADERS) {
      events.push(EV_HTTP_TOO_MANY_HEADERS);
      return true;
    }
    let colon = pos;
    while (colon < eol && b[colon] !== 0x3a) colon++;
    // Only names of the four lengths below can match; they are compared in the bytes, case-folded
    // (lower-casing every candidate name made a string per header), at one compare site (the
    // optimizing compiler copies an inlined loop per call site).
    const nl = colon - pos;
    const want = !build ? (nl === 14 ? NAME_CONTENT_LENGTH : null) :
      nl === 4 ? NAME_HOST : nl === 10 ? NAME_USER_AGENT : nl === 12 ? NAME_CONTENT_TYPE : nl === 14 ? NAME_CONTENT_LENGTH : null;
    if (!build && want === null) {
      pos = eol + 2;
      continue;
    }
    // The value: its bytes [vs, ve) trimmed of what String.prototype.trim removes in Latin-1 (tab, LF,
    // VT, FF, CR, space, NBSP); empty for a line without a colon.
    let vs = colon < eol ? colon + 1 : eol;
    let ve = eol;
    while (vs < ve && isTrimByte(b[vs])) vs++;
    while (ve > vs && isTrimByte(b[ve - 1])) ve--;
    let value = '';
    if (build) {
      // Name and value cut at byte offsets, so only the two strings kept are made.
      value = text.slice(vs - off, ve - off);
      msg.headers.push([text.slice(pos - off, colon - off), value]);
    }
    if (want !== null && nameIs(b, pos, want)) {
      if (nl === 4) msg.host ??= value;
      else if (nl === 10) msg.userAgent ??= value;
      else if (nl === 12) msg.contentType ??= value;
      else {
        const n = decimalAt(b, vs, ve);
        if (n >= 0) msg.contentLength ??= n;
        else events.push(EV_HTTP_BAD_CONTENT_LENGTH);
      }
    }
    pos = eol + 2;
  }
}

/**
 * The whole parse into strings at once (`kind`: httpStart's answer, -2 for a response, a method index
 * for a request); null when the payload is not HTTP. Run by HttpHead on its own copy of the head, when a
 * field is first read; the tests hold decodeHttp's message to what this gives for the same bytes.
 */
export function parseHead(b: Uint8Array, off: number, end: number, events: string[], kind: number): HttpMessage | null {
  if (kind === -1) return null;
  const msg = emptyMessage(kind, end);
  return walkHead(b, off, end, events, kind, msg, true) ? msg : null;
}

/** decodeHttp's walk writes here; the message it returns copies the four numbers. */
const eager: HttpMessage = emptyMessage(0, 0);

/**
 * Decodes an HTTP/1.x message head at [off, end) of `b`; null when the payload is not HTTP. `known` is
 * httpStart's answer when the caller already has it. Reads the bytes only; the strings come from the
 * returned message when first asked for (see the top of this file).
 */
export function decodeHttp(b: Uint8Array, off: number, end: number, events: string[], known?: number): HttpMessage | null {
  const kind = known ?? httpStart(b, off, end);
  if (kind === -1) return null;
  const m = eager;
  m.status = null;
  m.contentLength = null;
  m.bodyOff = end;
  m.bodyLen = 0;
  if (!walkHead(b, off, end, events, kind, m, false)) return null;
  // The head as one string in one native copy, with its closing empty line (scanBlank, left by the
  // walk), for the fields later.
  const limit = Math.min(end, off + MAX_HTTP_HEAD);
  const head = latin1(b, off, (scanBlank < 0 ? limit : scanBlank + 4) - off);
  return new HttpHead(kind, head, m.status, m.contentLength, m.bodyOff, m.bodyLen);
}

/** What a head that parseHead cannot read again gives (never expected: it accepted the same bytes once). */
const NO_FIELDS: HttpMessage = {
  kind: 'request', method: null, uri: null, version: '', status: null, reason: null,
  host: null, userAgent: null, contentType: null, contentLength: null, headers: [], bodyOff: 0, bodyLen: 0,
};

/**
 * An HTTP message as decodeHttp returns it: kind, status, Content-Length and the body's place are read
 * off the bytes; the other fields are parsed from the head's own copy (`head`) when one is first read,
 * so the message stays right after the packet's buffer is reused.
 */
class HttpHead implements HttpMessage {
  readonly kind: 'request' | 'response';
  private full: HttpMessage | null = null;

  constructor(
    private readonly start: number,
    private readonly head: string,
    readonly status: number | null,
    readonly contentLength: number | null,
    readonly bodyOff: number,
    readonly bodyLen: number,
  ) {
    this.kind = start === -2 ? 'response' : 'request';
  }

  get method(): string | null {
    return this.fields().method;
  }
  get uri(): string | null {
    return this.fields().uri;
  }
  get version(): string {
    return this.fields().version;
  }
  get reason(): string | null {
    return this.fields().reason;
  }
  get host(): string | null {
    return this.fields().host;
  }
  get userAgent(): string | null {
    return this.fields().userAgent;
  }
  get contentType(): string | null {
    return this.fields().contentType;
  }
  get headers(): Array<[string, string]> {
    return this.fields().headers;
  }

  /** Every field as an own property (JSON.stringify and spreading see only those). */
  toJSON(): HttpMessage {
    return plainHttp(this);
  }

  private fields(): HttpMessage {
    if (this.full === null) {
      const b = latin1Bytes(this.head);
      this.full = parseHead(b, 0, b.length, [], this.start) ?? NO_FIELDS;
    }
    return this.full;
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
