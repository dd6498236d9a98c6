// Active response (IPS mode): an alert sink that turns high-confidence alerts into temporary firewall drops
// of their source, through an async queue so the packet path never waits for nft or iptables.
//
// Safety first: a source is blocked only when the alert's type is in response.types, its severity is at
// least response.min_severity, it names one real source (not a spoofed flood), and that source is not
// whitelisted, not one of this host's addresses, gateways or DNS servers, not loopback/multicast and not
// in response.never_block; at most response.max_blocks addresses are blocked at once. Blocks expire after
// response.block_seconds (nftables: the kernel's set timeout); the table goes when the last block expires
// and when NetGuard exits.
import type { Alert, AlertSink, Severity } from '../alert/types.js';
import { escapeText, formatIp, parseIp } from '../decode/addr.js';
import { chooseBackend, execRunner, type CommandRunner, type Family, type FirewallBackend } from './firewall.js';
import { discoverHost, ProtectedSet, type HostAddresses } from './protected.js';

export interface ResponderOptions {
  /** Alert types that may block their source. */
  types: readonly string[];
  minSeverity: Severity;
  blockSeconds: number;
  maxBlocks: number;
  /** Log what would be done; run no firewall command. */
  dryRun: boolean;
  backend?: 'auto' | 'nft' | 'iptables';
  neverBlock?: string[];
  /** The reputation whitelist (IpReputation.isWhitelisted). */
  isWhitelisted?: (ip: string) => boolean;
  /** Runs firewall commands (tests inject a recorder). */
  run?: CommandRunner;
  /** One line per action (default: stderr with a "netguard: response: " prefix). */
  log?: (line: string) => void;
  /** This host's addresses (default: os.networkInterfaces, ip route, resolv.conf). */
  host?: () => Promise<HostAddresses>;
  /** Milliseconds between re-reads of the host's addresses (DHCP may change them). Default 60000. */
  hostRefreshMs?: number;
}

export interface BlockEntry {
  ip: string;
  /** Wall-clock ms when the block ends. */
  until: number;
  type: string;
  severity: Severity;
  alertId: string;
}

const RANK: Record<Severity, number> = { LOW: 0, WARNING: 1, HIGH: 2, CRITICAL: 3 };
/** Extra time before our own expiry bookkeeping, so the kernel's timeout has certainly fired. */
const EXPIRY_SLACK_MS = 250;

export class Responder implements AlertSink {
  readonly name = 'response';
  private readonly opts: ResponderOptions;
  private readonly types: Set<string>;
  private readonly run: CommandRunner;
  private readonly log: (line: string) => void;
  private readonly protect: ProtectedSet;
  private backend: FirewallBackend | null = null;
  /** True while NetGuard's table/chain exists. */
  private installed = false;
  private hostAt = -Infinity;
  private queue: Promise<void> = Promise.resolve();
  private readonly active = new Map<string, BlockEntry>();
  private readonly timers = new Map<string, NodeJS.Timeout>();
  /** Addresses queued or refused, so each is considered once per episode rather than per update. */
  private readonly considered = new Map<string, number>();
  private closed = false;
  /** Counters for status lines and tests. */
  readonly counts = { blocked: 0, refused: 0, capped: 0, failed: 0, expired: 0 };

  constructor(opts: ResponderOptions) {
    this.opts = opts;
    this.types = new Set(opts.types);
    this.run = opts.run ?? execRunner;
    this.log = opts.log ?? ((l) => process.stderr.write(`netguard: response: ${l}\n`));
    this.protect = new ProtectedSet(opts.neverBlock ?? []);
    // Rules left by a run that was killed (kill -9, power loss) go first: iptables rules would never expire.
    if (!opts.dryRun) {
      this.enqueue(async () => {
        this.backend ??= await chooseBackend(this.opts.backend ?? 'auto', this.run);
        await this.backend.teardown();
      });
    }
  }

  onAlert(a: Alert): void {
    this.consider(a);
  }

  /** An ongoing episode (a flood still running after its block expired) is considered again. */
  onUpdate(a: Alert): void {
    this.consider(a);
  }

