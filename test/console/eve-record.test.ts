// What a console makes of one EVE line from Redis: the sensor (EVE host), event type, time, and for alert
// records the NetGuard alert back from alert.metadata, equal to what the sensor raised; wire edge cases
// (not JSON, no host, a Suricata record) are stored too, never redelivered forever.
import { describe, expect, it } from 'vitest';
import { rmSync } from 'node:fs';
import path from 'node:path';
import { AlertHistory } from '../../src/history/index.js';
import { alertToEve, withHost } from '../../src/alert/sinks/eve.js';
import { entryToRecord, eveToAlert, parseEveTime } from '../../src/console/eve-record.js';
import type { Alert } from '../../src/alert/types.js';
import { tempDirs } from '../helpers/temp-dir.js';

const tempDir = tempDirs('ng-eve-rec-');

const scan: Alert = {
  id: '1764950000000-7',
  timestamp: '2026-12-05T16:00:00.123Z',
  type: 'SYN_SCAN',
  severity: 'HIGH',
  message: 'SYN scan from 10.1.0.1: 120 ports on 10.1.0.2',
  src_ip: '10.1.0.1',
  dst_ip: '10.1.0.2',
  proto: 'TCP',
  details: { ports_scanned: 120, sample_ports: [22, 80, 443], rate: 12.5 },
  count: 1,
  last_seen: '2026-12-05T16:00:00.123Z',
};

const flowAlert: Alert = {
  id: '1764950000000-8',
  timestamp: '2026-12-05T16:00:01.000Z',
  type: 'SQL_INJECTION',
  severity: 'CRITICAL',
  message: 'SQL injection in GET /?id=1 OR 1=1',
  src_ip: '10.1.0.1',
  dst_ip: '10.1.0.2',
  src_port: 40000,
  dst_port: 80,
  proto: 'TCP',
  community_id: '1:LQU9qZlK+B5F3KDmev6m5PMibrg=',
  details: { pattern: 'OR 1=1' },
  count: 1,
  last_seen: '2026-12-05T16:00:01.000Z',
};

const eveLine = (a: Alert, host: string): string => withHost(JSON.stringify(alertToEve(a, 'veth0', Date.parse(a.timestamp) + 0.456)), host);

