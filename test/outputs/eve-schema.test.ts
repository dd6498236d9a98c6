// Every EVE record NetGuard writes for the whole shared corpus, validated with ajv against Suricata's
// etc/schema.json when shared/suricata/schema.json holds a copy, else against NetGuard's own schema of
// Suricata's documented EVE format (test/fixtures/eve/eve-schema.json); every Community ID recomputed by
// an implementation of the spec written here; and alerts' flow ids checked against the flow records and
// the JSONL alert log of the same run.
import { createHash } from 'node:crypto';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { isIPv4, isIPv6 } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Ajv, type ErrorObject } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { describe, expect, it } from 'vitest';
import { CORPUS, ROOT, jsonLines, runNetguard, type RunResult } from '../helpers/netguard.js';

/** Suricata's schema, when the steering repo's shared/ has it; else ours. */
const SURICATA_SCHEMA = path.resolve(ROOT, '../shared/suricata/schema.json');
const OWN_SCHEMA = path.join(ROOT, 'test/fixtures/eve/eve-schema.json');
/** NG_EVE_SCHEMA names another schema file (a local copy of Suricata's, for a one-off check). */
const SCHEMA = process.env.NG_EVE_SCHEMA ?? (existsSync(SURICATA_SCHEMA) ? SURICATA_SCHEMA : OWN_SCHEMA);

type Rec = Record<string, unknown> & { event_type: string };

// ---------------------------------------------------------------------------------------------------
// Community ID v1 (corelight community-id-spec), written from the spec for this test alone.

/** ICMP types with a counterpart (spec: the request/reply pairs); others hash one-way with (type, code). */
const ICMP4_PAIRS: Record<number, number> = { 8: 0, 0: 8, 13: 14, 14: 13, 15: 16, 16: 15, 10: 9, 9: 10, 17: 18, 18: 17 };
const ICMP6_PAIRS: Record<number, number> = { 128: 129, 129: 128, 133: 134, 134: 133, 135: 136, 136: 135, 130: 131, 131: 130, 139: 140, 140: 139, 144: 145, 145: 144 };
const PROTO: Record<string, number> = { TCP: 6, UDP: 17, ICMP: 1, 'IPv6-ICMP': 58, SCTP: 132 };

function ipBytes(ip: string): Buffer {
  if (isIPv4(ip)) return Buffer.from(ip.split('.').map(Number));
  if (!isIPv6(ip)) throw new Error(`not an address: ${ip}`);
  let text = ip;
  const tail: number[] = [];
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (v4) {
    tail.push(...v4[1].split('.').map(Number));
    text = text.slice(0, -v4[1].length) + '0:0';
  }
  const [a, b] = text.split('::');
  const words = (s: string | undefined): number[] => (s ? s.split(':').filter((w) => w !== '').map((w) => parseInt(w, 16)) : []);
  const head = words(a);
  const rest = b === undefined ? [] : words(b);
  const all = [...head, ...Array<number>(8 - head.length - rest.length).fill(0), ...rest];
  const out = Buffer.alloc(16);
  all.forEach((w, i) => out.writeUInt16BE(w, 2 * i));
  if (tail.length) out.set(tail, 12);
  return out;
}

/** Community ID of a flow tuple; for ICMP pass type and code as the ports. */
function specCommunityId(proto: number, src: string, dst: string, sport: number, dport: number): string {
  let s = ipBytes(src);
  let d = ipBytes(dst);
  let sp = sport;
  let dp = dport;
  let oneWay = false;
  if (proto === 1 || proto === 58) {
    const pair = (proto === 1 ? ICMP4_PAIRS : ICMP6_PAIRS)[sp];
    if (pair === undefined) oneWay = true;
    else dp = pair;
  }
  const c = Buffer.compare(s, d);
  if (!oneWay && (c > 0 || (c === 0 && sp > dp))) {
    [s, d] = [d, s];
    [sp, dp] = [dp, sp];
  }
  const ports = Buffer.alloc(4);
  ports.writeUInt16BE(sp, 0);
  ports.writeUInt16BE(dp, 2);
  const input = Buffer.concat([Buffer.from([0, 0]), s, d, Buffer.from([proto, 0]), ports]);
  return '1:' + createHash('sha1').update(input).digest('base64');
}

/** The Community ID a record's tuple should carry. */
function expectedCommunityId(r: Rec): string {
  const proto = PROTO[r.proto as string];
  if (proto === undefined) throw new Error(`unknown proto ${String(r.proto)}`);
  if (proto === 1 || proto === 58) return specCommunityId(proto, r.src_ip as string, r.dest_ip as string, r.icmp_type as number, r.icmp_code as number);
  return specCommunityId(proto, r.src_ip as string, r.dest_ip as string, r.src_port as number, r.dest_port as number);
}

// ---------------------------------------------------------------------------------------------------

/** Every capture of the shared corpus (MANIFEST.tsv's first column). */
function corpusCaptures(): string[] {
  const rows = readFileSync(path.join(CORPUS, 'MANIFEST.tsv'), 'utf8').trim().split('\n').slice(1);
  return rows.map((r) => r.split('\t')[0]).filter((p) => p !== '');
}

