// DNS messages (RFC 1035 §4): header, question, answer, authority and additional sections, with rdata
// rendered for A, AAAA (RFC 3596), CNAME, NS, PTR, MX, TXT, SOA, SRV (RFC 2782) and hex for the rest.
// Over UDP a message fills the datagram; over TCP it follows a 2-byte length (RFC 1035 §4.2.2).
//
// decodeDns reads the header at once and walks every section at once too, for its decode events, but in
// a mode that makes no strings and no objects (`validateOnly`). The questions and the records are decoded
// for real, by the same walk, the first time anything reads them (DnsView below): the rules and the DNS
// tracker read the first question of every message, the records are read for few (listings, EVE, the
// packet dump). A packet's view is reused and reads the packet's own bytes, so nothing is copied per packet.
import { formatIpv4, formatIpv6Cached, latin1, latin1Bytes } from './addr.js';
import type { DnsMessage, DnsQuestion, DnsRecord } from './packet.js';
import {
  EV_DNS_BAD_LABEL_TYPE, EV_DNS_FORWARD_POINTER, EV_DNS_NAME_TOO_LONG, EV_DNS_POINTER_LOOP,
  EV_DNS_TOO_MANY_LABELS, EV_DNS_TOO_MANY_POINTERS, EV_DNS_TOO_MANY_RECORDS, EV_DNS_TOO_SHORT, EV_DNS_TRUNCATED,
  pushEvent,
} from './events.js';
import { hex, u16, u32 } from './bytes.js';

export const DNS_HEADER_LEN = 12;
export const DNS_TYPE_A = 1;
export const DNS_TYPE_NS = 2;
export const DNS_TYPE_CNAME = 5;
export const DNS_TYPE_SOA = 6;
export const DNS_TYPE_PTR = 12;
export const DNS_TYPE_MX = 15;
export const DNS_TYPE_TXT = 16;
export const DNS_TYPE_AAAA = 28;
export const DNS_TYPE_SRV = 33;
export const DNS_TYPE_OPT = 41;

/** RFC 1035 §2.3.4: a name is at most 255 bytes on the wire, so at most 127 labels. */
export const MAX_NAME_LEN = 255;
export const MAX_LABELS = 127;
/** Compression pointers followed per name; real names need a handful. */
export const MAX_POINTERS = 64;
/** Records decoded per message (all sections): bounds the work one packet can cost. */
export const MAX_RECORDS = 1024;
/** Malformed names tolerated per message before the rest is given up as garbage. */
export const MAX_NAME_ERRORS = 8;

const TYPE_NAMES: Record<number, string> = {
  1: 'A', 2: 'NS', 5: 'CNAME', 6: 'SOA', 12: 'PTR', 13: 'HINFO', 15: 'MX', 16: 'TXT', 28: 'AAAA', 33: 'SRV',
  35: 'NAPTR', 41: 'OPT', 43: 'DS', 46: 'RRSIG', 47: 'NSEC', 48: 'DNSKEY', 50: 'NSEC3', 52: 'TLSA', 64: 'SVCB',
  65: 'HTTPS', 99: 'SPF', 251: 'IXFR', 252: 'AXFR', 255: 'ANY', 257: 'CAA',
};

/** Mnemonic for a record type ("A", "AAAA", ...), or "TYPE<n>" (RFC 3597 §5). */
export function dnsTypeName(t: number): string {
  return TYPE_NAMES[t] ?? `TYPE${t}`;
}

/** Why the last readName failed (an event name), and where the name ended in the original position. */
let nameError = '';
let nameEnd = 0;
/**
 * Where a name that could not be read ends on the wire, scanning labels without following pointers
 * (-1 when that is unknown too), so the rest of the message can still be decoded.
 */
function skipName(b: Uint8Array, pos: number, end: number): number {
  while (pos < end) {
    const l = b[pos];
    if (l === 0) return pos + 1;
    if ((l & 0xc0) === 0xc0) return pos + 2 <= end ? pos + 2 : -1;
    if ((l & 0xc0) !== 0) return -1;
    pos += 1 + l;
  }
  return -1;
}

