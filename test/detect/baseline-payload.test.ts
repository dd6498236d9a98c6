// TrafficBaseline, payload inspection, suspicious ports and decode anomalies with hand-built packets.
import { describe, expect, it } from 'vitest';
import {
  createDecodeAnomalyDetector,
  createPayloadInspector,
  createSuspiciousPortDetector,
  createTrafficBaseline,
  inspectRequest,
  parseRequest,
} from '../../src/detect/index.js';
import { connectionKey } from '../../src/detect/payload-inspection.js';
import { sourcePortKey } from '../../src/detect/suspicious-port.js';
import { settingsWith } from './pipeline.js';
import { ACK, Harness, PSH, SYN, echo, httpRequest, tcp, udp } from './packets.js';

const T0 = 1_700_000_000_000;

describe('TrafficBaseline', () => {
  const quiet = (h: Harness, seconds: number, start = T0): number => {
    // 5-15 packets a second, a few of each protocol.
    for (let s = 0; s < seconds; s++) {
      const n = 5 + ((s * 7) % 11);
      for (let i = 0; i < n; i++) {
        const t = start + s * 1000 + (i * 1000) / n;
        h.feed(i % 3 === 0 ? udp('10.0.0.1', 5000, '10.0.0.2', 53, 40) : i % 3 === 1 ? tcp('10.0.0.1', 4000, '10.0.0.2', 80, ACK) : echo('10.0.0.1', '10.0.0.2'), t);
      }
    }
    return start + seconds * 1000;
  };

  it('learns for baseline_window seconds and reports its status', () => {
    const h = new Harness((r) => createTrafficBaseline(settingsWith(), r));
    const det = h.det as ReturnType<typeof createTrafficBaseline>;
    expect(det.baseline().learning).toBe(true);
    const t = quiet(h, 150);
    const half = det.baseline();
    expect(half.learning).toBe(true);
    expect(half.progress).toBeCloseTo(149 / 300, 2);
    quiet(h, 200, t);
    const st = det.baseline();
    expect(st.learning).toBe(false);
    expect(st.progress).toBe(1);
    expect(st.windowSec).toBe(300);
    expect(st.mean.pps).toBeGreaterThan(5);
    expect(st.mean.pps).toBeLessThan(16);
    expect(st.stddev.pps).toBeGreaterThan(0);
    expect(st.perProto.UDP.mean).toBeGreaterThan(1);
    expect(h.detections).toEqual([]);
  });

  it('closes a second at its last instant, not before: packets in its last millisecond still count in it', () => {
    const h = new Harness((r) => createTrafficBaseline(settingsWith(), r));
    const det = h.det as ReturnType<typeof createTrafficBaseline>;
    const pkt = (): ReturnType<typeof udp> => udp('10.0.0.1', 5000, '10.0.0.2', 53, 40);
    h.feed(pkt(), T0 + 0.5);
    // The last millisecond of the first second.
    for (const t of [T0 + 998.9, T0 + 999, T0 + 999.5, T0 + 999.999]) h.feed(pkt(), t);
    expect(det.baseline().samples).toBe(0);
    // The last time before the next second that a double holds at this magnitude, then the next second.
    h.feed(pkt(), T0 + 1000 - 2 ** -12);
    expect(det.baseline().samples).toBe(0);
    h.feed(pkt(), T0 + 1000);
    expect(det.baseline().samples).toBe(1);
    expect(det.baseline().mean.pps).toBe(6);
    // An earlier packet after the second closed counts in the current one; a jump closes the gap's seconds.
    h.feed(pkt(), T0 + 999.5);
    h.feed(pkt(), T0 + 1999.75);
    expect(det.baseline().samples).toBe(1);
    h.feed(pkt(), T0 + 4000);
    expect(det.baseline().samples).toBe(4);
    expect(det.baseline().mean.pps).toBe((6 + 3) / 4);
  });

  it('raises TRAFFIC_SURGE and UDP_SURGE within the second a UDP burst crosses the limit, not while learning', () => {
    const h = new Harness((r) => createTrafficBaseline(settingsWith(), r));
    // A burst during learning raises nothing.
    for (let i = 0; i < 2000; i++) h.feed(udp('10.0.0.9', 1, '10.0.0.2', 9, 100), T0 + i * 0.4);
    let t = quiet(h, 320, T0 + 1000);
    expect(h.detections).toEqual([]);
    for (let i = 0; i < 1500; i++) h.feed(udp('10.0.0.9', 1, '10.0.0.2', 9, 100), t + i * 0.5);
    expect(h.types()).toEqual(['TRAFFIC_SURGE', 'UDP_SURGE']);
    const first = h.detections[0];
    expect(first.ts).toBeLessThan(t + 1000);
    expect(first.details.baseline_mean as number).toBeLessThan(20);
    t += 1000;
    // Back to normal: no more detections.
    const before = h.detections.length;
    quiet(h, 30, t);
    expect(h.detections.length).toBe(before);
  });

  it('steady traffic, even busy, raises nothing', () => {
    const h = new Harness((r) => createTrafficBaseline(settingsWith(), r));
    for (let s = 0; s < 400; s++) for (let i = 0; i < 200; i++) h.feed(tcp('10.0.0.1', 4000, '10.0.0.2', 80, ACK, { len: 1500 }), T0 + s * 1000 + i * 5);
    expect(h.detections).toEqual([]);
  });
});

