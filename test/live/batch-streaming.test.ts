// Live: `netguard --batch -i IFACE` piped to a reader (a SIEM shipper) gets each alert line while the
// attack is still running, within a second of the packet that raised it, and the JSONL log, the text
// log, EVE and the SQLite history have the alert on disk within a second too. nmap (bounded by --max-rate
// and timeout) scans from the attacker namespace; NetGuard captures on the victim's veth.
import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPair, requireRoot, type NetnsPair } from '../helpers/netns.js';
import { spawnNetguard } from '../helpers/netguard.js';
import { removeDir, sleep, workDir } from '../detect/live-helpers.js';

let pair: NetnsPair;
let dir: string;

beforeAll(async () => {
  requireRoot();
  pair = await createPair('str1', 215);
  dir = workDir();
  // Every output on, written in the working directory.
  appendFileSync(path.join(dir, 'settings.yaml'), '\noutputs:\n  eve:\n    enabled: true\nhistory:\n  enabled: true\n');
}, 30_000);

afterAll(async () => {
  await pair?.destroy();
  if (dir) removeDir(dir);
});

interface Line {
  at: number;
  rec: { id: string; type: string; timestamp: string; final?: boolean; message: string; details: Record<string, unknown> };
}

/** Wall-clock time at which `has()` first held, polled every 20 ms until `deadline`; null if never. */
async function firstSeen(has: () => boolean, deadline: number): Promise<number | null> {
  while (Date.now() < deadline) {
    try {
      if (has()) return Date.now();
    } catch {
      // the file is being created or written: look again
    }
    await sleep(20);
  }
  return null;
}

describe('live --batch streams alerts', () => {
  it('alert lines reach the pipe and every log while nmap is still scanning', async () => {
    const { child, done } = spawnNetguard(['--batch', '-i', pair.victimIf], { netns: pair.victim, cwd: dir, timeoutMs: 110_000 });
    const lines: Line[] = [];
    let partial = '';
    let err = '';
    child.stderr?.on('data', (d: Buffer) => (err += d.toString()));
    child.stdout?.on('data', (d: Buffer) => {
      const at = Date.now();
      const parts = (partial + d.toString()).split('\n');
      partial = parts.pop() ?? '';
      for (const p of parts) if (p.trim() !== '') lines.push({ at, rec: JSON.parse(p) as Line['rec'] });
    });
    let attackEnd = 0;
    let disk: Record<string, number | null> = {};
    let scanLine: Line | undefined;
    try {
      const open = await firstSeen(() => /listening on veth-v/.test(err), Date.now() + 30_000);
      expect(open, err).not.toBeNull();
      await pair.exec(pair.attacker, 'ping', ['-c', '1', '-W', '1', pair.victimIp]);
      // About 10 s of scanning at 100 probes/s: the first alert comes long before the scan ends.
      const attack = pair.exec(pair.attacker, 'timeout', ['40', 'nmap', '-n', '-Pn', '-sS', '--max-rate', '100', '-p', '1-1000', pair.victimIp], { timeoutMs: 50_000 });
      const seen = await firstSeen(() => lines.some((l) => l.rec.type === 'SYN_SCAN'), Date.now() + 30_000);
      expect(seen, `no SYN_SCAN line while nmap ran; stderr: ${err}`).not.toBeNull();
      scanLine = lines.find((l) => l.rec.type === 'SYN_SCAN')!;
      const id = scanLine.rec.id;
      const within = scanLine.at + 1500;
      // The same alert in every file NetGuard writes, looked for while the scan goes on.
      const [jsonl, text, eve, history] = await Promise.all([
        firstSeen(() => readFileSync(path.join(dir, 'alerts.json'), 'utf8').includes(`"id":"${id}"`), within),
        firstSeen(() => /SYN_SCAN/.test(readFileSync(path.join(dir, 'alerts.log'), 'utf8')), within),
        firstSeen(() => readFileSync(path.join(dir, 'eve.json'), 'utf8').includes(`"netguard_id":["${id}"]`), within),
        firstSeen(() => {
          if (!existsSync(path.join(dir, 'netguard.db'))) return false;
          const db = new Database(path.join(dir, 'netguard.db'), { readonly: true, fileMustExist: true });
          try {
            return db.prepare('SELECT 1 FROM alerts WHERE alert_id = ?').get(id) !== undefined;
          } finally {
            db.close();
          }
        }, within),
      ]);
      disk = { jsonl, text, eve, history };
      await attack;
      attackEnd = Date.now();
      await sleep(1500);
    } finally {
      child.kill('SIGINT');
    }
    const r = await done;
    expect(r.code, r.stderr).toBe(0);
    const raised = Date.parse(scanLine!.rec.timestamp);
    // The line came while nmap was still running, within a second of its packet's capture time.
    expect(scanLine!.at).toBeLessThan(attackEnd);
    expect(scanLine!.at - raised).toBeLessThan(1000);
    for (const [name, at] of Object.entries(disk)) {
      expect(at, `${name} did not have the alert within 1.5 s of the stdout line`).not.toBeNull();
      expect(at! - raised, `${name}: ${at! - raised} ms after the alert was raised`).toBeLessThan(1000 + 20);
    }
    // At exit the scan's final record (same id) has the whole scan: nmap's 1000 ports, all closed.
    const fin = lines.filter((l) => l.rec.id === scanLine!.rec.id && l.rec.final === true);
    expect(fin).toHaveLength(1);
    expect(fin[0].rec.details.ports_seen).toBe(1000);
    expect(fin[0].rec.message).toMatch(/: 1000 ports, \d+ probes$/);
  }, 120_000);
});
