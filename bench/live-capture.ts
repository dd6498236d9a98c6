// The live row of `npm run bench`: the benchmark's mixed traffic replayed at full speed (tcpreplay
// --topspeed) over a veth pair between two network namespaces made here, captured on the far side by
// NetGuard (`--batch -i`, every default detector and sink) and by tcpdump, one at a time: the share each
// captured and the drops each reported. Also runnable alone: `node dist/bench/live-capture.js`.
//
// Needs root (namespaces, raw capture) and tcpreplay/tcprewrite; without them it says so and returns.
// The replayed frames never leave the two namespaces; their IPv4 addresses are rewritten into the
// namespaces' own 10.<net>.0.0/16 first (the IPv6 ones are 2001:db8::/32, the documentation prefix).
// BENCH_LIVE_PACKETS=N sets the replay's size (default 200,000).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateMixed } from './traffic-gen.js';

const SELF = fileURLToPath(import.meta.url);
/** The project root, above dist/bench/ (compiled) or bench/ (tsx). */
const ROOT = path.resolve(path.dirname(SELF), fs.existsSync(path.join(path.dirname(SELF), '../../bin/netguard')) ? '../..' : '..');
const NET = 250;
const TAG = `ngbench${(process.env.NG_NS_TAG ?? '').slice(0, 2)}`;
const NS_A = `${TAG}-a`;
const NS_V = `${TAG}-v`;
/** How long a capture may take to catch up after the replay before it is stopped (then unread = missed). */
const DRAIN_MS = 60_000;

export interface LiveRow {
  tool: string;
  sent: number;
  offeredPps: number;
  seen: number;
  /** Drops the tool reported (kernel), or null when it reported none. */
  reportedDrops: number | null;
  command: string;
}

function run(cmd: string, args: string[]): { code: number; out: string } {
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  return { code: r.status ?? 1, out: `${r.stdout ?? ''}${r.stderr ?? ''}` };
}

function must(cmd: string, args: string[]): void {
  const r = run(cmd, args);
  if (r.code !== 0) throw new Error(`${cmd} ${args.join(' ')}: ${r.out.trim()}`);
}

function destroyPair(): void {
  run('ip', ['netns', 'del', NS_A]);
  run('ip', ['netns', 'del', NS_V]);
}

/** Two namespaces joined by a veth with a 9000-byte MTU (VLAN-tagged full frames fit) and no IPv6 chatter. */
function createPair(): void {
  destroyPair();
  must('ip', ['netns', 'add', NS_A]);
  must('ip', ['netns', 'add', NS_V]);
  const a = `${TAG}a`.slice(0, 15);
  const v = `${TAG}v`.slice(0, 15);
  must('ip', ['link', 'add', a, 'type', 'veth', 'peer', 'name', v]);
  must('ip', ['link', 'set', a, 'netns', NS_A]);
  must('ip', ['link', 'set', v, 'netns', NS_V]);
  for (const [ns, from, to, ip] of [[NS_A, a, 'veth-a', '1'], [NS_V, v, 'veth-v', '2']] as const) {
    must('ip', ['netns', 'exec', ns, 'sysctl', '-qw', 'net.ipv6.conf.all.disable_ipv6=1', 'net.ipv6.conf.default.disable_ipv6=1']);
    must('ip', ['-n', ns, 'link', 'set', from, 'name', to]);
    must('ip', ['-n', ns, 'link', 'set', to, 'mtu', '9000']);
    must('ip', ['-n', ns, 'addr', 'add', `10.${NET}.0.${ip}/16`, 'dev', to]);
    must('ip', ['-n', ns, 'link', 'set', to, 'up']);
    must('ip', ['-n', ns, 'link', 'set', 'lo', 'up']);
  }
}

/** Starts a capture in the victim namespace; resolves once its stderr shows `ready`. */
function startCapture(args: string[], cwd: string, ready: RegExp): Promise<{ child: ChildProcess; done: Promise<string> }> {
  const child = spawn('ip', ['netns', 'exec', NS_V, ...args], { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  const done = new Promise<string>((resolve) => child.on('close', () => resolve(err)));
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`${args.join(' ')} did not start: ${err}`)), 30_000);
    child.stderr!.on('data', (d: Buffer) => {
      err += d.toString();
      if (ready.test(err)) {
        clearTimeout(t);
        resolve({ child, done });
      }
    });
    child.on('close', () => {
      clearTimeout(t);
      reject(new Error(`${args.join(' ')} exited: ${err}`));
    });
  });
}

/** tcpreplay at full speed from the attacker side; returns packets sent and the rate it achieved. */
function replay(pcap: string): { sent: number; pps: number } {
  const r = run('ip', ['netns', 'exec', NS_A, 'timeout', '120', ...pin('0'), 'tcpreplay', '-q', '-i', 'veth-a', '--topspeed', pcap]);
  const m = /Actual: (\d+) packets .* sent in ([\d.]+) seconds/.exec(r.out);
  if (r.code !== 0 || !m) throw new Error(`tcpreplay failed: ${r.out.trim()}`);
  const failed = /Failed packets:\s+(\d+)/.exec(r.out);
  if (failed && Number(failed[1]) > 0) throw new Error(`tcpreplay could not send ${failed[1]} packets: ${r.out.trim()}`);
  return { sent: Number(m[1]), pps: Number(m[1]) / Number(m[2]) };
}

const hasTaskset = spawnSync('taskset', ['-V']).status === 0 && os.cpus().length > 1;
/** The replay on CPU 0, the capture on the last CPU: neither steals the other's core. */
function pin(cpu: string): string[] {
  return hasTaskset ? ['taskset', '-c', cpu] : [];
}
const CAPTURE_CPU = String(Math.max(0, os.cpus().length - 1));

