// Packet kinds and the engine's dispatch by them: a detector that declares the kinds it wants never
// sees other packets, and the kinds it declares match what it does, so calling it only with those
// packets raises exactly what calling it with every packet raises (on recorded scans, floods, HTTP
// attacks, malformed captures and a generated attack mix).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CORPUS, ROOT } from '../helpers/netguard.js';
import { openFile } from '../../src/capture/index.js';
import type { RawPacket } from '../../src/capture/types.js';
import { Packet, Reassembler, decodePacket } from '../../src/decode/index.js';
import { DETECTOR_NAMES, PK_EVENTS, PK_IP, PK_TCP, PK_TCP_DATA, PK_TCP_SYN, createDetectors, packetKinds } from '../../src/detect/index.js';
import type { Detector } from '../../src/detect/types.js';
import { Engine } from '../../src/engine/engine.js';
import { AlertFunnel } from '../../src/alert/funnel.js';
import type { Detection } from '../../src/alert/types.js';
import { defaultSettings } from '../../src/config/schema.js';
import { ATTACK, generateMixed } from '../../bench/traffic-gen.js';
import { ACK, FIN, PSH, RST, SYN, SYNACK, echo, tcp, udp } from './packets.js';
import { at } from '../helpers/packet-time.js';

const FX = path.join(ROOT, 'test/fixtures/detect');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ng-packet-kinds-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe('packetKinds', () => {
  it('names a packet by its IP layer, decoder events and TCP flags and payload', () => {
    expect(packetKinds(tcp('10.0.0.1', 40000, '10.0.0.2', 80, SYN))).toBe(PK_IP | PK_TCP | PK_TCP_SYN);
    expect(packetKinds(tcp('10.0.0.1', 40000, '10.0.0.2', 80, SYN | FIN))).toBe(PK_IP | PK_TCP | PK_TCP_SYN);
    expect(packetKinds(tcp('10.0.0.2', 80, '10.0.0.1', 40000, SYNACK))).toBe(PK_IP | PK_TCP);
    expect(packetKinds(tcp('10.0.0.1', 40000, '10.0.0.2', 80, SYN | RST))).toBe(PK_IP | PK_TCP);
    expect(packetKinds(tcp('10.0.0.1', 40000, '10.0.0.2', 80, ACK))).toBe(PK_IP | PK_TCP);
    expect(packetKinds(tcp('10.0.0.1', 40000, '10.0.0.2', 80, PSH | ACK, { payload: 'GET / HTTP/1.1\r\n\r\n' }))).toBe(PK_IP | PK_TCP | PK_TCP_DATA);
    // Data on a SYN (TCP Fast Open) is both; data on a RST is neither.
    expect(packetKinds(tcp('10.0.0.1', 40000, '10.0.0.2', 80, SYN, { payload: 'x' }))).toBe(PK_IP | PK_TCP | PK_TCP_SYN | PK_TCP_DATA);
    expect(packetKinds(tcp('10.0.0.1', 40000, '10.0.0.2', 80, RST | ACK, { payload: 'x' }))).toBe(PK_IP | PK_TCP);
    expect(packetKinds(tcp('2001:db8::1', 40000, '2001:db8::2', 22, SYN))).toBe(PK_IP | PK_TCP | PK_TCP_SYN);
    expect(packetKinds(udp('10.0.0.1', 5353, '10.0.0.2', 53, 30))).toBe(PK_IP);
    expect(packetKinds(echo('10.0.0.1', '10.0.0.2'))).toBe(PK_IP);
    const bad = udp('10.0.0.1', 5353, '10.0.0.2', 53, 30);
    bad.events.push('decode.dns.pointer_loop');
    expect(packetKinds(bad)).toBe(PK_IP | PK_EVENTS);
    // Not IP at all (an ARP frame, an unknown ethertype): no kind, unless the decoder complained.
    const arp = new Packet();
    expect(packetKinds(arp)).toBe(0);
    arp.events.push('decode.eth.truncated');
    expect(packetKinds(arp)).toBe(PK_EVENTS);
  });
});

