// kill -9 in the middle of saving the state file, many times: the file always parses and is one
// complete generation (old or new), never a mix, and no temporary file is mistaken for it.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadReputationState } from '../../src/reputation/store.js';
import { ROOT } from '../helpers/netguard.js';
import { tempDirs } from '../helpers/temp-dir.js';

const tempDir = tempDirs('ng-kill9-');

const FIXTURE = path.join(ROOT, 'test/reputation/fixtures/save-loop.ts');

/** The child saving in a loop, while one runs: a test that times out must not leave it spinning. */
let running: ReturnType<typeof spawn> | null = null;
afterEach(() => {
  running?.kill('SIGKILL');
  running = null;
});

function runAndKill(file: string, afterMs: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', FIXTURE, file], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    running = child;
    let last = 0;
    let started = false;
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      const lines = d.trim().split('\n');
      last = Number(lines[lines.length - 1]) || last;
      if (!started) {
        started = true;
        // Saves are now running in a tight loop: kill at a random moment within the next afterMs.
        setTimeout(() => child.kill('SIGKILL'), Math.random() * afterMs);
      }
    });
    child.on('close', (code, sig) => (sig === 'SIGKILL' ? resolve(last) : reject(new Error(`child ended ${code} ${sig}: ${err}`))));
  });
}

describe('state file under kill -9', () => {
  it('is always old or new, never broken (25 kills)', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'ip_reputation.json');
    let kills = 0;
    for (let i = 0; i < 25; i++) {
      const lastReported = await runAndKill(file, 60);
      kills++;
      expect(existsSync(file)).toBe(true);
      const text = readFileSync(file, 'utf8');
      const parsed = JSON.parse(text) as { entries: Array<{ score: number }> };
      const gen = parsed.entries[0].score;
      // Every entry belongs to one generation, and it is the last one reported or the one after it
      // (the save completed but the kill came before the print).
      expect(parsed.entries.every((e) => e.score === gen)).toBe(true);
      expect(parsed.entries.length).toBe(200 + (gen % 50) * 20);
      expect(gen === lastReported || gen === lastReported + 1).toBe(true);
      const { state, warnings } = loadReputationState(file);
      expect(warnings).toEqual([]);
      expect(state).not.toBeNull();
    }
    expect(kills).toBe(25);
  });
});