/** Shown in place of a name that breaks a rule but whose end is known (tshark's wording where it has one). */
const PLACEHOLDERS: Record<string, string> = {
  [EV_DNS_NAME_TOO_LONG]: '<Name too long>',
  [EV_DNS_TOO_MANY_LABELS]: '<Name too long>',
  [EV_DNS_POINTER_LOOP]: '<Name contains a pointer that loops>',
  [EV_DNS_FORWARD_POINTER]: '<Name contains a forward pointer>',
  [EV_DNS_TOO_MANY_POINTERS]: '<Name contains too many pointers>',
  [EV_DNS_BAD_LABEL_TYPE]: '<Unknown extended label>',
};

// The name cache of readName, valid while decodeDns reads one message (cacheBuf is null otherwise).
let cacheBuf: Uint8Array | null = null;
let cacheBase = -1;
let cacheOff = -1;
let cacheNameEnd = -1;
let cacheName = '';
/** Whether the last name readNameInner returned followed a pointer. */
let lastJumped = false;
/**
 * Set while decodeMessage walks the records only for their events: names and rdata are checked as
 * always but no text is made ('' stands for a name or rdata that parses), and no record is kept.
 */
let validateOnly = false;

/** Ranges [start, end) of the message already read for the current name, to tell loops from forward pointers. */
// Typed and fixed-size (a name follows at most MAX_POINTERS pointers, plus its first segment): plain
// arrays emptied with `length = 0` gave back their storage and allocated it again for every name.
const visitedStart = new Int32Array(MAX_POINTERS + 2);
const visitedEnd = new Int32Array(MAX_POINTERS + 2);

/** C escape letters for bytes 7-13 (\a \b \t \n \v \f \r). */
const C_ESCAPE_LETTERS = [0x61, 0x62, 0x74, 0x6e, 0x76, 0x66, 0x72];
/**
 * A name's presentation text is built here, then made one flat string in one native copy: building it
 * label by label made a tree of concatenated strings, and the DNS tracker keeps names (measured).
 * A name has at most MAX_NAME_LEN wire bytes, each at most 4 text bytes.
 */
const nameText = new Uint8Array(MAX_NAME_LEN * 4 + 8);

/**
 * One label as text, escaped the way tshark shows names: control bytes as C escapes (\r, \n, ...) or
 * three-digit octal (\032), printable ASCII as is. Unlike tshark, a backslash is doubled, a '.' inside a
 * label is written "\." (RFC 1035 §5.1) and bytes 0x80-0xff are octal too, so the text is unambiguous
 * and pure ASCII. Written into nameText at `at`; returns the position after it.
 */
function appendLabel(b: Uint8Array, off: number, len: number, at: number): number {
  const t = nameText;
  for (let i = off; i < off + len; i++) {
    const c = b[i];
    if (c === 0x2e || c === 0x5c) {
      t[at++] = 0x5c;
      t[at++] = c;
    } else if (c >= 0x20 && c < 0x7f) {
      t[at++] = c;
    } else if (c >= 7 && c <= 13) {
      t[at++] = 0x5c;
      t[at++] = C_ESCAPE_LETTERS[c - 7];
    } else {
      t[at++] = 0x5c;
      t[at++] = 0x30 + (c >> 6);
      t[at++] = 0x30 + ((c >> 3) & 7);
      t[at++] = 0x30 + (c & 7);
    }
  }
  return at;
}

/**
 * Reads a possibly compressed name at `pos` of the message starting at `base` (bytes end at `end`).
 * Returns the presentation text ("<Root>" for the root), or null with nameError set. Sets nameEnd.
 *
 * RFC 1035 §4.1.4: a pointer refers to a *prior* occurrence of a name. Only pointers strictly backwards
 * from the pointer itself are followed, so a chain always terminates; a pointer to bytes this name has
 * already covered is a loop (the "zlip" attack), any other pointer forwards is refused as well.
 */
