// Every packet of a CLI-mode run for the menu's searches: read back from the capture file (-r FILE),
// or held in memory up to -c for a live capture (and for a pipe, which cannot be read twice).
//
// Why read a file again instead of holding it: a capture file may hold millions of packets; reading it
// back costs a second pass only when someone searches, and needs no memory (Wireshark keeps the
// frames in the file too, and only their offsets in memory). Why a cap on what a live run holds:
// `-c 10000000` must not take gigabytes; the menu says when the run kept fewer packets than it saw.
import { openFile, type RawPacket } from '../capture/index.js';
import { decodePacket, Packet, LAYER_TCP, LAYER_UDP, LAYER_ICMP, LAYER_ICMPV6, LAYER_DNS, LAYER_HTTP, LAYER_ARP } from '../decode/index.js';
import { packetLine } from '../engine/index.js';
import { FrameRing, fileStamp, type FileStamp } from '../evidence/index.js';
import type { PacketRow, PacketSearch } from './menu/index.js';

/** Frame bytes a live run holds for the menu at most (the oldest go first past it). */
export const HELD_BYTES_MAX = 128 * 1024 * 1024;
/** Frame bytes reserved per packet of -c, so a small -c allocates little. */
const HELD_BYTES_PER_PACKET = 2048;
const HELD_BYTES_MIN = 16 * 1024 * 1024;
/** Packets held for a piped file (`-r -`) read without -c. */
export const HELD_PACKETS_PIPE = 100_000;
/** Matches one search returns at most (each is a table row). */
export const SEARCH_MATCHES_MAX = 100_000;

export interface MenuPacketsOptions {
  /** The capture file for -r FILE (null for a live capture or a pipe). */
  file: string | null;
  /** The capture filter the file was read with (-f), '' for none. */
  filter: string;
  /** Packets to hold in memory when there is no file: -c, or the pipe default. */
  hold: number;
  /** Packets the run processed (the engine's count), read when a search starts. */
  total: () => number;
}

export class MenuPackets {
  private readonly ring: FrameRing | null;
  private stamp: FileStamp | null = null;

  constructor(private readonly o: MenuPacketsOptions) {
    const records = Math.max(1, o.hold);
    // At least HELD_BYTES_MIN, so that a few large frames (64 KiB with offloads) do not push out a small -c's packets.
    const bytes = Math.min(HELD_BYTES_MAX, Math.max(HELD_BYTES_MIN, records * HELD_BYTES_PER_PACKET));
    this.ring = o.file === null ? new FrameRing(bytes, records) : null;
  }

  /** The file's size and time when it was read, to notice a file changed before a search. */
  async start(): Promise<void> {
    if (this.o.file !== null) this.stamp = await fileStamp(this.o.file);
  }

  /** Called for every packet the engine handled (n is its number in the run). */
  onPacket(raw: RawPacket, n: number): void {
    this.ring?.add(raw, n, 0, 0, 0);
  }

  /** Every packet of the run that `match` accepts, oldest first, with what was searched. */
  async search(match: (p: PacketRow) => boolean): Promise<PacketSearch> {
    const total = this.o.total();
    if (this.o.file !== null) {
      const now = await fileStamp(this.o.file);
      if (now === null || this.stamp === null || now.size !== this.stamp.size || now.mtimeMs !== this.stamp.mtimeMs) {
        return { rows: [], searched: 0, total, cut: 0, note: `${this.o.file} changed or is gone since it was read: nothing to search; read it again` };
      }
      return this.readBack(match, total);
    }
    return this.held(match, total);
  }

  private async readBack(match: (p: PacketRow) => boolean, total: number): Promise<PacketSearch> {
    const rows: PacketRow[] = [];
    let n = 0;
    let cut = 0;
    const p = new Packet();
    // With a capture filter (-f) the run saw the filtered stream: number the packets the same way.
    const src = openFile(this.o.file!, { filter: this.o.filter });
    await src.run((raw) => {
      if (n >= total) return;
      n++;
      decodePacket(raw, n, p, null);
      const r = packetRow(p, n, raw);
      if (match(r)) {
        if (rows.length < SEARCH_MATCHES_MAX) rows.push(r);
        else cut++;
      }
      if (n >= total) src.stop();
    });
    return { rows, searched: n, total, cut, note: n < total ? `${this.o.file} now holds only ${n} of the ${total} packets read` : null };
  }

  private held(match: (p: PacketRow) => boolean, total: number): PacketSearch {
    const ring = this.ring!;
    const rows: PacketRow[] = [];
    let cut = 0;
    const p = new Packet();
    for (let i = 0; i < ring.size; i++) {
      const r = ring.at(i);
      const raw = ring.rawOf(r, true);
      const n = ring.frameNumber(r);
      decodePacket(raw, n, p, null);
      const row = packetRow(p, n, raw);
      if (match(row)) {
        if (rows.length < SEARCH_MATCHES_MAX) rows.push(row);
        else cut++;
      }
    }
    const kept = ring.size;
    const note =
      kept < total
        ? `this run kept the last ${kept} of its ${total} packets in memory (at most ${this.o.hold} packets and ${HELD_BYTES_MAX / 1024 / 1024} MiB); searches cover those`
        : null;
    return { rows, searched: kept, total, cut, note };
  }
}

/** The menu's row for a decoded packet: its feed line and the names of every protocol it carries. */
export function packetRow(p: Packet, n: number, raw: RawPacket): PacketRow {
  return { ...packetLine(p, n, raw.ts, raw.len), layers: layerNames(p) };
}

/** Names every protocol a packet carries, so a search for HTTP also finds packets whose feed line says TCP. */
export function layerNames(p: Packet): string[] {
  const out: string[] = [];
  if (p.layers & LAYER_ARP) out.push('ARP');
  if (p.ipVersion === 4) out.push('IPv4', 'IP');
  if (p.ipVersion === 6) out.push('IPv6', 'IP');
  if (p.layers & LAYER_TCP) out.push('TCP');
  if (p.layers & LAYER_UDP) out.push('UDP');
  if (p.layers & LAYER_ICMP) out.push('ICMP');
  if (p.layers & LAYER_ICMPV6) out.push('ICMPv6');
  if (p.layers & LAYER_DNS) out.push('DNS');
  if (p.layers & LAYER_HTTP) out.push('HTTP');
  return out;
}
