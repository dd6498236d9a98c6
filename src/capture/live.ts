// Live capture through libpcap with the project's own addon (native/pcap-batch.cc): one interface or
// `any`, an optional BPF filter, packets in batches with the kernel's timestamps, and the kernel's counters.
//
// The addon's capture thread fills chunks of pcap records (16-byte header: seconds, nanoseconds, caplen,
// original length; then the bytes) and hands each chunk to JavaScript in one call; this file walks the
// records and calls onPacket synchronously for each, then the chunk goes back to the addon's pool. When
// JavaScript falls behind, the pool runs out, the kernel ring fills and the kernel counts the drops
// (pcap_stats' ps_drop), which stats() reports: nothing is lost without being counted.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { listInterfaces } from './interfaces.js';
import { dltLinkType, DECODABLE_LINK_TYPES, unknownLinkTypeWarning } from './link-types.js';
import { SourceError, type CaptureStats, type PacketSource, type RawPacket } from './types.js';

export interface LiveOptions {
  /** Interface name, or "any" for every interface (Linux cooked capture, LINKTYPE_LINUX_SLL). */
  iface: string;
  /** BPF capture filter, e.g. "tcp port 80". */
  filter?: string;
  /** Promiscuous mode (default true); libpcap cannot set it on `any`, which captures without it. */
  promiscuous?: boolean;
  /** Kernel capture ring in bytes (default DEFAULT_BUFFER_SIZE). */
  bufferSize?: number;
  /** Bytes kept of each packet (default DEFAULT_SNAPLEN, as tcpdump). */
  snaplen?: number;
  /**
   * Longest a packet waits in a half-filled kernel block or chunk before JavaScript gets it, in ms
   * (default 10): the latency a quiet wire pays for batching on a busy one.
   */
  timeoutMs?: number;
  /** Called once the capture is open and packets can arrive (tests and scripts wait for this). */
  onOpen?: (info: { iface: string; linkType: number }) => void;
}

/** A live capture: a PacketSource plus what it learned once running. */
export interface LiveSource extends PacketSource {
  /** LINKTYPE_* of the interface, once run() has opened it (null before). */
  readonly linkType: number | null;
  /** Packets delivered so far. */
  readonly packets: number;
  /** Kernel counters, read by the capture thread about once a second (and once more at stop). */
  stats(): CaptureStats | null;
}

/**
 * 128 MiB of kernel ring, as Zeek's AF_PACKET default. With TPACKET_V3 a packet takes its own size plus
 * about 80 bytes of headers, so this holds about 230,000 packets of the benchmark's mixed traffic
 * (average 490 bytes): a burst at full speed while JavaScript catches up. tcpdump's default is 2 MiB,
 * enough for a process that only copies to a file.
 */
export const DEFAULT_BUFFER_SIZE = 128 * 1024 * 1024;
/** tcpdump's default snap length (MAXIMUM_SNAPLEN in libpcap). */
export const DEFAULT_SNAPLEN = 262144;
/** Chunks handed to JavaScript: 16 of 1 MiB, on top of the kernel ring. */
const CHUNK_SIZE = 1024 * 1024;
const CHUNKS = 16;
const RECORD_HEADER = 16;

/** The addon's surface (src/capture/native/pcap-batch.cc). */
interface NativeStats {
  recv: number;
  drop: number;
  ifdrop: number;
  delivered: number;
}
interface NativeHandle {
  linkType: number;
  snaplen: number;
  nanos: boolean;
  warning: string;
  pool: ArrayBuffer;
  chunkSize: number;
  chunks: number;
  stats(): NativeStats | null;
  close(): void;
}
interface NativeOptions {
  iface: string;
  filter: string;
  snaplen: number;
  promiscuous: boolean;
  bufferSize: number;
  timeoutMs: number;
  chunkSize: number;
  chunks: number;
}
interface Binding {
  open(opts: NativeOptions, onChunk: (chunk: number, used: number, count: number) => void, onError: (message: string) => void): NativeHandle;
  devices(): string[];
  libpcapVersion: string;
}

const require = createRequire(import.meta.url);
let binding: Binding | null = null;

/** Where node-gyp puts the addon: build/Release at the project root, above src/ or dist/src/. */
function addonPath(): string | null {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++) {
    const p = path.join(dir, 'build', 'Release', 'pcap_batch.node');
    if (fs.existsSync(p)) return p;
    dir = path.dirname(dir);
  }
  return null;
}

