// Which addresses may be sent to VirusTotal: the IANA special-purpose ranges of IPv4 and IPv6 never.
import { describe, expect, it } from 'vitest';
import { isPublicIp, nonPublicReason } from '../../src/enrich/ip-scope.js';
import { parseDotenv, readApiKey } from '../../src/enrich/dotenv.js';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

/** Addresses that must never leave the host (and at least one edge of each range). */
export const NON_PUBLIC = [
  '0.0.0.0', '0.1.2.3',
  '10.0.0.0', '10.255.255.255',
  '100.64.0.0', '100.127.255.255',
  '127.0.0.1', '127.255.255.254',
  '169.254.0.1', '169.254.255.255',
  '172.16.0.0', '172.20.1.1', '172.31.255.255',
  '192.0.0.8', '192.0.2.1', '192.88.99.1',
  '192.168.0.1', '192.168.255.255',
  '198.18.0.1', '198.19.255.255',
  '198.51.100.7', '203.0.113.9',
  '224.0.0.1', '239.255.255.250',
  '240.0.0.1', '255.255.255.255',
  '::', '::1', '::ffff:10.1.2.3', '::ffff:192.168.1.1', '::ffff:127.0.0.1',
  '64:ff9b::a00:1', '2002:c0a8:101::1',
  'fc00::1', 'fd12:3456:789a::1', 'fe80::1', 'febf::1', 'fec0::1',
  'ff02::1', 'ff05::1:3',
  '2001:db8::1', '2001:db8:ffff::1', '3fff::1', '100::1', '2001::1',
  'fe80::1%eth0', 'not-an-ip', '',
];

export const PUBLIC = ['8.8.8.8', '1.1.1.1', '172.15.255.255', '172.32.0.1', '100.63.255.255', '100.128.0.0', '11.0.0.1',
  '192.0.3.1', '198.20.0.1', '223.255.255.255', '2606:4700:4700::1111', '2a00:1450:4001::200e', '::ffff:8.8.8.8', '2002:808:808::1'];

describe('nonPublicReason', () => {
  it.each(NON_PUBLIC)('%s is never public', (ip) => {
    expect(isPublicIp(ip)).toBe(false);
    expect(nonPublicReason(ip)).toMatch(/./);
  });

  it.each(PUBLIC)('%s is public', (ip) => {
    expect(nonPublicReason(ip)).toBeNull();
  });

  it('names the range, including 172.16.0.0/12 that PyNetGuard missed', () => {
    expect(nonPublicReason('172.20.1.1')).toBe('172.16.0.0/12 private (RFC 1918)');
    expect(nonPublicReason('100.100.1.1')).toContain('CGNAT');
    expect(nonPublicReason('::ffff:192.168.1.1')).toContain('IPv4-mapped of 192.168.0.0/16');
    expect(nonPublicReason('fd00::1')).toContain('unique local');
  });

  it('accepts the decoder IPv4 number form', () => {
    expect(isPublicIp(0x08080808)).toBe(true);
    expect(isPublicIp(0xac100001)).toBe(false);
  });
});

describe('.env', () => {
  it('parses KEY=value lines with quotes, export and comments', () => {
    const vars = parseDotenv('# comment\nexport A=1\nVT_API_KEY="abc def"\nB = plain # note\nC=\'single\'\nbad line\n');
    expect(vars).toEqual({ A: '1', VT_API_KEY: 'abc def', B: 'plain', C: 'single' });
  });

  it('prefers the environment, then the file, else none', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'ng-env-'));
    const f = path.join(dir, '.env');
    writeFileSync(f, 'VT_API_KEY="from-file"\n');
    expect(readApiKey('VT_API_KEY', f, { VT_API_KEY: 'from-env' })).toEqual({ key: 'from-env', source: 'environment' });
    expect(readApiKey('VT_API_KEY', f, {})).toEqual({ key: 'from-file', source: 'env-file' });
    expect(readApiKey('VT_API_KEY', path.join(dir, 'missing'), {})).toEqual({ key: null, source: 'none' });
  });
});
