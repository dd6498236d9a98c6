// Storm control (src/alert/storm.ts): per-type budgets, window roll-over, bounded samples, and the
// alerts.rate_limit / storm_control / storm_sample settings with their file:line:col errors.
import { describe, expect, it } from 'vitest';
import { MAX_DISTINCT, StormControl, type StormBudget } from '../../src/alert/storm.js';
import type { AlertType, Detection } from '../../src/alert/types.js';
import { ConfigError } from '../../src/config/errors.js';
import { parseSettings } from '../../src/config/load.js';
import { defaultSettings } from '../../src/config/schema.js';

const T0 = Date.UTC(2025, 5, 1);

function det(i: number, over: Partial<Detection> = {}): Detection {
  const src = `198.51.${(i >> 8) & 255}.${i & 255}`;
  return {
    type: 'SUSPICIOUS_PORT',
    severity: 'LOW',
    message: `to port 22 from ${src}`,
    ts: T0 + i,
    key: src,
    src_ip: src,
    src_port: 40000 + (i % 1000),
    dst_ip: '192.0.2.1',
    dst_port: 22,
    proto: 'TCP',
    details: { port: 22 },
    ...over,
  };
}

function control(budgets: Partial<Record<AlertType, StormBudget>>, sample?: number): StormControl {
  let n = 0;
  return new StormControl({ budget: (t) => budgets[t] ?? null, sample, newId: () => `s-${++n}` });
}

/** Feeds a detection the way the funnel does: admitted, or folded. Returns whether it was admitted. */
function feed(s: StormControl, d: Detection): boolean {
  if (s.admit(d.type, d.ts)) return true;
  s.fold(d);
  return false;
}

