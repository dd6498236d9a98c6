// The lookup cache: one entry per address with a time-to-live, bounded in size, saved to disk
// atomically (write a temporary file, then rename it over the old one) so a crash never leaves a
// half-written cache, and loaded again at start so a restart does not spend quota again.
import { readFileSync } from 'node:fs';
import { rename, writeFile } from 'node:fs/promises';

export interface CacheEntry<T> {
  /** ms since epoch when looked up. */
  t: number;
  value: T;
}

interface CacheFile<T> {
  version: 1;
  entries: Record<string, CacheEntry<T>>;
  /** Free-form state kept with the cache (the daily quota bucket). */
  state?: Record<string, unknown>;
}

export class TtlCache<T> {
  /** Insertion-ordered, so the first key is the oldest (evicted first). */
  private readonly map = new Map<string, CacheEntry<T>>();
  state: Record<string, unknown> = {};
  private dirty = false;
  private saving: Promise<void> | null = null;
  private saveAgain = false;
  /** Why the file could not be read, if it existed but was bad (shown once by the owner). */
  loadError: string | null = null;

  constructor(
    readonly file: string,
    readonly ttlMs: number,
    readonly maxEntries: number,
  ) {}

  /** Reads the file if there is one. A missing file is an empty cache; a bad file is reported. */
  load(now: number): void {
    if (!this.file) return;
    let text: string;
    try {
      text = readFileSync(this.file, 'utf8');
    } catch {
      return;
    }
    try {
      const doc = JSON.parse(text) as CacheFile<T>;
      if (doc.version !== 1 || typeof doc.entries !== 'object' || doc.entries === null) throw new Error('unknown format');
      const sorted = Object.entries(doc.entries)
        .filter(([, e]) => typeof e?.t === 'number' && now - e.t < this.ttlMs)
        .sort((a, b) => a[1].t - b[1].t);
      for (const [k, e] of sorted.slice(-this.maxEntries)) this.map.set(k, e);
      this.state = doc.state ?? {};
    } catch (e) {
      this.loadError = `${this.file}: not a NetGuard lookup cache (${(e as Error).message}); starting empty`;
    }
  }

  get size(): number {
    return this.map.size;
  }

  /** A fresh entry, or undefined (an expired one is dropped). */
  get(key: string, now: number): CacheEntry<T> | undefined {
    const e = this.map.get(key);
    if (!e) return undefined;
    if (now - e.t >= this.ttlMs) {
      this.map.delete(key);
      this.dirty = true;
      return undefined;
    }
    return e;
  }

  set(key: string, value: T, now: number): void {
    this.map.delete(key);
    this.map.set(key, { t: now, value });
    while (this.map.size > this.maxEntries) {
      const oldest = this.map.keys().next().value as string;
      this.map.delete(oldest);
    }
    this.dirty = true;
  }

  markDirty(): void {
    this.dirty = true;
  }

  /** Writes the cache if it changed: temp file + rename. Concurrent calls coalesce. */
  async save(): Promise<void> {
    if (!this.file) return;
    if (this.saving) {
      this.saveAgain = true;
      return this.saving;
    }
    if (!this.dirty) return;
    this.saving = (async () => {
      do {
        this.saveAgain = false;
        this.dirty = false;
        const doc: CacheFile<T> = { version: 1, entries: Object.fromEntries(this.map), state: this.state };
        const tmp = `${this.file}.${process.pid}.tmp`;
        await writeFile(tmp, JSON.stringify(doc), { mode: 0o600 });
        await rename(tmp, this.file);
      } while (this.saveAgain || this.dirty);
    })().finally(() => {
      this.saving = null;
    });
    return this.saving;
  }
}