describe('EVE record mapping (console side)', () => {
  it('gives back the alert the sensor raised, tagged with its sensor', () => {
    const r = entryToRecord('netguard', '1764950000123-0', eveLine(scan, 'dmz-1'), 'unknown');
    expect(r).toMatchObject({ stream: 'netguard', entryId: '1764950000123-0', sensor: 'dmz-1', eventType: 'alert' });
    expect(r.ts).toBe(Date.parse(scan.timestamp));
    expect(r.alert).toEqual({ ...scan, sensor: 'dmz-1' });
  });

  it("reads an alert's final record (its episode closed) back with final and its reason", () => {
    const fin: Alert = { ...scan, count: 4, last_seen: '2026-12-05T16:01:00.000Z', final: true, final_reason: 'timeout' };
    const r = entryToRecord('netguard', '9-0', eveLine(fin, 'dmz-1'), 'unknown');
    expect(r.alert).toEqual({ ...fin, sensor: 'dmz-1' });
  });

  it('keeps ports, protocol and Community ID of a one-flow alert', () => {
    const r = entryToRecord('netguard', '1-0', eveLine(flowAlert, 'branch 2 "east"'), 'unknown');
    expect(r.sensor).toBe('branch 2 "east"');
    expect(r.alert).toEqual({ ...flowAlert, sensor: 'branch 2 "east"' });
  });

  it('stores flow, dns, http and stats records with their type and sensor, and no alert', () => {
    for (const type of ['flow', 'dns', 'http', 'stats']) {
      const line = JSON.stringify({ timestamp: '2026-12-05T16:00:02.000001+0000', event_type: type, host: 's3' });
      const r = entryToRecord('k', '2-0', line, 'unknown');
      expect(r).toEqual({ stream: 'k', entryId: '2-0', sensor: 's3', eventType: type, ts: Date.parse('2026-12-05T16:00:02.000Z'), line });
    }
  });

  it('names a record without host by the fallback sensor', () => {
    const r = entryToRecord('k', '3-0', JSON.stringify({ timestamp: '2026-12-05T16:00:00.000000+0000', event_type: 'flow' }), 'unknown');
    expect(r.sensor).toBe('unknown');
  });

  it('stores a line that is not a JSON object as "invalid", as received', () => {
    for (const bad of ['not json', '[1,2]', '"x"', '{"event_type":"alert"', '']) {
      const r = entryToRecord('k', '4-0', bad, 'unknown');
      expect(r).toEqual({ stream: 'k', entryId: '4-0', sensor: 'unknown', eventType: 'invalid', ts: 0, line: bad });
    }
  });

  it("maps a Suricata alert (no netguard_* metadata) to a CUSTOM_RULE alert named by its signature and severity", () => {
    const suri = {
      timestamp: '2026-12-05T16:00:03.250000+0000',
      event_type: 'alert',
      src_ip: '192.0.2.1',
      src_port: 1234,
      dest_ip: '192.0.2.2',
      dest_port: 22,
      proto: 'TCP',
      alert: { action: 'allowed', gid: 1, signature_id: 2001219, rev: 20, signature: 'ET SCAN Potential SSH Scan', category: 'Attempted Information Leak', severity: 2 },
      host: 'suricata-1',
    };
    const r = entryToRecord('k', '5-0', JSON.stringify(suri), 'unknown');
    expect(r.alert).toEqual({
      id: '2001219',
      timestamp: '2026-12-05T16:00:03.250Z',
      type: 'CUSTOM_RULE',
      severity: 'HIGH',
      message: 'ET SCAN Potential SSH Scan',
      details: { signature_id: 2001219, signature: 'ET SCAN Potential SSH Scan', category: 'Attempted Information Leak' },
      count: 1,
      last_seen: '2026-12-05T16:00:03.250Z',
      src_ip: '192.0.2.1',
      dst_ip: '192.0.2.2',
      src_port: 1234,
      dst_port: 22,
      proto: 'TCP',
      sensor: 'suricata-1',
    });
  });

  it('is not fooled by wrong types in an alert record', () => {
    const odd = { timestamp: 17, event_type: 'alert', alert: { signature: 5, severity: 'high', metadata: { netguard_type: ['NOPE'], netguard_severity: 'HIGH', netguard_count: ['-3'] } } };
    const a = eveToAlert(odd, parseEveTime(odd.timestamp));
    expect(a).toMatchObject({ type: 'CUSTOM_RULE', severity: 'WARNING', message: 'EVE alert', count: 1, timestamp: '1970-01-01T00:00:00.000Z' });
    expect(eveToAlert({ event_type: 'alert', alert: 'x' }, 0)).toBeNull();
    expect(eveToAlert({ event_type: 'flow' }, 0)).toBeNull();
  });

  it('parses EVE times with any offset', () => {
    expect(parseEveTime('2026-12-05T17:00:00.500000+0100')).toBe(Date.parse('2026-12-05T16:00:00.500Z'));
    expect(parseEveTime('2026-12-05T16:00:00.000000-0230')).toBe(Date.parse('2026-12-05T18:30:00.000Z'));
    expect(parseEveTime('yesterday')).toBeNaN();
  });
});

describe('a console storing records', () => {
  it("folds an alert's final record into the row of its first, per sensor; a redelivered entry changes nothing", async () => {
    const dir = tempDir();
    try {
      const h = new AlertHistory(path.join(dir, 'c.db'), { log: () => undefined });
      const fin: Alert = { ...scan, count: 4, last_seen: '2026-12-05T16:01:00.000Z', final: true, final_reason: 'timeout' };
      const first = entryToRecord('k', '1-0', eveLine(scan, 'a'), 'unknown');
      const other = entryToRecord('k', '2-0', eveLine(scan, 'b'), 'unknown');
      const last = entryToRecord('k', '3-0', eveLine(fin, 'a'), 'unknown');
      expect(h.storeRemote([first, other])).toHaveLength(2);
      expect(h.storeRemote([first, last])).toEqual([last]);
      const rows = h.query({});
      expect(rows).toHaveLength(2);
      expect(h.query({ sensor: 'a' })).toEqual([expect.objectContaining({ id: scan.id, count: 4, last_seen: fin.last_seen, final: true, sensor: 'a' })]);
      expect(h.query({ sensor: 'b' })).toEqual([expect.objectContaining({ id: scan.id, count: 1, sensor: 'b' })]);
      expect(h.recordCounts()).toEqual([
        { sensor: 'a', event_type: 'alert', count: 2 },
        { sensor: 'b', event_type: 'alert', count: 1 },
      ]);
      await h.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('withHost (Suricata sensor-name as EVE host)', () => {
  it('adds host last and escapes it', () => {
    expect(withHost('{"a":1}', 'x"y')).toBe('{"a":1,"host":"x\\"y"}');
    expect(JSON.parse(withHost('{}', 's1'))).toEqual({ host: 's1' });
    expect(withHost('{"a":1}', '')).toBe('{"a":1}');
  });
});
