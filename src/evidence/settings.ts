// The evidence store's options from settings.yaml's `evidence` section (sizes there are KiB and MiB).
import type { Settings } from '../config/schema.js';
import type { AlertType } from '../alert/types.js';
import type { EvidenceOptions } from './store.js';

export function evidenceOptionsFromSettings(
  settings: Settings,
  holdMs: (type: AlertType) => number,
  sourceFile: string | null,
): EvidenceOptions {
  const e = settings.evidence;
  return {
    lookbackPackets: e.lookback_packets,
    lookbackBytes: e.lookback_mb * 1024 * 1024,
    lookbackMs: e.lookback_seconds * 1000,
    perAlertPackets: e.per_alert_packets,
    perAlertBytes: e.per_alert_kb * 1024,
    totalBytes: e.total_mb * 1024 * 1024,
    maxAlerts: e.max_alerts,
    fileIndexPerAlert: e.file_index_per_alert,
    fileIndexTotal: e.file_index_total,
    flowsPerAlert: e.flows_per_alert,
    holdMs,
    sourceFile,
  };
}
