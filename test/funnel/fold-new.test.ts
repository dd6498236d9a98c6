// AlertFunnel.foldNew, the way raise sites hand over a detection that storm control may fold without
// making it: a funnel fed through foldNew (falling back to raise) gives every sink and the summary exactly
// what a funnel fed through raise gives, over budgets, window roll-overs, repeats and escalations of
// folded episodes, whitelisted sources, sources past the per-source cap and promotions a fold sink raises
// while it is told of a fold.
import { describe, expect, it } from 'vitest';
import { AlertFunnel } from '../../src/alert/funnel.js';
import type { Alert, AlertSink, AlertType, Detection, Severity } from '../../src/alert/types.js';
import type { StormBudget } from '../../src/alert/storm.js';
import { rng } from '../../bench/traffic-gen.js';

const T0 = Date.UTC(2025, 0, 1);
const BUDGETS: Partial<Record<AlertType, StormBudget>> = {
  SUSPICIOUS_PORT: { count: 5, windowMs: 2_000 },
  SQL_INJECTION: { count: 3, windowMs: 5_000 },
  MALICIOUS_IP: { count: 2, windowMs: 60_000 },
  CUSTOM_RULE: { count: 4, windowMs: 3_000 },
};

/** A funnel with the budgets above, a sink recording everything it is told (folded detections as copies), and a promotion sink. */
function funnel(viaFold: boolean): { f: AlertFunnel; log: string[] } {
  const log: string[] = [];
  const f = new AlertFunnel({
    suppressionMs: (t) => (t === 'SQL_INJECTION' ? 3_000 : 1_500),
    rateLimit: (t) => BUDGETS[t] ?? null,
    isWhitelisted: (ip) => ip.startsWith('192.168.'),
    maxOpen: 64,
    stormSample: 4,
  });
  const seen = new Map<string, number>();
  // Like the reputation score: the third alert of a source promotes it, raised (or folded) from inside the hook.
  const promote = (src: string | undefined, ts: number): void => {
    if (src === undefined) return;
    const n = (seen.get(src) ?? 0) + 1;
    seen.set(src, n);
    if (n !== 3) return;
    if (viaFold && f.foldNew('MALICIOUS_IP', 'HIGH', ts, src, src, undefined, undefined, undefined, undefined)) return;
    f.raise({ type: 'MALICIOUS_IP', severity: 'HIGH', message: `${src} promoted`, ts, key: src, src_ip: src, details: { n } });
  };
  const rec: AlertSink = {
    name: 'rec',
    onAlert: (a) => {
      log.push(`alert ${JSON.stringify(a)}`);
      promote(a.src_ip, Date.parse(a.last_seen));
    },
    onUpdate: (a) => log.push(`update ${JSON.stringify(a)}`),
    onFinal: (a) => log.push(`final ${JSON.stringify(a)}`),
    onFolded: (d: Detection, storm: Alert) => {
      const { type, severity, ts, key, src_ip, dst_ip, src_port, dst_port, proto } = d;
      log.push(`folded ${JSON.stringify({ type, severity, ts, key, src_ip, dst_ip, src_port, dst_port, proto })} into ${storm.id}`);
      promote(src_ip, ts);
    },
  };
  f.addSink(rec);
  return { f, log };
}

interface Facts {
  type: AlertType;
  severity: Severity;
  ts: number;
  key: string;
  src: string;
  dst: string;
  sport: number | undefined;
  dport: number;
  /** CUSTOM_RULE: the rule's name (details.rule, which a storm alert counts its alerts by). */
  rule?: string;
}

function detection(x: Facts): Detection {
  return {
    type: x.type,
    severity: x.severity,
    message: `${x.type} from ${x.src}`,
    ts: x.ts,
    key: x.key,
    src_ip: x.src,
    dst_ip: x.dst,
    src_port: x.sport,
    dst_port: x.dport,
    proto: 'TCP',
    details: x.rule === undefined ? { port: x.dport } : { port: x.dport, rule: x.rule },
  };
}

