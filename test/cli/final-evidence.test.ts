// Final evidence in every output: a SYN scan of 1000 ports (as `nmap -sS -p 1-1000`, every port closed,
// all within 0.4 s) is raised at its first threshold with a few ports, and written again when the capture
// ends with all 1000: the same id, "final": true, on stdout, in alerts.json, alerts.log, EVE (in
// alert.metadata) and the history (the row updated, not a second one).
import { describe, it, expect, beforeAll } from 'vitest';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { jsonLines, runNetguard, type RunResult } from '../helpers/netguard.js';
import { tempDirs } from '../helpers/temp-dir.js';
import { raw, tcpFrame, writePcap } from '../web/frames.js';
import type { RawPacket } from '../../src/capture/types.js';

const T0 = Date.UTC(2026, 10, 20, 12, 0, 0);
const SCANNER = '10.7.0.5';
const TARGET = '10.7.0.80';
const SYN = 0x02;
const RST_ACK = 0x14;

/** nmap -sS -p 1-1000 against a host with every port closed: a SYN to each port, a RST+ACK back. */
function synScan1000(): RawPacket[] {
  const out: RawPacket[] = [];
  for (let port = 1; port <= 1000; port++) {
    const t = T0 + (port - 1) * 0.4;
    out.push(raw(t, tcpFrame({ src: SCANNER, dst: TARGET, sport: 45000, dport: port, flags: SYN, seq: 9000 })));
    out.push(raw(t + 0.1, tcpFrame({ src: TARGET, dst: SCANNER, sport: port, dport: 45000, flags: RST_ACK, seq: 0, ack: 9001 })));
  }
  return out;
}

interface Rec {
  id: string;
  type: string;
  message: string;
  count: number;
  final?: boolean;
  final_reason?: string;
  details: { ports_seen?: number };
}

const tempDir = tempDirs('ng-final-');
let dir = '';
let r: RunResult;

beforeAll(async () => {
  dir = tempDir({ 'settings.yaml': 'alerts:\n  enable_notifications: false\noutputs:\n  eve:\n    enabled: true\n' });
  writePcap(path.join(dir, 'scan.pcap'), synScan1000());
  r = await runNetguard(['--batch', '-r', 'scan.pcap'], { cwd: dir });
}, 120_000);

describe('final records of a 1000-port SYN scan', () => {
  it('stdout: the alert when raised, then its final record with 1000 ports', () => {
    expect(r.code, r.stderr).toBe(0);
    const scans = jsonLines<Rec>(r.stdout).filter((a) => a.type === 'SYN_SCAN');
    expect(scans).toHaveLength(2);
    const [first, fin] = scans;
    expect(first.final).toBeUndefined();
    expect(first.details.ports_seen).toBeLessThan(1000);
    expect(fin.id).toBe(first.id);
    expect(fin.final).toBe(true);
    expect(fin.final_reason).toBe('end');
    expect(fin.details.ports_seen).toBe(1000);
    expect(fin.message).toMatch(/: 1000 ports, 1000 probes$/);
  });

  it('every alert on stdout has exactly one final record, after it', () => {
    const recs = jsonLines<Rec>(r.stdout);
    const ids = recs.filter((a) => !a.final).map((a) => a.id);
    expect(ids.length).toBeGreaterThan(0);
    for (const id of ids) {
      const at = recs.findIndex((a) => a.id === id && !a.final);
      const finals = recs.map((a, i) => [a, i] as const).filter(([a]) => a.id === id && a.final);
      expect(finals, id).toHaveLength(1);
      expect(finals[0][1]).toBeGreaterThan(at);
    }
  });

  it('alerts.json and alerts.log end with the final evidence', () => {
    const scans = jsonLines<Rec>(readFileSync(path.join(dir, 'alerts.json'), 'utf8')).filter((a) => a.type === 'SYN_SCAN');
    expect(scans.map((a) => [a.final ?? false, a.details.ports_seen === 1000])).toEqual([
      [false, false],
      [true, true],
    ]);
    const text = readFileSync(path.join(dir, 'alerts.log'), 'utf8').split('\n').filter((l) => l.includes('SYN_SCAN'));
    expect(text).toHaveLength(2);
    expect(text[0]).not.toContain('(final');
    expect(text[1]).toMatch(/\[HIGH\] SYN_SCAN 10\.7\.0\.5 -> 10\.7\.0\.80: SYN scan .*: 1000 ports, 1000 probes \(final: \d+ detections? until 2026-11-20T12:00:0\d\.\d{3}Z\)$/);
  });

  it('EVE: a second alert record in Suricata shape, netguard_final in alert.metadata', () => {
    const eve = jsonLines<{ timestamp: string; event_type: string; alert?: { signature_id: number; metadata: Record<string, string[]> } }>(readFileSync(path.join(dir, 'eve.json'), 'utf8'));
    const scans = eve.filter((e) => e.event_type === 'alert' && e.alert!.metadata.netguard_type[0] === 'SYN_SCAN');
    expect(scans).toHaveLength(2);
    // Both records carry the triggering packet's time, to the microsecond.
    expect(scans[1].timestamp).toBe(scans[0].timestamp);
    expect(scans[0].timestamp).toMatch(/^2026-11-20T12:00:00\.\d{6}\+0000$/);
    const [first, fin] = scans.map((e) => e.alert!);
    expect(fin.signature_id).toBe(first.signature_id);
    expect(fin.metadata.netguard_id).toEqual(first.metadata.netguard_id);
    expect(first.metadata.netguard_final).toBeUndefined();
    expect(fin.metadata.netguard_final).toEqual(['true']);
    expect(fin.metadata.netguard_final_reason).toEqual(['end']);
    expect(fin.metadata.netguard_ports_seen).toEqual(['1000']);
  });

  it('history: one row for the alert, updated to the final evidence', () => {
    const db = new Database(path.join(dir, 'netguard.db'), { readonly: true });
    try {
      const rows = db.prepare("SELECT alert_id, message, final, details FROM alerts WHERE type = 'SYN_SCAN'").all() as Array<{ alert_id: string; message: string; final: number; details: string }>;
      expect(rows).toHaveLength(1);
      expect(rows[0].final).toBe(1);
      expect(rows[0].message).toMatch(/: 1000 ports, 1000 probes$/);
      expect((JSON.parse(rows[0].details) as { ports_seen: number }).ports_seen).toBe(1000);
    } finally {
      db.close();
    }
  });
});