/** Captures with scans (TCP and UDP, v4 and v6), floods, sweeps, HTTP attacks and malformed packets. */
const CAPTURES = [
  path.join(FX, 'nmap-sS.pcap'),
  path.join(FX, 'nmap-sT.pcap'),
  path.join(FX, 'nmap-sU.pcap'),
  path.join(FX, 'nmap-6-sS.pcap'),
  path.join(FX, 'nmap-sX.pcap'),
  path.join(FX, 'nmap-sweep-22.pcap'),
  path.join(FX, 'hping3-flood-rand-source.pcap'),
  path.join(FX, 'http-attacks.pcap'),
  path.join(CORPUS, 'ndpi/badpackets.pcap'),
  path.join(CORPUS, 'ndpi/synscan.pcap'),
];

/** Decodes a capture once; each packet is re-decoded into a fresh Packet when a run needs it. */
async function frames(file: string): Promise<RawPacket[]> {
  const out: RawPacket[] = [];
  await openFile(file).run((raw) => {
    out.push({ ...raw, data: raw.data.slice(raw.off, raw.off + raw.caplen), off: 0 });
  });
  return out;
}

/**
 * Feeds frames to a fresh detector set as the engine does (packet time, a tick per second, ten after
 * the end, then finish) and returns the detections as JSON lines. `filtered`: a detector only gets
 * the packets of a kind it wants, as the engine hands them out.
 */
function run(raws: RawPacket[], filtered: boolean): string[] {
  const out: string[] = [];
  const dets = createDetectors(defaultSettings(), (d: Detection) => out.push(JSON.stringify(d)));
  const pkt = new Packet();
  const reasm = new Reassembler();
  let last = 0;
  let nextTick = 0;
  raws.forEach((raw, i) => {
    const p = decodePacket(raw, i + 1, pkt, reasm);
    if (raw.ts > last) last = raw.ts;
    const k = packetKinds(p);
    for (const d of dets) if (!filtered || d.wants === undefined || (d.wants & k) !== 0) d.onPacket(at(p, last));
    if (last >= nextTick) {
      nextTick = last + 1000;
      for (const d of dets) d.onTick?.(last);
    }
  });
  for (let t = last + 1000; t <= last + 10_000; t += 1000) for (const d of dets) d.onTick?.(t);
  for (const d of dets) d.finish?.(last + 10_000);
  return out;
}

