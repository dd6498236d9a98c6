// Active response in network namespaces: NetGuard runs with --block in the victim namespace capturing
// veth-v while the attacker floods it with a real, bounded `hping3 -S --flood`. The attacker's address
// lands in the nftables set inside the victim namespace, its further packets are dropped there (ping
// fails, the drop rule's counter grows) while another address of the attacker still gets through, the
// block disappears after block_seconds, and the table is gone when NetGuard exits; a table left by a killed
// run is removed at start. --dry-run changes nothing.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPair, requireRoot, sh, type NetnsPair } from '../helpers/netns.js';
import { jsonLines, spawnNetguard, type RunResult } from '../helpers/netguard.js';
import { nftRuleset } from '../../src/response/index.js';

const BLOCK_SECONDS = 8;
/** A second address on the attacker's veth: the same host, not the one that attacked. */
const OTHER = '10.240.0.5';

let pair: NetnsPair;
let dir: string;

function settingsFile(name: string, extra = ''): string {
  const f = path.join(dir, name);
  writeFileSync(
    f,
    [
      'alerts:',
      `  log_file: ${path.join(dir, 'alerts.json')}`,
      "  text_log: ''",
      '  enable_notifications: false',
      'enrichment:',
      '  enabled: false',
      'history:',
      `  db_file: ${path.join(dir, 'netguard.db')}`,
      'ip_reputation:',
      `  state_file: ${path.join(dir, 'rep.json')}`,
      'response:',
      `  block_seconds: ${BLOCK_SECONDS}`,
      extra,
      '',
    ].join('\n'),
  );
  return f;
}

/** `nft list table inet netguard` inside the victim namespace (code != 0: no table). */
function nftTable(): Promise<{ code: number; stdout: string; stderr: string }> {
  return pair.exec(pair.victim, 'nft', ['list', 'table', 'inet', 'netguard']);
}

function dropCounter(table: string): number {
  // "ip saddr @blocked4 counter packets 1234 bytes 5678 drop" in chain input.
  const m = /ip saddr @blocked4 counter packets (\d+)/.exec(table);
  return m ? Number(m[1]) : -1;
}

async function until<T>(what: string, ms: number, f: () => Promise<T | null | undefined | false>): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await f();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

function ping(from: string | null, count = 2): Promise<number> {
  const args = ['-c', String(count), '-W', '1', '-i', '0.2'];
  if (from) args.push('-I', from);
  return pair.exec(pair.attacker, 'ping', [...args, pair.victimIp], { timeoutMs: 10_000 }).then((r) => r.code);
}

/** The bounded flood: SYNs to port 80 of the victim's address only, for at most `secs` seconds. */
function flood(secs: number): Promise<unknown> {
  return pair.exec(pair.attacker, 'timeout', [String(secs), 'hping3', '-S', '--flood', '-c', '500000', '-p', '80', pair.victimIp], { timeoutMs: (secs + 5) * 1000 });
}

function startNetguard(args: string[]): { child: ReturnType<typeof spawnNetguard>['child']; done: Promise<RunResult>; stderr: () => string } {
  const { child, done } = spawnNetguard(['--batch', '-i', pair.victimIf, ...args], { netns: pair.victim, cwd: dir, timeoutMs: 120_000 });
  let err = '';
  child.stderr?.on('data', (d: string) => (err += d));
  return { child, done, stderr: () => err };
}

beforeAll(async () => {
  requireRoot();
  dir = mkdtempSync(path.join(tmpdir(), 'ng-response-'));
  pair = await createPair('ips1', 240);
  await pair.exec(pair.attacker, 'ip', ['addr', 'add', `${OTHER}/24`, 'dev', pair.attackerIf]);
});

