// Helpers for the live detection tests: NetGuard capturing with `cap` on the victim's veth inside the
// victim namespace (--batch, alerts as JSON lines), attacks run from the attacker namespace.
import { mkdtempSync, readFileSync, writeFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Alert } from '../../src/alert/types.js';
import { ROOT, jsonLines, spawnNetguard } from '../helpers/netguard.js';
import type { NetnsPair } from '../helpers/netns.js';

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** A working directory with settings for tests: no desktop notifications, no log files in the repo. */
export function workDir(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'ng-detect-'));
  const yaml = readFileSync(path.join(ROOT, 'settings.yaml'), 'utf8').replace(/enable_notifications: true/, 'enable_notifications: false');
  writeFileSync(path.join(dir, 'settings.yaml'), yaml);
  return dir;
}

export function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

export interface LiveRun {
  /** Each alert as first printed, when raised. */
  alerts: Alert[];
  /** The final records printed when each alert's episode closed (at exit, for most). */
  finals: Alert[];
  stderr: string;
  code: number | null;
}

/**
 * Starts NetGuard in the victim namespace capturing on its veth, waits until it sees traffic (a ping
 * from the attacker raises nothing), runs `attack`, waits `settleMs` (unanswered probes resolve after
 * probe_timeout), stops it with SIGINT and returns the alerts it printed.
 */
export async function underNetguard(pair: NetnsPair, dir: string, attack: () => Promise<unknown>, settleMs = 6500): Promise<LiveRun> {
  const { child, done } = spawnNetguard(['--batch', '-i', pair.victimIf], { netns: pair.victim, cwd: dir, timeoutMs: 110_000 });
  try {
    // Give node and the capture a moment to start; the ping proves packets flow through the link.
    await sleep(3000);
    await pair.exec(pair.attacker, 'ping', ['-c', '1', '-W', '1', pair.victimIp]);
    await attack();
    await sleep(settleMs);
  } finally {
    child.kill('SIGINT');
  }
  const r = await done;
  const all = jsonLines<Alert>(r.stdout);
  return { alerts: all.filter((a) => !a.final), finals: all.filter((a) => a.final), stderr: r.stderr, code: r.code };
}

export function summary(alerts: Alert[]): string {
  return alerts.map((a) => `${a.type} ${a.severity} ${a.src_ip ?? '-'} -> ${a.dst_ip ?? '-'}: ${a.message}`).join('\n');
}

/** nmap from the attacker namespace, bounded by timeout. */
export function nmap(pair: NetnsPair, args: string[], seconds = 60): Promise<unknown> {
  return pair.exec(pair.attacker, 'timeout', [String(seconds), 'nmap', '-n', ...args], { timeoutMs: (seconds + 10) * 1000 });
}
