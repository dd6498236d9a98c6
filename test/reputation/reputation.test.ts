// IP reputation: list matching (IPv4, IPv6, CIDR, comments), whitelist precedence, scores, promotion,
// decay, the list detector's per-address aggregation, and persistence (restart, corrupt file, appends).
import { existsSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import type { Alert, Detection } from '../../src/alert/types.js';
import { defaultSettings } from '../../src/config/index.js';
import { formatIp, isNormalIpv4, isNormalIpv6, parseIp } from '../../src/decode/addr.js';
import { ipv6Spellings } from '../decode/helpers/ipv6-spellings.js';
import { IpReputation, ReputationStore, createReputationDetector, createReputationSink, REPEAT_MS } from '../../src/reputation/index.js';
import { pkt } from '../rules/packets.js';
import { AlertFunnel } from '../../src/alert/funnel.js';
import { tempDirs } from '../helpers/temp-dir.js';
import { rng } from '../helpers/seeded-random.js';
import { at } from '../helpers/packet-time.js';

const tempDir = tempDirs('ng-rep-');

const ip = (s: string) => parseIp(s)!;
const HOUR = 3_600_000;

const BLACK = `# bad actors
203.0.113.0/24   # documentation net
198.51.100.7
2001:db8:bad::/48
2001:db8::dead
not-an-address
10.0.0.0/40
`;

describe('lists', () => {
  it('match IPv4 and IPv6 addresses and CIDR blocks; comments and blank lines ignored; bad lines warned', () => {
    const r = new IpReputation();
    const w = r.loadLists({ blacklist: BLACK, whitelist: '198.51.100.0/24\n' }, { blacklist: 'blacklist.txt' });
    expect(w).toEqual([
      "blacklist.txt:6: 'not-an-address' is not an IPv4/IPv6 address or CIDR block; line ignored",
      "blacklist.txt:7: '10.0.0.0/40' is not an IPv4/IPv6 address or CIDR block; line ignored",
    ]);
    expect(r.isBlacklisted(ip('203.0.113.200'))).toBe(true);
    expect(r.isBlacklisted(ip('203.0.114.1'))).toBe(false);
    expect(r.isBlacklisted(ip('2001:db8:bad:1::5'))).toBe(true);
    expect(r.isBlacklisted(ip('2001:db8:bae::1'))).toBe(false);
    expect(r.isBlacklisted(ip('2001:db8:0:0::dead'))).toBe(true); // same address, other spelling
    // 198.51.100.7 is on both lists: still blacklisted (BLACKLISTED_IP is raised for it), and whitelisted
    // (never scored, no other alert); the blacklist's status and both reasons show.
    expect(r.isBlacklisted(ip('198.51.100.7'))).toBe(true);
    expect(r.isWhitelisted('198.51.100.7')).toBe(true);
    expect(r.status('198.51.100.7')).toMatchObject({
      status: 'blacklisted',
      score: 0,
      reasons: ['listed in blacklist.txt (198.51.100.7)', 'also listed in whitelist.txt (198.51.100.0/24): never scored, and BLACKLISTED_IP is its only alert'],
    });
    expect(r.status('198.51.100.8').status).toBe('whitelisted');
    expect(r.status('203.0.113.1')).toMatchObject({ status: 'blacklisted', reasons: ['listed in blacklist.txt (203.0.113.0/24)'] });
    expect(r.isWhitelisted('garbage')).toBe(false);
  });
});

function alert(type: Alert['type'], src: string, t: number): Alert {
  const ts = new Date(t).toISOString();
  return { id: `x-${t}`, timestamp: ts, last_seen: ts, type, severity: 'HIGH', message: 'm', src_ip: src, details: {}, count: 1 };
}

describe('scores', () => {
  it('alerts add points per type; reaching the threshold promotes once to MALICIOUS_IP', () => {
    const r = new IpReputation({ score_threshold: 50, decay_per_hour: 0, points: defaultSettings().ip_reputation.points });
    const t = 1_700_000_000_000;
    expect(r.onAlert(alert('SYN_SCAN', '10.0.0.5', t), t)).toBeNull(); // 10
    expect(r.status('10.0.0.5')).toMatchObject({ score: 10, status: 'suspicious', reasons: ['SYN_SCAN (+10)'] });
    expect(r.onAlert(alert('SYN_FLOOD', '10.0.0.5', t), t)).toBeNull(); // 30
    const d = r.onAlert(alert('SQL_INJECTION', '10.0.0.5', t), t); // 55 >= 50
    expect(d).toMatchObject({ type: 'MALICIOUS_IP', severity: 'HIGH', key: '10.0.0.5', details: { score: 55, threshold: 50 } });
    expect(r.status('10.0.0.5').status).toBe('malicious');
    expect(r.onAlert(alert('SYN_SCAN', '10.0.0.5', t), t)).toBeNull();
  });

  it("an alert's points and reason text are its type's, however alerts and manual scores of the same names interleave", () => {
    // onAlert keeps each type's points and text made (typeReasons); addScore makes a text per reason and points.
    const r = new IpReputation({ score_threshold: 1000, decay_per_hour: 0, points: { default: 3, SQL_INJECTION: 25, TRAFFIC_SURGE: 0 } });
    const t = 1_700_000_000_000;
    const steps: Array<[string, number | null]> = [
      ['SQL_INJECTION', null],
      ['SQL_INJECTION', 7],
      ['SQL_INJECTION', null],
      ['NULL_SCAN', null],
      ['NULL_SCAN', 4],
      ['TRAFFIC_SURGE', null],
      ['TRAFFIC_SURGE', 2],
      ['SQL_INJECTION', null],
      ['NULL_SCAN', null],
    ];
    const reasons: string[] = [];
    let score = 0;
    for (const [type, manual] of steps) {
      if (manual === null) r.onAlert(alert(type as Alert['type'], '10.0.0.9', t), t);
      else r.addScore('10.0.0.9', manual, type, t);
      const points = manual ?? (type === 'SQL_INJECTION' ? 25 : type === 'TRAFFIC_SURGE' ? 0 : 3);
      if (points > 0) {
        reasons.push(`${type} (+${points})`);
        score += points;
      }
    }
    expect(r.status('10.0.0.9')).toMatchObject({ score, reasons });
  });

  it('promotion returns the detection exactly when the threshold is crossed', () => {
    const r = new IpReputation({ score_threshold: 30, decay_per_hour: 0 });
    const t = 1_700_000_000_000;
    expect(r.addScore('10.0.0.6', 20, 'A', t)).toBeNull();
    const d = r.addScore('10.0.0.6', 15, 'B', t + 1) as Detection;
    expect(d).toMatchObject({ type: 'MALICIOUS_IP', key: '10.0.0.6', src_ip: '10.0.0.6', ts: t + 1, details: { score: 35, threshold: 30, reasons: ['A (+20)', 'B (+15)'] } });
    expect(r.addScore('10.0.0.6', 15, 'C', t + 2)).toBeNull(); // already malicious
    expect(r.malicious().map((s) => s.ip)).toEqual(['10.0.0.6']);
    expect(r.suspicious()).toEqual([]);
  });

  it('every spelling of an address scores one entry, whether the normal form or another came first', () => {
    const r = new IpReputation({ score_threshold: 50, decay_per_hour: 0 });
    expect(r.addScore('2001:DB8:0::7', 10, 'A', 1000)).toBeNull();
    expect(r.addScore('2001:db8::7', 10, 'B', 1001)).toBeNull();
    expect(r.addScore('2001:0db8::0:7', 10, 'C', 1002)).toBeNull();
    expect(r.addScore('192.0.2.1', 5, 'A', 1003)).toBeNull();
    expect(r.addScore('2001:db8::7', 10, 'D', 1004)).toBeNull();
    const d = r.addScore('2001:DB8::7', 10, 'E', 1005);
    expect(d).toMatchObject({ type: 'MALICIOUS_IP', key: '2001:db8::7', src_ip: '2001:db8::7', details: { score: 50, reasons: ['A (+10)', 'B (+10)', 'C (+10)', 'D (+10)', 'E (+10)'] } });
    expect(r.tracked).toBe(2);
    expect(r.toState().entries.map((e) => [e.ip, e.score])).toEqual([
      ['192.0.2.1', 5],
      ['2001:db8::7', 50],
    ]);
  });

  it('an IPv4 address is its own key exactly when it is in normal form; any other spelling scores its normal form', () => {
    // isNormalIpv4 against what parse and format give back, on edge cases and on random texts of digits and dots.
    const normal = (t: string): boolean => {
      const a = parseIp(t);
      return typeof a === 'number' && formatIp(a) === t;
    };
    const texts = ['1.2.3.4', '0.0.0.0', '255.255.255.255', '256.1.1.1', '01.2.3.4', '1.2.3', '1.2.3.4.', '.1.2.3.4', '1..2.3', '1.2.3.04', ' 1.2.3.4', '1.2.3.4 ', '1.2.3.4.5', '::ffff:1.2.3.4', '1.2.3.400', '0.0.0.00', ''];
    let seed = 7;
    const rnd = (n: number): number => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) % n;
    for (let k = 0; k < 20_000; k++) texts.push(Array.from({ length: 1 + rnd(16) }, () => '0123456789...1 '[rnd(15)]).join(''));
    for (let k = 0; k < 20_000; k++) texts.push(Array.from({ length: 4 }, () => (rnd(5) === 0 ? '0' : '') + String(rnd(300))).join('.'));
    for (const t of texts) expect(isNormalIpv4(t), JSON.stringify(t)).toBe(normal(t));
    const r = new IpReputation({ score_threshold: 50, decay_per_hour: 0 });
    r.addScore('010.0.0.1', 10, 'A', 0);
    r.addScore(' 10.0.0.1', 10, 'B', 1);
    r.addScore('10.0.0.1', 10, 'C', 2);
    expect(r.toState().entries.map((e) => [e.ip, e.score])).toEqual([['10.0.0.1', 30]]);
  });

  it('an IPv6 address is its own key exactly when it is in RFC 5952 form; any other spelling scores its normal form', () => {
    // isNormalIpv6 against what parse and format give back: canonical texts of random addresses (zero runs of
    // every length and place, IPv4-mapped ones), and spellings of them that are not (upper case, leading
    // zeros, a zero run not compressed or a single zero compressed, misplaced colons, zones, dotted tails).
    const normal = (t: string): boolean => {
      const a = parseIp(t);
      return typeof a === 'string' && a === t;
    };
    const texts = ['::', '::1', '1::', '::ffff:1.2.3.4', '::ffff:0:0', '1:0:0:0:0:0:0:8', '1::8', '1:0::8', '1::0:8', '0::', '::0', '1:2:3:4:5:6:7:8', '1:2:3:4:5:6:7::', '::2:3:4:5:6:7:8', '1:2:3:4:5:6:7:8:9', '1:2:3:4:5:6:7', ':::', '1:::2', ':1::2', '1::2:', '1::2::3', 'fe80::1%eth0', '2001:DB8::1', '2001:db8::01', '2001:0db8::1', '12345::', 'g::1', ' ::1', '::1 ', '1.2.3.4', '', ':', '2001:db8:0:0:1:0:0:1', '2001:db8::1:0:0:1', '2001:db8:0:0:1::1'];
    texts.push(...ipv6Spellings(5000, 11));
    for (const t of texts) expect(isNormalIpv6(t), JSON.stringify(t)).toBe(normal(t) && t.includes(':'));
    const r = new IpReputation({ score_threshold: 50, decay_per_hour: 0 });
    r.addScore('2001:DB8::1', 10, 'A', 0);
    r.addScore('2001:db8:0:0:0:0:0:1', 10, 'B', 1);
    r.addScore('2001:db8::1', 10, 'C', 2);
    expect(r.toState().entries.map((e) => [e.ip, e.score])).toEqual([['2001:db8::1', 30]]);
  });

  it('the address scored last, once forgotten (decayed to nothing, or its state replaced), starts again from zero', () => {
    const r = new IpReputation({ score_threshold: 50, decay_per_hour: 10 });
    const h = 3_600_000;
    r.addScore('192.0.2.7', 10, 'A', 0);
    r.addScore('192.0.2.7', 10, 'B', 1);
    r.decay(3 * h);
    expect(r.tracked).toBe(0);
    r.addScore('192.0.2.7', 5, 'C', 3 * h);
    expect(r.status('192.0.2.7')).toMatchObject({ score: 5, reasons: ['C (+5)'], firstSeen: 3 * h });
    r.fromState({ version: 1, entries: [{ ip: '192.0.2.7', score: 40, updated: 3 * h, reasons: ['OLD (+40)'], promoted: false, promotedAt: null }] });
    const d = r.addScore('192.0.2.7', 10, 'D', 3 * h);
    expect(d).toMatchObject({ type: 'MALICIOUS_IP', details: { score: 50, reasons: ['OLD (+40)', 'D (+10)'] } });
  });

  it('whitelisted sources, MALICIOUS_IP/BLACKLISTED_IP alerts and zero-point types are not scored', () => {
    const r = new IpReputation({ decay_per_hour: 0, points: { default: 5, TRAFFIC_SURGE: 0 } });
    r.loadLists({ whitelist: '10.0.0.0/8\n' });
    const t = 1;
    r.onAlert(alert('SYN_SCAN', '10.1.2.3', t), t);
    r.onAlert(alert('MALICIOUS_IP', '192.0.2.1', t), t);
    r.onAlert(alert('TRAFFIC_SURGE', '192.0.2.1', t), t);
    expect(r.tracked).toBe(0);
    r.onAlert(alert('NULL_SCAN', '192.0.2.1', t), t);
    expect(r.status('192.0.2.1').score).toBe(5); // default
  });

  it('scores decay per hour; a decayed address is forgotten and can be promoted again', () => {
    const r = new IpReputation({ score_threshold: 50, decay_per_hour: 10 });
    const t = 1_700_000_000_000;
    r.addScore('192.0.2.9', 60, 'X', t);
    expect(r.status('192.0.2.9').status).toBe('malicious');
    r.decay(t + 2 * HOUR);
    expect(r.status('192.0.2.9')).toMatchObject({ score: 40, status: 'malicious' }); // promoted stays until it reaches 0
    r.decay(t + 5.5 * HOUR);
    expect(r.status('192.0.2.9')).toMatchObject({ score: 5, status: 'malicious' });
    r.decay(t + 6 * HOUR);
    expect(r.status('192.0.2.9')).toMatchObject({ score: 0, status: 'clean' });
    expect(r.tracked).toBe(0);
    expect(r.addScore('192.0.2.9', 55, 'again', t + 7 * HOUR)?.type).toBe('MALICIOUS_IP');
    // Decay also applies lazily when points are added.
    r.addScore('192.0.2.10', 20, 'a', t + 8 * HOUR);
    r.addScore('192.0.2.10', 20, 'b', t + 9 * HOUR);
    expect(r.status('192.0.2.10').score).toBe(30);
  });

  it('tracked addresses are capped', () => {
    const r = new IpReputation({ max_tracked: 100, decay_per_hour: 0 });
    for (let i = 0; i < 1000; i++) r.addScore(`10.0.${i >> 8}.${i & 255}`, 1, 'x', i);
    expect(r.tracked).toBe(100);
  });

  it('at capacity, decayed addresses go first and promoted ones stay; the full decay pass runs once per second of packet time', () => {
    const r = new IpReputation({ max_tracked: 100, decay_per_hour: 3600, score_threshold: 50 });
    // 10 promoted addresses, then 90 weak ones (1 point: decayed to nothing one second later).
    for (let i = 0; i < 10; i++) expect(r.addScore(`192.0.2.${i}`, 60, 'bad', 0)?.type).toBe('MALICIOUS_IP');
    for (let i = 0; i < 90; i++) r.addScore(`10.1.0.${i}`, 1, 'weak', 0);
    expect(r.tracked).toBe(100);
    const passes = vi.spyOn(r, 'decay');
    // 2 s later, 1000 new sources within the same second: one decay pass forgets the 90 weak ones, and
    // each further new source evicts the least recently scored one that is not promoted.
    for (let i = 0; i < 1000; i++) r.addScore(`10.2.${i >> 8}.${i & 255}`, 5, 'new', 2000 + (i % 500));
    expect(passes).toHaveBeenCalledTimes(1);
    expect(r.tracked).toBe(100);
    for (let i = 0; i < 10; i++) expect(r.status(`192.0.2.${i}`).status).toBe('malicious');
    expect(r.status('10.1.0.0').score).toBe(0);
    // The newest 90 new sources are the ones kept beside the promoted.
    expect(r.status('10.2.3.231').score).toBeGreaterThan(0);
    expect(r.status('10.2.3.142').score).toBeGreaterThan(0);
    expect(r.status('10.2.3.141').score).toBe(0);
    // A second later, the next new source makes the next pass.
    r.addScore('10.3.0.1', 5, 'new', 3000);
    expect(passes).toHaveBeenCalledTimes(2);
  });

  it('at capacity a new address evicts the least recently scored one not promoted, else the least recently scored (random operations)', () => {
    // No decay, so nothing leaves but by eviction; the expected victim is read off the state's order
    // (least recently scored first) before each new address, as the rule says.
    const r = new IpReputation({ max_tracked: 40, decay_per_hour: 0, score_threshold: 50 });
    const next = rng(2026);
    const pool = Array.from({ length: 120 }, (_, i) => `198.51.100.${i}`);
    let evictions = 0;
    let promotedVictims = 0;
    for (let step = 0; step < 5000; step++) {
      // Mostly weak scores, sometimes one that promotes; in phases the table fills with promoted ones.
      const heavy = next() < (step % 1000 < 500 ? 0.1 : 0.9);
      const ip = pool[Math.floor(next() * pool.length)];
      const before = r.toState().entries;
      const isNew = !before.some((e) => e.ip === ip);
      const full = before.length === 40;
      const victim = full && isNew ? (before.find((e) => !e.promoted) ?? before[0]) : null;
      r.addScore(ip, heavy ? 60 : 1 + Math.floor(next() * 5), 'x', step);
      const after = r.toState().entries.map((e) => e.ip);
      expect(after.length).toBe(isNew && !full ? before.length + 1 : before.length);
      expect(after[after.length - 1]).toBe(ip);
      if (victim) {
        evictions++;
        if (victim.promoted) promotedVictims++;
        expect(after).not.toContain(victim.ip);
        expect(after.filter((a) => a !== ip)).toEqual(before.map((e) => e.ip).filter((a) => a !== victim.ip));
      }
    }
    // Both cases of the rule were exercised.
    expect(evictions).toBeGreaterThan(500);
    expect(promotedVictims).toBeGreaterThan(50);
    expect(evictions - promotedVictims).toBeGreaterThan(50);
  });

  it('an address scored several times in a row (as in an alert storm) stays the newest, and eviction still follows the rule', () => {
    // Each address gets a run of 1-6 scorings one after the other, sometimes promoting mid-run; after each,
    // the state's order (least recently scored first) must be the order a reference list kept by moving
    // the scored address to the end, with the rule's victim taken out for a new one at capacity.
    const r = new IpReputation({ max_tracked: 30, decay_per_hour: 0, score_threshold: 50 });
    const next = rng(7);
    const pool = Array.from({ length: 80 }, (_, i) => `203.0.113.${i}`);
    const order: string[] = [];
    const promoted = new Set<string>();
    const score = new Map<string, number>();
    let runs = 0;
    let step = 0;
    while (step < 4000) {
      const ip = pool[Math.floor(next() * pool.length)];
      const len = 1 + Math.floor(next() * 6);
      runs++;
      for (let k = 0; k < len; k++, step++) {
        const points = next() < 0.08 ? 30 : 1 + Math.floor(next() * 9);
        if (!order.includes(ip) && order.length === 30) {
          const victim = order.find((x) => !promoted.has(x)) ?? order[0];
          order.splice(order.indexOf(victim), 1);
          promoted.delete(victim);
          score.delete(victim);
        }
        const i = order.indexOf(ip);
        if (i >= 0) order.splice(i, 1);
        order.push(ip);
        const s = (score.get(ip) ?? 0) + points;
        score.set(ip, s);
        const promotes = !promoted.has(ip) && s >= 50;
        if (promotes) promoted.add(ip);
        const d = r.addScore(ip, points, k % 2 ? 'SQL_INJECTION' : 'SUSPICIOUS_PORT', step);
        expect(d !== null).toBe(promotes);
        expect(r.toState().entries.map((e) => e.ip)).toEqual(order);
      }
    }
    expect(runs).toBeGreaterThan(500);
    expect(promoted.size).toBeGreaterThan(5);
    // The reasons are the texts they always were, however often made.
    const last = r.toState().entries.at(-1);
    expect(last?.reasons.every((t) => /^(SQL_INJECTION|SUSPICIOUS_PORT) \(\+\d+\)$/.test(t))).toBe(true);
  });

  it('after loading a state, eviction follows the loaded order and promotion flags', () => {
    const r = new IpReputation({ max_tracked: 4, decay_per_hour: 0, score_threshold: 50 });
    const entry = (ip: string, score: number, promoted: boolean) => ({ ip, score, updated: 0, reasons: [], promoted, promotedAt: promoted ? 0 : null });
    r.fromState({ version: 1, entries: [entry('192.0.2.1', 60, true), entry('192.0.2.2', 3, false), entry('192.0.2.3', 70, true), entry('192.0.2.4', 4, false)] });
    r.addScore('192.0.2.9', 1, 'x', 10);
    expect(r.toState().entries.map((e) => e.ip)).toEqual(['192.0.2.1', '192.0.2.3', '192.0.2.4', '192.0.2.9']);
    r.addScore('192.0.2.10', 1, 'x', 11);
    r.addScore('192.0.2.11', 1, 'x', 12);
    expect(r.toState().entries.map((e) => e.ip)).toEqual(['192.0.2.1', '192.0.2.3', '192.0.2.10', '192.0.2.11']);
    // Promoted ones only: the least recently scored goes.
    r.addScore('192.0.2.10', 60, 'x', 13);
    r.addScore('192.0.2.11', 60, 'x', 14);
    r.addScore('192.0.2.12', 60, 'x', 15);
    expect(r.toState().entries.map((e) => e.ip)).toEqual(['192.0.2.3', '192.0.2.10', '192.0.2.11', '192.0.2.12']);
  });

  it('the reputation sink scores alerts and raises the promotion', () => {
    const r = new IpReputation({ score_threshold: 20, decay_per_hour: 0, points: { SYN_SCAN: 10 } });
    const got: Detection[] = [];
    const sink = createReputationSink(r, (d) => got.push(d));
    sink.onAlert!(alert('SYN_SCAN', '192.0.2.4', 1000));
    sink.onAlert!(alert('SYN_SCAN', '192.0.2.4', 2000));
    expect(got).toHaveLength(1);
    expect(got[0]).toMatchObject({ type: 'MALICIOUS_IP', ts: 2000 });
  });
});

