// Many sensors, one console, through a real redis-server (Debian package) this test starts on 127.0.0.1
// with its own port and directory: three NetGuard sensors (EVE filetype redis, mode stream), each watching
// its own attacker and victim namespaces, and one `netguard console`. Each pair of namespaces is joined by
// a bridge in the root namespace (no address on it), so the sensor runs in the root namespace, captures on
// the victim's bridge port and reaches Redis on loopback; traffic only goes between the test's namespaces.
// It shows: every sensor's alerts arrive tagged with their sensor; the console SIGKILLed mid-stream and
// restarted ends with every record exactly once; Redis stopped for ten seconds during traffic loses
// nothing within the spool's bounds, and a sensor with tiny bounds says what it dropped beyond them.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { Redis } from 'ioredis';
import { requireRoot, sh } from '../helpers/netns.js';
import { jsonLines, runNetguard, spawnNetguard, type RunResult } from '../helpers/netguard.js';
import { startRedis, type TestRedis } from '../helpers/redis.js';
import type { Alert } from '../../src/alert/types.js';

const TAG = `${(process.env.NG_NS_TAG ?? '').slice(0, 2)}rd`;
const KEY = 'netguard-eve';
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

interface Site {
  i: number;
  sensor: string;
  attacker: string;
  victim: string;
  /** Root-namespace ends of the two veth pairs, and the bridge joining them. */
  rootA: string;
  rootV: string;
  bridge: string;
  attackerIp: string;
  victimIp: string;
  settings: string;
  run?: { child: ReturnType<typeof spawnNetguard>['child']; done: Promise<RunResult> };
  result?: RunResult;
}

let redis: TestRedis;
let client: Redis;
let dir: string;
const sites: Site[] = [];

async function must(cmd: string, args: string[]): Promise<void> {
  const r = await sh(cmd, args);
  if (r.code !== 0) throw new Error(`${cmd} ${args.join(' ')} failed: ${r.stderr.trim()}`);
}

async function removeSite(s: Site): Promise<void> {
  await sh('ip', ['netns', 'del', s.attacker]);
  await sh('ip', ['netns', 'del', s.victim]);
  // The root ends go with their peers; the bridge does not.
  await sh('ip', ['link', 'del', s.bridge]);
  await sh('ip', ['link', 'del', s.rootA]);
  await sh('ip', ['link', 'del', s.rootV]);
}

async function makeSite(i: number): Promise<Site> {
  const net = 240 + i;
  const s: Site = {
    i,
    sensor: `sensor-${i}`,
    attacker: `ng${TAG}${i}-a`,
    victim: `ng${TAG}${i}-v`,
    rootA: `ng${TAG}${i}a`,
    rootV: `ng${TAG}${i}v`,
    bridge: `ng${TAG}${i}b`,
    attackerIp: `10.${net}.0.1`,
    victimIp: `10.${net}.0.2`,
    settings: '',
  };
  await removeSite(s);
  await must('ip', ['netns', 'add', s.attacker]);
  await must('ip', ['netns', 'add', s.victim]);
  // No iptables on bridged frames (br_netfilter may be loaded): the bridge only forwards.
  const br = await sh('ip', ['link', 'add', 'name', s.bridge, 'type', 'bridge', 'nf_call_iptables', '0', 'nf_call_ip6tables', '0', 'nf_call_arptables', '0']);
  if (br.code !== 0) await must('ip', ['link', 'add', 'name', s.bridge, 'type', 'bridge']);
  for (const [ns, root, inside, ip] of [
    [s.attacker, s.rootA, 'veth-a', s.attackerIp],
    [s.victim, s.rootV, 'veth-v', s.victimIp],
  ] as const) {
    const tmp = `${root}x`;
    await must('ip', ['link', 'add', root, 'type', 'veth', 'peer', 'name', tmp]);
    await must('ip', ['link', 'set', tmp, 'netns', ns]);
    await must('ip', ['netns', 'exec', ns, 'ip', 'link', 'set', tmp, 'name', inside]);
    await must('ip', ['netns', 'exec', ns, 'ip', 'addr', 'add', `${ip}/24`, 'dev', inside]);
    await must('ip', ['netns', 'exec', ns, 'ip', 'link', 'set', 'lo', 'up']);
    await must('ip', ['netns', 'exec', ns, 'ip', 'link', 'set', inside, 'up']);
    // The root namespace sends nothing of its own (no IPv6 router solicitations) on the test's links.
    await sh('sysctl', ['-qw', `net.ipv6.conf.${root}.disable_ipv6=1`]);
    await must('ip', ['link', 'set', root, 'master', s.bridge]);
    await must('ip', ['link', 'set', root, 'up']);
  }
  await sh('sysctl', ['-qw', `net.ipv6.conf.${s.bridge}.disable_ipv6=1`]);
  await must('ip', ['link', 'set', s.bridge, 'up']);
  await must('ip', ['netns', 'exec', s.attacker, 'ping', '-c', '1', '-W', '3', s.victimIp]);
  return s;
}

