// An alert's packets from the history's evidence table, after its run: read back from the capture file
// by offset (file sources) or the stored pcap (live and stdin), as pcap bytes; or an EvidenceGone that
// says plainly why they cannot be had.
import { fileStamp, readBackPackets } from './read-back.js';
import { pcapBytes } from './record.js';
import { readStoredEvidence } from '../history/index.js';
import { escapeText } from '../decode/addr.js';

/** The packets cannot be had; the message says why in one line. */
export class EvidenceGone extends Error {
  constructor(
    message: string,
    readonly notFound = false,
  ) {
    super(message);
  }
}

export interface StoredPcap {
  bytes: Buffer;
  count: number;
  /** Where they came from, for the message ("read back from FILE"). */
  from: string;
  /** Packets of the episode that are not in it (beyond the index or the memory budget). */
  missing: number;
}

/** Throws HistoryError (database missing or unreadable) or EvidenceGone. */
export async function storedAlertPcap(db: string, id: string): Promise<StoredPcap> {
  const stored = readStoredEvidence(db, id);
  const shown = escapeText(id);
  const ev = stored.evidence;
  if (!stored.alert && !ev) throw new EvidenceGone(`no alert ${shown} in ${db} (netguard alerts lists the ids with --json)`, true);
  if (!ev) throw new EvidenceGone(`no evidence was stored for alert ${shown}: it names no address, evidence.enabled was off, or NetGuard stopped before its episode closed`);
  if (ev.source_kind === 'file') {
    const src = escapeText(ev.source);
    const now = await fileStamp(ev.source);
    if (now === null) throw new EvidenceGone(`the packets of alert ${shown} are in the capture file ${src}, which is gone (no such file)`);
    if ((ev.file_size !== null && now.size !== ev.file_size) || (ev.file_mtime !== null && now.mtimeMs !== ev.file_mtime)) {
      throw new EvidenceGone(`the packets of alert ${shown} were in ${src}, which has changed since (size or modification time differ), so they cannot be found by position`);
    }
    const blob = ev.offsets;
    if (!blob || ev.indexed === 0) throw new EvidenceGone(`no packet positions were recorded for alert ${shown}`);
    const offsets = new Float64Array(blob.buffer.slice(blob.byteOffset, blob.byteOffset + ev.indexed * 8));
    const packets = await readBackPackets(ev.source, ev.filter, offsets);
    if (packets.length < ev.indexed) throw new EvidenceGone(`only ${packets.length} of the ${ev.indexed} packets of alert ${shown} were found in ${src}: the file differs`);
    return { bytes: pcapBytes(packets), count: packets.length, from: `read back from ${src}`, missing: ev.seen - ev.indexed };
  }
  if (!ev.pcap) throw new EvidenceGone(`the packets of alert ${shown} were held in memory by a ${ev.source_kind} capture and none were stored (evicted by evidence.total_mb before its episode closed)`);
  return { bytes: ev.pcap, count: ev.kept, from: `stored in ${db}`, missing: ev.seen - ev.kept };
}