describe('payload inspection', () => {
  const attack = (uri: string, headers: Array<[string, string]> = [], body = ''): string[] =>
    inspectRequest({ method: body ? 'POST' : 'GET', uri, headers, body, remaining: 0 }).map((f) => f.type).sort();

  it.each([
    "/item.php?id=1' UNION SELECT username,password FROM users--",
    '/p?id=1%27%20union%20all%20select%201,2,3--',
    '/p?id=1+UNION/**/SELECT+null,version()',
    '/p?id=1/*!50000UNION*//*!50000SELECT*/1,2',
    "/login?user=admin'--&pass=x",
    "/login?user=admin' #",
    "/search?q=x' OR 1=1--",
    "/search?q=x%27%20or%20%27a%27%3D%27a",
    '/dvwa/?id=%25%27+or+%270%27%3D%270',
    '/p?id=1 or 1=1',
    '/p?id=1;DROP TABLE users',
    '/p?id=1%3B%20exec%20xp_cmdshell(%27dir%27)',
    "/p?id=1' AND SLEEP(5)--",
    '/p?id=1 AND BENCHMARK(5000000,MD5(1))',
    "/p?id=1';WAITFOR DELAY '0:0:5'--",
    '/p?id=%2527%2520or%25201%253D1--',
    '/p?id=1 and extractvalue(1,concat(0x7e,@@version))',
    '/p?id=(select table_name from information_schema.tables)',
    "/p?id=1' ORDER BY 3--+",
  ])('SQL injection: %s', (uri) => {
    expect(attack(uri)).toContain('SQL_INJECTION');
  });

  it.each([
    '/download?file=../../../../etc/passwd',
    '/download?file=..%2f..%2f..%2fetc%2fshadow',
    '/download?file=%2e%2e%2f%2e%2e%2fboot.ini',
    '/download?file=%252e%252e%252f%252e%252e%252fwindows/win.ini',
    '/download?file=..%c0%af..%c0%afetc/passwd',
    '/scripts/..%5c..%5cwinnt/system32/cmd.exe',
    '/a/b/..\\..\\..\\windows\\system32\\drivers\\etc\\hosts',
    '/static/%u002e%u002e/%u002e%u002e/etc/passwd',
    '/page?file=/etc/passwd',
    '/../a/b/../c/./d.html',
  ])('directory traversal: %s', (uri) => {
    expect(attack(uri)).toContain('DIRECTORY_TRAVERSAL');
  });

  it.each([
    '/',
    '/index.html',
    '/api/v2/FindPackagesById()?id=%27AzureAD%27&semVerLevel=2.0.0',
    "/api/v2/Packages(Id='Newtonsoft.Json',Version='13.0.1')",
    '/search?q=rock+and+roll&sort=desc',
    '/search?q=select+a+product+from+the+list',
    '/search?q=don%27t+stop+believing',
    "/wiki/O'Reilly_Media",
    '/blog/2024/05/union-select-committee-report',
    '/products?category=1&order=price;desc',
    '/files/report..final.pdf',
    '/a/b/c/./d.html',
    '/login?next=%2Fdashboard%3Ftab%3D1',
    '/news?id=1&ref=1=1',
    '/cgi-bin/etc.cgi?passwd=x',
  ])('no false positive: %s', (uri) => {
    expect(attack(uri)).toEqual([]);
  });

  it('inspects headers and bodies, requiring two ../ levels outside the URI', () => {
    expect(attack('/', [['User-Agent', "Mozilla' or '1'='1"]])).toEqual(['SQL_INJECTION']);
    expect(attack('/', [['Referer', 'http://x/../../etc/passwd']])).toEqual(['DIRECTORY_TRAVERSAL']);
    expect(attack('/login', [], 'user=admin%27+OR+1%3D1--&pw=x')).toEqual(['SQL_INJECTION']);
    expect(attack('/upload', [], 'path=../../../../etc/shadow')).toEqual(['DIRECTORY_TRAVERSAL']);
    expect(attack('/post', [], 'text=see the file in ../docs for details')).toEqual([]);
    expect(attack('/post', [], '{"color":"#fff","name":"Bob\'s"}')).toEqual([]);
  });

  /** The episode key of an IPv4 connection given as text. */
  const v4Key = (a: string, sp: number, b: string, dp: number): string => {
    const n = (t: string): number => t.split('.').reduce((x, o) => (x << 8) | Number(o), 0);
    return connectionKey(n(a), '', sp, n(b), '', dp);
  };

  it('keys an episode by its connection: one key per 4-tuple, IPv4 and IPv6 apart', () => {
    const seen = new Set<string>();
    for (const [a, sp, b, dp] of [['10.0.0.1', 40000, '10.0.0.2', 80], ['10.0.0.2', 80, '10.0.0.1', 40000], ['10.0.0.1', 40001, '10.0.0.2', 80], ['10.0.0.1', 40000, '10.0.0.3', 80], ['10.0.0.1', 40000, '10.0.0.2', 8080], ['255.255.255.255', 65535, '0.0.0.0', 0], ['0.0.0.0', 0, '255.255.255.255', 65535], ['10.0.1.1', 40000, '10.0.0.2', 80], ['11.0.0.1', 40000, '10.0.0.2', 80], ['10.0.0.1', 40000, '11.0.0.2', 80]] as const) {
      const k = v4Key(a, sp, b, dp);
      expect(k).toBe(v4Key(a, sp, b, dp));
      seen.add(k);
    }
    expect(seen.size).toBe(10);
    const six = connectionKey(0, '2001:db8::1', 40000, 0, '2001:db8::2', 80);
    expect(six).toBe('2001:db8::1 40000 2001:db8::2 80');
    expect(connectionKey(0, '::', 0, 0, '::', 0)).not.toBe(connectionKey(0, '', 0, 0, '', 0));
  });

  it('parses requests the decoder did not (raw TCP payload); the episode of an alert is its connection', () => {
    const r = parseRequest("GET /x?id=1%27%20or%201=1-- HTTP/1.1\r\nHost: a\r\n\r\n");
    expect(r?.uri).toBe('/x?id=1%27%20or%201=1--');
    const h = new Harness((raise) => createPayloadInspector(settingsWith(), raise));
    h.feed(httpRequest('10.0.0.1', '10.0.0.2', 'GET', '/p?id=1%27%20UNION%20SELECT%201--'), T0);
    h.feed(tcp('10.0.0.1', 40001, '10.0.0.2', 8000, ACK | PSH, { payload: 'GET /f?p=../../../etc/passwd HTTP/1.1\r\nHost: v\r\n\r\n' }), T0 + 10);
    h.feed(httpRequest('10.0.0.1', '10.0.0.2', 'GET', '/index.html'), T0 + 20);
    expect(h.types()).toEqual(['DIRECTORY_TRAVERSAL', 'SQL_INJECTION']);
    const sqli = h.of('SQL_INJECTION')[0];
    // Keyed by the flow: the funnel folds repeats on this connection only.
    expect(sqli.key).toBe(v4Key('10.0.0.1', 40000, '10.0.0.2', 80));
    expect(sqli.details.uri).toBe('/p?id=1%27%20UNION%20SELECT%201--');
    expect(sqli.details.where).toBe('uri');
    expect(h.of('DIRECTORY_TRAVERSAL')[0].key).toBe(v4Key('10.0.0.1', 40001, '10.0.0.2', 8000));
    // The same client on another connection: another episode, with that connection's ports.
    h.feed(tcp('10.0.0.1', 40002, '10.0.0.2', 80, ACK | PSH, { payload: 'GET /q?id=2%27%20OR%20%271%27=%271 HTTP/1.1\r\nHost: v\r\n\r\n' }), T0 + 30);
    const both = h.of('SQL_INJECTION');
    expect(both.map((d) => [d.key, d.src_port])).toEqual([
      [v4Key('10.0.0.1', 40000, '10.0.0.2', 80), 40000],
      [v4Key('10.0.0.1', 40002, '10.0.0.2', 80), 40002],
    ]);
  });
});

