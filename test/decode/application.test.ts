// DNS and HTTP decoders: all record types, compression with loop/forward-pointer/label/length limits,
// DNS over TCP, HTTP requests and responses recognised by content.
import { describe, expect, it } from 'vitest';
import * as F from './fixtures.js';
import { bytes, decode } from './helpers/fixture.js';
import { decodeDns, decodeHttp, packetSummary, packetToJson, readName, LAYER_HTTP } from '../../src/decode/index.js';

describe('DNS', () => {
  it('decodes a response with compression and every rendered type', () => {
    const p = decode(F.dnsResponse);
    const d = p.dns!;
    expect(d).toMatchObject({ id: 0x1234, qr: true, rd: true, ra: true, rcode: 0 });
    expect(d.questions).toEqual([{ name: 'www.example.com', type: 1, class: 1 }]);
    expect(d.answers.map((r) => [r.name, r.type, r.ttl, r.data])).toEqual([
      ['www.example.com', 5, 300, 'web.example.com'],
      ['www.example.com', 1, 300, '93.184.216.34'],
      ['www.example.com', 28, 300, '2606:2800:220:1::248'],
      ['example.com', 15, 3600, '10 mail.example.com'],
      ['example.com', 16, 60, '"hello world" "a\\"b"'],
      ['_sip._udp.example.com', 33, 60, '1 2 5060 sip.example.com'],
      ['example.com', 13, 60, '03637075026f73'],
    ]);
    expect(d.authorities[0].data).toBe('ns1.example.com admin.example.com 2024010101 7200 3600 1209600 300');
    expect(d.additionals[0]).toMatchObject({ name: 'ns1.example.com', type: 2, data: 'ns2.example.com' });
    expect(p.events).toEqual([]);
    expect(packetSummary(p)).toEqual({ proto: 'DNS', info: 'DNS response A www.example.com -> 93.184.216.34' });
  });

  it('summarises a query', () => {
    expect(packetSummary(decode(F.vlanQinQDns)).info).toBe('DNS A? example.com');
  });

  it('refuses a pointer loop (and terminates)', () => {
    const p = decode(F.dnsPointerLoop);
    expect(p.events).toContain('decode.dns.pointer_loop');
    expect(p.dns?.questions[0]?.name).toBe('<Name contains a pointer that loops>');
  });

  it('refuses a forward pointer (RFC 1035 §4.1.4)', () => {
    const p = decode(F.dnsForwardPointer);
    expect(p.events).toContain('decode.dns.forward_pointer');
    expect(p.dns?.questions[0]?.name).not.toBe('x.example');
  });

  it('reports a bad label type and stops the message', () => {
    const p = decode(F.dnsBadLabel);
    expect(p.events).toContain('decode.dns.bad_label_type');
    expect(p.dns?.questions).toEqual([]);
  });

  it('reports a name over 255 bytes and decodes the next question', () => {
    const p = decode(F.dnsLongName);
    expect(p.events).toContain('decode.dns.name_too_long');
    expect(p.dns?.questions.map((q) => q.name)).toEqual(['<Name too long>', 'ok.example']);
  });

  it('bounds long pointer chains', () => {
    // 100 pointers each to the one before: a chain longer than MAX_POINTERS.
    const msg = new Uint8Array(12 + 1 + 2 * 100 + 4);
    msg[5] = 1; // one question
    msg[12] = 0; // root at 12
    for (let i = 0; i < 100; i++) {
      const at = 13 + 2 * i;
      const target = i === 0 ? 12 : at - 2;
      msg[at] = 0xc0 | (target >> 8);
      msg[at + 1] = target & 255;
    }
    // The question's name is the last pointer of the chain.
    const q = new Uint8Array(12 + 2 + 4);
    const all = new Uint8Array(msg.length + q.length);
    all.set(msg);
    const last = 13 + 2 * 99;
    all[msg.length] = 0xc0 | (last >> 8);
    all[msg.length + 1] = last & 255;
    expect(readName(all, 0, msg.length, all.length)).toBeNull();
    const events: string[] = [];
    all[4] = 0;
    expect(decodeDns(all, 0, all.length, events)).not.toBeNull();
  });

  it('decodes DNS over TCP after the 2-byte length', () => {
    const p = decode(F.dnsOverTcp);
    expect(p.dns).toMatchObject({ id: 0x4242, qr: false });
    expect(p.dns?.questions[0]).toMatchObject({ name: 'tcp.example', type: 15 });
  });

  it('escapes non-printable label bytes like tshark', () => {
    const m = bytes('0001 0100 0001 0000 0000 0000 03 61 0d 62 02 c3 a9 00 0001 0001'.replace(/ /g, ''));
    expect(decodeDns(m, 0, m.length, [])?.questions[0].name).toBe('a\\rb.\\303\\251');
  });

  it('stops cleanly at a truncated message', () => {
    const d = bytes(F.dnsResponse.hex);
    const events: string[] = [];
    const msg = decodeDns(d, 42, 42 + 40, events);
    expect(msg?.questions).toHaveLength(1);
    expect(events).toContain('decode.dns.truncated');
  });
});

