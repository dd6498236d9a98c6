// Synthetic traffic for the benchmark: Ethernet frames of interleaved sessions (TCP handshakes, HTTP
// and TLS-like data, FIN and RST teardowns; DNS queries and answers; NTP; ICMP echo; IPv6; 802.1Q
// VLAN tags), and a spoofed-source SYN flood. Deterministic (seeded), so every run reads the same file.
import { PcapWriter } from './pcap-file.js';

/** A small deterministic PRNG (mulberry32). */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const FIN = 0x01;
const SYN = 0x02;
const RST = 0x04;
const PSH = 0x08;
const ACK = 0x10;

interface Endpoint {
  v6: boolean;
  /** IPv4 as a number, or 16 bytes. */
  ip4: number;
  ip6: Uint8Array;
  mac: number;
}

interface FrameSpec {
  src: Endpoint;
  dst: Endpoint;
  vlan: number;
  proto: number;
  sport: number;
  dport: number;
  flags: number;
  seq: number;
  ack: number;
  synOpts: boolean;
  icmpType: number;
  icmpId: number;
  icmpSeq: number;
  payload: Uint8Array | null;
  payloadLen: number;
}

const scratch = new Uint8Array(2048);
let ipId = 1;

function put16(b: Uint8Array, o: number, v: number): void {
  b[o] = (v >>> 8) & 255;
  b[o + 1] = v & 255;
}
function put32(b: Uint8Array, o: number, v: number): void {
  b[o] = (v >>> 24) & 255;
  b[o + 1] = (v >>> 16) & 255;
  b[o + 2] = (v >>> 8) & 255;
  b[o + 3] = v & 255;
}
function putMac(b: Uint8Array, o: number, m: number): void {
  const hi = Math.floor(m / 0x100000000);
  put16(b, o, hi);
  put32(b, o + 2, m >>> 0);
}

/** Builds one Ethernet frame into a fresh Uint8Array. */
function frame(f: FrameSpec): Uint8Array {
  const b = scratch;
  let o = 0;
  putMac(b, 0, f.dst.mac);
  putMac(b, 6, f.src.mac);
  o = 12;
  if (f.vlan > 0) {
    put16(b, 12, 0x8100);
    put16(b, 14, f.vlan);
    o = 16;
  }
  const v6 = f.src.v6;
  put16(b, o, v6 ? 0x86dd : 0x0800);
  o += 2;
  const ipStart = o;
  const l4Len =
    f.proto === 6 ? (f.synOpts ? 32 : 20) : f.proto === 17 ? 8 : 8;
  const payLen = f.payload ? f.payload.length : f.payloadLen;
  if (!v6) {
    const total = 20 + l4Len + payLen;
    b[o] = 0x45;
    b[o + 1] = 0;
    put16(b, o + 2, total);
    put16(b, o + 4, ipId++ & 0xffff);
    put16(b, o + 6, 0x4000);
    b[o + 8] = 64;
    b[o + 9] = f.proto;
    put16(b, o + 10, 0);
    put32(b, o + 12, f.src.ip4);
    put32(b, o + 16, f.dst.ip4);
    let sum = 0;
    for (let i = 0; i < 20; i += 2) sum += (b[o + i] << 8) | b[o + i + 1];
    while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
    put16(b, o + 10, ~sum & 0xffff);
    o += 20;
  } else {
    put32(b, o, 0x60000000);
    put16(b, o + 4, l4Len + payLen);
    b[o + 6] = f.proto === 1 ? 58 : f.proto;
    b[o + 7] = 64;
    b.set(f.src.ip6, o + 8);
    b.set(f.dst.ip6, o + 24);
    o += 40;
  }
  if (f.proto === 6) {
    put16(b, o, f.sport);
    put16(b, o + 2, f.dport);
    put32(b, o + 4, f.seq >>> 0);
    put32(b, o + 8, f.ack >>> 0);
    b[o + 12] = (l4Len / 4) << 4;
    b[o + 13] = f.flags;
    put16(b, o + 14, 64240);
    put16(b, o + 16, 0);
    put16(b, o + 18, 0);
    if (f.synOpts) {
      // MSS 1460, SACK permitted, window scale 7, NOPs: 12 bytes.
      b.set([2, 4, 0x05, 0xb4, 4, 2, 1, 1, 1, 3, 3, 7], o + 20);
    }
  } else if (f.proto === 17) {
    put16(b, o, f.sport);
    put16(b, o + 2, f.dport);
    put16(b, o + 4, 8 + payLen);
    put16(b, o + 6, 0);
  } else {
    b[o] = f.icmpType;
    b[o + 1] = 0;
    put16(b, o + 2, 0);
    put16(b, o + 4, f.icmpId);
    put16(b, o + 6, f.icmpSeq);
  }
  o += l4Len;
  if (f.payload) b.set(f.payload, o);
  else b.fill(0x61 + (payLen & 7), o, o + payLen);
  o += payLen;
  void ipStart;
  return b.slice(0, Math.max(o, 60));
}

