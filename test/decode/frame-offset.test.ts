// Frames handed out as offsets into a larger read buffer (RawPacket.off) decode exactly as the frame alone:
// no decoder reads before the frame's start or past its captured end into the next record's bytes.
import { describe, expect, it } from 'vitest';
import { corpusPackets, prng } from './helpers/corpus.js';
import { frameBytes } from '../../src/capture/types.js';
import { decodePacket, Packet, packetToJson, plainHttp, Reassembler } from '../../src/decode/index.js';
import { httpStart } from '../../src/decode/http.js';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

/** Everything a later stage can read of a decoded packet, with offsets made relative to the frame. */
function dump(p: Packet): string {
  const rel = p.layers & (1 << 14) ? 0 : p.frameOff; // a reassembled datagram has its own buffer
  return JSON.stringify({
    json: packetToJson(p),
    events: p.events,
    payload: hex(p.data.subarray(p.payloadOff, p.payloadOff + p.payloadLen)),
    payloadOff: p.payloadLen === 0 ? null : p.payloadOff - rel, // an empty payload has no position
    ipOffset: p.ipVersion === 0 ? null : p.ipOffset - rel,
    tcp: [p.tcpMss, p.tcpWscale, p.tcpSackOk, p.tcpTsVal, p.tcpTsEcr, p.tcpHeaderLen, p.ipChecksumOk],
    quoted: p.icmpQuoted.present ? p.icmpQuoted : null,
    dns: p.dns,
    http: p.http === null ? null : { ...plainHttp(p.http), bodyOff: p.http.bodyOff - rel, body: hex(p.data.subarray(p.http.bodyOff, p.http.bodyOff + p.http.bodyLen)) },
  });
}


describe('frames at an offset in a shared buffer', () => {
  const packets = corpusPackets();

  it('every corpus packet decodes the same inside a buffer with random bytes before and after it', () => {
    const rnd = prng(0x0ff5e7);
    const alone = new Packet();
    const inBuf = new Packet();
    const r1 = new Reassembler();
    const r2 = new Reassembler();
    let n = 0;
    for (const pk of packets) {
      const frame = frameBytes(pk);
      const before = 1 + Math.floor(rnd() * 63);
      const buf = new Uint8Array(before + frame.length + 256);
      for (let i = 0; i < buf.length; i++) buf[i] = Math.floor(rnd() * 256);
      buf.set(frame, before);
      const a = dump(decodePacket({ ...pk, data: frame, off: 0 }, 1, alone, r1));
      const b = dump(decodePacket({ ...pk, data: buf, off: before }, 1, inBuf, r2));
      if (a !== b) expect.fail(`packet ${n} (${hex(frame.subarray(0, 64))}...) decodes differently at offset ${before}:\n${a}\n${b}`);
      n++;
    }
    expect(n).toBe(packets.length);
    expect(n).toBeGreaterThan(50_000);
  });

  it('a frame cut short decodes the same whether or not the rest of it follows in the buffer', () => {
    // The bytes after the cut are the frame's real continuation: a decoder that read past the captured
    // end would find plausible headers there and answer differently.
    const alone = new Packet();
    const inBuf = new Packet();
    let cuts = 0;
    for (let k = 0; k < packets.length; k += 7) {
      const frame = frameBytes(packets[k]);
      for (let len = 0; len <= Math.min(frame.length, 300); len++) {
        const a = dump(decodePacket({ ...packets[k], caplen: len, data: frame.slice(0, len), off: 0 }, 1, alone, null));
        const b = dump(decodePacket({ ...packets[k], caplen: len, data: frame, off: 0 }, 1, inBuf, null));
        if (a !== b) expect.fail(`packet ${k} cut at ${len} reads past its end:\n${a}\n${b}`);
        cuts++;
      }
    }
    expect(cuts).toBeGreaterThan(100_000);
  });

  it('HTTP recognition does not look at the byte after the payload for the space after the method', () => {
    // "PROPFIND" is 8 bytes, the shortest payload httpStart looks at: the space that makes it a request
    // line is the 9th byte, outside a payload that ends there.
    const b = Uint8Array.from(Buffer.from('PROPFIND / HTTP/1.1\r\n\r\n', 'latin1'));
    expect(httpStart(b, 0, 8)).toBe(-1);
    expect(httpStart(b, 0, 9)).toBeGreaterThanOrEqual(0);
    const c = Uint8Array.from(Buffer.from('xxPROPPATCH / HTTP/1.1\r\n', 'latin1'));
    expect(httpStart(c, 2, 11)).toBe(-1);
    expect(httpStart(c, 2, 12)).toBeGreaterThanOrEqual(0);
  });
});
