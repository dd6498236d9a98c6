// Hand-built IPv4 frames (a raw scanner's SYN, an empty UDP datagram) decoded into Packets, for detector tests that need one exact packet.
import { Packet, decodePacket } from '../../src/decode/index.js';

type Ipv4 = readonly [number, number, number, number];

/** An Ethernet + IPv4 frame from 10.0.0.1:40000 to dst:port of `proto` with a transport header of `l4` bytes, decoded. */
function ipv4Packet(proto: number, dst: Ipv4, port: number, l4: number, ts: number, fill: (b: Uint8Array, v: DataView) => void): Packet {
  const len = 34 + l4;
  const b = new Uint8Array(len);
  const v = new DataView(b.buffer);
  v.setUint16(12, 0x0800);
  b[14] = 0x45;
  v.setUint16(16, len - 14);
  b[22] = 64;
  b[23] = proto;
  b.set([10, 0, 0, 1], 26);
  b.set(dst, 30);
  v.setUint16(34, 40000);
  v.setUint16(36, port);
  fill(b, v);
  return decodePacket({ ts, caplen: len, len, linkType: 1, data: b, off: 0, ifIndex: 0 }, 1, new Packet(), null);
}

/** A raw-scanner SYN (no options) from 10.0.0.1 to dst:port at time ts. */
export function rawSyn(port: number, ts = 0, dst: Ipv4 = [10, 0, 0, 2]): Packet {
  return ipv4Packet(6, dst, port, 20, ts, (b) => {
    b[46] = 0x50;
    b[47] = 0x02;
  });
}

/** An empty UDP datagram from 10.0.0.1 to dst:port at time ts. */
export function rawUdp(dst: Ipv4, port: number, ts = 0): Packet {
  return ipv4Packet(17, dst, port, 8, ts, (_b, v) => v.setUint16(38, 8));
}
