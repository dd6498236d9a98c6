// The display filter: addresses with CIDR, ports and ranges, protocols, and/or/not, and syntax errors
// that name the column (1-based) and underline the offending text, as rule errors do.
import { describe, expect, it } from 'vitest';
import { DisplayFilterError, parseDisplayFilter, type FilterRow } from '../../src/rules/index.js';

const ssh: FilterRow = { proto: 'TCP', src: '10.1.2.3', dst: '192.0.2.9', srcPort: 51000, dstPort: 22 };
const dns: FilterRow = { proto: 'DNS', transport: 'UDP', src: '192.168.1.5', dst: '8.8.8.8', srcPort: 40000, dstPort: 53 };
const web6: FilterRow = { proto: 'HTTP', transport: 'TCP', src: '2001:db8::1', dst: '2001:db8:1::80', srcPort: 50000, dstPort: 80 };
const arp: FilterRow = { proto: 'ARP', src: '10.0.0.1', dst: '10.0.0.2', srcPort: 0, dstPort: 0 };
const rows = [ssh, dns, web6, arp];

function which(f: string): FilterRow[] {
  const p = parseDisplayFilter(f);
  return rows.filter(p);
}

function error(f: string): DisplayFilterError {
  try {
    parseDisplayFilter(f);
  } catch (e) {
    expect(e).toBeInstanceOf(DisplayFilterError);
    return e as DisplayFilterError;
  }
  throw new Error(`"${f}" parsed`);
}

describe('display filter', () => {
  it('matches addresses with CIDR, ports, protocols and their combinations', () => {
    expect(which('')).toEqual(rows);
    expect(which('ip.addr == 10.0.0.0/8')).toEqual([ssh, arp]);
    expect(which('ip.src == 10.1.2.3')).toEqual([ssh]);
    expect(which('ip.dst == 10.1.2.3')).toEqual([]);
    expect(which('ip.addr == 2001:db8::/32')).toEqual([web6]);
    expect(which('ip.addr in [8.8.8.8, 192.0.2.0/24]')).toEqual([ssh, dns]);
    expect(which('port 22'.replace(' ', ' == '))).toEqual([ssh]);
    expect(which('dst_port in [53, 8000-8080]')).toEqual([dns]);
    expect(which('tcp')).toEqual([ssh, web6]);
    expect(which('udp')).toEqual([dns]);
    expect(which('dns or http')).toEqual([dns, web6]);
    expect(which('tcp and not port == 22')).toEqual([web6]);
    expect(which('!tcp && !arp')).toEqual([dns]);
    expect(which('ip.addr != 10.0.0.0/8 and ip')).toEqual([dns, web6]);
    expect(which('tcp.port == 53')).toEqual([]);
    expect(which('udp.port == 53')).toEqual([dns]);
    // As in tshark, each comparison holds when either port satisfies it.
    expect(which('port > 1024 and port < 50001')).toEqual([ssh, dns, web6]);
    expect(which('src_port > 1024 and dst_port < 50')).toEqual([ssh]);
    expect(which('(ip.src == 10.1.2.3 or ip.src == 192.168.1.5) and udp')).toEqual([dns]);
  });

  it('syntax errors point at the column', () => {
    let e = error('tcp and');
    expect(e.column).toBe(8);
    expect(e.excerpt).toBe("col 8: filter ends too early: expected a field or (\n  tcp and\n         ^");
    e = error('tcp andd udp');
    expect(e.column).toBe(5);
    expect(e.message).toContain("found 'andd'");
    e = error('ip.adr == 10.0.0.1');
    expect(e.column).toBe(1);
    expect(e.width).toBe(6);
    expect(e.message).toContain("unknown field 'ip.adr'");
    expect(e.message).toContain('ip.addr');
    e = error('ip.addr == 10.0.0.300');
    expect(e.column).toBe(12);
    expect(e.message).toContain('address or CIDR');
    e = error('port == 70000');
    expect(e.column).toBe(9);
    e = error('(tcp or udp');
    expect(e.message).toContain("expected ')'");
    e = error('tcp == 1');
    expect(e.column).toBe(5);
    e = error('ip.addr < 10.0.0.1');
    expect(e.message).toContain('== or !=');
    expect(e.column).toBe(9);
  });
});