export function readName(b: Uint8Array, base: number, pos: number, end: number): string | null {
  // A name that is one pointer to the message's last pointer-free name (an answer pointing at the
  // question, the usual 0xc00c) reads back the same text: reuse it. That name lies wholly before `pos`,
  // so following the pointer could meet no loop, forward pointer or bound that the first read did not.
  if (b === cacheBuf && base === cacheBase && cacheOff >= 0 && cacheNameEnd <= pos && pos + 2 <= end) {
    const rel = cacheOff - base;
    if (b[pos] === (0xc0 | (rel >> 8)) && b[pos + 1] === (rel & 255)) {
      nameEnd = pos + 2;
      return cacheName;
    }
  }
  nameEnd = -1;
  lastJumped = true;
  let name: string | null = null;
  let keepSlot = -1;
  if (!validateOnly) {
    keepSlot = knownName(b, pos, end);
    if (keepSlot < 0 && nameEnd >= 0) {
      name = knownText[~keepSlot];
      lastJumped = false;
    }
  }
  if (name === null) {
    name = readNameInner(b, base, pos, end);
    if (name !== null && !lastJumped && keepSlot >= 0) rememberName(keepSlot, b, pos, nameEnd, name);
  }
  if (name !== null && !lastJumped && b === cacheBuf && base === cacheBase && pos - base < 0x4000) {
    cacheOff = pos;
    cacheNameEnd = nameEnd;
    cacheName = name;
  }
  if (name === null && nameEnd < 0 && nameError !== EV_DNS_TRUNCATED && nameError !== EV_DNS_BAD_LABEL_TYPE) {
    nameEnd = skipName(b, pos, end);
  }
  return name;
}

// Names seen before, by their wire bytes: a pointer-free name's text depends on its bytes alone, and
// the same names come again and again (every query for a name and its response, every client asking the
// same resolver). Direct-mapped on a hash of the bytes; a hit gives the same string instead of a new one.
const KNOWN_SLOTS = 1024;
/** Longest name remembered, in wire bytes: most names are far shorter, and a slot this size keeps the table small. */
const KNOWN_MAX_LEN = 64;
const knownBytes = new Uint8Array(KNOWN_SLOTS * KNOWN_MAX_LEN);
/** Wire length of the name in each slot (0: empty). */
const knownLen = new Int32Array(KNOWN_SLOTS);
const knownText: string[] = new Array<string>(KNOWN_SLOTS).fill('');

/**
 * Looks up the name at `pos` when it has no pointer and fits KNOWN_MAX_LEN. On a hit, sets nameEnd and
 * returns ~slot (negative); else returns the slot the name should be remembered in, or -1 (with nameEnd
 * left -1) when it cannot be remembered.
 */
function knownName(b: Uint8Array, pos: number, end: number): number {
  let q = pos;
  for (;;) {
    if (q >= end) return -1;
    const l = b[q];
    if (l === 0) break;
    // A pointer or an extended label type: the text depends on more than these bytes.
    if (l > 63) return -1;
    q += 1 + l;
    if (q - pos >= KNOWN_MAX_LEN) return -1;
  }
  const len = q + 1 - pos;
  let h = 0x811c9dc5 ^ len;
  for (let i = pos; i < q; i++) h = Math.imul(h ^ b[i], 0x01000193);
  const slot = (h ^ (h >>> 16)) & (KNOWN_SLOTS - 1);
  if (knownLen[slot] !== len) return slot;
  const at = slot * KNOWN_MAX_LEN;
  for (let i = 0; i < len; i++) if (knownBytes[at + i] !== b[pos + i]) return slot;
  nameEnd = q + 1;
  return ~slot;
}

function rememberName(slot: number, b: Uint8Array, pos: number, stop: number, text: string): void {
  const at = slot * KNOWN_MAX_LEN;
  for (let i = pos; i < stop; i++) knownBytes[at + i - pos] = b[i];
  knownLen[slot] = stop - pos;
  knownText[slot] = text;
}

/** After a failed readName: the placeholder to show and go on with, or null when the message must stop here. */
function placeholder(): string | null {
  return nameEnd >= 0 ? PLACEHOLDERS[nameError] ?? null : null;
}