describe('SUSPICIOUS_PORT and DECODE_ANOMALY', () => {
  it('raises LOW per source and port, folding repeats', () => {
    const h = new Harness((r) => createSuspiciousPortDetector(settingsWith(), r));
    for (let i = 0; i < 10; i++) h.feed(tcp('10.0.0.1', 40000 + i, '10.0.0.2', 22, SYN), T0 + i * 100);
    h.feed(tcp('10.0.0.1', 41000, '10.0.0.2', 3389, SYN), T0 + 2000);
    h.feed(tcp('10.0.0.1', 41001, '10.0.0.2', 80, SYN), T0 + 2000);
    h.feed(tcp('10.0.0.2', 22, '10.0.0.1', 40000, ACK), T0 + 2000);
    h.tick(T0 + 5000);
    expect(new Set(h.detections.map((d) => d.key))).toEqual(new Set([sourcePortKey(0x0a000001, '', 22, '10.0.0.1'), sourcePortKey(0x0a000001, '', 3389, '10.0.0.1')]));
    expect(h.detections.every((d) => d.severity === 'LOW')).toBe(true);
    expect(h.of('SUSPICIOUS_PORT').filter((d) => d.dst_port === 22).at(-1)!.details.attempts).toBe(10);
  });
  it('keys an episode by source and port: one key per pair, IPv4 and IPv6 apart, the same key for repeats', () => {
    const seen = new Set<string>();
    for (const [a4, port] of [[0x0a000001, 22], [0x0a000001, 23], [0x0a000002, 22], [0x0b000001, 22], [0x0a010001, 22], [0, 0], [-1, 65535], [0x7fffffff, 22], [-0x80000000, 22]]) {
      const k = sourcePortKey(a4, '', port, 'unused');
      expect(k).toBe(sourcePortKey(a4, '', port, 'unused'));
      seen.add(k);
    }
    expect(seen.size).toBe(9);
    expect(sourcePortKey(0, '2001:db8::1', 22, '2001:db8::1')).toBe('2001:db8::1|22');
    expect(seen.has(sourcePortKey(0, '::', 0, '::'))).toBe(false);
    // The detector's episodes: two sources to one port and one source to two ports are three alerts; a repeat keeps its key.
    const h = new Harness((r) => createSuspiciousPortDetector(settingsWith(), r));
    h.feed(tcp('10.0.0.1', 40000, '10.0.0.9', 22, SYN), T0).feed(tcp('10.0.1.1', 40000, '10.0.0.9', 22, SYN), T0);
    h.feed(tcp('10.0.0.1', 40001, '10.0.0.9', 23, SYN), T0).feed(tcp('10.0.0.1', 40002, '10.0.0.9', 22, SYN), T0 + 1500);
    const keys = h.of('SUSPICIOUS_PORT').map((d) => d.key);
    expect(new Set(keys).size).toBe(3);
    expect(keys[3]).toBe(keys[0]);
    expect(keys[0]).toBe(sourcePortKey(0x0a000001, '', 22, '10.0.0.1'));
  });
  it('follows the settings list', () => {
    const h = new Harness((r) => createSuspiciousPortDetector(settingsWith({ suspicious_ports: [8080] }), r));
    h.feed(tcp('10.0.0.1', 1, '10.0.0.2', 22, SYN), T0).feed(tcp('10.0.0.1', 1, '10.0.0.2', 8080, SYN), T0);
    expect(h.detections.map((d) => d.dst_port)).toEqual([8080]);
  });
  it('turns decode events into DECODE_ANOMALY per source and event', () => {
    const h = new Harness((r) => createDecodeAnomalyDetector(settingsWith(), r));
    for (let i = 0; i < 5; i++) {
      const p = udp('10.0.0.7', 1, '10.0.0.2', 53);
      p.events.push('decode.dns.pointer_loop');
      h.feed(p, T0 + i);
    }
    h.feed(udp('10.0.0.7', 1, '10.0.0.2', 53), T0 + 10);
    h.tick(T0 + 2000);
    expect(h.types()).toEqual(['DECODE_ANOMALY']);
    expect(h.detections[0].key).toBe('10.0.0.7|decode.dns.pointer_loop');
    expect(h.detections.at(-1)!.details.packets).toBe(5);
  });
});