afterAll(async () => {
  await pair?.destroy();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('--block against a real hping3 SYN flood', () => {
  it('blocks the attacker in nftables, drops its packets, expires the block, and removes the table on exit', async () => {
    expect(await ping(null)).toBe(0);
    expect(await ping(OTHER)).toBe(0);
    // A table left behind by a killed run, blocking the other address for 10 minutes.
    const stale = await sh('ip', ['netns', 'exec', pair.victim, 'sh', '-c', `printf '%s' "$0" | nft -f - && nft add element inet netguard blocked4 '{ ${OTHER} timeout 600s }'`, nftRuleset()]);
    expect(stale.code, stale.stderr).toBe(0);
    expect(await ping(OTHER)).not.toBe(0);

    const ng = startNetguard(['--block', '--settings', settingsFile('block.yaml')]);
    try {
      await until('NetGuard to listen', 30_000, async () => ng.stderr().includes('listening on veth-v'));
      // NetGuard removed the leftover table at start.
      await until('the stale table to go', 10_000, async () => (await nftTable()).code !== 0);
      expect(await ping(OTHER)).toBe(0);
      const flooding = flood(5);
      const blockedAt = await until('the attacker in the nftables set', 15_000, async () => {
        const t = await nftTable();
        return t.code === 0 && t.stdout.includes(`elements = { ${pair.attackerIp} timeout ${BLOCK_SECONDS}s`) ? Date.now() : null;
      });
      await flooding;
      // Its further packets are dropped at the victim: ping from it fails, the drop counter grows, and
      // the other address of the same namespace still gets answers.
      // (The flood may have ended before the block landed, so the counter can still be 0 here; the pings
      // below must each be dropped.)
      const before = dropCounter((await nftTable()).stdout);
      expect(await ping(null, 3)).not.toBe(0);
      expect(await ping(OTHER)).toBe(0);
      const table = (await nftTable()).stdout;
      expect(dropCounter(table)).toBeGreaterThanOrEqual(before + 3);
      expect(table).toContain(pair.attackerIp);
      expect(table).not.toContain(OTHER);
      expect(ng.stderr()).toMatch(new RegExp(`netguard: response: blocked ${pair.attackerIp.replace(/\./g, '\\.')} for ${BLOCK_SECONDS}s \\(SYN_FLOOD (HIGH|CRITICAL): SYN flood against ${pair.victimIp.replace(/\./g, '\\.')}`));

      // The block ends after block_seconds: the kernel drops the element, NetGuard removes its table.
      await until('the block to expire', (BLOCK_SECONDS + 6) * 1000, async () => {
        const t = await nftTable();
        return t.code !== 0 || !t.stdout.includes(pair.attackerIp);
      });
      const lasted = Date.now() - blockedAt;
      expect(lasted).toBeGreaterThan((BLOCK_SECONDS - 2) * 1000);
      expect(await ping(null)).toBe(0);
      await until('the expiry to be logged', 5000, async () => ng.stderr().includes(`block on ${pair.attackerIp} expired`));
      // The table goes after the expiry line (the responder logs, then runs `nft delete table`, then says so):
      // wait for its own line, which a loaded host can write a moment later.
      await until('the table removal to be logged', 5000, async () => ng.stderr().includes('no blocks left: removed the firewall table'));
      expect((await nftTable()).code).not.toBe(0);

      // A second, shorter flood blocks again; exit removes the table while a block is active.
      const again = flood(3);
      await until('the second block', 15_000, async () => (await nftTable()).stdout.includes(pair.attackerIp));
      await again;
      ng.child.kill('SIGINT');
      const r = await ng.done;
      expect(r.code).toBe(0);
      expect(r.stderr).toContain('removed nftables table inet netguard (1 blocks lifted)');
      expect((await nftTable()).code).not.toBe(0);
      expect(await ping(null)).toBe(0);
      const alerts = jsonLines<{ type: string; src_ip?: string }>(r.stdout);
      expect(alerts.some((a) => a.type === 'SYN_FLOOD' && a.src_ip === pair.attackerIp)).toBe(true);
    } finally {
      if (ng.child.exitCode === null) ng.child.kill('SIGKILL');
      await ng.done;
      await pair.exec(pair.victim, 'nft', ['delete', 'table', 'inet', 'netguard']);
    }
  }, 120_000);

  it('--dry-run logs what it would block and touches no firewall', async () => {
    const ng = startNetguard(['--block', '--dry-run', '--settings', settingsFile('dry.yaml')]);
    try {
      await until('NetGuard to listen', 30_000, async () => ng.stderr().includes('listening on veth-v'));
      const flooding = flood(3);
      await until('the dry-run line', 15_000, async () => ng.stderr().includes(`dry run: would block ${pair.attackerIp}`));
      expect((await nftTable()).code).not.toBe(0);
      await flooding;
      expect(ng.stderr()).toContain(`nft add element inet netguard blocked4 { ${pair.attackerIp} timeout ${BLOCK_SECONDS}s }`);
      expect(await ping(null)).toBe(0);
      ng.child.kill('SIGINT');
      const r = await ng.done;
      expect(r.code).toBe(0);
      expect((await nftTable()).code).not.toBe(0);
      expect((await sh('ip', ['netns', 'exec', pair.victim, 'iptables', '-S'])).stdout).not.toContain('NETGUARD');
    } finally {
      if (ng.child.exitCode === null) ng.child.kill('SIGKILL');
      await ng.done;
    }
  }, 60_000);
});
