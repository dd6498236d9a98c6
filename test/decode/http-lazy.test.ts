// decodeHttp reads the bytes and leaves the strings for later; here its messages are held, field by
// field and event by event, to a plain string parse of the same bytes (helpers/http-reference.ts, which
// shares no code with the decoder), on every HTTP payload of the corpus and on seeded mutations of them;
// and a message stays right after the buffer it came from is overwritten.
import { describe, expect, it } from 'vitest';
import { corpusPackets, prng } from './helpers/corpus.js';
import { decodePacket, Packet, plainHttp, Reassembler, LAYER_TCP } from '../../src/decode/index.js';
import { decodeHttp, httpStart, HttpHead } from '../../src/decode/http.js';
import { referenceHttp } from './helpers/http-reference.js';

/** Both decodings of [off, end) of `b`, as plain objects with their events. */
function both(b: Uint8Array, off: number, end: number): { lazy: unknown; eager: unknown } {
  const ev1: string[] = [];
  const m1 = decodeHttp(b, off, end, ev1);
  return { lazy: { msg: m1 === null ? null : plainHttp(m1), events: ev1 }, eager: referenceHttp(b, off, end) };
}

const enc = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'latin1'));

describe('HTTP decoded lazily', () => {
  // Every TCP payload of the corpus that starts like HTTP.
  const payloads: Uint8Array[] = [];
  const p = new Packet();
  const r = new Reassembler();
  for (const raw of corpusPackets()) {
    decodePacket(raw, 1, p, r);
    if (!(p.layers & LAYER_TCP) || p.payloadLen === 0) continue;
    if (httpStart(p.data, p.payloadOff, p.payloadOff + p.payloadLen) === -1) continue;
    payloads.push(p.data.slice(p.payloadOff, p.payloadOff + p.payloadLen));
  }

  it('gives what the reference parse gives on every HTTP payload of the corpus', () => {
    expect(payloads.length).toBeGreaterThan(200);
    let fields = 0;
    for (const b of payloads) {
      const { lazy, eager } = both(b, 0, b.length);
      expect(lazy).toEqual(eager);
      if ((eager as { msg: unknown }).msg !== null) fields++;
    }
    expect(fields).toBeGreaterThan(200);
  });

  it('gives what the reference parse gives on 40,000 mutated heads', () => {
    const rnd = prng(0x477e);
    // Bytes that move line ends, trims, colons and digits about.
    const nasty = [0x0d, 0x0a, 0x3a, 0x20, 0x09, 0xa0, 0x30, 0x39, 0x2b, 0x00, 0xff];
    const extra = [
      'Content-Length: 12\r\n', 'content-length:\t 7 \r\n', 'CONTENT-LENGTH: x\r\n', 'Content-Length\r\n', 'Host: a\r\n',
      'Content-Length: 1234567890123456\r\n', '\r\n', 'X: y\r\n',
    ];
    let differentKinds = 0;
    for (let n = 0; n < 40_000; n++) {
      const base = payloads[Math.floor(rnd() * payloads.length)];
      let b: Uint8Array = base.slice(0, Math.min(base.length, 600));
      const what = Math.floor(rnd() * 4);
      if (what === 0) {
        for (let k = 0; k < 4; k++) b[Math.floor(rnd() * b.length)] = nasty[Math.floor(rnd() * nasty.length)];
      } else if (what === 1) {
        b = b.subarray(0, Math.floor(rnd() * (b.length + 1)));
      } else if (what === 2) {
        // A header inserted after the first line.
        const text = Buffer.from(b).toString('latin1');
        const at = text.indexOf('\r\n');
        if (at > 0) b = enc(text.slice(0, at + 2) + extra[Math.floor(rnd() * extra.length)] + text.slice(at + 2));
      } else {
        // A status line made odd.
        b = enc(['HTTP/1.1 200', 'HTTP/1.1 20', 'HTTP/1.1 2000', 'HTTP/1.0 404 \rx', 'HTTP/1.1 301 Moved\r\nLocation: /\r\n\r\nx'][Math.floor(rnd() * 5)]);
      }
      const { lazy, eager } = both(b, 0, b.length);
      expect(lazy, Buffer.from(b).toString('latin1')).toEqual(eager);
      if ((eager as { msg: unknown }).msg === null) differentKinds++;
    }
    // The mutations reach both outcomes: heads taken as HTTP and heads refused.
    expect(differentKinds).toBeGreaterThan(100);
    expect(differentKinds).toBeLessThan(39_000);
  });

  it('agrees on too many header fields and on a head longer than the limit', () => {
    const many = enc('GET / HTTP/1.1\r\n' + 'A: b\r\n'.repeat(200) + 'Content-Length: 5\r\n\r\nhello');
    const long = enc('GET /' + 'a'.repeat(20_000) + ' HTTP/1.1\r\n\r\n');
    // Exactly at the limit: 128 fields then the empty line; one field more; the 129th being Content-Length.
    const at = (n: number, last: string): Uint8Array => enc('HTTP/1.1 200 OK\r\n' + 'A: b\r\n'.repeat(n) + last + '\r\nbody');
    const edge = [at(128, ''), at(129, ''), at(128, 'Content-Length: 4\r\n'), at(127, 'Content-Length: 4\r\n'), at(128, 'Content-Length: x\r\n')];
    // More lines than the decoder's line-end table holds (130): ending past the 16 KiB limit, with no
    // empty line, and with the empty line's CRLF starting on each byte around the limit.
    const lines140 = 'A: b\r\n'.repeat(140);
    const blankAt = (at: number): Uint8Array => {
      const start = 'GET / HTTP/1.1\r\n' + lines140;
      // "P:" and padding up to `at`, where the empty line's CRLF begins.
      return enc(start + 'P:' + 'x'.repeat(at - start.length - 4) + '\r\n\r\nbody');
    };
    const pastTable = [
      enc('GET / HTTP/1.1\r\n' + lines140 + 'X: ' + 'y'.repeat(17_000) + '\r\n\r\n'),
      enc('GET / HTTP/1.1\r\n' + lines140 + 'A: b\r\n'.repeat(20)),
      enc('HTTP/1.1 200 OK\r\n' + 'A: b\r\n'.repeat(135) + '\r\n\r\n'),
      ...[16378, 16379, 16380, 16381, 16382, 16383, 16384].map(blankAt),
    ];
    for (const b of [many, long, ...edge, ...pastTable]) {
      const { lazy, eager } = both(b, 0, b.length);
      expect(lazy).toEqual(eager);
    }
    const events: string[] = [];
    expect(plainHttp(decodeHttp(many, 0, many.length, events)!).headers).toHaveLength(128);
    expect(events).toEqual(['decode.http.too_many_headers']);
    const atLimit = decodeHttp(edge[0], 0, edge[0].length, [])!;
    expect([atLimit.headers.length, atLimit.bodyLen]).toEqual([128, 4]);
    expect(decodeHttp(edge[3], 0, edge[3].length, [])!.contentLength).toBe(4);
    const past: string[] = [];
    expect(decodeHttp(edge[2], 0, edge[2].length, past)!.contentLength).toBeNull();
    expect(past).toEqual(['decode.http.too_many_headers']);
  });

  it('keeps its fields after the buffer it was decoded from is overwritten', () => {
    const b = enc('POST /login HTTP/1.1\r\nHost: example.com\r\nContent-Length: 3\r\n\r\nabc');
    const m = decodeHttp(b, 0, b.length, [])!;
    b.fill(0x41);
    expect(plainHttp(m)).toMatchObject({ method: 'POST', uri: '/login', version: 'HTTP/1.1', host: 'example.com', contentLength: 3, bodyLen: 3 });
    expect(m.headers).toEqual([['Host', 'example.com'], ['Content-Length', '3']]);
  });
});

