// The documentation holds together: every relative link in README.md, CONTRIBUTING.md and docs/ leads to
// a file (and heading) that exists, the README stays a short front door, and every command-line option
// is both in `netguard --help` and in the README's options table.
import { readFileSync, readdirSync, existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildProgram } from '../../src/cli/args.js';
import { ROOT, runNetguard } from '../helpers/netguard.js';

function docFiles(): string[] {
  const docs = readdirSync(path.join(ROOT, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .map((f) => path.join(ROOT, 'docs', f));
  return [path.join(ROOT, 'README.md'), path.join(ROOT, 'CONTRIBUTING.md'), ...docs];
}

/** Markdown text without its fenced code blocks (a `# comment` there is no heading). */
function withoutFences(md: string): string {
  return md.replace(/^```[\s\S]*?^```/gm, '');
}

/** Markdown text with fenced code blocks and inline code removed: links inside code are examples. */
function prose(md: string): string {
  return withoutFences(md).replace(/`[^`\n]*`/g, '');
}

/** GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens. */
export function slug(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N} _-]/gu, '')
    .replace(/ /g, '-');
}

function anchors(md: string): Set<string> {
  const out = new Set<string>();
  for (const m of withoutFences(md).matchAll(/^#{1,6} (.+)$/gm)) out.add(slug(m[1].replace(/`/g, '')));
  return out;
}

function links(md: string): string[] {
  return [...prose(md).matchAll(/\]\(([^)\s]+)\)/g)].map((m) => m[1]);
}

describe('documentation links', () => {
  const files = docFiles();

  it('finds the pages it checks', () => {
    expect(files.length).toBeGreaterThan(10);
    for (const f of files) expect(existsSync(f), f).toBe(true);
  });

  it('has no relative link to a missing file or heading', () => {
    const broken: string[] = [];
    let checked = 0;
    for (const file of files) {
      const md = readFileSync(file, 'utf8');
      for (const target of links(md)) {
        if (/^[a-z]+:/i.test(target)) continue;
        checked++;
        const [rel, anchor] = target.split('#') as [string, string | undefined];
        const dest = rel === '' ? file : path.resolve(path.dirname(file), rel);
        if (!existsSync(dest)) {
          broken.push(`${path.relative(ROOT, file)}: ${target} (no such file)`);
          continue;
        }
        if (anchor && statSync(dest).isFile() && dest.endsWith('.md') && !anchors(readFileSync(dest, 'utf8')).has(anchor)) {
          broken.push(`${path.relative(ROOT, file)}: ${target} (no such heading)`);
        }
      }
    }
    expect(broken).toEqual([]);
    expect(checked).toBeGreaterThan(20);
  });

  it('the link checker itself reports a missing file and a missing heading', () => {
    expect(links('see [a](docs/none.md) and `[b](x.md)` and\n```\n[c](y.md)\n```\n')).toEqual(['docs/none.md']);
    expect(anchors('# Alert outputs\n```\n# not a heading\n```\n## `netguard alerts`\n')).toEqual(new Set(['alert-outputs', 'netguard-alerts']));
    expect(slug('Syslog (RFC 5424)')).toBe('syslog-rfc-5424');
  });
});

describe('README', () => {
  const readme = readFileSync(path.join(ROOT, 'README.md'), 'utf8');

  it('is a front door of at most about 300 lines that starts with the two commands', () => {
    expect(readme.split('\n').length).toBeLessThanOrEqual(320);
    const first = readme.indexOf('## ');
    expect(readme.slice(first, first + 20)).toBe('## Two commands\n\nOn ');
    expect(readme).toContain('npm start -- <netguard arguments>');
    expect(readme).toContain('npm test ');
  });

  it('has every command-line option in both --help and the options table', async () => {
    const help = await runNetguard(['--help']);
    expect(help.code).toBe(0);
    const table = readme.slice(readme.indexOf('| option | default | meaning |'));
    const rows = table.slice(0, table.indexOf('\n\n')).split('\n');
    const flags = buildProgram().options.flatMap((o) => [o.short, o.long].filter((f): f is string => !!f));
    expect(flags).toContain('--batch');
    const missing: string[] = [];
    for (const flag of flags) {
      if (!new RegExp(`(^|[\\s,])${flag}([\\s,<\\[]|$)`, 'm').test(help.stdout)) missing.push(`${flag} not in --help`);
      if (!rows.some((r) => r.split('|')[1]?.includes(`\`${flag}`) || new RegExp(`[\`, ]${flag}[\` ,]`).test(r.split('|')[1] ?? ''))) missing.push(`${flag} not in the README's options table`);
    }
    expect(missing).toEqual([]);
  });
});
