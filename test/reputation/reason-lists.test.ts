// The reputation score's shared reason lists: one list per path of texts, never changed once made, the oldest
// texts dropped past the length bound, a bounded number of lists; and the score's entries keep the reasons a
// private array per entry gave (shared lists, lists past the bound, lists loaded from a state file).
import { describe, expect, it } from 'vitest';
import { ReasonLists } from '../../src/reputation/reason-lists.js';
import { IpReputation } from '../../src/reputation/index.js';
import { rng } from '../helpers/seeded-random.js';

describe('ReasonLists', () => {
  it('gives one list per path, whatever order the paths come in, and never changes a list once made', () => {
    const l = new ReasonLists(20);
    const a = l.after(l.root, 'A')!;
    const ab = l.after(a, 'B')!;
    const ac = l.after(a, 'C')!;
    const snapshot = [a.list.slice(), ab.list.slice(), ac.list.slice()];
    // Taken again, in another order: the same lists (the text followed last and the others).
    expect(l.after(a, 'B')).toBe(ab);
    expect(l.after(a, 'C')).toBe(ac);
    expect(l.after(a, 'B')).toBe(ab);
    expect(l.after(l.root, 'A')).toBe(a);
    expect(l.after(ab, 'A')!.list).toEqual(['A', 'B', 'A']);
    expect([a.list, ab.list, ac.list]).toEqual(snapshot);
    expect(snapshot).toEqual([['A'], ['A', 'B'], ['A', 'C']]);
    expect(l.root.list).toEqual([]);
    expect(l.size).toBe(5);
  });

  it('keeps the newest maxLen texts', () => {
    const l = new ReasonLists(3);
    let n = l.root;
    for (const t of ['a', 'b', 'c', 'd', 'e']) n = l.after(n, t)!;
    expect(n.list).toEqual(['c', 'd', 'e']);
  });

  it('makes at most maxNodes lists, then answers null for new ones and still finds the old ones', () => {
    const l = new ReasonLists(20, 4);
    const a = l.after(l.root, 'A')!;
    const b = l.after(l.root, 'B')!;
    const ab = l.after(a, 'B')!;
    expect(l.size).toBe(4);
    expect(l.after(ab, 'C')).toBeNull();
    expect(l.after(l.root, 'C')).toBeNull();
    expect(l.after(l.root, 'A')).toBe(a);
    expect(l.after(l.root, 'B')).toBe(b);
    expect(l.after(a, 'B')).toBe(ab);
    expect(l.size).toBe(4);
  });
});

describe('reputation reasons on shared lists', () => {
  /** The reasons each address would have with an array of its own: the newest 20 texts. */
  const model = (texts: string[]) => texts.slice(-20);

  it('are each address\'s own texts, for addresses scored in shared and in private lists, interleaved', () => {
    const rand = rng(7);
    const r = new IpReputation({ decay_per_hour: 0, score_threshold: 1e9 });
    const seen = new Map<string, string[]>();
    // Few reasons and many addresses: most paths are shared; long runs of one address go past 20 texts
    // and past the bound of shared lists (1024), so entries fall back to lists of their own.
    for (let i = 0; i < 20_000; i++) {
      const ip = `10.0.${Math.floor(rand() * 40)}.${Math.floor(rand() * 50)}`;
      const reason = ['SUSPICIOUS_PORT', 'SQL_INJECTION', 'DIRECTORY_TRAVERSAL', 'CUSTOM_RULE'][Math.floor(rand() * 4)];
      const points = 1 + Math.floor(rand() * 3);
      r.addScore(ip, points, reason, i);
      const texts = seen.get(ip) ?? [];
      texts.push(`${reason} (+${points})`);
      seen.set(ip, texts);
    }
    const state = r.toState();
    expect(state.entries.length).toBe(seen.size);
    for (const e of state.entries) expect(e.reasons).toEqual(model(seen.get(e.ip)!));
    for (const [ip, texts] of seen) expect(r.status(ip).reasons).toEqual(model(texts));
    // The state holds the entry's fields only, in their order.
    expect(Object.keys(state.entries[0])).toEqual(['ip', 'score', 'updated', 'reasons', 'promoted', 'promotedAt', 'firstSeen', 'lastSeen']);
  });

  it('an address loaded from a state keeps its own reasons and does not change another\'s', () => {
    const r = new IpReputation({ decay_per_hour: 0, score_threshold: 1e9 });
    r.addScore('192.0.2.1', 5, 'A', 1);
    r.addScore('192.0.2.2', 5, 'A', 2);
    const loaded = ['OLD (+1)'];
    r.fromState({ version: 1, entries: [...r.toState().entries, { ip: '192.0.2.3', score: 1, updated: 0, reasons: loaded, promoted: false, promotedAt: null }] });
    r.addScore('192.0.2.3', 5, 'A', 3);
    r.addScore('192.0.2.1', 5, 'B', 4);
    expect(r.status('192.0.2.1').reasons).toEqual(['A (+5)', 'B (+5)']);
    expect(r.status('192.0.2.2').reasons).toEqual(['A (+5)']);
    expect(r.status('192.0.2.3').reasons).toEqual(['OLD (+1)', 'A (+5)']);
    expect(loaded).toEqual(['OLD (+1)']);
    // Its first and last alert times came with this run's alert: after the fields it was loaded with.
    expect(Object.keys(r.toState().entries[2])).toEqual(['ip', 'score', 'updated', 'reasons', 'promoted', 'promotedAt', 'firstSeen', 'lastSeen']);
  });

  it('a promotion\'s details list the reasons as a copy', () => {
    const r = new IpReputation({ decay_per_hour: 0, score_threshold: 10 });
    r.addScore('192.0.2.1', 5, 'A', 1);
    const d = r.addScore('192.0.2.1', 5, 'B', 2);
    const reasons = d?.details.reasons as string[];
    expect(reasons).toEqual(['A (+5)', 'B (+5)']);
    reasons.push('changed');
    r.addScore('192.0.2.2', 5, 'A', 3);
    r.addScore('192.0.2.2', 5, 'B', 4);
    expect(r.status('192.0.2.2').reasons).toEqual(['A (+5)', 'B (+5)']);
  });
});
