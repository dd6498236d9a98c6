// EVE flow records: one per connection when it leaves the table (or at the end of the capture), with
// packets and bytes each way checked against tshark's conversation statistics on real captures.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CORPUS, jsonLines, runNetguard } from '../helpers/netguard.js';
import { EveSink } from '../../src/alert/sinks/eve.js';
import { defaultSettings } from '../../src/config/schema.js';
import type { ConnectionInfo } from '../../src/flow/index.js';
import { checkOracle } from './oracle.js';

interface FlowRecord {
  timestamp: string;
  flow_id: number;
  event_type: string;
  src_ip: string;
  src_port?: number;
  dest_ip: string;
  dest_port?: number;
  proto: string;
  community_id: string;
  flow: {
    pkts_toserver: number;
    pkts_toclient: number;
    bytes_toserver: number;
    bytes_toclient: number;
    start: string;
    end: string;
    age: number;
    state: string;
    reason: string;
    alerted: boolean;
  };
  tcp?: { state: string };
}

/** Runs NetGuard over a capture with EVE on and returns its records. */
async function eveOf(file: string): Promise<Array<Record<string, unknown>>> {
  const dir = mkdtempSync(path.join(tmpdir(), 'ng-eveflow-'));
  try {
    writeFileSync(path.join(dir, 'settings.yaml'), 'outputs:\n  eve:\n    enabled: true\n');
    // No custom rules, as Suricata ran these tests with none (without a rules.yaml here, the shipped one
    // would load, and a rule alert on a flow sets its flow.alerted).
    writeFileSync(path.join(dir, 'rules.yaml'), 'rules: []\n');
    const r = await runNetguard(['--batch', '-r', file], { cwd: dir });
    expect(r.code, r.stderr).toBe(0);
    return jsonLines(readFileSync(path.join(dir, 'eve.json'), 'utf8'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Frames and bytes each way per conversation: key "PROTO a b" (ends sorted) -> end -> [frames, bytes] it sent. */
type Conversations = Map<string, Record<string, [number, number | null]>>;

/** tshark -z conv,tcp and conv,udp. Bytes shown rounded ("63 kB") are not compared (null). */
function tsharkConversations(file: string): Conversations {
  const out: Conversations = new Map();
  for (const proto of ['tcp', 'udp']) {
    const text = execFileSync('tshark', ['-n', '-r', file, '-q', '-z', `conv,${proto}`], { encoding: 'utf8', maxBuffer: 1 << 28, stdio: ['ignore', 'pipe', 'ignore'] });
    for (const line of text.split('\n')) {
      // "a:pa <-> b:pb   <frames b->a> <bytes> <unit>  <frames a->b> <bytes> <unit>  ..."
      const m = /^(\S+)\s+<->\s+(\S+)\s+([\d,]+)\s+([\d,]+) (bytes|kB|MB)\s+([\d,]+)\s+([\d,]+) (bytes|kB|MB)/.exec(line);
      if (!m) continue;
      const n = (s: string): number => Number(s.replace(/,/g, ''));
      const [, a, b, baF, baB, baU, abF, abB, abU] = m;
      out.set([proto.toUpperCase(), ...[a, b].sort()].join(' '), {
        [a]: [n(abF), abU === 'bytes' ? n(abB) : null],
        [b]: [n(baF), baU === 'bytes' ? n(baB) : null],
      });
    }
  }
  return out;
}

/** NetGuard's flow records summed per conversation the way tshark keys them (a reused 4-tuple is one). */
function ourConversations(flows: FlowRecord[]): Conversations {
  const out: Conversations = new Map();
  for (const f of flows) {
    if (f.proto !== 'TCP' && f.proto !== 'UDP') continue;
    // tshark writes both families as addr:port (IPv6 without brackets).
    const end = (ip: string, port: number | undefined): string => `${ip}:${port}`;
    const a = end(f.src_ip, f.src_port);
    const b = end(f.dest_ip, f.dest_port);
    const key = [f.proto, ...[a, b].sort()].join(' ');
    const c = out.get(key) ?? { [a]: [0, 0], [b]: [0, 0] };
    c[a] = [c[a][0] + f.flow.pkts_toserver, (c[a][1] ?? 0) + f.flow.bytes_toserver];
    c[b] = [c[b][0] + f.flow.pkts_toclient, (c[b][1] ?? 0) + f.flow.bytes_toclient];
    out.set(key, c);
  }
  return out;
}

const CAPTURES = [
  'chrissanders-packets/http_dvwa_sqlinjection.pcapng',
  'chrissanders-packets/http_dvwa_directorytraversal.pcapng',
  'chrissanders-packets/synscan.pcapng',
  'chrissanders-packets/activeosfingerprinting.pcapng',
  'chrissanders-packets/dns_axfr.pcapng',
  'tcpdump/dns_tcp.pcap',
  'tcpdump/dns_udp.pcap',
  'tcpdump/dnssec.pcap',
  'tcpdump/dns_fwdptr.pcap',
  'zeek/nmap-vsn.pcap',
  'zeek/ipv6-fragmented-dns.pcap',
  'zeek/vlan-qinqinq.pcap',
];

describe('EVE flow records', () => {
  it('count every packet and byte of each TCP and UDP conversation each way, as tshark does', { timeout: 180_000 }, async () => {
    let conversations = 0;
    for (const name of CAPTURES) {
      const file = path.join(CORPUS, name);
      const records = await eveOf(file);
      const flows = records.filter((r) => r.event_type === 'flow') as unknown as FlowRecord[];
      const ours = ourConversations(flows);
      const theirs = tsharkConversations(file);
      expect(theirs.size, name).toBeGreaterThan(0);
      for (const [key, t] of theirs) {
        const o = ours.get(key);
        expect(o, `${name}: NetGuard has no flow for ${key}`).toBeDefined();
        for (const endpoint of Object.keys(t)) {
          const [frames, bytes] = t[endpoint];
          expect(o![endpoint]?.[0], `${name} ${key}: packets from ${endpoint}`).toBe(frames);
          if (bytes !== null) expect(o![endpoint]?.[1], `${name} ${key}: bytes from ${endpoint}`).toBe(bytes);
        }
        conversations++;
      }
      for (const key of ours.keys()) expect(theirs.has(key), `${name}: NetGuard flow ${key} that tshark does not have`).toBe(true);
      // Each flow is logged once, with Suricata's fields.
      expect(new Set(flows.map((f) => `${f.flow_id} ${f.flow.start}`)).size, name).toBe(flows.length);
      for (const f of flows) {
        expect(['timeout', 'forced', 'tcp_reuse', 'shutdown']).toContain(f.flow.reason);
        expect(['new', 'established', 'closed']).toContain(f.flow.state);
        expect(f.flow.end >= f.flow.start).toBe(true);
        expect(f.community_id).toMatch(/^1:[A-Za-z0-9+/]{27}=$/);
        if (f.proto === 'TCP') expect(f.tcp?.state).toMatch(/^[a-z_0-9]+$/);
      }
    }
    console.log(`EVE flow records: ${conversations} conversations in ${CAPTURES.length} captures agree with tshark -z conv`);
    expect(conversations).toBeGreaterThan(2000);
  });

  it('mark the flow an alert named, log open flows as shut down at the end, and closed ones by timeout', async () => {
    const records = await eveOf(path.join(CORPUS, 'chrissanders-packets/http_dvwa_sqlinjection.pcapng'));
    // Each of the three SQL-injection requests came on a connection of its own: one alert per connection
    // (the final records at the end repeat them, same flow; the three promote the client to MALICIOUS_IP,
    // an alert about an address, with no flow).
    const alerts = (records.filter((r) => r.event_type === 'alert') as unknown as Array<{ flow_id: number; src_port: number; alert: { metadata: Record<string, string[]> } }>).filter(
      (a) => a.alert.metadata.netguard_type[0] === 'SQL_INJECTION',
    );
    const raised = alerts.filter((a) => a.alert.metadata.netguard_final === undefined);
    expect(raised.map((a) => a.src_port)).toEqual([58856, 58866, 58868]);
    expect(alerts.filter((a) => a.alert.metadata.netguard_final !== undefined).map((a) => a.flow_id)).toEqual(raised.map((a) => a.flow_id));
    const flows = records.filter((r) => r.event_type === 'flow') as unknown as FlowRecord[];
    expect(flows.map((f) => [f.src_port, f.flow.reason, f.flow.state, f.tcp?.state, f.flow.pkts_toserver, f.flow.pkts_toclient])).toEqual([
      [58856, 'timeout', 'closed', 'closed', 6, 6],
      [58866, 'timeout', 'closed', 'closed', 6, 5],
      [58868, 'shutdown', 'closed', 'closed', 6, 6],
    ]);
    const alerted = flows.filter((f) => f.flow.alerted);
    expect(alerted.map((f) => [f.flow_id, f.src_port])).toEqual(raised.map((a) => [a.flow_id, a.src_port]));
    // A closed connection lingers 10 s (closedLingerMs) before it leaves the table: logged at that packet time.
    expect(flows[0].flow).toMatchObject({ start: '2017-04-05T20:15:44.641377+0000', end: '2017-04-05T20:15:53.546670+0000', age: 9 });
    // The flow's HTTP was seen: app_proto, as Suricata sets it when it recognised the protocol.
    expect(flows.map((f) => (f as unknown as { app_proto?: string }).app_proto)).toEqual(['http', 'http', 'http']);
    expect(Date.parse(flows[0].timestamp.replace('+0000', 'Z')) - Date.parse(flows[0].flow.end.replace('+0000', 'Z'))).toBeGreaterThanOrEqual(10_000);
  });

  it('dns/dns-udp-eve-txt: the dns and flow records match Suricata 8 (suricata-verify), to the microsecond', async () => {
    const records = await eveOf(path.join(CORPUS, 'suricata-verify/dns/dns-udp-eve-txt/input.pcap'));
    const oracle = 'suricata-verify/_oracles/dns/dns-udp-eve-txt/test.yaml';
    // Every field of every filter, tx_id, app_proto and flow.start/end included.
    expect(checkOracle(records, oracle, 'dns', [])).toBe(4);
    expect(checkOracle(records, oracle, 'flow', [])).toBe(2);
  });

  it('dns/bug-1158 and tcp-fastopen-01: the flow records match Suricata 8 (suricata-verify)', async () => {
    const dns = await eveOf(path.join(CORPUS, 'suricata-verify/dns/bug-1158/input.pcap'));
    // Suricata writes app_proto "failed" for a flow whose protocol its detection gave up on (here a
    // NetBIOS broadcast); NetGuard recognises only DNS and HTTP and writes app_proto just for those,
    // so that one key is left out of the comparison and checked on its own below.
    expect(checkOracle(dns, 'suricata-verify/_oracles/dns/bug-1158/test.yaml', 'flow', ['app_proto'])).toBe(2);
    const dnsFlow = dns.find((r) => r.event_type === 'flow' && r.dest_port === 53) as { app_proto?: string } | undefined;
    expect(dnsFlow?.app_proto).toBe('dns');
    const tfo = await eveOf(path.join(CORPUS, 'suricata-verify/tcp-fastopen-01/tfo.pcap'));
    expect(checkOracle(tfo, 'suricata-verify/_oracles/tcp-fastopen-01/test.yaml', 'flow', [])).toBe(1);
  });

  it('are not written with outputs.eve.flow off', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'ng-eveflow-'));
    try {
      writeFileSync(path.join(dir, 'settings.yaml'), 'outputs:\n  eve:\n    enabled: true\n    flow: false\n');
      const r = await runNetguard(['--batch', '-r', path.join(CORPUS, 'tcpdump/dns_udp.pcap')], { cwd: dir });
      expect(r.code, r.stderr).toBe(0);
      const types = jsonLines(readFileSync(path.join(dir, 'eve.json'), 'utf8')).map((x) => x.event_type);
      expect(types).toContain('dns');
      expect(types).not.toContain('flow');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('EVE buffer bound', () => {
  const flow = (i: number): ConnectionInfo => ({
    id: String(i), proto: 'UDP', src: '10.0.0.1', srcPort: 1024 + (i % 60000), dst: '10.0.0.2', dstPort: 53, service: 'domain',
    state: 'REPLIED', packetsOut: 1, packetsIn: 1, bytesOut: 60, bytesIn: 80, start: 1000, last: 1010, closed: false, established: true,
  });

  it('drops what goes beyond 100,000 waiting records and says how many at close; at exit, and from a file, it keeps all', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'ng-evebound-'));
    try {
      const logged: string[] = [];
      const base = { ...defaultSettings().outputs.eve, enabled: true };
      const bounded = new EveSink({ ...base, file: path.join(dir, 'a.json') }, { log: (m) => logged.push(m) });
      for (let i = 0; i < 100_005; i++) bounded.onFlowEnd(flow(i), 'timeout', 2000);
      await bounded.close();
      expect(readFileSync(path.join(dir, 'a.json'), 'utf8').trim().split('\n')).toHaveLength(100_000);
      expect(logged).toEqual([`EVE output ${path.join(dir, 'a.json')}: 5 records dropped, more than 100000 waited for the disk at once`]);
      // The flows still open at exit (up to the connection cap) are written whatever their number.
      const atExit = new EveSink({ ...base, file: path.join(dir, 'b.json') }, { log: (m) => logged.push(m) });
      atExit.finalRecords();
      for (let i = 0; i < 100_005; i++) atExit.onFlowEnd(flow(i), 'shutdown', 2000);
      await atExit.close();
      expect(readFileSync(path.join(dir, 'b.json'), 'utf8').trim().split('\n')).toHaveLength(100_005);
      expect(logged).toHaveLength(1);
      // A source that can wait (a capture file) loses nothing, and is asked to wait once 25,000 lines wait.
      const file = new EveSink({ ...base, file: path.join(dir, 'c.json') }, { log: (m) => logged.push(m), canWait: true });
      for (let i = 0; i < 24_999; i++) file.onFlowEnd(flow(i), 'timeout', 2000);
      expect(file.backlog()).toBeNull();
      file.onFlowEnd(flow(24_999), 'timeout', 2000);
      const wait = file.backlog();
      expect(wait).not.toBeNull();
      await wait;
      expect(readFileSync(path.join(dir, 'c.json'), 'utf8').trim().split('\n')).toHaveLength(25_000);
      expect(file.backlog()).toBeNull();
      for (let i = 25_000; i < 100_005; i++) file.onFlowEnd(flow(i), 'timeout', 2000);
      await file.close();
      expect(readFileSync(path.join(dir, 'c.json'), 'utf8').trim().split('\n')).toHaveLength(100_005);
      expect(logged).toHaveLength(1);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