describe('StormControl', () => {
  it('admits `count` new alerts per type and window; the rest fold into one storm alert per type, with exact counts', () => {
    const s = control({ SUSPICIOUS_PORT: { count: 3, windowMs: 60_000 }, SQL_INJECTION: { count: 1, windowMs: 60_000 } });
    const admitted = Array.from({ length: 10 }, (_, i) => feed(s, det(i)));
    expect(admitted).toEqual([true, true, true, false, false, false, false, false, false, false]);
    const sql = Array.from({ length: 4 }, (_, i) => feed(s, det(100 + i, { type: 'SQL_INJECTION', severity: 'HIGH' })));
    expect(sql).toEqual([true, false, false, false]);
    // A type without a budget is always admitted.
    expect(Array.from({ length: 50 }, (_, i) => s.admit('SYN_SCAN', T0 + i)).every(Boolean)).toBe(true);
    expect(s.counts).toEqual({ folded: 10, foldedByType: { SUSPICIOUS_PORT: 7, SQL_INJECTION: 3 }, storms: 2 });
    // Nothing is raised while the windows last: a storm alert goes out once, complete.
    s.tick(T0 + 59_999);
    expect(s.takeFinished()).toEqual([]);
    s.tick(T0 + 60_000);
    const [a] = s.takeFinished();
    expect(a).toMatchObject({ type: 'SUSPICIOUS_PORT', severity: 'LOW', count: 7, dst_ip: '192.0.2.1', dst_port: 22, proto: 'TCP' });
    expect(a.details).toMatchObject({ storm: true, folded: 7, repeats: 0, budget: 3, window_seconds: 60, distinct_sources: 7, window_start: new Date(T0).toISOString() });
    expect(a.timestamp).toBe(new Date(T0 + 3).toISOString());
    expect(a.last_seen).toBe(new Date(T0 + 9).toISOString());
    expect(a.message).toBe('Alert storm: 7 more SUSPICIOUS_PORT alerts from 7 sources to 192.0.2.1 folded into this one (over the budget of 3 per 60 s)');
    expect(a.src_ip).toBeUndefined();
    // The SQL_INJECTION window opened 100 ms later: it ends at the end of the run.
    s.finishAll();
    const [b] = s.takeFinished();
    expect(b).toMatchObject({ type: 'SQL_INJECTION', severity: 'HIGH', count: 3 });
    // Nothing changed since: nothing to emit.
    expect(s.takeFinished()).toEqual([]);
    expect(s.takeChanged()).toEqual([]);
  });

  it('a window rolls over after its seconds of packet time: a fresh budget and a new storm alert; the old one is finished', () => {
    const s = control({ SUSPICIOUS_PORT: { count: 2, windowMs: 10_000 } });
    const first = [0, 1, 2, 3].map((i) => feed(s, det(i)));
    expect(first).toEqual([true, true, false, false]);
    // 9.999 s after the window opened: still the same window.
    expect(feed(s, det(9_999))).toBe(false);
    expect(s.takeFinished()).toEqual([]);
    // 10 s after: the next window, admitted again; the old storm alert is finished with its 3.
    expect(feed(s, det(10_000))).toBe(true);
    const [old] = s.takeFinished();
    expect(old).toMatchObject({ count: 3, last_seen: new Date(T0 + 9_999).toISOString() });
    expect(feed(s, det(10_001))).toBe(true);
    expect(s.admit('SUSPICIOUS_PORT', T0 + 10_002)).toBe(false);
    const b = s.fold(det(10_002));
    expect(b).not.toBe(old);
    expect(b.id).not.toBe(old.id);
    s.finishAll();
    expect(s.takeFinished()).toEqual([b]);
    expect(b).toMatchObject({ count: 1, details: { window_start: new Date(T0 + 10_000).toISOString() } });
    expect(s.counts).toMatchObject({ folded: 4, storms: 2 });
    // Time going backwards (out-of-order packets) starts a new window rather than charging an old one.
    expect(feed(s, det(5_000))).toBe(true);
  });

  it('a fold after spent() goes into the window open now: also when the window spent() saw was replaced, ended or cleared since', () => {
    // spent() remembers the window it found for fold() (see StormControl.spentWindow); every change of the windows forgets it.
    const b = { SUSPICIOUS_PORT: { count: 1, windowMs: 1000 }, SQL_INJECTION: { count: 1, windowMs: 1000 } };
    const sqli = (i: number) => det(i, { type: 'SQL_INJECTION', severity: 'HIGH' });
    for (const change of ['admit', 'tick', 'finishAll', 'clear', 'other type'] as const) {
      const s = control(b);
      expect(s.admit('SUSPICIOUS_PORT', T0)).toBe(true);
      expect(s.spent('SUSPICIOUS_PORT', T0 + 1)).toBe(true);
      const first = s.fold(det(1));
      if (change === 'admit') expect(s.admit('SUSPICIOUS_PORT', T0 + 1500)).toBe(true);
      if (change === 'tick') s.tick(T0 + 1500);
      if (change === 'finishAll') s.finishAll();
      if (change === 'clear') s.clear();
      if (change === 'other type') {
        expect(s.admit('SQL_INJECTION', T0 + 2)).toBe(true);
        expect(s.spent('SQL_INJECTION', T0 + 3)).toBe(true);
        expect(s.fold(sqli(3)).type).toBe('SQL_INJECTION');
        // Back to the first type: its window, looked up again.
        expect(s.fold(det(4))).toBe(first);
        continue;
      }
      const ended = s.takeFinished();
      if (change !== 'clear') expect(ended).toEqual([first]);
      // A fold without a window open now is refused, as before; with one opened, it goes to that window's storm.
      if (change !== 'admit') {
        expect(() => s.fold(det(1501))).toThrow(/without admit/);
        expect(s.admit('SUSPICIOUS_PORT', T0 + 1501)).toBe(true);
      }
      // Refused by admit() (the funnel's raise path), folded with no spent() first: the window open now.
      expect(s.admit('SUSPICIOUS_PORT', T0 + 1502)).toBe(false);
      const next = s.fold(det(1502));
      expect(next).not.toBe(first);
      expect(next.id).not.toBe(first.id);
    }
  });

  it('counts folded alerts per type over every window, types in the order they first folded, and from nothing again after clear()', () => {
    const s = control({ SUSPICIOUS_PORT: { count: 1, windowMs: 1000 }, SQL_INJECTION: { count: 1, windowMs: 1000 }, MALICIOUS_IP: { count: 1, windowMs: 1000 } });
    // MALICIOUS_IP opens a window but never folds: it is not in the record.
    feed(s, det(0, { type: 'MALICIOUS_IP', severity: 'HIGH' }));
    feed(s, det(1, { type: 'SQL_INJECTION', severity: 'HIGH' }));
    feed(s, det(2));
    const seen = s.counts.foldedByType;
    expect(seen).toEqual({});
    feed(s, det(3));
    feed(s, det(4, { type: 'SQL_INJECTION', severity: 'HIGH' }));
    feed(s, det(5));
    expect(Object.entries(s.counts.foldedByType)).toEqual([
      ['SUSPICIOUS_PORT', 2],
      ['SQL_INJECTION', 1],
    ]);
    // The next windows (a new storm each) add to the same counts.
    feed(s, det(2000));
    feed(s, det(2001));
    feed(s, det(2002, { type: 'SQL_INJECTION', severity: 'HIGH' }));
    feed(s, det(2003, { type: 'SQL_INJECTION', severity: 'HIGH' }));
    expect(s.counts).toEqual({ folded: 5, foldedByType: { SUSPICIOUS_PORT: 3, SQL_INJECTION: 2 }, storms: 4 });
    // The record read before is the one brought up to date.
    expect(seen).toEqual({ SUSPICIOUS_PORT: 3, SQL_INJECTION: 2 });
    expect(JSON.parse(JSON.stringify(s.counts))).toEqual({ folded: 5, foldedByType: { SUSPICIOUS_PORT: 3, SQL_INJECTION: 2 }, storms: 4 });
    // The getter is defined after the literal (see countsOf): keys, their order and the JSON text as a literal's.
    expect(Object.keys(s.counts)).toEqual(['folded', 'foldedByType', 'storms']);
    expect(JSON.stringify(s.counts)).toBe('{"folded":5,"foldedByType":{"SUSPICIOUS_PORT":3,"SQL_INJECTION":2},"storms":4}');
    s.clear();
    expect(s.counts).toEqual({ folded: 0, foldedByType: {}, storms: 0 });
    feed(s, det(9000, { type: 'SQL_INJECTION', severity: 'HIGH' }));
    feed(s, det(9001, { type: 'SQL_INJECTION', severity: 'HIGH' }));
    expect(s.counts).toEqual({ folded: 1, foldedByType: { SQL_INJECTION: 1 }, storms: 1 });
  });

  it('a storm alert has the highest severity folded into it, whatever the order', () => {
    const s = control({ SUSPICIOUS_PORT: { count: 1, windowMs: 1000 } });
    feed(s, det(0));
    const sev = ['WARNING', 'LOW', 'CRITICAL', 'HIGH', 'LOW'] as const;
    for (let i = 0; i < sev.length; i++) feed(s, det(1 + i, { severity: sev[i] }));
    s.finishAll();
    expect(s.takeFinished().map((a) => a.severity)).toEqual(['CRITICAL']);
  });

  it('repeats of a folded alert count in its storm, also after the storm alert was raised: then as updates', () => {
    const s = control({ SUSPICIOUS_PORT: { count: 1, windowMs: 1000 } });
    feed(s, det(0));
    expect(s.admit('SUSPICIOUS_PORT', T0 + 1)).toBe(false);
    const storm = s.fold(det(1));
    expect(s.counts.folded).toBe(1);
    // Before it is raised a repeat changes nothing to emit: it is in the alert when raised.
    s.repeat(storm, T0 + 2);
    expect(s.takeChanged()).toEqual([]);
    feed(s, det(5000)); // the next window
    expect(s.takeFinished()).toEqual([storm]);
    expect(storm.details.repeats).toBe(1);
    s.repeat(storm, T0 + 6000);
    s.repeat(storm, T0 + 6001);
    expect(s.takeChanged()).toEqual([storm]);
    expect(storm.details.repeats).toBe(3);
    expect(storm.count).toBe(1);
    expect(storm.last_seen).toBe(new Date(T0 + 6001).toISOString());
  });

  it('samples are bounded: at most `sample` sources, ports and flows; distinct sources counted up to MAX_DISTINCT', () => {
    const s = control({ SUSPICIOUS_PORT: { count: 1, windowMs: 3_600_000 } }, 4);
    feed(s, det(0));
    const n = MAX_DISTINCT + 10;
    for (let i = 1; i <= n; i++) {
      const src = `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`;
      feed(s, det(i, { ts: T0 + 1, src_ip: src, key: src, dst_port: 1000 + (i % 7), dst_ip: `192.0.2.${i % 3}` }));
    }
    s.finishAll();
    const a = s.takeFinished()[0];
    expect(a.count).toBe(n);
    expect(a.details.sources).toEqual(['10.0.0.1', '10.0.0.2', '10.0.0.3', '10.0.0.4']);
    expect(a.details.ports).toHaveLength(4);
    expect(a.details.flows).toHaveLength(4);
    expect((a.details.flows as Array<Record<string, unknown>>)[0]).toEqual({ src_ip: '10.0.0.1', src_port: 40001, dst_ip: '192.0.2.1', dst_port: 1001, proto: 'TCP' });
    expect(a.details.distinct_sources).toBe(MAX_DISTINCT);
    expect(a.details.distinct_sources_capped).toBe(true);
    expect(a.message).toContain(`from ${MAX_DISTINCT}+ sources`);
    // Destinations differ: no single dst_ip / dst_port on the storm alert.
    expect(a.dst_ip).toBeUndefined();
    expect(a.dst_port).toBeUndefined();
    // sample 0: counts only.
    const z = control({ SUSPICIOUS_PORT: { count: 1, windowMs: 1000 } }, 0);
    for (let i = 0; i < 5; i++) feed(z, det(i));
    z.finishAll();
    expect(z.takeFinished()[0].details).toMatchObject({ folded: 4, sources: [], ports: [], flows: [], distinct_sources: 4 });
  });

  it('distinct sources and the source sample are exact when a source folds several alerts in a row, revisits, or comes past MAX_DISTINCT', () => {
    const s = control({ SUSPICIOUS_PORT: { count: 1, windowMs: 3_600_000 } }, 5);
    feed(s, det(0));
    const src = (i: number) => `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`;
    const seen = new Set<string>();
    const order: string[] = [];
    let folded = 0;
    const fold = (a: string): void => {
      feed(s, det(1, { src_ip: a, key: a }));
      folded++;
      if (!seen.has(a)) {
        seen.add(a);
        order.push(a);
      }
    };
    // Runs of one to three folds per source, earlier sources again in between, then past the cap (the last
    // sources each twice in a row, after it is reached).
    for (let i = 0; i < 2000; i++) {
      for (let k = 0; k <= i % 3; k++) fold(src(i));
      if (i % 5 === 0) fold(src(i >> 2));
    }
    const past = MAX_DISTINCT + 5;
    for (let i = 2000; i < past; i++) fold(src(i));
    for (const i of [past, past + 1, 3, past + 2]) {
      fold(src(i));
      fold(src(i));
    }
    s.finishAll();
    const a = s.takeFinished()[0];
    expect(a.count).toBe(folded);
    expect(a.details.distinct_sources).toBe(MAX_DISTINCT);
    expect(a.details.distinct_sources_capped).toBe(true);
    expect(a.details.sources).toEqual(order.slice(0, 5));
    // Below the cap the count is every distinct source.
    const b = control({ SUSPICIOUS_PORT: { count: 1, windowMs: 3_600_000 } }, 3);
    feed(b, det(0));
    for (const x of ['a', 'a', 'b', 'a', 'b', 'b', 'c', 'd', 'c']) feed(b, det(1, { src_ip: `192.0.2.${x.charCodeAt(0)}` }));
    b.finishAll();
    const bb = b.takeFinished()[0];
    expect(bb.details).toMatchObject({ folded: 9, distinct_sources: 4, sources: ['192.0.2.97', '192.0.2.98', '192.0.2.99'] });
    expect(bb.details.distinct_sources_capped).toBeUndefined();
  });

  it('custom rules: the storm alert counts the folded alerts per rule name (at most `sample` names, the rest as other)', () => {
    const s = control({ CUSTOM_RULE: { count: 1, windowMs: 60_000 } }, 2);
    const rule = (i: number, name: string): Detection => det(i, { type: 'CUSTOM_RULE', severity: 'WARNING', details: { rule: name } });
    ['Telnet', 'Telnet', 'SSH', 'Telnet', 'RDP', 'SMB', 'SSH'].forEach((n, i) => feed(s, rule(i, n)));
    s.finishAll();
    // The first Telnet was within the budget: 6 folded.
    expect(s.takeFinished()[0].details).toMatchObject({ folded: 6, rules: { Telnet: 2, SSH: 2, other: 2 } });
  });

  it('the storm alert has the highest severity folded into it', () => {
    const s = control({ MALICIOUS_IP: { count: 1, windowMs: 60_000 } });
    feed(s, det(0, { type: 'MALICIOUS_IP', severity: 'HIGH' }));
    feed(s, det(1, { type: 'MALICIOUS_IP', severity: 'HIGH' }));
    feed(s, det(2, { type: 'MALICIOUS_IP', severity: 'CRITICAL' }));
    feed(s, det(3, { type: 'MALICIOUS_IP', severity: 'WARNING' }));
    s.finishAll();
    expect(s.takeFinished()[0]).toMatchObject({ severity: 'CRITICAL', count: 3 });
  });

  it('fold() without a refusing admit() first is a programming error, said as such', () => {
    const s = control({});
    expect(() => s.fold(det(0))).toThrow(/fold\(\) of SUSPICIOUS_PORT without admit\(\) refusing it first/);
  });
});

