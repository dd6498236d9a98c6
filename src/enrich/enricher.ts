// The enrichment sink: looks up the public source address of each alert with VirusTotal (API v3)
// off the packet path and writes every alert, enriched or with the reason it is not, to
// alerts_enriched.jsonl (PyNetGuard's file).
//
// Shape: onAlert only files the alert under its address and returns (a few Map operations); a
// worker, woken by setImmediate and timers, spends rate-limit tokens on queued addresses. One
// lookup per address: concurrent alerts from one source wait on the same request, later ones hit
// the cache (persisted with a TTL). 429 pauses every lookup (Retry-After), 401/403 turn the
// feature off with one clear message, timeouts/network/5xx retry with doubling backoff. No alert
// is dropped: after the last retry, on a full queue, or at shutdown it is written with
// enrichment {status: "unavailable", reason}. The API key is only ever put in the request header.
import { appendFile } from 'node:fs/promises';
import type { Alert, AlertSink } from '../alert/types.js';
import type { Settings } from '../config/schema.js';
import { TtlCache } from './cache.js';
import { readApiKey } from './dotenv.js';
import { nonPublicReason } from './ip-scope.js';
import { RateLimiter, TokenBucket } from './rate-limit.js';
import { fetchIpReport, type VtOutcome, type VtReport, type VtStats } from './virustotal.js';

export type EnrichmentSettings = Settings['enrichment'];

/** The `enrichment` object added to each alert in alerts_enriched.jsonl. */
export type Enrichment =
  | ({ status: 'ok'; source: 'virustotal'; ip: string; cached: boolean; looked_up_at: string } & VtReport)
  | { status: 'not_found'; source: 'virustotal'; ip: string; cached: boolean; reason: string }
  | { status: 'skipped'; reason: string }
  | { status: 'unavailable'; reason: string };

export interface EnricherOptions {
  /** HTTP client (tests may inject one); default the global fetch. */
  fetch?: typeof fetch;
  /** Clock for rate limits, cache TTL and backoff, ms since epoch; default Date.now. */
  now?: () => number;
  /** Called when an address's malicious count reaches malicious_threshold; `points` is reputation_points. */
  onVerdict?: (ip: string, stats: VtStats, points: number) => void;
  /** Where VT_API_KEY is looked for first; default process.env. */
  env?: NodeJS.ProcessEnv;
  /** One-line status messages (never contain the key); default stderr. */
  log?: (message: string) => void;
  /** Lookups running at once (default 2). */
  concurrency?: number;
}

type CacheValue = { found: true; report: VtReport } | { found: false; reason: string };

interface Waiting {
  alerts: Alert[];
  attempts: number;
  notBefore: number;
  lastError: string;
}

/** Counters for tests, the dashboard and the summary line. */
export interface EnricherStats {
  active: boolean;
  /** Why enrichment is off, when it is. */
  offReason: string | null;
  requests: number;
  cacheHits: number;
  written: number;
  /** Alerts waiting for a lookup. */
  pending: number;
  inFlight: number;
  /** ms since epoch until which 429 pauses lookups (0 when not paused). */
  pausedUntil: number;
}

const DAY_MS = 86_400_000;
const MAX_BACKOFF_MS = 3_600_000;

export class Enricher implements AlertSink {
  readonly name = 'enrichment';
  private readonly s: EnrichmentSettings;
  private readonly fetchFn: typeof fetch;
  private readonly now: () => number;
  private readonly log: (m: string) => void;
  private readonly onVerdict?: (ip: string, stats: VtStats, points: number) => void;
  private readonly concurrency: number;
  private readonly key: string | null;
  private readonly cache: TtlCache<CacheValue>;
  private readonly limiter: RateLimiter;
  private readonly dayBucket: TokenBucket;

  private active: boolean;
  private offReason: string | null = null;
  private readonly waiting = new Map<string, Waiting>();
  /** Addresses waiting for their turn, oldest first (an address is here or in flight, never both). */
  private queue: string[] = [];
  private readonly inFlight = new Set<string>();
  private readonly abort = new AbortController();
  private pendingAlerts = 0;
  private pausedUntil = 0;
  private consecutive429 = 0;
  private timer: NodeJS.Timeout | null = null;
  private wakeAt = Infinity;
  private immediate = false;
  private closed = false;
  private lines: string[] = [];
  private writing: Promise<void> | null = null;
  private writeTimer: NodeJS.Timeout | null = null;
  private saveTimer: NodeJS.Timeout | null = null;
  private idleWaiters: Array<() => void> = [];
  private counters = { requests: 0, cacheHits: 0, written: 0 };

