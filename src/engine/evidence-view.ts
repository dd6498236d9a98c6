// An alert's evidence as views show it (counts, flows, packet lines) and as a pcap file.
import type { RawPacket } from '../capture/types.js';
import { decodePacket, Packet } from '../decode/index.js';
import { readBackPackets, type EvidenceStore } from '../evidence/index.js';
import { packetLine } from './packet-line.js';
import type { AlertEvidenceView } from './types.js';

export function evidenceView(store: EvidenceStore, id: string): AlertEvidenceView | null {
  const ev = store.get(id);
  if (!ev) return null;
  const p = new Packet();
  const packets = store.packets(id).map((h) => {
    decodePacket(h.raw, h.n, p, null);
    return packetLine(p, h.n, h.raw.ts, h.raw.len);
  });
  return {
    id,
    open: ev.open,
    seen: ev.seen,
    kept: ev.kept,
    bytes: ev.bytes,
    evicted: ev.evicted,
    overBudget: ev.overBudget,
    fromLookback: ev.fromLookback,
    sourceFile: store.opts.sourceFile,
    indexed: ev.indexed,
    complete: ev.indexComplete,
    flows: store.flowIds(ev).map((f) => ({ ...f })),
    flowsDropped: ev.flowsDropped,
    packets,
  };
}

/**
 * Writes the alert's packets as a pcap: from the capture file by offset when the file index holds the
 * whole episode, else the packets kept in memory. Throws a one-line Error when there is nothing to write.
 */
export async function exportAlertPcap(
  store: EvidenceStore,
  id: string,
  path: string,
  write: (path: string, packets: RawPacket[]) => Promise<number>,
  filter: string,
): Promise<{ count: number; path: string; from: 'file' | 'memory' }> {
  const ev = store.get(id);
  if (!ev) throw new Error(`no packets are kept for alert ${id} (it names no address, or its evidence was forgotten: evidence.max_alerts)`);
  const file = store.opts.sourceFile;
  if (file !== null && ev.index !== null && ev.indexComplete && ev.indexed > 0) {
    const packets = await readBackPackets(file, filter, ev.index, ev.indexed);
    if (packets.length === ev.indexed) return { count: await write(path, packets), path, from: 'file' };
  }
  const held = store.packets(id).map((h) => h.raw);
  if (held.length === 0) throw new Error(`no packets of alert ${id} are held any more (${ev.seen} seen, ${ev.evicted} evicted by evidence.total_mb)`);
  return { count: await write(path, held), path, from: 'memory' };
}
