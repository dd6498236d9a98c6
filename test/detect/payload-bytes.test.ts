// The payload inspector reads a decoded HTTP head on its bytes (inspectHead, verdicts remembered by
// bytes); here it is held to the string path (inspectRequest on the head's strings, and the detector fed
// the same request as a plain message) on attacks, ordinary requests, every request of the corpus and
// seeded mutations with non-ASCII bytes, odd header-name case and cut-off heads.
import { describe, expect, it } from 'vitest';
import { decodeHttp, decodePacket, HttpHead, Packet, plainHttp, Reassembler, LAYER_TCP } from '../../src/decode/index.js';
import { createPayloadInspector, inspectRequest } from '../../src/detect/index.js';
import { HeadFindings, inspectHead, type PayloadFinding } from '../../src/detect/payload-inspection.js';
import type { Detection } from '../../src/alert/types.js';
import { corpusPackets, prng } from '../decode/helpers/corpus.js';
import { settingsWith } from './pipeline.js';
import { ACK, PSH, tcp } from './packets.js';
import { at } from '../helpers/packet-time.js';

const MAX_BODY = 16384;
const latin1 = (b: Uint8Array): string => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('latin1');
const bytes = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'latin1'));

/** Findings of both paths for one payload, or null when it does not decode as a request. */
function both(payload: Uint8Array, head: HttpHead): { bytes: PayloadFinding[]; strings: PayloadFinding[] } | null {
  const h = decodeHttp(payload, 0, payload.length, [], undefined, head);
  if (h === null || h.kind !== 'request') return null;
  const bodyLen = Math.min(h.bodyLen, MAX_BODY);
  // Filled in over findings of the request before (as the detector's are), from the same kinds in reverse.
  const found = new HeadFindings();
  found.add({ sqlPattern: 'x', sqlExcerpt: 'x', travPattern: 'y', travExcerpt: 'y' }, 'stale');
  found.clear();
  inspectHead(h, payload, h.bodyOff, bodyLen, found);
  const fromBytes: PayloadFinding[] = found.items.slice(0, found.length).map((f) => ({ ...f }));
  const m = plainHttp(h);
  const fromStrings = inspectRequest({
    method: m.method ?? '',
    uri: m.uri ?? '',
    headers: m.headers,
    body: bodyLen > 0 ? latin1(payload.subarray(h.bodyOff, h.bodyOff + bodyLen)) : '',
    remaining: 0,
  });
  return { bytes: fromBytes, strings: fromStrings };
}

const ATTACK_URIS = [
  "/item.php?id=1' UNION SELECT username,password FROM users--",
  '/p?id=1%27%20union%20all%20select%201,2,3--',
  "/search?q=x' OR 1=1--",
  '/p?id=%2527%2520or%25201%253D1--',
  '/download?file=../../../../etc/passwd',
  '/download?file=..%c0%af..%c0%afetc/passwd',
  '/static/%u002e%u002e/%u002e%u002e/etc/passwd',
  '/../a/b/../c/./d.html',
];
const PLAIN_URIS = ['/', '/index.html', '/search?q=rock+and+roll&sort=desc', "/wiki/O'Reilly_Media", '/files/report..final.pdf'];
const HEADERS: Array<[string, string]> = [
  ['User-Agent', "Mozilla' or '1'='1"],
  ['Referer', 'http://x/../../etc/passwd'],
  ['X-Forwarded-For', '1.2.3.4'],
  ['Accept', '*/*'],
  // Skipped names, in any case: never inspected, whatever they hold.
  ['HOST', "a' or '1'='1"],
  ['Content-LENGTH', '0'],
  ['connection', "close' or 1=1--"],
  ['Accept-Encoding', '../../etc/passwd'],
  ['Cookie', 'id=1;DROP TABLE users'],
  ['X-Empty', ''],
  ['X-Latin', 'caf\u00e9 \u00c0 \u00ff%c0%af..%c0%af../etc/shadow'],
];

