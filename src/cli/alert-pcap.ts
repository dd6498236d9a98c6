// `netguard alerts --pcap ID -o FILE`: an alert's packets from the history's evidence table, read back
// from the capture file by offset (file sources) or from the stored packets (live capture), or one plain
// line saying why they are gone.
import { writeFile } from 'node:fs/promises';
import { writePcapFile } from '../capture/index.js';
import { escapeText } from '../decode/addr.js';
import { fileStamp, readBackPackets } from '../evidence/index.js';
import { HistoryError, readStoredEvidence } from '../history/index.js';

/** Writes the pcap; returns the exit code (0 written, 1 no such alert or evidence gone). */
export async function writeAlertPcap(db: string, id: string, output: string, out: NodeJS.WritableStream, err: NodeJS.WritableStream): Promise<number> {
  const fail = (m: string): number => {
    err.write(`netguard alerts: ${m}\n`);
    return 1;
  };
  let stored;
  try {
    stored = readStoredEvidence(db, id);
  } catch (e) {
    if (e instanceof HistoryError) return fail(e.message);
    throw e;
  }
  const shown = escapeText(id);
  const ev = stored.evidence;
  if (!stored.alert && !ev) return fail(`no alert ${shown} in ${db} (netguard alerts lists the ids with --json)`);
  if (!ev) {
    return fail(
      `no evidence was stored for alert ${shown}: it names no address, evidence.enabled was off, or NetGuard stopped before its episode closed`,
    );
  }
  try {
    if (ev.source_kind === 'file') {
      const src = escapeText(ev.source);
      const now = await fileStamp(ev.source);
      if (now === null) return fail(`the packets of alert ${shown} are in the capture file ${src}, which is gone (no such file)`);
      if ((ev.file_size !== null && now.size !== ev.file_size) || (ev.file_mtime !== null && now.mtimeMs !== ev.file_mtime)) {
        return fail(`the packets of alert ${shown} were in ${src}, which has changed since (size or modification time differ), so they cannot be found by position`);
      }
      const blob = ev.offsets;
      if (!blob || ev.indexed === 0) return fail(`no packet positions were recorded for alert ${shown}`);
      const offsets = new Float64Array(blob.buffer.slice(blob.byteOffset, blob.byteOffset + ev.indexed * 8));
      const packets = await readBackPackets(ev.source, ev.filter, offsets);
      if (packets.length < ev.indexed) return fail(`only ${packets.length} of the ${ev.indexed} packets of alert ${shown} were found in ${src}: the file differs`);
      const n = await writePcapFile(output, packets);
      const part = ev.indexed < ev.seen ? ` (${ev.seen - ev.indexed} more were past evidence.file_index_per_alert)` : '';
      out.write(`wrote ${n} packet${n === 1 ? '' : 's'} of alert ${shown} to ${escapeText(output)}, read back from ${src}${part}\n`);
      return 0;
    }
    if (!ev.pcap) {
      return fail(`the packets of alert ${shown} were held in memory by a ${ev.source_kind} capture and none were stored (evicted by evidence.total_mb before its episode closed)`);
    }
    await writeFile(output, ev.pcap);
    const part = ev.kept < ev.seen ? ` (of ${ev.seen} in its episode; the rest were past the evidence budget)` : '';
    out.write(`wrote ${ev.kept} packet${ev.kept === 1 ? '' : 's'} of alert ${shown} to ${escapeText(output)}${part}\n`);
    return 0;
  } catch (e) {
    return fail((e as Error).message);
  }
}
