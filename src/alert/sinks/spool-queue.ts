// An ordered, bounded hand-off for output lines bound for a server that may be down: a memory queue,
// then a spool file, sent oldest first when the server is back; what fits in neither is counted as dropped.
//
// Knobs (from the caller's settings):
//   maxQueue       lines held in memory; past half of it, while the server is down, the oldest move to the spool
//   spoolMaxBytes  size the spool file may reach; a line that fits in neither is dropped (and counted)
//   batch          lines per send
//
// Order is kept by construction: the spool only ever holds lines older than those in memory (spilling
// takes the oldest from memory and appends them), and sending reads the spool to its end before memory.
// One loop does all the I/O, so spilling, reading and sending never interleave. push() only appends to an
// array and schedules the loop, so the packet path never waits on the disk or the network.
import { appendFile, open, stat, truncate } from 'node:fs/promises';

export interface SpoolQueueOptions {
  maxQueue: number;
  spoolFile: string;
  spoolMaxBytes: number;
  /** Lines per send (default 500). */
  batch?: number;
  /** Sends lines in order; rejects when they were not (all) taken, and they are sent again later. */
  send: (lines: string[]) => Promise<void>;
  /** Whether sending can be tried now (the connection is up). */
  isUp: () => boolean;
  /** One line per event worth telling (spooling started, drops, back in order). */
  log?: (message: string) => void;
}

export interface SpoolQueueStats {
  /** Lines the server took. */
  sent: number;
  /** Lines written to the spool file (over the whole run). */
  spooled: number;
  /** Lines lost: memory queue and spool both full. */
  dropped: number;
  /** Lines now in memory. */
  queued: number;
  /** Bytes in the spool file not yet sent. */
  spoolBytes: number;
}

/** Most bytes read from the spool for one send (whole lines only). */
const SPOOL_READ_BYTES = 256 * 1024;

export class SpoolQueue {
  private mem: string[] = [];
  private running = false;
  private again = false;
  private scheduled = false;
  /** Spool file: bytes written, and how far the sender has read (both reset when it is drained). */
  private spoolSize = 0;
  private spoolRead = 0;
  private ready: Promise<void>;
  private droppedSinceSaid = 0;
  private wasDown = false;
  private stats_ = { sent: 0, spooled: 0, dropped: 0 };
  private readonly batch: number;
  private readonly log: (m: string) => void;

  constructor(private readonly opts: SpoolQueueOptions) {
    this.batch = opts.batch ?? 500;
    this.log = opts.log ?? (() => undefined);
    // A spool left by an earlier run (the server was down when it stopped) is sent first.
    this.ready = stat(opts.spoolFile).then(
      (s) => {
        this.spoolSize = s.size;
        if (s.size > 0) this.log(`${opts.spoolFile}: ${s.size} bytes spooled by an earlier run will be sent first`);
      },
      () => undefined,
    );
  }

  get stats(): SpoolQueueStats {
    return { ...this.stats_, queued: this.mem.length, spoolBytes: this.spoolSize - this.spoolRead };
  }

  /** Queues one line (no newline in it). Never waits; drops and counts when memory is full. */
  push(line: string): void {
    if (this.mem.length >= this.opts.maxQueue) {
      this.stats_.dropped++;
      if (this.droppedSinceSaid++ === 0) {
        this.log(`memory queue (${this.opts.maxQueue} records) and spool ${this.opts.spoolFile} (${this.opts.spoolMaxBytes} bytes) are full: dropping new records until the server takes them`);
      }
      return;
    }
    this.mem.push(line);
    this.schedule();
  }