function spec(src: Endpoint, dst: Endpoint, vlan: number, proto: number, sport: number, dport: number): FrameSpec {
  return { src, dst, vlan, proto, sport, dport, flags: 0, seq: 0, ack: 0, synOpts: false, icmpType: 0, icmpId: 0, icmpSeq: 0, payload: null, payloadLen: 0 };
}

const enc = new TextEncoder();

function dnsName(name: string): number[] {
  const out: number[] = [];
  for (const label of name.split('.')) {
    out.push(label.length, ...enc.encode(label));
  }
  out.push(0);
  return out;
}

function dnsQuery(id: number, name: string, type: number): Uint8Array {
  return new Uint8Array([id >> 8, id & 255, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0, ...dnsName(name), 0, type, 0, 1]);
}

function dnsAnswer(id: number, name: string, type: number, nx: boolean, addrs: Uint8Array[]): Uint8Array {
  const ans: number[] = [];
  for (const a of addrs) ans.push(0xc0, 12, 0, type, 0, 1, 0, 0, 0x0e, 0x10, 0, a.length, ...a);
  const n = nx ? 0 : addrs.length;
  return new Uint8Array([id >> 8, id & 255, 0x81, nx ? 0x83 : 0x80, 0, 1, 0, n, 0, 0, 0, 0, ...dnsName(name), 0, type, 0, 1, ...(nx ? [] : ans)]);
}

/** How many hosts a mix spreads over, and whether attacks are interleaved with it. */
export interface MixOptions {
  clients4: number;
  servers4: number;
  clients6: number;
  servers6: number;
  /**
   * Share of new sessions that are attacks (0: none): port scans (SYN, FIN, NULL and UDP probes from a
   * few scanners across a few targets' ports), a spoofed-source SYN flood against one web server, and
   * SSH login attempts (short sessions to port 22) from a large pool of addresses.
   */
  attack: number;
}

/** The decode + flow stages' capture: a few hundred hosts, no attacks. */
export const MIXED: MixOptions = { clients4: 400, servers4: 200, clients6: 100, servers6: 50, attack: 0 };
/** The full pipeline's benign mix: web, TLS-like, DNS, NTP and ICMP among a few thousand hosts. */
export const BENIGN: MixOptions = { clients4: 3000, servers4: 600, clients6: 300, servers6: 100, attack: 0 };
/** The benign mix with scans, a spoofed SYN flood and SSH attempts interleaved (a quarter of the sessions). */
export const ATTACK: MixOptions = { ...BENIGN, attack: 0.25 };