interface RunOutput {
  capture: string;
  eve: Rec[];
  jsonl: Array<Record<string, unknown>>;
}

/** Newest modification time of the files under dir. */
function newest(dir: string): number {
  let t = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    t = Math.max(t, e.isDirectory() ? newest(p) : statSync(p).mtimeMs);
  }
  return t;
}

/**
 * The build (dist/, made by `npm test`'s setup step) when it is newer than every source file: 77 runs
 * start much faster from it than through the TypeScript loader. Else the sources, as the other tests run.
 */
const STAMP = path.join(ROOT, 'dist/.build-stamp');
const BUILT = existsSync(STAMP) && statSync(STAMP).mtimeMs >= newest(path.join(ROOT, 'src'));

function runBuilt(args: string[], cwd: string): Promise<RunResult> {
  if (!BUILT) return runNetguard(args, { cwd, timeoutMs: 240_000 });
  return new Promise((resolve) => {
    execFile(process.execPath, [path.join(ROOT, 'dist/src/main.js'), ...args], { cwd, timeout: 240_000, maxBuffer: 1 << 28, env: { ...process.env, NO_COLOR: '1' } }, (err, stdout, stderr) => {
      const e = err as (Error & { code?: number | string; signal?: NodeJS.Signals }) | null;
      resolve({ code: e ? (typeof e.code === 'number' ? e.code : null) : 0, signal: e?.signal ?? null, stdout, stderr });
    });
  });
}

