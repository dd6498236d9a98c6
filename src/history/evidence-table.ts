// Where each alert's evidence is, stored beside the alerts in the history database (table `evidence`,
// one row per alert id, the newest run's winning): for a file source the file, its size and time, the
// capture filter and the offsets of the alert's packets in it; for a live capture the packets themselves
// as a pcap (those the memory budget held). `netguard alerts --pcap ID` reads it back, and says plainly
// when the evidence is gone (the file moved or changed, the row trimmed with its alert).
//
// Written from a timer off the packet path, like the alerts table; a separate table so the alerts
// table's schema stays as it is.
import type Database from 'better-sqlite3';
import { existsSync } from 'node:fs';
import { WriteFailures } from '../config/write-failures.js';
import { SqliteDatabase } from './sqlite-package.js';
import { HistoryError, PAGE_SIZE } from './store.js';

/** One alert's evidence as stored. */
export interface EvidenceRecord {
  alert_id: string;
  /** 'file' (read back by offset), 'live' (the pcap is stored), 'stdin' (nothing to read back but the pcap). */
  source_kind: 'file' | 'live' | 'stdin';
  /** File path or interface name. */
  source: string;
  /** Capture filter the file was read with ('' for none). */
  filter: string;
  file_size: number | null;
  file_mtime: number | null;
  /** Packets of the episode, and how many of them the offsets or the pcap hold. */
  seen: number;
  indexed: number;
  kept: number;
  /** Float64 little-endian file offsets (file sources), or null. */
  offsets: Buffer | null;
  /** The held packets as a pcap file (live and stdin sources), or null. */
  pcap: Buffer | null;
  /** JSON array of the alert's flows. */
  flows: string;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS evidence (
  alert_id TEXT PRIMARY KEY,
  stored_at INTEGER NOT NULL,
  source_kind TEXT NOT NULL,
  source TEXT NOT NULL,
  filter TEXT NOT NULL,
  file_size INTEGER,
  file_mtime INTEGER,
  seen INTEGER NOT NULL,
  indexed INTEGER NOT NULL,
  kept INTEGER NOT NULL,
  offsets BLOB,
  pcap BLOB,
  flows TEXT NOT NULL
);
`;

export class EvidenceTable {
  private db: Database.Database | null = null;
  private readonly pending: EvidenceRecord[] = [];
  private timer: NodeJS.Timeout | null = null;
  /** The insert, prepared at the first write. */
  private insert: Database.Statement | null = null;
  error: string | null = null;
  written = 0;
  private readonly outputs: WriteFailures;

  constructor(
    readonly file: string,
    private readonly opts: { flushMs?: number; log?: (line: string) => void; now?: () => number; failures?: WriteFailures } = {},
  ) {
    this.outputs = opts.failures ?? new WriteFailures((l) => opts.log?.(l));
    try {
      this.db = new SqliteDatabase(file);
      this.db.pragma('busy_timeout = 50');
      // The history's page size, should this table be the first to make the file.
      this.db.pragma(`page_size = ${PAGE_SIZE}`);
      this.db.pragma('journal_mode = WAL');
      this.db.exec(SCHEMA);
      // Evidence lives as long as its alert: rows whose alert the history trimmed go too.
      const hasAlerts = this.db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'alerts'").get();
      if (hasAlerts) this.db.exec('DELETE FROM evidence WHERE alert_id NOT IN (SELECT alert_id FROM alerts)');
    } catch (e) {
      this.fail(e);
    }
  }

  private fail(e: unknown, lost = 0): void {
    this.error = (e as Error).message;
    this.outputs.fail(this.file, e, { after: 'alert evidence from now on is not stored there', lost, unit: 'evidence record' });
    try {
      this.db?.close();
    } catch {
      // already unusable
    }
    this.db = null;
  }

  /** Queues a record; written within flushMs. */
  put(r: EvidenceRecord): void {
    if (!this.db) {
      if (this.error !== null) this.outputs.lose(this.file, 1, 'evidence record');
      return;
    }
    this.pending.push(r);
    this.timer ??= setTimeout(() => {
      this.timer = null;
      this.flush();
    }, this.opts.flushMs ?? 500);
  }

  /** Writes everything queued in one transaction. */
  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (!this.db || this.pending.length === 0) return;
    const now = (this.opts.now ?? Date.now)();
    // Positional parameters bound from the record's fields: named ones took a copy of each record with
    // stored_at added, and a lookup of every name per row (an alert storm's end writes a row per alert).
    const stmt = (this.insert ??= this.db.prepare(`INSERT OR REPLACE INTO evidence
      (alert_id, stored_at, source_kind, source, filter, file_size, file_mtime, seen, indexed, kept, offsets, pcap, flows)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`));
    const batch = this.pending.splice(0);
    try {
      this.db.transaction(() => {
        for (const r of batch) stmt.run(r.alert_id, now, r.source_kind, r.source, r.filter, r.file_size, r.file_mtime, r.seen, r.indexed, r.kept, r.offsets, r.pcap, r.flows);
      })();
      this.written += batch.length;
    } catch (e) {
      this.fail(e, batch.length);
    }
  }

  close(): void {
    this.flush();
    try {
      this.db?.close();
    } catch {
      // already closed
    }
    this.db = null;
  }
}

/** The stored alert row an id names (newest run first) and its evidence row, for `netguard alerts --pcap`. */
export interface StoredEvidence {
  alert: { alert_id: string; type: string; ts: number; message: string } | null;
  evidence: (EvidenceRecord & { stored_at: number }) | null;
}

/** Reads an alert's evidence row; throws HistoryError when the database is missing or unreadable. */
export function readStoredEvidence(file: string, alertId: string): StoredEvidence {
  if (!existsSync(file)) throw new HistoryError(file, 'no alert history here (the database does not exist)', 'ENOENT');
  let db: Database.Database;
  try {
    db = new SqliteDatabase(file, { readonly: true, fileMustExist: true });
  } catch (e) {
    throw new HistoryError(file, (e as Error).message);
  }
  try {
    const tables = new Set((db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as { name: string }[]).map((t) => t.name));
    const alert = tables.has('alerts')
      ? ((db.prepare('SELECT alert_id, type, ts, message FROM alerts WHERE alert_id = ? ORDER BY seq DESC LIMIT 1').get(alertId) as StoredEvidence['alert']) ?? null)
      : null;
    const evidence = tables.has('evidence')
      ? ((db.prepare('SELECT * FROM evidence WHERE alert_id = ?').get(alertId) as StoredEvidence['evidence']) ?? null)
      : null;
    return { alert, evidence };
  } catch (e) {
    throw new HistoryError(file, (e as Error).message);
  } finally {
    db.close();
  }
}
