// PayloadInspector: SQL injection and directory traversal in HTTP requests (RFC 9112 request line,
// header fields and body), after URL decoding, double encoding and overlong UTF-8 included
// (RFC 3986 §2.1 percent-encoding, RFC 3629 §10 on overlong forms), case-insensitively.
//
// No thresholds: one matching request raises SQL_INJECTION or DIRECTORY_TRAVERSAL (HIGH). The alert belongs
// to its flow (its 5-tuple, community_id and EVE flow_id are that connection's): more requests on the same
// connection fold into it (count, last request), another connection is an alert of its own. What matches:
//   SQL_INJECTION        UNION [ALL] SELECT; quote-breaking tautologies (' OR 1=1, ' OR 'a'='a,
//                        %' or '0'='0); a quote followed by a comment (admin'--, ' #, '/*); stacked
//                        queries (; DROP TABLE, ; EXEC, ; SELECT ...); time-based functions (SLEEP(,
//                        BENCHMARK(, WAITFOR DELAY, PG_SLEEP(, DBMS_LOCK.SLEEP); schema probing
//                        (information_schema, @@version, LOAD_FILE(, INTO OUTFILE, xp_cmdshell,
//                        EXTRACTVALUE(); ' ORDER BY n; a parameter that is a SELECT ... FROM.
//                        Comments used as spaces (UNION/**/SELECT, /*!50000UNION*/) are removed first.
//   DIRECTORY_TRAVERSAL  a ../ or ..\ segment (in any encoding: %2e%2e%2f, %252e%252e%252f, ..%c0%af,
//                        %u002e) in the URI; two or more levels in a header or body (a lone "../"
//                        is ordinary text there); sensitive targets anywhere (/etc/passwd,
//                        /etc/shadow, win.ini, boot.ini, system32, /proc/self/, .ssh/id_rsa).
// A lone quote, "1=1" without a quote break, or SQL words in prose never match, so ordinary URLs such as
// /FindPackagesById()?id='AzureAD' stay quiet. Requests are taken from the decoder's HTTP layer, or
// parsed here from a TCP payload that starts with a request line (any port, or a SYN with TCP Fast
// Open data); a body that continues in later segments is inspected too (bounded).
import type { Settings } from '../config/schema.js';
import { escapeText, latin1 } from '../decode/addr.js';
import type { Packet } from '../decode/packet.js';
import * as packetConsts from '../decode/packet.js';
import { HttpHead } from '../decode/http.js';
import * as httpMod from '../decode/http.js';
import type { AlertType } from '../alert/types.js';
import type { Detector, Raise } from './types.js';
import { PK_TCP_DATA } from './packet-kinds.js';
import { BoundedMap, ByteMemo } from './state/index.js';
import { addrText } from './format.js';

// Module-local copies of the constants inspectHead's loop and onPacket read: V8 reads an imported binding through its
// module cell, with a hole check, at every use in optimized code; a module-local const is a constant there.
const { FIELD_INTS } = httpMod;
const { LAYER_TCP, TCP_RST } = packetConsts;

/** Bytes of a body (per packet) that are inspected. */
const MAX_BODY = 16384;
const MAX_CONTINUATIONS = 4096;

// ---------------------------------------------------------------------------------------------------
// Decoding

const HEX = (c: number): number =>
  c >= 48 && c <= 57 ? c - 48 : c >= 65 && c <= 70 ? c - 55 : c >= 97 && c <= 102 ? c - 87 : -1;

