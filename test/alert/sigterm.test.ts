// No alert is lost when the process is stopped with SIGTERM during a burst: a child writes alerts into
// the real sinks continuously, is sent SIGTERM, flushes through flushAll, and every alert it emitted is
// in the JSONL log and the text log.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/netguard.js';
import { tempDirs } from '../helpers/temp-dir.js';

const tempDir = tempDirs('ng-term-');

const FIXTURE = path.join(ROOT, 'test/alert/fixtures/burst.ts');

function burstAndTerm(log: string, text: string, delayMs: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', FIXTURE, log, text], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
    child.stdout.setEncoding('utf8').once('data', () => setTimeout(() => child.kill('SIGTERM'), delayMs));
    child.on('close', (code) => {
      const m = /emitted (\d+)/.exec(err);
      if (code !== 0 || !m) reject(new Error(`child ended ${code}: ${err}`));
      else resolve(Number(m[1]));
    });
  });
}

describe('SIGTERM during a burst', () => {
  for (const delay of [50, 400, 1300]) {
    it(`loses no alert (SIGTERM after ${delay} ms)`, async () => {
      const dir = tempDir();
      const log = path.join(dir, 'alerts.json');
      const text = path.join(dir, 'alerts.log');
      const emitted = await burstAndTerm(log, text, delay);
      expect(emitted).toBeGreaterThan(200);
      const lines = readFileSync(log, 'utf8').trim().split('\n');
      expect(lines).toHaveLength(emitted);
      const ids = new Set(lines.map((l) => (JSON.parse(l) as { id: string }).id));
      expect(ids.size).toBe(emitted);
      expect(readFileSync(text, 'utf8').trim().split('\n')).toHaveLength(emitted);
    });
  }
});
