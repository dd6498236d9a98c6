// The alert history: every alert in one SQLite file (better-sqlite3, WAL), written in batched transactions
// from a timer off the packet path, trimmed by age and count, and queried by `netguard alerts` and the web page.
// Alerts that storm control folded into a storm alert are kept too, in batched form: table `folded`, one
// row per FOLDED_BATCH of them with their storm alert's id and the alerts as one JSON array.
import type Database from 'better-sqlite3';
import { randomBytes } from 'node:crypto';
import { accessSync, constants, existsSync } from 'node:fs';
import path from 'node:path';
import { WriteFailures } from '../config/write-failures.js';
import { SqliteDatabase } from './sqlite-package.js';
import type { Alert, AlertSink, AlertType, Detection, Severity } from '../alert/types.js';
import { SEVERITIES } from '../alert/types.js';
import { OrderedTable } from '../alert/ordered-table.js';
import { FoldedMembers } from './folded-members.js';
import { DetailsJson } from './details-json.js';

type Db = Database.Database;
type Statement = Database.Statement;

/** What people ask of the history: who, what, how bad, when, and free text. */
export interface HistoryQuery {
  /** Source or destination address. */
  ip?: string;
  type?: string;
  /** Lowest severity shown (HIGH shows HIGH and CRITICAL), like journalctl -p. */
  severity?: Severity;
  /** ms since epoch, inclusive (alert timestamp). */
  since?: number;
  /** ms since epoch, exclusive (alert timestamp). */
  until?: number;
  /** Most alerts returned (newest first); default 100, at most MAX_LIMIT. */
  limit?: number;
  /** Case-insensitive substring of the message, type, addresses or details. */
  search?: string;
  /** Only alerts of this sensor (EVE host; the local sensor's name for local alerts). */
  sensor?: string;
}

export interface CountRow {
  key: string;
  count: number;
}

export interface HistorySummary {
  total: number;
  /** Alerts per type, most first. */
  byType: CountRow[];
  /** Alerts per source address, most first (at most `top`). */
  bySource: CountRow[];
  /** Alerts per UTC day (YYYY-MM-DD), oldest first. */
  byDay: CountRow[];
}

export interface HistoryOptions {
  /** Days an alert is kept after it was stored; 0 keeps alerts forever. */
  retentionDays?: number;
  /** Most rows kept (the oldest go first); 0: no limit. */
  maxRows?: number;
  /** Milliseconds between batched writes. */
  flushMs?: number;
  /** Milliseconds between retention passes (also run at open). */
  retentionEveryMs?: number;
  /** Alerts held in memory while the database cannot be written (oldest dropped beyond). */
  maxPending?: number;
  /** Folded alerts (storm control) held in memory while not yet written (newer ones counted, not kept, beyond). */
  maxPendingFolded?: number;
  /** Where problems are reported, one line each (default: stderr). */
  log?: (line: string) => void;
  /** Wall clock for retention (tests); alerts carry their own packet time. */
  now?: () => number;
  /** Open without writing (queries only; the file must exist). */
  readonly?: boolean;
  /** The sensor name stored with this run's own alerts (default: empty, shown as the local sensor). */
  sensor?: string;
  /** Where a database that cannot be written is named and its lost alerts counted (default: said through `log`). */
  failures?: WriteFailures;
  /**
   * How writes are paced. 'timer' (the default; live capture): a wall-clock timer writes what has waited
   * flushMs. 'packets' (a capture file or stdin): what has waited flushMs of packet time is written at the
   * engine's ticks (onTick), and a queue that reaches its size limit at once, never from a timer; so which
   * alerts share a transaction, and the rows' seq numbers, depend on the capture alone: reading a file twice
   * stores the same rows in the same order. (Only a query asked for meanwhile, from the dashboard or the web
   * page, writes out of turn.)
   */
  pace?: 'timer' | 'packets';
  /**
   * What this run reads: the capture file's absolute path, "stdin", or the interface. Stored in each row;
   * a file read again replaces its earlier rows (same ids), so the history never holds an id twice for it.
   */
  source?: string;
}

/** One EVE record a console took from Redis, to store once (keyed by stream and entry id). */
export interface RemoteRecord {
  /** Stream key and entry id ("1700000000000-0"): the unique key that makes a redelivery a no-op. */
  stream: string;
  entryId: string;
  sensor: string;
  eventType: string;
  /** Record time, ms. */
  ts: number;
  /** The EVE line as received. */
  line: string;
  /** The NetGuard alert it carries (event_type alert), else undefined. */
  alert?: Alert;
}

export const DEFAULT_LIMIT = 100;
/** Alerts one timed write puts in a transaction while the queue is short (about 10 ms of work). */
export const BATCH_MAX = 1000;
/**
 * Most alerts one timed write takes when the queue has grown (half the queue, at least BATCH_MAX): alerts
 * that come faster than BATCH_MAX per turn of the event loop are then still written as fast as they come,
 * instead of queueing until the oldest are dropped, at the price of a longer transaction (about 50 ms).
 */
export const BATCH_STORM_MAX = 5 * BATCH_MAX;
/** Full groups of folded alerts one timed write adds to its transaction (a few ms of JSON and SQLite). */
const FOLDED_GROUPS_PER_WRITE = 10;
/**
 * Pace 'packets': queued alerts written at once, whatever their age, when this many wait (packet time may stand
 * still, or an alert storm raise thousands within one tick): the memory a file's run holds stays bounded.
 */
export const PACED_MAX_PENDING = BATCH_STORM_MAX;
export const MAX_LIMIT = 10_000;
const RANK: Record<Severity, number> = { LOW: 0, WARNING: 1, HIGH: 2, CRITICAL: 3 };
const DAY_MS = 86_400_000;

/** A database that cannot be opened or read, with the file and what happened, in one line. */
export class HistoryError extends Error {
  constructor(
    readonly file: string,
    readonly reason: string,
    readonly code?: string,
  ) {
    super(`${file}: ${reason}`);
  }
}