/** One round of percent-decoding (and %uXXXX, and '+' as space), never throwing on bad escapes. */
export function percentDecode(s: string): string {
  if (s.indexOf('%') < 0 && s.indexOf('+') < 0) return s;
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 43) {
      out += ' ';
      continue;
    }
    if (c === 37 && i + 2 < s.length) {
      const a = HEX(s.charCodeAt(i + 1));
      const b = HEX(s.charCodeAt(i + 2));
      if (a >= 0 && b >= 0) {
        out += String.fromCharCode(a * 16 + b);
        i += 2;
        continue;
      }
      const u = s.charCodeAt(i + 1);
      if ((u === 117 || u === 85) && i + 5 < s.length) {
        // Four hex digits, read without a closure over `s` and `i` (one would make V8 allocate a
        // context for every call of this function, escapes or not).
        const h0 = HEX(s.charCodeAt(i + 2));
        const h1 = HEX(s.charCodeAt(i + 3));
        const h2 = HEX(s.charCodeAt(i + 4));
        const h3 = HEX(s.charCodeAt(i + 5));
        if (h0 >= 0 && h1 >= 0 && h2 >= 0 && h3 >= 0) {
          const cp = h0 * 4096 + h1 * 256 + h2 * 16 + h3;
          // IIS %u encoding; the fullwidth and division-slash look-alikes count as the ASCII ones.
          out += cp === 0x2215 || cp === 0xff0f ? '/' : cp === 0x2216 || cp === 0xff3c ? '\\' : cp === 0xff0e ? '.' : String.fromCharCode(cp);
          i += 5;
          continue;
        }
      }
    }
    out += s[i];
  }
  return out;
}

/** Overlong UTF-8 forms of '.', '/' and '\' (as Latin-1 byte strings after decoding). */
const OVERLONG = /\xc0\xae|\xe0\x80\xae|\xc0\xaf|\xe0\x80\xaf|\xc1\x9c|\xc1\x1c|\xc0\x5c/g;
const overlongChar = (m: string): string => (m.endsWith('\xae') ? '.' : m.endsWith('\xaf') ? '/' : '\\');

/**
 * 0 when `s` has nothing normalize would change (no '%', '+', upper-case letter or char above 0x7f: no
 * escape to decode, no overlong form, nothing to lower-case), 1 when only its case would change, 2 else.
 */
function plainness(s: string): number {
  let upper = false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 37 || c === 43 || c > 0x7f) return 2;
    if (c >= 65 && c <= 90) upper = true;
  }
  return upper ? 1 : 0;
}

/** Decodes until stable (at most 3 rounds: double and triple encoding) and lowercases. */
export function normalize(raw: string): string {
  // Most texts are plain ASCII with no escape: the rounds below would give them back unchanged (and
  // make a few strings on the way), so only their case is changed, when it must be.
  const plain = plainness(raw);
  if (plain === 0) return raw;
  if (plain === 1) return raw.toLowerCase();
  let s = raw;
  for (let round = 0; round < 3; round++) {
    const d = percentDecode(s).replace(OVERLONG, overlongChar);
    if (d === s) break;
    s = d;
  }
  return s.toLowerCase();
}

/**
 * Whether sqlForm could change `s`: it has a '*' (every comment form has one), or a char the whitespace
 * class \s or NUL can be (everything below '!' and from 0x7f up, more than \s holds, so that nothing
 * it holds is missed).
 */
function mayHaveSqlSpace(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 42 || c <= 32 || c >= 0x7f) return true;
  }
  return false;
}

