// Toggling a rule in the menu when the rules came from the copy shipped with NetGuard: the change is saved
// in ./rules.yaml of the working directory (which the next start reads first) and the menu says so; the
// shipped rules.yaml, part of the installation, is never written.
import { afterAll, describe, expect, it } from 'vitest';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { CORPUS, ROOT, runNetguard } from '../helpers/netguard.js';
import { tempDirs } from '../helpers/temp-dir.js';

const PCAP = path.join(CORPUS, 'ndpi/synscan.pcap');
const SHIPPED = path.join(ROOT, 'rules.yaml');
const tempDir = tempDirs('ng-toggle-shipped-');
const shippedText = readFileSync(SHIPPED, 'utf8');
afterAll(() => {
  // Should the code under test ever write the shipped file, put it back so one failure does not spread.
  if (readFileSync(SHIPPED, 'utf8') !== shippedText) writeFileSync(SHIPPED, shippedText);
});

describe('menu option 23 on the shipped rules', () => {
  it('saves the toggle in ./rules.yaml, says so, and leaves the shipped file as it was', async () => {
    const cwd = tempDir();
    const r = await runNetguard(['-r', PCAP], { cwd, stdin: '23\n1\n21\n' });
    expect(r.code, r.stderr).toBe(0);
    expect(readFileSync(SHIPPED, 'utf8')).toBe(shippedText);
    expect(r.stdout).toContain("Rule 'SSH Bruteforce Detection' is now disabled.");
    expect(r.stdout).toContain(`saved in ${path.join(cwd, 'rules.yaml')}, a copy of the shipped ${SHIPPED} with this change (that file is unchanged)`);
    const copy = readFileSync(path.join(cwd, 'rules.yaml'), 'utf8');
    // The copy is the shipped file with that one rule's flag changed (its comments kept).
    const firstRule = copy.slice(copy.indexOf('SSH Bruteforce Detection'), copy.indexOf('RDP Connection Attempts'));
    expect(firstRule).toMatch(/enabled: false/);
    expect(copy.split('\n').length).toBe(shippedText.split('\n').length);
    // The next start in this directory reads the copy, with the rule off.
    const again = await runNetguard(['--batch', '-r', PCAP], { cwd });
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).toMatch(/netguard: loaded .*settings\.yaml \(shipped with NetGuard\), \.\/rules\.yaml$/m);
    expect(existsSync(path.join(cwd, 'rules.yaml'))).toBe(true);
  });
});