  /** The synchronous part, on the packet path: cheap checks, then the work goes to the queue. */
  private consider(a: Alert): void {
    if (this.closed) return;
    if (!this.types.has(a.type) || RANK[a.severity] < RANK[this.opts.minSeverity]) return;
    if (!a.src_ip || a.details?.spoofed_sources === true) return;
    const parsed = parseIp(a.src_ip);
    if (parsed === null) return;
    const ip = formatIp(parsed);
    if (this.active.has(ip)) return;
    // Refused or queued recently: don't re-queue on every update of the same episode.
    const last = this.considered.get(ip);
    const now = Date.now();
    if (last !== undefined && now - last < 5000) return;
    if (this.considered.size > 10_000) this.considered.clear();
    this.considered.set(ip, now);
    const family: Family = typeof parsed === 'number' ? 4 : 6;
    this.enqueue(() => this.block(ip, family, a));
  }

  private enqueue(task: () => Promise<void>): void {
    this.queue = this.queue.then(task).catch((e: unknown) => {
      this.counts.failed++;
      this.log(`error: ${(e as Error).message}`);
    });
  }

  private async refreshHost(): Promise<void> {
    const every = this.opts.hostRefreshMs ?? 60_000;
    if (Date.now() - this.hostAt < every) return;
    this.hostAt = Date.now();
    const h = await (this.opts.host ?? (() => discoverHost(this.run)))();
    this.protect.update(h);
  }

  private async install(): Promise<FirewallBackend> {
    this.backend ??= await chooseBackend(this.opts.backend ?? 'auto', this.run);
    if (!this.installed && !this.opts.dryRun) {
      await this.backend.setup();
      this.installed = true;
      this.log(this.backend.name === 'nft' ? 'created nftables table inet netguard' : 'created iptables chain NETGUARD');
    }
    return this.backend;
  }

  private async block(ip: string, family: Family, a: Alert): Promise<void> {
    if (this.closed || this.active.has(ip)) return;
    await this.refreshHost();
    const why = this.opts.isWhitelisted?.(ip) ? 'whitelisted' : this.protect.reason(ip);
    const what = `${a.type} ${a.severity}: ${escapeText(a.message).slice(0, 160)}`;
    if (why) {
      this.counts.refused++;
      this.log(`not blocking ${ip}: ${why} (${what})`);
      return;
    }
    if (this.active.size >= this.opts.maxBlocks) {
      this.counts.capped++;
      this.log(`not blocking ${ip}: ${this.active.size} addresses are blocked already (response.max_blocks) (${what})`);
      return;
    }
    const secs = this.opts.blockSeconds;
    const backend = await this.install();
    if (this.opts.dryRun) {
      this.log(`dry run: would block ${ip} for ${secs}s (${what}): ${backend.describeBlock(ip, family, secs).join('; ')}`);
    } else {
      await backend.block(ip, family, secs);
      this.log(`blocked ${ip} for ${secs}s (${what})`);
    }
    this.counts.blocked++;
    this.active.set(ip, { ip, until: Date.now() + secs * 1000, type: a.type, severity: a.severity, alertId: a.id });
    const t = setTimeout(() => this.enqueue(() => this.expire(ip, family)), secs * 1000 + EXPIRY_SLACK_MS);
    t.unref();
    this.timers.set(ip, t);
  }

  private async expire(ip: string, family: Family): Promise<void> {
    this.timers.delete(ip);
    if (!this.active.delete(ip)) return;
    this.considered.delete(ip);
    this.counts.expired++;
    if (!this.opts.dryRun && this.backend) {
      // nftables removed the element itself; iptables rules are ours to delete.
      if (!this.backend.kernelExpiry) await this.backend.unblock(ip, family);
    }
    this.log(`${this.opts.dryRun ? 'dry run: block on' : 'block on'} ${ip} expired`);
    if (this.active.size === 0 && this.installed && this.backend) {
      await this.backend.teardown();
      this.installed = false;
      this.log('no blocks left: removed the firewall table');
    }
  }

  /** Addresses blocked now (newest last). */
  blocks(): BlockEntry[] {
    return [...this.active.values()];
  }

  /** Waits until every queued firewall action has run. */
  async flush(): Promise<void> {
    let q: Promise<void>;
    do {
      q = this.queue;
      await q;
    } while (q !== this.queue);
  }

  /** Removes every rule NetGuard added (the whole table or chain) and stops expiry timers. */
  async close(): Promise<void> {
    if (this.closed) return;
    await this.flush();
    this.closed = true;
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
    if (this.installed && this.backend) {
      try {
        await this.backend.teardown();
        this.log(`removed ${this.backend.name === 'nft' ? 'nftables table inet netguard' : 'iptables chain NETGUARD'} (${this.active.size} blocks lifted)`);
      } catch (e) {
        this.log(`error removing the firewall rules: ${(e as Error).message}`);
      }
      this.installed = false;
    }
    this.active.clear();
  }
}
