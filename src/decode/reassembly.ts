// IPv4 (RFC 791 §3.2) and IPv6 (RFC 8200 §4.5) fragment reassembly with bounded memory: a per-datagram
// cap of 65535 bytes, a cap on bytes held and on datagrams in progress (oldest evicted first), and a
// timeout measured in packet time. Overlapping fragments keep the bytes that arrived first (the
// policy of most BSD-derived stacks) and are reported, since overlap is how IDS evasion works.
import type { Packet } from './packet.js';
import {
  EV_IPV4_FRAG_LIMIT, EV_IPV4_FRAG_OVERLAP, EV_IPV4_FRAG_TOO_LARGE,
  EV_IPV6_FRAG_LIMIT, EV_IPV6_FRAG_OVERLAP, EV_IPV6_FRAG_TOO_LARGE,
} from './events.js';
import { onesComplementSum } from './ipv4.js';

export interface ReassemblerOptions {
  /** Drop a datagram this long (packet time) after its first fragment. Default 30000 ms (as Linux ipfrag_time). */
  timeoutMs?: number;
  /** Datagrams in progress at once. Default 4096. */
  maxDatagrams?: number;
  /** Fragment bytes held in total. Default 16 MiB. */
  maxBytes?: number;
}

/** Largest IP datagram (IPv4 total length, or IPv6 payload length without jumbograms). */
export const MAX_DATAGRAM = 65535;

interface Piece {
  start: number;
  end: number;
  bytes: Uint8Array;
}

interface Datagram {
  firstSeen: number;
  /** Header of the fragment at offset 0 (copied), null until it arrives. */
  header: Uint8Array | null;
  /** Payload length, known once the last fragment (more = 0) arrived; -1 before. */
  total: number;
  /** Non-overlapping pieces, sorted by start. */
  pieces: Piece[];
  held: number;
}

export class Reassembler {
  private readonly timeoutMs: number;
  private readonly maxDatagrams: number;
  private readonly maxBytes: number;
  /** Insertion order is first-seen order, so the oldest datagram is always first. */
  private readonly map = new Map<string, Datagram>();
  private held = 0;

  constructor(opts: ReassemblerOptions = {}) {
    this.timeoutMs = opts.timeoutMs ?? 30_000;
    this.maxDatagrams = Math.max(1, opts.maxDatagrams ?? 4096);
    this.maxBytes = Math.max(MAX_DATAGRAM, opts.maxBytes ?? 16 * 1024 * 1024);
  }

  /** Datagrams in progress. */
  get size(): number {
    return this.map.size;
  }

  /** Fragment payload bytes held. */
  get bytes(): number {
    return this.held;
  }

  /** Drops datagrams whose first fragment is older than the timeout at packet time `now` (ms). */
  expire(now: number): void {
    for (const [key, d] of this.map) {
      if (now - d.firstSeen <= this.timeoutMs) break;
      this.drop(key, d);
    }
  }

  /**
   * Adds an IPv4 fragment (header at `off`, `ihl` bytes, payload up to `end` in p.data). Returns the whole
   * datagram (header with total length fixed, flags cleared and checksum recomputed, then payload) when
   * this fragment completes one, else null.
   */
  addV4(p: Packet, off: number, ihl: number, fragOff: number, more: boolean, end: number): Uint8Array | null {
    const b = p.data;
    const key = `4|${p.ipSrc}|${p.ipDst}|${p.ipProto}|${p.ipId}`;
    const header = fragOff === 0 ? b.slice(off, off + ihl) : null;
    const dg = this.add(p, key, 4, header, fragOff, more, off + ihl, end);
    if (dg === null) return null;
    const total = dg.length;
    dg[2] = total >> 8;
    dg[3] = total & 255;
    dg[6] = 0;
    dg[7] = 0;
    dg[10] = 0;
    dg[11] = 0;
    const hl = (dg[0] & 15) << 2;
    const sum = ~onesComplementSum(dg, 0, hl) & 0xffff;
    dg[10] = sum >> 8;
    dg[11] = sum & 255;
    return dg;
  }