describe('HTTP', () => {
  it('recognises a request by content on a non-HTTP port', () => {
    const p = decode(F.httpRequest);
    expect(p.layers & LAYER_HTTP).toBeTruthy();
    expect(p.http).toMatchObject({
      kind: 'request', method: 'GET', uri: '/index.html?q=1', version: 'HTTP/1.1', host: 'example.com', userAgent: 'curl/8.0',
    });
    expect(p.http?.headers).toEqual([['Host', 'example.com'], ['User-Agent', 'curl/8.0'], ['Accept', '*/*']]);
    expect(p.http?.bodyLen).toBe(0);
    expect(packetSummary(p)).toEqual({ proto: 'HTTP', info: 'GET /index.html?q=1 (host example.com)' });
  });

  it('decodes a response head and finds the body', () => {
    const p = decode(F.httpResponse);
    expect(p.http).toMatchObject({ kind: 'response', status: 404, reason: 'Not Found', contentType: 'text/html', contentLength: 9 });
    const body = Buffer.from(p.data.subarray(p.http!.bodyOff, p.http!.bodyOff + p.http!.bodyLen)).toString();
    expect(body).toBe('not found');
    expect(packetSummary(p).info).toBe('HTTP 404 Not Found');
  });

  it('reads Content-Length and the status as numbers, and flags a length that is not one', () => {
    const head = (s: string): { msg: ReturnType<typeof decodeHttp>; events: string[] } => {
      const b = new Uint8Array(Buffer.from(s, 'latin1'));
      const events: string[] = [];
      return { msg: decodeHttp(b, 0, b.length, events), events };
    };
    // Trimmed like the other values, any case of the name, the first of two kept.
    let r = head('HTTP/1.0 007 Odd\r\nCONTENT-length: \t 042 \r\ncontent-length: 9\r\n\r\n');
    expect(r.msg).toMatchObject({ status: 7, reason: 'Odd', contentLength: 42 });
    expect(r.msg?.headers).toEqual([['CONTENT-length', '042'], ['content-length', '9']]);
    expect(r.events).toEqual([]);
    r = head('HTTP/1.1 200\r\nContent-Length: 999999999999999\r\n\r\n');
    expect(r.msg).toMatchObject({ status: 200, reason: '', contentLength: 999999999999999 });
    // Not digits, sixteen digits, empty, a sign: no length, one event each.
    for (const v of ['4x', '1000000000000000', '', '+5', '0x10']) {
      r = head(`POST /u HTTP/1.1\r\nContent-Length: ${v}\r\n\r\n`);
      expect(r.msg?.contentLength, v).toBeNull();
      expect(r.events, v).toEqual(['decode.http.bad_content_length']);
    }
    // A name of the right length that is not one of the four is only a header.
    r = head('GET / HTTP/1.1\r\nHosx: a\r\nUser-Agenx: b\r\nContent-Typx: c\r\nContent-Lengtx: d\r\n\r\n');
    expect(r.msg).toMatchObject({ host: null, userAgent: null, contentType: null, contentLength: null });
    expect(r.msg?.headers).toHaveLength(4);
    expect(r.events).toEqual([]);
    // A status that is not three digits is not HTTP.
    expect(head('HTTP/1.1 20x OK\r\n\r\n').msg).toBeNull();
  });

  it('leaves non-HTTP TCP payloads alone', () => {
    const p = decode(F.dnsOverTcp);
    expect(p.http).toBeNull();
  });

  it('escapes control characters from the wire in the summary', () => {
    const d = bytes(F.httpRequest.hex);
    const i = Buffer.from(d).indexOf('index');
    d[i] = 0x1b; // ESC
    const p = decode({ linkType: 1, data: d });
    expect(packetSummary(p).info).toContain('\\x1bndex.html');
    expect(packetToJson(p).http).toMatchObject({ uri: '/\x1bndex.html?q=1' });
  });
});
