// serviceName: well-known TCP and UDP port names.
import { describe, expect, it } from 'vitest';
import { serviceName } from '../../src/flow/index.js';

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
