// serviceName: well-known TCP and UDP port names; portRank: how server-like a port is.
import { describe, expect, it } from 'vitest';
import { portRank, serviceName } from '../../src/flow/index.js';

describe('serviceName', () => {
  it('names well-known ports per protocol', () => {
    const tcp: Array<[number, string]> = [
      [21, 'ftp'], [22, 'ssh'], [23, 'telnet'], [25, 'smtp'], [53, 'dns'], [80, 'http'], [110, 'pop3'],
      [143, 'imap'], [389, 'ldap'], [443, 'https'], [445, 'microsoft-ds'], [3306, 'mysql'], [3389, 'rdp'],
      [5432, 'postgresql'], [6379, 'redis'], [8080, 'http-alt'], [27017, 'mongodb'],
    ];
    for (const [port, name] of tcp) expect(serviceName(port, 'tcp')).toBe(name);
    const udp: Array<[number, string]> = [[53, 'dns'], [123, 'ntp'], [137, 'netbios-ns'], [161, 'snmp'], [514, 'syslog'], [67, 'dhcps']];
    for (const [port, name] of udp) expect(serviceName(port, 'udp')).toBe(name);
  });

  it('differs where TCP and UDP differ, and is empty when unknown or out of range', () => {
    expect(serviceName(514, 'tcp')).toBe('shell');
    expect(serviceName(80, 'udp')).toBe('');
    expect(serviceName(31337, 'tcp')).toBe('');
    expect(serviceName(-1, 'tcp')).toBe('');
    expect(serviceName(70000, 'udp')).toBe('');
    expect(serviceName(1.5, 'tcp')).toBe('');
  });
});

describe('portRank', () => {
  it('is 2 below 1024, 1 for a named port above, 0 for the rest, for every port of both protocols', () => {
    for (const [tcp, proto] of [[true, 'tcp'], [false, 'udp']] as const) {
      let named = 0;
      for (let port = 0; port < 65536; port++) {
        const want = port < 1024 ? 2 : serviceName(port, proto) !== '' ? 1 : 0;
        if (portRank(port, tcp) !== want) expect([proto, port, portRank(port, tcp)]).toEqual([proto, port, want]);
        if (want === 1) named++;
      }
      // Both protocols name ports above 1023 (the bitset's words beyond the first 32 are read).
      expect(named).toBeGreaterThan(10);
    }
    expect([portRank(27017, true), portRank(27017, false), portRank(1900, false), portRank(1900, true), portRank(51820, false)]).toEqual([1, 0, 1, 0, 1]);
    expect([portRank(65535, true), portRank(1024, true), portRank(1023, false)]).toEqual([0, 0, 2]);
  });

  it('reads a fraction as its whole part and is 0 out of range', () => {
    expect([portRank(1023.5, true), portRank(8080.5, true), portRank(8081.5, true)]).toEqual([2, 1, 0]);
    expect([portRank(-1, true), portRank(-0.5, false), portRank(65536, true), portRank(Number.NaN, true)]).toEqual([0, 0, 0, 0]);
  });
});
