// Input validation at every menu prompt: a clear message, the same question again, and cancelling with an empty answer.
process.env.TZ = 'UTC';
import { describe, expect, it } from 'vitest';
import {
  parseConnectionInput,
  parseIpInput,
  parseListInput,
  parsePortInput,
  parseProtocolInput,
  parseRuleInput,
  KNOWN_PROTOCOLS,
} from '../../src/cli/menu/index.js';
import { FakeBackend, runPiped, sampleConnections, sampleRules } from './fake-backend.js';

const NOT_ENTRY = (s: string) => `'${s}' is not an IP address or CIDR block; enter one like 192.0.2.1, 2001:db8::1 or 198.51.100.0/24 (-ADDR removes one).`;
const NOT_IP = (s: string) => `'${s}' is not an IP address; enter IPv4 like 192.0.2.1 or IPv6 like 2001:db8::1.`;

describe('parsers', () => {
  it('IP addresses: IPv4, IPv6 normalised, and what is not an address', () => {
    expect(parseIpInput(' 192.0.2.1 ')).toEqual({ ok: true, value: '192.0.2.1' });
    expect(parseIpInput('2001:DB8:0:0::1')).toEqual({ ok: true, value: '2001:db8::1' });
    for (const bad of ['256.1.1.1', '1.2.3', 'example.com', '1.2.3.4/24', '::g', '1.2.3.4.5']) {
      expect(parseIpInput(bad)).toEqual({ ok: false, error: NOT_IP(bad) });
    }
  });

  it('ports: 0-65535 whole numbers', () => {
    expect(parsePortInput('0')).toEqual({ ok: true, value: 0 });
    expect(parsePortInput('65535')).toEqual({ ok: true, value: 65535 });
    expect(parsePortInput('65536')).toEqual({ ok: false, error: 'Port 65536 is out of range; enter a whole number from 0 to 65535.' });
    for (const bad of ['-1', '80.5', 'http', '1e3']) {
      expect(parsePortInput(bad)).toEqual({ ok: false, error: `'${bad}' is not a port number; enter a whole number from 0 to 65535.` });
    }
  });

  it('protocols: known names in any case', () => {
    expect(parseProtocolInput('icmpv6', KNOWN_PROTOCOLS)).toEqual({ ok: true, value: 'ICMPv6' });
    const r = parseProtocolInput('smtp', KNOWN_PROTOCOLS);
    expect(r).toEqual({ ok: false, error: `Unknown protocol 'smtp'; choose one of: ${KNOWN_PROTOCOLS.join(', ')}.` });
  });

  it('rules: by number or name', () => {
    const rules = sampleRules();
    expect(parseRuleInput('1', rules)).toEqual({ ok: true, value: rules[0] });
    expect(parseRuleInput('LARGE icmp', rules)).toEqual({ ok: true, value: rules[1] });
    expect(parseRuleInput('3', rules)).toEqual({ ok: false, error: 'There is no rule number 3; enter a number from 1 to 2 or a rule name.' });
    expect(parseRuleInput('0', rules).ok).toBe(false);
    expect(parseRuleInput('Huge ICMP', rules)).toEqual({ ok: false, error: "No rule named 'Huge ICMP'; enter a number from 1 to 2 or a rule name (option 22 lists them)." });
  });

  it('connections: by number or id', () => {
    const list = sampleConnections();
    const byId = (id: string) => list.find((c) => c.id === id);
    expect(parseConnectionInput('4', list, byId)).toEqual({ ok: true, value: list[3] });
    expect(parseConnectionInput('c3', list, byId)).toEqual({ ok: true, value: list[2] });
    expect(parseConnectionInput('5', list, byId)).toEqual({ ok: false, error: "No connection '5'; enter a number from 1 to 4 or a connection id." });
  });

  it('escapes control characters typed into a prompt before echoing them in a message', () => {
    const r = parseIpInput('\x1b[2Jx');
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.error).not.toContain('\x1b');
      expect(r.error).toContain('\\x1b[2Jx');
    }
  });
});

