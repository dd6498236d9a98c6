// Live capture under load, between two namespaces: 200,000 packets of the benchmark's mixed traffic
// replayed at full speed (tcpreplay --topspeed) are all seen by `netguard --batch -i`; a consumer held
// still (SIGSTOP) makes the kernel drop, and the drops NetGuard reports equal what it missed, with one
// warning line; packets carry the kernel's own timestamps; promiscuous mode is on or off as set.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateMixed } from '../../bench/traffic-gen.js';
import { createPair, requireRoot, sh, type NetnsPair } from '../helpers/netns.js';
import { netguardArgv, ROOT, spawnNetguard, type RunResult } from '../helpers/netguard.js';

const NET = 202;
const PACKETS = 200_000;
const FIXTURE = path.join(ROOT, 'test/fixtures/capture/count-live.ts');
const TSX = path.join(ROOT, 'node_modules/tsx/dist/esm/index.mjs');

let pair: NetnsPair;
let tmp: string;
let replayFile: string;
const running: Array<{ kill(sig?: NodeJS.Signals): boolean; exitCode: number | null; signalCode: NodeJS.Signals | null }> = [];

beforeAll(async () => {
  requireRoot();
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ng-capture-speed-'));
  pair = await createPair('spd', NET);
  for (const [ns, dev] of [[pair.attacker, pair.attackerIf], [pair.victim, pair.victimIf]] as const) {
    // Full-size VLAN-tagged frames of the mix are 1518 bytes; no IPv6 chatter of the namespaces' own.
    expect((await pair.exec(ns, 'ip', ['link', 'set', dev, 'mtu', '9000'])).code).toBe(0);
    expect((await pair.exec(ns, 'sysctl', ['-qw', 'net.ipv6.conf.all.disable_ipv6=1', 'net.ipv6.conf.default.disable_ipv6=1'])).code).toBe(0);
  }
  const raw = path.join(tmp, 'mixed.pcap');
  replayFile = path.join(tmp, 'mixed-ns.pcap');
  generateMixed(raw, PACKETS);
  // The mix's IPv4 addresses into this test's own 10.202.0.0/16 (its IPv6 ones are 2001:db8::/32,
  // the documentation prefix); the frames never leave the veth anyway.
  const rw = await sh('tcprewrite', [`--pnat=192.168.0.0/16:10.${NET}.0.0/17,93.184.0.0/16:10.${NET}.128.0/17`, '--fixcsum', '-i', raw, '-o', replayFile]);
  expect(rw.code, rw.stderr).toBe(0);
});