/** netguard --batch -r CAPTURE with EVE on, as a user runs it; its EVE records and JSONL alerts. */
async function runCapture(capture: string): Promise<RunOutput> {
  const dir = mkdtempSync(path.join(tmpdir(), 'ng-eveschema-'));
  try {
    writeFileSync(path.join(dir, 'settings.yaml'), 'outputs:\n  eve:\n    enabled: true\n');
    const r = await runBuilt(['--batch', '-r', path.join(CORPUS, capture)], dir);
    expect(r.signal, `${capture}: ${r.stderr}`).toBeNull();
    expect(r.code, `${capture}: ${r.stderr}`).toBe(0);
    const read = (f: string): string => (existsSync(path.join(dir, f)) ? readFileSync(path.join(dir, f), 'utf8') : '');
    return { capture, eve: jsonLines(read('eve.json')) as Rec[], jsonl: jsonLines(read('alerts.json')) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Runs every capture, two at a time. */
async function runAll(captures: string[]): Promise<RunOutput[]> {
  const out: RunOutput[] = new Array(captures.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < captures.length) {
      const i = next++;
      out[i] = await runCapture(captures[i]);
    }
  };
  await Promise.all([worker(), worker()]);
  return out;
}

describe('EVE output of the whole shared corpus', () => {
  it(`is valid against ${path.basename(path.dirname(SCHEMA))}/${path.basename(SCHEMA)}, with every Community ID and alert flow right`, async () => {
    const ajv = new Ajv({ strict: false, allErrors: false });
    (addFormatsModule as unknown as (a: Ajv) => void)(ajv);
    const validate = ajv.compile(JSON.parse(readFileSync(SCHEMA, 'utf8')) as object);
    const captures = corpusCaptures();
    expect(captures.length).toBeGreaterThan(70);
    const runs = await runAll(captures);

    const invalid: string[] = [];
    const wrongCid: string[] = [];
    const wrongAlert: string[] = [];
    const byType: Record<string, number> = {};
    let records = 0;
    let cids = 0;
    let alertsWithFlow = 0;
    for (const { capture, eve, jsonl } of runs) {
      const flows = new Map<number, Rec>();
      for (const r of eve) if (r.event_type === 'flow') flows.set(r.flow_id as number, r);
      const jsonlCid = new Map(jsonl.map((a) => [a.id as string, a.community_id as string | undefined]));
      for (const r of eve) {
        records++;
        byType[r.event_type] = (byType[r.event_type] ?? 0) + 1;
        const valid: boolean = validate(r);
        if (!valid) {
          const e = (validate.errors as ErrorObject[])[0];
          invalid.push(`${capture}: ${r.event_type} ${e.instancePath} ${e.message ?? ''} ${JSON.stringify(e.params)}`);
        }
        if (r.community_id !== undefined) {
          cids++;
          const want = expectedCommunityId(r);
          if (r.community_id !== want) wrongCid.push(`${capture}: ${r.event_type} ${String(r.community_id)} != ${want}`);
        }
        if (r.event_type !== 'alert') continue;
        const md = (r.alert as { metadata: Record<string, string[]> }).metadata;
        const id = md.netguard_id[0];
        const type = md.netguard_type[0];
        // The same Community ID as the JSONL alert, or none in both.
        if (!jsonlCid.has(id)) wrongAlert.push(`${capture}: alert ${id} is not in the JSONL log`);
        else if (jsonlCid.get(id) !== r.community_id) wrongAlert.push(`${capture}: alert ${id} community_id ${String(r.community_id)} in EVE, ${String(jsonlCid.get(id))} in JSONL`);
        if (r.flow_id === undefined) continue;
        alertsWithFlow++;
        // Alerts about scans, floods, sweeps, suspicious ports and decode anomalies name no one flow.
        if (/SCAN|FLOOD|SURGE|SWEEP|SUSPICIOUS_PORT|DECODE_ANOMALY/.test(type)) wrongAlert.push(`${capture}: ${type} alert has flow_id`);
        const f = flows.get(r.flow_id as number);
        if (!f) wrongAlert.push(`${capture}: ${type} alert flow_id ${String(r.flow_id)} is no flow record's`);
        else {
          if (f.community_id !== r.community_id) wrongAlert.push(`${capture}: ${type} alert community_id differs from its flow's`);
          // Microsecond timestamps: an alert never sorts before its own flow started.
          if ((r.timestamp as string) < ((f.flow as { start: string }).start)) wrongAlert.push(`${capture}: ${type} alert at ${r.timestamp as string} before its flow's start`);
          if (!(f.flow as { alerted: boolean }).alerted) wrongAlert.push(`${capture}: ${type} alert's flow not marked alerted`);
        }
      }
    }
    process.stdout.write(`eve-schema (${BUILT ? 'dist' : 'sources'}): ${records} records (${JSON.stringify(byType)}) from ${runs.length} captures against ${SCHEMA}: ${invalid.length} invalid; ${cids} Community IDs recomputed\n`);
    expect(invalid.slice(0, 20)).toEqual([]);
    expect(wrongCid.slice(0, 20)).toEqual([]);
    expect(wrongAlert.slice(0, 20)).toEqual([]);
    // The corpus exercises every kind of record NetGuard writes.
    for (const t of ['alert', 'dns', 'http', 'flow', 'stats']) expect(byType[t] ?? 0, t).toBeGreaterThan(0);
    expect(records).toBeGreaterThan(50_000);
    expect(cids).toBeGreaterThan(50_000);
    expect(alertsWithFlow).toBeGreaterThan(0);
  }, 900_000);

  it('the schema in use rejects what Suricata rejects: a top-level object of our own, a padded flags word, grouped RRSIG', () => {
    const ajv = new Ajv({ strict: false });
    (addFormatsModule as unknown as (a: Ajv) => void)(ajv);
    const validate = ajv.compile(JSON.parse(readFileSync(SCHEMA, 'utf8')) as object);
    const alert = { timestamp: '2026-11-20T12:00:00.123456+0000', event_type: 'alert', src_ip: '10.0.0.1', dest_ip: '10.0.0.2', proto: 'TCP', alert: { action: 'allowed', gid: 1, signature_id: 9000001, rev: 1, signature: 'x', category: 'y', severity: 2 } };
    expect(validate(alert)).toBe(true);
    expect(validate({ ...alert, netguard: { type: 'SYN_SCAN' } })).toBe(false);
    expect(validate({ ...alert, alert: { ...alert.alert, netguard: 'x' } })).toBe(false);
    const dns = { timestamp: '2026-11-20T12:00:00.123456+0000', event_type: 'dns', src_ip: '10.0.0.1', dest_ip: '10.0.0.2', proto: 'UDP', dns: { version: 3, type: 'response', id: 1, flags: '8180', opcode: 0, rcode: 'NOERROR' } };
    expect(validate(dns)).toBe(true);
    expect(validate({ ...dns, dns: { ...dns.dns, grouped: { RRSIG: ['00'] } } })).toBe(false);
    expect(validate({ ...dns, dns: { ...dns.dns, queries: [] } })).toBe(false);
  });

  it('the Community ID written here matches the spec\'s published examples', () => {
    // community-id-spec baseline (seed 0): TCP 128.232.110.120:34855 -> 66.35.250.204:80.
    expect(specCommunityId(6, '128.232.110.120', '66.35.250.204', 34855, 80)).toBe('1:LQU9qZlK+B5F3KDmev6m5PMibrg=');
    expect(specCommunityId(6, '66.35.250.204', '128.232.110.120', 80, 34855)).toBe('1:LQU9qZlK+B5F3KDmev6m5PMibrg=');
    // ICMP echo request and reply share an ID; a one-way type keeps its direction.
    expect(specCommunityId(1, '192.168.0.89', '192.168.0.1', 8, 0)).toBe(specCommunityId(1, '192.168.0.1', '192.168.0.89', 0, 0));
    expect(specCommunityId(1, '192.168.0.89', '192.168.0.1', 3, 1)).not.toBe(specCommunityId(1, '192.168.0.1', '192.168.0.89', 3, 1));
    expect(ipBytes('::ffff:1.2.3.4').toString('hex')).toBe('00000000000000000000ffff01020304');
    expect(ipBytes('2001:db8::1').toString('hex')).toBe('20010db8000000000000000000000001');
  });
});