/** Generates a mixed-traffic capture. Returns packets and bytes written. */
export function generateMixed(path: string, packets: number, seed = 1, mix: MixOptions = MIXED): { packets: number; bytes: number } {
  const r = rng(seed);
  const w = new PcapWriter(path);
  const int = (n: number): number => Math.floor(r() * n);
  const mac = (): number => 0x020000000000 + int(0xffffffff);
  const ep4 = (ip: number): Endpoint => ({ v6: false, ip4: ip >>> 0, ip6: new Uint8Array(16), mac: mac() });
  const ep6 = (last: number): Endpoint => {
    const ip6 = new Uint8Array(16);
    ip6.set([0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, (last >> 8) & 255, last & 255]);
    return { v6: true, ip4: 0, ip6, mac: mac() };
  };
  const clients4 = Array.from({ length: mix.clients4 }, (_, i) => ep4(0xc0a80000 + 10 + i)); // 192.168.x.y
  const servers4 = Array.from({ length: mix.servers4 }, (_, i) => ep4(0x5db80000 + 1 + i * 7)); // 93.184.x.y
  const clients6 = Array.from({ length: mix.clients6 }, (_, i) => ep6(0x1000 + i));
  const servers6 = Array.from({ length: mix.servers6 }, (_, i) => ep6(0x2000 + i));
  const resolver4 = ep4(0xc0a80001);
  const resolver6 = ep6(0x53);
  const names = Array.from({ length: 500 }, (_, i) => `host${i}.${['example.com', 'example.org', 'test.net', 'cdn.example'][i % 4]}`);
  const pick = <T>(a: T[]): T => a[int(a.length)];

  type Session = { frames: Uint8Array[]; i: number };
  const tcpSession = (v6: boolean): Session => {
    const c = v6 ? pick(clients6) : pick(clients4);
    const s = v6 ? pick(servers6) : pick(servers4);
    const vlan = !v6 && r() < 0.1 ? 100 + int(4) : 0;
    const sport = 32768 + int(28000);
    const kind = r();
    const dport = kind < 0.45 ? 80 : kind < 0.9 ? 443 : pick([22, 25, 3306, 8080]);
    const out: Uint8Array[] = [];
    const cs = spec(c, s, vlan, 6, sport, dport);
    const sc = spec(s, c, vlan, 6, dport, sport);
    let cseq = int(0xffffffff);
    let sseq = int(0xffffffff);
    const send = (f: FrameSpec, flags: number, seq: number, ack: number, payload: Uint8Array | null, payloadLen = 0, synOpts = false): void => {
      f.flags = flags;
      f.seq = seq;
      f.ack = ack;
      f.payload = payload;
      f.payloadLen = payloadLen;
      f.synOpts = synOpts;
      out.push(frame(f));
    };
    send(cs, SYN, cseq, 0, null, 0, true);
    if (r() < 0.05) {
      // Closed port: the server answers the SYN with RST.
      send(sc, RST | ACK, 0, cseq + 1, null);
      return { frames: out, i: 0 };
    }
    send(sc, SYN | ACK, sseq, cseq + 1, null, 0, true);
    cseq++;
    sseq++;
    send(cs, ACK, cseq, sseq, null);
    const rounds = 1 + int(3);
    for (let k = 0; k < rounds; k++) {
      let req: Uint8Array;
      if (dport === 80) req = enc.encode(`GET /page/${int(10000)}.html HTTP/1.1\r\nHost: ${pick(names)}\r\nUser-Agent: netguard-bench/1.0\r\nAccept: */*\r\n\r\n`);
      else {
        req = new Uint8Array(80 + int(400));
        for (let i = 0; i < req.length; i++) req[i] = int(256);
      }
      send(cs, PSH | ACK, cseq, sseq, req);
      cseq += req.length;
      const segs = 1 + int(6);
      for (let q = 0; q < segs; q++) {
        const len = q === segs - 1 ? 200 + int(1200) : 1448;
        let payload: Uint8Array | null = null;
        if (q === 0 && dport === 80) {
          const head = enc.encode(`HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: ${segs * 1448}\r\n\r\n`);
          payload = new Uint8Array(len);
          payload.fill(0x78);
          payload.set(head, 0);
        }
        send(sc, q === segs - 1 ? PSH | ACK : ACK, sseq, cseq, payload, len);
        sseq += len;
        if (q % 2 === 1 || q === segs - 1) send(cs, ACK, cseq, sseq, null);
      }
    }
    if (r() < 0.1) {
      send(cs, RST | ACK, cseq, sseq, null);
    } else {
      send(cs, FIN | ACK, cseq, sseq, null);
      send(sc, ACK, sseq, cseq + 1, null);
      send(sc, FIN | ACK, sseq, cseq + 1, null);
      send(cs, ACK, cseq + 1, sseq + 1, null);
    }
    return { frames: out, i: 0 };
  };
  const dnsSession = (v6: boolean): Session => {
    const c = v6 ? pick(clients6) : pick(clients4);
    const s = v6 ? resolver6 : resolver4;
    const vlan = !v6 && r() < 0.1 ? 100 : 0;
    const sport = 10000 + int(50000);
    const id = int(65536);
    const name = pick(names);
    const type = v6 ? 28 : r() < 0.7 ? 1 : 28;
    const q = spec(c, s, vlan, 17, sport, 53);
    q.payload = dnsQuery(id, name, type);
    const a = spec(s, c, vlan, 17, 53, sport);
    const nx = r() < 0.05;
    const addrs = Array.from({ length: 1 + int(3) }, () => (type === 1 ? new Uint8Array([93, 184, int(256), int(256)]) : new Uint8Array(16).map(() => int(256))));
    a.payload = dnsAnswer(id, name, type, nx, addrs);
    return { frames: [frame(q), frame(a)], i: 0 };
  };
  const ntpSession = (): Session => {
    const c = pick(clients4);
    const s = pick(servers4);
    const sport = 10000 + int(50000);
    const q = spec(c, s, 0, 17, sport, 123);
    q.payloadLen = 48;
    const a = spec(s, c, 0, 17, 123, sport);
    a.payloadLen = 48;
    return { frames: [frame(q), frame(a)], i: 0 };
  };
  const pingSession = (v6: boolean): Session => {
    const c = v6 ? pick(clients6) : pick(clients4);
    const s = v6 ? pick(servers6) : pick(servers4);
    const id = int(65536);
    const out: Uint8Array[] = [];
    for (let k = 0; k < 4; k++) {
      const q = spec(c, s, 0, 1, 0, 0);
      q.icmpType = v6 ? 128 : 8;
      q.icmpId = id;
      q.icmpSeq = k + 1;
      q.payloadLen = 56;
      out.push(frame(q));
      const a = spec(s, c, 0, 1, 0, 0);
      a.icmpType = v6 ? 129 : 0;
      a.icmpId = id;
      a.icmpSeq = k + 1;
      a.payloadLen = 56;
      out.push(frame(a));
    }
    return { frames: out, i: 0 };
  };
  // Attacks. Scanners walk the ports of their targets in order with one probe kind each; the flood's
  // sources are spoofed (a bijection on 32 bits, so distinct); SSH attempts come from a 60,000-address pool.
  const scanners = Array.from({ length: 8 }, (_, i) => ({ ep: ep4(0xcb007100 + 10 + i), target: pick(servers4), port: 1, kind: i % 4 }));
  const floodVictim = servers4[0];
  let floodN = 0;
  const sshServer = servers4[1];
  const scanProbe = (): Session => {
    const sc = pick(scanners);
    if (sc.port > 1024) {
      sc.port = 1;
      sc.target = pick(servers4);
    }
    const port = sc.port++;
    const open = port === 22 || port === 80 || port === 443;
    const sport = 40000 + (port & 0xfff);
    if (sc.kind === 3) {
      // UDP probe; a closed port answers with ICMP port unreachable (carrying the probe's headers).
      const q = spec(sc.ep, sc.target, 0, 17, sport, port);
      const probe = frame(q);
      if (open || r() < 0.3) return { frames: [probe], i: 0 };
      const u = spec(sc.target, sc.ep, 0, 1, 0, 0);
      u.icmpType = 3;
      u.payload = probe.subarray(14, 14 + 28);
      const f = frame(u);
      f[14 + 20 + 1] = 3; // code: port unreachable
      return { frames: [probe, f], i: 0 };
    }
    const q = spec(sc.ep, sc.target, 0, 6, sport, port);
    q.flags = sc.kind === 0 ? SYN : sc.kind === 1 ? FIN : 0;
    q.seq = int(0xffffffff);
    const a = spec(sc.target, sc.ep, 0, 6, port, sport);
    if (sc.kind === 0 && open) {
      a.flags = SYN | ACK;
      a.ack = q.seq + 1;
      const rst = spec(sc.ep, sc.target, 0, 6, sport, port);
      rst.flags = RST;
      rst.seq = q.seq + 1;
      return { frames: [frame(q), frame(a), frame(rst)], i: 0 };
    }
    if (sc.kind !== 0 && open) return { frames: [frame(q)], i: 0 };
    a.flags = RST | ACK;
    a.ack = q.seq + 1;
    return { frames: [frame(q), frame(a)], i: 0 };
  };
  const floodSyn = (): Session => {
    const ip = (Math.imul(++floodN, 0x9e3779b1) >>> 0) | 0x01000000;
    const src: Endpoint = { v6: false, ip4: ip >>> 0, ip6: floodVictim.ip6, mac: 0x020000000001 };
    const sport = 1024 + int(64000);
    const f = spec(src, floodVictim, 0, 6, sport, 80);
    f.flags = SYN;
    f.seq = int(0xffffffff);
    if (r() < 0.5) return { frames: [frame(f)], i: 0 };
    const a = spec(floodVictim, src, 0, 6, 80, sport);
    a.flags = SYN | ACK;
    a.seq = int(0xffffffff);
    a.ack = f.seq + 1;
    return { frames: [frame(f), frame(a)], i: 0 };
  };
  const sshAttempt = (): Session => {
    const c = ep4(0x64400000 + int(60000)); // 100.64.x.y
    const sport = 32768 + int(28000);
    const cs = spec(c, sshServer, 0, 6, sport, 22);
    const sc = spec(sshServer, c, 0, 6, 22, sport);
    const out: Uint8Array[] = [];
    let cseq = int(0xffffffff);
    let sseq = int(0xffffffff);
    const send = (f: FrameSpec, flags: number, seq: number, ack: number, len: number, synOpts = false): void => {
      f.flags = flags;
      f.seq = seq;
      f.ack = ack;
      f.payloadLen = len;
      f.synOpts = synOpts;
      out.push(frame(f));
    };
    send(cs, SYN, cseq, 0, 0, true);
    send(sc, SYN | ACK, sseq, cseq + 1, 0, true);
    cseq++;
    sseq++;
    send(cs, ACK, cseq, sseq, 0);
    // Banner exchange, key exchange and one failed password, then the server closes.
    for (const [fromClient, len] of [[false, 41], [true, 38], [true, 1080], [false, 1100], [true, 420], [false, 60]] as const) {
      if (fromClient) {
        send(cs, PSH | ACK, cseq, sseq, len);
        cseq += len;
      } else {
        send(sc, PSH | ACK, sseq, cseq, len);
        sseq += len;
      }
    }
    send(sc, FIN | ACK, sseq, cseq, 0);
    send(cs, FIN | ACK, cseq, sseq + 1, 0);
    send(sc, ACK, sseq + 1, cseq + 1, 0);
    return { frames: out, i: 0 };
  };

  const newSession = (): Session => {
    if (mix.attack > 0) {
      const a = r();
      if (a < mix.attack) {
        const k = a / mix.attack;
        return k < 0.45 ? scanProbe() : k < 0.85 ? floodSyn() : sshAttempt();
      }
    }
    const x = r();
    if (x < 0.55) return tcpSession(false);
    if (x < 0.63) return tcpSession(true);
    if (x < 0.85) return dnsSession(false);
    if (x < 0.88) return dnsSession(true);
    if (x < 0.94) return ntpSession();
    if (x < 0.98) return pingSession(false);
    return pingSession(true);
  };

  // Many sessions in flight at once, their packets interleaved, 10 us apart (100k packets/s of traffic).
  const live: Session[] = Array.from({ length: 512 }, newSession);
  let tsUs = 1_700_000_000_000_000;
  for (let n = 0; n < packets; n++) {
    const k = int(live.length);
    const s = live[k];
    w.write(s.frames[s.i++], tsUs);
    tsUs += 5 + int(10);
    if (s.i >= s.frames.length) live[k] = newSession();
  }
  w.close();
  return { packets: w.packets, bytes: w.bytes };
}

