// An alert's evidence as the history stores it (src/history/evidence-table.ts): file offsets for a file
// source, the held packets as pcap bytes otherwise, and the flows.
import { DEFAULT_SNAPLEN, pcapFileHeader, pcapRecordLength, writePcapRecord } from '../capture/pcap-encode.js';
import type { RawPacket } from '../capture/types.js';
import type { AlertEvidence, EvidenceStore } from './store.js';

export interface EvidenceSource {
  kind: 'file' | 'live' | 'stdin';
  /** File path or interface name. */
  name: string;
  filter: string;
  size: number | null;
  mtimeMs: number | null;
}

/** The same fields as EvidenceRecord in src/history (kept structural: history imports nothing of ours). */
export interface EvidenceRow {
  alert_id: string;
  source_kind: 'file' | 'live' | 'stdin';
  source: string;
  filter: string;
  file_size: number | null;
  file_mtime: number | null;
  seen: number;
  indexed: number;
  kept: number;
  offsets: Buffer | null;
  pcap: Buffer | null;
  flows: string;
}

/** Packets as classic pcap bytes (those of the first packet's link type; a pcap holds one). */
export function pcapBytes(packets: RawPacket[]): Buffer {
  const lt = packets.length > 0 ? packets[0].linkType : 1;
  const nano = packets.some((p) => p.tsNanos === true);
  const same = packets.filter((p) => p.linkType === lt);
  let size = 24;
  for (const p of same) size += pcapRecordLength(p, DEFAULT_SNAPLEN);
  const buf = Buffer.alloc(size);
  pcapFileHeader(lt, DEFAULT_SNAPLEN, nano).copy(buf, 0);
  let off = 24;
  for (const p of same) off += writePcapRecord(buf, off, p, DEFAULT_SNAPLEN, nano);
  return buf;
}

export function evidenceRow(store: EvidenceStore, ev: AlertEvidence, src: EvidenceSource): EvidenceRow {
  const file = src.kind === 'file' && ev.index !== null;
  const offsets = file && ev.index ? Buffer.from(new Float64Array(ev.index.subarray(0, ev.indexed)).buffer) : null;
  // A file gives its packets back by offset; other sources keep what memory held.
  const held = file ? [] : store.packets(ev.id).map((h) => h.raw);
  return {
    alert_id: ev.id,
    source_kind: src.kind,
    source: src.name,
    filter: src.filter,
    file_size: src.size,
    file_mtime: src.mtimeMs,
    seen: ev.seen,
    indexed: ev.indexed,
    kept: file ? ev.kept : held.length,
    offsets,
    pcap: held.length > 0 ? pcapBytes(held) : null,
    flows: JSON.stringify(store.flowIds(ev)),
  };
}