function readNameInner(b: Uint8Array, base: number, pos: number, end: number): string | null {
  let out = 0;
  let wireLen = 1;
  let labels = 0;
  let pointers = 0;
  let jumped = false;
  let segStart = pos;
  let visited = 0;
  for (;;) {
    if (pos >= end) {
      nameError = EV_DNS_TRUNCATED;
      return null;
    }
    const l = b[pos];
    if (l === 0) {
      if (!jumped) nameEnd = pos + 1;
      break;
    }
    const kind = l & 0xc0;
    if (kind === 0xc0) {
      if (pos + 1 >= end) {
        nameError = EV_DNS_TRUNCATED;
        return null;
      }
      const target = base + (((l & 0x3f) << 8) | b[pos + 1]);
      if (!jumped) nameEnd = pos + 2;
      visitedStart[visited] = segStart;
      visitedEnd[visited] = pos + 2;
      visited++;
      for (let k = 0; k < visited; k++) {
        if (target >= visitedStart[k] && target < visitedEnd[k]) {
          nameError = EV_DNS_POINTER_LOOP;
          return null;
        }
      }
      if (target >= pos) {
        nameError = EV_DNS_FORWARD_POINTER;
        return null;
      }
      if (++pointers > MAX_POINTERS) {
        nameError = EV_DNS_TOO_MANY_POINTERS;
        return null;
      }
      jumped = true;
      pos = target;
      segStart = target;
      continue;
    }
    if (kind !== 0) {
      // 0x40 (extended label types, RFC 6891 §5, deprecated) and 0x80 (reserved).
      nameError = EV_DNS_BAD_LABEL_TYPE;
      return null;
    }
    if (pos + 1 + l > end) {
      nameError = EV_DNS_TRUNCATED;
      return null;
    }
    wireLen += l + 1;
    if (wireLen > MAX_NAME_LEN) {
      nameError = EV_DNS_NAME_TOO_LONG;
      return null;
    }
    if (++labels > MAX_LABELS) {
      nameError = EV_DNS_TOO_MANY_LABELS;
      return null;
    }
    if (!validateOnly) {
      if (labels > 1) nameText[out++] = 0x2e;
      out = appendLabel(b, pos + 1, l, out);
    }
    pos += 1 + l;
  }
  lastJumped = jumped;
  return labels === 0 ? '<Root>' : validateOnly ? '' : latin1(nameText, 0, out);
}

/** Renders rdata [off, off+len) of a record of type `type`; null when it does not parse. */
function renderRdata(b: Uint8Array, base: number, type: number, off: number, len: number): string | null {
  const end = off + len;
  switch (type) {
    case DNS_TYPE_A:
      return len === 4 ? (validateOnly ? '' : formatIpv4(u32(b, off))) : null;
    case DNS_TYPE_AAAA:
      // Through the address cache: the same answers recur (and the DNS tracker keeps one string each).
      return len === 16 ? (validateOnly ? '' : formatIpv6Cached(b, off)) : null;
    case DNS_TYPE_CNAME:
    case DNS_TYPE_NS:
    case DNS_TYPE_PTR:
      return readName(b, base, off, end);
    case DNS_TYPE_MX: {
      if (len < 3) return null;
      const n = readName(b, base, off + 2, end);
      return n === null ? null : validateOnly ? '' : `${u16(b, off)} ${n}`;
    }
    case DNS_TYPE_SRV: {
      if (len < 7) return null;
      const n = readName(b, base, off + 6, end);
      return n === null ? null : validateOnly ? '' : `${u16(b, off)} ${u16(b, off + 2)} ${u16(b, off + 4)} ${n}`;
    }
    case DNS_TYPE_SOA: {
      const m = readName(b, base, off, end);
      if (m === null) return null;
      const r = readName(b, base, nameEnd, end);
      if (r === null) return null;
      const p = nameEnd;
      if (end - p < 20) return null;
      if (validateOnly) return '';
      return `${m} ${r} ${u32(b, p)} ${u32(b, p + 4)} ${u32(b, p + 8)} ${u32(b, p + 12)} ${u32(b, p + 16)}`;
    }
    case DNS_TYPE_TXT: {
      const parts: string[] = [];
      let i = off;
      while (i < end) {
        const l = b[i];
        if (i + 1 + l > end) return null;
        if (validateOnly) {
          i += 1 + l;
          continue;
        }
        let s = '';
        for (let k = i + 1; k < i + 1 + l; k++) s += String.fromCharCode(b[k]);
        parts.push(JSON.stringify(s));
        i += 1 + l;
      }
      return parts.join(' ');
    }
    default:
      return validateOnly ? '' : hex(b, off, end);
  }
}

/**
 * Decodes the DNS message in [off, end). Returns null when even the header is missing. On a malformed
 * name or record, records the event; the message holds what was decoded before it. Into `into` (a
 * packet's reused view, which then reads the packet's bytes until it is refilled), or into a new view
 * with its own copy of the message.
 */
export function decodeDns(b: Uint8Array, off: number, end: number, events: string[], into?: DnsView): DnsView | null {
  const v = into ?? new DnsView();
  if (!v.fill(b, off, end, events)) return null;
  if (into === undefined) v.ownCopy();
  return v;
}

/**
 * The whole message at once, every record rendered into a plain object: what a DnsView gives when its
 * records are read, and what the tests hold it to.
 */
