// An alert's pcap, as `netguard alerts --pcap ID -o FILE` writes it after a run: a scan's alert holds its
// probes and the target's answers, a payload alert holds the request (both checked with tshark), a file
// source gives back every packet past the memory budget, and a missing or changed file is said plainly.
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jsonLines, ROOT, runNetguard } from '../helpers/netguard.js';

const FIX = path.join(ROOT, 'test/fixtures/detect');
let dir: string;

interface A {
  id: string;
  type: string;
  src_ip?: string;
  dst_ip?: string;
  message: string;
  details: Record<string, unknown>;
}

function tshark(file: string, fields: string[], filter = ''): string[][] {
  const args = ['-r', file, '-T', 'fields', ...fields.flatMap((f) => ['-e', f])];
  if (filter) args.push('-Y', filter);
  const out = execFileSync('tshark', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  return out
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => l.split('\t'));
}

async function batch(capture: string, settings: string, db: string): Promise<A[]> {
  const yaml = path.join(dir, `${path.basename(db)}.yaml`);
  writeFileSync(yaml, `history:\n  db_file: ${db}\n  flush_interval: 10\n${settings}`);
  const r = await runNetguard(['--batch', '-r', capture, '--settings', yaml], { cwd: dir });
  expect(r.code, r.stderr).toBe(0);
  return jsonLines<A>(r.stdout);
}

async function exportPcap(db: string, id: string, out: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return runNetguard(['alerts', '--db', db, '--pcap', id, '-o', out], { cwd: dir });
}

beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'ng-evidence-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('netguard alerts --pcap', () => {
  it("a SYN scan's pcap holds its probes and the target's answers, all of them though the memory budget held 20", async () => {
    const db = path.join(dir, 'scan.db');
    // A memory budget far below the scan's 600 packets: the file gives them back by offset.
    const alerts = await batch(path.join(FIX, 'nmap-sS.pcap'), 'evidence:\n  per_alert_packets: 20\n', db);
    const scan = alerts.find((a) => a.type === 'SYN_SCAN');
    expect(scan, JSON.stringify(alerts.map((a) => a.type))).toBeDefined();
    const out = path.join(dir, 'scan.pcap');
    const r = await exportPcap(db, scan!.id, out);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^wrote \d+ packets of alert .* read back from /);
    const rows = tshark(out, ['ip.src', 'ip.dst', 'tcp.flags.syn', 'tcp.flags.ack', 'tcp.flags.reset', 'tcp.dstport', 'tcp.srcport']);
    // tshark prints flag fields as 1 or 0 (older versions: True or False).
    const on = (v: string): boolean => v === '1' || v === 'True';
    const probes = rows.filter((r) => r[0] === scan!.src_ip && r[1] === scan!.dst_ip && on(r[2]) && !on(r[3]));
    const answers = rows.filter((r) => r[0] === scan!.dst_ip && r[1] === scan!.src_ip && (on(r[4]) || (on(r[2]) && on(r[3]))));
    // Every probe in the original capture is in the alert's pcap, and every answer to one.
    const all = tshark(path.join(FIX, 'nmap-sS.pcap'), ['ip.src', 'tcp.flags.syn', 'tcp.flags.ack'], `ip.src==${scan!.src_ip} && ip.dst==${scan!.dst_ip} && tcp.flags.syn==1 && tcp.flags.ack==0`);
    expect(probes.length).toBe(all.length);
    expect(probes.length).toBeGreaterThan(100);
    expect(answers.length).toBeGreaterThan(100);
    // The answers reply to the probed ports.
    const probed = new Set(probes.map((r) => r[5]));
    for (const a of answers) expect(probed.has(a[6])).toBe(true);
    // Nothing that is not between the scanner and its target.
    for (const row of rows) expect([scan!.src_ip, scan!.dst_ip]).toContain(row[0]);
    // tcpdump reads it too.
    const td = execFileSync('tcpdump', ['-nn', '-r', out], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    expect(td.split('\n').filter((l) => l).length).toBe(rows.length);
  }, 120_000);

  it("a payload alert's pcap holds the request", async () => {
    const db = path.join(dir, 'http.db');
    const alerts = await batch(path.join(FIX, 'http-attacks.pcap'), '', db);
    for (const type of ['SQL_INJECTION', 'DIRECTORY_TRAVERSAL']) {
      const a = alerts.find((x) => x.type === type);
      expect(a, type).toBeDefined();
      const out = path.join(dir, `${type}.pcap`);
      const r = await exportPcap(db, a!.id, out);
      expect(r.code, r.stderr).toBe(0);
      const uris = tshark(out, ['http.request.uri'], 'http.request').map((x) => x[0]);
      // The alert's message quotes the request line; that URI is in the pcap.
      const uri = /(?:GET|POST) (\S+)/.exec(a!.message)?.[1];
      expect(uri, a!.message).toBeDefined();
      expect(uris).toContain(uri);
    }
  }, 120_000);

  it('packets read from stdin are stored in the history; a file that moved or changed is said plainly', async () => {
    const db = path.join(dir, 'stdin.db');
    const yaml = path.join(dir, 'stdin.yaml');
    writeFileSync(yaml, `history:\n  db_file: ${db}\n  flush_interval: 10\n`);
    const r = await runNetguard(['--batch', '-r', '-', '--settings', yaml], { cwd: dir, stdinFile: path.join(FIX, 'nmap-sS.pcap') });
    expect(r.code, r.stderr).toBe(0);
    const scan = jsonLines<A>(r.stdout).find((a) => a.type === 'SYN_SCAN')!;
    const out = path.join(dir, 'stdin.pcap');
    const e = await exportPcap(db, scan.id, out);
    expect(e.code, e.stderr).toBe(0);
    const rows = tshark(out, ['ip.src']);
    expect(rows.length).toBeGreaterThan(100);

    // A file source whose file is gone, then one whose file changed.
    const copy = path.join(dir, 'moved.pcap');
    copyFileSync(path.join(FIX, 'nmap-sS.pcap'), copy);
    const db2 = path.join(dir, 'moved.db');
    const alerts = await batch(copy, '', db2);
    const id = alerts.find((a) => a.type === 'SYN_SCAN')!.id;
    utimesSync(copy, new Date(), new Date(Date.now() + 5000));
    const changed = await exportPcap(db2, id, path.join(dir, 'x.pcap'));
    expect(changed.code).toBe(1);
    expect(changed.stderr).toContain('which has changed since');
    rmSync(copy);
    const gone = await exportPcap(db2, id, path.join(dir, 'x.pcap'));
    expect(gone.code).toBe(1);
    expect(gone.stderr).toContain(`are in the capture file ${copy}, which is gone`);
    const none = await exportPcap(db2, 'no-such-id', path.join(dir, 'x.pcap'));
    expect(none.code).toBe(1);
    expect(none.stderr).toContain('no alert no-such-id');
    const usage = await runNetguard(['alerts', '--db', db2, '--pcap', id], { cwd: dir });
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain('--pcap ID and -o FILE go together');
  }, 180_000);
});
