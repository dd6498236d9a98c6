// An address list (blacklist.txt, whitelist.txt, malicious.txt): one IPv4/IPv6 address or CIDR block per
// line, '#' starts a comment. Exact addresses are looked up in sets; CIDR blocks are scanned.
import { formatIp, parseCidr, parseIp, type Cidr } from '../decode/addr.js';
import type { IpAddr } from '../decode/packet.js';

/**
 * One spelling per entry, to tell whether two entries are the same: the address in canonical form
 * (IPv6 per RFC 5952), a prefix only when it is shorter than the address ("192.0.2.1/32" is
 * "192.0.2.1"). Null when the text is neither an address nor a CIDR block.
 */
export function canonicalEntry(entry: string): string | null {
  const t = entry.trim();
  if (!parseCidr(t)) return null;
  const slash = t.indexOf('/');
  const a = parseIp(slash < 0 ? t : t.slice(0, slash));
  if (a === null) return null;
  const bits = slash < 0 ? null : Number(t.slice(slash + 1));
  const full = bits === null || bits === (typeof a === 'number' ? 32 : 128);
  return full ? formatIp(a) : `${formatIp(a)}/${bits}`;
}

export class IpList {
  private v4 = new Set<number>();
  private v6 = new Set<string>();
  private blocks: Cidr[] = [];
  private texts: string[] = [];

  constructor(readonly label: string) {}

  /** Parses list text; returns a warning "file:line: ..." for each line that is not an address or CIDR. */
  load(text: string): string[] {
    const warnings: string[] = [];
    text.split(/\r?\n/).forEach((raw, i) => {
      const line = raw.replace(/#.*$/, '').trim();
      if (line === '') return;
      if (!this.add(line)) warnings.push(`${this.label}:${i + 1}: '${line}' is not an IPv4/IPv6 address or CIDR block; line ignored`);
    });
    return warnings;
  }

  /** Adds one address or CIDR block; false when the text is neither. */
  add(entry: string): boolean {
    const t = entry.trim();
    const slash = t.indexOf('/');
    const full = slash < 0 || (t.includes(':') ? t.endsWith('/128') : t.endsWith('/32'));
    if (full) {
      const a = parseIp(slash < 0 ? t : t.slice(0, slash));
      if (a === null) return false;
      if (typeof a === 'number') this.v4.add(a);
      else this.v6.add(a);
      this.texts.push(t);
      return true;
    }
    const c = parseCidr(t);
    if (!c) return false;
    this.blocks.push(c);
    this.texts.push(t);
    return true;
  }

  /** The list entry that matches, or null. */
  match(a: IpAddr): string | null {
    if (typeof a === 'number' ? this.v4.has(a) : this.v6.has(a)) return typeof a === 'number' ? `${a >>> 24}.${(a >>> 16) & 255}.${(a >>> 8) & 255}.${a & 255}` : a;
    for (const b of this.blocks) if (b.match(a)) return b.text;
    return null;
  }

  /** The listed entry that is the same as `entry` (in any spelling), or null. */
  find(entry: string): string | null {
    const want = canonicalEntry(entry);
    if (want === null) return null;
    return this.texts.find((t) => canonicalEntry(t) === want) ?? null;
  }

  /** Removes every entry that is the same as `entry`; the entries removed, as they were written. */
  remove(entry: string): string[] {
    const want = canonicalEntry(entry);
    if (want === null) return [];
    const gone = this.texts.filter((t) => canonicalEntry(t) === want);
    if (gone.length === 0) return gone;
    const keep = this.texts.filter((t) => canonicalEntry(t) !== want);
    this.v4 = new Set();
    this.v6 = new Set();
    this.blocks = [];
    this.texts = [];
    for (const t of keep) this.add(t);
    return gone;
  }

  get size(): number {
    return this.texts.length;
  }

  entries(): string[] {
    return [...this.texts];
  }
}