/** Settings of sensor i: EVE into the test's Redis stream; sensor 3 gets a tiny queue and spool. */
function sensorSettings(s: Site): string {
  const d = path.join(dir, s.sensor);
  mkdirSync(d, { recursive: true });
  const tiny = s.i === 3;
  const file = path.join(d, 'settings.yaml');
  writeFileSync(
    file,
    [
      `sensor_name: ${s.sensor}`,
      'alerts:',
      `  log_file: ${path.join(d, 'alerts.json')}`,
      "  text_log: ''",
      '  enable_notifications: false',
      'enrichment:',
      '  enabled: false',
      'history:',
      '  enabled: false',
      'ip_reputation:',
      `  state_file: ${path.join(d, 'rep.json')}`,
      'outputs:',
      '  eve:',
      '    enabled: true',
      '    stats_interval: 1',
      '    filetype: redis',
      '    redis:',
      '      server: 127.0.0.1',
      `      port: ${redis.port}`,
      '      mode: stream',
      `      key: ${KEY}`,
      '      stream_maxlen: 0',
      `      spool_file: ${path.join(d, 'eve.spool')}`,
      `      max_queue: ${tiny ? 20 : 10000}`,
      `      spool_max_mb: ${tiny ? 0.002 : 64}`,
      '',
    ].join('\n'),
  );
  return file;
}

/** What the running console wrote so far (for failure messages). */
let consoleSaid = '';

function startConsole(db: string): ReturnType<typeof spawnNetguard> {
  consoleSaid = '';
  const c = spawnNetguard(['console', '--redis', `redis://127.0.0.1:${redis.port}/${KEY}`, '--db', db, '--consumer', 'console-1', '--batch', '5', '--settings', path.join(dir, 'console.yaml')], {
    cwd: dir,
    timeoutMs: 280_000,
  });
  c.child.stderr?.on('data', (d: string) => (consoleSaid += d));
  return c;
}

/** Stream entries by sensor (the EVE host field). */
async function streamHosts(): Promise<string[]> {
  const entries = await client.xrange(KEY, '-', '+');
  return entries.map(([, f]) => (JSON.parse(f[1]) as { host?: string }).host ?? '');
}

beforeAll(async () => {
  requireRoot();
  dir = mkdtempSync(path.join(tmpdir(), 'ng-redis-live-'));
  writeFileSync(path.join(dir, 'console.yaml'), ['alerts:', '  enable_notifications: false', ''].join('\n'));
  redis = await startRedis();
  client = new Redis({ host: '127.0.0.1', port: redis.port, maxRetriesPerRequest: null, lazyConnect: true });
  client.on('error', () => undefined);
  await client.connect();
  try {
    for (let i = 1; i <= 3; i++) sites.push(await makeSite(i));
  } catch (e) {
    for (const s of sites) await removeSite(s);
    throw e;
  }
}, 60_000);

