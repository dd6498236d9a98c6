// RuleEngine: thresholds per track key within a window, CUSTOM_RULE detections, toggle (persisted into
// rules.yaml with comments kept), reload, and a failed reload under traffic keeping the running rules.
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Detection } from '../../src/alert/types.js';
import { RuleEngine, RuleEngineCore, MAX_KEYS_PER_RULE } from '../../src/rules/index.js';
import { ROOT } from '../helpers/netguard.js';
import { pkt } from './packets.js';
import { tempDirs } from '../helpers/temp-dir.js';
import { at } from '../helpers/packet-time.js';

const tempDir = tempDirs('ng-rules-');

const SSH = `# my rules (this comment must survive a toggle)
rules:
  - name: "SSH Brute"   # inline comment
    description: "ssh"
    condition: "tcp.dst_port == 22 and tcp.flags.syn and not tcp.flags.ack"
    threshold: 3
    window: 10
    severity: HIGH
    enabled: true
`;

function engine(text = SSH): { e: RuleEngineCore; got: Detection[] } {
  const got: Detection[] = [];
  const e = new RuleEngineCore((d) => got.push(d));
  const r = e.load(text, 'rules.yaml');
  expect(r.errors).toEqual([]);
  return { e, got };
}

describe('thresholds and windows', () => {
  it('raises once at the threshold within the window, per source', () => {
    const { e, got } = engine();
    const t0 = 1_700_000_000_000;
    e.onPacket(at(pkt({ src: '10.0.0.1', dport: 22 }), t0));
    e.onPacket(at(pkt({ src: '10.0.0.1', dport: 22 }), t0 + 1000));
    expect(got).toHaveLength(0);
    e.onPacket(at(pkt({ src: '10.0.0.9', dport: 22 }), t0 + 1500)); // another source: its own count
    e.onPacket(at(pkt({ src: '10.0.0.1', dport: 80 }), t0 + 1600)); // not matching
    expect(got).toHaveLength(0);
    e.onPacket(at(pkt({ src: '10.0.0.1', dport: 22 }), t0 + 2000));
    expect(got).toHaveLength(1);
    const d = got[0];
    expect(d.type).toBe('CUSTOM_RULE');
    expect(d.severity).toBe('HIGH');
    expect(d.details.rule).toBe('SSH Brute');
    expect(d.details.count).toBe(3);
    expect(d.src_ip).toBe('10.0.0.1');
    expect(d.dst_port).toBe(22);
    expect(d.proto).toBe('TCP');
    expect(d.ts).toBe(t0 + 2000);
    expect(d.message).toBe('Rule "SSH Brute": 3 matching packets in 10s from 10.0.0.1');
    // More matches in the same window do not raise again.
    e.onPacket(at(pkt({ src: '10.0.0.1', dport: 22 }), t0 + 3000));
    expect(got).toHaveLength(1);
    expect(e.list()[0].matches).toBe(5);
  });

  it('matches spread wider than the window do not add up', () => {
    const { e, got } = engine();
    const t0 = 1_700_000_000_000;
    for (let i = 0; i < 6; i++) e.onPacket(at(pkt({ dport: 22 }), t0 + i * 6000));
    expect(got).toHaveLength(0);
  });

  it('a new window raises again', () => {
    const { e, got } = engine();
    const t0 = 1_700_000_000_000;
    for (let i = 0; i < 3; i++) e.onPacket(at(pkt({ dport: 22 }), t0 + i));
    for (let i = 0; i < 3; i++) e.onPacket(at(pkt({ dport: 22 }), t0 + 20_000 + i));
    expect(got).toHaveLength(2);
  });

  it('track: dst counts per destination, track: pair per pair', () => {
    const dst = engine(SSH.replace('    enabled: true', '    track: dst'));
    for (let i = 1; i <= 3; i++) dst.e.onPacket(at(pkt({ src: `10.0.0.${i}`, dst: '10.9.9.9', dport: 22 }), 1000 + i));
    expect(dst.got).toHaveLength(1);
    expect(dst.got[0].message).toContain('to 10.9.9.9');
    const pair = engine(SSH.replace('    enabled: true', '    track: pair'));
    for (let i = 1; i <= 3; i++) pair.e.onPacket(at(pkt({ src: `10.0.0.${i}`, dst: '10.9.9.9', dport: 22 }), 1000 + i));
    expect(pair.got).toHaveLength(0);
    for (let i = 1; i <= 3; i++) pair.e.onPacket(at(pkt({ src: '10.0.0.1', dst: '10.9.9.9', dport: 22 }), 2000 + i));
    expect(pair.got).toHaveLength(1);
    expect(pair.got[0].key).toBe('SSH Brute|10.0.0.1>10.9.9.9');
  });

  it('state stays bounded under a spoofed-source flood', () => {
    const { e } = engine(SSH.replace('threshold: 3', 'threshold: 100'));
    for (let i = 0; i < MAX_KEYS_PER_RULE * 2; i++) e.onPacket(at(pkt({ src: `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`, dport: 22 }), 1000));
    expect(e.status().trackedKeys).toBeLessThanOrEqual(MAX_KEYS_PER_RULE);
    e.onTick(1000 + 11_000);
    expect(e.status().trackedKeys).toBe(0);
  });

  it('a full rule sweeps the keys whose window ended before it forgets a live one', () => {
    const { e } = engine(SSH.replace('threshold: 3', 'threshold: 100'));
    const ip = (i: number): string => `10.1.${(i >> 8) & 255}.${i & 255}`;
    for (let i = 0; i < MAX_KEYS_PER_RULE - 1; i++) e.onPacket(at(pkt({ src: ip(i), dport: 22 }), 1000));
    // One key whose window is still open when the rule is next full.
    e.onPacket(at(pkt({ src: '10.2.0.1', dport: 22 }), 5000));
    expect(e.status().trackedKeys).toBe(MAX_KEYS_PER_RULE);
    // No tick between: the new key's own sweep forgets the expired keys, the live one stays.
    e.onPacket(at(pkt({ src: '10.3.0.1', dport: 22 }), 1000 + 10_500));
    expect(e.status().trackedKeys).toBe(2);
  });

  it('a full rule forgets its oldest keys first, also after a sweep emptied it and after a toggle', () => {
    const { e, got } = engine();
    const ip = (set: number, i: number): string => `10.${set}.${(i >> 8) & 255}.${i & 255}`;
    const hit = (src: string, t: number): void => e.onPacket(at(pkt({ src, dport: 22 }), t));
    const fill = (set: number, t: number): void => {
      for (let i = 0; i < MAX_KEYS_PER_RULE; i++) hit(ip(set, i), t);
      hit(ip(set, 5), t); // a second match does not make a key younger
      expect(e.status().trackedKeys).toBe(MAX_KEYS_PER_RULE);
      // Ten new keys push out the ten oldest: keys 0-9 of this set, 5 among them.
      for (let j = 0; j < 10; j++) hit(ip(200, j), t);
      expect(e.status().trackedKeys).toBe(MAX_KEYS_PER_RULE);
      const before = got.length;
      hit(ip(set, 10), t + 1); // kept: its third match raises
      hit(ip(set, 10), t + 2);
      expect(got.length).toBe(before + 1);
      expect(got[got.length - 1].src_ip).toBe(ip(set, 10));
      hit(ip(set, 5), t + 3); // forgotten with its two matches: this is its first again
      hit(ip(set, 9), t + 4);
      hit(ip(set, 9), t + 5);
      expect(got.length).toBe(before + 1);
    };
    const t0 = 1_700_000_000_000;
    fill(1, t0);
    e.onTick(t0 + 11_000); // every key's window is over: all swept
    expect(e.status().trackedKeys).toBe(0);
    fill(2, t0 + 20_000);
    expect(e.toggle('SSH Brute')).toBe(false);
    expect(e.toggle('SSH Brute')).toBe(true);
    expect(e.status().trackedKeys).toBe(0);
    fill(3, t0 + 40_000);
  });
});

