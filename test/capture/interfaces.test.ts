// Interface listing, the default interface choice, and cap's link type names mapped to LINKTYPE numbers.
import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { dltLinkType, defaultInterface, linkTypeName, listInterfaces } from '../../src/capture/index.js';

describe('listInterfaces / defaultInterface', () => {
  it('lists every interface in /sys/class/net, loopback marked', () => {
    const list = listInterfaces();
    expect(list.map((i) => i.name)).toEqual(fs.readdirSync('/sys/class/net').sort());
    const lo = list.find((i) => i.name === 'lo');
    expect(lo).toMatchObject({ loopback: true, up: true });
    expect(lo?.addresses).toContain('127.0.0.1');
  });

  it('prefers the named interface, else the first up non-loopback one, never loopback by default', () => {
    expect(defaultInterface('lo')).toBe('lo');
    expect(defaultInterface('any')).toBe('any');
    const fallback = defaultInterface('no-such-if0');
    const list = listInterfaces();
    if (fallback === null) {
      expect(list.filter((i) => !i.loopback && i.up)).toEqual([]);
    } else {
      const info = list.find((i) => i.name === fallback);
      expect(info).toMatchObject({ loopback: false, up: true });
    }
    expect(defaultInterface()).toBe(fallback);
  });
});

describe('link types', () => {
  it('maps pcap_datalink() DLT numbers to LINKTYPE numbers (only DLT_RAW differs on Linux)', () => {
    expect([1, 0, 113, 276, 127, 228].map(dltLinkType)).toEqual([1, 0, 113, 276, 127, 228]);
    expect([dltLinkType(12), dltLinkType(14)]).toEqual([101, 101]);
  });

  it('names link types as libpcap does', () => {
    expect([linkTypeName(160), linkTypeName(276), linkTypeName(1), linkTypeName(9999)]).toEqual(['USER13', 'LINUX_SLL2', 'ETHERNET', 'unnamed']);
  });
});
