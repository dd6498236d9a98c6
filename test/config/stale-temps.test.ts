// Temporary files that a killed run left beside alerts.json, the reputation state and rules.yaml are
// removed at the next start; other files, other names and those of a running process are left alone.
import { describe, it, expect, afterAll } from 'vitest';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { removeStaleTemps } from '../../src/config/index.js';
import { CORPUS, runNetguard } from '../helpers/netguard.js';
import { tempDirs } from '../helpers/temp-dir.js';

const tempDir = tempDirs('ng-stale-');

/** The id of a process that has ended (its temporary files are stale). */
function deadPid(): number {
  const r = spawnSync('true');
  expect(r.status).toBe(0);
  return r.pid!;
}

const sleeper = spawn('sleep', ['60']);
afterAll(() => {
  sleeper.kill();
});

describe('removeStaleTemps', () => {
  it('removes only the named file\'s temporaries of processes that are gone', () => {
    const dir = tempDir();
    const dead = deadPid();
    const names = {
      stale: `.alerts.json.tmp-${dead}-3`,
      stale2: `.alerts.json.tmp-${dead}-12`,
      running: `.alerts.json.tmp-${sleeper.pid}-1`,
      mine: `.alerts.json.tmp-${process.pid}-1`,
      otherFile: `.other.json.tmp-${dead}-1`,
      notOurPattern: '.alerts.json.tmp-backup',
      target: 'alerts.json',
    };
    for (const n of Object.values(names)) writeFileSync(path.join(dir, n), 'x');
    const removed = removeStaleTemps(path.join(dir, 'alerts.json')).map((p) => path.basename(p)).sort();
    expect(removed).toEqual([names.stale, names.stale2].sort());
    expect(readdirSync(dir).sort()).toEqual([names.running, names.mine, names.otherFile, names.notOurPattern, names.target].sort());
  });

  it('returns nothing for a directory that does not exist', () => {
    expect(removeStaleTemps('/nonexistent-dir-for-netguard/alerts.json')).toEqual([]);
  });
});

describe('at start', () => {
  it('netguard removes the temporaries a killed run left, and keeps its outputs', async () => {
    const dir = tempDir();
    const dead = deadPid();
    const stale = [`.alerts.json.tmp-${dead}-1`, `.ip_reputation.json.tmp-${dead}-2`, `.rules.yaml.tmp-${dead}-1`];
    for (const n of stale) writeFileSync(path.join(dir, n), 'half-written');
    const r = await runNetguard(['--batch', '-r', path.join(CORPUS, 'ndpi/synscan.pcap')], { cwd: dir });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('"SYN_SCAN"');
    for (const n of stale) expect(existsSync(path.join(dir, n)), n).toBe(false);
    expect(existsSync(path.join(dir, 'alerts.json'))).toBe(true);
  });
});
