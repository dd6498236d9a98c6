// Which addresses may be sent to VirusTotal: the IANA special-purpose ranges of IPv4 and IPv6 never.
import { describe, expect, it } from 'vitest';
import { isPublicIp, nonPublicReason } from '../../src/enrich/ip-scope.js';
import { parseDotenv, readApiKey } from '../../src/enrich/dotenv.js';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { NON_PUBLIC, PUBLIC } from './addresses.js';
import { tempDirs } from '../helpers/temp-dir.js';

const tempDir = tempDirs('ng-env-');

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
    const dir = tempDir();
    const f = path.join(dir, '.env');
    writeFileSync(f, 'VT_API_KEY="from-file"\n');
    expect(readApiKey('VT_API_KEY', f, { VT_API_KEY: 'from-env' })).toEqual({ key: 'from-env', source: 'environment' });
    expect(readApiKey('VT_API_KEY', f, {})).toEqual({ key: 'from-file', source: 'env-file' });
    expect(readApiKey('VT_API_KEY', path.join(dir, 'missing'), {})).toEqual({ key: null, source: 'none' });
  });
});