describe('detectors declare the packet kinds they use', () => {
  it('syn-flood, connection-flood, payload, suspicious-port and decode-anomaly declare kinds; the others take every packet', () => {
    const dets = createDetectors(defaultSettings(), () => undefined);
    expect(dets.map((d) => d.name)).toEqual([...DETECTOR_NAMES]);
    expect(Object.fromEntries(dets.map((d) => [d.name, d.wants ?? 'all']))).toEqual({
      'decoy-scan': 'all',
      scan: 'all',
      'distributed-scan': 'all',
      'port-sweep': 'all',
      'syn-flood': PK_TCP,
      'connection-flood': PK_TCP,
      'traffic-baseline': 'all',
      payload: PK_TCP_DATA,
      'suspicious-port': PK_TCP_SYN,
      'decode-anomaly': PK_EVENTS,
    });
  });

  it.each(CAPTURES.map((f) => [path.relative(ROOT, f).replace(/^\.\.\/shared\//, ''), f]))(
    '%s: given only the packets they want, the detectors raise exactly what they raise given every packet',
    async (_name, file) => {
      const raws = await frames(file);
      const all = run(raws, false);
      expect(all.length).toBeGreaterThan(0);
      expect(run(raws, true)).toEqual(all);
    },
    60_000,
  );

  it('a generated attack mix (scans, a spoofed SYN flood, SSH attempts, web and DNS): the same detections', async () => {
    const file = path.join(tmp, 'attack.pcap');
    generateMixed(file, 60_000, 7, ATTACK);
    const raws = await frames(file);
    const all = run(raws, false);
    expect(all.length).toBeGreaterThan(10);
    expect(run(raws, true)).toEqual(all);
  }, 120_000);

  it('a packet of no wanted kind changes nothing a detector shows: no detection and the same status', async () => {
    const raws = [...(await frames(path.join(FX, 'http-attacks.pcap'))), ...(await frames(path.join(CORPUS, 'ndpi/badpackets.pcap')))];
    for (const name of DETECTOR_NAMES) {
      const raised: Detection[] = [];
      const [d] = createDetectors(defaultSettings(), (x) => raised.push(x), { only: [name] });
      if (d.wants === undefined) continue;
      const pkt = new Packet();
      let skipped = 0;
      raws.forEach((raw, i) => {
        const p = decodePacket(raw, i + 1, pkt, null);
        const wanted = (d.wants! & packetKinds(p)) !== 0;
        const before = JSON.stringify(d.status?.());
        const n = raised.length;
        d.onPacket(at(p, raw.ts));
        if (!wanted) {
          skipped++;
          expect(raised.length, `${name} raised on packet ${i + 1}`).toBe(n);
          expect(JSON.stringify(d.status?.()), `${name} changed on packet ${i + 1}`).toBe(before);
        }
      });
      expect(skipped, name).toBeGreaterThan(0);
    }
  });
});

describe('the engine dispatches by packet kind', () => {
  it('a detector sees only packets of the kinds it wants, the others every packet, in list order', async () => {
    const seen: string[] = [];
    const spy = (name: string, wants?: number): Detector => ({
      name,
      wants,
      onPacket: (p) => {
        seen.push(`${name}:${p.n}`);
      },
    });
    // A detector written as a class reads its own fields through `this` (the engine calls each onPacket
    // with its detector as receiver).
    class Counting implements Detector {
      readonly name = 'class';
      readonly wants = PK_TCP;
      packets = 0;
      onPacket(p: Packet): void {
        this.packets++;
        seen.push(`${this.name}:${p.n}`);
      }
    }
    const counting = new Counting();
    const engine = new Engine({
      source: 'test.pcap',
      live: false,
      filter: '',
      historySize: 0,
      funnel: new AlertFunnel({ suppressionMs: () => 60_000 }),
      detectors: () => [spy('all'), spy('syn', PK_TCP_SYN), spy('data-or-events', PK_TCP_DATA | PK_EVENTS), counting, spy('tcp', PK_TCP)],
    });
    // Web requests, an nmap SYN scan, malformed packets (decoder events), UDP and ICMP among them.
    const raws = [
      ...(await frames(path.join(FX, 'http-attacks.pcap'))),
      ...(await frames(path.join(FX, 'nmap-sU.pcap'))),
      ...(await frames(path.join(CORPUS, 'ndpi/badpackets.pcap'))),
    ];
    // What each spy must see, from each frame decoded on its own.
    const want: string[] = [];
    const count: Record<string, number> = { syn: 0, 'data-or-events': 0, class: 0, tcp: 0 };
    raws.forEach((raw, i) => {
      const k = packetKinds(decodePacket(raw, i + 1, new Packet(), new Reassembler()));
      want.push(`all:${i + 1}`);
      for (const [name, bits] of [['syn', PK_TCP_SYN], ['data-or-events', PK_TCP_DATA | PK_EVENTS], ['class', PK_TCP], ['tcp', PK_TCP]] as const) {
        if ((k & bits) !== 0) {
          want.push(`${name}:${i + 1}`);
          count[name]++;
        }
      }
    });
    for (const raw of raws) engine.handle(raw);
    expect(seen).toEqual(want);
    expect(counting.packets).toBe(count.class);
    // Each filtered spy saw some packets and missed some.
    for (const name of Object.keys(count)) {
      expect(count[name], name).toBeGreaterThan(0);
      expect(count[name], name).toBeLessThan(raws.length);
    }
  });
});
