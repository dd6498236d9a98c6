// A capture file read through tcpdump with a BPF filter (-f together with -r): libpcap's own filter
// language and compiler, as in live capture, so a filter picks the same packets from a file as from the wire.
//
// tcpdump reads the file and writes the matching packets as a nanosecond pcap stream, which the normal
// reader parses. Its errors come back as one-line SourceErrors: a filter it cannot compile is
// `bad capture filter "...": <tcpdump's reason>`, as for live capture.
import { spawn, type ChildProcess } from 'node:child_process';
import { open } from 'node:fs/promises';
import { fileError, streamInput, type ByteInput } from './byte-input.js';
import { SourceError } from './types.js';

/** tcpdump's progress line on stderr, not an error. */
const READING = /^reading from file /;

class FilteredInput implements ByteInput {
  private aborted = false;
  /** The reader got to the end of tcpdump's output (not stopped early at -c). */
  private eof = false;
  private spawnError: NodeJS.ErrnoException | null = null;
  private stderr = '';
  private readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  private readonly inner: ByteInput;

  constructor(
    private readonly child: ChildProcess,
    private readonly display: string,
    private readonly filter: string,
    private readonly warn: (message: string) => void,
  ) {
    child.stderr?.setEncoding('utf8').on('data', (d: string) => {
      if (this.stderr.length < 4096) this.stderr += d;
    });
    this.exited = new Promise((resolve) => {
      child.on('error', (e: NodeJS.ErrnoException) => {
        this.spawnError = e;
        resolve({ code: null, signal: null });
      });
      child.on('close', (code, signal) => resolve({ code, signal }));
    });
    this.inner = streamInput(child.stdout!, display);
  }

  async read(buf: Buffer, off: number, len: number): Promise<number> {
    const n = await this.inner.read(buf, off, len);
    if (n === 0) this.eof = true;
    return n;
  }

  skip(n: number): Promise<number> {
    return this.inner.skip(n);
  }

  abort(): void {
    this.aborted = true;
    this.inner.abort();
    this.child.kill('SIGTERM');
  }

  /** Waits for tcpdump; throws what it reported when it failed before the end of the file. */
  async close(): Promise<void> {
    await this.inner.close();
    // Release the pipe (the reader may have stopped early, at -c): 'close' comes only once tcpdump's
    // output is closed, and tcpdump, if it still had packets to write, ends on the closed pipe.
    this.child.stdout?.destroy();
    const { code } = await this.exited;
    if (this.spawnError) {
      const missing = this.spawnError.code === 'ENOENT';
      throw new SourceError(
        missing
          ? `-f with -r filters the file through tcpdump, which is not installed (apt-get install tcpdump)`
          : `cannot run tcpdump to filter ${this.display}: ${this.spawnError.message}`,
        'EOTHER',
      );
    }
    // Stopped before the end (-c, stop()): whatever tcpdump said about its cut-off output does not matter.
    if (this.aborted || !this.eof || code === 0 || code === null) return;
    const reason =
      this.stderr
        .split('\n')
        .map((l) => l.trim())
        .filter((l) => l && !READING.test(l))
        .map((l) => l.replace(/^tcpdump: /, ''))[0] ?? `tcpdump exited with ${code}`;
    if (/filter|syntax|expression|unknown (host|net|port|proto)|illegal|not a valid/i.test(reason)) {
      throw new SourceError(`bad capture filter "${this.filter}": ${reason}`, 'EFILTER');
    }
    // A damaged file: tcpdump passed on what it could read, as NetGuard's own reader does.
    this.warn(`${this.display}: ${reason} (read through tcpdump for the filter)`);
  }
}

/**
 * Starts tcpdump on `path` ("-" for stdin) with `filter` and returns its output as the reader's input.
 * A missing or unreadable file is reported as NetGuard's reader reports it, before tcpdump starts.
 */
export async function filteredInput(path: string, display: string, filter: string, warn: (message: string) => void): Promise<ByteInput> {
  if (path !== '-') {
    try {
      await (await open(path, 'r')).close();
    } catch (e) {
      throw fileError(display, e);
    }
  }
  const child = spawn('tcpdump', ['-r', path, '-w', '-', '--time-stamp-precision=nano', filter], {
    stdio: [path === '-' ? 'inherit' : 'ignore', 'pipe', 'pipe'],
  });
  return new FilteredInput(child, display, filter, warn);
}
