// Live capture through libpcap (the `cap` module): one interface or `any`, an optional BPF filter, each
// packet stamped on arrival because cap hands JavaScript no timestamp.
//
// Facts about cap 0.2.1 (DESIGN.md) this file is shaped by: the Buffer given to open() must stay
// referenced for the whole capture (libpcap writes into it; a collected buffer corrupted the heap), its
// poll handle lives on the main event loop (never use it from a worker), it reports neither drops nor
// original lengths, and it keeps snaplen 65535 and promiscuous mode on.
import fs from 'node:fs';
import { createRequire } from 'node:module';
import type { Cap as CapClass } from 'cap';
import { listInterfaces } from './interfaces.js';
import { capLinkType, DECODABLE_LINK_TYPES, unknownLinkTypeWarning } from './link-types.js';
import { SourceError, type PacketSource, type RawPacket } from './types.js';

export interface LiveOptions {
  /** Interface name, or "any" for every interface (Linux cooked capture, LINKTYPE_LINUX_SLL). */
  iface: string;
  /** BPF capture filter, e.g. "tcp port 80". */
  filter?: string;
  /** cap always captures promiscuously; false only adds a warning saying so. */
  promiscuous?: boolean;
  /** Kernel capture buffer in bytes (default 10 MiB). */
  bufferSize?: number;
  /** Called once the capture is open and packets can arrive (tests and scripts wait for this). */
  onOpen?: (info: { iface: string; linkType: number }) => void;
}

/** A live capture: a PacketSource plus what it learned once running. */
export interface LiveSource extends PacketSource {
  /** LINKTYPE_* of the interface, once run() has opened it (null before). */
  readonly linkType: number | null;
  /** Packets delivered so far. */
  readonly packets: number;
}

export const DEFAULT_BUFFER_SIZE = 256 * 1024 * 1024;
/** cap sets snaplen 65535; one more byte lets us tell a full-size packet from a cut one. */
const PACKET_BUFFER_SIZE = 65536;

const require = createRequire(import.meta.url);
let capModule: typeof import('cap') | null = null;

/** Loads the native module on first use, so reading files works even where it failed to build. */
function loadCap(): typeof import('cap') {
  if (capModule) return capModule;
  try {
    capModule = require('cap') as typeof import('cap');
  } catch (e) {
    throw new SourceError(`live capture is unavailable: the cap module did not load (${(e as Error).message.split('\n')[0]}); install libpcap-dev and run npm ci`, 'EOTHER');
  }
  return capModule;
}

/**
 * Cap objects whose open() failed. Their native handle may be half set up (no poll handle), and the
 * native destructor would then stop an uninitialised poll handle, so they are never let go of.
 */
const failedCaps: CapClass[] = [];

function interfaceExists(name: string): boolean {
  if (name === 'any') return true;
  if (!/^[^/\0]+$/.test(name) || name === '.' || name === '..') return false;
  if (fs.existsSync(`/sys/class/net/${name}`)) return true;
  // libpcap pseudo-devices (nflog, nfqueue, bluetooth-monitor, ...) are not in sysfs.
  try {
    return loadCap().Cap.deviceList().some((d) => d.name === name);
  } catch {
    return false;
  }
}

function openError(iface: string, filter: string, message: string): SourceError {
  const m = message.trim();
  if (/permission|not permitted|EPERM|EACCES/i.test(m)) {
    return new SourceError(`cannot capture on ${iface}: permission denied (run as root or give node CAP_NET_RAW)`, 'EPERM');
  }
  if (/no such device/i.test(m)) return noSuchInterface(iface);
  if (/network is down/i.test(m)) return new SourceError(`cannot capture on ${iface}: the interface is down`, 'EOTHER');
  return new SourceError(`cannot capture on ${iface}${filter ? ` with filter "${filter}"` : ''}: ${m}`, 'EOTHER');
}

function noSuchInterface(iface: string): SourceError {
  const names = listInterfaces().map((i) => i.name);
  return new SourceError(`no such interface: ${iface} (available: ${[...names, 'any'].join(', ')})`, 'ENODEV');
}

class LiveCapture implements LiveSource {
  readonly warnings: string[] = [];
  readonly name: string;
  linkType: number | null = null;
  packets = 0;
  private cap: CapClass | null = null;
  // Held for the whole capture: libpcap copies every packet into it (see the header comment).
  private readonly buffer = Buffer.alloc(PACKET_BUFFER_SIZE);
  private stopped = false;
  private started = false;
  private finish: ((err?: Error) => void) | null = null;

  constructor(private readonly opts: LiveOptions) {
    this.name = opts.iface;
  }

