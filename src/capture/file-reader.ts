// Streaming capture file reader: a PacketSource over a pcap or pcapng file or stdin, read 1 MiB at a time
// into one reused buffer, so a 10 GB file needs no more memory than a small one.
import type { Readable } from 'node:stream';
import { openFileInput, streamInput, type ByteInput } from './byte-input.js';
import { filteredInput } from './filter-input.js';
import { CaptureParser, MAX_BUFFERED_BLOCK, type ParserOptions } from './capture-parser.js';
import { SourceError, type PacketSource, type RawPacket } from './types.js';

/** Bytes asked of the file per read. */
export const READ_CHUNK = 1 << 20;
// Room for one chunk plus the unfinished record kept from the chunk before (at most one whole block).
const BUFFER_SIZE = READ_CHUNK + MAX_BUFFERED_BLOCK;

export interface FileSourceOptions extends ParserOptions {
  /** A BPF filter (tcpdump syntax): only matching packets are read, the file going through tcpdump (filter-input.ts). */
  filter?: string;
  /**
   * Asked before each read of the next chunk: a promise to wait for before reading on (an output's backlog of writes, e.g.
   * EveSink.backlog), or null. A file can wait for its outputs, where a live capture cannot.
   */
  holdOff?: () => Promise<void> | null;
}

/** A capture file or stream as a packet source, with what the reader learned about the file. */
export interface CaptureFileSource extends PacketSource {
  /** 'pcap' or 'pcapng' once the header is read, else null. */
  readonly format: 'pcap' | 'pcapng' | null;
  /** True once the file shows a clock finer than a microsecond (write exports with nanosecond pcap). */
  readonly nanosecond: boolean;
  /** Link types of the file's interfaces, indexed by RawPacket.ifIndex (numbered across sections), once read. */
  readonly linkTypes: number[];
  /** Packets delivered so far. */
  readonly packets: number;
  /** Bytes of the input consumed so far. */
  readonly bytesRead: number;
}

class FileSource implements CaptureFileSource {
  readonly warnings: string[];
  private readonly parser: CaptureParser;
  private input: ByteInput | null = null;
  private stopped = false;
  private consumed = 0;
  private sleepTimer: NodeJS.Timeout | null = null;
  private sleepWake: (() => void) | null = null;
  private readonly holdOff: (() => Promise<void> | null) | null;

  constructor(
    readonly name: string,
    private readonly display: string,
    private readonly openInput: () => Promise<ByteInput>,
    opts: FileSourceOptions,
  ) {
    this.parser = new CaptureParser(display, opts);
    this.warnings = this.parser.warnings;
    this.holdOff = opts.holdOff ?? null;
  }

  get format(): 'pcap' | 'pcapng' | null {
    return this.parser.format;
  }
  get nanosecond(): boolean {
    return this.parser.nanosecond;
  }
  get linkTypes(): number[] {
    return this.parser.linkTypes;
  }
  get packets(): number {
    return this.parser.packets;
  }
  get bytesRead(): number {
    return this.consumed;
  }

  drops(): number | null {
    return this.parser.drops();
  }

  stop(): void {
    this.stopped = true;
    this.parser.stopped = true;
    this.input?.abort();
    if (this.sleepTimer) clearTimeout(this.sleepTimer);
    this.sleepWake?.();
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      this.sleepWake = () => {
        this.sleepWake = null;
        this.sleepTimer = null;
        resolve();
      };
      this.sleepTimer = setTimeout(this.sleepWake, ms);
    });
  }

  async run(onPacket: (p: RawPacket) => void): Promise<void> {
    if (this.input) throw new SourceError(`${this.display} is already being read`, 'EOTHER');
    const input = await this.openInput();
    this.input = input;
    if (this.stopped) input.abort();
    const parser = this.parser;
    const buf = Buffer.allocUnsafe(BUFFER_SIZE);
    const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
    let pos = 0; // first unconsumed byte in buf
    let end = 0; // end of valid bytes in buf
    let base = 0; // file offset of buf[0]
    try {
      for (;;) {
        pos = parser.process(buf, dv, pos, end, base, onPacket);
        this.consumed = base + pos;
        if (this.stopped || parser.phase === 'done') break;
        if (this.holdOff !== null) {
          const wait = this.holdOff();
          if (wait !== null) await wait;
        }
        if (parser.pauseMs > 0) {
          await this.sleep(parser.pauseMs);
          continue;
        }
        if (parser.skip > 0) {
          // An oversized block: step over it without buffering it.
          const blockOffset = base + pos;
          const want = parser.skip;
          const inBuf = end - pos;
          if (want <= inBuf) {
            pos += want;
            continue;
          }
          base += end;
          pos = end = 0;
          const got = await input.skip(want - inBuf);
          base += got;
          if (got < want - inBuf) {
            parser.truncated(blockOffset, want, inBuf + got);
            break;
          }
          continue;
        }
        // Keep the unfinished record and read more behind it.
        if (pos > 0) {
          buf.copyWithin(0, pos, end);
          base += pos;
          end -= pos;
          pos = 0;
        }
        const n = await input.read(buf, end, Math.min(READ_CHUNK, BUFFER_SIZE - end));
        if (n === 0) {
          if (!this.stopped) parser.finish(buf, pos, end, base);
          break;
        }
        end += n;
      }
    } finally {
      this.consumed = base + pos;
      await input.close();
    }
  }
}

/** The name shown in messages: stdin for "-". */
function displayName(path: string): string {
  return path === '-' ? 'stdin' : path;
}

/**
 * Opens a pcap or pcapng file (format from the magic number) as a packet source; "-" reads stdin.
 * Nothing is opened until run(), which rejects with SourceError ENOENT, EACCES or EFORMAT.
 * `realtime` paces delivery by the packets' own timestamps (gaps over maxGapMs, default 5 s, shortened).
 */
export function openFile(path: string, opts: FileSourceOptions = {}): CaptureFileSource {
  const display = displayName(path);
  const filter = opts.filter?.trim() ?? '';
  if (filter !== '') {
    const src: FileSource = new FileSource(path, display, () => filteredInput(path, display, filter, (m) => src.warnings.push(m)), opts);
    return src;
  }
  const open = path === '-' ? async () => streamInput(process.stdin, display) : () => openFileInput(path, display);
  return new FileSource(path, display, open, opts);
}

/** Reads a capture from any byte stream (a pipe, a socket, a test's PassThrough). */
export function openStream(stream: Readable, name: string, opts: FileSourceOptions = {}): CaptureFileSource {
  return new FileSource(name, name, async () => streamInput(stream, name), opts);
}
