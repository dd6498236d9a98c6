// EVE JSON output checked field by field against Suricata's EVE documentation ("Eve JSON Format",
// etc/schema.json) and against suricata-verify's test.yaml oracles on the same captures.
import { beforeEach, describe, expect, it } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { alertToEve, EVE_SIGNATURES, EveSink, eveTimestamp, signatureOf, type EveRecord } from '../../src/alert/sinks/eve.js';
import { ALERT_TYPES, type Alert } from '../../src/alert/types.js';
import { defaultSettings } from '../../src/config/schema.js';
import { communityId, flowIdOf } from '../../src/flow/community-id.js';
import { openFile } from '../../src/capture/index.js';
import { decodePacket, Packet, Reassembler } from '../../src/decode/index.js';
import { CORPUS } from '../helpers/netguard.js';
import { checkOracle } from './oracle.js';
import { tempDirs } from '../helpers/temp-dir.js';

const tempDir = tempDirs('ng-eve-');

let dir: string;
beforeEach(() => {
  dir = tempDir();
});

function sink(over: Partial<ReturnType<typeof defaultSettings>['outputs']['eve']> = {}, opts: ConstructorParameters<typeof EveSink>[1] = {}): EveSink {
  return new EveSink({ ...defaultSettings().outputs.eve, enabled: true, file: path.join(dir, 'eve.json'), ...over }, opts);
}

function records(): EveRecord[] {
  const f = path.join(dir, 'eve.json');
  if (!existsSync(f)) return [];
  return readFileSync(f, 'utf8')
    .split('\n')
    .filter((l) => l)
    .map((l) => JSON.parse(l) as EveRecord);
}

const ALERT: Alert = {
  id: '1763640000000-1',
  timestamp: '2026-11-20T12:00:00.123Z',
  type: 'SQL_INJECTION',
  severity: 'HIGH',
  message: 'SQL injection pattern in HTTP request from 203.0.113.50',
  src_ip: '203.0.113.50',
  dst_ip: '10.0.0.5',
  src_port: 51514,
  dst_port: 80,
  proto: 'TCP',
  details: { pattern: 'SELECT ... FROM', patterns: ['quote tautology', 'union select'], window_s: 60 },
  count: 1,
  last_seen: '2026-11-20T12:00:00.123Z',
  // The engine sets it on an alert about one flow (here the request's connection).
  community_id: communityId(6, '203.0.113.50', '10.0.0.5', 51514, 80),
};

/** Suricata's etc/schema.json: timestamp pattern, and the keys allowed in "alert" (additionalProperties: false). */
const SCHEMA_TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d+[+-]\d+$/;
const SCHEMA_ALERT_KEYS = ['action', 'category', 'gid', 'rev', 'rule', 'severity', 'signature', 'signature_id', 'xff', 'metadata', 'source', 'target'];

