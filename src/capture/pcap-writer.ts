// `-w FILE`: appends every packet to a classic pcap file as it goes, batching records into 1 MiB writes
// done off the packet path, so a slow disk never stalls capture (a bounded backlog drops instead).
import fs from 'node:fs';
import { DEFAULT_SNAPLEN, pcapFileHeader, pcapRecordLength, writePcapRecord } from './pcap-encode.js';
import { SourceError, type RawPacket } from './types.js';

const BATCH = 1 << 20;
/** Backlog of unwritten bytes beyond which packets are dropped (counted in `dropped`) rather than queued. */
const MAX_BACKLOG = 64 << 20;
/** A partly filled batch is written after this long, so the file follows a quiet live capture. */
const FLUSH_MS = 1000;

export interface PcapWriterOptions {
  /** Snap length in the header; longer packets are cut to it. Default 262144. */
  snaplen?: number;
  /**
   * Nanosecond pcap (magic 0xa1b23c4d) instead of microsecond. Default: decided by the first packet,
   * nanosecond when its source had a finer-than-microsecond clock (RawPacket.tsNanos).
   */
  nanosecond?: boolean;
}

export function writeError(path: string, e: unknown): SourceError {
  const code = (e as NodeJS.ErrnoException).code;
  const why =
    code === 'ENOENT' ? 'no such directory' : code === 'EACCES' || code === 'EPERM' ? 'permission denied' : code === 'EISDIR' ? 'it is a directory' : code === 'ENOSPC' ? 'no space left on device' : (e as Error).message;
  const err = new SourceError(`cannot write capture file ${path}: ${why}`, code === 'EACCES' || code === 'EPERM' ? 'EACCES' : code === 'ENOENT' ? 'ENOENT' : 'EOTHER');
  // The system's error stays as the cause (not enumerable: the error compares as before), for callers that
  // name the errno of a full disk or a read-only file system.
  Object.defineProperty(err, 'cause', { value: e, enumerable: false });
  return err;
}

export class PcapWriter {
  private fd: number;
  private nano: boolean | null;
  private readonly snaplen: number;
  private batch = Buffer.allocUnsafe(BATCH);
  private used = 0;
  private readonly queue: Buffer[] = [];
  private backlog = 0;
  private writing = false;
  private failure: SourceError | null = null;
  private closed = false;
  private timer: NodeJS.Timeout | null = null;
  private drained: (() => void) | null = null;
  private written = 0;
  private skippedCount = 0;
  private droppedCount = 0;

  /** Creates (truncates) the file at once; throws SourceError when it cannot be written. */
  constructor(
    readonly path: string,
    readonly linkType: number,
    opts: PcapWriterOptions = {},
  ) {
    this.snaplen = Math.max(1, Math.min(opts.snaplen ?? DEFAULT_SNAPLEN, DEFAULT_SNAPLEN));
    this.nano = opts.nanosecond ?? null;
    try {
      this.fd = fs.openSync(path, 'w');
    } catch (e) {
      throw writeError(path, e);
    }
    if (this.nano !== null) this.append(pcapFileHeader(linkType, this.snaplen, this.nano));
  }

  /** Packets written (or queued to be written). */
  get count(): number {
    return this.written;
  }
  /** Packets not written because their link type differs from the file's (a pcap has one link type). */
  get skipped(): number {
    return this.skippedCount;
  }
  /** Packets dropped because the disk fell more than 64 MiB behind. */
  get dropped(): number {
    return this.droppedCount;
  }

  /** The first write failure (disk full, I/O error), also thrown by close(); writing stops after it. */
  get error(): SourceError | null {
    return this.failure;
  }

  /** Queues one packet; copies its bytes at once, so the caller may reuse them. */
  write(p: RawPacket): void {
    if (this.closed || this.failure) return;
    if (p.linkType !== this.linkType) {
      this.skippedCount++;
      return;
    }
    if (this.nano === null) {
      this.nano = p.tsNanos === true;
      this.append(pcapFileHeader(this.linkType, this.snaplen, this.nano));
    }
    const need = pcapRecordLength(p, this.snaplen);
    if (this.backlog + this.used + need > MAX_BACKLOG) {
      this.droppedCount++;
      return;
    }
    if (this.used + need > this.batch.length) this.flushBatch();
    this.used += writePcapRecord(this.batch, this.used, p, this.snaplen, this.nano);
    this.written++;
    if (this.timer === null) {
      this.timer = setTimeout(() => {
        this.timer = null;
        this.flushBatch();
      }, FLUSH_MS);
      this.timer.unref();
    }
  }

  /** Writes what is queued and closes the file; rejects with SourceError when the disk refused. */
  async close(): Promise<void> {
    if (this.closed) return;
    if (this.nano === null) {
      this.nano = false;
      this.append(pcapFileHeader(this.linkType, this.snaplen, false));
    }
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.flushBatch();
    if (this.writing) await new Promise<void>((resolve) => (this.drained = resolve));
    await new Promise<void>((resolve) => fs.close(this.fd, () => resolve()));
    if (this.failure) throw this.failure;
  }

  private append(b: Buffer): void {
    if (this.used + b.length > this.batch.length) this.flushBatch();
    b.copy(this.batch, this.used);
    this.used += b.length;
  }

  private flushBatch(): void {
    if (this.used === 0) return;
    const out = this.batch.subarray(0, this.used);
    this.queue.push(out);
    this.backlog += out.length;
    // The batch now belongs to the queue; write into a fresh one.
    this.batch = Buffer.allocUnsafe(BATCH);
    this.used = 0;
    this.pump();
  }

  private pump(): void {
    if (this.writing) return;
    const next = this.queue.shift();
    if (next === undefined) {
      const d = this.drained;
      this.drained = null;
      d?.();
      return;
    }
    this.writing = true;
    this.writeAll(next, 0);
  }

  private writeAll(b: Buffer, off: number): void {
    fs.write(this.fd, b, off, b.length - off, null, (err, n) => {
      if (err) {
        this.failure ??= writeError(this.path, err);
        this.queue.length = 0;
        this.backlog = 0;
        this.writing = false;
        this.pump();
        return;
      }
      if (off + n < b.length) {
        this.writeAll(b, off + n);
        return;
      }
      this.backlog -= b.length;
      this.writing = false;
      this.pump();
    });
  }
}