describe('payload inspection on the bytes of a decoded head', () => {
  const head = new HttpHead();

  it('finds what the string path finds in every request built from attack and ordinary pieces', () => {
    let findings = 0;
    let checked = 0;
    for (const uri of [...ATTACK_URIS, ...PLAIN_URIS]) {
      for (let k = 0; k <= HEADERS.length; k++) {
        const hs = HEADERS.slice(0, k);
        for (const body of ['', 'user=admin%27+OR+1%3D1--&pw=x', 'path=../../../../etc/shadow', 'text=see ../docs']) {
          const text = `${body ? 'POST' : 'GET'} ${uri} HTTP/1.1\r\n${hs.map(([n, v]) => `${n}: ${v}\r\n`).join('')}\r\n${body}`;
          const r = both(bytes(text), head);
          expect(r, text).not.toBeNull();
          expect(r!.bytes, text).toEqual(r!.strings);
          findings += r!.bytes.length;
          checked++;
        }
      }
    }
    expect(checked).toBe(13 * 12 * 4);
    // Both kinds are found, in URIs, headers and bodies.
    expect(findings).toBeGreaterThan(500);
  });

  it('agrees on every HTTP request of the corpus and on 20,000 mutations of them', () => {
    const payloads: Uint8Array[] = [];
    const p = new Packet();
    const r = new Reassembler();
    for (const raw of corpusPackets()) {
      decodePacket(raw, 1, p, r);
      if (!(p.layers & LAYER_TCP) || p.http === null || p.http.kind !== 'request') continue;
      payloads.push(p.data.slice(p.payloadOff, p.payloadOff + p.payloadLen));
    }
    expect(payloads.length).toBeGreaterThan(100);
    let found = 0;
    for (const b of payloads) {
      const res = both(b, head)!;
      expect(res.bytes).toEqual(res.strings);
      found += res.bytes.length;
    }
    expect(found).toBeGreaterThan(0);
    const rnd = prng(0xb17e5);
    const pieces = ["'", '%27', '../', '..%2f', ' OR 1=1--', ';DROP TABLE x', '\u00c0\u00af', '\u00ff', '\r\n', ':', 'HoSt: x\r\n', 'content-length: 5\r\n', '\t', '\u00a0'];
    let differentFindings = 0;
    for (let n = 0; n < 20_000; n++) {
      const base = latin1(payloads[Math.floor(rnd() * payloads.length)]).slice(0, 700);
      const at = Math.floor(rnd() * (base.length + 1));
      let text = base.slice(0, at) + pieces[Math.floor(rnd() * pieces.length)] + base.slice(at);
      // Sometimes cut off, as a segment ends.
      if (rnd() < 0.3) text = text.slice(0, Math.floor(rnd() * (text.length + 1)));
      const res = both(bytes(text), head);
      if (res === null) continue;
      expect(res.bytes, text).toEqual(res.strings);
      if (res.bytes.length > 0) differentFindings++;
    }
    expect(differentFindings).toBeGreaterThan(1000);
  });

  it('raises the same alerts from a decoded head as from the same request as a plain message', () => {
    const run = (plain: boolean): Detection[] => {
      const out: Detection[] = [];
      const det = createPayloadInspector(settingsWith(), (d) => out.push(d));
      let t = 1_700_000_000_000;
      for (const uri of [...ATTACK_URIS, ...PLAIN_URIS]) {
        for (const hs of [HEADERS.slice(0, 2), HEADERS.slice(4)]) {
          const head = `GET ${uri} HTTP/1.1\r\n${hs.map(([n, v]) => `${n}: ${v}\r\n`).join('')}\r\n`;
          const p = tcp('10.0.0.1', 40000 + (t % 1000), '10.0.0.2', 80, ACK | PSH, { payload: head });
          const h = decodeHttp(p.data, 0, p.data.length, [], undefined, p.httpHead)!;
          p.http = plain ? plainHttp(h) : h;
          det.onPacket(at(p, t++));
        }
      }
      return out;
    };
    const fromBytes = run(false);
    expect(fromBytes.length).toBeGreaterThan(10);
    expect(fromBytes).toEqual(run(true));
  });
});
