// Live: hping3 SYN floods (one source and --rand-source), bursts of real HTTP connections, SQL injection
// and traversal requests with curl against python's http.server, and benign traffic (page loads, DNS,
// ping) that must raise no scan, sweep, flood or payload alert. NetGuard captures with cap on the
// victim's veth inside the victim namespace.
import path from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPair, requireRoot, type NetnsPair } from '../helpers/netns.js';
import { ROOT } from '../helpers/netguard.js';
import { removeDir, sleep, summary, underNetguard, workDir } from '../detect/live-helpers.js';

const DNS_PY = path.join(ROOT, 'test/fixtures/detect/dns.py');
let pair: NetnsPair;
let dir: string;
let http: ChildProcess | undefined;
let dns: ChildProcess | undefined;

beforeAll(async () => {
  requireRoot();
  pair = await createPair('det3', 212);
  dir = workDir();
  http = pair.spawn(pair.victim, 'python3', ['-m', 'http.server', '8000', '--bind', pair.victimIp], { cwd: dir });
  dns = pair.spawn(pair.victim, 'python3', [DNS_PY, 'serve']);
  for (let i = 0; i < 50; i++) {
    const r = await pair.exec(pair.attacker, 'curl', ['-s', '-o', '/dev/null', '-m', '1', `http://${pair.victimIp}:8000/`]);
    if (r.code === 0) break;
    await sleep(100);
  }
}, 30_000);

afterAll(async () => {
  http?.kill('SIGTERM');
  dns?.kill('SIGTERM');
  await pair?.destroy();
  if (dir) removeDir(dir);
});

const BEHAVIOUR = /_SCAN$|FLOOD|SWEEP|SQL_INJECTION|DIRECTORY_TRAVERSAL/;

describe('live floods, HTTP and benign traffic', () => {
  it('hping3 -S --flood from one source raises SYN_FLOOD against the victim, one episode', async () => {
    const r = await underNetguard(pair, dir, () => pair.exec(pair.attacker, 'timeout', ['3', 'hping3', '-S', '--flood', '-c', '100000', '-p', '80', pair.victimIp]), 1500);
    const f = r.alerts.filter((a) => a.type === 'SYN_FLOOD');
    expect(f.length, summary(r.alerts)).toBeGreaterThanOrEqual(1);
    // One episode: every alert (an escalation is a new alert) is about the same victim and source.
    expect(new Set(f.map((a) => `${a.src_ip} ${a.dst_ip}`))).toEqual(new Set([`${pair.attackerIp} ${pair.victimIp}`]));
    expect(f.length).toBeLessThanOrEqual(3);
    expect(r.alerts.filter((a) => /_SCAN$|CONNECTION_FLOOD/.test(a.type)), summary(r.alerts)).toEqual([]);
  }, 40_000);

  it('hping3 --rand-source raises SYN_FLOOD by destination', async () => {
    const r = await underNetguard(pair, dir, () => pair.exec(pair.attacker, 'timeout', ['3', 'hping3', '-S', '--flood', '--rand-source', '-c', '100000', '-p', '80', pair.victimIp]), 1500);
    const f = r.alerts.filter((a) => a.type === 'SYN_FLOOD');
    expect(f.length, summary(r.alerts)).toBeGreaterThanOrEqual(1);
    expect(new Set(f.map((a) => a.dst_ip))).toEqual(new Set([pair.victimIp]));
    expect(f[0].details.spoofed_sources).toBe(true);
  }, 40_000);

  it('a burst of 80 real HTTP connections raises CONNECTION_FLOOD once, and no SYN flood', async () => {
    const r = await underNetguard(pair, dir, () =>
      pair.exec(pair.attacker, 'timeout', ['60', 'bash', '-c', `for i in $(seq 1 80); do curl -s -o /dev/null http://${pair.victimIp}:8000/; done`], { timeoutMs: 70_000 }), 1500);
    expect(r.alerts.filter((a) => a.type === 'CONNECTION_FLOOD'), summary(r.alerts)).toHaveLength(1);
    expect(r.alerts.filter((a) => a.type === 'SYN_FLOOD' || /_SCAN$/.test(a.type))).toEqual([]);
  }, 60_000);

  it('SQL injection and traversal requests raise SQL_INJECTION and DIRECTORY_TRAVERSAL once per attacking connection', async () => {
    const base = `http://${pair.victimIp}:8000`;
    const r = await underNetguard(pair, dir, async () => {
      for (const u of ["/item?id=1'%20OR%201=1--", '/item?id=1%20UNION%20SELECT%20user,pass%20FROM%20users', '/../../../../etc/passwd', '/static/..%2f..%2fetc%2fshadow']) {
        await pair.exec(pair.attacker, 'timeout', ['10', 'curl', '-s', '-o', '/dev/null', '--path-as-is', base + u]);
      }
    }, 1500);
    // Each curl is a connection of its own: two of each kind, each alert with its own source port.
    for (const type of ['SQL_INJECTION', 'DIRECTORY_TRAVERSAL']) {
      const mine = r.alerts.filter((a) => a.type === type);
      expect(mine, summary(r.alerts)).toHaveLength(2);
      expect(new Set(mine.map((a) => a.src_port)).size, summary(r.alerts)).toBe(2);
    }
  }, 40_000);

  it('page loads, DNS lookups and ping raise no behaviour alert', async () => {
    const r = await underNetguard(pair, dir, async () => {
      for (let i = 0; i < 5; i++) {
        await pair.exec(pair.attacker, 'timeout', ['10', 'curl', '-s', '-o', '/dev/null', `http://${pair.victimIp}:8000/?q=don%27t+stop&page=${i}`]);
        await pair.exec(pair.attacker, 'timeout', ['5', 'python3', DNS_PY, 'ask', `host${i}.example.com`, pair.victimIp]);
      }
      await pair.exec(pair.attacker, 'ping', ['-c', '5', '-i', '0.2', pair.victimIp]);
    }, 6500);
    expect(r.alerts.filter((a) => BEHAVIOUR.test(a.type)), summary(r.alerts)).toEqual([]);
  }, 40_000);
});
