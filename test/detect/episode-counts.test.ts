// EpisodeCounts.event() (one call for an episode's first event and its repeats) against start() and repeat().
import { describe, expect, it } from 'vitest';
import { AddrTable, EpisodeCounts } from '../../src/detect/state/index.js';
import { rng } from '../helpers/seeded-random.js';

describe('EpisodeCounts.event', () => {
  it('leaves the same counts and times, and reports the same events, as start() then repeat()', () => {
    const r = rng(7);
    const a = new EpisodeCounts(new AddrTable(8), 1000, 5000);
    const b = new EpisodeCounts(new AddrTable(8), 1000, 5000);
    // A packet-time clock and one near 0 (lastRaise starts at 0: the first repeats are not yet due there).
    for (const start of [1_700_000_000_000, 0]) {
      let now = start;
      for (let i = 0; i < 5000; i++) {
        now += r() < 0.05 ? 6000 : Math.floor(r() * 300);
        const s = Math.floor(r() * 8);
        const fresh = a.isFresh(s, now) || r() < 0.02;
        let want: boolean;
        if (fresh) {
          b.start(s, now);
          want = true;
        } else want = b.repeat(s, now);
        expect(a.event(s, now, fresh)).toBe(want);
        if (want) {
          a.reportedAt(s, now);
          b.reportedAt(s, now);
        }
        for (const f of ['count', 'reported', 'first', 'last', 'lastRaise'] as const) expect(a[f][s]).toBe(b[f][s]);
      }
    }
  });
});