/** A storm: spoofed sources (some whitelisted, some repeating, some escalating), over several windows. */
function storm(n: number, seed: number): Facts[] {
  const r = rng(seed);
  const out: Facts[] = [];
  let ts = T0;
  for (let i = 0; i < n; i++) {
    ts += Math.floor(r() * 40);
    const s = Math.floor(r() * 300);
    const src = s % 37 === 0 ? `192.168.0.${s & 255}` : s % 41 === 0 ? `2001:db8::${s}` : `10.${s >> 8}.${s & 255}.7`;
    if (r() < 0.6) {
      const port = r() < 0.5 ? 22 : 23;
      // Now and then the same source and port at a higher severity: an escalation of its episode.
      out.push({ type: 'SUSPICIOUS_PORT', severity: r() < 0.1 ? 'WARNING' : 'LOW', ts, key: `${src}|${port}`, src, dst: '10.9.9.9', sport: undefined, dport: port });
    } else if (r() < 0.3) {
      // Custom rules, more of them than a storm alert lists by name (the rest are counted as "other").
      const rule = `rule ${Math.floor(r() * 7)}`;
      out.push({ type: 'CUSTOM_RULE', severity: 'WARNING', ts, key: `${rule}|${src}`, src, dst: '10.9.9.9', sport: 40000, dport: 23, rule });
    } else {
      const sport = 1024 + Math.floor(r() * 4);
      out.push({ type: 'SQL_INJECTION', severity: r() < 0.05 ? 'CRITICAL' : 'HIGH', ts, key: `${src} ${sport} 10.9.9.9 80`, src, dst: '10.9.9.9', sport, dport: 80 });
    }
  }
  return out;
}

function run(viaFold: boolean, facts: Facts[]): { log: string[]; summary: unknown; folded: number; open: number } {
  const { f, log } = funnel(viaFold);
  let lastTick = T0;
  for (const x of facts) {
    if (x.ts - lastTick >= 1000) {
      f.onTick(x.ts);
      lastTick = x.ts;
    }
    if (viaFold && f.foldNew(x.type, x.severity, x.ts, x.key, x.src, x.dst, x.sport, x.dport, 'TCP', x.rule)) continue;
    f.raise(detection(x));
  }
  f.flushStorms();
  f.closeAll();
  return { log, summary: JSON.parse(JSON.stringify(f.summary())), folded: f.folded, open: f.openEpisodes() };
}

describe('AlertFunnel.foldNew', () => {
  it('gives the sinks and the summary exactly what raise gives, storm after storm', () => {
    for (const seed of [1, 2, 3]) {
      const facts = storm(6000, seed);
      const a = run(false, facts);
      const b = run(true, facts);
      expect(b.log.length).toBe(a.log.length);
      expect(b.log).toEqual(a.log);
      expect(b.summary).toEqual(a.summary);
      expect(b.folded).toBe(a.folded);
      // The storms did fold (the comparison is not between two runs that never fold).
      expect(a.log.filter((l) => l.startsWith('folded')).length).toBeGreaterThan(1000);
      expect(a.log.some((l) => l.startsWith('folded {"type":"MALICIOUS_IP"'))).toBe(true);
      // Custom rules' storm alerts count their alerts by rule name, the names past the sample as "other".
      expect(a.log.some((l) => l.includes('"storm":true') && l.includes('"rules":{') && l.includes('"other":'))).toBe(true);
    }
  });

  it('folds nothing while a type is within its budget, for a whitelisted source, or for a live episode of its key', () => {
    const { f } = funnel(true);
    const fold = (ts: number, key: string, src: string, sev: Severity = 'LOW'): boolean => f.foldNew('SUSPICIOUS_PORT', sev, ts, key, src, '10.9.9.9', undefined, 22, 'TCP');
    expect(fold(T0, 'a|22', '10.0.0.1')).toBe(false);
    for (let i = 0; i < 5; i++) f.raise(detection({ type: 'SUSPICIOUS_PORT', severity: 'LOW', ts: T0 + i, key: `k${i}|22`, src: `10.0.0.${i}`, dst: '10.9.9.9', sport: undefined, dport: 22 }));
    // The budget of 5 is spent: a new key folds; a whitelisted source and a live episode's key do not.
    expect(fold(T0 + 10, 'new|22', '10.0.1.1')).toBe(true);
    expect(fold(T0 + 11, 'w|22', '192.168.1.1')).toBe(false);
    expect(fold(T0 + 12, 'k1|22', '10.0.0.1')).toBe(false);
    expect(fold(T0 + 13, 'new|22', '10.0.1.1')).toBe(false);
    // The window (2 s) has run out: the next new alert opens a new one, within its budget.
    expect(fold(T0 + 2_500, 'later|22', '10.0.2.1')).toBe(false);
    expect(f.summary().storm.folded).toBe(1);
  });
});