describe('list detector', () => {
  it('raises BLACKLISTED_IP from or to a listed address, aggregated per address', () => {
    const r = new IpReputation();
    r.loadLists({ blacklist: '203.0.113.0/24\n2001:db8:bad::/48\n', malicious: '192.0.2.66\n' });
    const got: Detection[] = [];
    const det = createReputationDetector(r, (d) => got.push(d));
    const t = 1_700_000_000_000;
    for (let i = 0; i < 100; i++) det.onPacket(at(pkt({ src: '203.0.113.5', dst: '10.0.0.1' }), t + i));
    det.onPacket(at(pkt({ src: '10.0.0.1', dst: '203.0.113.5' }), t + 200));
    expect(got).toHaveLength(1);
    expect(got[0]).toMatchObject({ type: 'BLACKLISTED_IP', key: '203.0.113.5', src_ip: '203.0.113.5', details: { direction: 'src', entry: '203.0.113.0/24', packets: 1 } });
    det.onPacket(at(pkt({ src: '10.0.0.1', dst: '203.0.113.5' }), t + REPEAT_MS + 1));
    expect(got).toHaveLength(2);
    expect(got[1].details).toMatchObject({ direction: 'dst', packets: 101 }); // 99 + 1 + this one since the first
    det.onPacket(at(pkt({ src: '2001:db8::1', dst: '2001:db8:bad::99' }), t));
    expect(got[2]).toMatchObject({ type: 'BLACKLISTED_IP', key: '2001:db8:bad::99' });
    det.onPacket(at(pkt({ src: '192.0.2.66', dst: '10.0.0.1' }), t));
    expect(got[3]).toMatchObject({ type: 'MALICIOUS_IP', key: '192.0.2.66' });
    det.onPacket(at(pkt({ src: '10.0.0.1', dst: '10.0.0.2' }), t));
    expect(got).toHaveLength(4);
  });
});

