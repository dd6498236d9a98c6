// DNS transaction tracking (RFC 1035 §4.1.1): matches responses to queries by transaction id and both
// endpoints, measures latency in packet time, counts NXDOMAIN answers and the most queried names.
//
// Names and answers are stored RAW, exactly as the decoder produced them from the wire (they may hold
// any byte); every view must pass them through `escapeText` (src/decode/addr.ts) before showing them.
import type { DnsMessage, Packet } from '../decode/packet.js';
import * as packet from '../decode/packet.js';
import { formatIpv4 } from '../decode/addr.js';
import { decodeDnsFull, DnsView, keepDns } from '../decode/dns.js';

// LAYER_DNS as this module's own const: V8's optimizing compiler folds a module's const into the code, but
// reads an imported binding from its cell and tests it for the hole at every use.
const { LAYER_DNS } = packet;

export interface DnsTrackerOptions {
  /** Queries waiting for their response; the oldest is given up beyond it. Default 10000. */
  maxPending?: number;
  /** Query records kept for listing (queries()). Default 1000. */
  keep?: number;
  /** A query unanswered after this long is given up (its rcode becomes "TIMEOUT"), ms. Default 30000. */
  timeoutMs?: number;
  /** Distinct names counted for topDomains(); beyond it the least queried half is dropped. Default 10000. */
  maxDomains?: number;
}

export interface DnsQueryInfo {
  /** Time of the query (or of the response when its query was not seen), ms. */
  ts: number;
  client: string;
  server: string;
  id: number;
  /** First question name, raw (escape before showing). */
  name: string;
  /** Question type name: A, AAAA, MX, ... or TYPEnnn (RFC 3597). */
  type: string;
  /** "" while waiting, NOERROR, NXDOMAIN, ..., TIMEOUT when no response came, RETRANSMITTED when the client asked again. */
  rcode: string;
  /** Answer data as the decoder rendered it (addresses, names), raw. */
  answers: string[];
  /** Response time minus query time, ms; null while waiting or when the query was not seen. */
  latencyMs: number | null;
}

const TYPE_NAMES: Record<number, string> = {
  1: 'A',
  2: 'NS',
  5: 'CNAME',
  6: 'SOA',
  12: 'PTR',
  13: 'HINFO',
  15: 'MX',
  16: 'TXT',
  17: 'RP',
  18: 'AFSDB',
  24: 'SIG',
  25: 'KEY',
  28: 'AAAA',
  29: 'LOC',
  33: 'SRV',
  35: 'NAPTR',
  39: 'DNAME',
  41: 'OPT',
  43: 'DS',
  44: 'SSHFP',
  46: 'RRSIG',
  47: 'NSEC',
  48: 'DNSKEY',
  50: 'NSEC3',
  52: 'TLSA',
  64: 'SVCB',
  65: 'HTTPS',
  99: 'SPF',
  251: 'IXFR',
  252: 'AXFR',
  255: 'ANY',
  256: 'URI',
  257: 'CAA',
};

/** RCODE names, RFC 1035 §4.1.1 and RFC 2136 §2.2. */
const RCODE_NAMES: readonly string[] = [
  'NOERROR',
  'FORMERR',
  'SERVFAIL',
  'NXDOMAIN',
  'NOTIMP',
  'REFUSED',
  'YXDOMAIN',
  'YXRRSET',
  'NXRRSET',
  'NOTAUTH',
  'NOTZONE',
];

export function dnsTypeName(t: number): string {
  return TYPE_NAMES[t] ?? `TYPE${t}`;
}

export function dnsRcodeName(r: number): string {
  return RCODE_NAMES[r] ?? `RCODE${r}`;
}

// Storage. Nothing per query is an object: a query's fields live in typed arrays (and its name, IPv6
// ends and answers in plain arrays), in two fixed rings. The listing ring holds the last `keep` records;
// the waiting ring holds pending queries in arrival order (its positions are their handles). A listed
// record is found from its pending query by slot and serial number, so a query whose listing slot was
// reused meanwhile is still matched (and counted) without touching the newer record. Measured: one
// object per query (with its boxed time and latency) outlived the young generation and was copied and
// promoted, ~0.1 s per million packets of the bench's mix; listings are made only when asked for.

/** Listing rcode codes besides the wire rcode (>= 0). */
const RC_WAITING = -1;
const RC_TIMEOUT = -2;
const RC_RETRANSMITTED = -3;

function rcodeText(code: number): string {
  return code === RC_WAITING ? '' : code === RC_TIMEOUT ? 'TIMEOUT' : code === RC_RETRANSMITTED ? 'RETRANSMITTED' : dnsRcodeName(code);
}