export function decodeDnsFull(b: Uint8Array, off: number, end: number, events: string[]): DnsMessage | null {
  if (end - off < DNS_HEADER_LEN) {
    events.push(EV_DNS_TOO_SHORT);
    return null;
  }
  const msg: DnsMessage = {
    id: 0, flags: 0, qr: false, opcode: 0, aa: false, tc: false, rd: false, ra: false, rcode: 0,
    questions: [], answers: [], authorities: [], additionals: [],
  };
  readHeader(b, off, msg);
  walk(b, off, end, events, WALK_FULL, msg, null);
  return msg;
}

/** Sets the header fields of `m` from the 12 bytes at `off`. */
function readHeader(b: Uint8Array, off: number, m: DnsMessage): void {
  const flags = u16(b, off + 2);
  m.id = u16(b, off);
  m.flags = flags;
  m.qr = (flags & 0x8000) !== 0;
  m.opcode = (flags >> 11) & 15;
  m.aa = (flags & 0x0400) !== 0;
  m.tc = (flags & 0x0200) !== 0;
  m.rd = (flags & 0x0100) !== 0;
  m.ra = (flags & 0x0080) !== 0;
  m.rcode = flags & 15;
}

// What a walk over a message makes.
/** Every section, for its events only: names and rdata are checked as always, no text is made, nothing is kept. */
const WALK_VALIDATE = 0;
/** The questions, into a view's reused list; the walk stops after them. */
const WALK_QUESTIONS = 1;
/** Every section, into a plain message's lists. */
const WALK_FULL = 2;

/**
 * Walks the message after its header (which the caller checked is there), raising its decode events.
 * One walk for all three uses, so a view's questions and records are exactly what the one-pass decode
 * gives: the same names, placeholders and stops.
 */
function walk(b: Uint8Array, off: number, end: number, events: string[], mode: number, msg: DnsMessage | null, view: DnsView | null): void {
  cacheBuf = b;
  cacheBase = off;
  cacheOff = -1;
  nameError = '';
  validateOnly = mode === WALK_VALIDATE;
  try {
    walkSections(b, off, end, events, mode, msg, view);
  } finally {
    cacheBuf = null;
    cacheName = '';
    validateOnly = false;
  }
}

function walkSections(b: Uint8Array, off: number, end: number, events: string[], mode: number, msg: DnsMessage | null, view: DnsView | null): void {
  const qd = u16(b, off + 4);
  let pos = off + DNS_HEADER_LEN;
  let records = 0;
  let nameErrors = 0;
  for (let i = 0; i < qd; i++) {
    if (++records > MAX_RECORDS) return fail(events, EV_DNS_TOO_MANY_RECORDS);
    let name = readName(b, off, pos, end);
    if (name === null) {
      pushEvent(events, nameError);
      name = ++nameErrors > MAX_NAME_ERRORS ? null : placeholder();
      if (name === null) return;
    }
    pos = nameEnd;
    if (end - pos < 4) return fail(events, EV_DNS_TRUNCATED);
    if (mode === WALK_FULL && msg !== null) msg.questions.push({ name, type: u16(b, pos), class: u16(b, pos + 2) });
    else if (view !== null) view.addQuestion(name, u16(b, pos), u16(b, pos + 2));
    pos += 4;
  }
  if (mode === WALK_QUESTIONS) return;
  for (let s = 0; s < 3; s++) {
    const list = msg === null ? NO_RECORDS : s === 0 ? msg.answers : s === 1 ? msg.authorities : msg.additionals;
    const count = u16(b, off + 6 + 2 * s);
    for (let i = 0; i < count; i++) {
      if (++records > MAX_RECORDS) return fail(events, EV_DNS_TOO_MANY_RECORDS);
      let name = readName(b, off, pos, end);
      if (name === null) {
        pushEvent(events, nameError);
        name = ++nameErrors > MAX_NAME_ERRORS ? null : placeholder();
        if (name === null) return;
      }
      pos = nameEnd;
      if (end - pos < 10) return fail(events, EV_DNS_TRUNCATED);
      const type = u16(b, pos);
      const cls = u16(b, pos + 2);
      const ttl = u32(b, pos + 4);
      const rdlen = u16(b, pos + 8);
      pos += 10;
      if (end - pos < rdlen) return fail(events, EV_DNS_TRUNCATED);
      let data = renderRdata(b, off, type, pos, rdlen);
      if (data === null) {
        if (nameError !== '') pushEvent(events, nameError);
        data = validateOnly ? '' : hex(b, pos, pos + rdlen);
      }
      nameError = '';
      if (msg !== null) {
        const rr: DnsRecord = { name, type, class: cls, ttl, data };
        list.push(rr);
      }
      pos += rdlen;
    }
  }
}