describe('an address on the blacklist and the whitelist', () => {
  it('still raises BLACKLISTED_IP through the funnel; its behaviour alerts stay off; MALICIOUS_IP from malicious.txt does not', () => {
    const r = new IpReputation();
    r.loadLists({ blacklist: '198.51.100.7\n', whitelist: '198.51.100.0/24\n', malicious: '198.51.100.9\n' });
    const funnel = new AlertFunnel({ suppressionMs: () => 60_000, isWhitelisted: (a) => r.isWhitelisted(a) });
    const raised: string[] = [];
    funnel.addSink({ name: 't', onAlert: (a) => raised.push(`${a.type} ${a.src_ip}`) });
    const det = createReputationDetector(r, (d) => funnel.raise(d));
    const t = Date.UTC(2026, 0, 1);
    det.onPacket(at(pkt({ src: '198.51.100.7', dst: '10.0.0.1' }), t));
    det.onPacket(at(pkt({ src: '198.51.100.9', dst: '10.0.0.1' }), t));
    funnel.raise({ type: 'SYN_SCAN', severity: 'HIGH', message: 'scan', ts: t, key: '198.51.100.7', src_ip: '198.51.100.7', details: {} });
    expect(raised).toEqual(['BLACKLISTED_IP 198.51.100.7']);
  });
});