  constructor(settings: EnrichmentSettings, opts: EnricherOptions = {}) {
    this.s = settings;
    this.fetchFn = opts.fetch ?? globalThis.fetch;
    this.now = opts.now ?? Date.now;
    this.log = opts.log ?? ((m: string) => process.stderr.write(`netguard: ${m}\n`));
    this.onVerdict = opts.onVerdict;
    this.concurrency = Math.max(1, opts.concurrency ?? 2);
    const t0 = this.now();

    this.cache = new TtlCache<CacheValue>(settings.cache_file, settings.cache_ttl * 1000, settings.cache_max_entries);
    this.cache.load(t0);
    if (this.cache.loadError) this.log(this.cache.loadError);

    // The daily quota survives restarts (kept with the cache); the minute quota starts full.
    const savedDay = this.cache.state.day as { tokens?: unknown; at?: unknown } | undefined;
    const dayTokens = typeof savedDay?.tokens === 'number' && typeof savedDay.at === 'number' ? savedDay : null;
    this.dayBucket = new TokenBucket(settings.requests_per_day, DAY_MS, dayTokens ? (dayTokens.at as number) : t0, dayTokens ? (dayTokens.tokens as number) : settings.requests_per_day);
    this.limiter = new RateLimiter([new TokenBucket(settings.requests_per_minute, 60_000, t0), this.dayBucket]);

    const { key, source } = settings.enabled ? readApiKey('VT_API_KEY', settings.env_file, opts.env ?? process.env) : { key: null, source: 'none' as const };
    this.key = key;
    this.active = settings.enabled && key !== null;
    if (!settings.enabled) {
      this.offReason = 'enrichment disabled in settings';
    } else if (!key) {
      this.offReason = 'no VT_API_KEY';
      this.log(`VirusTotal enrichment is off: no VT_API_KEY in the environment${settings.env_file ? ` or ${settings.env_file}` : ''}`);
    } else {
      this.log(`VirusTotal enrichment on (key from ${source === 'environment' ? 'the environment' : settings.env_file}; ${settings.requests_per_minute}/min, ${settings.requests_per_day}/day)`);
    }
  }

  /** Files the alert for enrichment. Does no I/O and never waits. */
  onAlert(alert: Alert): void {
    if (this.closed || !this.s.enabled) return;
    const copy: Alert = { ...alert };
    if (!this.active) {
      this.emit(copy, { status: 'unavailable', reason: this.offReason ?? 'enrichment off' });
      return;
    }
    const ip = alert.src_ip;
    if (!ip) {
      this.emit(copy, { status: 'skipped', reason: 'no source address' });
      return;
    }
    const why = nonPublicReason(ip);
    if (why !== null) {
      this.emit(copy, { status: 'skipped', reason: `not a public address: ${why}` });
      return;
    }
    const hit = this.cache.get(ip, this.now());
    if (hit) {
      this.counters.cacheHits++;
      this.emit(copy, this.fromCache(ip, hit.value, hit.t, true));
      return;
    }
    const w = this.waiting.get(ip);
    if (w) {
      // Coalesce: the lookup already queued or running answers this alert too.
      w.alerts.push(copy);
      this.pendingAlerts++;
      return;
    }
    if (this.pendingAlerts >= this.s.max_pending) {
      this.emit(copy, { status: 'unavailable', reason: 'lookup queue full' });
      return;
    }
    this.waiting.set(ip, { alerts: [copy], attempts: 0, notBefore: 0, lastError: '' });
    this.queue.push(ip);
    this.pendingAlerts++;
    this.wakeSoon();
  }

  /** Runs the worker now (the engine's timer may call it; tests call it after moving the clock). */
  tick(): void {
    this.pump();
  }

  stats(): EnricherStats {
    return {
      active: this.active,
      offReason: this.offReason,
      requests: this.counters.requests,
      cacheHits: this.counters.cacheHits,
      written: this.counters.written,
      pending: this.pendingAlerts,
      inFlight: this.inFlight.size,
      pausedUntil: this.pausedUntil > this.now() ? this.pausedUntil : 0,
    };
  }