describe('EVE alert records', () => {
  it('has every documented field with the documented type and value', async () => {
    const s = sink({}, { iface: 'eth0' });
    s.onAlert(ALERT);
    await s.close();
    const [r] = records();
    expect(r.timestamp).toBe('2026-11-20T12:00:00.123000+0000');
    expect(r.timestamp).toMatch(SCHEMA_TIMESTAMP);
    expect(Number.isSafeInteger(r.flow_id)).toBe(true);
    expect(r.flow_id).toBeGreaterThan(0);
    expect(r.in_iface).toBe('eth0');
    expect(r.event_type).toBe('alert');
    expect(r.src_ip).toBe('203.0.113.50');
    expect(r.src_port).toBe(51514);
    expect(r.dest_ip).toBe('10.0.0.5');
    expect(r.dest_port).toBe(80);
    expect(r.proto).toBe('TCP');
    expect(r.pkt_src).toBe('wire/pcap');
    expect(r.community_id).toBe(communityId(6, '203.0.113.50', '10.0.0.5', 51514, 80));
    const a = r.alert as Record<string, unknown>;
    expect(a).toEqual({
      action: 'allowed',
      gid: 1,
      signature_id: 9000030,
      rev: 1,
      signature: 'NETGUARD WEB SQL injection attempt',
      category: 'Web Application Attack',
      severity: 2,
      // NetGuard's evidence: every value an array of strings, as Suricata writes rule metadata.
      metadata: {
        signature_severity: ['Major'],
        netguard_id: ['1763640000000-1'],
        netguard_type: ['SQL_INJECTION'],
        netguard_severity: ['HIGH'],
        netguard_message: ['SQL injection pattern in HTTP request from 203.0.113.50'],
        netguard_count: ['1'],
        netguard_last_seen: ['2026-11-20T12:00:00.123Z'],
        netguard_pattern: ['SELECT ... FROM'],
        netguard_patterns: ['quote tautology', 'union select'],
        netguard_window_s: ['60'],
      },
    });
    for (const k of Object.keys(a)) expect(SCHEMA_ALERT_KEYS).toContain(k);
    // The field order of Suricata's records (jq and humans read them in this order); nothing of
    // NetGuard's own at the top level, which the schema closes (additionalProperties: false).
    expect(Object.keys(r)).toEqual(['timestamp', 'flow_id', 'in_iface', 'event_type', 'src_ip', 'src_port', 'dest_ip', 'dest_port', 'proto', 'pkt_src', 'community_id', 'alert']);
  });

  it('gives flow_id and community_id only to an alert about one real flow, never a port-0 pseudo-flow', () => {
    // A scan names an attacker and a target, not a conversation: the engine sets no community_id.
    const scan: Alert = { ...ALERT, type: 'SYN_SCAN', community_id: undefined, src_port: undefined, dst_port: 22, details: { ports: [22, 80, 443] } };
    const r = alertToEve(scan);
    expect(r.flow_id).toBeUndefined();
    expect(r.community_id).toBeUndefined();
    expect(r.dest_port).toBe(22);
    // A suspicious-port alert with both addresses and a port is still no flow of its own.
    const sus = alertToEve({ ...ALERT, type: 'SUSPICIOUS_PORT', community_id: undefined, src_port: undefined, dst_port: 3389 });
    expect(sus.flow_id).toBeUndefined();
    expect(sus.community_id).toBeUndefined();
    // With one flow: that flow's ids, the same the flow record gets (see eve-schema.test.ts).
    const one = alertToEve(ALERT);
    expect(one.community_id).toBe(ALERT.community_id);
    expect(one.flow_id).toBe(flowIdOf(6, '10.0.0.5', '203.0.113.50', 80, 51514));
  });

  it('takes the triggering packet time to the microsecond, and the alert time when the packet is another', async () => {
    const pkt = Date.parse(ALERT.timestamp) + 0.456;
    expect(alertToEve(ALERT, undefined, pkt).timestamp).toBe('2026-11-20T12:00:00.123456+0000');
    let now = pkt;
    const s = sink({}, { packetTime: () => now });
    s.onAlert(ALERT);
    // A packet of a later millisecond is not this alert's: its own (millisecond) time is kept.
    now = pkt + 5;
    s.onAlert({ ...ALERT, id: 'x-2' });
    await s.close();
    expect(records().map((r) => r.timestamp)).toEqual(['2026-11-20T12:00:00.123456+0000', '2026-11-20T12:00:00.123000+0000']);
  });

  it('gives both directions of a flow the same flow_id and community_id', () => {
    const back = alertToEve({ ...ALERT, src_ip: ALERT.dst_ip, dst_ip: ALERT.src_ip, src_port: 80, dst_port: 51514 });
    const fwd = alertToEve(ALERT);
    expect(back.flow_id).toBe(fwd.flow_id);
    expect(back.community_id).toBe(fwd.community_id);
  });

  it('maps severity to 1 (CRITICAL) .. 4 (LOW)', () => {
    const sev = (severity: Alert['severity']): unknown => (alertToEve({ ...ALERT, severity }).alert as { severity: number }).severity;
    expect([sev('CRITICAL'), sev('HIGH'), sev('WARNING'), sev('LOW')]).toEqual([1, 2, 3, 4]);
  });

  it('has a distinct, stable signature_id per alert type and per custom rule', () => {
    const sids = ALERT_TYPES.map((t) => EVE_SIGNATURES[t].sid);
    expect(new Set(sids).size).toBe(ALERT_TYPES.length);
    expect(EVE_SIGNATURES.SYN_SCAN.sid).toBe(9000001);
    const rule = (name: string): number => signatureOf({ ...ALERT, type: 'CUSTOM_RULE', details: { rule: name } }).sid;
    expect(rule('ssh-brute')).toBe(rule('ssh-brute'));
    expect(rule('ssh-brute')).not.toBe(rule('telnet'));
    expect(rule('ssh-brute')).toBeGreaterThan(9100000);
    expect(rule('ssh-brute')).toBeLessThan(9200000);
    expect(signatureOf({ ...ALERT, type: 'CUSTOM_RULE', details: { rule: 'telnet' } }).signature).toBe('NETGUARD RULE telnet');
  });

  it('omits the flow fields when the alert has no destination (a sweep, a surge)', () => {
    const r = alertToEve({ ...ALERT, type: 'TRAFFIC_SURGE', dst_ip: undefined, src_port: undefined, dst_port: undefined, proto: undefined });
    expect(r.flow_id).toBeUndefined();
    expect(r.community_id).toBeUndefined();
    expect(r.event_type).toBe('alert');
    expect((r.alert as { category: string }).category).toBe('Detection of a Denial of Service Attack');
  });

  it('writes microseconds and UTC offset like Suricata, cutting (not rounding) nanoseconds', () => {
    expect(eveTimestamp(Date.UTC(2026, 10, 20, 12, 0, 0))).toBe('2026-11-20T12:00:00.000000+0000');
    expect(eveTimestamp(Date.UTC(2011, 7, 12, 14, 52, 57) + 716.36)).toBe('2011-08-12T14:52:57.716360+0000');
    // 716,359,600 ns: Suricata writes .716359 (the old rounding wrote .716360).
    expect(eveTimestamp(Date.UTC(2011, 7, 12, 14, 52, 57) + 716.3596)).toBe('2011-08-12T14:52:57.716359+0000');
    expect(eveTimestamp(Date.UTC(2011, 7, 12, 14, 52, 57) + 999.9995)).toBe('2011-08-12T14:52:57.999999+0000');
    // Every microsecond of a second survives the double: none reads as the one before.
    const base = Date.UTC(2026, 10, 20, 12, 0, 0);
    for (let us = 0; us < 1_000_000; us += 997) expect(eveTimestamp(base + us / 1000).slice(20, 26)).toBe(String(us).padStart(6, '0'));
  });

  it('writes in batches, not on the caller', async () => {
    const s = sink({ flush_interval: 60_000 });
    for (let i = 0; i < 100; i++) s.onAlert({ ...ALERT, id: `x-${i}` });
    expect(records()).toHaveLength(0);
    await s.flush();
    expect(records()).toHaveLength(100);
    await s.close();
  });
});