  /**
   * Adds an IPv6 fragment: fixed header at `off`, the fragment header's next header `next` and
   * identification `id`, payload [payOff, end). Returns the fixed header (next header and payload
   * length fixed; extension headers before the fragment header are dropped) plus payload when complete.
   */
  addV6(p: Packet, off: number, next: number, id: number, fragOff: number, more: boolean, payOff: number, end: number): Uint8Array | null {
    const b = p.data;
    const key = `6|${p.ipSrc}|${p.ipDst}|${id}`;
    let header: Uint8Array | null = null;
    if (fragOff === 0) {
      header = b.slice(off, off + 40);
      header[6] = next;
    }
    const dg = this.add(p, key, 6, header, fragOff, more, payOff, end);
    if (dg === null) return null;
    const plen = dg.length - 40;
    dg[4] = plen >> 8;
    dg[5] = plen & 255;
    return dg;
  }

  private add(p: Packet, key: string, v: 4 | 6, header: Uint8Array | null, start: number, more: boolean, payOff: number, payEnd: number): Uint8Array | null {
    this.expire(p.ts);
    const len = payEnd - payOff;
    const end = start + len;
    let d = this.map.get(key);
    const headerLen = header !== null ? header.length : d?.header?.length ?? (v === 4 ? 20 : 0);
    if (end + (v === 4 ? headerLen : 0) > MAX_DATAGRAM) {
      p.events.push(v === 4 ? EV_IPV4_FRAG_TOO_LARGE : EV_IPV6_FRAG_TOO_LARGE);
      if (d) this.drop(key, d);
      return null;
    }
    if (!d) {
      while (this.map.size >= this.maxDatagrams || this.held + len > this.maxBytes) {
        const oldest = this.map.entries().next();
        if (oldest.done) break;
        p.events.push(v === 4 ? EV_IPV4_FRAG_LIMIT : EV_IPV6_FRAG_LIMIT);
        this.drop(oldest.value[0], oldest.value[1]);
      }
      d = { firstSeen: p.ts, header: null, total: -1, pieces: [], held: 0 };
      this.map.set(key, d);
    } else {
      while (this.held + len > this.maxBytes) {
        const oldest = this.map.entries().next();
        if (oldest.done || oldest.value[1] === d) break;
        p.events.push(v === 4 ? EV_IPV4_FRAG_LIMIT : EV_IPV6_FRAG_LIMIT);
        this.drop(oldest.value[0], oldest.value[1]);
      }
    }
    if (header !== null && d.header === null) d.header = header;
    if (!more) {
      if (d.total >= 0 && d.total !== end) p.events.push(v === 4 ? EV_IPV4_FRAG_OVERLAP : EV_IPV6_FRAG_OVERLAP);
      if (d.total < 0) d.total = end;
    }
    if (d.total >= 0 && end > d.total) p.events.push(v === 4 ? EV_IPV4_FRAG_OVERLAP : EV_IPV6_FRAG_OVERLAP);

    // Insert the parts of [start, end) not yet covered; any covered part is an overlap (first wins).
    const b = p.data;
    const pieces = d.pieces;
    let pos = start;
    let overlap = false;
    let i = 0;
    while (i < pieces.length && pieces[i].end <= pos) i++;
    while (pos < end) {
      const nextStart = i < pieces.length ? pieces[i].start : end;
      if (nextStart > pos) {
        const stop = Math.min(nextStart, end);
        const piece = { start: pos, end: stop, bytes: b.slice(payOff + (pos - start), payOff + (stop - start)) };
        pieces.splice(i, 0, piece);
        d.held += stop - pos;
        this.held += stop - pos;
        i++;
        pos = stop;
      } else {
        overlap = true;
        pos = Math.max(pos, pieces[i].end);
        i++;
      }
    }
    if (overlap) p.events.push(v === 4 ? EV_IPV4_FRAG_OVERLAP : EV_IPV6_FRAG_OVERLAP);

    // Complete when the header and the last fragment are in and the pieces cover [0, total) without gaps.
    if (d.header === null || d.total < 0) return null;
    let covered = 0;
    for (const pc of pieces) {
      if (pc.start > covered) return null;
      if (pc.end > covered) covered = pc.end;
      if (covered >= d.total) break;
    }
    if (covered < d.total) return null;
    const hl = d.header.length;
    const out = new Uint8Array(hl + d.total);
    out.set(d.header, 0);
    for (const pc of pieces) {
      if (pc.start >= d.total) break;
      const n = Math.min(pc.end, d.total) - pc.start;
      out.set(n === pc.bytes.length ? pc.bytes : pc.bytes.subarray(0, n), hl + pc.start);
    }
    this.drop(key, d);
    return out;
  }

  private drop(key: string, d: Datagram): void {
    this.held -= d.held;
    this.map.delete(key);
  }
}
