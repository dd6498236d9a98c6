// Types shared by every packet source: one captured frame as it comes off the wire or out of a file.

/** libpcap LINKTYPE_* values NetGuard decodes (https://www.tcpdump.org/linktypes.html). */
export const LINKTYPE_NULL = 0;
export const LINKTYPE_ETHERNET = 1;
export const LINKTYPE_RAW = 101;
export const LINKTYPE_LOOP = 108;
export const LINKTYPE_LINUX_SLL = 113;
export const LINKTYPE_IPV4 = 228;
export const LINKTYPE_IPV6 = 229;
export const LINKTYPE_LINUX_SLL2 = 276;

/** One captured frame. `data` may be a view into a buffer the source reuses: copy it to keep it. */
export interface RawPacket {
  /** Capture time in milliseconds since the Unix epoch; the fraction carries micro/nanoseconds. */
  ts: number;
  /** Bytes captured: the frame is `data[off, off + caplen)`. */
  caplen: number;
  /** Length of the frame on the wire (may exceed caplen when the snap length cut it). */
  len: number;
  /** LINKTYPE_* of the interface the frame came from. */
  linkType: number;
  /**
   * The bytes the frame is in, from `off` for `caplen` bytes. A file source hands out its whole read
   * buffer here, so no object is made per packet (a view per packet was 9% of decode + flow state in
   * the benchmark); use frameBytes() for the frame alone.
   */
  data: Uint8Array;
  off: number;
  /** pcapng interface id (0 for pcap and live). */
  ifIndex: number;
  /**
   * Exact capture time when the source knows it better than `ts` can hold (a double of milliseconds
   * cannot keep nanoseconds): whole seconds since the epoch and nanoseconds within that second. Set by
   * the file reader; the writer uses them so that timestamps round-trip exactly.
   */
  tsSec?: number;
  tsNsec?: number;
  /** True when the source's clock resolution is finer than a microsecond (nanosecond pcap, pcapng if_tsresol > 6). */
  tsNanos?: boolean;
  /**
   * Byte offset of the frame's first byte in the capture file (file sources; absent or -1 for live
   * capture), so a packet kept as evidence can be read back from the file later.
   */
  fileOffset?: number;
}

/** The captured frame alone: a view of `raw.data` (no copy; copy it to keep it). */
export function frameBytes(raw: RawPacket): Uint8Array {
  const d = raw.data;
  return raw.off === 0 && raw.caplen === d.length ? d : d.subarray(raw.off, raw.off + raw.caplen);
}

/**
 * A source of packets: a file reader or a live capture. Packets are pushed synchronously, a chunk at a
 * time, because an async iterator step per packet costs more than decoding the packet does.
 */
export interface PacketSource {
  /** Human-readable description: interface name or file path ("-" for stdin). */
  readonly name: string;
  /**
   * Calls onPacket for every packet in order and resolves when the source ends (end of file, stop(),
   * or a live error). The RawPacket object and its bytes may be reused once onPacket returns.
   * Rejects with a SourceError for a fatal problem (file missing, not a capture, no permission).
   */
  run(onPacket: (p: RawPacket) => void): Promise<void>;
  /** Ends the source early: live capture closes, a file stops at the next chunk. */
  stop(): void;
  /** Non-fatal problems, e.g. "truncated record at packet 12, byte offset 4096"; complete once run() resolves. */
  readonly warnings: string[];
  /** Packets the kernel dropped, when the source can know it (null otherwise). */
  drops(): number | null;
  /** The kernel's capture counters, for a live source once they have been read (null otherwise). */
  stats?(): CaptureStats | null;
}

/**
 * The kernel's capture counters (libpcap's pcap_stats), named as Suricata's `capture.*` stats.
 * On Linux kernel_packets counts every packet that passed the filter, kernel_drops included.
 */
export interface CaptureStats {
  /** Packets the kernel handed to the capture socket (ps_recv), dropped ones included. */
  kernel_packets: number;
  /** Packets the kernel dropped because the capture ring was full (ps_drop). */
  kernel_drops: number;
  /** Packets the interface or its driver dropped (ps_ifdrop; counted only in promiscuous mode). */
  kernel_ifdrops: number;
}

/** A fatal source problem; `message` is one line saying what and where. */
export class SourceError extends Error {
  /** 2 for a bad capture filter (-f is bad usage, as for any other bad option); else unset (a runtime failure, 1). */
  readonly exitCode: number | undefined;

  constructor(message: string, readonly code: 'ENOENT' | 'EACCES' | 'EFORMAT' | 'EFILTER' | 'ENODEV' | 'EPERM' | 'EOTHER' = 'EOTHER') {
    super(message);
    this.name = 'SourceError';
    this.exitCode = code === 'EFILTER' ? 2 : undefined;
  }
}
