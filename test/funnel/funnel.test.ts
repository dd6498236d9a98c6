// AlertFunnel: aggregation of an episode, suppression by packet time per type, escalation, whitelist, bounds, sinks.
import { describe, expect, it } from 'vitest';
import { AlertFunnel, rateLimitFromSettings, suppressionFromSettings } from '../../src/alert/funnel.js';
import type { Alert, AlertType, Detection, Severity } from '../../src/alert/types.js';
import { defaultSettings } from '../../src/config/schema.js';

const T0 = Date.UTC(2024, 0, 1);

function det(over: Partial<Detection> = {}): Detection {
  return {
    type: 'SYN_SCAN',
    severity: 'HIGH',
    message: 'SYN scan from 10.0.0.1',
    ts: T0,
    key: '10.0.0.1',
    src_ip: '10.0.0.1',
    dst_ip: '10.0.0.2',
    proto: 'TCP',
    details: { ports_seen: 25, ports: [1, 2, 3] },
    ...over,
  };
}

function recorder(): { sink: { name: string; onAlert(a: Alert): void; onUpdate(a: Alert): void }; news: Alert[]; updates: Alert[] } {
  const news: Alert[] = [];
  const updates: Alert[] = [];
  return { sink: { name: 'rec', onAlert: (a) => news.push(a), onUpdate: (a) => updates.push(a) }, news, updates };
}