afterAll(async () => {
  for (const c of running) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  await pair?.destroy();
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

/** Full-speed replay from the attacker side; returns the packets tcpreplay sent (all of them, or it throws). */
async function replay(): Promise<number> {
  const r = await pair.exec(pair.attacker, 'timeout', ['120', 'tcpreplay', '-q', '-i', pair.attackerIf, '--topspeed', replayFile], { timeoutMs: 130_000 });
  const m = /Actual: (\d+) packets/.exec(r.stdout + r.stderr);
  expect(r.code, r.stderr).toBe(0);
  expect(m, r.stdout).not.toBeNull();
  expect(r.stdout).toMatch(/Failed packets:\s+0\b/);
  return Number(m![1]);
}

/** Starts `netguard --batch -i veth-v ...` in the victim namespace; resolves once it is listening. */
async function startNetguard(args: string[], settings: string): Promise<{ pid: number; child: ReturnType<typeof spawnNetguard>['child']; done: Promise<RunResult> }> {
  const dir = fs.mkdtempSync(path.join(tmp, 'run-'));
  fs.writeFileSync(path.join(dir, 'settings.yaml'), settings);
  const { child, done } = spawnNetguard(['--batch', '-i', pair.victimIf, '-f', 'not arp', ...args], { netns: pair.victim, cwd: dir });
  running.push(child);
  let err = '';
  child.stderr?.on('data', (d: string) => (err += d));
  await new Promise<void>((resolve, reject) => {
    const t = setInterval(() => {
      if (err.includes('listening on')) {
        clearInterval(t);
        resolve();
      } else if (child.exitCode !== null) {
        clearInterval(t);
        reject(new Error(`netguard exited early: ${err}`));
      }
    }, 20);
  });
  return { pid: child.pid!, child, done };
}

/** CPU time (ticks) a process has used: it stops growing once the process has drained its backlog. */
function cpuTicks(pid: number): number {
  const f = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return Number(f[11]) + Number(f[12]);
}

async function waitIdle(pid: number, maxMs = 90_000): Promise<void> {
  const end = Date.now() + maxMs;
  let last = -1;
  while (Date.now() < end) {
    const now = cpuTicks(pid);
    if (now === last) return;
    last = now;
    await new Promise((r) => setTimeout(r, 1000));
  }
}

/** Parses the batch summary line: packets seen and drops reported by the kernel. */
function summary(stderr: string): { seen: number; drops: number } {
  const m = /netguard: (\d+) packets, .*? decode errors, (\d+) dropped by kernel \(veth-v\)/.exec(stderr);
  if (!m) throw new Error(`no summary line with kernel drops: ${stderr}`);
  return { seen: Number(m[1]), drops: Number(m[2]) };
}

async function promiscuity(): Promise<number> {
  const r = await pair.exec(pair.victim, 'ip', ['-d', 'link', 'show', pair.victimIf]);
  const m = /promiscuity (\d+)/.exec(r.stdout);
  if (!m) throw new Error(`no promiscuity in: ${r.stdout}`);
  return Number(m[1]);
}

describe('live capture at full speed (tcpreplay --topspeed over veth)', () => {
  it('netguard --batch -i with the default detectors and sinks sees every one of 200,000 packets, and says 0 dropped', async () => {
    // -c: NetGuard ends by itself once it has seen them all; the kill is only a bound.
    const ng = await startNetguard(['-c', String(PACKETS)], '');
    const sent = await replay();
    const killer = setTimeout(() => ng.child.kill('SIGINT'), 90_000);
    const r = await ng.done;
    clearTimeout(killer);
    expect(r.code, r.stderr).toBe(0);
    const { seen, drops } = summary(r.stderr);
    expect(sent).toBe(PACKETS);
    // Whatever the machine's load, what was not seen must have been reported.
    expect(seen + drops).toBe(sent);
    expect(seen / sent).toBeGreaterThanOrEqual(0.995);
    expect(r.stderr).not.toMatch(/warning: the kernel dropped/);
  });

  it('a consumer held still (SIGSTOP) with a 1 MiB ring: the kernel drops, NetGuard reports exactly what it missed and warns once', async () => {
    const ng = await startNetguard([], 'interface:\n  buffer_size: 1048576\n');
    process.kill(ng.pid, 'SIGSTOP');
    let sent: number;
    try {
      sent = await replay();
    } finally {
      process.kill(ng.pid, 'SIGCONT');
    }
    // Let it read what the ring and its chunk pool held, then stop it.
    await waitIdle(ng.pid);
    ng.child.kill('SIGINT');
    const r = await ng.done;
    expect(r.code, r.stderr).toBe(0);
    const { seen, drops } = summary(r.stderr);
    expect(drops).toBeGreaterThan(0);
    expect(seen).toBeGreaterThan(0);
    expect(seen + drops).toBe(sent);
    const warnings = r.stderr.split('\n').filter((l) => l.startsWith('netguard: warning: the kernel dropped'));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/^netguard: warning: the kernel dropped \d+ packets on veth-v \([\d.]+% so far\): NetGuard is not keeping up/);
  });

  it('packets carry the kernel\'s own timestamps: each its own, in order, many packets per batch', async () => {
    const started = Date.now();
    const child = pair.spawn(pair.victim, process.execPath, ['--import', TSX, FIXTURE, pair.victimIf, '120', '--filter', 'not arp'], { cwd: ROOT });
    running.push(child);
    let out = '';
    child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
    const closed = new Promise<void>((resolve) => child.on('close', () => resolve()));
    await new Promise<void>((resolve) => {
      const t = setInterval(() => {
        if (out.includes('READY\n') || child.exitCode !== null) {
          clearInterval(t);
          resolve();
        }
      }, 20);
    });
    const sent = await replay();
    const ended = Date.now();
    await waitIdle(child.pid!);
    child.kill('SIGINT');
    await closed;
    const line = out.split('\n').find((l) => l.startsWith('{'));
    if (!line) throw new Error(`no result from the capture fixture: ${out}`);
    const c = JSON.parse(line) as {
      total: number;
      stats: { kernel_packets: number; kernel_drops: number };
      times: { backwards: number; repeated: number; batches: number; largestBatch: number; batchesWithOneStamp: number; first: number; last: number; nanos: boolean; lenOverCaplen: number };
    };
    expect(c.total + c.stats.kernel_drops).toBe(sent);
    expect(c.stats.kernel_packets).toBe(sent);
    const t = c.times;
    // Batched: far fewer hand-overs than packets.
    expect(t.largestBatch).toBeGreaterThan(100);
    expect(t.batches).toBeLessThan(c.total / 10);
    // Never one shared arrival stamp for a batch, never backwards, nanosecond resolution.
    expect(t.batchesWithOneStamp).toBe(0);
    expect(t.backwards).toBe(0);
    expect(t.repeated).toBeLessThan(c.total / 100);
    expect(t.nanos).toBe(true);
    // The kernel's wall clock: inside the replay's window (with a second of slack each side).
    expect(t.first).toBeGreaterThanOrEqual(started - 1000);
    expect(t.last).toBeLessThanOrEqual(ended + 1000);
    expect(t.last - t.first).toBeGreaterThan(0);
    // The mix has no frames above the default snap length, so nothing is cut.
    expect(t.lenOverCaplen).toBe(0);
  });

  it('interface.promiscuous: false leaves the interface out of promiscuous mode; true puts it in while capturing', async () => {
    expect(await promiscuity()).toBe(0);
    for (const [setting, want] of [['false', 0], ['true', 1]] as const) {
      const ng = await startNetguard([], `interface:\n  promiscuous: ${setting}\n`);
      const during = await promiscuity();
      ng.child.kill('SIGINT');
      const r = await ng.done;
      expect(r.code, r.stderr).toBe(0);
      expect(during, `promiscuous: ${setting}`).toBe(want);
      expect(await promiscuity()).toBe(0);
    }
  });

  it('without root, node with CAP_NET_RAW captures; without it the run ends with one line saying so', async () => {
    // A copy of node with the capability (setcap on the system's node would change it for everyone).
    const node = path.join(tmp, 'node-cap-net-raw');
    fs.copyFileSync(process.execPath, node);
    fs.chmodSync(node, 0o755);
    fs.chmodSync(tmp, 0o755);
    const cwd = fs.mkdtempSync(path.join(tmp, 'nobody-'));
    fs.chmodSync(cwd, 0o777);
    expect((await sh('setcap', ['cap_net_raw+eip', node])).code).toBe(0);
    const asNobody = (bin: string): string[] => {
      const [, ...args] = netguardArgv(['--batch', '-i', pair.victimIf, '-f', 'icmp', '-c', '6']);
      return ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups', 'timeout', '30', bin, ...args];
    };
    const withCap = pair.spawn(pair.victim, 'sh', ['-c', `cd ${cwd} && exec "$@"`, 'sh', ...asNobody(node)]);
    running.push(withCap);
    let err = '';
    withCap.stderr?.on('data', (d: Buffer) => (err += d.toString()));
    const closed = new Promise<number | null>((resolve) => withCap.on('close', resolve));
    const t0 = Date.now();
    while (!err.includes('listening on') && withCap.exitCode === null && Date.now() - t0 < 20_000) await new Promise((r) => setTimeout(r, 50));
    const ping = await pair.exec(pair.attacker, 'timeout', ['20', 'ping', '-c', '3', '-i', '0.2', pair.victimIp]);
    expect(ping.code).toBe(0);
    expect(await closed, err).toBe(0);
    expect(err).toMatch(/netguard: 6 packets, .* 0 dropped by kernel \(veth-v\)/);

    const without = await pair.exec(pair.victim, 'sh', ['-c', `cd ${cwd} && exec "$@"`, 'sh', ...asNobody(process.execPath)]);
    expect(without.code).not.toBe(0);
    expect(without.stderr.trim().split('\n')).toEqual([`netguard: cannot capture on ${pair.victimIf}: permission denied (run as root or give node CAP_NET_RAW)`]);
  });
});