/** Loads the addon on first use, so reading files works even where it was not built. */
export function loadCaptureAddon(): Binding {
  if (binding) return binding;
  const p = addonPath();
  if (p === null) {
    throw new SourceError('live capture is unavailable: the capture addon is not built (build/Release/pcap_batch.node); install libpcap-dev and run `bash scripts/setup.sh start`', 'EOTHER');
  }
  try {
    binding = require(p) as Binding;
  } catch (e) {
    throw new SourceError(`live capture is unavailable: the capture addon did not load (${(e as Error).message.split('\n')[0]}); rebuild it with \`bash scripts/setup.sh start\``, 'EOTHER');
  }
  return binding;
}

function interfaceExists(name: string): boolean {
  if (name === 'any') return true;
  if (!/^[^/\0]+$/.test(name) || name === '.' || name === '..') return false;
  if (fs.existsSync(`/sys/class/net/${name}`)) return true;
  // libpcap pseudo-devices (nflog, nfqueue, bluetooth-monitor, ...) are not in sysfs.
  try {
    return loadCaptureAddon().devices().includes(name);
  } catch {
    return false;
  }
}

function noSuchInterface(iface: string): SourceError {
  const names = listInterfaces().map((i) => i.name);
  return new SourceError(`no such interface: ${iface} (available: ${[...names, 'any'].join(', ')})`, 'ENODEV');
}

/** One line for a failed open, from the addon's error code and libpcap's message. */
function openError(iface: string, filter: string, code: string, message: string): SourceError {
  const m = message.trim();
  if (code === 'EFILTER') return new SourceError(`bad capture filter "${filter}": ${m}`, 'EFILTER');
  if (code === 'ENODEV' || /no such device/i.test(m)) return noSuchInterface(iface);
  if (code === 'EPERM' || /permission|not permitted|EPERM|EACCES/i.test(m)) {
    return new SourceError(`cannot capture on ${iface}: permission denied (run as root or give node CAP_NET_RAW)`, 'EPERM');
  }
  if (code === 'EDOWN' || /network is down/i.test(m)) return new SourceError(`cannot capture on ${iface}: the interface is down`, 'EOTHER');
  return new SourceError(`cannot capture on ${iface}: ${m}`, 'EOTHER');
}

/** Keeps a setting inside what libpcap accepts. */
function clampInt(v: number | undefined, dflt: number, min: number, max: number): number {
  const n = v === undefined || !Number.isFinite(v) ? dflt : Math.floor(v);
  return Math.max(min, Math.min(n, max));
}

class LiveCapture implements LiveSource {
  readonly warnings: string[] = [];
  readonly name: string;
  linkType: number | null = null;
  packets = 0;
  private handle: NativeHandle | null = null;
  private stopped = false;
  private started = false;
  private finish: ((err?: Error) => void) | null = null;

  constructor(private readonly opts: LiveOptions) {
    this.name = opts.iface;
  }

  stats(): CaptureStats | null {
    const s = this.handle?.stats() ?? null;
    return s === null ? null : { kernel_packets: s.recv, kernel_drops: s.drop, kernel_ifdrops: s.ifdrop };
  }