describe('AlertFunnel', () => {
  it('one episode is one alert whose evidence grows', () => {
    const f = new AlertFunnel({ suppressionMs: () => 60_000 });
    const r = recorder();
    f.addSink(r.sink);
    const a = f.raise(det())!;
    f.raise(det({ ts: T0 + 1000, message: 'SYN scan: 60 ports', details: { ports_seen: 60, ports: [3, 4, 5] } }));
    f.raise(det({ ts: T0 + 2000, details: { ports_seen: 90, ports: [6] } }));
    expect(f.recent()).toHaveLength(1);
    expect(r.news).toHaveLength(1);
    expect(r.updates).toHaveLength(2);
    const alert = f.recent()[0];
    expect(alert).toBe(a);
    expect(alert.count).toBe(3);
    expect(alert.timestamp).toBe(new Date(T0).toISOString());
    expect(alert.last_seen).toBe(new Date(T0 + 2000).toISOString());
    expect(alert.details.ports_seen).toBe(90);
    expect(alert.details.ports).toEqual([1, 2, 3, 4, 5, 6]);
    expect(r.updates[1].count).toBe(3);
    // Sinks got copies: a later update does not change what an earlier hook saw.
    expect(r.news[0].count).toBe(1);
    expect(f.summary()).toEqual({ total: 1, byType: { SYN_SCAN: 1 }, bySeverity: { HIGH: 1 }, bySource: { '10.0.0.1': 1 }, storm: { folded: 0, foldedByType: {}, storms: 0 } });
    // The summary's getter is defined after the literal (see emptySummary): keys, their order and the JSON text as a literal's.
    expect(JSON.stringify(f.summary())).toBe('{"total":1,"byType":{"SYN_SCAN":1},"bySeverity":{"HIGH":1},"bySource":{"10.0.0.1":1},"storm":{"folded":0,"foldedByType":{},"storms":0}}');
    f.clear();
    expect(Object.keys(f.summary())).toEqual(['total', 'byType', 'bySeverity', 'bySource', 'storm']);
  });

  it('suppression is per type, measured from the last detection in packet time', () => {
    const f = new AlertFunnel({ suppressionMs: (t: AlertType) => (t === 'SYN_FLOOD' ? 5_000 : 60_000) });
    f.raise(det());
    f.raise(det({ ts: T0 + 50_000 }));
    f.raise(det({ ts: T0 + 100_000 })); // within 60 s of the previous one
    expect(f.recent()).toHaveLength(1);
    f.raise(det({ ts: T0 + 161_000 })); // 61 s of silence: a new episode
    expect(f.recent()).toHaveLength(2);

    const flood = det({ type: 'SYN_FLOOD', key: 'dst:10.0.0.2' });
    f.raise(flood);
    f.raise({ ...flood, ts: T0 + 4_000 });
    f.raise({ ...flood, ts: T0 + 10_000 });
    expect(f.recent().filter((a) => a.type === 'SYN_FLOOD')).toHaveLength(2);
  });

  it('different keys and different types are different alerts', () => {
    const f = new AlertFunnel({ suppressionMs: () => 60_000 });
    f.raise(det());
    f.raise(det({ key: '10.0.0.9', src_ip: '10.0.0.9' }));
    f.raise(det({ type: 'FIN_SCAN' }));
    expect(f.recent().map((a) => `${a.type} ${a.src_ip}`)).toEqual(['FIN_SCAN 10.0.0.1', 'SYN_SCAN 10.0.0.9', 'SYN_SCAN 10.0.0.1']);
  });

  it('an escalation in severity is a new alert carrying the evidence; a lower severity folds in', () => {
    const f = new AlertFunnel({ suppressionMs: () => 60_000 });
    const r = recorder();
    f.addSink(r.sink);
    const sev = (s: Severity, ts: number) => f.raise(det({ type: 'SYN_FLOOD', key: 'dst:v', severity: s, ts, details: { rate: ts - T0 } }));
    sev('WARNING', T0);
    sev('WARNING', T0 + 100);
    const high = sev('HIGH', T0 + 200)!;
    sev('WARNING', T0 + 300);
    sev('CRITICAL', T0 + 400);
    expect(r.news.map((a) => a.severity)).toEqual(['WARNING', 'HIGH', 'CRITICAL']);
    expect(high.count).toBe(2);
    expect(high.severity).toBe('HIGH');
    expect(r.news[1].details.escalated_from).toBe('WARNING');
    expect(f.summary().bySeverity).toEqual({ WARNING: 1, HIGH: 1, CRITICAL: 1 });
  });

  it('holdMs keeps a slow episode open longer than the suppression interval', () => {
    const f = new AlertFunnel({ suppressionMs: () => 60_000 });
    for (let i = 0; i < 10; i++) f.raise(det({ ts: T0 + i * 300_000, holdMs: 1_800_000 }));
    expect(f.recent()).toHaveLength(1);
    expect(f.recent()[0].count).toBe(10);
  });

  it('whitelisted sources raise nothing, except BLACKLISTED_IP', () => {
    const f = new AlertFunnel({ suppressionMs: () => 60_000, isWhitelisted: (ip) => ip === '10.0.0.1' });
    expect(f.raise(det())).toBeNull();
    expect(f.raise(det({ type: 'SQL_INJECTION' }))).toBeNull();
    expect(f.raise(det({ type: 'BLACKLISTED_IP' }))).not.toBeNull();
    expect(f.raise(det({ src_ip: '10.0.0.5', key: '10.0.0.5' }))).not.toBeNull();
    expect(f.summary().total).toBe(2);
  });

  it('expires episodes by packet time and stays bounded', () => {
    const f = new AlertFunnel({ suppressionMs: () => 60_000, maxAlerts: 100, maxOpen: 1000 });
    for (let i = 0; i < 50_000; i++) f.raise(det({ key: `k${i}`, src_ip: `10.${i >> 16}.${(i >> 8) & 255}.${i & 255}`, ts: T0 + i }));
    expect(f.openEpisodes()).toBeLessThanOrEqual(1000);
    expect(f.recent()).toHaveLength(100);
    expect(f.recent(3).map((a) => a.src_ip)).toEqual(['10.0.195.79', '10.0.195.78', '10.0.195.77']);
    expect(Object.keys(f.summary().bySource).length).toBeLessThanOrEqual(10_001);
    f.onTick(T0 + 50_000 + 61_000);
    expect(f.openEpisodes()).toBe(0);
    f.clear();
    expect(f.recent()).toEqual([]);
    expect(f.summary().total).toBe(0);
  });

  it('counts alerts per source exactly for the first 10,000 sources and the rest under "other", afresh after clear()', () => {
    const f = new AlertFunnel({ suppressionMs: () => 60_000, maxOpen: 100_000 });
    const ip = (i: number) => `10.${i >> 16}.${(i >> 8) & 255}.${i & 255}`;
    // 12,000 sources, then each of the first 3 and the last 2 again under a new key (a new alert each).
    for (let i = 0; i < 12_000; i++) f.raise(det({ key: `a${i}`, src_ip: ip(i), ts: T0 + i }));
    for (const i of [0, 1, 2, 11_998, 11_999]) f.raise(det({ key: `b${i}`, src_ip: ip(i), ts: T0 + 20_000 }));
    const by = f.summary().bySource;
    expect(Object.keys(by)).toHaveLength(10_001);
    expect([by[ip(0)], by[ip(2)], by[ip(3)], by[ip(9_999)]]).toEqual([2, 2, 1, 1]);
    expect(by[ip(10_000)]).toBeUndefined();
    expect(by.other).toBe(2_000 + 2);
    f.clear();
    f.raise(det({ key: 'c', src_ip: ip(11_999), ts: T0 + 30_000 }));
    expect(f.summary().bySource).toEqual({ [ip(11_999)]: 1 });
  });

  it('per-source counts are exact when each source raises a run of alerts one after another, across the 10,000 cap and clear()', () => {
    const f = new AlertFunnel({ suppressionMs: () => 60_000, maxOpen: 100_000 });
    const ip = (i: number) => `10.${i >> 16}.${(i >> 8) & 255}.${i & 255}`;
    // What summary().bySource must say: each source's alerts for the first 10,000 sources, the rest in "other".
    const model = new Map<string, number>();
    let other = 0;
    let n = 0;
    const raise = (src: string): void => {
      f.raise(det({ key: `k${n}`, src_ip: src, ts: T0 + n++ }));
      const c = model.get(src);
      if (c !== undefined) model.set(src, c + 1);
      else if (model.size < 10_000) model.set(src, 1);
      else other++;
    };
    // Runs of 1-4 alerts per source, sources revisited out of order (an earlier one between two runs of another).
    let early: Record<string, number> | undefined;
    for (let i = 0; i < 10_500; i++) {
      for (let k = 0; k <= i % 4; k++) raise(ip(i));
      if (i % 7 === 0) raise(ip(i >> 1));
      if (i % 11 === 0) raise(ip(10_200 + (i % 50)));
      if (i === 5_000) {
        early = f.summary().bySource;
        expect(early).toEqual(Object.fromEntries(model));
      }
    }
    const by = f.summary().bySource;
    expect(by).toEqual({ ...Object.fromEntries(model), other });
    // One record, brought up to date when asked again; sources in the order first counted, "other" last.
    expect(by).toBe(early);
    expect(Object.keys(by)).toEqual([...model.keys(), 'other']);
    // After clear() the source raised last starts again at 1.
    const last = ip(10_499);
    f.clear();
    f.raise(det({ key: 'again', src_ip: last, ts: T0 + n }));
    f.raise(det({ key: 'again2', src_ip: last, ts: T0 + n }));
    expect(f.summary().bySource).toEqual({ [last]: 2 });
  });

  it("a sink's record keeps the details it was given while the episode's evidence grows", () => {
    const f = new AlertFunnel({ suppressionMs: () => 60_000 });
    const r = recorder();
    f.addSink(r.sink);
    f.raise(det({ details: { ports_seen: 25, ports: [1, 2, 3] } }));
    f.raise(det({ ts: T0 + 1000, details: { ports_seen: 60, ports: [4] } }));
    expect(r.news[0].details).toEqual({ ports_seen: 25, ports: [1, 2, 3] });
    expect(r.updates[0].details).toEqual({ ports_seen: 60, ports: [1, 2, 3, 4] });
    expect(f.recent()[0].details).toEqual({ ports_seen: 60, ports: [1, 2, 3, 4] });
  });

  it('a sink that throws does not stop the others', () => {
    const f = new AlertFunnel({ suppressionMs: () => 60_000 });
    const r = recorder();
    f.addSink({ name: 'bad', onAlert: () => { throw new Error('disk full'); } });
    f.addSink(r.sink);
    f.raise(det());
    expect(r.news).toHaveLength(1);
    expect(f.sinkErrors).toBe(1);
  });

  it('reads suppression intervals from settings', () => {
    const s = defaultSettings();
    s.alerts.suppression_interval = 30;
    s.alerts.suppression = { SYN_FLOOD: 5 };
    const fn = suppressionFromSettings(s);
    expect(fn('SYN_FLOOD')).toBe(5000);
    expect(fn('SYN_SCAN')).toBe(30_000);
  });
});

