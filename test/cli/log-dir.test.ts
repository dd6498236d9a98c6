// -l/--log-dir DIR: every file a run writes (JSONL, text log, EVE, SQLite history, reputation state, a
// menu's pcap export) lands in DIR, made if missing; absolute paths in the settings stay; a directory that
// cannot be made stops the run with one line (exit 1); without -l the files stay in the working directory.
import { describe, it, expect } from 'vitest';
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { CORPUS, runNetguard } from '../helpers/netguard.js';
import { tempDirs } from '../helpers/temp-dir.js';

const PCAP = path.join(CORPUS, 'ndpi/badpackets.pcap');
const OUTPUTS = ['alerts.json', 'alerts.log', 'eve.json', 'netguard.db', 'ip_reputation.json'];
const EVE_ON = { 'settings.yaml': 'outputs:\n  eve:\n    enabled: true\n' };
const tempDir = tempDirs('ng-logdir-');

describe('-l / --log-dir', () => {
  it('puts every output file in the directory (made with its parents), nothing in the working directory; stdout unchanged', async () => {
    const cwd = tempDir(EVE_ON);
    const plain = await runNetguard(['--batch', '--reputation-state', '-r', PCAP], { cwd });
    expect(plain.code, plain.stderr).toBe(0);
    for (const f of OUTPUTS) expect(existsSync(path.join(cwd, f)), f).toBe(true);

    const cwd2 = tempDir(EVE_ON);
    const r = await runNetguard(['--batch', '--reputation-state', '-l', 'logs/netguard', '-r', PCAP], { cwd: cwd2 });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe(plain.stdout);
    const logDir = path.join(cwd2, 'logs/netguard');
    expect(readdirSync(logDir).filter((f) => !f.startsWith('netguard.db-')).sort()).toEqual([...OUTPUTS].sort());
    expect(readdirSync(cwd2).sort()).toEqual(['logs', 'settings.yaml']);
    // `netguard alerts -l DIR` finds that history.
    const q = await runNetguard(['alerts', '-l', 'logs/netguard', '--json', '--limit', '1000'], { cwd: cwd2 });
    expect(q.code, q.stderr).toBe(0);
    // One history row per alert: the alert lines on stdout without their final records.
    expect(q.stdout.trim().split('\n').length).toBe(r.stdout.trim().split('\n').filter((l) => !l.includes('"final":true')).length);
  });

  it('--log-dir with an absolute setting: that file stays where the settings say', async () => {
    const cwd = tempDir();
    const elsewhere = tempDir();
    const textLog = path.join(elsewhere, 'text.log');
    writeFileSync(path.join(cwd, 'settings.yaml'), `alerts:\n  text_log: "${textLog}"\nhistory:\n  enabled: false\n`);
    const r = await runNetguard(['--batch', '--log-dir', path.join(cwd, 'out'), '-r', PCAP], { cwd });
    expect(r.code, r.stderr).toBe(0);
    expect(existsSync(textLog)).toBe(true);
    expect(readdirSync(path.join(cwd, 'out'))).toEqual(['alerts.json']);
  });

  it('a directory that cannot be made: one line naming it and why, exit 1', async () => {
    const cwd = tempDir();
    writeFileSync(path.join(cwd, 'afile'), 'x');
    const r = await runNetguard(['--batch', '-l', 'afile/logs', '-r', PCAP], { cwd });
    expect(r.code).toBe(1);
    expect(r.stderr.trim()).toBe('netguard: cannot create log directory afile/logs: a part of the path is not a directory (ENOTDIR)');
    expect(r.stdout).toBe('');
  });

  it("the menu's pcap export (option 18) is written in the log directory", async () => {
    const cwd = tempDir();
    const r = await runNetguard(['-r', PCAP, '-l', 'out'], { cwd, stdin: '18 1 first.pcap\n21\n' });
    expect(r.code, r.stderr).toBe(0);
    const target = path.join(cwd, 'out', 'first.pcap');
    expect(r.stdout).toContain(target);
    expect(existsSync(target)).toBe(true);
    expect(existsSync(path.join(cwd, 'first.pcap'))).toBe(false);
  });
});
