// Addresses active response must never block: this host's own addresses, its default gateways, its DNS
// servers, loopback, multicast, broadcast and unspecified addresses, plus response.never_block.
import { readFile } from 'node:fs/promises';
import { networkInterfaces } from 'node:os';
import { formatIp, parseIp } from '../decode/addr.js';
import { IpList } from '../reputation/ip-list.js';
import type { CommandRunner } from './firewall.js';

export interface HostAddresses {
  own: string[];
  gateways: string[];
  dns: string[];
}

/** Ranges no firewall rule of ours may name, whatever the alert says. */
const ALWAYS = ['127.0.0.0/8', '0.0.0.0/32', '255.255.255.255/32', '224.0.0.0/4', '::1/128', '::/128', 'ff00::/8'];

/** "default via 192.0.2.1 dev eth0 ..." lines of `ip route show default` -> the via addresses. */
export function parseDefaultRoutes(text: string): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(/\bvia\s+(?:inet6?\s+)?([0-9a-fA-F:.]+)/g)) out.push(m[1]);
  return out;
}

/** nameserver lines of resolv.conf (a zone suffix such as %eth0 is dropped). */
export function parseResolvConf(text: string): string[] {
  const out: string[] = [];
  for (const line of text.split('\n')) {
    const m = /^\s*nameserver\s+([0-9a-fA-F:.]+)(?:%\S+)?\s*$/.exec(line);
    if (m) out.push(m[1]);
  }
  return out;
}

/** This host's addresses, default gateways (ip route) and DNS servers (/etc/resolv.conf, and resolved's upstreams). */
export async function discoverHost(run: CommandRunner, files = ['/etc/resolv.conf', '/run/systemd/resolve/resolv.conf']): Promise<HostAddresses> {
  const own: string[] = [];
  for (const list of Object.values(networkInterfaces())) for (const a of list ?? []) own.push(a.address.replace(/%.*$/, ''));
  const gateways: string[] = [];
  for (const fam of ['-4', '-6']) {
    const r = await run('ip', [fam, 'route', 'show', 'default']);
    if (r.code === 0) gateways.push(...parseDefaultRoutes(r.stdout));
  }
  const dns: string[] = [];
  for (const f of files) {
    try {
      dns.push(...parseResolvConf(await readFile(f, 'utf8')));
    } catch {
      // not present on this system
    }
  }
  return { own, gateways, dns };
}

/** Why an address must not be blocked, or null when it may be. */
export class ProtectedSet {
  private readonly always = new IpList('built-in');
  private readonly never = new IpList('response.never_block');
  private own = new Set<string>();
  private gateways = new Set<string>();
  private dns = new Set<string>();

  constructor(neverBlock: string[] = []) {
    for (const c of ALWAYS) this.always.add(c);
    for (const c of neverBlock) if (!this.never.add(c)) throw new Error(`response.never_block: '${c}' is not an IPv4/IPv6 address or CIDR block`);
  }

  update(h: HostAddresses): void {
    const norm = (xs: string[]): Set<string> => new Set(xs.map((x) => parseIp(x)).filter((x) => x !== null).map((x) => formatIp(x)));
    this.own = norm(h.own);
    this.gateways = norm(h.gateways);
    this.dns = norm(h.dns);
  }

  /** `ip` must be canonical (formatIp of parseIp). */
  reason(ip: string): string | null {
    const a = parseIp(ip);
    if (a === null) return 'not an IP address';
    if (this.own.has(ip)) return "one of this host's own addresses";
    if (this.gateways.has(ip)) return 'the default gateway';
    if (this.dns.has(ip)) return 'a DNS server of this host';
    const n = this.never.match(a);
    if (n) return `in response.never_block (${n})`;
    const b = this.always.match(a);
    if (b) return `a loopback, multicast, broadcast or unspecified address (${b})`;
    return null;
  }
}
