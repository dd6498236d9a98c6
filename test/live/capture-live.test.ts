// Live capture (the pcap-batch addon over libpcap) between two network namespaces: every ping request and reply is seen, a BPF
// filter keeps only what it names, `any` gives Linux cooked frames, and a missing interface is ENODEV.
import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPair, requireRoot, sh, type NetnsPair } from '../helpers/netns.js';
import { ROOT, runNetguard } from '../helpers/netguard.js';

const FIXTURE = path.join(ROOT, 'test/fixtures/capture/count-live.ts');
const TSX = path.join(ROOT, 'node_modules/tsx/dist/esm/index.mjs');

interface Counts {
  total: number;
  echoRequest: number;
  echoReply: number;
  tcp: number;
  udp: number;
  otherIcmp: number;
  linkType: number;
  requestSeqs: number[];
  warnings: string[];
  drops: number | null;
  written: number | null;
  error?: { code: string; message: string };
}

let pair: NetnsPair;
const started: ChildProcess[] = [];
const tmp = fs.mkdtempSync('/tmp/ng-capture-live-');

beforeAll(async () => {
  requireRoot();
  pair = await createPair('cap', 201);
});

afterAll(async () => {
  for (const c of started) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  await pair?.destroy();
  fs.rmSync(tmp, { recursive: true, force: true });
});

/** Starts the capture fixture in the victim namespace and resolves once the interface is open. */
async function startCapture(iface: string, extra: string[] = []): Promise<{ finish: () => Promise<Counts> }> {
  const child = pair.spawn(pair.victim, process.execPath, ['--import', TSX, FIXTURE, iface, '60', ...extra], { cwd: ROOT });
  started.push(child);
  let out = '';
  let err = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (err += d.toString()));
  const closed = new Promise<number | null>((resolve) => child.on('close', resolve));
  await new Promise<void>((resolve, reject) => {
    const t = setInterval(() => {
      if (out.includes('READY\n')) {
        clearInterval(t);
        resolve();
      } else if (child.exitCode !== null) {
        clearInterval(t);
        reject(new Error(`capture fixture exited early: ${out} ${err}`));
      }
    }, 20);
  });
  return {
    finish: async () => {
      // Let the last replies arrive, then ask the capture to stop; it must exit by itself.
      await new Promise((r) => setTimeout(r, 300));
      child.kill('SIGINT');
      const killer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await closed;
      clearTimeout(killer);
      expect(child.signalCode, `fixture did not exit on its own: ${err}`).toBeNull();
      const line = out.split('\n').find((l) => l.startsWith('{'));
      if (!line) throw new Error(`no result from the capture fixture: ${out} ${err}`);
      return JSON.parse(line) as Counts;
    },
  };
}

async function ping(n: number): Promise<void> {
  const r = await pair.exec(pair.attacker, 'timeout', ['20', 'ping', '-c', String(n), '-i', '0.01', '-W', '2', pair.victimIp]);
  expect(r.stdout).toContain(`${n} packets transmitted, ${n} received`);
}

async function nmap(): Promise<void> {
  const r = await pair.exec(pair.attacker, 'timeout', ['60', 'nmap', '-sS', '-n', '-Pn', '-p', '1-100', '--max-retries', '0', pair.victimIp]);
  expect(r.code).toBe(0);
}

describe('live capture on a veth pair', () => {
  it('sees every ping request and reply, and the nmap probes', async () => {
    const cap = await startCapture(pair.victimIf);
    await ping(30);
    await nmap();
    const c = await cap.finish();
    expect(c.error).toBeUndefined();
    expect(c.linkType).toBe(1);
    expect(c.echoRequest).toBe(30);
    expect(c.echoReply).toBe(30);
    expect([...c.requestSeqs].sort((a, b) => a - b)).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
    // 100 SYN probes in, 100 RST or SYN-ACK answers out (at least).
    expect(c.tcp).toBeGreaterThanOrEqual(200);
    // The kernel's counters are read (pcap_stats): nothing was dropped at this rate.
    expect(c.drops).toBe(0);
  });

  it('a BPF filter ("icmp") keeps only ICMP, and -w writes exactly what was captured', async () => {
    const out = path.join(tmp, 'icmp.pcap');
    const cap = await startCapture(pair.victimIf, ['--filter', 'icmp', '--write', out]);
    await ping(10);
    await nmap();
    const c = await cap.finish();
    expect(c.error).toBeUndefined();
    expect([c.echoRequest, c.echoReply, c.tcp, c.udp, c.total]).toEqual([10, 10, 0, 0, 20]);
    expect(c.written).toBe(20);
    const r = await sh('tshark', ['-r', out, '-T', 'fields', '-e', 'icmp.type']);
    expect(r.stdout.trim().split('\n').sort()).toEqual([...Array(10).fill('0'), ...Array(10).fill('8')]);
  });

  it('-i any captures Linux cooked frames (LINKTYPE_LINUX_SLL)', async () => {
    const cap = await startCapture('any');
    await ping(5);
    const c = await cap.finish();
    expect(c.error).toBeUndefined();
    expect(c.linkType).toBe(113);
    expect([c.echoRequest, c.echoReply]).toEqual([5, 5]);
  });

  it('a missing interface is ENODEV, listing what exists', async () => {
    const cap = await startCapture('eth9');
    const c = await cap.finish();
    expect(c.error).toEqual({ code: 'ENODEV', message: 'no such interface: eth9 (available: lo, veth-v, any)' });
  });

  it('a bad filter is an error that quotes the filter', async () => {
    const cap = await startCapture(pair.victimIf, ['--filter', 'tcp prot 80']);
    const c = await cap.finish();
    expect(c.error?.message).toMatch(/^bad capture filter "tcp prot 80": .*syntax error/);
    // From the command line it is bad usage: exit 2, one line.
    const run = await runNetguard(['--batch', '-i', pair.victimIf, '-c', '1', '-f', 'tcp prot 80'], { netns: pair.victim, timeoutMs: 30_000 });
    expect(run.code, run.stderr).toBe(2);
    expect(run.stderr.trim()).toMatch(/^netguard: bad capture filter "tcp prot 80": .*syntax error$/);
  });
});