  /** Resolves when no lookup is running (queued ones may still wait for tokens or backoff). */
  whenIdle(): Promise<void> {
    if (this.inFlight.size === 0 && !this.immediate) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Writes queued lines and saves the cache. */
  async flush(): Promise<void> {
    await this.writeLines();
    await this.cache.save();
  }

  /** Stops lookups; every alert still waiting is written as unavailable; files are flushed. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    if (this.saveTimer) clearTimeout(this.saveTimer);
    this.abort.abort();
    for (const [ip, w] of this.waiting) this.giveUp(ip, w, `shutdown before the lookup finished${w.lastError ? ` (last error: ${w.lastError})` : ''}`);
    this.waiting.clear();
    this.queue = [];
    this.saveDayBucket();
    await this.flush();
    if (this.writeTimer) clearTimeout(this.writeTimer);
  }

  // ---- worker ----

  private wakeSoon(): void {
    if (this.immediate || this.closed) return;
    this.immediate = true;
    setImmediate(() => {
      this.immediate = false;
      this.pump();
    });
  }

  private wakeAtTime(at: number, now: number): void {
    if (at >= this.wakeAt && this.timer) return;
    if (this.timer) clearTimeout(this.timer);
    this.wakeAt = at;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.wakeAt = Infinity;
      this.pump();
    }, Math.min(MAX_BACKOFF_MS, Math.max(1, at - now)));
    this.timer.unref();
  }

  private pump(): void {
    if (this.closed || !this.active) {
      this.notifyIdle();
      return;
    }
    const now = this.now();
    let next = Infinity;
    while (this.inFlight.size < this.concurrency && this.queue.length > 0) {
      if (now < this.pausedUntil) {
        next = this.pausedUntil;
        break;
      }
      let idx = -1;
      let soonest = Infinity;
      for (let i = 0; i < this.queue.length; i++) {
        const nb = this.waiting.get(this.queue[i])?.notBefore ?? 0;
        if (nb <= now) {
          idx = i;
          break;
        }
        soonest = Math.min(soonest, nb);
      }
      if (idx < 0) {
        next = soonest;
        break;
      }
      const wait = this.limiter.waitMs(now);
      if (wait > 0) {
        next = now + wait;
        break;
      }
      this.limiter.take(now);
      const ip = this.queue[idx];
      this.queue.splice(idx, 1);
      this.start(ip);
    }
    if (next < Infinity) this.wakeAtTime(next, now);
    this.notifyIdle();
  }

  private start(ip: string): void {
    this.inFlight.add(ip);
    this.counters.requests++;
    this.saveDayBucket();
    const key = this.key as string;
    void fetchIpReport(this.fetchFn, this.s.api_url, key, ip, this.s.timeout * 1000, this.now, this.abort.signal)
      .then((outcome) => this.settle(ip, outcome))
      .catch((e: unknown) => this.settle(ip, { kind: 'transient', reason: `internal error (${(e as Error).message})` }))
      .finally(() => {
        this.inFlight.delete(ip);
        if (!this.closed) this.wakeSoon();
        this.notifyIdle();
      });
  }

  private settle(ip: string, outcome: VtOutcome): void {
    const w = this.waiting.get(ip);
    if (!w || this.closed) return;
    const now = this.now();
    switch (outcome.kind) {
      case 'ok': {
        this.consecutive429 = 0;
        this.cache.set(ip, { found: true, report: outcome.report }, now);
        this.saveSoon();
        this.resolve(ip, w, this.fromCache(ip, { found: true, report: outcome.report }, now, false));
        const r = outcome.report;
        if (this.onVerdict && r.malicious >= this.s.malicious_threshold) {
          try {
            this.onVerdict(ip, { malicious: r.malicious, suspicious: r.suspicious, harmless: r.harmless, undetected: r.undetected }, this.s.reputation_points);
          } catch (e) {
            this.log(`reputation update for ${ip} failed: ${(e as Error).message}`);
          }
        }
        return;
      }
      case 'not_found':
        this.consecutive429 = 0;
        this.cache.set(ip, { found: false, reason: outcome.reason }, now);
        this.saveSoon();
        this.resolve(ip, w, this.fromCache(ip, { found: false, reason: outcome.reason }, now, false));
        return;
      case 'rate_limited': {
        // Pause every lookup: the quota is per key, not per address. Without Retry-After, wait a
        // minute, doubling while 429s continue.
        const backoff = outcome.retryAfterMs ?? Math.min(MAX_BACKOFF_MS, 60_000 * 2 ** this.consecutive429);
        if (this.consecutive429 === 0) this.log(`VirusTotal answered ${outcome.reason}: pausing lookups for ${Math.ceil(backoff / 1000)} s`);
        this.consecutive429++;
        this.pausedUntil = Math.max(this.pausedUntil, now + backoff);
        w.lastError = outcome.reason;
        this.queue.unshift(ip);
        return;
      }
      case 'auth': {
        this.active = false;
        this.offReason = `VirusTotal rejected the API key (${outcome.reason})`;
        this.log(`${this.offReason}: enrichment disabled; check VT_API_KEY`);
        for (const [other, ow] of this.waiting) this.giveUp(other, ow, this.offReason);
        this.waiting.clear();
        this.queue = [];
        return;
      }
      case 'transient': {
        w.attempts++;
        w.lastError = outcome.reason;
        if (w.attempts > this.s.max_retries) {
          this.waiting.delete(ip);
          this.giveUp(ip, w, `${outcome.reason}; gave up after ${w.attempts} attempts`);
          return;
        }
        w.notBefore = now + Math.min(MAX_BACKOFF_MS, this.s.retry_backoff * 1000 * 2 ** (w.attempts - 1));
        this.queue.push(ip);
        return;
      }
      case 'fatal':
        this.waiting.delete(ip);
        this.giveUp(ip, w, outcome.reason);
        return;
    }
  }

  private resolve(ip: string, w: Waiting, e: Enrichment): void {
    this.waiting.delete(ip);
    for (const a of w.alerts) this.emit(a, e);
    this.pendingAlerts -= w.alerts.length;
  }

  private giveUp(_ip: string, w: Waiting, reason: string): void {
    for (const a of w.alerts) this.emit(a, { status: 'unavailable', reason });
    this.pendingAlerts -= w.alerts.length;
    w.alerts = [];
  }

  private fromCache(ip: string, v: CacheValue, t: number, cached: boolean): Enrichment {
    if (!v.found) return { status: 'not_found', source: 'virustotal', ip, cached, reason: v.reason };
    return { status: 'ok', source: 'virustotal', ip, cached, looked_up_at: new Date(t).toISOString(), ...v.report };
  }

  private notifyIdle(): void {
    if (this.inFlight.size > 0 || this.immediate) return;
    const ws = this.idleWaiters;
    this.idleWaiters = [];
    for (const f of ws) f();
  }

  // ---- output ----

  private emit(alert: Alert, enrichment: Enrichment): void {
    this.counters.written++;
    if (!this.s.output_file) return;
    this.lines.push(JSON.stringify({ ...alert, enrichment }));
    if (!this.writeTimer && !this.closed) {
      this.writeTimer = setTimeout(() => {
        this.writeTimer = null;
        void this.writeLines();
      }, 200);
      this.writeTimer.unref();
    }
  }

  private async writeLines(): Promise<void> {
    while (this.writing) await this.writing;
    if (this.lines.length === 0 || !this.s.output_file) return;
    const chunk = this.lines.join('\n') + '\n';
    this.lines = [];
    this.writing = appendFile(this.s.output_file, chunk)
      .catch((e: unknown) => this.log(`cannot write ${this.s.output_file}: ${(e as Error).message}`))
      .finally(() => {
        this.writing = null;
      });
    await this.writing;
  }

  private saveDayBucket(): void {
    this.cache.state.day = this.dayBucket.save();
    this.cache.markDirty();
  }

  private saveSoon(): void {
    if (this.saveTimer || this.closed) return;
    this.saveTimer = setTimeout(() => {
      this.saveTimer = null;
      this.cache.save().catch((e: unknown) => this.log(`cannot save ${this.s.cache_file}: ${(e as Error).message}`));
    }, 1000);
    this.saveTimer.unref();
  }
}

/** Builds the enrichment sink from the whole settings document (for the sink registry). */
export function createEnricher(settings: Settings, opts: EnricherOptions = {}): Enricher {
  return new Enricher(settings.enrichment, opts);
}
