// Responder with an injected command runner: the exact nft and iptables commands, which alerts block,
// the addresses that are never blocked, the cap, expiry, dry run, failures, and that onAlert never waits.
import { describe, expect, it } from 'vitest';
import type { Alert } from '../../src/alert/types.js';
import { defaultSettings } from '../../src/config/schema.js';
import {
  Responder,
  createResponder,
  discoverHost,
  nftRuleset,
  parseDefaultRoutes,
  parseResolvConf,
  type CommandResult,
  type CommandRunner,
  type ResponderOptions,
} from '../../src/response/index.js';

interface Call {
  cmd: string;
  args: string[];
  input?: string;
}

function recorder(fail: (c: Call) => CommandResult | null = () => null): { run: CommandRunner; calls: Call[]; lines: string[] } {
  const calls: Call[] = [];
  const run: CommandRunner = async (cmd, args, input) => {
    const c: Call = input === undefined ? { cmd, args } : { cmd, args, input };
    calls.push(c);
    return fail(c) ?? { code: 0, stdout: '', stderr: '' };
  };
  return { run, calls, lines: [] };
}

const HOST = { own: ['192.0.2.2', '127.0.0.1', 'fe80::1'], gateways: ['192.0.2.1'], dns: ['198.51.100.53'] };

function responder(o: Partial<ResponderOptions> & { run: CommandRunner; lines: string[] }): Responder {
  return new Responder({
    types: ['SYN_FLOOD', 'SYN_SCAN'],
    minSeverity: 'HIGH',
    blockSeconds: 300,
    maxBlocks: 100,
    dryRun: false,
    host: async () => HOST,
    log: (l) => o.lines.push(l),
    ...o,
  });
}

let seq = 0;
function alert(p: Partial<Alert> = {}): Alert {
  return {
    id: `t-${++seq}`,
    timestamp: '2026-10-30T12:00:00.000Z',
    type: 'SYN_FLOOD',
    severity: 'HIGH',
    message: 'SYN flood from 203.0.113.9: 900 half-open SYN/s to 1 host(s)',
    src_ip: '203.0.113.9',
    dst_ip: '192.0.2.2',
    details: {},
    count: 1,
    last_seen: '2026-10-30T12:00:00.000Z',
    ...p,
  };
}

const line = (c: Call): string => `${c.cmd} ${c.args.join(' ')}`;

describe('nftables', () => {
  it('creates its table, adds the source to the timeout set, and deletes the table on close', async () => {
    const r = recorder();
    const resp = responder(r);
    resp.onAlert(alert());
    await resp.flush();
    expect(r.calls.map(line)).toEqual([
      'nft --version',
      // At start: whatever a killed run left behind goes.
      'nft delete table inet netguard',
      // At the first block: the table, then the element.
      'nft -f -',
      'nft add element inet netguard blocked4 { 203.0.113.9 timeout 300s }',
    ]);
    expect(r.calls[2].input).toBe(nftRuleset());
    expect(nftRuleset()).toContain('set blocked4 { type ipv4_addr; flags timeout; }');
    expect(nftRuleset()).toContain('chain input { type filter hook input priority filter - 10; policy accept;');
    expect(nftRuleset()).toContain('ip saddr @blocked4 counter drop');
    expect(resp.blocks().map((b) => b.ip)).toEqual(['203.0.113.9']);
    expect(r.lines).toContain('blocked 203.0.113.9 for 300s (SYN_FLOOD HIGH: SYN flood from 203.0.113.9: 900 half-open SYN/s to 1 host(s))');
    // The same source again (an update of the episode, or a second alert) adds nothing.
    resp.onUpdate(alert());
    resp.onAlert(alert({ type: 'SYN_SCAN' }));
    await resp.flush();
    expect(r.calls).toHaveLength(4);
    await resp.close();
    expect(line(r.calls.at(-1)!)).toBe('nft delete table inet netguard');
    expect(r.lines.at(-1)).toBe('removed nftables table inet netguard (1 blocks lifted)');
  });

  it('IPv6 sources go to blocked6, in canonical form', async () => {
    const r = recorder();
    const resp = responder(r);
    resp.onAlert(alert({ src_ip: '2001:DB8:0:0::9' }));
    await resp.flush();
    expect(line(r.calls.at(-1)!)).toBe('nft add element inet netguard blocked6 { 2001:db8::9 timeout 300s }');
    await resp.close();
  });

  it('only configured types at or above min_severity, with one real source, are blocked', async () => {
    const r = recorder();
    const resp = responder(r);
    resp.onAlert(alert({ type: 'SUSPICIOUS_PORT', src_ip: '203.0.113.1' }));
    resp.onAlert(alert({ severity: 'WARNING', src_ip: '203.0.113.2' }));
    resp.onAlert(alert({ src_ip: undefined }));
    resp.onAlert(alert({ src_ip: '203.0.113.4', details: { spoofed_sources: true } }));
    resp.onAlert(alert({ src_ip: '1.2.3.4 } ; flush ruleset ; {' }));
    await resp.flush();
    expect(r.calls.map(line)).toEqual(['nft --version', 'nft delete table inet netguard']);
    resp.onAlert(alert({ severity: 'CRITICAL', src_ip: '203.0.113.5' }));
    await resp.flush();
    expect(line(r.calls.at(-1)!)).toBe('nft add element inet netguard blocked4 { 203.0.113.5 timeout 300s }');
    await resp.close();
  });
});

