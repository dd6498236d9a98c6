// EVE records into Redis, as Suricata's `filetype: redis` writes them (docs.suricata.io, "Eve JSON Output"):
// mode list/lpush (LPUSH), rpush (RPUSH), channel/publish (PUBLISH) or stream/xadd (XADD ... * eve LINE),
// each record with the sensor's name as its `host` field, sent through ioredis off the packet path.
//
// Knobs (settings outputs.eve.redis): server, port, mode, key, stream_maxlen (XADD MAXLEN ~, 0: no trim),
// max_queue (records held in memory while Redis is away), spool_file and spool_max_mb (then on disk).
import { hostname } from 'node:os';
import { Redis } from 'ioredis';
import type { Settings } from '../../config/schema.js';
import { SpoolQueue, type SpoolQueueStats } from './spool-queue.js';

/** At exit, how long to wait for a connection that was never made before spooling what is left. */
const FIRST_CONNECT_WAIT_MS = 3000;

export type EveRedisSettings = Settings['outputs']['eve']['redis'];
export type RedisMode = EveRedisSettings['mode'];

/** Suricata's aliases: "list" is LPUSH, "channel" is PUBLISH, "stream" is XADD. */
export function redisCommandOf(mode: RedisMode): 'lpush' | 'rpush' | 'publish' | 'xadd' {
  switch (mode) {
    case 'list':
    case 'lpush':
      return 'lpush';
    case 'rpush':
      return 'rpush';
    case 'channel':
    case 'publish':
      return 'publish';
    case 'stream':
    case 'xadd':
      return 'xadd';
  }
}

/** The sensor name: settings sensor_name, else this machine's host name. */
export function sensorName(settings: Settings): string {
  return settings.sensor_name || hostname();
}

export interface EveRedisOptions {
  /** Problems and state changes, one line each (default stderr). */
  log?: (message: string) => void;
}

/** A finished-line transport for the EVE sink (see EveOptions.transport). */
export class EveRedisTransport {
  readonly client: Redis;
  readonly queue: SpoolQueue;
  private readonly command: ReturnType<typeof redisCommandOf>;
  private readonly where: string;
  private errorSaid = '';
  private closed = false;
  private everReady = false;

  constructor(
    private readonly cfg: EveRedisSettings,
    /** The sensor name, for EVE's `host` field (EveOptions.host). */
    readonly host: string,
    opts: EveRedisOptions = {},
  ) {
    const log = opts.log ?? ((m: string) => process.stderr.write(`netguard: ${m}\n`));
    this.where = `EVE to Redis ${cfg.server}:${cfg.port} ${cfg.mode} "${cfg.key}"`;
    this.command = redisCommandOf(cfg.mode);
    this.client = new Redis({
      host: cfg.server,
      port: cfg.port,
      // Commands fail at once while disconnected: the spool queue keeps them, in order, not ioredis.
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      retryStrategy: (times) => Math.min(100 * times, 1000),
      connectTimeout: 2000,
      // A send into a connection that died unnoticed fails after this, and its batch is kept for resending.
      commandTimeout: 5000,
    });
    this.client.on('error', (e: Error) => {
      // One line per distinct problem; reconnection goes on quietly.
      if (!this.closed && e.message !== this.errorSaid) {
        this.errorSaid = e.message;
        log(`${this.where}: ${e.message}`);
      }
    });
    this.client.on('ready', () => {
      this.everReady = true;
      this.errorSaid = '';
      this.queue.schedule();
    });
    this.queue = new SpoolQueue({
      maxQueue: cfg.max_queue,
      spoolFile: cfg.spool_file,
      spoolMaxBytes: Math.floor(cfg.spool_max_mb * 1024 * 1024),
      send: (lines) => this.send(lines),
      isUp: () => this.client.status === 'ready',
      connecting: () => !this.everReady && (this.client.status === 'connecting' || this.client.status === 'wait' || this.client.status === 'connect'),
      log: (m) => log(`${this.where}: ${m}`),
    });
  }

  /** Queues one finished EVE line (the sink added `host`); never waits. */
  push(line: string): void {
    if (this.closed) return;
    this.queue.push(line);
  }

  /** One MULTI/EXEC per batch: Redis applies all of it or none, so a failed batch is resent whole. */
  private async send(lines: string[]): Promise<void> {
    const m = this.client.multi();
    const key = this.cfg.key;
    if (this.command === 'lpush') m.lpush(key, ...lines);
    else if (this.command === 'rpush') m.rpush(key, ...lines);
    else if (this.command === 'publish') for (const l of lines) m.publish(key, l);
    else if (this.cfg.stream_maxlen > 0) for (const l of lines) m.xadd(key, 'MAXLEN', '~', this.cfg.stream_maxlen, '*', 'eve', l);
    else for (const l of lines) m.xadd(key, '*', 'eve', l);
    const res = await m.exec();
    if (!res) throw new Error('transaction aborted');
    for (const [err] of res) if (err) throw err;
  }

  /** Sends what is queued (up to `timeoutMs`); what cannot go is spooled for the next run. */
  async flush(timeoutMs = 5000): Promise<SpoolQueueStats> {
    const deadline = Date.now() + timeoutMs;
    // A short run (a small capture file) may end before the first connection is made: wait for it a while.
    const st = this.client.status;
    if (st === 'connecting' || st === 'connect' || st === 'reconnecting' || st === 'wait') {
      await new Promise<void>((resolve) => {
        const t = setTimeout(done, Math.min(timeoutMs, FIRST_CONNECT_WAIT_MS));
        function done(): void {
          clearTimeout(t);
          resolve();
        }
        this.client.once('ready', done);
      });
    }
    return this.queue.drain(deadline);
  }

  /** Flushes, says what was sent, spooled for the next run and dropped, and closes the connection. */
  async close(log: (m: string) => void = (m) => process.stderr.write(`netguard: ${m}\n`)): Promise<SpoolQueueStats> {
    const st = await this.flush();
    this.closed = true;
    const parts = [`${st.sent} records sent`];
    if (st.spoolBytes > 0) parts.push(`${st.spoolBytes} bytes left in ${this.cfg.spool_file} for the next run`);
    parts.push(
      st.dropped > 0
        ? `${st.dropped} dropped (the memory queue of ${this.cfg.max_queue} records and the spool of ${this.cfg.spool_max_mb} MB were full)`
        : '0 dropped',
    );
    log(`${this.where}: ${parts.join(', ')}`);
    this.client.disconnect();
    return st;
  }
}

/** The Redis transport when outputs.eve.filetype is redis, else null. */
export function createEveRedis(settings: Settings, opts: EveRedisOptions = {}): EveRedisTransport | null {
  if (settings.outputs.eve.filetype !== 'redis') return null;
  return new EveRedisTransport(settings.outputs.eve.redis, sensorName(settings), opts);
}