/** SQL comments used as whitespace are removed, runs of whitespace collapsed. */
export function sqlForm(s: string): string {
  // Four replacements that find nothing give the text back, making strings on the way: skip them.
  if (!mayHaveSqlSpace(s)) return s;
  return s
    .replace(/\/\*![0-9]*/g, ' ')
    .replace(/\/\*[\s\S]*?\*\//g, ' ')
    .replace(/\*\//g, ' ')
    .replace(/[\s\x00]+/g, ' ');
}

// ---------------------------------------------------------------------------------------------------
// Patterns

export interface Pattern {
  name: string;
  re: RegExp;
  /**
   * Texts of which a (normalized) text holds at least one whenever `re` can match it: the pattern's
   * quote, separator or keyword that every match contains (test/detect/payload-needs.test.ts checks it).
   */
  needs: readonly string[];
}

const QUOTES = ["'", '"', '`'];

const Q = `['"\`]`;
const SQLI: Pattern[] = [
  { name: 'union select', re: /\bunion\b\s*(?:all\s+|distinct\s+)?\(?\s*select\b/, needs: ['union'] },
  {
    name: 'quote tautology',
    re: new RegExp(`${Q}\\s*\\)*\\s*(?:or|and|xor|\\|\\||&&)\\s*\\(*\\s*${Q}?[\\w.]*${Q}?\\s*(?:=|<>|!=|<=>|>|<|\\blike\\b|\\bis\\b|\\bin\\s*\\()`),
    needs: QUOTES,
  },
  { name: 'quote boolean', re: new RegExp(`${Q}\\s*\\)*\\s*(?:or|and)\\s+(?:true|false|not\\s)`), needs: QUOTES },
  { name: 'numeric tautology', re: /\b(?:or|and)\s+(\d+)\s*(?:=|like)\s*\1\b/, needs: ['=', 'like'] },
  { name: 'quote comment', re: new RegExp(`${Q}\\s*\\)*\\s*(?:--(?:\\s|$|[-+&;])|#(?:\\s|$|&)|/\\*|;\\s*--)`), needs: QUOTES },
  { name: 'quote order by', re: new RegExp(`${Q}\\s*\\)*\\s*(?:order|group)\\s+by\\s+\\d`), needs: QUOTES },
  {
    name: 'stacked query',
    re: /;\s*(?:drop\s+(?:table|database)|insert\s+into|update\s+\S+\s+set\b|delete\s+from|select\s+[\w*@(]|exec(?:ute)?\s+\w|declare\s+@|shutdown\b|create\s+(?:table|user|database|procedure)|alter\s+(?:table|user)|truncate\s+table)/,
    needs: [';'],
  },
  {
    name: 'time-based',
    re: /\b(?:sleep|pg_sleep)\s*\(\s*\d|\bbenchmark\s*\(\s*\d+\s*,|\bwaitfor\s+delay\s*['"\d]|\bdbms_(?:pipe\.receive_message|lock\.sleep)\s*\(/,
    needs: ['sleep', 'benchmark', 'waitfor', 'dbms_'],
  },
  {
    name: 'schema probing',
    re: /\binformation_schema\b|@@version\b|\b(?:load_file|extractvalue|updatexml)\s*\(|\binto\s+(?:out|dump)file\b|\bxp_cmdshell\b|\bsysobjects\b|\bmysql\.user\b/,
    needs: ['information_schema', '@@version', 'load_file', 'extractvalue', 'updatexml', 'into', 'xp_cmdshell', 'sysobjects', 'mysql.user'],
  },
  {
    // A parameter that is a query: a select list of *, NULL, @@var, a list or a function call, or one
    // column read FROM a table with a clause after it. "select a product from the list" is prose.
    name: 'select from',
    re: /(?:^|[=&?'"();])\s*select\s+(?:(?:\*|null\b|@@|[\w.`]+\s*[,(])[^;]{0,120}?\bfrom\s+[\w.`[]|[\w.`]+\s+from\s+[\w.`]+\s+(?:where|limit|order|group|union)\b)/,
    needs: ['select'],
  },
];

const TRAVERSAL_URI: Pattern = { name: 'dot-dot segment', re: /(?:^|[/\\=?&:;,'"])\.\.(?:[/\\]|;\/|$)/, needs: ['..'] };
const TRAVERSAL_DEEP: Pattern = { name: 'dot-dot segments', re: /\.\.[/\\]+(?:[^/\\]{0,40}[/\\]+)?\.\.[/\\]/, needs: ['..'] };
const SENSITIVE: Pattern = {
  name: 'sensitive file',
  re: /(?:^|[/\\=:])etc[/\\]+(?:passwd|shadow|master\.passwd|gshadow)\b|\b(?:win|boot|system)\.ini\b|[/\\]windows[/\\]+system32\b|[/\\]proc[/\\]+self[/\\]|\.ssh[/\\]+(?:id_rsa|id_dsa|id_ed25519|authorized_keys)\b|[/\\]etc[/\\]+hosts\b(?=.*\.\.)|\.\.[/\\].*[/\\]etc[/\\]+hosts\b/,
  needs: ['etc', '.ini', 'system32', 'proc', '.ssh'],
};

export interface PayloadFinding {
  type: AlertType;
  pattern: string;
  /** "uri", "header:<name>" or "body" */
  where: string;
  /** The decoded text around the match (escaped, short). */
  excerpt: string;
}

function excerpt(s: string, m: RegExpExecArray): string {
  const from = Math.max(0, m.index - 20);
  return escapeText(s.slice(from, m.index + m[0].length + 40)).slice(0, 120);
}

/** What the patterns find in one piece of text: each kind's first matching pattern and excerpt ('' when none). */
export interface Verdict {
  sqlPattern: string;
  sqlExcerpt: string;
  travPattern: string;
  travExcerpt: string;
}

/** The verdict of a text in which nothing matched, shared: most texts, and no object made for them. */
const NOTHING_FOUND: Readonly<Verdict> = Object.freeze({ sqlPattern: '', sqlExcerpt: '', travPattern: '', travExcerpt: '' });

/**
 * Whether a text holds one of the patterns' needs, as one expression of the needs as alternatives: one
 * search of the text instead of one per need (two dozen calls of includes, each a builtin call).
 */
function anyNeedOf(patterns: readonly Pattern[]): RegExp {
  const needs = [...new Set(patterns.flatMap((p) => p.needs))];
  return new RegExp(needs.map((w) => w.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')).join('|'));
}

const SQLI_NEEDED = anyNeedOf(SQLI);
const TRAVERSAL_NEEDED = anyNeedOf([TRAVERSAL_URI, TRAVERSAL_DEEP, SENSITIVE]);

/** The patterns by kind and their needs' expressions, for tests (SQLI runs over sqlForm of the normalized text, traversal over that text). */
export const PAYLOAD_PATTERNS: { readonly sqli: readonly Pattern[]; readonly traversal: readonly Pattern[]; readonly needed: { readonly sqli: RegExp; readonly traversal: RegExp } } = {
  sqli: SQLI,
  traversal: [TRAVERSAL_URI, TRAVERSAL_DEEP, SENSITIVE],
  needed: { sqli: SQLI_NEEDED, traversal: TRAVERSAL_NEEDED },
};

/**
 * The patterns' findings in one text. A text that holds none of a group's needs cannot match any of its
 * patterns, which are then not run (most texts: the ten SQLI patterns, compiled when first run, and the
 * traversal ones were run over every new URI and header value). sqlForm only puts spaces where comments
 * and whitespace were, so the SQLI patterns' needs are looked for before it, in the normalized text.
 */
function verdictOf(raw: string, uri: boolean): Verdict {
  const n = normalize(raw);
  let v: Verdict | null = null;
  if (SQLI_NEEDED.test(n)) {
    const sql = sqlForm(n);
    for (const p of SQLI) {
      const m = p.re.exec(sql);
      if (m) {
        v = { sqlPattern: p.name, sqlExcerpt: excerpt(sql, m), travPattern: '', travExcerpt: '' };
        break;
      }
    }
  }
  if (!TRAVERSAL_NEEDED.test(n)) return v ?? NOTHING_FOUND;
  for (const p of uri ? TRAVERSAL_URI_FIRST : TRAVERSAL_DEEP_FIRST) {
    const m = p.re.exec(n);
    if (m) {
      v ??= { sqlPattern: '', sqlExcerpt: '', travPattern: '', travExcerpt: '' };
      v.travPattern = p.name;
      v.travExcerpt = excerpt(n, m);
      break;
    }
  }
  return v ?? NOTHING_FOUND;
}

const TRAVERSAL_URI_FIRST = [TRAVERSAL_URI, SENSITIVE];
const TRAVERSAL_DEEP_FIRST = [TRAVERSAL_DEEP, SENSITIVE];

/**
 * Verdicts of recent texts, for URIs and for other places: the same header values (User-Agent, Accept,
 * Accept-Language) come with request after request, and decoding and running a dozen patterns over
 * each again was about half of this detector's time. A verdict depends on nothing but the text and
 * whether it is a URI, so a remembered one is what would be computed; the maps are emptied when full.
 */
const VERDICTS = [new Map<string, Verdict>(), new Map<string, Verdict>()];
const MAX_VERDICTS = 4096;
/** Longer texts (bodies, long query strings) are rarely repeated and are not remembered. */
const MAX_VERDICT_TEXT = 512;

/** Which kinds a request's findings so far still leave to look for: 1 SQL injection, 2 traversal. */
function wanted(out: PayloadFinding[]): number {
  let want = 3;
  for (let i = 0; i < out.length; i++) {
    if (out[i].type === 'SQL_INJECTION') want &= ~1;
    else if (out[i].type === 'DIRECTORY_TRAVERSAL') want &= ~2;
  }
  return want;
}

/**
 * The findings of one decoded head (inspectHead): at most two, one of each type, in the order found, in two
 * finding objects made once and filled in again for every request. An array emptied for each request
 * (`length = 0`) drops its backing store in V8, and the next push made a new one of 17 slots: with the
 * finding itself, about 180 bytes per attack request, most of what an alert storm's payload inspection
 * allocated. Read `items[0..length)` before the next request fills them in.
 */
export class HeadFindings {
  length = 0;
  /** What wanted() gives for the findings so far: bit 1 an SQL injection still wanted, bit 2 a traversal. */
  want = 3;
  readonly items: readonly [PayloadFinding, PayloadFinding] = [
    { type: 'SQL_INJECTION', pattern: '', where: '', excerpt: '' },
    { type: 'SQL_INJECTION', pattern: '', where: '', excerpt: '' },
  ];

  clear(): void {
    this.length = 0;
    this.want = 3;
  }

  /** Adds a verdict's findings of the kinds still wanted (addFindings' order). */
  add(v: Verdict, where: string): void {
    if (this.want & 1 && v.sqlPattern !== '') this.put('SQL_INJECTION', v.sqlPattern, where, v.sqlExcerpt, 1);
    if (this.want & 2 && v.travPattern !== '') this.put('DIRECTORY_TRAVERSAL', v.travPattern, where, v.travExcerpt, 2);
  }

  private put(type: AlertType, pattern: string, where: string, excerpt: string, bit: number): void {
    const f = this.items[this.length++];
    f.type = type;
    f.pattern = pattern;
    f.where = where;
    f.excerpt = excerpt;
    this.want &= ~bit;
  }
}

/** Adds a verdict's findings of the kinds still wanted. */
function addFindings(v: Verdict, want: number, where: string, out: PayloadFinding[]): void {
  if (want & 1 && v.sqlPattern !== '') out.push({ type: 'SQL_INJECTION', pattern: v.sqlPattern, where, excerpt: v.sqlExcerpt });
  if (want & 2 && v.travPattern !== '') out.push({ type: 'DIRECTORY_TRAVERSAL', pattern: v.travPattern, where, excerpt: v.travExcerpt });
}

/** Checks one piece of a request. `uri` pieces allow a single ../; headers and bodies need two. */
export function inspectText(raw: string, where: string, out: PayloadFinding[]): void {
  if (raw.length === 0) return;
  const want = wanted(out);
  if (want === 0) return;
  const uri = where === 'uri';
  let v: Verdict | undefined;
  if (raw.length <= MAX_VERDICT_TEXT) {
    const memo = VERDICTS[uri ? 1 : 0];
    v = memo.get(raw);
    if (v === undefined) {
      v = verdictOf(raw, uri);
      if (memo.size >= MAX_VERDICTS) memo.clear();
      memo.set(raw, v);
    }
  } else {
    v = verdictOf(raw, uri);
  }
  addFindings(v, want, where, out);
}

/**
 * The same verdicts remembered by the bytes of the text (Latin-1, one char per byte: the same text),
 * for pieces read off a decoded head: a repeated URI or header value is looked up without making its
 * string, which is made only to work out a verdict not remembered.
 */
const BYTE_VERDICTS = [new ByteMemo<Verdict>(MAX_VERDICTS, MAX_VERDICTS * 64), new ByteMemo<Verdict>(MAX_VERDICTS, MAX_VERDICTS * 64)];

/**
 * The verdict on the text of bytes [from, to) of `b` (not empty); `uri` as for inspectText. With
 * `head`, the bytes are its URI, whose text is taken from the head when it must be made (the head keeps
 * it, and a rule on http.uri then reads the same string).
 */
function verdictOfBytes(b: Uint8Array, from: number, to: number, uri: boolean, head: HttpHead | null): Verdict {
  if (to - from > MAX_VERDICT_TEXT) return verdictOf(head?.uri ?? latin1(b, from, to - from), uri);
  const memo = BYTE_VERDICTS[uri ? 1 : 0];
  let v = memo.get(b, from, to);
  if (v === undefined) {
    v = verdictOf(head?.uri ?? latin1(b, from, to - from), uri);
    memo.set(b, from, to, v);
  }
  return v;
}

/** Header fields not inspected (lower case): Host is an address; Content-Length and friends are numbers. Everything else a client controls. */
const SKIPPED_HEADERS = ['host', 'content-length', 'connection', 'accept-encoding'];
/** SKIPPED_HEADERS as bytes, for inspectHead. */
const NAME_SKIPPED = SKIPPED_HEADERS.map((n) => Array.from(n, (c) => c.charCodeAt(0)));

/** Whether the header name at [from, to) of `b` is one inspectRequest passes over, ignoring ASCII case. */
function skippedName(b: Uint8Array, from: number, to: number): boolean {
  const len = to - from;
  for (let k = 0; k < NAME_SKIPPED.length; k++) {
    const want = NAME_SKIPPED[k];
    if (want.length !== len) continue;
    let i = 0;
    while (i < len) {
      const c = b[from + i];
      if ((c >= 0x41 && c <= 0x5a ? c | 0x20 : c) !== want[i]) break;
      i++;
    }
    if (i === len) return true;
  }
  return false;
}

/**
 * inspectRequest for a head decoded by the decoder, on its bytes: the URI, the header values in order
 * (the same ones skipped), then `bodyLen` bytes of body at `bodyOff` of `data`; the same findings in the
 * same order, with no string made for a piece whose verdict is remembered.
 */
export function inspectHead(h: HttpHead, data: Uint8Array, bodyOff: number, bodyLen: number, out: HeadFindings): void {
  const b = h.bytes;
  const base = h.base;
  if (h.sp2 > h.sp1 + 1) out.add(verdictOfBytes(b, h.sp1 + 1 - base, h.sp2 - base, true, h), 'uri');
  const f = h.fields;
  for (let i = 0; i < h.fieldCount; i++) {
    const at = i * FIELD_INTS;
    if (skippedName(b, f[at] - base, f[at + 1] - base)) continue;
    const vs = f[at + 2] - base;
    const ve = f[at + 3] - base;
    const want = out.want;
    if (ve > vs && want !== 0) {
      const v = verdictOfBytes(b, vs, ve, false, null);
      if ((want & 1 && v.sqlPattern !== '') || (want & 2 && v.travPattern !== '')) out.add(v, `header:${h.name(i)}`);
    }
    if (out.length >= 2) break;
  }
  const end = Math.min(data.length, bodyOff + bodyLen);
  if (out.length < 2 && end > bodyOff) {
    if (out.want !== 0) out.add(verdictOfBytes(data, bodyOff, end, false, null), 'body');
  }
}

// ---------------------------------------------------------------------------------------------------
// Requests

export interface RequestParts {
  method: string;
  uri: string;
  headers: Array<[string, string]>;
  body: string;
  /** Body bytes announced but not in this packet. */
  remaining: number;
}

const METHODS = ['GET', 'POST', 'PUT', 'HEAD', 'DELETE', 'OPTIONS', 'PATCH', 'TRACE', 'CONNECT', 'PROPFIND'] as const;
const METHOD_RE = new RegExp(`^(${METHODS.join('|')}) (\\S+) HTTP\\/\\d`);
/** The methods as bytes, each followed by the space METHOD_RE requires. */
const METHOD_BYTES = METHODS.map((m) => Uint8Array.from(m + ' ', (c) => c.charCodeAt(0)));

/**
 * True when the bytes at `off` begin with a method and a space, as METHOD_RE needs: checked on the bytes
 * so that TLS records and other binary payloads that merely start with a capital letter are not first
 * made into text (that string was most of what this detector allocated).
 */
function startsWithMethod(b: Uint8Array, off: number, len: number): boolean {
  for (const m of METHOD_BYTES) {
    if (len < m.length || b[off] !== m[0]) continue;
    let i = 1;
    while (i < m.length && b[off + i] === m[i]) i++;
    if (i === m.length) return true;
  }
  return false;
}

/** Parses a request from raw TCP payload text (when the decoder did not). */
export function parseRequest(text: string): RequestParts | null {
  const m = METHOD_RE.exec(text.slice(0, 8300));
  if (!m) return null;
  const headEnd = text.indexOf('\r\n\r\n');
  const head = headEnd >= 0 ? text.slice(0, headEnd) : text;
  const lines = head.split(/\r?\n/);
  const headers: Array<[string, string]> = [];
  let clen = 0;
  for (let i = 1; i < lines.length && i < 200; i++) {
    const c = lines[i].indexOf(':');
    if (c <= 0) continue;
    const name = lines[i].slice(0, c).trim();
    const value = lines[i].slice(c + 1).trim();
    headers.push([name, value]);
    if (name.toLowerCase() === 'content-length') clen = Number(value) || 0;
  }
  const body = headEnd >= 0 ? text.slice(headEnd + 4, headEnd + 4 + MAX_BODY) : '';
  return { method: m[1], uri: m[2], headers, body, remaining: Math.max(0, clen - (headEnd >= 0 ? text.length - headEnd - 4 : 0)) };
}

export function inspectRequest(r: RequestParts): PayloadFinding[] {
  const out: PayloadFinding[] = [];
  inspectText(r.uri, 'uri', out);
  for (const [name, value] of r.headers) {
    if (SKIPPED_HEADERS.includes(name.toLowerCase())) continue;
    inspectText(value, `header:${name}`, out);
    if (out.length >= 2) break;
  }
  if (out.length < 2 && r.body) inspectText(r.body, 'body', out);
  return out;
}

interface Continuation {
  remaining: number;
  ts: number;
  method: string;
  uri: string;
}

/** Key of a connection direction, for request bodies that continue in later segments (built only when needed). */
function flowKeyOf(p: Packet): string {
  return `${p.ipSrc}|${p.srcPort}|${p.ipDst}|${p.dstPort}`;
}

/**
 * A finding's episode key: its connection (one episode per connection). An IPv4 connection is six UTF-16 code
 * units (each address as two, each port as one) made in one string: the text key it replaces (addresses and
 * ports joined by spaces) was made in four concatenations and two number-to-text conversions, then flattened by
 * the funnel, and in an alert storm every attack request made one, kept as long as its episode. The key is
 * compared, never shown; an IPv6 connection keeps the text form, which is never six units long.
 */
export function connectionKey(src4: number, src6: string, srcPort: number, dst4: number, dst6: string, dstPort: number): string {
  if (src6 === '' && dst6 === '') return String.fromCharCode(src4 >>> 16, src4 & 0xffff, srcPort, dst4 >>> 16, dst4 & 0xffff, dstPort);
  return `${addrText(src4, src6)} ${srcPort} ${addrText(dst4, dst6)} ${dstPort}`;
}

export function createPayloadInspector(_settings: Settings, raise: Raise): Detector {
  const continuations = new BoundedMap<string, Continuation>(MAX_CONTINUATIONS);
  let requests = 0;
  let lastSweep = 0;

  // The packet path's helpers read the time from the packet (p.ts): a time passed as a number argument
  // to a call V8 does not inline is boxed into a new heap number, and one passed in several branches of
  // onPacket is boxed once ahead of them all, on every packet.
  /**
   * `head`: the decoder's head of the request, whose method, URI and host are read only for an alert that is
   * made (in an alert storm most are folded, and each read of the URI or host made a string); null: `method`,
   * `uri` and `host` are the request's.
   */
  const report = (p: Packet, f: PayloadFinding, head: HttpHead | null, method: string, uri: string, host: string | null): void => {
    const now = p.ts;
    const src = addrText(p.ip4Src, p.ip6Src);
    const dst = addrText(p.ip4Dst, p.ip6Dst);
    // One episode per connection: a key of the source alone folded a second connection's request into
    // the first one's alert, which then showed one flow's ports with the other's URI.
    const key = connectionKey(p.ip4Src, p.ip6Src, p.srcPort, p.ip4Dst, p.ip6Dst, p.dstPort);
    // Over its storm budget (an alert storm): folded from these facts, no message or details made.
    if (raise.foldNew?.(f.type, 'HIGH', now, key, src, dst, p.srcPort, p.dstPort, 'TCP')) return;
    if (head !== null) {
      method = head.method ?? '';
      uri = head.uri ?? '';
      host = head.host;
    }
    const what = f.type === 'SQL_INJECTION' ? 'SQL injection' : 'Directory traversal';
    const shownUri = escapeText(uri).slice(0, 256);
    raise({
      type: f.type,
      severity: 'HIGH',
      message: `${what} attempt from ${src}: ${method} ${shownUri.slice(0, 120)} (${f.pattern} in ${f.where})`,
      ts: now,
      key,
      src_ip: src,
      dst_ip: dst,
      src_port: p.srcPort,
      dst_port: p.dstPort,
      proto: 'TCP',
      details: {
        method,
        uri: shownUri,
        host: host === null ? undefined : escapeText(host).slice(0, 128),
        where: f.where,
        pattern: f.pattern,
        match: f.excerpt,
        patterns: [f.pattern],
      },
    });
  };

  /** Findings of the current request (cleared for each). */
  const found = new HeadFindings();

  const onHead = (p: Packet, h: HttpHead): void => {
    requests++;
    const remaining = Math.max(0, (h.contentLength ?? 0) - h.bodyLen);
    if (remaining > 0) continuations.set(flowKeyOf(p), { remaining, ts: p.ts, method: h.method ?? '', uri: h.uri ?? '' });
    found.clear();
    inspectHead(h, p.data, h.bodyOff, Math.min(h.bodyLen, MAX_BODY), found);
    for (let i = 0; i < found.length; i++) report(p, found.items[i], h, '', '', null);
  };

  // Its own function: a closure over `now` inside onPacket made V8 allocate a context for every packet.
  const sweep = (now: number): void => {
    lastSweep = now;
    continuations.sweep((c) => now - c.ts > 60_000);
  };

  return {
    name: 'payload',
    wants: PK_TCP_DATA,
    onPacket(p: Packet): void {
      if (!(p.layers & LAYER_TCP) || p.payloadLen === 0 || p.tcpFlags & TCP_RST) return;
      const h = p.http;
      let parts: RequestParts | null = null;
      let host: string | null = null;
      if (h instanceof HttpHead) {
        // The decoder's head: inspected on its bytes; strings are made for what an alert shows.
        if (h.kind === 'request') onHead(p, h);
      } else if (h && h.kind === 'request' && h.uri !== null) {
        const bodyLen = Math.min(h.bodyLen, MAX_BODY);
        parts = {
          method: h.method ?? '',
          uri: h.uri,
          headers: h.headers,
          body: bodyLen > 0 ? latin1(p.data, h.bodyOff, bodyLen) : '',
          remaining: Math.max(0, (h.contentLength ?? 0) - h.bodyLen),
        };
        host = h.host;
      } else if (!h) {
        const b0 = p.data[p.payloadOff];
        if (b0 >= 65 && b0 <= 90 && startsWithMethod(p.data, p.payloadOff, Math.min(p.payloadLen, p.data.length - p.payloadOff))) {
          // Starts with an upper-case letter: maybe a request line the decoder did not parse.
          parts = parseRequest(latin1(p.data, p.payloadOff, Math.min(p.payloadLen, 8300 + MAX_BODY)));
          if (parts) host = parts.headers.find(([n]) => n.toLowerCase() === 'host')?.[1] ?? null;
        }
        if (!parts && continuations.size > 0) {
          const flowKey = flowKeyOf(p);
          const c = continuations.get(flowKey);
          if (c) {
            // More body of a request seen earlier on this connection.
            const body = latin1(p.data, p.payloadOff, Math.min(p.payloadLen, MAX_BODY));
            c.remaining -= p.payloadLen;
            if (c.remaining <= 0) continuations.delete(flowKey);
            const out: PayloadFinding[] = [];
            inspectText(body, 'body', out);
            for (const f of out) report(p, f, null, c.method, c.uri, null);
          }
        }
      }
      if (parts) {
        requests++;
        if (parts.remaining > 0) continuations.set(flowKeyOf(p), { remaining: parts.remaining, ts: p.ts, method: parts.method, uri: parts.uri });
        for (const f of inspectRequest(parts)) report(p, f, null, parts.method, parts.uri, host);
      }
      const now = p.ts;
      if (now - lastSweep >= 30_000) sweep(now);
    },
    status() {
      return { requests, continuations: continuations.size };
    },
  };
}