describe('episodes the cap or a sweep closed, reused for new episodes', () => {
  it('a reused episode forgets the one it was: evicted keys fold anew, keys still open repeat, ended ones time out', () => {
    const f = new AlertFunnel({ suppressionMs: () => 1_000, rateLimit: (t) => (t === 'SUSPICIOUS_PORT' ? { count: 1, windowMs: 60_000 } : null), maxOpen: 8 });
    const finals: string[] = [];
    f.addSink({ name: 'finals', onFinal: (a) => finals.push(`${a.id} ${a.final_reason} ${a.count}`) });
    const sp = (key: string, ts: number): Alert | null => f.raise({ type: 'SUSPICIOUS_PORT', severity: 'LOW', message: key, ts, key, src_ip: `1.0.0.${key.length}`, details: {} });
    // One raised alert (the budget), then folded ones: past the cap of 8 the oldest half is evicted and its episode objects kept for reuse.
    const first = sp('k0', T0);
    for (let i = 1; i <= 20; i++) expect(f.foldNew('SUSPICIOUS_PORT', 'LOW', T0 + i, `k${i}`, `1.0.0.${i}`, undefined, undefined, undefined, undefined)).toBe(true);
    expect(f.openEpisodes()).toBeLessThanOrEqual(8);
    // k20 is open (reused object or not): a repeat, counted in the storm, not a new fold.
    expect(f.foldNew('SUSPICIOUS_PORT', 'LOW', T0 + 21, 'k20', '1.0.0.20', undefined, undefined, undefined, undefined)).toBe(false);
    const storm = sp('k20', T0 + 21)!;
    // k1 was evicted: folded anew (its old episode object may now be another key's).
    expect(f.foldNew('SUSPICIOUS_PORT', 'LOW', T0 + 22, 'k1', '1.0.0.1', undefined, undefined, undefined, undefined)).toBe(true);
    f.flushStorms();
    expect(storm.count).toBe(21);
    expect(storm.details.repeats).toBe(1);
    expect(storm.details.distinct_sources).toBe(20);
    // The raised alert's episode went with the first eviction, once, with its own count.
    expect(finals).toEqual([`${first!.id} evicted 1`]);
    // Much later every episode has ended: a sweep closes them (reused again by the next), and a key folds anew.
    sp('late-raise', T0 + 120_000);
    expect(f.openEpisodes()).toBe(1);
    expect(f.foldNew('SUSPICIOUS_PORT', 'LOW', T0 + 120_001, 'k20', '1.0.0.20', undefined, undefined, undefined, undefined)).toBe(true);
    expect(f.foldNew('SUSPICIOUS_PORT', 'LOW', T0 + 120_002, 'k20', '1.0.0.20', undefined, undefined, undefined, undefined)).toBe(false);
  });
});
