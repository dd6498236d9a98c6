// A capture file read with -r gives the same output every time and wherever it runs: the reputation
// scores of earlier runs are neither loaded nor saved unless --reputation-state asks for it.
import { describe, it, expect } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { CORPUS, runNetguard } from '../helpers/netguard.js';
import { tempDirs } from '../helpers/temp-dir.js';

const SCAN = path.join(CORPUS, 'chrissanders-packets/synscan.pcapng');
const tempDir = tempDirs('ng-repro-');

describe('-r runs are reproducible', () => {
  it('three runs in one directory print byte-identical alerts and leave no reputation state', async () => {
    const dir = tempDir();
    const outs: string[] = [];
    for (let i = 0; i < 3; i++) {
      const r = await runNetguard(['--batch', '-r', SCAN], { cwd: dir });
      expect(r.code).toBe(0);
      outs.push(r.stdout);
    }
    expect(outs[0]).toContain('"SYN_SCAN"');
    expect(outs[1]).toBe(outs[0]);
    expect(outs[2]).toBe(outs[0]);
    expect(existsSync(path.join(dir, 'ip_reputation.json'))).toBe(false);
  });

  it('--reputation-state carries scores from run to run; without it a state file present is ignored and kept', async () => {
    // No custom rules (else the shipped ones would be found): their points alone promote the scanner in one run.
    const dir = tempDir({ 'rules.yaml': 'rules: []\n' });
    const plain = await runNetguard(['--batch', '-r', SCAN], { cwd: dir });
    const first = await runNetguard(['--batch', '--reputation-state', '-r', SCAN], { cwd: dir });
    expect(first.stdout).toBe(plain.stdout);
    const stateFile = path.join(dir, 'ip_reputation.json');
    expect(existsSync(stateFile)).toBe(true);
    const state = readFileSync(stateFile, 'utf8');
    // The saved scores promote the scanner on the next run that loads them.
    const second = await runNetguard(['--batch', '--reputation-state', '-r', SCAN], { cwd: dir });
    expect(second.stdout).toContain('"MALICIOUS_IP"');
    expect(plain.stdout).not.toContain('"MALICIOUS_IP"');
    const stateAfter = readFileSync(stateFile, 'utf8');
    const again = await runNetguard(['--batch', '-r', SCAN], { cwd: dir });
    expect(again.stdout).toBe(plain.stdout);
    expect(readFileSync(stateFile, 'utf8')).toBe(stateAfter);
    expect(state.length).toBeGreaterThan(0);
  });

  it('--reputation-state without -r is bad usage (exit 2, one line)', async () => {
    const r = await runNetguard(['--batch', '--reputation-state', '-i', 'lo']);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain('--reputation-state goes with -r FILE');
  });
});
