// Evidence of a capture file read through a filter (-r FILE -f EXPR): the packets come from tcpdump's
// output, whose offsets are not the file's, so the lookback keeps copies of them; the evidence each alert
// gets is the evidence of the same file read without a filter when the filter keeps every packet.
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { CORPUS, runNetguard } from '../helpers/netguard.js';
import { tempDirs } from '../helpers/temp-dir.js';

const dirs = tempDirs('ng-evidence-filter-');

/** Every evidence row of the run's history: alert id, counts and the flows it lists. */
function evidenceRows(dir: string): Array<{ alert_id: string; seen: number; kept: number; flows: string }> {
  const db = new Database(path.join(dir, 'netguard.db'), { readonly: true });
  try {
    return db.prepare('SELECT alert_id, seen, kept, flows FROM evidence ORDER BY alert_id').all() as Array<{ alert_id: string; seen: number; kept: number; flows: string }>;
  } finally {
    db.close();
  }
}

describe('evidence of a filtered capture file', () => {
  it('is the evidence of the unfiltered read when the filter keeps every packet (pcapng in, tcpdump pcap out)', async () => {
    const file = path.join(CORPUS, 'chrissanders-packets/synscan.pcapng');
    // The filter keeps every packet of this capture (all TCP), so only the way the bytes arrive differs.
    const count = (filter: string[]): string => execFileSync('tcpdump', ['-r', file, '--count', ...filter], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    expect(count(['tcp'])).toBe(count([]));
    const plain = dirs();
    const filtered = dirs();
    const a = await runNetguard(['--batch', '-r', file], { cwd: plain });
    const b = await runNetguard(['--batch', '-r', file, '-f', 'tcp'], { cwd: filtered });
    expect(a.code, a.stderr).toBe(0);
    expect(b.code, b.stderr).toBe(0);
    const want = evidenceRows(plain);
    // The scan alerts list hundreds of flows each: a frame read from the wrong place shows here.
    expect(want.filter((r) => r.kept > 100).length).toBeGreaterThan(0);
    expect(evidenceRows(filtered)).toEqual(want);
  }, 120_000);
});
