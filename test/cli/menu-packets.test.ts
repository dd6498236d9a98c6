// The menu's packet searches: a file is read back whole (and numbered as the run numbered it), a live
// run's packets are held up to -c, and fewer held than seen, or a changed file, is said.
import { appendFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MenuPackets } from '../../src/cli/menu-packets.js';
import { tcpFrame, writeTcpPcap, type Segment } from '../helpers/gen-pcap.js';

let dir = '';
const seg = (i: number): Segment => ({ src: '10.9.0.1', dst: '10.9.0.2', sport: 30000 + i, dport: i % 2 ? 22 : 80, flags: 0x02 });

beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'ng-menu-packets-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('MenuPackets', () => {
  it('reads every packet of a file back, numbered from 1, up to the count the run processed', async () => {
    const file = path.join(dir, 'ten.pcap');
    writeTcpPcap(file, Array.from({ length: 10 }, (_, i) => seg(i + 1)));
    const all = new MenuPackets({ file, filter: '', hold: 0, total: () => 8 });
    await all.start();
    const r = await all.search((p) => p.dstPort === 22);
    expect(r.rows.map((p) => [p.n, p.srcPort])).toEqual([
      [1, 30001],
      [3, 30003],
      [5, 30005],
      [7, 30007],
    ]);
    expect(r.rows[0].layers).toEqual(['IPv4', 'IP', 'TCP']);
    expect([r.searched, r.total, r.note]).toEqual([8, 8, null]);
  });

  it('numbers a file read with -f as the run did: in the filtered stream', async () => {
    const file = path.join(dir, 'ten-f.pcap');
    writeTcpPcap(file, Array.from({ length: 10 }, (_, i) => seg(i + 1)));
    const all = new MenuPackets({ file, filter: 'tcp port 22', hold: 0, total: () => 5 });
    await all.start();
    const r = await all.search(() => true);
    expect(r.rows.map((p) => [p.n, p.srcPort])).toEqual([1, 3, 5, 7, 9].map((k, i) => [i + 1, 30000 + k]));
  });

  it('says so, and finds nothing, when the file changed since it was read', async () => {
    const file = path.join(dir, 'changed.pcap');
    writeTcpPcap(file, [seg(1)]);
    const all = new MenuPackets({ file, filter: '', hold: 0, total: () => 1 });
    await all.start();
    appendFileSync(file, Buffer.alloc(16));
    const r = await all.search(() => true);
    expect(r.rows).toEqual([]);
    expect(r.note).toBe(`${file} changed or is gone since it was read: nothing to search; read it again`);
  });

  it('holds a live run’s packets up to its -c, and says when it kept fewer than it saw', async () => {
    let seen = 0;
    const live = new MenuPackets({ file: null, filter: '', hold: 4, total: () => seen });
    for (let i = 1; i <= 6; i++) {
      const f = tcpFrame(seg(i));
      seen = i;
      live.onPacket({ ts: 1_800_000_000_000 + i, caplen: f.length, len: f.length, linkType: 1, data: f, off: 0, ifIndex: 0 }, i);
    }
    const r = await live.search(() => true);
    expect(r.rows.map((p) => p.n)).toEqual([3, 4, 5, 6]);
    expect(r.note).toBe('this run kept the last 4 of its 6 packets in memory (at most 4 packets and 128 MiB); searches cover those');
    const whole = new MenuPackets({ file: null, filter: '', hold: 4, total: () => 2 });
    for (let i = 1; i <= 2; i++) {
      const f = tcpFrame(seg(i));
      whole.onPacket({ ts: i, caplen: f.length, len: f.length, linkType: 1, data: f, off: 0, ifIndex: 0 }, i);
    }
    expect((await whole.search(() => true)).note).toBeNull();
  });
});
