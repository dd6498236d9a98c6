// Reads EVE records from a Redis stream with a consumer group (XREADGROUP), stores each batch in the
// SQLite history in one transaction, and acknowledges (XACK) only after that: a console killed at any
// point gets the unacknowledged entries again on restart, and the history's (stream, entry id) key makes
// storing them again a no-op. Several consoles in one group share the stream; entries a dead consumer
// held are claimed (XAUTOCLAIM) after `claimIdleMs`.
//
// Knobs: batch (entries per read and per transaction), blockMs (how long one read waits), claimIdleMs.
import { Redis } from 'ioredis';
import type { Alert } from '../alert/types.js';
import type { AlertHistory, RemoteRecord } from '../history/index.js';
import { entryToRecord } from './eve-record.js';

export interface RedisSource {
  host: string;
  port: number;
  key: string;
  password?: string;
  username?: string;
}

/** Parses redis://[user:password@]HOST[:PORT]/KEY (the path is the stream key; default "netguard"). */
export function parseRedisUrl(url: string): RedisSource {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new Error(`--redis takes redis://HOST:PORT/KEY (got "${url}")`);
  }
  if (u.protocol !== 'redis:') throw new Error(`--redis takes redis://HOST:PORT/KEY (got "${url}": scheme ${u.protocol} is not redis:)`);
  if (!u.hostname) throw new Error(`--redis: no host in "${url}"`);
  const port = u.port ? Number(u.port) : 6379;
  const key = decodeURIComponent(u.pathname.replace(/^\//, '')) || 'netguard';
  const src: RedisSource = { host: u.hostname.replace(/^\[|\]$/g, ''), port, key };
  if (u.password) src.password = decodeURIComponent(u.password);
  if (u.username) src.username = decodeURIComponent(u.username);
  return src;
}

export interface ReaderOptions {
  group: string;
  consumer: string;
  /** Entries per read (and per transaction); default 1000. */
  batch?: number;
  /** Milliseconds one blocking read waits; default 1000 (also how soon stop() takes effect). */
  blockMs?: number;
  /** Entries another consumer held this long unacknowledged are taken over; default 60000. */
  claimIdleMs?: number;
  /** The sensor name for records with no `host` field. */
  unknownSensor?: string;
  log?: (message: string) => void;
  /** Alerts just stored (for the web page's live feed). */
  onAlerts?: (alerts: Alert[]) => void;
}

export interface ReaderStats {
  /** Entries read and stored as new, entries that were already stored (redeliveries), alerts among the new. */
  stored: number;
  duplicates: number;
  alerts: number;
  acked: number;
}

type Entry = [id: string, fields: string[]];
type StreamReply = Array<[key: string, entries: Entry[]]> | null;

export class StreamReader {
  readonly client: Redis;
  readonly stats: ReaderStats = { stored: 0, duplicates: 0, alerts: 0, acked: 0 };
  private stopping = false;
  private done: Promise<void> | null = null;
  private readonly batch: number;
  private readonly blockMs: number;
  private readonly log: (m: string) => void;
  private errorSaid = '';

  constructor(
    readonly source: RedisSource,
    private readonly history: AlertHistory,
    private readonly opts: ReaderOptions,
  ) {
    this.batch = opts.batch ?? 1000;
    this.blockMs = opts.blockMs ?? 1000;
    this.log = opts.log ?? ((m) => process.stderr.write(`netguard console: ${m}\n`));
    this.client = new Redis({
      host: source.host,
      port: source.port,
      password: source.password,
      username: source.username,
      maxRetriesPerRequest: null,
      retryStrategy: (times) => Math.min(200 * times, 2000),
      lazyConnect: true,
    });
    this.client.on('error', (e: Error) => this.sayOnce(e.message, `redis ${source.host}:${source.port}`));
    this.client.on('ready', () => {
      if (this.errorSaid) this.log(`redis ${source.host}:${source.port}: connected again`);
      this.errorSaid = '';
    });
  }

  /**
   * Connects and makes the group (from the start of the stream) when it does not exist. A Redis that is
   * down or goes away meanwhile is waited for, as in reading: a console started (or restarted after a
   * crash) during a Redis restart must not give up. Returns early when stop() is called.
   */
  async open(): Promise<void> {
    while (!this.stopping) {
      try {
        // After a failed first connect ioredis keeps reconnecting by itself; connect() again only when idle.
        if (this.client.status === 'wait' || this.client.status === 'end') await this.client.connect();
        await this.client.xgroup('CREATE', this.source.key, this.opts.group, '0', 'MKSTREAM');
        return;
      } catch (e) {
        const msg = String((e as Error).message);
        if (msg.startsWith('BUSYGROUP')) return;
        if (this.stopping) return;
        this.sayOnce(msg, `redis ${this.source.host}:${this.source.port}`);
        await new Promise((r) => setTimeout(r, 500));
      }
    }
  }

  /** Says a Redis error once, however often it repeats while retrying ("connected again" clears it). */
  private sayOnce(message: string, where: string): void {
    if (message === this.errorSaid) return;
    this.errorSaid = message;
    this.log(`${where}: ${message} (retrying)`);
  }

  /** Runs until stop(): own pending entries first (a restart after a crash), then claimed ones, then new. */
  run(): Promise<void> {
    this.done ??= this.loop();
    return this.done;
  }

  private async loop(): Promise<void> {
    const { key } = this.source;
    const { group, consumer } = this.opts;
    // First the entries delivered to this consumer before it stopped and not acknowledged (a restart after
    // a crash), then new ones. Every Redis error, in either phase, is retried: Redis may restart any time.
    let ownPendingDone = false;
    let lastClaim = 0;
    const claimIdle = this.opts.claimIdleMs ?? 60_000;
    while (!this.stopping) {
      try {
        if (!ownPendingDone) {
          const r = (await this.client.xreadgroup('GROUP', group, consumer, 'COUNT', this.batch, 'STREAMS', key, '0')) as StreamReply;
          const entries = r?.[0]?.[1] ?? [];
          if (entries.length === 0) ownPendingDone = true;
          else await this.handle(entries);
          continue;
        }
        if (Date.now() - lastClaim >= Math.min(claimIdle, 10_000)) {
          lastClaim = Date.now();
          await this.claim(claimIdle);
        }
        const r = (await this.client.xreadgroup('GROUP', group, consumer, 'COUNT', this.batch, 'BLOCK', this.blockMs, 'STREAMS', key, '>')) as StreamReply;
        const entries = r?.[0]?.[1] ?? [];
        if (entries.length > 0) await this.handle(entries);
      } catch (e) {
        if (this.stopping) return;
        if (e instanceof HistoryStoreError) throw e.inner;
        const msg = (e as Error).message;
        if (msg.startsWith('NOGROUP')) {
          // The stream or group was deleted (FLUSHALL, a Redis restart without persistence): make it again.
          await this.client.xgroup('CREATE', key, group, '0', 'MKSTREAM').catch(() => undefined);
        } else this.sayOnce(msg, `reading ${key}`);
        // Entries handed out but not acknowledged when the error came are this consumer's pending ones.
        ownPendingDone = false;
        await new Promise((r) => setTimeout(r, 500));
      }
    }
  }

  /** Takes over entries other consumers of the group held longer than `idleMs` (a console that died). */
  private async claim(idleMs: number): Promise<void> {
    let cursor = '0-0';
    for (let i = 0; i < 100; i++) {
      const r = (await this.client.xautoclaim(this.source.key, this.opts.group, this.opts.consumer, idleMs, cursor, 'COUNT', this.batch)) as [string, Entry[], ...unknown[]];
      const entries = (r[1] ?? []).filter((e): e is Entry => Array.isArray(e) && Array.isArray(e[1]));
      if (entries.length) await this.handle(entries);
      cursor = r[0];
      if (cursor === '0-0') return;
    }
  }

  /** Stores a batch in one transaction, then acknowledges it. */
  private async handle(entries: Entry[]): Promise<void> {
    const records: RemoteRecord[] = [];
    const ids: string[] = [];
    for (const [id, fields] of entries) {
      ids.push(id);
      if (!Array.isArray(fields) || fields.length < 2) continue;
      const at = fields.indexOf('eve');
      const line = at >= 0 && at % 2 === 0 ? fields[at + 1] : fields[1];
      records.push(entryToRecord(this.source.key, id, line, this.opts.unknownSensor ?? 'unknown'));
    }
    let fresh: RemoteRecord[];
    try {
      fresh = this.history.storeRemote(records);
    } catch (e) {
      // Not acknowledged: the entries stay pending and come back after a restart.
      throw new HistoryStoreError(e as Error);
    }
    this.stats.stored += fresh.length;
    this.stats.duplicates += records.length - fresh.length;
    // Only alerts stored now go to the live page: a redelivered one was shown before the restart.
    const alerts = fresh.flatMap((r) => (r.alert ? [r.alert] : []));
    this.stats.alerts += alerts.length;
    await this.client.xack(this.source.key, this.opts.group, ...ids);
    this.stats.acked += ids.length;
    if (alerts.length) this.opts.onAlerts?.(alerts);
  }

  /** Ends the loop after the batch in hand is stored and acknowledged, and closes the connection. */
  async stop(): Promise<void> {
    this.stopping = true;
    // A blocking read returns within blockMs; disconnecting instead would lose its reply, not the entries.
    await this.done?.catch(() => undefined);
    this.client.disconnect();
  }
}

/** The history could not store a batch: reading stops (nothing acknowledged) and the console exits non-zero. */
class HistoryStoreError extends Error {
  constructor(readonly inner: Error) {
    super(inner.message);
  }
}
