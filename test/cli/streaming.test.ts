// Batch mode streams: an alert line reaches stdout (a pipe here) while the capture is still being read,
// within a second of the packet that raised it, as `tcpdump -U -w - | netguard --batch -r -` needs.
import { describe, it, expect } from 'vitest';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { jsonLines, spawnNetguard } from '../helpers/netguard.js';
import { tempDirs } from '../helpers/temp-dir.js';
import { httpGet, writePcap } from '../web/frames.js';

const T0 = Date.UTC(2026, 10, 20, 12, 0, 0);
const tempDir = tempDirs('ng-stream-');

/** The pcap bytes of these packets; `header` false leaves out the 24-byte file header (a later part of the stream). */
function pcapBytes(dir: string, name: string, packets: ReturnType<typeof httpGet>, header: boolean): Buffer {
  const f = path.join(dir, name);
  writePcap(f, packets);
  const b = readFileSync(f);
  return header ? b : b.subarray(24);
}

describe('--batch -r - (a capture fed slowly through a pipe)', () => {
  it('writes each alert line as soon as its packets arrive, not when standard input ends', async () => {
    const dir = tempDir();
    const first = pcapBytes(dir, 'a.pcap', httpGet(T0, '10.1.0.5', '10.1.0.80', "/item?id=1' OR '1'='1", 40001), true);
    const second = pcapBytes(dir, 'b.pcap', httpGet(T0 + 10_000, '10.1.0.6', '10.1.0.80', '/static/../../../../etc/passwd', 40002), false);
    const { child, done } = spawnNetguard(['--batch', '-r', '-'], { cwd: dir, timeoutMs: 60_000 });
    let out = '';
    child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
    const waitFor = async (needle: string, ms: number): Promise<number> => {
      const start = Date.now();
      while (!out.includes(needle) && Date.now() - start < ms) await new Promise((r) => setTimeout(r, 10));
      expect(out, `no ${needle} line on stdout after ${ms} ms, standard input still open`).toContain(needle);
      return Date.now() - start;
    };
    try {
      // The first alert also waits for node to start; standard input stays open all along.
      child.stdin?.write(first);
      await waitFor('"SQL_INJECTION"', 30_000);
      expect(out).not.toContain('DIRECTORY_TRAVERSAL');
      // Once running, the next attack's line must follow its packets within a second.
      child.stdin?.write(second);
      const ms = await waitFor('"DIRECTORY_TRAVERSAL"', 5_000);
      expect(ms).toBeLessThan(1000);
    } finally {
      child.stdin?.end();
    }
    const r = await done;
    expect(r.code, r.stderr).toBe(0);
    const types = jsonLines<{ type: string; final?: boolean }>(r.stdout)
      .filter((a) => !a.final)
      .map((a) => a.type);
    expect(types).toEqual(['SQL_INJECTION', 'DIRECTORY_TRAVERSAL']);
  }, 90_000);
});
