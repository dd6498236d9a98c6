// What NetGuard says on the command line: --help names the outputs and --eve FILE, the batch summary
// counts in proper singular and plural, the VirusTotal line comes once at start and only when the
// settings ask for enrichment, and --eve FILE writes EVE JSON.
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { CORPUS, runNetguard } from '../helpers/netguard.js';
import { tempDirs } from '../helpers/temp-dir.js';

// nmap-vsn.pcap: 547 packets, one alert (a PORT_SWEEP of port 80).
const PCAP = path.join(CORPUS, 'zeek/nmap-vsn.pcap');
const VT_OFF = 'VirusTotal enrichment is off: no VT_API_KEY in the environment or .env';
const tempDir = tempDirs('ng-messages-');
let dir = '';

beforeAll(() => {
  dir = tempDir({
    'plain.yaml': 'alerts:\n  enable_notifications: false\n',
    'vt.yaml': 'alerts:\n  enable_notifications: false\nenrichment:\n  enabled: true\n',
  });
});

const env = { VT_API_KEY: '' };

describe('command-line messages', () => {
  it('--help names every output and --eve FILE', async () => {
    const r = await runNetguard(['--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^\s+--eve <file>\s+also write Suricata-style EVE JSON/m);
    for (const out of ['alerts.json', 'alerts.log', 'EVE JSON', 'syslog', 'history', 'netguard alerts']) expect(r.stdout).toContain(out);
  });

  it('the batch summary says "1 alert"; no VirusTotal line when the settings do not ask for enrichment', async () => {
    const r = await runNetguard(['--batch', '-r', PCAP, '--settings', 'plain.yaml'], { cwd: dir, env });
    expect(r.code, r.stderr).toBe(0);
    // The alert, and its final record at the end of the file.
    expect(r.stdout.trim().split('\n').map((l) => (JSON.parse(l) as { final?: boolean }).final ?? false)).toEqual([false, true]);
    expect(r.stderr).toMatch(/^netguard: 547 packets, 24420 bytes, 1 alert, [\d.]+ s, 0 decode errors \(/m);
    expect(r.stderr).not.toContain('VirusTotal');
  });

  it('the VirusTotal line comes once, before the summary, when the settings ask for enrichment without a key', async () => {
    const r = await runNetguard(['--batch', '-r', PCAP, '--settings', 'vt.yaml'], { cwd: dir, env });
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stderr.trim().split('\n');
    expect(lines.filter((l) => l.includes('VirusTotal'))).toEqual([`netguard: warning: ${VT_OFF}`]);
    expect(lines.findIndex((l) => l.includes('VirusTotal'))).toBeLessThan(lines.findIndex((l) => l.includes(' packets, ')));
    // The menu (CLI mode) says it once too, before the capture summary, not after the menu.
    const menu = await runNetguard(['-r', PCAP, '--settings', 'vt.yaml'], { cwd: dir, env, stdin: '21\n' });
    expect(menu.code, menu.stderr).toBe(0);
    expect(menu.stderr.split(VT_OFF).length - 1).toBe(1);
    expect(menu.stdout).not.toContain('VirusTotal');
  });

  it('a settings or rules file with a key indented one space too far: exit 2, the line of the fault and a caret', async () => {
    writeFileSync(path.join(dir, 'bad-settings.yaml'), 'thresholds:\n  syn_flood: 100\n   port_scan: 20\n');
    const s = await runNetguard(['--batch', '-r', PCAP, '--settings', 'bad-settings.yaml'], { cwd: dir, env });
    expect(s.code).toBe(2);
    expect(s.stderr.trim().split('\n')).toEqual([
      "netguard: bad-settings.yaml:3:13: mapping values are not allowed here (the key on this line is indented deeper than the one on line 2, so it reads as part of that line's value)",
      '3 |    port_scan: 20',
      '  |             ^',
    ]);
    writeFileSync(path.join(dir, 'bad-rules.yaml'), 'rules:\n  - name: SSH\n    condition: tcp.dst_port == 22\n     threshold: 5\n');
    const r = await runNetguard(['--batch', '-r', PCAP, '--settings', 'plain.yaml', '--rules', 'bad-rules.yaml'], { cwd: dir, env });
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n').slice(0, 3)).toEqual([
      "netguard: bad-rules.yaml:4:15: mapping values are not allowed here (the key on this line is indented deeper than the one on line 3, so it reads as part of that line's value)",
      '4 |      threshold: 5',
      '  |               ^',
    ]);
  });

  it('--eve FILE writes EVE JSON there, alerts included', async () => {
    const r = await runNetguard(['--batch', '-r', PCAP, '--settings', 'plain.yaml', '--eve', 'my-eve.json'], { cwd: dir, env });
    expect(r.code, r.stderr).toBe(0);
    const records = readFileSync(path.join(dir, 'my-eve.json'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { event_type: string; alert?: { signature: string; metadata?: { netguard_id?: string[] } } });
    const alerts = records.filter((x) => x.event_type === 'alert');
    // The alert when raised, and its final record (netguard_final) at the end.
    expect(alerts).toHaveLength(2);
    expect(alerts[0].alert?.signature).toMatch(/PORT_SWEEP|Port sweep/i);
    expect(records.some((x) => x.event_type === 'dns')).toBe(true);
  });
});