describe('alerts.rate_limit: storm control in the funnel', () => {
  const limited = (type: AlertType): { count: number; windowMs: number } | null => (type === 'SUSPICIOUS_PORT' ? { count: 2, windowMs: 60_000 } : null);
  const port = (src: string, ts: number, severity: Severity = 'LOW'): Detection =>
    det({ type: 'SUSPICIOUS_PORT', severity, key: src, src_ip: src, ts, message: `to port 22 from ${src}`, details: { port: 22 } });

  it('raises `count` new alerts of a type per window and folds the rest into one storm alert, raised once complete; other types untouched', () => {
    const f = new AlertFunnel({ suppressionMs: () => 60_000, rateLimit: limited });
    const r = recorder();
    const folded: string[] = [];
    f.addSink({ ...r.sink, onFolded: (d: Detection, storm: Alert) => folded.push(`${d.src_ip ?? ''} in ${storm.id}`) });
    const out = [1, 2, 3, 4, 5].map((i) => f.raise(port(`10.0.0.${i}`, T0 + i)));
    // The three over the budget all went into the same storm alert, not raised while its window lasts.
    expect(out[2]).toBe(out[3]);
    expect(out[3]).toBe(out[4]);
    expect(r.news.map((a) => a.src_ip)).toEqual(['10.0.0.1', '10.0.0.2']);
    expect(folded).toEqual([`10.0.0.3 in ${out[2]!.id}`, `10.0.0.4 in ${out[2]!.id}`, `10.0.0.5 in ${out[2]!.id}`]);
    // Another type has no budget.
    for (let i = 0; i < 5; i++) expect(f.raise(det({ key: `s${i}`, src_ip: `10.1.0.${i}`, ts: T0 + 10 + i }))?.details.storm).toBeUndefined();
    // The window ends (a tick 60 s after it opened with the first alert): the storm alert is raised, once.
    f.onTick(T0 + 60_000);
    expect(r.news.filter((a) => a.details.storm)).toHaveLength(0);
    f.onTick(T0 + 60_001);
    const storm = r.news.at(-1)!;
    expect(storm).toMatchObject({ id: out[2]!.id, type: 'SUSPICIOUS_PORT', count: 3, details: { storm: true, folded: 3, sources: ['10.0.0.3', '10.0.0.4', '10.0.0.5'] } });
    expect(r.news.filter((a) => a.details.storm)).toHaveLength(1);
    f.flushStorms();
    expect(r.news.filter((a) => a.details.storm)).toHaveLength(1);
    expect(f.summary()).toMatchObject({ total: 8, storm: { folded: 3, foldedByType: { SUSPICIOUS_PORT: 3 }, storms: 1 } });
    // Folded alerts still count for their sources.
    expect(f.summary().bySource['10.0.0.4']).toBe(1);
    expect(f.summary().byType).toEqual({ SUSPICIOUS_PORT: 3, SYN_SCAN: 5 });
  });

  it('repeats of a folded alert count in the storm as repeats, not as new alerts; raised ones still fold and escalate', () => {
    const f = new AlertFunnel({ suppressionMs: () => 60_000, rateLimit: limited });
    const r = recorder();
    f.addSink(r.sink);
    f.raise(port('10.0.0.1', T0));
    f.raise(port('10.0.0.2', T0 + 1));
    // The window is full: a repeat of an open episode still folds into it, and a higher severity escalates.
    expect(f.raise(port('10.0.0.1', T0 + 2))?.count).toBe(2);
    expect(f.raise(port('10.0.0.2', T0 + 3, 'HIGH'))?.severity).toBe('HIGH');
    const storm = f.raise(port('10.0.0.3', T0 + 4))!;
    f.raise(port('10.0.0.3', T0 + 5));
    f.raise(port('10.0.0.3', T0 + 6));
    expect(f.summary().storm).toMatchObject({ folded: 1 });
    // 60 s later a new window starts and the first storm alert goes out before the new alert. A folded
    // alert's escalation is a new alert (no evidence to carry over), within this window's budget, so
    // raised; then one more is raised and the third folded into a second storm alert.
    const up = f.raise(port('10.0.0.3', T0 + 60_003, 'HIGH'));
    expect(r.news.at(-2)).toMatchObject({ id: storm.id, count: 1, details: { storm: true, folded: 1, repeats: 2 } });
    expect(up).toMatchObject({ src_ip: '10.0.0.3', severity: 'HIGH', count: 1 });
    expect(up?.details.storm).toBeUndefined();
    expect(f.raise(port('10.0.0.4', T0 + 60_004))?.src_ip).toBe('10.0.0.4');
    const storm2 = f.raise(port('10.0.0.5', T0 + 60_005))!;
    expect(storm2).not.toBe(storm);
    f.flushStorms();
    expect(r.news.at(-1)).toMatchObject({ id: storm2.id, count: 1, details: { storm: true } });
    expect(f.summary().storm).toMatchObject({ folded: 2, storms: 2 });
  });

  it('reads the limits from settings, seconds to ms', () => {
    const s = defaultSettings();
    s.alerts.rate_limit = { SUSPICIOUS_PORT: { count: 20, seconds: 60 }, SQL_INJECTION: false };
    const lim = rateLimitFromSettings(s);
    expect(lim('SUSPICIOUS_PORT')).toEqual({ count: 20, windowMs: 60_000 });
    expect(lim('SQL_INJECTION')).toBeNull();
    expect(lim('SYN_SCAN')).toBeNull();
    s.alerts.storm_control = false;
    expect(rateLimitFromSettings(s)('SUSPICIOUS_PORT')).toBeNull();
  });
});
