// A ring of the last N captured frames, copied into preallocated slots, so the dashboard's feed, the menu and `e` export can show them.
//
// Why keep raw frames and not formatted lines: formatting every packet would put string building on the
// hot path; instead a view's few-times-a-second snapshot re-decodes just the frames it shows.
// Why slots: a new array and record per packet was the largest single cost of `--batch -r` (10% of the
// CPU, and garbage to collect); a slot keeps its buffer and record and is overwritten in place, so the
// packet path allocates only when a frame is longer than any its slot has held before.
import type { RawPacket } from '../capture/types.js';

export interface HeldPacket {
  n: number;
  raw: RawPacket;
}

/** Bytes a slot starts with: an Ethernet frame of a 1500-byte MTU fits, with VLAN tags and room to spare. */
export const SLOT_BYTES = 2048;

interface Slot {
  n: number;
  /** The frame's fields; `data` is the slot's own buffer, of which the first `caplen` bytes are the frame. */
  raw: RawPacket;
}

export class PacketHistory {
  private readonly slots: Slot[];
  private next = 0;
  private count = 0;

  constructor(readonly capacity: number) {
    const cap = Math.max(1, capacity);
    this.slots = new Array<Slot>(cap);
    // Slots are made as the ring first fills, so a large packet_history_size costs memory only when used.
  }

  /** Copies the frame (the source reuses its buffer) into the next slot, overwriting the oldest past capacity. */
  push(n: number, raw: RawPacket): void {
    const i = this.next;
    let slot = this.slots[i];
    if (slot === undefined) {
      slot = { n: 0, raw: { ts: 0, caplen: 0, len: 0, linkType: 0, data: new Uint8Array(SLOT_BYTES), off: 0, ifIndex: 0, tsSec: undefined, tsNsec: undefined, tsNanos: undefined } };
      this.slots[i] = slot;
    }
    const h = slot.raw;
    const caplen = raw.caplen;
    if (h.data.length < caplen) h.data = new Uint8Array(Math.max(caplen, h.data.length * 2));
    h.data.set(raw.data.subarray(raw.off, raw.off + caplen));
    slot.n = n;
    h.ts = raw.ts;
    h.caplen = caplen;
    h.len = raw.len;
    h.linkType = raw.linkType;
    h.ifIndex = raw.ifIndex;
    h.tsSec = raw.tsSec;
    h.tsNsec = raw.tsNsec;
    h.tsNanos = raw.tsNanos;
    this.next = i + 1 === this.slots.length ? 0 : i + 1;
    if (this.count < this.slots.length) this.count++;
  }

  /**
   * Held packets, oldest first, each a copy of its own (its `data` exactly the frame), so a caller may
   * keep them while later pushes overwrite the slots (an export writes them out asynchronously).
   */
  list(): HeldPacket[] {
    const out: HeldPacket[] = [];
    const len = this.slots.length;
    const start = (this.next - this.count + len) % len;
    for (let k = 0; k < this.count; k++) {
      const s = this.slots[(start + k) % len];
      const r = s.raw;
      const raw: RawPacket = { ts: r.ts, caplen: r.caplen, len: r.len, linkType: r.linkType, data: r.data.slice(0, r.caplen), off: 0, ifIndex: r.ifIndex };
      if (r.tsSec !== undefined) raw.tsSec = r.tsSec;
      if (r.tsNsec !== undefined) raw.tsNsec = r.tsNsec;
      if (r.tsNanos !== undefined) raw.tsNanos = r.tsNanos;
      out.push({ n: s.n, raw });
    }
    return out;
  }

  get size(): number {
    return this.count;
  }
}
