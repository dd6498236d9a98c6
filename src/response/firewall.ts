// Firewall backends for active response: nftables (a table `inet netguard` whose sets carry per-element
// timeouts, so the kernel expires blocks) and iptables/ip6tables (a NETGUARD chain; expiry is ours).
// Each backend only builds argv lists and hands them to an injected runner: no shell, ever.
import { execFile } from 'node:child_process';

export interface CommandResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs one command (argv, no shell), optionally with stdin. Never rejects: failures come back as code != 0. */
export type CommandRunner = (cmd: string, args: string[], input?: string) => Promise<CommandResult>;

export const execRunner: CommandRunner = (cmd, args, input) =>
  new Promise((resolve) => {
    const child = execFile(cmd, args, { timeout: 10_000, maxBuffer: 4 * 1024 * 1024 }, (err, stdout, stderr) => {
      const e = err as (NodeJS.ErrnoException & { code?: number | string }) | null;
      const code = e ? (typeof e.code === 'number' ? e.code : 127) : 0;
      resolve({ code, stdout: String(stdout), stderr: String(stderr || (e && typeof e.code === 'string' ? e.message : '')) });
    });
    if (input !== undefined) child.stdin?.end(input);
  });

export type Family = 4 | 6;

export interface FirewallBackend {
  readonly name: 'nft' | 'iptables';
  /** True when the kernel removes a block by itself (no unblock needed at expiry). */
  readonly kernelExpiry: boolean;
  /** Creates NetGuard's table/chain (the Responder removes leftovers with teardown() first). */
  setup(): Promise<void>;
  block(ip: string, family: Family, seconds: number): Promise<void>;
  unblock(ip: string, family: Family): Promise<void>;
  /** Addresses currently in the firewall (for expiry checks and status). */
  list(): Promise<string[]>;
  /** Removes everything NetGuard added. */
  teardown(): Promise<void>;
  /** The command lines block() runs, for --dry-run logs. */
  describeBlock(ip: string, family: Family, seconds: number): string[];
}

export class FirewallError extends Error {}

async function must(run: CommandRunner, cmd: string, args: string[], input?: string): Promise<CommandResult> {
  const r = await run(cmd, args, input);
  if (r.code !== 0) throw new FirewallError(`${cmd} ${args.join(' ')}: ${(r.stderr || r.stdout).trim().split('\n')[0] || `exit ${r.code}`}`);
  return r;
}

export const NFT_TABLE = 'netguard';

/** The table NetGuard owns: two timeout sets and drop rules on input and forward, before the usual filter. */
export function nftRuleset(): string {
  return [
    `table inet ${NFT_TABLE} {`,
    '  set blocked4 { type ipv4_addr; flags timeout; }',
    '  set blocked6 { type ipv6_addr; flags timeout; }',
    '  chain input { type filter hook input priority filter - 10; policy accept;',
    '    ip saddr @blocked4 counter drop',
    '    ip6 saddr @blocked6 counter drop',
    '  }',
    '  chain forward { type filter hook forward priority filter - 10; policy accept;',
    '    ip saddr @blocked4 counter drop',
    '    ip6 saddr @blocked6 counter drop',
    '  }',
    '}',
    '',
  ].join('\n');
}

export class NftBackend implements FirewallBackend {
  readonly name = 'nft';
  readonly kernelExpiry = true;
  constructor(private readonly run: CommandRunner) {}

  async setup(): Promise<void> {
    await must(this.run, 'nft', ['-f', '-'], nftRuleset());
  }

  private blockArgs(ip: string, family: Family, seconds: number): string[] {
    return ['add', 'element', 'inet', NFT_TABLE, family === 4 ? 'blocked4' : 'blocked6', `{ ${ip} timeout ${seconds}s }`];
  }

  describeBlock(ip: string, family: Family, seconds: number): string[] {
    return [`nft ${this.blockArgs(ip, family, seconds).join(' ')}`];
  }

  async block(ip: string, family: Family, seconds: number): Promise<void> {
    await must(this.run, 'nft', this.blockArgs(ip, family, seconds));
  }

