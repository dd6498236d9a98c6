// Public surface of the alert history: the SQLite store (an AlertSink with a query API) and its factory.
import type { Settings } from '../config/schema.js';
import { AlertHistory, type HistoryOptions } from './store.js';

export { AlertHistory, HistoryError, DEFAULT_LIMIT, MAX_LIMIT, type HistoryQuery, type HistorySummary, type HistoryOptions, type CountRow, type RemoteRecord } from './store.js';
export { parseTimeArg, parseDuration } from './time-args.js';

/**
 * The history sink settings ask for (history.enabled, db_file, retention_days, max_rows, flush_interval),
 * or null when history is off. Never throws: a database that cannot be opened is reported in one line
 * and the returned sink stays off (check `.error`), so the other sinks keep working.
 */
export function createHistorySink(
  settings: Settings,
  opts: Pick<HistoryOptions, 'log' | 'now' | 'sensor' | 'failures' | 'source' | 'pace'> = {},
): AlertHistory | null {
  const h = settings.history;
  if (!h.enabled || !h.db_file) return null;
  return new AlertHistory(h.db_file, {
    retentionDays: h.retention_days,
    maxRows: h.max_rows,
    flushMs: h.flush_interval,
    ...opts,
  });
}
export { EvidenceTable, readStoredEvidence, type EvidenceRecord, type StoredEvidence } from './evidence-table.js';