describe('toggle and reload', () => {
  function tempRules(text = SSH): string {
    const dir = tempDir();
    const f = path.join(dir, 'rules.yaml');
    writeFileSync(f, text);
    return f;
  }

  it('toggle flips, stops matching, and is written to rules.yaml keeping comments', () => {
    const f = tempRules();
    const got: Detection[] = [];
    const e = new RuleEngine((d) => got.push(d));
    expect(e.loadFile(f).ok).toBe(true);
    expect(e.toggle('SSH Brute')).toBe(false);
    for (let i = 0; i < 5; i++) e.onPacket(at(pkt({ dport: 22 }), 1000 + i));
    expect(got).toHaveLength(0);
    const text = readFileSync(f, 'utf8');
    expect(text).toContain('# my rules (this comment must survive a toggle)');
    expect(text).toContain('# inline comment');
    expect(text).toMatch(/enabled: false/);
    // A restart (a new engine on the same file) sees the rule disabled.
    const e2 = new RuleEngine(() => undefined);
    e2.loadFile(f);
    expect(e2.list()[0].enabled).toBe(false);
    expect(e.toggle('ssh brute')).toBe(true); // case-insensitive fallback
    expect(readFileSync(f, 'utf8')).toMatch(/enabled: true/);
    expect(e.toggle('no such rule')).toBeNull();
  });

  it('toggling the shipped rules writes a copy with the change where NetGuard looks first; the shipped file stays', () => {
    const shipped = tempRules();
    const before = readFileSync(shipped, 'utf8');
    const copy = path.join(tempDir(), 'rules.yaml');
    const e = new RuleEngine(() => undefined, undefined, { userCopy: copy });
    expect(e.loadFile(shipped).ok).toBe(true);
    expect(e.takeNotes()).toEqual([]);
    expect(e.toggle('SSH Brute')).toBe(false);
    expect(readFileSync(shipped, 'utf8')).toBe(before);
    const text = readFileSync(copy, 'utf8');
    expect(text).toMatch(/enabled: false/);
    expect(text).toContain('# my rules (this comment must survive a toggle)');
    expect(e.takeNotes()).toEqual([{ text: `saved in ${copy}, a copy of the shipped ${shipped} with this change (that file is unchanged); ${copy} is read from now on`, saved: true }]);
    expect(e.takeNotes()).toEqual([]);
    // The copy is this run's file from now on: the next toggle writes it (no second note), reload reads it.
    expect(e.toggle('SSH Brute')).toBe(true);
    expect(e.takeNotes()).toEqual([]);
    expect(readFileSync(copy, 'utf8')).toMatch(/enabled: true/);
    expect(readFileSync(shipped, 'utf8')).toBe(before);
    expect(e.reload().message).toBe(`reloaded 1 rules from ${copy} (1 enabled)`);
  });

  it('a rules.yaml made meanwhile where the copy would go is not replaced: the toggle holds for this run and says so', () => {
    const shipped = tempRules();
    const before = readFileSync(shipped, 'utf8');
    const copy = path.join(tempDir(), 'rules.yaml');
    writeFileSync(copy, 'rules: []\n');
    const e = new RuleEngine(() => undefined, undefined, { userCopy: copy });
    e.loadFile(shipped);
    expect(e.toggle('SSH Brute')).toBe(false);
    expect(e.list()[0].enabled).toBe(false);
    expect(e.takeNotes()).toEqual([
      {
        text: `${copy}: could not save the state of rule "SSH Brute": ${copy} already exists (made since NetGuard started); not replaced (it stays disabled for this run only)`,
        saved: false,
      },
    ]);
    expect(readFileSync(copy, 'utf8')).toBe('rules: []\n');
    expect(readFileSync(shipped, 'utf8')).toBe(before);
  });

  it('a rules file that cannot be written: the toggle holds for this run and the note says why', () => {
    const f = tempRules();
    const e = new RuleEngine(() => undefined);
    e.loadFile(f);
    // The file is replaced by a directory after loading: the save's rename must fail.
    rmSync(f);
    mkdirSync(f);
    expect(e.toggle('SSH Brute')).toBe(false);
    const notes = e.takeNotes();
    expect(notes).toHaveLength(1);
    expect(notes[0].saved).toBe(false);
    expect(notes[0].text).toMatch(new RegExp(`^${f.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}: could not save the state of rule "SSH Brute": .+ \\(it stays disabled for this run only\\)$`));
  });

  it('reload picks up changes; a reload with errors under traffic keeps the running rules', () => {
    const f = tempRules();
    const got: Detection[] = [];
    const e = new RuleEngine((d) => got.push(d));
    e.loadFile(f);
    let t = 1_000_000;
    const burst = (n: number, dport = 22): void => {
      for (let i = 0; i < n; i++) e.onPacket(at(pkt({ src: `10.1.0.${(t / 7) & 255}`, dport }), (t += 1)));
    };
    burst(50);
    // Break the file mid-traffic: the reload fails, says where, and the rules keep working.
    writeFileSync(f, SSH.replace('tcp.dst_port == 22', 'tcp.dst_port == 22 andd tcp'));
    const r = e.reload();
    expect(r.ok).toBe(false);
    expect(r.message).toMatch(/keeping the 1 running rules/);
    expect(r.message).toMatch(/rules\.yaml:5:\d+: rule "SSH Brute": expected 'and', 'or' or the end of the condition, found 'andd'/);
    const before = got.length;
    t += 60_000;
    burst(5);
    expect(got.length).toBe(before + 1);
    expect(e.list()[0].condition).toBe('tcp.dst_port == 22 and tcp.flags.syn and not tcp.flags.ack');
    // Fix it with a different port: the reload takes effect.
    writeFileSync(f, SSH.replace('tcp.dst_port == 22', 'tcp.dst_port == 2222'));
    expect(e.reload()).toEqual({ ok: true, message: `reloaded 1 rules from ${f} (1 enabled)` });
    t += 60_000;
    burst(5, 22);
    expect(got.length).toBe(before + 1);
    burst(5, 2222);
    expect(got.length).toBe(before + 2);
  });

  it('a missing rules file is an error naming it', () => {
    const e = new RuleEngine(() => undefined);
    expect(e.loadFile('/nonexistent/rules.yaml').errors).toEqual(['/nonexistent/rules.yaml: rules file not found']);
    expect(e.reload().ok).toBe(false);
  });
});

