// Chunked byte input for the capture file reader: a file read through fs positional reads, or a stream
// such as stdin, behind one small pull interface so the parser never holds a whole file in memory.
import { open, type FileHandle } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { SourceError } from './types.js';

export interface ByteInput {
  /** Reads up to `len` bytes into buf at `off`; 0 means end of input. */
  read(buf: Buffer, off: number, len: number): Promise<number>;
  /** Discards up to n bytes without keeping them; returns how many were there. */
  skip(n: number): Promise<number>;
  /** Ends a pending read early (stop()); later reads return 0. */
  abort(): void;
  close(): Promise<void>;
}

/** Turns an fs error into the one-line SourceError the command line prints. */
export function fileError(display: string, e: unknown): SourceError {
  const code = (e as NodeJS.ErrnoException).code;
  switch (code) {
    case 'ENOENT':
      return new SourceError(`cannot read capture file ${display}: no such file`, 'ENOENT');
    case 'EACCES':
    case 'EPERM':
      return new SourceError(`cannot read capture file ${display}: permission denied`, 'EACCES');
    case 'EISDIR':
      return new SourceError(`cannot read capture file ${display}: it is a directory`, 'EOTHER');
    case 'ENOTDIR':
      return new SourceError(`cannot read capture file ${display}: a part of the path is not a directory`, 'ENOENT');
    default:
      return new SourceError(`cannot read capture file ${display}: ${(e as Error).message}`, 'EOTHER');
  }
}

class FileInput implements ByteInput {
  private pos = 0;
  private aborted = false;
  constructor(
    private readonly fh: FileHandle,
    private readonly display: string,
  ) {}

  async read(buf: Buffer, off: number, len: number): Promise<number> {
    if (this.aborted) return 0;
    let r;
    try {
      r = await this.fh.read(buf, off, len, this.pos);
    } catch (e) {
      throw fileError(this.display, e);
    }
    this.pos += r.bytesRead;
    return this.aborted ? 0 : r.bytesRead;
  }

  async skip(n: number): Promise<number> {
    // Seeking past the end is allowed by the OS, so measure what is really there.
    const size = (await this.fh.stat()).size;
    const got = Math.max(0, Math.min(n, size - this.pos));
    this.pos += got;
    return got;
  }

  abort(): void {
    this.aborted = true;
  }

  async close(): Promise<void> {
    await this.fh.close().catch(() => undefined);
  }
}

class StreamInput implements ByteInput {
  private pending: Buffer | null = null;
  private ended = false;
  private error: Error | null = null;
  private wake: (() => void) | null = null;
  private readonly scratch = Buffer.allocUnsafe(64 * 1024);

  constructor(
    private readonly stream: Readable,
    private readonly display: string,
  ) {
    const wake = () => {
      const w = this.wake;
      this.wake = null;
      w?.();
    };
    stream.on('readable', wake);
    stream.on('end', () => {
      this.ended = true;
      wake();
    });
    stream.on('error', (e: Error) => {
      this.error = e;
      wake();
    });
    stream.on('close', () => {
      this.ended = true;
      wake();
    });
  }

  async read(buf: Buffer, off: number, len: number): Promise<number> {
    for (;;) {
      if (this.pending === null || this.pending.length === 0) {
        if (this.error) throw new SourceError(`cannot read capture from ${this.display}: ${this.error.message}`, 'EOTHER');
        if (this.ended) return 0;
        const chunk: unknown = this.stream.read();
        this.pending = chunk === null ? null : typeof chunk === 'string' ? Buffer.from(chunk, 'latin1') : (chunk as Buffer);
      }
      if (this.pending !== null && this.pending.length > 0) {
        const n = Math.min(len, this.pending.length);
        this.pending.copy(buf, off, 0, n);
        this.pending = this.pending.subarray(n);
        return n;
      }
      // Nothing buffered: wait for 'readable', 'end', 'error' or abort(). No event can slip in between
      // the read() above and this assignment, as both run in the same tick.
      await new Promise<void>((resolve) => (this.wake = resolve));
    }
  }

  async skip(n: number): Promise<number> {
    let done = 0;
    while (done < n) {
      const got = await this.read(this.scratch, 0, Math.min(this.scratch.length, n - done));
      if (got === 0) break;
      done += got;
    }
    return done;
  }

  abort(): void {
    this.ended = true;
    this.pending = null;
    const w = this.wake;
    this.wake = null;
    w?.();
  }

  async close(): Promise<void> {
    // Leave stdin itself open (the process may still use it); just stop listening for data.
    this.stream.pause();
  }
}

/** Opens a file for chunked reading; rejects with a SourceError (ENOENT, EACCES, ...). */
export async function openFileInput(path: string, display: string): Promise<ByteInput> {
  let fh: FileHandle;
  try {
    fh = await open(path, 'r');
  } catch (e) {
    throw fileError(display, e);
  }
  return new FileInput(fh, display);
}

export function streamInput(stream: Readable, display: string): ByteInput {
  return new StreamInput(stream, display);
}
