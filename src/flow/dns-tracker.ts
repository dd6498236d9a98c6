// DNS transaction tracking (RFC 1035 §4.1.1): matches responses to queries by transaction id and both
// endpoints, measures latency in packet time, counts NXDOMAIN answers and the most queried names.
//
// Names and answers are stored RAW, exactly as the decoder produced them from the wire (they may hold
// any byte); every view must pass them through `escapeText` (src/decode/addr.ts) before showing them.
import type { IpAddr, Packet } from '../decode/packet.js';
import { LAYER_DNS } from '../decode/packet.js';
import { formatIp } from '../decode/addr.js';

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

/** A query as held internally: addresses stay IpAddr until a view asks (formatting costs). */
interface Rec {
  ts: number;
  client: IpAddr;
  clientPort: number;
  server: IpAddr;
  id: number;
  name: string;
  type: string;
  rcode: string;
  answers: string[];
  latencyMs: number | null;
  /** Still waiting for its response (and in the pending table). */
  waiting: boolean;
  /** Next pending query with the same (client port, id) key. */
  chain: Rec | null;
}

/** Pending queries are keyed by (client port, transaction id) as one int32; endpoints are compared on the record. */
function pendingKey(clientPort: number, id: number): number {
  return ((clientPort << 16) | id) | 0;
}

export class DnsTracker {
  private readonly maxPending: number;
  private readonly keep: number;
  private readonly timeoutMs: number;
  private readonly maxDomains: number;
  /** Waiting queries by pendingKey, chained on collisions. */
  private readonly pending = new Map<number, Rec>();
  private pendingCount = 0;
  /** Waiting queries in arrival order (a ring of maxPending), for expiry and eviction of the oldest. */
  private readonly waitRing: Array<Rec | null>;
  private waitHead = 0;
  private waitLen = 0;
  private readonly ring: Rec[] = [];
  private ringPos = 0;
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
    this.waitRing = new Array<Rec | null>(this.maxPending).fill(null);
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
      kept: this.ring.length,
      domains: this.domains.size,
      queries: this.queriesSeen,
      responses: this.responsesSeen,
      matched: this.matched,
      timedOut: this.timedOut,
      nxdomain: this.nx,
    };
  }

  onPacket(p: Packet, now: number): void {
    if (now >= this.nextSweep) this.onTick(now);
    if ((p.layers & LAYER_DNS) === 0) return;
    const dns = p.dns;
    if (dns === null) return;
    const q = dns.questions.length > 0 ? dns.questions[0] : null;
    if (!dns.qr) {
      this.queriesSeen++;
      const rec: Rec = {
        ts: now,
        client: p.ipSrc,
        clientPort: p.srcPort,
        server: p.ipDst,
        id: dns.id,
        name: q ? q.name : '',
        type: q ? dnsTypeName(q.type) : '',
        rcode: '',
        answers: [],
        latencyMs: null,
        waiting: true,
        chain: null,
      };
      this.record(rec);
      if (q) this.countDomain(q.name);
      // A retransmission replaces the earlier wait, so latency is measured from the last try.
      const earlier = this.take(p.ipSrc, p.srcPort, p.ipDst, dns.id);
      if (earlier) earlier.rcode = 'RETRANSMITTED';
      this.wait(rec);
      return;
    }
    this.responsesSeen++;
    if (dns.rcode === 3) this.nx++;
    let rec = this.take(p.ipDst, p.dstPort, p.ipSrc, dns.id);
    if (rec !== null) {
      this.matched++;
      rec.latencyMs = now - rec.ts;
    } else {
      rec = {
        ts: now,
        client: p.ipDst,
        clientPort: p.dstPort,
        server: p.ipSrc,
        id: dns.id,
        name: q ? q.name : '',
        type: q ? dnsTypeName(q.type) : '',
        rcode: '',
        answers: [],
        latencyMs: null,
        waiting: false,
        chain: null,
      };
      this.record(rec);
    }
    rec.rcode = dnsRcodeName(dns.rcode);
    const answers: string[] = [];
    for (const a of dns.answers) answers.push(a.data);
    rec.answers = answers;
  }

  /** Gives up queries that waited longer than timeoutMs. */
  onTick(now: number): void {
    this.nextSweep = now + 1000;
    while (this.waitLen > 0) {
      const r = this.waitRing[this.waitHead];
      if (r !== null && r.waiting && now - r.ts < this.timeoutMs) break; // arrival order: the rest are newer
      this.popOldest();
      if (r !== null && r.waiting) {
        this.unlink(r);
        r.rcode = 'TIMEOUT';
        this.timedOut++;
      }
    }
  }

  /** Recent queries, oldest first, newest last (at most `keep`). */
  queries(): DnsQueryInfo[] {
    const recs = this.ring.length < this.keep ? this.ring : [...this.ring.slice(this.ringPos), ...this.ring.slice(0, this.ringPos)];
    return recs.map((r) => ({
      ts: r.ts,
      client: formatIp(r.client),
      server: formatIp(r.server),
      id: r.id,
      name: r.name,
      type: r.type,
      rcode: r.rcode,
      answers: r.answers,
      latencyMs: r.latencyMs,
    }));
  }

  /** The most queried names (case-folded), most first. Exact until maxDomains distinct names are seen. */
  topDomains(n: number): { name: string; count: number }[] {
    return [...this.domains]
      .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
      .slice(0, Math.max(0, n))
      .map(([name, count]) => ({ name, count }));
  }

  private record(rec: Rec): void {
    if (this.ring.length < this.keep) this.ring.push(rec);
    else {
      this.ring[this.ringPos] = rec;
      this.ringPos = (this.ringPos + 1) % this.keep;
    }
  }

  /** Adds a query to the pending table, giving up the oldest waiting one when full. */
  private wait(rec: Rec): void {
    while (this.waitLen >= this.maxPending) {
      const old = this.popOldest();
      if (old !== null && old.waiting) this.unlink(old);
    }
    const key = pendingKey(rec.clientPort, rec.id);
    rec.chain = this.pending.get(key) ?? null;
    this.pending.set(key, rec);
    this.pendingCount++;
    this.waitRing[(this.waitHead + this.waitLen) % this.maxPending] = rec;
    this.waitLen++;
  }

  private popOldest(): Rec | null {
    const r = this.waitRing[this.waitHead];
    this.waitRing[this.waitHead] = null;
    this.waitHead = (this.waitHead + 1) % this.maxPending;
    this.waitLen--;
    return r;
  }

  /** Removes and returns the waiting query of this client, port, server and id, if any. */
  private take(client: IpAddr, clientPort: number, server: IpAddr, id: number): Rec | null {
    const key = pendingKey(clientPort, id);
    let prev: Rec | null = null;
    for (let r = this.pending.get(key) ?? null; r !== null; prev = r, r = r.chain) {
      if (r.client === client && r.server === server && r.clientPort === clientPort && r.id === id) {
        if (prev === null) {
          if (r.chain === null) this.pending.delete(key);
          else this.pending.set(key, r.chain);
        } else prev.chain = r.chain;
        r.chain = null;
        r.waiting = false;
        this.pendingCount--;
        return r;
      }
    }
    return null;
  }

  private unlink(rec: Rec): void {
    this.take(rec.client, rec.clientPort, rec.server, rec.id);
  }

  private countDomain(name: string): void {
    // DNS names compare case-insensitively (RFC 4343); 0x20-randomized queries count as one name.
    const key = name.toLowerCase();
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