/**
 * A new database's tables. An alert's row is unique by (source, alert_id) (SOURCE_INDEX; a run reads one
 * source, so that also makes (run, alert_id) unique). Databases made before this also have the table
 * constraint UNIQUE (run, alert_id): a tenth b-tree every row was added to (about 2.5% of the CPU time of
 * storing an alert), which SQLite drops only by rebuilding the table, so they keep it. A folded row holds
 * its run's source (added to older databases, their rows NULL), so its storm alert's row is found through
 * SOURCE_INDEX (see applyRetention).
 */
const SCHEMA = `
CREATE TABLE IF NOT EXISTS alerts (
  seq INTEGER PRIMARY KEY,
  run TEXT NOT NULL,
  alert_id TEXT NOT NULL,
  ts INTEGER NOT NULL,
  last_seen INTEGER NOT NULL,
  stored_at INTEGER NOT NULL,
  type TEXT NOT NULL,
  severity TEXT NOT NULL,
  sev_rank INTEGER NOT NULL,
  message TEXT NOT NULL,
  src_ip TEXT,
  dst_ip TEXT,
  src_port INTEGER,
  dst_port INTEGER,
  proto TEXT,
  count INTEGER NOT NULL,
  community_id TEXT,
  details TEXT NOT NULL,
  final INTEGER NOT NULL DEFAULT 0,
  source TEXT
);
CREATE INDEX IF NOT EXISTS alerts_ts ON alerts (ts);
CREATE INDEX IF NOT EXISTS alerts_src ON alerts (src_ip, ts);
CREATE INDEX IF NOT EXISTS alerts_dst ON alerts (dst_ip, ts);
CREATE INDEX IF NOT EXISTS alerts_type ON alerts (type, ts);
CREATE INDEX IF NOT EXISTS alerts_sev ON alerts (sev_rank, ts);
CREATE INDEX IF NOT EXISTS alerts_stored ON alerts (stored_at);
CREATE TABLE IF NOT EXISTS folded (
  seq INTEGER PRIMARY KEY,
  run TEXT NOT NULL,
  storm_id TEXT NOT NULL,
  type TEXT NOT NULL,
  first_ts INTEGER NOT NULL,
  last_ts INTEGER NOT NULL,
  n INTEGER NOT NULL,
  stored_at INTEGER NOT NULL,
  members TEXT NOT NULL,
  source TEXT
);
CREATE INDEX IF NOT EXISTS folded_storm ON folded (run, storm_id);
CREATE INDEX IF NOT EXISTS folded_stored ON folded (stored_at);
`;

/**
 * Page size of a new history database (SQLite's default is 4096; a database keeps the size it was made
 * with). Each alert row touches nine b-trees (ten in a database with the old (run, alert_id) constraint);
 * with 16 KiB pages they are shallower and each transaction writes fewer, fuller pages to the WAL: storing
 * 200,000 alerts took about a tenth less CPU time.
 */
export const PAGE_SIZE = 16_384;

/** Folded alerts per row of the folded table. */
export const FOLDED_BATCH = 1000;
/** The fields of one folded alert in a folded row's `members` array, in this order. */
export const FOLDED_FIELDS = ['ts', 'severity', 'src_ip', 'src_port', 'dst_ip', 'dst_port', 'proto'] as const;

/** An alert waiting to be written: its newest record, when it was queued, and whether its row is new. */
interface Queued {
  alert: Alert;
  /** OrderedTable.hash of the alert's id (its key in the queue). */
  hash: number;
  /** When queued (an update renews it): performance.now(), or with pace 'packets' the packet time of the last tick. */
  at: number;
  /** Queued by onAlert and not written yet: the row is new (the cheap update of an existing row would find nothing). */
  fresh: boolean;
}

/**
 * The folded alerts of one storm alert waiting to be written (at most FOLDED_BATCH): their `members` JSON,
 * written as bytes as each is folded (see FoldedMembers; kept as values, the group's strings were copied by
 * every young-generation collection of a storm until the write made them into one string).
 */
interface FoldedGroup {
  stormId: string;
  type: string;
  first: number;
  last: number;
  members: FoldedMembers;
}

/** Written groups' buffers kept for new groups (see AlertHistory.spareFolded). */
const SPARE_FOLDED = 8;

/**
 * An empty array that V8 already holds as an array of objects. To V8 an empty array literal holds small
 * integers until the first object goes in, and that change of its hidden class (in a storm at the first
 * full group of folded alerts and at the first group written) threw away the optimized fold path.
 */
function objectArray<T extends object>(): T[] {
  const a: T[] = [{} as T];
  a.pop();
  return a;
}

/**
 * Applied after SCHEMA, so a history written before the source column existed is migrated in place
 * (ALTER TABLE; its old rows keep a NULL source). One row per source and alert id: ids are per run
 * ("<first packet ms>-<n>"), so the same capture read again gives the same ids and replaces its rows.
 */
const SOURCE_INDEX = `CREATE UNIQUE INDEX IF NOT EXISTS alerts_source_id ON alerts (source, alert_id);`;

/**
 * Additive, idempotent migration for many sensors: each alert's sensor (existing rows: '' = the local one),
 * and every EVE record a console stored (flow, dns, http, stats, alert), once per stream entry.
 */
function migrateSensors(db: Db): void {
  const cols = db.prepare("SELECT name FROM pragma_table_info('alerts')").all() as { name: string }[];
  if (!cols.some((c) => c.name === 'sensor')) db.exec("ALTER TABLE alerts ADD COLUMN sensor TEXT NOT NULL DEFAULT ''");
  db.exec(`
CREATE INDEX IF NOT EXISTS alerts_sensor ON alerts (sensor, ts);
CREATE TABLE IF NOT EXISTS eve_records (
  stream TEXT NOT NULL,
  entry_id TEXT NOT NULL,
  sensor TEXT NOT NULL,
  event_type TEXT NOT NULL,
  ts INTEGER NOT NULL,
  stored_at INTEGER NOT NULL,
  record TEXT NOT NULL,
  PRIMARY KEY (stream, entry_id)
);
CREATE INDEX IF NOT EXISTS eve_records_sensor ON eve_records (sensor, event_type, ts);
CREATE INDEX IF NOT EXISTS eve_records_stored ON eve_records (stored_at);`);
}