/** Counts how often `s` occurs in `out`. */
const count = (out: string, s: string) => out.split(s).length - 1;

describe('each prompt re-asks after bad input', () => {
  it('3 search by IP', async () => {
    const out = await runPiped('3\n10.0.0.256\nfoo\n192.168.1.1\n');
    expect(out).toContain(NOT_IP('10.0.0.256'));
    expect(out).toContain(NOT_IP('foo'));
    expect(count(out, 'IP address: ')).toBe(3);
    expect(out).toContain('3 packets to or from 192.168.1.1');
  });

  it('4 search by port', async () => {
    const out = await runPiped('4\n70000\nhttp\n53\n');
    expect(out).toContain('Port 70000 is out of range; enter a whole number from 0 to 65535.');
    expect(out).toContain("'http' is not a port number; enter a whole number from 0 to 65535.");
    expect(count(out, 'Port (0-65535): ')).toBe(3);
    expect(out).toContain('2 packets on port 53 (domain)');
  });

  it('5 search by protocol', async () => {
    const out = await runPiped('5\nsmtp\ntcp\n');
    expect(out).toContain("Unknown protocol 'smtp'; choose one of: TCP, UDP, ICMP, ICMPv6, ARP, DNS, HTTP, IPv4, IPv6, Other.");
    expect(count(out, 'Protocol (TCP, UDP,')).toBe(2);
    expect(out).toContain('21 TCP packets');
  });

  it('8 connection details', async () => {
    const out = await runPiped('8\n9\nnope\n1\n');
    expect(out).toContain("No connection '9'; enter a number from 1 to 4 or a connection id.");
    expect(out).toContain("No connection 'nope'; enter a number from 1 to 4 or a connection id.");
    expect(count(out, 'Connection number (1-4) or id: ')).toBe(3);
    expect(out).toContain('Connection 1 (id c1)');
  });

  it('14 check IP reputation', async () => {
    const b = new FakeBackend();
    const out = await runPiped('14\n1.2.3.4.5\n203.0.113.9\n', b);
    expect(out).toContain(NOT_IP('1.2.3.4.5'));
    expect(count(out, 'IP address to check: ')).toBe(2);
    expect(b.calls).toEqual(['reputation 203.0.113.9']);
  });

  it.each([
    ['15', 'blacklist', (b: FakeBackend) => b.blacklist],
    ['16', 'whitelist', (b: FakeBackend) => b.whitelist],
    ['17', 'known malicious IPs', (b: FakeBackend) => b.malicious],
  ])('%s adds an address or CIDR block to the %s, and -ADDR removes one', async (opt, what, list) => {
    const b = new FakeBackend();
    const out = await runPiped(`${opt}\nbad-ip\n300.1.1.1\n10.0.0.0/33\n198.51.100.9\n${opt}\n198.51.100.0/24\n${opt}\n-198.51.100.9\n`, b);
    for (const bad of ['bad-ip', '300.1.1.1', '10.0.0.0/33']) expect(out).toContain(NOT_ENTRY(bad));
    expect(count(out, `Address or CIDR block to add to the ${what} (-ADDR removes one): `)).toBe(6);
    // Only valid entries reached the backend; the removal took the address off again.
    expect(list(b)).toEqual(['198.51.100.0/24']);
    expect(out).toContain(`removed 198.51.100.9 from ${opt === '15' ? 'blacklist' : opt === '16' ? 'whitelist' : 'malicious'}.txt`);
  });

  it('list entries: addresses (canonical), CIDR blocks, and -ADDR to remove', () => {
    expect(parseListInput(' 2001:DB8::0:7 ')).toEqual({ ok: true, value: { remove: false, entry: '2001:db8::7' } });
    expect(parseListInput('198.51.100.0/24')).toEqual({ ok: true, value: { remove: false, entry: '198.51.100.0/24' } });
    expect(parseListInput('-2001:db8::/32')).toEqual({ ok: true, value: { remove: true, entry: '2001:db8::/32' } });
    expect(parseListInput('- 192.0.2.1')).toEqual({ ok: true, value: { remove: true, entry: '192.0.2.1' } });
    expect(parseListInput('1.2.3.4/')).toEqual({ ok: false, error: NOT_ENTRY('1.2.3.4/') });
  });

  it('23 toggle a rule', async () => {
    const b = new FakeBackend();
    const out = await runPiped('23\n7\nNo Such Rule\nLarge ICMP\n', b);
    expect(out).toContain('There is no rule number 7; enter a number from 1 to 2 or a rule name.');
    expect(out).toContain("No rule named 'No Such Rule'; enter a number from 1 to 2 or a rule name (option 22 lists them).");
    expect(count(out, 'Rule number (1-2) or name: ')).toBe(3);
    expect(b.calls).toEqual(['toggle Large ICMP']);
  });

  it('an empty answer cancels back to the menu without calling the backend', async () => {
    const b = new FakeBackend();
    const out = await runPiped('15\n\n23\n\n19\n', b);
    expect(count(out, '(cancelled)')).toBe(2);
    expect(b.blacklist).toEqual([]);
    expect(b.calls.filter((c) => c.startsWith('toggle'))).toEqual([]);
    expect(out).toContain('Total alerts: 3');
  });

  it('end of input inside a prompt exits cleanly and closes the backend', async () => {
    const b = new FakeBackend();
    const out = await runPiped('3\nnot-an-ip\n', b);
    expect(out).toContain(NOT_IP('not-an-ip'));
    expect(b.closed).toBe(1);
    expect(out.trimEnd().endsWith('Saving state and exiting.')).toBe(true);
  });
});

