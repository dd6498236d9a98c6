// A ring of the last N captured frames, copied, so the dashboard's feed, the menu and `e` export can show them.
//
// Why keep raw frames and not formatted lines: formatting every packet would put string building on the
// hot path; instead a view's few-times-a-second snapshot re-decodes just the frames it shows.
import { frameBytes, type RawPacket } from '../capture/types.js';

export interface HeldPacket {
  n: number;
  raw: RawPacket;
}

export class PacketHistory {
  private readonly ring: (HeldPacket | undefined)[];
  private next = 0;
  private count = 0;

  constructor(readonly capacity: number) {
    this.ring = new Array<HeldPacket | undefined>(Math.max(1, capacity));
  }

  /** Copies the frame (the source reuses its buffer) and keeps it, dropping the oldest past capacity. */
  push(n: number, raw: RawPacket): void {
    const slot = this.ring[this.next];
    // new Uint8Array(x) always copies (a Buffer's .slice() would not).
    const copy: RawPacket = { ...raw, data: new Uint8Array(frameBytes(raw)), off: 0 };
    if (slot) {
      slot.n = n;
      slot.raw = copy;
    } else {
      this.ring[this.next] = { n, raw: copy };
    }
    this.next = (this.next + 1) % this.ring.length;
    if (this.count < this.ring.length) this.count++;
  }

  /** Held packets, oldest first. */
  list(): HeldPacket[] {
    const out: HeldPacket[] = [];
    const start = (this.next - this.count + this.ring.length) % this.ring.length;
    for (let i = 0; i < this.count; i++) {
      const h = this.ring[(start + i) % this.ring.length];
      if (h) out.push(h);
    }
    return out;
  }

  get size(): number {
    return this.count;
  }
}