describe("the Packet's reused HTTP head", () => {
  /** decodeHttp into `head` and the reference parse of the same bytes, as plain objects with their events. */
  const viaHead = (head: HttpHead, b: Uint8Array, off: number, end: number): { lazy: unknown; eager: unknown } => {
    const ev1: string[] = [];
    const m1 = decodeHttp(b, off, end, ev1, undefined, head);
    return { lazy: { msg: m1 === null ? null : plainHttp(m1), events: ev1 }, eager: referenceHttp(b, off, end) };
  };

  it('gives each packet its own fields when one Packet decodes the corpus, whatever was read of the one before', () => {
    const p = new Packet();
    const r = new Reassembler();
    let http = 0;
    let i = 0;
    for (const raw of corpusPackets()) {
      decodePacket(raw, 1, p, r);
      if (p.http === null) continue;
      http++;
      // Read one field first (leaving the others unread and cached ones stale if the head did not start
      // afresh), then all of them.
      const first = [p.http.uri, p.http.host, p.http.userAgent, p.http.headers, p.http.version][i++ % 5];
      const end = p.payloadOff + p.payloadLen;
      const want = referenceHttp(p.data, p.payloadOff, end).msg;
      expect(plainHttp(p.http)).toEqual(want);
      expect(first).toEqual(plainHttp(want!)[(['uri', 'host', 'userAgent', 'headers', 'version'] as const)[(i - 1) % 5]]);
    }
    expect(http).toBeGreaterThan(400);
  });

  it('agrees with the reference parse on heads cut at every offset, with bytes after them in the buffer', () => {
    const text =
      'POST /a%27b/../c?x=\u00e9 HTTP/1.1\r\nHOST: Example.COM\r\nuser-agent:  sqlmap/1.0 \u00a0\r\nContent-Type:\ttext/plain\r\n' +
      'X-\u00ff: \u00c0\u00e9\r\nContent-Length: 4\r\nNoColon\r\n\r\nbody';
    const whole = enc(text + 'TRAILING BYTES OF THE NEXT FRAME');
    const head = new HttpHead();
    let decoded = 0;
    for (let cut = 0; cut <= text.length; cut++) {
      const { lazy, eager } = viaHead(head, whole, 0, cut);
      expect(lazy, `cut at ${cut}`).toEqual(eager);
      if ((eager as { msg: unknown }).msg !== null) decoded++;
    }
    expect(decoded).toBe(text.length + 1 - 8);
    const full = decodeHttp(whole, 0, text.length, [], undefined, head)!;
    expect([full.host, full.userAgent, full.contentType, full.contentLength, full.bodyLen]).toEqual(['Example.COM', 'sqlmap/1.0', 'text/plain', 4, 4]);
    expect(full.headers[3]).toEqual(['X-\u00ff', '\u00c0\u00e9']);
    expect(full.headers[5]).toEqual(['NoColon', '']);
  });

  it('gives versions and reasons as the reference parse does, the common ones and the odd ones', () => {
    const head = new HttpHead();
    const lines = [
      'GET / HTTP/1.1', 'GET / HTTP/1.0', 'GET / HTTP/1.2', 'GET / HTTP/1.10', 'GET / HTTP/2.0', 'GET / HTTP/1.1 HTTP/1.0',
      'GET /', 'GET / HTTP/', 'GET / http/1.1', 'GET /a b c', 'GET  HTTP/1.1', 'GET HTTP/1.1 ',
      'HTTP/1.1 200 OK', 'HTTP/1.0 404 Not Found', 'HTTP/1.1 204', 'HTTP/1.1 301 ', 'HTTP/1.x 200 OK', 'HTTP/1.1 2000 OK', 'HTTP/1.1 200 \u00c9t\u00e9',
    ];
    for (const line of lines) {
      for (const tail of ['\r\n\r\n', '\r\nA: b\r\n\r\nxyz', '']) {
        const b = enc(line + tail);
        const { lazy, eager } = viaHead(head, b, 0, b.length);
        expect(lazy, JSON.stringify(line + tail)).toEqual(eager);
      }
    }
    const b = enc('HTTP/1.0 404 Not Found\r\n\r\n');
    expect(decodeHttp(b, 0, b.length, [], undefined, head)!.version).toBe('HTTP/1.0');
  });

  it('reads the buffer it was decoded from: overwritten, the fields change (the copy decodeHttp makes without a head does not)', () => {
    const b = enc('GET /one HTTP/1.1\r\nHost: a\r\n\r\n');
    const head = new HttpHead();
    const own = decodeHttp(b, 0, b.length, [])!;
    const reused = decodeHttp(b, 0, b.length, [], undefined, head)!;
    b.set(enc('GET /two'), 0);
    expect(own.uri).toBe('/one');
    expect(reused.uri).toBe('/two');
  });
});
