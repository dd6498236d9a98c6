// A queue of records appended to a file in batches from a timer, off the packet path; writes are serialised
// so a flush() awaits everything queued before it. While a write is in flight, new records wait and go
// out together in the next write, so a sink fed faster than the disk answers makes fewer, larger writes
// instead of a chain of small ones holding every record in memory. After a failed write (disk full,
// read-only) the file is not written again in this run: what follows is counted as lost, so a file never
// gets later lines after a gap that nobody can see.
import { close, open, write } from 'node:fs';
import fsp from 'node:fs/promises';
export class BatchWriter<T = string> {
  private queue: T[] = [];
  private timer: NodeJS.Timeout | null = null;
  /** The last write started or scheduled (resolved when idle). */
  private chain: Promise<void> = Promise.resolve();
  /** A write scheduled after the one in flight, not started yet: it takes everything queued when it starts. */
  private next: Promise<void> | null = null;
  /** The write error that stopped this file (the sink keeps going, counting what it cannot write). */
  lastError: Error | null = null;
  /** Told of every record not written: the failing batch, then each record pushed after it. */
  onLost: ((e: Error, lines: number) => void) | null = null;

  /**
   * `write` gets the records in the order pushed (one batch at a time); `maxQueued` records start a write
   * at once instead of waiting for the timer.
   */
  constructor(
    private readonly write: (chunk: T[]) => Promise<void>,
    private readonly delayMs = 200,
    private readonly maxQueued = 1000,
  ) {}

  push(item: T): void {
    if (this.lastError) {
      this.onLost?.(this.lastError, 1);
      return;
    }
    this.queue.push(item);
    if (this.queue.length >= this.maxQueued) {
      // A write already waiting takes this record too.
      if (this.next === null) void this.flush();
    } else if (!this.timer && this.next === null) {
      // Not unref'd: a pending batch keeps the process alive until it is written.
      this.timer = setTimeout(this.onTimer, this.delayMs);
    }
  }

  /**
   * The timer's callback, made once: an arrow written inside push() would make V8 allocate a context for
   * `this` on every call of push(), one per record, timer or not.
   */
  private readonly onTimer = (): void => {
    void this.flush();
  };

  get pending(): number {
    return this.queue.length;
  }

  flush(): Promise<void> {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    if (this.next !== null) return this.next;
    if (this.queue.length === 0) return this.chain;
    const next = this.chain.then(() => {
      this.next = null;
      const batch = this.queue;
      this.queue = [];
      if (batch.length === 0) return;
      if (this.lastError) {
        this.onLost?.(this.lastError, batch.length);
        return;
      }
      return this.write(batch).catch((e: unknown) => {
        this.lastError = e as Error;
        this.onLost?.(this.lastError, batch.length);
      });
    });
    this.next = next;
    this.chain = next;
    return next;
  }
}

/** What LineFile.append's `direct` returns for a line that does not fit in the rest of the buffer. */
export const DIRECT_NO_ROOM = -2;

/** Bytes a LineFile encodes before writing them out. */
const LINE_PIECE = 1024 * 1024;

/**
 * Appends batches of lines to one file through a buffer kept from batch to batch: the lines are encoded
 * into it as UTF-8 and written each time it fills. Joining a batch into one string and converting that
 * made a rope of every line, a flat copy and then the bytes, megabytes per batch in an alert storm, and
 * most of the text log's cost went to collecting them. BatchWriter runs one write at a time, so the
 * buffer is never refilled while it is being written.
 */
export class LineFile {
  private readonly buf = Buffer.allocUnsafe(LINE_PIECE);

  constructor(readonly file: string) {}

  /**
   * Appends line(0) .. line(n - 1), each followed by "\n" when `eol`, opening the file once. `direct`, when
   * given, encodes line i (with its newline) into the buffer itself and returns the offset after it, or
   * DIRECT_NO_ROOM (tried again on an empty buffer) or any other negative number (line(i) is written instead).
   */
  async append(n: number, line: (i: number) => string, eol: boolean, direct?: (i: number, buf: Buffer, off: number) => number): Promise<void> {
    const fh = await fsp.open(this.file, 'a', 0o666);
    try {
      const buf = this.buf;
      let off = 0;
      for (let i = 0; i < n; i++) {
        if (direct !== undefined) {
          let end = direct(i, buf, off);
          if (end === DIRECT_NO_ROOM && off > 0) {
            await writeAll(fh, buf, off);
            off = 0;
            end = direct(i, buf, 0);
          }
          if (end >= 0) {
            off = end;
            continue;
          }
        }
        const text = line(i);
        // At most three bytes per UTF-16 unit (a surrogate pair is two units for four bytes), and the newline.
        if (off + 3 * text.length + 1 > buf.length) {
          if (off > 0) await writeAll(fh, buf, off);
          off = 0;
          if (3 * text.length + 1 > buf.length) {
            await writeAll(fh, Buffer.from(eol ? text + '\n' : text, 'utf8'));
            continue;
          }
        }
        off += buf.write(text, off);
        if (eol) buf[off++] = 10;
      }
      if (off > 0) await writeAll(fh, buf, off);
    } finally {
      await fh.close();
    }
  }
}

/** Writes buf[0 .. len) at the end of the file, going on after a short write. */
async function writeAll(fh: fsp.FileHandle, buf: Buffer, len = buf.length): Promise<void> {
  let off = 0;
  while (off < len) off += (await fh.write(buf, off, len - off, null)).bytesWritten;
}

/**
 * Appends `text` to `file` (created if missing) in one write: open, write, close, three turns of the
 * event loop whatever the size. fs.promises.appendFile writes in 512 KiB pieces, one turn each, so in an
 * alert storm a large batch took many turns to land while the next ones piled up behind it.
 */
export function appendText(file: string, text: string): Promise<void> {
  const buf = Buffer.from(text, 'utf8');
  return new Promise((resolve, reject) => {
    open(file, 'a', 0o666, (err, fd) => {
      if (err) return reject(err);
      let off = 0;
      const done = (e: Error | null): void => close(fd, (ce) => (e ?? ce ? reject(e ?? ce) : resolve()));
      // A regular file takes the whole buffer at once; a short write (a signal, a quota) goes on from there.
      const step = (): void => {
        if (off >= buf.length) return done(null);
        write(fd, buf, off, buf.length - off, null, (we, n) => {
          if (we) return done(we);
          off += n;
          step();
        });
      };
      step();
    });
  });
}