afterAll(async () => {
  for (const s of sites) {
    if (s.run && s.run.child.exitCode === null) s.run.child.kill('SIGKILL');
    await removeSite(s);
  }
  client?.disconnect();
  await redis?.destroy();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('three sensors, one console, through Redis', () => {
  it('every alert arrives with its sensor; a killed console and a stopped Redis lose and duplicate nothing within bounds', async () => {
    const db = path.join(dir, 'console.db');
    let con = startConsole(db);
    for (const s of sites) {
      s.settings = sensorSettings(s);
      s.run = spawnNetguard(['--batch', '-i', s.rootV, '--settings', s.settings], { cwd: path.dirname(s.settings), timeoutMs: 280_000 });
    }
    // Each sensor is ready when its first records (stats, every second) are in the stream.
    const readyBy = Date.now() + 90_000;
    for (;;) {
      for (const s of sites) await sh('ip', ['netns', 'exec', s.attacker, 'ping', '-c', '1', '-W', '1', s.victimIp]);
      const hosts = new Set(await streamHosts());
      if (sites.every((s) => hosts.has(s.sensor))) break;
      if (Date.now() > readyBy) throw new Error(`sensors not sending within 90 s; in the stream: ${[...hosts].join(', ') || 'nothing'}; exit codes: ${sites.map((s) => s.run?.child.exitCode).join(' ')}`);
      await sleep(500);
    }

    // Phase 1: each attacker scans its own victim (SYN scan, 200 ports), plus one HTTP request and one
    // DNS query so that http and dns records go too.
    await Promise.all(
      sites.map(async (s) => {
        const servers = await startVictimServers(s);
        try {
          await sh('ip', ['netns', 'exec', s.attacker, 'timeout', '60', 'nmap', '-n', '-Pn', '-sS', '-p', '1-200', s.victimIp], { timeoutMs: 70_000 });
          const web = await sh('ip', ['netns', 'exec', s.attacker, 'curl', '-s', '-m', '10', '-o', '/dev/null', `http://${s.victimIp}:8000/`], { timeoutMs: 15_000 });
          expect(web.code, web.stderr).toBe(0);
          const dns = await sh('ip', ['netns', 'exec', s.attacker, 'python3', '-c', DNS_QUERY, s.victimIp], { timeoutMs: 15_000 });
          expect(dns.code, dns.stderr).toBe(0);
        } finally {
          servers.kill('SIGTERM');
        }
      }),
    );

    // The console is killed while records stream in (stats every second from each sensor, the scans'
    // alerts), once it has stored some, and started again with the same consumer name.
    const reader = (): Database.Database => new Database(db, { readonly: true, fileMustExist: true });
    const storedBy = Date.now() + 30_000;
    for (;;) {
      try {
        const d = reader();
        const n = (d.prepare('SELECT COUNT(*) AS n FROM eve_records').get() as { n: number }).n;
        d.close();
        if (n > 20) break;
      } catch {
        // not created yet
      }
      if (Date.now() > storedBy) throw new Error('the console stored nothing');
      await sleep(200);
    }
    con.child.kill('SIGKILL');
    const killed = await con.done;
    expect(killed.signal).toBe('SIGKILL');
    await sleep(1500);
    con = startConsole(db);

    // Phase 2: Redis stops for ten seconds while traffic goes on: a FIN scan on every site now, and the
    // flows of phase 1 end (10 s after their resets) while Redis is away.
    await redis.stop();
    const outage = Date.now();
    await Promise.all(sites.map((s) => sh('ip', ['netns', 'exec', s.attacker, 'timeout', '30', 'nmap', '-n', '-Pn', '-sF', '-p', '1-60', s.victimIp], { timeoutMs: 40_000 })));
    await sleep(Math.max(0, 10_000 - (Date.now() - outage)));
    await redis.start();
    // Time for the phase-2 flows to end and everything held to go.
    await sleep(14_000);

    for (const s of sites) s.run?.child.kill('SIGINT');
    for (const s of sites) s.result = await s.run?.done;
    // Every sensor says what it sent and dropped, in one line.
    const summary = (s: Site): { sent: number; dropped: number } => {
      const m = /EVE to Redis 127\.0\.0\.1:\d+ stream "netguard-eve": (\d+) records sent, (?:.*?, )?(\d+) dropped/.exec(s.result?.stderr ?? '');
      if (!m) throw new Error(`${s.sensor}: no EVE to Redis summary in:\n${s.result?.stderr}`);
      return { sent: Number(m[1]), dropped: Number(m[2]) };
    };

    // The console takes everything, then stops on SIGTERM.
    const doneBy = Date.now() + 60_000;
    for (;;) {
      const len = await client.xlen(KEY);
      const pending = (await client.xpending(KEY, 'netguard-console')) as [number];
      const d = reader();
      const n = (d.prepare('SELECT COUNT(*) AS n FROM eve_records').get() as { n: number }).n;
      d.close();
      if (n === len && pending[0] === 0) break;
      if (Date.now() > doneBy) throw new Error(`console stored ${n} of ${len} entries, ${pending[0]} pending; it said:\n${consoleSaid}`);
      await sleep(300);
    }
    con.child.kill('SIGTERM');
    const second = await con.done;
    expect(second.code, second.stderr).toBe(0);
    expect(second.stderr).toMatch(/records stored \(\d+ alerts\), \d+ already stored, \d+ acknowledged/);

    // Exactly once: every stream entry is one stored record, and every alert entry one alert row.
    const entries = await client.xrange(KEY, '-', '+');
    const d = reader();
    const ids = (d.prepare('SELECT entry_id FROM eve_records WHERE stream = ? ORDER BY entry_id').all(KEY) as { entry_id: string }[]).map((r) => r.entry_id);
    expect(ids.length).toBe(entries.length);
    expect(new Set(ids)).toEqual(new Set(entries.map(([id]) => id)));
    // An alert's first and final records (same netguard_id) make one row, per sensor.
    const alertKeys = new Set<string>();
    for (const [, f] of entries) {
      const r = JSON.parse(f[1]) as { event_type: string; host: string; alert?: { metadata?: { netguard_id?: string[] } } };
      if (r.event_type === 'alert') alertKeys.add(`${r.host} ${r.alert?.metadata?.netguard_id?.[0]}`);
    }
    expect(alertKeys.size).toBeGreaterThan(0);
    expect((d.prepare('SELECT COUNT(*) AS n FROM alerts').get() as { n: number }).n).toBe(alertKeys.size);
    const bySensor = new Map<string, Map<string, number>>();
    for (const r of d.prepare('SELECT sensor, event_type, COUNT(*) AS n FROM eve_records GROUP BY sensor, event_type').all() as { sensor: string; event_type: string; n: number }[]) {
      if (!bySensor.has(r.sensor)) bySensor.set(r.sensor, new Map());
      bySensor.get(r.sensor)?.set(r.event_type, r.n);
    }
    d.close();
    const types = new Set([...bySensor.values()].flatMap((m) => [...m.keys()]));
    for (const t of ['alert', 'flow', 'stats', 'dns', 'http']) expect(types, `event types stored: ${[...types].join(', ')}`).toContain(t);

    for (const s of sites) {
      const { sent, dropped } = summary(s);
      const stored = [...(bySensor.get(s.sensor)?.values() ?? [])].reduce((a, b) => a + b, 0);
      // What a sensor sent is what the console stored of it, no more and no less.
      expect(stored, `${s.sensor}\n${s.result?.stderr}`).toBe(sent);
      expect(s.result?.stderr).toMatch(/server unreachable: holding records in memory/);
      if (s.i === 3) {
        // Bounds of 20 records and 2 KB: the ended flows of phase 1 did not fit; it says how many it dropped.
        expect(dropped).toBeGreaterThan(0);
        expect(s.result?.stderr).toMatch(/records were dropped while it was away|are full: dropping new records/);
      } else {
        expect(dropped, s.result?.stderr).toBe(0);
      }

      // netguard alerts over the console's history: this sensor's alerts, each tagged, only its own addresses.
      const q = await runNetguard(['alerts', '--db', db, '--sensor', s.sensor, '--json', '--limit', '1000'], { cwd: dir });
      expect(q.code, q.stderr).toBe(0);
      const alerts = jsonLines<Alert>(q.stdout);
      expect(alerts.every((a) => a.sensor === s.sensor)).toBe(true);
      const syn = alerts.filter((a) => a.type === 'SYN_SCAN');
      expect(syn, alerts.map((a) => `${a.type} ${a.src_ip}`).join('\n')).toHaveLength(1);
      expect(syn[0]).toMatchObject({ src_ip: s.attackerIp, dst_ip: s.victimIp });
      for (const a of alerts) if (a.src_ip) expect([s.attackerIp, s.victimIp]).toContain(a.src_ip);
      if (s.i !== 3) expect(alerts.some((a) => a.type === 'FIN_SCAN'), 'the FIN scan during the outage arrived').toBe(true);
    }

    // The table names the sensor.
    const table = await runNetguard(['alerts', '--db', db, '--limit', '1000'], { cwd: dir });
    expect(table.stdout.split('\n')[0]).toMatch(/^SENSOR\s+TIME/);
    for (const s of sites) expect(table.stdout).toContain(s.sensor);
  }, 290_000);
});

/** A one-shot DNS query (A record for example.com) to the address in argv[1], UDP port 53. */
const DNS_QUERY = [
  'import socket,sys',
  "q=bytes.fromhex('123401000001000000000000076578616d706c6503636f6d0000010001')",
  's=socket.socket(socket.AF_INET,socket.SOCK_DGRAM)',
  's.settimeout(5)',
  "s.sendto(q,(sys.argv[1],53))",
  's.recvfrom(512)',
].join(';');

/** The victim's services: HTTP on port 8000 and a DNS responder on 53 (the query back as an answer). */
const VICTIM_SERVERS = `
import socket, sys, threading, http.server
ip = sys.argv[1]
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
u.bind((ip, 53))
def dns():
    while True:
        q, a = u.recvfrom(512)
        r = bytearray(q)
        r[2] |= 0x80
        u.sendto(bytes(r), a)
threading.Thread(target=dns, daemon=True).start()
h = http.server.HTTPServer((ip, 8000), http.server.SimpleHTTPRequestHandler)
print('ready', flush=True)
h.serve_forever()
`;

/** Starts the victim's services and resolves once they listen; the caller stops them. */
async function startVictimServers(s: Site): Promise<ChildProcess> {
  const c = spawn('ip', ['netns', 'exec', s.victim, 'timeout', '120', 'python3', '-c', VICTIM_SERVERS, s.victimIp], { stdio: ['ignore', 'pipe', 'pipe'], cwd: dir });
  let out = '';
  await new Promise<void>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`victim services in ${s.victim} did not start: ${out}`)), 60_000);
    const on = (d: Buffer): void => {
      out += d.toString();
      if (out.includes('ready')) {
        clearTimeout(t);
        resolve();
      }
    };
    c.stdout?.on('data', on);
    c.stderr?.on('data', on);
  });
  return c;
}
