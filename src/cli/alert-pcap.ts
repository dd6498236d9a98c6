// `netguard alerts --pcap ID -o FILE`: an alert's packets from the history's evidence table (read back
// from the capture file by offset, or the stored packets of a live capture), or one plain line saying
// why they are gone.
import { writeFile } from 'node:fs/promises';
import { writeError } from '../capture/pcap-writer.js';
import { escapeText } from '../decode/addr.js';
import { EvidenceGone, storedAlertPcap } from '../evidence/index.js';
import { HistoryError } from '../history/index.js';

/** Writes the pcap; returns the exit code (0 written, 1 no such alert, evidence gone or not writable). */
export async function writeAlertPcap(db: string, id: string, output: string, out: NodeJS.WritableStream, err: NodeJS.WritableStream): Promise<number> {
  try {
    const r = await storedAlertPcap(db, id);
    try {
      await writeFile(output, r.bytes);
    } catch (e) {
      throw writeError(output, e);
    }
    const part = r.missing > 0 ? ` (${r.missing} more of its episode were past the evidence budget)` : '';
    out.write(`wrote ${r.count} packet${r.count === 1 ? '' : 's'} of alert ${escapeText(id)} to ${escapeText(output)}, ${r.from}${part}\n`);
    return 0;
  } catch (e) {
    if (e instanceof HistoryError || e instanceof EvidenceGone || e instanceof Error) {
      err.write(`netguard alerts: ${e.message}\n`);
      return 1;
    }
    throw e;
  }
}