/** Runs a corpus capture through the decoder into an EVE sink and returns the records. */
async function eveOfPcap(rel: string): Promise<EveRecord[]> {
  const s = sink({}, { pcapCount: true });
  const pkt = new Packet();
  const reasm = new Reassembler();
  let n = 0;
  await openFile(path.join(CORPUS, rel)).run((raw) => {
    decodePacket(raw, ++n, pkt, reasm);
    s.onPacket(pkt);
  });
  await s.close();
  return records();
}

describe('EVE dns and http records against suricata-verify oracles', () => {
  it('dns/bug-1158: every request and response record matches Suricata 8 (dns version 3)', async () => {
    const recs = await eveOfPcap('suricata-verify/dns/bug-1158/input.pcap');
    expect(recs.length).toBeGreaterThan(100);
    // tx_id included: every DNS message is a transaction of its flow, numbered from 0.
    const checked = checkOracle(recs, 'suricata-verify/_oracles/dns/bug-1158/test.yaml', 'dns', []);
    expect(checked).toBeGreaterThan(100);
    const resp = recs.find((r) => (r.dns as { type?: string }).type === 'response') as EveRecord;
    expect(Object.keys(resp.dns as object)).toEqual(expect.arrayContaining(['version', 'type', 'id', 'flags', 'qr', 'rd', 'ra', 'rcode', 'queries', 'answers', 'grouped']));
    expect(resp.timestamp).toMatch(SCHEMA_TIMESTAMP);
  });

  it('dns/dns-udp-eve-dig and bug-856: flags keep AD and CD, SOA authorities are objects, as Suricata 8 writes them', async () => {
    const dig = await eveOfPcap('suricata-verify/cond-log-dns-dig/input.pcap');
    expect(checkOracle(dig, 'suricata-verify/_oracles/dns/dns-udp-eve-dig/test.yaml', 'dns', [])).toBe(3);
    // dig asks with RD and AD (0x0120); the answer is QR RD RA AD (0x81a0). The old writer dropped AD.
    expect(dig.map((r) => (r.dns as { flags: string }).flags)).toEqual(['120', '81a0']);
    const fp = await eveOfPcap('suricata-verify/dns-udp-z-flag-fp/suricatafpdnsdecoder.pcap');
    expect(checkOracle(fp, 'suricata-verify/_oracles/dns/bug-856/test.yaml', 'dns', [])).toBeGreaterThan(3);
  });

  it('dns/dns-forward-pointer: the question named through a forward pointer is logged by name, as Suricata reads it', async () => {
    const recs = await eveOfPcap('suricata-verify/dns/dns-forward-pointer/input.pcap');
    expect(checkOracle(recs, 'suricata-verify/_oracles/dns/dns-forward-pointer/test.yaml', 'dns', [])).toBe(2);
  });

  it('tcp-fastopen-01/02: http.length is the response body length (0 for a bodiless 302), one record per transaction', async () => {
    const recs = await eveOfPcap('suricata-verify/tcp-fastopen-01/tfo.pcap');
    expect(checkOracle(recs, 'suricata-verify/_oracles/tcp-fastopen-02/test.yaml', 'http', [])).toBeGreaterThan(0);
    expect(checkOracle(recs, 'suricata-verify/_oracles/tcp-fastopen-01/test.yaml', 'http', [])).toBe(3);
  });

  it('http.length counts the body over later segments up to Content-Length', async () => {
    const s = sink();
    const bodies: number[] = [];
    const pkt = new Packet();
    const reasm = new Reassembler();
    let n = 0;
    // http_dvwa_sqlinjection: responses whose bodies span several segments.
    await openFile(path.join(CORPUS, 'chrissanders-packets/http_dvwa_sqlinjection.pcapng')).run((raw) => {
      decodePacket(raw, ++n, pkt, reasm);
      if (pkt.http?.kind === 'response' && pkt.http.contentLength !== null) bodies.push(pkt.http.contentLength);
      s.onPacket(pkt);
    });
    s.finish(0);
    await s.close();
    const http = records().filter((r) => r.event_type === 'http').map((r) => r.http as { length: number; status?: number });
    expect(http.length).toBeGreaterThan(0);
    // Every response here says its Content-Length, and the whole body is in the capture.
    expect(http.filter((h) => h.status !== undefined).map((h) => h.length)).toEqual(bodies);
    expect(bodies.some((b) => b > 1460)).toBe(true);
  });

  it('http-all-headers: one record per transaction with all request and response headers', async () => {
    const recs = await eveOfPcap('suricata-verify/http-all-headers/input.pcap');
    checkOracle(recs, 'suricata-verify/_oracles/http-all-headers/test.yaml', 'http', []);
    const [h] = recs.filter((r) => r.event_type === 'http');
    const http = h.http as Record<string, unknown>;
    expect(http.hostname).toBe('www.ethereal.com');
    expect(http.http_method).toBe('GET');
    expect(http.protocol).toBe('HTTP/1.1');
    expect(http.status).toBe(200);
    expect(typeof http.url).toBe('string');
    expect(h.app_proto).toBe('http');
    expect(h.proto).toBe('TCP');
    expect(h.dest_port).toBe(80);
  });

  it('http-ipv6: the bracketed IPv6 Host is logged whole, as Suricata does', async () => {
    const recs = await eveOfPcap('suricata-verify/http-ipv6/input.pcap');
    const n = checkOracle(recs, 'suricata-verify/_oracles/http-ipv6/test.yaml', 'http', []);
    expect(n).toBe(1);
  });

  it('writes no dns or http records when those are turned off', async () => {
    const s = sink({ dns: false, http: false, stats: false });
    const pkt = new Packet();
    let n = 0;
    await openFile(path.join(CORPUS, 'suricata-verify/http-all-headers/input.pcap')).run((raw) => {
      decodePacket(raw, ++n, pkt, null);
      s.onPacket(pkt);
    });
    await s.close();
    expect(records()).toEqual([]);
  });
});