/** Whether toLowerCase would change `s`: an ASCII capital, or any non-ASCII character. */
function needsLowering(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if ((c >= 0x41 && c <= 0x5a) || c >= 0x80) return true;
  }
  return false;
}

/** Home slot of a pending key (murmur3's finalizer, so every bit of port and id reaches the low bits). */
function homeOf(key: number): number {
  let h = Math.imul(key ^ (key >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return h ^ (h >>> 16);
}

/**
 * Bytes kept per listed record for its response: a UDP DNS message without EDNS is at most 512 bytes
 * (RFC 1035 §4.2.1); a longer one is kept as a message of its own.
 */
const WIRE_SLOT = 512;

/** Pending queries are keyed by (client port, transaction id) as one int32; endpoints are compared on the entry. */
function pendingKey(clientPort: number, id: number): number {
  return ((clientPort << 16) | id) | 0;
}

export class DnsTracker {
  private readonly maxPending: number;
  private readonly keep: number;
  private readonly timeoutMs: number;
  private readonly maxDomains: number;

  // The listing ring: `keep` records, the oldest at ringPos once full.
  private readonly rTs: Float64Array;
  /** Latency, NaN while none. */
  private readonly rLat: Float64Array;
  /** Serial number of the record in the slot (1, 2, ...), to tell whether a pending query still owns it. */
  private readonly rSerial: Float64Array;
  private readonly rC4: Int32Array;
  private readonly rS4: Int32Array;
  private readonly rId: Int32Array;
  /** Question type, -1 when the message had no question. */
  private readonly rType: Int32Array;
  private readonly rRcode: Int32Array;
  /** IPv6 client / server text ('' for IPv4). */
  private readonly rC6: string[];
  private readonly rS6: string[];
  private readonly rName: string[];
  /**
   * The response whose answers a record lists: its bytes in the record's WIRE_SLOT bytes of rWire
   * (rWireLen of them, -1 when not there), else the message kept in rAns (null: no response yet).
   * The bytes, not the answers' text nor a message object: answers are rendered only when listed, and a
   * kept message per response was the tracker's largest allocation (measured).
   */
  private readonly rWire: Uint8Array;
  private readonly rWireLen: Int32Array;
  private readonly rAns: Array<DnsMessage | null>;
  private ringLen = 0;
  private ringPos = 0;
  private serial = 0;

  // The waiting ring: pending queries in arrival order, `maxPending` positions.
  private readonly wTs: Float64Array;
  private readonly wSerial: Float64Array;
  private readonly wSlot: Int32Array;
  private readonly wC4: Int32Array;
  private readonly wS4: Int32Array;
  private readonly wPort: Int32Array;
  private readonly wId: Int32Array;
  /** 1 while the query waits (and is in the pending table), 0 once answered, retransmitted or given up. */
  private readonly wWaiting: Uint8Array;
  /** Next waiting position with the same key, -1 at the end of the chain. */
  private readonly wChain: Int32Array;
  private readonly wC6: string[];
  private readonly wS6: string[];
  private waitHead = 0;
  private waitLen = 0;
  /**
   * First waiting position by pendingKey: open addressing with linear probing on hKey, hHead holding the
   * position + 1 (0: empty slot), at most half full. A Map here reallocated its table as queries came
   * and went (measured: ~1.6 bytes per packet of the benign bench mix, most of the tracker's allocation).
   */
  private readonly hKey: Int32Array;
  private readonly hHead: Int32Array;
  private readonly hMask: number;
  private pendingCount = 0;

  private readonly domains = new Map<string, number>();
  private nx = 0;
  private queriesSeen = 0;
  private responsesSeen = 0;
  private matched = 0;
  private timedOut = 0;
  private nextSweep = -Infinity;

  constructor(opts: DnsTrackerOptions = {}) {
    this.maxPending = Math.max(1, Math.floor(opts.maxPending ?? 10_000));
    this.keep = Math.max(1, Math.floor(opts.keep ?? 1000));
    this.timeoutMs = opts.timeoutMs ?? 30_000;
    this.maxDomains = Math.max(2, Math.floor(opts.maxDomains ?? 10_000));
    const k = this.keep;
    this.rTs = new Float64Array(k);
    this.rLat = new Float64Array(k);
    this.rSerial = new Float64Array(k);
    this.rC4 = new Int32Array(k);
    this.rS4 = new Int32Array(k);
    this.rId = new Int32Array(k);
    this.rType = new Int32Array(k);
    this.rRcode = new Int32Array(k);
    this.rC6 = new Array<string>(k).fill('');
    this.rS6 = new Array<string>(k).fill('');
    this.rName = new Array<string>(k).fill('');
    this.rWire = new Uint8Array(k * WIRE_SLOT);
    this.rWireLen = new Int32Array(k).fill(-1);
    this.rAns = new Array<DnsMessage | null>(k).fill(null);
    const m = this.maxPending;
    this.wTs = new Float64Array(m);
    this.wSerial = new Float64Array(m);
    this.wSlot = new Int32Array(m);
    this.wC4 = new Int32Array(m);
    this.wS4 = new Int32Array(m);
    this.wPort = new Int32Array(m);
    this.wId = new Int32Array(m);
    this.wWaiting = new Uint8Array(m);
    this.wChain = new Int32Array(m);
    this.wC6 = new Array<string>(m).fill('');
    this.wS6 = new Array<string>(m).fill('');
    let slots = 64;
    while (slots < m * 2) slots *= 2;
    this.hKey = new Int32Array(slots);
    this.hHead = new Int32Array(slots);
    this.hMask = slots - 1;
    // Stored a second time on purpose: V8 treats a field written only by its initializer as a constant
    // and builds it into optimized code, which it then throws away at the first real write (popOldest,
    // after the first timeout or overflow; --trace-deopt showed wait() deoptimized and compiled again).
    this.waitHead = 0;
  }

  /** Responses with rcode NXDOMAIN. */
  get nxdomain(): number {
    return this.nx;
  }

  /** DNS queries seen. */
  get total(): number {
    return this.queriesSeen;
  }

  /** Sizes and counters, for the bench, the menu and tests. */
  counters(): { pending: number; kept: number; domains: number; queries: number; responses: number; matched: number; timedOut: number; nxdomain: number } {
    return {
      pending: this.pendingCount,
      kept: this.ringLen,
      domains: this.domains.size,
      queries: this.queriesSeen,
      responses: this.responsesSeen,
      matched: this.matched,
      timedOut: this.timedOut,
      nxdomain: this.nx,
    };
  }

  onPacket(p: Packet): void {
    const now = p.ts;
    if (now >= this.nextSweep) this.onTick(now);
    if ((p.layers & LAYER_DNS) === 0) return;
    const dns = p.dns;
    if (dns === null) return;
    // `questions` read once: on a DNS view it is a getter, and V8 compiled a copy of it, with its walk of
    // the message, per read.
    const qs = dns.questions;
    const q = qs.length > 0 ? qs[0] : null;
    // The packet's int32 / text address fields, not the ipSrc accessor (which boxes IPv4 numbers).
    const src4 = p.ip4Src;
    const dst4 = p.ip4Dst;
    const src6 = p.ip6Src;
    const dst6 = p.ip6Dst;
    if (!dns.qr) {
      this.queriesSeen++;
      const slot = this.record(p, src4, src6, dst4, dst6, dns.id, q === null ? '' : q.name, q === null ? -1 : q.type);
      if (q !== null) this.countDomain(q.name);
      // A retransmission replaces the earlier wait, so latency is measured from the last try.
      const earlier = this.take(src4, src6, p.srcPort, dst4, dst6, dns.id);
      if (earlier >= 0) {
        const es = this.wSlot[earlier];
        if (this.rSerial[es] === this.wSerial[earlier]) this.rRcode[es] = RC_RETRANSMITTED;
      }
      this.wait(p, slot, src4, src6, p.srcPort, dst4, dst6, dns.id);
      return;
    }
    this.responsesSeen++;
    if (dns.rcode === 3) this.nx++;
    const w = this.take(dst4, dst6, p.dstPort, src4, src6, dns.id);
    let slot: number;
    if (w >= 0) {
      this.matched++;
      slot = this.wSlot[w];
      // The record may have left the listing while its query waited: then only the count changes.
      if (this.rSerial[slot] !== this.wSerial[w]) return;
      this.rLat[slot] = now - this.wTs[w];
    } else {
      slot = this.record(p, dst4, dst6, src4, src6, dns.id, q === null ? '' : q.name, q === null ? -1 : q.type);
    }
    this.rRcode[slot] = dns.rcode;
    // A copy: the packet's message reads bytes the next packet overwrites.
    if (dns instanceof DnsView && dns.byteLength <= WIRE_SLOT) {
      dns.copyTo(this.rWire, slot * WIRE_SLOT);
      this.rWireLen[slot] = dns.byteLength;
      this.rAns[slot] = null;
    } else {
      this.rWireLen[slot] = -1;
      this.rAns[slot] = keepDns(dns);
    }
  }

  /** Gives up queries that waited longer than timeoutMs. */
  onTick(now: number): void {
    this.nextSweep = now + 1000;
    while (this.waitLen > 0) {
      const w = this.waitHead;
      const waiting = this.wWaiting[w] === 1;
      if (waiting && now - this.wTs[w] < this.timeoutMs) break; // arrival order: the rest are newer
      this.popOldest();
      if (waiting) {
        this.unlink(w);
        const slot = this.wSlot[w];
        if (this.rSerial[slot] === this.wSerial[w]) this.rRcode[slot] = RC_TIMEOUT;
        this.timedOut++;
      }
    }
  }

  /** Recent queries, oldest first, newest last (at most `keep`). */
  queries(): DnsQueryInfo[] {
    const out: DnsQueryInfo[] = [];
    const first = this.ringLen < this.keep ? 0 : this.ringPos;
    for (let k = 0; k < this.ringLen; k++) {
      const i = (first + k) % this.keep;
      const type = this.rType[i];
      const lat = this.rLat[i];
      out.push({
        ts: this.rTs[i],
        client: this.rC6[i] !== '' ? this.rC6[i] : formatIpv4(this.rC4[i] >>> 0),
        server: this.rS6[i] !== '' ? this.rS6[i] : formatIpv4(this.rS4[i] >>> 0),
        id: this.rId[i],
        name: this.rName[i],
        type: type < 0 ? '' : dnsTypeName(type),
        rcode: rcodeText(this.rRcode[i]),
        answers: this.answersOf(i),
        latencyMs: lat === lat ? lat : null,
      });
    }
    return out;
  }

  /** The most queried names (case-folded), most first. Exact until maxDomains distinct names are seen. */
  topDomains(n: number): { name: string; count: number }[] {
    return [...this.domains]
      .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
      .slice(0, Math.max(0, n))
      .map(([name, count]) => ({ name, count }));
  }

  /** The answers' data of the response listed in `slot` ([] when none came). */
  private answersOf(slot: number): string[] {
    const len = this.rWireLen[slot];
    if (len >= 0) {
      const at = slot * WIRE_SLOT;
      // Decoded as when it came; the events were raised then.
      const m = decodeDnsFull(this.rWire, at, at + len, []);
      return m === null ? [] : m.answers.map((r) => r.data);
    }
    const ans = this.rAns[slot];
    return ans === null ? [] : ans.answers.map((r) => r.data);
  }

  /**
   * Writes a new listing record (waiting, no answers) over the oldest; returns its slot. Takes the packet
   * for its time (p.ts): a time passed as a number would be boxed per call.
   */
  private record(p: Packet, c4: number, c6: string, s4: number, s6: string, id: number, name: string, type: number): number {
    let slot: number;
    if (this.ringLen < this.keep) slot = this.ringLen++;
    else {
      slot = this.ringPos;
      this.ringPos = (this.ringPos + 1) % this.keep;
    }
    this.rSerial[slot] = ++this.serial;
    this.rTs[slot] = p.ts;
    this.rLat[slot] = Number.NaN;
    this.rC4[slot] = c4;
    this.rS4[slot] = s4;
    this.rC6[slot] = c6;
    this.rS6[slot] = s6;
    this.rId[slot] = id;
    this.rName[slot] = name;
    this.rType[slot] = type;
    this.rRcode[slot] = RC_WAITING;
    this.rWireLen[slot] = -1;
    this.rAns[slot] = null;
    return slot;
  }

  /** Adds a query (listed in `slot`) to the pending table, giving up the oldest waiting one when full. */
  private wait(p: Packet, slot: number, c4: number, c6: string, port: number, s4: number, s6: string, id: number): void {
    while (this.waitLen >= this.maxPending) {
      const old = this.popOldest();
      if (this.wWaiting[old] === 1) this.unlink(old);
    }
    const w = (this.waitHead + this.waitLen) % this.maxPending;
    this.waitLen++;
    this.wTs[w] = p.ts;
    this.wSerial[w] = this.rSerial[slot];
    this.wSlot[w] = slot;
    this.wC4[w] = c4;
    this.wS4[w] = s4;
    this.wC6[w] = c6;
    this.wS6[w] = s6;
    this.wPort[w] = port;
    this.wId[w] = id;
    this.wWaiting[w] = 1;
    const key = pendingKey(port, id);
    const i = this.slotOfKey(key);
    if (i < 0) {
      this.wChain[w] = -1;
      this.insertKey(key, w);
    } else {
      this.wChain[w] = this.hHead[i] - 1;
      this.hHead[i] = w + 1;
    }
    this.pendingCount++;
  }

  /** Frees the oldest waiting position and returns it (its fields stay readable until reused). */
  private popOldest(): number {
    const w = this.waitHead;
    this.waitHead = (this.waitHead + 1) % this.maxPending;
    this.waitLen--;
    return w;
  }

  /** Removes the waiting query of this client, port, server and id from the pending table; its position, or -1. */
  private take(c4: number, c6: string, port: number, s4: number, s6: string, id: number): number {
    const key = pendingKey(port, id);
    const i = this.slotOfKey(key);
    if (i < 0) return -1;
    const head = this.hHead[i] - 1;
    let prev = -1;
    for (let w = head; w >= 0; prev = w, w = this.wChain[w]) {
      if (this.wC4[w] === c4 && this.wS4[w] === s4 && this.wPort[w] === port && this.wId[w] === id && this.wC6[w] === c6 && this.wS6[w] === s6) {
        const next = this.wChain[w];
        if (prev < 0) {
          if (next < 0) this.removeSlot(i);
          else this.hHead[i] = next + 1;
        } else this.wChain[prev] = next;
        this.wChain[w] = -1;
        this.wWaiting[w] = 0;
        this.pendingCount--;
        return w;
      }
    }
    return -1;
  }

  /** The table slot holding `key`, or -1. */
  private slotOfKey(key: number): number {
    const mask = this.hMask;
    // The probing step is taken before the home slot too (from one before it), so the first collision,
    // late in a run, finds the step's type feedback instead of throwing away the compiled code.
    let i = (homeOf(key) & mask) - 1;
    for (;;) {
      i = (i + 1) & mask;
      if (this.hHead[i] === 0) return -1;
      if (this.hKey[i] === key) return i;
    }
  }

  /** Adds `key` (not in the table) with first waiting position `w`. */
  private insertKey(key: number, w: number): void {
    const mask = this.hMask;
    // The probing step before the home slot too, as in slotOfKey.
    let i = (homeOf(key) & mask) - 1;
    do i = (i + 1) & mask;
    while (this.hHead[i] !== 0);
    this.hKey[i] = key;
    this.hHead[i] = w + 1;
  }

  /** Empties slot `i`, moving back the entries after it that would no longer be found (no tombstones). */
  private removeSlot(i: number): void {
    const mask = this.hMask;
    let hole = i;
    // Every step, load, compare and store below runs on each pass, the last one (the empty slot that ends
    // the run) included: a part first reached late in a run (the first entry after a removed one, a run
    // that wraps past the table's end) had no type feedback and threw away the compiled code of take()
    // (--trace-deopt, attack-heavy mix).
    for (let j = i; ; ) {
      j = (j + 1) & mask;
      const key = this.hKey[j];
      const head = this.hHead[j];
      const home = homeOf(key) & mask;
      // The entry at j stays when its home lies cyclically in (hole, j]; else it moves into the hole.
      const afterHole = hole < home;
      const upToJ = home <= j;
      const inRange = hole <= j ? afterHole && upToJ : afterHole || upToJ;
      const stays = head === 0 || inRange;
      // Copied to itself when it stays (the empty slot too): one path for both.
      const to = stays ? j : hole;
      this.hKey[to] = key;
      this.hHead[to] = head;
      hole = stays ? hole : j;
      if (head === 0) break;
    }
    this.hHead[hole] = 0;
  }

  private unlink(w: number): void {
    this.take(this.wC4[w], this.wC6[w], this.wPort[w], this.wS4[w], this.wS6[w], this.wId[w]);
  }

  private countDomain(name: string): void {
    // DNS names compare case-insensitively (RFC 4343); 0x20-randomized queries count as one name.
    // toLowerCase makes a new string even when nothing changes, and most names are lower case already.
    const key = needsLowering(name) ? name.toLowerCase() : name;
    const c = this.domains.get(key);
    if (c !== undefined) {
      this.domains.set(key, c + 1);
      return;
    }
    if (this.domains.size >= this.maxDomains) {
      // Keep the most queried half: amortized O(log n) per new name, bounded memory.
      const sorted = [...this.domains].sort((a, b) => b[1] - a[1]);
      this.domains.clear();
      for (let i = 0; i < sorted.length >> 1; i++) this.domains.set(sorted[i][0], sorted[i][1]);
    }
    this.domains.set(key, 1);
  }
}
