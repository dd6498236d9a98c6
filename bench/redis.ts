// The `redis` bench section: EVE records per second through Redis, on a redis-server this bench starts on
// 127.0.0.1 (a free port, its own directory, no persistence) and stops by pid. Two rows: a sensor's EVE
// transport (XADD in MULTI batches, the way `filetype: redis, mode: stream` sends) and one console storing
// the stream into the SQLite history (XREADGROUP, one transaction per batch, XACK). Skipped, with the
// reason printed, when redis-server is not installed.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { EveRedisTransport } from '../src/alert/sinks/eve-redis.js';
import { alertToEve, withHost } from '../src/alert/sinks/eve.js';
import { defaultSettings } from '../src/config/schema.js';
import { AlertHistory } from '../src/history/index.js';
import { StreamReader } from '../src/console/index.js';
import { freeTcpPort, waitListening } from './loopback.js';

const REDIS_SERVER = '/usr/bin/redis-server';

/** EVE lines as sensors write them: nine flow records to one alert, each with its sensor as host. */
function records(n: number): string[] {
  const out: string[] = [];
  const t0 = Date.parse('2026-12-05T12:00:00Z');
  for (let i = 0; i < n; i++) {
    const host = `sensor-${i % 3}`;
    const ts = new Date(t0 + i).toISOString().replace('Z', '000+0000');
    if (i % 10 === 0) {
      const rec = alertToEve({
        id: `${t0}-${i}`,
        timestamp: new Date(t0 + i).toISOString(),
        type: 'SYN_SCAN',
        severity: 'HIGH',
        message: `SYN scan from 10.0.${i % 250}.1: 120 ports`,
        src_ip: `10.0.${i % 250}.1`,
        dst_ip: '10.0.0.2',
        proto: 'TCP',
        details: { ports_scanned: 120 },
        count: 1,
        last_seen: new Date(t0 + i).toISOString(),
      });
      out.push(withHost(JSON.stringify(rec), host));
    } else {
      const flow = {
        timestamp: ts,
        flow_id: 1000000 + i,
        event_type: 'flow',
        src_ip: `10.0.${i % 250}.1`,
        src_port: 40000 + (i % 20000),
        dest_ip: '10.0.0.2',
        dest_port: 443,
        proto: 'TCP',
        flow: { pkts_toserver: 6, pkts_toclient: 5, bytes_toserver: 820, bytes_toclient: 4410, start: ts, end: ts, age: 0, state: 'closed', reason: 'timeout', alerted: false },
        tcp: { tcp_flags: '1b', syn: true, fin: true, psh: true, ack: true, state: 'closed' },
      };
      out.push(withHost(JSON.stringify(flow), host));
    }
  }
  return out;
}

const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');

export async function redisBench(dir: string, n: number): Promise<void> {
  console.log('\nEVE through Redis (records per second, wall clock; redis-server on loopback, one client each):');
  if (!fs.existsSync(REDIS_SERVER)) {
    console.log(`  skipped: ${REDIS_SERVER} is not installed (Debian package redis-server; bash scripts/setup.sh test installs it)`);
    return;
  }
  const port = await freeTcpPort();
  const rdir = fs.mkdtempSync(path.join(dir, 'redis-'));
  const server = spawn(REDIS_SERVER, ['--port', String(port), '--bind', '127.0.0.1', '--dir', rdir, '--save', '', '--appendonly', 'no', '--daemonize', 'no', '--loglevel', 'warning'], { stdio: 'ignore' });
  const quiet = (): void => undefined;
  try {
    await waitListening(port, 10_000, 'redis-server');
    const lines = records(n);
    const bytes = lines.reduce((a, l) => a + l.length + 1, 0);
    const key = 'bench-eve';
    const cfg = { ...defaultSettings().outputs.eve.redis, server: '127.0.0.1', port, mode: 'stream' as const, key, stream_maxlen: 0, max_queue: n + 1, spool_file: path.join(rdir, 'spool') };
    const t = new EveRedisTransport(cfg, 'bench', { log: quiet });
    await new Promise<void>((resolve) => (t.client.status === 'ready' ? resolve() : t.client.once('ready', () => resolve())));
    const t1 = process.hrtime.bigint();
    for (const l of lines) t.push(l);
    const st = await t.flush(600_000);
    const sensorS = Number(process.hrtime.bigint() - t1) / 1e9;
    await t.close(quiet);
    if (st.sent !== n) throw new Error(`the transport sent ${st.sent} of ${n} records`);

    const history = new AlertHistory(path.join(rdir, 'console.db'), { log: quiet });
    const reader = new StreamReader({ host: '127.0.0.1', port, key }, history, { group: 'bench', consumer: 'c1', batch: 1000, blockMs: 100, log: quiet });
    await reader.open();
    const t2 = process.hrtime.bigint();
    const running = reader.run();
    while (reader.stats.acked < n) await new Promise((r) => setTimeout(r, 20));
    const consoleS = Number(process.hrtime.bigint() - t2) / 1e9;
    await reader.stop();
    await running;
    await history.close();
    const rows = [
      ['', 'records', 'records/s', 'MB/s', 'wall s'],
      ['sensor: EVE transport, XADD in MULTI batches of 500', fmt(n), fmt(n / sensorS), (bytes / sensorS / 1e6).toFixed(1), sensorS.toFixed(2)],
      ['console: XREADGROUP 1000, SQLite transaction, XACK', fmt(n), fmt(n / consoleS), (bytes / consoleS / 1e6).toFixed(1), consoleS.toFixed(2)],
    ];
    const w = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
    for (const r of rows) console.log('  ' + r.map((v, c) => (c === 0 ? v.padEnd(w[c]) : v.padStart(w[c]))).join('  '));
    console.log(`  (${fmt(n)} EVE lines of ${Math.round(bytes / n)} bytes on average, one in ten an alert, from three sensor names; ${reader.stats.alerts} alerts stored)`);
  } finally {
    if (server.pid && server.exitCode === null) process.kill(server.pid, 'SIGTERM');
    await new Promise((r) => (server.exitCode !== null ? r(undefined) : server.once('exit', r)));
    fs.rmSync(rdir, { recursive: true, force: true });
  }
}
