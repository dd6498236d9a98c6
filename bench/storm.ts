// The alert-storm capture and its bench rows: spoofed sources that each probe ports 22 and 23 and send
// a traversal and an SQL injection request, read by NetGuard with every default sink, against ordinary
// traffic; and the funnel plus the default file sinks fed new alerts as fast as they take them.
import { PcapWriter } from './pcap-file.js';
import { ACK, PSH, SYN, frame, spec, type Endpoint } from './traffic-gen.js';

const enc = new TextEncoder();
const TRAVERSAL = enc.encode('GET /static/../../../../etc/passwd HTTP/1.1\r\nHost: victim\r\nUser-Agent: storm\r\n\r\n');
const SQLI = enc.encode("GET /item.php?id=1'%20OR%201=1--%20 HTTP/1.1\r\nHost: victim\r\nUser-Agent: storm\r\n\r\n");

/** The victim every storm packet is sent to. */
export const STORM_VICTIM = '10.0.0.2';

/** The i-th spoofed source (distinct for every i below 2^24): 1.x.y.z from a bijection on 32 bits. */
export function stormSource(i: number): number {
  return ((Math.imul(i + 1, 0x9e3779b1) >>> 0) & 0x00ffffff) | 0x01000000;
}

/**
 * Writes the storm capture: per source, a SYN to port 22, a SYN to port 23, a GET with a directory
 * traversal and a GET with an SQL injection (4 packets), 10 µs apart, from `sources` distinct spoofed
 * addresses to STORM_VICTIM. Deterministic. Returns packets and bytes written.
 */
export function generateStorm(path: string, sources: number, startUs = 1_700_000_000_000_000): { packets: number; bytes: number } {
  const w = new PcapWriter(path);
  const victim: Endpoint = { v6: false, ip4: 0x0a000002, ip6: new Uint8Array(16), mac: 0x020000000002 };
  let tsUs = startUs;
  for (let i = 0; i < sources; i++) {
    const src: Endpoint = { v6: false, ip4: stormSource(i) >>> 0, ip6: victim.ip6, mac: 0x020000000001 };
    const sport = 1024 + ((i * 7919) % 60000);
    for (const port of [22, 23]) {
      const f = spec(src, victim, 0, 6, sport, port);
      f.flags = SYN;
      f.seq = i * 4 + port;
      w.write(frame(f), tsUs);
      tsUs += 10;
    }
    for (const [k, body] of [TRAVERSAL, SQLI].entries()) {
      const f = spec(src, victim, 0, 6, sport + 1 + k, 80);
      f.flags = PSH | ACK;
      f.seq = 1000 + i;
      f.ack = 1;
      f.payload = body;
      w.write(frame(f), tsUs);
      tsUs += 10;
    }
  }
  w.close();
  return { packets: w.packets, bytes: w.bytes };
}
