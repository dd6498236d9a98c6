// decodePacket with `application` false (what the evidence store's lookback decodes): the same packet up to
// the transport layer, without DNS or HTTP, on every frame of the corpus.
import { describe, expect, it } from 'vitest';
import { corpusPackets } from './helpers/corpus.js';
import { decodePacket, Packet, LAYER_DNS, LAYER_HTTP } from '../../src/decode/index.js';

describe('decodePacket without the application layer', () => {
  it('gives the full decode\'s addresses, ports and layers below DNS and HTTP, and no DNS or HTTP', () => {
    const full = new Packet();
    const part = new Packet();
    let app = 0;
    let n = 0;
    for (const raw of corpusPackets()) {
      decodePacket(raw, ++n, full, null);
      decodePacket(raw, n, part, null, false);
      if (full.layers & (LAYER_DNS | LAYER_HTTP)) app++;
      expect(part.layers, `frame ${n}`).toBe(full.layers & ~(LAYER_DNS | LAYER_HTTP));
      expect(part.http).toBeNull();
      expect(part.dns).toBeNull();
      const fields = (p: Packet) => [p.ipVersion, p.ipProto, p.ip4Src, p.ip4Dst, p.ip6Src, p.ip6Dst, p.srcPort, p.dstPort, p.tcpFlags, p.payloadOff, p.payloadLen];
      expect(fields(part), `frame ${n}`).toEqual(fields(full));
    }
    // The corpus has application layers for this to leave out.
    expect(app).toBeGreaterThan(100);
  });
});