  drops(): number | null {
    // cap 0.2.1 does not expose pcap_stats().
    return null;
  }

  stop(): void {
    this.stopped = true;
    this.close();
    this.finish?.();
  }

  private close(): void {
    const c = this.cap;
    if (c === null) return;
    c.removeAllListeners('packet');
    c.close();
    // Keep `this.cap` and `this.buffer` referenced: the native side may finish a dispatch loop
    // after close() and still write into the buffer.
  }

  /** Opens the capture; throws SourceError. */
  private open(): CapClass {
    const { iface } = this.opts;
    const filter = this.opts.filter?.trim() ?? '';
    const { Cap } = loadCap();
    if (!interfaceExists(iface)) throw noSuchInterface(iface);
    const bufferSize = Math.max(65536, Math.min(this.opts.bufferSize ?? DEFAULT_BUFFER_SIZE, 1 << 30)) >>> 0;
    const cap = new Cap();
    let linkName: string;
    try {
      linkName = cap.open(iface, filter, bufferSize, this.buffer);
    } catch (e) {
      failedCaps.push(cap);
      const msg = (e as Error).message;
      // Tell a bad filter from a bad interface: if the interface opens without the filter, the
      // filter was the problem (libpcap's compile errors do not say so themselves).
      if (filter !== '' && !/permission|not permitted|no such device/i.test(msg)) {
        const probe = new Cap();
        let opened = false;
        try {
          probe.open(iface, '', 65536, Buffer.alloc(PACKET_BUFFER_SIZE));
          opened = true;
        } catch {
          failedCaps.push(probe);
        }
        if (opened) {
          probe.close();
          failedCaps.push(probe);
          throw new SourceError(`bad capture filter "${filter}": ${msg.trim()}`, 'EOTHER');
        }
      }
      throw openError(iface, filter, msg);
    }
    const lt = capLinkType(linkName);
    this.linkType = lt ?? -1;
    if (lt === null) this.warnings.push(`${iface}: cap reported link type "${linkName}", which NetGuard cannot decode`);
    else if (!DECODABLE_LINK_TYPES.has(lt)) this.warnings.push(`${iface}: ${unknownLinkTypeWarning(0, lt)}`);
    if (this.opts.promiscuous === false && iface !== 'any') {
      this.warnings.push(`${iface}: promiscuous mode cannot be turned off with the cap module; capturing promiscuously`);
    }
    const info = listInterfaces().find((i) => i.name === iface);
    if (info && info.up === false) this.warnings.push(`${iface} is down; no packets will arrive until it is up`);
    return cap;
  }

  run(onPacket: (p: RawPacket) => void): Promise<void> {
    if (this.started) return Promise.reject(new SourceError(`${this.name} is already being captured`, 'EOTHER'));
    this.started = true;
    return new Promise<void>((resolve, reject) => {
      if (this.stopped) {
        resolve();
        return;
      }
      let cap: CapClass;
      try {
        cap = this.open();
      } catch (e) {
        reject(e);
        return;
      }
      this.cap = cap;
      this.opts.onOpen?.({ iface: this.opts.iface, linkType: this.linkType ?? -1 });
      this.finish = (err?: Error) => {
        this.finish = null;
        if (err) reject(err);
        else resolve();
      };
      const buffer = this.buffer;
      const pkt: RawPacket = {
        ts: 0,
        caplen: 0,
        len: 0,
        linkType: this.linkType ?? -1,
        // A plain Uint8Array over cap's reused Buffer, made once: Buffer.slice() would return a view,
        // and reassembly and the packet history copy with .slice(). The frame is its first caplen bytes.
        data: new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.length),
        off: 0,
        ifIndex: 0,
        tsSec: 0,
        tsNsec: 0,
        tsNanos: false,
      };
      cap.on('packet', (nbytes: number) => {
        if (this.stopped) return;
        const now = Date.now();
        const sec = Math.floor(now / 1000);
        pkt.ts = now;
        pkt.tsSec = sec;
        pkt.tsNsec = (now - sec * 1000) * 1e6;
        pkt.caplen = nbytes;
        // cap does not pass the wire length on; a frame cut at the snap length reads as that length.
        pkt.len = nbytes;
        this.packets++;
        try {
          onPacket(pkt);
        } catch (e) {
          // An exception must not unwind into the native dispatch loop: end the capture with it.
          this.stopped = true;
          this.close();
          this.finish?.(e as Error);
        }
      });
    });
  }
}

/** A live capture on `iface`; nothing is opened until run(), which rejects with ENODEV, EPERM or a filter error. */
export function openLive(opts: LiveOptions): LiveSource {
  return new LiveCapture(opts);
}