  drops(): number | null {
    return this.stats()?.kernel_drops ?? null;
  }

  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    // Joins the capture thread and reads the kernel's counters one last time. The handle stays
    // referenced so that stats() keeps answering after the stop.
    this.handle?.close();
    this.finish?.();
  }

  private fail(err: Error): void {
    if (this.stopped) return;
    this.stopped = true;
    this.handle?.close();
    this.finish?.(err);
  }

  run(onPacket: (p: RawPacket) => void): Promise<void> {
    if (this.started) return Promise.reject(new SourceError(`${this.name} is already being captured`, 'EOTHER'));
    this.started = true;
    return new Promise<void>((resolve, reject) => {
      if (this.stopped) {
        resolve();
        return;
      }
      this.finish = (err?: Error) => {
        this.finish = null;
        if (err) reject(err);
        else resolve();
      };
      try {
        this.open(onPacket);
      } catch (e) {
        this.finish = null;
        reject(e);
        return;
      }
      this.opts.onOpen?.({ iface: this.opts.iface, linkType: this.linkType ?? -1 });
    });
  }

  /** Opens the capture and starts delivering chunks to onPacket; throws SourceError. */
  private open(onPacket: (p: RawPacket) => void): void {
    const { iface } = this.opts;
    const filter = this.opts.filter?.trim() ?? '';
    const addon = loadCaptureAddon();
    if (!interfaceExists(iface)) throw noSuchInterface(iface);
    // libpcap cannot put `any` in promiscuous mode (it would warn on every run): asked for, it is off there.
    const promiscuous = this.opts.promiscuous !== false && iface !== 'any';
    const le = os.endianness() === 'LE';
    // Filled in once open() returns; chunks cannot arrive before (they are delivered on this thread).
    let views: Uint8Array[] = [];
    let dvs: DataView[] = [];
    let linkType = -1;
    let nanos = true;
    const pkt: RawPacket = { ts: 0, caplen: 0, len: 0, linkType: -1, data: new Uint8Array(0), off: 0, ifIndex: 0, tsSec: 0, tsNsec: 0, tsNanos: true };
    const onChunk = (chunk: number, used: number, count: number): void => {
      if (this.stopped) return;
      const data = views[chunk];
      const dv = dvs[chunk];
      pkt.data = data;
      pkt.linkType = linkType;
      pkt.tsNanos = nanos;
      let pos = 0;
      try {
        for (let i = 0; i < count && pos + RECORD_HEADER <= used; i++) {
          const sec = dv.getUint32(pos, le);
          const nsec = dv.getUint32(pos + 4, le);
          const caplen = dv.getUint32(pos + 8, le);
          pkt.tsSec = sec;
          pkt.tsNsec = nsec;
          pkt.ts = sec * 1000 + nsec / 1e6;
          pkt.caplen = caplen;
          pkt.len = dv.getUint32(pos + 12, le);
          pkt.off = pos + RECORD_HEADER;
          pos += RECORD_HEADER + caplen;
          this.packets++;
          onPacket(pkt);
          // onPacket may have stopped the capture (a packet count reached): the rest is not delivered.
          if (this.stopped) return;
        }
      } catch (e) {
        // The chunk is the addon's again once this returns; end the capture with the error instead.
        this.fail(e as Error);
      }
    };
    const onError = (message: string): void => {
      this.fail(new SourceError(`capture on ${iface} failed: ${message.trim()}`, 'EOTHER'));
    };
    let h: NativeHandle;
    try {
      h = addon.open(
        {
          iface,
          filter,
          snaplen: clampInt(this.opts.snaplen, DEFAULT_SNAPLEN, 64, DEFAULT_SNAPLEN),
          promiscuous,
          bufferSize: clampInt(this.opts.bufferSize, DEFAULT_BUFFER_SIZE, 1 << 16, 1 << 30),
          timeoutMs: clampInt(this.opts.timeoutMs, 10, 1, 1000),
          chunkSize: CHUNK_SIZE,
          chunks: CHUNKS,
        },
        onChunk,
        onError,
      );
    } catch (e) {
      const err = e as Error & { code?: string };
      throw openError(iface, filter, err.code ?? 'EOTHER', err.message);
    }
    this.handle = h;
    views = Array.from({ length: h.chunks }, (_, i) => new Uint8Array(h.pool, i * h.chunkSize, h.chunkSize));
    dvs = views.map((v) => new DataView(v.buffer, v.byteOffset, v.byteLength));
    nanos = h.nanos;
    const lt = dltLinkType(h.linkType);
    linkType = lt;
    this.linkType = lt;
    if (!DECODABLE_LINK_TYPES.has(lt)) this.warnings.push(`${iface}: ${unknownLinkTypeWarning(0, lt)}`);
    if (h.warning) this.warnings.push(`${iface}: ${h.warning}`);
    const info = listInterfaces().find((i) => i.name === iface);
    if (info && info.up === false) this.warnings.push(`${iface} is down; no packets will arrive until it is up`);
  }
}

/** A live capture on `iface`; nothing is opened until run(), which rejects with ENODEV, EPERM or a filter error. */
export function openLive(opts: LiveOptions): LiveSource {
  return new LiveCapture(opts);
}

/** Names of every capture device libpcap knows (pcap_findalldevs), or null when the addon is not built. */
export function captureDevices(): string[] | null {
  try {
    return loadCaptureAddon().devices();
  } catch {
    return null;
  }
}