interface Row {
  alert_id: string;
  sensor?: string;
  ts: number;
  last_seen: number;
  type: string;
  severity: string;
  message: string;
  src_ip: string | null;
  dst_ip: string | null;
  src_port: number | null;
  dst_port: number | null;
  proto: string | null;
  count: number;
  community_id: string | null;
  details: string;
  /** 1 once the alert's episode closed and the row holds its final evidence (absent in old databases). */
  final?: number;
}

function rowToAlert(r: Row): Alert {
  let details: Record<string, unknown> = {};
  try {
    const d = JSON.parse(r.details) as unknown;
    if (d && typeof d === 'object' && !Array.isArray(d)) details = d as Record<string, unknown>;
  } catch {
    // a hand-edited row: keep the alert, lose the evidence
  }
  const a: Alert = {
    id: r.alert_id,
    timestamp: new Date(r.ts).toISOString(),
    type: r.type as AlertType,
    severity: r.severity as Severity,
    message: r.message,
    details,
    count: r.count,
    last_seen: new Date(r.last_seen).toISOString(),
  };
  if (r.src_ip !== null) a.src_ip = r.src_ip;
  if (r.dst_ip !== null) a.dst_ip = r.dst_ip;
  if (r.src_port !== null) a.src_port = r.src_port;
  if (r.dst_port !== null) a.dst_port = r.dst_port;
  if (r.proto !== null) a.proto = r.proto;
  if (r.community_id !== null) a.community_id = r.community_id;
  if (r.sensor) a.sensor = r.sensor;
  if (r.final === 1) a.final = true;
  return a;
}

/** Turns a SQLite failure into the one line a person needs. */
function describeSqlite(e: unknown): { reason: string; code: string; fatal: boolean } {
  const err = e as { code?: string; message?: string };
  const code = err.code ?? 'ERROR';
  const msg = err.message ?? String(e);
  if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) {
    return { reason: `database is locked by another process (${msg})`, code, fatal: false };
  }
  if (code.startsWith('SQLITE_NOTADB') || code.startsWith('SQLITE_CORRUPT')) {
    return { reason: `not a SQLite database, or corrupt (${msg}); move it aside to start a new history`, code, fatal: true };
  }
  if (code.startsWith('SQLITE_READONLY') || code.startsWith('SQLITE_CANTOPEN') || code.startsWith('SQLITE_PERM')) {
    return { reason: `cannot write the database (${msg})`, code, fatal: true };
  }
  if (code.startsWith('SQLITE_FULL') || code.startsWith('SQLITE_IOERR')) {
    return { reason: `disk error (${msg})`, code, fatal: false };
  }
  return { reason: msg, code, fatal: false };
}

/**
 * The error to name when SQLite cannot create or write the file: SQLite says only CANTOPEN or READONLY,
 * so the file and its directory are asked for write access, which gives the errno (EACCES, EROFS).
 */
function placeError(file: string, e: unknown): unknown {
  const code = (e as { code?: string }).code ?? '';
  if (!/^SQLITE_(CANTOPEN|READONLY|PERM)/.test(code)) return e;
  for (const p of [file, path.dirname(file)]) {
    if (p === file && !existsSync(file)) continue;
    try {
      accessSync(p, constants.W_OK);
    } catch (err) {
      return err;
    }
  }
  return e;
}

/** Escapes LIKE wildcards so a search for "50%" means the text "50%". */
function likePattern(s: string): string {
  return '%' + s.replace(/[\\%_]/g, (c) => '\\' + c) + '%';
}

function where(q: HistoryQuery): { sql: string; params: unknown[] } {
  const parts: string[] = [];
  const params: unknown[] = [];
  if (q.ip) {
    parts.push('(src_ip = ? OR dst_ip = ?)');
    params.push(q.ip, q.ip);
  }
  if (q.sensor !== undefined) {
    parts.push('sensor = ?');
    params.push(q.sensor);
  }
  if (q.type) {
    parts.push('type = ?');
    params.push(q.type);
  }
  if (q.severity) {
    parts.push('sev_rank >= ?');
    params.push(RANK[q.severity]);
  }
  if (q.since !== undefined) {
    parts.push('ts >= ?');
    params.push(Math.floor(q.since));
  }
  if (q.until !== undefined) {
    parts.push('ts < ?');
    params.push(Math.ceil(q.until));
  }
  if (q.search) {
    parts.push(
      "(message LIKE ? ESCAPE '\\' OR type LIKE ? ESCAPE '\\' OR src_ip LIKE ? ESCAPE '\\' OR dst_ip LIKE ? ESCAPE '\\' OR details LIKE ? ESCAPE '\\')",
    );
    const p = likePattern(q.search);
    params.push(p, p, p, p, p);
  }
  return { sql: parts.length ? 'WHERE ' + parts.join(' AND ') : '', params };
}