  async unblock(ip: string, family: Family): Promise<void> {
    // Gone already when the kernel expired it first: not an error.
    await this.run('nft', ['delete', 'element', 'inet', NFT_TABLE, family === 4 ? 'blocked4' : 'blocked6', `{ ${ip} }`]);
  }

  async list(): Promise<string[]> {
    const out: string[] = [];
    for (const set of ['blocked4', 'blocked6']) {
      const r = await this.run('nft', ['-j', 'list', 'set', 'inet', NFT_TABLE, set]);
      if (r.code !== 0) continue;
      try {
        const j = JSON.parse(r.stdout) as { nftables?: Array<{ set?: { elem?: unknown[] } }> };
        for (const item of j.nftables ?? []) {
          for (const e of item.set?.elem ?? []) {
            const v = typeof e === 'string' ? e : (e as { elem?: { val?: unknown } }).elem?.val;
            if (typeof v === 'string') out.push(v);
          }
        }
      } catch {
        // an nft without JSON output: nothing listed
      }
    }
    return out;
  }

  async teardown(): Promise<void> {
    await this.run('nft', ['delete', 'table', 'inet', NFT_TABLE]);
  }
}

export const IPT_CHAIN = 'NETGUARD';

export class IptablesBackend implements FirewallBackend {
  readonly name = 'iptables';
  readonly kernelExpiry = false;
  private readonly blocked = new Set<string>();
  constructor(private readonly run: CommandRunner) {}

  private static cmd(family: Family): string {
    return family === 4 ? 'iptables' : 'ip6tables';
  }

  private ruleArgs(op: '-I' | '-D', ip: string): string[] {
    return ['-w', op, IPT_CHAIN, '-s', ip, '-j', 'DROP', '-m', 'comment', '--comment', 'netguard'];
  }

  async setup(): Promise<void> {
    for (const f of [4, 6] as const) {
      const c = IptablesBackend.cmd(f);
      await must(this.run, c, ['-w', '-N', IPT_CHAIN]);
      await must(this.run, c, ['-w', '-I', 'INPUT', '-j', IPT_CHAIN]);
      await must(this.run, c, ['-w', '-I', 'FORWARD', '-j', IPT_CHAIN]);
    }
  }

  describeBlock(ip: string, family: Family): string[] {
    return [`${IptablesBackend.cmd(family)} ${this.ruleArgs('-I', ip).join(' ')}`];
  }

  async block(ip: string, family: Family): Promise<void> {
    await must(this.run, IptablesBackend.cmd(family), this.ruleArgs('-I', ip));
    this.blocked.add(ip);
  }

  async unblock(ip: string, family: Family): Promise<void> {
    await this.run(IptablesBackend.cmd(family), this.ruleArgs('-D', ip));
    this.blocked.delete(ip);
  }

  async list(): Promise<string[]> {
    return [...this.blocked];
  }

  private async removeChain(c: string): Promise<void> {
    // Each may fail when there is nothing to remove.
    await this.run(c, ['-w', '-D', 'INPUT', '-j', IPT_CHAIN]);
    await this.run(c, ['-w', '-D', 'FORWARD', '-j', IPT_CHAIN]);
    await this.run(c, ['-w', '-F', IPT_CHAIN]);
    await this.run(c, ['-w', '-X', IPT_CHAIN]);
  }

  async teardown(): Promise<void> {
    await this.removeChain('iptables');
    await this.removeChain('ip6tables');
    this.blocked.clear();
  }
}

/** The backend settings ask for; `auto` takes nft when `nft --version` runs, else iptables. */
export async function chooseBackend(kind: 'auto' | 'nft' | 'iptables', run: CommandRunner): Promise<FirewallBackend> {
  if (kind === 'nft') return new NftBackend(run);
  if (kind === 'iptables') return new IptablesBackend(run);
  const r = await run('nft', ['--version']);
  return r.code === 0 ? new NftBackend(run) : new IptablesBackend(run);
}
