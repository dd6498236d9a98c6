// A queue of text appended to a file in batches from a timer, off the packet path; writes are serialised
// so a flush() awaits everything queued before it. After a failed write (disk full, read-only) the file is
// not written again in this run: what follows is counted as lost, so a file never gets later lines
// after a gap that nobody can see.
import { appendFile } from 'node:fs/promises';

export class BatchWriter {
  private queue: string[] = [];
  private timer: NodeJS.Timeout | null = null;
  private chain: Promise<void> = Promise.resolve();
  /** The write error that stopped this file (the sink keeps going, counting what it cannot write). */
  lastError: Error | null = null;
  /** Told of every line not written: the failing batch, then each line pushed after it. */
  onLost: ((e: Error, lines: number) => void) | null = null;

  constructor(
    private readonly write: (chunk: string[]) => Promise<void>,
    private readonly delayMs = 200,
    private readonly maxQueued = 1000,
  ) {}

  push(line: string): void {
    if (this.lastError) {
      this.onLost?.(this.lastError, 1);
      return;
    }
    this.queue.push(line);
    if (this.queue.length >= this.maxQueued) {
      void this.flush();
    } else if (!this.timer) {
      // Not unref'd: a pending batch keeps the process alive until it is written.
      this.timer = setTimeout(() => void this.flush(), this.delayMs);
    }
  }

  get pending(): number {
    return this.queue.length;
  }

  flush(): Promise<void> {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    const batch = this.queue;
    this.queue = [];
    if (batch.length === 0) return this.chain;
    this.chain = this.chain.then(() => {
      if (this.lastError) {
        this.onLost?.(this.lastError, batch.length);
        return;
      }
      return this.write(batch).catch((e: unknown) => {
        this.lastError = e as Error;
        this.onLost?.(this.lastError, batch.length);
      });
    });
    return this.chain;
  }
}

export function appender(file: string): (chunk: string[]) => Promise<void> {
  return (chunk) => appendFile(file, chunk.join(''));
}
