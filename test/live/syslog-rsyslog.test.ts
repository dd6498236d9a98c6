// The syslog sink against a real rsyslogd (Debian package rsyslog) that this test starts on
// 127.0.0.1 with its own config, pid file and output file (the system's syslog is not touched):
// messages over UDP, TCP with octet counting, TCP with LF framing, and TCP reconnection after the
// collector restarts. What rsyslog parsed is read back from its output file.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import dgram from 'node:dgram';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freeTcpPort } from '../../bench/loopback.js';
import { SyslogSink } from '../../src/alert/sinks/syslog.js';
import { defaultSettings } from '../../src/config/schema.js';
import type { Alert } from '../../src/alert/types.js';

const RSYSLOGD = '/usr/sbin/rsyslogd';
const dir = mkdtempSync(path.join(tmpdir(), 'ng-rsyslog-'));
const out = path.join(dir, 'received.log');
let udpPort = 0;
let tcpPort = 0;
let rsyslog: ChildProcess | null = null;


function freeUdpPort(): Promise<number> {
  return new Promise((resolve) => {
    const s = dgram.createSocket('udp4');
    s.bind(0, '127.0.0.1', () => {
      const p = s.address().port;
      s.close(() => resolve(p));
    });
  });
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function until<T>(what: string, f: () => T | undefined | false, ms = 10_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = f();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

/** Each received message, one line, fields as rsyslog's RFC 5424 parser saw them. */
interface Received {
  pri: number;
  timestamp: string;
  hostname: string;
  app: string;
  procid: string;
  msgid: string;
  sd: string;
  msg: string;
  input: string;
}

function received(): Received[] {
  if (!existsSync(out)) return [];
  return readFileSync(out, 'utf8')
    .split('\n')
    .filter((l) => l)
    .map((l) => {
      const [pri, timestamp, hostname, app, procid, msgid, sd, input, ...msg] = l.split('\t');
      return { pri: Number(pri), timestamp, hostname, app, procid, msgid, sd, input, msg: msg.join('\t') };
    });
}

async function startRsyslog(): Promise<void> {
  const conf = path.join(dir, 'rsyslog.conf');
  writeFileSync(
    conf,
    `global(workDirectory="${dir}")
module(load="imudp")
module(load="imtcp")
template(name="ngfields" type="list") {
  property(name="pri") constant(value="\\t")
  property(name="timereported" dateFormat="rfc3339") constant(value="\\t")
  property(name="hostname") constant(value="\\t")
  property(name="app-name") constant(value="\\t")
  property(name="procid") constant(value="\\t")
  property(name="msgid") constant(value="\\t")
  property(name="structured-data") constant(value="\\t")
  property(name="inputname") constant(value="\\t")
  property(name="msg" droplastlf="on") constant(value="\\n")
}
ruleset(name="netguard") {
  action(type="omfile" file="${out}" template="ngfields" flushOnTXEnd="on" asyncWriting="off")
}
input(type="imudp" address="127.0.0.1" port="${udpPort}" ruleset="netguard")
input(type="imtcp" address="127.0.0.1" port="${tcpPort}" ruleset="netguard")
`,
  );
  const check = spawnSync(RSYSLOGD, ['-N1', '-f', conf], { encoding: 'utf8' });
  if (check.status !== 0) throw new Error(`rsyslogd rejected the test config: ${check.stderr}`);
  const child = spawn(RSYSLOGD, ['-n', '-f', conf, '-i', path.join(dir, 'rsyslogd.pid')], { stdio: ['ignore', 'ignore', 'pipe'] });
  child.stderr?.on('data', (d: Buffer) => (rsyslogErr += d.toString()));
  rsyslog = child;
  // Ready when the TCP input accepts connections.
  const end = Date.now() + 10_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`rsyslogd exited ${child.exitCode}: ${rsyslogErr}`);
    const ok = await new Promise<boolean>((resolve) => {
      const c = net.createConnection({ host: '127.0.0.1', port: tcpPort });
      c.on('connect', () => {
        c.destroy();
        resolve(true);
      });
      c.on('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > end) throw new Error(`rsyslogd did not listen on 127.0.0.1:${tcpPort}: ${rsyslogErr}`);
    await sleep(50);
  }
}
let rsyslogErr = '';
const start = startRsyslog;

async function stop(): Promise<void> {
  const child = rsyslog;
  rsyslog = null;
  if (!child || child.exitCode !== null) return;
  const done = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  child.kill('SIGTERM');
  await Promise.race([done, sleep(5_000).then(() => child.kill('SIGKILL'))]);
}

function alert(n: number, over: Partial<Alert> = {}): Alert {
  return {
    id: `1763640000000-${n}`,
    timestamp: `2026-11-20T12:00:0${n % 10}.500Z`,
    type: 'SYN_SCAN',
    severity: 'HIGH',
    message: `SYN scan #${n} from 198.51.100.23 "quoted" [bracket] back\\slash`,
    src_ip: '198.51.100.23',
    dst_ip: '10.0.0.5',
    proto: 'TCP',
    details: {},
    count: n,
    last_seen: '2026-11-20T12:00:09.000Z',
    ...over,
  };
}

function sinkFor(protocol: 'udp' | 'tcp', framing: 'octet-counting' | 'lf' = 'octet-counting', logs: string[] = []): SyslogSink {
  return new SyslogSink(
    { ...defaultSettings().outputs.syslog, enabled: true, host: '127.0.0.1', port: protocol === 'udp' ? udpPort : tcpPort, protocol, framing, hostname: 'ng-test-host', reconnect_interval: 0.2 },
    { procId: '4242', log: (m) => logs.push(m) },
  );
}

beforeAll(async () => {
  if (!existsSync(RSYSLOGD)) throw new Error('rsyslogd not installed: apt-get install -y rsyslog');
  udpPort = await freeUdpPort();
  tcpPort = await freeTcpPort();
  await start();
}, 30_000);

afterAll(async () => {
  await stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('syslog sink -> rsyslog', () => {
  it('UDP: rsyslog parses PRI, timestamp, hostname, app-name, procid, msgid, structured data and message', async () => {
    const s = sinkFor('udp');
    s.onAlert(alert(1));
    s.onAlert(alert(2, { severity: 'CRITICAL', type: 'SYN_FLOOD' }));
    s.onAlert(alert(3, { severity: 'LOW', type: 'SUSPICIOUS_PORT' }));
    await s.close();
    const got = await until('3 UDP messages', () => {
      const r = received().filter((x) => x.input === 'imudp');
      return r.length >= 3 && r;
    });
    expect(got.map((r) => r.pri)).toEqual([131, 130, 133]); // local0 with err, crit, notice
    expect(got.map((r) => r.msgid)).toEqual(['SYN_SCAN', 'SYN_FLOOD', 'SUSPICIOUS_PORT']);
    const r = got[0];
    expect(r.timestamp).toMatch(/^2026-11-20T12:00:01\.5/);
    expect(r.hostname).toBe('ng-test-host');
    expect(r.app).toBe('netguard');
    expect(r.procid).toBe('4242');
    expect(r.sd).toBe('[netguard@32473 id="1763640000000-1" type="SYN_SCAN" severity="HIGH" src_ip="198.51.100.23" dst_ip="10.0.0.5" proto="TCP" count="1"]');
    expect(r.msg).toBe('SYN scan #1 from 198.51.100.23 "quoted" [bracket] back\\\\slash');
  });

  it('TCP with octet counting and with LF framing', async () => {
    const a = sinkFor('tcp', 'octet-counting');
    const b = sinkFor('tcp', 'lf');
    for (let i = 10; i < 15; i++) a.onAlert(alert(i, { type: 'PORT_SWEEP' }));
    for (let i = 20; i < 25; i++) b.onAlert(alert(i, { type: 'ICMP_SWEEP' }));
    await until('TCP connections', () => a.isConnected() && b.isConnected() && a.queued() === 0 && b.queued() === 0);
    await a.close();
    await b.close();
    const got = await until('10 TCP messages', () => {
      const r = received().filter((x) => x.input === 'imtcp');
      return r.length >= 10 && r;
    });
    expect(got.filter((r) => r.msgid === 'PORT_SWEEP').map((r) => r.sd.match(/count="(\d+)"/)?.[1])).toEqual(['10', '11', '12', '13', '14']);
    expect(got.filter((r) => r.msgid === 'ICMP_SWEEP')).toHaveLength(5);
    for (const r of got) {
      expect(r.app).toBe('netguard');
      expect(r.msg).toMatch(/^SYN scan #\d+ from 198\.51\.100\.23/);
    }
  });

  it('TCP: queues while the collector is down and reconnects when it is back', async () => {
    const logs: string[] = [];
    const s = sinkFor('tcp', 'octet-counting', logs);
    s.onAlert(alert(30, { type: 'CONNECTION_FLOOD' }));
    await until('first message', () => received().some((r) => r.msgid === 'CONNECTION_FLOOD'));
    await stop();
    await until('the sink to notice the collector went away', () => !s.isConnected());
    const t = performance.now();
    s.onAlert(alert(31, { type: 'DIRECTORY_TRAVERSAL' }));
    s.onAlert(alert(32, { type: 'DIRECTORY_TRAVERSAL' }));
    expect(performance.now() - t).toBeLessThan(50); // never blocks
    await sleep(500); // a few failed reconnects
    expect(s.queued()).toBe(2);
    expect(logs.some((l) => l.includes(`127.0.0.1:${tcpPort}`) && l.includes('will retry'))).toBe(true);
    await start();
    const got = await until('the queued messages after reconnect', () => {
      const r = received().filter((x) => x.msgid === 'DIRECTORY_TRAVERSAL');
      return r.length >= 2 && r;
    });
    expect(got.map((r) => r.sd.match(/count="(\d+)"/)?.[1])).toEqual(['31', '32']);
    expect(logs.some((l) => l.includes('reachable again'))).toBe(true);
    await s.close();
  }, 40_000);
});
