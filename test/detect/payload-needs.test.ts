// Every text a payload pattern matches holds one of that pattern's needs (else skipping texts without them would miss attacks), on attack strings and seeded texts joined from the patterns' pieces.
import { describe, expect, it } from 'vitest';
import { rng } from '../../bench/traffic-gen.js';
import { inspectText, normalize, PAYLOAD_PATTERNS, sqlForm, type PayloadFinding, type Pattern } from '../../src/detect/payload-inspection.js';

/** Pieces the patterns are made of, in both cases and encodings, so that random joins of them match often. */
const PIECES = [
  "'", '"', '`', ' ', '  ', '\t', '+', '%20', '%27', '%2527', '(', ')', '*', ',', ';', '=', '<>', '!=', '<=>', '<', '>', '||', '&&', '#',
  '--', '-- ', '/*', '*/', '/**/', '/*!50000', '@', '@@', '.', '..', '/', '\\', '%2f', '%5c', '%2e', '%c0%af', '%u002e', '?', '&', ':',
  '1', '2', '5', '1=1', '2 = 2', '5 like 5', 'order by 1', 'group by 2', '=select * from t', 'select 1,2 from t', 'select a from t where', '../../', '..\\x\\..\\', '0x7e', 'a', 'x', 'id', 'users', 'or', 'OR', 'and', 'AND', 'xor', 'like', 'LIKE', 'is', 'in', 'true', 'false', 'not',
  'union', 'UNION', 'all', 'distinct', 'select', 'SELECT', 'from', 'where', 'limit', 'order', 'group', 'by', 'null', 'drop', 'table',
  'database', 'insert', 'into', 'update', 'set', 'delete', 'exec', 'execute', 'declare', 'shutdown', 'create', 'user', 'procedure',
  'alter', 'truncate', 'sleep', 'pg_sleep', 'benchmark', 'waitfor', 'delay', 'dbms_pipe.receive_message', 'dbms_lock.sleep',
  'information_schema', 'version', 'load_file', 'extractvalue', 'updatexml', 'outfile', 'dumpfile', 'xp_cmdshell', 'sysobjects',
  'mysql.user', 'etc', 'passwd', 'shadow', 'hosts', 'win.ini', 'boot.ini', 'system.ini', 'windows', 'system32', 'proc', 'self',
  '.ssh', 'id_rsa', 'authorized_keys',
];

const SEPARATORS = ['', '', ' ', ' ', '/', '+'];

/** Whether `s` holds one of `needs`: false proves that no pattern with these needs can match it. */
function holdsOne(s: string, needs: readonly string[]): boolean {
  return needs.some((w) => s.includes(w));
}

function randomText(next: () => number): string {
  const n = 2 + Math.floor(next() * 10);
  let s = '';
  for (let i = 0; i < n; i++) s += PIECES[Math.floor(next() * PIECES.length)] + SEPARATORS[Math.floor(next() * SEPARATORS.length)];
  return s;
}

const ATTACKS = [
  "/item.php?id=1' UNION SELECT username,password FROM users--",
  '/p?id=1%27%20union%20all%20select%201,2,3--',
  '/p?id=1+UNION/**/SELECT+null,version()',
  '/p?id=1/*!50000UNION*//*!50000SELECT*/1,2',
  "/login?user=admin'--&pass=x",
  "/search?q=x%27%20or%20%27a%27%3D%27a",
  '/dvwa/?id=%25%27+or+%270%27%3D%270',
  '/p?id=1 or 1=1',
  '/p?id=1 or 1 like 1',
  '/p?id=1;DROP TABLE users',
  '/p?id=1%3B%20exec%20xp_cmdshell(%27dir%27)',
  "/p?id=1' AND SLEEP(5)--",
  '/p?id=1 AND BENCHMARK(5000000,MD5(1))',
  "/p?id=1';WAITFOR DELAY '0:0:5'--",
  '/p?id=1 and extractvalue(1,concat(0x7e,@@version))',
  '/p?id=(select table_name from information_schema.tables)',
  '/p?id=select name from sysobjects where 1',
  "/p?id=1' ORDER BY 3--+",
  '/download?file=../../../../etc/passwd',
  '/download?file=%252e%252e%252f%252e%252e%252fwindows/win.ini',
  '/download?file=..%c0%af..%c0%afetc/passwd',
  '/a/b/..\\..\\..\\windows\\system32\\drivers\\etc\\hosts',
  '/static/%u002e%u002e/%u002e%u002e/etc/passwd',
  '/page?file=/etc/passwd',
  '/x?f=/proc/self/environ',
  '/x?f=~/.ssh/id_rsa',
];

/** Checks pattern p on raw text t: a match (on the text p runs over) must come with one of p's needs in the normalized text. */
function check(p: Pattern, sqli: boolean, t: string): boolean {
  const n = normalize(t);
  const matched = p.re.test(sqli ? sqlForm(n) : n);
  if (matched) expect(holdsOne(n, p.needs), `${p.name} matched ${JSON.stringify(t)} without any of its needs`).toBe(true);
  return matched;
}