/** One capture tool over one replay: waits until it has seen every packet sent, or DRAIN_MS. */
async function measure(tool: 'netguard' | 'tcpdump', pcap: string, total: number, dir: string): Promise<LiveRow> {
  const count = String(total);
  const argv =
    tool === 'netguard'
      ? [...pin(CAPTURE_CPU), 'sh', path.join(ROOT, 'bin/netguard'), '--batch', '-i', 'veth-v', '-c', count]
      : [...pin(CAPTURE_CPU), 'tcpdump', '-n', '-i', 'veth-v', '-c', count, '-w', '/dev/null'];
  const cap = await startCapture(argv, dir, /listening on/);
  const { sent, pps } = replay(pcap);
  // -c makes a tool that saw everything end by itself; one that missed packets is stopped after DRAIN_MS.
  const killer = setTimeout(() => cap.child.kill('SIGINT'), DRAIN_MS);
  const err = await cap.done;
  clearTimeout(killer);
  let seen: number;
  let drops: number | null;
  if (tool === 'netguard') {
    const m = /netguard: (\d+) packets, .*?(?:, (\d+) dropped by kernel)? \(veth-v\)/.exec(err);
    if (!m) throw new Error(`no summary line from netguard: ${err}`);
    seen = Number(m[1]);
    drops = m[2] === undefined ? null : Number(m[2]);
  } else {
    const c = /(\d+) packets captured/.exec(err);
    const d = /(\d+) packets dropped by kernel/.exec(err);
    if (!c) throw new Error(`no summary from tcpdump: ${err}`);
    seen = Number(c[1]);
    drops = d ? Number(d[1]) : null;
  }
  const command = `${tool === 'netguard' ? 'netguard' : 'tcpdump'} ${argv.slice(argv.indexOf(tool === 'netguard' ? '--batch' : '-n')).join(' ')}`;
  return { tool, sent, offeredPps: pps, seen, reportedDrops: drops, command };
}

function canRun(): string | null {
  if (process.getuid?.() !== 0) return 'needs root (network namespaces, raw capture)';
  for (const tool of ['tcpreplay', 'tcprewrite', 'tcpdump', 'ip']) {
    if (spawnSync('sh', ['-c', `command -v ${tool}`]).status !== 0) return `needs ${tool} (scripts/setup.sh test installs it)`;
  }
  return null;
}

/** Runs the live comparison and prints its table; returns the rows (empty when it could not run). */
export async function liveCaptureBench(log: (s: string) => void = console.log): Promise<LiveRow[]> {
  const why = canRun();
  if (why) {
    log(`\nLive capture at full speed: not measured here: ${why}`);
    return [];
  }
  const n = Math.max(1000, Number(process.env.BENCH_LIVE_PACKETS ?? 200_000) || 200_000);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'netguard-live-bench-'));
  const rows: LiveRow[] = [];
  try {
    const raw = path.join(dir, 'mixed.pcap');
    const pcap = path.join(dir, 'mixed-ns.pcap');
    generateMixed(raw, n);
    // Addresses into the namespaces' own 10.<NET>.0.0/16 (clients in the low half, servers the high).
    must('tcprewrite', [`--pnat=192.168.0.0/16:10.${NET}.0.0/17,93.184.0.0/16:10.${NET}.128.0/17`, '--fixcsum', '-i', raw, '-o', pcap]);
    createPair();
    for (const tool of ['netguard', 'tcpdump'] as const) rows.push(await measure(tool, pcap, n, dir));
  } finally {
    destroyPair();
    fs.rmSync(dir, { recursive: true, force: true });
  }
  const table = [['live capture, full speed', 'sent', 'offered pkt/s', 'captured', 'share', 'reported drops', 'sent - seen']];
  for (const r of rows) {
    table.push([
      r.tool,
      String(r.sent),
      String(Math.round(r.offeredPps)),
      String(r.seen),
      `${((100 * r.seen) / r.sent).toFixed(2)}%`,
      r.reportedDrops === null ? 'n/a' : String(r.reportedDrops),
      String(r.sent - r.seen),
    ]);
  }
  const w = table[0].map((_, i) => Math.max(...table.map((r) => r[i].length)));
  log(`\nLive capture: ${n} packets of the mixed traffic, tcpreplay --topspeed over a veth between two namespaces (replay on CPU 0, capture on CPU ${CAPTURE_CPU})`);
  log(table.map((r, ri) => r.map((c, i) => (i === 0 ? c.padEnd(w[i]) : c.padStart(w[i]))).join('  ') + (ri === 0 ? '\n' + w.map((x) => '-'.repeat(x)).join('  ') : '')).join('\n'));
  for (const r of rows) log(`  ${r.tool}: ${r.command}`);
  const ours = rows.find((r) => r.tool === 'netguard');
  if (ours) {
    const share = ours.seen / ours.sent;
    log(`NetGuard captured share:  ${(100 * share).toFixed(2)}%   (target >= 99.5%)  ${share >= 0.995 ? 'MET' : 'NOT MET'}`);
    if (ours.seen < ours.sent) {
      const honest = ours.reportedDrops === ours.sent - ours.seen;
      log(`NetGuard drop report:     ${ours.reportedDrops ?? 'none'} reported, ${ours.sent - ours.seen} missed  ${honest ? 'EQUAL' : 'DIFFERENT'}`);
    }
  }
  return rows;
}

if (process.argv[1] && path.resolve(process.argv[1]) === SELF) {
  liveCaptureBench().catch((e: unknown) => {
    process.stderr.write(`bench: live capture: ${e instanceof Error ? e.message : String(e)}\n`);
    destroyPair();
    process.exit(1);
  });
}
