// Stopping NetGuard with SIGTERM in the middle of a burst of alerts loses none: every alert printed on
// stdout is also in the JSONL log, the text log and the SQLite history when the process has exited.
import { describe, it, expect } from 'vitest';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { pcapBytes, tcpFrame } from '../helpers/gen-pcap.js';
import { jsonLines, spawnNetguard } from '../helpers/netguard.js';
import { tempDirs } from '../helpers/temp-dir.js';

/** A pcap of `n` TCP SYNs to port 23 from distinct sources: each is a SUSPICIOUS_PORT alert of its own. */
function synBurst(n: number): Buffer {
  const frames = Array.from({ length: n }, (_, i) => {
    const a = 0x0a000001 + i; // 10.0.0.1, 10.0.0.2, ...
    const src = [a >>> 24, (a >>> 16) & 255, (a >>> 8) & 255, a & 255].join('.');
    // One packet per millisecond.
    return { ts: 1_700_000_000_000 + i, data: tcpFrame({ src, dst: '192.168.0.1', sport: 40000 + (i % 20000), dport: 23, flags: 0x02 }) };
  });
  return pcapBytes(frames);
}

const tempDir = tempDirs('ng-term-');

describe('SIGTERM during a burst', () => {
  it('flushes every alert to every log before exiting', async () => {
    // Storm control off: every SYN is an alert of its own, and every one must reach every log.
    const dir = tempDir({ 'settings.yaml': 'alerts:\n  max_log_entries: 100000\n  storm_control: false\n' });
    const pcap = synBurst(60_000);
    const { child, done } = spawnNetguard(['--batch', '-r', '-'], { cwd: dir });
    let out = '';
    child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
    // Bytes still queued for stdin when NetGuard stops reading end in EPIPE: expected, not a failure.
    child.stdin?.on('error', () => undefined);
    // Feed the capture in pieces, each once NetGuard has printed most of the alerts of the pieces before
    // (so the signal comes mid-run however slowly the process starts on a loaded machine), until 2000
    // alerts are out.
    const step = 54 + 16;
    const piece = 500;
    const lines = (): number => out.split('\n').length - 1;
    child.stdin?.write(pcap.subarray(0, 24));
    let off = 24;
    let fed = 0;
    while (off < pcap.length && lines() < 2000) {
      const end = Math.min(pcap.length, off + step * piece);
      child.stdin?.write(pcap.subarray(off, end));
      off = end;
      fed += piece;
      const t0 = Date.now();
      while (lines() < fed - piece && Date.now() - t0 < 30_000) await new Promise((r) => setTimeout(r, 20));
    }
    child.kill('SIGTERM');
    const r = await done;
    expect(r.code).toBe(0);
    // Each alert as raised (its final record, the same id with final: true, follows at exit).
    const printed = jsonLines<{ id: string; type: string; final?: boolean }>(r.stdout).filter((a) => a.type === 'SUSPICIOUS_PORT' && !a.final);
    expect(printed.length).toBeGreaterThanOrEqual(2000);
    // Not every packet was read: the signal really came mid-burst.
    expect(printed.length).toBeLessThan(60_000);
    const logged = new Set(jsonLines<{ id: string }>(readFileSync(path.join(dir, 'alerts.json'), 'utf8')).map((a) => a.id));
    for (const a of printed) expect(logged.has(a.id)).toBe(true);
    const text = readFileSync(path.join(dir, 'alerts.log'), 'utf8').trim().split('\n');
    expect(text.filter((l) => l.includes('SUSPICIOUS_PORT') && !l.includes('(final: ')).length).toBe(printed.length);
    const db = new Database(path.join(dir, 'netguard.db'), { readonly: true });
    try {
      const row = db.prepare("SELECT COUNT(*) AS n FROM alerts WHERE type = 'SUSPICIOUS_PORT'").get() as { n: number };
      expect(row.n).toBe(printed.length);
    } finally {
      db.close();
    }
  });
});