  /** Runs the loop soon (the connection came up, or lines arrived). */
  schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      void this.run();
    });
  }

  /**
   * Sends everything it can until `deadline` (ms, Date.now()), then moves what is left in memory to the
   * spool (up to its bound) so that the next run sends it. Resolves with the stats.
   */
  async drain(deadline: number): Promise<SpoolQueueStats> {
    await this.ready;
    while (Date.now() < deadline && (this.mem.length > 0 || this.spoolSize > this.spoolRead) && this.opts.isUp()) {
      await this.run();
      if (this.mem.length > 0 || this.spoolSize > this.spoolRead) await new Promise((r) => setTimeout(r, 20));
    }
    while (this.running) await new Promise((r) => setTimeout(r, 5));
    this.running = true;
    try {
      while (this.mem.length > 0 && (await this.spill(this.mem.length))) {
        // spills in chunks until memory is empty or the spool is full
      }
      if (this.mem.length > 0) {
        this.stats_.dropped += this.mem.length;
        this.droppedSinceSaid += this.mem.length;
        this.mem = [];
      }
    } finally {
      this.running = false;
    }
    return this.stats;
  }

  /** Lines dropped since the last call (for "N records were dropped" reports), and resets that count. */
  takeDroppedReport(): number {
    const n = this.droppedSinceSaid;
    this.droppedSinceSaid = 0;
    return n;
  }

  private async run(): Promise<void> {
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = true;
    try {
      await this.ready;
      do {
        this.again = false;
        await this.step();
      } while (this.again);
    } finally {
      this.running = false;
    }
  }

  /** Sends (spool first, then memory) while the server is up; while it is down, spills memory past half. */
  private async step(): Promise<void> {
    for (;;) {
      if (this.opts.isUp()) {
        if (this.wasDown) {
          this.wasDown = false;
          const lost = this.takeDroppedReport();
          this.log(`server reachable again: sending ${this.mem.length} queued records and ${this.spoolSize - this.spoolRead} spooled bytes in order${lost ? `; ${lost} records were dropped while it was away` : ''}`);
        }
        if (this.spoolSize > this.spoolRead) {
          if (!(await this.sendSpool())) return this.markDown();
          continue;
        }
        if (this.mem.length > 0) {
          const lines = this.mem.slice(0, this.batch);
          try {
            await this.opts.send(lines);
          } catch {
            return this.markDown();
          }
          this.mem.splice(0, lines.length);
          this.stats_.sent += lines.length;
          continue;
        }
        return;
      }
      this.markDown();
      if (this.mem.length < Math.max(1, Math.floor(this.opts.maxQueue / 2))) return;
      if (!(await this.spill(this.mem.length))) return;
    }
  }

  private markDown(): void {
    if (!this.wasDown) {
      this.wasDown = true;
      this.log(`server unreachable: holding records in memory (up to ${this.opts.maxQueue}), then in ${this.opts.spoolFile} (up to ${this.opts.spoolMaxBytes} bytes)`);
    }
  }

  /** Appends the oldest up-to-`n` memory lines that fit to the spool; false when none fit or the write failed. */
  private async spill(n: number): Promise<boolean> {
    let room = this.opts.spoolMaxBytes - this.spoolSize;
    let take = 0;
    let bytes = 0;
    while (take < n && take < 10_000) {
      const b = Buffer.byteLength(this.mem[take]) + 1;
      if (b > room) break;
      room -= b;
      bytes += b;
      take++;
    }
    if (take === 0) return false;
    const lines = this.mem.slice(0, take);
    try {
      await appendFile(this.opts.spoolFile, lines.join('\n') + '\n');
    } catch (e) {
      this.log(`cannot write spool ${this.opts.spoolFile}: ${(e as Error).message}; records stay in memory`);
      return false;
    }
    this.mem.splice(0, take);
    this.spoolSize += bytes;
    this.stats_.spooled += take;
    return true;
  }

  /** Sends the next whole lines of the spool; truncates the file once all of it is sent. */
  private async sendSpool(): Promise<boolean> {
    const fh = await open(this.opts.spoolFile, 'r');
    let buf: Buffer;
    try {
      const want = Math.min(SPOOL_READ_BYTES, this.spoolSize - this.spoolRead);
      buf = Buffer.alloc(want);
      const { bytesRead } = await fh.read(buf, 0, want, this.spoolRead);
      buf = buf.subarray(0, bytesRead);
    } finally {
      await fh.close();
    }
    let end = buf.lastIndexOf(0x0a);
    if (end < 0) {
      // One line longer than a read: read it whole.
      const fh2 = await open(this.opts.spoolFile, 'r');
      try {
        const all = Buffer.alloc(this.spoolSize - this.spoolRead);
        await fh2.read(all, 0, all.length, this.spoolRead);
        buf = all;
        end = buf.lastIndexOf(0x0a);
      } finally {
        await fh2.close();
      }
      if (end < 0) {
        // A torn last line (the process died mid-append): nothing more to send from the spool.
        this.spoolRead = this.spoolSize;
        return this.resetSpool();
      }
    }
    const lines = buf.subarray(0, end).toString('utf8').split('\n');
    for (let i = 0; i < lines.length; i += this.batch) {
      const part = lines.slice(i, i + this.batch);
      try {
        await this.opts.send(part);
      } catch {
        return false;
      }
      this.stats_.sent += part.length;
      // Advance past exactly the lines sent, so a failure resends from the first unsent one.
      this.spoolRead += Buffer.byteLength(part.join('\n')) + 1;
    }
    if (this.spoolRead >= this.spoolSize) return this.resetSpool();
    return true;
  }

  private async resetSpool(): Promise<boolean> {
    try {
      await truncate(this.opts.spoolFile, 0);
    } catch {
      // gone already
    }
    this.spoolSize = 0;
    this.spoolRead = 0;
    return true;
  }
}
