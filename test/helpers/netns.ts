// Test hosts in network namespaces: an attacker and a victim joined by a veth pair, removed afterwards.
//
// Every namespace a test makes is named "ng<tag>-a" / "ng<tag>-v" with a subnet of its own, so test
// files never collide, and destroy() removes both namespaces even when the test failed. Traffic only
// ever goes between these namespaces.
import { execFile, spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface ExecResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Fails loudly (never skips) when the test cannot create namespaces. */
export function requireRoot(): void {
  if (typeof process.getuid === 'function' && process.getuid() !== 0) {
    throw new Error('this test needs root (network namespaces, raw capture); run the suite as root, as CI does');
  }
}

export async function sh(cmd: string, args: string[], opts: { timeoutMs?: number } = {}): Promise<ExecResult> {
  try {
    const r = await run(cmd, args, { timeout: opts.timeoutMs ?? 60_000, maxBuffer: 64 * 1024 * 1024 });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (e) {
    const err = e as { code?: number | string; stdout?: string; stderr?: string; message: string };
    return { code: typeof err.code === 'number' ? err.code : 1, stdout: err.stdout ?? '', stderr: err.stderr ?? err.message };
  }
}

async function must(cmd: string, args: string[]): Promise<string> {
  const r = await sh(cmd, args);
  if (r.code !== 0) throw new Error(`${cmd} ${args.join(' ')} failed: ${r.stderr.trim()}`);
  return r.stdout;
}

export interface NetnsPair {
  attacker: string;
  victim: string;
  /** veth names inside each namespace. */
  attackerIf: string;
  victimIf: string;
  attackerIp: string;
  victimIp: string;
  /** Extra addresses on the victim's veth (for sweeps), in order. */
  victimExtraIps: string[];
  attackerIp6: string;
  victimIp6: string;
  /** Runs a command inside a namespace and waits for it. */
  exec(ns: string, cmd: string, args: string[], opts?: { timeoutMs?: number }): Promise<ExecResult>;
  /** Starts a command inside a namespace. */
  spawn(ns: string, cmd: string, args: string[], opts?: SpawnOptions): ChildProcess;
  destroy(): Promise<void>;
}

/**
 * Creates namespaces ng<tag>-a (attacker, 10.<net>.0.1, fd00:<net>::1) and ng<tag>-v (victim,
 * 10.<net>.0.2, fd00:<net>::2, plus `extraVictimIps` more addresses 10.<net>.0.10...) joined by veth.
 * `net` must be unique per test file (1..254).
 */
export async function createPair(tag: string, net: number, opts: { extraVictimIps?: number } = {}): Promise<NetnsPair> {
  requireRoot();
  // NG_NS_TAG (one or two letters) keeps runs of the live suite from different checkouts on one
  // machine apart: their namespaces and temporary veth names then differ.
  tag = `${(process.env.NG_NS_TAG ?? '').slice(0, 2)}${tag}`;
  const attacker = `ng${tag}-a`;
  const victim = `ng${tag}-v`;
  // Leftovers from a run that was killed before cleanup would make `ip netns add` fail.
  await sh('ip', ['netns', 'del', attacker]);
  await sh('ip', ['netns', 'del', victim]);
  const attackerIf = 'veth-a';
  const victimIf = 'veth-v';
  const tmpA = `ng${tag}a`.slice(0, 15);
  const tmpV = `ng${tag}v`.slice(0, 15);
  const pair: NetnsPair = {
    attacker,
    victim,
    attackerIf,
    victimIf,
    attackerIp: `10.${net}.0.1`,
    victimIp: `10.${net}.0.2`,
    victimExtraIps: Array.from({ length: opts.extraVictimIps ?? 0 }, (_, i) => `10.${net}.0.${10 + i}`),
    attackerIp6: `fd00:${net}::1`,
    victimIp6: `fd00:${net}::2`,
    exec: (ns, cmd, args, o) => sh('ip', ['netns', 'exec', ns, cmd, ...args], o),
    spawn: (ns, cmd, args, o) => spawn('ip', ['netns', 'exec', ns, cmd, ...args], { stdio: 'pipe', ...o }),
    destroy: async () => {
      await sh('ip', ['netns', 'del', attacker]);
      await sh('ip', ['netns', 'del', victim]);
    },
  };
  try {
    await must('ip', ['netns', 'add', attacker]);
    await must('ip', ['netns', 'add', victim]);
    await must('ip', ['link', 'add', tmpA, 'type', 'veth', 'peer', 'name', tmpV]);
    await must('ip', ['link', 'set', tmpA, 'netns', attacker]);
    await must('ip', ['link', 'set', tmpV, 'netns', victim]);
    const inA = (...a: string[]) => must('ip', ['netns', 'exec', attacker, ...a]);
    const inV = (...a: string[]) => must('ip', ['netns', 'exec', victim, ...a]);
    await inA('ip', 'link', 'set', tmpA, 'name', attackerIf);
    await inV('ip', 'link', 'set', tmpV, 'name', victimIf);
    // No IPv6 duplicate address detection delay: the tests start sending at once.
    await inA('sysctl', '-qw', 'net.ipv6.conf.all.accept_dad=0', `net.ipv6.conf.default.accept_dad=0`);
    await inV('sysctl', '-qw', 'net.ipv6.conf.all.accept_dad=0', `net.ipv6.conf.default.accept_dad=0`);
    await inA('ip', 'addr', 'add', `${pair.attackerIp}/24`, 'dev', attackerIf);
    await inV('ip', 'addr', 'add', `${pair.victimIp}/24`, 'dev', victimIf);
    for (const ip of pair.victimExtraIps) await inV('ip', 'addr', 'add', `${ip}/24`, 'dev', victimIf);
    await inA('ip', '-6', 'addr', 'add', `${pair.attackerIp6}/64`, 'dev', attackerIf, 'nodad');
    await inV('ip', '-6', 'addr', 'add', `${pair.victimIp6}/64`, 'dev', victimIf, 'nodad');
    for (const [ns, dev] of [[attacker, attackerIf], [victim, victimIf]] as const) {
      await must('ip', ['netns', 'exec', ns, 'ip', 'link', 'set', 'lo', 'up']);
      await must('ip', ['netns', 'exec', ns, 'ip', 'link', 'set', dev, 'up']);
    }
    // Wait until the link is up and the peer answers, so the first probes are not lost to ARP/ND setup.
    await must('ip', ['netns', 'exec', attacker, 'ping', '-c', '1', '-W', '2', pair.victimIp]);
  } catch (e) {
    await pair.destroy();
    throw e;
  }
  return pair;
}