/** Records the event that stops decoding. */
function fail(events: string[], ev: string): void {
  pushEvent(events, ev);
}

/** DNS over TCP: a 2-byte length, then the message (RFC 1035 §4.2.2). Decodes the first message. */
export function decodeDnsTcp(b: Uint8Array, off: number, end: number, events: string[], into?: DnsView): DnsView | null {
  if (end - off < 2 + DNS_HEADER_LEN) return null;
  const len = u16(b, off);
  // Too short to be a message: most likely a continuation segment of a longer message, which only
  // stream reassembly could place; not an anomaly in itself.
  if (len < DNS_HEADER_LEN) return null;
  // A message longer than this segment continues in the next one; decode the part that is here.
  const stop = Math.min(end, off + 2 + len);
  return decodeDns(b, off + 2, stop, events, into);
}

/** The record list a validating walk "fills": never written, since no record is kept then. */
const NO_RECORDS: DnsRecord[] = [];
const NO_BYTES = new Uint8Array(0);
/** What a view gives for the records of a message that has none (shared, never written). */
const NO_MESSAGE: DnsMessage = Object.freeze({
  id: 0, flags: 0, qr: false, opcode: 0, aa: false, tc: false, rd: false, ra: false, rcode: 0,
  questions: Object.freeze([]) as unknown as DnsQuestion[],
  answers: Object.freeze([]) as unknown as DnsRecord[],
  authorities: Object.freeze([]) as unknown as DnsRecord[],
  additionals: Object.freeze([]) as unknown as DnsRecord[],
});

/**
 * A DNS message as decodeDns gives it: the header's fields are read at once and every section is walked
 * for its decode events, but no name, record or list is made until one is read. The questions are then
 * read into a list and question objects the view keeps and refills (a packet's view is reused for every
 * packet, so read them while handling the packet); the records into a plain message, made once per fill.
 * Measured: a message object with its lists and question objects for every DNS packet was a fifth of the
 * bytes the benign bench mix allocated; the rules and the DNS tracker read only the first question.
 *
 * A packet's view reads the packet's bytes, which the next packet overwrites: whatever must outlive the
 * packet takes `keep()` (keepDns), a view of its own copy of the message.
 */
export class DnsView implements DnsMessage {
  id = 0;
  flags = 0;
  qr = false;
  opcode = 0;
  aa = false;
  tc = false;
  rd = false;
  ra = false;
  rcode = 0;
  /** The message is bytes[off, end). */
  private bytes: Uint8Array = NO_BYTES;
  private off = 0;
  private end = 0;
  /** A kept view's copy of the message (one char per byte), turned back into bytes when first read. */
  private wire: string | null = null;
  /** Whether the bytes are the view's own (a kept or standalone view): then keep() is the view itself. */
  private owned = false;
  /** Whether the header announces records (any of the three record counts is not 0). */
  private hasRecords = false;
  private questionsRead = false;
  private readonly questionList: DnsQuestion[] = [];
  /** Question objects reused by questionList, one per question ever read into this view. */
  private readonly questionPool: DnsQuestion[] = [];
  /** Questions read into questionList by the walk under way. */
  private questionCount = 0;
  private full: DnsMessage | null = null;

  /**
   * Reads the message at [off, end) of `b`: the header, then a walk of every section for its events.
   * False (with an event) when even the header is missing.
   */
  fill(b: Uint8Array, off: number, end: number, events: string[]): boolean {
    if (end - off < DNS_HEADER_LEN) {
      events.push(EV_DNS_TOO_SHORT);
      return false;
    }
    this.bytes = b;
    this.off = off;
    this.end = end;
    this.wire = null;
    this.owned = false;
    this.questionsRead = false;
    this.full = null;
    readHeader(b, off, this);
    this.hasRecords = (u16(b, off + 6) | u16(b, off + 8) | u16(b, off + 10)) !== 0;
    walk(b, off, end, events, WALK_VALIDATE, null, null);
    return true;
  }