describe('the shipped rules.yaml', () => {
  it('loads without errors and its SSH rule fires on 10 SYNs to port 22', () => {
    const got: Detection[] = [];
    const e = new RuleEngine((d) => got.push(d));
    const r = e.load(readFileSync(path.join(ROOT, 'rules.yaml'), 'utf8'), 'rules.yaml');
    expect(r.errors).toEqual([]);
    expect(r.rules).toBeGreaterThanOrEqual(8);
    for (let i = 0; i < 10; i++) e.onPacket(at(pkt({ src: '198.51.100.7', dport: 22, flags: 0x02 }), 5000 + i * 100));
    expect(got.map((d) => d.details.rule)).toContain('SSH Bruteforce Detection');
    e.onPacket(at(pkt({ proto: 'udp', dport: 53, qname: 'login.example.xyz' }), 9000));
    expect(got.map((d) => d.details.rule)).toContain('DNS Query to Suspicious TLD');
    e.onPacket(at(pkt({ dport: 80, flags: 0x18, http: { method: 'GET', uri: '/phpmyadmin/index.php' } }), 9100));
    expect(got.map((d) => d.details.rule)).toContain('HTTP Admin Path');
    e.onPacket(at(pkt({ src: '198.51.100.8', dport: 5901 }), 9200));
    expect(got.map((d) => d.details.rule)).toContain('External Access to Private Service');
  });
});