/** A string as an SQL literal (quotes doubled). */
function sqlText(s: string): string {
  return "'" + s.replace(/'/g, "''") + "'";
}

let parsedText = '';
let parsedMs = NaN;
/** An alert's ISO time in ms; the last result is reused (an alert's first and last time, a storm's alerts, are often the same text). */
function isoMs(text: string): number {
  if (text !== parsedText) {
    parsedMs = Date.parse(text);
    parsedText = text;
  }
  return parsedMs;
}

/** An alert's row for the upsert, in its column order (run, source, alert_id, ts, last_seen, stored_at, ..., final, sensor). */
function rowValues(run: string, source: string, sensor: string, a: Alert, storedAt: number): unknown[] {
  return [
    run,
    source,
    a.id,
    isoMs(a.timestamp),
    isoMs(a.last_seen),
    storedAt,
    a.type,
    a.severity,
    RANK[a.severity] ?? 0,
    a.message,
    a.src_ip ?? null,
    a.dst_ip ?? null,
    a.src_port ?? null,
    a.dst_port ?? null,
    a.proto ?? null,
    a.count,
    a.community_id ?? null,
    JSON.stringify(a.details ?? {}),
    a.final ? 1 : 0,
    sensor,
  ];
}

/**
 * The SQLite alert sink and query store. onAlert/onUpdate only queue (a table keyed by alert id, so an
 * episode's updates collapse into one upsert); a timer writes the queue in one transaction. A locked
 * database is retried on the next flush; a corrupt or unwritable one turns the sink off for the run.
 * Either way one line says which file and what happened, and nothing is thrown into the funnel.
 */
export class AlertHistory implements AlertSink {
  readonly name = 'history';
  readonly file: string;
  /** Why the store is off (null while it works). */
  error: string | null = null;
  /** Alerts written, transactions that wrote them, alerts dropped because the queue was full, failed writes. */
  written = 0;
  batches = 0;
  dropped = 0;
  failures = 0;

  private db: Db | null = null;
  /** This run's id, stored in each of its rows. */
  readonly run = randomBytes(6).toString('hex');
  private readonly source: string;
  /** Alerts waiting to be written, by id, oldest first (an update moves its alert to the end; see OrderedTable). */
  private readonly pending = new OrderedTable<Queued>();
  /** Folded alerts: the group filling per storm alert, full groups waiting, and how many in all. */
  private readonly foldedOpen = new Map<string, FoldedGroup>();
  private foldedReady: FoldedGroup[] = objectArray();
  /**
   * Buffers of written groups, for the next groups to fill: made anew, each group's (64 KB) lived until its
   * write and was copied by the young-generation collections on the way, once per thousand folded alerts.
   */
  private spareFolded: FoldedMembers[] = objectArray();
  private foldedQueued = 0;
  /** Folded alerts written, and those not kept because the queue was full (counted, reported at close). */
  foldedWritten = 0;
  foldedDropped = 0;
  private insertFolded: Statement | null = null;
  private timer: NodeJS.Timeout | null = null;
  /**
   * The write timer's callback, made once. Made where the timer is armed, the arrow gave schedule() a context
   * object at every call (every alert and every folded alert queued, armed or not): in an alert storm about a
   * tenth of what the packet path allocated.
   */
  private readonly onTimer = (): void => {
    this.timer = null;
    this.writePending();
  };
  /** Pace 'packets' (see HistoryOptions.pace): writes come from onTick and from the queue's size, not a timer. */
  private readonly paced: boolean;
  /** Pace 'packets': the packet time of the last tick, the clock queued alerts' ages are measured by. */
  private packetNow = 0;
  private retentionTimer: NodeJS.Timeout | null = null;
  private readonly opts: Required<Omit<HistoryOptions, 'readonly' | 'failures' | 'source' | 'pace'>> & { readonly: boolean };
  private upsert: Statement | null = null;
  /** The upsert for this run's own alerts, with its run, source and sensor written into the SQL (see open()). */
  private upsertOwn: Statement | null = null;
  private updateLater: Statement | null = null;
  /** The rows' details text (JSON.stringify's), reused while a type's details repeat (an alert storm). */
  private readonly detailsJson = new DetailsJson();
  private lastReported = '';
  private closed = false;
  private readonly outputs: WriteFailures;
  /** The last failed write, named at close if alerts are still unwritten then. */
  private lastWriteError: unknown = null;

  constructor(file: string, opts: HistoryOptions = {}) {
    this.file = file;
    this.opts = {
      retentionDays: opts.retentionDays ?? 90,
      maxRows: opts.maxRows ?? 1_000_000,
      flushMs: opts.flushMs ?? 500,
      retentionEveryMs: opts.retentionEveryMs ?? 60_000,
      maxPending: opts.maxPending ?? 100_000,
      maxPendingFolded: opts.maxPendingFolded ?? 500_000,
      log: opts.log ?? ((l) => process.stderr.write(`netguard: ${l}\n`)),
      now: opts.now ?? Date.now,
      readonly: opts.readonly ?? false,
      sensor: opts.sensor ?? '',
    };
    this.outputs = opts.failures ?? new WriteFailures(this.opts.log);
    this.source = opts.source ?? 'unknown';
    this.paced = opts.pace === 'packets';
    try {
      this.open();
    } catch (e) {
      const d = describeSqlite(e);
      this.disable(d.reason, e);
    }
  }

  /** Opens an existing history for queries; throws HistoryError (missing, corrupt) with the file in the message. */
  static openForQuery(file: string): AlertHistory {
    if (!existsSync(file)) throw new HistoryError(file, 'no alert history here (the database does not exist; NetGuard creates it when it stores its first alert)', 'ENOENT');
    const h = new AlertHistory(file, { readonly: true, log: () => undefined });
    if (h.error) throw new HistoryError(file, h.error);
    return h;
  }

  private open(): void {
    if (this.opts.readonly) {
      this.db = new SqliteDatabase(this.file, { readonly: true, fileMustExist: true });
      this.db.pragma('busy_timeout = 2000');
      // Reading the schema proves the file is a database (a corrupt file fails here, not mid-query).
      const t = this.db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'alerts'").get();
      if (!t) throw Object.assign(new Error('no alerts table: not a NetGuard history database'), { code: 'SQLITE_NOTADB' });
      return;
    }
    this.db = new SqliteDatabase(this.file);
    // A short busy wait: the writer runs on the event loop, so a long lock wait would stall capture.
    this.db.pragma('busy_timeout = 50');
    // A new database only (an existing one keeps its own): see PAGE_SIZE.
    this.db.pragma(`page_size = ${PAGE_SIZE}`);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
    this.db.exec(SCHEMA);
    const columns = (this.db.prepare('PRAGMA table_info(alerts)').all() as { name: string }[]).map((c) => c.name);
    migrateSensors(this.db);
    // A database made before final records existed gets the column (each alert's row is updated in place
    // with its final evidence; `final` says the episode closed).
    if (!columns.includes('final')) this.db.exec('ALTER TABLE alerts ADD COLUMN final INTEGER NOT NULL DEFAULT 0');
    if (!columns.includes('source')) this.db.exec('ALTER TABLE alerts ADD COLUMN source TEXT');
    const foldedColumns = (this.db.prepare('PRAGMA table_info(folded)').all() as { name: string }[]).map((c) => c.name);
    if (!foldedColumns.includes('source')) this.db.exec('ALTER TABLE folded ADD COLUMN source TEXT');
    this.db.exec(SOURCE_INDEX);
    // The same source and id (this run's update, or an earlier run of the same file): the row becomes this run's.
    // Positional parameters, in rowValues() order: binding by name looked up every name per row (about a sixth of a row's cost).
    const upsertInto = (run: string, source: string, sensor: string) => `
      INSERT INTO alerts (run, source, alert_id, ts, last_seen, stored_at, type, severity, sev_rank, message, src_ip, dst_ip,
                          src_port, dst_port, proto, count, community_id, details, final, sensor)
      VALUES (${run}, ${source}, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ${sensor})
      ON CONFLICT (source, alert_id) DO UPDATE SET
        run = excluded.run, ts = excluded.ts, stored_at = excluded.stored_at, type = excluded.type, sensor = excluded.sensor,
        last_seen = excluded.last_seen, severity = excluded.severity, sev_rank = excluded.sev_rank,
        message = excluded.message, src_ip = excluded.src_ip, dst_ip = excluded.dst_ip, src_port = excluded.src_port,
        dst_port = excluded.dst_port, proto = excluded.proto, count = excluded.count, community_id = excluded.community_id,
        details = excluded.details, final = excluded.final`;
    this.upsert = this.db.prepare(upsertInto('?', '?', '?'));
    // This run's run, source and sensor are the same in every row it writes: as literals in the SQL they are
    // not bound again for each row (three of twenty parameters; about a tenth of a row's cost). SQLite reads
    // SQL text only up to a NUL, so a source or sensor name holding one is bound as before.
    const own = [this.run, this.source, this.opts.sensor];
    this.upsertOwn = own.some((t) => t.includes('\0')) ? null : this.db.prepare(upsertInto(sqlText(own[0]), sqlText(own[1]), sqlText(own[2])));
    // A later record of an alert this run has already stored (its final record, an update): only what can
    // change within an episode is set, so of the row's indexes only alerts_dst and alerts_stored are touched
    // (the upsert rewrites every column, and SQLite then rewrites all eight index entries, nine in an older
    // database). The row must still hold this run's unchangeable fields, else nothing changes and the upsert
    // does the whole row.
    this.updateLater = this.db.prepare(`
      UPDATE alerts SET last_seen = ?, stored_at = ?, message = ?, src_port = ?, dst_ip = ?, dst_port = ?, count = ?, details = ?, final = ?
      WHERE source = ? AND alert_id = ? AND run = ? AND ts = ? AND type = ? AND severity = ? AND sensor = ?
        AND src_ip IS ? AND proto IS ? AND community_id IS ?`);
    // members: the JSON text's UTF-8 bytes (FoldedMembers), stored as that TEXT.
    this.insertFolded = this.db.prepare('INSERT INTO folded (run, storm_id, type, first_ts, last_ts, n, stored_at, members, source) VALUES (?, ?, ?, ?, ?, ?, ?, CAST(? AS TEXT), ?)');
    this.applyRetention();
    this.retentionTimer = setInterval(() => this.applyRetention(), this.opts.retentionEveryMs);
    this.retentionTimer.unref();
  }

  /** True while alerts are being stored. */
  get enabled(): boolean {
    return this.db !== null && this.error === null && !this.opts.readonly;
  }

  get pendingCount(): number {
    return this.pending.size;
  }

  /** Folded alerts queued and not yet written. */
  get pendingFolded(): number {
    return this.foldedQueued;
  }

  /** Each alert id counted once, however many updates it gets after the store went off. */
  private readonly lostIds = new Set<string>();
  private countLost(a: Alert): void {
    if (this.lostIds.has(a.id)) return;
    if (this.lostIds.size < 1_000_000) this.lostIds.add(a.id);
    this.outputs.lose(this.file, 1, 'alert');
  }

  private report(line: string, key = line): void {
    // One line per distinct problem, not one per flush.
    if (key === this.lastReported) return;
    this.lastReported = key;
    this.opts.log(line);
  }

  /** Turns the store off for the run: the file is named once, and the alerts it will not hold are counted. */
  private disable(reason: string, e: unknown): void {
    this.error = reason;
    if (this.opts.readonly) this.report(`history: ${this.file}: ${reason}`);
    else {
      this.outputs.fail(this.file, this.asNamed(reason, e), {
        after: 'the alert history is off for this run (other outputs continue)',
        lost: this.pending.size + this.dropped,
        unit: 'alert',
      });
    }
    this.pending.clear();
    this.foldedOpen.clear();
    this.foldedReady = objectArray();
    this.foldedQueued = 0;
    this.release();
  }

  /** The error as WriteFailures names it: the errno of an unwritable place, else SQLite's reason in words. */
  private asNamed(reason: string, e: unknown): unknown {
    const placed = placeError(this.file, e);
    if (placed !== e) return placed;
    const code = (e as { code?: string }).code;
    return /^SQLITE_(FULL|CANTOPEN|READONLY|PERM)/.test(code ?? '') ? e : { message: reason, code };
  }

  /** Stops the write and retention timers and closes the database (a broken handle may throw: ignored). */
  private release(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (this.retentionTimer) clearInterval(this.retentionTimer);
    this.retentionTimer = null;
    try {
      this.db?.close();
    } catch {
      // already unusable
    }
    this.db = null;
  }

  onAlert(a: Alert): void {
    // A new alert has a new id: nothing queued to replace.
    this.enqueue(a, false);
  }

  onUpdate(a: Alert): void {
    this.enqueue(a);
  }

  /**
   * An alert storm control folded into `storm`: queued in its storm's group (a small array, no I/O);
   * a full group of FOLDED_BATCH waits for the timer's next transaction.
   */
  onFolded(d: Detection, storm: Alert): void {
    if (!this.enabled || this.closed) return;
    if (this.foldedQueued >= this.opts.maxPendingFolded) {
      this.foldedDropped++;
      return;
    }
    let g = this.foldedOpen.get(storm.id);
    if (g === undefined) {
      const members = this.spareFolded.pop() ?? new FoldedMembers();
      g = { stormId: storm.id, type: d.type, first: d.ts, last: d.ts, members };
      this.foldedOpen.set(storm.id, g);
    }
    if (d.ts < g.first) g.first = d.ts;
    if (d.ts > g.last) g.last = d.ts;
    // Whole ms (the alerts' own precision): a fraction costs more JSON than the rest of the member.
    g.members.add(Math.floor(d.ts), d.severity, d.src_ip, d.src_port, d.dst_ip, d.dst_port, d.proto);
    this.foldedQueued++;
    if (g.members.n >= FOLDED_BATCH) {
      this.foldedReady.push(g);
      this.foldedOpen.delete(storm.id);
    }
    this.schedule();
  }

  /**
   * The final record updates the alert's row (same source and id), never adds one. One still queued is
   * replaced where it stands, so rows are first stored in the order they were last updated, as without it.
   */
  onFinal(a: Alert): void {
    const q = this.pending.get(a.id);
    if (q !== undefined && this.enabled && !this.closed) q.alert = a;
    else this.enqueue(a);
  }

  private enqueue(a: Alert, replaces = true): void {
    if (!this.enabled || this.closed) {
      // Off for a write failure: a new alert is one the history will not have.
      if (this.error !== null && !this.closed && !this.opts.readonly && !this.pending.has(a.id)) this.countLost(a);
      return;
    }
    // Re-inserting moves the key to the end, so the oldest untouched alert is dropped first when full.
    // One entry per id holds the alert, when it was queued and whether its row is new: one map operation
    // per alert instead of one on each of three collections.
    const at = this.queueNow();
    const hash = OrderedTable.hash(a.id);
    const q = replaces ? this.pending.get(a.id, hash) : undefined;
    if (q !== undefined) {
      this.pending.delete(a.id, hash);
      q.alert = a;
      q.at = at;
      this.pending.set(a.id, q, hash);
    } else this.pending.set(a.id, { alert: a, hash, at, fresh: !replaces }, hash);
    if (this.pending.size > this.opts.maxPending && this.pending.shift() !== undefined) this.dropped++;
    this.schedule();
  }

  private schedule(): void {
    if (this.paced) {
      // No timer: a full queue is written now (its alerts whatever their age), ten full groups of folded alerts
      // with the alerts that are due; the rest waits for the next tick (or, after a failed write, the retry timer).
      if (this.pending.size >= PACED_MAX_PENDING) this.writePending(undefined, false, true);
      else if (this.foldedReady.length >= FOLDED_GROUPS_PER_WRITE) this.writePending();
      return;
    }
    if (!this.timer) {
      this.timer = setTimeout(this.onTimer, this.opts.flushMs);
    }
  }

  /** The clock queued alerts' ages are measured by: the wall clock, or with pace 'packets' the last tick's packet time. */
  private queueNow(): number {
    return this.paced ? this.packetNow : performance.now();
  }

  /**
   * Pace 'packets': packet time is `now`; what has waited flushMs of it is written, in as many transactions
   * as a timed write would make (BATCH_MAX alerts and FOLDED_GROUPS_PER_WRITE groups each).
   */
  onTick(now: number): void {
    if (!this.paced) return;
    if (now > this.packetNow) this.packetNow = now;
    while (this.writePending()) {
      // more was due
    }
  }

  /**
   * Writes up to `max` queued alerts and the full groups of folded alerts (all of them, and the groups
   * still filling, when `all`) in one transaction, the alerts that have waited flushMs (any, when `anyAge`);
   * on a lock, keeps them for the next try. Returns whether
   * that batch was written. The timer writes BATCH_MAX alerts (half the queue when it is longer, at most
   * BATCH_STORM_MAX) and FOLDED_GROUPS_PER_WRITE groups at a time and comes back at once for the rest, so an
   * alert storm holds the event loop (capture runs on it) for tens of milliseconds at a time at most, and
   * the queue still shrinks while alerts keep coming faster than BATCH_MAX per turn.
   */
  private writePending(max = Math.min(BATCH_STORM_MAX, Math.max(BATCH_MAX, Math.ceil(this.pending.size / 2))), all = false, anyAge = false): boolean {
    if (!this.enabled || !this.db || !this.upsert || !this.insertFolded) return false;
    // A write is due from the timer (after a failed write its retry; with the timer's pace the next timed write),
    // which clears it before calling, as flush() does: nothing tries before it (each try at a lock waits
    // busy_timeout, and with packet pace every new alert past the limit and every tick would try).
    if (this.timer !== null) return false;
    if (all && this.foldedOpen.size > 0) {
      for (const g of this.foldedOpen.values()) this.foldedReady.push(g);
      this.foldedOpen.clear();
    }
    if (this.pending.size === 0 && this.foldedReady.length === 0) return false;
    // A timed write takes the alerts queued at least flushMs ago (the queue is in the order they were
    // queued), so an episode that closes soon after its alert was raised, as in an alert storm past the
    // open-episode cap, is stored once, with its final record, instead of as a row and then its update.
    // Past half of maxPending the age is not waited for.
    const cutoff = all || anyAge || this.pending.size > this.opts.maxPending / 2 ? Infinity : this.queueNow() - this.opts.flushMs;
    const batch: Queued[] = [];
    this.pending.each((q) => {
      if (batch.length >= max || q.at > cutoff) return false;
      batch.push(q);
    });
    const groups = all ? this.foldedReady.slice() : this.foldedReady.slice(0, FOLDED_GROUPS_PER_WRITE);
    if (batch.length === 0 && groups.length === 0) {
      this.rearm();
      return false;
    }
    const own = this.upsertOwn;
    const stmt = this.upsert;
    const ins = this.insertFolded;
    const storedAt = this.opts.now();
    const run = this.run;
    const update = this.updateLater;
    const source = this.source;
    const sensor = this.opts.sensor;
    const dj = this.detailsJson;
    const tx = this.db.transaction((queued: Queued[]) => {
      for (const q of queued) {
        const a = q.alert;
        // The values bound straight from the alert (rowValues' order): an array of them per row was garbage
        // made for every alert stored.
        const details = dj.text(a.type, a.details);
        const final = a.final ? 1 : 0;
        // A record of an alert whose row this run wrote: the cheap update, unless the row is not as expected.
        if (
          update &&
          !q.fresh &&
          update.run(isoMs(a.last_seen), storedAt, a.message, a.src_port ?? null, a.dst_ip ?? null, a.dst_port ?? null, a.count, details, final, source, a.id, run, isoMs(a.timestamp), a.type, a.severity, sensor, a.src_ip ?? null, a.proto ?? null, a.community_id ?? null)
            .changes === 1
        )
          continue;
        if (own) {
          own.run(a.id, isoMs(a.timestamp), isoMs(a.last_seen), storedAt, a.type, a.severity, RANK[a.severity] ?? 0, a.message, a.src_ip ?? null, a.dst_ip ?? null, a.src_port ?? null, a.dst_port ?? null, a.proto ?? null, a.count, a.community_id ?? null, details, final);
        } else stmt.run(rowValues(run, source, sensor, a, storedAt));
      }
      for (const g of groups) ins.run(run, g.stormId, g.type, Math.floor(g.first), Math.floor(g.last), g.members.n, storedAt, g.members.bytes(), source);
    });
    try {
      tx(batch);
      // What was written leaves the queue (the transaction runs synchronously: nothing was queued meanwhile).
      for (const q of batch) this.pending.delete(q.alert.id, q.hash);
      this.written += batch.length;
      if (groups.length > 0) {
        this.foldedReady.splice(0, groups.length);
        let n = 0;
        for (const g of groups) {
          n += g.members.n;
          if (this.spareFolded.length < SPARE_FOLDED) {
            g.members.reset();
            this.spareFolded.push(g.members);
          }
        }
        this.foldedQueued -= n;
        this.foldedWritten += n;
      }
      this.batches++;
      if (this.lastReported) {
        this.opts.log(`history: ${this.file}: writing again (${batch.length} queued alerts stored)`);
        this.lastReported = '';
      }
      this.rearm();
      return true;
    } catch (e) {
      this.failures++;
      this.lastWriteError = e;
      const d = describeSqlite(e);
      if (d.fatal) {
        this.disable(d.reason, e);
        return false;
      }
      if (/^SQLITE_(FULL|IOERR)/.test(d.code)) {
        // A full disk may free up: the alerts wait (up to maxPending) and are retried; those still unwritten at exit are counted.
        this.outputs.fail(this.file, this.asNamed(d.reason, e), { after: `${this.pending.size} alerts wait in memory and are retried; any still unwritten at exit are counted` });
      } else this.report(`history: ${this.file}: ${d.reason}; ${this.pending.size} alerts queued, retrying`, d.reason);
      if (!this.timer && !this.closed) {
        this.timer = setTimeout(this.onTimer, Math.max(this.opts.flushMs, 1000));
      }
      return false;
    }
  }

  /** After a timed write: back at once for more that is due, else when the oldest queued alert is. */
  private rearm(): void {
    if (this.paced || this.timer || this.closed || (this.pending.size === 0 && this.foldedReady.length === 0)) return;
    let delay = 0;
    if (this.foldedReady.length === 0 && this.pending.size <= this.opts.maxPending / 2) {
      const at = this.pending.first()?.at ?? 0;
      delay = Math.max(0, Math.ceil(at + this.opts.flushMs - performance.now()));
    }
    this.timer = setTimeout(this.onTimer, delay);
  }

  /** Writes everything queued now (on exit, and before a query that must see the newest alerts). */
  async flush(): Promise<void> {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    while ((this.pending.size > 0 || this.foldedQueued > 0) && this.writePending(Infinity, true)) {
      // the whole queue in one transaction; loops only if alerts arrived meanwhile
    }
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    // Still queued (a locked database): the retry timer comes back for it.
    if ((this.pending.size > 0 || this.foldedQueued > 0) && this.enabled && !this.closed) {
      this.timer = setTimeout(this.onTimer, Math.max(this.opts.flushMs, 1000));
    }
  }

  /**
   * Stores records a console read from Redis, all in one transaction, synchronously: when this returns
   * they are on disk (WAL) and may be acknowledged. A record stored before (same stream and entry id: a
   * redelivery after a crash) changes nothing. Alerts are keyed by source = "redis:stream#sensor" and the
   * alert id, so an alert's final record (same id, its episode closed) updates the row its first record
   * made. Returns the records that were new; throws HistoryError.
   */
  storeRemote(records: readonly RemoteRecord[]): RemoteRecord[] {
    if (!this.enabled || !this.db || !this.upsert) throw new HistoryError(this.file, this.error ?? 'the history database is closed');
    const db = this.db;
    const upsert = this.upsert;
    const insertRec = db.prepare(
      'INSERT OR IGNORE INTO eve_records (stream, entry_id, sensor, event_type, ts, stored_at, record) VALUES (?, ?, ?, ?, ?, ?, ?)',
    );
    const storedAt = this.opts.now();
    let fresh: RemoteRecord[] = [];
    const tx = db.transaction((recs: readonly RemoteRecord[]) => {
      fresh = [];
      for (const r of recs) {
        if (insertRec.run(r.stream, r.entryId, r.sensor, r.eventType, Math.floor(r.ts), storedAt, r.line).changes === 0) continue;
        fresh.push(r);
        const a = r.alert;
        if (!a) continue;
        upsert.run(rowValues(`${r.stream}#${r.sensor}`, `redis:${r.stream}#${r.sensor}`, r.sensor, a, storedAt));
      }
    });
    try {
      tx(records);
    } catch (e) {
      throw new HistoryError(this.file, describeSqlite(e).reason);
    }
    this.written += fresh.length;
    return fresh;
  }

  /** Stored EVE records per sensor and event type (what a console took from Redis). */
  recordCounts(): Array<{ sensor: string; event_type: string; count: number }> {
    const db = this.reader();
    try {
      return db.prepare('SELECT sensor, event_type, COUNT(*) AS count FROM eve_records GROUP BY sensor, event_type ORDER BY sensor, event_type').all() as Array<{
        sensor: string;
        event_type: string;
        count: number;
      }>;
    } catch (e) {
      throw new HistoryError(this.file, describeSqlite(e).reason);
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    await this.flush();
    if (this.foldedDropped > 0) {
      this.opts.log(`history: ${this.file}: ${this.foldedDropped} folded alerts not stored (more than ${this.opts.maxPendingFolded} waited at once); their storm alerts count them`);
    }
    this.closed = true;
    // What never reached the file (the disk stayed full, the database stayed locked) is lost: named and counted.
    const unwritten = this.pending.size + this.dropped;
    if (unwritten > 0 && !this.opts.readonly && this.error === null) {
      // No write failed, nothing is left queued, yet alerts were dropped: the queue overflowed (alerts came
      // faster than the writes), which is not a lock and is not said as one.
      const overflow = this.lastWriteError === null && this.pending.size === 0;
      const e = this.lastWriteError ?? { message: 'alerts were still queued at exit', code: 'SQLITE_BUSY' };
      const why = overflow ? `its write queue overflowed (more than ${this.opts.maxPending} alerts waited at once; the oldest were dropped)` : this.asNamed(describeSqlite(e).reason, e);
      this.outputs.fail(this.file, why, { after: overflow ? 'those alerts are lost' : 'alerts queued for it are lost', lost: unwritten, unit: 'alert' });
      this.pending.clear();
    }
    this.release();
  }

  /** Deletes rows older than retention_days (by when they were stored) and beyond max_rows (oldest first). */
  applyRetention(): { byAge: number; byCount: number } {
    const out = { byAge: 0, byCount: 0 };
    if (!this.enabled || !this.db) return out;
    try {
      if (this.opts.retentionDays > 0) {
        const cutoff = this.opts.now() - this.opts.retentionDays * DAY_MS;
        out.byAge = this.db.prepare('DELETE FROM alerts WHERE stored_at < ?').run(cutoff).changes;
        this.db.prepare('DELETE FROM folded WHERE stored_at < ?').run(cutoff);
        this.db.prepare('DELETE FROM eve_records WHERE stored_at < ?').run(cutoff);
      }
      if (this.opts.maxRows > 0) {
        const edge = this.db.prepare('SELECT seq FROM alerts ORDER BY seq DESC LIMIT 1 OFFSET ?').get(this.opts.maxRows) as { seq: number } | undefined;
        if (edge) out.byCount = this.db.prepare('DELETE FROM alerts WHERE seq <= ?').run(edge.seq).changes;
        // Folded alerts go with their storm alert; this run's storms may not be written yet, so only older runs'.
        // The storm alert's row is looked up by (source, alert_id), the index every database has; rows of
        // folded alerts stored before folded rows held their source are only in databases that also have
        // the (run, alert_id) constraint, whose index finds theirs.
        if (out.byCount > 0) {
          this.db
            .prepare(
              'DELETE FROM folded WHERE run <> ? AND source IS NOT NULL AND NOT EXISTS (SELECT 1 FROM alerts a WHERE a.source = folded.source AND a.alert_id = folded.storm_id AND a.run = folded.run)',
            )
            .run(this.run);
          this.db
            .prepare('DELETE FROM folded WHERE run <> ? AND source IS NULL AND NOT EXISTS (SELECT 1 FROM alerts a WHERE a.run = folded.run AND a.alert_id = folded.storm_id)')
            .run(this.run);
        }
      }
    } catch (e) {
      const d = describeSqlite(e);
      if (d.fatal) this.disable(d.reason, e);
      else this.report(`history: ${this.file}: retention pass skipped: ${d.reason}`);
    }
    return out;
  }

  private reader(): Db {
    if (!this.db) throw new HistoryError(this.file, this.error ?? 'the history database is closed');
    return this.db;
  }

  /** Alerts matching q, newest first. Throws HistoryError when the database cannot be read. */
  query(q: HistoryQuery = {}): Alert[] {
    const db = this.reader();
    const { sql, params } = where(q);
    const limit = Math.max(1, Math.min(MAX_LIMIT, Math.floor(q.limit ?? DEFAULT_LIMIT)));
    try {
      const rows = db.prepare(`SELECT * FROM alerts ${sql} ORDER BY ts DESC, seq DESC LIMIT ?`).all(...params, limit) as Row[];
      return rows.map(rowToAlert);
    } catch (e) {
      throw new HistoryError(this.file, describeSqlite(e).reason);
    }
  }

  /** Counts of the alerts matching q (limit ignored) by type, source (top `top`) and UTC day. */
  summary(q: HistoryQuery = {}, top = 20): HistorySummary {
    const db = this.reader();
    const { sql, params } = where(q);
    const and = sql ? `${sql} AND` : 'WHERE';
    try {
      const total = (db.prepare(`SELECT COUNT(*) AS n FROM alerts ${sql}`).get(...params) as { n: number }).n;
      const byType = db.prepare(`SELECT type AS key, COUNT(*) AS count FROM alerts ${sql} GROUP BY type ORDER BY count DESC, key`).all(...params) as CountRow[];
      const bySource = db
        .prepare(`SELECT src_ip AS key, COUNT(*) AS count FROM alerts ${and} src_ip IS NOT NULL GROUP BY src_ip ORDER BY count DESC, key LIMIT ?`)
        .all(...params, top) as CountRow[];
      const byDay = db
        .prepare(`SELECT strftime('%Y-%m-%d', ts / 1000, 'unixepoch') AS key, COUNT(*) AS count FROM alerts ${sql} GROUP BY key ORDER BY key`)
        .all(...params) as CountRow[];
      return { total, byType, bySource, byDay };
    } catch (e) {
      throw new HistoryError(this.file, describeSqlite(e).reason);
    }
  }

  /** Rows stored (all runs). */
  count(): number {
    const db = this.reader();
    return (db.prepare('SELECT COUNT(*) AS n FROM alerts').get() as { n: number }).n;
  }
}

/** Severity names in order, for option checking. */
export const HISTORY_SEVERITIES = SEVERITIES;