  /** Makes the view read its own copy of the message instead of the buffer it was filled from. */
  ownCopy(): void {
    if (this.owned) return;
    this.wire = latin1(this.bytes, this.off, this.end - this.off);
    this.bytes = NO_BYTES;
    this.end = this.end - this.off;
    this.off = 0;
    this.owned = true;
  }

  /** A view of the same message that stays right after this one is refilled (this one, when it owns its bytes). */
  keep(): DnsView {
    if (this.owned) return this;
    const k = new DnsView();
    k.id = this.id;
    k.flags = this.flags;
    k.qr = this.qr;
    k.opcode = this.opcode;
    k.aa = this.aa;
    k.tc = this.tc;
    k.rd = this.rd;
    k.ra = this.ra;
    k.rcode = this.rcode;
    k.hasRecords = this.hasRecords;
    k.bytes = this.bytes;
    k.off = this.off;
    k.end = this.end;
    k.ownCopy();
    return k;
  }

  /** The message's length in bytes. */
  get byteLength(): number {
    return this.end - this.off;
  }

  /** Copies the message's bytes into `dst` at `at` (the caller made room for byteLength). */
  copyTo(dst: Uint8Array, at: number): void {
    const b = this.message();
    for (let i = this.off; i < this.end; i++) dst[at++] = b[i];
  }

  get questions(): DnsQuestion[] {
    if (!this.questionsRead) {
      this.questionsRead = true;
      const list = this.questionList;
      // The list is overwritten in place and cut only when this message has fewer questions: emptying it
      // first let V8 drop its backing store, and the next message's push made a new one.
      this.questionCount = 0;
      // The events were raised when the view was filled.
      walk(this.message(), this.off, this.end, SCRATCH_EVENTS, WALK_QUESTIONS, null, this);
      if (list.length !== this.questionCount) list.length = this.questionCount;
      while (SCRATCH_EVENTS.length !== 0) SCRATCH_EVENTS.pop();
    }
    return this.questionList;
  }

  get answers(): DnsRecord[] {
    return this.records().answers;
  }
  get authorities(): DnsRecord[] {
    return this.records().authorities;
  }
  get additionals(): DnsRecord[] {
    return this.records().additionals;
  }

  /** Every field as an own property (JSON.stringify and spreading see only those). */
  toJSON(): DnsMessage {
    return plainDns(this);
  }

  /** Appends a question while the questions are read (the walk calls it). */
  addQuestion(name: string, type: number, cls: number): void {
    const i = this.questionCount++;
    let q = this.questionPool[i];
    if (q === undefined) {
      q = { name, type, class: cls };
      this.questionPool.push(q);
    } else {
      q.name = name;
      q.type = type;
      q.class = cls;
    }
    if (i < this.questionList.length) this.questionList[i] = q;
    else this.questionList.push(q);
  }

  /** The bytes the offsets are into (a kept view's copy made bytes again on first use). */
  private message(): Uint8Array {
    if (this.wire !== null && this.bytes === NO_BYTES) this.bytes = latin1Bytes(this.wire);
    return this.bytes;
  }

  private records(): DnsMessage {
    if (!this.hasRecords) return NO_MESSAGE;
    if (this.full === null) {
      const b = this.message();
      // The same bytes decoded the same way as when the view was filled; the events are not wanted again.
      const m = decodeDnsFull(b, this.off, this.end, SCRATCH_EVENTS);
      while (SCRATCH_EVENTS.length !== 0) SCRATCH_EVENTS.pop();
      this.full = m ?? NO_MESSAGE;
    }
    return this.full;
  }
}

/** Events of a walk that raised them already once (emptied after each use). */
const SCRATCH_EVENTS: string[] = [];

/**
 * A DNS message that stays right after its packet is gone: the message itself when it is not a packet's
 * reused view (a plain object, a kept or standalone view), else a kept copy.
 */
export function keepDns(m: DnsMessage): DnsMessage {
  return m instanceof DnsView ? m.keep() : m;
}

/** Every field of a DNS message as an own property of a plain object (for spreading, comparing, JSON). */
export function plainDns(m: DnsMessage): DnsMessage {
  return {
    id: m.id, flags: m.flags, qr: m.qr, opcode: m.opcode, aa: m.aa, tc: m.tc, rd: m.rd, ra: m.ra, rcode: m.rcode,
    questions: m.questions, answers: m.answers, authorities: m.authorities, additionals: m.additionals,
  };
}
