// Token buckets for the lookup service's quotas (VirusTotal's public API: 4 requests a minute, 500
// a day). Time comes from the caller, so tests can run a day of quota in a millisecond.

/** One bucket: `capacity` tokens, refilled continuously at capacity per `periodMs`. */
export class TokenBucket {
  private tokens: number;
  private at: number;

  constructor(
    readonly capacity: number,
    readonly periodMs: number,
    now: number,
    initial = capacity,
  ) {
    this.tokens = Math.min(capacity, Math.max(0, initial));
    this.at = now;
  }

  private refill(now: number): void {
    if (now > this.at) {
      this.tokens = Math.min(this.capacity, this.tokens + ((now - this.at) * this.capacity) / this.periodMs);
      this.at = now;
    }
  }

  /** Tokens available now (fractional). */
  available(now: number): number {
    this.refill(now);
    return this.tokens;
  }

  /** Milliseconds until one whole token is available (0 when one is). */
  waitMs(now: number): number {
    this.refill(now);
    if (this.tokens >= 1) return 0;
    return Math.ceil(((1 - this.tokens) * this.periodMs) / this.capacity);
  }

  /** Takes one token if there is one. */
  take(now: number): boolean {
    this.refill(now);
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }

  /** State to persist (so a restart does not hand out a fresh daily quota). */
  save(): { tokens: number; at: number } {
    return { tokens: this.tokens, at: this.at };
  }
}

/** Several buckets that must all allow a request (per minute and per day). */
export class RateLimiter {
  constructor(readonly buckets: TokenBucket[]) {}

  /** Milliseconds until every bucket has a token. */
  waitMs(now: number): number {
    let w = 0;
    for (const b of this.buckets) w = Math.max(w, b.waitMs(now));
    return w;
  }

  /** Takes a token from every bucket, or none when any is empty. */
  take(now: number): boolean {
    if (this.waitMs(now) > 0) return false;
    for (const b of this.buckets) b.take(now);
    return true;
  }
}
