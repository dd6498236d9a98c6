// An ordered, bounded hand-off for output lines bound for a server that may be down: a memory queue,
// then a spool file, sent oldest first when the server is back; what fits in neither is counted as dropped.
//
// Knobs (from the caller's settings):
//   maxQueue       lines held in memory; from half of it on, the oldest move to the spool file
//   spoolMaxBytes  size the spool file may reach; a line that fits in neither is dropped (and counted)
//   batch          lines per send
//
// Order is kept by construction. Lines live in three places, oldest first: the batch whose send failed
// (`retry`, at most one batch), the spool file, memory. Spilling takes the oldest lines of memory and
// appends them to the spool; sending takes the retry batch, then the spool to its end, then memory. One
// sending loop and one spilling loop run independently (a send that hangs while the server goes away
// does not stop memory from spilling); the two file changes, append and truncate, take turns on a lock.
// push() only appends to an array and schedules the loops, so the packet path never waits on disk or network.
import { appendFile, open, readFile, stat, truncate, writeFile } from 'node:fs/promises';

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
  /** Whether the first connection is still being made (then waiting is not worth a line yet). */
  connecting?: () => boolean;
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
  /** A batch taken from memory whose send failed: older than the spool and memory, so sent first. */
  private retry: string[] = [];
  private sending = false;
  private sendAgain = false;
  private spilling = false;
  /** Lines taken from memory by a spool append that has not finished. */
  private inSpill = 0;
  private scheduled = false;
  /** Spool file: bytes written, and how far the sender has read (both reset when it is drained). */
  private spoolSize = 0;
  private spoolRead = 0;
  /** Appends and truncation of the spool file, one at a time. */
  private fileLock: Promise<unknown> = Promise.resolve();
  private ready: Promise<void>;
  private droppedSinceSaid = 0;
  private wasDown = false;
  /** Whether "server unreachable" was said for this outage (not while the first connection is being made). */
  private saidDown = false;
  private stats_ = { sent: 0, spooled: 0, dropped: 0 };
  private readonly batch: number;
  private readonly spillAt: number;
  private readonly log: (m: string) => void;

  constructor(private readonly opts: SpoolQueueOptions) {
    this.batch = opts.batch ?? 500;
    this.spillAt = Math.max(1, Math.floor(opts.maxQueue / 2));
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
    return { ...this.stats_, queued: this.mem.length + this.retry.length + this.inSpill, spoolBytes: this.spoolSize - this.spoolRead };
  }

  /** Queues one line (no newline in it). Never waits; drops and counts when memory is full. */
  push(line: string): void {
    if (this.mem.length + this.inSpill >= this.opts.maxQueue) {
      this.stats_.dropped++;
      if (this.droppedSinceSaid++ === 0) {
        this.log(`memory queue (${this.opts.maxQueue} records) and spool ${this.opts.spoolFile} (${this.opts.spoolMaxBytes} bytes) are full: dropping new records until the server takes them`);
      }
      return;
    }
    this.mem.push(line);
    this.schedule();
  }

  /** Runs the loops soon (the connection came up, or lines arrived). */
  schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      void this.sendLoop();
      if (this.mem.length >= this.spillAt) void this.spillLoop();
    });
  }

  /**
   * Sends everything it can until `deadline` (ms, Date.now()), then moves what is left in memory to the
   * spool (up to its bound) so that the next run sends it. Resolves with the stats.
   */
  async drain(deadline: number): Promise<SpoolQueueStats> {
    await this.ready;
    const left = (): boolean => this.retry.length > 0 || this.mem.length > 0 || this.spoolSize > this.spoolRead;
    while (Date.now() < deadline && left() && this.opts.isUp()) {
      await this.sendLoop();
      if (left()) await new Promise((r) => setTimeout(r, 20));
    }
    while (this.sending || this.spilling) await new Promise((r) => setTimeout(r, 5));
    this.spilling = true;
    try {
      if (this.retry.length > 0) await this.spoolRetry();
      while (this.mem.length > 0 && (await this.spill(this.mem.length))) {
        // spills in chunks until memory is empty or the spool is full
      }
      if (this.mem.length > 0) {
        this.stats_.dropped += this.mem.length;
        this.droppedSinceSaid += this.mem.length;
        this.mem = [];
      }
    } finally {
      this.spilling = false;
    }
    return this.stats;
  }

  /** Resolves when neither loop has work in hand or scheduled (the server taking or refusing it). */
  async settled(): Promise<void> {
    while (this.scheduled || this.sending || this.spilling) await new Promise((r) => setTimeout(r, 1));
  }

  /** Lines dropped since the last call (for "N records were dropped" reports), and resets that count. */
  takeDroppedReport(): number {
    const n = this.droppedSinceSaid;
    this.droppedSinceSaid = 0;
    return n;
  }

  private async sendLoop(): Promise<void> {
    if (this.sending) {
      this.sendAgain = true;
      return;
    }
    this.sending = true;
    try {
      await this.ready;
      do {
        this.sendAgain = false;
        await this.sendStep();
      } while (this.sendAgain && this.opts.isUp());
    } finally {
      this.sending = false;
    }
  }

  /** Sends (retry batch, spool, then memory) while the server takes them. */
  private async sendStep(): Promise<void> {
    for (;;) {
      if (!this.opts.isUp()) return this.markDown();
      if (this.wasDown) {
        this.wasDown = false;
        const lost = this.takeDroppedReport();
        if (this.saidDown || lost) this.log(`server reachable again: sending ${this.mem.length + this.retry.length} queued records and ${this.spoolSize - this.spoolRead} spooled bytes in order${lost ? `; ${lost} records were dropped while it was away` : ''}`);
        this.saidDown = false;
      }
      if (this.retry.length > 0) {
        try {
          await this.opts.send(this.retry);
        } catch {
          return this.markDown();
        }
        this.stats_.sent += this.retry.length;
        this.retry = [];
        continue;
      }
      if (this.spoolSize > this.spoolRead) {
        if (!(await this.sendSpool())) return this.markDown();
        continue;
      }
      if (this.mem.length > 0) {
        const lines = this.mem.splice(0, this.batch);
        try {
          await this.opts.send(lines);
        } catch {
          this.retry = lines;
          return this.markDown();
        }
        this.stats_.sent += lines.length;
        continue;
      }
      return;
    }
  }

  /** Moves the oldest memory lines to the spool while memory is at least half full. */
  private async spillLoop(): Promise<void> {
    if (this.spilling) return;
    this.spilling = true;
    try {
      await this.ready;
      while (this.mem.length >= this.spillAt && (await this.spill(this.mem.length))) {
        // spills until memory is below half or the spool is full
      }
    } finally {
      this.spilling = false;
    }
  }

  private markDown(): void {
    this.wasDown = true;
    if (!this.saidDown && !this.opts.connecting?.()) {
      this.saidDown = true;
      this.log(`server unreachable: holding records in memory (up to ${this.opts.maxQueue}), then in ${this.opts.spoolFile} (up to ${this.opts.spoolMaxBytes} bytes)`);
    }
  }

  /** Runs one change of the spool file after the ones before it. */
  private locked<T>(f: () => Promise<T>): Promise<T> {
    const run = this.fileLock.then(f, f);
    this.fileLock = run.catch(() => undefined);
    return run;
  }

  /** Appends the oldest up-to-`n` memory lines that fit to the spool; false when none fit or the write failed. */
  private spill(n: number): Promise<boolean> {
    return this.locked(async () => {
      let room = this.opts.spoolMaxBytes - this.spoolSize;
      let take = 0;
      let bytes = 0;
      while (take < n && take < 10_000 && take < this.mem.length) {
        const b = Buffer.byteLength(this.mem[take]) + 1;
        if (b > room) break;
        room -= b;
        bytes += b;
        take++;
      }
      if (take === 0) return false;
      // Taken out before the write: the sender must not send them from memory meanwhile.
      const lines = this.mem.splice(0, take);
      this.inSpill = take;
      try {
        await appendFile(this.opts.spoolFile, lines.join('\n') + '\n');
      } catch (e) {
        this.mem.unshift(...lines);
        this.inSpill = 0;
        this.log(`cannot write spool ${this.opts.spoolFile}: ${(e as Error).message}; records stay in memory`);
        return false;
      }
      this.inSpill = 0;
      this.spoolSize += bytes;
      this.stats_.spooled += take;
      return true;
    });
  }

  /** At the end with the server away: the failed batch goes before the unsent part of the spool. */
  private spoolRetry(): Promise<void> {
    return this.locked(async () => {
      const unsent = this.spoolSize > this.spoolRead ? (await readFile(this.opts.spoolFile)).subarray(this.spoolRead, this.spoolSize) : Buffer.alloc(0);
      const head = Buffer.from(this.retry.join('\n') + '\n');
      try {
        await writeFile(this.opts.spoolFile, Buffer.concat([head, unsent]));
      } catch (e) {
        this.log(`cannot write spool ${this.opts.spoolFile}: ${(e as Error).message}`);
        this.stats_.dropped += this.retry.length;
        this.retry = [];
        return;
      }
      this.stats_.spooled += this.retry.length;
      this.retry = [];
      this.spoolRead = 0;
      this.spoolSize = head.length + unsent.length;
    });
  }

  /** Sends the next whole lines of the spool; empties the file once all of it is sent. */
  private async sendSpool(): Promise<boolean> {
    // Appends may land meanwhile: this pass reads only what was there when it started.
    const size = this.spoolSize;
    const fh = await open(this.opts.spoolFile, 'r');
    let buf: Buffer;
    try {
      const want = Math.min(SPOOL_READ_BYTES, size - this.spoolRead);
      buf = Buffer.alloc(want);
      const { bytesRead } = await fh.read(buf, 0, want, this.spoolRead);
      buf = buf.subarray(0, bytesRead);
      if (buf.lastIndexOf(0x0a) < 0) {
        // One line longer than a read: read it whole.
        buf = Buffer.alloc(size - this.spoolRead);
        const r = await fh.read(buf, 0, buf.length, this.spoolRead);
        buf = buf.subarray(0, r.bytesRead);
      }
    } finally {
      await fh.close();
    }
    const end = buf.lastIndexOf(0x0a);
    if (end < 0) {
      // A torn last line (an earlier run died mid-append): nothing more to send of what was there.
      this.log(`${this.opts.spoolFile}: ${buf.length} bytes of a torn last line skipped`);
      this.spoolRead = size;
      return this.resetSpool();
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

  /** Empties the spool once all of it is sent (a spill may have appended meanwhile: then it stays). */
  private resetSpool(): Promise<boolean> {
    return this.locked(async () => {
      if (this.spoolRead < this.spoolSize) return true;
      try {
        await truncate(this.opts.spoolFile, 0);
      } catch {
        // gone already
      }
      this.spoolSize = 0;
      this.spoolRead = 0;
      return true;
    });
  }
}