describe('piped input', () => {
  it('reads choices line by line and exits at the end of input without 21', async () => {
    const b = new FakeBackend();
    const out = await runPiped('11\n19\n', b);
    expect(out).toContain('Choice [1-24]: 11\n');
    expect(out).toContain('Choice [1-24]: 19\n');
    expect(out).toContain('ARP');
    expect(out).toContain('Total alerts: 3');
    expect(b.closed).toBe(1);
  });

  it('takes a last line without a newline, CRLF line ends, and blank lines', async () => {
    const b = new FakeBackend();
    const out = await runPiped('\r\n10\r\n\n19', b);
    expect(out).toContain('1  www.example.org');
    expect(out).toContain('Total alerts: 3');
    expect(b.closed).toBe(1);
  });

  it('does not page and prints no colour codes when colour is off', async () => {
    const out = await runPiped('1\n18\n');
    expect(out).not.toContain('-- more');
    expect(out).not.toContain('\x1b[');
  });

  it('colours severities and statuses when colour is on', async () => {
    const out = await runPiped('18\n13\n', new FakeBackend(), true);
    expect(out).toContain('\x1b[1m\x1b[31mCRITICAL\x1b[39m\x1b[22m');
    expect(out).toContain('\x1b[31mHIGH\x1b[39m');
    expect(out).toContain('\x1b[33mWARNING\x1b[39m');
    expect(out).toContain('\x1b[31mmalicious\x1b[39m');
    // Colour does not break alignment: the Type column starts at the same place on every alert row.
    // eslint-disable-next-line no-control-regex
    const plain = out.replace(/\x1b\[[0-9;]*m/g, '');
    const rows = plain.split('\n').filter((l) => /^\s*\d+ {2}2011-/.test(l));
    expect(rows).toHaveLength(3);
    const at = rows.map((l) => l.search(/(SYN_FLOOD|SYN_SCAN|PORT_SWEEP)/));
    expect(new Set(at).size).toBe(1);
  });
});
