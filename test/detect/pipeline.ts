// Test helper: runs a capture file (or raw frames) through decode, the detectors and the funnel, the way
// the engine does (packet time, a tick every second of packet time and one at the end), and returns the
// alerts and detections.
import { openFile } from '../../src/capture/index.js';
import { frameBytes, type RawPacket } from '../../src/capture/types.js';
import { Packet, Reassembler, decodePacket } from '../../src/decode/index.js';
import { createDetectors, type DetectorName } from '../../src/detect/index.js';
import type { Detector } from '../../src/detect/types.js';
import { AlertFunnel } from '../../src/alert/funnel.js';
import type { Alert, AlertType, Detection } from '../../src/alert/types.js';
import { defaultSettings, type Settings } from '../../src/config/schema.js';

export interface PipelineResult {
  /** Alerts, oldest first. */
  alerts: Alert[];
  detections: Detection[];
  detectors: Detector[];
  funnel: AlertFunnel;
  packets: number;
  /** Packet time of the last packet. */
  lastTs: number;
}

export interface PipelineOptions {
  settings?: Settings;
  /** Changes to the thresholds block. */
  thresholds?: Record<string, unknown>;
  only?: DetectorName[];
  /** Rewrites each packet's timestamp (stretching a capture in time). */
  retime?: (ts: number, index: number) => number;
  /** Packet time to tick to after the last packet (ms after it); default 10 s. */
  tailMs?: number;
  whitelist?: string[];
}

export function settingsWith(th: Record<string, unknown> = {}): Settings {
  const s = defaultSettings();
  Object.assign(s.thresholds, th);
  return s;
}

export class Pipeline {
  readonly detections: Detection[] = [];
  readonly funnel: AlertFunnel;
  readonly detectors: Detector[];
  private readonly pkt = new Packet();
  private readonly reasm = new Reassembler();
  private n = 0;
  private nextTick = 0;
  lastTs = 0;

  constructor(opts: PipelineOptions = {}) {
    const settings = opts.settings ?? settingsWith(opts.thresholds);
    const wl = new Set(opts.whitelist ?? []);
    this.funnel = new AlertFunnel({
      suppressionMs: () => settings.alerts.suppression_interval * 1000,
      isWhitelisted: (ip) => wl.has(ip),
    });
    this.detectors = createDetectors(
      settings,
      (d) => {
        this.detections.push(d);
        this.funnel.raise(d);
      },
      { only: opts.only },
    );
  }

  feed(raw: RawPacket): void {
    const p = decodePacket(raw, ++this.n, this.pkt, this.reasm);
    // Detectors see a clock that never goes back (p.ts set to it), as this harness always gave them.
    const now = Math.max(this.lastTs, p.ts);
    this.lastTs = now;
    p.ts = now;
    for (const d of this.detectors) d.onPacket(p);
    if (now >= this.nextTick) this.tick(now);
  }

  tick(now: number): void {
    this.nextTick = Math.floor(now / 1000) * 1000 + 1000;
    for (const d of this.detectors) d.onTick?.(now);
    this.funnel.onTick(now);
  }

  get packets(): number {
    return this.n;
  }

  result(): PipelineResult {
    return {
      alerts: this.funnel.recent().reverse(),
      detections: this.detections,
      detectors: this.detectors,
      funnel: this.funnel,
      packets: this.n,
      lastTs: this.lastTs,
    };
  }
}

/** Reads every packet of a capture file (copies, so they can be replayed or retimed). */
export async function readPackets(path: string): Promise<RawPacket[]> {
  const src = openFile(path);
  const out: RawPacket[] = [];
  // The source hands out offsets into its reused read buffer: keep a copy of each frame alone.
  await src.run((r) => out.push({ ...r, data: frameBytes(r).slice(), off: 0 }));
  return out;
}

export async function runPcap(path: string | string[], opts: PipelineOptions = {}): Promise<PipelineResult> {
  const pl = new Pipeline(opts);
  let i = 0;
  for (const file of Array.isArray(path) ? path : [path]) {
    const src = openFile(file);
    await src.run((r) => {
      const ts = opts.retime ? opts.retime(r.ts, i) : r.ts;
      i++;
      pl.feed(ts === r.ts ? r : { ...r, ts });
    });
  }
  const end = pl.lastTs + (opts.tailMs ?? 10_000);
  for (let t = pl.lastTs + 1000; t <= end; t += 1000) pl.tick(t);
  return pl.result();
}

export function runPackets(raws: RawPacket[], opts: PipelineOptions = {}): PipelineResult {
  const pl = new Pipeline(opts);
  raws.forEach((r, i) => {
    const ts = opts.retime ? opts.retime(r.ts, i) : r.ts;
    pl.feed(ts === r.ts ? r : { ...r, ts });
  });
  const end = pl.lastTs + (opts.tailMs ?? 10_000);
  for (let t = pl.lastTs + 1000; t <= end; t += 1000) pl.tick(t);
  return pl.result();
}

export function ofType(alerts: Alert[], type: AlertType): Alert[] {
  return alerts.filter((a) => a.type === type);
}

export function types(alerts: Alert[]): string[] {
  return [...new Set(alerts.map((a) => a.type))].sort();
}

/** "TYPE severity src count" lines, for readable failure messages. */
export function describe(alerts: Alert[]): string {
  return alerts.map((a) => `${a.type} ${a.severity} ${a.src_ip ?? '-'} -> ${a.dst_ip ?? '-'} x${a.count}: ${a.message}`).join('\n');
}
