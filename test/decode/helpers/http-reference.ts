// An HTTP/1.x head parsed the plain way, on a string of the bytes with indexOf and slice: the reference
// the tests hold the decoder's byte-offset walk to. It shares no code with src/decode/http.ts, so a fault
// in the decoder's line scan (its line-end table, the overflow past it, the head limit) shows as a
// difference instead of being repeated on both sides.
import type { HttpMessage } from '../../../src/decode/packet.js';

/** The decoder's limits, restated here: 128 header fields, 16 KiB of head. */
const MAX_HEADERS = 128;
const MAX_HEAD = 16384;
const METHODS = ['GET', 'POST', 'HEAD', 'PUT', 'DELETE', 'OPTIONS', 'PATCH', 'CONNECT', 'TRACE', 'PROPFIND', 'PROPPATCH', 'MKCOL', 'COPY', 'MOVE', 'LOCK', 'UNLOCK'];

/** The message at [off, end) of `b` and the decode events it raises; null when the bytes are no HTTP head. */
export function referenceHttp(b: Uint8Array, off: number, end: number): { msg: HttpMessage | null; events: string[] } {
  const events: string[] = [];
  const all = Buffer.from(b.buffer, b.byteOffset + off, end - off).toString('latin1');
  // Too short to tell, or not starting like a request or a response.
  if (all.length < 8) return { msg: null, events };
  const response = all.startsWith('HTTP/1.');
  if (!response && !METHODS.some((m) => all.startsWith(m + ' '))) return { msg: null, events };
  const text = all.slice(0, MAX_HEAD);
  const cutByLimit = all.length > MAX_HEAD;
  const msg: HttpMessage = {
    kind: response ? 'response' : 'request',
    method: null, uri: null, version: '', status: null, reason: null,
    host: null, userAgent: null, contentType: null, contentLength: null,
    headers: [], bodyOff: end, bodyLen: 0,
  };
  const firstEnd = text.indexOf('\r\n');
  const first = firstEnd < 0 ? text : text.slice(0, firstEnd);
  if (response) {
    const sp = first.indexOf(' ');
    const m = sp < 0 ? null : /^(\d{3})(?: ([^\r\n]*))?$/.exec(first.slice(sp + 1));
    if (m === null) return { msg: null, events };
    msg.version = first.slice(0, sp);
    msg.status = Number(m[1]);
    msg.reason = m[2] ?? '';
  } else {
    const sp1 = first.indexOf(' ');
    const sp2 = first.lastIndexOf(' ');
    msg.method = first.slice(0, sp1);
    if (sp2 > sp1 && first.startsWith('HTTP/', sp2 + 1)) {
      msg.uri = first.slice(sp1 + 1, sp2);
      msg.version = first.slice(sp2 + 1);
    } else {
      msg.uri = first.slice(sp1 + 1);
    }
  }
  if (firstEnd < 0) {
    if (cutByLimit) events.push('decode.http.header_too_long');
    return { msg, events };
  }
  let pos = firstEnd + 2;
  for (let count = 0; ; count++) {
    const eol = text.indexOf('\r\n', pos);
    if (eol < 0) {
      if (cutByLimit) events.push('decode.http.header_too_long');
      return { msg, events };
    }
    if (eol === pos) {
      msg.bodyOff = off + eol + 2;
      msg.bodyLen = end - msg.bodyOff;
      return { msg, events };
    }
    if (count >= MAX_HEADERS) {
      events.push('decode.http.too_many_headers');
      return { msg, events };
    }
    const line = text.slice(pos, eol);
    const colon = line.indexOf(':');
    const name = colon < 0 ? line : line.slice(0, colon);
    const value = colon < 0 ? '' : line.slice(colon + 1).trim();
    msg.headers.push([name, value]);
    const lower = name.toLowerCase();
    if (lower === 'host') msg.host ??= value;
    else if (lower === 'user-agent') msg.userAgent ??= value;
    else if (lower === 'content-type') msg.contentType ??= value;
    else if (lower === 'content-length') {
      if (/^\d{1,15}$/.test(value)) msg.contentLength ??= Number(value);
      else events.push('decode.http.bad_content_length');
    }
    pos = eol + 2;
  }
}