describe('settings: alerts.rate_limit, storm_control, storm_sample', () => {
  const err = (text: string): ConfigError => {
    try {
      parseSettings(text, 'settings.yaml');
    } catch (e) {
      return e as ConfigError;
    }
    throw new Error('no error');
  };

  it('defaults: budgets for port, decode, payload, reputation and custom rule alerts; storm control on; 10 samples', () => {
    const a = defaultSettings().alerts;
    expect(a.storm_control).toBe(true);
    expect(a.storm_sample).toBe(10);
    expect(a.rate_limit).toEqual({
      SUSPICIOUS_PORT: { count: 100, seconds: 60 },
      DECODE_ANOMALY: { count: 100, seconds: 60 },
      SQL_INJECTION: { count: 200, seconds: 60 },
      DIRECTORY_TRAVERSAL: { count: 200, seconds: 60 },
      MALICIOUS_IP: { count: 200, seconds: 60 },
      BLACKLISTED_IP: { count: 200, seconds: 60 },
      CUSTOM_RULE: { count: 200, seconds: 60 },
    });
  });

  it('a file replaces budgets per type, adds others, and TYPE: false removes one', () => {
    const { settings } = parseSettings('alerts:\n  rate_limit:\n    SQL_INJECTION: false\n    SYN_SCAN: {count: 5, seconds: 1.5}\n', 'settings.yaml');
    expect(settings.alerts.rate_limit.SQL_INJECTION).toBe(false);
    expect(settings.alerts.rate_limit.SYN_SCAN).toEqual({ count: 5, seconds: 1.5 });
    expect(settings.alerts.rate_limit.SUSPICIOUS_PORT).toEqual({ count: 100, seconds: 60 });
  });

  it('bad values are one line each with file:line:col and what the value must be', () => {
    expect(err('alerts:\n  rate_limit:\n    SQL_INJECTION: {count: 10, seconds: 0}\n').message).toBe(
      'settings.yaml:3:41: alerts.rate_limit.SQL_INJECTION.seconds must be a positive number (got 0)',
    );
    expect(err('alerts:\n  rate_limit:\n    SQL_INJECTION: {count: 2.5, seconds: 60}\n').message).toBe(
      'settings.yaml:3:28: alerts.rate_limit.SQL_INJECTION.count must be a positive integer (got 2.5)',
    );
    expect(err('alerts:\n  rate_limit:\n    SQL_INJECTION: true\n').message).toBe(
      'settings.yaml:3:20: alerts.rate_limit.SQL_INJECTION must be false or a mapping of settings (got true)',
    );
    expect(err('alerts:\n  storm_sample: -1\n').message).toBe('settings.yaml:2:17: alerts.storm_sample must be a non-negative integer of at most 1000 (got -1)');
    expect(err('alerts:\n  storm_control: "yes"\n').message).toBe('settings.yaml:2:18: alerts.storm_control must be true or false (got "yes")');
    expect(err('alerts:\n  rate_limit:\n    SQL_INJECTION: {count: 1, secs: 60}\n').message).toBe(
      'settings.yaml:3:31: alerts.rate_limit.SQL_INJECTION.secs: "secs" is not a name this section knows; it must be one of count, seconds',
    );
    // A type without a default budget needs both.
    expect(err('alerts:\n  rate_limit:\n    SYN_SCAN: {count: 1}\n').message).toBe('settings.yaml:3:15: alerts.rate_limit.SYN_SCAN.seconds must be a positive number (got nothing)');
    const typo = err('alerts:\n  rate_limit:\n    SQL_INJECTON: {count: 1, seconds: 1}\n');
    expect(typo.message).toMatch(/^settings\.yaml:3:5: alerts\.rate_limit\.SQL_INJECTON: "SQL_INJECTON" is not a name this section knows \(did you mean SQL_INJECTION\?\)/);
  });

  it('the shipped settings.yaml states the same budgets as the built-in defaults', async () => {
    const { readFileSync } = await import('node:fs');
    const { settings } = parseSettings(readFileSync(new URL('../../settings.yaml', import.meta.url), 'utf8'), 'settings.yaml');
    expect(settings.alerts.rate_limit).toEqual(defaultSettings().alerts.rate_limit);
    expect(settings.alerts.storm_control).toBe(true);
  });
});