describe('never blocked', () => {
  it('whitelisted, own, gateway, DNS, never_block, loopback and multicast addresses are refused with a reason', async () => {
    const r = recorder();
    const resp = responder({ ...r, neverBlock: ['10.99.0.0/16'], isWhitelisted: (ip) => ip === '203.0.113.77' });
    const cases: Array<[string, RegExp]> = [
      ['203.0.113.77', /whitelisted/],
      ['192.0.2.2', /this host's own addresses/],
      ['fe80::1', /this host's own addresses/],
      ['192.0.2.1', /default gateway/],
      ['198.51.100.53', /DNS server/],
      ['10.99.4.5', /response\.never_block \(10\.99\.0\.0\/16\)/],
      ['127.0.0.9', /loopback, multicast/],
      ['224.0.0.251', /loopback, multicast/],
      ['255.255.255.255', /loopback, multicast/],
      ['::1', /loopback, multicast/],
    ];
    for (const [ip] of cases) resp.onAlert(alert({ src_ip: ip }));
    await resp.flush();
    expect(r.calls.filter((c) => c.args[0] === 'add')).toEqual([]);
    expect(resp.counts.refused).toBe(cases.length);
    cases.forEach(([ip, re], i) => {
      expect(r.lines[i]).toMatch(new RegExp(`^not blocking ${ip.replace(/[.]/g, '\\.')}: `));
      expect(r.lines[i]).toMatch(re);
    });
    await resp.close();
  });

  it('caps the number of blocks at max_blocks', async () => {
    const r = recorder();
    const resp = responder({ ...r, maxBlocks: 2 });
    for (const ip of ['203.0.113.1', '203.0.113.2', '203.0.113.3']) resp.onAlert(alert({ src_ip: ip }));
    await resp.flush();
    expect(r.calls.filter((c) => c.args[0] === 'add').map((c) => c.args[5])).toEqual(['{ 203.0.113.1 timeout 300s }', '{ 203.0.113.2 timeout 300s }']);
    expect(r.lines).toContain('not blocking 203.0.113.3: 2 addresses are blocked already (response.max_blocks) (SYN_FLOOD HIGH: SYN flood from 203.0.113.9: 900 half-open SYN/s to 1 host(s))');
    expect(resp.counts.capped).toBe(1);
    await resp.close();
  });

  it('reads the gateway from ip route and DNS servers from resolv.conf', async () => {
    expect(parseDefaultRoutes('default via 192.0.2.1 dev eth0 proto dhcp src 192.0.2.2 metric 100\ndefault via 192.0.2.254 dev eth1\n')).toEqual(['192.0.2.1', '192.0.2.254']);
    expect(parseDefaultRoutes('default via fe80::1 dev eth0 proto ra metric 1024 pref medium\n')).toEqual(['fe80::1']);
    expect(parseResolvConf('# comment\nnameserver 10.0.0.53\nsearch example\nnameserver fe80::53%eth0\n nameserver 1.1.1.1 \n')).toEqual(['10.0.0.53', 'fe80::53', '1.1.1.1']);
    const r = recorder((c) => (c.cmd === 'ip' && c.args[0] === '-4' ? { code: 0, stdout: 'default via 192.0.2.1 dev eth0\n', stderr: '' } : null));
    const h = await discoverHost(r.run, []);
    expect(r.calls.map(line)).toEqual(['ip -4 route show default', 'ip -6 route show default']);
    expect(h.gateways).toEqual(['192.0.2.1']);
    expect(h.own).toContain('127.0.0.1');
  });
});

describe('expiry, dry run, iptables, failures', () => {
  it('a block ends after block_seconds; the last one removes the table; a new alert blocks again', async () => {
    const r = recorder();
    const resp = responder({ ...r, blockSeconds: 1 });
    resp.onAlert(alert());
    await resp.flush();
    expect(resp.blocks()).toHaveLength(1);
    await new Promise((res) => setTimeout(res, 1400));
    await resp.flush();
    expect(resp.blocks()).toEqual([]);
    expect(r.lines).toContain('block on 203.0.113.9 expired');
    expect(line(r.calls.at(-1)!)).toBe('nft delete table inet netguard');
    resp.onUpdate(alert());
    await resp.flush();
    expect(r.calls.slice(-3).map(line)).toEqual([
      'nft delete table inet netguard',
      'nft -f -',
      'nft add element inet netguard blocked4 { 203.0.113.9 timeout 1s }',
    ]);
    expect(r.calls.filter((c) => c.args[0] === '-f')).toHaveLength(2);
    await resp.close();
  });

  it('--dry-run logs the command it would run and changes nothing', async () => {
    const r = recorder();
    const resp = responder({ ...r, dryRun: true });
    resp.onAlert(alert());
    await resp.flush();
    await resp.close();
    expect(r.calls.map(line)).toEqual(['nft --version']);
    expect(r.lines).toEqual([
      'dry run: would block 203.0.113.9 for 300s (SYN_FLOOD HIGH: SYN flood from 203.0.113.9: 900 half-open SYN/s to 1 host(s)): nft add element inet netguard blocked4 { 203.0.113.9 timeout 300s }',
    ]);
  });

  it('falls back to iptables when nft is missing: a NETGUARD chain, one DROP rule per source, removed at expiry and exit', async () => {
    const r = recorder((c) => (c.cmd === 'nft' ? { code: 127, stdout: '', stderr: 'spawn nft ENOENT' } : null));
    const resp = responder({ ...r, blockSeconds: 1 });
    resp.onAlert(alert());
    resp.onAlert(alert({ src_ip: '2001:db8::7' }));
    await resp.flush();
    const remove = (c: string): string[] => [`${c} -w -D INPUT -j NETGUARD`, `${c} -w -D FORWARD -j NETGUARD`, `${c} -w -F NETGUARD`, `${c} -w -X NETGUARD`];
    const setup = (c: string): string[] => [`${c} -w -N NETGUARD`, `${c} -w -I INPUT -j NETGUARD`, `${c} -w -I FORWARD -j NETGUARD`];
    expect(r.calls.map(line)).toEqual([
      'nft --version',
      // At start: a chain a killed run left behind goes (its rules would never expire).
      ...remove('iptables'),
      ...remove('ip6tables'),
      ...setup('iptables'),
      ...setup('ip6tables'),
      'iptables -w -I NETGUARD -s 203.0.113.9 -j DROP -m comment --comment netguard',
      'ip6tables -w -I NETGUARD -s 2001:db8::7 -j DROP -m comment --comment netguard',
    ]);
    const n = r.calls.length;
    await new Promise((res) => setTimeout(res, 1400));
    await resp.flush();
    expect(r.calls.slice(n).map(line)).toEqual([
      'iptables -w -D NETGUARD -s 203.0.113.9 -j DROP -m comment --comment netguard',
      'ip6tables -w -D NETGUARD -s 2001:db8::7 -j DROP -m comment --comment netguard',
      ...remove('iptables'),
      ...remove('ip6tables'),
    ]);
    await resp.close();
  });

  it('a failing firewall command is one log line; nothing throws and later alerts still work', async () => {
    let failAdd = true;
    const r = recorder((c) => (c.args[0] === 'add' && failAdd ? { code: 1, stdout: '', stderr: 'Error: Could not process rule: No such file or directory\nmore' } : null));
    const resp = responder(r);
    expect(() => resp.onAlert(alert())).not.toThrow();
    await resp.flush();
    expect(r.lines.at(-1)).toBe('error: nft add element inet netguard blocked4 { 203.0.113.9 timeout 300s }: Error: Could not process rule: No such file or directory');
    expect(resp.counts.failed).toBe(1);
    failAdd = false;
    resp.onAlert(alert({ src_ip: '203.0.113.10' }));
    await resp.flush();
    expect(resp.blocks().map((b) => b.ip)).toEqual(['203.0.113.10']);
    await resp.close();
  });

  it('onAlert returns at once while the firewall command is still running (async queue)', async () => {
    let release: () => void = () => undefined;
    const gate = new Promise<void>((res) => (release = res));
    const calls: string[] = [];
    const run: CommandRunner = async (cmd, args) => {
      calls.push(`${cmd} ${args.join(' ')}`);
      if (args[0] === 'add') await gate;
      return { code: 0, stdout: '', stderr: '' };
    };
    const lines: string[] = [];
    const resp = responder({ run, lines });
    const t = performance.now();
    for (let i = 0; i < 1000; i++) resp.onAlert(alert({ src_ip: `203.0.113.${(i % 200) + 1}` }));
    expect(performance.now() - t).toBeLessThan(200);
    await new Promise((res) => setTimeout(res, 50));
    expect(resp.blocks()).toHaveLength(0);
    release();
    await resp.flush();
    expect(resp.blocks()).toHaveLength(100);
    expect(resp.counts.capped).toBe(100);
    await resp.close();
  });
});

describe('createResponder', () => {
  it('is off unless --block or response.enabled; settings carry the knobs', () => {
    const s = defaultSettings();
    expect(s.response).toMatchObject({ enabled: false, dry_run: false, min_severity: 'HIGH', block_seconds: 300, max_blocks: 100, backend: 'auto', never_block: [] });
    expect(s.response.types).toEqual(expect.arrayContaining(['SYN_FLOOD', 'SYN_SCAN']));
    expect(createResponder(s, { block: false, dryRun: false })).toBeNull();
    expect(createResponder(s, { block: true, dryRun: false })).toBeInstanceOf(Responder);
    s.response.enabled = true;
    expect(createResponder(s, { block: false, dryRun: false })).toBeInstanceOf(Responder);
    s.response.never_block = ['not-an-address'];
    expect(() => createResponder(s, { block: true, dryRun: false })).toThrow("settings: response.never_block: 'not-an-address' is not an IPv4/IPv6 address or CIDR block");
  });
});