/**
 * A spoofed SYN flood as `hping3 -S --flood --rand-source -p 80` produces it, seen on the victim: one
 * SYN from each of `sources` distinct addresses, most answered by the victim's SYN/ACK.
 */
export function generateSynFlood(path: string, sources: number, seed = 2): { packets: number; bytes: number } {
  const r = rng(seed);
  const w = new PcapWriter(path);
  const victim: Endpoint = { v6: false, ip4: 0x0a000002, ip6: new Uint8Array(16), mac: 0x020000000002 };
  const attackerMac = 0x020000000001;
  let tsUs = 1_700_000_000_000_000;
  // Distinct sources: an odd multiplier is a bijection on 32 bits.
  const pending: FrameSpec[] = [];
  for (let i = 0; i < sources; i++) {
    const ip = (Math.imul(i + 1, 0x9e3779b1) >>> 0) | 0x01000000;
    const src: Endpoint = { v6: false, ip4: ip >>> 0, ip6: victim.ip6, mac: attackerMac };
    const sport = 1024 + Math.floor(r() * 64000);
    const f = spec(src, victim, 0, 6, sport, 80);
    f.flags = SYN;
    f.seq = Math.floor(r() * 0xffffffff);
    w.write(frame(f), tsUs);
    tsUs += 10;
    if (r() < 0.9) {
      const a = spec(victim, src, 0, 6, 80, sport);
      a.flags = SYN | ACK;
      a.seq = Math.floor(r() * 0xffffffff);
      a.ack = f.seq + 1;
      pending.push(a);
    }
    if (pending.length > 4) {
      w.write(frame(pending.shift() as FrameSpec), tsUs);
      tsUs += 10;
    }
  }
  for (const a of pending) w.write(frame(a), (tsUs += 10));
  w.close();
  return { packets: w.packets, bytes: w.bytes };
}