describe('payload pattern needs', () => {
  it('every attack string matched holds one of the needs of each pattern that matches it', () => {
    let matches = 0;
    for (const t of ATTACKS) {
      for (const p of PAYLOAD_PATTERNS.sqli) if (check(p, true, t)) matches++;
      for (const p of PAYLOAD_PATTERNS.traversal) if (check(p, false, t)) matches++;
    }
    expect(matches).toBeGreaterThan(ATTACKS.length);
  });

  it('holds on 200,000 texts joined from the patterns own pieces, and each pattern matches many of them', () => {
    const next = rng(15);
    const hits = new Map<string, number>();
    for (let i = 0; i < 200_000; i++) {
      const t = randomText(next);
      // The one expression per group holds exactly when a need of the group is held.
      const n = normalize(t);
      expect(PAYLOAD_PATTERNS.needed.sqli.test(n)).toBe(holdsOne(n, PAYLOAD_PATTERNS.sqli.flatMap((p) => p.needs)));
      expect(PAYLOAD_PATTERNS.needed.traversal.test(n)).toBe(holdsOne(n, PAYLOAD_PATTERNS.traversal.flatMap((p) => p.needs)));
      for (const p of PAYLOAD_PATTERNS.sqli) if (check(p, true, t)) hits.set(p.name, (hits.get(p.name) ?? 0) + 1);
      for (const p of PAYLOAD_PATTERNS.traversal) if (check(p, false, t)) hits.set(p.name, (hits.get(p.name) ?? 0) + 1);
    }
    // Every pattern was put to the test, not just the easy ones.
    for (const p of [...PAYLOAD_PATTERNS.sqli, ...PAYLOAD_PATTERNS.traversal]) expect(hits.get(p.name) ?? 0, p.name).toBeGreaterThan(5);
  });

  it('a need left out is caught: for each need, a text a pattern matches holding that need of the pattern and no other', () => {
    const examples: Record<string, string[]> = {
      'union select': ['1 union select 1'],
      'quote tautology': ["x' or 'a'='a", 'x" or "a"="a', 'x` or `a`=`a'],
      'quote boolean': ["x' or true", 'x" or true', 'x` or true'],
      'numeric tautology': ['x or 1=1', 'x or 1 like 1'],
      'quote comment': ["admin'--", 'admin"--', 'admin`--'],
      'quote order by': ["x' order by 3", 'x" order by 3', 'x` order by 3'],
      'stacked query': ['1;drop table users'],
      'time-based': ['sleep(5)', 'benchmark(5,md5(1))', "waitfor delay '0:0:5'", 'dbms_pipe.receive_message(1)'],
      'schema probing': ['information_schema', '@@version', 'load_file(1)', 'extractvalue(1)', 'updatexml(1)', 'into outfile', 'xp_cmdshell', 'sysobjects', 'mysql.user'],
      'select from': ['=select * from users'],
      'dot-dot segment': ['/../x'],
      'dot-dot segments': ['../../x'],
      'sensitive file': ['/etc/passwd', 'win.ini', '/windows/system32', '/proc/self/', '.ssh/id_rsa'],
    };
    for (const p of [...PAYLOAD_PATTERNS.sqli, ...PAYLOAD_PATTERNS.traversal]) {
      const sqli = PAYLOAD_PATTERNS.sqli.includes(p);
      const list = examples[p.name];
      expect(list, p.name).toBeDefined();
      expect(list.length, p.name).toBe(p.needs.length);
      p.needs.forEach((w, k) => {
        const n = normalize(list[k]);
        expect(p.re.test(sqli ? sqlForm(n) : n), `${p.name}: ${list[k]}`).toBe(true);
        // The text holds this need of the pattern and no other: without it in the list, the check would fail.
        expect(p.needs.filter((x) => n.includes(x)), `${p.name}: ${list[k]}`).toEqual([w]);
      });
    }
  });

  it('findings are the patterns findings: texts that hold no need find nothing, others what the patterns say', () => {
    const next = rng(99);
    for (let i = 0; i < 20_000; i++) {
      const t = `${randomText(next)}${i}`;
      for (const where of ['uri', 'header:X', 'body']) {
        const out: PayloadFinding[] = [];
        inspectText(t, where, out);
        const n = normalize(t);
        const sql = PAYLOAD_PATTERNS.sqli.find((p) => p.re.test(sqlForm(n)));
        const [uriDots, deepDots, sensitive] = PAYLOAD_PATTERNS.traversal;
        const trav = (where === 'uri' ? [uriDots, sensitive] : [deepDots, sensitive]).find((p) => p.re.test(n));
        expect(out.map((f) => f.pattern)).toEqual([...(sql ? [sql.name] : []), ...(trav ? [trav.name] : [])]);
      }
    }
  });
});
