// With no settings.yaml or rules.yaml in the working directory NetGuard uses the copies shipped in its
// package (so an installed netguard has the seed's rules anywhere), and says in one stderr line which
// settings and rules it loaded; the working directory's own files, or --settings/--rules, come first.
import { describe, it, expect } from 'vitest';
import path from 'node:path';
import { CORPUS, ROOT, jsonLines, runNetguard } from '../helpers/netguard.js';
import { tempDirs } from '../helpers/temp-dir.js';

const PCAP = path.join(CORPUS, 'ndpi/synscan.pcap');
const tempDir = tempDirs('ng-shipped-');
type A = { type: string; details: { rule?: string } };
const loadedLines = (stderr: string): string[] => stderr.split('\n').filter((l) => l.startsWith('netguard: loaded '));

describe('settings and rules found from anywhere', () => {
  it('an empty working directory: the shipped rules fire, and one line names the shipped files', async () => {
    const r = await runNetguard(['--batch', '-r', PCAP], { cwd: tempDir() });
    expect(r.code, r.stderr).toBe(0);
    const rules = jsonLines<A>(r.stdout).filter((a) => a.type === 'CUSTOM_RULE').map((a) => a.details.rule);
    // The shipped rules.yaml's telnet and database-port rules match this scan.
    expect(rules).toContain('Telnet Access');
    expect(loadedLines(r.stderr)).toEqual([
      `netguard: loaded ${path.join(ROOT, 'settings.yaml')} (shipped with NetGuard), ${path.join(ROOT, 'rules.yaml')} (shipped with NetGuard)`,
    ]);
  });

  it("the working directory's rules.yaml comes first: only its rule fires", async () => {
    const cwd = tempDir({
      'rules.yaml': 'rules:\n  - name: "Any SYN"\n    condition: "tcp.flags.syn and not tcp.flags.ack"\n    threshold: 1\n    window: 60\n    severity: LOW\n',
    });
    const r = await runNetguard(['--batch', '-r', PCAP], { cwd });
    expect(r.code, r.stderr).toBe(0);
    const rules = new Set(jsonLines<A>(r.stdout).filter((a) => a.type === 'CUSTOM_RULE').map((a) => a.details.rule));
    expect([...rules]).toEqual(['Any SYN']);
    expect(loadedLines(r.stderr)).toEqual([`netguard: loaded ${path.join(ROOT, 'settings.yaml')} (shipped with NetGuard), ./rules.yaml`]);
  });

  it('--settings and --rules name the files; the line says so', async () => {
    const cwd = tempDir({ 's.yaml': 'history:\n  enabled: false\n', 'r.yaml': 'rules: []\n' });
    const r = await runNetguard(['--batch', '--settings', 's.yaml', '--rules', 'r.yaml', '-r', PCAP], { cwd });
    expect(r.code, r.stderr).toBe(0);
    expect(jsonLines<A>(r.stdout).filter((a) => a.type === 'CUSTOM_RULE')).toEqual([]);
    expect(loadedLines(r.stderr)).toEqual(['netguard: loaded s.yaml, r.yaml']);
  });
});