describe('persistence', () => {
  function cfg(dir: string) {
    return { ...defaultSettings().ip_reputation, state_file: path.join(dir, 'state.json'), blacklist_file: path.join(dir, 'black.txt'), whitelist_file: path.join(dir, 'white.txt'), malicious_file: path.join(dir, 'mal.txt'), decay_per_hour: 0 };
  }

  it('scores survive a restart', async () => {
    const dir = tempDir();
    const a = new ReputationStore(cfg(dir));
    expect(a.warnings).toEqual([]);
    a.rep.addScore('10.0.0.7', 30, 'SYN_SCAN', 1000);
    a.rep.addScore('2001:db8::7', 60, 'SYN_FLOOD', 1000);
    await a.stop();
    const b = new ReputationStore(cfg(dir));
    expect(b.rep.status('10.0.0.7')).toMatchObject({ score: 30, status: 'suspicious', reasons: ['SYN_SCAN (+30)'] });
    expect(b.rep.status('2001:db8::7').status).toBe('malicious');
  });

  it('a corrupt state file is moved aside with a warning, never silently lost', () => {
    const dir = tempDir();
    const c = cfg(dir);
    writeFileSync(c.state_file, '{"version":1,"entries":[{"ip":"10.0.0.1","sco');
    const s = new ReputationStore(c);
    expect(s.warnings).toHaveLength(1);
    expect(s.warnings[0]).toMatch(new RegExp(`^${c.state_file}: corrupt reputation state \\(.*\\); moved to ${c.state_file}\\.corrupt-1, starting with empty scores$`));
    expect(readFileSync(`${c.state_file}.corrupt-1`, 'utf8')).toContain('"sco');
    expect(existsSync(c.state_file)).toBe(false);
    writeFileSync(c.state_file, '[1,2,3]');
    const s2 = new ReputationStore(c);
    expect(s2.warnings[0]).toMatch(/moved to .*state\.json\.corrupt-2/);
  });

  it('first and last seen are the first and latest scoring alert, and survive a restart', async () => {
    const dir = tempDir();
    const a = new ReputationStore(cfg(dir));
    const t = Date.UTC(2026, 0, 1, 12);
    a.rep.onAlert(alert('SYN_SCAN', '192.0.2.9', t), t);
    a.rep.onAlert(alert('PORT_SWEEP', '192.0.2.9', t + 90_000), t + 90_000);
    expect(a.rep.status('192.0.2.9')).toMatchObject({ firstSeen: t, lastSeen: t + 90_000 });
    expect(a.rep.status('192.0.2.10')).toMatchObject({ firstSeen: null, lastSeen: null });
    await a.stop();
    const b = new ReputationStore(cfg(dir));
    expect(b.rep.status('192.0.2.9')).toMatchObject({ status: 'suspicious', firstSeen: t, lastSeen: t + 90_000 });
    rmSync(dir, { recursive: true, force: true });
  });

  it('adding an entry already listed (any spelling, or inside a listed block) writes nothing and says so', () => {
    const dir = tempDir();
    const c = cfg(dir);
    const s = new ReputationStore(c);
    expect(s.add('blacklist', '2001:DB8::0:7').message).toBe(`added 2001:db8::7 to ${c.blacklist_file}`);
    expect(s.add('blacklist', '2001:db8::7')).toEqual({ ok: true, message: `2001:db8::7 is already listed in ${c.blacklist_file}; nothing changed` });
    expect(s.add('blacklist', '2001:db8:0::7/128')).toEqual({ ok: true, message: `2001:db8::7 is already listed in ${c.blacklist_file}; nothing changed` });
    expect(s.add('blacklist', '203.0.113.0/24').ok).toBe(true);
    expect(s.add('blacklist', '203.0.113.77')).toEqual({ ok: true, message: `203.0.113.77 is already covered by 203.0.113.0/24 in ${c.blacklist_file}; nothing changed` });
    expect(readFileSync(c.blacklist_file, 'utf8')).toBe('2001:db8::7\n203.0.113.0/24\n');
    rmSync(dir, { recursive: true, force: true });
  });

  it('adding to one list an address on another says which wins', () => {
    const dir = tempDir();
    const c = cfg(dir);
    const s = new ReputationStore(c);
    s.add('whitelist', '10.0.0.0/8');
    expect(s.add('blacklist', '10.1.2.3').message).toBe(
      `added 10.1.2.3 to ${c.blacklist_file}; it is also on ${c.whitelist_file} (10.0.0.0/8): BLACKLISTED_IP is raised for it all the same, its other alerts stay off`,
    );
    expect(s.add('whitelist', '203.0.113.5').message).toBe(`added 203.0.113.5 to ${c.whitelist_file}`);
    s.add('blacklist', '192.0.2.0/24');
    expect(s.add('whitelist', '192.0.2.4').message).toBe(
      `added 192.0.2.4 to ${c.whitelist_file}; it stays on ${c.blacklist_file} (192.0.2.0/24): BLACKLISTED_IP is still raised for it, its other alerts and its score are off`,
    );
    expect(s.add('malicious', '10.9.9.9').message).toBe(`added 10.9.9.9 to ${c.malicious_file}; it is also on ${c.whitelist_file} (10.0.0.0/8), which wins: no MALICIOUS_IP is raised for it`);
    rmSync(dir, { recursive: true, force: true });
  });

  it('remove takes an entry (any spelling) off the file and out of memory, keeping the other lines and comments', () => {
    const dir = tempDir();
    const c = cfg(dir);
    writeFileSync(c.blacklist_file, '# mine\n192.0.2.1  # old\n2001:db8::7\n203.0.113.0/24\n192.0.2.1/32\n');
    const s = new ReputationStore(c);
    expect(s.remove('blacklist', '192.0.2.1')).toEqual({ ok: true, message: `removed 192.0.2.1 from ${c.blacklist_file}` });
    expect(readFileSync(c.blacklist_file, 'utf8')).toBe('# mine\n2001:db8::7\n203.0.113.0/24\n');
    expect(s.rep.isBlacklisted(ip('192.0.2.1'))).toBe(false);
    expect(s.rep.isBlacklisted(ip('203.0.113.9'))).toBe(true);
    expect(s.remove('blacklist', '203.0.113.9')).toEqual({ ok: false, message: `203.0.113.9 is not an entry of ${c.blacklist_file} but is covered by 203.0.113.0/24; remove that block` });
    expect(s.remove('blacklist', '198.51.100.1')).toEqual({ ok: false, message: `198.51.100.1 is not listed in ${c.blacklist_file}` });
    expect(s.remove('blacklist', '2001:DB8:0::7').ok).toBe(true);
    expect(readFileSync(c.blacklist_file, 'utf8')).toBe('# mine\n203.0.113.0/24\n');
    // A restart reads the file as left.
    expect(new ReputationStore(c).rep.blacklist.entries()).toEqual(['203.0.113.0/24']);
    rmSync(dir, { recursive: true, force: true });
  });

  it('menu additions append to the list files and take effect at once', () => {
    const dir = tempDir();
    const c = cfg(dir);
    writeFileSync(c.blacklist_file, '# mine\n192.0.2.1'); // no final newline
    const s = new ReputationStore(c);
    expect(s.add('blacklist', '203.0.113.0/24', 'added from the menu')).toEqual({ ok: true, message: `added 203.0.113.0/24 to ${c.blacklist_file}` });
    expect(readFileSync(c.blacklist_file, 'utf8')).toBe('# mine\n192.0.2.1\n203.0.113.0/24  # added from the menu\n');
    expect(s.rep.isBlacklisted(ip('203.0.113.9'))).toBe(true);
    expect(s.add('whitelist', '2001:db8::/32').ok).toBe(true);
    expect(s.rep.isWhitelisted('2001:db8::1')).toBe(true);
    expect(s.add('malicious', '192.0.2.200').ok).toBe(true);
    expect(readFileSync(c.malicious_file, 'utf8')).toBe('192.0.2.200\n');
    expect(s.rep.status('192.0.2.200').status).toBe('malicious');
    expect(s.add('blacklist', 'nonsense')).toEqual({ ok: false, message: "'nonsense' is not an IPv4/IPv6 address or CIDR block" });
    // A restart reads them back.
    const s2 = new ReputationStore(c);
    expect(s2.rep.isBlacklisted(ip('203.0.113.9'))).toBe(true);
    expect(s2.rep.status('192.0.2.200').status).toBe('malicious');
    expect(readdirSync(dir).filter((f) => f.includes('.tmp-'))).toEqual([]);
  });
});
