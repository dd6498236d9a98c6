// Wiring of evidence per alert for a run: the store the engine feeds (settings `evidence`) and, when
// the alert history is on, the table that records where each closed episode's packets are.
import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { suppressionFromSettings } from '../alert/funnel.js';
import type { Settings, WriteFailures } from '../config/index.js';
import { EvidenceStore, evidenceOptionsFromSettings, evidenceRow, type EvidenceSource, type FrameReader } from '../evidence/index.js';
import { EvidenceTable } from '../history/index.js';

export interface EvidenceRuntime {
  store: EvidenceStore;
  table: EvidenceTable | null;
  /** Closes every open episode, stores them and closes the table (end of the run). */
  close(): void;
}

export function createEvidence(
  settings: Settings,
  o: { live: boolean; read?: string; name: string; filter: string; history: string | null; note: (m: string) => void; failures?: WriteFailures },
): EvidenceRuntime | null {
  if (!settings.evidence.enabled) return null;
  const file = !o.live && o.read !== undefined && o.read !== '-' ? o.read : null;
  let size: number | null = null;
  let mtimeMs: number | null = null;
  let fd: number | null = null;
  if (file !== null) {
    try {
      const st = statSync(file);
      size = st.size;
      mtimeMs = Math.floor(st.mtimeMs);
      // A regular file can be read at any offset: the lookback then keeps where each frame is instead
      // of a copy of every packet (a pipe or a device cannot be read again). Not with a filter: the
      // packets then come from tcpdump's output, whose offsets are not the file's.
      if (st.isFile() && o.filter.trim() === '') fd = openSync(file, 'r');
    } catch {
      // the source reports a missing file itself
    }
  }
  const readFrame: FrameReader | null =
    fd === null
      ? null
      : (offset, into, length) => {
          try {
            return readSync(fd!, into, 0, length, offset);
          } catch {
            return 0;
          }
        };
  const src: EvidenceSource = { kind: file !== null ? 'file' : o.live ? 'live' : 'stdin', name: o.name, filter: o.filter, size, mtimeMs };
  const table = o.history ? new EvidenceTable(o.history, { flushMs: settings.history.flush_interval, log: o.note, failures: o.failures }) : null;
  const suppression = suppressionFromSettings(settings);
  const store: EvidenceStore = new EvidenceStore({
    ...evidenceOptionsFromSettings(settings, suppression, file),
    readFrame,
    onClose: table ? (ev) => table.put(evidenceRow(store, ev, src)) : undefined,
  });
  return {
    store,
    table,
    close: () => {
      store.closeAll();
      table?.close();
      if (fd !== null) {
        closeSync(fd);
        fd = null;
      }
    },
  };
}
