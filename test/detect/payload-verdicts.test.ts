// Payload inspection remembers the verdict of recently seen texts (the same User-Agent and Accept values
// come with every request): a text seen again, in the same or another place, gives exactly the findings
// it gave the first time and those its place calls for (a lone ../ is evidence in a URI, not in a
// header), also after the remembered verdicts were emptied for being full, and for texts too long to
// be remembered.
import { describe, expect, it } from 'vitest';
import { inspectText, type PayloadFinding } from '../../src/detect/payload-inspection.js';

function findings(text: string, where: string, before: PayloadFinding[] = []): PayloadFinding[] {
  const out = [...before];
  inspectText(text, where, out);
  return out;
}

const TEXTS = [
  'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36',
  '/index.php?id=1%27%20UNION%20SELECT%20password%20FROM%20users--',
  "/item?id=5' OR '1'='1",
  '/static/../../etc/passwd',
  '../config.php',
  '/download?file=..%252f..%252fwin.ini',
  "admin'--",
  '*/*',
];

describe('payload verdicts of repeated texts', () => {
  it('a text seen again gives the same findings, named by the place it is seen in now', () => {
    for (const t of TEXTS) {
      const first = findings(t, 'uri');
      for (let i = 0; i < 3; i++) expect(findings(t, 'uri')).toEqual(first);
      const inHeader = findings(t, 'header:User-Agent');
      expect(findings(t, 'header:Referer')).toEqual(inHeader.map((f) => ({ ...f, where: 'header:Referer' })));
      expect(findings(t, 'header:User-Agent')).toEqual(inHeader);
    }
    // A single ../ is a traversal in the URI only; the remembered URI verdict is not used for a header.
    expect(findings('../config.php', 'uri').map((f) => f.type)).toEqual(['DIRECTORY_TRAVERSAL']);
    expect(findings('../config.php', 'header:Referer')).toEqual([]);
    expect(findings('../config.php', 'body')).toEqual([]);
    expect(findings('/static/../../etc/passwd', 'header:X').map((f) => f.pattern)).toEqual(['dot-dot segments']);
  });

  it('what the request already has is not found twice', () => {
    const sqli = findings("/item?id=5' OR '1'='1", 'uri');
    expect(sqli.map((f) => f.type)).toEqual(['SQL_INJECTION']);
    // SQL injection already found in the URI: a header with more SQL adds nothing, a traversal still counts.
    const more = findings("x' UNION SELECT 1-- ../../etc/passwd", 'header:Cookie', sqli);
    expect(more.map((f) => f.type)).toEqual(['SQL_INJECTION', 'DIRECTORY_TRAVERSAL']);
    expect(more[0]).toEqual(sqli[0]);
    expect(more[1].where).toBe('header:Cookie');
    const both = findings("x' UNION SELECT 1-- ../../etc/passwd", 'header:Cookie');
    expect(findings('../../etc/shadow', 'body', both)).toEqual(both);
  });

  it('gives the same findings after thousands of other texts emptied what it remembered, and for long texts', () => {
    const before = TEXTS.map((t) => [findings(t, 'uri'), findings(t, 'header:A')]);
    for (let i = 0; i < 10_000; i++) findings(`/page/${i}.html?q=${i % 7 === 0 ? "1' or '1'='1" : 'x'}`, 'uri');
    expect(TEXTS.map((t) => [findings(t, 'uri'), findings(t, 'header:A')])).toEqual(before);
    const long = `${'a'.repeat(2000)}' UNION SELECT secret FROM keys`;
    const f = findings(long, 'body');
    expect(f.map((x) => x.pattern)).toEqual(['union select']);
    expect(findings(long, 'body')).toEqual(f);
  });
});
